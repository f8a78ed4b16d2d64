//! Every live match, keyed by group code, and the ingest connections that
//! logged on to them: the sans-IO core the match thread wraps.
//!
//! Inputs are (connection, event, payload text, now in Unix ms); outputs are
//! [`Effect`]s in the order they happen (acks, server-side disconnects,
//! broadcasts due, removals). Timers (the 100 ms send loop, idle removal,
//! timeout countdowns, toast expiry) are values: call [`Registry::tick`]
//! (or [`Registry::tick_one`]) when [`Registry::next_deadline`] is reached.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::error::GameError;
use super::event::{Envelope, Event, Route, parse_head};
use super::game_match::{Applied, Match, MatchTimer};
use super::limits::{self, MAX_DATA_EVENT_BYTES, MAX_LOGON_BYTES};
use super::logon::{self, AUTH, AUX_AUTH, AuthPolicy, KeyDecision, KeyVerdict};
use super::tape::{Parser, View};
use super::timers::{Timer, TimerSeq};
use crate::json::js_value::{JsValue, array_index};

/// An observer's or auxiliary client's connection, as the match thread
/// names it (its ingest socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

impl ConnId {
    /// The connection numbered `n` (the ingest side numbers its sockets).
    pub const fn new(n: u64) -> Self {
        ConnId(n)
    }

    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Send-loop period.
pub const SEND_INTERVAL_MS: u64 = 100;
/// A match without a broadcast for longer than this is removed.
pub const IDLE_REMOVAL_MS: u64 = 30 * 60 * 1000;

/// Why a match was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Round phase `game_end`.
    GameEnd,
    /// No broadcast for 30 minutes.
    Idle,
}

/// Something the caller must do, in order.
#[derive(Debug)]
pub enum Effect {
    /// Emit `event` (`obs_logon_ack` / `aux_logon_ack`) to `conn` with one
    /// string argument, `payload` (the reference sends JSON text as a string).
    Ack {
        /// The logging-on connection.
        conn: ConnId,
        /// The ack's event name.
        event: &'static str,
        /// Its one argument.
        payload: String,
    },
    /// Disconnect `conn` from the server side (after any ack before it).
    Disconnect {
        /// The connection.
        conn: ConnId,
    },
    /// Ask the organisation backend about this observer's key, then call
    /// [`Registry::obs_logon_verdict`] (the logon waits; if the connection
    /// closes first, the logon is dropped).
    VerifyKey {
        /// The observer's connection.
        conn: ConnId,
        /// The key as sent (`key` of `obs_logon`).
        key: JsValue,
    },
    /// The send loop says: broadcast this match's state now
    /// ([`Registry::write_state`]).
    Broadcast {
        /// The match.
        group_code: String,
    },
    /// The match is gone; `last` is its final state (frontends never get it).
    Removed {
        /// The match's group code.
        group_code: String,
        /// Why it was removed.
        why: Removal,
        /// Its final state.
        last: Box<Match>,
    },
}

/// [`Registry::refresh_head`] for a match already looked up.
fn refile_head(heads: &mut BTreeMap<Timer, String>, code: &str, live: &mut LiveMatch) {
    let head = live.game.next_timer().map(|(t, _)| t);
    if head == live.head {
        return;
    }
    if let Some(old) = live.head.take() {
        heads.remove(&old);
    }
    if let Some(t) = head {
        heads.insert(t, code.to_owned());
    }
    live.head = head;
}

/// The result of one call: effects in order, and what went wrong, if
/// anything (for the caller's log; never fatal).
#[derive(Debug, Default)]
pub struct Outcome {
    /// What the caller must do, in order.
    pub effects: Vec<Effect>,
    /// What went wrong, for the log.
    pub error: Option<GameError>,
    /// The matches a data event was handed to, in order, whether or not its
    /// data then checked out: the reference writes the event to each one's
    /// replay log before the match reads it.
    pub routed: Routed,
    /// The group code of the match an observer logon created (not one it
    /// reconnected to), for the caller's set-up of a new match.
    pub created: Option<String>,
}

