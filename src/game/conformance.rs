//! Replays a recorded conformance game (an `*.input.jsonl` file of
//! [`recordings_dir`]) through a [`Registry`] with the recording's clock,
//! and writes the `.expected.jsonl`, `.acks.jsonl` and `.broadcasts.jsonl`
//! lines it would produce, so a recorded game can be checked with `diff`.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::logon::AuthPolicy;
use super::registry::{ConnId, Effect, Outcome, Registry};
use crate::json::escape::write_string;
use crate::json::number::write_int;

/// The recording clock: `Date.now() = BASE_MS + t`.
pub const BASE_MS: u64 = 1_750_000_000_000;
/// Recording continues this long after the last input.
pub const TAIL_MS: u64 = 10 * 60 * 1000;

/// One client emit from an input file.
#[derive(Debug, Clone)]
pub struct Input {
    pub t: u64,
    pub socket: String,
    pub event: String,
    /// The text the client sent (`JSON.stringify(data)`, or `raw`).
    pub payload: String,
}

/// Everything a replay produced, one JSON text per line.
#[derive(Debug, Default)]
pub struct Replay {
    pub expected: Vec<String>,
    pub acks: Vec<String>,
    pub broadcasts: Vec<String>,
}

/// Where the recorded games are, for tests and benchmarks:
/// `$SPECTRA_CONFORMANCE`, or `shared/conformance` beside the source tree
/// (or one level further up, for worktrees kept inside the checkout's folder).
pub fn recordings_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SPECTRA_CONFORMANCE") {
        return Some(PathBuf::from(d));
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../shared/conformance", "../../shared/conformance"]
        .iter()
        .map(|d| here.join(d))
        .find(|d| d.is_dir())
}

/// Reads a text file, gunzipping it when its name ends in `.gz`.
pub fn read_text(path: &Path) -> io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(BufReader::new(file)).read_to_string(&mut text)?;
    } else {
        BufReader::new(file).read_to_string(&mut text)?;
    }
    Ok(text)
}

fn bad(line: usize, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("input line {}: {what}", line + 1),
    )
}

/// Parses input lines (`{"t","socket","event","data"|"raw"}`).
pub fn parse_inputs(text: &str) -> io::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(i, &e.to_string()))?;
        let t = v
            .get("t")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| bad(i, "no t"))?;
        let socket = v
            .get("socket")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad(i, "no socket"))?
            .to_owned();
        let event = v
            .get("event")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad(i, "no event"))?
            .to_owned();
        let payload = match (v.get("raw"), v.get("data")) {
            (Some(serde_json::Value::String(raw)), _) => raw.clone(),
            (_, Some(data)) => data.to_string(),
            _ => "null".to_owned(),
        };
        inputs.push(Input {
            t,
            socket,
            event,
            payload,
        });
    }
    Ok(inputs)
}

struct Runner {
    reg: Registry,
    conns: HashMap<String, ConnId>,
    labels: HashMap<ConnId, String>,
    closed: HashMap<String, bool>,
    last_state: HashMap<String, (Vec<u8>, usize)>,
    first_secret: Option<String>,
    out: Replay,
    buf: Vec<u8>,
}

fn line_head(after: i64, t: u64) -> Vec<u8> {
    let mut l = Vec::with_capacity(256);
    l.extend_from_slice(b"{\"after\":");
    write_int(&mut l, after);
    l.extend_from_slice(b",\"t\":");
    write_int(&mut l, t as i64);
    l
}

impl Runner {
    fn conn_for(&mut self, label: &str) -> ConnId {
        if let Some(c) = self.conns.get(label) {
            return *c;
        }
        let id = self.conns.len() + 1;
        self.conns.insert(label.to_owned(), id);
        self.labels.insert(id, label.to_owned());
        id
    }

    fn state_line(
        &mut self,
        after: i64,
        t: u64,
        cause: &str,
        removed: bool,
        group: &str,
        state: &[u8],
    ) {
        let mut l = line_head(after, t);
        l.extend_from_slice(b",\"cause\":");
        write_string(&mut l, cause);
        if removed {
            l.extend_from_slice(b",\"removed\":true");
        }
        l.extend_from_slice(b",\"state\":");
        l.extend_from_slice(state);
        l.push(b'}');
        let idx = self.out.expected.len();
        self.out
            .expected
            .push(String::from_utf8_lossy(&l).into_owned());
        if removed {
            self.last_state.remove(group);
        } else {
            self.last_state
                .insert(group.to_owned(), (state.to_vec(), idx));
        }
    }

