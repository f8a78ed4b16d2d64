//! The match thread's use of the backend workers (`USE_BACKEND=true`):
//! observer logons wait for the key check, and the moments of a match's
//! life (created, started, shopping, removed) make the reference's calls.
//! Results come back as [`Command::Backend`] and are applied here, in
//! arrival order with every other command; nothing here waits.

use std::collections::HashMap;

use super::Hub;
use crate::backend::{Bridge, Finished, KeyCheck, MatchFacts, Moment, Organization, registered};
use crate::game::{ConnId, KeyVerdict, Match, Parser, Removal};
use crate::json::js_value::JsValue;
use crate::replay::KeyCheck as ReplayKeyCheck;

/// What the match thread keeps for the backend.
pub(super) struct Link {
    pub(super) bridge: Bridge,
    /// Observer logons waiting for their key check: the logon text (for
    /// the match's creation afterwards).
    awaiting_key: HashMap<ConnId, String>,
    /// The key check of the logon being finished, for its replay header.
    checked: Option<ReplayKeyCheck>,
    parser: Parser,
}

impl Link {
    pub(super) fn new(bridge: Bridge) -> Self {
        Link {
            bridge,
            awaiting_key: HashMap::new(),
            checked: None,
            parser: Parser::default(),
        }
    }

    /// A JSON value from a service as the game model holds JSON.
    fn js(&mut self, v: &serde_json::Value) -> JsValue {
        self.parser
            .parse(v.to_string().as_bytes(), |v| v.to_js())
            .unwrap_or(JsValue::Undefined)
    }
}

/// The logon verdict a key check gives.
pub(super) fn verdict(check: &KeyCheck) -> KeyVerdict {
    match check {
        KeyCheck::Valid(org) => KeyVerdict::Valid {
            organization_id: Some(Organization::match_organization_id(org))
                .filter(|id| !id.is_empty()),
            is_supporter: org.is_supporter,
        },
        other => KeyVerdict::Invalid {
            reason: other.reason().to_owned(),
        },
    }
}

/// What a data event may change that matters to the backend.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Snapshot {
    match_id: String,
    round_number: f64,
    round_phase: String,
}

impl Snapshot {
    fn of(m: &Match) -> Self {
        Snapshot {
            match_id: m.match_id().to_owned(),
            round_number: m.round_number(),
            round_phase: m.round_phase().to_owned(),
        }
    }
}

/// The moments between two snapshots of the same match, in the order the
/// reference meets them.
pub(super) fn moments(before: &Snapshot, after: &Snapshot) -> Vec<Moment> {
    let mut out = Vec::new();
    if after.match_id != before.match_id && !after.match_id.is_empty() {
        out.push(Moment::Started);
    }
    let new_phase =
        after.round_phase != before.round_phase || after.round_number != before.round_number;
    if new_phase && after.round_phase == "shopping" {
        out.push(Moment::Shopping {
            round: after.round_number,
        });
    }
    out
}

/// The match as the reference sends it to the organisation backend: the
/// broadcast form plus `groupSecret` (after `groupCode`) and the whole
/// `tools.playercamsInfo` (with `secret` and `endTime`).
fn backend_json(m: &Match, state_buf: &mut Vec<u8>) -> String {
    state_buf.clear();
    m.write_state(state_buf);
    let Ok(serde_json::Value::Object(state)) = serde_json::from_slice(state_buf) else {
        return String::from_utf8_lossy(state_buf).into_owned();
    };
    let mut out = serde_json::Map::with_capacity(state.len() + 1);
    for (k, v) in state {
        let after_code = k == "groupCode";
        out.insert(k, v);
        if after_code {
            out.insert(
                "groupSecret".to_owned(),
                serde_json::Value::String(m.group_secret().to_owned()),
            );
        }
    }
    let mut cams = Vec::new();
    m.playercams_info().write_json(&mut cams);
    if let (Ok(full), Some(tools)) = (
        serde_json::from_slice::<serde_json::Value>(&cams),
        out.get_mut("tools")
            .and_then(serde_json::Value::as_object_mut),
    ) && tools.contains_key("playercamsInfo")
    {
        tools.insert("playercamsInfo".to_owned(), full);
    }
    serde_json::Value::Object(out).to_string()
}