/// The matches a data event was handed to, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Routed {
    /// No match got it (not a data event, or it was refused before routing).
    #[default]
    Nowhere,
    /// The sending connection's own match (a `groupCode` payload): the
    /// common case, without an allocation.
    Own(Arc<str>),
    /// Every match with the payload's `matchId`.
    Matches(Vec<String>),
}

impl Routed {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&str>, &[String]) = match self {
            Routed::Nowhere => (None, &[]),
            Routed::Own(code) => (Some(code), &[]),
            Routed::Matches(codes) => (None, codes),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl Outcome {
    fn err(e: GameError) -> Self {
        Outcome {
            error: Some(e),
            ..Outcome::default()
        }
    }
}

struct LiveMatch {
    game: Match,
    /// The event number the send loop last broadcast (0: never).
    sent_number: u64,
    /// When the send loop last broadcast it.
    last_send: u64,
    /// Its earliest timer as filed in [`Registry::heads`].
    head: Option<Timer>,
}

impl LiveMatch {
    /// Changed since the send loop last broadcast it.
    fn unsent(&self) -> bool {
        self.game.event_number() > self.sent_number
    }

    /// The last time at which the send loop keeps it while unchanged;
    /// a tick after it removes the match as idle.
    fn idle_until(&self) -> u64 {
        self.last_send.saturating_add(IDLE_REMOVAL_MS)
    }
}

#[derive(Default)]
struct ConnState {
    obs_logon_used: bool,
    aux_logon_used: bool,
    /// Closed by the server: nothing more is accepted.
    closed: bool,
    /// Key of this connection's entry in the logged-on list.
    client: Option<u64>,
    /// The group code it logged on to (shared with its list entry).
    group: Option<std::sync::Arc<str>>,
}

/// A logged-on connection. The list keeps the reference's order because its
/// disconnect-all-of-a-group loop removes auxiliary entries while iterating,
/// which skips the entry right after each removed one.
struct Client {
    key: u64,
    conn: ConnId,
    open: bool,
    /// Shared so the per-event lookup does not allocate.
    group_code: std::sync::Arc<str>,
    is_aux: bool,
    /// `""` until known; auxiliary disconnects clear this player's aux data.
    player_id: JsValue,
}

type SecretSource = Box<dyn FnMut() -> String + Send>;

/// Every live match and ingest connection: the game model as the match
/// thread drives it with logons, data, disconnects and the clock, each call
/// answering with an [`Outcome`].
pub struct Registry {
    matches: HashMap<String, LiveMatch>,
    /// Group codes in JavaScript object-key order (the reference iterates
    /// its `matches` record).
    order: Vec<String>,
    conns: HashMap<ConnId, ConnState>,
    clients: Vec<Client>,
    next_client_key: u64,
    seq: TimerSeq,
    send_loop: Option<Timer>,
    /// Each live match's earliest timer, so the next one of all is found
    /// without visiting every match on every event (a match's timers only
    /// change when it is applied to or fires one; see `refresh_head`).
    heads: BTreeMap<Timer, String>,
    policy: AuthPolicy,
    /// Observer logons waiting for the backend's key verdict.
    pending_keys: HashMap<ConnId, JsValue>,
    new_secret: SecretSource,
    parser: Parser,
}

impl Registry {
    /// `new_secret` makes group secrets (use [`logon::random_group_secret`]).
    pub fn new(policy: AuthPolicy, new_secret: SecretSource) -> Self {
        Registry {
            matches: HashMap::new(),
            order: Vec::new(),
            conns: HashMap::new(),
            clients: Vec::new(),
            next_client_key: 0,
            seq: TimerSeq::default(),
            send_loop: None,
            heads: BTreeMap::new(),
            policy,
            pending_keys: HashMap::new(),
            new_secret,
            parser: Parser::default(),
        }
    }

