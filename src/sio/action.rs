//! What the [`super::Server`] asks of the network side and the application.

use bytes::Bytes;

use crate::eio::{self, Data};

/// A Socket.IO socket: one client's connection to one namespace (in raw
/// Engine.IO mode, one Engine.IO session). Numbered by its server, never
/// reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(u64);

impl SocketId {
    pub const fn new(n: u64) -> Self {
        SocketId(n)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for SocketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Work for the network side or the application, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Bytes for a connection (see [`eio::Action`]).
    Transport(eio::Action),
    /// An event for the application.
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
