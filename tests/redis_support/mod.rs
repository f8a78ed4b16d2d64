//! A real `redis-server` (Debian's package) for the tests that need one: on
//! a free loopback port, in a temporary folder, without persistence;
//! stopped when dropped.
#![allow(dead_code)] // each test binary uses a different part

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

pub struct Redis {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

/// A free loopback port for a Redis, below Linux's ephemeral range
/// (32768–60999 by default). Redis binds its port itself, so ours is bound
/// and released first; a port from the ephemeral range could then go to
/// any test's `127.0.0.1:0` listener before Redis binds it, or while a test
/// has Redis stopped. Below that range only this function hands ports out:
/// a counter within the process, offset by the process id for test
/// binaries run side by side, and kept within 20000–32767.
fn redis_port() -> u16 {
    const FIRST: u16 = 20_000;
    const COUNT: u16 = 32_768 - FIRST;
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let offset = (std::process::id() % 500) as u16 * 20;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = FIRST + offset.wrapping_add(n) % COUNT;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Redis {
    pub fn start() -> Redis {
        let port = redis_port();
        let dir = std::env::temp_dir().join(format!("spectra-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut r = Redis {
            child: None,
            port,
            dir,
        };
        r.restart();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it (again, on the same port) and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
            ])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs Debian's redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it at once, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs a command with `redis-cli`; returns its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
