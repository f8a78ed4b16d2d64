//! Spectra Server: the real-time data hub behind Valorant tournament overlays.
//!
//! Protocol layers are sans-IO (bytes in, events and bytes out) so they can be
//! tested on bytes with a fake clock; only [`net`] touches sockets and only
//! [`hub`] owns match state. `docs/architecture.md` has the threads, the
//! layers, the path of an event from an observer to an overlay, and the
//! invariants.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backend;
pub mod broadcast;
pub mod config;
pub mod eio;
pub mod game;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod json;
pub mod logs;
pub mod metrics;
pub mod net;
pub mod relay;
pub mod replay;
pub mod rest;
pub mod room;
pub mod sio;
pub mod text_batch;
pub mod ws;
