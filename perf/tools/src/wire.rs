//! Client-side Socket.IO over WebSocket text: packets, masked frames, the
//! latency probe carried inside events, and server URLs.

use std::net::{SocketAddr, ToSocketAddrs};

use rustls::pki_types::ServerName;

use spectra_server::ws::{self, Data, OpCode};

/// Marks a probe value inside `matchType`: the observer's send time in µs
/// of CLOCK_REALTIME follows it.
pub const PROBE_PREFIX: &str = "perf-probe-";

/// A server address as given on the command line: `http://host:port`,
/// `ws://host:port` or `host:port`; with TLS `https://host:port` or
/// `wss://host:port`.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    /// `host:port` for the Host header.
    pub host: String,
    /// Connections speak TLS (see [`crate::tls`]).
    pub tls: bool,
    /// The host, for SNI and the certificate check.
    pub server_name: ServerName<'static>,
    /// The URL as given, for messages.
    pub url: String,
}

pub fn parse_target(url: &str) -> Result<Target, String> {
    let (tls, rest) = match url.split_once("://") {
        Some(("http" | "ws", rest)) => (false, rest),
        Some(("https" | "wss", rest)) => (true, rest),
        Some((scheme, _)) => return Err(format!("{url}: unknown scheme {scheme}://")),
        None => (false, url),
    };
    let host = rest.trim_end_matches('/').to_owned();
    let addr = host
        .to_socket_addrs()
        .map_err(|e| format!("{url}: {e}"))?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| format!("{url}: no IPv4 address"))?;
    let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    let server_name = ServerName::try_from(name.to_owned()).map_err(|e| format!("{url}: {e}"))?;
    Ok(Target {
        addr,
        host,
        tls,
        server_name,
        url: url.to_owned(),
    })
}

/// The Engine.IO WebSocket path (websocket transport from the start).
pub const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// The Engine.IO polling path (a session opens here, then upgrades).
pub const POLL_PATH: &str = "/socket.io/?EIO=4&transport=polling";

/// A polling request (`GET`, or `POST` with a body) on a keep-alive
/// connection; `sid` once the session is open.
pub fn poll_request(host: &str, sid: Option<&str>, body: Option<&str>) -> Vec<u8> {
    let path = match sid {
        Some(s) => format!("{POLL_PATH}&sid={s}"),
        None => POLL_PATH.to_owned(),
    };
    match body {
        None => format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes(),
        Some(b) => format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        )
        .into_bytes(),
    }
}

/// Takes one whole HTTP response (status and body, by `Content-Length`)
/// from the front of `buf`; `None` until it is all there.
pub fn take_http_response(buf: &mut bytes::BytesMut) -> Result<Option<(u16, Vec<u8>)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let head = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("HTTP response: {e}")),
    };
    let status = resp.code.unwrap_or(0);
    let len = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| {
            std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    if buf.len() < head + len {
        return Ok(None);
    }
    let whole = buf.split_to(head + len);
    Ok(Some((status, whole[head..].to_vec())))
}

/// A fixed valid key: servers only echo its hash.
pub const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// `42["name",arg,...]` with each argument given as JSON text.
pub fn event_packet(name: &str, args_json: &[&str]) -> String {
    let mut s = String::with_capacity(16 + args_json.iter().map(|a| a.len() + 1).sum::<usize>());
    s.push_str("42[");
    s.push_str(&json_string(name));
    for a in args_json {
        s.push(',');
        s.push_str(a);
    }
    s.push(']');
    s
}

/// `s` as a JSON string literal (how clients pass `JSON.stringify(data)`).
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A whole masked text frame.
pub fn text_frame(payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    ws::client::encode_masked(true, false, OpCode::Data(Data::Text), payload, mask).to_vec()
}

/// The observer's probe: a `game_mode` event whose string becomes the
/// state's `matchType`, so the next `match_data` carries it.
pub fn probe_event(obs_name: &str, group: &str, send_us: u64) -> String {
    let payload = format!(
        "{{\"obsName\":{},\"groupCode\":{},\"type\":\"game_mode\",\"data\":\"{PROBE_PREFIX}{send_us}\"}}",
        json_string(obs_name),
        json_string(group)
    );
    event_packet("obs_data", &[&json_string(&payload)])
}

/// The probe value inside a `match_data` packet, if any.
pub fn find_probe(packet: &[u8]) -> Option<u64> {
    let p = PROBE_PREFIX.as_bytes();
    let at = packet.windows(p.len()).position(|w| w == p)?;
    let digits = packet.get(at + p.len()..)?;
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(digits.get(..end)?).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_survives_the_state_string_round_trip() {
        let ev = probe_event("o\"bs", "G1", 1_750_000_000_123_456);
        assert!(ev.starts_with("42[\"obs_data\",\""));
        // The server puts the string into matchType and sends the state as a
        // JSON string inside the packet: quotes escaped, digits unchanged.
        let state = "{\"matchType\":\"perf-probe-1750000000123456\",\"x\":1}";
        let packet = event_packet("match_data", &[&json_string(state)]);
        assert_eq!(find_probe(packet.as_bytes()), Some(1_750_000_000_123_456));
        assert_eq!(find_probe(b"42[\"match_data\",\"{}\"]"), None);
    }

    #[test]
    fn targets_accept_plain_tls_and_bare_addresses() {
        assert_eq!(
            parse_target("http://127.0.0.1:5200").unwrap().addr.port(),
            5200
        );
        assert_eq!(
            parse_target("ws://127.0.0.1:5100/").unwrap().host,
            "127.0.0.1:5100"
        );
        assert!(!parse_target("127.0.0.1:9").unwrap().tls);
        let t = parse_target("wss://localhost:5200").unwrap();
        assert!(t.tls);
        assert_eq!(t.host, "localhost:5200");
        assert_eq!(t.server_name.to_str(), "localhost");
        assert!(parse_target("https://127.0.0.1:5200").unwrap().tls);
        assert!(parse_target("ftp://127.0.0.1:5200").is_err());
    }
}
