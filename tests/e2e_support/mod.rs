//! Shared by the end-to-end tests: starts the built server binary as a process
//! on free loopback ports, runs the node clients in `tests/node/`, and loads
//! the recorded conformance games from `../shared/conformance/`.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// `tests/node`, where the npm packages and scripts live.
pub fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// `../shared/conformance`, next to the repository (or `$SPECTRA_CONFORMANCE`).
pub fn conformance_dir() -> PathBuf {
    spectra_recordings::recordings_dir()
        .expect("conformance games not found next to the repository (set SPECTRA_CONFORMANCE)")
}

/// `N` distinct free loopback ports. The listeners are held until all are
/// chosen: one bound and dropped at a time, the kernel may hand out the same
/// port twice.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("a bound port").port())
}

/// A fresh temporary directory for one test (tests run in parallel: each
/// call gets its own).
pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("spectra-e2e-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A running server process; killed when dropped.
pub struct Server {
    child: Child,
    pub ingest: u16,
    pub rest: u16,
    pub broadcast: u16,
    pub tls: bool,
    pub replay_dir: PathBuf,
    log: mpsc::Receiver<String>,
    pub log_lines: Vec<String>,
    extra: Vec<(String, String)>,
    /// Set when the server runs with this folder as its root directory
    /// ([`Server::start_in_root`]).
    root: Option<PathBuf>,
}

impl Server {
    /// Starts the server with the test clock on, replays in a temp dir, no
    /// key required, and `extra` environment on top.
    pub fn start(extra: &[(&str, &str)]) -> Server {
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::launch(free_ports(), temp_dir("replays"), extra, None)
    }

    /// Starts `/spectra-server` in `root` as the container image runs it:
    /// `root` is its root directory (`unshare --root`, in a user namespace
    /// when not run as root), `/app` its working directory, replays in the
    /// default `replays` folder there (`replay_dir` is `root/app/replays`);
    /// the test clock on and no key required as in [`Server::start`]. The
    /// caller removes `root`.
    pub fn start_in_root(root: &Path, extra: &[(&str, &str)]) -> Server {
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::launch(
            free_ports(),
            root.join("app/replays"),
            extra,
            Some(root.to_owned()),
        )
    }

    /// Kills the process (SIGKILL, as a crash) and starts it again on the
    /// same ports, folder and settings.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.start_again();
    }

    /// Stops the process with SIGTERM (panics unless it exits 0 within five
    /// seconds) and starts it again on the same ports, folder and settings.
    pub fn stop_and_restart(&mut self) {
        let status = self
            .terminate(Duration::from_secs(5))
            .expect("stopped within five seconds");
        assert!(status.success(), "{status}");
        self.start_again();
    }

    fn start_again(&mut self) {
        let again = Self::launch(
            [self.ingest, self.rest, self.broadcast],
            self.replay_dir.clone(),
            std::mem::take(&mut self.extra),
            self.root.take(),
        );
        let old = std::mem::replace(self, again);
        // The old one is dead and shares the folder: keep the folder.
        std::mem::forget(old);
    }

    fn launch(
        ports: [u16; 3],
        replay_dir: PathBuf,
        extra: Vec<(String, String)>,
        root: Option<PathBuf>,
    ) -> Server {
        let [ingest, rest, broadcast] = ports;
        let mut cmd = match &root {
            None => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_spectra-server"));
                cmd.current_dir(&replay_dir);
                cmd
            }
            Some(root) => {
                // unshare execs the server: the child is the server.
                let mut cmd = Command::new("unshare");
                if !is_root() {
                    cmd.arg("--map-root-user");
                }
                cmd.arg("--root")
                    .arg(root)
                    .args(["--wd", "/app", "/spectra-server"]);
                cmd
            }
        };
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            // SPECTRA_E2E_LOG=debug: the server's whole story, for a failure
            // that needs it (with SPECTRA_E2E_VERBOSE to see it).
            .env(
                "RUST_LOG",
                std::env::var("SPECTRA_E2E_LOG").unwrap_or_else(|_| "info".to_owned()),
            )
            .env("SPECTRA_BIND", "127.0.0.1")
            .env("SPECTRA_INGEST_PORT", ingest.to_string())
            .env("SPECTRA_REST_PORT", rest.to_string())
            .env("SPECTRA_BROADCAST_PORT", broadcast.to_string())
            .env("SPECTRA_TEST_CLOCK", "true")
            .env("SPECTRA_PIN_CORE", "off")
            .env("REQUIRE_AUTH_KEY", "false");
        if root.is_none() {
            cmd.env("SPECTRA_REPLAY_DIR", &replay_dir);
        }
        let mut tls = false;
        for (k, v) in &extra {
            if k == "SERVER_KEY" {
                tls = true;
            }
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the server binary");
        let (tx, rx) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if std::env::var_os("SPECTRA_E2E_VERBOSE").is_some() {
                        eprintln!("server: {line}");
                    }
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut server = Server {
            child,
            ingest,
            rest,
            broadcast,
            tls,
            replay_dir,
            log: rx,
            log_lines: Vec::new(),
            extra,
            root,
        };
        server.wait_for_log("ready", Duration::from_secs(20));
        server
    }

    /// Waits for a log line containing `needle`; panics with the log on timeout.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.log_lines.iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(line) => self.log_lines.push(line),
                Err(_) if Instant::now() >= deadline => panic!(
                    "no log line with {needle:?} within {timeout:?}; log:\n{}",
                    self.log_lines.join("\n")
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                    "server exited before logging {needle:?}; log:\n{}",
                    self.log_lines.join("\n")
                ),
                Err(_) => {}
            }
        }
    }

    /// Collects what the server logged so far.
    pub fn drain_log(&mut self) -> &[String] {
        while let Ok(l) = self.log.try_recv() {
            self.log_lines.push(l);
        }
        &self.log_lines
    }

    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    pub fn ingest_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme(), self.ingest)
    }

    pub fn broadcast_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme(), self.broadcast)
    }

    pub fn rest_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme(), self.rest)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit status (None: still running after `timeout`).
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        self.sigterm();
        self.wait_exit(timeout)
    }

    /// Sends SIGTERM, at once (not through a `kill` process, whose start
    /// would hide a signal arriving early); nothing once the process has
    /// been reaped, as its pid may belong to another by then.
    pub fn sigterm(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) takes plain integers; the child is not reaped
        // (just checked), so the pid is still ours.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }

    /// Waits for the exit status (None: still running after `timeout`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.replay_dir);
    }
}

