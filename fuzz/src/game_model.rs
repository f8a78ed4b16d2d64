//! The game model under arbitrary event sequences: logons, data,
//! disconnects and reconnects of up to four connections, clock jumps and
//! timer firings, against one `Registry` with a fake clock. After every
//! step every live match's state is serialised; one that changed must
//! serialise to the same bytes twice, be valid JSON, and stay within
//! `limits::MAX_STATE_BYTES`.
//!
//! The input is read as a sequence of steps, each starting with an opcode
//! byte. Raw steps carry payload text as sent (the seed corpus is recorded
//! games written as raw steps, see `scripts/fuzz-corpus.sh`); structured
//! steps are decoded with `arbitrary` into payloads with real types and
//! field names and arbitrary values.

use arbitrary::{Arbitrary, Unstructured};
use spectra_server::game::limits::MAX_STATE_BYTES;
use spectra_server::game::{AuthPolicy, ConnId, Effect, KeyVerdict, Outcome, Registry};

use crate::payloads::{Ctx, DataEvent, Logon};

/// The clock at the start (the recorded games' epoch).
pub const T0: u64 = 1_750_000_000_000;
/// The secret every new match gets; `$GROUP_SECRET` in raw text stands for it.
pub const SECRET: &str = "SECRET000000";
/// Connections in play at once.
const SLOTS: usize = 4;

/// Step opcodes (the byte is taken modulo their count).
pub mod op {
    /// `[op, slot, len_hi, len_lo, text...]`: an `obs_logon` as sent.
    pub const RAW_OBS_LOGON: u8 = 0;
    /// As [`RAW_OBS_LOGON`], an `aux_logon`.
    pub const RAW_AUX_LOGON: u8 = 1;
    /// As [`RAW_OBS_LOGON`], an `obs_data`.
    pub const RAW_OBS_DATA: u8 = 2;
    /// As [`RAW_OBS_LOGON`], an `aux_data`.
    pub const RAW_AUX_DATA: u8 = 3;
    /// `[op, slot]`: the connection closes; the slot gets a new one.
    pub const DISCONNECT: u8 = 4;
    /// `[op, ms_hi, ms_lo]`: the clock advances, due timers fire.
    pub const ADVANCE: u8 = 5;
    /// `[op]`: the clock jumps past the idle removal, due timers fire.
    pub const JUMP: u8 = 6;
    /// `[op]`: the earliest timer fires if due.
    pub const TICK_ONE: u8 = 7;
    /// `[op, slot, arbitrary DataEvent]`: a structured `obs_data`.
    pub const OBS_DATA: u8 = 8;
    /// As [`OBS_DATA`], an `aux_data`.
    pub const AUX_DATA: u8 = 9;
    /// `[op, slot, arbitrary Logon]`: a structured `obs_logon`.
    pub const OBS_LOGON: u8 = 10;
    /// As [`OBS_LOGON`], an `aux_logon`.
    pub const AUX_LOGON: u8 = 11;
    /// `[op, slot, verdict]`: the backend answers a pending key check.
    pub const VERDICT: u8 = 12;
    /// Opcodes in all.
    pub const COUNT: u8 = 13;
}

struct Harness {
    registry: Registry,
    conns: [ConnId; SLOTS],
    next_conn: u64,
    now: u64,
    pending: Vec<ConnId>,
}

impl Harness {
    fn new(backend_keys: bool) -> Self {
        let policy = if backend_keys {
            AuthPolicy {
                require_auth_key: true,
                auth_key: Some("KEY".to_owned()),
                use_backend: true,
            }
        } else {
            AuthPolicy::open()
        };
        Harness {
            registry: Registry::new(policy, Box::new(|| SECRET.to_owned())),
            conns: [0, 1, 2, 3].map(ConnId::new),
            next_conn: SLOTS as u64,
            now: T0,
            pending: Vec::new(),
        }
    }

    fn conn(&self, slot: u8) -> ConnId {
        self.conns[usize::from(slot) % SLOTS]
    }

