//! Building one broadcast: the state's JSON becomes the `match_data` event's
//! single string argument (`42["match_data","{\"groupCode\":…}"]`), and the
//! Socket.IO packet, its WebSocket frames and polling form are built once
//! for the whole room.

use std::sync::Arc;

use crate::game::js;
use crate::sio::Prebuilt;
use crate::ws::RoomStream;

/// `s` as a JSON string literal, escaped as `JSON.stringify` does.
pub fn literal(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + s.len() / 8 + 2);
    js::write_string(&mut out, s);
    // Escaping keeps valid UTF-8 valid: only ASCII is inserted.
    String::from_utf8(out).unwrap_or_default()
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
