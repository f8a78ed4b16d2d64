//! Socket.IO v5 over Engine.IO v4, sans-IO: packets, namespaces, rooms,
//! acknowledgements, binary attachments, and the [`Server`] the network
//! layer drives and the application uses.
//!
//! Refinements of CONTRACTS.md (the shapes there are kept; these are additions):
//! - [`EngineConfig`] (re-exported from `eio`) also has `upgrade_timeout_ms`,
//!   `connect_timeout_ms`, `close_timeout_ms`, `offer_deflate` and
//!   `raw_engine_io` (raw Engine.IO mode for the engine.io-protocol test
//!   suite: sessions are sockets, messages arrive as
//!   [`AppEvent::EngineMessage`], [`Server::send_raw`] answers).
//! - [`AppEvent::Event`] carries `attachments` (binary attachments of a
//!   BINARY_EVENT); [`AppEvent::Ack`] answers [`Server::emit_with_ack`].
//! - [`Prebuilt`] has a latest-wins `kind` (0 from [`Prebuilt::event`]);
//!   [`Prebuilt::build`] sets it and the namespace. [`Prebuilt::on_stream`]
//!   also compresses onto a room's `ws::RoomStream`. `Action::WsLatest`
//!   carries the whole message: the network layer picks the frame with the
//!   connection's `ws::StreamCursor` when it queues it.
//! - Extra API: `emit_with_ack`, `emit_binary`, `ack_binary`, `send_raw`,
//!   `close_session` (drop the Engine.IO session: the client reconnects),
//!   `send_prebuilt` (a broadcast message to one socket),
//!   `handshake`, `socket_sid`, `socket_nsp`, `socket_conn`, `room_size`.
//! - `disconnect` is socket.io's `socket.disconnect()`: a DISCONNECT packet,
//!   the session stays.
//! - In raw mode the Socket.IO sends (`emit`, `ack`, ...) are ignored.
//! - [`HttpOutcome::Respond`] responses carrying `Connection: close` must be
//!   followed by closing the connection (bad payloads, refused upgrades).
//! - [`Server::on_ws_message`] answers Ping with Pong and Close with a Close
//!   frame and [`Action::Close`]; the network layer need not.

mod action;
mod conn_table;
mod error;
mod packet;
mod prebuilt;
mod server;

pub use crate::eio::{ConnId, EngineConfig};
pub use action::{Action, AppEvent, HttpOutcome, SocketId};
pub use error::SioError;
pub use packet::{MAX_ATTACHMENTS, PacketKind, Payload, SioPacket, decode, encode};
pub use prebuilt::Prebuilt;
pub use server::{Handshake, Server};

#[cfg(test)]
mod tests;
