//! A connection's outbound queue: ordered chunks plus latest-wins broadcast
//! frames, bounded in bytes.
//!
//! Broadcast frames (`match_data`) carry a whole state, so a client that is
//! behind only needs the newest one: queueing a "latest" frame of a kind drops
//! an unwritten older frame of the same kind. A chunk already partly written
//! is always finished, or the byte stream would be corrupt.

use bytes::{Buf, Bytes};
use std::collections::VecDeque;
use std::io::IoSlice;

use crate::ws::{self, DeflateConfig, OutMessage, StreamCursor};

/// The queue grew past its byte limit: the peer does not read fast enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    pub queued: usize,
    pub limit: usize,
}

/// One queued chunk; `kind` is set for latest-wins frames.
#[derive(Debug)]
struct Chunk {
    bytes: Bytes,
    kind: Option<u8>,
}

/// Outbound bytes of one connection. Empty, it owns no heap memory.
#[derive(Debug, Default)]
pub struct Outbox {
    chunks: VecDeque<Chunk>,
    /// Bytes still to write, over all chunks.
    queued: usize,
    /// How many queued chunks are latest-wins frames (skips the scan when 0).
    latest: usize,
    /// The front chunk has been partly written: it must not be replaced.
    front_started: bool,
    /// What the client's inflater window holds of a room compression stream.
    cursor: StreamCursor,
}

impl Outbox {
    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    pub fn queued_bytes(&self) -> usize {
        self.queued
    }

