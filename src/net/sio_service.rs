//! The reactor's protocol side for Socket.IO: HTTP requests and WebSocket
//! messages go to the sans-IO [`sio::Server`], its [`Action`]s come back as
//! bytes on connections, and its application events go to the [`App`].

use super::reactor::{ConnId, Io, Service};
use crate::sio::{self, Action, AppEvent, HttpOutcome};
use crate::{http, ws};
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

/// The application on top of a Socket.IO reactor.
pub trait App {
    /// A socket connected, sent an event, or disconnected.
    fn on_app_event(&mut self, srv: &mut sio::Server, ev: AppEvent);

    /// A request whose path is not the engine's (REST routes). `None`
    /// answers 404.
    fn on_http(&mut self, _req: &http::Request) -> Option<http::Response> {
        None
    }

    /// Another thread woke the reactor: drain the channels it posted to.
    fn on_wake(&mut self, srv: &mut sio::Server);

    /// Whether the app answers this non-engine request later, because the
    /// answer needs another thread (a backend call). The connection then
    /// waits, paused like a parked poll, until [`App::take_http_answers`]
    /// hands back the answer for `ticket`.
    fn defer_http(&mut self, _ticket: u64, _req: &http::Request) -> bool {
        false
    }

    /// Answers to deferred requests that are ready; asked after `on_wake`.
    fn take_http_answers(&mut self) -> Vec<(u64, http::Response)> {
        Vec::new()
    }

    /// The reactor handled every readiness event of one poll: send on what
    /// was gathered from them.
    fn after_poll(&mut self) {}
}

/// A connection is HTTP until its request is upgraded to a WebSocket.
#[derive(Default)]
pub enum ConnState {
    #[default]
    Http,
    /// Boxed: most connections of a broadcast port are WebSockets, but the
    /// HTTP ones (REST, polls) stay small.
    Ws(Box<ws::Decoder>),
}

/// The shard whose session the request at the front of `input` names, when
/// not this one.
fn other_shard(io: &Io<ConnState>, input: &[u8], limits: &http::Limits) -> Option<usize> {
    let (me, count) = io.shard()?;
    let sid = http::peek_query_param(input, "sid", limits.max_head)?;
    super::shards::shard_of_sid(&sid, count).filter(|s| *s != me)
}

/// Drives a [`sio::Server`] and an [`App`] from a reactor.
pub struct SioService<A> {
    pub srv: sio::Server,
    pub app: A,
    engine_path: String,
    http_limits: http::Limits,
    max_message: usize,
    /// Deferred requests: ticket → (connection, keep-alive).
    deferred: HashMap<u64, (ConnId, bool)>,
    next_ticket: u64,
}

impl<A: App> SioService<A> {
    pub fn new(srv: sio::Server, app: A) -> Self {
        let engine_path = srv.config().path.clone();
        let max_payload = srv.config().max_payload;
        Self {
            srv,
            app,
            engine_path,
            http_limits: http::Limits {
                max_head: 16 * 1024,
                max_headers: 64,
                max_body: max_payload,
            },
            // A WebSocket message carries one Engine.IO packet: its type
            // byte plus the payload.
            max_message: max_payload + 16,
            deferred: HashMap::new(),
            next_ticket: 0,
        }
    }

    /// Runs the server's pending actions, and the app's reactions to them.
    fn drain(&mut self, io: &mut Io<ConnState>) {
        while let Some(action) = self.srv.poll_action() {
            match action {
                Action::HttpResponse {
                    conn,
                    response,
                    close,
                } => {
                    io.send(conn, response);
                    if close {
                        io.close(conn);
                    } else {
                        io.resume(conn);
                    }
                }
                Action::WsFrame { conn, frame } => io.send_frame(conn, frame),
                Action::WsLatest { conn, msg, deflate } => {
                    io.send_message(conn, msg.kind, &msg.ws, deflate.as_ref())
                }
                Action::Close { conn } => io.close(conn),
                Action::App(ev) => self.app.on_app_event(&mut self.srv, ev),
            }
        }
    }