    /// Live group codes, in the reference's iteration order.
    pub fn group_codes(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }

    /// Live matches.
    pub fn match_count(&self) -> usize {
        self.order.len()
    }

    pub(crate) fn get(&self, group_code: &str) -> Option<&Match> {
        self.matches.get(group_code).map(|m| &m.game)
    }

    /// The group a logged-on, open connection sends for.
    pub fn group_of(&self, conn: ConnId) -> Option<&str> {
        let state = self.conns.get(&conn)?;
        if state.closed {
            return None;
        }
        state.group.as_deref()
    }

    /// Changes a live match (to apply what the external services
    /// answered); `None` for an unknown match.
    pub fn update<R>(&mut self, group_code: &str, f: impl FnOnce(&mut Match) -> R) -> Option<R> {
        let r = f(&mut self.matches.get_mut(group_code)?.game);
        self.refresh_head(group_code);
        Some(r)
    }

    /// Files the match's earliest timer anew after it may have changed.
    fn refresh_head(&mut self, code: &str) {
        if let Some(live) = self.matches.get_mut(code) {
            refile_head(&mut self.heads, code, live);
        }
    }

    /// The match's event counter (advances with every counted change).
    pub fn event_number(&self, group_code: &str) -> Option<u64> {
        self.get(group_code).map(Match::event_number)
    }

    /// Appends the match's broadcast state (the JSON text `match_data`
    /// carries as a string) to `out`. Returns false for an unknown match.
    pub fn write_state(&self, group_code: &str, out: &mut Vec<u8>) -> bool {
        match self.get(group_code) {
            Some(m) => {
                m.write_state(out);
                true
            }
            None => false,
        }
    }

    fn conn(&mut self, conn: ConnId) -> &mut ConnState {
        self.conns.entry(conn).or_default()
    }

    fn client_mut(&mut self, key: u64) -> Option<&mut Client> {
        self.clients.iter_mut().find(|c| c.key == key)
    }

    fn add_client(&mut self, conn: ConnId, group_code: String, is_aux: bool, player_id: JsValue) {
        self.next_client_key += 1;
        let key = self.next_client_key;
        let group: std::sync::Arc<str> = group_code.into();
        self.clients.push(Client {
            key,
            conn,
            open: true,
            group_code: group.clone(),
            is_aux,
            player_id,
        });
        let state = self.conn(conn);
        state.client = Some(key);
        state.group = Some(group);
    }

    /// Parses a logon payload; `Err` when the reference's handler would
    /// throw before answering (invalid JSON, `null`).
    fn parse_logon(&mut self, payload: &str) -> Result<JsValue, GameError> {
        let parsed = self
            .parser
            .parse(payload.as_bytes(), |v| v.to_js_checked())
            .map_err(|e| GameError::InvalidJson(e.to_string()))?
            .ok_or(GameError::TooLarge)?;
        if parsed.is_nullish() {
            return Err(GameError::NotAnObject);
        }
        Ok(parsed)
    }

    fn reject(&mut self, conn: ConnId, event: &'static str, reason: &str) -> Outcome {
        self.conn(conn).closed = true;
        Outcome {
            effects: vec![
                Effect::Ack {
                    conn,
                    event,
                    payload: logon::ack(AUTH, false, Some(reason)),
                },
                Effect::Disconnect { conn },
            ],
            ..Outcome::default()
        }
    }

