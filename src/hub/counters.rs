//! What the match thread counts, for `/metrics`: plain integers on the
//! thread, stored into atomics of its own after each command or timer run.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::net::counters::{Histogram, LocalHistogram};

/// The match thread's counts since start.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Accepted `obs_data` events (each in the replay logs, when on).
    pub obs_data: u64,
    /// Accepted `aux_data` events.
    pub aux_data: u64,
    /// Observer and auxiliary logons answered `true`.
    pub logons_accepted: u64,
    /// Observer and auxiliary logons refused.
    pub logons_refused: u64,
    /// Time to build one send-loop tick's broadcasts.
    pub ticks: LocalHistogram,
}

/// Where the match thread publishes its [`Counts`].
#[derive(Debug, Default)]
pub struct MatchCounters {
    obs_data: AtomicU64,
    aux_data: AtomicU64,
    logons_accepted: AtomicU64,
    logons_refused: AtomicU64,
    replay_dropped: AtomicU64,
    /// As [`Counts::ticks`].
    pub ticks: Histogram,
}

impl MatchCounters {
    /// Stores `counts` and the replay records dropped so far.
    pub fn publish(&self, counts: &Counts, replay_dropped: u64) {
        self.obs_data.store(counts.obs_data, Ordering::Relaxed);
        self.aux_data.store(counts.aux_data, Ordering::Relaxed);
        self.logons_accepted
            .store(counts.logons_accepted, Ordering::Relaxed);
        self.logons_refused
            .store(counts.logons_refused, Ordering::Relaxed);
        self.replay_dropped.store(replay_dropped, Ordering::Relaxed);
        counts.ticks.publish(&self.ticks);
    }

    /// The last published counts (the histogram is read on its own), and
    /// the replay records dropped.
    pub fn read(&self) -> (Counts, u64) {
        let c = Counts {
            obs_data: self.obs_data.load(Ordering::Relaxed),
            aux_data: self.aux_data.load(Ordering::Relaxed),
            logons_accepted: self.logons_accepted.load(Ordering::Relaxed),
            logons_refused: self.logons_refused.load(Ordering::Relaxed),
            ticks: LocalHistogram::default(),
        };
        (c, self.replay_dropped.load(Ordering::Relaxed))
    }
}
