//! Arbitrary JSON values, written as text: every kind of value, the real
//! field names and strings of the Spectra protocol among arbitrary ones,
//! numbers JSON can write but `f64` cannot hold, long strings of characters
//! that need escaping, and deep nesting.

use arbitrary::Arbitrary;
use std::fmt::Write;

/// The most text one generated run or nesting writes: more than any size
/// limit of the server for one event (32 KB logons, 8 KB data events), so
/// every limit is reached; longer text is refused by the same length check
/// and only costs the fuzzer copies and page faults.
const LONGEST: usize = 40 * 1024;

/// Field names the observer, auxiliary and logon payloads use (from the
/// recorded games and `src/game/event.rs`).
pub const FIELDS: &[&str] = &[
    "playerId",
    "startTeam",
    "agentInternal",
    "isAlive",
    "initialArmor",
    "scoreboardWeaponInternal",
    "currUltPoints",
    "maxUltPoints",
    "hasSpike",
    "money",
    "kills",
    "deaths",
    "assists",
    "name",
    "tagline",
    "position",
    "locked",
    "attacker",
    "victim",
    "weaponKillfeedInternal",
    "headshotKill",
    "isTeamkill",
    "roundNumber",
    "roundPhase",
    "team_0",
    "team_1",
    "title",
    "message",
    "duration",
    "active",
    "eventLogoEnabled",
    "grenade",
    "ability_1",
    "ability_2",
    "type",
    "clientVersion",
    "obsName",
    "key",
    "groupCode",
    "groupSecret",
    "leftTeam",
    "rightTeam",
    "toolsData",
    "tricode",
    "url",
    "attackStart",
    "matchId",
    "seriesInfo",
    "seedingInfo",
    "tournamentInfo",
    "timeoutDuration",
    "timeoutCounter",
    "max",
    "left",
    "right",
    "timeoutCancellationGracePeriod",
    "sponsorInfo",
    "enabled",
    "sponsors",
    "watermarkInfo",
    "spectraWatermark",
    "customTextEnabled",
    "customText",
    "playercamsInfo",
    "enable",
    "removeTricodes",
    "identifier",
    "secret",
    "endTime",
    "enabledPlayers",
    "nameOverrides",
    "overrides",
    "roundWinBox",
    "roundCeremony",
    "wonTeam",
    "needed",
    "wonLeft",
    "wonRight",
    "mapInfo",
    "logoUrl",
    "backdropUrl",
    "showMappool",
    "isSupporter",
    "organizationId",
    "data",
    "rank",
    "__proto__",
    "constructor",
    "length",
    "0",
];

/// Strings real payloads carry, and a few the rules single out.
pub const WORDS: &[&str] = &[
    "",
    "id0",
    "id1",
    "id2",
    "id3",
    "id4",
    "id5",
    "id6",
    "id7",
    "id8",
    "id9",
    "N0",
    "N1",
    "N5",
    "N0 #T",
    "N5 #T",
    "T",
    "Clay_PC_C",
    "Rift_PC_C",
    "Grenadier_PC_C",
    "Cable_PC_C",
    "Hunter_PC_C",
    "Sarge_PC_C",
    "TX_Hud_Vandal",
    "TX_Hud_Operator",
    "Ability_Melee_Base",
    "shopping",
    "combat",
    "end",
    "game_end",
    "LOBBY",
    "swift",
    "bomb",
    "Ascent",
    "Infinity",
    "/Game/Maps/Ascent/Ascent",
    "authenticate",
    "aux_authenticate",
    "0.3.10",
    "0.3.3",
    "0.3.25",
    "G",
    "H",
    "m1",
    "SECRET000000",
    "sponsors",
    "disabled",
    "all",
    "true",
    "60",
    "-1",
    "NaN",
    "constructor",
    "__proto__",
    "toString",
];

/// A number as JSON text: what `f64` holds and what it does not.
#[derive(Arbitrary, Debug, Clone)]
pub enum Number {
    Int(i64),
    Small(i8),
    Float(f64),
    /// `1e{exp}`: overflows to infinity or underflows to zero past ±308.
    Exp(i16),
    NegZero,
    /// More digits than an `f64` keeps.
    Digits(u64, u64),
}

/// A string: a real one, an arbitrary one, or a long run of one character.
#[derive(Arbitrary, Debug, Clone)]
pub enum Text {
    Word(u8),
    Any(String),
    Run(u16, char),
}

/// A key: a real field name or an arbitrary one.
#[derive(Arbitrary, Debug, Clone)]
pub enum Key {
    Field(u8),
    Any(String),
}

/// Any JSON value.
#[derive(Arbitrary, Debug, Clone)]
pub enum Val {
    Null,
    Bool(bool),
    Num(Number),
    Str(Text),
    Arr(Vec<Val>),
    Obj(Vec<(Key, Val)>),
    /// `value` inside `depth` arrays (or objects, `obj`).
    Deep {
        depth: u16,
        obj: bool,
        value: Box<Val>,
    },
}

pub fn word(i: u8) -> &'static str {
    WORDS[usize::from(i) % WORDS.len()]
}

pub fn field(i: u8) -> &'static str {
    FIELDS[usize::from(i) % FIELDS.len()]
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        write_char(out, c);
    }
    out.push('"');
}

/// Appends `c` as it stands inside a JSON string literal.
fn write_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        c if u32::from(c) < 0x20 => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => out.push(c),
    }
}

impl Number {
    pub fn write(&self, out: &mut String) {
        let _ = match self {
            Number::Int(i) => write!(out, "{i}"),
            Number::Small(i) => write!(out, "{i}"),
            Number::Float(f) if f.is_finite() => write!(out, "{f:e}"),
            Number::Float(f) if f.is_nan() => write!(out, "-1e999"),
            Number::Float(_) => write!(out, "1e999"),
            Number::Exp(e) => write!(out, "1e{e}"),
            Number::NegZero => write!(out, "-0"),
            Number::Digits(a, b) => write!(out, "{a}{b:020}.{b}"),
        };
    }
}

impl Text {
    pub fn write(&self, out: &mut String) {
        match self {
            Text::Word(i) => write_str(out, word(*i)),
            Text::Any(s) => write_str(out, s),
            Text::Run(n, c) => {
                // Escaped once and repeated by the (uninstrumented) standard
                // library: a per-character loop here costs more than the
                // code under test.
                let mut one = String::new();
                write_char(&mut one, *c);
                out.push('"');
                out.push_str(&one.repeat(usize::from(*n).min(LONGEST / one.len())));
                out.push('"');
            }
        }
    }
}

impl Key {
    pub fn write(&self, out: &mut String) {
        match self {
            Key::Field(i) => write_str(out, field(*i)),
            Key::Any(s) => write_str(out, s),
        }
    }
}

impl Val {
    /// Appends the value as JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Num(n) => n.write(out),
            Val::Str(t) => t.write(out),
            Val::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Val::Obj(entries) => write_obj(out, entries.iter().map(|(k, v)| (k, v))),
            Val::Deep { depth, obj, value } => {
                let (open, close) = if *obj { ("{\"a\":", "}") } else { ("[", "]") };
                let depth = usize::from(*depth).min(LONGEST / open.len());
                out.push_str(&open.repeat(depth));
                value.write(out);
                out.push_str(&close.repeat(depth));
            }
        }
    }

    /// The value as JSON text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

/// Appends an object of the given entries.
pub fn write_obj<'a>(out: &mut String, entries: impl Iterator<Item = (&'a Key, &'a Val)>) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        k.write(out);
        out.push(':');
        v.write(out);
    }
    out.push('}');
}
