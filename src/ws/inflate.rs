//! Inflating permessage-deflate messages (RFC 7692 7.2.2), with a hard cap
//! on the output so a deflate bomb ends at the message limit.

use std::cell::RefCell;

use flate2::{Decompress, FlushDecompress, Status};

use super::WsError;

/// The empty stored block a sender strips from each message's end; the
/// receiver appends it back before inflating the last fragment.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// One peer's inflate stream. With context takeover it lives across
/// messages (the peer's back-references reach into earlier ones); without,
/// it is reset after each message.
pub struct Inflater {
    stream: Decompress,
    reset_per_message: bool,
    /// The peer ended the stream with a BFINAL block: the rest of this
    /// message (the appended tail) is ignored and the next one starts fresh.
    ended: bool,
}

impl Inflater {
    /// Always a 32 KiB window: it inflates data made with any smaller one.
    pub fn new(reset_per_message: bool) -> Self {
        Inflater {
            stream: Decompress::new_with_window_bits(false, 15),
            reset_per_message,
            ended: false,
        }
    }

    /// Inflates one frame's payload, appending to `out`; fails when `out`
    /// would grow past `limit` bytes.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), WsError> {
        let mut pos = 0;
        while !self.ended {
            if out.len() == out.capacity() {
                let room = limit.saturating_add(1).saturating_sub(out.len());
                if room == 0 {
                    return Err(WsError::MessageTooBig { limit });
                }
                out.reserve_exact(room.min(out.len().max(input.len() * 2).max(4096)));
            }
            let rest = input.get(pos..).unwrap_or_default();
            let (pos_before, out_before) = (pos, out.len());
            let in_before = self.stream.total_in();
            let status = self
                .stream
                .decompress_vec(rest, out, FlushDecompress::None)
                .map_err(|_| WsError::InflateFailed)?;
            pos += (self.stream.total_in() - in_before) as usize;
            if out.len() > limit {
                return Err(WsError::MessageTooBig { limit });
            }
            let progressed = pos != pos_before || out.len() != out_before;
            match status {
                Status::StreamEnd => self.ended = true,
                // All input taken and nothing left to write out.
                _ if pos >= input.len() && (out.len() < out.capacity() || !progressed) => break,
                // Input left, room to write, and still no progress: zlib
                // does not do this on valid data; stop rather than spin.
                _ if !progressed => return Err(WsError::InflateFailed),
                _ => {}
            }
        }
        Ok(())
    }

    /// Ends a message: feeds the stripped tail, then resets when the peer
    /// does not keep context (or ended its stream).
    pub fn finish(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), WsError> {
        self.feed(&TAIL, out, limit)?;
        if self.reset_per_message || self.ended {
            self.reset();
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.stream.reset(false);
        self.ended = false;
    }
}

thread_local! {
    /// Inflates the messages of every peer that compresses without context
    /// takeover, one whole message at a time: such a peer's connection then
    /// holds no 32 KiB window of its own, however often it compresses.
    static SHARED: RefCell<Inflater> = RefCell::new(Inflater::new(true));
}

/// Inflates one whole message (every frame's payload, joined) that was
/// compressed without context takeover, with this thread's inflater;
/// appends to `out`, failing past `limit` bytes.
pub fn inflate_message(input: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), WsError> {
    SHARED.with(|cell| {
        let mut inflater = cell.borrow_mut();
        let result = inflater
            .feed(input, out, limit)
            .and_then(|()| inflater.finish(out, limit));
        if result.is_err() {
            // The next message must not start inside this one's stream.
            inflater.reset();
        }
        result
    })
}
