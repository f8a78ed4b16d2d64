//! The only code that touches sockets: a mio reactor with TLS (rustls).
//!
//! - [`reactor`]: the event loop, generic over a [`Service`] (the protocol
//!   side). Connections live in a slab; an idle connection holds no read or
//!   write buffer ([`pool`], [`outbox`]).
//! - [`sio_service`]: the protocol side for Socket.IO: HTTP (keep-alive,
//!   parked long-polls), the switch to WebSocket after an upgrade, and the
//!   [`sio::Server`](crate::sio::Server)'s actions; the application plugs in
//!   as an [`App`].
//! - [`tls`]: building a rustls configuration from PEM files.
//!
//! Other threads reach a reactor through a [`Remote`] (wake, shutdown, and
//! channels whose sends wake it). Nothing is global, so several reactors
//! (shards) can run side by side.

pub mod outbox;
pub mod pool;
pub mod reactor;
pub mod shards;
pub mod sio_service;
pub mod stream;
pub mod tls;

pub use reactor::{ConnId, Io, Options, Poster, Reactor, Remote, Service};
pub use sio_service::{App, ConnState, SioService, run};

#[cfg(test)]
mod tests;
