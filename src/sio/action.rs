//! What the [`super::Server`] asks of the network side and the application.

use bytes::Bytes;

use crate::eio::{self, Data};

/// A Socket.IO socket: one client's connection to one namespace (in raw
/// Engine.IO mode, one Engine.IO session). Numbered by its server, never
/// reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(u64);

impl SocketId {
    /// The socket numbered `n`.
    pub const fn new(n: u64) -> Self {
        SocketId(n)
    }

    /// Its number.
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
        /// The new socket.
        socket: SocketId,
        /// Its namespace.
        nsp: String,
        /// The CONNECT payload, as JSON text.
        auth: Option<String>,
    },
    /// An event; answer `ack` (when set) with [`super::Server::ack`].
    /// `attachments` holds the binary attachments of a BINARY_EVENT (the
    /// arguments keep their `{"_placeholder":true,"num":N}` objects).
    Event {
        /// The sending socket.
        socket: SocketId,
        /// Its namespace.
        nsp: String,
        /// The event name.
        name: String,
        /// The arguments after the name, as JSON texts.
        args: Vec<String>,
        /// The first argument's content when it is a JSON string, decoded
        /// already (so the app need not decode `args[0]` again).
        text: Option<String>,
        /// The id to acknowledge, when the client asked for an ack.
        ack: Option<u64>,
        /// The binary attachments, in order.
        attachments: Vec<Bytes>,
    },
    /// The client acknowledged an [`super::Server::emit_with_ack`].
    Ack {
        /// The acknowledging socket.
        socket: SocketId,
        /// The id the emit was sent with.
        id: u64,
        /// The ack's arguments, as JSON texts.
        args: Vec<String>,
        /// The binary attachments, in order.
        attachments: Vec<Bytes>,
    },
    /// The socket is gone (socket.io's disconnect reasons).
    Disconnect {
        /// The socket.
        socket: SocketId,
        /// Why, as socket.io words it (`client namespace disconnect`, ...).
        reason: &'static str,
    },
    /// Raw Engine.IO mode only: a message of the session.
    EngineMessage {
        /// The session's socket.
        socket: SocketId,
        /// The message.
        data: Data,
    },
}
