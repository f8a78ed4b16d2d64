//! Replays a recorded conformance game (`../shared/conformance/*.input.jsonl`)
//! through a [`Registry`] with the recording's clock, and produces the
//! lines its `.expected.jsonl`, `.acks.jsonl` and `.broadcasts.jsonl` hold,
//! so a recorded game can be checked with `diff`
//! (`spectra-server conformance FILE [expected|acks|broadcasts]`).
//! `tests/conformance.rs` includes this file to check every recording.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use spectra_recordings::{BASE_MS, Input, parse_inputs, read_text};
use spectra_server::game::{AuthPolicy, ConnId, Effect, Outcome, Registry};
use spectra_server::json::escape::write_string;
use spectra_server::json::number::write_int;

/// Recording continues this long after the last input.
pub const TAIL_MS: u64 = 10 * 60 * 1000;

/// Everything a replay produced, one JSON text per line.
#[derive(Debug, Default)]
pub struct Replay {
    pub expected: Vec<String>,
    pub acks: Vec<String>,
    pub broadcasts: Vec<String>,
}

impl Replay {
    /// The lines of one kind of recording file: `expected`, `acks` or
    /// `broadcasts` (`NAME.<kind>.jsonl`).
    pub fn lines(&self, kind: &str) -> Option<&[String]> {
        match kind {
            "expected" => Some(&self.expected),
            "acks" => Some(&self.acks),
            "broadcasts" => Some(&self.broadcasts),
            _ => None,
        }
    }
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
        let id = ConnId::new(self.conns.len() as u64 + 1);
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

/// `spectra-server conformance FILE.input.jsonl[.gz] [KIND]`: prints the
/// lines of one kind (see [`Replay::lines`]; the states by default).
pub fn run_cli(path: &Path, kind: &str, mut out: impl io::Write) -> io::Result<()> {
    let inputs = parse_inputs(&read_text(path)?)?;
    let replay = replay(&inputs);
    let lines = replay.lines(kind).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{kind:?}: expected one of expected, acks, broadcasts"),
        )
    })?;
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
