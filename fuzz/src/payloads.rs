//! Observer and auxiliary payloads with their real `type`s and field names
//! and, field by field, a real value, an arbitrary one, or none.

use arbitrary::Arbitrary;
use std::fmt::Write;

use crate::json_gen::{Key, Val, write_obj, write_str};

/// What a field holds in real payloads.
#[derive(Clone, Copy)]
enum Kind {
    PlayerId,
    Name,
    Tagline,
    Team,
    Agent,
    Weapon,
    Bool,
    Money,
    Count,
    Phase,
    Round,
    Text,
    Duration,
    Ability,
    Position,
    Assists,
    Observing,
    MatchId,
    Mode,
    Map,
    TeamLines,
    Auth,
    AuxAuth,
    Version,
    Key,
    Group,
    Secret,
    LeftTeam,
    RightTeam,
    Tools,
    PreviewCode,
}

type Template = &'static [(&'static str, Kind)];

const SCOREBOARD: Template = &[
    ("playerId", Kind::PlayerId),
    ("startTeam", Kind::Team),
    ("agentInternal", Kind::Agent),
    ("isAlive", Kind::Bool),
    ("initialArmor", Kind::Count),
    ("scoreboardWeaponInternal", Kind::Weapon),
    ("currUltPoints", Kind::Count),
    ("maxUltPoints", Kind::Count),
    ("hasSpike", Kind::Bool),
    ("money", Kind::Money),
    ("kills", Kind::Count),
    ("deaths", Kind::Count),
    ("assists", Kind::Count),
];

const ROSTER: Template = &[
    ("name", Kind::Name),
    ("tagline", Kind::Tagline),
    ("startTeam", Kind::Team),
    ("agentInternal", Kind::Agent),
    ("playerId", Kind::PlayerId),
    ("position", Kind::Position),
    ("locked", Kind::Bool),
];

const KILLFEED: Template = &[
    ("attacker", Kind::Name),
    ("victim", Kind::Name),
    ("weaponKillfeedInternal", Kind::Weapon),
    ("headshotKill", Kind::Bool),
    ("assists", Kind::Assists),
    ("isTeamkill", Kind::Bool),
];

const ROUND_INFO: Template = &[("roundNumber", Kind::Round), ("roundPhase", Kind::Phase)];
const SCORE: Template = &[("team_0", Kind::Count), ("team_1", Kind::Count)];
const TOAST: Template = &[
    ("title", Kind::Text),
    ("message", Kind::Text),
    ("duration", Kind::Duration),
    ("eventLogoEnabled", Kind::Bool),
];
const ABILITIES: Template = &[
    ("grenade", Kind::Ability),
    ("ability_1", Kind::Ability),
    ("ability_2", Kind::Ability),
];

/// The observer logon (`obs_logon`).
const OBS_LOGON: Template = &[
    ("type", Kind::Auth),
    ("clientVersion", Kind::Version),
    ("obsName", Kind::Name),
    ("key", Kind::Key),
    ("groupCode", Kind::Group),
    ("groupSecret", Kind::Secret),
    ("leftTeam", Kind::LeftTeam),
    ("rightTeam", Kind::RightTeam),
    ("toolsData", Kind::Tools),
];

/// The auxiliary logon (`aux_logon`).
const AUX_LOGON: Template = &[
    ("type", Kind::AuxAuth),
    ("clientVersion", Kind::Version),
    ("matchId", Kind::MatchId),
    ("playerId", Kind::PlayerId),
    ("name", Kind::Name),
];

/// A `/createPreview` body.
const PREVIEW: Template = &[
    ("key", Kind::Key),
    ("previewCode", Kind::PreviewCode),
    ("leftTeam", Kind::LeftTeam),
    ("rightTeam", Kind::RightTeam),
    ("toolsData", Kind::Tools),
];

enum Shape {
    Fields(Template),
    Scalar(Kind),
}