    /// The checks both logons start with, in the reference's order: the
    /// connection is open and has not used its one logon of this kind (it
    /// has now), the packet parses, the connection is not logged on yet,
    /// and the packet's type and client version are right. `Err`: the
    /// outcome to return.
    fn logon_checks(&mut self, conn: ConnId, payload: &str, aux: bool) -> Result<JsValue, Outcome> {
        let (event, auth) = if aux {
            ("aux_logon_ack", AUX_AUTH)
        } else {
            ("obs_logon_ack", AUTH)
        };
        let state = self.conn(conn);
        if state.closed {
            return Err(Outcome::err(GameError::ConnectionClosed));
        }
        let used = if aux {
            &mut state.aux_logon_used
        } else {
            &mut state.obs_logon_used
        };
        if std::mem::replace(used, true) {
            return Err(Outcome::err(GameError::LogonAlreadyUsed));
        }
        if let Err(e) = limits::check("the logon", payload.len(), MAX_LOGON_BYTES) {
            let mut out = self.reject(conn, event, &logon::too_large_reason(&e));
            out.error = Some(e.into());
            return Err(out);
        }
        let data = self.parse_logon(payload).map_err(Outcome::err)?;
        if self.conn(conn).client.is_some() {
            return Err(Outcome::err(GameError::AlreadyLoggedOn));
        }
        if data.prop("type").as_str() != Some(auth) {
            return Err(self.reject(conn, event, logon::INVALID_PACKET));
        }
        let version = data.prop("clientVersion");
        if !logon::is_compatible_version(version) {
            let reason = logon::incompatible_reason(version);
            return Err(self.reject(conn, event, &reason));
        }
        Ok(data)
    }

    /// An `obs_logon` event: checks the packet, client version, group code
    /// and key, then creates the match or reconnects to it (same secret).
    pub fn obs_logon(&mut self, conn: ConnId, payload: &str, now: u64) -> Outcome {
        const EV: &str = "obs_logon_ack";
        let data = match self.logon_checks(conn, payload, false) {
            Ok(d) => d,
            Err(out) => return out,
        };
        let Some(code) = data.prop("groupCode").as_str().map(str::to_owned) else {
            let reason = logon::invalid_group_code_reason("is not a string");
            return self.reject(conn, EV, &reason);
        };
        if let Some(problem) = logon::group_code_problem(&code) {
            let reason = logon::invalid_group_code_reason(problem);
            return self.reject(conn, EV, &reason);
        }
        match self.policy.check(data.prop("key")) {
            KeyDecision::Valid => self.create_or_join(conn, &data, None, false, now),
            KeyDecision::Invalid(reason) => self.reject(conn, EV, reason),
            KeyDecision::AskBackend => {
                let key = data.prop("key").clone();
                self.pending_keys.insert(conn, data);
                Outcome {
                    effects: vec![Effect::VerifyKey { conn, key }],
                    ..Outcome::default()
                }
            }
        }
    }

    /// Brings back a match that was live when the server last stopped, from
    /// its replay file's header (the logon it was created with, without its
    /// key, with what the key check added) and the secret its observer was
    /// given. `conn` stands for that observer until it disconnects; the real
    /// one comes back with the secret (a "reconnected" logon). Returns the
    /// group code; refuses what no logon could have created.
    pub fn restore(
        &mut self,
        conn: ConnId,
        header: &str,
        secret: &str,
        now: u64,
    ) -> Result<String, GameError> {
        let data = self.parse_logon(header)?;
        let Some(code) = data.prop("groupCode").as_str().map(str::to_owned) else {
            return Err(GameError::NotAnObject);
        };
        if logon::group_code_problem(&code).is_some() || self.matches.contains_key(&code) {
            return Err(GameError::UnknownMatch(code));
        }
        let is_supporter = data.prop("isSupporter") == &JsValue::Bool(true);
        let mut game = Match::new(&code, secret.to_owned(), &data, is_supporter)
            .map_err(|_| GameError::UnknownMatch(code.clone()))?;
        game.check_new_limits()?;
        if let Some(org) = data.prop("organizationId").as_str() {
            game.set_organization_id(org.to_owned());
        }
        self.insert_match(game, now);
        let state = self.conn(conn);
        state.obs_logon_used = true;
        self.add_client(conn, code.clone(), false, JsValue::str(""));
        Ok(code)
    }

