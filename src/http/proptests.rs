//! Property tests driving `parse_request` with arbitrary bytes, split at
//! arbitrary points: the same entry point as `fuzz/fuzz_targets/http_request.rs`,
//! run by CI (cargo-fuzz needs nightly).

use bytes::BytesMut;
use proptest::prelude::*;

use super::{HttpError, Limits, Method, parse_request};

fn small_limits() -> Limits {
    Limits {
        max_head: 256,
        max_headers: 6,
        max_body: 128,
    }
}

/// Feeds `chunks` one after another, parsing after each, until an error.
/// Checks the invariants every parse must keep.
fn drive(chunks: &[Vec<u8>], limits: &Limits) {
    let mut buf = BytesMut::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let before = buf.len();
            match parse_request(&mut buf, limits) {
                Ok(Some(req)) => {
                    assert!(buf.len() < before, "a request consumes bytes");
                    assert!(req.body.len() <= limits.max_body);
                    let _ = (
                        req.keep_alive(),
                        req.is_websocket_upgrade(),
                        req.query_params(),
                    );
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "an incomplete request consumes nothing");
                    assert!(buf.len() <= limits.max_head + limits.max_body);
                    break;
                }
                Err(e) => {
                    assert!([400, 413, 431, 501, 505].contains(&e.status()), "{e}");
                    return;
                }
            }
        }
    }
}

fn header_line() -> impl Strategy<Value = String> {
    ("[A-Za-z-]{1,12}", "[ -~]{0,20}").prop_map(|(n, v)| format!("{n}: {v}\r\n"))
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8)) {
        drive(&chunks, &small_limits());
        drive(&chunks, &Limits::default());
    }

    #[test]
    fn request_shaped_noise_never_panics(
        method in "(GET|POST|OPTIONS|PUT|[A-Z]{1,6})",
        target in "[ -~]{0,40}",
        headers in prop::collection::vec(header_line(), 0..10),
        tail in prop::collection::vec(any::<u8>(), 0..80),
        split in 0usize..400,
    ) {
        let mut raw = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
        for h in &headers {
            raw.extend_from_slice(h.as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(&tail);
        let cut = split.min(raw.len());
        drive(&[raw[..cut].to_vec(), raw[cut..].to_vec()], &small_limits());
    }

    #[test]
    fn well_formed_requests_round_trip(
        path in "/[a-z0-9/]{0,20}",
        key in "[a-z]{1,8}",
        value in "[ -~]{0,16}",
        body in prop::collection::vec(any::<u8>(), 0..100),
        split in 0usize..300,
    ) {
        let query: String = url_encode(&value);
        let mut raw = format!(
            "POST {path}?{key}={query} HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        raw.extend_from_slice(&body);
        let cut = split.min(raw.len());
        let mut buf = BytesMut::from(&raw[..cut]);
        let limits = small_limits();
        if cut < raw.len() {
            prop_assert_eq!(parse_request(&mut buf, &limits), Ok(None));
            buf.extend_from_slice(&raw[cut..]);
        }
        let req = parse_request(&mut buf, &limits).unwrap().unwrap();
        prop_assert!(buf.is_empty());
        prop_assert_eq!(req.method, Method::Post);
        prop_assert_eq!(&req.path, &path);
        prop_assert_eq!(req.query_param(&key), Some(value));
        prop_assert_eq!(&req.body[..], &body[..]);
    }

    #[test]
    fn oversized_bodies_are_refused(len in 129u64..u64::MAX / 2) {
        let raw = format!("POST / HTTP/1.1\r\nContent-Length: {len}\r\n\r\n");
        let got = parse_request(&mut BytesMut::from(raw.as_bytes()), &small_limits());
        prop_assert_eq!(got, Err(HttpError::BodyTooLarge { length: len, limit: 128 }));
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
