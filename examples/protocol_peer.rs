//! The test server of the Socket.IO project's protocol suites and of this
//! crate's real-client tests.
//!
//! `cargo run --release --example protocol_peer` listens on 127.0.0.1:3000
//! with pingInterval 300 ms and pingTimeout 200 ms, as the suites
//! (socketio/socket.io-protocol, socketio/engine.io-protocol) expect.
//!
//! Environment:
//! - `PEER_ADDR`: listen address (`127.0.0.1:0` picks a free port); the
//!   first line on stdout is `listening on <url>`.
//! - `PEER_MODE=engine.io`: raw Engine.IO echo on `/engine.io/` (the
//!   engine.io-protocol suite) instead of Socket.IO on `/socket.io/`.
//! - `PING_INTERVAL`, `PING_TIMEOUT`: milliseconds.
//! - `PEER_DEFLATE=1`: accept permessage-deflate, as the Spectra server does
//!   (the real-client tests set it). Off by default, as in socket.io: the
//!   suites' raw `ws` clients deflate every message asynchronously, and a
//!   probe/upgrade pair then overtakes their own next poll.
//! - `SERVER_KEY`, `SERVER_CERT`: PEM paths; when both are set, TLS.
//!
//! In raw Engine.IO mode every message is echoed. Socket.IO behaviour, on
//! the namespaces `/` and `/custom`:
//! - on connect: emits `auth` with the CONNECT payload (`{}` without one);
//! - `message` → emits `message-back` with the same arguments (binary
//!   attachments included);
//! - `message-with-ack` → acknowledges with the same arguments;
//! - `emit-with-ack` → emits `emit-with-ack` with the same arguments and an
//!   ack id; the client's answer comes back as an `emit-with-ack` event
//!   without ack (as socketioxide's e2e server does);
//! - `close-session` → closes the Engine.IO session (the client reconnects);
//! - `join` (room) → joins, acknowledges with `"joined"`;
//! - `broadcast` (room, args…) → broadcasts `broadcast` (args…) to the room,
//!   built once as a room's output shared by every member.

use std::sync::Arc;

use spectra_server::eio::{Driver, EngineConfig, Routes};
use spectra_server::net::{self, Options, Reactor};
use spectra_server::room::Output;
use spectra_server::sio::{self, App, AppEvent};
use spectra_server::{http, ws};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

struct Peer {
    deflater: ws::Deflater,
    /// Raw Engine.IO mode: sessions connect, but there is no Socket.IO to
    /// greet them in.
    raw: bool,
}

impl App for Peer {
    fn on_app_event(&mut self, srv: &mut sio::Server, ev: AppEvent) {
        match ev {
            AppEvent::Connect { socket, auth, .. } => {
                if !self.raw {
                    srv.emit(socket, "auth", &[auth.as_deref().unwrap_or("{}")]);
                }
            }
            AppEvent::Event {
                socket,
                name,
                args,
                ack,
                attachments,
                ..
            } => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                match name.as_str() {
                    "message" => srv.emit_binary(socket, "message-back", &args, &attachments),
                    "message-with-ack" => {
                        if let Some(id) = ack {
                            srv.ack_binary(socket, id, &args, &attachments);
                        }
                    }
                    "emit-with-ack" => {
                        srv.emit_with_ack(socket, "emit-with-ack", &args);
                    }
                    "close-session" => srv.close_session(socket),
                    "join" => {
                        if let Some(room) = args.first().and_then(|a| json_string(a)) {
                            srv.join(socket, &room);
                        }
                        if let Some(id) = ack {
                            srv.ack(socket, id, &["\"joined\""]);
                        }
                    }
                    "broadcast" => {
                        if let Some(room) = args.first().and_then(|a| json_string(a)) {
                            let rest = args.get(1..).unwrap_or(&[]);
                            let packet = sio::event_packet("/", "broadcast", rest);
                            let msg = Output::standalone_only(0, packet, &mut self.deflater);
                            srv.broadcast(&room, &Arc::new(msg));
                        }
                    }
                    _ => log::info!("unhandled event {name}"),
                }
            }
            AppEvent::Ack {
                socket,
                args,
                attachments,
                ..
            } => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                srv.emit_binary(socket, "emit-with-ack", &args, &attachments);
            }
            AppEvent::Disconnect { socket, reason } => {
                log::info!("socket {socket} disconnected: {reason}");
            }
            // Raw Engine.IO mode: echo.
            AppEvent::EngineMessage { socket, data } => srv.send_raw(socket, data),
        }
    }

    fn on_wake(&mut self, _srv: &mut sio::Server) {}
}

impl Routes for Peer {
    fn on_http(&mut self, req: &http::Request) -> Option<http::Response> {
        (req.path == "/").then(|| http::Response::new(200).body("protocol_peer\n"))
    }
}

fn json_string(text: &str) -> Option<String> {
    serde_json::from_str::<String>(text).ok()
}

fn env_ms(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a number of milliseconds")),
        Err(_) => Ok(default),
    }
}

fn start() -> Result<(), String> {
    let addr: SocketAddr = std::env::var("PEER_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("PEER_ADDR: {e}"))?;
    let raw = std::env::var("PEER_MODE").is_ok_and(|m| m == "engine.io");
    let mut cfg = EngineConfig {
        ping_interval_ms: env_ms("PING_INTERVAL", 300)?,
        ping_timeout_ms: env_ms("PING_TIMEOUT", 200)?,
        namespaces: vec!["/".to_owned(), "/custom".to_owned()],
        offer_deflate: std::env::var("PEER_DEFLATE").is_ok_and(|v| v == "1"),
        ..EngineConfig::default()
    };
    if raw {
        cfg.path = Some("/engine.io/".to_owned());
        cfg.raw_engine_io = true;
    }
    let tls = match (
        std::env::var_os("SERVER_KEY"),
        std::env::var_os("SERVER_CERT"),
    ) {
        (Some(key), Some(cert)) => {
            Some(net::tls::load(key.as_ref(), cert.as_ref()).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let deflater = ws::Deflater::new(cfg.deflate_level);
    let service = Driver::new(sio::Stack::new(
        sio::Server::new(cfg),
        Peer { deflater, raw },
    ));
    let mut reactor = Reactor::new(service, Options::default()).map_err(|e| e.to_string())?;
    let bound = reactor
        .listen(addr, tls)
        .map_err(|e| format!("listen on {addr}: {e}"))?;
    println!("listening on {scheme}://{bound}");
    let _ = std::io::stdout().flush();
    reactor.run().map_err(|e| e.to_string())?;
    Ok(())
}

fn main() -> ExitCode {
    env_logger::init();
    match start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("protocol_peer: {e}");
            ExitCode::FAILURE
        }
    }
}
