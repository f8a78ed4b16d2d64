//! Reads a replay file back: the header and the events, as parsed JSON
//! (see [`super::format`] for the layout). A file cut short by a crash yields
//! every complete item and says it was truncated.

use std::path::Path;

use serde_json::Value;

/// A parsed replay file.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The logon payload without `key`/`type`, plus `logStartTime`.
    pub header: Value,
    /// The accepted data payloads with their `timestamp`, in order.
    pub events: Vec<Value>,
    /// The file ended inside an item (that item is left out).
    pub truncated: bool,
}

/// Why a replay file could not be read.
#[derive(Debug)]
pub enum ReplayError {
    /// The file could not be read.
    Io(std::io::Error),
    /// No complete header item.
    NoHeader,
    /// Something other than `,` between two items, at this byte offset.
    BadSeparator {
        /// Where, from the start of the file.
        offset: usize,
    },
    /// An item is not valid JSON, at this byte offset.
    BadItem {
        /// Where the item starts, from the start of the file.
        offset: usize,
        /// The JSON parser's complaint.
        error: String,
    },
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::Io(e) => write!(f, "{e}"),
            ReplayError::NoHeader => write!(f, "the file has no complete header"),
            ReplayError::BadSeparator { offset } => {
                write!(f, "expected `,` between items at byte {offset}")
            }
            ReplayError::BadItem { offset, error } => write!(f, "item at byte {offset}: {error}"),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Reads and parses a replay file.
pub fn read(path: &Path) -> Result<Replay, ReplayError> {
    let bytes = std::fs::read(path).map_err(ReplayError::Io)?;
    parse(&bytes)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    pos
}

/// A replay file's items as text, read up to its first problem.
#[derive(Debug)]
pub struct RawItems<'a> {
    /// Every complete item's text, in order (the header first).
    pub items: Vec<&'a str>,
    /// Where the last complete item ends: what a writer appending to the
    /// file keeps.
    pub complete_len: usize,
    /// The file ended inside an item (that item is left out).
    pub truncated: bool,
    /// What stopped the reading early, if anything but the end.
    pub problem: Option<ReplayError>,
}

/// Splits replay file contents into its items' texts, without parsing
/// them into values.
pub fn raw_items(bytes: &[u8]) -> RawItems<'_> {
    let mut out = RawItems {
        items: Vec::new(),
        complete_len: 0,
        truncated: false,
        problem: None,
    };
    let mut pos = skip_ws(bytes, 0);
    while pos < bytes.len() {
        let rest = bytes.get(pos..).unwrap_or_default();
        let mut stream =
            serde_json::Deserializer::from_slice(rest).into_iter::<&serde_json::value::RawValue>();
        match stream.next() {
            Some(Ok(v)) => {
                out.items.push(v.get());
                pos += stream.byte_offset();
                out.complete_len = pos;
            }
            Some(Err(e)) if e.is_eof() => {
                out.truncated = true;
                break;
            }
            Some(Err(e)) => {
                out.problem = Some(ReplayError::BadItem {
                    offset: pos,
                    error: e.to_string(),
                });
                break;
            }
            None => break,
        }
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            None => break,
            Some(b',') => pos = skip_ws(bytes, pos + 1),
            Some(_) => {
                out.problem = Some(ReplayError::BadSeparator { offset: pos });
                break;
            }
        }
    }
    out
}

/// Parses replay file contents.
pub fn parse(bytes: &[u8]) -> Result<Replay, ReplayError> {
    let raw = raw_items(bytes);
    if let Some(problem) = raw.problem {
        return Err(problem);
    }
    let mut items = raw.items.into_iter().map(|text| {
        serde_json::from_str::<Value>(text).map_err(|e| ReplayError::BadItem {
            offset: 0,
            error: e.to_string(),
        })
    });
    let header = items.next().ok_or(ReplayError::NoHeader)??;
    Ok(Replay {
        header,
        events: items.collect::<Result<_, _>>()?,
        truncated: raw.truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_and_events() {
        let r = parse(b"{\"groupCode\":\"A\",\"logStartTime\":1},\n{\"type\":\"map\",\"timestamp\":2},\n{\"type\":\"score\",\"timestamp\":3}").unwrap();
        assert_eq!(r.header["groupCode"], "A");
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.events[1]["type"], "score");
        assert!(!r.truncated);
    }

    #[test]
    fn raw_items_say_where_the_complete_items_end() {
        let bytes = b"{\"groupCode\":\"A\"},\n{\"type\":\"map\"},\n{\"type\":\"sc";
        let raw = raw_items(bytes);
        assert_eq!(raw.items, [r#"{"groupCode":"A"}"#, r#"{"type":"map"}"#]);
        assert_eq!(
            &bytes[..raw.complete_len],
            b"{\"groupCode\":\"A\"},\n{\"type\":\"map\"}"
        );
        assert!(raw.truncated && raw.problem.is_none());
        let raw = raw_items(b"{\"a\":1},\n{\"b\":2} junk");
        assert_eq!(raw.items.len(), 2);
        assert!(matches!(
            raw.problem,
            Some(ReplayError::BadSeparator { .. })
        ));
    }

    #[test]
    fn a_file_cut_short_keeps_its_complete_items() {
        let r = parse(b"{\"groupCode\":\"A\"},\n{\"type\":\"map\"},\n{\"type\":\"sc").unwrap();
        assert_eq!(r.events.len(), 1);
        assert!(r.truncated);
        let r = parse(b"{\"groupCode\":\"A\"},\n").unwrap();
        assert!(r.events.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(parse(b""), Err(ReplayError::NoHeader)));
        assert!(matches!(parse(b"{\"a\""), Err(ReplayError::NoHeader)));
        assert!(matches!(
            parse(b"{} {}"),
            Err(ReplayError::BadSeparator { offset: 3 })
        ));
        assert!(matches!(
            parse(b"{},\n]"),
            Err(ReplayError::BadItem { offset: 4, .. })
        ));
    }

    #[test]
    fn reads_what_the_writer_wrote() {
        use crate::replay::{KeyCheck, format};
        let mut text = format::header(
            r#"{"type":"authenticate","groupCode":"G","key":"k"}"#,
            &KeyCheck::default(),
            7,
        )
        .unwrap();
        for t in 0..3 {
            text.push_str(format::DELIMITER);
            format::event(r#"{"type":"score","data":{"team_0":1}}"#, t, &mut text).unwrap();
        }
        let r = parse(text.as_bytes()).unwrap();
        assert_eq!(
            r.header,
            serde_json::json!({"groupCode":"G","logStartTime":7})
        );
        assert_eq!(r.events.len(), 3);
        assert_eq!(r.events[2]["timestamp"], 2);
    }
}
