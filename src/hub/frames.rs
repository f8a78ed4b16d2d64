//! Building one broadcast: the state's JSON becomes the `match_data` event's
//! single string argument (`42["match_data","{\"groupCode\":…}"]`), and the
//! Socket.IO packet, its WebSocket frames and polling form are built once
//! for the whole room.

use std::sync::Arc;

use crate::sio::Prebuilt;
use crate::ws::RoomStream;

/// Appends `s` as a JSON string literal, escaped as `JSON.stringify` does.
pub fn push_literal(out: &mut String, s: &str) {
    out.reserve(s.len() + s.len() / 8 + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or(""));
        match esc {
            Some(e) => out.push_str(e),
            None => out.push_str(&format!("\\u{:04x}", b)),
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// `s` as a JSON string literal.
pub fn literal(s: &str) -> String {
    let mut out = String::new();
    push_literal(&mut out, s);
    out
}

/// The `match_data` broadcast of one state: its argument literal and the
/// pre-built message, compressed once standalone and once on the match
/// room's compression stream.
pub fn match_data(state_json: &str, stream: &mut RoomStream) -> (Arc<str>, Arc<Prebuilt>) {
    let lit = literal(state_json);
    let msg = Prebuilt::on_stream(0, "/", "match_data", &[lit.as_str()], stream);
    (Arc::from(lit), msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_like_json_stringify() {
        assert_eq!(
            literal(r#"{"a":"b\"c","d":"\\"}"#),
            r#""{\"a\":\"b\\\"c\",\"d\":\"\\\\\"}""#
        );
        assert_eq!(literal("x\ny\u{1}é\u{2028}"), "\"x\\ny\\u0001é\u{2028}\"");
        assert_eq!(literal(""), "\"\"");
        let back: String = serde_json::from_str(&literal("{\"k\":[1,2,\"ü\\n\"]}")).unwrap();
        assert_eq!(back, "{\"k\":[1,2,\"ü\\n\"]}");
    }

    #[test]
    fn the_packet_carries_the_state_as_a_string() {
        let mut stream = RoomStream::new();
        let (lit, msg) = match_data("{\"groupCode\":\"A\"}", &mut stream);
        assert_eq!(&*lit, "\"{\\\"groupCode\\\":\\\"A\\\"}\"");
        assert_eq!(
            &msg.packet[..],
            b"42[\"match_data\",\"{\\\"groupCode\\\":\\\"A\\\"}\"]"
        );
    }
}
