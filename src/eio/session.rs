//! One Engine.IO session: its transport, upgrade, heartbeat and polling buffer.

use std::collections::VecDeque;

use bytes::Bytes;

use super::ConnId;
use super::packet::{PacketType, encode_binary_polling, encode_text};
use super::payload::encode_payload;

/// An outgoing packet, kept unencoded for the transport until it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A text packet, already encoded: type digit first (`42[...]`).
    Text(Bytes),
    /// A binary message's raw bytes.
    Binary(Bytes),
}

impl Outgoing {
    fn len(&self) -> usize {
        match self {
            Outgoing::Text(b) | Outgoing::Binary(b) => b.len(),
        }
    }

    fn polling_record(&self) -> Bytes {
        match self {
            Outgoing::Text(b) => b.clone(),
            Outgoing::Binary(b) => encode_binary_polling(b),
        }
    }
}

/// Latest-wins packets polling buffers handed to a poll, and replaced
/// unsent by a newer one (for `/metrics`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LatestCounts {
    /// Handed to a poll's response.
    pub sent: u64,
    /// Replaced while waiting.
    pub replaced: u64,
}

/// A packet waiting in a polling session's buffer.
#[derive(Debug)]
pub(super) struct Queued {
    /// `Some(kind)`: a newer packet of the same kind replaces this one.
    pub latest: Option<u8>,
    pub packet: Outgoing,
}

/// The transport currently carrying the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Carrier {
    /// Long-polling; `parked` is the connection of the GET held open, if any.
    Polling {
        parked: Option<ConnId>,
    },
    WebSocket {
        conn: ConnId,
    },
}

/// An upgrade in progress: a WebSocket was opened with this session's sid.
#[derive(Debug, Clone, Copy)]
pub(super) struct Upgrade {
    pub conn: ConnId,
    /// `2probe` was answered with `3probe`.
    pub probed: bool,
    pub deadline: u64,
    /// When a poll held during the probed upgrade is released with a noop.
    pub release_at: Option<u64>,
}

#[derive(Debug)]
pub(super) struct Session {
    pub sid: String,
    pub carrier: Carrier,
    pub upgrade: Option<Upgrade>,
    /// Packets for the next poll (polling only).
    pub queue: VecDeque<Queued>,
    /// Bytes in `queue`.
    pub queued_bytes: usize,
    /// When to send the next ping (while no pong is awaited).
    pub next_ping_at: u64,
    /// The pong must arrive before this.
    pub pong_deadline: Option<u64>,
    /// Set once the server closed a polling session with no poll to carry the
    /// close packet: the session waits until then for one, then vanishes.
    pub closing_deadline: Option<u64>,
    /// The deadline this session has in the engine's timer heap, if any.
    pub armed: Option<u64>,
}

impl Session {
    pub fn new(sid: String, carrier: Carrier, next_ping_at: u64) -> Self {
        Session {
            sid,
            carrier,
            upgrade: None,
            queue: VecDeque::new(),
            queued_bytes: 0,
            next_ping_at,
            pong_deadline: None,
            closing_deadline: None,
            armed: None,
        }
    }

    /// The earliest moment this session needs the timer.
    pub fn deadline(&self) -> u64 {
        if let Some(d) = self.closing_deadline {
            return d;
        }
        let heartbeat = self.pong_deadline.unwrap_or(self.next_ping_at);
        match self.upgrade {
            Some(u) => heartbeat
                .min(u.deadline)
                .min(u.release_at.unwrap_or(u64::MAX)),
            None => heartbeat,
        }
    }

    pub fn push(&mut self, latest: Option<u8>, packet: Outgoing, counts: &mut LatestCounts) {
        if let Some(kind) = latest {
            let mut freed = 0;
            self.queue.retain(|q| {
                let keep = q.latest != Some(kind);
                if !keep {
                    freed += q.packet.len();
                    counts.replaced += 1;
                }
                keep
            });
            self.queued_bytes -= freed;
        }
        self.queued_bytes += packet.len();
        self.queue.push_back(Queued { latest, packet });
    }

    /// Answers the held poll, if any, so the client can pause polling during
    /// an upgrade: with the buffered packets, or a noop when there are none.
    /// Returns the poll's connection and the body to send it.
    pub fn release_parked_poll(&mut self, counts: &mut LatestCounts) -> Option<(ConnId, Bytes)> {
        let Carrier::Polling { parked: Some(poll) } = self.carrier else {
            return None;
        };
        let body = if self.queue.is_empty() {
            encode_text(PacketType::Noop, b"")
        } else {
            self.drain_payload(None, counts)
        };
        self.carrier = Carrier::Polling { parked: None };
        Some((poll, body))
    }

    /// Empties the buffer into one polling payload, `tail` appended.
    pub fn drain_payload(&mut self, tail: Option<Bytes>, counts: &mut LatestCounts) -> Bytes {
        self.queued_bytes = 0;
        let records: Vec<Bytes> = self
            .queue
            .drain(..)
            .map(|q| {
                counts.sent += u64::from(q.latest.is_some());
                q.packet.polling_record()
            })
            .chain(tail)
            .collect();
        encode_payload(records.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_replaces_older_of_same_kind_only() {
        let mut s = Session::new("x".into(), Carrier::Polling { parked: None }, 0);
        let mut n = LatestCounts::default();
        s.push(Some(1), Outgoing::Text(Bytes::from_static(b"4old")), &mut n);
        s.push(None, Outgoing::Text(Bytes::from_static(b"4mid")), &mut n);
        s.push(
            Some(2),
            Outgoing::Text(Bytes::from_static(b"4other")),
            &mut n,
        );
        s.push(Some(1), Outgoing::Text(Bytes::from_static(b"4new")), &mut n);
        s.push(
            None,
            Outgoing::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            &mut n,
        );
        assert_eq!(
            &s.drain_payload(Some(Bytes::from_static(b"1")), &mut n)[..],
            b"4mid\x1e4other\x1e4new\x1ebAQIDBA==\x1e1"
        );
        assert_eq!(
            n,
            LatestCounts {
                sent: 2,
                replaced: 1
            }
        );
        assert!(s.queue.is_empty());
        assert_eq!(s.queued_bytes, 0);
    }

    #[test]
    fn queued_bytes_follow_replacements() {
        let mut s = Session::new("x".into(), Carrier::Polling { parked: None }, 0);
        let n = &mut LatestCounts::default();
        s.push(Some(1), Outgoing::Text(Bytes::from_static(b"4aaaa")), n);
        s.push(None, Outgoing::Binary(Bytes::from_static(&[1, 2])), n);
        assert_eq!(s.queued_bytes, 7);
        s.push(Some(1), Outgoing::Text(Bytes::from_static(b"4b")), n);
        assert_eq!(s.queued_bytes, 4);
    }

    #[test]
    fn deadline_is_earliest_duty() {
        let mut s = Session::new("x".into(), Carrier::Polling { parked: None }, 100);
        assert_eq!(s.deadline(), 100);
        s.pong_deadline = Some(150);
        assert_eq!(s.deadline(), 150);
        s.upgrade = Some(Upgrade {
            conn: crate::net::ConnId::new(1),
            probed: false,
            deadline: 120,
            release_at: None,
        });
        assert_eq!(s.deadline(), 120);
        s.closing_deadline = Some(500);
        assert_eq!(s.deadline(), 500);
    }
}
