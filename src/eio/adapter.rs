//! Engine.IO over HTTP and WebSocket, sans-IO: complete HTTP requests and
//! WebSocket messages in; HTTP responses, WebSocket frames and session
//! events out.
//!
//! The [`Engine`] knows sessions but no HTTP or WebSocket; this adapter
//! does that translation (CORS, error bodies, the WebSocket handshake and
//! permessage-deflate, parked polls) and keeps, for every WebSocket
//! connection, what its client's inflater window holds of a room stream, so
//! a broadcast gets the frame that client can inflate. The layer on top
//! (Socket.IO) reads [`SessionEvent`]s and sends through
//! [`Adapter::send`] / [`Adapter::send_latest`]; the network side executes
//! [`Action`]s. Both come out of one queue, [`Adapter::poll`], in the order
//! they arose.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use log::debug;

use super::conn_table::ConnTable;
use super::responses::{error_response, poll_response, with_cors};
use super::{
    CloseReason, ConnId, Data, Engine, EngineConfig, EngineRequest, Method, Outgoing, Output,
    RequestOutcome, SessionId, Transport, WsTarget,
};
use crate::http::{self, Request, Response, cors};
use crate::room::{self, StreamCursor};
use crate::ws::{
    self, COMPRESS_THRESHOLD, Control, DeflateConfig, Deflater, Message, OpCode, close_reply,
    encode_frame,
};

const TEXT: OpCode = OpCode::Data(ws::Data::Text);
const BINARY: OpCode = OpCode::Data(ws::Data::Binary);

/// The request data of a client's first request, as socket.io keeps it in
/// `socket.handshake`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Query parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The address the session was opened from (for logs).
    pub peer: Option<SocketAddr>,
}

/// The immediate answer to an HTTP request.
#[derive(Debug)]
pub enum HttpOutcome {
    /// Write this response. A `Connection: close` header in it means close
    /// the connection once it is written.
    Respond(Response),
    /// A long-poll is held; an [`Action::HttpResponse`] answers it later.
    Parked,
    /// Write the 101 response, then speak WebSocket on the connection (with
    /// permessage-deflate when `deflate` is set). Actions produced by the
    /// same call (the open packet) come after it.
    Upgrade {
        /// The 101 response.
        response: Response,
        /// The permessage-deflate parameters agreed, if any.
        deflate: Option<DeflateConfig>,
    },
    /// The path is not the engine's: the application (REST) handles it.
    NotEngine,
}

/// Work for the network side, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answers a parked poll; `close`: close the connection after it.
    HttpResponse {
        /// The connection holding the poll.
        conn: ConnId,
        /// The whole HTTP response.
        response: Bytes,
        /// Close the connection once the response is written.
        close: bool,
    },
    /// An ordered WebSocket frame. A compressed one enters the client's
    /// inflater window: tell [`Adapter::sent_compressed`] when queueing it.
    WsFrame {
        /// The WebSocket connection.
        conn: ConnId,
        /// The whole frame.
        frame: Bytes,
    },
    /// A room's message, latest-wins: its frame replaces an unwritten older
    /// one of the same kind. Which of its frames to write is asked of
    /// [`Adapter::pick`] at the moment it is queued, because only the
    /// connection's queue knows whether the previous one is being dropped
    /// unwritten (the client then misses it, and its window no longer
    /// matches the room's stream).
    WsLatest {
        /// The WebSocket connection.
        conn: ConnId,
        /// The room's message, with all its frames.
        msg: Arc<room::Output>,
    },
    /// Close the connection (after writing what is queued).
    Close {
        /// The connection.
        conn: ConnId,
    },
}

/// What the layer on top hears of its sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// A session was opened by a request with this handshake.
    Opened {
        /// The new session.
        session: SessionId,
        /// Its first request's query and headers.
        handshake: Arc<Handshake>,
    },
    /// A message arrived.
    Message {
        /// The session it arrived on.
        session: SessionId,
        /// Its data.
        data: Data,
    },
    /// The session moved to a WebSocket: its [`Route`] changed.
    Upgraded {
        /// The session.
        session: SessionId,
    },
    /// The session ended; nothing more is delivered for it.
    Closed {
        /// The session.
        session: SessionId,
        /// Why it ended.
        reason: CloseReason,
    },
}

