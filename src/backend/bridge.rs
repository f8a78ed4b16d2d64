//! The match thread's side of the backend: which calls each moment of a
//! match's life makes (pure, from the reference's rules), and a [`Bridge`]
//! that submits them and hands every result back as one [`Finished`] value
//! through a sink the match thread chooses (in the server: a send on its
//! command channel, which wakes it). The match thread never waits.
//!
//! The moments and their calls, as the reference makes them with
//! `USE_BACKEND=true`:
//! - match created (after a valid logon): playercams, if the match's tools
//!   carry a playercam identifier and secret;
//! - `match_start`: register; once the backend answered, the match is
//!   registered and the stats calls follow (add match, region, player MMR);
//! - round phase `shopping`: update (registered, round ≠ 1) and playercams;
//! - `game_end`: complete (registered), then stats fetch 15 s later;
//! - idle removal (30 min): complete (registered).

use std::sync::Arc;
use std::time::Duration;

use super::key::{KeyCheck, ValidateKey};
use super::match_sync::{SyncKind, SyncMatch, SyncOutcome};
use super::playercam::{FetchPlayercams, PlayercamOutcome, wanted};
use super::pool::{Backend, Job};
use super::stats::{FETCH_STATS_DELAY_MS, PlayerMmr, StatsFetch, StatsMatchStart};

pub use crate::game::ConnId;

/// A result for the match thread to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Finished {
    /// An observer's key was checked: answer its logon now.
    KeyChecked {
        /// The observer's ingest connection.
        conn: ConnId,
        /// The backend's verdict.
        check: KeyCheck,
    },
    /// The register call came back: the match is registered when
    /// [`super::registered`] says so; then call [`Bridge::registered`].
    Registered {
        /// The match's group code.
        group_code: String,
        /// The backend's status, or why there was none.
        outcome: SyncOutcome,
    },
    /// Playercam settings to put into the match's tools (and count as a change).
    Playercams {
        /// The match's group code.
        group_code: String,
        /// The settings, or why there are none.
        outcome: PlayercamOutcome,
    },
    /// Player tiers to set on the match's players.
    PlayerMmr {
        /// The match's group code.
        group_code: String,
        /// One entry per player the stats service knew.
        tiers: Vec<PlayerMmr>,
    },
}

/// The match-side facts a moment needs, read from the match at that moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchFacts {
    /// The match's group code, to route the results back to it.
    pub group_code: String,
    /// The match's id, as the backend and the stats service name it.
    pub match_id: String,
    /// The match object's JSON text in the backend's form.
    pub match_json: String,
    /// `tools.playercamsInfo.identifier`.
    pub playercam_identifier: String,
    /// `tools.playercamsInfo.secret`.
    pub playercam_secret: String,
    /// Whether the register call has come back.
    pub registered: bool,
}

/// A moment of a match's life that may call out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Moment {
    /// The match was created by a valid logon.
    Created,
    /// `match_start`.
    Started,
    /// A `shopping` round phase, with the round number.
    Shopping {
        /// The round number, as the match holds it.
        round: f64,
    },
    /// `game_end`.
    GameEnd,
    /// The match was dropped after 30 minutes without a broadcast.
    IdleRemoval,
}

/// One call a moment makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    /// A register, update or complete call.
    Sync(SyncKind),
    /// Fetch the match's playercam settings.
    Playercams,
    /// `fetchMatchStats`, after [`FETCH_STATS_DELAY_MS`].
    StatsFetchLater,
}

/// The calls `moment` makes for a match with these facts, in order.
pub fn plan(moment: Moment, facts: &MatchFacts) -> Vec<Planned> {
    let cams = wanted(&facts.playercam_identifier, &facts.playercam_secret);
    let mut out = Vec::new();
    match moment {
        Moment::Created => {
            if cams {
                out.push(Planned::Playercams);
            }
        }
        Moment::Started => out.push(Planned::Sync(SyncKind::Register)),
        Moment::Shopping { round } => {
            if cams {
                out.push(Planned::Playercams);
            }
            if facts.registered && round != 1.0 {
                out.push(Planned::Sync(SyncKind::Update));
            }
        }
        Moment::GameEnd => {
            if facts.registered {
                out.push(Planned::Sync(SyncKind::Complete));
                out.push(Planned::StatsFetchLater);
            }
        }
        Moment::IdleRemoval => {
            if facts.registered {
                out.push(Planned::Sync(SyncKind::Complete));
            }
        }
    }
    out
}

type Sink = Arc<dyn Fn(Finished) + Send + Sync>;

/// Submits the calls and routes their results to the sink.
pub struct Bridge {
    backend: Backend,
    sink: Sink,
    stats_delay: Duration,
}

impl Bridge {
    /// Submits to `backend`'s workers; the result of every job that ran is
    /// handed to `sink`, on the thread that finished the job.
    pub fn new(backend: Backend, sink: impl Fn(Finished) + Send + Sync + 'static) -> Self {
        Bridge {
            backend,
            sink: Arc::new(sink),
            stats_delay: Duration::from_millis(FETCH_STATS_DELAY_MS),
        }
    }

