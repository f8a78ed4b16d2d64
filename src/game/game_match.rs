//! One match: applies data events at a given time, runs its own timers
//! (timeout countdown and end, toast expiry) as data, and writes its
//! broadcast state.

use super::error::GameError;
use super::event::{Envelope, Event, RosterLine, ScoreboardLine, with_team_lines};
use super::limits::{self, MAX_INITIAL_STATE_BYTES, MAX_TIMEOUT_DURATION_BYTES};
use super::out::ObjOut;
use super::player::Player;
use super::tables;
use super::team::{RoundReason, Team};
use super::timers::{Timer, TimerSeq, js_delay};
use super::tools::{Tools, ToolsThrow};
use crate::json::js_value::{JsObject, JsValue};

/// Round length until the round timer runs out, in ms.
const ROUND_TIMEOUT_MS: f64 = 99_000.0;
/// Time from plant to detonation, in ms.
const SPIKE_DETONATION_MS: f64 = 45_000.0;
/// The money a plant gives the planter; a jump of exactly this much during
/// combat means the spike was planted.
const PLANT_REWARD: f64 = 300.0;
/// Timeout countdown interval, in ms.
const TIMEOUT_TICK_MS: u64 = 1000;

/// What applying an event did, when it ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Processed; the event counter advanced.
    Done,
    /// A type the model does not handle: counted, nothing else.
    Unknown,
    /// Round phase `game_end`: the match must be removed now.
    GameEnd,
}

/// Which timer of a match is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchTimer {
    TimeoutEnd,
    TimeoutTick,
    ToastEnd(u64),
}

/// The logon data the reference keeps to answer team-info requests after
/// the game (`getTeamInfoForCode`).
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedInfo {
    pub(crate) left_team: JsValue,
    pub(crate) right_team: JsValue,
    /// 0 when the first team has more rounds, else 1.
    pub higher_score: u8,
    pub(crate) tournament_info: JsValue,
    pub(crate) sponsor_info: JsValue,
    pub(crate) is_supporter: bool,
}

/// One live match: the state the observers' and auxiliary clients' events
/// build, and what is broadcast from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    match_id: String,
    match_type: String,
    switch_round: f64,
    first_ot_round: f64,
    group_code: String,
    group_secret: String,
    is_running: bool,
    agent_select_start_time: Option<f64>,
    round_number: f64,
    round_phase: String,
    round_timeout_time: Option<f64>,
    was_timeout: bool,
    spike_detonation_time: Option<f64>,
    teams: [Team; 2],
    map: String,
    spike_planted: bool,
    spike_detonated: bool,
    spike_defused: bool,
    attackers_won: bool,
    show_alive_kda: bool,
    tech_pause: bool,
    timeout_left: bool,
    timeout_right: bool,
    time_remaining: JsValue,
    grace_period_passed: bool,
    toast: JsValue,
    has_entered_overtime: bool,
    tools: Tools,
    organization_id: String,
    is_registered: bool,
    org_is_supporter: bool,
    event_number: u64,
    logon_teams: [JsValue; 2],
    timeout_end: Option<Timer>,
    timeout_tick: Option<Timer>,
    /// Pending toast ends, sorted (earliest first).
    toast_timers: Vec<Timer>,
    toast_latest: Option<u64>,
}

impl FinishedInfo {
    /// The team-info JSON `/getTeamInfoForCode` answers with, in the
    /// reference's key order.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = ObjOut::begin(out);
        o.js(b"\"leftTeam\":", &self.left_team);
        o.js(b"\"rightTeam\":", &self.right_team);
        o.num(b"\"higherScore\":", f64::from(self.higher_score));
        o.js(b"\"tournamentInfo\":", &self.tournament_info);
        o.js(b"\"sponsorInfo\":", &self.sponsor_info);
        o.bool(b"\"isSupporter\":", self.is_supporter);
        o.end();
    }
}

fn initial_toast() -> JsValue {
    let mut o = JsObject::new();
    o.set("active", JsValue::Bool(false));
    o.set("title", JsValue::str(""));
    o.set("message", JsValue::str(""));
    o.set("duration", JsValue::Null);
    o.set("eventLogoEnabled", JsValue::Bool(true));
    JsValue::Obj(o)
}

