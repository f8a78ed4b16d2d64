//! The Engine.IO session machine: routes requests and WebSocket messages to
//! sessions, runs upgrades and heartbeats, and queues what must be written.
//!
//! It knows nothing of HTTP or WebSocket framing: the caller (the
//! [`super::Adapter`]) hands it an [`EngineRequest`] and WebSocket message
//! payloads, and turns [`RequestOutcome`]s and [`Output`]s into responses and
//! frames. Requests arrive complete, so engine.io's "concurrent POST" case
//! cannot happen here: each POST is decoded and answered in one call.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use bytes::Bytes;
use log::debug;

use super::config::EngineConfig;
use super::error::RequestError;
use super::packet::{Data, Packet, PacketType, encode_text};
use super::payload::decode_payload;
use super::session::{Carrier, LatestCounts, Outgoing, Session, Upgrade};
use super::{ConnId, SessionId, sid};

/// The request method, as far as the engine cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: a handshake, a poll or a WebSocket upgrade.
    Get,
    /// `POST`: a polling payload from the client.
    Post,
    /// Anything else: refused (`MethodNotAllowed`).
    Other,
}

/// The parts of an HTTP request the engine reads.
#[derive(Debug, Clone, Copy)]
pub struct EngineRequest<'a> {
    pub(crate) method: Method,
    /// The `EIO` query parameter.
    pub eio: Option<&'a str>,
    /// The `transport` query parameter.
    pub transport: Option<&'a str>,
    /// The `sid` query parameter.
    pub sid: Option<&'a str>,
    /// The request asks for a WebSocket upgrade.
    pub upgrade: bool,
    /// `Content-Type: application/octet-stream`.
    pub binary_content: bool,
    pub(crate) body: &'a [u8],
}

/// Where an accepted WebSocket goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsTarget {
    /// A new WebSocket-only session, to be opened with this sid by
    /// [`Engine::open_websocket`] once the handshake is written.
    New {
        /// The new session's sid.
        sid: String,
    },
    /// An upgrade of this polling session: call [`Engine::begin_upgrade`].
    Upgrade(SessionId),
    /// The sid is known but the session cannot take this WebSocket (already
    /// upgrading or upgraded, closing, or not a WebSocket upgrade): complete
    /// the handshake, then close it, as engine.io does.
    Refuse,
}

/// The immediate answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOutcome {
    /// 200 with this polling payload (`text/plain; charset=UTF-8`).
    Payload(Bytes),
    /// 200 `ok` (`text/html`): a POST was accepted.
    Ok,
    /// The GET is held; an [`Output::PollReply`] answers it later.
    Parked,
    /// Perform the WebSocket handshake, then tell the engine.
    AcceptWebSocket(WsTarget),
    /// Answer with `error.reply(upgrade)`.
    Reject {
        /// The broken rule.
        error: RequestError,
        /// The request asked for a WebSocket upgrade.
        upgrade: bool,
    },
}

/// Why a session ended (engine.io's close reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client sent a close packet or its transport connection ended.
    TransportClose,
    /// A transport rule was broken (overlapping polls, a dropped poll, a client ping).
    TransportError,
    /// No pong came back within the ping timeout.
    PingTimeout,
    /// A packet did not decode.
    ParseError,
    /// The server closed the session.
    ForcedClose,
}

impl CloseReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::TransportClose => "transport close",
            Self::TransportError => "transport error",
            Self::PingTimeout => "ping timeout",
            Self::ParseError => "parse error",
            Self::ForcedClose => "forced close",
        }
    }
}

/// Work for the caller, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Answer the parked poll on `conn`: 200 with this payload.
    PollReply {
        /// The connection holding the poll.
        conn: ConnId,
        /// The encoded polling payload.
        body: Bytes,
    },
    /// Answer the parked poll on `conn` with `error.reply(false)`.
    PollReject {
        /// The connection holding the poll.
        conn: ConnId,
        /// Why the poll is refused.
        error: RequestError,
    },
    /// Send a text packet (already Engine.IO-encoded) on a WebSocket.
    WsText {
        /// The session's WebSocket.
        conn: ConnId,
        /// The encoded packet.
        data: Bytes,
    },
    /// Send a binary message on a WebSocket.
    WsBinary {
        /// The session's WebSocket.
        conn: ConnId,
        /// The message's bytes.
        data: Bytes,
    },
    /// Close this connection.
    CloseConn {
        /// The connection.
        conn: ConnId,
    },
    /// A session was opened.
    Opened {
        /// The new session.
        session: SessionId,
    },
    /// A message arrived.
    Message {
        /// The session it arrived on.
        session: SessionId,
        /// Its data.
        data: Data,
    },
    /// The session now runs on the WebSocket `conn`.
    Upgraded {
        /// The session.
        session: SessionId,
        /// Its WebSocket from now on.
        conn: ConnId,
    },
    /// The session ended; nothing more is delivered for it.
    Closed {
        /// The session.
        session: SessionId,
        /// Why it ended.
        reason: CloseReason,
    },
}

