//! Building one broadcast: the state's JSON becomes the `match_data` event's
//! single string argument (`42["match_data","{\"groupCode\":…}"]`), and the
//! Socket.IO packet, its WebSocket frames and polling form are built once
//! for the whole room.

use std::sync::Arc;

use crate::game::js;
use crate::room::{Output, RoomStream};
use crate::sio;

/// `s` as a JSON string literal, escaped as `JSON.stringify` does.
pub fn literal(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + s.len() / 8 + 2);
    js::write_string(&mut out, s);
    // Escaping keeps valid UTF-8 valid: only ASCII is inserted.
    String::from_utf8(out).unwrap_or_default()
}

/// The `match_data` broadcast of one state (the JSON as a string
/// argument), compressed once standalone and once on the match room's
/// compression stream.
pub fn match_data(state_json: &str, stream: &mut RoomStream) -> Arc<Output> {
    let packet = sio::event_packet("/", "match_data", &[literal(state_json).as_str()]);
    stream.output(0, packet)
}

/// The state a `match_data` packet (`42["match_data","<json>"]`) carries.
#[cfg(test)]
pub fn state_of(packet: &[u8]) -> String {
    let (_, state): (String, String) = serde_json::from_slice(&packet[2..]).unwrap();
    state
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
        let mut stream = RoomStream::default();
        let msg = match_data("{\"groupCode\":\"A\"}", &mut stream);
        assert_eq!(state_of(&msg.packet), "{\"groupCode\":\"A\"}");
        assert_eq!(
            &msg.packet[..],
            b"42[\"match_data\",\"{\\\"groupCode\\\":\\\"A\\\"}\"]"
        );
    }
}
