//! The origin's side: every room output the match thread builds is also
//! published to Redis, on a thread of its own behind a bounded queue, and
//! kept there as the room's state for edges that join mid-game.
//!
//! The match thread never waits: a full queue drops the output (counted
//! and logged once a second), as a lost link does. Each room's newest
//! output is kept here, and each lately ended room's end with its final
//! output, so when Redis comes back they are stored and published again at
//! once, and edges resynchronise.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use redis::Client;

use super::link::{self, Link, Losses, Retry};
use super::wire::{Message, WireOutput, WireStream};
use crate::hub::ToBroadcast;
use crate::hub::command::Post;
use crate::room;

/// Outputs waiting for the publisher: about ten seconds of ten busy rooms.
const QUEUE: usize = 1024;
/// Outputs sent to Redis in one round trip at most.
const BATCH: usize = 256;
/// How long a room's stored state lives without being refreshed.
const STATE_TTL_SECS: u64 = 60 * 60;
/// How often every live room's state is stored again, so a room whose
/// state has not changed for a while (a long pause) is not forgotten.
const REFRESH: Duration = Duration::from_secs(10 * 60);
/// How long an ended room's end (with its final output) is kept, in Redis
/// and here: edges that were cut off when it ended still learn of it.
const ENDED_TTL: Duration = Duration::from_secs(10 * 60);

/// Where the match thread hands room outputs to the publisher (as it does
/// to the broadcast shards).
pub struct Publisher {
    tx: Sender<ToBroadcast>,
    dropped: Arc<AtomicU64>,
}

