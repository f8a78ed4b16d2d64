//! Bringing back, before the match thread starts, the matches that were
//! live when the server last stopped: their replay files' events run
//! through the same model at their recorded times, then the clock goes on
//! to now, so timeouts and pauses that ran out while the server was down
//! end as they would have.
//!
//! All files are replayed together in time order, as the events first
//! arrived: an event routed by match id to several matches was logged in
//! each of their files, and is applied once. Nothing goes out while
//! replaying (no acks, no broadcasts, no replay records); afterwards each
//! recovered match's replay file is resumed and its state broadcast once,
//! so frontends that log on get it at once.

use std::collections::{HashMap, HashSet};

use super::Hub;
use crate::game::{ConnId, Effect, Outcome, Removal};
use crate::replay::recovery::{Found, LiveFile};
use crate::replay::{Closing, Record};

/// What came back.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recovered {
    /// Matches live again.
    pub matches: usize,
    /// Events applied to rebuild them.
    pub events: usize,
    /// Finished games whose team info is served again.
    pub finished: usize,
}

/// One step of the merged replay: a file's logon, or one of its events.
struct Step<'a> {
    at: u64,
    file: usize,
    /// `None`: the file's logon.
    text: Option<&'a str>,
}

/// Matches that ended while being rebuilt: the finished game's team info
/// (JSON) when its game ended, by group code.
type Endings = HashMap<String, Option<String>>;

/// Notes the matches an outcome removed.
fn note_endings(outcome: Outcome, ended: &mut Endings) {
    for e in outcome.effects {
        if let Effect::Removed {
            group_code,
            why,
            last,
        } = e
        {
            let info = (why == Removal::GameEnd).then(|| {
                let mut json = Vec::with_capacity(512);
                last.finished_info().write_json(&mut json);
                String::from_utf8_lossy(&json).into_owned()
            });
            ended.insert(group_code, info);
        }
    }
}

/// The observer a recovered file's events come from: ids no ingest socket
/// ever has (those count up from 1).
fn replayer(file: usize) -> ConnId {
    ConnId::new(u64::MAX - file as u64)
}

impl Hub {
    /// Rebuilds the matches `found` holds, with the clock going on to `now`
    /// (wall-clock milliseconds; with the test clock, the newest event's
    /// time, and the clock is set to it). Call before the thread starts.
    pub fn recover(&mut self, found: &Found, now: u64) -> Recovered {
        let mut done = Recovered::default();
        for g in &found.finished {
            self.team_info.match_created(&g.group_code, g.created_ms);
            self.team_info
                .game_finished(&g.group_code, g.team_info.clone());
            done.finished += 1;
        }
        let newest = found
            .live
            .iter()
            .flat_map(|f| f.events.last().map(|(t, _)| *t))
            .chain(found.live.iter().map(|f| f.sidecar.created_ms))
            .max()
            .unwrap_or(0);
        let now = if self.clock.is_test() {
            self.clock.set(newest);
            self.clock.now_ms()
        } else {
            now
        };
        let mut ended = Endings::new();
        let codes = self.replay_files(&found.live, &mut done, &mut ended);
        self.registry_to(now, &mut ended);
        for (i, f) in found.live.iter().enumerate() {
            let Some(code) = &codes[i] else {
                continue;
            };
            self.resume(code, f);
            if self.registry.get(code).is_some() {
                done.matches += 1;
                continue;
            }
            // Ended before or while the server was down: its sidecar says
            // so now, and it does not come back again.
            log::info!("recovery: match {code:?} ended while the server was down");
            let why = match ended.remove(code).flatten() {
                Some(team_info) => {
                    self.team_info.game_finished(code, team_info.clone());
                    Closing::GameEnd { team_info }
                }
                None => Closing::Removed,
            };
            if let (Some(file), Some(sink)) = (self.files.remove(code), &mut self.out.replay) {
                sink.send(Record::Close { file, why });
            }
        }
        for code in codes.iter().flatten() {
            if self.registry.get(code).is_some() {
                self.broadcast(code);
            }
        }
        self.publish_count();
        done
    }

    /// Applies every file's logon and events in time order; returns each
    /// file's group code (`None`: its logon could not be restored).
    fn replay_files(
        &mut self,
        files: &[LiveFile],
        done: &mut Recovered,
        ended: &mut Endings,
    ) -> Vec<Option<String>> {
        let mut steps: Vec<Step<'_>> = Vec::new();
        for (file, f) in files.iter().enumerate() {
            steps.push(Step {
                at: f.sidecar.created_ms,
                file,
                text: None,
            });
            steps.extend(f.events.iter().map(|(at, text)| Step {
                at: *at,
                file,
                text: Some(text.as_str()),
            }));
        }
        // Stable: a file's own order stands; a logon comes before the
        // events of its millisecond.
        steps.sort_by_key(|s| (s.at, s.text.is_some(), s.file));
        let mut codes: Vec<Option<String>> = vec![None; files.len()];
        // Events of one millisecond already applied, and from which file.
        let mut this_ms: HashMap<&str, usize> = HashMap::new();
        let mut at_ms = None;
        let mut refused: HashSet<usize> = HashSet::new();
        for step in &steps {
            if at_ms != Some(step.at) {
                this_ms.clear();
                at_ms = Some(step.at);
            }
            self.registry_to(step.at, ended);
            let f = &files[step.file];
            let conn = replayer(step.file);
            match step.text {
                None => {
                    match self
                        .registry
                        .restore(conn, &f.header, &f.sidecar.group_secret, step.at)
                    {
                        Ok(code) => codes[step.file] = Some(code),
                        Err(e) => {
                            log::warn!("recovery: {}: its logon cannot be restored: {e}", f.name);
                            refused.insert(step.file);
                        }
                    }
                }
                Some(_) if refused.contains(&step.file) => {}
                Some(text) => {
                    // Logged in every file it was routed to: applied once.
                    match this_ms.get(text) {
                        Some(&other) if other != step.file => continue,
                        _ => {
                            this_ms.insert(text, step.file);
                        }
                    }
                    note_endings(self.registry.obs_data(conn, text, step.at), ended);
                    done.events += 1;
                }
            }
        }
        codes
    }

    /// Fires the registry's timers due by `now`; what they would send is
    /// dropped (nobody is connected yet), the matches they end noted.
    fn registry_to(&mut self, now: u64, ended: &mut Endings) {
        while let Some((_, outcome)) = self.registry.tick_one(now) {
            note_endings(outcome, ended);
        }
    }

    /// Takes a recovered match's replay file and team-info expiry back (the
    /// file is cut back to its complete items either way).
    fn resume(&mut self, code: &str, f: &LiveFile) {
        self.team_info.match_created(code, f.sidecar.created_ms);
        let Some(sink) = &mut self.out.replay else {
            return;
        };
        self.next_file += 1;
        let file = self.next_file;
        self.files.insert(code.to_owned(), file);
        sink.send(Record::Resume {
            file,
            name: f.name.clone(),
            keep: f.keep,
            sidecar: f.sidecar.clone(),
        });
    }
}
