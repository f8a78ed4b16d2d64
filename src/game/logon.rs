//! Logon rules shared by observer and auxiliary clients: client version
//! range, group code safety, key policy, and the ack payloads, word for word.

use crate::json::escape::write_string;
use crate::json::js_value::JsValue;

/// The `type` of an observer logon and of every rejection ack.
pub const AUTH: &str = "authenticate";
/// The `type` of an auxiliary logon and of its success ack.
pub const AUX_AUTH: &str = "aux_authenticate";

/// The reference's "Invalid packet." rejection reason.
pub const INVALID_PACKET: &str = "Invalid packet.";

/// Longest group code accepted (it becomes part of a replay file name).
pub const MAX_GROUP_CODE_LEN: usize = 100;

/// Key validity reasons, as the backend and the reference word them.
pub const INVALID_KEY: &str = "Invalid Key";

/// Whether a client version is inside the supported range
/// `>=0.3.3 <0.3.25` (node-semver rules: a leading `v` and surrounding
/// white space are allowed, pre-releases never match).
pub fn is_compatible_version(v: &JsValue) -> bool {
    let Some(s) = v.as_str() else {
        return false;
    };
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let Ok(ver) = semver::Version::parse(s) else {
        return false;
    };
    if !ver.pre.is_empty() {
        return false;
    }
    let t = (ver.major, ver.minor, ver.patch);
    ((0, 3, 3)..(0, 3, 25)).contains(&t)
}

/// The reference's incompatible-version reason (its server version is
/// `undefined` there, and clients show this text).
pub fn incompatible_reason(v: &JsValue) -> String {
    format!(
        "Client version {} is not compatible with server version undefined.",
        v.to_js_string()
    )
}

/// Why a group code cannot be used (a deliberate deviation from the
/// reference, which accepts any string and puts it into a file name).
pub fn group_code_problem(code: &str) -> Option<&'static str> {
    if code.len() > MAX_GROUP_CODE_LEN {
        return Some("is longer than 100 characters");
    }
    if code.contains('/') || code.contains('\\') || code.contains("..") {
        return Some("contains '/', '\\' or '..'");
    }
    if code.chars().any(char::is_control) {
        return Some("contains control characters");
    }
    None
}

/// The rejection reason for an unusable group code.
pub fn invalid_group_code_reason(problem: &str) -> String {
    format!("Invalid Group Code: it {problem}.")
}

pub fn exists_reason(group_code: &JsValue) -> String {
    format!(
        "Game with Group Code {} exists and is still live.",
        group_code.to_js_string()
    )
}

pub fn match_not_found_reason(match_id: &JsValue) -> String {
    format!("Game with Match ID {} not found.", match_id.to_js_string())
}

/// `JSON.stringify({type, value, reason})`.
pub fn ack(ty: &str, value: bool, reason: Option<&str>) -> String {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"{\"type\":");
    write_string(&mut out, ty);
    out.extend_from_slice(if value {
        b",\"value\":true"
    } else {
        b",\"value\":false"
    });
    if let Some(reason) = reason {
        out.extend_from_slice(b",\"reason\":");
        write_string(&mut out, reason);
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// Whether an [`ack`] says yes: its `type` is one of ours, so the first
/// `"value":` is the verdict.
pub fn ack_accepted(payload: &str) -> bool {
    payload.contains(",\"value\":true")
}

/// How observer keys are checked (`REQUIRE_AUTH_KEY`, `AUTH_KEY`,
/// `USE_BACKEND`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthPolicy {
    /// `REQUIRE_AUTH_KEY` is not "false": keys must match `auth_key`.
    pub require_auth_key: bool,
    /// `AUTH_KEY`: the one key accepted locally.
    pub auth_key: Option<String>,
    /// `USE_BACKEND=true`: other keys are asked of the organisation backend
    /// ([`crate::game::Effect::VerifyKey`], answered with
    /// [`crate::game::Registry::obs_logon_verdict`]).
    pub use_backend: bool,
}

/// What the policy says about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyDecision {
    Valid,
    Invalid(&'static str),
    AskBackend,
}

/// The backend's answer about an observer's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyVerdict {
    /// Accepted: create or join the match.
    Valid {
        /// The match's `organizationId` (`None`: the backend gave none).
        organization_id: Option<String>,
        /// The organisation is a supporter.
        is_supporter: bool,
    },
    /// Rejected, with the reason the ack carries ("Invalid Key",
    /// "Expired Key", "Unknown Error").
    Invalid {
        /// The reason.
        reason: String,
    },
}