    /// The backend's verdict on the key of a logon that returned
    /// [`Effect::VerifyKey`]; finishes that logon.
    pub fn obs_logon_verdict(&mut self, conn: ConnId, verdict: KeyVerdict, now: u64) -> Outcome {
        let Some(data) = self.pending_keys.remove(&conn) else {
            return Outcome::err(GameError::ConnectionClosed);
        };
        match verdict {
            KeyVerdict::Valid {
                organization_id,
                is_supporter,
            } => self.create_or_join(conn, &data, organization_id, is_supporter, now),
            KeyVerdict::Invalid { reason } => self.reject(conn, "obs_logon_ack", &reason),
        }
    }

    /// The logon's last step (the reference's `createMatch`): a live match
    /// with this group code takes the observer back only with its secret.
    fn create_or_join(
        &mut self,
        conn: ConnId,
        data: &JsValue,
        organization_id: Option<String>,
        is_supporter: bool,
        now: u64,
    ) -> Outcome {
        const EV: &str = "obs_logon_ack";
        let Some(code) = data.prop("groupCode").as_str().map(str::to_owned) else {
            return Outcome::err(GameError::NotAnObject);
        };
        let exists_reason = || logon::exists_reason(&JsValue::Str(code.clone()));
        let mut created = None;
        let answer = if let Some(live) = self.matches.get(&code) {
            if data.prop("groupSecret").as_str() != Some(live.game.group_secret()) {
                let reason = exists_reason();
                return self.reject(conn, EV, &reason);
            }
            "reconnected".to_owned()
        } else {
            let secret = (self.new_secret)();
            match Match::new(&code, secret.clone(), data, is_supporter) {
                Ok(mut game) => {
                    if let Err(e) = game.check_new_limits() {
                        let mut out = self.reject(conn, EV, &logon::too_large_reason(&e));
                        out.error = Some(e.into());
                        return out;
                    }
                    if let Some(org) = organization_id {
                        game.set_organization_id(org);
                    }
                    self.insert_match(game, now);
                    created = Some(code.clone());
                    secret
                }
                Err(_) => {
                    let reason = exists_reason();
                    return self.reject(conn, EV, &reason);
                }
            }
        };
        self.add_client(conn, code, false, JsValue::str(""));
        Outcome {
            effects: vec![Effect::Ack {
                conn,
                event: EV,
                payload: logon::ack(AUTH, true, Some(&answer)),
            }],
            created,
            ..Outcome::default()
        }
    }

    fn insert_match(&mut self, game: Match, now: u64) {
        let code = game.group_code().to_owned();
        let pos = match array_index(&code) {
            Some(idx) => self
                .order
                .iter()
                .position(|k| array_index(k).is_none_or(|other| other > idx))
                .unwrap_or(self.order.len()),
            None => self.order.len(),
        };
        self.order.insert(pos, code.clone());
        self.matches.insert(
            code.clone(),
            LiveMatch {
                game,
                sent_number: 0,
                last_send: now,
                head: None,
            },
        );
        self.refresh_head(&code);
        if self.send_loop.is_none() {
            self.send_loop = Some(self.seq.timer(now, SEND_INTERVAL_MS));
        }
    }

    /// An `aux_logon` event: joins the match whose match id is given.
    pub fn aux_logon(&mut self, conn: ConnId, payload: &str, _now: u64) -> Outcome {
        const EV: &str = "aux_logon_ack";
        let data = match self.logon_checks(conn, payload, true) {
            Ok(d) => d,
            Err(out) => return out,
        };
        let match_id = data.prop("matchId");
        let found = self
            .order
            .iter()
            .find(|code| {
                self.matches
                    .get(*code)
                    .is_some_and(|m| loose_eq_str(m.game.match_id(), match_id))
            })
            .cloned();
        let Some(code) = found else {
            let reason = logon::match_not_found_reason(match_id);
            return self.reject(conn, EV, &reason);
        };
        self.add_client(conn, code, true, data.prop("playerId").clone());
        Outcome {
            effects: vec![Effect::Ack {
                conn,
                event: EV,
                payload: logon::ack(AUX_AUTH, true, None),
            }],
            ..Outcome::default()
        }
    }

