//! Which frame of a room's output one member gets.
//!
//! A member inflates with context takeover: its window is the last 32 KiB
//! of what it inflated so far, whichever frames carried it (uncompressed
//! frames never enter it). A member whose window holds exactly the room
//! stream's recent history — it got the stream's previous messages, in
//! order, covering the whole window (or everything since the stream began)
//! — can take the stream frame. Any other member gets the standalone frame.

use bytes::Bytes;

use super::Output;
use crate::ws::DeflateConfig;

/// How far back a 15-bit deflate stream may refer.
const WINDOW: usize = 1 << 15;

/// What one member's inflater window holds of a room stream: the run of
/// the stream's messages it received last, in order.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StreamCursor {
    /// `None`: the window holds no known run.
    run: Option<Run>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    stream: u64,
    first: u64,
    last: u64,
    bytes: usize,
}

impl StreamCursor {
    /// The frame to queue for `msg` on a connection that agreed `deflate`,
    /// and the cursor moved past it. Call it when the frame is queued for
    /// certain, in the order frames are written: if it is later dropped
    /// unsent, or another compressed message goes out, call
    /// [`Self::reset`].
    pub fn pick<'a>(&mut self, msg: &'a Output, deflate: Option<&DeflateConfig>) -> &'a Bytes {
        let Some(cfg) = deflate.filter(|_| msg.compresses()) else {
            // Uncompressed frames do not touch the member's window.
            return &msg.plain;
        };
        let Some(sf) = &msg.stream else {
            self.run = None;
            return msg.frame_for(Some(cfg));
        };
        let keeps_window = cfg.server_max_window_bits == 15 && !cfg.server_no_context_takeover;
        if !keeps_window {
            self.run = None;
            return msg.frame_for(Some(cfg));
        }
        let continued = match self.run {
            Some(r) if r.stream == sf.stream && r.last.checked_add(1) == Some(sf.seq) => Some(r),
            _ => None,
        };
        let frame = match continued {
            Some(r) if r.first == 0 || r.bytes >= WINDOW => &sf.frame,
            // The stream's first frame refers to nothing before it.
            None if sf.seq == 0 => &sf.frame,
            _ => match msg.standalone() {
                Some(d) => d,
                None => {
                    self.run = None;
                    return &msg.plain;
                }
            },
        };
        self.run = Some(match continued {
            Some(r) => Run {
                last: sf.seq,
                bytes: r.bytes.saturating_add(sf.len),
                ..r
            },
            None => Run {
                stream: sf.stream,
                first: sf.seq,
                last: sf.seq,
                bytes: sf.len,
            },
        });
        frame
    }

    /// The window no longer holds the run: a picked frame was dropped
    /// unsent, or another compressed message went to the member.
    pub fn reset(&mut self) {
        self.run = None;
    }
}