/// Every data `type` the model knows, with the shape of its `data`.
const TYPES: &[(&str, Shape)] = &[
    ("scoreboard", Shape::Fields(SCOREBOARD)),
    ("killfeed", Shape::Fields(KILLFEED)),
    ("roster", Shape::Fields(ROSTER)),
    ("match_start", Shape::Scalar(Kind::MatchId)),
    ("round_info", Shape::Fields(ROUND_INFO)),
    ("score", Shape::Fields(SCORE)),
    ("game_mode", Shape::Scalar(Kind::Mode)),
    ("map", Shape::Scalar(Kind::Map)),
    ("observing", Shape::Scalar(Kind::Observing)),
    ("spike_planted", Shape::Scalar(Kind::Bool)),
    ("spike_detonated", Shape::Scalar(Kind::Bool)),
    ("spike_defused", Shape::Scalar(Kind::Bool)),
    ("tech_pause", Shape::Scalar(Kind::Bool)),
    ("left_timeout", Shape::Scalar(Kind::Bool)),
    ("right_timeout", Shape::Scalar(Kind::Bool)),
    ("switch_kda_credits", Shape::Scalar(Kind::Bool)),
    ("toast", Shape::Fields(TOAST)),
    ("swap_left_right", Shape::Scalar(Kind::Bool)),
    ("swap_attacker_defender", Shape::Scalar(Kind::Bool)),
    ("team_is_attacker", Shape::Scalar(Kind::Bool)),
    ("preview", Shape::Scalar(Kind::Bool)),
    ("aux_abilities", Shape::Fields(ABILITIES)),
    ("aux_health", Shape::Scalar(Kind::Count)),
    ("aux_scoreboard", Shape::Fields(SCOREBOARD)),
    ("aux_scoreboard_team", Shape::Scalar(Kind::TeamLines)),
    ("aux_astra_targeting", Shape::Scalar(Kind::Bool)),
    ("aux_cypher_cam", Shape::Scalar(Kind::Bool)),
];

/// Tools settings as the Spectra Client sends them (a recorded logon's).
const TOOLS: &str = r#"{"seriesInfo":{"enable":true,"needed":2,"wonLeft":1,"wonRight":0,"mapInfo":[{"type":"past","map":"Ascent","left":{"score":13,"logo":"l.png"},"right":{"score":7,"logo":"r.png"}}]},"seedingInfo":{"left":"A1","right":"B2"},"tournamentInfo":{"name":"Cup","logoUrl":"t.png","backdropUrl":"b.png","enabled":true},"timeoutDuration":3,"timeoutCounter":{"max":2,"left":2,"right":2},"timeoutCancellationGracePeriod":1,"sponsorInfo":{"enabled":true,"duration":5000,"sponsors":["s1.png","s2.png"]},"watermarkInfo":{"spectraWatermark":true,"customTextEnabled":true,"customText":"hi"},"playercamsInfo":{"enable":true,"removeTricodes":true,"identifier":"id","secret":"sec","endTime":0,"enabledPlayers":[]},"nameOverrides":{"overrides":"[]"},"roundWinBox":{"type":"sponsors","sponsors":[{"iconUrl":"i.png","backdropUrl":"b.png"},{"iconUrl":"j.png"}]}}"#;

/// One field: its real value (the byte picks among real ones), an
/// arbitrary value, or left out.
#[derive(Arbitrary, Debug, Clone)]
pub enum Slot {
    Real(u8),
    Any(Val),
    Missing,
}

/// An object following a template: a slot per field (fields past the end
/// get real values) and extra, possibly unknown, fields.
#[derive(Arbitrary, Debug, Clone)]
pub struct Obj {
    slots: Vec<Slot>,
    extra: Vec<(Key, Val)>,
}

/// The `type` of a data event: a known one or anything.
#[derive(Arbitrary, Debug, Clone)]
pub enum TypeChoice {
    Known(u8),
    Any(Val),
    Missing,
}

/// A data event's `data`: following its type's shape, or anything.
#[derive(Arbitrary, Debug, Clone)]
pub enum DataChoice {
    Shaped(Obj),
    Any(Val),
    Missing,
}

/// An `obs_data` / `aux_data` payload. The envelope slots are `obsName`,
/// `playerId`, `groupCode`, `matchId`; by default an observer names its
/// own group, an auxiliary client its player and match id.
#[derive(Arbitrary, Debug, Clone)]
pub struct DataEvent {
    envelope: Vec<Slot>,
    ty: TypeChoice,
    data: DataChoice,
    extra: Vec<(Key, Val)>,
}

/// A logon payload.
#[derive(Arbitrary, Debug, Clone)]
pub struct Logon(Obj);

/// What the payload writer needs to know of the sender.
pub struct Ctx<'a> {
    /// The group its connection logged on to.
    pub own_group: Option<&'a str>,
    /// The secret the server gives new matches.
    pub secret: &'a str,
    /// Whether it is an auxiliary event.
    pub aux: bool,
}

