//! Typed observer and auxiliary data events, read from a parsed payload.
//!
//! A payload is `{obsName|playerId, groupCode|matchId, type, data}`. Each
//! known `type` gets its `data` checked for the fields the model uses; a
//! missing or mistyped field is [`GameError::WrongShape`]. Strings borrow from
//! the parsed input, so the hot path allocates nothing.

use super::error::GameError;
use super::limits::{self, MAX_ABILITY_BYTES, MAX_TEAM_LINES, MAX_TOAST_BYTES};
use super::tape::View;
use crate::json::js_value::JsValue;

/// Where a data payload goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route<'a> {
    /// `groupCode` present: that one match (`None` when it is not a string,
    /// which names no match).
    GroupCode(Option<&'a str>),
    /// Only `matchId` present: every match whose match id equals it.
    MatchId(Option<&'a str>),
}

/// A scoreboard line, from the observer (`scoreboard`), an auxiliary client
/// (`aux_scoreboard`) or one element of `aux_scoreboard_team` (which has no
/// `startTeam`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreboardLine<'a> {
    pub player_id: &'a str,
    pub start_team: f64,
    pub agent_internal: &'a str,
    pub is_alive: bool,
    pub initial_armor: f64,
    pub weapon_internal: &'a str,
    pub curr_ult_points: f64,
    pub max_ult_points: f64,
    pub has_spike: bool,
    pub money: f64,
    pub kills: f64,
    pub deaths: f64,
    pub assists: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RosterLine<'a> {
    pub name: &'a str,
    pub tagline: &'a str,
    pub start_team: f64,
    pub agent_internal: &'a str,
    pub player_id: &'a str,
    pub position: f64,
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KillfeedLine<'a> {
    pub attacker: &'a str,
    pub victim: &'a str,
    pub weapon_internal: &'a str,
    pub headshot: bool,
    pub assists: Vec<&'a str>,
    pub is_teamkill: bool,
}

