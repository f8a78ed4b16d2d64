//! `cargo +nightly fuzz run http_request`: arbitrary bytes into the HTTP
//! request parser, fed in pieces. The same entry point is driven by the
//! proptests in `src/http/proptests.rs` on stable.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use spectra_server::http::{Limits, parse_request};

fuzz_target!(|data: &[u8]| {
    let Some((&step, data)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_head: 1024,
        max_headers: 16,
        max_body: 4096,
    };
    let mut buf = BytesMut::new();
    for chunk in data.chunks(usize::from(step).max(1)) {
        buf.extend_from_slice(chunk);
        loop {
            match parse_request(&mut buf, &limits) {
                Ok(Some(req)) => {
                    let _ = (
                        req.keep_alive(),
                        req.is_websocket_upgrade(),
                        req.query_params(),
                    );
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = e.status();
                    return;
                }
            }
        }
    }
});