fn pick<'a>(n: u8, list: &[&'a str]) -> &'a str {
    list[usize::from(n) % list.len()]
}

fn real(kind: Kind, n: u8, ctx: &Ctx<'_>, out: &mut String) {
    let s = |out: &mut String, v: &str| -> std::fmt::Result {
        write_str(out, v);
        Ok(())
    };
    let _ = match kind {
        Kind::PlayerId => write!(out, "\"id{}\"", n % 10),
        Kind::Name => write!(out, "\"N{}\"", n % 10),
        Kind::Observing => write!(out, "\"N{} #T\"", n % 10),
        Kind::Tagline => s(out, pick(n, &["T", "", "TAG"])),
        Kind::Team => write!(out, "{}", n % 3),
        Kind::Agent => s(
            out,
            pick(
                n,
                &[
                    "Clay_PC_C",
                    "Rift_PC_C",
                    "Grenadier_PC_C",
                    "Cable_PC_C",
                    "Hunter_PC_C",
                    "Smonk_PC_C",
                    "X",
                ],
            ),
        ),
        Kind::Weapon => s(
            out,
            pick(n, &["TX_Hud_Vandal", "TX_Hud_Operator", "Ability", "", "X"]),
        ),
        Kind::Bool => out.write_str(if n.is_multiple_of(2) { "true" } else { "false" }),
        Kind::Money => write!(
            out,
            "{}",
            [0, 300, 800, 3900, 4200, 4500, 9999][usize::from(n) % 7]
        ),
        Kind::Count => write!(out, "{}", n % 30),
        Kind::Round => write!(out, "{}", n % 30),
        Kind::Phase => s(
            out,
            pick(n, &["shopping", "combat", "end", "game_end", "LOBBY"]),
        ),
        Kind::Text => s(out, pick(n, &["Title", "Message", ""])),
        Kind::Duration => out.write_str(pick(n, &["1000", "null", "0", "5000", "-1"])),
        Kind::Ability => write!(out, "{}", n % 3),
        Kind::Position => write!(out, "{}", n % 5),
        Kind::Assists => {
            out.write_str(pick(n, &["[]", "[\"Clay_PC_C\"]", "[\"Rift_PC_C\",\"X\"]"]))
        }
        Kind::MatchId => write!(out, "\"m{}\"", n % 3),
        Kind::Mode => s(out, pick(n, &["bomb", "swift", "deathmatch"])),
        Kind::Map => s(out, pick(n, &["/Game/Maps/Ascent/Ascent", "Infinity", "X"])),
        Kind::TeamLines => {
            let mut lines = String::from("[");
            for i in 0..n % 7 {
                if i > 0 {
                    lines.push(',');
                }
                let line = Obj {
                    slots: Vec::new(),
                    extra: Vec::new(),
                };
                line.write(SCOREBOARD, ctx, n.wrapping_add(i), &mut lines);
            }
            lines.push(']');
            s(out, &lines)
        }
        Kind::Auth => s(out, "authenticate"),
        Kind::AuxAuth => s(out, "aux_authenticate"),
        Kind::Version => s(out, pick(n, &["0.3.10", "0.3.3", "0.3.25", "v0.3.24"])),
        Kind::Key => s(out, pick(n, &["", "KEY", "WRONG"])),
        Kind::Group => match ctx.own_group {
            Some(g) if !n.is_multiple_of(4) => s(out, g),
            _ => s(out, pick(n, &["G", "H", "0", "1", "a..b"])),
        },
        Kind::Secret => s(out, if n.is_multiple_of(3) { "" } else { ctx.secret }),
        Kind::LeftTeam => write!(
            out,
            r#"{{"name":"Left","tricode":"N0","url":"l.png","attackStart":{}}}"#,
            n.is_multiple_of(2)
        ),
        Kind::RightTeam => write!(
            out,
            r#"{{"name":"Right","tricode":"RGT","url":"r.png","attackStart":{}}}"#,
            n % 2 == 1
        ),
        Kind::PreviewCode => s(out, pick(n, &["ABC123", "abc", "ÄÖÜ123", "1234567"])),
        Kind::Tools => out.write_str(if n.is_multiple_of(4) { "{}" } else { TOOLS }),
    };
}