impl Post<ToBroadcast> for Publisher {
    fn post(&self, msg: ToBroadcast) -> bool {
        match self.tx.try_send(msg) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

/// Starts the publisher thread for the process `origin` (a random number
/// per start, so edges tell its streams from an earlier run's). It ends
/// once every [`Publisher`] is dropped.
pub fn spawn(client: Client, origin: u64) -> std::io::Result<(Publisher, JoinHandle<()>)> {
    let (tx, rx) = crossbeam_channel::bounded(QUEUE);
    let dropped = Arc::new(AtomicU64::new(0));
    let mut thread = Thread {
        client,
        origin,
        rx,
        full_queue: dropped.clone(),
        link: None,
        said_away: false,
        retry: Retry::new(Instant::now()),
        latest: HashMap::new(),
        ended: HashMap::new(),
        refreshed: Instant::now(),
        lost: Losses::new("room outputs not published", Instant::now()),
    };
    let handle = std::thread::Builder::new()
        .name("relay-publish".into())
        .spawn(move || thread.run())?;
    Ok((Publisher { tx, dropped }, handle))
}

struct Thread {
    client: Client,
    origin: u64,
    rx: Receiver<ToBroadcast>,
    /// Outputs the match thread could not queue.
    full_queue: Arc<AtomicU64>,
    link: Option<Link>,
    /// The link's loss was logged (once per outage).
    said_away: bool,
    retry: Retry,
    /// Each live room's newest output, and encoded.
    latest: HashMap<Arc<str>, (WireOutput, Bytes)>,
    /// Rooms that ended lately: their end (with the final output), encoded,
    /// and when.
    ended: HashMap<Arc<str>, (Bytes, Instant)>,
    refreshed: Instant,
    lost: Losses,
}

/// One Redis command's worth of work.
enum Work {
    Output { group: Arc<str>, bytes: Bytes },
    End { group: Arc<str>, bytes: Bytes },
}

impl Thread {
    fn run(&mut self) {
        log::info!("relay: publishing room outputs to Redis");
        loop {
            let first = match self.rx.recv_timeout(Duration::from_millis(250)) {
                Ok(msg) => Some(msg),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let queued: Vec<ToBroadcast> = first
                .into_iter()
                .chain(self.rx.try_iter().take(BATCH))
                .collect();
            let work: Vec<Work> = queued.into_iter().map(|m| self.encode(m)).collect();
            let now = Instant::now();
            self.connect_if_due(now);
            if !work.is_empty() {
                self.send(&work);
            }
            if self.link.is_some() && now.duration_since(self.refreshed) >= REFRESH {
                self.store_all();
            }
            self.lost.add(self.full_queue.swap(0, Ordering::Relaxed));
            self.lost.report(now, "Redis is away or slow");
        }
        log::info!("relay: publisher stopped");
    }

    fn encode(&mut self, msg: ToBroadcast) -> Work {
        match msg {
            ToBroadcast::State { group, msg } => {
                let out = wire_output(self.origin, &group, &msg);
                let bytes = Message::Output(out.clone()).encode();
                self.ended.remove(&group);
                self.latest.insert(group.clone(), (out, bytes.clone()));
                Work::Output { group, bytes }
            }
            ToBroadcast::Removed { group } => {
                let bytes = Message::End {
                    origin: self.origin,
                    group: group.to_string(),
                    last: self.latest.remove(&group).map(|(out, _)| out),
                }
                .encode();
                self.ended
                    .insert(group.clone(), (bytes.clone(), Instant::now()));
                Work::End { group, bytes }
            }
        }
    }

    fn connect_if_due(&mut self, now: Instant) {
        if self.link.is_some() || !self.retry.due(now) {
            return;
        }
        match Link::open(&self.client) {
            Ok(link) => {
                log::info!(
                    "relay: connected to Redis ({} pub/sub)",
                    if link.sharded { "sharded" } else { "plain" }
                );
                self.link = Some(link);
                self.said_away = false;
                self.retry.reset();
                // What was lost while away: store and publish every live
                // room's state again, so edges catch up.
                self.store_all();
            }
            Err(e) => {
                if !self.said_away {
                    log::warn!("relay: cannot reach Redis: {e}; retrying");
                    self.said_away = true;
                }
                self.retry.failed(now);
            }
        }
    }

    /// Stores and publishes every live room's newest output, and the ends
    /// of rooms that ended lately.
    fn store_all(&mut self) {
        let now = Instant::now();
        self.refreshed = now;
        self.ended
            .retain(|_, (_, at)| now.duration_since(*at) < ENDED_TTL);
        let outputs = self.latest.iter().map(|(group, (_, bytes))| Work::Output {
            group: group.clone(),
            bytes: bytes.clone(),
        });
        let ends = self.ended.iter().map(|(group, (bytes, _))| Work::End {
            group: group.clone(),
            bytes: bytes.clone(),
        });
        let work: Vec<Work> = outputs.chain(ends).collect();
        if !work.is_empty() {
            self.send(&work);
        }
    }

    /// Publishes `work` in one round trip; on failure the link is dropped
    /// and the work counted as lost.
    fn send(&mut self, work: &[Work]) {
        let Some(link) = &mut self.link else {
            self.lost.add(work.len() as u64);
            return;
        };
        let publish = link.publish_command();
        let mut pipe = redis::pipe();
        for w in work {
            match w {
                Work::Output { group, bytes } => {
                    pipe.cmd("SET")
                        .arg(link::state_key(group))
                        .arg(&bytes[..])
                        .arg("EX")
                        .arg(STATE_TTL_SECS)
                        .ignore();
                    pipe.cmd(publish)
                        .arg(link::channel(group))
                        .arg(&bytes[..])
                        .ignore();
                }
                Work::End { group, bytes } => {
                    pipe.cmd("SET")
                        .arg(link::state_key(group))
                        .arg(&bytes[..])
                        .arg("EX")
                        .arg(ENDED_TTL.as_secs())
                        .ignore();
                    pipe.cmd(publish)
                        .arg(link::channel(group))
                        .arg(&bytes[..])
                        .ignore();
                }
            }
        }
        if let Err(e) = pipe.exec(&mut link.con) {
            log::warn!("relay: lost Redis: {e}; retrying");
            self.said_away = true;
            self.link = None;
            self.lost.add(work.len() as u64);
            self.retry.failed(Instant::now());
        }
    }
}

/// A room's output as it travels: every frame an edge may need, the
/// standalone one made now if no local client needed it yet.
pub fn wire_output(origin: u64, group: &str, msg: &room::Output) -> WireOutput {
    WireOutput {
        origin,
        group: group.to_owned(),
        kind: msg.kind,
        plain: msg.plain.clone(),
        standalone: msg.standalone().cloned(),
        stream: msg.stream.as_ref().map(|s| WireStream {
            id: s.stream,
            seq: s.seq,
            len: u32::try_from(s.len).unwrap_or(u32::MAX),
            frame: s.frame.clone(),
        }),
    }
}