impl AuthPolicy {
    /// Every key is accepted (`REQUIRE_AUTH_KEY=false`).
    pub fn open() -> Self {
        AuthPolicy::default()
    }

    /// Decides locally, or defers to the backend.
    pub fn check(&self, key: &JsValue) -> KeyDecision {
        if !self.require_auth_key {
            return KeyDecision::Valid;
        }
        match (&self.auth_key, key) {
            (Some(expected), JsValue::Str(k)) if expected == k => KeyDecision::Valid,
            _ if self.use_backend => KeyDecision::AskBackend,
            _ => KeyDecision::Invalid(INVALID_KEY),
        }
    }
}

/// A fresh group secret: 12 characters from `A-Z0-9`, from the OS's
/// random source.
pub fn random_group_secret() -> String {
    const CHARS: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::with_capacity(12);
    while out.len() < 12 {
        let mut buf = [0u8; 16];
        if getrandom::fill(&mut buf).is_err() {
            // Fall back to the address-space and time entropy std offers.
            let seed = std::collections::hash_map::RandomState::new();
            use std::hash::BuildHasher;
            let h = seed.hash_one(out.len());
            buf[..8].copy_from_slice(&h.to_le_bytes());
        }
        for b in buf {
            // 252 = 7 * 36: reject the tail so every character is equally likely.
            if b < 252 && out.len() < 12 {
                out.push(char::from(CHARS[usize::from(b % 36)]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_range_is_0_3_3_up_to_but_excluding_0_3_25() {
        let ok = |s: &str| is_compatible_version(&JsValue::str(s));
        assert!(ok("0.3.3"));
        assert!(ok("0.3.24"));
        assert!(ok("v0.3.10"));
        assert!(ok(" 0.3.4 "));
        assert!(!ok("0.3.2"));
        assert!(!ok("0.3.25"));
        assert!(!ok("1.0.0"));
        assert!(!ok("0.3.10-beta"));
        assert!(!ok("0.3"));
        assert!(!is_compatible_version(&JsValue::Num(3.0)));
        assert!(!is_compatible_version(&JsValue::Undefined));
    }

    #[test]
    fn incompatible_version_reason_names_undefined_server_version() {
        assert_eq!(
            incompatible_reason(&JsValue::Undefined),
            "Client version undefined is not compatible with server version undefined."
        );
    }

    #[test]
    fn unsafe_group_codes_are_rejected() {
        assert!(group_code_problem("GF2MAP").is_none());
        assert!(group_code_problem("../etc").is_some());
        assert!(group_code_problem("a/b").is_some());
        assert!(group_code_problem("a\\b").is_some());
        assert!(group_code_problem("a\nb").is_some());
        assert!(group_code_problem(&"x".repeat(101)).is_some());
        assert!(group_code_problem("").is_none());
    }

    #[test]
    fn acks_serialize_like_the_reference() {
        assert_eq!(
            ack(AUTH, false, Some(INVALID_PACKET)),
            r#"{"type":"authenticate","value":false,"reason":"Invalid packet."}"#
        );
        assert_eq!(
            ack(AUX_AUTH, true, None),
            r#"{"type":"aux_authenticate","value":true}"#
        );
        assert!(ack_accepted(&ack(AUX_AUTH, true, None)));
        assert!(!ack_accepted(&ack(AUTH, false, Some(INVALID_PACKET))));
    }

    #[test]
    fn group_secrets_are_twelve_uppercase_alphanumerics() {
        let s = random_group_secret();
        assert_eq!(s.len(), 12);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
    }

    #[test]
    fn auth_policy_checks_the_static_key() {
        assert_eq!(
            AuthPolicy::open().check(&JsValue::Undefined),
            KeyDecision::Valid
        );
        let mut p = AuthPolicy {
            require_auth_key: true,
            auth_key: Some("k".into()),
            use_backend: false,
        };
        assert_eq!(p.check(&JsValue::str("k")), KeyDecision::Valid);
        assert_eq!(
            p.check(&JsValue::str("x")),
            KeyDecision::Invalid(INVALID_KEY)
        );
        p.use_backend = true;
        assert_eq!(p.check(&JsValue::str("x")), KeyDecision::AskBackend);
    }
}
