//! What the [`super::Server`] asks of the network layer and the application.

use std::sync::Arc;

use bytes::Bytes;

use crate::eio::{ConnId, Data};
use crate::http::Response;
use crate::ws::DeflateConfig;

use super::Prebuilt;

/// A Socket.IO socket: one client's connection to one namespace (in raw
/// Engine.IO mode, one Engine.IO session).
pub type SocketId = u64;

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
        response: Response,
        deflate: Option<DeflateConfig>,
    },
    /// The path is not the engine's: the application (REST) handles it.
    NotEngine,
}

/// Work for the network layer or the application, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answers a parked poll; `close`: close the connection after it.
    HttpResponse {
        conn: ConnId,
        response: Bytes,
        close: bool,
    },
    /// An ordered WebSocket frame.
    WsFrame {
        conn: ConnId,
        frame: Bytes,
    },
    /// A broadcast message: its frame replaces an unwritten older one of
    /// the same kind. The network layer picks which of the message's frames
    /// to write with the connection's [`crate::ws::StreamCursor`], at the
    /// moment it queues it, because only it knows whether the previous one
    /// was dropped unwritten (then the client's inflater window no longer
    /// matches the room's compression stream).
    WsLatest {
        conn: ConnId,
        msg: Arc<Prebuilt>,
        deflate: Option<DeflateConfig>,
    },
    /// Close the connection (after writing what is queued).
    Close {
        conn: ConnId,
    },
    App(AppEvent),
}

/// What the application hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    /// A socket connected to `nsp`; `auth` is the CONNECT payload's JSON.
    Connect {
        socket: SocketId,
        nsp: String,
        auth: Option<String>,
    },
    /// An event; answer `ack` (when set) with [`super::Server::ack`].
    /// `attachments` holds the binary attachments of a BINARY_EVENT (the
    /// arguments keep their `{"_placeholder":true,"num":N}` objects).
    Event {
        socket: SocketId,
        nsp: String,
        name: String,
        args: Vec<String>,
        /// The first argument's content when it is a JSON string, decoded
        /// already (so the app need not decode `args[0]` again).
        text: Option<String>,
        ack: Option<u64>,
        attachments: Vec<Bytes>,
    },
    /// The client acknowledged an [`super::Server::emit_with_ack`].
    Ack {
        socket: SocketId,
        id: u64,
        args: Vec<String>,
        attachments: Vec<Bytes>,
    },
    /// The socket is gone (socket.io's disconnect reasons).
    Disconnect {
        socket: SocketId,
        reason: &'static str,
    },
    /// Raw Engine.IO mode only: a message of the session.
    EngineMessage { socket: SocketId, data: Data },
}
