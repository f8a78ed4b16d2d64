//! The match thread: owns the game [`Registry`], applies [`Command`]s in
//! arrival order, fires the registry's timers (the 100 ms send loop, idle
//! removal, timeout and toast timers) from its own clock, builds each
//! broadcast once, and hands acks to the ingest reactor, room frames to the
//! broadcast reactor(s), records to the replay writer and finished games'
//! team info to the REST port. It never blocks on I/O: every output is a
//! channel send that does not wait.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::Published;
use super::batch::IngestEvent;
use super::clock::Clock;
use super::command::{Command, Post, ToBroadcast, ToIngest};
use super::counters::{Counts, MatchCounters};
use super::match_data;
use super::team_info::TeamInfo;
use crate::config::Pinning;
use crate::game::{
    AuthPolicy, ConnId, Effect, GameError, KeyVerdict, Match, Outcome, Registry, Removal, Routed,
};
use crate::replay::{self, Closing, FileId, Record, ReplaySink};
use crate::room::{Levels, RoomStream};
use crate::sio::SocketId;

/// Where the match thread's outputs go.
pub struct Outputs {
    /// The ingest reactor: logon acks, test-clock acks and disconnects.
    pub ingest: Box<dyn Post<ToIngest>>,
    /// One per broadcast reactor (shard).
    pub broadcast: Vec<Box<dyn Post<ToBroadcast>>>,
    /// What the REST port reads: the match count and team info.
    pub published: Arc<Published>,
    /// `None`: replay logs are off.
    pub replay: Option<ReplaySink>,
}

/// The match thread's state.
pub struct Hub {
    registry: Registry,
    clock: Clock,
    out: Outputs,
    team_info: TeamInfo,
    /// The replay file of each live match.
    files: HashMap<String, FileId>,
    next_file: FileId,
    /// Each live match's room compression stream.
    streams: HashMap<String, RoomStream>,
    /// The compression levels of the room streams.
    levels: Levels,
    state_buf: Vec<u8>,
    /// The address each ingest connection came from, for logs.
    peers: HashMap<ConnId, String>,
    /// What it counts, and where it publishes that.
    counts: Counts,
    counters: Arc<MatchCounters>,
    /// The backend workers (`USE_BACKEND=true`), see [`backend`].
    backend: Option<backend::Link>,
}

/// The game model's name for an ingest socket, and back.
fn conn_of(socket: SocketId) -> ConnId {
    ConnId::new(socket.get())
}

fn socket_of(conn: ConnId) -> SocketId {
    SocketId::new(conn.get())
}

impl Hub {
    /// No matches yet. `auth` decides observer keys; `test_clock`: time only
    /// moves by [`Command::TestClock`] (`SPECTRA_TEST_CLOCK=true`).
    pub fn new(auth: AuthPolicy, test_clock: bool, out: Outputs) -> Self {
        let team_info = TeamInfo::new(out.published.clone());
        Hub {
            registry: Registry::new(auth, Box::new(crate::game::random_group_secret)),
            clock: Clock::new(test_clock),
            out,
            team_info,
            files: HashMap::new(),
            next_file: 0,
            streams: HashMap::new(),
            levels: Levels::default(),
            state_buf: Vec::with_capacity(32 * 1024),
            peers: HashMap::new(),
            counts: Counts::default(),
            counters: Arc::new(MatchCounters::default()),
            backend: None,
        }
    }

    /// Builds the room streams at these levels instead of the defaults.
    pub fn with_levels(mut self, levels: Levels) -> Self {
        self.levels = levels;
        self
    }

    /// How long the thread may wait for a command before a timer is due
    /// (`None`: only a command can change anything).
    pub fn next_wait(&self) -> Option<Duration> {
        if self.clock.is_test() {
            return None;
        }
        let now = self.clock.now_ms();
        let due = match (self.registry.next_deadline(), self.team_info.next_check()) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(Duration::from_millis(due.saturating_sub(now)))
    }

    /// Fires every timer due at or before the clock's time, in order.
    pub fn run_timers(&mut self) {
        self.run_timers_at(self.clock.now_ms());
    }

