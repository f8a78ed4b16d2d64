//! One player: identity from the roster, live values from scoreboards,
//! kill-feed statistics, and what auxiliary clients report.

use super::event::{KillfeedLine, RosterLine, ScoreboardLine};
use super::limits::MAX_LIST_ENTRIES;
use super::out::{ObjOut, write_str_array};
use super::tables;
use crate::json::js_value::{JsObject, JsValue};

/// Keys of `Object.prototype`: a record lookup of these finds an inherited
/// (truthy) value in JavaScript, so the reference's counting leaves no
/// visible trace for them.
const INHERITED_KEYS: [&str; 12] = [
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "__proto__",
];

/// Partial scoreboard values the agent-specific icon rules look at; the
/// kill-feed fallbacks pass only kills or only assists (`None` = undefined).
#[derive(Default, Clone, Copy)]
struct AgentCheck {
    kills: Option<f64>,
    deaths: Option<f64>,
    assists: Option<f64>,
    curr_ult_points: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Player {
    name: String,
    tagline: String,
    riot_id: String,
    search_name: String,
    full_name: String,
    position: f64,
    locked: bool,
    agent_internal: String,
    agent_proper: String,
    is_alive: bool,
    has_spike: bool,
    is_observed: bool,
    health: f64,
    abilities: [JsValue; 3],
    kills: f64,
    deaths: f64,
    assists: f64,
    kd_ratio: f64,
    kills_this_round: f64,
    deaths_this_round: f64,
    killed_player_names: Vec<String>,
    curr_ult_points: f64,
    max_ult_points: f64,
    ult_ready: bool,
    money: f64,
    money_spent: f64,
    spent_money_this_round: bool,
    armor_name: Option<&'static str>,
    highest_weapon: Option<&'static str>,
    current_mmr_tier: Option<f64>,
    peak_mmr_tier: Option<f64>,
    team_kills: f64,
    headshot_kills: f64,
    headshot_ratio: f64,
    kills_by_weapons: JsObject,
    kills_on_enemy: JsObject,
    kills_on_teammate: JsObject,
    assists_from_teammate: JsObject,
    scoreboard_available: bool,
    aux_health: bool,
    aux_abilities: bool,
    aux_scoreboard: bool,
    icon_name_suffix: &'static str,
}

fn agent_proper(internal: &str) -> String {
    tables::agent_name(internal).unwrap_or(internal).to_owned()
}

fn set_string(slot: &mut String, value: &str) {
    if slot != value {
        value.clone_into(slot);
    }
}

/// JavaScript's `String.prototype.trim` white space set.
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| {
        matches!(
            c,
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200a}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{202f}'
                    | '\u{205f}'
                    | '\u{3000}'
                    | '\u{feff}'
        )
    })
}

/// The reference's `record[key]` counting: a missing key becomes 1 and an
/// existing one keeps its value (its increment is a no-op post-increment).
fn count_once(record: &mut JsObject, key: &str) {
    if INHERITED_KEYS.contains(&key) || record.get(key).is_some() {
        return;
    }
    if record.len() < MAX_LIST_ENTRIES {
        record.set(key, JsValue::Num(1.0));
    }
}

impl Player {
    pub fn new(r: &RosterLine<'_>) -> Self {
        Player {
            name: r.name.to_owned(),
            tagline: r.tagline.to_owned(),
            riot_id: r.player_id.to_owned(),
            search_name: format!("{} #{}", r.name, r.tagline),
            full_name: format!("{}#{}", r.name, r.tagline),
            position: r.position,
            locked: r.locked,
            agent_internal: r.agent_internal.to_owned(),
            agent_proper: agent_proper(r.agent_internal),
            is_alive: true,
            has_spike: false,
            is_observed: false,
            health: 100.0,
            abilities: [JsValue::Num(0.0), JsValue::Num(0.0), JsValue::Num(0.0)],
            kills: 0.0,
            deaths: 0.0,
            assists: 0.0,
            kd_ratio: 0.0,
            kills_this_round: 0.0,
            deaths_this_round: 0.0,
            killed_player_names: Vec::new(),
            curr_ult_points: 0.0,
            max_ult_points: 0.0,
            ult_ready: false,
            money: 0.0,
            money_spent: 0.0,
            spent_money_this_round: false,
            armor_name: Some("None"),
            highest_weapon: Some("Unknown"),
            current_mmr_tier: None,
            peak_mmr_tier: None,
            team_kills: 0.0,
            headshot_kills: 0.0,
            headshot_ratio: 0.0,
            kills_by_weapons: JsObject::new(),
            kills_on_enemy: JsObject::new(),
            kills_on_teammate: JsObject::new(),
            assists_from_teammate: JsObject::new(),
            scoreboard_available: false,
            aux_health: false,
            aux_abilities: false,
            aux_scoreboard: false,
            icon_name_suffix: "",
        }
    }

