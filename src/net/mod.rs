//! The only code that touches sockets: a mio reactor with TLS (rustls).
//! It knows sockets, TLS and bytes; the protocols are a [`Service`]'s.
//!
//! - [`reactor`]: the event loop, generic over a [`Service`] (the protocol
//!   side). Connections live in a slab; an idle connection holds no read or
//!   write buffer ([`pool`], [`outbox`]).
//! - [`outbox`]: a connection's outbound queue, with latest-wins frames for
//!   broadcasts.
//! - [`counters`]: what a reactor counts for `/metrics`, published once a
//!   loop turn.
//! - [`shards`]: several reactors serving one port, handing connections to
//!   each other.
//! - [`remote`]: other threads wake a reactor, stop it, or post to it.
//! - [`tls`]: building a rustls configuration from PEM files.
//!
//! Nothing is global, so several reactors (shards) can run side by side.

pub mod counters;
pub mod outbox;
pub mod pool;
pub mod reactor;
pub mod remote;
pub mod shards;
pub mod stream;
pub mod tls;

pub use reactor::{ConnId, Io, Options, Reactor, Service};
pub use remote::{Poster, Remote};

#[cfg(test)]
mod tests;