/// JavaScript `Math.max(0, x)` / `Math.min(2, x)` keep NaN.
fn js_max0(x: f64) -> f64 {
    if x.is_nan() { x } else { x.max(0.0) }
}

fn js_min2(x: f64) -> f64 {
    if x.is_nan() { x } else { x.min(2.0) }
}

/// JavaScript `x + 1` then ToNumber (a string concatenates).
fn js_plus_one(x: &JsValue) -> f64 {
    match x {
        JsValue::Str(s) => JsValue::Str(format!("{s}1")).to_number(),
        other => other.to_number() + 1.0,
    }
}

impl Match {
    /// Creates a match from a logon payload. `logon` must be an object with a
    /// string `groupCode`; the tools rules may make the reference throw.
    pub fn new(
        group_code: &str,
        group_secret: String,
        logon: &JsValue,
        is_supporter: bool,
    ) -> Result<Self, ToolsThrow> {
        let tools = Tools::new(logon.prop("toolsData"), is_supporter)?;
        let remove = tools.remove_tricodes();
        let left = logon.prop("leftTeam");
        let right = logon.prop("rightTeam");
        if left.is_nullish() || right.is_nullish() {
            return Err(ToolsThrow("leftTeam / rightTeam is missing"));
        }
        Ok(Match {
            match_id: String::new(),
            match_type: "bomb".to_owned(),
            switch_round: 13.0,
            first_ot_round: 25.0,
            group_code: group_code.to_owned(),
            group_secret,
            is_running: false,
            agent_select_start_time: None,
            round_number: 0.0,
            round_phase: "LOBBY".to_owned(),
            round_timeout_time: None,
            was_timeout: false,
            spike_detonation_time: None,
            teams: [Team::new(left, remove.clone()), Team::new(right, remove)],
            map: "Loading".to_owned(),
            spike_planted: false,
            spike_detonated: false,
            spike_defused: false,
            attackers_won: false,
            show_alive_kda: false,
            tech_pause: false,
            timeout_left: false,
            timeout_right: false,
            time_remaining: JsValue::Num(0.0),
            grace_period_passed: false,
            toast: initial_toast(),
            has_entered_overtime: false,
            tools,
            organization_id: String::new(),
            is_registered: false,
            org_is_supporter: is_supporter,
            event_number: 1,
            logon_teams: [left.clone(), right.clone()],
            timeout_end: None,
            timeout_tick: None,
            toast_timers: Vec::new(),
            toast_latest: None,
        })
    }

    /// Whether what the logon made this match keep is within
    /// [`limits`]: the whole new state, and the timeout duration a timeout
    /// copies into it later.
    pub(crate) fn check_new_limits(&self) -> Result<(), limits::Oversize> {
        let mut state = Vec::new();
        self.write_state(&mut state);
        limits::check(
            "the new match's state",
            state.len(),
            MAX_INITIAL_STATE_BYTES,
        )?;
        let duration = limits::json_len(&self.tools.timeout_duration_value());
        limits::check(
            "toolsData.timeoutDuration",
            duration,
            MAX_TIMEOUT_DURATION_BYTES,
        )
    }

    pub(crate) fn group_code(&self) -> &str {
        &self.group_code
    }

    pub(crate) fn group_secret(&self) -> &str {
        &self.group_secret
    }

    pub(crate) fn match_id(&self) -> &str {
        &self.match_id
    }

    /// Advances on every processed event and timer change; the send loop
    /// broadcasts when it moved.
    pub fn event_number(&self) -> u64 {
        self.event_number
    }

    /// The two teams, left then right.
    pub fn teams(&self) -> &[Team; 2] {
        &self.teams
    }

    pub(crate) fn round_number(&self) -> f64 {
        self.round_number
    }

    pub(crate) fn round_phase(&self) -> &str {
        &self.round_phase
    }

    pub(crate) fn is_registered(&self) -> bool {
        self.is_registered
    }

    /// The organisation backend answered the match's registration.
    pub fn set_registered(&mut self) {
        self.is_registered = true;
    }