/// One data event, by its `type`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event<'a> {
    Scoreboard(ScoreboardLine<'a>),
    Killfeed(KillfeedLine<'a>),
    Roster(RosterLine<'a>),
    MatchStart(&'a str),
    RoundInfo {
        round_number: f64,
        round_phase: &'a str,
    },
    Score {
        team_0: f64,
        team_1: f64,
    },
    GameMode(&'a str),
    /// The map's internal name, as JavaScript would use it as a key.
    Map(String),
    /// The observed player's "Name #Tag" (`None`: not a string, nobody matches).
    Observing(Option<&'a str>),
    SpikePlanted,
    SpikeDetonated,
    SpikeDefused,
    TechPause,
    LeftTimeout,
    RightTimeout,
    SwitchKdaCredits,
    /// The toast payload as sent (its keys are broadcast as they are).
    Toast(JsValue),
    SwapLeftRight,
    SwapAttackerDefender,
    /// Known types the match ignores (`team_is_attacker`, `preview`): counted.
    Ignored,
    AuxAbilities {
        grenade: JsValue,
        ability_1: JsValue,
        ability_2: JsValue,
    },
    /// `None` when `data` is not a number (the reference ignores it).
    AuxHealth(Option<f64>),
    AuxScoreboard(ScoreboardLine<'a>),
    /// The JSON text of an array of scoreboard lines (parsed when applied).
    AuxScoreboardTeam(&'a str),
    AuxAstraTargeting(Option<bool>),
    AuxCypherCam(Option<bool>),
    /// A type the reference does not handle: counted, state unchanged.
    Unknown(&'a str),
}

/// A parsed data payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    pub(crate) route: Route<'a>,
    /// The envelope's `playerId` (auxiliary clients), when it is a string.
    pub player_id: Option<&'a str>,
    pub(crate) event: Event<'a>,
}

fn shape(kind: &'static str, field: &'static str) -> GameError {
    GameError::WrongShape { kind, field }
}

fn str_field<'a>(
    v: &View<'_, 'a>,
    kind: &'static str,
    field: &'static str,
) -> Result<&'a str, GameError> {
    let s = v
        .get(field)
        .and_then(|f| f.as_str())
        .ok_or_else(|| shape(kind, field))?;
    limits::check_str(kind, field, s)
}

fn num_field(v: &View<'_, '_>, kind: &'static str, field: &'static str) -> Result<f64, GameError> {
    v.get(field)
        .and_then(|f| f.as_f64())
        .ok_or_else(|| shape(kind, field))
}

fn bool_field(
    v: &View<'_, '_>,
    kind: &'static str,
    field: &'static str,
) -> Result<bool, GameError> {
    v.get(field)
        .and_then(|f| f.as_bool())
        .ok_or_else(|| shape(kind, field))
}

/// Reads a scoreboard line in one pass over its keys (the last duplicate
/// wins); `with_team` also requires `startTeam`.
pub fn scoreboard_line<'a>(
    v: &View<'_, 'a>,
    kind: &'static str,
    with_team: bool,
) -> Result<ScoreboardLine<'a>, GameError> {
    if !v.is_object() {
        return Err(shape(kind, "data"));
    }
    let mut f: [Option<View<'_, 'a>>; 13] = [None; 13];
    for (k, val) in v.entries() {
        let slot = match k {
            "playerId" => 0,
            "startTeam" => 1,
            "agentInternal" => 2,
            "isAlive" => 3,
            "initialArmor" => 4,
            "scoreboardWeaponInternal" => 5,
            "currUltPoints" => 6,
            "maxUltPoints" => 7,
            "hasSpike" => 8,
            "money" => 9,
            "kills" => 10,
            "deaths" => 11,
            "assists" => 12,
            _ => continue,
        };
        f[slot] = Some(val);
    }
    let s = |i: usize, name| {
        let s = f[i]
            .and_then(|x| x.as_str())
            .ok_or_else(|| shape(kind, name))?;
        limits::check_str(kind, name, s)
    };
    let n = |i: usize, name| {
        f[i].and_then(|x| x.as_f64())
            .ok_or_else(|| shape(kind, name))
    };
    let b = |i: usize, name| {
        f[i].and_then(|x| x.as_bool())
            .ok_or_else(|| shape(kind, name))
    };
    Ok(ScoreboardLine {
        player_id: s(0, "playerId")?,
        start_team: if with_team {
            n(1, "startTeam")?
        } else {
            f64::NAN
        },
        agent_internal: s(2, "agentInternal")?,
        is_alive: b(3, "isAlive")?,
        initial_armor: n(4, "initialArmor")?,
        weapon_internal: s(5, "scoreboardWeaponInternal")?,
        curr_ult_points: n(6, "currUltPoints")?,
        max_ult_points: n(7, "maxUltPoints")?,
        has_spike: b(8, "hasSpike")?,
        money: n(9, "money")?,
        kills: n(10, "kills")?,
        deaths: n(11, "deaths")?,
        assists: n(12, "assists")?,
    })
}

fn roster_line<'a>(v: &View<'_, 'a>) -> Result<RosterLine<'a>, GameError> {
    const K: &str = "roster";
    if !v.is_object() {
        return Err(shape(K, "data"));
    }
    Ok(RosterLine {
        name: str_field(v, K, "name")?,
        tagline: str_field(v, K, "tagline")?,
        start_team: num_field(v, K, "startTeam")?,
        agent_internal: str_field(v, K, "agentInternal")?,
        player_id: str_field(v, K, "playerId")?,
        position: num_field(v, K, "position")?,
        locked: bool_field(v, K, "locked")?,
    })
}

fn killfeed_line<'a>(v: &View<'_, 'a>) -> Result<KillfeedLine<'a>, GameError> {
    const K: &str = "killfeed";
    if !v.is_object() {
        return Err(shape(K, "data"));
    }
    let assists_view = v
        .get("assists")
        .filter(|a| a.is_array())
        .ok_or_else(|| shape(K, "assists"))?;
    let mut assists = Vec::new();
    for a in assists_view.items() {
        assists.push(a.as_str().ok_or_else(|| shape(K, "assists"))?);
    }
    Ok(KillfeedLine {
        attacker: str_field(v, K, "attacker")?,
        victim: str_field(v, K, "victim")?,
        weapon_internal: str_field(v, K, "weaponKillfeedInternal")?,
        headshot: bool_field(v, K, "headshotKill")?,
        assists,
        is_teamkill: bool_field(v, K, "isTeamkill")?,
    })
}

/// Parses the JSON text of `aux_scoreboard_team` data and hands the lines to
/// `f`; the whole list is checked before anything is applied.
pub fn with_team_lines<R>(
    text: &str,
    f: impl FnOnce(&[ScoreboardLine<'_>]) -> R,
) -> Result<R, GameError> {
    const K: &str = "aux_scoreboard_team";
    let mut buf = text.as_bytes().to_vec();
    let tape = simd_json::to_tape(&mut buf).map_err(|_| shape(K, "data"))?;
    let list = View::root(&tape.0)
        .filter(|v| v.is_array())
        .ok_or_else(|| shape(K, "data"))?;
    let mut lines = Vec::new();
    for item in list.items() {
        if lines.len() == MAX_TEAM_LINES {
            return Err(shape(K, "data"));
        }
        lines.push(scoreboard_line(&item, K, false)?);
    }
    Ok(f(&lines))
}

/// A payload's routing keys, read before its `data` is checked: the
/// reference hands an event to its match (and its replay log) before the
/// match looks at the data.
#[derive(Clone, Copy)]
pub struct Head<'t, 'a> {
    pub route: Route<'a>,
    player_id: Option<View<'t, 'a>>,
    ty: View<'t, 'a>,
    data: View<'t, 'a>,
}

/// Reads the reference's `isAuthedData` keys of a payload object.
pub fn parse_head<'t, 'a>(root: &View<'t, 'a>) -> Result<Head<'t, 'a>, GameError> {
    if !root.is_object() {
        return Err(GameError::NotAnObject);
    }
    let (mut obs_name, mut player_id, mut group_code, mut match_id, mut ty, mut data) =
        (false, None, None, None, None, None);
    for (k, v) in root.entries() {
        match k {
            "obsName" => obs_name = true,
            "playerId" => player_id = Some(v),
            "groupCode" => group_code = Some(v),
            "matchId" => match_id = Some(v),
            "type" => ty = Some(v),
            "data" => data = Some(v),
            _ => {}
        }
    }
    let (Some(ty), Some(data)) = (ty, data) else {
        return Err(GameError::NotAuthedData);
    };
    if !(obs_name || player_id.is_some()) {
        return Err(GameError::NotAuthedData);
    }
    let route = match (group_code, match_id) {
        (Some(g), _) => Route::GroupCode(g.as_str()),
        (None, Some(m)) => Route::MatchId(m.as_str()),
        (None, None) => return Err(GameError::NotAuthedData),
    };
    Ok(Head {
        route,
        player_id,
        ty,
        data,
    })
}

impl<'a> Head<'_, 'a> {
    /// Checks the data of the payload's `type`.
    pub fn envelope(&self) -> Result<Envelope<'a>, GameError> {
        let event = match self.ty.as_str() {
            None => Event::Unknown(""),
            Some(ty) => parse_event(ty, &self.data)?,
        };
        Ok(Envelope {
            route: self.route,
            player_id: self.player_id.and_then(|v| v.as_str()),
            event,
        })
    }
}

/// Reads a payload object into an [`Envelope`].
pub fn parse_envelope<'a>(root: &View<'_, 'a>) -> Result<Envelope<'a>, GameError> {
    parse_head(root)?.envelope()
}

fn parse_event<'a>(ty: &'a str, data: &View<'_, 'a>) -> Result<Event<'a>, GameError> {
    Ok(match ty {
        "scoreboard" => Event::Scoreboard(scoreboard_line(data, "scoreboard", true)?),
        "killfeed" => Event::Killfeed(killfeed_line(data)?),
        "roster" => Event::Roster(roster_line(data)?),
        "match_start" => Event::MatchStart(limits::check_str(
            "match_start",
            "data",
            data.as_str().ok_or_else(|| shape("match_start", "data"))?,
        )?),
        "round_info" => Event::RoundInfo {
            round_number: num_field(data, "round_info", "roundNumber")?,
            round_phase: str_field(data, "round_info", "roundPhase")?,
        },
        "score" => Event::Score {
            team_0: num_field(data, "score", "team_0")?,
            team_1: num_field(data, "score", "team_1")?,
        },
        "game_mode" => Event::GameMode(limits::check_str(
            "game_mode",
            "data",
            data.as_str().ok_or_else(|| shape("game_mode", "data"))?,
        )?),
        "map" => Event::Map(match data.as_str() {
            Some(s) => s.to_owned(),
            None => data
                .to_js_checked()
                .ok_or_else(|| shape("map", "data"))?
                .to_js_string(),
        }),
        "observing" => Event::Observing(data.as_str()),
        "spike_planted" => Event::SpikePlanted,
        "spike_detonated" => Event::SpikeDetonated,
        "spike_defused" => Event::SpikeDefused,
        "tech_pause" => Event::TechPause,
        "left_timeout" => Event::LeftTimeout,
        "right_timeout" => Event::RightTimeout,
        "switch_kda_credits" => Event::SwitchKdaCredits,
        "toast" => {
            if !data.is_object() {
                return Err(shape("toast", "data"));
            }
            let toast = data.to_js_checked().ok_or_else(|| shape("toast", "data"))?;
            limits::check("toast data", limits::json_len(&toast), MAX_TOAST_BYTES)?;
            Event::Toast(toast)
        }
        "swap_left_right" => Event::SwapLeftRight,
        "swap_attacker_defender" => Event::SwapAttackerDefender,
        "team_is_attacker" | "preview" => Event::Ignored,
        "aux_abilities" => {
            if !data.is_object() {
                return Err(shape("aux_abilities", "data"));
            }
            let get = |k: &'static str| -> Result<JsValue, GameError> {
                match data.get(k) {
                    Some(v) => {
                        let v = v
                            .to_js_checked()
                            .ok_or_else(|| shape("aux_abilities", "data"))?;
                        let size = limits::json_len(&v);
                        limits::check(format!("aux_abilities {k}"), size, MAX_ABILITY_BYTES)?;
                        Ok(v)
                    }
                    None => Ok(JsValue::Undefined),
                }
            };
            Event::AuxAbilities {
                grenade: get("grenade")?,
                ability_1: get("ability_1")?,
                ability_2: get("ability_2")?,
            }
        }
        "aux_health" => Event::AuxHealth(data.as_f64()),
        "aux_scoreboard" => Event::AuxScoreboard(scoreboard_line(data, "aux_scoreboard", true)?),
        "aux_scoreboard_team" => Event::AuxScoreboardTeam(
            data.as_str()
                .ok_or_else(|| shape("aux_scoreboard_team", "data"))?,
        ),
        "aux_astra_targeting" => Event::AuxAstraTargeting(data.as_bool()),
        "aux_cypher_cam" => Event::AuxCypherCam(data.as_bool()),
        other => Event::Unknown(other),
    })
}
