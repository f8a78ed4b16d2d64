//! A message on a room's Redis channel, as an edge decodes it: whatever
//! decodes must encode back to the same bytes and hold only frames that
//! describe themselves. The proptests in `src/relay/wire.rs` do the same.

use bytes::Bytes;
use spectra_server::relay::wire::Message;
use spectra_server::ws::FrameHeader;

/// Runs one input.
pub fn run(data: &[u8]) {
    let bytes = Bytes::copy_from_slice(data);
    let Ok(msg) = Message::decode(&bytes) else {
        return;
    };
    assert_eq!(msg.encode(), bytes);
    if let Message::Output(o) = &msg {
        let h = FrameHeader::parse(&o.plain)
            .expect("an output's frame header parses")
            .expect("an output holds a whole frame header");
        assert_eq!(h.header_len as u64 + h.payload_len, o.plain.len() as u64);
    }
}
