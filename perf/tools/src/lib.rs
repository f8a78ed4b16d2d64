//! The observer side of the performance tools, shared by `spectra-loadgen`
//! (which also drives frontends, workers and the scenarios) and
//! `spectra-replay`: the observer client, the games it plays, the replay
//! player with its command line, client-side Socket.IO over WebSocket, and
//! TLS for `https://`/`wss://` targets.
//! See `perf/README.md`.

pub mod observer;
pub mod player;
pub mod source;
pub mod tls;
pub mod wire;
