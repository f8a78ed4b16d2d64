//! `PUT /createPreview` and `GET /preview/:code`: an organiser's client asks
//! for a fake mid-round match built from its team and tools settings, and
//! overlays fetch it by a six-character code for ten minutes.
//!
//! The reference builds the preview from the request body with JavaScript
//! object semantics (class defaults, `Object.assign` of the client's tools
//! settings, random player stats), so this works on `serde_json::Value`s and
//! writes the result with [`crate::json::js_json`]. Where the reference
//! throws on an odd body, the thrown message is reproduced in `details`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::json::js_json;

/// How long a preview is kept after its (latest) creation.
pub const PREVIEW_TTL_MS: u64 = 10 * 60 * 1000;

/// Upper-case letters and digits without I and O (the reference's alphabet).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

/// The fixed players of the preview, (name, internal agent name), left then right.
const LEFT_PLAYERS: [(&str, &str); 5] = [
    ("Voodoo One", "Vampire"),
    ("Twoperator", "Killjoy"),
    ("ThreeOfLife", "Guide"),
    ("FourceField", "Stealth"),
    ("FIVEbyFIVE", "Smonk"),
];
const RIGHT_PLAYERS: [(&str, &str); 5] = [
    ("AlpacaHoarder", "Grenadier"),
    ("BeeSting", "Terra"),
    ("CowTipper", "Sprinter"),
    ("DodoDaniel", "BountyHunter"),
    ("Eeliminator", "Mage"),
];

/// A small xorshift generator for codes and fake stats (not security relevant).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded from the operating system.
    pub fn from_os() -> Self {
        let mut b = [0u8; 8];
        if getrandom::fill(&mut b).is_err() {
            // Not security relevant: any non-zero seed will do.
            b = 0x9E37_79B9_7F4A_7C15u64.to_le_bytes();
        }
        Self::seeded(u64::from_le_bytes(b))
    }

    /// Seeded with `seed`, so codes and fake stats repeat from run to run
    /// (tests, and fuzzing, where a crash must replay).
    pub fn seeded(seed: u64) -> Self {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A whole number in `min..=max`.
    pub fn int(&mut self, min: u64, max: u64) -> u64 {
        min + self.next() % (max - min + 1)
    }
}

/// The answer to a creation request: status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub status: u16,
    pub body: String,
}

fn error(status: u16, msg: &str) -> Created {
    Created {
        status,
        body: js_json::to_string(&json!({ "error": msg })),
    }
}

/// A JavaScript `TypeError` the reference would throw and report.
fn invalid(details: String) -> Created {
    Created {
        status: 400,
        body: js_json::to_string(&json!({ "error": "Invalid preview data", "details": details })),
    }
}

/// `typeof`-style name and `String()` of a primitive, for TypeError texts.
fn primitive_kind(v: &Value) -> Option<(&'static str, String)> {
    match v {
        Value::Bool(b) => Some(("boolean", b.to_string())),
        Value::Number(_) => Some(("number", js_json::to_string(v))),
        Value::String(s) => Some(("string", s.clone())),
        _ => None,
    }
}

/// Whether an optional value is JavaScript `undefined`/`null` and which.
fn nullish(v: Option<&Value>) -> Option<&'static str> {
    match v {
        None => Some("undefined"),
        Some(Value::Null) => Some("null"),
        _ => None,
    }
}

/// Sets `obj[key] = value`, where `None` is JavaScript `undefined` (the key
/// stays in place but is left out of the JSON text).
fn set(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            obj.insert(key.to_owned(), v);
        }
        None => {
            obj.shift_remove(key);
        }
    }
}

fn team(init: &Value, players: &[(&str, &str); 5], rng: &mut Rng) -> Value {
    let field = |k: &str| init.as_object().and_then(|o| o.get(k)).cloned();
    let mut t = Map::new();
    t.insert("teamName".into(), json!("Spectra Team"));
    t.insert("teamTricode".into(), json!("SPTR"));
    t.insert(
        "teamUrl".into(),
        json!("https://auto.valospectra.com/assets/misc/icon.webp"),
    );
    t.insert("isAttacking".into(), json!(false));
    t.insert("roundsWon".into(), json!(0));
    t.insert("spentThisRound".into(), json!(10350));
    t.insert("roundRecord".into(), json!([]));
    t.insert("players".into(), json!([]));
    t.insert("hasDuplicateAgents".into(), json!(false));
    set(&mut t, "teamName", field("name"));
    set(&mut t, "teamTricode", field("tricode"));
    set(&mut t, "teamUrl", field("url"));
    set(&mut t, "isAttacking", field("attackStart"));
    let list: Vec<Value> = players.iter().map(|(n, a)| player(n, a, rng)).collect();
    t.insert("players".into(), Value::Array(list));
    Value::Object(t)
}