    /// `tools.playercamsInfo` whole, secret included (for the organisation backend).
    pub fn playercams_info(&self) -> &JsValue {
        self.tools.playercams_info()
    }

    /// `tools.playercamsInfo.identifier` and `.secret` when both are truthy.
    pub fn playercam_credentials(&self) -> Option<(String, String)> {
        self.tools.playercam_credentials()
    }

    /// Applies the playercam service's answer; a change frontends get.
    pub fn apply_playercams(&mut self, enabled_players: JsValue, overrides: JsValue) {
        self.tools.set_playercams(enabled_players, overrides);
        self.event_number += 1;
    }

    /// Applies the stats service's tiers (`(puuid, current, peak)`) to the
    /// players with those ids, then counts the change, as the reference's
    /// `match_start` handling does once its backend calls are done.
    pub fn apply_player_mmr<'a>(
        &mut self,
        tiers: impl IntoIterator<Item = (&'a str, Option<f64>, Option<f64>)>,
    ) {
        for (puuid, current, peak) in tiers {
            self.each_player(Some(puuid), |p| p.set_mmr(current, peak));
        }
        self.event_number += 1;
    }

    /// The organisation the observer's key belongs to (backend keys only).
    pub fn set_organization_id(&mut self, id: String) {
        self.organization_id = id;
    }

    /// An auxiliary client of this player disconnected.
    pub fn set_aux_disconnected(&mut self, player_id: &str) {
        for team in &mut self.teams {
            team.set_aux_disconnected(player_id);
        }
    }

    /// What the reference stores for team-info requests when the game ends.
    pub fn finished_info(&self) -> FinishedInfo {
        FinishedInfo {
            left_team: self.logon_teams[0].clone(),
            right_team: self.logon_teams[1].clone(),
            higher_score: if self.teams[0].rounds_won > self.teams[1].rounds_won {
                0
            } else {
                1
            },
            tournament_info: self.tools.tournament_info().clone(),
            sponsor_info: self.tools.sponsor_info().clone(),
            is_supporter: self.org_is_supporter,
        }
    }

    /// Applies one data event at `now` (Unix ms). On `Err` the changes made
    /// before the point where the reference would throw stay, and the event
    /// counter does not advance.
    pub fn apply(
        &mut self,
        env: &Envelope<'_>,
        now: u64,
        seq: &mut TimerSeq,
    ) -> Result<Applied, GameError> {
        let ts = now as f64;
        let mut applied = Applied::Done;
        match &env.event {
            Event::Scoreboard(d) => self.scoreboard(d, ts)?,
            Event::Roster(r) => self.roster(r, ts)?,
            Event::Killfeed(k) => self.teams.iter_mut().for_each(|t| t.killfeed(k)),
            Event::Observing(name) => self.teams.iter_mut().for_each(|t| t.set_observed(*name)),
            Event::AuxScoreboard(d) => self.aux_scoreboard(d, ts),
            Event::AuxAbilities {
                grenade,
                ability_1,
                ability_2,
            } => self.each_player(env.player_id, |p| {
                p.set_abilities(grenade, ability_1, ability_2)
            }),
            Event::AuxHealth(Some(h)) => self.each_player(env.player_id, |p| p.set_health(*h)),
            Event::AuxAstraTargeting(Some(on)) => {
                self.each_player(env.player_id, |p| p.set_astra_targeting(*on))
            }
            Event::AuxCypherCam(Some(on)) => {
                self.each_player(env.player_id, |p| p.set_cypher_cam(*on))
            }
            Event::AuxScoreboardTeam(text) => self.aux_scoreboard_team(text, ts)?,
            Event::SpikePlanted => self.set_spike_planted(ts),
            Event::SpikeDetonated => self.spike_detonated(),
            Event::SpikeDefused => self.spike_defused = true,
            Event::Score { team_0, team_1 } => self.score(*team_0, *team_1, ts)?,
            Event::RoundInfo {
                round_number,
                round_phase,
            } => applied = self.round_info(*round_number, round_phase, ts)?,
            Event::MatchStart(id) => self.match_start(id),
            Event::Map(key) => self.set_map(key),
            Event::GameMode(mode) => self.game_mode(mode),
            Event::TechPause => self.tech_pause(),
            Event::LeftTimeout => self.team_timeout(true, now, seq),
            Event::RightTimeout => self.team_timeout(false, now, seq),
            Event::SwitchKdaCredits => self.show_alive_kda = !self.show_alive_kda,
            Event::Toast(data) => self.toast(data, now, seq),
            Event::SwapAttackerDefender => self.swap_attacker_defender(),
            Event::SwapLeftRight => self.swap_left_right(),
            Event::AuxHealth(None)
            | Event::AuxAstraTargeting(None)
            | Event::AuxCypherCam(None)
            | Event::Ignored => {}
            Event::Unknown(_) => applied = Applied::Unknown,
        }
        self.event_number += 1;
        Ok(applied)
    }

