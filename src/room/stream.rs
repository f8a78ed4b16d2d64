//! A room's compression stream: one permessage-deflate stream with context
//! takeover per room, whose frames any member in step can inflate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::{Levels, Output};
use crate::ws::{Deflater, OpCode};

const TEXT: OpCode = OpCode::Data(crate::ws::Data::Text);

/// Tells streams apart, so a cursor never matches a different room's stream.
static NEXT_STREAM_ID: AtomicU64 = AtomicU64::new(1);

/// A stream id no stream of this process has: for streams built
/// elsewhere (an origin's, relayed to an edge), so a cursor never takes one
/// for another.
pub fn fresh_stream_id() -> u64 {
    NEXT_STREAM_ID.fetch_add(1, Ordering::Relaxed)
}

/// A message's frame on a room stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFrame {
    /// Which stream (unique in the process).
    pub stream: u64,
    /// Position on the stream, from 0.
    pub seq: u64,
    /// Length of the uncompressed message (what it adds to a member's window).
    pub len: usize,
    /// Whole unmasked frame (FIN, RSV1, text).
    pub frame: Bytes,
}

/// One room's context-takeover compressor.
pub struct RoomStream {
    id: u64,
    next_seq: u64,
    deflater: Deflater,
    levels: Levels,
}

impl Default for RoomStream {
    fn default() -> Self {
        RoomStream::new(Levels::default())
    }
}

impl RoomStream {
    /// A new stream: no member is in step with it until it gets its first
    /// frame.
    pub fn new(levels: Levels) -> Self {
        RoomStream {
            id: fresh_stream_id(),
            next_seq: 0,
            deflater: Deflater::context_takeover(levels.stream),
            levels,
        }
    }

    /// Builds a message's output once for the whole room: the plain frame,
    /// and over the compression threshold the frame on this stream (the
    /// standalone compressed frame is made when a member out of step first
    /// needs it). `kind`: the message's latest-wins kind.
    pub fn output(&mut self, kind: u8, packet: Bytes) -> Arc<Output> {
        let mut out = Output::deferred(kind, packet, self.levels.standalone);
        if out.compresses() {
            out.stream = self.compress(&out.packet);
        }
        Arc::new(out)
    }

    fn compress(&mut self, payload: &[u8]) -> Option<StreamFrame> {
        let Some(frame) = self.deflater.compressed_frame(TEXT, payload) else {
            // The stream's state is unknown now: start a new one, which no
            // cursor is in step with.
            *self = RoomStream::new(self.levels);
            return None;
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        Some(StreamFrame {
            stream: self.id,
            seq,
            len: payload.len(),
            frame,
        })
    }
}
