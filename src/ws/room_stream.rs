//! A room's shared compression stream: one permessage-deflate stream with
//! context takeover per room, whose frames any in-step client can inflate.
//!
//! A client inflates with context takeover: its window is the last 32 KiB of
//! what it inflated so far, whichever frames carried it (uncompressed frames
//! never enter it). A room compresses each broadcast once onto its own stream
//! and, only if some client needs it, once standalone. A client whose window holds exactly the stream's
//! recent history — it got the stream's previous messages, in order, covering
//! the whole window (or everything since the stream began) — can take the
//! stream frame, which refers back into those messages and is several times
//! smaller. Any other client (late joiner, a frame dropped because it was
//! slow, another compressed message in between, a narrower window) gets the
//! standalone frame, which also puts the message into its window, so after
//! enough in-order messages it is back in step. [`StreamCursor`] is that
//! bookkeeping for one connection.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use flate2::{Compress, Compression};

use super::deflate::deflate_message;
use super::frame::{FRAME_ROOM, TEXT, frame_in_place};
use super::{DeflateConfig, OutMessage};

/// How far back a 15-bit deflate stream may refer.
const WINDOW: usize = 1 << 15;

/// The stream's compression level. Consecutive states differ in a few
/// fields, so nearly every message is one long match into the previous one;
/// level 9's longer match search finds it where level 3 (the reference's,
/// still used for standalone frames) gives up. On game-01's 1,337 states
/// (17.0 KB each) the stream frames average 159 bytes at level 9 against 983
/// at level 3, for about the same CPU, and it runs once per room per tick.
const STREAM_LEVEL: u32 = 9;

/// Tells streams apart, so a cursor never matches a different room's stream.
static NEXT_STREAM_ID: AtomicU64 = AtomicU64::new(1);

/// A message's frame on a room stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFrame {
    pub stream: u64,
    /// Position on the stream, from 0.
    pub seq: u64,
    /// Length of the uncompressed message (what it adds to a client's window).
    pub len: usize,
    /// Whole unmasked frame (FIN, RSV1, text).
    pub frame: Bytes,
}

/// One room's context-takeover compressor.
pub struct RoomStream {
    id: u64,
    next_seq: u64,
    stream: Compress,
}

impl Default for RoomStream {
    fn default() -> Self {
        RoomStream::new()
    }
}

impl RoomStream {
    pub fn new() -> Self {
        RoomStream {
            id: NEXT_STREAM_ID.fetch_add(1, Ordering::Relaxed),
            next_seq: 0,
            stream: Compress::new_with_window_bits(Compression::new(STREAM_LEVEL), false, 15),
        }
    }

    /// Builds a text message's frames once for the whole room: plain, and
    /// over the compression threshold on the stream (the standalone
    /// compressed frame is made when a client out of step first needs it).
    pub fn text(&mut self, payload: Bytes) -> OutMessage {
        let mut msg = OutMessage::text_deferred(payload.clone());
        if msg.compresses() {
            msg.stream = self.compress(&payload);
        }
        msg
    }