    /// An `obs_data` event.
    pub fn obs_data(&mut self, conn: ConnId, payload: &str, now: u64) -> Outcome {
        self.data(conn, payload, now, false)
    }

    /// An `aux_data` event (observers may send it too; it is handled alike).
    pub fn aux_data(&mut self, conn: ConnId, payload: &str, now: u64) -> Outcome {
        self.data(conn, payload, now, true)
    }

    fn data(&mut self, conn: ConnId, payload: &str, now: u64, aux_event: bool) -> Outcome {
        let Some(state) = self.conns.get(&conn) else {
            return Outcome::err(GameError::NotLoggedOn);
        };
        if state.closed {
            return Outcome::err(GameError::ConnectionClosed);
        }
        let Some(key) = state.client else {
            return Outcome::err(GameError::NotLoggedOn);
        };
        let Some(own_group) = state.group.clone() else {
            return Outcome::err(GameError::NotLoggedOn);
        };
        let event = if aux_event { "aux_data" } else { "obs_data" };
        if let Err(e) = limits::check(event, payload.len(), MAX_DATA_EVENT_BYTES) {
            return Outcome::err(e.into());
        }
        let mut parser = std::mem::take(&mut self.parser);
        let result = parser.parse(payload.as_bytes(), |root| {
            self.apply_payload(&root, &own_group, key, now, aux_event)
        });
        self.parser = parser;
        match result {
            Ok(outcome) => outcome,
            Err(e) => Outcome::err(GameError::InvalidJson(e.to_string())),
        }
    }

    fn apply_payload(
        &mut self,
        root: &View<'_, '_>,
        own_group: &Arc<str>,
        key: u64,
        now: u64,
        aux_event: bool,
    ) -> Outcome {
        let head = match parse_head(root) {
            Ok(head) => head,
            Err(e) => return Outcome::err(e),
        };
        let routed = match head.route {
            Route::GroupCode(code) => {
                let Some(code) = code else {
                    return Outcome::err(GameError::UnknownMatch(String::new()));
                };
                if code != &**own_group {
                    return Outcome::err(GameError::ForeignGroupCode {
                        own: own_group.to_string(),
                        named: code.to_owned(),
                    });
                }
                if !self.matches.contains_key(code) {
                    return Outcome::err(GameError::UnknownMatch(code.to_owned()));
                }
                Routed::Own(own_group.clone())
            }
            Route::MatchId(id) => Routed::Matches(
                self.order
                    .iter()
                    .filter(|c| {
                        self.matches
                            .get(*c)
                            .is_some_and(|m| Some(m.game.match_id()) == id)
                    })
                    .cloned()
                    .collect(),
            ),
        };
        let env = match head.envelope() {
            Ok(env) => env,
            Err(e) => {
                return Outcome {
                    error: Some(e),
                    routed,
                    ..Outcome::default()
                };
            }
        };
        let mut out = Outcome::default();
        let mut threw = false;
        for code in routed.iter() {
            if self.apply_to(code, &env, now, &mut out) {
                threw = true;
                break;
            }
        }
        out.routed = routed;
        if aux_event
            && !threw
            && matches!(env.event, Event::AuxScoreboard(_))
            && let Some(c) = self.client_mut(key)
            && c.player_id == JsValue::str("")
        {
            c.player_id = env.player_id.map_or(JsValue::Undefined, JsValue::str);
        }
        out
    }

    /// Applies to one match; returns true when processing stopped midway
    /// (the reference would have thrown).
    fn apply_to(&mut self, code: &str, env: &Envelope<'_>, now: u64, out: &mut Outcome) -> bool {
        let Some(live) = self.matches.get_mut(code) else {
            return false;
        };
        let applied = live.game.apply(env, now, &mut self.seq);
        refile_head(&mut self.heads, code, live);
        match applied {
            Ok(Applied::Done) => false,
            Ok(Applied::Unknown) => {
                if let Event::Unknown(t) = env.event {
                    out.error
                        .get_or_insert(GameError::UnknownType(t.to_owned()));
                }
                false
            }
            Ok(Applied::GameEnd) => {
                self.remove_match(code, Removal::GameEnd, out);
                false
            }
            Err(e) => {
                let threw = matches!(e, GameError::ReferenceThrows(_));
                out.error.get_or_insert(e);
                threw
            }
        }
    }