fn facts(m: &Match, state_buf: &mut Vec<u8>) -> MatchFacts {
    let (identifier, secret) = m.playercam_credentials().unwrap_or_default();
    MatchFacts {
        group_code: m.group_code().to_owned(),
        match_id: m.match_id().to_owned(),
        match_json: backend_json(m, state_buf),
        playercam_identifier: identifier,
        playercam_secret: secret,
        registered: m.is_registered(),
    }
}

impl Hub {
    /// Attaches the backend workers (`USE_BACKEND=true`).
    pub fn with_backend(mut self, bridge: Bridge) -> Self {
        self.backend = Some(Link::new(bridge));
        self
    }

    /// What the replay header records of the key check: the organisation
    /// and supporter status the backend gave, nothing for a local key.
    pub(super) fn replay_key_check(&mut self) -> ReplayKeyCheck {
        self.backend
            .as_mut()
            .and_then(|l| l.checked.take())
            .unwrap_or_default()
    }

    /// Remembers an observer logon that waits for its key check.
    pub(super) fn await_key(&mut self, conn: ConnId, text: &str) {
        if let Some(link) = &mut self.backend {
            link.awaiting_key.insert(conn, text.to_owned());
        }
    }

    /// Sends a key to be checked; false without a backend.
    pub(super) fn verify_key(&mut self, conn: ConnId, key: String, now: u64) -> bool {
        let Some(link) = &self.backend else {
            return false;
        };
        if let Some(refused) = link.bridge.verify_key(conn, key) {
            self.on_backend(refused, now);
        }
        true
    }

    /// Snapshot of the connection's match before a data event (backend only).
    pub(super) fn snapshot(&self, conn: ConnId) -> Option<(String, Snapshot)> {
        self.backend.as_ref()?;
        let group = self.registry.group_of(conn)?;
        let m = self.registry.get(group)?;
        Some((group.to_owned(), Snapshot::of(m)))
    }

    /// After a data event: the calls of the moments it reached.
    pub(super) fn after_event(&mut self, before: Option<(String, Snapshot)>, now: u64) {
        let Some((group, before)) = before else {
            return;
        };
        let Some(m) = self.registry.get(&group) else {
            return;
        };
        let found = moments(&before, &Snapshot::of(m));
        if found.is_empty() {
            return;
        }
        let facts = facts(m, &mut self.state_buf);
        for moment in found {
            self.moment(moment, &facts, now);
        }
    }

    pub(super) fn backend_match_created(&mut self, group: &str, now: u64) {
        if self.backend.is_none() {
            return;
        }
        if let Some(m) = self.registry.get(group) {
            let facts = facts(m, &mut self.state_buf);
            self.moment(Moment::Created, &facts, now);
        }
    }

    pub(super) fn backend_match_removed(&mut self, last: &Match, why: Removal, now: u64) {
        if self.backend.is_none() {
            return;
        }
        let facts = facts(last, &mut self.state_buf);
        let moment = match why {
            Removal::GameEnd => Moment::GameEnd,
            Removal::Idle => Moment::IdleRemoval,
        };
        self.moment(moment, &facts, now);
    }

    fn moment(&mut self, moment: Moment, facts: &MatchFacts, now: u64) {
        let Some(link) = &self.backend else {
            return;
        };
        for refused in link.bridge.moment(moment, facts) {
            self.on_backend(refused, now);
        }
    }

