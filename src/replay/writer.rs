//! The replay writer thread: the match thread hands it records over a bounded
//! channel and never waits for the disk. Events are gathered into one record
//! ([`TextBatch`]) per command the match thread handles
//! ([`ReplaySink::flush`]), so a burst costs one channel send and one
//! allocation, not one per event, and the writer never frees memory the
//! match thread allocated event by event (glibc's arena lock made that the
//! writer's main cost). When the channel
//! is full the record is dropped and its events counted (logged at most once
//! a second); a file whose write fails (full disk, removed folder) is logged
//! once and closed, the others go on. Buffers are flushed at least every
//! [`FLUSH_EVERY`], when a file is closed and when the last sender is dropped
//! (shutdown), so a crash loses at most that much of what was accepted.
//!
//! Beside each file the writer keeps its [`sidecar`] (what recovery after a
//! restart needs), created with the file and updated when the match ends.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};

use super::format::{self, KeyCheck};
use super::sidecar::{self, Sidecar};
use crate::text_batch::TextBatch;

/// Names one open replay file (the match thread's choice; unique per match).
pub type FileId = u64;

/// What the match thread asks the writer to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Create `dir/name` and write the header built from the logon payload.
    Open {
        /// The id later records name the file by.
        file: FileId,
        /// The file name (see [`super::format::file_name`]).
        name: String,
        /// The `obs_logon` payload text.
        logon_json: String,
        /// What the key check added to the logon.
        key_check: KeyCheck,
        /// The logon time, ms since the epoch (`logStartTime`).
        start_ms: u64,
        /// The match's group secret, kept in the sidecar.
        secret: String,
    },
    /// Append to an existing file again (a match recovered after a
    /// restart), first cutting it back to its complete items.
    Resume {
        /// The id later records name the file by.
        file: FileId,
        /// The file name, in the writer's folder.
        name: String,
        /// Bytes to keep: the end of the file's last complete item.
        keep: u64,
        /// What its sidecar holds.
        sidecar: Sidecar,
    },
    /// Append accepted data payloads with their receive times.
    Events(Events),
    /// Flush and close a file.
    Close {
        /// The file.
        file: FileId,
        /// Why, which decides what becomes of its sidecar.
        why: Closing,
    },
}

/// Why a replay file is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// The server stops: the match comes back at the next start, so the
    /// sidecar stays.
    Stop,
    /// The game ended: the sidecar keeps the finished game's team info
    /// (JSON) and no longer makes the match come back.
    GameEnd {
        /// What `/getTeamInfoForCode` answers for it.
        team_info: String,
    },
    /// The match was removed for another reason: the sidecar goes.
    Removed,
}

/// Accepted data payloads in arrival order, each with its file and
/// receive time.
pub type Events = TextBatch<(FileId, u64)>;

/// Counters a writer returns when it stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Files created and given their header.
    pub files_opened: u64,
    /// Data payloads appended.
    pub events_written: u64,
    /// Records for a file that was never opened or has failed.
    pub events_skipped: u64,
    /// Files closed because a create or write failed.
    pub files_failed: u64,
}

/// The match thread's end of the channel.
pub struct ReplaySink {
    tx: Sender<Record>,
    /// Events not sent yet.
    gathered: Events,
    dropped: u64,
    last_warning: Option<Instant>,
}

impl ReplaySink {
    fn new(tx: Sender<Record>) -> Self {
        ReplaySink {
            tx,
            gathered: Events::default(),
            dropped: 0,
            last_warning: None,
        }
    }

    /// Gathers an event for the next [`ReplaySink::flush`] (sent at once
    /// when many are gathered).
    pub fn event(&mut self, file: FileId, payload_json: &str, timestamp_ms: u64) {
        self.gathered.push((file, timestamp_ms), Some(payload_json));
        if self.gathered.is_full() {
            self.flush();
        }
    }

    /// Sends the gathered events; false when they were dropped.
    pub fn flush(&mut self) -> bool {
        if self.gathered.is_empty() {
            return true;
        }
        let events = std::mem::take(&mut self.gathered);
        self.queue(Record::Events(events))
    }