    fn compress(&mut self, payload: &[u8]) -> Option<StreamFrame> {
        let mut out = vec![0; FRAME_ROOM];
        if deflate_message(&mut self.stream, payload, &mut out).is_none() {
            // The stream's state is unknown now: start a new one, which no
            // cursor is in step with.
            *self = RoomStream::new();
            return None;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        Some(StreamFrame {
            stream: self.id,
            seq,
            len: payload.len(),
            frame: frame_in_place(out, true, TEXT),
        })
    }
}

/// What one connection's inflater window holds of a room stream: the run of
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
    /// certain: if it is later dropped unsent, call [`Self::reset`].
    pub fn pick<'a>(&mut self, msg: &'a OutMessage, deflate: Option<&DeflateConfig>) -> &'a Bytes {
        let Some(cfg) = deflate.filter(|_| msg.compresses()) else {
            // Uncompressed frames do not touch the client's window.
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
            _ => match msg.deflated() {
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
    /// unsent, or another compressed message went to the client.
    pub fn reset(&mut self) {
        self.run = None;
    }
}

/// A frame's RSV1 bit: it carries a compressed message, which enters the
/// client's inflater window.
pub fn is_compressed(frame: &[u8]) -> bool {
    frame.first().is_some_and(|b| b & 0x40 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::Inflater;

    /// A client's side: a context-takeover inflater reading server frames.
    struct Client {
        inflater: Inflater,
        cursor: StreamCursor,
        cfg: DeflateConfig,
    }

    impl Client {
        fn new() -> Self {
            Client {
                inflater: Inflater::new(false),
                cursor: StreamCursor::default(),
                cfg: DeflateConfig::default(),
            }
        }

        /// Picks, "sends" and inflates; returns the text and whether the
        /// stream frame was used.
        fn receive(&mut self, msg: &OutMessage) -> (Vec<u8>, bool) {
            let frame = self.cursor.pick(msg, Some(&self.cfg)).clone();
            let used_stream = msg
                .stream
                .as_ref()
                .is_some_and(|s| s.frame.as_ptr() == frame.as_ptr());
            (self.read(&frame), used_stream)
        }

        fn read(&mut self, frame: &[u8]) -> Vec<u8> {
            let (rsv1, payload) = split(frame);
            if !rsv1 {
                return payload.to_vec();
            }
            let mut out = Vec::new();
            self.inflater.feed(payload, &mut out, 1 << 24).unwrap();
            self.inflater.finish(&mut out, 1 << 24).unwrap();
            out
        }
    }

    /// Header and payload of an unmasked server frame.
    fn split(frame: &[u8]) -> (bool, &[u8]) {
        let rsv1 = is_compressed(frame);
        let len7 = frame[1] & 0x7f;
        let start = match len7 {
            126 => 4,
            127 => 10,
            _ => 2,
        };
        (rsv1, &frame[start..])
    }

    /// A `match_data`-like state: the same hard-to-compress JSON every
    /// time (names and ids that look random), a few numbers changing.
    fn state(i: u32) -> Vec<u8> {
        let mut seed = 0x2545_f491_u32;
        let mut token = move || {
            (0..12)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    char::from(b'a' + (seed % 26) as u8)
                })
                .collect::<String>()
        };
        let mut s = String::from("42[\"match_data\",\"{");
        for p in 0..120 {
            s.push_str(&format!(
                "\\\"{}\\\":{{\\\"id\\\":\\\"{}\\\",\\\"kills\\\":{},\\\"money\\\":{}}},",
                token(),
                token(),
                (p + i) % 30,
                (p * 50 + i * 7) % 9000
            ));
        }
        s.push_str(&format!("\\\"round\\\":{i}}}\"]"));
        s.into_bytes()
    }

    #[test]
    fn in_step_client_takes_the_stream_frames_and_inflates_every_state() {
        let mut room = RoomStream::new();
        let mut client = Client::new();
        for i in 0..20 {
            let msg = room.text(state(i).into());
            let (text, used_stream) = client.receive(&msg);
            assert_eq!(text, state(i), "message {i}");
            // joined before the first message: in step from it on
            assert!(used_stream, "message {i}");
            assert!(
                !msg.deflated_made(),
                "no standalone frame is made while every client is in step"
            );
        }
    }

    #[test]
    fn stream_frames_are_much_smaller_than_standalone_ones() {
        let mut room = RoomStream::new();
        let first = room.text(state(0).into());
        let second = room.text(state(1).into());
        let stream = second.stream.as_ref().unwrap().frame.len();
        let standalone = second.deflated().unwrap().len();
        assert!(first.stream.is_some());
        assert!(
            stream * 3 < standalone,
            "stream {stream} vs standalone {standalone}"
        );
    }

    #[test]
    fn late_joiner_gets_standalone_frames_until_its_window_matches() {
        let mut room = RoomStream::new();
        let mut early = Client::new();
        let mut late = Client::new();
        // the late client's window already holds unrelated compressed data
        let mut other = crate::ws::Deflater::new();
        let noise: Vec<u8> = (0..5000u32).flat_map(|i| i.to_le_bytes()).collect();
        late.read(OutMessage::text(&noise, &mut other).deflated().unwrap());
        let mut used = Vec::new();
        for i in 0..10 {
            let msg = room.text(state(i).into());
            early.receive(&msg);
            if i >= 3 {
                let (text, used_stream) = late.receive(&msg);
                assert_eq!(text, state(i));
                used.push(used_stream);
            }
        }
        let per_state = state(0).len();
        let needed = WINDOW.div_ceil(per_state);
        // standalone until the run covers the window, then the stream
        assert!(used[..needed].iter().all(|u| !u), "{used:?}");
        assert!(used[needed..].iter().all(|u| *u), "{used:?}");
    }

    #[test]
    fn a_dropped_frame_sends_the_client_back_to_standalone_frames() {
        let mut room = RoomStream::new();
        let mut client = Client::new();
        for i in 0..3 {
            client.receive(&room.text(state(i).into()));
        }
        // picked, then dropped unwritten by latest-wins
        let dropped = room.text(state(3).into());
        client.cursor.pick(&dropped, Some(&client.cfg));
        client.cursor.reset();
        let (text, used_stream) = client.receive(&room.text(state(4).into()));
        assert_eq!(text, state(4));
        assert!(!used_stream);
        for i in 5..12 {
            let (text, _) = client.receive(&room.text(state(i).into()));
            assert_eq!(text, state(i));
        }
        let (_, used_stream) = client.receive(&room.text(state(12).into()));
        assert!(used_stream);
    }

    #[test]
    fn a_skipped_message_is_never_bridged_by_a_stream_frame() {
        let mut room = RoomStream::new();
        let mut client = Client::new();
        for i in 0..6 {
            client.receive(&room.text(state(i).into()));
        }
        let _missed = room.text(state(6).into());
        let (text, used_stream) = client.receive(&room.text(state(7).into()));
        assert_eq!(text, state(7));
        assert!(!used_stream);
    }

    #[test]
    fn narrow_or_resetting_windows_never_get_stream_frames() {
        let mut room = RoomStream::new();
        let mut narrow = Client::new();
        narrow.cfg.server_max_window_bits = 12;
        let mut resetting = Client::new();
        resetting.inflater = Inflater::new(true);
        resetting.cfg.server_no_context_takeover = true;
        for i in 0..6 {
            let msg = room.text(state(i).into());
            let (text, used) = narrow.receive(&msg);
            assert_eq!(text, state(i));
            assert!(!used);
            let (text, used) = resetting.receive(&msg);
            assert_eq!(text, state(i));
            assert!(!used);
        }
    }

    #[test]
    fn another_rooms_stream_does_not_continue_a_run() {
        let mut a = RoomStream::new();
        let mut b = RoomStream::new();
        let mut client = Client::new();
        for i in 0..4 {
            client.receive(&a.text(state(i).into()));
        }
        // (b's first frame would do: it refers to nothing before it.)
        let _ = b.text(state(99).into());
        let (text, used_stream) = client.receive(&b.text(state(100).into()));
        assert_eq!(text, state(100));
        assert!(!used_stream);
    }

    #[test]
    fn small_messages_stay_plain_and_leave_the_run_alone() {
        let mut room = RoomStream::new();
        let mut client = Client::new();
        client.receive(&room.text(state(0).into()));
        let small = room.text(Bytes::from_static(b"42[\"x\"]"));
        assert!(!small.compresses() && small.stream.is_none());
        assert_eq!(client.receive(&small), (b"42[\"x\"]".to_vec(), false));
        let (text, used_stream) = client.receive(&room.text(state(1).into()));
        assert_eq!(text, state(1));
        assert!(used_stream);
    }

    #[test]
    fn clients_without_deflate_get_the_plain_frame() {
        let mut room = RoomStream::new();
        let msg = room.text(state(0).into());
        let mut cursor = StreamCursor::default();
        assert_eq!(cursor.pick(&msg, None), &msg.plain);
    }
}