    /// The connection closed (client side, or after a server-side
    /// disconnect). Auxiliary data of its player is marked unavailable.
    pub fn disconnect(&mut self, conn: ConnId, _now: u64) -> Outcome {
        self.pending_keys.remove(&conn);
        let Some(state) = self.conns.remove(&conn) else {
            return Outcome::default();
        };
        if state.closed {
            return Outcome::default();
        }
        if let Some(key) = state.client
            && let Some(pos) = self.clients.iter().position(|c| c.key == key)
        {
            self.client_closed(pos);
        }
        Outcome::default()
    }

    /// The reference's disconnect handler for a logged-on client at `pos`;
    /// returns whether the entry was removed from the list.
    fn client_closed(&mut self, pos: usize) -> bool {
        let Some(c) = self.clients.get_mut(pos) else {
            return false;
        };
        c.open = false;
        let group = c.group_code.clone();
        let player = c.player_id.clone();
        let group: &str = &group;
        let is_aux = c.is_aux;
        if player != JsValue::str("")
            && let (Some(live), Some(id)) = (self.matches.get_mut(group), player.as_str())
        {
            live.game.set_aux_disconnected(id);
            self.refresh_head(group);
        }
        if is_aux {
            self.clients.remove(pos);
        }
        is_aux
    }

    fn remove_match(&mut self, code: &str, why: Removal, out: &mut Outcome) {
        let Some(live) = self.matches.remove(code) else {
            return;
        };
        if let Some(t) = live.head {
            self.heads.remove(&t);
        }
        self.order.retain(|c| c != code);
        out.effects.push(Effect::Removed {
            group_code: code.to_owned(),
            why,
            last: Box::new(live.game),
        });
        // Disconnect every open client of the group, in list order; removing
        // an auxiliary entry skips the one after it, as in the reference.
        let mut i = 0;
        while i < self.clients.len() {
            let (hit, conn) = match self.clients.get(i) {
                Some(c) => (c.open && &*c.group_code == code, c.conn),
                None => break,
            };
            if hit {
                out.effects.push(Effect::Disconnect { conn });
                if let Some(state) = self.conns.get_mut(&conn) {
                    state.closed = true;
                }
                self.client_closed(i);
            }
            i += 1;
        }
        // Closed observer entries of this group have no further effect.
        self.clients
            .retain(|c| c.open || c.is_aux || &*c.group_code != code);
        if self.matches.is_empty() {
            self.send_loop = None;
        }
    }

    /// When [`Registry::tick`] must be called next.
    pub fn next_deadline(&self) -> Option<u64> {
        self.next_timer().map(|(t, _)| t.due)
    }

    fn next_timer(&self) -> Option<(Timer, Option<(&str, MatchTimer)>)> {
        let first = self.heads.first_key_value().and_then(|(_, code)| {
            let (t, which) = self.matches.get(code)?.game.next_timer()?;
            Some((t, Some((code.as_str(), which))))
        });
        #[cfg(test)]
        assert_eq!(
            first.map(|(t, w)| (t, w.map(|(c, _)| c.to_owned()))),
            self.scan_next_match_timer(),
            "the filed heads agree with the matches' timers"
        );
        match (self.send_loop, first) {
            (Some(s), Some(f)) if s < f.0 => Some((s, None)),
            (_, Some(f)) => Some(f),
            (s, None) => s.map(|s| (s, None)),
        }
    }

    /// What [`Registry::heads`] stands for, found the slow way.
    #[cfg(test)]
    fn scan_next_match_timer(&self) -> Option<(Timer, Option<String>)> {
        self.matches
            .iter()
            .filter_map(|(code, m)| Some((m.game.next_timer()?.0, Some(code.clone()))))
            .min()
    }