/// The adapter's output queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// For the network side.
    Net(Action),
    /// For the layer on top.
    Session(SessionEvent),
}

/// Where a session's room messages go: straight to its WebSocket, or into
/// its polling buffer. Layers keep it per member so a broadcast reaching
/// thousands does not look each session up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Frames go to this WebSocket connection.
    Ws(ConnId),
    /// Packets wait in this polling session's buffer.
    Polling(SessionId),
}

/// A WebSocket connection's deflate agreement and stream position.
struct WsConn {
    deflate: Option<DeflateConfig>,
    cursor: StreamCursor,
}

/// Engine.IO sessions over HTTP long-polling and WebSocket.
pub struct Adapter {
    engine: Engine,
    /// Compresses a connection's own large messages, standalone.
    deflater: Deflater,
    /// Parked polls and whether their connection is kept alive.
    parked: HashMap<ConnId, bool>,
    /// Every WebSocket connection (session or probe).
    ws_conns: ConnTable<WsConn>,
    /// The handshake of the request being handled, for a session it opens.
    opening: Option<Arc<Handshake>>,
    out: VecDeque<Event>,
    /// The time of the latest input, in the caller's milliseconds.
    now: u64,
}

impl Adapter {
    pub(crate) fn new(cfg: EngineConfig) -> Self {
        let deflater = Deflater::new(cfg.deflate_level);
        Adapter {
            engine: Engine::new(cfg),
            deflater,
            parked: HashMap::new(),
            ws_conns: ConnTable::new(),
            opening: None,
            out: VecDeque::new(),
            now: 0,
        }
    }

    pub(crate) fn config(&self) -> &EngineConfig {
        self.engine.config()
    }

    /// Open sessions.
    pub fn sessions(&self) -> usize {
        self.engine.session_count()
    }

    /// Room messages polling sessions got and missed since the last call
    /// (WebSockets' are the network side's to count).
    pub fn take_polling_counts(&mut self) -> super::LatestCounts {
        self.engine.take_latest_counts()
    }

    /// The time of the latest input or timer (milliseconds, as passed in).
    pub fn now_ms(&self) -> u64 {
        self.now
    }

    /// The next thing to do, in order.
    pub fn poll(&mut self) -> Option<Event> {
        self.out.pop_front()
    }

    /// The earliest moment [`Adapter::on_timer`] has work (it may find none).
    pub fn next_deadline(&self) -> Option<u64> {
        self.engine.next_deadline()
    }

    /// Runs heartbeats and timeouts due by `now_ms`.
    pub fn on_timer(&mut self, now_ms: u64) {
        self.now = now_ms;
        self.engine.on_timer(now_ms);
        self.pump();
    }

    /// Handles a complete HTTP request on `conn`, which comes from `peer`.
    pub fn on_http(
        &mut self,
        conn: ConnId,
        peer: Option<SocketAddr>,
        req: Request,
        now_ms: u64,
    ) -> HttpOutcome {
        self.now = now_ms;
        if !self
            .engine
            .config()
            .path
            .as_deref()
            .is_some_and(|p| req.path.starts_with(p))
        {
            return HttpOutcome::NotEngine;
        }
        if cors::is_preflight(&req) {
            return HttpOutcome::Respond(cors::preflight(&req));
        }
        let (eio, transport, sid) = (
            req.query_param("EIO"),
            req.query_param("transport"),
            req.query_param("sid"),
        );
        let ereq = EngineRequest {
            method: match req.method {
                http::Method::Get => Method::Get,
                http::Method::Post => Method::Post,
                _ => Method::Other,
            },
            eio: eio.as_deref(),
            transport: transport.as_deref(),
            sid: sid.as_deref(),
            upgrade: req.is_websocket_upgrade(),
            binary_content: req.header("content-type") == Some("application/octet-stream"),
            body: &req.body,
        };
        if sid.is_none() {
            self.opening = Some(Arc::new(Handshake {
                query: req.query_params(),
                headers: req.headers.clone(),
                peer,
            }));
        }
        let outcome = match self.engine.on_request(conn, &ereq, now_ms) {
            RequestOutcome::Payload(body) => HttpOutcome::Respond(poll_response(body)),
            RequestOutcome::Ok => HttpOutcome::Respond(with_cors(
                Response::new(200)
                    .header("Content-Type", "text/html")
                    .header("Cache-Control", "no-store")
                    .body(Bytes::from_static(b"ok")),
            )),
            RequestOutcome::Parked => {
                self.parked.insert(conn, req.keep_alive());
                HttpOutcome::Parked
            }
            RequestOutcome::Reject { error, upgrade } => {
                let resp = error_response(error.reply(upgrade));
                HttpOutcome::Respond(if upgrade { resp } else { with_cors(resp) })
            }
            RequestOutcome::AcceptWebSocket(target) => {
                self.accept_websocket(conn, &req, target, now_ms)
            }
        };
        self.pump();
        self.opening = None;
        outcome
    }