impl Obj {
    /// Writes the object: each template field real, arbitrary or missing,
    /// then the extra fields.
    fn write(&self, template: Template, ctx: &Ctx<'_>, seed: u8, out: &mut String) {
        out.push('{');
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !std::mem::take(&mut first) {
                out.push(',');
            }
        };
        for (i, (name, kind)) in template.iter().enumerate() {
            let slot = self.slots.get(i).cloned().unwrap_or(Slot::Real(seed));
            if matches!(slot, Slot::Missing) {
                continue;
            }
            sep(out);
            write_str(out, name);
            out.push(':');
            match slot {
                Slot::Real(n) => real(*kind, n, ctx, out),
                Slot::Any(v) => v.write(out),
                Slot::Missing => {}
            }
        }
        for (k, v) in &self.extra {
            sep(out);
            k.write(out);
            out.push(':');
            v.write(out);
        }
        out.push('}');
    }
}

/// A `/createPreview` body.
#[derive(Arbitrary, Debug, Clone)]
pub struct PreviewBody(Obj);

impl PreviewBody {
    /// The body text.
    pub fn text(&self) -> String {
        let ctx = Ctx {
            own_group: None,
            secret: "",
            aux: false,
        };
        let mut out = String::new();
        self.0.write(PREVIEW, &ctx, 0, &mut out);
        out
    }
}

impl Logon {
    /// The `obs_logon` payload text.
    pub fn obs_text(&self, ctx: &Ctx<'_>) -> String {
        let mut out = String::new();
        self.0.write(OBS_LOGON, ctx, 0, &mut out);
        out
    }

    /// The `aux_logon` payload text.
    pub fn aux_text(&self, ctx: &Ctx<'_>) -> String {
        let mut out = String::new();
        self.0.write(AUX_LOGON, ctx, 1, &mut out);
        out
    }
}

impl DataEvent {
    /// The payload text.
    pub fn text(&self, ctx: &Ctx<'_>) -> String {
        let mut out = String::from("{");
        let defaults: [(&str, Kind, bool); 4] = [
            ("obsName", Kind::Name, !ctx.aux),
            ("playerId", Kind::PlayerId, ctx.aux),
            ("groupCode", Kind::Group, !ctx.aux),
            ("matchId", Kind::MatchId, ctx.aux),
        ];
        for (i, (name, kind, present)) in defaults.into_iter().enumerate() {
            let slot = match self.envelope.get(i) {
                Some(s) => s.clone(),
                None if present => Slot::Real(1),
                None => Slot::Missing,
            };
            match slot {
                Slot::Missing => continue,
                Slot::Real(n) => {
                    write_str(&mut out, name);
                    out.push(':');
                    real(kind, n, ctx, &mut out);
                }
                Slot::Any(v) => {
                    write_str(&mut out, name);
                    out.push(':');
                    v.write(&mut out);
                }
            }
            out.push(',');
        }
        let shape = match &self.ty {
            TypeChoice::Known(n) => {
                let (name, shape) = &TYPES[usize::from(*n) % TYPES.len()];
                out.push_str("\"type\":");
                write_str(&mut out, name);
                out.push(',');
                Some(shape)
            }
            TypeChoice::Any(v) => {
                out.push_str("\"type\":");
                v.write(&mut out);
                out.push(',');
                None
            }
            TypeChoice::Missing => None,
        };
        match (&self.data, shape) {
            (DataChoice::Shaped(obj), Some(Shape::Fields(t))) => {
                out.push_str("\"data\":");
                obj.write(t, ctx, 2, &mut out);
            }
            (DataChoice::Shaped(obj), Some(Shape::Scalar(kind))) => {
                out.push_str("\"data\":");
                match obj.slots.first() {
                    Some(Slot::Any(v)) => v.write(&mut out),
                    Some(Slot::Real(n)) => real(*kind, *n, ctx, &mut out),
                    _ => real(*kind, 0, ctx, &mut out),
                }
            }
            (DataChoice::Shaped(obj), None) => {
                out.push_str("\"data\":");
                write_obj(&mut out, obj.extra.iter().map(|(k, v)| (k, v)));
            }
            (DataChoice::Any(v), _) => {
                out.push_str("\"data\":");
                v.write(&mut out);
            }
            (DataChoice::Missing, _) => {
                if out.ends_with(',') {
                    out.pop();
                }
            }
        }
        for (k, v) in &self.extra {
            if !out.ends_with('{') {
                out.push(',');
            }
            k.write(&mut out);
            out.push(':');
            v.write(&mut out);
        }
        out.push('}');
        out
    }
}