    fn take(&mut self, out: Outcome) {
        for e in &out.effects {
            match e {
                Effect::VerifyKey { conn, .. } => self.pending.push(*conn),
                Effect::Removed { last, .. } => {
                    let mut a = Vec::new();
                    last.write_state(&mut a);
                    check_state(&a);
                }
                _ => {}
            }
        }
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
        let code = u.arbitrary::<u8>()? % op::COUNT;
        match code {
            op::RAW_OBS_LOGON..=op::RAW_AUX_DATA => {
                let conn = self.conn(u.arbitrary()?);
                let len =
                    usize::from(u.arbitrary::<u8>()?) << 8 | usize::from(u.arbitrary::<u8>()?);
                let bytes = u.bytes(len.min(u.len()))?;
                let text = String::from_utf8_lossy(bytes).replace("$GROUP_SECRET", SECRET);
                self.registry.tick(self.now);
                let now = self.now;
                let out = match code {
                    op::RAW_OBS_LOGON => self.registry.obs_logon(conn, &text, now),
                    op::RAW_AUX_LOGON => self.registry.aux_logon(conn, &text, now),
                    op::RAW_OBS_DATA => self.registry.obs_data(conn, &text, now),
                    _ => self.registry.aux_data(conn, &text, now),
                };
                self.take(out);
            }
            op::DISCONNECT => {
                let slot = usize::from(u.arbitrary::<u8>()?) % SLOTS;
                let out = self.registry.disconnect(self.conns[slot], self.now);
                self.take(out);
                self.conns[slot] = ConnId::new(self.next_conn);
                self.next_conn += 1;
            }
            op::ADVANCE => {
                let ms = u64::from(u.arbitrary::<u8>()?) << 8 | u64::from(u.arbitrary::<u8>()?);
                self.now += ms;
                let out = self.registry.tick(self.now);
                self.take(out);
            }
            op::JUMP => {
                self.now += spectra_server::game::IDLE_REMOVAL_MS + 1000;
                let out = self.registry.tick(self.now);
                self.take(out);
            }
            op::TICK_ONE => {
                if let Some((_, out)) = self.registry.tick_one(self.now) {
                    self.take(out);
                }
            }
            op::OBS_DATA | op::AUX_DATA => {
                let conn = self.conn(u.arbitrary()?);
                let event = DataEvent::arbitrary(u)?;
                let aux = code == op::AUX_DATA;
                let own = self.registry.group_of(conn).map(str::to_owned);
                let ctx = Ctx {
                    own_group: own.as_deref(),
                    secret: SECRET,
                    aux,
                };
                let text = event.text(&ctx);
                self.registry.tick(self.now);
                let out = if aux {
                    self.registry.aux_data(conn, &text, self.now)
                } else {
                    self.registry.obs_data(conn, &text, self.now)
                };
                self.take(out);
            }
            op::OBS_LOGON | op::AUX_LOGON => {
                let conn = self.conn(u.arbitrary()?);
                let logon = Logon::arbitrary(u)?;
                let ctx = Ctx {
                    own_group: None,
                    secret: SECRET,
                    aux: code == op::AUX_LOGON,
                };
                let out = if code == op::AUX_LOGON {
                    self.registry
                        .aux_logon(conn, &logon.aux_text(&ctx), self.now)
                } else {
                    self.registry
                        .obs_logon(conn, &logon.obs_text(&ctx), self.now)
                };
                self.take(out);
            }
            _ => {
                let which = usize::from(u.arbitrary::<u8>()?);
                if self.pending.is_empty() {
                    return Ok(());
                }
                let conn = self.pending.remove(which % self.pending.len());
                let verdict = match u.arbitrary::<u8>()? % 3 {
                    0 => KeyVerdict::Invalid {
                        reason: "Invalid Key".to_owned(),
                    },
                    n => KeyVerdict::Valid {
                        organization_id: Some(String::arbitrary(u)?),
                        is_supporter: n == 2,
                    },
                };
                let out = self.registry.obs_logon_verdict(conn, verdict, self.now);
                self.take(out);
            }
        }
        Ok(())
    }
}

/// Checks every live match of `registry`: its state serialises to the same
/// bytes twice, is JSON, and stays within the bound.
pub fn check_registry(registry: &Registry) {
    check_changed(registry, &mut Checked::default());
}

/// The states last checked, by group code: a state that did not change
/// since is not serialised a second time nor parsed again.
#[derive(Default)]
pub struct Checked {
    states: std::collections::HashMap<String, Vec<u8>>,
    scratch: (Vec<u8>, Vec<u8>),
}

/// [`check_registry`], checking again only the states that changed since
/// `seen`.
pub fn check_changed(registry: &Registry, seen: &mut Checked) {
    seen.states
        .retain(|code, _| registry.event_number(code).is_some());
    let (a, b) = &mut seen.scratch;
    for code in registry.group_codes() {
        a.clear();
        assert!(registry.write_state(code, a));
        if seen.states.get(code) == Some(a) {
            continue;
        }
        b.clear();
        assert!(registry.write_state(code, b));
        assert_eq!(a, b, "serialising twice gave different bytes");
        check_state(a);
        seen.states.insert(code.to_owned(), a.clone());
    }
}

fn check_state(state: &[u8]) {
    assert!(
        state.len() <= MAX_STATE_BYTES,
        "a state of {} bytes, over the bound of {MAX_STATE_BYTES}",
        state.len()
    );
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(state) {
        panic!(
            "the state is not JSON ({e}): {}",
            String::from_utf8_lossy(state)
        );
    }
}

/// Runs one input: the first byte chooses the key policy (open, or keys
/// checked by a backend the input answers), the rest are steps.
pub fn run(data: &[u8]) {
    play(data);
}

/// [`run`], returning the most events any match counted.
fn play(data: &[u8]) -> u64 {
    let mut u = Unstructured::new(data);
    let backend = u.arbitrary::<u8>().is_ok_and(|b| b % 2 == 1);
    let mut h = Harness::new(backend);
    let mut most = 0;
    let mut seen = Checked::default();
    while !u.is_empty() {
        if h.step(&mut u).is_err() {
            break;
        }
        check_changed(&h.registry, &mut seen);
        for code in h.registry.group_codes() {
            most = most.max(h.registry.event_number(code).unwrap_or(0));
        }
    }
    most
}

/// Encodes a raw step (for seed corpora built from recordings).
pub fn raw_step(code: u8, slot: u8, text: &str) -> Vec<u8> {
    let len = text.len().min(usize::from(u16::MAX));
    let mut out = vec![code, slot, (len >> 8) as u8, len as u8];
    out.extend_from_slice(&text.as_bytes()[..len]);
    out
}

/// Encodes a clock step advancing `ms` (at most 65535).
pub fn advance_step(ms: u64) -> Vec<u8> {
    let ms = ms.min(u64::from(u16::MAX));
    vec![op::ADVANCE, (ms >> 8) as u8, ms as u8]
}

#[cfg(test)]
mod tests {
    /// The seeds made from recorded games play them: the match takes the
    /// window's events.
    #[test]
    fn recorded_windows_are_played() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/game_model");
        let seed =
            std::fs::read(dir.join("game-01-regulation-1")).expect("run scripts/fuzz-corpus.sh");
        assert!(super::play(&seed) >= 20);
    }
}
