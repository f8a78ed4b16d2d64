//! The match thread's wall clock: the game model's times (`Date.now()` in
//! the reference) are milliseconds since the epoch. Normally the system
//! clock; with `SPECTRA_TEST_CLOCK=true` a clock that only moves when a test
//! sets it, so a recorded game can be replayed time-compressed and still
//! produce the recorded states.

use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clock {
    System,
    /// Set by `__test_clock` events; never moves backwards.
    Test {
        now_ms: u64,
    },
}

impl Clock {
    pub(crate) fn new(test: bool) -> Self {
        if test {
            Clock::Test { now_ms: 0 }
        } else {
            Clock::System
        }
    }

    /// Milliseconds since the epoch.
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
            Clock::Test { now_ms } => *now_ms,
        }
    }

    pub(crate) fn is_test(&self) -> bool {
        matches!(self, Clock::Test { .. })
    }

    /// Moves a test clock forward to `ms`; returns false (and does nothing)
    /// for the system clock.
    pub fn set(&mut self, ms: u64) -> bool {
        match self {
            Clock::System => false,
            Clock::Test { now_ms } => {
                *now_ms = (*now_ms).max(ms);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_clock_moves_only_forward_and_only_when_set() {
        let mut c = Clock::new(true);
        assert_eq!(c.now_ms(), 0);
        assert!(c.set(1_750_000_000_000));
        assert_eq!(c.now_ms(), 1_750_000_000_000);
        assert!(c.set(5));
        assert_eq!(c.now_ms(), 1_750_000_000_000);
    }

    #[test]
    fn the_system_clock_reads_the_epoch_and_cannot_be_set() {
        let mut c = Clock::new(false);
        assert!(c.now_ms() > 1_700_000_000_000);
        assert!(!c.set(1));
        assert!(!c.is_test());
    }
}
