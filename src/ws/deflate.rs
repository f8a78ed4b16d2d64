//! Outbound compression (RFC 7692): standalone messages any client can
//! inflate, or a context-takeover stream whose messages refer back into
//! earlier ones.

use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress};
use tungstenite::protocol::frame::coding::OpCode;

use super::frame::{FRAME_ROOM, frame_in_place};

/// A reusable permessage-deflate compressor at a given level. Reusing the
/// object avoids the ~170 µs of building a compressor per message.
///
/// A standalone one ([`Deflater::new`]) is reset before every message, so no
/// message refers back into an earlier one: any client inflater (with or
/// without context takeover, whatever it has seen) can inflate the result,
/// and one compressed frame serves a whole room. A context-takeover one
/// ([`Deflater::context_takeover`]) keeps its window between messages; only
/// a client that inflated exactly its earlier output can read its frames.
pub struct Deflater {
    stream: Compress,
    window_bits: u8,
    level: u32,
    takeover: bool,
}

impl Deflater {
    /// Standalone messages at `level` (0–9), 32 KiB window.
    pub fn new(level: u32) -> Self {
        Deflater::with_window_bits(level, 15)
    }

    /// Standalone messages for a client that negotiated
    /// `server_max_window_bits` (9..=15; other values are clamped into that
    /// range).
    pub fn with_window_bits(level: u32, bits: u8) -> Self {
        let window_bits = bits.clamp(9, 15);
        let level = level.min(9);
        Deflater {
            stream: Compress::new_with_window_bits(Compression::new(level), false, window_bits),
            window_bits,
            level,
            takeover: false,
        }
    }

    /// Messages with context takeover at `level`, 32 KiB window.
    pub fn context_takeover(level: u32) -> Self {
        Deflater {
            takeover: true,
            ..Deflater::new(level)
        }
    }

    pub(crate) fn window_bits(&self) -> u8 {
        self.window_bits
    }

    pub(crate) fn level(&self) -> u32 {
        self.level
    }

    /// The message's compressed payload (RFC 7692 7.2.1: raw deflate, sync
    /// flushed, the trailing `00 00 ff ff` removed). `None` only if the
    /// compressor fails, which zlib does not do on valid use; a
    /// context-takeover stream is unusable after that.
    pub fn compress(&mut self, payload: &[u8]) -> Option<Bytes> {
        let mut out = Vec::new();
        self.compress_into(payload, &mut out)?;
        Some(Bytes::from(out))
    }

    /// A whole server frame (FIN, RSV1) carrying the compressed message.
    pub fn compressed_frame(&mut self, opcode: OpCode, payload: &[u8]) -> Option<Bytes> {
        let mut out = vec![0; FRAME_ROOM];
        self.compress_into(payload, &mut out)?;
        Some(frame_in_place(out, true, opcode))
    }

    /// Appends the compressed message to `out`.
    pub fn compress_into(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Option<()> {
        if !self.takeover {
            self.stream.reset();
        }
        deflate_message(&mut self.stream, payload, out)
    }
}

/// Compresses one message onto `stream` as RFC 7692 7.2.1 wants it (raw
/// deflate, sync flushed, the trailing `00 00 ff ff` removed), appending to
/// `out`.
fn deflate_message(stream: &mut Compress, payload: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let start = out.len();
    let base_in = stream.total_in();
    out.reserve(payload.len() / 2 + 64);
    loop {
        let done = (stream.total_in() - base_in) as usize;
        let rest = payload.get(done..).unwrap_or_default();
        stream.compress_vec(rest, out, FlushCompress::Sync).ok()?;
        let consumed = (stream.total_in() - base_in) as usize >= payload.len();
        if consumed && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
    if out.len() >= start + 4 && out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    }
    Some(())
}
