//! The observer side of the performance tools, shared by `spectra-loadgen`
//! (which also drives frontends, workers and the scenarios) and
//! `spectra-replay`: command-line flags, the observer client, the games it
//! plays, the replay player, and client-side Socket.IO over WebSocket.
//! See `perf/README.md`.

pub mod args;
pub mod observer;
pub mod player;
pub mod source;
pub mod wire;