    /// Queues a record after the gathered events, without waiting; returns
    /// false (and counts what was lost) when the writer is behind or gone.
    pub fn send(&mut self, record: Record) -> bool {
        let flushed = self.flush();
        self.queue(record) && flushed
    }

    fn queue(&mut self, record: Record) -> bool {
        match self.tx.try_send(record) {
            Ok(()) => true,
            Err(TrySendError::Full(record)) | Err(TrySendError::Disconnected(record)) => {
                self.dropped += match &record {
                    Record::Events(events) => events.len() as u64,
                    _ => 1,
                };
                let now = Instant::now();
                if self
                    .last_warning
                    .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
                {
                    self.last_warning = Some(now);
                    log::warn!(
                        "replay writer is behind: {} record(s) dropped so far",
                        self.dropped
                    );
                }
                false
            }
        }
    }

    /// Events and other records dropped because the writer was behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

impl Drop for ReplaySink {
    fn drop(&mut self) {
        self.flush();
    }
}

/// A sink whose records go to the returned receiver instead of a writer
/// thread (tests, tools).
pub fn channel(capacity: usize) -> (ReplaySink, Receiver<Record>) {
    let (tx, rx) = crossbeam_channel::bounded(capacity);
    (ReplaySink::new(tx), rx)
}

/// The writer thread; [`ReplayWriter::join`] it after dropping the sink.
pub struct ReplayWriter {
    handle: JoinHandle<WriterStats>,
}

impl ReplayWriter {
    /// Waits until every queued record is written and the files are flushed.
    pub fn join(self) -> WriterStats {
        self.handle.join().unwrap_or_default()
    }
}

/// Starts a writer for files in `dir` (created when the first file opens).
pub fn spawn(dir: PathBuf, capacity: usize) -> io::Result<(ReplaySink, ReplayWriter)> {
    let (tx, rx) = crossbeam_channel::bounded(capacity);
    let handle = std::thread::Builder::new()
        .name("replay-writer".into())
        .spawn(move || run(rx, Files::new(dir, create_file)))?;
    Ok((ReplaySink::new(tx), ReplayWriter { handle }))
}

fn create_file(path: &Path) -> io::Result<File> {
    File::create(path)
}

/// The longest an accepted event waits in a buffer before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

fn run(rx: Receiver<Record>, mut files: Files) -> WriterStats {
    let mut flushed = Instant::now();
    loop {
        match rx.recv_timeout(FLUSH_EVERY) {
            Ok(record) => files.apply(record),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if flushed.elapsed() >= FLUSH_EVERY {
            files.flush_all();
            flushed = Instant::now();
        }
    }
    files.close_all();
    files.stats
}

type Opener = fn(&Path) -> io::Result<File>;

/// A name that is not a plain file name never comes from the hub; it is
/// refused anyway rather than written outside the folder.
fn plain_name(name: &str) -> bool {
    !(name.contains(['/', '\\']) || name.is_empty() || name == "." || name == "..")
}

/// An open replay file and what its sidecar holds.
struct Open {
    path: PathBuf,
    w: BufWriter<File>,
    sidecar: Sidecar,
}

/// The open files and what to do with a record; the thread around it only
/// moves records in.
struct Files {
    dir: PathBuf,
    open: Opener,
    files: HashMap<FileId, Open>,
    dir_ready: bool,
    stats: WriterStats,
    /// The line being written (kept to reuse its allocation).
    line: String,
}

impl Files {
    fn new(dir: PathBuf, open: Opener) -> Self {
        Files {
            dir,
            open,
            files: HashMap::new(),
            dir_ready: false,
            stats: WriterStats::default(),
            line: String::new(),
        }
    }

    fn apply(&mut self, record: Record) {
        match record {
            Record::Open {
                file,
                name,
                logon_json,
                key_check,
                start_ms,
                secret,
            } => {
                let sidecar = Sidecar {
                    group_secret: secret,
                    created_ms: start_ms,
                    ended: false,
                    team_info: None,
                };
                self.open(file, &name, &logon_json, &key_check, sidecar)
            }
            Record::Resume {
                file,
                name,
                keep,
                sidecar,
            } => self.resume(file, &name, keep, sidecar),
            Record::Events(events) => {
                for ((file, timestamp_ms), payload) in events.iter() {
                    self.event(file, payload.unwrap_or_default(), timestamp_ms);
                }
            }
            Record::Close { file, why } => {
                let Some(mut open) = self.files.remove(&file) else {
                    return;
                };
                if let Err(e) = open.w.flush() {
                    self.stats.files_failed += 1;
                    log::error!("replay file {}: {e}", open.path.display());
                }
                let side = open.path.with_extension("recovery");
                let kept = match why {
                    Closing::Stop => Ok(()),
                    Closing::Removed => match std::fs::remove_file(&side) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                        _ => Ok(()),
                    },
                    Closing::GameEnd { team_info } => {
                        open.sidecar.ended = true;
                        open.sidecar.team_info = Some(team_info);
                        sidecar::write(&side, &open.sidecar)
                    }
                };
                if let Err(e) = kept {
                    log::error!("replay sidecar {}: {e}", side.display());
                }
            }
        }
    }

    /// Appends to an existing file, cut back to `keep` bytes.
    fn resume(&mut self, file: FileId, name: &str, keep: u64, sidecar: Sidecar) {
        if !plain_name(name) {
            log::error!("replay file name {name:?} refused");
            self.stats.files_failed += 1;
            return;
        }
        let path = self.dir.join(name);
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| {
                f.set_len(keep)?;
                Ok(f)
            })
            .and_then(|mut f| {
                use std::io::Seek;
                f.seek(io::SeekFrom::End(0))?;
                Ok(f)
            });
        match opened {
            Ok(f) => {
                log::info!("resuming replay file {}", path.display());
                let w = BufWriter::with_capacity(64 * 1024, f);
                self.files.insert(file, Open { path, w, sidecar });
            }
            Err(e) => {
                log::error!("replay file {}: cannot resume it: {e}", path.display());
                self.stats.files_failed += 1;
            }
        }
    }

