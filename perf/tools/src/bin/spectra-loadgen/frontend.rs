//! One overlay frontend's protocol state (sans-IO: bytes in, bytes out):
//! WebSocket upgrade with permessage-deflate offered, Engine.IO open,
//! Socket.IO connect, `logon` → `logon_success`, then `match_data`. In
//! polling mode it starts as socket.io-client does by default: the session
//! opens and joins the namespace over HTTP long-polling (keep-alive, on the
//! same connection), then upgrades to a WebSocket (`2probe`, `3probe`, `5`).
//!
//! Every connection inflates everything until `logon_success` (servers may
//! compress even tiny frames: socket.io 4.8 compresses its open packet).
//! After that, sampled connections keep inflating every message (a real
//! client's full work) to check the content and read the latency probe; the
//! others drop their inflater and count and timestamp `match_data` frames
//! from the frame headers alone, so the generator stays cheap. Without an
//! inflater a compressed frame can no longer be read: one whose payload is
//! under [`TINY`] bytes is taken for the Engine.IO ping (`2`, the only tiny
//! message a server sends) and answered; larger ones are `match_data`.

use bytes::{Buf, BytesMut};
use spectra_perf::observer::mask;
use spectra_perf::wire;
use spectra_server::ws::{self, Control, Data, Decoder, FrameHeader, Message, OpCode};

use super::hist::Histogram;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    /// Polling mode: waiting for the Engine.IO open packet over HTTP.
    PollOpen,
    /// Polling mode: `40` posted, waiting for the `ok`.
    PollConnect,
    /// Polling mode: polling for the namespace connect answer.
    PollJoin,
    Upgrading,
    /// Polling mode: `2probe` sent on the new WebSocket.
    Probing,
    /// Waiting for the Engine.IO open packet.
    Opening,
    /// `40` sent, waiting for the namespace connect answer.
    Joining,
    /// `logon` sent, waiting for `logon_success`.
    LoggingOn,
    Live,
    Closed,
}

/// What a frontend has seen since the measurement window opened.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub frames: u64,
    pub wire_bytes: u64,
    /// Inflated bytes of `match_data` packets (sampled connections).
    pub payload_bytes: u64,
    /// Sampled `match_data` packets whose content did not check out.
    pub bad: u64,
    /// Sampled packets carrying a probe not seen before on this connection.
    pub probes: u64,
}

pub struct Frontend {
    pub phase: Phase,
    pub group: u32,
    /// Sampled connections inflate; the decoder exists once upgraded.
    sampled: bool,
    decoder: Option<Box<Decoder>>,
    pub inbuf: BytesMut,
    pub out: Vec<u8>,
    pub counts: Counts,
    last_probe: u64,
    /// A fragmented message on an unsampled connection: wire bytes so far,
    /// and whether it started compressed.
    frag: Option<(u64, bool)>,
    /// When the connect started and when `logon_success` came (µs).
    pub started_us: u64,
    pub live_us: u64,
    /// Polling mode: the Host header, and the session id once open.
    polling: Option<Polling>,
}

struct Polling {
    host: String,
    sid: Option<String>,
}

/// Largest frame accepted from a server.
const MAX_FRAME: u64 = 64 << 20;

/// A compressed message this small is a ping: a `match_data` state refers
/// back to ~15 KB of earlier output, which takes far more bytes to encode.
pub const TINY: u64 = 16;

impl Frontend {
    /// `polling`: open the session over HTTP long-polling, then upgrade.
    pub fn new(group: u32, sampled: bool, now_us: u64, polling: bool) -> Frontend {
        Frontend {
            phase: Phase::Connecting,
            group,
            sampled,
            decoder: None,
            inbuf: BytesMut::new(),
            out: Vec::new(),
            counts: Counts::default(),
            last_probe: 0,
            frag: None,
            started_us: now_us,
            live_us: 0,
            polling: polling.then(|| Polling {
                host: String::new(),
                sid: None,
            }),
        }
    }

    /// The TCP connection is up: queue the first request.
    pub fn on_connected(&mut self, host: &str) {
        if let Some(p) = &mut self.polling {
            p.host = host.to_owned();
            self.out
                .extend_from_slice(&wire::poll_request(host, None, None));
            self.phase = Phase::PollOpen;
            return;
        }
        let req = ws::client::client_request(host, wire::WS_PATH, wire::WS_KEY, true);
        self.out.extend_from_slice(&req);
        self.phase = Phase::Upgrading;
    }

