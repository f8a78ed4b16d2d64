//! The Socket.IO server: Engine.IO sessions, namespaces, rooms, and the
//! application API, with HTTP and WebSocket turned into [`Action`]s.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use log::debug;

use super::action::{Action, AppEvent, HttpOutcome, SocketId};
use super::conn_table::ConnTable;
use super::error::SioError;
use super::packet::{self, PacketKind, Payload, SioPacket, args_array, event_array};
use super::prebuilt::Prebuilt;
use crate::eio::{
    self, ConnId, Data, Engine, EngineConfig, EngineRequest, ErrorReply, Outgoing, Output,
    RequestOutcome, SessionId, Transport, WsTarget,
};
use crate::http::{self, Request, Response, cors};
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
}

/// Where a socket's broadcasts go: straight to its WebSocket, or into its
/// polling session's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Ws {
        conn: ConnId,
        deflate: Option<DeflateConfig>,
    },
    Polling {
        session: SessionId,
    },
}

/// A BINARY_EVENT / BINARY_ACK waiting for its attachments.
struct PendingBinary {
    socket: SocketId,
    packet: SioPacket,
    attachments: Vec<Bytes>,
}

/// One Engine.IO session as Socket.IO sees it.
struct Client {
    handshake: Arc<Handshake>,
    route: Route,
    /// Connected namespaces.
    sockets: Vec<(String, SocketId)>,
    pending: Option<PendingBinary>,
}

struct Socket {
    session: SessionId,
    nsp: String,
    sid: String,
    rooms: Vec<String>,
    next_ack: u64,
}

/// Engine.IO + Socket.IO, sans-IO. The network layer feeds it requests,
/// WebSocket messages, closes and timer ticks, and executes the
/// [`Action`]s it returns from [`Server::poll_action`]; the application
/// reads [`Action::App`] events and calls the API methods.
pub struct Server {
    engine: Engine,
    deflater: Deflater,
    clients: HashMap<SessionId, Client>,
    sockets: HashMap<SocketId, Socket>,
    rooms: HashMap<String, HashMap<SocketId, Route>>,
    /// Parked polls and whether their connection is kept alive.
    parked: HashMap<ConnId, bool>,
    /// Every WebSocket connection (session or probe) and its deflate agreement.
    ws_conns: ConnTable<Option<DeflateConfig>>,
    connect_timers: BinaryHeap<Reverse<(u64, SessionId)>>,
    /// The handshake of the request being handled, for a session it opens.
    opening: Option<Arc<Handshake>>,
    next_socket: SocketId,
    now: u64,
    actions: VecDeque<Action>,
}

