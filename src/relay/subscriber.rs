//! The edge's side: the rooms its frontends watch are subscribed to on
//! Redis, and every output that arrives is handed to the broadcast shards
//! as the match thread hands them on an origin, frames and all: no JSON,
//! no deflate.
//!
//! A room is subscribed while some shard has a frontend in it (and a
//! while after, so an audience that reconnects does not churn), and its
//! stored state is read at once, so the first frontend gets the current
//! state. Pub/sub is at-most-once: outputs carry their origin's stream
//! position, so a gap (or a new origin) makes clients fall back to
//! standalone frames until they are in step again, exactly as a local
//! client that missed a frame. When Redis goes away, frontends stay
//! connected; once it is back, every room is subscribed and read again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossbeam_channel::Receiver;
use redis::{Client, ProtocolVersion, PushKind, Value};

use super::link::{self, Link, Losses, Retry};
use super::wire::{Message, WireOutput};
use crate::hub::ToBroadcast;
use crate::hub::command::Post;
use crate::room::{self, StreamFrame};

/// How long a room nobody watches stays subscribed.
const UNWATCHED_GRACE: Duration = Duration::from_secs(30);
/// How long one wait for a message may block other work.
const READ_SLICE: Duration = Duration::from_millis(20);

/// What the broadcast shards tell the subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interest {
    /// A shard's first frontend in this room logged on.
    Watch(Arc<str>),
    /// A shard's room has no frontend left.
    Unwatch(Arc<str>),
}

/// What the edge's `/status` reports.
#[derive(Debug, Default)]
pub struct Status {
    up: AtomicBool,
    rooms: AtomicUsize,
}

impl Status {
    /// Whether the subscriber is connected to Redis now.
    pub fn redis_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Rooms with a live match this edge has a state of.
    pub fn rooms(&self) -> usize {
        self.rooms.load(Ordering::Relaxed)
    }
}

/// Starts the subscriber thread, told what to watch on `interest` and
/// handing outputs to `feeds`; it ends once every sender of `interest` is
/// dropped.
pub fn spawn(
    client: &Client,
    interest: Receiver<Interest>,
    feeds: Vec<Box<dyn Post<ToBroadcast>>>,
) -> std::io::Result<(Arc<Status>, JoinHandle<()>)> {
    let info = client.get_connection_info().clone();
    let resp3 = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    let push_client =
        Client::open(info.set_redis_settings(resp3)).map_err(std::io::Error::other)?;
    let status = Arc::new(Status::default());
    let mut thread = Thread {
        data_client: client.clone(),
        push_client,
        feeds,
        interest,
        watched: HashMap::new(),
        leaving: HashMap::new(),
        links: None,
        subscribed: HashSet::new(),
        streams: HashMap::new(),
        live: HashSet::new(),
        status: status.clone(),
        retry: Retry::new(Instant::now()),
        said_away: false,
        bad: Losses::new("bad messages dropped", Instant::now()),
    };
    let handle = std::thread::Builder::new()
        .name("relay-subscribe".into())
        .spawn(move || thread.run())?;
    Ok((status, handle))
}

/// An origin's stream as this edge follows it.
struct Followed {
    /// The id local cursors know it by.
    local: u64,
    /// The newest position handed on.
    last: Option<u64>,
    group: Arc<str>,
}

/// Subscribes to each room's channel, then reads their stored states.
fn subscribe_and_read(
    l: &mut Links,
    rooms: &[Arc<str>],
) -> redis::RedisResult<Vec<Option<Vec<u8>>>> {
    let cmd = if l.push.sharded {
        "SSUBSCRIBE"
    } else {
        "SUBSCRIBE"
    };
    // Sharded channels of one call must share a slot: one call each.
    for group in rooms {
        redis::cmd(cmd)
            .arg(link::channel(group))
            .set_no_response(true)
            .exec(&mut l.push.con)?;
    }
    let keys: Vec<String> = rooms.iter().map(|g| link::state_key(g)).collect();
    redis::cmd("MGET").arg(&keys).query(&mut l.data.con)
}

/// The two connections: one receiving pushes (RESP3), one for reads.
struct Links {
    push: Link,
    data: Link,
}