/// The transport a session is on, for callers that write to it directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Long-polling: sends wait in the session's buffer for the next poll.
    Polling,
    /// A WebSocket: sends go straight to this connection.
    WebSocket(ConnId),
}

/// How long a poll made during a probed upgrade is held before a noop
/// releases it (engine.io's upgrade check interval).
const UPGRADE_NOOP_DELAY_MS: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A parked poll GET.
    Poll,
    /// The session's WebSocket.
    WebSocket,
    /// A WebSocket being probed for an upgrade.
    Probe,
}

/// The Engine.IO sessions of one reactor: sans-IO, driven with requests,
/// WebSocket messages and the clock, read through [`Engine::poll_output`].
pub struct Engine {
    cfg: EngineConfig,
    sessions: HashMap<SessionId, Session>,
    by_sid: HashMap<String, SessionId>,
    conns: HashMap<ConnId, (SessionId, Role)>,
    timers: BinaryHeap<Reverse<(u64, SessionId)>>,
    /// Polling sessions with a parked poll and something to send: flushed
    /// before outputs are read, so one call's packets share one response.
    dirty: HashSet<SessionId>,
    next_id: SessionId,
    out: VecDeque<Output>,
    /// Latest-wins packets of polling sessions, since the last look.
    latest: LatestCounts,
}

impl Engine {
    pub(crate) fn new(cfg: EngineConfig) -> Self {
        Engine {
            cfg,
            sessions: HashMap::new(),
            by_sid: HashMap::new(),
            conns: HashMap::new(),
            timers: BinaryHeap::new(),
            dirty: HashSet::new(),
            next_id: 1,
            out: VecDeque::new(),
            latest: LatestCounts::default(),
        }
    }

    pub(crate) fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// The next queued output. Parked polls with data are answered first.
    pub fn poll_output(&mut self) -> Option<Output> {
        if !self.dirty.is_empty() {
            self.flush_dirty();
        }
        self.out.pop_front()
    }

    /// Latest-wins packets polling sessions handed to polls and replaced
    /// unsent since the last call.
    pub fn take_latest_counts(&mut self) -> LatestCounts {
        std::mem::take(&mut self.latest)
    }

    /// Open sessions, counting server-closed polling sessions until their
    /// close packet is fetched or times out.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The session's Engine.IO sid.
    pub fn sid(&self, session: SessionId) -> Option<&str> {
        self.sessions.get(&session).map(|s| s.sid.as_str())
    }

    pub(crate) fn transport(&self, session: SessionId) -> Option<Transport> {
        let s = self.sessions.get(&session)?;
        if s.closing_deadline.is_some() {
            return None;
        }
        Some(match s.carrier {
            Carrier::Polling { .. } => Transport::Polling,
            Carrier::WebSocket { conn } => Transport::WebSocket(conn),
        })
    }

