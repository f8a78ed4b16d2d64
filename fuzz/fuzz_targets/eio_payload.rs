//! `cargo +nightly fuzz run eio_payload`: arbitrary bytes as an Engine.IO
//! polling body (payload decoder, then each text record through the
//! Socket.IO packet decoder), and as one WebSocket text packet. The same
//! decoders are driven by the proptests in `src/eio/tests.rs` and
//! `src/sio/tests.rs` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectra_server::eio::{Data, Packet, decode_payload};
use spectra_server::sio;

fuzz_target!(|data: &[u8]| {
    for packet in decode_payload(data) {
        match packet {
            Ok(Packet {
                data: Some(Data::Text(t)),
                ..
            }) => {
                let _ = sio::decode(&t);
            }
            Ok(_) => {}
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = Packet::decode_text(s);
    }
});
