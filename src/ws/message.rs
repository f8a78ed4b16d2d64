//! Messages in (decoded), and the size from which messages out are compressed.

use bytes::Bytes;

/// One complete inbound message (fragments joined, inflated, validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message, UTF-8 checked.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// Answer with a Pong carrying the same payload.
    Ping(Bytes),
    /// An answer to a ping, or an unsolicited heartbeat; nothing to do.
    Pong(Bytes),
    /// The peer's close code and reason, if it sent one. Answer with
    /// [`super::close_reply`] and close.
    Close(Option<(u16, String)>),
}

/// The reference's threshold (ws `perMessageDeflate.threshold`): smaller
/// messages are sent plain even to clients that negotiated deflate.
pub const COMPRESS_THRESHOLD: usize = 1024;