    fn handle(&mut self, out: Outcome, after: i64, t: u64, cause: &str) {
        for effect in out.effects {
            match effect {
                Effect::Ack {
                    conn,
                    event,
                    payload,
                } => {
                    if event == "obs_logon_ack"
                        && self.first_secret.is_none()
                        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&payload)
                        && v["value"] == true
                    {
                        self.first_secret = v["reason"].as_str().map(str::to_owned);
                    }
                    let label = self.labels.get(&conn).cloned().unwrap_or_default();
                    let mut l = line_head(after, t);
                    l.extend_from_slice(b",\"socket\":");
                    write_string(&mut l, &label);
                    l.extend_from_slice(b",\"event\":");
                    write_string(&mut l, event);
                    l.extend_from_slice(b",\"data\":");
                    l.extend_from_slice(payload.as_bytes());
                    l.push(b'}');
                    self.out.acks.push(String::from_utf8_lossy(&l).into_owned());
                }
                Effect::Disconnect { conn } => {
                    let label = self.labels.get(&conn).cloned().unwrap_or_default();
                    let mut l = line_head(after, t);
                    l.extend_from_slice(b",\"socket\":");
                    write_string(&mut l, &label);
                    l.extend_from_slice(b",\"event\":\"disconnect\",\"data\":\"server\"}");
                    self.out.acks.push(String::from_utf8_lossy(&l).into_owned());
                    self.closed.insert(label, true);
                    self.reg.disconnect(conn, BASE_MS.saturating_add(t));
                }
                // The recordings ran with REQUIRE_AUTH_KEY=false.
                Effect::VerifyKey { .. } => {}
                Effect::Broadcast { group_code } => {
                    let line = self.last_state.get(&group_code).map_or(0, |(_, i)| *i);
                    let mut l = Vec::new();
                    l.extend_from_slice(b"{\"t\":");
                    write_int(&mut l, t as i64);
                    l.extend_from_slice(b",\"groupCode\":");
                    write_string(&mut l, &group_code);
                    l.extend_from_slice(b",\"event\":\"match_data\",\"line\":");
                    write_int(&mut l, line as i64);
                    l.push(b'}');
                    self.out
                        .broadcasts
                        .push(String::from_utf8_lossy(&l).into_owned());
                }
                Effect::Removed {
                    group_code, last, ..
                } => {
                    let mut state = Vec::new();
                    last.write_state(&mut state);
                    self.state_line(after, t, cause, true, &group_code, &state);
                }
            }
        }
        let codes: Vec<String> = self.reg.group_codes().map(str::to_owned).collect();
        for code in codes {
            self.buf.clear();
            let mut buf = std::mem::take(&mut self.buf);
            self.reg.write_state(&code, &mut buf);
            let changed = self.last_state.get(&code).is_none_or(|(s, _)| *s != buf);
            if changed {
                self.state_line(after, t, cause, false, &code, &buf);
            }
            self.buf = buf;
        }
    }

    fn run_timers(&mut self, until: u64, after: i64) {
        while let Some((due, out)) = self.reg.tick_one(until) {
            self.handle(out, after, due.saturating_sub(BASE_MS), "timer");
        }
    }

    fn input(&mut self, i: usize, input: &Input) {
        if self.closed.get(&input.socket).copied().unwrap_or(false) {
            return;
        }
        let conn = self.conn_for(&input.socket);
        let now = BASE_MS.saturating_add(input.t);
        let out = match input.event.as_str() {
            "obs_logon" => {
                let payload = match &self.first_secret {
                    Some(s) => input
                        .payload
                        .replace("\"$GROUP_SECRET\"", &format!("\"{s}\"")),
                    None => input.payload.clone(),
                };
                self.reg.obs_logon(conn, &payload, now)
            }
            "aux_logon" => self.reg.aux_logon(conn, &input.payload, now),
            "obs_data" => self.reg.obs_data(conn, &input.payload, now),
            "aux_data" => self.reg.aux_data(conn, &input.payload, now),
            "disconnect" => {
                self.closed.insert(input.socket.clone(), true);
                self.reg.disconnect(conn, now)
            }
            _ => Outcome::default(),
        };
        self.handle(out, i as i64, input.t, "input");
    }
}

/// Replays `inputs` with deterministic group secrets (`CONFORM00001`, ...).
pub fn replay(inputs: &[Input]) -> Replay {
    let mut n = 0u32;
    let secrets = Box::new(move || {
        n += 1;
        format!("CONFORM{n:05}")
    });
    let mut r = Runner {
        reg: Registry::new(AuthPolicy::open(), secrets),
        conns: HashMap::new(),
        labels: HashMap::new(),
        closed: HashMap::new(),
        last_state: HashMap::new(),
        first_secret: None,
        out: Replay::default(),
        buf: Vec::new(),
    };
    let mut after = -1i64;
    for (i, input) in inputs.iter().enumerate() {
        r.run_timers(BASE_MS.saturating_add(input.t), after);
        r.input(i, input);
        after = i as i64;
    }
    let end = inputs.last().map_or(0, |i| i.t).saturating_add(TAIL_MS);
    r.run_timers(BASE_MS.saturating_add(end), after);
    r.out
}

/// `spectra-server conformance FILE.input.jsonl[.gz]`: prints the expected
/// state lines to stdout.
pub fn run_cli(path: &Path, mut stdout: impl io::Write) -> io::Result<()> {
    let inputs = parse_inputs(&read_text(path)?)?;
    let replay = replay(&inputs);
    for line in &replay.expected {
        stdout.write_all(line.as_bytes())?;
        stdout.write_all(b"\n")?;
    }
    stdout.flush()
}

/// Reads non-empty lines of a (possibly gzipped) file.
pub fn read_lines(path: &Path) -> io::Result<Vec<String>> {
    let text = read_text(path)?;
    Ok(BufReader::new(text.as_bytes())
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .collect())
}
