//! The log's summary line: what an operator reading the log wants every
//! minute instead of a line per overlay, from the same counts `/metrics`
//! reads.

use std::time::Instant;

use super::Sources;

/// Builds the summary lines, each about the time since the one before.
#[derive(Debug)]
pub struct Summary {
    sources: Sources,
    /// When the last line was built, and the deliveries and drops then.
    last: (Instant, u64, u64),
}

impl Summary {
    /// Summaries of `sources` from `now` on.
    pub fn new(sources: Sources, now: Instant) -> Self {
        let (delivered, dropped) = sources.deliveries_and_drops();
        Summary {
            sources,
            last: (now, delivered, dropped),
        }
    }

    /// The line for the time since the last one (or since [`Summary::new`]).
    pub fn line(&mut self, now: Instant) -> String {
        let (delivered, dropped) = self.sources.deliveries_and_drops();
        let (since, delivered_then, dropped_then) = self.last;
        self.last = (now, delivered, dropped);
        let secs = now.saturating_duration_since(since).as_secs_f64();
        let rate = match secs > 0.0 {
            true => delivered.saturating_sub(delivered_then) as f64 / secs,
            false => 0.0,
        };
        let connections: Vec<String> = self
            .sources
            .port_names()
            .into_iter()
            .filter(|p| *p != "rest")
            .map(|p| format!("{p} {}", self.sources.sessions(p)))
            .collect();
        format!(
            "connections: {}; live matches: {}; match_data delivered: {rate:.0}/s; dropped (slow readers): {} in the last {secs:.0} s",
            connections.join(", "),
            (self.sources.matches)(),
            dropped.saturating_sub(dropped_then),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::*;
    use crate::metrics::{Events, LogonCounts};
    use crate::net::counters::Counters;

    #[test]
    fn a_line_says_what_happened_since_the_last_one() {
        let ingest = Arc::new(Counters::default());
        let shards = [Arc::new(Counters::default()), Arc::new(Counters::default())];
        let sources = Sources {
            ports: vec![
                ("ingest", ingest.clone()),
                ("broadcast", shards[0].clone()),
                ("broadcast", shards[1].clone()),
                ("rest", Arc::new(Counters::default())),
            ],
            hub: None,
            matches: Arc::new(|| 2),
            frontend_logons: Arc::new(LogonCounts::default()),
            backend: Events::default(),
        };
        let start = Instant::now();
        shards[0].publish_for_test(100, 1);
        let mut summary = Summary::new(sources, start);
        ingest.sessions.store(1, Ordering::Relaxed);
        shards[0].sessions.store(3, Ordering::Relaxed);
        shards[1].sessions.store(4, Ordering::Relaxed);
        shards[0].publish_for_test(700, 1);
        shards[1].publish_for_test(600, 5);
        assert_eq!(
            summary.line(start + Duration::from_secs(60)),
            "connections: ingest 1, broadcast 7; live matches: 2; match_data delivered: 20/s; dropped (slow readers): 5 in the last 60 s"
        );
        assert_eq!(
            summary.line(start + Duration::from_secs(120)),
            "connections: ingest 1, broadcast 7; live matches: 2; match_data delivered: 0/s; dropped (slow readers): 0 in the last 60 s"
        );
    }
}