    fn scoreboard(&mut self, d: &ScoreboardLine<'_>, ts: f64) -> Result<(), GameError> {
        let t = self.team_for(d.start_team).ok_or(GameError::WrongShape {
            kind: "scoreboard",
            field: "startTeam",
        })?;
        self.detect_plant(t, d, ts);
        self.teams[t].scoreboard(d);
        Ok(())
    }

    fn roster(&mut self, r: &RosterLine<'_>, ts: f64) -> Result<(), GameError> {
        let t = self.team_for(r.start_team).ok_or(GameError::WrongShape {
            kind: "roster",
            field: "startTeam",
        })?;
        if self.agent_select_start_time.is_none() {
            self.agent_select_start_time = Some(ts);
        }
        self.teams[t].roster(r);
        Ok(())
    }

    /// A scoreboard line from an auxiliary client; one naming no team is
    /// ignored.
    fn aux_scoreboard(&mut self, d: &ScoreboardLine<'_>, ts: f64) {
        if let Some(t) = self.team_for(d.start_team) {
            self.detect_plant(t, d, ts);
            self.teams[t].aux_scoreboard(d);
        }
    }

    /// `f` on the player with this id in each team (none without an id).
    fn each_player(&mut self, id: Option<&str>, mut f: impl FnMut(&mut Player)) {
        for team in &mut self.teams {
            team.with_player(id, &mut f);
        }
    }

    fn aux_scoreboard_team(&mut self, text: &str, ts: f64) -> Result<(), GameError> {
        // The reference looks the team up by a property of the JSON text
        // itself, which never exists, so it always picks the second team.
        with_team_lines(text, |lines| {
            for line in lines {
                self.detect_plant(1, line, ts);
            }
            for line in lines {
                self.teams[1].aux_scoreboard(line);
            }
        })
    }

    fn spike_detonated(&mut self) {
        self.spike_detonated = true;
        self.spike_detonation_time = None;
    }

    fn match_start(&mut self, id: &str) {
        id.clone_into(&mut self.match_id);
        self.is_running = true;
    }

    fn set_map(&mut self, key: &str) {
        self.map = tables::map_name(key)
            .unwrap_or(tables::FALLBACK_MAP)
            .to_owned();
    }

    fn game_mode(&mut self, mode: &str) {
        mode.clone_into(&mut self.match_type);
        if mode == "swift" {
            self.switch_round = 5.0;
            self.first_ot_round = 99.0;
        } else {
            self.switch_round = 13.0;
            self.first_ot_round = 25.0;
        }
    }

    fn tech_pause(&mut self) {
        self.tech_pause = !self.tech_pause;
        if self.tech_pause {
            self.timeout_left = false;
            self.timeout_right = false;
            self.timeout_end = None;
            self.timeout_tick = None;
        }
    }

    fn swap_attacker_defender(&mut self) {
        let [a, b] = &mut self.teams;
        a.switch_sides();
        b.switch_sides();
        Team::swap_record_and_score(a, b);
    }

    fn swap_left_right(&mut self) {
        self.teams.swap(0, 1);
        self.tools.swap_counters();
    }

    fn team_for(&self, start_team: f64) -> Option<usize> {
        self.teams
            .iter()
            .position(|t| f64::from(t.ingame_team_id) == start_team)
    }

