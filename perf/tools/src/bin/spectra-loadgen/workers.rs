//! Worker processes as seen by the scenario driver: spawned from this same
//! executable, commanded through stdin, answering line by line on stdout.

use std::io::{BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

/// How to spread `total` frontends over worker processes.
pub struct Spread<'a> {
    pub target: &'a str,
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
}

pub fn spawn(s: &Spread) -> Result<Vec<Worker>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let n = s.total.div_ceil(s.per_worker.max(1)).max(1);
    let mut workers = Vec::new();
    let mut base = 0;
    for k in 0..n {
        let count = (s.total - base).div_ceil(n - k);
        let src = Ipv4Addr::new(127, 0, (1 + s.run % 250) as u8, (2 + k % 250) as u8);
        let mut child = Command::new(&exe)
            .args(["worker", "--target", s.target])
            .args(["--count", &count.to_string(), "--base", &base.to_string()])
            .args(["--groups", &s.groups.join(",")])
            .args(["--sample-every", &s.sample_every.to_string()])
            .args(["--rate", &(s.rate / n as f64).to_string()])
            .args(["--inflight", &(s.inflight / n).max(16).to_string()])
            .args(["--sources", &src.to_string()])
            .args(if s.polling { &["--polling"][..] } else { &[] })
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
        base += count;
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
