//! The stats service.
//!
//! Reference facts: every call is a `POST {STATS_BACKEND_URL}/{path}` with
//! `Content-Type: application/json` and `Authentication: {STATS_BACKEND_TOKEN}`
//! (that header name, not `Authorization`). Right after a successful match
//! registration, in order: `addMatch` `{"code","matchUuid"}` (200/201 ok),
//! `updateMatchRegion` `{"matchUuid","accountPuuid"}` with the first player
//! of the first team (`""` when it has none), `fetchPlayerMMR`
//! `{"matchUuid","accountPuuids"}` with every player of both teams; a 200
//! answer's `results` (`[{puuid, currentMMRTier, peakMMRTier}]`) set those
//! players' tiers. 15 s after a registered match ends: `fetchMatchStats`
//! `{"matchUuid"}`. A failing step is logged and the next one still runs.

use serde_json::{Value, json};

use super::error::BackendError;
use super::pool::{Ctx, Job};
use super::text::parse_json;
use super::transport::{Call, Reply, Verb};
use crate::config::BackendConfig;

/// Seconds the reference waits after `game_end` before `fetchMatchStats`.
pub const FETCH_STATS_DELAY_MS: u64 = 15_000;

pub(crate) fn stats_call(
    cfg: &BackendConfig,
    label: &'static str,
    path: &str,
    body: &Value,
) -> Result<Call, BackendError> {
    let base = cfg
        .stats_backend_url
        .as_deref()
        .ok_or(BackendError::NotConfigured("STATS_BACKEND_URL"))?;
    let call = Call::new(label, Verb::Post, format!("{base}/{path}"))
        .header("Content-Type", "application/json");
    let call = match &cfg.stats_backend_token {
        Some(t) => call.header("Authentication", t.clone()),
        None => call,
    };
    Ok(call.body(body.to_string()))
}

/// One player's tiers; a tier that is not a number is `None` (null).
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerMmr {
    /// The player's Riot account id.
    pub puuid: String,
    /// `currentMMRTier`.
    pub current_tier: Option<f64>,
    /// `peakMMRTier`.
    pub peak_tier: Option<f64>,
}

/// The tiers a `fetchPlayerMMR` answer carries (none unless 200 with
/// a `results` array).
pub fn read_mmr_reply(reply: &Reply) -> Result<Vec<PlayerMmr>, BackendError> {
    if reply.status != 200 {
        return Err(BackendError::Status(reply.status));
    }
    let v = parse_json(&reply.body)?;
    let Some(results) = v.get("results").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    Ok(results
        .iter()
        .filter_map(|r| {
            Some(PlayerMmr {
                puuid: r.get("puuid")?.as_str()?.to_owned(),
                current_tier: r.get("currentMMRTier").and_then(Value::as_f64),
                peak_tier: r.get("peakMMRTier").and_then(Value::as_f64),
            })
        })
        .collect())
}

/// The three calls after registration; the output is the tiers to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsMatchStart {
    /// The match's group code (`addMatch`'s `code`).
    pub group_code: String,
    /// The match's id (`matchUuid`).
    pub match_id: String,
    /// The account the match's region is read from (`updateMatchRegion`).
    pub first_player_id: String,
    /// The accounts whose tiers are fetched (`fetchPlayerMMR`).
    pub player_ids: Vec<String>,
}

fn step(ctx: &Ctx, label: &'static str, path: &str, body: Value, ok: &[u16]) -> Option<Reply> {
    match stats_call(&ctx.cfg, label, path, &body).and_then(|c| ctx.transport.send(&c)) {
        Ok(r) if ok.contains(&r.status) => Some(r),
        Ok(r) => {
            log::error!("stats {label} failed: HTTP {}", r.status);
            None
        }
        Err(e) => {
            log::error!("stats {label} failed: {e}");
            None
        }
    }
}

impl Job for StatsMatchStart {
    type Output = Vec<PlayerMmr>;
    const NAME: &'static str = "stats match start";

    fn run(self, ctx: &Ctx) -> Vec<PlayerMmr> {
        let m = &self.match_id;
        step(
            ctx,
            "add match",
            "addMatch",
            json!({ "code": self.group_code, "matchUuid": m }),
            &[200, 201],
        );
        step(
            ctx,
            "update match region",
            "updateMatchRegion",
            json!({ "matchUuid": m, "accountPuuid": self.first_player_id }),
            &[200],
        );
        let Some(reply) = step(
            ctx,
            "fetch player MMR",
            "fetchPlayerMMR",
            json!({ "matchUuid": m, "accountPuuids": self.player_ids }),
            &[200],
        ) else {
            return Vec::new();
        };
        read_mmr_reply(&reply).unwrap_or_else(|e| {
            log::error!("stats fetch player MMR: {e}");
            Vec::new()
        })
    }

    fn refused(_err: BackendError) -> Vec<PlayerMmr> {
        Vec::new()
    }
}

/// Asks the stats service to fetch a finished match's stats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsFetch {
    /// The finished match's id (`matchUuid`).
    pub match_id: String,
}

impl Job for StatsFetch {
    type Output = bool;
    const NAME: &'static str = "stats fetch";

    fn run(self, ctx: &Ctx) -> bool {
        step(
            ctx,
            "fetch match stats",
            "fetchMatchStats",
            json!({ "matchUuid": self.match_id }),
            &[200],
        )
        .is_some()
    }

    fn refused(_err: BackendError) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_carry_the_token_in_authentication() {
        let cfg = BackendConfig {
            stats_backend_url: Some("http://st".into()),
            stats_backend_token: Some("tk".into()),
            ..Default::default()
        };
        let c = stats_call(
            &cfg,
            "x",
            "addMatch",
            &json!({"code": "G", "matchUuid": "m"}),
        )
        .unwrap();
        assert_eq!((c.verb, c.url.as_str()), (Verb::Post, "http://st/addMatch"));
        assert_eq!(
            c.headers,
            vec![
                ("Content-Type", "application/json".to_owned()),
                ("Authentication", "tk".to_owned())
            ]
        );
        assert_eq!(c.body.as_deref(), Some(r#"{"code":"G","matchUuid":"m"}"#));
    }

    #[test]
    fn mmr_results_are_read_leniently() {
        let r = Reply::text;
        let got = read_mmr_reply(&r(
            200,
            r#"{"results":[{"puuid":"a","currentMMRTier":21,"peakMMRTier":24},{"puuid":"b","currentMMRTier":null},{"x":1}]}"#,
        ))
        .unwrap();
        assert_eq!(
            got,
            vec![
                PlayerMmr {
                    puuid: "a".into(),
                    current_tier: Some(21.0),
                    peak_tier: Some(24.0)
                },
                PlayerMmr {
                    puuid: "b".into(),
                    current_tier: None,
                    peak_tier: None
                }
            ]
        );
        assert_eq!(read_mmr_reply(&r(200, "{}")).unwrap(), vec![]);
        assert_eq!(
            read_mmr_reply(&r(500, "{}")),
            Err(BackendError::Status(500))
        );
        assert!(read_mmr_reply(&r(200, "nope")).is_err());
    }
}