    fn run_timers_at(&mut self, now: u64) {
        self.team_info.tick(now);
        while let Some((_, outcome)) = self.registry.tick_one(now) {
            let ticking = outcome
                .effects
                .iter()
                .any(|e| matches!(e, Effect::Broadcast { .. }));
            let started = std::time::Instant::now();
            self.apply(outcome, "timer", None);
            if ticking {
                self.counts.ticks.observe(started.elapsed());
            }
        }
        self.publish_count();
    }

    /// Applies one command; false when the thread must stop.
    pub fn handle(&mut self, cmd: Command) -> bool {
        // Timers due before a command fire first (before each event of a
        // batch, in `event`).
        if !matches!(cmd, Command::Events(_)) {
            self.run_timers();
        }
        let now = self.clock.now_ms();
        match cmd {
            Command::Events(batch) => {
                // Read together, so applied at one time (one clock read).
                for ((event, socket), msg) in batch.iter() {
                    self.event(event, socket, msg, now);
                }
                if let Some(sink) = &mut self.out.replay {
                    sink.flush();
                }
            }
            Command::IngestOpened { socket, peer } => {
                self.peers.insert(conn_of(socket), peer);
            }
            Command::IngestClosed { socket } => {
                let conn = conn_of(socket);
                let outcome = self.registry.disconnect(conn, now);
                self.apply(outcome, "disconnect", Some(conn));
                self.peers.remove(&conn);
            }
            Command::TestClock { socket, ms, ack } => {
                if self.clock.set(ms) {
                    self.run_timers();
                }
                if let Some(ack) = ack {
                    self.to_ingest(ToIngest::Ack { socket, ack });
                }
            }
            Command::Backend(done) => self.on_backend(done, now),
            Command::Shutdown => {
                self.close_replays();
                return false;
            }
        }
        self.publish_count();
        true
    }

    /// Applies one ingest event (`msg`: its argument's text, `None` where
    /// the reference's `msg.toString()` throws).
    fn event(&mut self, event: IngestEvent, socket: SocketId, msg: Option<&str>, now: u64) {
        self.run_timers_at(now);
        let conn = conn_of(socket);
        match (event, msg) {
            (IngestEvent::ObsLogon, msg) => {
                let text = msg.unwrap_or_default();
                let mut outcome = self.registry.obs_logon(conn, text, now);
                if outcome
                    .effects
                    .iter()
                    .any(|e| matches!(e, Effect::VerifyKey { .. }))
                {
                    self.await_key(conn, text);
                }
                let created = outcome.created.take();
                self.apply(outcome, "obs_logon", Some(conn));
                self.logon_finished(created, text, now);
            }
            (IngestEvent::AuxLogon, msg) => {
                let text = msg.unwrap_or_default();
                let outcome = self.registry.aux_logon(conn, text, now);
                self.apply(outcome, "aux_logon", Some(conn));
            }
            (IngestEvent::ObsData | IngestEvent::AuxData, None) => {
                log::debug!("data event without a readable argument from socket {socket}");
            }
            (IngestEvent::ObsData, Some(text)) => {
                let before = self.snapshot(conn);
                let outcome = self.registry.obs_data(conn, text, now);
                if outcome.routed.iter().next().is_some() {
                    self.counts.obs_data += 1;
                }
                self.log_replay(&outcome.routed, text, now);
                self.apply(outcome, "obs_data", Some(conn));
                self.after_event(before, now);
            }
            (IngestEvent::AuxData, Some(text)) => {
                let outcome = self.registry.aux_data(conn, text, now);
                if outcome.routed.iter().next().is_some() {
                    self.counts.aux_data += 1;
                }
                self.log_replay(&outcome.routed, text, now);
                self.apply(outcome, "aux_data", Some(conn));
            }
        }
    }

    fn publish_count(&self) {
        self.out
            .published
            .set_matches_running(self.registry.match_count());
        let dropped = self.out.replay.as_ref().map_or(0, ReplaySink::dropped);
        self.counters.publish(&self.counts, dropped);
    }

