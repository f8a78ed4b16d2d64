//! The overlay tools settings (`tools` in the state): defaults overlaid with
//! whatever the observer sent at logon, key by key, as the reference's
//! `Object.assign` does, so unknown keys and shapes are broadcast as sent.

use crate::json::js_value::{JsObject, JsValue};

/// The Spectra logo the reference adds to the sponsor list of non-supporters.
const SPECTRA_SPONSOR_LOGO: &str = "https://auto.valospectra.com/assets/misc/logo.webp";

/// The reference throws a TypeError while building the tools; the logon
/// then fails as if the match could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolsThrow(pub &'static str);

fn obj(entries: &[(&str, JsValue)]) -> JsValue {
    let mut o = JsObject::new();
    for (k, v) in entries {
        o.set(k, v.clone());
    }
    JsValue::Obj(o)
}

fn num(n: f64) -> JsValue {
    JsValue::Num(n)
}

fn defaults() -> JsObject {
    let s = JsValue::str;
    let empty = || JsValue::Arr(Vec::new());
    let mut t = JsObject::new();
    t.set(
        "seriesInfo",
        obj(&[
            ("needed", num(1.0)),
            ("wonLeft", num(0.0)),
            ("wonRight", num(0.0)),
            ("mapInfo", empty()),
        ]),
    );
    t.set("seedingInfo", obj(&[("left", s("")), ("right", s(""))]));
    t.set(
        "tournamentInfo",
        obj(&[("name", s("")), ("logoUrl", s("")), ("backdropUrl", s(""))]),
    );
    t.set("timeoutDuration", num(60.0));
    t.set(
        "timeoutCounter",
        obj(&[("max", num(2.0)), ("left", num(2.0)), ("right", num(2.0))]),
    );
    t.set("timeoutCancellationGracePeriod", num(10.0));
    t.set(
        "sponsorInfo",
        obj(&[
            ("enabled", JsValue::Bool(false)),
            ("duration", num(5.0)),
            ("sponsors", empty()),
        ]),
    );
    t.set(
        "watermarkInfo",
        obj(&[
            ("spectraWatermark", JsValue::Bool(true)),
            ("customTextEnabled", JsValue::Bool(false)),
            ("customText", s("")),
        ]),
    );
    t.set(
        "playercamsInfo",
        obj(&[
            ("enable", JsValue::Bool(false)),
            ("removeTricodes", JsValue::Bool(false)),
            ("identifier", s("")),
            ("secret", s("")),
            ("endTime", num(0.0)),
            ("enabledPlayers", empty()),
        ]),
    );
    t.set("nameOverrides", obj(&[("overrides", s("[]"))]));
    t.set(
        "roundWinBox",
        obj(&[("type", s("disabled")), ("sponsors", empty())]),
    );
    t
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tools {
    data: JsObject,
}

/// Reads `parent[key]` where the reference would throw on a nullish parent.
fn read<'v>(parent: &'v JsValue, key: &str, what: &'static str) -> Result<&'v JsValue, ToolsThrow> {
    if parent.is_nullish() {
        return Err(ToolsThrow(what));
    }
    Ok(parent.prop(key))
}

/// Writes `parent[key] = value` where the reference (strict mode) throws on
/// a nullish or primitive parent; arrays accept it invisibly.
fn write(
    parent: &mut JsValue,
    key: &str,
    value: JsValue,
    what: &'static str,
) -> Result<(), ToolsThrow> {
    match parent {
        JsValue::Obj(o) => {
            o.set(key, value);
            Ok(())
        }
        JsValue::Arr(_) => Ok(()),
        _ => Err(ToolsThrow(what)),
    }
}

impl Tools {
    /// Builds the tools from the logon's `toolsData` and applies the
    /// supporter rules (watermark, custom text, sponsor logo, round-win box).
    pub fn new(init: &JsValue, is_supporter: bool) -> Result<Self, ToolsThrow> {
        let mut data = defaults();
        if let JsValue::Obj(init) = init {
            for (k, v) in init.iter() {
                if k != "__proto__" {
                    data.set(k, v.clone());
                }
            }
        }
        let mut tools = Tools { data };
        {
            let counter = tools.slot("timeoutCounter");
            let max = read(counter, "max", "timeoutCounter is null")?.clone();
            write(
                counter,
                "left",
                max.clone(),
                "timeoutCounter is not an object",
            )?;
            write(counter, "right", max, "timeoutCounter is not an object")?;
        }
        read(
            tools.get("playercamsInfo"),
            "removeTricodes",
            "playercamsInfo is null",
        )?;
        {
            let sponsor = tools.slot("sponsorInfo");
            let enabled = read(sponsor, "enabled", "sponsorInfo is null")?.truthy();
            if enabled && !is_supporter {
                match sponsor.as_obj_mut().and_then(|o| o.get_mut("sponsors")) {
                    Some(JsValue::Arr(list)) => list.push(JsValue::str(SPECTRA_SPONSOR_LOGO)),
                    _ => return Err(ToolsThrow("sponsorInfo.sponsors is not an array")),
                }
            }
        }
        {
            let wm = tools.slot("watermarkInfo");
            let spectra = read(wm, "spectraWatermark", "watermarkInfo is null")?.clone();
            let spectra = if spectra.truthy() {
                spectra
            } else {
                JsValue::Bool(!is_supporter)
            };
            write(
                wm,
                "spectraWatermark",
                spectra,
                "watermarkInfo is not an object",
            )?;
            let custom = wm.prop("customTextEnabled").clone();
            let custom = if custom.truthy() {
                JsValue::Bool(is_supporter)
            } else {
                custom
            };
            write(
                wm,
                "customTextEnabled",
                custom,
                "watermarkInfo is not an object",
            )?;
        }
        {
            let rwb = tools.slot("roundWinBox");
            let is_sponsors =
                read(rwb, "type", "roundWinBox is null")?.as_str() == Some("sponsors");
            if is_sponsors {
                let sponsors = read(rwb, "sponsors", "roundWinBox is null")?;
                let len = match sponsors {
                    JsValue::Arr(a) => a.len(),
                    JsValue::Str(s) => s.encode_utf16().count(),
                    JsValue::Undefined | JsValue::Null => {
                        return Err(ToolsThrow("roundWinBox.sponsors is null"));
                    }
                    _ => 0,
                };
                if len > 1 && !is_supporter {
                    let first = match sponsors {
                        JsValue::Arr(a) => a.first().cloned().unwrap_or_default(),
                        _ => JsValue::Undefined,
                    };
                    let mut first = first;
                    write(
                        &mut first,
                        "roundCeremony",
                        JsValue::Arr(vec![JsValue::str("all")]),
                        "roundWinBox.sponsors[0] is not an object",
                    )?;
                    write(
                        &mut first,
                        "wonTeam",
                        JsValue::str("all"),
                        "roundWinBox.sponsors[0] is not an object",
                    )?;
                    write(
                        rwb,
                        "sponsors",
                        JsValue::Arr(vec![first]),
                        "roundWinBox is not an object",
                    )?;
                }
            }
        }
        Ok(tools)
    }

    fn get(&self, key: &str) -> &JsValue {
        static UNDEFINED: JsValue = JsValue::Undefined;
        self.data.get(key).unwrap_or(&UNDEFINED)
    }

    fn slot(&mut self, key: &str) -> &mut JsValue {
        self.data.slot(key)
    }

    /// `playercamsInfo.removeTricodes` as sent (teams broadcast it).
    pub fn remove_tricodes(&self) -> JsValue {
        self.get("playercamsInfo").prop("removeTricodes").clone()
    }

    /// `playercamsInfo` whole, secret included (for the organisation backend).
    pub fn playercams_info(&self) -> &JsValue {
        self.get("playercamsInfo")
    }

    /// `playercamsInfo.identifier` and `.secret` as the playercam service
    /// gets them, or `None` unless both are truthy (the reference's check).
    pub fn playercam_credentials(&self) -> Option<(String, String)> {
        let info = self.get("playercamsInfo");
        let (id, secret) = (info.prop("identifier"), info.prop("secret"));
        (id.truthy() && secret.truthy()).then(|| (id.to_js_string(), secret.to_js_string()))
    }

    /// The playercam service's answer: `playercamsInfo.enabledPlayers` and
    /// `nameOverrides.overrides` take its values.
    pub fn set_playercams(&mut self, enabled_players: JsValue, overrides: JsValue) {
        if let Some(o) = self.slot("playercamsInfo").as_obj_mut() {
            o.set("enabledPlayers", enabled_players);
        }
        if let Some(o) = self.slot("nameOverrides").as_obj_mut() {
            o.set("overrides", overrides);
        }
    }

    /// `timeoutDuration` in seconds, as JavaScript arithmetic sees it.
    pub fn timeout_duration(&self) -> f64 {
        self.get("timeoutDuration").to_number()
    }

    pub fn timeout_duration_value(&self) -> JsValue {
        self.get("timeoutDuration").clone()
    }

    pub fn grace_period(&self) -> f64 {
        self.get("timeoutCancellationGracePeriod").to_number()
    }

    /// `timeoutCounter.left` / `.right`.
    pub fn counter(&self, left: bool) -> &JsValue {
        self.get("timeoutCounter")
            .prop(if left { "left" } else { "right" })
    }

    pub fn set_counter(&mut self, left: bool, value: JsValue) {
        if let Some(o) = self.slot("timeoutCounter").as_obj_mut() {
            o.set(if left { "left" } else { "right" }, value);
        }
    }

    pub fn swap_counters(&mut self) {
        let l = self.counter(true).clone();
        let r = self.counter(false).clone();
        self.set_counter(true, r);
        self.set_counter(false, l);
    }

    pub fn sponsor_info(&self) -> &JsValue {
        self.get("sponsorInfo")
    }

    pub fn tournament_info(&self) -> &JsValue {
        self.get("tournamentInfo")
    }

    /// The broadcast form: `playercamsInfo` without `secret` and `endTime`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.data.write_json_with(
            out,
            |_| true,
            |out, k, v| match (k, v) {
                ("playercamsInfo", JsValue::Obj(o)) => o.write_json_with(
                    out,
                    |k| k != "secret" && k != "endTime",
                    |out, _, v| v.write_json(out),
                ),
                _ => v.write_json(out),
            },
        );
    }
}
