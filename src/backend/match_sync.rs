//! Match registration with the organisation backend.
//!
//! Reference facts: `POST {BACKEND_URL}/system/match/{matchId}/register`
//! when the match starts (`match_start` with `USE_BACKEND=true`), `PUT
//! .../update` at every `shopping` phase after round 1 while registered,
//! `PUT .../complete` at `game_end` and when an idle match is dropped after
//! 30 minutes, while registered. Headers as every backend call; the body is
//! `{"match": <the match object>}` (the whole match, secrets included, minus
//! its replay log, event counter and timer handles). Only 200 is success;
//! anything else is logged. The match counts as registered once the backend
//! answered at all (the reference does not look at the status), and stays
//! unregistered when it could not be reached.

use super::error::BackendError;
use super::key::with_backend_headers;
use super::pool::{Ctx, Job};
use super::text::path_segment;
use super::transport::{Call, Verb};
use crate::config::BackendConfig;

/// Which of the three match calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    /// `POST .../register` at `match_start`.
    Register,
    /// `PUT .../update` at a `shopping` phase after round 1.
    Update,
    /// `PUT .../complete` at `game_end` or idle removal.
    Complete,
}

impl SyncKind {
    fn path(self) -> &'static str {
        match self {
            SyncKind::Register => "register",
            SyncKind::Update => "update",
            SyncKind::Complete => "complete",
        }
    }

    fn verb(self) -> Verb {
        match self {
            SyncKind::Register => Verb::Post,
            SyncKind::Update | SyncKind::Complete => Verb::Put,
        }
    }

    fn label(self) -> &'static str {
        match self {
            SyncKind::Register => "register match",
            SyncKind::Update => "update match",
            SyncKind::Complete => "complete match",
        }
    }
}

/// One register/update/complete call. `match_json` is the match object's
/// JSON text in the backend's form (the match thread serializes it at the
/// moment of the call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncMatch {
    /// Which call.
    pub kind: SyncKind,
    /// The match's id, a path segment of the URL.
    pub match_id: String,
    /// The match object's JSON text, sent as `{"match": ...}`.
    pub match_json: String,
}

/// The status the backend answered, or why there was none.
pub type SyncOutcome = Result<u16, BackendError>;

/// Whether a register outcome makes the match registered.
pub fn registered(outcome: &SyncOutcome) -> bool {
    outcome.is_ok()
}

pub(crate) fn sync_call(cfg: &BackendConfig, job: &SyncMatch) -> Result<Call, BackendError> {
    let base = cfg
        .backend_url
        .as_deref()
        .ok_or(BackendError::NotConfigured("BACKEND_URL"))?;
    let url = format!(
        "{base}/system/match/{}/{}",
        path_segment(&job.match_id),
        job.kind.path()
    );
    let body = format!("{{\"match\":{}}}", job.match_json);
    Ok(with_backend_headers(Call::new(job.kind.label(), job.kind.verb(), url), cfg).body(body))
}

impl Job for SyncMatch {
    type Output = SyncOutcome;
    const NAME: &'static str = "match sync";

    fn run(self, ctx: &Ctx) -> SyncOutcome {
        let label = self.kind.label();
        let out = sync_call(&ctx.cfg, &self)
            .and_then(|c| ctx.transport.send(&c))
            .map(|r| r.status);
        match &out {
            Ok(200) => log::debug!("{label} {}: done", self.match_id),
            Ok(s) => log::error!("{label} {}: HTTP {s}", self.match_id),
            Err(e) => log::error!("{label} {}: {e}", self.match_id),
        }
        out
    }

    fn refused(err: BackendError) -> SyncOutcome {
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_follow_the_reference() {
        let cfg = BackendConfig {
            backend_url: Some("http://b".into()),
            backend_token: Some("t".into()),
            ..Default::default()
        };
        let job = |kind| SyncMatch {
            kind,
            match_id: "m-1".into(),
            match_json: r#"{"groupCode":"G"}"#.into(),
        };
        let r = sync_call(&cfg, &job(SyncKind::Register)).unwrap();
        assert_eq!(
            (r.verb, r.url.as_str()),
            (Verb::Post, "http://b/system/match/m-1/register")
        );
        assert_eq!(r.body.as_deref(), Some(r#"{"match":{"groupCode":"G"}}"#));
        assert_eq!(r.headers.len(), 2);
        let u = sync_call(&cfg, &job(SyncKind::Update)).unwrap();
        assert_eq!(
            (u.verb, u.url.as_str()),
            (Verb::Put, "http://b/system/match/m-1/update")
        );
        let c = sync_call(&cfg, &job(SyncKind::Complete)).unwrap();
        assert_eq!(
            (c.verb, c.url.as_str()),
            (Verb::Put, "http://b/system/match/m-1/complete")
        );
    }

    #[test]
    fn any_answer_registers() {
        assert!(registered(&Ok(200)));
        assert!(registered(&Ok(500)));
        assert!(!registered(&Err(BackendError::Unreachable("x".into()))));
    }
}
