/// Bounds on what one request may make us buffer. Every byte a peer can
/// make us hold is counted against one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Request line plus headers, in bytes (431 past it).
    pub max_head: usize,
    /// Number of header lines (431 past it).
    pub max_headers: usize,
    /// `Content-Length` of the body (413 past it).
    pub max_body: usize,
}

impl Default for Limits {
    /// Node's 16 KiB header limit, and a body large enough for an Engine.IO
    /// polling POST at socket.io's default `maxPayload` (1 MB) plus framing.
    fn default() -> Self {
        Limits {
            max_head: 16 * 1024,
            max_headers: 100,
            max_body: 1_000_000 + 4096,
        }
    }
}
