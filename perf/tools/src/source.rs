//! Games to play as an observer: a reference-format `.replay` file, or a
//! recorded conformance game (`*.input.jsonl`, optionally gzipped), read into
//! the logon payload and the observer's data events with their times.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

/// One observer event: its time from the start of the game and payload.
#[derive(Debug, Clone)]
pub struct Event {
    pub t_ms: u64,
    pub payload: Value,
}

#[derive(Debug, Clone)]
pub struct Game {
    /// The `obs_logon` payload object.
    pub logon: Value,
    pub events: Vec<Event>,
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Loads a `.replay` file or a conformance `*.input.jsonl[.gz]` game.
pub fn load(path: &Path) -> Result<Game, String> {
    let name = path.to_string_lossy();
    if name.ends_with(".replay") {
        let r = spectra_server::replay::reader::read(path).map_err(|e| format!("{name}: {e}"))?;
        from_replay(r.header, r.events)
    } else {
        from_conformance(&read_text(path)?).map_err(|e| format!("{name}: {e}"))
    }
}

/// The header is the logon payload without `key`/`type`, plus
/// `logStartTime`; events carry `timestamp`. Events without a `groupCode`
/// (auxiliary clients') are left out: they need an auxiliary connection.
fn from_replay(header: Value, events: Vec<Value>) -> Result<Game, String> {
    let Value::Object(mut logon) = header else {
        return Err("the replay header is not an object".into());
    };
    let start = logon
        .remove("logStartTime")
        .and_then(|v| v.as_u64())
        .or_else(|| events.first().and_then(|e| e["timestamp"].as_u64()))
        .unwrap_or(0);
    logon.insert("type".into(), Value::from("authenticate"));
    logon.insert("key".into(), Value::from(""));
    let events = events
        .into_iter()
        .filter(|e| e.get("groupCode").is_some())
        .map(|mut e| {
            let ts = e["timestamp"].as_u64().unwrap_or(start);
            if let Value::Object(m) = &mut e {
                m.remove("timestamp");
            }
            Event {
                t_ms: ts.saturating_sub(start),
                payload: e,
            }
        })
        .collect();
    Ok(Game {
        logon: Value::Object(logon),
        events,
    })
}

/// Lines `{"t","socket","event","data"}`: the first `obs_logon` of the
/// `obs` socket and that socket's `obs_data` events.
fn from_conformance(text: &str) -> Result<Game, String> {
    let mut logon = None;
    let mut events = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        if v["socket"] != "obs" {
            continue;
        }
        let t_ms = v["t"].as_u64().unwrap_or(0);
        match (v["event"].as_str(), v.get("data")) {
            (Some("obs_logon"), Some(d)) if logon.is_none() => logon = Some(d.clone()),
            (Some("obs_data"), Some(d)) if d.is_object() => events.push(Event {
                t_ms,
                payload: d.clone(),
            }),
            _ => {}
        }
    }
    Ok(Game {
        logon: logon.ok_or("no obs_logon line for socket \"obs\"")?,
        events,
    })
}

impl Game {
    /// Moves the game to another group code (logon and every event), so
    /// several copies can run at once.
    pub fn with_group(mut self, code: &str) -> Game {
        self.logon["groupCode"] = Value::from(code);
        for e in &mut self.events {
            if e.payload.get("groupCode").is_some() {
                e.payload["groupCode"] = Value::from(code);
            }
        }
        self
    }

    pub fn with_key(mut self, key: &str) -> Game {
        self.logon["key"] = Value::from(key);
        self
    }

    /// Without the events that end the match (`round_info` with phase
    /// `game_end`): servers remove a finished match, and the suite loops
    /// games for as long as a scenario runs.
    pub fn without_end(mut self) -> Game {
        self.events.retain(|e| {
            !(e.payload["type"] == "round_info" && e.payload["data"]["roundPhase"] == "game_end")
        });
        self
    }

    pub fn group_code(&self) -> &str {
        self.logon["groupCode"].as_str().unwrap_or("")
    }

    pub fn obs_name(&self) -> &str {
        self.logon["obsName"].as_str().unwrap_or("perf")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance_lines_give_the_obs_logon_and_its_data_events() {
        let text = r#"{"t":0,"socket":"obs","event":"obs_logon","data":{"type":"authenticate","groupCode":"A","obsName":"o"}}
{"t":5,"socket":"aux:1","event":"aux_data","data":{"type":"x"}}
{"t":7,"socket":"obs","event":"obs_data","data":{"groupCode":"A","type":"map","data":"Ascent"}}
{"t":9,"socket":"obs","event":"obs_data","data":{"groupCode":"A","type":"round_info","data":{"roundNumber":3,"roundPhase":"game_end"}}}
"#;
        let g = from_conformance(text)
            .unwrap()
            .with_group("B")
            .without_end();
        assert_eq!(g.group_code(), "B");
        assert_eq!(g.events.len(), 1);
        assert_eq!(g.events[0].t_ms, 7);
        assert_eq!(g.events[0].payload["groupCode"], "B");
    }

    #[test]
    fn replay_header_becomes_a_logon_and_timestamps_become_offsets() {
        let r = spectra_server::replay::reader::parse(
            br#"{"groupCode":"R","obsName":"o","logStartTime":1000},
{"groupCode":"R","type":"map","data":"Bind","timestamp":1500},
{"matchId":"m","type":"aux_health","data":1,"timestamp":1600}"#,
        )
        .unwrap();
        let g = from_replay(r.header, r.events).unwrap();
        assert_eq!(g.logon["type"], "authenticate");
        assert!(g.logon.get("logStartTime").is_none());
        assert_eq!(g.events.len(), 1);
        assert_eq!(g.events[0].t_ms, 500);
        assert!(g.events[0].payload.get("timestamp").is_none());
    }
}
