//! Messages in (decoded) and out (pre-built frames shared by a room).

use std::cell::RefCell;
use std::sync::OnceLock;

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
    /// with a 32 KiB window: made at once, or on first need (see
    /// [`OutMessage::deflated`]).
    deflated: OnceLock<Option<Bytes>>,
    /// The payload, kept while the compressed frame may still be made.
    pending: Option<Bytes>,
    /// The same message on its room's compression stream, for clients in
    /// step with it (see [`super::StreamCursor`]).
    pub stream: Option<StreamFrame>,
}

thread_local! {
    /// Compresses the standalone frames made on first need. Standalone
    /// frames share no context, so one deflater per thread serves them all.
    static LAZY_DEFLATER: RefCell<Deflater> = RefCell::new(Deflater::new());
}

impl OutMessage {
    /// The frames of `payload`, compressed at once with `deflater`.
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
            deflated: OnceLock::from(deflated),
            pending: None,
            stream: None,
        }
    }

    /// The frames of `payload`, the compressed one made only when a
    /// recipient first needs it: a room's clients in step with its
    /// compression stream never do.
    pub fn text_deferred(payload: Bytes) -> Self {
        let compressible = payload.len() > COMPRESS_THRESHOLD;
        OutMessage {
            plain: encode_frame(TEXT, &payload),
            deflated: if compressible {
                OnceLock::new()
            } else {
                OnceLock::from(None)
            },
            pending: compressible.then_some(payload),
            stream: None,
        }
    }

    /// Whether the message is compressed for deflate clients (it is over
    /// [`COMPRESS_THRESHOLD`]).
    pub fn compresses(&self) -> bool {
        match self.deflated.get() {
            Some(d) => d.is_some(),
            None => self.pending.is_some(),
        }
    }

    /// The standalone compressed frame, made now if it was deferred.
    pub fn deflated(&self) -> Option<&Bytes> {
        self.deflated
            .get_or_init(|| {
                let payload = self.pending.as_ref()?;
                LAZY_DEFLATER.with(|d| d.borrow_mut().compressed_frame(TEXT, payload))
            })
            .as_ref()
    }

    /// Whether the standalone compressed frame exists yet.
    #[cfg(test)]
    pub(crate) fn deflated_made(&self) -> bool {
        self.deflated.get().is_some_and(Option::is_some)
    }

    /// The frame to send to a connection with that deflate agreement: the
    /// compressed one when it exists and the client inflates with a full
    /// 32 KiB window, the plain one otherwise.
    pub fn frame_for(&self, deflate: Option<&DeflateConfig>) -> &Bytes {
        match deflate {
            Some(cfg) if cfg.server_max_window_bits == 15 => self.deflated().unwrap_or(&self.plain),
            _ => &self.plain,
        }
    }
}
