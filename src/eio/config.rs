//! Engine configuration, with socket.io's defaults.

/// Settings of the Engine.IO / Socket.IO engine. `Default` gives socket.io 4's
/// defaults on the `/socket.io/` path with only the main namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// How often the server pings each session.
    pub ping_interval_ms: u64,
    /// How long the server waits for the pong before closing the session.
    pub ping_timeout_ms: u64,
    /// The largest polling body or WebSocket message accepted, in bytes.
    pub max_payload: usize,
    /// Requests whose path starts with this belong to the engine. `None`:
    /// the port has no engine, and every request goes to the application's
    /// routes (the REST port, where the reference has no Socket.IO and
    /// answers `/socket.io/` with its 404 page).
    pub path: Option<String>,
    /// Socket.IO namespaces clients may connect to; `/` is always allowed.
    pub namespaces: Vec<String>,
    /// How long a started upgrade may take before its WebSocket is closed.
    pub upgrade_timeout_ms: u64,
    /// How long a session may stay without any Socket.IO CONNECT.
    pub connect_timeout_ms: u64,
    /// How long a server-closed polling session waits for the poll that
    /// carries its close packet.
    pub close_timeout_ms: u64,
    /// A polling session whose unfetched packets exceed this many bytes is
    /// closed (latest-wins packets count once), so a client that stops
    /// polling cannot grow memory without bound until its ping timeout.
    pub max_buffered_bytes: usize,
    /// Answer permessage-deflate offers.
    pub offer_deflate: bool,
    /// Deflate level (0–9) of the messages compressed for one connection
    /// (see [`crate::room::Levels::standalone`]).
    pub deflate_level: u32,
    /// Raw Engine.IO mode: no Socket.IO layer; every Engine.IO message goes
    /// to the application as [`crate::sio::AppEvent::EngineMessage`].
    pub raw_engine_io: bool,
    /// The first character of every session id, when several shards serve
    /// the port (see [`crate::net::shards`]).
    pub sid_mark: Option<char>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            ping_interval_ms: 25_000,
            ping_timeout_ms: 20_000,
            max_payload: 1_000_000,
            path: Some("/socket.io/".to_owned()),
            namespaces: vec!["/".to_owned()],
            upgrade_timeout_ms: 10_000,
            connect_timeout_ms: 45_000,
            close_timeout_ms: 30_000,
            max_buffered_bytes: 10_000_000,
            offer_deflate: true,
            deflate_level: crate::room::Levels::default().standalone,
            sid_mark: None,
            raw_engine_io: false,
        }
    }
}