    fn open(
        &mut self,
        file: FileId,
        name: &str,
        logon: &str,
        key_check: &KeyCheck,
        sidecar: Sidecar,
    ) {
        if !plain_name(name) {
            log::error!("replay file name {name:?} refused");
            self.stats.files_failed += 1;
            return;
        }
        let header = match format::header(logon, key_check, sidecar.created_ms) {
            Ok(h) => h,
            Err(e) => {
                log::error!("replay file {name}: header not written: {e}");
                self.stats.files_failed += 1;
                return;
            }
        };
        if !self.dir_ready {
            if let Err(e) = std::fs::create_dir_all(&self.dir) {
                log::error!("replay folder {}: {e}", self.dir.display());
                self.stats.files_failed += 1;
                return;
            }
            self.dir_ready = true;
        }
        let path = self.dir.join(name);
        let mut w = match (self.open)(&path) {
            Ok(f) => BufWriter::with_capacity(64 * 1024, f),
            Err(e) => {
                log::error!("replay file {}: {e}", path.display());
                self.stats.files_failed += 1;
                return;
            }
        };
        log::info!("opening replay file {}", path.display());
        match w.write_all(header.as_bytes()) {
            Ok(()) => {
                self.stats.files_opened += 1;
                if let Err(e) = sidecar::write(&path.with_extension("recovery"), &sidecar) {
                    log::error!(
                        "replay file {}: no recovery sidecar, the match will not come back after a restart: {e}",
                        path.display()
                    );
                }
                self.files.insert(file, Open { path, w, sidecar });
            }
            Err(e) => {
                log::error!("replay file {}: {e}", path.display());
                self.stats.files_failed += 1;
            }
        }
    }

    fn event(&mut self, file: FileId, payload: &str, timestamp_ms: u64) {
        let Some(Open { path, w, .. }) = self.files.get_mut(&file) else {
            self.stats.events_skipped += 1;
            return;
        };
        self.line.clear();
        self.line.push_str(format::DELIMITER);
        if let Err(e) = format::event(payload, timestamp_ms, &mut self.line) {
            log::error!("replay file {}: event not written: {e}", path.display());
            self.stats.events_skipped += 1;
            return;
        }
        let written = w.write_all(self.line.as_bytes());
        match written {
            Ok(()) => self.stats.events_written += 1,
            Err(e) => {
                log::error!(
                    "replay file {}: {e}; no more events are written to it",
                    path.display()
                );
                self.files.remove(&file);
                self.stats.files_failed += 1;
                self.stats.events_skipped += 1;
            }
        }
    }

