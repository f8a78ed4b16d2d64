//! The Socket.IO server: namespaces, sockets, rooms, acknowledgements and
//! the application API, on the Engine.IO sessions of an [`Adapter`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use log::debug;

use super::action::{Action, AppEvent, SocketId};
use super::error::SioError;
use super::packet::{self, PacketKind, Payload, SioPacket, args_array, event_array};
use crate::eio::{
    self, Adapter, ConnId, Data, EngineConfig, Event, Handshake, Outgoing, Route, SessionEvent,
    SessionId,
};
use crate::room;

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

/// Socket.IO on Engine.IO sessions, sans-IO. The network side feeds the
/// [`Adapter`] ([`Server::transport`]) requests, WebSocket messages, closes
/// and timer ticks, and executes the [`Action::Transport`]s
/// [`Server::poll_action`] returns; the application reads [`Action::App`]
/// events and calls the API methods.
pub struct Server {
    transport: Adapter,
    clients: HashMap<SessionId, Client>,
    sockets: HashMap<SocketId, Socket>,
    rooms: HashMap<String, HashMap<SocketId, Route>>,
    connect_timers: BinaryHeap<Reverse<(u64, SessionId)>>,
    next_socket: u64,
    /// Application events, ahead of the adapter's queue.
    events: VecDeque<AppEvent>,
}

impl Server {
    /// A server without sessions, its Engine.IO side configured by `cfg`.
    pub fn new(cfg: EngineConfig) -> Self {
        Server {
            transport: Adapter::new(cfg),
            clients: HashMap::new(),
            sockets: HashMap::new(),
            rooms: HashMap::new(),
            connect_timers: BinaryHeap::new(),
            next_socket: 1,
            events: VecDeque::new(),
        }
    }

    pub(crate) fn config(&self) -> &EngineConfig {
        self.transport.config()
    }

    /// The Engine.IO transport the sessions run on: the network side hands
    /// it requests and messages.
    pub fn transport(&mut self) -> &mut Adapter {
        &mut self.transport
    }

    /// The next thing to do, in order. Session events the transport queued
    /// are handled on the way, so a connection's bytes come out in the
    /// order they arose.
    pub fn poll_action(&mut self) -> Option<Action> {
        loop {
            if let Some(ev) = self.events.pop_front() {
                return Some(Action::App(ev));
            }
            match self.transport.poll()? {
                Event::Net(a) => return Some(Action::Transport(a)),
                Event::Session(ev) => self.on_session_event(ev),
            }
        }
    }

    /// The earliest moment [`Server::on_timer`] has work (it may find none).
    pub fn next_deadline(&self) -> Option<u64> {
        let connect = self.connect_timers.peek().map(|Reverse((t, _))| *t);
        match (self.transport.next_deadline(), connect) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs heartbeats and timeouts due by `now_ms`.
    pub fn on_timer(&mut self, now_ms: u64) {
        self.transport.on_timer(now_ms);
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
                self.transport.close(session);
            }
        }
    }

    fn on_session_event(&mut self, ev: SessionEvent) {
        match ev {
            SessionEvent::Opened { session, handshake } => self.on_opened(session, handshake),
            SessionEvent::Message { session, data } => self.on_message(session, data),
            SessionEvent::Upgraded { session } => self.on_upgraded(session),
            SessionEvent::Closed { session, reason } => {
                if let Some(client) = self.clients.remove(&session) {
                    for (_, id) in client.sockets {
                        self.drop_socket(id, reason.as_str());
                    }
                }
            }
        }
    }

    fn on_opened(&mut self, session: SessionId, handshake: Arc<Handshake>) {
        let mut client = Client {
            handshake,
            route: self.transport.route_of(session),
            sockets: Vec::new(),
            pending: None,
        };
        if self.config().raw_engine_io {
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
            let deadline = self.transport.now_ms() + self.config().connect_timeout_ms;
            self.connect_timers.push(Reverse((deadline, session)));
        }
    }

    /// Members of rooms keep their route: point it at the new WebSocket.
    fn on_upgraded(&mut self, session: SessionId) {
        let route = self.transport.route_of(session);
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
        if self.config().raw_engine_io {
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
            self.transport.close(session);
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
        let known = nsp == "/" || self.config().namespaces.contains(&nsp);
        if !known {
            let packet = packet::encode(
                PacketKind::ConnectError,
                &nsp,
                0,
                None,
                r#"{"message":"Invalid namespace"}"#,
            );
            self.transport.send(session, Outgoing::Text(packet));
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
        self.transport.send(session, Outgoing::Text(ack));
        self.app(AppEvent::Connect {
            socket: id,
            nsp,
            auth,
        });
        Ok(())
    }

    fn new_socket(&mut self, session: SessionId, nsp: String, sid: String) -> SocketId {
        let id = SocketId::new(self.next_socket);
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
        self.events.push_back(ev);
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
        if self.config().raw_engine_io {
            return;
        }
        let Some(socket) = self.sockets.get(&s) else {
            return;
        };
        let session = socket.session;
        let packet = packet::encode(kind, &socket.nsp, attachments.len(), id, data);
        self.transport.send(session, Outgoing::Text(packet));
        for a in attachments {
            self.transport.send(session, Outgoing::Binary(a.clone()));
        }
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
        if self.config().raw_engine_io {
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
        self.transport.send(session, packet);
    }

    /// Puts socket `s` in `room` (nothing if it is gone or already in it).
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
            .map_or(Route::Polling(session), |c| c.route);
        self.rooms
            .entry(room.to_owned())
            .or_default()
            .insert(s, route);
    }

    /// Takes socket `s` out of `room`; an empty room is dropped.
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

    /// Sends a room's output to every member of `room`, latest-wins:
    /// WebSocket members get the frame they can inflate (see
    /// [`eio::Action::WsLatest`]), polling members the shared packet in
    /// their buffer, replacing an unsent older one of the same kind.
    pub fn broadcast(&mut self, room: &str, msg: &Arc<room::Output>) {
        let Some(members) = self.rooms.get(room) else {
            return;
        };
        for route in members.values() {
            self.transport.send_latest(*route, msg);
        }
    }

    /// Sends a room's output to one socket (a snapshot for a member that
    /// just joined), latest-wins like [`Self::broadcast`].
    pub fn send_latest(&mut self, s: SocketId, msg: &Arc<room::Output>) {
        let Some(session) = self.sockets.get(&s).map(|socket| socket.session) else {
            return;
        };
        let route = self
            .clients
            .get(&session)
            .map_or(Route::Polling(session), |c| c.route);
        self.transport.send_latest(route, msg);
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
            self.transport.close(session);
        }
    }

    /// The address the socket's client connected from, for logs
    /// (`unknown peer` when the network side did not say).
    pub fn peer(&self, s: SocketId) -> String {
        match self.handshake(s).and_then(|h| h.peer) {
            Some(p) => p.to_string(),
            None => "unknown peer".to_owned(),
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
        match self.transport.route_of(session) {
            Route::Ws(conn) => Some(conn),
            Route::Polling(_) => None,
        }
    }

    /// Sockets in `room`.
    pub fn room_size(&self, room: &str) -> usize {
        self.rooms.get(room).map_or(0, HashMap::len)
    }

    /// Connected sockets.
    pub fn socket_count(&self) -> usize {
        self.sockets.len()
    }
}
