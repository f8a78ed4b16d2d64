//! Timers as data: a due time and a creation sequence number. Timers due at
//! the same millisecond fire in creation order (an interval keeps the
//! sequence number it was created with), as Node's timers do.

/// A pending timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timer {
    pub due: u64,
    pub seq: u64,
}

/// Hands out creation sequence numbers, shared by every timer in a registry.
#[derive(Debug, Default, Clone)]
pub struct TimerSeq(u64);

impl TimerSeq {
    pub(crate) fn timer(&mut self, now: u64, delay: u64) -> Timer {
        self.0 += 1;
        Timer {
            due: now.saturating_add(delay),
            seq: self.0,
        }
    }
}

/// Node's `setTimeout` delay rule: anything that is not a number in
/// 1..=2^31-1 ms becomes 1 ms.
pub fn js_delay(ms: f64) -> u64 {
    if (1.0..=2_147_483_647.0).contains(&ms) {
        ms as u64
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_delay_rule_clamps_to_one_millisecond() {
        assert_eq!(js_delay(f64::NAN), 1);
        assert_eq!(js_delay(0.0), 1);
        assert_eq!(js_delay(-5.0), 1);
        assert_eq!(js_delay(3e9), 1);
        assert_eq!(js_delay(5000.0), 5000);
    }

    #[test]
    fn earlier_created_timer_sorts_first_at_the_same_due_time() {
        let mut seq = TimerSeq::default();
        let a = seq.timer(100, 900);
        let b = seq.timer(500, 500);
        assert!(a < b);
    }
}