struct Thread {
    data_client: Client,
    push_client: Client,
    feeds: Vec<Box<dyn Post<ToBroadcast>>>,
    interest: Receiver<Interest>,
    /// Rooms some shard watches, and how many shards.
    watched: HashMap<Arc<str>, usize>,
    /// Rooms nobody watches any more, and since when.
    leaving: HashMap<Arc<str>, Instant>,
    links: Option<Links>,
    /// Rooms subscribed on the current connection.
    subscribed: HashSet<Arc<str>>,
    /// By (origin, origin's stream id).
    streams: HashMap<(u64, u64), Followed>,
    /// Rooms with a live match whose state was handed on.
    live: HashSet<Arc<str>>,
    status: Arc<Status>,
    retry: Retry,
    said_away: bool,
    bad: Losses,
}

impl Thread {
    fn run(&mut self) {
        loop {
            let now = Instant::now();
            if !self.take_interest(now) {
                break;
            }
            self.connect_if_due(now);
            self.drop_unwatched(now);
            if self.links.is_some() {
                self.read_pushes();
            } else {
                // Nothing to read: wait for interest or the next attempt.
                let wait = self
                    .retry
                    .left(now)
                    .clamp(READ_SLICE, Duration::from_millis(500));
                match self.interest.recv_timeout(wait) {
                    Ok(i) => self.on_interest(i, Instant::now()),
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                }
            }
            self.bad.report(Instant::now(), "not a room output of ours");
        }
        log::info!("relay: subscriber stopped");
    }

    /// Applies what the shards said; false once they are all gone.
    fn take_interest(&mut self, now: Instant) -> bool {
        loop {
            match self.interest.try_recv() {
                Ok(i) => self.on_interest(i, now),
                Err(crossbeam_channel::TryRecvError::Empty) => return true,
                Err(crossbeam_channel::TryRecvError::Disconnected) => return false,
            }
        }
    }