impl Server {
    pub fn new(cfg: EngineConfig) -> Self {
        Server {
            engine: Engine::new(cfg),
            deflater: Deflater::new(),
            clients: HashMap::new(),
            sockets: HashMap::new(),
            rooms: HashMap::new(),
            parked: HashMap::new(),
            ws_conns: ConnTable::new(),
            connect_timers: BinaryHeap::new(),
            opening: None,
            next_socket: 1,
            now: 0,
            actions: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        self.engine.config()
    }

    /// The next thing to do, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The earliest moment [`Server::on_timer`] has work (it may find none).
    pub fn next_deadline(&self) -> Option<u64> {
        let connect = self.connect_timers.peek().map(|Reverse((t, _))| *t);
        match (self.engine.next_deadline(), connect) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handles a complete HTTP request on `conn`.
    pub fn on_http(&mut self, conn: ConnId, req: Request, now_ms: u64) -> HttpOutcome {
        self.now = now_ms;
        if !req.path.starts_with(self.engine.config().path.as_str()) {
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
                http::Method::Get => eio::Method::Get,
                http::Method::Post => eio::Method::Post,
                _ => eio::Method::Other,
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
                // A refused WebSocket is closed at once: no deflate for it.
                let offer = self.engine.config().offer_deflate && target != WsTarget::Refuse;
                match ws::accept(&req, offer) {
                    Err(e) => {
                        debug!("websocket handshake refused on connection {conn}: {e}");
                        HttpOutcome::Respond(e.response().header("Connection", "close"))
                    }
                    Ok((response, deflate)) => {
                        self.ws_conns.insert(conn, deflate);
                        match target {
                            WsTarget::New { sid } => {
                                self.engine.open_websocket(conn, sid, now_ms);
                            }
                            WsTarget::Upgrade(session) => {
                                self.engine.begin_upgrade(session, conn, now_ms)
                            }
                            WsTarget::Refuse => {
                                self.ws_conns.remove(&conn);
                                self.actions.push_back(Action::WsFrame {
                                    conn,
                                    frame: close_reply(None),
                                });
                                self.actions.push_back(Action::Close { conn });
                            }
                        }
                        HttpOutcome::Upgrade { response, deflate }
                    }
                }
            }
        };
        self.pump();
        self.opening = None;
        outcome
    }

    /// Handles one WebSocket message from `conn`. Pings are answered with a
    /// pong, and a close with a close frame and [`Action::Close`].
    pub fn on_ws_message(&mut self, conn: ConnId, msg: Message, now_ms: u64) {
        self.now = now_ms;
        match msg {
            Message::Text(t) => self.engine.on_ws_message(conn, Data::Text(t), now_ms),
            Message::Binary(b) => self.engine.on_ws_message(conn, Data::Binary(b), now_ms),
            Message::Ping(p) => self.actions.push_back(Action::WsFrame {
                conn,
                frame: encode_frame(OpCode::Control(Control::Pong), &p),
            }),
            Message::Pong(_) => {}
            Message::Close(c) => {
                self.actions.push_back(Action::WsFrame {
                    conn,
                    frame: close_reply(c.map(|(code, _)| code)),
                });
                self.actions.push_back(Action::Close { conn });
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

    /// Runs heartbeats and timeouts due by `now_ms`.
    pub fn on_timer(&mut self, now_ms: u64) {
        self.now = now_ms;
        self.engine.on_timer(now_ms);
        while let Some(&Reverse((t, session))) = self.connect_timers.peek() {
            if t > now_ms {
                break;
            }
            self.connect_timers.pop();
            if self
                .clients
                .get(&session)
                .is_some_and(|c| c.sockets.is_empty())
            {
                debug!("session {session}: no namespace joined in time");
                self.engine.close(session, now_ms);
            }
        }
        self.pump();
    }

    /// Turns the engine's outputs into actions and Socket.IO processing.
    fn pump(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::PollReply { conn, body } => {
                    let keep_alive = self.parked.remove(&conn).unwrap_or(true);
                    self.actions.push_back(Action::HttpResponse {
                        conn,
                        response: poll_response(body).encode(keep_alive),
                        close: !keep_alive,
                    });
                }
                Output::PollReject { conn, error } => {
                    let keep_alive = self.parked.remove(&conn).unwrap_or(true);
                    self.actions.push_back(Action::HttpResponse {
                        conn,
                        response: with_cors(error_response(error.reply(false))).encode(keep_alive),
                        close: !keep_alive,
                    });
                }
                Output::WsText { conn, data } => {
                    let frame = self.frame(conn, TEXT, &data);
                    self.actions.push_back(Action::WsFrame { conn, frame });
                }
                Output::WsBinary { conn, data } => {
                    let frame = self.frame(conn, BINARY, &data);
                    self.actions.push_back(Action::WsFrame { conn, frame });
                }
                Output::CloseConn { conn } => {
                    if self.ws_conns.remove(&conn).is_some() {
                        self.actions.push_back(Action::WsFrame {
                            conn,
                            frame: close_reply(None),
                        });
                    }
                    self.actions.push_back(Action::Close { conn });
                }
                Output::Opened { session } => self.on_opened(session),
                Output::Message { session, data } => self.on_message(session, data),
                Output::Upgraded { session, conn } => self.on_upgraded(session, conn),
                Output::Closed { session, reason } => {
                    if let Some(client) = self.clients.remove(&session) {
                        for (_, id) in client.sockets {
                            self.drop_socket(id, reason.as_str());
                        }
                    }
                }
            }
        }
    }

    /// A WebSocket frame for `conn`, compressed when the connection
    /// negotiated permessage-deflate and the message is over 1024 bytes.
    fn frame(&mut self, conn: ConnId, opcode: OpCode, data: &[u8]) -> Bytes {
        let deflate = self.ws_conns.get(&conn).copied().flatten();
        if data.len() > COMPRESS_THRESHOLD
            && deflate.is_some_and(|d| d.server_max_window_bits >= self.deflater.window_bits())
            && let Some(frame) = self.deflater.compressed_frame(opcode, data)
        {
            return frame;
        }
        encode_frame(opcode, data)
    }

    fn route_of(&self, session: SessionId) -> Route {
        match self.engine.transport(session) {
            Some(Transport::WebSocket(conn)) => Route::Ws {
                conn,
                deflate: self.ws_conns.get(&conn).copied().flatten(),
            },
            _ => Route::Polling { session },
        }
    }

    fn on_opened(&mut self, session: SessionId) {
        let handshake = self.opening.take().unwrap_or_else(|| {
            Arc::new(Handshake {
                query: Vec::new(),
                headers: Vec::new(),
            })
        });
        let mut client = Client {
            handshake,
            route: self.route_of(session),
            sockets: Vec::new(),
            pending: None,
        };
        if self.engine.config().raw_engine_io {
            let id = self.new_socket(session, String::new(), String::new());
            client.sockets.push((String::new(), id));
            self.clients.insert(session, client);
            self.app(AppEvent::Connect {
                socket: id,
                nsp: String::new(),
                auth: None,
            });
        } else {
            self.clients.insert(session, client);
            let deadline = self.now + self.engine.config().connect_timeout_ms;
            self.connect_timers.push(Reverse((deadline, session)));
        }
    }

    fn on_upgraded(&mut self, session: SessionId, conn: ConnId) {
        let route = self.route_of(session);
        debug_assert_eq!(
            route,
            Route::Ws {
                conn,
                deflate: self.ws_conns.get(&conn).copied().flatten()
            }
        );
        let Some(client) = self.clients.get_mut(&session) else {
            return;
        };
        client.route = route;
        for (_, id) in &client.sockets {
            let Some(socket) = self.sockets.get(id) else {
                continue;
            };
            for room in &socket.rooms {
                if let Some(r) = self.rooms.get_mut(room).and_then(|m| m.get_mut(id)) {
                    *r = route;
                }
            }
        }
    }

    fn on_message(&mut self, session: SessionId, data: Data) {
        if self.engine.config().raw_engine_io {
            if let Some(&(_, socket)) = self.clients.get(&session).and_then(|c| c.sockets.first()) {
                self.app(AppEvent::EngineMessage { socket, data });
            }
            return;
        }
        let result = match data {
            Data::Text(t) => self.on_text(session, &t),
            Data::Binary(b) => self.on_binary(session, b),
        };
        if let Err(e) = result {
            debug!("session {session}: socket.io protocol error: {e}");
            self.engine.close(session, self.now);
        }
    }

    fn on_text(&mut self, session: SessionId, text: &str) -> Result<(), SioError> {
        let Some(client) = self.clients.get_mut(&session) else {
            return Ok(());
        };
        if client.pending.is_some() {
            return Err(SioError::TextDuringAttachments);
        }
        let p = packet::decode(text)?;
        let existing = client
            .sockets
            .iter()
            .find(|(nsp, _)| *nsp == p.nsp)
            .map(|(_, id)| *id);
        match (p.kind, existing) {
            (PacketKind::Connect, None) => self.connect(session, p),
            (PacketKind::Connect | PacketKind::ConnectError, _) | (_, None) => {
                Err(SioError::InvalidState)
            }
            (PacketKind::Disconnect, Some(id)) => {
                self.remove_socket(id, "client namespace disconnect");
                Ok(())
            }
            (_, Some(id)) if p.attachments > 0 => {
                client.pending = Some(PendingBinary {
                    socket: id,
                    attachments: Vec::with_capacity(p.attachments.min(16)),
                    packet: p,
                });
                Ok(())
            }
            (_, Some(id)) => {
                self.deliver(id, p, Vec::new());
                Ok(())
            }
        }
    }

    fn on_binary(&mut self, session: SessionId, data: Bytes) -> Result<(), SioError> {
        let Some(client) = self.clients.get_mut(&session) else {
            return Ok(());
        };
        let pending = client.pending.as_mut().ok_or(SioError::UnexpectedBinary)?;
        pending.attachments.push(data);
        if pending.attachments.len() >= pending.packet.attachments
            && let Some(p) = client.pending.take()
        {
            self.deliver(p.socket, p.packet, p.attachments);
        }
        Ok(())
    }

    fn deliver(&mut self, socket: SocketId, p: SioPacket, attachments: Vec<Bytes>) {
        match p.payload {
            Payload::Event { name, args, text } => self.app(AppEvent::Event {
                socket,
                nsp: p.nsp,
                name,
                args,
                text,
                ack: p.id,
                attachments,
            }),
            Payload::Args(args) => {
                // An ack without an id answers nothing (socket.io ignores it).
                if let Some(id) = p.id {
                    self.app(AppEvent::Ack {
                        socket,
                        id,
                        args,
                        attachments,
                    });
                }
            }
            Payload::None | Payload::Json(_) => {}
        }
    }

    fn connect(&mut self, session: SessionId, p: SioPacket) -> Result<(), SioError> {
        let nsp = p.nsp;
        let known = nsp == "/" || self.engine.config().namespaces.contains(&nsp);
        if !known {
            let packet = packet::encode(
                PacketKind::ConnectError,
                &nsp,
                0,
                None,
                r#"{"message":"Invalid namespace"}"#,
            );
            self.engine.send(session, None, Outgoing::Text(packet));
            return Ok(());
        }
        let sid = eio::generate_id().map_err(|_| SioError::InvalidState)?;
        let auth = match p.payload {
            Payload::Json(a) => Some(a),
            _ => None,
        };
        let ack = packet::encode(
            PacketKind::Connect,
            &nsp,
            0,
            None,
            &format!(r#"{{"sid":"{sid}"}}"#),
        );
        let id = self.new_socket(session, nsp.clone(), sid);
        if let Some(client) = self.clients.get_mut(&session) {
            client.sockets.push((nsp.clone(), id));
        }
        self.engine.send(session, None, Outgoing::Text(ack));
        self.app(AppEvent::Connect {
            socket: id,
            nsp,
            auth,
        });
        Ok(())
    }

    fn new_socket(&mut self, session: SessionId, nsp: String, sid: String) -> SocketId {
        let id = self.next_socket;
        self.next_socket += 1;
        self.sockets.insert(
            id,
            Socket {
                session,
                nsp,
                sid,
                rooms: Vec::new(),
                next_ack: 0,
            },
        );
        id
    }

    /// Removes a socket from its client, its rooms and the socket table,
    /// and tells the application.
    fn remove_socket(&mut self, id: SocketId, reason: &'static str) {
        let Some(session) = self.sockets.get(&id).map(|s| s.session) else {
            return;
        };
        if let Some(client) = self.clients.get_mut(&session) {
            client.sockets.retain(|(_, s)| *s != id);
            if client.pending.as_ref().is_some_and(|p| p.socket == id) {
                client.pending = None;
            }
        }
        self.drop_socket(id, reason);
    }

    fn drop_socket(&mut self, id: SocketId, reason: &'static str) {
        let Some(socket) = self.sockets.remove(&id) else {
            return;
        };
        for room in socket.rooms {
            if let Some(members) = self.rooms.get_mut(&room) {
                members.remove(&id);
                if members.is_empty() {
                    self.rooms.remove(&room);
                }
            }
        }
        self.app(AppEvent::Disconnect { socket: id, reason });
    }

    fn app(&mut self, ev: AppEvent) {
        self.actions.push_back(Action::App(ev));
    }

    /// Sends a packet to a socket's namespace, attachments after it.
    fn send_packet(
        &mut self,
        s: SocketId,
        kind: PacketKind,
        id: Option<u64>,
        data: &str,
        attachments: &[Bytes],
    ) {
        // Raw Engine.IO mode has no Socket.IO layer to speak.
        if self.engine.config().raw_engine_io {
            return;
        }
        let Some(socket) = self.sockets.get(&s) else {
            return;
        };
        let session = socket.session;
        let packet = packet::encode(kind, &socket.nsp, attachments.len(), id, data);
        self.engine.send(session, None, Outgoing::Text(packet));
        for a in attachments {
            self.engine.send(session, None, Outgoing::Binary(a.clone()));
        }
        self.pump();
    }

    // ---- application API ----
    // In raw Engine.IO mode only `send_raw`, rooms and `close_session` act;
    // the Socket.IO sends are ignored.

    /// Emits `event` to one socket; each argument is JSON text.
    pub fn emit(&mut self, s: SocketId, event: &str, args_json: &[&str]) {
        self.send_packet(
            s,
            PacketKind::Event,
            None,
            &event_array(event, args_json),
            &[],
        );
    }

    /// Emits `event` asking for an acknowledgement, which arrives as
    /// [`AppEvent::Ack`] with the returned id.
    pub fn emit_with_ack(&mut self, s: SocketId, event: &str, args_json: &[&str]) -> Option<u64> {
        if self.engine.config().raw_engine_io {
            return None;
        }
        let socket = self.sockets.get_mut(&s)?;
        let id = socket.next_ack;
        socket.next_ack += 1;
        self.send_packet(
            s,
            PacketKind::Event,
            Some(id),
            &event_array(event, args_json),
            &[],
        );
        Some(id)
    }

    /// Emits a BINARY_EVENT: `args_json` holds `{"_placeholder":true,"num":N}`
    /// objects where the attachments go.
    pub fn emit_binary(
        &mut self,
        s: SocketId,
        event: &str,
        args_json: &[&str],
        attachments: &[Bytes],
    ) {
        let kind = if attachments.is_empty() {
            PacketKind::Event
        } else {
            PacketKind::BinaryEvent
        };
        self.send_packet(s, kind, None, &event_array(event, args_json), attachments);
    }

    /// Answers the client's event `ack_id`.
    pub fn ack(&mut self, s: SocketId, ack_id: u64, args_json: &[&str]) {
        self.send_packet(
            s,
            PacketKind::Ack,
            Some(ack_id),
            &args_array(args_json),
            &[],
        );
    }

    /// Answers the client's event `ack_id` with binary attachments.
    pub fn ack_binary(
        &mut self,
        s: SocketId,
        ack_id: u64,
        args_json: &[&str],
        attachments: &[Bytes],
    ) {
        let kind = if attachments.is_empty() {
            PacketKind::Ack
        } else {
            PacketKind::BinaryAck
        };
        self.send_packet(s, kind, Some(ack_id), &args_array(args_json), attachments);
    }

    /// Raw Engine.IO mode: sends a message on the socket's session.
    pub fn send_raw(&mut self, s: SocketId, data: Data) {
        let Some(session) = self.sockets.get(&s).map(|s| s.session) else {
            return;
        };
        let packet = match data {
            Data::Text(t) => {
                Outgoing::Text(eio::encode_text(eio::PacketType::Message, t.as_bytes()))
            }
            Data::Binary(b) => Outgoing::Binary(b),
        };
        self.engine.send(session, None, packet);
        self.pump();
    }

    pub fn join(&mut self, s: SocketId, room: &str) {
        let Some(socket) = self.sockets.get_mut(&s) else {
            return;
        };
        if socket.rooms.iter().any(|r| r == room) {
            return;
        }
        socket.rooms.push(room.to_owned());
        let session = socket.session;
        let route = self
            .clients
            .get(&session)
            .map_or(Route::Polling { session }, |c| c.route);
        self.rooms
            .entry(room.to_owned())
            .or_default()
            .insert(s, route);
    }

    pub fn leave(&mut self, s: SocketId, room: &str) {
        let Some(socket) = self.sockets.get_mut(&s) else {
            return;
        };
        socket.rooms.retain(|r| r != room);
        if let Some(members) = self.rooms.get_mut(room) {
            members.remove(&s);
            if members.is_empty() {
                self.rooms.remove(room);
            }
        }
    }

    /// Sends `msg` to every member of `room`. WebSocket members get it as
    /// [`Action::WsLatest`] (the network layer picks the frame, see there);
    /// polling members get the shared packet in their buffer, replacing an
    /// unsent older one of the same kind.
    pub fn broadcast(&mut self, room: &str, msg: &Arc<Prebuilt>) {
        let Some(members) = self.rooms.get(room) else {
            return;
        };
        let mut polling = false;
        for route in members.values() {
            polling |= Self::queue_prebuilt(&mut self.actions, &mut self.engine, *route, msg);
        }
        if polling {
            self.pump();
        }
    }

    /// Sends a broadcast message to one socket (a snapshot for a member
    /// that just joined), latest-wins like [`Self::broadcast`].
    pub fn send_prebuilt(&mut self, s: SocketId, msg: &Arc<Prebuilt>) {
        let Some(session) = self.sockets.get(&s).map(|socket| socket.session) else {
            return;
        };
        let route = self
            .clients
            .get(&session)
            .map_or(Route::Polling { session }, |c| c.route);
        if Self::queue_prebuilt(&mut self.actions, &mut self.engine, route, msg) {
            self.pump();
        }
    }

    /// Queues `msg` on one route; true when it went to a polling buffer.
    fn queue_prebuilt(
        actions: &mut VecDeque<Action>,
        engine: &mut Engine,
        route: Route,
        msg: &Arc<Prebuilt>,
    ) -> bool {
        match route {
            Route::Ws { conn, deflate } => {
                actions.push_back(Action::WsLatest {
                    conn,
                    msg: msg.clone(),
                    deflate,
                });
                false
            }
            Route::Polling { session } => {
                engine.send(session, Some(msg.kind), Outgoing::Text(msg.packet.clone()));
                true
            }
        }
    }

    /// Disconnects the socket from its namespace (socket.io's
    /// `socket.disconnect()`): the client is told with a DISCONNECT packet;
    /// the Engine.IO session stays for its other namespaces.
    pub fn disconnect(&mut self, s: SocketId) {
        self.send_packet(s, PacketKind::Disconnect, None, "", &[]);
        self.remove_socket(s, "server namespace disconnect");
    }

    /// Closes the socket's whole Engine.IO session without a Socket.IO
    /// goodbye, so the client sees a transport close and reconnects.
    pub fn close_session(&mut self, s: SocketId) {
        if let Some(session) = self.sockets.get(&s).map(|s| s.session) {
            self.engine.close(session, self.now);
            self.pump();
        }
    }

    /// The request data the socket's client connected with.
    pub fn handshake(&self, s: SocketId) -> Option<&Handshake> {
        let session = self.sockets.get(&s)?.session;
        self.clients.get(&session).map(|c| &*c.handshake)
    }

    /// The socket's Socket.IO id (`socket.id`).
    pub fn socket_sid(&self, s: SocketId) -> Option<&str> {
        self.sockets.get(&s).map(|s| s.sid.as_str())
    }

    /// The socket's namespace.
    pub fn socket_nsp(&self, s: SocketId) -> Option<&str> {
        self.sockets.get(&s).map(|s| s.nsp.as_str())
    }

    /// The connection carrying the socket when it is on WebSocket.
    pub fn socket_conn(&self, s: SocketId) -> Option<ConnId> {
        let session = self.sockets.get(&s)?.session;
        match self.engine.transport(session)? {
            Transport::WebSocket(conn) => Some(conn),
            Transport::Polling => None,
        }
    }

    pub fn room_size(&self, room: &str) -> usize {
        self.rooms.get(room).map_or(0, HashMap::len)
    }

    pub fn socket_count(&self) -> usize {
        self.sockets.len()
    }
}

/// The CORS header `cors::apply` adds with `origin: "*"` (which needs no
/// request data), usable for parked polls whose request is gone.
fn with_cors(mut resp: Response) -> Response {
    resp.headers
        .insert(0, ("Access-Control-Allow-Origin".into(), "*".into()));
    resp
}

fn error_response(reply: ErrorReply) -> Response {
    let mut resp = Response::new(reply.status).body(reply.body);
    if let Some(ct) = reply.content_type {
        resp = resp.header("Content-Type", ct);
    }
    if reply.close {
        resp = resp.header("Connection", "close");
    }
    resp
}

fn poll_response(body: Bytes) -> Response {
    with_cors(
        Response::new(200)
            .header("Content-Type", "text/plain; charset=UTF-8")
            .header("Cache-Control", "no-store")
            .body(body),
    )
}
