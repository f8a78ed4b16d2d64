//! Several reactors serving one port. Each listens on it with
//! `SO_REUSEPORT`, so the kernel spreads new connections over them, and
//! each writes to its own connections: a room's broadcast is written by as
//! many threads as there are shards.
//!
//! An Engine.IO session lives in the shard that opened it, but its later
//! requests (polls, posts, the WebSocket upgrade) arrive on new connections
//! that the kernel may give to another shard. The session id names its
//! shard ([`shard_of_sid`]); a shard that reads a request for another
//! shard's session hands the whole connection, unread input included, to
//! that shard ([`super::Io::hand_over`]).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use crossbeam_channel::{Receiver, Sender};

use super::remote::Remote;
use super::stream::Stream;

/// A connection on its way to another shard.
pub struct Handover {
    pub(super) stream: Stream,
    pub(super) peer: SocketAddr,
    pub(super) input: Option<BytesMut>,
}

/// Every shard of a port, to hand connections to.
#[derive(Clone)]
pub struct Shards {
    links: Arc<[(Sender<Handover>, Remote)]>,
}

impl Shards {
    /// The shards, in order, from each one's remote; returns each shard's
    /// receiving end, in the same order.
    pub fn new(remotes: Vec<Remote>) -> (Self, Vec<Receiver<Handover>>) {
        let mut links = Vec::with_capacity(remotes.len());
        let mut inboxes = Vec::with_capacity(remotes.len());
        for remote in remotes {
            let (tx, rx) = crossbeam_channel::unbounded();
            links.push((tx, remote));
            inboxes.push(rx);
        }
        (
            Shards {
                links: links.into(),
            },
            inboxes,
        )
    }

    pub(crate) fn len(&self) -> usize {
        self.links.len()
    }

    /// There are no shards.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Sends the connection to shard `to` and wakes it; false when that
    /// shard is gone (the connection is then dropped).
    pub(super) fn send(&self, to: usize, h: Handover) -> bool {
        let Some((tx, remote)) = self.links.get(to) else {
            return false;
        };
        if tx.send(h).is_err() {
            return false;
        }
        remote.wake();
        true
    }
}

/// The first character of the session ids shard `index` makes.
pub fn sid_mark(index: usize) -> Option<char> {
    let i = u8::try_from(index).ok().filter(|i| *i < 26)?;
    Some(char::from(b'A' + i))
}

/// The shard (of `count`) whose session `sid` is, by its first character.
pub fn shard_of_sid(sid: &str, count: usize) -> Option<usize> {
    let first = *sid.as_bytes().first()?;
    let i = usize::from(first.checked_sub(b'A')?);
    (i < count.min(26)).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_id_names_its_shard() {
        for i in 0..26 {
            let sid = format!("{}bcdefghijklmnopqrst", sid_mark(i).unwrap());
            assert_eq!(shard_of_sid(&sid, 26), Some(i));
            assert_eq!(shard_of_sid(&sid, i), None, "no such shard");
        }
        assert_eq!(sid_mark(26), None);
        assert_eq!(shard_of_sid("", 4), None);
        assert_eq!(shard_of_sid("-abc", 4), None);
        assert_eq!(shard_of_sid("abc", 4), None);
    }
}
