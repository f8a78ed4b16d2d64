//! What a row's processes have used, read at both ends of its window: the
//! server's CPU summed over its processes (several edges serve one
//! audience, so theirs together is the server's), the origin's and Redis'
//! beside it, and the generator's own.

use std::time::Instant;

use super::redis_info::{self, RedisStats};
use super::scenario::Server;
use super::sysinfo;

pub struct Usage {
    pub at: Instant,
    pub server_cpu: Option<u64>,
    pub origin_cpu: Option<u64>,
    pub redis: Option<RedisStats>,
    pub own_cpu: u64,
}

pub fn read(srv: &Server) -> Usage {
    Usage {
        at: Instant::now(),
        server_cpu: sum(&srv.pids, sysinfo::cpu_us),
        // Little, and compared across rows: clock ticks are too coarse.
        origin_cpu: srv.origin_pid.and_then(sysinfo::threads_cpu_us),
        // A Redis that does not answer leaves its columns empty.
        redis: srv.redis.and_then(|a| redis_info::read(a).ok()),
        own_cpu: sysinfo::cpu_us(std::process::id()).unwrap_or(0),
    }
}

/// The server's resident memory, summed over its processes.
pub fn rss(srv: &Server) -> Option<u64> {
    sum(&srv.pids, sysinfo::rss_bytes)
}

/// `f` summed over `pids`; `None` without processes or when one is gone (a
/// partial sum would pass for the whole).
fn sum(pids: &[u32], f: impl Fn(u32) -> Option<u64>) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&p| f(p)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_every_process_or_none() {
        let me = std::process::id();
        let one = sysinfo::rss_bytes(me).unwrap();
        let two = sum(&[me, me], sysinfo::rss_bytes).unwrap();
        // RSS may move between the readings; twice one reading, roughly.
        assert!(two > one && two < one * 3);
        assert_eq!(sum(&[], sysinfo::rss_bytes), None);
        assert_eq!(sum(&[me, u32::MAX], sysinfo::rss_bytes), None);
    }
}
