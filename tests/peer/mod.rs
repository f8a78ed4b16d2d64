//! Starts `examples/protocol_peer` as a child process and runs the node
//! scripts of `tests/node/` against it.

#![allow(dead_code)] // each test binary uses a part of it

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::Once;

pub fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

fn ensure_node_modules() {
    let dir = node_dir().join("node_modules");
    assert!(
        dir.join("socket.io-client").is_dir(),
        "{} is missing: run scripts/test.sh (or `npm ci --prefix tests/node`) first",
        dir.display()
    );
}

/// The example binary next to this test binary (cargo builds examples for
/// `cargo test`); built on demand when a filtered run skipped it.
fn example_path() -> PathBuf {
    static BUILD: Once = Once::new();
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_owned();
    let path = profile_dir.join("examples/protocol_peer");
    BUILD.call_once(|| {
        if !path.exists() {
            let release = profile_dir.file_name().is_some_and(|n| n == "release");
            let mut cmd = Command::new(env!("CARGO"));
            cmd.args(["build", "--example", "protocol_peer"]);
            if release {
                cmd.arg("--release");
            }
            let st = cmd.status().expect("cargo build --example protocol_peer");
            assert!(st.success(), "building the example failed");
        }
    });
    path
}

/// A running example server; killed on drop.
pub struct Peer {
    child: Child,
    pub url: String,
    pub addr: String,
    _stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts the example on a free loopback port with extra environment,
    /// permessage-deflate accepted as the Spectra server does.
    pub fn start(env: &[(&str, &str)]) -> Peer {
        Self::start_at("127.0.0.1:0", env)
    }

    pub fn start_at(addr: &str, env: &[(&str, &str)]) -> Peer {
        let mut cmd = Command::new(example_path());
        cmd.env("PEER_ADDR", addr)
            .env("PEER_DEFLATE", "1")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("start protocol_peer");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read the listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from protocol_peer: {line:?}"))
            .to_owned();
        let addr = url.split("://").nth(1).unwrap_or_default().to_owned();
        Peer {
            child,
            url,
            addr,
            _stdout: stdout,
        }
    }

    /// Kills the server process (all its connections drop at once).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn node_command(script: &str, args: &[&str], url: &str) -> Command {
    ensure_node_modules();
    let mut cmd = Command::new("node");
    cmd.current_dir(node_dir())
        .arg(script)
        .args(args)
        .env("PEER_URL", url);
    cmd
}

/// Runs a node script to completion and fails the test with its output
/// unless it exited 0.
pub fn run_node(script: &str, args: &[&str], url: &str, env: &[(&str, &str)]) -> String {
    let out: Output = node_command(script, args, url)
        .envs(env.iter().copied())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node {script} {args:?} failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    print!("{stdout}");
    stdout
}
