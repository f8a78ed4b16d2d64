//! Access-key validation (`obs_logon`, `/getOrgForKey`, `/createPreview`)
//! and the supporter check that follows a valid key.
//!
//! Reference facts: `GET {BACKEND_URL}/system/validateAccessKey/{key}` with
//! `Content-Type: application/json` and `X-User-Token: {BACKEND_TOKEN}`;
//! 200 → the body's `id` and `name` are the organisation, then
//! `GET {SUPPORTER_CHECK_URL}/{id}` (no headers) whose 200 body's
//! `isSupporter` decides supporter status (anything else: not a supporter);
//! 401 → "Invalid Key", 403 → "Expired Key", any other status →
//! "Unknown Error". The reference leaves a logon unanswered when the backend
//! cannot be reached or answers 200 with a body that is not JSON; here those
//! are "Unknown Error" too, the outcome the reference's own enum names.

use serde_json::Value;

use super::error::BackendError;
use super::pool::{Ctx, Job};
use super::text::{parse_json, path_segment};
use super::transport::{Call, Reply, Verb};
use crate::config::{AuthConfig, BackendConfig};
use crate::json::js_json::{js_string_of, truthy};

/// The organisation a valid key belongs to. `id` and `name` are kept as the
/// backend sent them (`None` when absent), since `/getOrgForKey` echoes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub(crate) id: Option<Value>,
    pub(crate) name: Option<Value>,
    pub(crate) is_supporter: bool,
}

impl Organization {
    /// The match's `organizationId`: the reference copies the id when it is
    /// truthy and otherwise leaves `""`.
    pub fn match_organization_id(&self) -> String {
        if truthy(self.id.as_ref()) {
            js_string_of(self.id.as_ref())
        } else {
            String::new()
        }
    }

    /// The `/getOrgForKey` body: `{"id","name","isSupporter"}`, an absent
    /// field left out as `JSON.stringify` leaves out `undefined`.
    pub fn to_json(&self) -> String {
        let mut o = serde_json::Map::new();
        if let Some(id) = &self.id {
            o.insert("id".to_owned(), id.clone());
        }
        if let Some(name) = &self.name {
            o.insert("name".to_owned(), name.clone());
        }
        o.insert("isSupporter".to_owned(), Value::Bool(self.is_supporter));
        Value::Object(o).to_string()
    }
}

/// What the organisation backend said about a key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyCheck {
    /// 200: the key belongs to this organisation.
    Valid(Organization),
    /// 401: the key does not exist.
    Invalid,
    /// 403: the key has expired.
    Expired,
    /// Any other status, or no usable answer.
    Failed(BackendError),
}

impl KeyCheck {
    /// The key was accepted.
    pub fn is_valid(&self) -> bool {
        matches!(self, KeyCheck::Valid(_))
    }

    /// The reference's reason string (sent in `obs_logon_ack`).
    pub fn reason(&self) -> &'static str {
        match self {
            KeyCheck::Valid(_) => "",
            KeyCheck::Invalid => "Invalid Key",
            KeyCheck::Expired => "Expired Key",
            KeyCheck::Failed(_) => "Unknown Error",
        }
    }

    /// Supporter status for the match (`false` unless the backend said so).
    pub fn is_supporter(&self) -> bool {
        matches!(self, KeyCheck::Valid(o) if o.is_supporter)
    }

    /// The organisation of a valid key.
    pub fn organization(&self) -> Option<&Organization> {
        match self {
            KeyCheck::Valid(o) => Some(o),
            _ => None,
        }
    }
}

/// How a key is decided before any call, as the reference's ingest does:
/// anything goes when `REQUIRE_AUTH_KEY=false`, `AUTH_KEY` itself is
/// accepted locally (no organisation, not a supporter), and only with
/// `USE_BACKEND=true` is any other key sent to the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRoute {
    /// Accepted without a call (no organisation, not a supporter).
    AcceptLocally,
    /// Refused without a call.
    RejectLocally,
    /// Ask the backend about this key, as the reference spells it in the URL.
    AskBackend(String),
}

pub(crate) fn route_key(auth: &AuthConfig, use_backend: bool, key: Option<&Value>) -> KeyRoute {
    if !auth.require_auth_key {
        return KeyRoute::AcceptLocally;
    }
    if let (Some(Value::String(k)), Some(local)) = (key, auth.auth_key.as_deref())
        && k == local
    {
        return KeyRoute::AcceptLocally;
    }
    if !use_backend {
        return KeyRoute::RejectLocally;
    }
    match key {
        // The reference would ask about `[object Object]` and the like,
        // which no backend knows.
        Some(Value::Array(_) | Value::Object(_)) => KeyRoute::RejectLocally,
        other => KeyRoute::AskBackend(js_string_of(other)),
    }
}