    fn detect_plant(&mut self, team: usize, d: &ScoreboardLine<'_>, ts: f64) {
        if self.round_phase != "combat" {
            return;
        }
        let old = self.teams[team].money_for(d.player_id);
        if d.money > old && d.money - old == PLANT_REWARD {
            self.set_spike_planted(ts);
        }
    }

    fn set_spike_planted(&mut self, ts: f64) {
        if self.spike_planted || self.round_phase != "combat" {
            return;
        }
        self.spike_planted = true;
        self.round_timeout_time = None;
        self.spike_detonation_time = Some(ts + SPIKE_DETONATION_MS);
    }

    /// A `score` event: the rounds each team has won, who won the round
    /// that ended and whether it ran out of time; the spike is no longer
    /// planted.
    fn score(&mut self, team_0: f64, team_1: f64, ts: f64) -> Result<(), GameError> {
        const NO_TEAM: GameError =
            GameError::ReferenceThrows("no team has the in-game id of a score");
        let t0 = self
            .teams
            .iter()
            .position(|t| t.ingame_team_id == 0)
            .ok_or(NO_TEAM)?;
        let t1 = self.teams.iter().position(|t| t.ingame_team_id == 1);
        if team_0 > self.teams[t0].rounds_won {
            self.attackers_won = self.teams[t0].is_attacking;
        } else {
            let t1 = t1.ok_or(NO_TEAM)?;
            if team_1 > self.teams[t1].rounds_won {
                self.attackers_won = self.teams[t1].is_attacking;
            }
        }
        self.was_timeout = self
            .round_timeout_time
            .is_some_and(|rtt| rtt != 0.0 && !rtt.is_nan() && ts >= rtt);
        self.teams[t0].rounds_won = team_0;
        let t1 = t1.ok_or(NO_TEAM)?;
        self.teams[t1].rounds_won = team_1;
        self.spike_planted = false;
        Ok(())
    }

    fn round_reasons(&mut self) -> Result<(), GameError> {
        const NO_SIDE: GameError = GameError::ReferenceThrows("no team is on one of the sides");
        let attacking = self.teams.iter().position(|t| t.is_attacking);
        let defending = self.teams.iter().position(|t| !t.is_attacking);
        let round = self.round_number - 1.0;
        if self.attackers_won {
            let a = attacking.ok_or(NO_SIDE)?;
            let reason = if self.spike_detonated {
                RoundReason::Detonated
            } else {
                RoundReason::Kills
            };
            self.teams[a].add_round_reason(reason, round);
            let d = defending.ok_or(NO_SIDE)?;
            self.teams[d].add_round_reason(RoundReason::Lost, round);
        } else {
            let d = defending.ok_or(NO_SIDE)?;
            let reason = if self.spike_defused {
                RoundReason::Defused
            } else if self.was_timeout {
                RoundReason::Timeout
            } else {
                RoundReason::Kills
            };
            self.teams[d].add_round_reason(reason, round);
            let a = attacking.ok_or(NO_SIDE)?;
            self.teams[a].add_round_reason(RoundReason::Lost, round);
        }
        Ok(())
    }

    /// [`Applied::GameEnd`] when the game ended.
    fn round_info(&mut self, number: f64, phase: &str, ts: f64) -> Result<Applied, GameError> {
        self.round_number = number;
        if self.round_phase != phase {
            phase.clone_into(&mut self.round_phase);
        }
        match phase {
            "shopping" => {
                if number != 1.0 {
                    self.round_reasons()?;
                }
                self.grant_overtime_timeout();
                self.spike_planted = false;
                self.spike_detonated = false;
                self.spike_defused = false;
                let switch = number == self.switch_round || number >= self.first_ot_round;
                for team in &mut self.teams {
                    if switch {
                        team.switch_sides();
                    }
                }
                for team in &mut self.teams {
                    team.reset_round(switch);
                }
            }
            "combat" => {
                for team in &mut self.teams {
                    team.find_duplicate_agents();
                }
                self.round_timeout_time = Some(ts + ROUND_TIMEOUT_MS);
                if let Some(o) = self.toast.as_obj_mut() {
                    o.set("active", JsValue::Bool(false));
                }
            }
            "end" => {
                self.round_timeout_time = None;
                self.spike_detonation_time = None;
            }
            "game_end" => {
                self.is_running = false;
                self.timeout_end = None;
                self.timeout_tick = None;
                return Ok(Applied::GameEnd);
            }
            _ => {}
        }
        Ok(Applied::Done)
    }

