//! One team: its players (at most five), side, score and round record.

use super::event::{KillfeedLine, RosterLine, ScoreboardLine};
use super::limits::{MAX_PLAYERS, MAX_ROUND_RECORD};
use super::out::ObjOut;
use super::player::Player;
use super::tables;
use crate::json::js_value::JsValue;

/// Rounds in the initial round record; the overlay draws these slots.
const INITIAL_RECORD_ROUNDS: usize = 25;
/// Future slots marked "upcoming" after a recorded round.
const UPCOMING_AHEAD: usize = 5;

/// How a round ended, from one team's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundReason {
    Detonated,
    Defused,
    Kills,
    Timeout,
    Lost,
    Upcoming,
}

impl RoundReason {
    fn as_str(self) -> &'static str {
        match self {
            RoundReason::Detonated => "detonated",
            RoundReason::Defused => "defused",
            RoundReason::Kills => "kills",
            RoundReason::Timeout => "timeout",
            RoundReason::Lost => "lost",
            RoundReason::Upcoming => "upcoming",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordEntry {
    pub reason: RoundReason,
    pub was_attack: bool,
    pub round: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    name: JsValue,
    tricode: JsValue,
    url: JsValue,
    pub ingame_team_id: u8,
    pub is_attacking: bool,
    pub rounds_won: f64,
    spent_this_round: f64,
    /// `None` is a hole in the JavaScript array (printed as `null`).
    round_record: Vec<Option<RecordEntry>>,
    remove_tricode: JsValue,
    players: Vec<Player>,
    has_duplicate_agents: bool,
}

impl Team {
    /// `team` is the logon's `leftTeam` / `rightTeam` object.
    pub fn new(team: &JsValue, remove_tricode: JsValue) -> Self {
        let attack_start = team.prop("attackStart").truthy();
        let round_record = (1..=INITIAL_RECORD_ROUNDS)
            .map(|r| {
                Some(RecordEntry {
                    reason: RoundReason::Upcoming,
                    was_attack: attack_start,
                    round: r as f64,
                })
            })
            .collect();
        Team {
            name: team.prop("name").clone(),
            tricode: team.prop("tricode").clone(),
            url: team.prop("url").clone(),
            ingame_team_id: if attack_start { 0 } else { 1 },
            is_attacking: attack_start,
            rounds_won: 0.0,
            spent_this_round: 0.0,
            round_record,
            remove_tricode,
            players: Vec::new(),
            has_duplicate_agents: false,
        }
    }

    pub fn players(&self) -> &[Player] {
        &self.players
    }

    pub fn player_count(&self) -> usize {
        self.players.len()
    }

    fn player_mut(&mut self, id: &str) -> Option<&mut Player> {
        self.players.iter_mut().find(|p| p.player_id() == id)
    }

    pub fn has_player_id(&self, id: &str) -> bool {
        self.players.iter().any(|p| p.player_id() == id)
    }

    /// Money of a player, or 9999 when the team has no such player (so no
    /// plant is detected from an unknown player).
    pub fn money_for(&self, id: &str) -> f64 {
        self.players
            .iter()
            .find(|p| p.player_id() == id)
            .map_or(9999.0, Player::money)
    }

    pub fn roster(&mut self, r: &RosterLine<'_>) {
        if r.player_id.is_empty() || r.name.is_empty() || r.tagline.is_empty() {
            return;
        }
        if let Some(p) = self.player_mut(r.player_id) {
            p.on_roster_update(r);
        } else if self.players.len() < MAX_PLAYERS {
            let mut p = Player::new(r);
            if self.remove_tricode.truthy() {
                let tricode = match &self.tricode {
                    JsValue::Str(s) => s.clone(),
                    other => other.to_js_string(),
                };
                p.remove_tricode_from_name(&tricode);
            }
            self.players.push(p);
            self.is_attacking = r.start_team == 0.0;
        }
    }

    pub fn scoreboard(&mut self, d: &ScoreboardLine<'_>) {
        let Some(p) = self.player_mut(d.player_id) else {
            return;
        };
        p.update_from_scoreboard(d);
        self.spent_this_round = self.players.iter().map(Player::money_spent).sum();
    }

    pub fn aux_scoreboard(&mut self, d: &ScoreboardLine<'_>) {
        if let Some(p) = self.player_mut(d.player_id) {
            p.update_from_aux_scoreboard(d);
        }
    }

    pub fn killfeed(&mut self, k: &KillfeedLine<'_>) {
        let dup = self.has_duplicate_agents;
        if let Some(attacker) = self.players.iter_mut().find(|p| p.name() == k.attacker) {
            attacker.extract_killfeed_info(k);
            attacker.fallback_killfeed(false);
            if !dup {
                for assist in &k.assists {
                    let Some(agent) = tables::agent_name(assist) else {
                        continue;
                    };
                    if let Some(p) = self
                        .players
                        .iter_mut()
                        .find(|p| p.agent_internal() == agent)
                    {
                        p.fallback_assist();
                    }
                }
            }
        }
        if let Some(victim) = self.players.iter_mut().find(|p| p.name() == k.victim) {
            victim.fallback_killfeed(true);
        }
    }

    pub fn with_player(&mut self, id: Option<&str>, f: impl FnOnce(&mut Player)) {
        if let Some(p) = id.and_then(|id| self.player_mut(id)) {
            f(p);
        }
    }

    pub fn set_observed(&mut self, observed: Option<&str>) {
        for p in &mut self.players {
            p.set_observed(observed);
        }
    }

    pub fn find_duplicate_agents(&mut self) {
        for (i, p) in self.players.iter().enumerate() {
            if self.players[..i]
                .iter()
                .any(|q| q.agent_internal() == p.agent_internal())
            {
                self.has_duplicate_agents = true;
                return;
            }
        }
    }

    pub fn switch_sides(&mut self) {
        self.is_attacking = !self.is_attacking;
    }

    pub fn reset_round(&mut self, side_switch: bool) {
        for p in &mut self.players {
            p.reset_round(side_switch);
        }
    }

    pub fn set_aux_disconnected(&mut self, id: &str) {
        if let Some(p) = self.player_mut(id) {
            p.set_aux_disconnected();
        }
    }

    /// Records how round `round` ended (1-based) and marks the next five
    /// rounds upcoming, all with the team's current side.
    pub fn add_round_reason(&mut self, reason: RoundReason, round: f64) {
        let pos = round - 1.0;
        for ahead in 0..=UPCOMING_AHEAD {
            let idx = pos + ahead as f64;
            if idx < 0.0 || idx.fract() != 0.0 || idx >= MAX_ROUND_RECORD as f64 {
                continue;
            }
            let idx = idx as usize;
            if idx >= self.round_record.len() {
                self.round_record.resize(idx + 1, None);
            }
            self.round_record[idx] = Some(RecordEntry {
                reason: if ahead == 0 {
                    reason
                } else {
                    RoundReason::Upcoming
                },
                was_attack: self.is_attacking,
                round: round + ahead as f64,
            });
        }
    }

    pub fn swap_record_and_score(a: &mut Team, b: &mut Team) {
        std::mem::swap(&mut a.rounds_won, &mut b.rounds_won);
        std::mem::swap(&mut a.round_record, &mut b.round_record);
    }

    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = ObjOut::begin(out);
        o.js(b"\"teamName\":", &self.name);
        o.js(b"\"teamTricode\":", &self.tricode);
        o.js(b"\"teamUrl\":", &self.url);
        o.num(b"\"ingameTeamId\":", f64::from(self.ingame_team_id));
        o.bool(b"\"isAttacking\":", self.is_attacking);
        o.bool(b"\"hasHandledTeam\":", false);
        o.num(b"\"roundsWon\":", self.rounds_won);
        o.num(b"\"spentThisRound\":", self.spent_this_round);
        {
            let out = o.key(b"\"roundRecord\":");
            out.push(b'[');
            for (i, e) in self.round_record.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match e {
                    None => out.extend_from_slice(b"null"),
                    Some(e) => {
                        let mut r = ObjOut::begin(out);
                        r.str(b"\"type\":", e.reason.as_str());
                        r.bool(b"\"wasAttack\":", e.was_attack);
                        r.num(b"\"round\":", e.round);
                        r.end();
                    }
                }
            }
            out.push(b']');
        }
        o.js(b"\"removeTricode\":", &self.remove_tricode);
        {
            let out = o.key(b"\"players\":");
            out.push(b'[');
            for (i, p) in self.players.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                p.write_json(out);
            }
            out.push(b']');
        }
        o.num(b"\"playerCount\":", self.players.len() as f64);
        o.bool(b"\"hasDuplicateAgents\":", self.has_duplicate_agents);
        o.end();
    }
}