    /// Where this hub publishes what it counts (`/metrics` reads it).
    pub fn counters(&self) -> Arc<MatchCounters> {
        self.counters.clone()
    }

    fn to_ingest(&self, msg: ToIngest) {
        if !self.out.ingest.post(msg) {
            log::debug!("ingest reactor is gone");
        }
    }

    /// Carries out a registry outcome's effects in order.
    fn apply(&mut self, outcome: Outcome, what: &str, from: Option<ConnId>) {
        // Most data events change state and nothing else.
        if outcome.effects.is_empty() && outcome.error.is_none() {
            return;
        }
        let now = self.clock.now_ms();
        let mut unverified = Vec::new();
        for effect in outcome.effects {
            match effect {
                Effect::VerifyKey { conn, key } => {
                    if !self.verify_key(conn, key.to_js_string(), now) {
                        unverified.push(conn);
                    }
                }
                Effect::Ack {
                    conn,
                    event,
                    payload,
                } => {
                    if crate::game::ack_accepted(&payload) {
                        self.counts.logons_accepted += 1;
                    } else {
                        self.counts.logons_refused += 1;
                    }
                    self.to_ingest(ToIngest::Emit {
                        socket: socket_of(conn),
                        event,
                        payload,
                    })
                }
                Effect::Disconnect { conn } => self.to_ingest(ToIngest::Disconnect {
                    socket: socket_of(conn),
                }),
                Effect::Broadcast { group_code } => self.broadcast(&group_code),
                Effect::Removed {
                    group_code,
                    why,
                    last,
                } => self.removed(&group_code, why, &last, now),
            }
        }
        for conn in unverified {
            self.refuse_unverified(conn, now);
        }
        if let Some(e) = outcome.error {
            let peer = from.and_then(|c| self.peers.get(&c));
            log_error(what, peer.map_or("match thread", String::as_str), &e);
        }
    }

    /// Without backend workers a key the backend would check is refused
    /// as the reference refuses it when the backend cannot be asked.
    fn refuse_unverified(&mut self, conn: ConnId, now: u64) {
        let verdict = KeyVerdict::Invalid {
            reason: "Unknown Error".to_owned(),
        };
        let outcome = self.registry.obs_logon_verdict(conn, verdict, now);
        self.apply(outcome, "obs_logon", Some(conn));
    }

    /// A match is gone: its compression stream, the backend's call, the
    /// team info of a finished game, the frontends' room and its replay file.
    fn removed(&mut self, group_code: &str, why: Removal, last: &Match, now: u64) {
        log::info!("match {group_code:?} removed ({why:?})");
        self.streams.remove(group_code);
        self.backend_match_removed(last, why, now);
        let mut closing = Closing::Removed;
        if why == Removal::GameEnd {
            let mut json = Vec::with_capacity(512);
            last.finished_info().write_json(&mut json);
            let json = String::from_utf8_lossy(&json).into_owned();
            self.team_info.game_finished(group_code, json.clone());
            closing = Closing::GameEnd { team_info: json };
        }
        let group: Arc<str> = Arc::from(group_code);
        for b in &self.out.broadcast {
            b.post(ToBroadcast::Removed {
                group: group.clone(),
            });
        }
        if let Some(file) = self.files.remove(group_code)
            && let Some(sink) = &mut self.out.replay
        {
            sink.send(Record::Close { file, why: closing });
        }
    }

    /// Serializes the match once, wraps it once, and hands the same bytes to
    /// every broadcast reactor.
    fn broadcast(&mut self, group_code: &str) {
        self.state_buf.clear();
        if !self.registry.write_state(group_code, &mut self.state_buf) {
            return;
        }
        let Ok(state) = std::str::from_utf8(&self.state_buf) else {
            log::error!("match {group_code:?}: state is not UTF-8");
            return;
        };
        let levels = self.levels;
        let stream = self
            .streams
            .entry(group_code.to_owned())
            .or_insert_with(|| RoomStream::new(levels));
        let msg = match_data::match_data(state, stream);
        let group: Arc<str> = Arc::from(group_code);
        for b in &self.out.broadcast {
            b.post(ToBroadcast::State {
                group: group.clone(),
                msg: msg.clone(),
            });
        }
    }

