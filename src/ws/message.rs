//! Messages in (decoded) and out (pre-built frames shared by a room).

use bytes::Bytes;

use super::frame::{TEXT, encode_frame};
use super::{DeflateConfig, Deflater, StreamFrame};

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

/// An outbound text message built once for every recipient: the plain
/// frame, and for payloads over [`COMPRESS_THRESHOLD`] a standalone
/// compressed frame that any deflate client can take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMessage {
    /// Whole unmasked frame (FIN, opcode text).
    pub plain: Bytes,
    /// Whole unmasked frame (FIN, RSV1, opcode text), standalone-compressed
    /// with a 32 KiB window.
    pub deflated: Option<Bytes>,
    /// The same message on its room's compression stream, for clients in
    /// step with it (see [`super::StreamCursor`]).
    pub stream: Option<StreamFrame>,
}

impl OutMessage {
    pub fn text(payload: &[u8], deflater: &mut Deflater) -> Self {
        // A narrower deflater's frames would suit only its own client; the
        // shared variant is always made with the full window.
        let deflated = if payload.len() > COMPRESS_THRESHOLD && deflater.window_bits() == 15 {
            deflater.compressed_frame(TEXT, payload)
        } else {
            None
        };
        OutMessage {
            plain: encode_frame(TEXT, payload),
            deflated,
            stream: None,
        }
    }

    /// The frame to send to a connection with that deflate agreement: the
    /// compressed one when it exists and the client inflates with a full
    /// 32 KiB window, the plain one otherwise.
    pub fn frame_for(&self, deflate: Option<&DeflateConfig>) -> &Bytes {
        match (&self.deflated, deflate) {
            (Some(d), Some(cfg)) if cfg.server_max_window_bits == 15 => d,
            _ => &self.plain,
        }
    }
}
