//! Writes the seed corpora of the fuzz targets from the recorded games
//! (`cargo run --example corpus` here, or `scripts/fuzz-corpus.sh`):
//! `corpus/game_model/` gets every edge case whole and, of every full game,
//! a few windows of consecutive events after its logon, written as raw
//! steps with the clock advancing between them; `corpus/replay_recovery/`
//! replay files of the games' first events; `corpus/backend_answers/`
//! answers of the services' shapes; `corpus/rest_routes/` each game's
//! preview and look-ups; `corpus/relay_message/` end messages.

use std::path::{Path, PathBuf};

use spectra_recordings::{Input, parse_inputs, read_text, recordings_dir};
use spectra_server::relay::wire::Message;
use spectra_server::replay::{KeyCheck, format};
use spectra_server_fuzz::game_model::{advance_step, op, raw_step};

/// Windows taken from each full game, and events in each.
const WINDOWS: usize = 4;
const WINDOW_EVENTS: usize = 30;

fn games(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in [dir.to_path_buf(), dir.join("edge")] {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".input.jsonl") || name.ends_with(".input.jsonl.gz") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The inputs as game-model steps; sockets take the harness's four slots.
fn encode(inputs: &[&Input]) -> Vec<u8> {
    let mut out = vec![0u8];
    let mut slots: [Option<&str>; 4] = [None; 4];
    let mut next = 0;
    let mut t = inputs.first().map_or(0, |i| i.t);
    for input in inputs {
        let mut dt = input.t.saturating_sub(t);
        t = input.t;
        while dt > 0 {
            out.extend(advance_step(dt));
            dt = dt.saturating_sub(u64::from(u16::MAX));
        }
        let slot = match slots.iter().position(|s| *s == Some(input.socket.as_str())) {
            Some(s) => s,
            None => {
                let s = slots.iter().position(Option::is_none).unwrap_or(next % 4);
                next += 1;
                slots[s] = Some(&input.socket);
                s
            }
        };
        let code = match input.event.as_str() {
            "obs_logon" => op::RAW_OBS_LOGON,
            "aux_logon" => op::RAW_AUX_LOGON,
            "obs_data" => op::RAW_OBS_DATA,
            "aux_data" => op::RAW_AUX_DATA,
            _ => {
                out.extend([op::DISCONNECT, slot as u8]);
                slots[slot] = None;
                continue;
            }
        };
        out.extend(raw_step(code, slot as u8, &input.payload));
    }
    out
}

/// Events per recovery seed.
const REPLAY_EVENTS: usize = 12;

/// A replay file and its sidecar for the game's first logon and the data
/// events after it, received at their recorded times; `ended` marks it
/// finished, with team info.
fn replay_seed(inputs: &[Input], skip: usize, ended: bool) -> Option<Vec<u8>> {
    const T0: u64 = 1_750_000_000_000;
    let logon = inputs.iter().find(|i| i.event == "obs_logon")?;
    let check = KeyCheck {
        organization_id: None,
        is_supporter: None,
    };
    let mut file = format::header(&logon.payload, &check, T0 + logon.t).ok()?;
    let data = inputs.iter().filter(|i| i.event.ends_with("_data"));
    for input in data.skip(skip).take(REPLAY_EVENTS) {
        file.push_str(",\n");
        format::event(&input.payload, T0 + input.t, &mut file).ok()?;
    }
    let side = if ended {
        format!(
            r#"{{"groupSecret":"SECRET000000","createdMs":{},"ended":true,"teamInfo":"{{}}"}}"#,
            T0 + logon.t
        )
    } else {
        format!(
            r#"{{"groupSecret":"SECRET000000","createdMs":{}}}"#,
            T0 + logon.t
        )
    };
    let mut out = (side.len() as u16).to_be_bytes().to_vec();
    out.extend(side.as_bytes());
    out.extend(file.as_bytes());
    Some(out)
}

fn fresh(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)
}