    fn accept_websocket(
        &mut self,
        conn: ConnId,
        req: &Request,
        target: WsTarget,
        now_ms: u64,
    ) -> HttpOutcome {
        // A refused WebSocket is closed at once: no deflate for it.
        let offer = self.engine.config().offer_deflate && target != WsTarget::Refuse;
        let (response, deflate) = match ws::accept(req, offer) {
            Ok(accepted) => accepted,
            Err(e) => {
                debug!("websocket handshake refused on connection {conn}: {e}");
                return HttpOutcome::Respond(e.response().header("Connection", "close"));
            }
        };
        match target {
            WsTarget::New { sid } => {
                self.add_ws(conn, deflate);
                self.engine.open_websocket(conn, sid, now_ms);
            }
            WsTarget::Upgrade(session) => {
                self.add_ws(conn, deflate);
                self.engine.begin_upgrade(session, conn, now_ms);
            }
            WsTarget::Refuse => {
                self.net(Action::WsFrame {
                    conn,
                    frame: close_reply(None),
                });
                self.net(Action::Close { conn });
            }
        }
        HttpOutcome::Upgrade { response, deflate }
    }

    fn add_ws(&mut self, conn: ConnId, deflate: Option<DeflateConfig>) {
        self.ws_conns.insert(
            conn,
            WsConn {
                deflate,
                cursor: StreamCursor::default(),
            },
        );
    }

    /// Handles one WebSocket message from `conn`. Pings are answered with a
    /// pong, and a close with a close frame and [`Action::Close`].
    pub fn on_ws_message(&mut self, conn: ConnId, msg: Message, now_ms: u64) {
        self.now = now_ms;
        match msg {
            Message::Text(t) => self.engine.on_ws_message(conn, Data::Text(t), now_ms),
            Message::Binary(b) => self.engine.on_ws_message(conn, Data::Binary(b), now_ms),
            Message::Ping(p) => self.net(Action::WsFrame {
                conn,
                frame: encode_frame(OpCode::Control(Control::Pong), &p),
            }),
            Message::Pong(_) => {}
            Message::Close(c) => {
                self.net(Action::WsFrame {
                    conn,
                    frame: close_reply(c.map(|(code, _)| code)),
                });
                self.net(Action::Close { conn });
                self.ws_conns.remove(&conn);
                self.engine.on_conn_closed(conn);
            }
        }
        self.pump();
    }

    /// The connection is gone (whatever it was: poll, WebSocket, other).
    pub fn on_conn_closed(&mut self, conn: ConnId, now_ms: u64) {
        self.now = now_ms;
        self.parked.remove(&conn);
        self.ws_conns.remove(&conn);
        self.engine.on_conn_closed(conn);
        self.pump();
    }

    /// Sends a packet on a session (see [`Engine::send`]).
    pub fn send(&mut self, session: SessionId, packet: Outgoing) {
        self.engine.send(session, None, packet);
        self.pump();
    }

    /// Sends a room's message latest-wins on a route: as
    /// [`Action::WsLatest`] to a WebSocket, or into a polling buffer,
    /// replacing an unsent older one of the same kind.
    pub fn send_latest(&mut self, route: Route, msg: &Arc<room::Output>) {
        match route {
            Route::Ws(conn) => self.net(Action::WsLatest {
                conn,
                msg: msg.clone(),
            }),
            Route::Polling(session) => {
                self.engine
                    .send(session, Some(msg.kind), Outgoing::Text(msg.packet.clone()));
                self.pump();
            }
        }
    }

