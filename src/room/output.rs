//! One broadcast message of a room, in every form a member may need.

use std::cell::RefCell;
use std::sync::OnceLock;

use bytes::Bytes;

use super::StreamFrame;
use crate::ws::{COMPRESS_THRESHOLD, DeflateConfig, Deflater, OpCode, encode_frame};

const TEXT: OpCode = OpCode::Data(crate::ws::Data::Text);

/// A room's output for one tick: a message built once for every member.
#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    /// Latest-wins kind: a slow member's unwritten message of the same kind
    /// is replaced by this one.
    pub kind: u8,
    /// The Engine.IO packet (`42[...]`), as polling members get it.
    pub packet: Bytes,
    /// Whole unmasked frame (FIN, text) for members without deflate, and
    /// for every member when the packet is under the compression threshold.
    pub plain: Bytes,
    /// Whole unmasked frame (FIN, RSV1, text), compressed on its own with a
    /// 32 KiB window: made at once, or when a member first needs it
    /// ([`Output::standalone`]).
    standalone: OnceLock<Option<Bytes>>,
    /// The standalone frame's level, for making it on first need.
    level: u32,
    /// The same message on its room's compression stream, for members in
    /// step with it (see [`super::StreamCursor`]).
    pub stream: Option<StreamFrame>,
    /// When it was built: a broadcast round's start, for `/metrics`.
    pub born: std::time::Instant,
}

thread_local! {
    /// Compresses the standalone frames made on first need. Standalone
    /// frames share no context, so one deflater per thread serves them all.
    static LAZY_DEFLATER: RefCell<Option<Deflater>> = const { RefCell::new(None) };
}

impl Output {
    /// A message not on any stream, its standalone frame compressed at
    /// once with `deflater` (a standalone one).
    pub fn standalone_only(kind: u8, packet: Bytes, deflater: &mut Deflater) -> Self {
        // A narrower deflater's frames would suit only its own client; the
        // shared variant is always made with the full window.
        let standalone = if packet.len() > COMPRESS_THRESHOLD && deflater.window_bits() == 15 {
            deflater.compressed_frame(TEXT, &packet)
        } else {
            None
        };
        Output {
            kind,
            plain: encode_frame(TEXT, &packet),
            packet,
            standalone: OnceLock::from(standalone),
            level: deflater.level(),
            stream: None,
            born: std::time::Instant::now(),
        }
    }

    /// A message whose standalone frame is made only when a member first
    /// needs it (at `level`): a room's members in step with its stream
    /// never do.
    pub(super) fn deferred(kind: u8, packet: Bytes, level: u32) -> Self {
        Output {
            kind,
            plain: encode_frame(TEXT, &packet),
            standalone: if packet.len() > COMPRESS_THRESHOLD {
                OnceLock::new()
            } else {
                OnceLock::from(None)
            },
            packet,
            level,
            stream: None,
            born: std::time::Instant::now(),
        }
    }

    /// A message built elsewhere (by an origin, relayed to this edge), from
    /// its frames: `plain` is a whole text frame whose payload is the
    /// packet; `standalone`, when given, is its compressed form. Nothing is
    /// compressed here: without a standalone frame, members out of step
    /// with the stream get the plain one.
    pub fn relayed(
        kind: u8,
        plain: Bytes,
        standalone: Option<Bytes>,
        stream: Option<StreamFrame>,
    ) -> Self {
        let header = crate::ws::FrameHeader::parse(&plain)
            .ok()
            .flatten()
            .map_or(0, |h| h.header_len);
        Output {
            kind,
            packet: plain.slice(header.min(plain.len())..),
            plain,
            standalone: OnceLock::from(standalone),
            level: 0,
            stream,
            born: std::time::Instant::now(),
        }
    }

    /// Whether deflate members get it compressed (it is over
    /// [`COMPRESS_THRESHOLD`]).
    pub fn compresses(&self) -> bool {
        match self.standalone.get() {
            Some(d) => d.is_some(),
            None => true,
        }
    }

    /// The standalone compressed frame, made now if it was deferred.
    pub fn standalone(&self) -> Option<&Bytes> {
        self.standalone
            .get_or_init(|| {
                LAZY_DEFLATER.with(|d| {
                    let mut d = d.borrow_mut();
                    let deflater = match &mut *d {
                        Some(z) if z.level() == self.level => z,
                        other => other.insert(Deflater::new(self.level)),
                    };
                    deflater.compressed_frame(TEXT, &self.packet)
                })
            })
            .as_ref()
    }

    /// Whether the standalone compressed frame exists yet.
    #[cfg(test)]
    pub(crate) fn standalone_made(&self) -> bool {
        self.standalone.get().is_some_and(Option::is_some)
    }

    /// The frame for a member with that deflate agreement that is not in
    /// step with the room's stream: the standalone compressed one when it
    /// exists and the member inflates with a full 32 KiB window, the plain
    /// one otherwise.
    pub fn frame_for(&self, deflate: Option<&DeflateConfig>) -> &Bytes {
        match deflate {
            Some(cfg) if cfg.server_max_window_bits == 15 => {
                self.standalone().unwrap_or(&self.plain)
            }
            _ => &self.plain,
        }
    }
}
