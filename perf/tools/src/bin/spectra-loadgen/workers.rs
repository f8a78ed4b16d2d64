//! Worker processes as seen by the scenario driver: spawned from this same
//! executable, commanded through stdin, answering line by line on stdout.

use std::io::{BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use spectra_perf::tls::TlsArgs;

pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

/// How to spread `total` frontends over broadcast URLs and worker processes.
pub struct Spread<'a> {
    /// Broadcast URLs, each taking an even share of the frontends (several:
    /// edges serving one audience); none: no frontends, no workers.
    pub targets: &'a [String],
    pub total: usize,
    pub per_worker: usize,
    pub groups: &'a [String],
    pub sample_every: usize,
    pub rate: f64,
    pub inflight: usize,
    /// Distinguishes the source addresses of successive runs
    /// (`127.0.<run>.<2 + worker>`), so no run meets an earlier run's sockets.
    pub run: usize,
    /// Frontends open their sessions over long-polling, then upgrade.
    pub polling: bool,
    /// How the workers trust TLS targets.
    pub tls: &'a TlsArgs,
}

/// One worker process's frontends: `count` of them from global index
/// `base`, on target `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub target: usize,
    pub base: usize,
    pub count: usize,
}

/// `total` frontends over `targets` evenly (the first ones take one more
/// when it does not divide), each target's part over as few workers of at
/// most `per_worker` as will do, evenly; every target gets a worker. Global
/// indexes run on from one target to the next, so the groups (index modulo
/// groups) and the sampled frontends are spread over every target alike.
pub fn shares(total: usize, targets: usize, per_worker: usize) -> Vec<Share> {
    let mut out = Vec::new();
    let mut base = 0;
    for t in 0..targets {
        let part = (total - base).div_ceil(targets - t);
        let n = part.div_ceil(per_worker.max(1)).max(1);
        let mut given = 0;
        for k in 0..n {
            let count = (part - given).div_ceil(n - k);
            out.push(Share {
                target: t,
                base: base + given,
                count,
            });
            given += count;
        }
        base += part;
    }
    out
}

/// The command line of one of `n` workers: `count` frontends from global
/// index `base` on `target`, connecting from `src`.
pub fn command_line(
    s: &Spread,
    target: &str,
    base: usize,
    count: usize,
    n: usize,
    src: Ipv4Addr,
) -> Vec<String> {
    let mut args: Vec<String> = [
        "worker",
        "--target",
        target,
        "--count",
        &count.to_string(),
        "--base",
        &base.to_string(),
        "--groups",
        &s.groups.join(","),
        "--sample-every",
        &s.sample_every.to_string(),
        "--rate",
        &(s.rate / n as f64).to_string(),
        "--inflight",
        &(s.inflight / n).max(16).to_string(),
        "--sources",
        &src.to_string(),
    ]
    .map(str::to_owned)
    .into();
    if s.polling {
        args.push("--polling".to_owned());
    }
    args.extend(s.tls.to_args());
    args
}

pub fn spawn(s: &Spread) -> Result<Vec<Worker>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let plan = shares(s.total, s.targets.len(), s.per_worker);
    let n = plan.len().max(1);
    let mut workers = Vec::new();
    for (k, share) in plan.iter().enumerate() {
        let Share {
            target,
            base,
            count,
        } = *share;
        let src = Ipv4Addr::new(127, 0, (1 + s.run % 250) as u8, (2 + k % 250) as u8);
        let mut child = Command::new(&exe)
            .args(command_line(s, &s.targets[target], base, count, n, src))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn worker: {e}"))?;
        let stdin = child.stdin.take().ok_or("no worker stdin")?;
        let stdout = child.stdout.take().ok_or("no worker stdout")?;
        let (tx, rx) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        workers.push(Worker {
            child,
            stdin,
            lines: rx,
        });
    }
    Ok(workers)
}

impl Worker {
    pub fn send(&mut self, cmd: &str) {
        let _ = writeln!(self.stdin, "{cmd}");
        let _ = self.stdin.flush();
    }

    /// The next line starting with `prefix`, within `timeout`.
    pub fn expect(&self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.starts_with(prefix) => return Ok(l),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("worker: no {prefix:?} line in time"));
                }
                Err(RecvTimeoutError::Disconnected) => return Err("worker exited".into()),
            }
        }
    }

    /// Asks for and returns the worker's status line.
    pub fn status(&self) -> Result<String, String> {
        let mut stdin = &self.stdin;
        let _ = writeln!(stdin, "status");
        let _ = stdin.flush();
        self.expect("status", Duration::from_secs(10))
    }

    pub fn try_line(&self) -> Option<String> {
        self.lines.try_recv().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.send("quit");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(v: &[Share]) -> Vec<(usize, usize, usize)> {
        v.iter().map(|s| (s.target, s.base, s.count)).collect()
    }

    #[test]
    fn one_target_splits_over_workers_as_before() {
        assert_eq!(
            counts(&shares(20_000, 1, 8000)),
            [(0, 0, 6667), (0, 6667, 6667), (0, 13_334, 6666)]
        );
        // No frontends still starts one (empty) worker on a target.
        assert_eq!(counts(&shares(0, 1, 8000)), [(0, 0, 0)]);
    }

    #[test]
    fn several_targets_take_even_contiguous_parts() {
        assert_eq!(
            counts(&shares(10_000, 2, 8000)),
            [(0, 0, 5000), (1, 5000, 5000)]
        );
        assert_eq!(
            counts(&shares(7, 3, 8000)),
            [(0, 0, 3), (1, 3, 2), (2, 5, 2)]
        );
        assert_eq!(
            counts(&shares(20_000, 2, 8000)),
            [
                (0, 0, 5000),
                (0, 5000, 5000),
                (1, 10_000, 5000),
                (1, 15_000, 5000)
            ]
        );
        assert!(shares(100, 0, 8000).is_empty());
    }

    #[test]
    fn every_frontend_is_given_once() {
        for (total, targets, per) in [(1, 2, 1), (9999, 3, 1000), (15, 4, 2)] {
            let v = shares(total, targets, per);
            let mut next = 0;
            for s in &v {
                assert_eq!(s.base, next);
                assert!(s.count <= per);
                next += s.count;
            }
            assert_eq!(next, total);
        }
    }
}