/// The first step's meaning.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyStep {
    Organization {
        id: Option<Value>,
        name: Option<Value>,
    },
    Done(KeyCheck),
}

pub(crate) fn validate_call(cfg: &BackendConfig, key: &str) -> Result<Call, BackendError> {
    let base = cfg
        .backend_url
        .as_deref()
        .ok_or(BackendError::NotConfigured("BACKEND_URL"))?;
    let url = format!("{base}/system/validateAccessKey/{}", path_segment(key));
    Ok(with_backend_headers(
        Call::new("key validation", Verb::Get, url),
        cfg,
    ))
}

/// The two headers of every organisation-backend call. An unset token is
/// left out (the reference would send the text `undefined`).
pub fn with_backend_headers(call: Call, cfg: &BackendConfig) -> Call {
    let call = call.header("Content-Type", "application/json");
    match &cfg.backend_token {
        Some(t) => call.header("X-User-Token", t.clone()),
        None => call,
    }
}

pub(crate) fn read_validate_reply(reply: Result<Reply, BackendError>) -> KeyStep {
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return KeyStep::Done(KeyCheck::Failed(e)),
    };
    match reply.status {
        200 => match parse_json(&reply.body) {
            Ok(Value::Object(mut o)) => KeyStep::Organization {
                id: o.remove("id"),
                name: o.remove("name"),
            },
            Ok(_) => KeyStep::Done(KeyCheck::Failed(BackendError::UnexpectedShape(
                "key validation answer is not an object",
            ))),
            Err(e) => KeyStep::Done(KeyCheck::Failed(e)),
        },
        401 => KeyStep::Done(KeyCheck::Invalid),
        403 => KeyStep::Done(KeyCheck::Expired),
        other => KeyStep::Done(KeyCheck::Failed(BackendError::Status(other))),
    }
}

pub(crate) fn supporter_call(
    cfg: &BackendConfig,
    org_id: Option<&Value>,
) -> Result<Call, BackendError> {
    let base = cfg
        .supporter_check_url
        .as_deref()
        .ok_or(BackendError::NotConfigured("SUPPORTER_CHECK_URL"))?;
    let url = format!("{base}/{}", path_segment(&js_string_of(org_id)));
    Ok(Call::new("supporter check", Verb::Get, url))
}

/// Supporter status from the check's answer: only a 200 whose `isSupporter`
/// is truthy makes a supporter.
pub fn read_supporter_reply(reply: &Result<Reply, BackendError>) -> Result<bool, BackendError> {
    match reply {
        Ok(r) if r.status == 200 => match parse_json(&r.body)? {
            Value::Object(o) => Ok(truthy(o.get("isSupporter"))),
            _ => Ok(false),
        },
        Ok(_) => Ok(false),
        Err(e) => Err(e.clone()),
    }
}

/// Validates a key with the organisation backend, then checks supporter
/// status for a valid one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateKey {
    /// The key as the observer sent it.
    pub key: String,
}

impl Job for ValidateKey {
    type Output = KeyCheck;
    const NAME: &'static str = "key validation";

    fn run(self, ctx: &Ctx) -> KeyCheck {
        let reply = validate_call(&ctx.cfg, &self.key).and_then(|c| ctx.transport.send(&c));
        let (id, name) = match read_validate_reply(reply) {
            KeyStep::Done(check) => {
                match &check {
                    KeyCheck::Failed(e) => log::error!("access key validation failed: {e}"),
                    other => log::info!("access key refused: {}", other.reason()),
                }
                return check;
            }
            KeyStep::Organization { id, name } => (id, name),
        };
        log::info!(
            "access key for organization {}:{} verified",
            js_string_of(id.as_ref()),
            js_string_of(name.as_ref())
        );
        let checked = supporter_call(&ctx.cfg, id.as_ref())
            .and_then(|c| ctx.transport.send(&c))
            .and_then(|r| read_supporter_reply(&Ok(r)));
        let is_supporter = checked.unwrap_or_else(|e| {
            log::error!("supporter check failed: {e}");
            false
        });
        KeyCheck::Valid(Organization {
            id,
            name,
            is_supporter,
        })
    }