    fn on_interest(&mut self, interest: Interest, now: Instant) {
        match interest {
            Interest::Watch(group) => {
                *self.watched.entry(group.clone()).or_default() += 1;
                self.leaving.remove(&group);
                if !self.subscribed.contains(&group) {
                    self.subscribe(&[group]);
                }
            }
            Interest::Unwatch(group) => {
                if let Some(n) = self.watched.get_mut(&group) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.watched.remove(&group);
                        self.leaving.insert(group, now);
                    }
                }
            }
        }
    }

    /// Unsubscribes rooms nobody watched for the grace period. The shards
    /// forget their state too: it would be stale by the time a frontend
    /// watches again (which reads the stored state afresh).
    fn drop_unwatched(&mut self, now: Instant) {
        let gone: Vec<Arc<str>> = self
            .leaving
            .iter()
            .filter(|(_, since)| now.duration_since(**since) >= UNWATCHED_GRACE)
            .map(|(g, _)| g.clone())
            .collect();
        for group in gone {
            self.leaving.remove(&group);
            self.subscribed.remove(&group);
            self.live.remove(&group);
            self.streams.retain(|_, f| f.group != group);
            self.hand_on(ToBroadcast::Removed {
                group: group.clone(),
            });
            let sent = match &mut self.links {
                Some(l) => {
                    let cmd = if l.push.sharded {
                        "SUNSUBSCRIBE"
                    } else {
                        "UNSUBSCRIBE"
                    };
                    redis::cmd(cmd)
                        .arg(link::channel(&group))
                        .set_no_response(true)
                        .exec(&mut l.push.con)
                }
                None => Ok(()),
            };
            if let Err(e) = sent {
                self.lose(&e);
            }
        }
        self.status.rooms.store(self.live.len(), Ordering::Relaxed);
    }

    fn connect_if_due(&mut self, now: Instant) {
        if self.links.is_some() || !self.retry.due(now) {
            return;
        }
        let opened = Link::open(&self.push_client).and_then(|push| {
            push.con.set_read_timeout(Some(READ_SLICE))?;
            Ok(Links {
                push,
                data: Link::open(&self.data_client)?,
            })
        });
        match opened {
            Ok(links) => {
                log::info!(
                    "relay: connected to Redis ({} pub/sub)",
                    if links.push.sharded {
                        "sharded"
                    } else {
                        "plain"
                    }
                );
                self.links = Some(links);
                self.status.up.store(true, Ordering::Relaxed);
                self.said_away = false;
                self.retry.reset();
                self.subscribed.clear();
                let rooms: Vec<Arc<str>> = self
                    .watched
                    .keys()
                    .chain(self.leaving.keys())
                    .cloned()
                    .collect();
                self.subscribe(&rooms);
            }
            Err(e) => {
                if !self.said_away {
                    log::warn!(
                        "relay: cannot reach Redis: {e}; frontends stay connected, retrying"
                    );
                    self.said_away = true;
                }
                self.retry.failed(now);
            }
        }
    }

    /// Subscribes to rooms, then reads their stored states and hands them
    /// on (after subscribing, so nothing published in between is missed).
    fn subscribe(&mut self, rooms: &[Arc<str>]) {
        let Some(l) = &mut self.links else {
            return;
        };
        if rooms.is_empty() {
            return;
        }
        match subscribe_and_read(l, rooms) {
            Ok(states) => {
                self.subscribed.extend(rooms.iter().cloned());
                for (group, state) in rooms.iter().zip(states) {
                    if let Some(bytes) = state {
                        self.on_bytes(group, Bytes::from(bytes));
                    }
                }
            }
            Err(e) => self.lose(&e),
        }
    }

    /// Waits a short while for pushes and hands on what arrives.
    fn read_pushes(&mut self) {
        let Some(l) = &mut self.links else {
            return;
        };
        match l.push.con.recv_response() {
            Ok(Value::Push { kind, data }) => {
                if matches!(kind, PushKind::SMessage | PushKind::Message) {
                    self.on_push(data);
                }
            }
            Ok(_) => {}
            Err(e) if e.is_timeout() => {}
            Err(e) => self.lose(&e),
        }
    }

    fn on_push(&mut self, data: Vec<Value>) {
        let mut it = data.into_iter();
        let (Some(Value::BulkString(channel)), Some(Value::BulkString(payload))) =
            (it.next(), it.next())
        else {
            self.bad.add(1);
            return;
        };
        let Some(group) = link::group_of_channel(&channel) else {
            self.bad.add(1);
            return;
        };
        let group: Arc<str> = Arc::from(group);
        self.on_bytes(&group, Bytes::from(payload));
    }

    /// A message read from `group`'s channel or key.
    fn on_bytes(&mut self, group: &Arc<str>, bytes: Bytes) {
        let msg = match Message::decode(&bytes) {
            Ok(m) if m.group() == &**group => m,
            Ok(_) => {
                log::debug!("relay: a message for another room on {group:?}'s channel");
                self.bad.add(1);
                return;
            }
            Err(e) => {
                log::debug!("relay: bad message on {group:?}'s channel: {e}");
                self.bad.add(1);
                return;
            }
        };
        match msg {
            Message::Output(o) => {
                if let Some(out) = self.follow(group, o) {
                    self.live.insert(group.clone());
                    self.hand_on(ToBroadcast::State {
                        group: group.clone(),
                        msg: Arc::new(out),
                    });
                }
            }
            Message::End { last, .. } => {
                // An edge cut off when the match ended missed its last
                // outputs: the final one first. A room this edge had no
                // state of gets none, as on the origin.
                if let Some(last) = last
                    && self.live.contains(group)
                    && let Some(out) = self.follow(group, last)
                {
                    self.hand_on(ToBroadcast::State {
                        group: group.clone(),
                        msg: Arc::new(out),
                    });
                }
                self.live.remove(group);
                self.streams.retain(|_, f| f.group != *group);
                self.hand_on(ToBroadcast::Removed {
                    group: group.clone(),
                });
            }
        }
        self.status.rooms.store(self.live.len(), Ordering::Relaxed);
    }

    /// The output as local cursors can follow it; `None` when it is not
    /// newer than what was handed on already (a stored state read after
    /// newer pushes, or one published again after a reconnect).
    fn follow(&mut self, group: &Arc<str>, o: WireOutput) -> Option<room::Output> {
        let stream = match o.stream {
            None => None,
            Some(s) => {
                let f = self
                    .streams
                    .entry((o.origin, s.id))
                    .or_insert_with(|| Followed {
                        local: room::fresh_stream_id(),
                        last: None,
                        group: group.clone(),
                    });
                if f.last.is_some_and(|last| last >= s.seq) {
                    return None;
                }
                f.last = Some(s.seq);
                Some(StreamFrame {
                    stream: f.local,
                    seq: s.seq,
                    len: s.len as usize,
                    frame: s.frame,
                })
            }
        };
        Some(room::Output::relayed(o.kind, o.plain, o.standalone, stream))
    }

    fn hand_on(&self, msg: ToBroadcast) {
        for feed in &self.feeds {
            feed.post(msg.clone());
        }
    }

    fn lose(&mut self, e: &redis::RedisError) {
        log::warn!("relay: lost Redis: {e}; frontends stay connected, retrying");
        self.said_away = true;
        self.links = None;
        self.subscribed.clear();
        self.status.up.store(false, Ordering::Relaxed);
        self.retry.failed(Instant::now());
    }
}
