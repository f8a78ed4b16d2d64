//! Engine.IO on a reactor: the [`Service`] that parses HTTP requests and
//! WebSocket frames off a connection's bytes, hands them to the [`Adapter`]
//! of the layer on top ([`SessionLayer`], Socket.IO in the server), and
//! queues the adapter's [`Action`]s as bytes on connections.

use std::collections::HashMap;

use bytes::{Bytes, BytesMut};

use super::adapter::{Action, Adapter, HttpOutcome};
use crate::net::{ConnId, Io, Service};
use crate::{http, ws};

/// A port's own HTTP routes: the requests outside the engine's path (REST).
pub trait Routes {
    /// Answers a request at once. `None` answers 404.
    fn on_http(&mut self, _req: &http::Request) -> Option<http::Response> {
        None
    }

    /// Whether the answer to this request comes later, because it needs
    /// another thread (a backend call). The connection then waits, paused
    /// like a parked poll, until [`Routes::take_http_answers`] hands back
    /// the answer for `ticket`.
    fn defer_http(&mut self, _ticket: u64, _req: &http::Request) -> bool {
        false
    }

    /// Answers to deferred requests that are ready; asked after a wake.
    fn take_http_answers(&mut self) -> Vec<(u64, http::Response)> {
        Vec::new()
    }
}

/// What runs on Engine.IO sessions: it owns the [`Adapter`], hears its
/// session events, and has the port's other routes.
pub trait SessionLayer: Routes {
    /// The adapter this layer's sessions run on.
    fn adapter(&mut self) -> &mut Adapter;

    /// The next action for the network side, after handling whatever the
    /// adapter's session events lead to (in order, so a connection's bytes
    /// are queued in the order they arose).
    fn poll_action(&mut self) -> Option<Action>;

    /// When [`SessionLayer::on_timer`] has work next, in the reactor's
    /// milliseconds (the adapter's deadlines included).
    fn next_deadline(&self) -> Option<u64>;

    /// Runs the layer's and the adapter's timers due by `now_ms`.
    fn on_timer(&mut self, now_ms: u64);

    /// Another thread woke the reactor: drain the channels it posted to.
    fn on_wake(&mut self);

    /// The reactor handled every readiness event of one poll: send on what
    /// was gathered from them.
    fn after_poll(&mut self) {}
}

/// A connection is HTTP until its request is upgraded to a WebSocket.
#[derive(Default)]
pub enum ConnState {
    /// Reading HTTP requests.
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
    crate::net::shards::shard_of_sid(&sid, count).filter(|s| *s != me)
}

/// Drives a [`SessionLayer`] from a reactor.
pub struct Driver<L> {
    /// The layer the sessions belong to (Socket.IO, or a test's).
    pub layer: L,
    engine_path: Option<String>,
    http_limits: http::Limits,
    max_message: usize,
    /// Deferred requests: ticket → (connection, keep-alive).
    deferred: HashMap<u64, (ConnId, bool)>,
    next_ticket: u64,
}

impl<L: SessionLayer> Driver<L> {
    /// Drives `layer`; the engine path and the size limits come from its
    /// adapter's configuration.
    pub fn new(mut layer: L) -> Self {
        let cfg = layer.adapter().config();
        let engine_path = cfg.path.clone();
        let max_payload = cfg.max_payload;
        Self {
            layer,
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

    /// Queues every pending action as bytes on its connection.
    fn drain(&mut self, io: &mut Io<ConnState>) {
        while let Some(action) = self.layer.poll_action() {
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
                Action::WsFrame { conn, frame } => {
                    if ws::is_compressed(&frame) {
                        self.layer.adapter().sent_compressed(conn);
                    }
                    io.send(conn, frame);
                }
                Action::WsLatest { conn, msg } => {
                    io.note_round(msg.born);
                    let missed = io.has_unwritten_latest(conn, msg.kind);
                    let frame = self.layer.adapter().pick(conn, &msg, missed);
                    io.send_latest(conn, msg.kind, frame);
                }
                Action::Close { conn } => io.close(conn),
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
            if !self
                .engine_path
                .as_deref()
                .is_some_and(|p| req.path.starts_with(p))
            {
                self.next_ticket += 1;
                if self.layer.defer_http(self.next_ticket, &req) {
                    self.deferred.insert(self.next_ticket, (conn, keep_alive));
                    io.pause(conn);
                    return;
                }
                let resp = self
                    .layer
                    .on_http(&req)
                    .unwrap_or_else(|| http::Response::new(404));
                respond(io, conn, &resp, keep_alive);
                self.drain(io);
                continue;
            }
            let outcome = self
                .layer
                .adapter()
                .on_http(conn, io.peer(conn), req, io.now_ms());
            match outcome {
                HttpOutcome::Respond(resp) => respond(io, conn, &resp, keep_alive),
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
                HttpOutcome::NotEngine => respond(io, conn, &http::Response::new(404), keep_alive),
            }
            // A parked poll may have been answered already by these actions.
            self.drain(io);
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
                // Control messages too: the adapter answers pings and closes.
                Ok(Some(msg)) => {
                    self.layer.adapter().on_ws_message(conn, msg, io.now_ms());
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

/// Writes a response; closes after it when the request or the response (a
/// `Connection: close` header) says so.
fn respond(io: &mut Io<ConnState>, conn: ConnId, resp: &http::Response, keep_alive: bool) {
    let keep_alive = keep_alive
        && !resp
            .get_header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    io.send(conn, resp.encode(keep_alive));
    if !keep_alive {
        io.close(conn);
    }
}

fn peer(io: &Io<ConnState>, conn: ConnId) -> String {
    io.peer(conn)
        .map_or_else(|| format!("conn {conn}"), |p| p.to_string())
}

impl<L: SessionLayer> Service for Driver<L> {
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
        self.layer.adapter().on_conn_closed(conn, io.now_ms());
        self.drain(io);
    }

    fn next_deadline(&self) -> Option<u64> {
        self.layer.next_deadline()
    }

    fn on_timer(&mut self, io: &mut Io<ConnState>) {
        self.layer.on_timer(io.now_ms());
        self.drain(io);
    }

    fn on_wake(&mut self, io: &mut Io<ConnState>) {
        self.layer.on_wake();
        for (ticket, resp) in self.layer.take_http_answers() {
            // Gone when the client closed while waiting.
            if let Some((conn, keep_alive)) = self.deferred.remove(&ticket) {
                respond(io, conn, &resp, keep_alive);
                if io.is_open(conn) {
                    io.resume(conn);
                }
            }
        }
        self.drain(io);
    }

    fn after_poll(&mut self, io: &mut Io<ConnState>) {
        io.set_sessions(self.layer.adapter().sessions());
        let polled = self.layer.adapter().take_polling_counts();
        io.count_latest(polled.sent, polled.replaced);
        self.layer.after_poll();
    }

    fn goodbye(&mut self, state: &ConnState) -> Option<Bytes> {
        match state {
            ConnState::Http => None,
            ConnState::Ws(_) => Some(ws::close_frame(1001, "server shutting down")),
        }
    }
}