    fn refused(err: BackendError) -> KeyCheck {
        KeyCheck::Failed(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(status: u16, body: &str) -> Result<Reply, BackendError> {
        Ok(Reply::text(status, body))
    }

    fn cfg() -> BackendConfig {
        BackendConfig {
            use_backend: true,
            backend_url: Some("http://b".into()),
            backend_token: Some("tok".into()),
            supporter_check_url: Some("http://s/check".into()),
            ..Default::default()
        }
    }

    #[test]
    fn statuses_map_to_the_reference_reasons() {
        let done = |s, b| match read_validate_reply(reply(s, b)) {
            KeyStep::Done(c) => c.reason(),
            KeyStep::Organization { .. } => "org",
        };
        assert_eq!(done(401, ""), "Invalid Key");
        assert_eq!(done(403, ""), "Expired Key");
        assert_eq!(done(500, "{}"), "Unknown Error");
        assert_eq!(done(404, ""), "Unknown Error");
        assert_eq!(done(200, "{not json"), "Unknown Error");
        assert_eq!(done(200, "null"), "Unknown Error");
        assert_eq!(done(200, r#"{"id":"o1","name":"Org"}"#), "org");
        let down = read_validate_reply(Err(BackendError::Unreachable("refused".into())));
        assert_eq!(
            down,
            KeyStep::Done(KeyCheck::Failed(BackendError::Unreachable(
                "refused".into()
            )))
        );
    }

    #[test]
    fn organization_fields_are_kept_as_sent() {
        match read_validate_reply(reply(200, r#"{"id":7,"name":"Org","extra":1}"#)) {
            KeyStep::Organization { id, name } => {
                assert_eq!(id, Some(json!(7)));
                assert_eq!(name, Some(json!("Org")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn supporter_needs_200_and_a_truthy_flag() {
        assert_eq!(
            read_supporter_reply(&reply(200, r#"{"isSupporter":true}"#)),
            Ok(true)
        );
        assert_eq!(
            read_supporter_reply(&reply(200, r#"{"isSupporter":1}"#)),
            Ok(true)
        );
        assert_eq!(
            read_supporter_reply(&reply(200, r#"{"isSupporter":false}"#)),
            Ok(false)
        );
        assert_eq!(read_supporter_reply(&reply(200, r#"{}"#)), Ok(false));
        assert_eq!(read_supporter_reply(&reply(200, r#"[true]"#)), Ok(false));
        assert_eq!(
            read_supporter_reply(&reply(404, r#"{"isSupporter":true}"#)),
            Ok(false)
        );
        assert!(read_supporter_reply(&reply(200, "<html>")).is_err());
    }

    #[test]
    fn calls_have_the_reference_urls_and_headers() {
        let c = validate_call(&cfg(), "KEY-1").unwrap();
        assert_eq!(c.verb, Verb::Get);
        assert_eq!(c.url, "http://b/system/validateAccessKey/KEY-1");
        assert_eq!(
            c.headers,
            vec![
                ("Content-Type", "application/json".to_owned()),
                ("X-User-Token", "tok".to_owned())
            ]
        );
        assert_eq!(c.body, None);
        let s = supporter_call(&cfg(), Some(&json!("org-9"))).unwrap();
        assert_eq!(s.url, "http://s/check/org-9");
        assert!(s.headers.is_empty());
        let none = BackendConfig::default();
        assert_eq!(
            validate_call(&none, "k"),
            Err(BackendError::NotConfigured("BACKEND_URL"))
        );
    }

    #[test]
    fn keys_are_routed_like_the_reference_ingest() {
        let auth = |require, key: Option<&str>| AuthConfig {
            require_auth_key: require,
            auth_key: key.map(str::to_owned),
        };
        let k = json!("abc");
        assert_eq!(
            route_key(&auth(false, None), false, None),
            KeyRoute::AcceptLocally
        );
        assert_eq!(
            route_key(&auth(true, Some("abc")), true, Some(&k)),
            KeyRoute::AcceptLocally
        );
        assert_eq!(
            route_key(&auth(true, Some("x")), false, Some(&k)),
            KeyRoute::RejectLocally
        );
        assert_eq!(
            route_key(&auth(true, Some("x")), true, Some(&k)),
            KeyRoute::AskBackend("abc".into())
        );
        assert_eq!(
            route_key(&auth(true, None), true, Some(&json!(12))),
            KeyRoute::AskBackend("12".into())
        );
        assert_eq!(
            route_key(&auth(true, None), true, Some(&json!({"a": 1}))),
            KeyRoute::RejectLocally
        );
    }

    #[test]
    fn org_json_and_match_id() {
        let o = Organization {
            id: Some(json!("o1")),
            name: Some(json!("Org")),
            is_supporter: true,
        };
        assert_eq!(
            o.to_json(),
            r#"{"id":"o1","name":"Org","isSupporter":true}"#
        );
        assert_eq!(o.match_organization_id(), "o1");
        let bare = Organization {
            id: None,
            name: None,
            is_supporter: false,
        };
        assert_eq!(bare.to_json(), r#"{"isSupporter":false}"#);
        assert_eq!(bare.match_organization_id(), "");
        assert_eq!(KeyCheck::Valid(o).reason(), "");
    }
}