    /// Queues an ordered chunk.
    pub fn push(&mut self, bytes: Bytes, limit: usize) -> Result<(), Overflow> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.queued += bytes.len();
        self.chunks.push_back(Chunk { bytes, kind: None });
        self.check(limit)
    }

    /// Queues a latest-wins frame: an unwritten older frame of the same kind
    /// is dropped and the new one goes to the back of the queue, after
    /// everything queued before it.
    pub fn push_latest(&mut self, kind: u8, bytes: Bytes, limit: usize) -> Result<(), Overflow> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.latest > 0 {
            let skip = usize::from(self.front_started);
            // Common case for a slow reader: the older frame is the last
            // chunk; swap it in place.
            if self.chunks.len() > skip
                && let Some(last) = self.chunks.back_mut()
                && last.kind == Some(kind)
            {
                self.queued = self.queued - last.bytes.len() + bytes.len();
                last.bytes = bytes;
                return self.check(limit);
            }
            if let Some(pos) = self
                .chunks
                .iter()
                .skip(skip)
                .position(|c| c.kind == Some(kind))
                .map(|p| p + skip)
                && let Some(old) = self.chunks.remove(pos)
            {
                self.queued -= old.bytes.len();
                self.latest -= 1;
            }
        }
        self.queued += bytes.len();
        self.latest += 1;
        self.chunks.push_back(Chunk {
            bytes,
            kind: Some(kind),
        });
        self.check(limit)
    }

    /// Queues an ordered WebSocket frame. A compressed one enters the
    /// client's inflater window, which then no longer matches a room
    /// compression stream.
    pub fn push_frame(&mut self, frame: Bytes, limit: usize) -> Result<(), Overflow> {
        if ws::is_compressed(&frame) {
            self.cursor.reset();
        }
        self.push(frame, limit)
    }

    /// Queues a broadcast message latest-wins, as the frame the client can
    /// inflate: the room stream's when its window is in step, else the
    /// standalone or plain one. The choice is made here, as the message is
    /// queued, because only the queue knows whether the older message is
    /// being dropped unwritten (the client then misses it, and its window
    /// no longer matches the stream).
    pub fn push_message(
        &mut self,
        kind: u8,
        msg: &OutMessage,
        deflate: Option<&DeflateConfig>,
        limit: usize,
    ) -> Result<(), Overflow> {
        if self.has_unwritten_latest(kind) {
            self.cursor.reset();
        }
        let frame = self.cursor.pick(msg, deflate).clone();
        self.push_latest(kind, frame, limit)
    }

    /// Whether a latest-wins frame of `kind` is queued and not yet started
    /// (the next one of that kind drops it).
    fn has_unwritten_latest(&self, kind: u8) -> bool {
        self.latest > 0
            && self
                .chunks
                .iter()
                .skip(usize::from(self.front_started))
                .any(|c| c.kind == Some(kind))
    }

    fn check(&self, limit: usize) -> Result<(), Overflow> {
        if self.queued > limit {
            Err(Overflow {
                queued: self.queued,
                limit,
            })
        } else {
            Ok(())
        }
    }

    /// The next bytes to write, for a single `write`.
    pub fn front(&self) -> Option<&[u8]> {
        self.chunks.front().map(|c| c.bytes.as_ref())
    }

    /// Fills `slices` with the queued chunks in order; returns how many.
    pub fn io_slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for (slot, chunk) in slices.iter_mut().zip(self.chunks.iter()) {
            *slot = IoSlice::new(&chunk.bytes);
            n += 1;
        }
        n
    }

    /// Drops `n` written bytes from the front.
    pub fn consume(&mut self, mut n: usize) {
        self.queued -= n.min(self.queued);
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                break;
            };
            let len = front.bytes.len();
            if n < len {
                front.bytes.advance(n);
                self.front_started = true;
                return;
            }
            n -= len;
            if front.kind.is_some() {
                self.latest -= 1;
            }
            self.chunks.pop_front();
            self.front_started = false;
        }
        if self.chunks.is_empty() {
            // An idle connection keeps no queue memory.
            self.chunks = VecDeque::new();
        }
    }

    /// Drops everything queued (the connection is going away).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    fn drain(o: &mut Outbox) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(f) = o.front() {
            let f = f.to_vec();
            out.extend_from_slice(&f);
            o.consume(f.len());
        }
        out
    }

    #[test]
    fn ordered_chunks_come_out_in_order() {
        let mut o = Outbox::default();
        o.push(Bytes::from_static(b"ab"), LIMIT).unwrap();
        o.push(Bytes::from_static(b"cd"), LIMIT).unwrap();
        assert_eq!(o.queued_bytes(), 4);
        assert_eq!(drain(&mut o), b"abcd");
        assert!(o.is_empty());
    }

    #[test]
    fn newer_latest_frame_replaces_unwritten_older_one_and_goes_last() {
        let mut o = Outbox::default();
        o.push_latest(1, Bytes::from_static(b"old"), LIMIT).unwrap();
        o.push(Bytes::from_static(b"ev"), LIMIT).unwrap();
        o.push_latest(2, Bytes::from_static(b"other"), LIMIT)
            .unwrap();
        o.push_latest(1, Bytes::from_static(b"new"), LIMIT).unwrap();
        assert_eq!(o.queued_bytes(), 10);
        assert_eq!(drain(&mut o), b"evothernew");
    }

    #[test]
    fn partly_written_latest_frame_is_finished_first() {
        let mut o = Outbox::default();
        o.push_latest(1, Bytes::from_static(b"old!"), LIMIT)
            .unwrap();
        o.consume(2);
        o.push_latest(1, Bytes::from_static(b"new"), LIMIT).unwrap();
        assert_eq!(drain(&mut o), b"d!new");
        // and with a second unwritten one behind it, that one is replaced
        o.push_latest(1, Bytes::from_static(b"aaaa"), LIMIT)
            .unwrap();
        o.consume(1);
        o.push_latest(1, Bytes::from_static(b"bb"), LIMIT).unwrap();
        o.push_latest(1, Bytes::from_static(b"cc"), LIMIT).unwrap();
        assert_eq!(drain(&mut o), b"aaacc");
    }

    #[test]
    fn overflow_reports_the_limit() {
        let mut o = Outbox::default();
        o.push(Bytes::from_static(b"12345"), 8).unwrap();
        let err = o.push(Bytes::from_static(b"6789"), 8).unwrap_err();
        assert_eq!(
            err,
            Overflow {
                queued: 9,
                limit: 8
            }
        );
    }

    #[test]
    fn latest_frames_do_not_grow_past_one_per_kind() {
        let mut o = Outbox::default();
        for _ in 0..1000 {
            o.push_latest(7, Bytes::from(vec![0u8; 100]), 1000).unwrap();
        }
        assert_eq!(o.queued_bytes(), 100);
    }

    #[test]
    fn io_slices_and_consume_across_chunks() {
        let mut o = Outbox::default();
        o.push(Bytes::from_static(b"abc"), LIMIT).unwrap();
        o.push(Bytes::from_static(b"de"), LIMIT).unwrap();
        o.push(Bytes::from_static(b"f"), LIMIT).unwrap();
        let mut s = [IoSlice::new(&[]); 4];
        assert_eq!(o.io_slices(&mut s), 3);
        o.consume(4);
        assert_eq!(o.front(), Some(&b"e"[..]));
        assert_eq!(o.queued_bytes(), 2);
        assert_eq!(drain(&mut o), b"ef");
    }

    /// The client side: reads whole server frames off the written bytes and
    /// inflates them with one context-takeover window, as a browser does.
    struct Client {
        inflater: crate::ws::Inflater,
        bytes: Vec<u8>,
    }

    impl Client {
        fn read_all(&mut self, o: &mut Outbox) -> Vec<Vec<u8>> {
            self.bytes.extend(drain(o));
            let mut messages = Vec::new();
            while self.bytes.len() >= 2 {
                let (start, len) = match self.bytes[1] & 0x7f {
                    126 => (
                        4,
                        usize::from(u16::from_be_bytes([self.bytes[2], self.bytes[3]])),
                    ),
                    127 => (
                        10,
                        u64::from_be_bytes(self.bytes[2..10].try_into().unwrap()) as usize,
                    ),
                    n => (2, usize::from(n)),
                };
                let frame: Vec<u8> = self.bytes.drain(..start + len).collect();
                let payload = &frame[start..];
                if ws::is_compressed(&frame) {
                    let mut out = Vec::new();
                    self.inflater.feed(payload, &mut out, 1 << 24).unwrap();
                    self.inflater.finish(&mut out, 1 << 24).unwrap();
                    messages.push(out);
                } else {
                    messages.push(payload.to_vec());
                }
            }
            messages
        }
    }

    /// A 20 KB state: the same hard-to-compress text, one number changing.
    fn state(i: u32) -> Vec<u8> {
        let mut x = 0x9e37_79b9_u32;
        let mut s: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b'a' + (x % 26) as u8
            })
            .collect();
        s.extend_from_slice(format!("{i:08}").as_bytes());
        s
    }

    #[test]
    fn dropped_and_own_compressed_messages_never_break_the_clients_window() {
        let mut room = crate::ws::RoomStream::new();
        let cfg = DeflateConfig::default();
        let mut o = Outbox::default();
        let mut client = Client {
            inflater: crate::ws::Inflater::new(false),
            bytes: Vec::new(),
        };
        let mut sizes = Vec::new();
        for i in 0..30 {
            let msg = room.text(state(i).into());
            o.push_message(0, &msg, Some(&cfg), LIMIT).unwrap();
            if i % 7 == 3 {
                continue; // a slow moment: the next message drops this one
            }
            if i % 11 == 5 {
                // an ordered compressed message of the client's own
                let own = crate::ws::Deflater::new()
                    .compressed_frame(crate::ws::OpCode::Data(crate::ws::Data::Text), &state(99))
                    .unwrap();
                o.push_frame(own, LIMIT).unwrap();
            }
            sizes.push(o.queued_bytes());
            let got = client.read_all(&mut o);
            assert!(got.first() == Some(&state(i)), "message {i}");
            if i % 11 == 5 {
                assert!(
                    got.len() == 2 && got[1] == state(99),
                    "own message after {i}"
                );
            }
        }
        // In step most of the time: stream frames (a few dozen bytes) beside
        // standalone ones (kilobytes).
        let small = sizes.iter().filter(|&&n| n < 1000).count();
        assert!(small >= 10, "{sizes:?}");
        assert!(sizes.iter().any(|&n| n > 5000), "{sizes:?}");
    }
}