    /// Closes a session from the server side (the client sees its
    /// transport close).
    pub fn close(&mut self, session: SessionId) {
        self.engine.close(session, self.now);
        self.pump();
    }

    /// Where a session's room messages go now.
    pub fn route_of(&self, session: SessionId) -> Route {
        match self.engine.transport(session) {
            Some(Transport::WebSocket(conn)) => Route::Ws(conn),
            _ => Route::Polling(session),
        }
    }

    /// The frame of `msg` to queue now on `conn` (see [`Action::WsLatest`]);
    /// `missed`: the previous one is being dropped unwritten.
    pub fn pick(&mut self, conn: ConnId, msg: &room::Output, missed: bool) -> Bytes {
        let Some(ws) = self.ws_conns.get_mut(&conn) else {
            return msg.plain.clone();
        };
        if missed {
            ws.cursor.reset();
        }
        ws.cursor.pick(msg, ws.deflate.as_ref()).clone()
    }

    /// An ordered compressed frame was queued on `conn`: its client's
    /// window no longer matches any room stream.
    pub fn sent_compressed(&mut self, conn: ConnId) {
        if let Some(ws) = self.ws_conns.get_mut(&conn) {
            ws.cursor.reset();
        }
    }

    fn net(&mut self, action: Action) {
        self.out.push_back(Event::Net(action));
    }

    fn session(&mut self, ev: SessionEvent) {
        self.out.push_back(Event::Session(ev));
    }

    /// Turns the engine's outputs into actions and session events.
    fn pump(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::PollReply { conn, body } => {
                    let keep_alive = self.parked.remove(&conn).unwrap_or(true);
                    self.net(Action::HttpResponse {
                        conn,
                        response: poll_response(body).encode(keep_alive),
                        close: !keep_alive,
                    });
                }
                Output::PollReject { conn, error } => {
                    let keep_alive = self.parked.remove(&conn).unwrap_or(true);
                    self.net(Action::HttpResponse {
                        conn,
                        response: with_cors(error_response(error.reply(false))).encode(keep_alive),
                        close: !keep_alive,
                    });
                }
                Output::WsText { conn, data } => {
                    let frame = self.frame(conn, TEXT, &data);
                    self.net(Action::WsFrame { conn, frame });
                }
                Output::WsBinary { conn, data } => {
                    let frame = self.frame(conn, BINARY, &data);
                    self.net(Action::WsFrame { conn, frame });
                }
                Output::CloseConn { conn } => {
                    if self.ws_conns.remove(&conn).is_some() {
                        self.net(Action::WsFrame {
                            conn,
                            frame: close_reply(None),
                        });
                    }
                    self.net(Action::Close { conn });
                }
                Output::Opened { session } => {
                    let handshake = self.opening.take().unwrap_or_else(|| {
                        Arc::new(Handshake {
                            query: Vec::new(),
                            headers: Vec::new(),
                            peer: None,
                        })
                    });
                    self.session(SessionEvent::Opened { session, handshake });
                }
                Output::Message { session, data } => {
                    self.session(SessionEvent::Message { session, data })
                }
                Output::Upgraded { session, .. } => {
                    self.session(SessionEvent::Upgraded { session })
                }
                Output::Closed { session, reason } => {
                    self.session(SessionEvent::Closed { session, reason })
                }
            }
        }
    }

    /// A WebSocket frame for `conn`, compressed when the connection
    /// negotiated permessage-deflate and the message is over 1024 bytes.
    fn frame(&mut self, conn: ConnId, opcode: OpCode, data: &[u8]) -> Bytes {
        let deflate = self.ws_conns.get(&conn).and_then(|w| w.deflate);
        if data.len() > COMPRESS_THRESHOLD
            && deflate.is_some_and(|d| d.server_max_window_bits >= self.deflater.window_bits())
            && let Some(frame) = self.deflater.compressed_frame(opcode, data)
        {
            return frame;
        }
        encode_frame(opcode, data)
    }
}

#[cfg(test)]
mod tests;
