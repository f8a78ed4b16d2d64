//! `cargo +nightly fuzz run ws_decoder`: arbitrary bytes into the WebSocket
//! decoder (server and client roles, with and without permessage-deflate),
//! fed in pieces. The same entry point is driven by the proptests in
//! `src/ws/proptests.rs` on stable.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use spectra_server::ws::{Decoder, DeflateConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&[mode, step], data)) = data.split_first_chunk::<2>() else {
        return;
    };
    let deflate = match mode & 3 {
        0 => None,
        1 => Some(DeflateConfig::default()),
        _ => Some(DeflateConfig {
            client_no_context_takeover: true,
            server_no_context_takeover: true,
            ..DeflateConfig::default()
        }),
    };
    let max = if mode & 4 == 0 { 1 << 16 } else { 200 };
    let mut dec = if mode & 8 == 0 {
        Decoder::new(deflate, max)
    } else {
        Decoder::client(deflate, max)
    };
    let mut buf = BytesMut::new();
    for chunk in data.chunks(usize::from(step).max(1)) {
        buf.extend_from_slice(chunk);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    let _ = e.close_frame();
                    return;
                }
            }
        }
    }
});
