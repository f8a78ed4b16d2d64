//! The reference's replay file format.
//!
//! A file `Match_<groupCode>_<logStartTime>.replay` holds, with no brackets
//! around it, the items of a JSON array:
//!
//! ```text
//! {header},\n{event},\n{event}
//! ```
//!
//! - the header is the observer's `obs_logon` payload without `key` and
//!   `type`, with `organizationId` / `isSupporter` as the key check set them,
//!   then `logStartTime` (ms since the epoch, the same number as in the name);
//! - every event is an accepted `obs_data` / `aux_data` payload with
//!   `timestamp` set to the server's receive time (ms since the epoch).
//!
//! Every item is the `JSON.stringify` of what `JSON.parse` read, so
//! [`crate::json::js_json`] writes them. The reference's player reads a file by
//! wrapping it in `[` `]`.

use serde_json::{Map, Value};

use super::stringified;
use crate::json::js_json;

/// The longest group code allowed into a file name (the name stays well under
/// the usual 255-byte limit: `Match_` + code + `_` + 13 digits + `.replay`).
pub const MAX_GROUP_CODE_BYTES: usize = 200;

/// Why a group code cannot name a replay file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsafeGroupCode {
    /// Longer than [`MAX_GROUP_CODE_BYTES`].
    TooLong {
        /// The code's length in bytes.
        bytes: usize,
    },
    /// Holds a path separator, NUL or another control character.
    ForbiddenCharacter(char),
}

impl std::fmt::Display for UnsafeGroupCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnsafeGroupCode::TooLong { bytes } => write!(
                f,
                "it is {bytes} bytes long (at most {MAX_GROUP_CODE_BYTES})"
            ),
            UnsafeGroupCode::ForbiddenCharacter(c) => {
                write!(f, "it contains the character {:?}", c)
            }
        }
    }
}

impl std::error::Error for UnsafeGroupCode {}

/// Checks that a group code can be part of a file name in the replay folder
/// and nowhere else: the reference crashes on long codes and writes outside
/// its folder for codes with `/`.
pub fn check_group_code(code: &str) -> Result<(), UnsafeGroupCode> {
    if code.len() > MAX_GROUP_CODE_BYTES {
        return Err(UnsafeGroupCode::TooLong { bytes: code.len() });
    }
    match code
        .chars()
        .find(|c| matches!(c, '/' | '\\') || c.is_control())
    {
        Some(c) => Err(UnsafeGroupCode::ForbiddenCharacter(c)),
        None => Ok(()),
    }
}

/// `Match_<groupCode>_<startMs>.replay`, for a code that passed [`check_group_code`].
pub fn file_name(group_code: &str, start_ms: u64) -> Result<String, UnsafeGroupCode> {
    check_group_code(group_code)?;
    Ok(format!("Match_{group_code}_{start_ms}.replay"))
}

/// What the reference's key check added to the logon payload before the
/// header was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyCheck {
    /// Set only when the backend named an organisation.
    pub organization_id: Option<String>,
    /// The reference assigns this unconditionally: `None` (no backend) erases a
    /// client-sent `isSupporter` from the header.
    pub is_supporter: Option<bool>,
}

/// Why an item could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The payload is not JSON text.
    NotJson(String),
    /// The payload is JSON but not an object.
    NotAnObject,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::NotJson(e) => write!(f, "payload is not JSON: {e}"),
            FormatError::NotAnObject => write!(f, "payload is not a JSON object"),
        }
    }
}

impl std::error::Error for FormatError {}

fn object(text: &str) -> Result<Map<String, Value>, FormatError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FormatError::NotAnObject),
        Err(e) => Err(FormatError::NotJson(e.to_string())),
    }
}

/// The header item from the `obs_logon` payload text.
pub fn header(
    logon_json: &str,
    key_check: &KeyCheck,
    start_ms: u64,
) -> Result<String, FormatError> {
    let mut map = object(logon_json)?;
    map.shift_remove("key");
    map.shift_remove("type");
    if let Some(org) = &key_check.organization_id {
        map.insert("organizationId".to_owned(), Value::String(org.clone()));
    }
    match key_check.is_supporter {
        Some(s) => {
            map.insert("isSupporter".to_owned(), Value::Bool(s));
        }
        None => {
            map.shift_remove("isSupporter");
        }
    }
    // The header object literal starts with a `serverVersion` that is
    // undefined (omitted) unless the payload itself carries one, in which
    // case the payload's value sits first.
    if let Some(version) = map.shift_remove("serverVersion") {
        let mut first = Map::new();
        first.insert("serverVersion".to_owned(), version);
        first.extend(map);
        map = first;
    }
    map.insert("logStartTime".to_owned(), Value::from(start_ms));
    Ok(js_json::to_string(&Value::Object(map)))
}

