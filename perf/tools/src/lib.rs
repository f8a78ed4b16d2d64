//! The observer side of the performance tools, shared by `spectra-loadgen`
//! (which also drives frontends, workers and the scenarios) and
//! `spectra-replay`: the observer client, the games it plays, the replay
//! player with its command line, and client-side Socket.IO over WebSocket.
//! See `perf/README.md`.

pub mod observer;
pub mod player;
pub mod source;
pub mod wire;