    /// Applies a result from the backend workers.
    pub(super) fn on_backend(&mut self, done: Finished, now: u64) {
        match done {
            Finished::KeyChecked { conn, check } => {
                let Some(text) = self
                    .backend
                    .as_mut()
                    .and_then(|l| l.awaiting_key.remove(&conn))
                else {
                    return;
                };
                let verdict = verdict(&check);
                if let (
                    KeyVerdict::Valid {
                        organization_id,
                        is_supporter,
                    },
                    Some(link),
                ) = (&verdict, self.backend.as_mut())
                {
                    link.checked = Some(ReplayKeyCheck {
                        organization_id: organization_id.clone(),
                        is_supporter: Some(*is_supporter),
                    });
                }
                let mut outcome = self.registry.obs_logon_verdict(conn, verdict, now);
                let created = outcome.created.take();
                self.apply(outcome, "obs_logon", Some(conn));
                self.logon_finished(created, &text, now);
                if let Some(link) = &mut self.backend {
                    link.checked = None;
                }
            }
            Finished::Registered {
                group_code,
                outcome,
            } => {
                if !registered(&outcome) {
                    return;
                }
                let Some((first_player, all, match_id)) = self.registry.update(&group_code, |m| {
                    m.set_registered();
                    let teams: Vec<Vec<String>> = m
                        .teams()
                        .iter()
                        .map(|t| {
                            t.players()
                                .iter()
                                .map(|p| p.player_id().to_owned())
                                .collect()
                        })
                        .collect();
                    let first_player = teams
                        .first()
                        .and_then(|t| t.first())
                        .cloned()
                        .unwrap_or_default();
                    let all: Vec<String> = teams.into_iter().flatten().collect();
                    (first_player, all, m.match_id().to_owned())
                }) else {
                    return;
                };
                let refused = self.backend.as_ref().and_then(|l| {
                    l.bridge
                        .registered(&group_code, &match_id, first_player, all)
                });
                if let Some(r) = refused {
                    self.on_backend(r, now);
                }
            }
            Finished::Playercams {
                group_code,
                outcome: Ok(cams),
            } => {
                let Some(link) = &mut self.backend else {
                    return;
                };
                let enabled = link.js(&cams.enabled_players);
                let overrides = link.js(&cams.name_overrides);
                self.registry
                    .update(&group_code, |m| m.apply_playercams(enabled, overrides));
            }
            Finished::Playercams { .. } => {}
            Finished::PlayerMmr { group_code, tiers } => {
                self.registry.update(&group_code, |m| {
                    m.apply_player_mmr(
                        tiers
                            .iter()
                            .map(|t| (t.puuid.as_str(), t.current_tier, t.peak_tier)),
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;

    fn snap(id: &str, round: f64, phase: &str) -> Snapshot {
        Snapshot {
            match_id: id.into(),
            round_number: round,
            round_phase: phase.into(),
        }
    }

    #[test]
    fn moments_follow_the_state() {
        assert_eq!(
            moments(&snap("", 0.0, "LOBBY"), &snap("m", 0.0, "LOBBY")),
            vec![Moment::Started]
        );
        assert_eq!(
            moments(&snap("m", 1.0, "combat"), &snap("m", 2.0, "shopping")),
            vec![Moment::Shopping { round: 2.0 }]
        );
        assert_eq!(
            moments(&snap("m", 2.0, "shopping"), &snap("m", 2.0, "shopping")),
            vec![]
        );
        assert_eq!(
            moments(&snap("m", 2.0, "shopping"), &snap("m", 2.0, "combat")),
            vec![]
        );
    }

    #[test]
    fn key_checks_become_logon_verdicts() {
        let org = |id: Option<&str>, sup| {
            KeyCheck::Valid(Organization {
                id: id.map(|s| s.into()),
                name: None,
                is_supporter: sup,
            })
        };
        assert_eq!(
            verdict(&org(Some("o1"), true)),
            KeyVerdict::Valid {
                organization_id: Some("o1".into()),
                is_supporter: true
            }
        );
        assert_eq!(
            verdict(&org(None, false)),
            KeyVerdict::Valid {
                organization_id: None,
                is_supporter: false
            }
        );
        for (c, r) in [
            (KeyCheck::Invalid, "Invalid Key"),
            (KeyCheck::Expired, "Expired Key"),
            (KeyCheck::Failed(BackendError::QueueFull), "Unknown Error"),
        ] {
            assert_eq!(verdict(&c), KeyVerdict::Invalid { reason: r.into() });
        }
    }
}
