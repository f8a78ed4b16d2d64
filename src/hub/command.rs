//! What flows between the reactors and the match thread.

use std::sync::Arc;

use super::batch::{EventBatch, IngestEvent};
use crate::net::Poster;
use crate::room;
use crate::sio::SocketId;

/// Where the match thread posts an output: a reactor's [`Poster`] (which
/// wakes it) in the server, a plain channel in tests. False: the receiver
/// is gone.
pub trait Post<M>: Send {
    /// Hands `msg` over; false when the receiver is gone.
    fn post(&self, msg: M) -> bool;
}

impl<M: Send> Post<M> for Poster<M> {
    fn post(&self, msg: M) -> bool {
        Poster::post(self, msg).is_ok()
    }
}

impl<M: Send> Post<M> for crossbeam_channel::Sender<M> {
    fn post(&self, msg: M) -> bool {
        self.send(msg).is_ok()
    }
}

/// From the reactors to the match thread, applied in arrival order.
#[derive(Debug)]
pub enum Command {
    /// Logon and data events of ingest sockets.
    Events(EventBatch),
    /// An ingest socket connected from `peer` (named in its problems' logs).
    IngestOpened {
        /// The socket.
        socket: SocketId,
        /// Its client's address.
        peer: String,
    },
    /// An ingest socket is gone (client or server side).
    IngestClosed {
        /// The socket.
        socket: SocketId,
    },
    /// Test clock (`SPECTRA_TEST_CLOCK=true` only): set the wall clock, then
    /// acknowledge, so the sender knows every earlier event was applied.
    TestClock {
        /// The test's ingest socket.
        socket: SocketId,
        /// The new time, in ms since the epoch (the clock never goes back).
        ms: u64,
        /// The Socket.IO ack id, when the test asked for one.
        ack: Option<u64>,
    },
    /// A result from the backend workers (`USE_BACKEND=true`).
    Backend(crate::backend::Finished),
    /// Stop: close replay files and end the thread.
    Shutdown,
}

impl Command {
    /// One ingest event on its own.
    pub fn event(event: IngestEvent, socket: SocketId, text: Option<&str>) -> Self {
        let mut batch = EventBatch::default();
        batch.push((event, socket), text);
        Command::Events(batch)
    }
}

/// From the match thread to the ingest reactor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToIngest {
    /// Emit `event` with one string argument (`payload` is the string's content).
    Emit {
        /// The ingest socket.
        socket: SocketId,
        /// The event name.
        event: &'static str,
        /// The argument's content.
        payload: String,
    },
    /// Acknowledge a test-clock event.
    Ack {
        /// The test's socket.
        socket: SocketId,
        /// The ack id it sent.
        ack: u64,
    },
    /// Disconnect the socket from the server side.
    Disconnect {
        /// The ingest socket.
        socket: SocketId,
    },
}

/// From the match thread to the broadcast reactor(s).
#[derive(Debug, Clone)]
pub enum ToBroadcast {
    /// A match's new state: broadcast to the room, and keep it for frontends
    /// that log on later. `msg` is the packet and frames built once.
    State {
        /// The match's group code (its room).
        group: Arc<str>,
        /// The state message.
        msg: Arc<room::Output>,
    },
    /// The match is gone: frontends logging on now get no state.
    Removed {
        /// The match's group code.
        group: Arc<str>,
    },
}