    fn grant_overtime_timeout(&mut self) {
        if self.round_number >= self.first_ot_round && !self.has_entered_overtime {
            self.has_entered_overtime = true;
            for left in [true, false] {
                let v = js_min2(js_plus_one(self.tools.counter(left)));
                self.tools.set_counter(left, JsValue::Num(v));
            }
            self.event_number += 1;
        }
    }

    fn use_timeout(&mut self, left: bool) {
        let v = js_max0(self.tools.counter(left).to_number() - 1.0);
        self.tools.set_counter(left, JsValue::Num(v));
    }

    fn team_timeout(&mut self, left: bool, now: u64, seq: &mut TimerSeq) {
        let active = if left {
            self.timeout_left
        } else {
            self.timeout_right
        };
        if active {
            let grace_remaining = self.tools.timeout_duration() - self.tools.grace_period();
            let in_grace = self.time_remaining.to_number() > grace_remaining;
            if !in_grace {
                self.use_timeout(left);
            }
            self.timeout_left = false;
            self.timeout_right = false;
            self.timeout_end = None;
            self.timeout_tick = None;
        } else {
            let remaining = self.tools.counter(left).to_number();
            if remaining <= 0.0 {
                return;
            }
            self.timeout_left = left;
            self.timeout_right = !left;
            self.tech_pause = false;
            self.time_remaining = self.tools.timeout_duration_value();
            self.grace_period_passed = false;
            let delay = js_delay(self.tools.timeout_duration() * 1000.0);
            self.timeout_end = Some(seq.timer(now, delay));
            self.timeout_tick = Some(seq.timer(now, TIMEOUT_TICK_MS));
        }
    }

    fn toast(&mut self, data: &JsValue, now: u64, seq: &mut TimerSeq) {
        if self.toast.prop("active").truthy() {
            if let Some(o) = self.toast.as_obj_mut() {
                o.set("active", JsValue::Bool(false));
            }
            if let Some(latest) = self.toast_latest.take() {
                self.toast_timers.retain(|t| t.seq != latest);
            }
            return;
        }
        let mut toast = data.clone();
        if let Some(o) = toast.as_obj_mut() {
            o.set("active", JsValue::Bool(true));
        }
        let duration = toast.prop("duration").clone();
        self.toast = toast;
        self.event_number += 1;
        if duration != JsValue::Null {
            let timer = seq.timer(now, js_delay(duration.to_number()));
            // Kept sorted, so the earliest is first (timers are ordered by due
            // time, then creation).
            let pos = self.toast_timers.partition_point(|t| *t < timer);
            self.toast_timers.insert(pos, timer);
            self.toast_latest = Some(timer.seq);
        }
    }

    /// The earliest pending timer, by due time then creation order.
    pub fn next_timer(&self) -> Option<(Timer, MatchTimer)> {
        let mut best: Option<(Timer, MatchTimer)> = None;
        let mut consider = |t: Timer, k: MatchTimer| {
            if best.is_none_or(|(b, _)| t < b) {
                best = Some((t, k));
            }
        };
        if let Some(t) = self.timeout_end {
            consider(t, MatchTimer::TimeoutEnd);
        }
        if let Some(t) = self.timeout_tick {
            consider(t, MatchTimer::TimeoutTick);
        }
        if let Some(t) = self.toast_timers.first() {
            consider(*t, MatchTimer::ToastEnd(t.seq));
        }
        best
    }