/// Whether this process runs as root (user id 0).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A plain-HTTP request to the REST port without any client library, for
/// readiness and simple checks: returns (status, headers, body).
pub fn http(port: u16, raw: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(raw.as_bytes()).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// Runs a node script from `tests/node` to completion; returns its stdout.
pub fn node(script: &str, args: &[&str], timeout: Duration) -> String {
    wait_output(node_spawn(script, args), timeout)
}

/// Starts a node script from `tests/node` with piped stdin/stdout.
pub fn node_spawn(script: &str, args: &[&str]) -> Child {
    node_spawn_env(script, args, &[])
}

/// [`node_spawn`] with extra environment variables.
pub fn node_spawn_env(script: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new("node")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(node_dir())
        .env("NODE_TLS_REJECT_UNAUTHORIZED", "0")
        .env("NODE_NO_WARNINGS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node is installed and tests/node has its packages (npm ci --prefix tests/node)")
}

/// Waits for a node process, killing it after `timeout`; returns stdout.
pub fn wait_output(mut child: Child, timeout: Duration) -> String {
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let out = reader.join().unwrap_or_default();
                assert!(
                    status.success(),
                    "node exited with {status}; stdout:\n{out}"
                );
                return out;
            }
            _ if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("node script did not finish within {timeout:?}");
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads lines from a node process' stdout until one equals `line`.
pub fn wait_line(stdout: &mut BufReader<ChildStdout>, line: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut buf = String::new();
    while Instant::now() < deadline {
        buf.clear();
        match stdout.read_line(&mut buf) {
            Ok(0) => panic!("node ended before printing {line:?}"),
            Ok(_) if buf.trim_end() == line => return,
            Ok(_) => {}
            Err(e) => panic!("reading node output: {e}"),
        }
    }
    panic!("node did not print {line:?} within {timeout:?}");
}

/// Closes a child's stdin (the frontends script then reports and exits).
pub fn close_stdin(stdin: Option<ChildStdin>) {
    drop(stdin);
}

/// One expected broadcast state of a recorded game.
#[derive(Debug, Clone)]
pub struct Expected {
    pub group_code: String,
    pub removed: bool,
    /// The exact JSON text the reference broadcast.
    pub state: String,
}

/// A recorded game: the input file and its expected states.
pub struct Game {
    pub input: PathBuf,
    pub states: Vec<Expected>,
    /// Expected-line index of the last state the reference's send loop emitted.
    pub last_broadcast: usize,
    pub acks: Vec<serde_json::Value>,
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .expect("gunzip");
        s
    } else {
        String::from_utf8(bytes).expect("utf-8")
    }
}

