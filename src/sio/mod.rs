//! Socket.IO v5 over Engine.IO v4, sans-IO: packets, namespaces, sockets,
//! rooms, acknowledgements and binary attachments ([`Server`]), and the
//! [`App`] trait a port implements on top.
//!
//! The [`Server`] owns the Engine.IO [`crate::eio::Adapter`] its sessions
//! run on; [`Stack`] pairs it with an [`App`] so a reactor can run both
//! (`eio::Driver<Stack<A>>`).
//!
//! - [`AppEvent::Event`] carries `attachments` (binary attachments of a
//!   BINARY_EVENT); [`AppEvent::Ack`] answers [`Server::emit_with_ack`].
//! - [`Server::broadcast`] / [`Server::send_latest`] send a room's
//!   [`crate::room::Output`], built once for every member.
//! - [`Server::disconnect`] is socket.io's `socket.disconnect()`: a
//!   DISCONNECT packet, the session stays; [`Server::close_session`] drops
//!   the Engine.IO session without a Socket.IO goodbye, so the client
//!   reconnects.
//! - Raw Engine.IO mode ([`EngineConfig::raw_engine_io`], for the
//!   engine.io-protocol test suite): sessions are sockets, messages arrive
//!   as [`AppEvent::EngineMessage`], [`Server::send_raw`] answers, and the
//!   Socket.IO sends (`emit`, `ack`, ...) are ignored.

mod action;
mod app;
mod error;
mod packet;
mod server;

pub use crate::eio::{ConnId, EngineConfig, Handshake};
pub use action::{Action, AppEvent, SocketId};
pub use app::{App, Stack};
pub use error::SioError;
pub use packet::{MAX_ATTACHMENTS, PacketKind, Payload, SioPacket, decode, encode, event_packet};
pub use server::Server;

#[cfg(test)]
mod tests;
