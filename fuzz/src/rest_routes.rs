//! The REST port's routes under arbitrary requests: `/createPreview` bodies
//! with the real field names and arbitrary values, then a look-up of the
//! preview they named; requests for every route with arbitrary query
//! strings; and raw request bytes. Every answer must encode, have a real
//! status, and be valid JSON when it says it is JSON.

use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use bytes::BytesMut;
use spectra_server::config::AuthConfig;
use spectra_server::http::{Limits, Request, Response, parse_request};
use spectra_server::hub::Published;
use spectra_server::rest::{Readiness, Rest, RestConfig, Rng};

use crate::json_gen::Text;
use crate::payloads::PreviewBody;

const ROUTES: &[&str] = &[
    "/status",
    "/readyz",
    "/metrics",
    "/createPreview",
    "/preview/ABC123",
    "/getOrgForKey",
    "/getTeamInfoForCode",
    "/getSupportPackages",
    "/client/oauth-callback",
    "/STATUS/",
    "/unknown",
];
const METHODS: &[&str] = &["GET", "HEAD", "PUT", "POST", "OPTIONS", "DELETE"];

/// Step opcodes (the byte is taken modulo their count).
pub mod op {
    /// `[op, arbitrary PreviewBody, json_type]`: a `/createPreview`.
    pub const CREATE: u8 = 0;
    /// `[op, method, route, arbitrary query]`: a request without a body.
    pub const GET: u8 = 1;
    /// `[op, len_hi, len_lo, bytes...]`: a request as sent.
    pub const RAW: u8 = 2;
    /// Opcodes in all.
    pub const COUNT: u8 = 3;
}

/// Encodes a raw step (for seed corpora).
pub fn raw_step(request: &[u8]) -> Vec<u8> {
    let len = request.len().min(usize::from(u16::MAX));
    let mut out = vec![op::RAW, (len >> 8) as u8, len as u8];
    out.extend_from_slice(&request[..len]);
    out
}

fn request(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    Ok(match u.arbitrary::<u8>()? % op::COUNT {
        op::CREATE => {
            let body = PreviewBody::arbitrary(u)?.text();
            let ty = if u.arbitrary()? {
                "application/json"
            } else {
                "text/plain"
            };
            format!(
                "PUT /createPreview HTTP/1.1\r\nHost: x\r\nContent-Type: {ty}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
        op::GET => {
            let method = METHODS[usize::from(u.arbitrary::<u8>()?) % METHODS.len()];
            let route = ROUTES[usize::from(u.arbitrary::<u8>()?) % ROUTES.len()];
            let query = Option::<(Text, Text)>::arbitrary(u)?.map_or(String::new(), |(k, v)| {
                format!("?{}={}", query_part(&k), query_part(&v))
            });
            format!("{method} {route}{query} HTTP/1.1\r\nHost: x\r\nOrigin: http://o\r\n\r\n")
                .into_bytes()
        }
        _ => {
            let len = usize::from(u.arbitrary::<u8>()?) << 8 | usize::from(u.arbitrary::<u8>()?);
            u.bytes(len.min(u.len()))?.to_vec()
        }
    })
}

fn parse(raw: &[u8]) -> Option<Request> {
    let limits = Limits {
        max_head: 16 * 1024,
        max_headers: 64,
        max_body: 1024 * 1024,
    };
    parse_request(&mut BytesMut::from(raw), &limits)
        .ok()
        .flatten()
}

fn check(r: &Response) {
    assert!((100..600).contains(&r.status), "status {}", r.status);
    r.encode(true);
    let json = r
        .get_header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    if json
        && !r.body.is_empty()
        && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&r.body)
    {
        panic!("a JSON answer that is not JSON ({e}): {:?}", r.body);
    }
}

fn query_part(t: &Text) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::new();
    t.write(&mut s);
    let s = s.trim_matches('"');
    // Beyond this, encoded, the request head is over its 16 KB limit and
    // refused however much longer the text is.
    let s = &s.as_bytes()[..s.len().min(8 * 1024)];
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Runs one input: the first byte chooses whether keys are required, the
/// rest are requests.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let require = u.arbitrary::<bool>().unwrap_or(false);
    let cfg = RestConfig {
        auth: AuthConfig {
            require_auth_key: require,
            auth_key: Some("KEY".to_owned()),
        },
        use_backend: false,
        max_body: 100 * 1024,
    };
    let ready = Arc::new(Readiness::default());
    let mut rest = Rest::with_rng(cfg, Published::new(), ready, Rng::seeded(7));
    let mut now = 1_750_000_000_000;
    while !u.is_empty() {
        let Ok(raw) = request(&mut u) else {
            break;
        };
        now += 1000;
        if let Some(req) = parse(&raw) {
            check(&rest.handle(&req, now));
        }
    }
}