    /// Fires one timer returned by [`Match::next_timer`].
    pub fn fire_timer(&mut self, which: MatchTimer) {
        match which {
            MatchTimer::TimeoutEnd => {
                self.timeout_end = None;
                if self.timeout_left {
                    self.use_timeout(true);
                } else if self.timeout_right {
                    self.use_timeout(false);
                }
                self.timeout_left = false;
                self.timeout_right = false;
                self.timeout_tick = None;
                self.event_number += 1;
            }
            MatchTimer::TimeoutTick => {
                let Some(tick) = self.timeout_tick else {
                    return;
                };
                let remaining = self.time_remaining.to_number();
                if remaining > 0.0 {
                    let remaining = remaining - 1.0;
                    self.time_remaining = JsValue::Num(remaining);
                    let grace_remaining = self.tools.timeout_duration() - self.tools.grace_period();
                    if !self.grace_period_passed && remaining <= grace_remaining {
                        self.grace_period_passed = true;
                    }
                    self.event_number += 1;
                    // An interval keeps its creation order; at the end of
                    // time it stops instead of firing forever.
                    self.timeout_tick = tick
                        .due
                        .checked_add(TIMEOUT_TICK_MS)
                        .map(|due| Timer { due, seq: tick.seq });
                } else {
                    self.timeout_tick = None;
                }
            }
            MatchTimer::ToastEnd(seq) => {
                self.toast_timers.retain(|t| t.seq != seq);
                if let Some(o) = self.toast.as_obj_mut() {
                    o.set("active", JsValue::Bool(false));
                }
                self.toast_latest = None;
                self.event_number += 1;
            }
        }
    }

    /// Writes the broadcast state (`match_data`'s payload): the reference's
    /// key order, without the secret, counters, timer handles and the
    /// playercam secret.
    pub fn write_state(&self, out: &mut Vec<u8>) {
        let mut o = ObjOut::begin(out);
        o.str(b"\"matchId\":", &self.match_id);
        o.str(b"\"matchType\":", &self.match_type);
        o.num(b"\"switchRound\":", self.switch_round);
        o.num(b"\"firstOtRound\":", self.first_ot_round);
        o.str(b"\"groupCode\":", &self.group_code);
        o.bool(b"\"isRunning\":", self.is_running);
        o.opt_num(b"\"agentSelectStartTime\":", self.agent_select_start_time);
        o.num(b"\"roundNumber\":", self.round_number);
        o.str(b"\"roundPhase\":", &self.round_phase);
        o.opt_num(b"\"roundTimeoutTime\":", self.round_timeout_time);
        o.bool(b"\"wasTimeout\":", self.was_timeout);
        o.opt_num(b"\"spikeDetonationTime\":", self.spike_detonation_time);
        {
            let out = o.key(b"\"teams\":");
            out.push(b'[');
            self.teams[0].write_json(out);
            out.push(b',');
            self.teams[1].write_json(out);
            out.push(b']');
        }
        o.str(b"\"map\":", &self.map);
        {
            let mut s = ObjOut::begin(o.key(b"\"spikeState\":"));
            s.bool(b"\"planted\":", self.spike_planted);
            s.bool(b"\"detonated\":", self.spike_detonated);
            s.bool(b"\"defused\":", self.spike_defused);
            s.end();
        }
        o.bool(b"\"attackersWon\":", self.attackers_won);
        o.bool(b"\"showAliveKDA\":", self.show_alive_kda);
        {
            let mut s = ObjOut::begin(o.key(b"\"timeoutState\":"));
            s.bool(b"\"techPause\":", self.tech_pause);
            s.bool(b"\"leftTeam\":", self.timeout_left);
            s.bool(b"\"rightTeam\":", self.timeout_right);
            s.js(b"\"timeRemaining\":", &self.time_remaining);
            s.end();
        }
        o.bool(b"\"timeoutGracePeriodPassed\":", self.grace_period_passed);
        o.js(b"\"toastInfo\":", &self.toast);
        o.bool(b"\"hasEnteredOvertime\":", self.has_entered_overtime);
        self.tools.write_json(o.key(b"\"tools\":"));
        o.str(b"\"organizationId\":", &self.organization_id);
        o.bool(b"\"isRegistered\":", self.is_registered);
        o.bool(b"\"orgIsSupporter\":", self.org_is_supporter);
        o.end();
    }
}
