//! Writes the seed corpora of the fuzz targets from the recorded games
//! (`cargo run --example corpus` here, or `scripts/fuzz-corpus.sh`):
//! `corpus/game_model/` gets every edge case whole and, of every full game,
//! a few windows of consecutive events after its logon, written as raw
//! steps with the clock advancing between them.

use std::path::{Path, PathBuf};

use spectra_recordings::{Input, parse_inputs, read_text, recordings_dir};
use spectra_server_fuzz::game_model::{advance_step, op, raw_step};

/// Windows taken from each full game, and events in each.
const WINDOWS: usize = 4;
const WINDOW_EVENTS: usize = 40;

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

fn main() -> std::io::Result<()> {
    let dir = recordings_dir().expect("no recorded games (set SPECTRA_CONFORMANCE)");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/game_model");
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    std::fs::create_dir_all(&target)?;
    for path in games(&dir) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.split('.').next().unwrap_or("game").to_owned();
        let inputs = parse_inputs(&read_text(&path)?)?;
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
