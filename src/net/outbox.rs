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

/// The queue grew past its byte limit: the peer does not read fast enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    pub(crate) queued: usize,
    pub(crate) limit: usize,
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
    /// Latest-wins frames written whole, and replaced unwritten, since
    /// [`Outbox::take_counts`].
    written: u32,
    replaced: u32,
}

impl Outbox {
    /// Nothing is queued for the socket.
    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    pub(crate) fn queued_bytes(&self) -> usize {
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
                self.replaced += 1;
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
                self.replaced += 1;
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

    /// Whether a latest-wins frame of `kind` is queued and not yet started
    /// (the next one of that kind drops it). A broadcast's frame is chosen
    /// by what the client received before, so whoever queues one asks this
    /// first: a frame about to be dropped was never received.
    pub fn has_unwritten_latest(&self, kind: u8) -> bool {
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

    /// Fills `slices` with the queued chunks in order, `max_bytes` at most
    /// in all (the last one cut short to fit); returns how many.
    pub fn io_slices<'a>(&'a self, slices: &mut [IoSlice<'a>], max_bytes: usize) -> usize {
        let (mut n, mut left) = (0, max_bytes);
        for (slot, chunk) in slices.iter_mut().zip(self.chunks.iter()) {
            if left == 0 {
                break;
            }
            let take = chunk.bytes.len().min(left);
            *slot = IoSlice::new(chunk.bytes.get(..take).unwrap_or_default());
            left -= take;
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
                self.written += 1;
            }
            self.chunks.pop_front();
            self.front_started = false;
        }
        if self.chunks.is_empty() {
            // An idle connection keeps no queue memory.
            self.chunks = VecDeque::new();
        }
    }

    /// Latest-wins frames queued and not yet written whole.
    pub fn latest_pending(&self) -> usize {
        self.latest
    }

    /// Latest-wins frames written whole and replaced unwritten since the
    /// last call.
    pub fn take_counts(&mut self) -> (u32, u32) {
        (
            std::mem::take(&mut self.written),
            std::mem::take(&mut self.replaced),
        )
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
    fn an_unwritten_latest_frame_is_reported_until_it_is_started() {
        let mut o = Outbox::default();
        assert!(!o.has_unwritten_latest(1));
        o.push_latest(1, Bytes::from_static(b"old!"), LIMIT)
            .unwrap();
        assert!(o.has_unwritten_latest(1));
        assert!(!o.has_unwritten_latest(2));
        o.consume(1);
        assert!(!o.has_unwritten_latest(1), "being written: it will arrive");
        o.consume(3);
        assert!(!o.has_unwritten_latest(1));
    }

    #[test]
    fn written_and_replaced_latest_frames_are_counted() {
        let mut o = Outbox::default();
        o.push_latest(1, Bytes::from_static(b"a"), LIMIT).unwrap();
        o.push_latest(1, Bytes::from_static(b"b"), LIMIT).unwrap();
        o.push(Bytes::from_static(b"x"), LIMIT).unwrap();
        o.push_latest(1, Bytes::from_static(b"c"), LIMIT).unwrap();
        assert_eq!(o.latest_pending(), 1);
        assert_eq!(o.take_counts(), (0, 2));
        drain(&mut o);
        assert_eq!(o.take_counts(), (1, 0));
        assert_eq!(o.latest_pending(), 0);
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
        assert_eq!(o.io_slices(&mut s, usize::MAX), 3);
        assert_eq!(o.io_slices(&mut s[..2], usize::MAX), 2);
        // At most 4 bytes: "abc" and the "d" of "de".
        assert_eq!(o.io_slices(&mut s, 4), 2);
        assert_eq!((&*s[0], &*s[1]), (&b"abc"[..], &b"d"[..]));
        assert_eq!(o.io_slices(&mut s, 3), 1);
        assert_eq!(o.io_slices(&mut s, 0), 0);
        o.consume(4);
        assert_eq!(o.front(), Some(&b"e"[..]));
        assert_eq!(o.queued_bytes(), 2);
        assert_eq!(drain(&mut o), b"ef");
    }
}