/// Loads `NAME` (e.g. `game-01-regulation` or `edge/edge-04-duplicate-logon`).
pub fn game(name: &str) -> Game {
    let dir = conformance_dir();
    let pick = |kind: &str| {
        let plain = dir.join(format!("{name}.{kind}.jsonl"));
        if plain.exists() {
            plain
        } else {
            dir.join(format!("{name}.{kind}.jsonl.gz"))
        }
    };
    let states = read_text(&pick("expected"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("expected line");
            // The state object is the line's last member: cut its exact text.
            let at = line.find("\"state\":").expect("state member") + "\"state\":".len();
            let state = line.get(at..line.len() - 1).expect("state text").to_owned();
            Expected {
                group_code: v["state"]["groupCode"].as_str().unwrap_or("").to_owned(),
                removed: v["removed"].as_bool().unwrap_or(false),
                state,
            }
        })
        .collect();
    let last_broadcast = read_text(&pick("broadcasts"))
        .lines()
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["line"].as_u64())
        .next_back()
        .expect("at least one broadcast") as usize;
    let acks = read_text(&pick("acks"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).expect("ack line"))
        .collect();
    Game {
        input: pick("input"),
        states,
        last_broadcast,
        acks,
    }
}

/// Writes the states' texts one per line (the frontends script's lookup file).
pub fn write_states(game: &Game, dir: &Path) -> PathBuf {
    let path = dir.join("states.txt");
    let mut text = String::new();
    for s in &game.states {
        text.push_str(&s.state);
        text.push('\n');
    }
    std::fs::write(&path, text).expect("write states");
    path
}

/// Checks one frontend's received state indexes: every one known, in the
/// game's order (a state text that occurs on several lines may stand for any
/// of them), never a removed state, ending with `last`.
pub fn check_order(game: &Game, indexes: &[i64], last: usize) -> Result<(), String> {
    let mut at = 0usize;
    for (n, &i) in indexes.iter().enumerate() {
        let Ok(first) = usize::try_from(i) else {
            return Err(format!("state #{n} is not one of the game's states"));
        };
        let text = &game.states[first].state;
        let next = (at..game.states.len())
            .find(|&k| game.states[k].state == *text && !game.states[k].removed);
        match next {
            Some(k) => at = k,
            None => {
                return Err(format!(
                    "state #{n} (line {first}) came out of order after line {at}"
                ));
            }
        }
    }
    match indexes.last() {
        Some(&l) if game.states[l as usize].state == game.states[last].state => Ok(()),
        Some(&l) => Err(format!("last state is line {l}, expected line {last}")),
        None => Err("no state received".into()),
    }
}

/// The JSON object a node script printed last.
pub fn parse_json(out: &str) -> Value {
    let line = out.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("node printed no JSON ({e}): {out}"))
}

/// Index of the first line whose state text equals the last broadcast's.
pub fn final_index(game: &Game) -> usize {
    let last = &game.states[game.last_broadcast].state;
    game.states
        .iter()
        .position(|s| &s.state == last)
        .unwrap_or(game.last_broadcast)
}

/// Acks per socket label, with the random group secret normalised.
pub fn acks_by_socket(acks: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = Default::default();
    for a in acks {
        let mut data = a["data"].clone();
        if let Some(r) = data.get("reason").and_then(Value::as_str)
            && r.len() == 12
            && r.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            data["reason"] = Value::from("<secret>");
        }
        map.entry(a["socket"].as_str().unwrap_or("").to_owned())
            .or_default()
            .push(format!("{} {}", a["event"], data));
    }
    map
}

/// A node process running N frontends.
pub struct Frontends {
    child: std::process::Child,
}