fn player(name: &str, agent: &str, rng: &mut Rng) -> Value {
    let kills = rng.int(0, 20);
    let deaths = rng.int(0, 20);
    let assists = rng.int(0, 20);
    let ult = rng.int(2, 8);
    let money = rng.int(0, 9) * 1000;
    let spent = rng.int(0, 2) * 1000;
    json!({
        "name": name,
        "agentInternal": agent,
        "isAlive": true,
        "hasSpike": false,
        "isObserved": false,
        "health": 100,
        "abilities": { "ability1": 1, "ability2": 1, "grenade": 0 },
        "kills": kills,
        "deaths": deaths,
        "assists": assists,
        "currUltPoints": ult,
        "maxUltPoints": 8,
        "ultReady": ult >= 8,
        "money": money,
        "moneySpent": spent,
        "armorName": "None",
        "highestWeapon": "Ghost",
        "scoreboardAvailable": false,
        "auxiliaryAvailable": { "abilities": true, "health": true, "scoreboard": false },
        "iconNameSuffix": "",
    })
}

/// The tools settings: the reference's defaults with the client's own keys
/// assigned over them, then both timeout counters reset to the maximum.
fn tools(init: Option<&Value>) -> Result<Value, String> {
    let mut t = match json!({
        "seriesInfo": { "needed": 1, "wonLeft": 0, "wonRight": 0, "mapInfo": [] },
        "seedingInfo": { "left": "", "right": "" },
        "tournamentInfo": { "name": "", "logoUrl": "", "backdropUrl": "" },
        "timeoutDuration": 60,
        "timeoutCounter": { "max": 2, "left": 2, "right": 2 },
        "timeoutCancellationGracePeriod": 10,
        "sponsorInfo": { "enabled": false, "duration": 5, "sponsors": [] },
        "watermarkInfo": { "spectraWatermark": true, "customTextEnabled": false, "customText": "" },
        "playercamsInfo": {
            "enable": false, "removeTricodes": false, "identifier": "", "secret": "",
            "endTime": 0, "enabledPlayers": []
        },
        "nameOverrides": { "overrides": "[]" },
        "roundWinBox": { "type": "disabled", "sponsors": [] },
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Some(Value::Object(init)) = init {
        for (k, v) in init {
            t.insert(k.clone(), v.clone());
        }
    }
    match t.get_mut("timeoutCounter") {
        None => return Err("Cannot read properties of undefined (reading 'max')".into()),
        Some(Value::Null) => return Err("Cannot read properties of null (reading 'max')".into()),
        Some(Value::Object(counter)) => {
            let max = counter.get("max").cloned();
            set(counter, "left", max.clone());
            set(counter, "right", max);
        }
        Some(Value::Array(_)) => {} // named properties on an array do not reach JSON
        Some(other) => {
            if let Some((kind, text)) = primitive_kind(other) {
                return Err(format!("Cannot create property 'left' on {kind} '{text}'"));
            }
        }
    }
    Ok(Value::Object(t))
}

/// The previews, by code, with their expiry time.
#[derive(Debug, Default)]
pub struct Previews {
    by_code: HashMap<String, (u64, Arc<str>)>,
}

impl Previews {
    /// Handles a creation request whose JSON body was parsed (`None`: the
    /// body was not JSON-typed or absent, so the reference saw `undefined`).
    /// `key_valid` is the key check of the ingest port.
    pub fn create(
        &mut self,
        body: Option<&Value>,
        key_valid: impl FnOnce(&Value) -> bool,
        rng: &mut Rng,
        now_ms: u64,
    ) -> Created {
        self.expire(now_ms);
        let Some(body) = body else {
            return invalid("Cannot read properties of undefined (reading 'key')".into());
        };
        let obj = body.as_object();
        let get = |k: &str| obj.and_then(|o| o.get(k));
        let key = get("key");
        if !js_json::truthy(key) {
            return error(400, "Missing or invalid key in preview data");
        }
        if !key.is_some_and(key_valid) {
            return error(403, "Invalid or expired key");
        }

        let code = match get("previewCode") {
            Some(Value::String(s)) if s.encode_utf16().count() == 6 => s.clone(),
            other => {
                // The reference appends six characters to whatever was sent,
                // so a missing code becomes "undefined" + 6 characters.
                let mut code = js_json::js_string_of(other);
                for _ in 0..6 {
                    let i = rng.int(0, CODE_ALPHABET.len() as u64 - 1) as usize;
                    code.push(char::from(CODE_ALPHABET.get(i).copied().unwrap_or(b'A')));
                }
                code
            }
        };

        for side in ["leftTeam", "rightTeam"] {
            if let Some(n) = nullish(get(side)) {
                return invalid(format!("Cannot read properties of {n} (reading 'name')"));
            }
        }
        let left = team(get("leftTeam").unwrap_or(&Value::Null), &LEFT_PLAYERS, rng);
        let right = team(
            get("rightTeam").unwrap_or(&Value::Null),
            &RIGHT_PLAYERS,
            rng,
        );
        let tools = match tools(get("toolsData")) {
            Ok(t) => t,
            Err(details) => return invalid(details),
        };
        let mut m = Map::new();
        m.insert("groupCode".into(), json!("PREVIEW"));
        m.insert("isRunning".into(), json!(true));
        m.insert("map".into(), json!("Sunset"));
        m.insert("ranksEnabled".into(), json!(false));
        m.insert("roundNumber".into(), json!(1));
        m.insert("roundPhase".into(), json!("combat"));
        m.insert(
            "spikeState".into(),
            json!({ "planted": false, "defused": false, "detonated": false }),
        );
        m.insert("switchRound".into(), json!(6));
        m.insert("teams".into(), json!([left, right]));
        m.insert(
            "timeoutState".into(),
            json!({ "leftTeam": false, "rightTeam": false, "techPause": false, "timeRemaining": 0 }),
        );
        m.insert("tools".into(), tools);
        let preview: Arc<str> = Arc::from(js_json::to_string(&Value::Object(m)));
        self.by_code
            .insert(code.clone(), (now_ms + PREVIEW_TTL_MS, preview));
        Created {
            status: 200,
            body: js_json::to_string(&json!({ "previewCode": code })),
        }
    }

    /// The stored preview's JSON, if it has not expired.
    pub fn get(&mut self, code: &str, now_ms: u64) -> Option<Arc<str>> {
        self.expire(now_ms);
        self.by_code.get(code).map(|(_, p)| p.clone())
    }

    fn expire(&mut self, now_ms: u64) {
        self.by_code.retain(|_, (until, _)| *until > now_ms);
    }

    /// Previews held, expired ones included until the next create or get.
    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    /// No previews are held.
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn create(p: &mut Previews, text: &str) -> Created {
        p.create(Some(&body(text)), |k| k == "K", &mut Rng::seeded(7), 1000)
    }

    #[test]
    fn a_preview_is_built_stored_and_fetched_by_its_code() {
        let mut p = Previews::default();
        let c = create(
            &mut p,
            r#"{"type":"preview","key":"K","previewCode":"ABC123",
               "leftTeam":{"name":"Left","tricode":"LFT","url":"http://l","attackStart":true},
               "rightTeam":{"name":"Right","tricode":"RGT","url":"http://r","attackStart":false},
               "toolsData":{"timeoutDuration":45.0,"timeoutCounter":{"max":3,"left":0,"right":1},"extra":1}}"#,
        );
        assert_eq!(
            c,
            Created {
                status: 200,
                body: r#"{"previewCode":"ABC123"}"#.into()
            }
        );
        let json = p.get("ABC123", 2000).unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "groupCode",
                "isRunning",
                "map",
                "ranksEnabled",
                "roundNumber",
                "roundPhase",
                "spikeState",
                "switchRound",
                "teams",
                "timeoutState",
                "tools"
            ]
        );
        assert_eq!(v["teams"][0]["teamName"], "Left");
        assert_eq!(v["teams"][0]["isAttacking"], true);
        assert_eq!(v["teams"][1]["teamTricode"], "RGT");
        assert_eq!(v["teams"][1]["players"][4]["name"], "Eeliminator");
        assert_eq!(v["teams"][0]["players"].as_array().unwrap().len(), 5);
        let p0 = &v["teams"][0]["players"][0];
        assert!(p0["kills"].as_u64().unwrap() <= 20);
        assert!((2..=8).contains(&p0["currUltPoints"].as_u64().unwrap()));
        assert_eq!(p0["ultReady"], p0["currUltPoints"] == 8);
        assert_eq!(p0["money"].as_u64().unwrap() % 1000, 0);
        assert!(
            json.contains(r#""timeoutDuration":45,"timeoutCounter":{"max":3,"left":3,"right":3}"#)
        );
        assert!(json.ends_with(r#""roundWinBox":{"type":"disabled","sponsors":[]},"extra":1}}"#));
    }

    #[test]
    fn previews_expire_after_ten_minutes() {
        let mut p = Previews::default();
        create(
            &mut p,
            r#"{"key":"K","previewCode":"XYZ789","leftTeam":{},"rightTeam":{}}"#,
        );
        assert!(p.get("XYZ789", 1000 + PREVIEW_TTL_MS - 1).is_some());
        assert!(p.get("XYZ789", 1000 + PREVIEW_TTL_MS).is_none());
        assert!(p.is_empty());
    }

    #[test]
    fn key_errors_come_first() {
        let mut p = Previews::default();
        for b in [
            r#"{}"#,
            r#"{"key":""}"#,
            r#"{"key":0}"#,
            r#"{"key":null}"#,
            "[1]",
        ] {
            assert_eq!(
                create(&mut p, b),
                Created {
                    status: 400,
                    body: r#"{"error":"Missing or invalid key in preview data"}"#.into()
                },
                "{b}"
            );
        }
        assert_eq!(
            create(&mut p, r#"{"key":"wrong","leftTeam":{}}"#),
            Created {
                status: 403,
                body: r#"{"error":"Invalid or expired key"}"#.into()
            }
        );
        assert_eq!(
            p.create(None, |_| true, &mut Rng::seeded(1), 0),
            Created {
                status: 400,
                body: r#"{"error":"Invalid preview data","details":"Cannot read properties of undefined (reading 'key')"}"#.into()
            }
        );
    }

    #[test]
    fn missing_teams_and_bad_timeout_counters_are_the_reference_type_errors() {
        let mut p = Previews::default();
        let c = create(&mut p, r#"{"key":"K","previewCode":"ABCDEF"}"#);
        assert_eq!(c.status, 400);
        assert_eq!(
            c.body,
            r#"{"error":"Invalid preview data","details":"Cannot read properties of undefined (reading 'name')"}"#
        );
        let c = create(&mut p, r#"{"key":"K","leftTeam":{},"rightTeam":null}"#);
        assert!(
            c.body
                .contains("Cannot read properties of null (reading 'name')")
        );
        let c = create(
            &mut p,
            r#"{"key":"K","leftTeam":{},"rightTeam":{},"toolsData":{"timeoutCounter":5}}"#,
        );
        assert!(
            c.body
                .contains("Cannot create property 'left' on number '5'"),
            "{}",
            c.body
        );
        let c = create(
            &mut p,
            r#"{"key":"K","leftTeam":{},"rightTeam":{},"toolsData":{"timeoutCounter":null}}"#,
        );
        assert!(
            c.body
                .contains("Cannot read properties of null (reading 'max')"),
            "{}",
            c.body
        );
        assert!(p.is_empty());
    }

    #[test]
    fn a_code_that_is_not_six_characters_gets_six_more_appended() {
        let mut p = Previews::default();
        let code =
            |c: &Created| -> String { body(&c.body)["previewCode"].as_str().unwrap().to_owned() };
        let c = create(&mut p, r#"{"key":"K","leftTeam":{},"rightTeam":{}}"#);
        let missing = code(&c);
        assert!(
            missing.starts_with("undefined") && missing.len() == 15,
            "{missing}"
        );
        let c = create(
            &mut p,
            r#"{"key":"K","previewCode":"","leftTeam":{},"rightTeam":{}}"#,
        );
        let empty = code(&c);
        assert_eq!(empty.len(), 6);
        assert!(empty.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        let c = create(
            &mut p,
            r#"{"key":"K","previewCode":"abc","leftTeam":{},"rightTeam":{}}"#,
        );
        assert!(code(&c).starts_with("abc") && code(&c).len() == 9);
        // Six UTF-16 units, as JavaScript counts them.
        let c = create(
            &mut p,
            r#"{"key":"K","previewCode":"äöüßéè","leftTeam":{},"rightTeam":{}}"#,
        );
        assert_eq!(code(&c), "äöüßéè");
        assert!(p.get("äöüßéè", 1000).is_some());
    }

    #[test]
    fn team_fields_the_client_leaves_out_are_left_out() {
        let mut p = Previews::default();
        create(
            &mut p,
            r#"{"key":"K","previewCode":"QQQQQQ","leftTeam":{"name":"L"},"rightTeam":"str"}"#,
        );
        let v: Value = serde_json::from_str(&p.get("QQQQQQ", 1000).unwrap()).unwrap();
        let left = v["teams"][0].as_object().unwrap();
        assert_eq!(
            left.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "teamName",
                "roundsWon",
                "spentThisRound",
                "roundRecord",
                "players",
                "hasDuplicateAgents"
            ]
        );
        assert!(v["teams"][1].get("teamName").is_none());
    }
}