/// Appends the event item for an accepted data payload's text and its
/// receive time to `out`.
pub fn event(payload_json: &str, timestamp_ms: u64, out: &mut String) -> Result<(), FormatError> {
    if stringified::push_event_line(payload_json, timestamp_ms, out) {
        return Ok(());
    }
    reprinted_event(payload_json, timestamp_ms, out)
}

/// [`event`] by parsing and printing the payload: the definition that the
/// shortcut for `JSON.stringify` text (`replay/stringified.rs`) is held to.
pub fn reprinted_event(
    payload_json: &str,
    timestamp_ms: u64,
    out: &mut String,
) -> Result<(), FormatError> {
    let mut map = object(payload_json)?;
    map.insert("timestamp".to_owned(), Value::from(timestamp_ms));
    js_json::write(out, &Value::Object(map));
    Ok(())
}

/// What separates two items.
pub const DELIMITER: &str = ",\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn line(payload: &str, timestamp_ms: u64) -> Result<String, FormatError> {
        let mut out = String::new();
        event(payload, timestamp_ms, &mut out).map(|()| out)
    }

    #[test]
    fn header_drops_key_and_type_and_ends_with_the_start_time() {
        let logon = r#"{"type":"authenticate","clientVersion":"0.3.20","obsName":"Obs","key":"K","groupCode":"ABC","leftTeam":{"name":"L","tricode":"L","url":"u","attackStart":true},"toolsData":{"timeoutDuration":60.0}}"#;
        let h = header(logon, &KeyCheck::default(), 1750000000000).unwrap();
        assert_eq!(
            h,
            r#"{"clientVersion":"0.3.20","obsName":"Obs","groupCode":"ABC","leftTeam":{"name":"L","tricode":"L","url":"u","attackStart":true},"toolsData":{"timeoutDuration":60},"logStartTime":1750000000000}"#
        );
    }

    #[test]
    fn header_carries_what_the_key_check_set() {
        let logon = r#"{"type":"authenticate","isSupporter":true,"groupCode":"A","key":"k"}"#;
        let no_backend = header(logon, &KeyCheck::default(), 5).unwrap();
        assert_eq!(no_backend, r#"{"groupCode":"A","logStartTime":5}"#);
        let backend = KeyCheck {
            organization_id: Some("org1".into()),
            is_supporter: Some(false),
        };
        assert_eq!(
            header(logon, &backend, 5).unwrap(),
            r#"{"isSupporter":false,"groupCode":"A","organizationId":"org1","logStartTime":5}"#
        );
    }

    #[test]
    fn header_keeps_a_client_server_version_first_and_overwrites_log_start_time() {
        let logon = r#"{"groupCode":"A","logStartTime":1,"serverVersion":"x"}"#;
        assert_eq!(
            header(logon, &KeyCheck::default(), 9).unwrap(),
            r#"{"serverVersion":"x","groupCode":"A","logStartTime":9}"#
        );
    }

    #[test]
    fn event_sets_the_timestamp_in_place_or_at_the_end() {
        assert_eq!(
            line(
                r#"{"obsName":"o","groupCode":"A","type":"score","data":{"team_0":1,"team_1":0}}"#,
                42
            )
            .unwrap(),
            r#"{"obsName":"o","groupCode":"A","type":"score","data":{"team_0":1,"team_1":0},"timestamp":42}"#
        );
        assert_eq!(
            line(r#"{"timestamp":1,"type":"map","data":"Ascent"}"#, 42).unwrap(),
            r#"{"timestamp":42,"type":"map","data":"Ascent"}"#
        );
    }

    #[test]
    fn non_objects_are_errors() {
        assert_eq!(line("[1]", 1), Err(FormatError::NotAnObject));
        assert!(matches!(line("{", 1), Err(FormatError::NotJson(_))));
        assert!(matches!(
            header("nope", &KeyCheck::default(), 1),
            Err(FormatError::NotJson(_))
        ));
    }

    #[test]
    fn group_codes_that_could_leave_the_replay_folder_are_refused() {
        assert_eq!(file_name("ABC123", 17).unwrap(), "Match_ABC123_17.replay");
        assert_eq!(file_name("..", 1).unwrap(), "Match_.._1.replay");
        assert_eq!(
            check_group_code("../../etc/passwd"),
            Err(UnsafeGroupCode::ForbiddenCharacter('/'))
        );
        assert_eq!(
            check_group_code("a\\b"),
            Err(UnsafeGroupCode::ForbiddenCharacter('\\'))
        );
        assert_eq!(
            check_group_code("a\0b"),
            Err(UnsafeGroupCode::ForbiddenCharacter('\0'))
        );
        let long = "A".repeat(MAX_GROUP_CODE_BYTES + 1);
        assert_eq!(
            check_group_code(&long),
            Err(UnsafeGroupCode::TooLong {
                bytes: MAX_GROUP_CODE_BYTES + 1
            })
        );
        assert!(check_group_code(&"A".repeat(MAX_GROUP_CODE_BYTES)).is_ok());
        assert!(check_group_code("Spectra Cup – Finale ü").is_ok());
    }
}