    pub fn player_id(&self) -> &str {
        &self.riot_id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn agent_internal(&self) -> &str {
        &self.agent_internal
    }

    pub fn money(&self) -> f64 {
        self.money
    }

    pub fn money_spent(&self) -> f64 {
        self.money_spent
    }

    pub fn is_alive(&self) -> bool {
        self.is_alive
    }

    /// A roster update renames and re-picks, but keeps the search name.
    pub fn on_roster_update(&mut self, r: &RosterLine<'_>) {
        set_string(&mut self.name, r.name);
        set_string(&mut self.tagline, r.tagline);
        if self.agent_internal != r.agent_internal {
            set_string(&mut self.agent_internal, r.agent_internal);
            self.agent_proper = agent_proper(r.agent_internal);
        }
        self.locked = r.locked;
    }

    /// Strips the team tricode from the display name when it starts with it.
    pub fn remove_tricode_from_name(&mut self, tricode: &str) {
        if let Some(rest) = self.name.strip_prefix(tricode) {
            self.name = js_trim(rest).to_owned();
        }
    }

    pub fn update_from_scoreboard(&mut self, d: &ScoreboardLine<'_>) {
        self.update_shared(d);
        self.scoreboard_available = true;
    }

    /// Auxiliary scoreboards only fill in while the observer has not sent one
    /// this round.
    pub fn update_from_aux_scoreboard(&mut self, d: &ScoreboardLine<'_>) {
        if self.scoreboard_available {
            return;
        }
        self.update_shared(d);
        self.aux_scoreboard = true;
    }

    fn update_shared(&mut self, d: &ScoreboardLine<'_>) {
        if d.kills > self.kills {
            self.kills_this_round += 1.0;
        }
        if d.deaths > self.deaths {
            self.deaths_this_round += 1.0;
        }
        if self.agent_internal != d.agent_internal {
            set_string(&mut self.agent_internal, d.agent_internal);
            self.agent_proper = agent_proper(d.agent_internal);
        }
        self.agent_checks(AgentCheck {
            kills: Some(d.kills),
            deaths: Some(d.deaths),
            assists: Some(d.assists),
            curr_ult_points: Some(d.curr_ult_points),
        });
        self.kills = d.kills;
        self.deaths = d.deaths;
        self.assists = d.assists;
        self.kd_ratio = self.kills / self.deaths;
        self.curr_ult_points = d.curr_ult_points;
        self.max_ult_points = d.max_ult_points;
        self.ult_ready = self.curr_ult_points >= self.max_ult_points;

        if !self.spent_money_this_round && d.money < self.money {
            self.spent_money_this_round = true;
        }
        if self.spent_money_this_round && d.money != self.money {
            self.money_spent += self.money - d.money;
        }
        self.money = d.money;

        self.armor_name = tables::armor_name(d.initial_armor);
        self.highest_weapon = tables::weapon_name(d.weapon_internal);

        if !d.is_alive && self.is_alive {
            self.death_checks();
            self.health = 0.0;
        }
        if d.is_alive && !self.is_alive {
            self.health = 100.0;
        }
        self.is_alive = d.is_alive;
        self.has_spike = d.has_spike;
    }

    /// Statistics the scoreboard does not carry: weapons, victims, headshots.
    pub fn extract_killfeed_info(&mut self, k: &KillfeedLine<'_>) {
        count_once(&mut self.kills_by_weapons, k.weapon_internal);
        if self.killed_player_names.len() < MAX_LIST_ENTRIES {
            self.killed_player_names.push(k.victim.to_owned());
        }
        if k.headshot {
            self.headshot_kills += 1.0;
            self.headshot_ratio = self.headshot_kills / self.kills;
        }
        if k.is_teamkill {
            self.team_kills += 1.0;
            count_once(&mut self.kills_on_teammate, k.victim);
        } else {
            count_once(&mut self.kills_on_enemy, k.victim);
        }
    }

    /// Without any scoreboard this round, the kill feed is the only source
    /// of kills and deaths.
    pub fn fallback_killfeed(&mut self, victim: bool) {
        if self.scoreboard_available || self.aux_scoreboard {
            return;
        }
        if victim {
            self.is_alive = false;
            self.health = 0.0;
            self.deaths += 1.0;
            self.deaths_this_round += 1.0;
        } else {
            self.agent_checks(AgentCheck {
                kills: Some(self.kills + 1.0),
                ..AgentCheck::default()
            });
            self.kills += 1.0;
            self.kills_this_round += 1.0;
        }
    }

    pub fn fallback_assist(&mut self) {
        if self.scoreboard_available || self.aux_scoreboard {
            return;
        }
        self.agent_checks(AgentCheck {
            assists: Some(self.assists + 1.0),
            ..AgentCheck::default()
        });
        self.assists += 1.0;
    }

    pub fn set_observed(&mut self, observed: Option<&str>) {
        self.is_observed = observed == Some(self.search_name.as_str());
    }

    pub fn set_abilities(&mut self, grenade: &JsValue, ability_1: &JsValue, ability_2: &JsValue) {
        self.abilities = [grenade.clone(), ability_1.clone(), ability_2.clone()];
        self.aux_abilities = true;
    }

    /// Tiers from the stats service (the reference's `setMMR`).
    pub fn set_mmr(&mut self, current: Option<f64>, peak: Option<f64>) {
        self.current_mmr_tier = current;
        self.peak_mmr_tier = peak;
    }

    pub fn set_health(&mut self, health: f64) {
        self.health = health;
        self.aux_health = true;
    }

    pub fn set_aux_disconnected(&mut self) {
        self.aux_health = false;
        self.aux_abilities = false;
        self.aux_scoreboard = false;
    }

    pub fn set_astra_targeting(&mut self, on: bool) {
        if self.agent_proper == tables::AGENT_ASTRA {
            self.icon_name_suffix = if on {
                tables::SUFFIX_ASTRA_TARGETING
            } else {
                ""
            };
        }
    }

    pub fn set_cypher_cam(&mut self, on: bool) {
        if self.agent_proper == tables::AGENT_CYPHER {
            self.icon_name_suffix = if on { tables::SUFFIX_CYPHER_CAM } else { "" };
        }
    }

    pub fn reset_round(&mut self, side_switch: bool) {
        self.kills_this_round = 0.0;
        self.deaths_this_round = 0.0;
        self.killed_player_names.clear();
        self.money_spent = 0.0;
        self.spent_money_this_round = false;
        if side_switch {
            self.money = 800.0;
        }
        self.scoreboard_available = false;
        self.aux_scoreboard = false;
        self.is_alive = true;
        self.health = 100.0;
    }

    /// Icon rules for Clove (revived by her ultimate) and Veto (transformed).
    fn agent_checks(&mut self, d: AgentCheck) {
        let clove = self.agent_proper == tables::AGENT_CLOVE;
        let veto = self.agent_proper == tables::AGENT_VETO;
        if !clove && !veto {
            return;
        }
        if d.kills == Some(0.0) && d.deaths == Some(0.0) && d.assists == Some(0.0) {
            return;
        }
        if d.curr_ult_points == Some(0.0) && self.ult_ready {
            self.icon_name_suffix = if clove {
                tables::SUFFIX_CLOVE_ULTIMATE
            } else {
                tables::SUFFIX_VETO_ULTIMATE
            };
        }
        if clove {
            let truthy_above =
                |v: Option<f64>, cur: f64| v.is_some_and(|v| v != 0.0 && !v.is_nan() && v > cur);
            if truthy_above(d.kills, self.kills) || truthy_above(d.assists, self.assists) {
                self.icon_name_suffix = "";
            }
        }
    }

    fn death_checks(&mut self) {
        if matches!(
            self.agent_proper.as_str(),
            tables::AGENT_ASTRA | tables::AGENT_CLOVE | tables::AGENT_VETO
        ) {
            self.icon_name_suffix = "";
        }
    }

    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = ObjOut::begin(out);
        o.str(b"\"name\":", &self.name);
        o.str(b"\"tagline\":", &self.tagline);
        o.str(b"\"riotId\":", &self.riot_id);
        o.str(b"\"searchName\":", &self.search_name);
        o.str(b"\"fullName\":", &self.full_name);
        o.num(b"\"position\":", self.position);
        o.bool(b"\"locked\":", self.locked);
        o.str(b"\"agentInternal\":", &self.agent_internal);
        o.str(b"\"agentProper\":", &self.agent_proper);
        o.bool(b"\"isAlive\":", self.is_alive);
        o.bool(b"\"hasSpike\":", self.has_spike);
        o.bool(b"\"isObserved\":", self.is_observed);
        o.num(b"\"health\":", self.health);
        {
            let mut a = ObjOut::begin(o.key(b"\"abilities\":"));
            a.js(b"\"grenade\":", &self.abilities[0]);
            a.js(b"\"ability1\":", &self.abilities[1]);
            a.js(b"\"ability2\":", &self.abilities[2]);
            a.end();
        }
        o.num(b"\"kills\":", self.kills);
        o.num(b"\"deaths\":", self.deaths);
        o.num(b"\"assists\":", self.assists);
        o.num(b"\"kdRatio\":", self.kd_ratio);
        o.num(b"\"killsThisRound\":", self.kills_this_round);
        o.num(b"\"deathsThisRound\":", self.deaths_this_round);
        write_str_array(o.key(b"\"killedPlayerNames\":"), &self.killed_player_names);
        o.num(b"\"currUltPoints\":", self.curr_ult_points);
        o.num(b"\"maxUltPoints\":", self.max_ult_points);
        o.bool(b"\"ultReady\":", self.ult_ready);
        o.num(b"\"money\":", self.money);
        o.num(b"\"moneySpent\":", self.money_spent);
        o.bool(b"\"spentMoneyThisRound\":", self.spent_money_this_round);
        o.opt_str(b"\"armorName\":", self.armor_name);
        o.opt_str(b"\"highestWeapon\":", self.highest_weapon);
        match self.current_mmr_tier {
            Some(v) => o.num(b"\"currentMMRTier\":", v),
            None => o.key(b"\"currentMMRTier\":").extend_from_slice(b"null"),
        }
        match self.peak_mmr_tier {
            Some(v) => o.num(b"\"peakMMRTier\":", v),
            None => o.key(b"\"peakMMRTier\":").extend_from_slice(b"null"),
        }
        o.num(b"\"teamKills\":", self.team_kills);
        o.num(b"\"headshotKills\":", self.headshot_kills);
        o.num(b"\"headshotRatio\":", self.headshot_ratio);
        write_record(
            o.key(b"\"killsByWeaponsAndAbilities\":"),
            &self.kills_by_weapons,
        );
        write_record(o.key(b"\"killsOnEnemyPlayer\":"), &self.kills_on_enemy);
        write_record(
            o.key(b"\"killsOnTeammatePlayer\":"),
            &self.kills_on_teammate,
        );
        write_record(
            o.key(b"\"assistsFromTeammate\":"),
            &self.assists_from_teammate,
        );
        o.bool(b"\"scoreboardAvailable\":", self.scoreboard_available);
        {
            let mut a = ObjOut::begin(o.key(b"\"auxiliaryAvailable\":"));
            a.bool(b"\"health\":", self.aux_health);
            a.bool(b"\"abilities\":", self.aux_abilities);
            a.bool(b"\"scoreboard\":", self.aux_scoreboard);
            a.end();
        }
        o.str(b"\"iconNameSuffix\":", self.icon_name_suffix);
        o.end();
    }
}

fn write_record(out: &mut Vec<u8>, record: &JsObject) {
    record.write_json(out);
}
