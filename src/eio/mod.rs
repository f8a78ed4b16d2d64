//! Engine.IO v4, sans-IO: packets, polling payloads, sessions, the upgrade
//! from long-polling to WebSocket, and the server-driven heartbeat.
//!
//! Time is passed in as `now_ms` (monotonic milliseconds); nothing here reads
//! a clock or touches a socket. [`Engine`] is driven by the Socket.IO
//! [`crate::sio::Server`], which owns the HTTP and WebSocket details.
//!
//! Behaviour follows engine.io 6 (the server of socket.io 4), including its
//! error bodies: `{"code":0,"message":"Transport unknown"}` and friends with
//! status 400, a plain-text 400 for refused upgrades, 413 for a body over
//! `maxPayload`, and closing the session on overlapping polls or bad packets.

mod config;
mod engine;
mod error;
mod packet;
mod payload;
mod session;
mod sid;

pub use config::EngineConfig;
pub use engine::{
    CloseReason, Engine, EngineRequest, Method, Output, RequestOutcome, Transport, WsTarget,
};
pub use error::{DecodeError, ErrorCode, ErrorReply, RequestError};
pub use packet::{Data, Packet, PacketType, encode_binary_polling, encode_text};
pub use payload::{SEPARATOR, decode_payload, encode_payload};
pub use session::Outgoing;
pub use sid::generate as generate_id;

/// A connection id: the network layer's slab key.
pub type ConnId = usize;

/// An Engine.IO session, numbered by the engine (never reused).
pub type SessionId = u64;

#[cfg(test)]
mod tests;
