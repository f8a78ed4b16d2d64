//! The `match_data` broadcast: the state's JSON becomes the event's single
//! string argument (`42["match_data","{\"groupCode\":…}"]`), and the room's
//! output (its WebSocket frames and polling form) is built from that packet
//! once for the whole room.

use std::sync::Arc;

use crate::json::escape::literal;
use crate::room::{Output, RoomStream};
use crate::sio;

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