/// Answers of the shapes the services send (`[service][status][body]`,
/// see `backend_answers`); the recorded games hold none.
const BACKEND_ANSWERS: &[(u8, u16, &str)] = &[
    (
        0,
        200,
        r#"[{"id":1,"name":"Supporter","base_price":5,"currency":"EUR"}]"#,
    ),
    (0, 500, ""),
    (
        1,
        200,
        r#"{"id":"80351110224678912","username":"Nelly","avatar":"8342729096ea3675442027381ff50dfe"}"#,
    ),
    (2, 200, r#"{"nameOverrides":"[]","enabledPlayers":["p1"]}"#),
    (
        3,
        200,
        r#"{"results":[{"puuid":"p1","currentMMRTier":20,"peakMMRTier":24}]}"#,
    ),
    (4, 200, r#"{"isSupporter":true}"#),
];

/// REST requests as the Spectra Client and overlays send them, the
/// preview's teams and tools from the game's logon.
fn rest_seed(logon: &str) -> Vec<u8> {
    let mut body = serde_json::from_str::<serde_json::Value>(logon).unwrap_or_default();
    if let Some(o) = body.as_object_mut() {
        o.insert("previewCode".into(), "ABC123".into());
        o.insert("key".into(), "KEY".into());
    }
    let body = body.to_string();
    let mut out = vec![0u8];
    for request in [
        format!(
            "PUT /createPreview HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        "GET /preview/ABC123 HTTP/1.1\r\nHost: x\r\nOrigin: http://o\r\n\r\n".to_owned(),
        "GET /getTeamInfoForCode?groupCode=G HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "GET /status HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "OPTIONS /createPreview HTTP/1.1\r\nOrigin: http://o\r\nAccess-Control-Request-Method: PUT\r\n\r\n".to_owned(),
    ] {
        out.extend(spectra_server_fuzz::rest_routes::raw_step(request.as_bytes()));
    }
    out
}

fn main() -> std::io::Result<()> {
    let dir = recordings_dir().expect("no recorded games (set SPECTRA_CONFORMANCE)");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let target = corpus.join("game_model");
    let recovery = corpus.join("replay_recovery");
    fresh(&target)?;
    fresh(&recovery)?;
    let backend = corpus.join("backend_answers");
    fresh(&backend)?;
    let rest = corpus.join("rest_routes");
    fresh(&rest)?;
    let relay = corpus.join("relay_message");
    fresh(&relay)?;
    for (n, group) in ["G", "GF2MAP"].into_iter().enumerate() {
        let end = Message::End {
            origin: n as u64 + 1,
            group: group.to_owned(),
            last: None,
        };
        std::fs::write(relay.join(format!("end-{n}")), end.encode())?;
    }
    for (n, (service, status, body)) in BACKEND_ANSWERS.iter().enumerate() {
        let mut seed = vec![*service];
        seed.extend(status.to_be_bytes());
        seed.extend(body.as_bytes());
        std::fs::write(backend.join(format!("answer-{n}")), seed)?;
    }
    for path in games(&dir) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.split('.').next().unwrap_or("game").to_owned();
        let inputs = parse_inputs(&read_text(&path)?)?;
        let variants: &[(usize, bool)] = if stem.starts_with("edge") {
            &[(0, false)]
        } else {
            &[(0, false), (200, false), (0, true)]
        };
        for (n, &(skip, ended)) in variants.iter().enumerate() {
            if let Some(seed) = replay_seed(&inputs, skip, ended) {
                std::fs::write(recovery.join(format!("{stem}-{n}")), seed)?;
            }
        }
        if !stem.starts_with("edge")
            && let Some(logon) = inputs.iter().find(|i| i.event == "obs_logon")
        {
            std::fs::write(rest.join(&stem), rest_seed(&logon.payload))?;
        }
        if stem.starts_with("edge") {
            let all: Vec<&Input> = inputs.iter().collect();
            std::fs::write(target.join(&stem), encode(&all))?;
            continue;
        }
        let logons: Vec<&Input> = inputs
            .iter()
            .filter(|i| i.event.ends_with("_logon"))
            .collect();
        let rest: Vec<&Input> = inputs
            .iter()
            .filter(|i| !i.event.ends_with("_logon"))
            .collect();
        for w in 0..WINDOWS {
            let start = rest.len() * w / WINDOWS;
            let mut window = logons.clone();
            window.extend(rest.iter().skip(start).take(WINDOW_EVENTS));
            window.sort_by_key(|i| i.t);
            std::fs::write(target.join(format!("{stem}-{w}")), encode(&window))?;
        }
    }
    Ok(())
}
