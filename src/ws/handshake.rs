//! The opening handshake (RFC 6455 4.2), server side and client side.

use bytes::{Bytes, BytesMut};
use tungstenite::handshake::derive_accept_key;

use super::extension::{negotiate, parse_answer};
use super::{DeflateConfig, HandshakeError};
use crate::http::{Method, Request, Response};

/// Checks an upgrade request and builds the 101 answer. When
/// `offer_deflate` is set and the client offered an acceptable
/// permessage-deflate, the answer accepts it and the agreement is returned.
/// Subprotocols are not answered (socket.io uses none).
pub fn accept(
    req: &Request,
    offer_deflate: bool,
) -> Result<(Response, Option<DeflateConfig>), HandshakeError> {
    if req.method != Method::Get {
        return Err(HandshakeError::MethodNotGet);
    }
    if req.http10 {
        return Err(HandshakeError::Http10);
    }
    if !req.header_has_token("upgrade", "websocket") {
        return Err(HandshakeError::MissingUpgradeWebsocket);
    }
    if !req.header_has_token("connection", "upgrade") {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    if req.header("sec-websocket-version") != Some("13") {
        return Err(HandshakeError::UnsupportedVersion);
    }
    let key = req
        .header("sec-websocket-key")
        .filter(|k| is_valid_key(k))
        .ok_or(HandshakeError::InvalidKey)?;
    let mut resp = Response::new(101)
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Accept", derive_accept_key(key.as_bytes()));
    let mut deflate = None;
    if offer_deflate {
        let offers = req
            .headers
            .iter()
            .filter(|(n, _)| n == "sec-websocket-extensions")
            .map(|(_, v)| v.as_str());
        if let Some((cfg, answer)) = negotiate(offers) {
            resp = resp.header("Sec-WebSocket-Extensions", answer);
            deflate = Some(cfg);
        }
    }
    Ok((resp, deflate))
}

/// 16 bytes in base64: 22 alphabet characters and `==` (the check Node's
/// `ws` makes).
fn is_valid_key(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() == 24
        && b.ends_with(b"==")
        && b.iter()
            .take(22)
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

/// Client side (tests, load generator): the upgrade request for `path`
/// (with its query) on `host`, with `key` (16 base64 bytes) and, when asked,
/// the offer browsers send (`permessage-deflate; client_max_window_bits`).
pub fn client_request(host: &str, path: &str, key: &str, offer_deflate: bool) -> Bytes {
    let mut s = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    );
    if offer_deflate {
        s.push_str("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    }
    s.push_str("\r\n");
    Bytes::from(s)
}

/// Client side: reads the server's answer to [`client_request`] from the
/// front of `buf`. `Ok(None)`: incomplete. On success the answer's bytes
/// are removed and the deflate agreement (if any) is returned.
pub fn client_read_response(
    buf: &mut BytesMut,
    key: &str,
) -> Result<Option<Option<DeflateConfig>>, HandshakeError> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let n = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(HandshakeError::BadServerResponse("malformed HTTP")),
    };
    if resp.code != Some(101) {
        return Err(HandshakeError::BadServerResponse("status is not 101"));
    }
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    if header("sec-websocket-accept") != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err(HandshakeError::BadServerResponse(
            "wrong Sec-WebSocket-Accept",
        ));
    }
    let deflate = match header("sec-websocket-extensions") {
        Some(v) => Some(parse_answer(v).ok_or(HandshakeError::BadServerResponse(
            "unknown extension answer",
        ))?),
        None => None,
    };
    let _ = buf.split_to(n);
    Ok(Some(deflate))
}
