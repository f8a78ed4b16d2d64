//! What a reactor counts, for `/metrics`, without costing the hot path: the
//! reactor's thread counts in plain integers and publishes them into its own
//! atomics with plain stores once per loop turn; whoever reads the metrics
//! loads them. No atomic is shared between writers, and none is touched per
//! frame.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds, in seconds, of the buckets of the histograms kept here.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

/// A histogram of durations counted by one thread.
#[derive(Debug, Default, Clone)]
pub struct LocalHistogram {
    /// Observations per bucket of [`BUCKETS`], then past the last.
    counts: [u64; BUCKETS.len() + 1],
    sum_us: u64,
}

impl LocalHistogram {
    /// Counts one duration.
    pub fn observe(&mut self, d: Duration) {
        let s = d.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|b| s <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[i] += 1;
        self.sum_us += u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    }

    /// Stores the counts where readers load them.
    pub fn publish(&self, to: &Histogram) {
        for (slot, n) in to.counts.iter().zip(self.counts) {
            slot.store(n, Ordering::Relaxed);
        }
        to.sum_us.store(self.sum_us, Ordering::Relaxed);
    }
}

/// A histogram one thread publishes and any thread reads.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_us: AtomicU64,
}

impl Histogram {
    /// The observations per bucket (bounds from [`BUCKETS`], the last one
    /// unbounded), and their sum in seconds.
    pub fn read(&self) -> ([u64; BUCKETS.len() + 1], f64) {
        let counts = std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed));
        (counts, self.sum_us.load(Ordering::Relaxed) as f64 / 1e6)
    }
}

/// A reactor's counts since it started.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Bytes the kernel took.
    pub bytes_sent: u64,
    /// Latest-wins frames (broadcasts) written whole.
    pub latest_written: u64,
    /// Latest-wins frames replaced unwritten by a newer one.
    pub latest_replaced: u64,
    /// From a broadcast round's start to the last frame of it written.
    pub rounds: LocalHistogram,
}

/// Where a reactor publishes its [`Stats`].
#[derive(Debug, Default)]
pub struct Counters {
    bytes_sent: AtomicU64,
    latest_written: AtomicU64,
    latest_replaced: AtomicU64,
    /// Broadcast rounds, as [`Stats::rounds`].
    pub rounds: Histogram,
    /// Open sessions of the protocol on top (published by the service).
    pub sessions: AtomicU64,
}

impl Counters {
    /// Stores `stats`.
    pub(super) fn publish(&self, stats: &Stats) {
        self.bytes_sent.store(stats.bytes_sent, Ordering::Relaxed);
        self.latest_written
            .store(stats.latest_written, Ordering::Relaxed);
        self.latest_replaced
            .store(stats.latest_replaced, Ordering::Relaxed);
        stats.rounds.publish(&self.rounds);
    }

    /// Publishes `delivered` and `dropped` latest-wins frames, as a
    /// reactor would (for tests of what reads them).
    #[cfg(test)]
    pub(crate) fn publish_for_test(&self, delivered: u64, dropped: u64) {
        self.publish(&Stats {
            latest_written: delivered,
            latest_replaced: dropped,
            ..Stats::default()
        });
    }

    /// The last published counts (the histogram is read on its own).
    pub fn read(&self) -> Stats {
        Stats {
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            latest_written: self.latest_written.load(Ordering::Relaxed),
            latest_replaced: self.latest_replaced.load(Ordering::Relaxed),
            rounds: LocalHistogram::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_into_its_bucket_and_publishes() {
        let mut h = LocalHistogram::default();
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(150));
        h.observe(Duration::from_secs(60));
        let shared = Histogram::default();
        h.publish(&shared);
        let (counts, sum) = shared.read();
        assert_eq!(counts[0], 1);
        assert_eq!(counts[7], 1, "0.15 s is within 0.2 s");
        assert_eq!(counts[BUCKETS.len()], 1, "past the last bound");
        assert!((sum - 60.1505).abs() < 1e-6, "{sum}");
    }
}
