//! Connections to Redis, their names for a room, and when to try again.

use std::time::{Duration, Instant};

use redis::{Client, Connection, RedisResult};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one command may take before the link counts as lost.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// The first and the longest wait between connection attempts: short, so
/// rooms are back in step within a second of Redis coming back.
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LONGEST_RETRY: Duration = Duration::from_millis(500);

/// The channel a room's outputs are published on. The braces are a Redis
/// Cluster hash tag: the channel and the state key live in one slot.
pub fn channel(group: &str) -> String {
    format!("spectra:{{{group}}}:out")
}

/// The key that holds a room's latest output.
pub fn state_key(group: &str) -> String {
    format!("spectra:{{{group}}}:state")
}

/// The group a channel name is for.
pub fn group_of_channel(name: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(name).ok()?;
    s.strip_prefix("spectra:{")?.strip_suffix("}:out")
}

/// A connection and what the server supports.
pub struct Link {
    pub(crate) con: Connection,
    /// Sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7 and later).
    pub sharded: bool,
}

impl Link {
    /// Connects, with command timeouts set, and asks the server's version.
    pub fn open(client: &Client) -> RedisResult<Link> {
        let mut con = client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
        con.set_read_timeout(Some(COMMAND_TIMEOUT))?;
        con.set_write_timeout(Some(COMMAND_TIMEOUT))?;
        let info: String = redis::cmd("INFO").arg("server").query(&mut con)?;
        Ok(Link {
            con,
            sharded: major_version(&info) >= 7,
        })
    }

    pub(crate) fn publish_command(&self) -> &'static str {
        if self.sharded { "SPUBLISH" } else { "PUBLISH" }
    }
}

/// The major version in an `INFO server` answer (0 when absent).
fn major_version(info: &str) -> u32 {
    info.lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .and_then(|v| v.trim().split('.').next()?.parse().ok())
        .unwrap_or(0)
}

/// When to try connecting again: soon at first, then every half second.
#[derive(Debug)]
pub struct Retry {
    wait: Duration,
    next: Instant,
}

impl Retry {
    pub(crate) fn new(now: Instant) -> Self {
        Retry {
            wait: FIRST_RETRY,
            next: now,
        }
    }

    pub(crate) fn due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// How long until the next attempt.
    pub fn left(&self, now: Instant) -> Duration {
        self.next.saturating_duration_since(now)
    }

    /// An attempt failed: wait longer before the next.
    pub fn failed(&mut self, now: Instant) {
        self.next = now + self.wait;
        self.wait = (self.wait * 2).min(LONGEST_RETRY);
    }

    /// Connected: the next loss retries soon again.
    pub fn reset(&mut self) {
        self.wait = FIRST_RETRY;
    }
}

/// Counts what a failing link loses, and says so at most once a second.
#[derive(Debug)]
pub struct Losses {
    what: &'static str,
    count: u64,
    since: Instant,
}

impl Losses {
    pub(crate) fn new(what: &'static str, now: Instant) -> Self {
        Losses {
            what,
            count: 0,
            since: now,
        }
    }

    pub(crate) fn add(&mut self, n: u64) {
        self.count += n;
    }

    /// Logs what was lost since the last report, once a second at most.
    pub fn report(&mut self, now: Instant, why: &str) {
        if self.count > 0 && now.duration_since(self.since) >= Duration::from_secs(1) {
            log::warn!(
                "relay: {} {} in the last {:.1} s ({why})",
                self.count,
                self.what,
                now.duration_since(self.since).as_secs_f64()
            );
            self.count = 0;
            self.since = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_group_in_a_hash_tag() {
        assert_eq!(channel("AB12"), "spectra:{AB12}:out");
        assert_eq!(state_key("AB12"), "spectra:{AB12}:state");
        assert_eq!(group_of_channel(b"spectra:{AB12}:out"), Some("AB12"));
        assert_eq!(group_of_channel(b"spectra:{AB12}:state"), None);
        assert_eq!(group_of_channel(b"other"), None);
        assert_eq!(group_of_channel(b"spectra:{\xff}:out"), None);
    }

    #[test]
    fn the_version_decides_sharded_pubsub() {
        assert_eq!(
            major_version("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"),
            7
        );
        assert_eq!(major_version("redis_version:6.2.1\r\n"), 6);
        assert_eq!(major_version("nothing"), 0);
    }

    #[test]
    fn retries_back_off_to_half_a_second() {
        let t0 = Instant::now();
        let mut r = Retry::new(t0);
        assert!(r.due(t0));
        let mut waits = Vec::new();
        for _ in 0..5 {
            r.failed(t0);
            waits.push(r.left(t0).as_millis());
        }
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        r.reset();
        r.failed(t0);
        assert_eq!(r.left(t0).as_millis(), 100);
    }
}
