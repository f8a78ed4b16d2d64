//! Name overrides and enabled playercams from the playercam service.
//!
//! Reference facts: with `USE_BACKEND=true`, when a match is created and at
//! every `shopping` phase, if the match's `tools.playercamsInfo.identifier`
//! and `secret` are both non-empty and `PLAYERCAM_URL` is set:
//! `GET {PLAYERCAM_URL}/api/getNameOverridesAndPlayercams/{identifier}/{secret}`
//! (no headers). Whatever the status, the body is read as JSON and used only
//! when both `nameOverrides` and `enabledPlayers` are truthy; then
//! `tools.playercamsInfo.enabledPlayers` and `tools.nameOverrides.overrides`
//! take those values and the match counts as changed. Otherwise nothing
//! changes.

use serde_json::Value;

use super::error::BackendError;
use super::pool::{Ctx, Job};
use super::text::{parse_json, path_segment};
use super::transport::{Call, Reply, Verb};
use crate::config::BackendConfig;
use crate::json::js_json::truthy;

/// Whether the match has what the call needs.
pub fn wanted(identifier: &str, secret: &str) -> bool {
    !identifier.is_empty() && !secret.is_empty()
}

/// The two values to put into the match's tools, as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Playercams {
    /// For `tools.nameOverrides.overrides` (a JSON text in practice).
    pub name_overrides: Value,
    /// For `tools.playercamsInfo.enabledPlayers` (an array in practice).
    pub enabled_players: Value,
}

/// The settings, or why there are none.
pub type PlayercamOutcome = Result<Playercams, BackendError>;

pub(crate) fn playercam_call(
    cfg: &BackendConfig,
    identifier: &str,
    secret: &str,
) -> Result<Call, BackendError> {
    let base = cfg
        .playercam_url
        .as_deref()
        .ok_or(BackendError::NotConfigured("PLAYERCAM_URL"))?;
    let url = format!(
        "{base}/api/getNameOverridesAndPlayercams/{}/{}",
        path_segment(identifier),
        path_segment(secret)
    );
    Ok(Call::new("playercams", Verb::Get, url))
}

/// What a playercam answer means: the two values for the match, or why
/// there are none.
pub fn read_playercam_reply(reply: &Reply) -> PlayercamOutcome {
    let mut o = match parse_json(&reply.body)? {
        Value::Object(o) => o,
        _ => {
            return Err(BackendError::UnexpectedShape(
                "playercam answer is not an object",
            ));
        }
    };
    if !truthy(o.get("nameOverrides")) || !truthy(o.get("enabledPlayers")) {
        return Err(BackendError::UnexpectedShape(
            "playercam answer lacks nameOverrides or enabledPlayers",
        ));
    }
    Ok(Playercams {
        name_overrides: o.remove("nameOverrides").unwrap_or(Value::Null),
        enabled_players: o.remove("enabledPlayers").unwrap_or(Value::Null),
    })
}

/// Fetches a match's playercam settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPlayercams {
    /// `tools.playercamsInfo.identifier`.
    pub identifier: String,
    /// `tools.playercamsInfo.secret`.
    pub secret: String,
}

impl Job for FetchPlayercams {
    type Output = PlayercamOutcome;
    const NAME: &'static str = "playercams";

    fn run(self, ctx: &Ctx) -> PlayercamOutcome {
        let out = playercam_call(&ctx.cfg, &self.identifier, &self.secret)
            .and_then(|c| ctx.transport.send(&c))
            .and_then(|r| read_playercam_reply(&r));
        match &out {
            Err(BackendError::NotConfigured(_)) => {}
            Err(e) => log::error!("playercam request for {}: {e}", self.identifier),
            Ok(_) => {}
        }
        out
    }

    fn refused(err: BackendError) -> PlayercamOutcome {
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_need() {
        let cfg = BackendConfig {
            playercam_url: Some("http://p".into()),
            ..Default::default()
        };
        let c = playercam_call(&cfg, "id1", "s3cr3t").unwrap();
        assert_eq!(
            c.url,
            "http://p/api/getNameOverridesAndPlayercams/id1/s3cr3t"
        );
        assert_eq!(c.verb, Verb::Get);
        assert!(c.headers.is_empty());
        assert!(wanted("a", "b"));
        assert!(!wanted("", "b"));
        assert!(!wanted("a", ""));
        assert_eq!(
            playercam_call(&BackendConfig::default(), "a", "b"),
            Err(BackendError::NotConfigured("PLAYERCAM_URL"))
        );
    }

    #[test]
    fn answers_are_used_only_when_both_fields_are_truthy() {
        let ok = read_playercam_reply(&Reply::text(
            200,
            r#"{"nameOverrides":"[[\"a\",\"b\"]]","enabledPlayers":["p1"]}"#,
        ))
        .unwrap();
        assert_eq!(ok.name_overrides, serde_json::json!("[[\"a\",\"b\"]]"));
        assert_eq!(ok.enabled_players, serde_json::json!(["p1"]));
        // The status is not looked at, as in the reference.
        assert!(
            read_playercam_reply(&Reply::text(
                404,
                r#"{"nameOverrides":"[]","enabledPlayers":[]}"#
            ))
            .is_ok()
        );
        assert!(
            read_playercam_reply(&Reply::text(
                200,
                r#"{"nameOverrides":"","enabledPlayers":[]}"#
            ))
            .is_err()
        );
        assert!(read_playercam_reply(&Reply::text(200, r#"{"enabledPlayers":[]}"#)).is_err());
        assert!(read_playercam_reply(&Reply::text(500, "oops")).is_err());
    }
}
