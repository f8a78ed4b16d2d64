//! `cargo +nightly fuzz run relay_message`: arbitrary bytes as a message on
//! a room's Redis channel, as an edge decodes it. Whatever decodes must
//! encode back to the same bytes and hold only frames that describe
//! themselves. The proptests in `src/relay/wire.rs` do the same on stable.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use spectra_server::relay::wire::Message;
use spectra_server::ws::FrameHeader;

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);
    let Ok(msg) = Message::decode(&bytes) else {
        return;
    };
    assert_eq!(msg.encode(), bytes);
    if let Message::Output(o) = &msg {
        let h = FrameHeader::parse(&o.plain).unwrap().unwrap();
        assert_eq!(h.header_len as u64 + h.payload_len, o.plain.len() as u64);
    }
});