    /// After an observer logon is answered (at once, or once its key was
    /// checked): the set-up of the match it created.
    fn logon_finished(&mut self, created: Option<String>, text: &str, now: u64) {
        if let Some(group) = created {
            self.match_created(&group, text, now);
            self.backend_match_created(&group, now);
        }
    }

    fn match_created(&mut self, group: &str, logon: &str, now: u64) {
        log::info!("new match {group:?} registered");
        self.team_info.match_created(group, now);
        let key_check = self.replay_key_check();
        let Some(sink) = &mut self.out.replay else {
            return;
        };
        // The registry refused unsafe codes already; never name a file with one.
        let name = match replay::file_name(group, now) {
            Ok(n) => n,
            Err(e) => {
                log::error!("no replay file for group code {group:?}: {e}");
                return;
            }
        };
        let secret = self
            .registry
            .get(group)
            .map(|m| m.group_secret().to_owned())
            .unwrap_or_default();
        self.next_file += 1;
        let file = self.next_file;
        self.files.insert(group.to_owned(), file);
        sink.send(Record::Open {
            file,
            name,
            logon_json: logon.to_owned(),
            key_check,
            start_ms: now,
            secret,
        });
    }

    /// Appends a data event to the replay file of each match it was handed
    /// to. Called before the outcome's effects, so an event that ends a game
    /// is written before its file is closed.
    fn log_replay(&mut self, routed: &Routed, text: &str, now: u64) {
        let Some(sink) = &mut self.out.replay else {
            return;
        };
        for code in routed.iter() {
            if let Some(&file) = self.files.get(code) {
                sink.event(file, text, now);
            }
        }
    }

    fn close_replays(&mut self) {
        if let Some(sink) = &mut self.out.replay {
            for (_, file) in self.files.drain() {
                sink.send(Record::Close {
                    file,
                    why: Closing::Stop,
                });
            }
        }
    }
}

/// Logs what went wrong with an event (`what`) from `peer`, at the level
/// its kind deserves: the usual client mistakes quietly, foreign data
/// loudly.
fn log_error(what: &str, peer: &str, e: &GameError) {
    match e {
        GameError::NotLoggedOn | GameError::LogonAlreadyUsed | GameError::ConnectionClosed => {
            log::debug!("{peer}: {what}: {e}")
        }
        GameError::ForeignGroupCode { .. } => log::warn!("{peer}: {what} rejected: {e}"),
        _ => log::info!("{peer}: {what}: {e}"),
    }
}

/// Pins the calling thread as configured; logs what it did.
fn pin(p: Pinning) {
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let target = match p {
        Pinning::Off => return,
        Pinning::Auto if cores.len() <= 1 => return,
        Pinning::Auto => cores.last().copied(),
        Pinning::Core(n) => cores.iter().copied().find(|c| c.id == n),
    };
    match target {
        Some(core) if core_affinity::set_for_current(core) => {
            log::info!("match thread pinned to core {}", core.id)
        }
        Some(core) => log::warn!("could not pin the match thread to core {}", core.id),
        None => log::warn!("SPECTRA_PIN_CORE: no such core; the match thread is not pinned"),
    }
}

/// Runs the match thread until [`Command::Shutdown`] or until every sender
/// is gone. The replay sink is dropped on exit, so the writer then flushes.
pub fn spawn(
    mut hub: Hub,
    commands: Receiver<Command>,
    pinning: Pinning,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("match".into())
        .spawn(move || {
            pin(pinning);
            loop {
                let received = match hub.next_wait() {
                    Some(wait) => commands.recv_timeout(wait),
                    None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                match received {
                    Ok(cmd) => {
                        if !hub.handle(cmd) {
                            break;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => hub.run_timers(),
                    Err(RecvTimeoutError::Disconnected) => {
                        hub.close_replays();
                        break;
                    }
                }
            }
            log::info!("match thread stopped");
        })
}

mod backend;
mod recovery;

pub use recovery::Recovered;

#[cfg(test)]
mod tests;
