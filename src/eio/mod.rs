//! Engine.IO v4: packets, polling payloads, sessions, the upgrade from
//! long-polling to WebSocket, the server-driven heartbeat, and the
//! transports that carry them.
//!
//! - [`Engine`]: the session machine, sans-IO, knowing no HTTP or
//!   WebSocket. Time is passed in as `now_ms` (monotonic milliseconds).
//! - [`Adapter`]: HTTP requests and WebSocket messages in, responses,
//!   frames and [`SessionEvent`]s out; sans-IO too. The layer on top
//!   (Socket.IO, see [`crate::sio`]) owns one.
//! - [`Driver`]: runs a [`SessionLayer`] and its adapter on a
//!   [`crate::net::Reactor`], turning connection bytes into requests and
//!   messages and actions into queued bytes.
//!
//! Behaviour follows engine.io 6 (the server of socket.io 4), including its
//! error bodies: `{"code":0,"message":"Transport unknown"}` and friends with
//! status 400, a plain-text 400 for refused upgrades, 413 for a body over
//! `maxPayload`, and closing the session on overlapping polls or bad packets.

mod adapter;
mod config;
mod conn_table;
mod driver;
mod engine;
mod error;
mod packet;
mod payload;
mod responses;
mod session;
mod sid;

pub use adapter::{Action, Adapter, Event, Handshake, HttpOutcome, Route, SessionEvent};
pub use config::EngineConfig;
pub use driver::{ConnState, Driver, Routes, SessionLayer};
pub use engine::{
    CloseReason, Engine, EngineRequest, Method, Output, RequestOutcome, Transport, WsTarget,
};
pub use error::{DecodeError, ErrorCode, ErrorReply, RequestError};
pub use packet::{Data, Packet, PacketType, encode_binary_polling, encode_text};
pub use payload::{SEPARATOR, decode_payload, encode_payload};
pub use session::{LatestCounts, Outgoing};
pub use sid::generate as generate_id;

/// A connection, as the network side numbers them.
pub use crate::net::ConnId;

/// An Engine.IO session, numbered by the engine (never reused).
pub type SessionId = u64;

#[cfg(test)]
mod tests;