    /// Polling mode: the answers before the upgrade.
    fn on_poll_responses(&mut self) -> Result<(), String> {
        while matches!(
            self.phase,
            Phase::PollOpen | Phase::PollConnect | Phase::PollJoin
        ) {
            let Some((status, body)) = wire::take_http_response(&mut self.inbuf)? else {
                return Ok(());
            };
            let body = String::from_utf8_lossy(&body).into_owned();
            if status != 200 {
                return Err(format!("polling: HTTP {status}: {body:.200}"));
            }
            let Some(p) = &mut self.polling else {
                return Ok(());
            };
            match self.phase {
                Phase::PollOpen => {
                    let open = body
                        .strip_prefix('0')
                        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok());
                    let sid = open
                        .as_ref()
                        .and_then(|v| v["sid"].as_str())
                        .ok_or_else(|| format!("polling: no open packet: {body:.200}"))?;
                    p.sid = Some(sid.to_owned());
                    let req = wire::poll_request(&p.host, Some(sid), Some("40"));
                    self.out.extend_from_slice(&req);
                    self.phase = Phase::PollConnect;
                }
                Phase::PollConnect => {
                    let sid = p.sid.as_deref();
                    let req = wire::poll_request(&p.host, sid, None);
                    self.out.extend_from_slice(&req);
                    self.phase = Phase::PollJoin;
                }
                _ => {
                    let sid = p.sid.clone().unwrap_or_default();
                    let packets: Vec<&str> = body.split('\u{1e}').collect();
                    if let Some(refused) = packets.iter().find(|t| t.starts_with("44")) {
                        return Err(format!("namespace refused: {refused:.200}"));
                    }
                    let req = if packets.iter().any(|t| t.starts_with("40")) {
                        self.phase = Phase::Upgrading;
                        let path = format!("{}&sid={sid}", wire::WS_PATH);
                        ws::client::client_request(&p.host, &path, wire::WS_KEY, true).to_vec()
                    } else {
                        // A ping or noop first: poll again.
                        wire::poll_request(&p.host, Some(&sid), None)
                    };
                    self.out.extend_from_slice(&req);
                }
            }
        }
        Ok(())
    }

    fn send_text(&mut self, text: &str) {
        self.out
            .extend_from_slice(&wire::text_frame(text.as_bytes(), mask()));
    }

    /// Consumes `inbuf`. `logon` is the whole `42["logon",...]` text for this
    /// connection's group. Latencies (µs, receipt − probe) go to `lat`.
    pub fn on_bytes(
        &mut self,
        logon: &str,
        now_us: u64,
        lat: &mut Histogram,
    ) -> Result<(), String> {
        self.on_poll_responses()?;
        if matches!(
            self.phase,
            Phase::PollOpen | Phase::PollConnect | Phase::PollJoin
        ) {
            return Ok(());
        }
        if self.phase == Phase::Upgrading {
            match ws::client::client_read_response(&mut self.inbuf, wire::WS_KEY) {
                Ok(None) => return Ok(()),
                Ok(Some(deflate)) => {
                    self.decoder = Some(Box::new(Decoder::client(deflate, MAX_FRAME as usize)));
                    self.phase = if self.polling.is_some() {
                        self.send_text("2probe");
                        Phase::Probing
                    } else {
                        Phase::Opening
                    };
                }
                Err(e) => return Err(format!("upgrade: {e:?}")),
            }
        }
        if self.decoder.is_some() {
            self.decode_sampled(logon, now_us, lat)?;
        }
        if self.decoder.is_none() {
            self.decode_headers(logon, now_us)?;
        }
        Ok(())
    }

    fn decode_sampled(
        &mut self,
        logon: &str,
        now_us: u64,
        lat: &mut Histogram,
    ) -> Result<(), String> {
        loop {
            let Some(dec) = self.decoder.as_mut() else {
                return Ok(());
            };
            let before = self.inbuf.len();
            let msg = dec
                .decode(&mut self.inbuf)
                .map_err(|e| format!("frame: {e:?}"))?;
            let wire_len = (before - self.inbuf.len()) as u64;
            match msg {
                None => return Ok(()),
                Some(Message::Text(t)) => {
                    if t.starts_with("42[\"match_data\"") {
                        self.on_match_data(wire_len);
                        self.check_match_data(t.as_bytes(), now_us, lat);
                    } else {
                        self.on_small_text(&t, logon, now_us)?;
                        if self.phase == Phase::Live && !self.sampled {
                            self.decoder = None;
                            return Ok(());
                        }
                    }
                }
                Some(Message::Ping(p)) => self.pong(&p),
                Some(Message::Close(_)) => {
                    self.phase = Phase::Closed;
                    return Ok(());
                }
                Some(_) => {}
            }
        }
    }

    /// Unsampled and live: frame headers only; uncompressed texts are read,
    /// compressed messages are `match_data` or (tiny) pings.
    fn decode_headers(&mut self, logon: &str, now_us: u64) -> Result<(), String> {
        loop {
            let Some(h) = FrameHeader::parse(&self.inbuf).map_err(|e| format!("frame: {e:?}"))?
            else {
                return Ok(());
            };
            if h.payload_len > MAX_FRAME {
                return Err(format!("frame of {} bytes", h.payload_len));
            }
            let total = h.header_len + h.payload_len as usize;
            if self.inbuf.len() < total {
                self.inbuf.reserve(total - self.inbuf.len());
                return Ok(());
            }
            let mut frame = self.inbuf.split_to(total);
            frame.advance(h.header_len);
            match h.opcode {
                OpCode::Data(Data::Text)
                | OpCode::Data(Data::Binary)
                | OpCode::Data(Data::Continue) => {
                    let (wire_so_far, compressed) = match (h.opcode, self.frag.take()) {
                        (OpCode::Data(Data::Continue), Some(f)) => f,
                        _ => (0, h.rsv1),
                    };
                    let wire_len = wire_so_far + total as u64;
                    if !h.fin {
                        self.frag = Some((wire_len, compressed));
                        continue;
                    }
                    if compressed {
                        if h.fin && wire_len - (h.header_len as u64) < TINY {
                            self.send_text("3");
                        } else {
                            self.on_match_data(wire_len);
                        }
                    } else if frame.starts_with(b"42[\"match_data\"") {
                        self.on_match_data(wire_len);
                    } else if let Ok(t) = std::str::from_utf8(&frame) {
                        self.on_small_text(t, logon, now_us)?;
                    }
                }
                OpCode::Control(Control::Ping) => self.pong(&frame),
                OpCode::Control(Control::Close) => {
                    self.phase = Phase::Closed;
                    return Ok(());
                }
                _ => {}
            }
        }
    }

    fn pong(&mut self, payload: &[u8]) {
        let f =
            ws::client::encode_masked(true, false, OpCode::Control(Control::Pong), payload, mask());
        self.out.extend_from_slice(&f);
    }

    fn on_match_data(&mut self, wire_len: u64) {
        if self.phase == Phase::Live {
            self.counts.frames += 1;
            self.counts.wire_bytes += wire_len;
        }
    }

    fn check_match_data(&mut self, packet: &[u8], now_us: u64, lat: &mut Histogram) {
        if self.phase != Phase::Live {
            return;
        }
        self.counts.payload_bytes += packet.len() as u64;
        // `42["match_data","{...}"]`: the state is a JSON object in a string.
        let ok = packet.starts_with(b"42[\"match_data\",\"{") && packet.ends_with(b"}\"]");
        if !ok {
            self.counts.bad += 1;
        }
        if let Some(p) = wire::find_probe(packet)
            && p != self.last_probe
        {
            self.last_probe = p;
            self.counts.probes += 1;
            lat.record(now_us.saturating_sub(p));
        }
    }

    fn on_small_text(&mut self, t: &str, logon: &str, now_us: u64) -> Result<(), String> {
        match self.phase {
            Phase::Opening if t.starts_with('0') => {
                self.send_text("40");
                self.phase = Phase::Joining;
            }
            Phase::Joining if t.starts_with("40") => {
                self.send_text(logon);
                self.phase = Phase::LoggingOn;
            }
            Phase::Joining if t.starts_with("44") => {
                return Err(format!("namespace refused: {t:.200}"));
            }
            Phase::Probing if t == "3probe" => {
                self.send_text("5");
                self.send_text(logon);
                self.phase = Phase::LoggingOn;
            }
            Phase::LoggingOn if t.starts_with("42[\"logon_success\"") => {
                self.phase = Phase::Live;
                self.live_us = now_us;
            }
            _ if t == "2" => self.send_text("3"),
            _ if t.starts_with('1') => self.phase = Phase::Closed,
            _ => {}
        }
        Ok(())
    }

    /// Starts a new measurement window.
    pub fn reset(&mut self) {
        self.counts = Counts::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_text(t: &str) -> Vec<u8> {
        ws::encode_frame(OpCode::Data(Data::Text), t.as_bytes()).to_vec()
    }

    fn handshake(f: &mut Frontend, lat: &mut Histogram) {
        let logon = wire::event_packet("logon", &[&wire::json_string("{\"groupCode\":\"G\"}")]);
        f.on_connected("h:1");
        assert!(
            f.out
                .starts_with(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n")
        );
        let accept = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
        f.inbuf.extend_from_slice(accept.as_bytes());
        f.inbuf
            .extend_from_slice(&server_text("0{\"sid\":\"x\",\"pingInterval\":25000}"));
        f.on_bytes(&logon, 1, lat).unwrap();
        assert_eq!(f.phase, Phase::Joining);
        f.inbuf.extend_from_slice(&server_text("40{\"sid\":\"y\"}"));
        f.on_bytes(&logon, 2, lat).unwrap();
        assert_eq!(f.phase, Phase::LoggingOn);
        f.inbuf
            .extend_from_slice(&server_text("42[\"logon_success\",\"{}\"]"));
        f.on_bytes(&logon, 3, lat).unwrap();
        assert_eq!(f.phase, Phase::Live);
    }

    fn http_ok(body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn polling_mode_opens_and_joins_over_http_then_upgrades() {
        let mut lat = Histogram::new();
        let logon = wire::event_packet("logon", &[&wire::json_string("{\"groupCode\":\"G\"}")]);
        let mut f = Frontend::new(0, true, 0, true);
        f.on_connected("h:1");
        assert!(
            f.out
                .starts_with(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n")
        );
        f.out.clear();
        // The open packet arrives in two reads.
        let open = http_ok("0{\"sid\":\"S1\",\"upgrades\":[\"websocket\"]}");
        f.inbuf.extend_from_slice(&open[..20]);
        f.on_bytes(&logon, 1, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::PollOpen);
        f.inbuf.extend_from_slice(&open[20..]);
        f.on_bytes(&logon, 1, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::PollConnect);
        let post = String::from_utf8(std::mem::take(&mut f.out)).unwrap();
        assert!(post.starts_with("POST /socket.io/?EIO=4&transport=polling&sid=S1 HTTP/1.1"));
        assert!(post.ends_with("Content-Length: 2\r\n\r\n40"), "{post}");
        f.inbuf.extend_from_slice(&http_ok("ok"));
        f.on_bytes(&logon, 2, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::PollJoin);
        f.out.clear();
        // A noop first: it polls again.
        f.inbuf.extend_from_slice(&http_ok("6"));
        f.on_bytes(&logon, 2, &mut lat).unwrap();
        assert!(
            f.out
                .starts_with(b"GET /socket.io/?EIO=4&transport=polling&sid=S1 ")
        );
        f.out.clear();
        f.inbuf.extend_from_slice(&http_ok("40{\"sid\":\"N1\"}"));
        f.on_bytes(&logon, 3, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::Upgrading);
        assert!(
            f.out
                .starts_with(b"GET /socket.io/?EIO=4&transport=websocket&sid=S1 HTTP/1.1\r\n")
        );
        f.out.clear();
        let accept = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        f.inbuf.extend_from_slice(accept.as_bytes());
        f.on_bytes(&logon, 4, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::Probing);
        f.out.clear();
        f.inbuf.extend_from_slice(&server_text("3probe"));
        f.on_bytes(&logon, 5, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::LoggingOn);
        f.inbuf
            .extend_from_slice(&server_text("42[\"logon_success\",\"{}\"]"));
        f.on_bytes(&logon, 6, &mut lat).unwrap();
        assert_eq!(f.phase, Phase::Live);
    }

    #[test]
    fn polling_errors_end_the_frontend() {
        let mut lat = Histogram::new();
        let mut f = Frontend::new(0, true, 0, true);
        f.on_connected("h:1");
        f.inbuf.extend_from_slice(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 18\r\n\r\n{\"code\":1,\"x\":\"y\"}",
        );
        let e = f.on_bytes("", 1, &mut lat).unwrap_err();
        assert!(e.starts_with("polling: HTTP 400"), "{e}");
    }

    fn match_data(probe: u64) -> Vec<u8> {
        let state = format!(
            "{{\"matchType\":\"perf-probe-{probe}\",\"pad\":\"{}\"}}",
            "x".repeat(3000)
        );
        let text = wire::event_packet("match_data", &[&wire::json_string(&state)]);
        let mut d = ws::Deflater::new(3);
        d.compressed_frame(OpCode::Data(Data::Text), text.as_bytes())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn sampled_frontends_inflate_and_measure_probes_others_only_count() {
        for sampled in [true, false] {
            let mut lat = Histogram::new();
            let mut f = Frontend::new(0, sampled, 0, false);
            handshake(&mut f, &mut lat);
            let frame = match_data(1_000);
            f.inbuf.extend_from_slice(&frame);
            f.inbuf.extend_from_slice(&server_text("2"));
            f.out.clear();
            f.on_bytes("", 1_500, &mut lat).unwrap();
            assert_eq!(f.counts.frames, 1);
            assert_eq!(f.counts.wire_bytes, frame.len() as u64);
            // The Engine.IO ping got its pong ("3", masked: 6-byte header + 1).
            assert_eq!(f.out.len(), 7);
            if sampled {
                assert_eq!(lat.count(), 1);
                assert_eq!(lat.max(), 500);
                assert_eq!(f.counts.bad, 0);
            } else {
                assert_eq!(lat.count(), 0);
            }
        }
    }

    /// A server compressing every message with context takeover, as
    /// socket.io 4.8 does (even its open packet and pings).
    struct Takeover(flate2::Compress);

    impl Takeover {
        fn new() -> Self {
            Takeover(flate2::Compress::new(flate2::Compression::new(3), false))
        }

        fn frame(&mut self, text: &str) -> Vec<u8> {
            let mut out = Vec::with_capacity(text.len() + 64);
            self.0
                .compress_vec(text.as_bytes(), &mut out, flate2::FlushCompress::Sync)
                .unwrap();
            assert_eq!(out.split_off(out.len() - 4), [0, 0, 0xff, 0xff]);
            let mut f = vec![0xc1];
            match out.len() {
                n if n < 126 => f.push(n as u8),
                n => {
                    f.push(126);
                    f.extend_from_slice(&(n as u16).to_be_bytes());
                }
            }
            f.extend_from_slice(&out);
            f
        }
    }

    #[test]
    fn a_server_compressing_everything_with_context_takeover_is_followed() {
        let logon = wire::event_packet("logon", &[&wire::json_string("{\"groupCode\":\"G\"}")]);
        for sampled in [true, false] {
            let mut z = Takeover::new();
            let mut lat = Histogram::new();
            let mut f = Frontend::new(0, sampled, 0, false);
            f.on_connected("h:1");
            f.inbuf.extend_from_slice(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
            );
            for t in [
                "0{\"sid\":\"x\"}",
                "40{\"sid\":\"y\"}",
                "42[\"logon_success\",\"{}\"]",
            ] {
                f.inbuf.extend_from_slice(&z.frame(t));
                f.on_bytes(&logon, 10, &mut lat).unwrap();
            }
            assert_eq!(f.phase, Phase::Live);
            let state = |p: u64| {
                let s = format!(
                    "{{\"matchType\":\"perf-probe-{p}\",\"pad\":\"{}\"}}",
                    "xy".repeat(4000)
                );
                wire::event_packet("match_data", &[&wire::json_string(&s)])
            };
            f.inbuf.extend_from_slice(&z.frame(&state(100)));
            f.inbuf.extend_from_slice(&z.frame(&state(200)));
            f.out.clear();
            f.inbuf.extend_from_slice(&z.frame("2"));
            f.on_bytes(&logon, 1_000, &mut lat).unwrap();
            assert_eq!(f.counts.frames, 2, "sampled={sampled}");
            assert_eq!(f.out.len(), 7, "one pong, sampled={sampled}");
            assert_eq!(lat.count(), if sampled { 2 } else { 0 });
        }
    }

    #[test]
    fn a_bad_upgrade_answer_is_an_error() {
        let mut f = Frontend::new(0, false, 0, false);
        f.on_connected("h:1");
        f.inbuf
            .extend_from_slice(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(f.on_bytes("", 0, &mut Histogram::new()).is_err());
    }
}