    /// Fires the earliest timer if it is due at `now`; returns its due time
    /// and what it did, or `None` when nothing is due.
    pub fn tick_one(&mut self, now: u64) -> Option<(u64, Outcome)> {
        self.skip_quiet_send_ticks(now);
        let (timer, which) = self.next_timer()?;
        if timer.due > now {
            return None;
        }
        let which = which.map(|(code, w)| (code.to_owned(), w));
        let mut out = Outcome::default();
        match which {
            Some((code, w)) => {
                if let Some(live) = self.matches.get_mut(&code) {
                    live.game.fire_timer(w);
                }
                self.refresh_head(&code);
            }
            None => self.send_loop_tick(timer, &mut out),
        }
        Some((timer.due, out))
    }

    /// Fires every timer due at or before `now`, in order.
    pub fn tick(&mut self, now: u64) -> Outcome {
        let mut all = Outcome::default();
        while let Some((_, out)) = self.tick_one(now) {
            all.effects.extend(out.effects);
            if all.error.is_none() {
                all.error = out.error;
            }
        }
        all
    }

    /// Moves the send loop past the ticks due by `now` that would do
    /// nothing: no match has changed since it was last broadcast, none has
    /// been idle long enough to be removed, and no match timer fires before
    /// them (it could change a match). A clock that jumps (a machine back
    /// from suspend, a recovered log with an hour between maps, a fuzzer's
    /// fake clock) then costs one step instead of one per 100 ms; when at
    /// most one tick is due, as in a running server, this is one comparison.
    fn skip_quiet_send_ticks(&mut self, now: u64) {
        let Some(send) = self.send_loop else {
            return;
        };
        if send.due.saturating_add(SEND_INTERVAL_MS) > now {
            return;
        }
        // The last tick that may be skipped is due at or before `last`.
        let mut last = now;
        for live in self.matches.values() {
            if live.unsent() {
                return;
            }
            last = last.min(live.idle_until());
        }
        if let Some((head, _)) = self.heads.first_key_value() {
            // Equal due times fire in creation order.
            let before_head = if send.seq < head.seq {
                Some(head.due)
            } else {
                head.due.checked_sub(1)
            };
            match before_head {
                Some(b) => last = last.min(b),
                None => return,
            }
        }
        if last < send.due {
            return;
        }
        let skipped = (last - send.due) / SEND_INTERVAL_MS + 1;
        self.send_loop = skipped
            .checked_mul(SEND_INTERVAL_MS)
            .and_then(|d| send.due.checked_add(d))
            .map(|due| Timer { due, ..send });
    }

    /// The 100 ms send loop: broadcast matches whose counter moved, remove
    /// those without a broadcast for 30 minutes.
    fn send_loop_tick(&mut self, timer: Timer, out: &mut Outcome) {
        let now = timer.due;
        self.send_loop = now.checked_add(SEND_INTERVAL_MS).map(|due| Timer {
            due,
            seq: timer.seq,
        });
        let codes = self.order.clone();
        for code in codes {
            let Some(live) = self.matches.get_mut(&code) else {
                continue;
            };
            if live.unsent() {
                live.sent_number = live.game.event_number();
                live.last_send = now;
                out.effects.push(Effect::Broadcast { group_code: code });
            } else if now > live.idle_until() {
                self.remove_match(&code, Removal::Idle, out);
            }
        }
    }
}

/// JavaScript `matchId == value` for a string match id.
fn loose_eq_str(id: &str, v: &JsValue) -> bool {
    match v {
        JsValue::Str(s) => s == id,
        JsValue::Num(n) => JsValue::str(id).to_number() == *n,
        JsValue::Bool(b) => JsValue::str(id).to_number() == f64::from(u8::from(*b)),
        JsValue::Arr(_) => v.to_js_string() == id,
        _ => false,
    }
}