    /// Shortens the reference's 15 s wait before `fetchMatchStats` (tests).
    pub fn with_stats_delay(mut self, delay: Duration) -> Self {
        self.stats_delay = delay;
        self
    }

    /// The worker pool the calls go to.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Submits `job`. A refused job's outcome is returned instead of going
    /// through the sink: the caller is the match thread, which must not post
    /// to its own (bounded) command queue.
    #[must_use]
    fn submit<J: Job>(
        &self,
        job: J,
        wrap: impl Fn(J::Output) -> Finished + Send + Sync + 'static,
    ) -> Option<Finished> {
        let wrap = Arc::new(wrap);
        let sink = self.sink.clone();
        let w = wrap.clone();
        self.backend
            .submit(job, move |out| sink(w(out)))
            .err()
            .map(|out| wrap(out))
    }

    /// Checks an observer's key; the logon is answered on
    /// [`Finished::KeyChecked`] (returned at once when refused).
    #[must_use]
    pub fn verify_key(&self, conn: ConnId, key: String) -> Option<Finished> {
        self.submit(ValidateKey { key }, move |check| Finished::KeyChecked {
            conn,
            check,
        })
    }

    /// Makes the calls of `moment`; results of refused calls are returned.
    #[must_use]
    pub fn moment(&self, moment: Moment, facts: &MatchFacts) -> Vec<Finished> {
        let mut refused = Vec::new();
        for call in plan(moment, facts) {
            match call {
                Planned::Playercams => {
                    let group_code = facts.group_code.clone();
                    refused.extend(self.submit(
                        FetchPlayercams {
                            identifier: facts.playercam_identifier.clone(),
                            secret: facts.playercam_secret.clone(),
                        },
                        move |outcome| Finished::Playercams {
                            group_code: group_code.clone(),
                            outcome,
                        },
                    ));
                }
                Planned::Sync(kind) => {
                    let job = SyncMatch {
                        kind,
                        match_id: facts.match_id.clone(),
                        match_json: facts.match_json.clone(),
                    };
                    if kind == SyncKind::Register {
                        let group_code = facts.group_code.clone();
                        refused.extend(self.submit(job, move |outcome| Finished::Registered {
                            group_code: group_code.clone(),
                            outcome,
                        }));
                    } else {
                        // Only logged, as in the reference (refusals too).
                        let _ = self.backend.submit(job, drop);
                    }
                }
                Planned::StatsFetchLater => {
                    let job = StatsFetch {
                        match_id: facts.match_id.clone(),
                    };
                    self.backend.submit_after(self.stats_delay, job, drop);
                }
            }
        }
        refused
    }

    /// After a register answer: the stats calls, whose tiers come back as
    /// [`Finished::PlayerMmr`] (returned at once when refused). `first_player_id` is the first team's first
    /// player (`""` when it has none); `player_ids` are both teams' players.
    pub fn registered(
        &self,
        group_code: &str,
        match_id: &str,
        first_player_id: String,
        player_ids: Vec<String>,
    ) -> Option<Finished> {
        let group = group_code.to_owned();
        self.submit(
            StatsMatchStart {
                group_code: group_code.to_owned(),
                match_id: match_id.to_owned(),
                first_player_id,
                player_ids,
            },
            move |tiers| Finished::PlayerMmr {
                group_code: group.clone(),
                tiers,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(registered: bool, cams: bool) -> MatchFacts {
        MatchFacts {
            group_code: "G".into(),
            match_id: "m".into(),
            match_json: "{}".into(),
            playercam_identifier: if cams { "id".into() } else { String::new() },
            playercam_secret: "s".into(),
            registered,
        }
    }

    #[test]
    fn moments_plan_the_reference_calls() {
        use Planned::*;
        assert_eq!(plan(Moment::Created, &facts(false, true)), vec![Playercams]);
        assert_eq!(plan(Moment::Created, &facts(false, false)), vec![]);
        assert_eq!(
            plan(Moment::Started, &facts(false, false)),
            vec![Sync(SyncKind::Register)]
        );
        assert_eq!(
            plan(Moment::Shopping { round: 1.0 }, &facts(true, true)),
            vec![Playercams]
        );
        assert_eq!(
            plan(Moment::Shopping { round: 2.0 }, &facts(true, true)),
            vec![Playercams, Sync(SyncKind::Update)]
        );
        assert_eq!(
            plan(Moment::Shopping { round: 2.0 }, &facts(false, false)),
            vec![]
        );
        assert_eq!(
            plan(Moment::GameEnd, &facts(true, false)),
            vec![Sync(SyncKind::Complete), StatsFetchLater]
        );
        assert_eq!(plan(Moment::GameEnd, &facts(false, true)), vec![]);
        assert_eq!(
            plan(Moment::IdleRemoval, &facts(true, false)),
            vec![Sync(SyncKind::Complete)]
        );
        assert_eq!(plan(Moment::IdleRemoval, &facts(false, false)), vec![]);
    }
}