    fn flush_all(&mut self) {
        let mut failed = Vec::new();
        for (id, Open { path, w, .. }) in self.files.iter_mut() {
            if let Err(e) = w.flush() {
                log::error!(
                    "replay file {}: {e}; no more events are written to it",
                    path.display()
                );
                failed.push(*id);
            }
        }
        for id in failed {
            self.files.remove(&id);
            self.stats.files_failed += 1;
        }
    }

    fn close_all(&mut self) {
        self.flush_all();
        self.files.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("spectra-replay-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    const LOGON: &str = r#"{"type":"authenticate","clientVersion":"0.3.20","obsName":"O","key":"k","groupCode":"G1"}"#;

    fn open(file: FileId, name: &str) -> Record {
        Record::Open {
            file,
            name: name.into(),
            logon_json: LOGON.into(),
            key_check: KeyCheck::default(),
            start_ms: 1000,
            secret: "SECRET".into(),
        }
    }

    fn close(file: FileId) -> Record {
        Record::Close {
            file,
            why: Closing::Stop,
        }
    }

    const MAP: &str = r#"{"obsName":"O","groupCode":"G1","type":"map","data":"Ascent"}"#;

    fn ev(file: FileId, t: u64) -> Record {
        let mut events = Events::default();
        events.push((file, t), Some(MAP));
        Record::Events(events)
    }

    #[test]
    fn thread_writes_the_reference_format_and_flushes_on_shutdown() {
        let dir = temp_dir("thread");
        let (mut sink, writer) = spawn(dir.clone(), 16).unwrap();
        assert!(sink.send(open(1, "Match_G1_1000.replay")));
        assert!(sink.send(ev(1, 1001)));
        assert!(sink.send(ev(1, 1002)));
        drop(sink);
        let stats = writer.join();
        assert_eq!(stats.files_opened, 1);
        assert_eq!(stats.events_written, 2);
        let text = std::fs::read_to_string(dir.join("Match_G1_1000.replay")).unwrap();
        assert_eq!(
            text,
            "{\"clientVersion\":\"0.3.20\",\"obsName\":\"O\",\"groupCode\":\"G1\",\"logStartTime\":1000},\n\
             {\"obsName\":\"O\",\"groupCode\":\"G1\",\"type\":\"map\",\"data\":\"Ascent\",\"timestamp\":1001},\n\
             {\"obsName\":\"O\",\"groupCode\":\"G1\",\"type\":\"map\",\"data\":\"Ascent\",\"timestamp\":1002}"
        );
        // The reference's player reads it by wrapping it in brackets.
        let all: serde_json::Value = serde_json::from_str(&format!("[{text}]")).unwrap();
        assert_eq!(all.as_array().map(Vec::len), Some(3));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_full_channel_drops_and_counts_without_waiting() {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let mut sink = ReplaySink::new(tx);
        assert!(sink.send(ev(1, 1)));
        assert!(!sink.send(ev(1, 2)));
        assert!(!sink.send(ev(1, 3)));
        assert_eq!(sink.dropped(), 2);
        drop(rx);
        assert!(!sink.send(ev(1, 4)), "a stopped writer is not waited for");
        assert_eq!(sink.dropped(), 3);
    }

    #[test]
    fn events_are_gathered_into_one_record_sent_before_the_next_record() {
        let (mut sink, rx) = channel(4);
        sink.event(1, MAP, 10);
        sink.event(2, "{}", 11);
        assert!(rx.try_recv().is_err(), "gathered, not sent");
        assert!(sink.send(close(1)));
        let Ok(Record::Events(events)) = rx.try_recv() else {
            panic!("the events first");
        };
        let got: Vec<_> = events.iter().collect();
        assert_eq!(got, [((1, 10), Some(MAP)), ((2, 11), Some("{}"))]);
        assert_eq!(rx.try_recv(), Ok(close(1)));
        for t in 0..crate::text_batch::MAX_ITEMS as u64 {
            sink.event(1, MAP, t);
        }
        let Ok(Record::Events(events)) = rx.try_recv() else {
            panic!("a full gathering is sent at once");
        };
        assert_eq!(events.len(), crate::text_batch::MAX_ITEMS);
        sink.event(1, MAP, 1);
        drop(sink);
        assert!(
            matches!(rx.try_recv(), Ok(Record::Events(e)) if e.len() == 1),
            "sent on drop"
        );
    }

    #[test]
    fn dropped_gatherings_count_their_events() {
        let (mut sink, _rx) = channel(1);
        assert!(sink.send(close(9)));
        sink.event(1, MAP, 1);
        sink.event(1, MAP, 2);
        sink.event(1, MAP, 3);
        assert!(!sink.flush());
        assert_eq!(sink.dropped(), 3);
    }

    fn dev_full(_: &Path) -> io::Result<File> {
        File::options().write(true).open("/dev/full")
    }

    #[test]
    fn a_full_disk_is_logged_and_the_file_given_up() {
        let dir = temp_dir("full");
        let mut files = Files::new(dir.clone(), dev_full);
        files.apply(open(7, "Match_G1_1000.replay"));
        // Buffered: the header fits in the buffer, so the failure shows on flush.
        for t in 0..2000 {
            files.apply(ev(7, t));
        }
        files.flush_all();
        assert_eq!(files.stats.files_failed, 1);
        assert!(files.files.is_empty());
        assert!(files.stats.events_skipped > 0);
        files.apply(ev(7, 1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn events_for_unknown_files_and_bad_names_are_skipped() {
        let dir = temp_dir("unknown");
        let mut files = Files::new(dir.clone(), create_file);
        files.apply(ev(3, 1));
        assert_eq!(files.stats.events_skipped, 1);
        files.apply(open(4, "../escape.replay"));
        assert_eq!(files.stats.files_failed, 1);
        assert!(!dir.join("../escape.replay").exists());
        files.apply(open(5, "Match_x_1.replay"));
        let mut events = Events::default();
        events.push((5, 1), Some("not json"));
        files.apply(Record::Events(events));
        assert_eq!(files.stats.events_skipped, 2);
        files.apply(close(5));
        assert!(files.files.is_empty());
        assert_eq!(
            std::fs::read_to_string(dir.join("Match_x_1.replay")).unwrap(),
            "{\"clientVersion\":\"0.3.20\",\"obsName\":\"O\",\"groupCode\":\"G1\",\"logStartTime\":1000}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_sidecar_follows_the_match_and_a_resumed_file_continues_whole() {
        let dir = temp_dir("sidecar");
        let mut files = Files::new(dir.clone(), create_file);
        let side = dir.join("Match_G1_1000.recovery");
        files.apply(open(1, "Match_G1_1000.replay"));
        files.apply(ev(1, 1001));
        files.apply(close(1));
        let live = sidecar::read(&side).unwrap();
        assert_eq!(
            (live.group_secret.as_str(), live.created_ms),
            ("SECRET", 1000)
        );
        assert!(!live.ended, "a stop leaves the match to come back");

        // After a crash mid-item: cut back to the complete items, go on.
        let path = dir.join("Match_G1_1000.replay");
        let whole = std::fs::read(&path).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(b",\n{\"obsName\":\"O\",\"ty");
        std::fs::write(&path, &torn).unwrap();
        files.apply(Record::Resume {
            file: 2,
            name: "Match_G1_1000.replay".into(),
            keep: whole.len() as u64,
            sidecar: live,
        });
        files.apply(ev(2, 1002));
        files.apply(Record::Close {
            file: 2,
            why: Closing::GameEnd {
                team_info: r#"{"higherScore":1}"#.into(),
            },
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let all: serde_json::Value = serde_json::from_str(&format!("[{text}]")).unwrap();
        assert_eq!(all.as_array().map(Vec::len), Some(3));
        let ended = sidecar::read(&side).unwrap();
        assert!(ended.ended);
        assert_eq!(ended.team_info.as_deref(), Some(r#"{"higherScore":1}"#));

        files.apply(open(3, "Match_G2_5.replay"));
        files.apply(Record::Close {
            file: 3,
            why: Closing::Removed,
        });
        assert!(!dir.join("Match_G2_5.recovery").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