impl Frontends {
    /// The states each frontend received, as indexes into the game's states.
    pub fn indexes(frontend: &Value) -> Vec<i64> {
        frontend["indexes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }

    /// Starts `count` frontends on `group` and waits until all logged on.
    pub fn start(
        server: &Server,
        group: &str,
        count: usize,
        states: &Path,
        final_idx: usize,
    ) -> Self {
        Self::start_env(server, group, count, states, final_idx, &[])
    }

    pub fn start_env(
        server: &Server,
        group: &str,
        count: usize,
        states: &Path,
        final_idx: usize,
        env: &[(&str, &str)],
    ) -> Self {
        let mut child = node_spawn_env(
            "e2e_frontends.js",
            &[
                &server.broadcast_url(),
                group,
                &count.to_string(),
                &states.to_string_lossy(),
                &final_idx.to_string(),
                "120000",
            ],
            env,
        );
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        wait_line(&mut out, "ready", Duration::from_secs(60));
        child.stdout = Some(out.into_inner());
        Frontends { child }
    }

    /// Ends the frontends now (closing their stdin) and returns the report.
    pub fn stop(mut self) -> Vec<Value> {
        drop(self.child.stdin.take());
        self.report()
    }

    /// Tells the frontends the observer is done, then waits for the report
    /// (all settled on the final state, or the timeout).
    pub fn finish(mut self) -> Vec<Value> {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = stdin.write_all(b"observer-done\n");
            let _ = stdin.flush();
        }
        self.report()
    }

    fn report(self) -> Vec<Value> {
        let v = parse_json(&wait_output(self.child, Duration::from_secs(150)));
        v["frontends"].as_array().cloned().unwrap_or_default()
    }
}

/// Asserts each frontend's logon answer, transport and states.
pub fn check_frontends(game: &Game, frontends: &[Value], group: &str, count: usize) {
    check_frontends_over(game, frontends, group, count, "websocket");
}

/// [`check_frontends`], for frontends that end on `transport`.
pub fn check_frontends_over(
    game: &Game,
    frontends: &[Value],
    group: &str,
    count: usize,
    transport: &str,
) {
    assert_eq!(frontends.len(), count);
    for (n, f) in frontends.iter().enumerate() {
        assert_eq!(
            f["logon"].as_str(),
            Some(
                format!(
                    r#"{{"groupCode":"{group}","msg":"Logon succeeded for group code {group}"}}"#
                )
                .as_str()
            ),
            "frontend {n}: logon_success payload"
        );
        assert_eq!(f["transport"], transport, "frontend {n}'s transport");
        let indexes: Vec<i64> = f["indexes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        if let Err(e) = check_order(game, &indexes, game.last_broadcast) {
            panic!(
                "frontend {n}: {e} (received {} states; disconnects {}, reconnects {})",
                indexes.len(),
                f["disconnects"],
                f["reconnects"]
            );
        }
    }
}

/// An observer's `obs_logon` payload for `group` with `key` (no tools).
pub fn logon(group: &str, key: &str) -> Value {
    serde_json::json!({
        "type": "authenticate", "clientVersion": "0.3.20", "obsName": "Obs#1",
        "key": key, "groupCode": group, "groupSecret": "",
        "leftTeam": {"name": "Left", "tricode": "LFT", "url": "", "attackStart": true},
        "rightTeam": {"name": "Right", "tricode": "RGT", "url": "", "attackStart": false},
        "toolsData": {}
    })
}

/// `GET /metrics` on `rest`, checked with `promtool check metrics`
/// (Debian's `prometheus` package).
pub fn scrape_metrics(rest: u16) -> String {
    let (status, _, body) = http(rest, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 200, "{body}");
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (apt-get install prometheus)");
    promtool
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("to promtool");
    let out = promtool.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    body
}

/// The value of one series (`name{labels}` exactly as exposed) in `text`.
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .expect("a number")
}

/// Starts the observer replaying `game` on `ingest_url` (with `env`),
/// stopped before input line `pause_at` until [`resume`]; returns once it
/// has paused there.
pub fn observe_paused(
    ingest_url: &str,
    game: &Game,
    pause_at: usize,
    env: &[(&str, &str)],
) -> Child {
    let pause = pause_at.to_string();
    let mut env = env.to_vec();
    env.push(("PAUSE_AT", &pause));
    let mut observer = node_spawn_env(
        "e2e_observer.js",
        &[ingest_url, &game.input.to_string_lossy()],
        &env,
    );
    let mut out = BufReader::new(observer.stdout.take().expect("stdout"));
    wait_line(&mut out, "paused", Duration::from_secs(120));
    observer.stdout = Some(out.into_inner());
    observer
}

/// Lets an observer paused by [`observe_paused`] go on.
pub fn resume(observer: &mut Child) {
    let stdin = observer.stdin.as_mut().expect("stdin");
    stdin.write_all(b"continue\n").expect("resume the observer");
    stdin.flush().expect("resume the observer");
}

/// A third of the game's input lines: well into the match.
pub fn middle(game: &Game) -> usize {
    let lines = std::fs::read_to_string(&game.input)
        .map(|t| t.lines().count())
        .unwrap_or(300);
    lines / 3
}
