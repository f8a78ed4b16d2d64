//! `spectra-loadgen sink`: a bare broadcast server for measuring the load
//! generator's own ceiling. One mio thread on one port speaks just enough of
//! the protocol for the scenarios (WebSocket with permessage-deflate,
//! Engine.IO open, Socket.IO connect, `obs_logon` → ack, `logon` →
//! `logon_success`), keeps no game state, and every 100 ms after an
//! `obs_data` sends every frontend one standalone-compressed `match_data`
//! (built once) carrying the latest probe seen. Whatever the generator
//! measures against it is the generator's (and the kernel's) limit, not a
//! server's.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;
use spectra_perf::wire;
use spectra_server::http::{self, Limits};
use spectra_server::room::{Levels, Output};
use spectra_server::ws::{self, Data, Decoder, DeflateConfig, Deflater, Message, OpCode};

const LISTENER: Token = Token(usize::MAX);
/// A connection whose unsent bytes pass this is dropped (a stuck reader).
const MAX_QUEUED: usize = 8 << 20;

struct Conn {
    stream: TcpStream,
    inbuf: BytesMut,
    out: Vec<u8>,
    ws: Option<(Decoder, Option<DeflateConfig>)>,
    frontend: bool,
}

/// Serves on `addr`, with states padded to `pad` bytes.
pub fn main(addr: SocketAddr, pad: usize) -> Result<(), String> {
    super::sysinfo::raise_nofile();
    run(addr, pad).map_err(|e| e.to_string())
}

fn state_text(probe: u64, pad: usize) -> String {
    // Player-like filler that compresses about as well as a real state.
    let mut s = format!(
        "{{\"matchType\":\"{}{probe}\",\"players\":[",
        wire::PROBE_PREFIX
    );
    let mut i = 0u64;
    while s.len() < pad {
        s.push_str(&format!(
            "{{\"name\":\"Player{i}\",\"kills\":{},\"deaths\":{},\"money\":{},\"agentInternal\":\"Agent_{}_PC_C\",\"isAlive\":true}},",
            (probe + i) % 31,
            (i * 7) % 17,
            (probe / 1000 + i * 131) % 9000,
            i % 13
        ));
        i += 1;
    }
    s.push_str("{}]}");
    s
}

fn run(addr: SocketAddr, pad: usize) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("listening on http://{addr}");
    let mut conns: Slab<Conn> = Slab::new();
    let mut events = Events::with_capacity(4096);
    let mut scratch = vec![0u8; 64 << 10];
    let mut deflater = Deflater::new(Levels::default().standalone);
    let mut probe = 0u64;
    let mut dirty = false;
    let mut next_tick = Instant::now() + Duration::from_millis(100);
    loop {
        let timeout = next_tick.saturating_duration_since(Instant::now());
        poll.poll(&mut events, Some(timeout))?;
        for ev in events.iter() {
            if ev.token() == LISTENER {
                while let Ok((mut s, _)) = listener.accept() {
                    let _ = s.set_nodelay(true);
                    let e = conns.vacant_entry();
                    poll.registry().register(
                        &mut s,
                        Token(e.key()),
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    e.insert(Conn {
                        stream: s,
                        inbuf: BytesMut::new(),
                        out: Vec::new(),
                        ws: None,
                        frontend: false,
                    });
                }
                continue;
            }
            let key = ev.token().0;
            let Some(c) = conns.get_mut(key) else {
                continue;
            };
            let ok = service(c, &mut scratch, &mut probe, &mut dirty).is_ok() && flush(c).is_ok();
            if !ok {
                let mut c = conns.remove(key);
                let _ = poll.registry().deregister(&mut c.stream);
            }
        }
        if Instant::now() >= next_tick {
            next_tick += Duration::from_millis(100);
            if dirty {
                dirty = false;
                let text = wire::event_packet(
                    "match_data",
                    &[&wire::json_string(&state_text(probe, pad))],
                );
                let msg = Output::standalone_only(0, Bytes::from(text), &mut deflater);
                let mut dead = Vec::new();
                for (k, c) in conns.iter_mut().filter(|(_, c)| c.frontend) {
                    let frame: &Bytes = msg.frame_for(c.ws.as_ref().and_then(|w| w.1.as_ref()));
                    c.out.extend_from_slice(frame);
                    if c.out.len() > MAX_QUEUED || flush(c).is_err() {
                        dead.push(k);
                    }
                }
                for k in dead {
                    let mut c = conns.remove(k);
                    let _ = poll.registry().deregister(&mut c.stream);
                }
            }
        }
    }
}

fn flush(c: &mut Conn) -> io::Result<()> {
    while !c.out.is_empty() {
        match c.stream.write(&c.out) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                c.out.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn send(c: &mut Conn, text: &str) {
    c.out
        .extend_from_slice(&ws::encode_frame(OpCode::Data(Data::Text), text.as_bytes()));
}

fn service(c: &mut Conn, scratch: &mut [u8], probe: &mut u64, dirty: &mut bool) -> io::Result<()> {
    loop {
        match c.stream.read(scratch) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => c.inbuf.extend_from_slice(&scratch[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let bad = |m: &str| io::Error::other(m.to_owned());
    if c.ws.is_none() {
        let Some(req) =
            http::parse_request(&mut c.inbuf, &Limits::default()).map_err(|_| bad("http"))?
        else {
            return Ok(());
        };
        let (resp, deflate) = ws::accept(&req, true).map_err(|_| bad("not a websocket upgrade"))?;
        c.out.extend_from_slice(&resp.encode(true));
        c.ws = Some((Decoder::new(deflate, 1 << 20), deflate));
        send(
            c,
            "0{\"sid\":\"sink\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}",
        );
    }
    loop {
        let Some((dec, _)) = c.ws.as_mut() else {
            return Ok(());
        };
        let msg = dec.decode(&mut c.inbuf).map_err(|_| bad("frame"))?;
        let Some(msg) = msg else { return Ok(()) };
        let Message::Text(t) = msg else {
            if let Message::Close(_) = msg {
                return Err(bad("closed"));
            }
            continue;
        };
        if t == "40" {
            send(c, "40{\"sid\":\"s\"}");
        } else if t.starts_with("42[\"obs_data\"") {
            if let Some(p) = wire::find_probe(t.as_bytes()) {
                *probe = p;
            }
            *dirty = true;
        } else if t.starts_with("42[\"obs_logon\"") {
            let ack = "{\"type\":\"authenticate\",\"value\":true,\"reason\":\"SINK00000000\"}";
            send(
                c,
                &wire::event_packet("obs_logon_ack", &[&wire::json_string(ack)]),
            );
        } else if t.starts_with("42[\"logon\"") {
            send(
                c,
                &wire::event_packet("logon_success", &[&wire::json_string("{}")]),
            );
            c.frontend = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_carries_the_probe_and_has_the_asked_size() {
        let s = state_text(1234, 16_000);
        assert!(s.len() >= 16_000 && s.len() < 16_400);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["matchType"], "perf-probe-1234");
    }
}
