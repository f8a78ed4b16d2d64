//! A raw WebSocket echo server on the crate's reactor: the server under
//! test for the Autobahn suite (`scripts/autobahn.sh`).
//!
//! `cargo run --release --example ws_echo` listens on `WS_ECHO_ADDR`
//! (default 127.0.0.1:9001) and echoes every message on any path, with
//! permessage-deflate when offered. Messages up to 16 MiB (Autobahn 9.1.6).

mod echo_conn;

use std::io::Write;
use std::process::ExitCode;

use bytes::{Bytes, BytesMut};
use spectra_server::net::{ConnId, Io, Options, Reactor, Service};

use echo_conn::EchoConn;

const MAX_MESSAGE: usize = 16 << 20;

struct Conn(EchoConn);

impl Default for Conn {
    fn default() -> Self {
        Conn(EchoConn::new(MAX_MESSAGE))
    }
}

struct Echo {
    out: Vec<Bytes>,
}

impl Service for Echo {
    type State = Conn;

    fn on_input(
        &mut self,
        io: &mut Io<Conn>,
        conn: ConnId,
        state: &mut Conn,
        input: &mut BytesMut,
    ) {
        let close = state.0.on_input(input, &mut self.out);
        for bytes in self.out.drain(..) {
            io.send(conn, bytes);
        }
        if close {
            io.close(conn);
        }
    }

    fn on_closed(&mut self, _io: &mut Io<Conn>, _conn: ConnId, _state: Conn) {}

    fn next_deadline(&self) -> Option<u64> {
        None
    }

    fn on_timer(&mut self, _io: &mut Io<Conn>) {}

    fn on_wake(&mut self, _io: &mut Io<Conn>) {}

    fn goodbye(&mut self, _state: &Conn) -> Option<Bytes> {
        None
    }
}

fn start() -> Result<(), String> {
    let addr = std::env::var("WS_ECHO_ADDR").unwrap_or_else(|_| "127.0.0.1:9001".to_owned());
    let addr = addr
        .parse()
        .map_err(|e| format!("WS_ECHO_ADDR={addr:?}: {e}"))?;
    let opts = Options {
        max_input: MAX_MESSAGE + (1 << 20),
        max_queued: 4 * MAX_MESSAGE,
        ..Options::default()
    };
    let mut reactor = Reactor::new(Echo { out: Vec::new() }, opts).map_err(|e| e.to_string())?;
    let bound = reactor
        .listen(addr, None)
        .map_err(|e| format!("listen on {addr}: {e}"))?;
    println!("listening on ws://{bound}");
    let _ = std::io::stdout().flush();
    reactor.run().map_err(|e| e.to_string())?;
    Ok(())
}

fn main() -> ExitCode {
    env_logger::init();
    match start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ws_echo: {e}");
            ExitCode::FAILURE
        }
    }
}