    fn on_http_input(
        &mut self,
        io: &mut Io<ConnState>,
        conn: ConnId,
        state: &mut ConnState,
        input: &mut BytesMut,
    ) {
        loop {
            if !io.is_open(conn) || io.is_paused(conn) {
                return;
            }
            // A request for another shard's session goes there, unread,
            // with its connection.
            if let Some(to) = other_shard(io, input, &self.http_limits)
                && io.hand_over(conn, to)
            {
                return;
            }
            let req = match http::parse_request(input, &self.http_limits) {
                Ok(Some(req)) => req,
                Ok(None) => return,
                Err(e) => {
                    log::warn!("{}: bad HTTP request: {e}", peer(io, conn));
                    let resp = http::Response::new(e.status());
                    io.send(conn, resp.encode(false));
                    io.close(conn);
                    input.clear();
                    return;
                }
            };
            let keep_alive = req.keep_alive();
            if !req.path.starts_with(&self.engine_path) {
                self.next_ticket += 1;
                if self.app.defer_http(self.next_ticket, &req) {
                    self.deferred.insert(self.next_ticket, (conn, keep_alive));
                    io.pause(conn);
                    return;
                }
                let resp = self
                    .app
                    .on_http(&req)
                    .unwrap_or_else(|| http::Response::new(404));
                self.respond(io, conn, &resp, keep_alive);
                self.drain(io);
                continue;
            }
            let outcome = self.srv.on_http(conn, req, io.now_ms());
            match outcome {
                HttpOutcome::Respond(resp) => self.respond(io, conn, &resp, keep_alive),
                HttpOutcome::Parked => io.pause(conn),
                HttpOutcome::Upgrade { response, deflate } => {
                    io.send(conn, response.encode(true));
                    // The engine's heartbeat decides when a WebSocket is dead.
                    io.exempt_from_idle_timeout(conn);
                    *state = ConnState::Ws(Box::new(ws::Decoder::new(deflate, self.max_message)));
                    self.drain(io);
                    self.on_ws_input(io, conn, state, input);
                    return;
                }
                HttpOutcome::NotEngine => {
                    self.respond(io, conn, &http::Response::new(404), keep_alive)
                }
            }
            // A parked poll may have been answered already by these actions.
            self.drain(io);
        }
    }

    /// Writes a response; closes after it when the request or the response
    /// (a `Connection: close` header) says so.
    fn respond(
        &mut self,
        io: &mut Io<ConnState>,
        conn: ConnId,
        resp: &http::Response,
        keep_alive: bool,
    ) {
        let keep_alive = keep_alive
            && !resp
                .get_header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        io.send(conn, resp.encode(keep_alive));
        if !keep_alive {
            io.close(conn);
        }
    }

    fn on_ws_input(
        &mut self,
        io: &mut Io<ConnState>,
        conn: ConnId,
        state: &mut ConnState,
        input: &mut BytesMut,
    ) {
        let ConnState::Ws(decoder) = state else {
            return;
        };
        while io.is_open(conn) {
            match decoder.decode(input) {
                Ok(None) => return,
                // Control messages too: the server answers pings and closes.
                Ok(Some(msg)) => {
                    self.srv.on_ws_message(conn, msg, io.now_ms());
                    self.drain(io);
                }
                Err(e) => {
                    log::warn!("{}: bad WebSocket input: {e}", peer(io, conn));
                    io.send(conn, e.close_frame());
                    io.close(conn);
                }
            }
        }
        input.clear();
    }
}

fn peer(io: &Io<ConnState>, conn: ConnId) -> String {
    io.peer(conn)
        .map_or_else(|| format!("conn {conn}"), |p| p.to_string())
}

impl<A: App> Service for SioService<A> {
    type State = ConnState;

    fn on_input(
        &mut self,
        io: &mut Io<ConnState>,
        conn: ConnId,
        state: &mut ConnState,
        input: &mut BytesMut,
    ) {
        match state {
            ConnState::Http => self.on_http_input(io, conn, state, input),
            ConnState::Ws(_) => self.on_ws_input(io, conn, state, input),
        }
    }

    fn on_closed(&mut self, io: &mut Io<ConnState>, conn: ConnId, _state: ConnState) {
        if !self.deferred.is_empty() {
            self.deferred.retain(|_, (c, _)| *c != conn);
        }
        self.srv.on_conn_closed(conn, io.now_ms());
        self.drain(io);
    }

    fn next_deadline(&self) -> Option<u64> {
        self.srv.next_deadline()
    }

    fn on_timer(&mut self, io: &mut Io<ConnState>) {
        self.srv.on_timer(io.now_ms());
        self.drain(io);
    }

    fn on_wake(&mut self, io: &mut Io<ConnState>) {
        self.app.on_wake(&mut self.srv);
        for (ticket, resp) in self.app.take_http_answers() {
            // Gone when the client closed while waiting.
            if let Some((conn, keep_alive)) = self.deferred.remove(&ticket) {
                self.respond(io, conn, &resp, keep_alive);
                if io.is_open(conn) {
                    io.resume(conn);
                }
            }
        }
        self.drain(io);
    }

    fn after_poll(&mut self) {
        self.app.after_poll();
    }

    fn goodbye(&mut self, state: &ConnState) -> Option<Bytes> {
        match state {
            ConnState::Http => None,
            ConnState::Ws(_) => Some(ws::close_frame(1001, "server shutting down")),
        }
    }
}

/// Serves Socket.IO with `cfg` on `listen` (TLS when `tls` is set) until the
/// process ends. For more listeners, a [`super::Remote`] or shutdown, build
/// the [`Reactor`](super::Reactor) yourself.
pub fn run<A: App>(
    listen: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    cfg: sio::EngineConfig,
    app: A,
) -> io::Result<A> {
    let service = SioService::new(sio::Server::new(cfg), app);
    let mut reactor = super::Reactor::new(service, super::Options::default())?;
    reactor.listen(listen, tls)?;
    Ok(reactor.run()?.app)
}