    /// The earliest moment [`Engine::on_timer`] has work (it may find none).
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.peek().map(|Reverse((t, _))| *t)
    }

    /// Handles a request whose path is the engine's.
    pub fn on_request(
        &mut self,
        conn: ConnId,
        req: &EngineRequest<'_>,
        now_ms: u64,
    ) -> RequestOutcome {
        match self.route(conn, req, now_ms) {
            Ok(outcome) => outcome,
            Err(error) => {
                debug!("engine.io request refused on connection {conn}: {error}");
                RequestOutcome::Reject {
                    error,
                    upgrade: req.upgrade,
                }
            }
        }
    }

    fn route(
        &mut self,
        conn: ConnId,
        req: &EngineRequest<'_>,
        now: u64,
    ) -> Result<RequestOutcome, RequestError> {
        let websocket = match req.transport {
            Some("polling") => false,
            Some("websocket") => true,
            _ => return Err(RequestError::UnknownTransport),
        };
        let Some(sid) = req.sid else {
            if req.method != Method::Get {
                return Err(RequestError::BadHandshakeMethod);
            }
            if websocket && !req.upgrade {
                return Err(RequestError::WebSocketWithoutUpgrade);
            }
            if req.eio != Some("4") {
                return Err(RequestError::UnsupportedProtocolVersion);
            }
            if req.upgrade && !websocket {
                return Ok(RequestOutcome::AcceptWebSocket(WsTarget::Refuse));
            }
            let sid = self.fresh_sid()?;
            if websocket {
                return Ok(RequestOutcome::AcceptWebSocket(WsTarget::New { sid }));
            }
            return Ok(RequestOutcome::Payload(self.open_polling(sid, now)));
        };
        let id = *self.by_sid.get(sid).ok_or(RequestError::UnknownSid)?;
        let session = self.sessions.get(&id).ok_or(RequestError::UnknownSid)?;
        if req.upgrade {
            let upgradable = websocket
                && session.upgrade.is_none()
                && session.closing_deadline.is_none()
                && matches!(session.carrier, Carrier::Polling { .. });
            if !upgradable {
                return Ok(RequestOutcome::AcceptWebSocket(WsTarget::Refuse));
            }
            return Ok(RequestOutcome::AcceptWebSocket(WsTarget::Upgrade(id)));
        }
        if websocket || !matches!(session.carrier, Carrier::Polling { .. }) {
            return Err(RequestError::TransportMismatch);
        }
        match req.method {
            Method::Get => self.poll(id, conn, now),
            Method::Post => self.post(id, req, now),
            Method::Other => Err(RequestError::MethodNotAllowed),
        }
    }

    fn fresh_sid(&self) -> Result<String, RequestError> {
        loop {
            let mut sid = sid::generate().map_err(|_| RequestError::IdGeneration)?;
            if let Some(mark) = self.cfg.sid_mark {
                sid.replace_range(..1, mark.encode_utf8(&mut [0; 4]));
            }
            if !self.by_sid.contains_key(&sid) {
                return Ok(sid);
            }
        }
    }

    fn open_packet(&self, sid: &str, upgrades: bool) -> Bytes {
        let json = format!(
            r#"{{"sid":"{sid}","upgrades":[{}],"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
            if upgrades { r#""websocket""# } else { "" },
            self.cfg.ping_interval_ms,
            self.cfg.ping_timeout_ms,
            self.cfg.max_payload
        );
        encode_text(PacketType::Open, json.as_bytes())
    }

    fn insert_session(&mut self, session: Session) -> SessionId {
        let id = self.next_id;
        self.next_id += 1;
        self.by_sid.insert(session.sid.clone(), id);
        self.sessions.insert(id, session);
        self.arm(id);
        self.out.push_back(Output::Opened { session: id });
        id
    }

    fn open_polling(&mut self, sid: String, now: u64) -> Bytes {
        let open = self.open_packet(&sid, true);
        let session = Session::new(
            sid,
            Carrier::Polling { parked: None },
            now + self.cfg.ping_interval_ms,
        );
        self.insert_session(session);
        open
    }

    /// Opens a WebSocket-only session on `conn`, whose handshake response was
    /// written. Sends the open packet.
    pub fn open_websocket(&mut self, conn: ConnId, sid: String, now_ms: u64) -> SessionId {
        let open = self.open_packet(&sid, false);
        let session = Session::new(
            sid,
            Carrier::WebSocket { conn },
            now_ms + self.cfg.ping_interval_ms,
        );
        self.out.push_back(Output::WsText { conn, data: open });
        let id = self.insert_session(session);
        self.conns.insert(conn, (id, Role::WebSocket));
        id
    }

    /// Starts probing `conn`, whose handshake response was written, as the
    /// new transport of polling session `session`.
    pub fn begin_upgrade(&mut self, session: SessionId, conn: ConnId, now_ms: u64) {
        let deadline = now_ms + self.cfg.upgrade_timeout_ms;
        let Some(s) = self.sessions.get_mut(&session) else {
            self.out.push_back(Output::CloseConn { conn });
            return;
        };
        if s.upgrade.is_some() || s.closing_deadline.is_some() {
            self.out.push_back(Output::CloseConn { conn });
            return;
        }
        s.upgrade = Some(Upgrade {
            conn,
            probed: false,
            deadline,
            release_at: None,
        });
        self.conns.insert(conn, (session, Role::Probe));
        self.arm(session);
    }

    fn poll(
        &mut self,
        id: SessionId,
        conn: ConnId,
        now: u64,
    ) -> Result<RequestOutcome, RequestError> {
        let Some(s) = self.sessions.get_mut(&id) else {
            return Err(RequestError::UnknownSid);
        };
        let Carrier::Polling { parked } = s.carrier else {
            return Err(RequestError::TransportMismatch);
        };
        if s.closing_deadline.is_some() {
            let body = s.drain_payload(Some(encode_text(PacketType::Close, b"")), &mut self.latest);
            self.remove(id);
            return Ok(RequestOutcome::Payload(body));
        }
        if parked.is_some() {
            self.terminate(id, CloseReason::TransportError, Some(PacketType::Close));
            return Err(RequestError::PollOverlap);
        }
        if !s.queue.is_empty() {
            return Ok(RequestOutcome::Payload(
                s.drain_payload(None, &mut self.latest),
            ));
        }
        // During a probed upgrade the poll is held briefly and released
        // with a noop (engine.io's 100 ms upgrade check), unless the upgrade
        // completes first: then, as the request belongs to the old
        // transport, it is refused like any poll after the upgrade.
        if let Some(u) = s.upgrade.as_mut()
            && u.probed
        {
            u.release_at = Some(now + UPGRADE_NOOP_DELAY_MS);
        }
        s.carrier = Carrier::Polling { parked: Some(conn) };
        self.conns.insert(conn, (id, Role::Poll));
        self.arm(id);
        Ok(RequestOutcome::Parked)
    }

    fn post(
        &mut self,
        id: SessionId,
        req: &EngineRequest<'_>,
        now: u64,
    ) -> Result<RequestOutcome, RequestError> {
        if self
            .sessions
            .get(&id)
            .is_some_and(|s| s.closing_deadline.is_some())
        {
            return Ok(RequestOutcome::Ok);
        }
        if req.binary_content {
            self.terminate(id, CloseReason::TransportError, Some(PacketType::Close));
            return Err(RequestError::BinaryContent);
        }
        if req.body.len() > self.cfg.max_payload {
            return Err(RequestError::PayloadTooLarge);
        }
        for packet in decode_payload(req.body) {
            match packet {
                Err(e) => {
                    debug!("engine.io session {id}: bad polling payload: {e}");
                    self.terminate(id, CloseReason::ParseError, Some(PacketType::Close));
                    return Err(RequestError::InvalidPayload(e));
                }
                Ok(p) if p.kind == PacketType::Close => {
                    self.terminate(id, CloseReason::TransportClose, Some(PacketType::Noop));
                    break;
                }
                Ok(p) => {
                    self.on_packet(id, p, now);
                    if !self.sessions.contains_key(&id) {
                        break;
                    }
                }
            }
        }
        Ok(RequestOutcome::Ok)
    }

    /// A packet from the session's current transport.
    fn on_packet(&mut self, id: SessionId, p: Packet, now: u64) {
        match p.kind {
            PacketType::Pong => {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.pong_deadline = None;
                    s.next_ping_at = now + self.cfg.ping_interval_ms;
                }
            }
            PacketType::Message => {
                let data = p.data.unwrap_or(Data::Text(String::new()));
                self.out.push_back(Output::Message { session: id, data });
            }
            // In protocol v4 only the server pings.
            PacketType::Ping => {
                self.terminate(id, CloseReason::TransportError, Some(PacketType::Close))
            }
            PacketType::Close => {
                self.terminate(id, CloseReason::TransportClose, Some(PacketType::Noop))
            }
            PacketType::Open | PacketType::Upgrade | PacketType::Noop => {}
        }
    }

    /// A text or binary WebSocket message on `conn`.
    pub fn on_ws_message(&mut self, conn: ConnId, data: Data, now_ms: u64) {
        let Some(&(id, role)) = self.conns.get(&conn) else {
            return;
        };
        let packet = match data {
            Data::Text(s) => Packet::decode_text(&s),
            Data::Binary(b) => Ok(Packet::from_binary(b)),
        };
        match role {
            Role::WebSocket => match packet {
                Ok(p) => self.on_packet(id, p, now_ms),
                Err(e) => {
                    debug!("engine.io session {id}: bad packet on connection {conn}: {e}");
                    self.terminate(id, CloseReason::ParseError, None);
                }
            },
            Role::Probe => self.on_probe_packet(id, conn, packet.ok()),
            // A poll connection sends no WebSocket messages; ignore.
            Role::Poll => {}
        }
    }

    fn on_probe_packet(&mut self, id: SessionId, conn: ConnId, p: Option<Packet>) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let is_probe = |p: &Packet| {
            p.kind == PacketType::Ping && p.data == Some(Data::Text("probe".to_owned()))
        };
        match p {
            Some(p) if is_probe(&p) => {
                if let Some(u) = s.upgrade.as_mut() {
                    u.probed = true;
                }
                self.out.push_back(Output::WsText {
                    conn,
                    data: encode_text(PacketType::Pong, b"probe"),
                });
                // Release a held poll so the client can pause polling.
                if let Some((poll, body)) = s.release_parked_poll(&mut self.latest) {
                    self.conns.remove(&poll);
                    self.out.push_back(Output::PollReply { conn: poll, body });
                }
            }
            Some(p) if p.kind == PacketType::Upgrade => {
                if let Carrier::Polling { parked: Some(poll) } = s.carrier {
                    self.conns.remove(&poll);
                    let probed = s.upgrade.is_some_and(|u| u.probed);
                    self.out.push_back(if probed {
                        Output::PollReject {
                            conn: poll,
                            error: RequestError::TransportMismatch,
                        }
                    } else {
                        Output::PollReply {
                            conn: poll,
                            body: encode_text(PacketType::Noop, b""),
                        }
                    });
                }
                s.upgrade = None;
                s.carrier = Carrier::WebSocket { conn };
                self.conns.insert(conn, (id, Role::WebSocket));
                self.dirty.remove(&id);
                self.out.push_back(Output::Upgraded { session: id, conn });
                s.queued_bytes = 0;
                for q in s.queue.drain(..) {
                    self.latest.sent += u64::from(q.latest.is_some());
                    self.out.push_back(match q.packet {
                        Outgoing::Text(data) => Output::WsText { conn, data },
                        Outgoing::Binary(data) => Output::WsBinary { conn, data },
                    });
                }
            }
            _ => {
                debug!("engine.io session {id}: upgrade on connection {conn} abandoned");
                s.upgrade = None;
                self.conns.remove(&conn);
                self.out.push_back(Output::CloseConn { conn });
            }
        }
    }

    /// The connection `conn` is gone (reset, closed, or a WebSocket close).
    pub fn on_conn_closed(&mut self, conn: ConnId) {
        let Some((id, role)) = self.conns.remove(&conn) else {
            return;
        };
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        match role {
            Role::Probe => s.upgrade = None,
            Role::Poll => {
                s.carrier = Carrier::Polling { parked: None };
                self.terminate(id, CloseReason::TransportError, None);
            }
            Role::WebSocket => self.terminate(id, CloseReason::TransportClose, None),
        }
    }

    /// Queues a packet for the session. `latest`: a newer packet of the same
    /// kind replaces this one while it waits for a poll (WebSocket sends are
    /// immediate). Sends to a closed or closing session are dropped.
    pub fn send(&mut self, session: SessionId, latest: Option<u8>, packet: Outgoing) {
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        if s.closing_deadline.is_some() {
            return;
        }
        match s.carrier {
            Carrier::WebSocket { conn } => self.out.push_back(match packet {
                Outgoing::Text(data) => Output::WsText { conn, data },
                Outgoing::Binary(data) => Output::WsBinary { conn, data },
            }),
            Carrier::Polling { parked } => {
                s.push(latest, packet, &mut self.latest);
                if s.queued_bytes > self.cfg.max_buffered_bytes {
                    debug!("engine.io session {session}: polling buffer over its limit");
                    self.terminate(
                        session,
                        CloseReason::TransportError,
                        Some(PacketType::Close),
                    );
                } else if parked.is_some() {
                    self.dirty.insert(session);
                }
            }
        }
    }

    fn flush_dirty(&mut self) {
        for id in std::mem::take(&mut self.dirty) {
            let Some(s) = self.sessions.get_mut(&id) else {
                continue;
            };
            if let Carrier::Polling { parked: Some(conn) } = s.carrier
                && !s.queue.is_empty()
            {
                let body = s.drain_payload(None, &mut self.latest);
                s.carrier = Carrier::Polling { parked: None };
                self.conns.remove(&conn);
                self.out.push_back(Output::PollReply { conn, body });
            }
        }
    }

    /// Closes the session from the server side ("forced close"). A polling
    /// session's buffered packets still go out, followed by a close packet.
    pub fn close(&mut self, session: SessionId, now_ms: u64) {
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        if s.closing_deadline.is_some() {
            return;
        }
        if let Carrier::Polling { parked: None } = s.carrier {
            // No poll to carry the close packet: wait for the next one.
            s.closing_deadline = Some(now_ms + self.cfg.close_timeout_ms);
            if let Some(u) = s.upgrade.take() {
                self.conns.remove(&u.conn);
                self.out.push_back(Output::CloseConn { conn: u.conn });
            }
            self.dirty.remove(&session);
            self.arm(session);
            self.out.push_back(Output::Closed {
                session,
                reason: CloseReason::ForcedClose,
            });
            return;
        }
        self.terminate(session, CloseReason::ForcedClose, Some(PacketType::Close));
    }

    /// Ends a session now. A parked poll is answered with the buffer and
    /// `poll_tail` (a close or noop packet); its WebSocket and probe are closed.
    fn terminate(&mut self, id: SessionId, reason: CloseReason, poll_tail: Option<PacketType>) {
        let ws_open = match self.sessions.get(&id).map(|s| s.carrier) {
            Some(Carrier::WebSocket { conn }) => self.conns.contains_key(&conn),
            _ => false,
        };
        let Some(mut s) = self.remove(id) else {
            return;
        };
        debug!("engine.io session {id} closed: {}", reason.as_str());
        match s.carrier {
            Carrier::Polling { parked: Some(conn) } => {
                let tail = poll_tail.map(|t| encode_text(t, b""));
                let body = s.drain_payload(tail, &mut self.latest);
                self.out.push_back(Output::PollReply { conn, body });
            }
            Carrier::Polling { parked: None } => {}
            Carrier::WebSocket { conn } => {
                if ws_open {
                    self.out.push_back(Output::CloseConn { conn });
                }
            }
        }
        if let Some(u) = s.upgrade {
            self.out.push_back(Output::CloseConn { conn: u.conn });
        }
        self.out.push_back(Output::Closed {
            session: id,
            reason,
        });
    }

    /// Forgets a session and its connections, without any output.
    fn remove(&mut self, id: SessionId) -> Option<Session> {
        let s = self.sessions.remove(&id)?;
        self.by_sid.remove(&s.sid);
        self.dirty.remove(&id);
        match s.carrier {
            Carrier::Polling { parked: Some(conn) } | Carrier::WebSocket { conn } => {
                self.conns.remove(&conn);
            }
            Carrier::Polling { parked: None } => {}
        }
        if let Some(u) = s.upgrade {
            self.conns.remove(&u.conn);
        }
        Some(s)
    }

    /// Makes sure the timer heap holds the session's current deadline.
    fn arm(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let d = s.deadline();
        if s.armed.is_none_or(|a| d < a) {
            s.armed = Some(d);
            self.timers.push(Reverse((d, id)));
        }
    }

    /// Runs heartbeats, upgrade timeouts and close timeouts due by `now_ms`.
    pub fn on_timer(&mut self, now_ms: u64) {
        while let Some(&Reverse((t, id))) = self.timers.peek() {
            if t > now_ms {
                break;
            }
            self.timers.pop();
            let Some(s) = self.sessions.get_mut(&id) else {
                continue;
            };
            if s.armed != Some(t) {
                continue;
            }
            s.armed = None;
            self.run_duties(id, now_ms);
            self.arm(id);
        }
    }

    fn run_duties(&mut self, id: SessionId, now: u64) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if let Some(d) = s.closing_deadline {
            if d <= now {
                self.remove(id);
            }
            return;
        }
        if let Some(u) = s.upgrade.as_mut()
            && u.release_at.is_some_and(|t| t <= now)
        {
            u.release_at = None;
            if let Some((poll, body)) = s.release_parked_poll(&mut self.latest) {
                self.conns.remove(&poll);
                self.out.push_back(Output::PollReply { conn: poll, body });
            }
        }
        if let Some(u) = s.upgrade
            && u.deadline <= now
        {
            debug!("engine.io session {id}: upgrade timed out");
            s.upgrade = None;
            self.conns.remove(&u.conn);
            self.out.push_back(Output::CloseConn { conn: u.conn });
        }
        match s.pong_deadline {
            Some(d) if d <= now => {
                self.terminate(id, CloseReason::PingTimeout, Some(PacketType::Close));
            }
            Some(_) => {}
            None if s.next_ping_at <= now => {
                s.pong_deadline = Some(now + self.cfg.ping_timeout_ms);
                self.send(id, None, Outgoing::Text(encode_text(PacketType::Ping, b"")));
            }
            None => {}
        }
    }
}
