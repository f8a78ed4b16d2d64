//! Messages in (decoded), and the size from which messages out are compressed.

use bytes::Bytes;

/// One complete inbound message (fragments joined, inflated, validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Text(String),
    Binary(Bytes),
    /// Answer with a Pong carrying the same payload.
    Ping(Bytes),
    Pong(Bytes),
    /// The peer's close code and reason, if it sent one. Answer with
    /// [`super::close_reply`] and close.
    Close(Option<(u16, String)>),
}

/// The reference's threshold (ws `perMessageDeflate.threshold`): smaller
/// messages are sent plain even to clients that negotiated deflate.
pub const COMPRESS_THRESHOLD: usize = 1024;
