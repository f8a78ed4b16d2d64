//! Replays every recorded game in `../shared/conformance/` (and `edge/`)
//! through the game model and checks, byte for byte, every broadcast state
//! line, every ack and server-side disconnect, and the 100 ms broadcast
//! schedule.

#[path = "../src/bin/spectra-server/conformance.rs"]
mod conformance;

use std::path::{Path, PathBuf};

use conformance::{replay, run_cli};
use spectra_recordings::{parse_inputs, read_lines, read_text, recordings_dir};

fn conformance_dir() -> PathBuf {
    recordings_dir().expect("no conformance directory beside the repository")
}

/// Every game: the path of its input file without `.input.jsonl[.gz]`.
fn games() -> Vec<PathBuf> {
    let dir = conformance_dir();
    let mut games = Vec::new();
    for d in [dir.clone(), dir.join("edge")] {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            for suffix in [".input.jsonl", ".input.jsonl.gz"] {
                if let Some(stem) = name.strip_suffix(suffix) {
                    games.push(d.join(stem));
                }
            }
        }
    }
    games.sort();
    assert!(
        games.len() >= 12,
        "expected the 3 games and 9 edge cases, found {games:?}"
    );
    games
}

fn sibling(stem: &Path, kind: &str) -> PathBuf {
    let plain = PathBuf::from(format!("{}.{kind}.jsonl", stem.display()));
    if plain.exists() {
        plain
    } else {
        PathBuf::from(format!("{}.{kind}.jsonl.gz", stem.display()))
    }
}

/// The first JSON path where two values differ, with both values
/// (abbreviated), or a byte position when only the formatting differs.
fn first_difference(expected: &str, actual: &str) -> String {
    use serde_json::Value;
    fn short(v: &Value) -> String {
        let s = v.to_string();
        if s.len() > 120 {
            format!("{}...", &s[..s.floor_char_boundary(120)])
        } else {
            s
        }
    }
    fn walk(path: &str, e: &Value, a: &Value) -> Option<String> {
        match (e, a) {
            (Value::Object(eo), Value::Object(ao)) => {
                let ek: Vec<&String> = eo.keys().collect();
                let ak: Vec<&String> = ao.keys().collect();
                for (k, ev) in eo {
                    match ao.get(k) {
                        Some(av) => {
                            if let Some(d) = walk(&format!("{path}.{k}"), ev, av) {
                                return Some(d);
                            }
                        }
                        None => {
                            return Some(format!("{path}.{k}: missing, expected {}", short(ev)));
                        }
                    }
                }
                for k in ao.keys() {
                    if !eo.contains_key(k) {
                        return Some(format!("{path}.{k}: unexpected {}", short(&ao[k])));
                    }
                }
                (ek != ak).then(|| format!("{path}: key order {ek:?} != {ak:?}"))
            }
            (Value::Array(ea), Value::Array(aa)) => {
                for (i, (ev, av)) in ea.iter().zip(aa).enumerate() {
                    if let Some(d) = walk(&format!("{path}[{i}]"), ev, av) {
                        return Some(d);
                    }
                }
                (ea.len() != aa.len())
                    .then(|| format!("{path}: length {} != {}", ea.len(), aa.len()))
            }
            _ => (e != a).then(|| format!("{path}: expected {}, got {}", short(e), short(a))),
        }
    }
    let parsed = (
        serde_json::from_str::<Value>(expected),
        serde_json::from_str::<Value>(actual),
    );
    if let (Ok(e), Ok(a)) = parsed
        && let Some(d) = walk("$", &e, &a)
    {
        return d;
    }
    let pos = expected
        .bytes()
        .zip(actual.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(expected.len().min(actual.len()));
    let ctx = |s: &str| {
        let lo = s.floor_char_boundary(pos.saturating_sub(40));
        let hi = s.floor_char_boundary((pos + 40).min(s.len()));
        s[lo..hi].to_owned()
    };
    format!(
        "text differs at byte {pos}: expected …{}…, got …{}…",
        ctx(expected),
        ctx(actual)
    )
}

fn compare_lines(
    game: &Path,
    kind: &str,
    expected: &[String],
    actual: &[String],
) -> Result<(), String> {
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if e != a {
            return Err(format!(
                "{} {kind} line {i}: {}",
                game.display(),
                first_difference(e, a)
            ));
        }
    }
    if expected.len() != actual.len() {
        return Err(format!(
            "{} {kind}: {} expected lines, {} produced; first extra/missing: {}",
            game.display(),
            expected.len(),
            actual.len(),
            expected
                .get(actual.len())
                .or(actual.get(expected.len()))
                .map(|l| &l[..l.floor_char_boundary(200)])
                .unwrap_or_default()
        ));
    }
    Ok(())
}

/// Group secrets are random on the reference: a successful, non-reconnect
/// `obs_logon_ack` reason is compared as "12 characters from A-Z0-9".
fn normalize_secret(line: &str) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(line) else {
        return line.to_owned();
    };
    let data = &mut v["data"];
    if data["value"] == true
        && data["type"] == "authenticate"
        && let Some(r) = data["reason"].as_str()
        && r != "reconnected"
        && r.len() == 12
        && r.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        data["reason"] = "<secret>".into();
    }
    v.to_string()
}

#[test]
fn every_recorded_game_reproduces_states_acks_and_broadcasts() {
    let mut failures = Vec::new();
    for game in games() {
        let inputs = parse_inputs(&read_text(&sibling(&game, "input")).expect("read input"))
            .expect("parse input");
        let got = replay(&inputs);
        let expected = read_lines(&sibling(&game, "expected")).expect("read expected");
        if let Err(e) = compare_lines(&game, "expected", &expected, &got.expected) {
            failures.push(e);
        }
        let acks: Vec<String> = read_lines(&sibling(&game, "acks"))
            .expect("read acks")
            .iter()
            .map(|l| normalize_secret(l))
            .collect();
        let got_acks: Vec<String> = got.acks.iter().map(|l| normalize_secret(l)).collect();
        if let Err(e) = compare_lines(&game, "acks", &acks, &got_acks) {
            failures.push(e);
        }
        let broadcasts = read_lines(&sibling(&game, "broadcasts")).expect("read broadcasts");
        if let Err(e) = compare_lines(&game, "broadcasts", &broadcasts, &got.broadcasts) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_changed_state_is_reported_by_json_path() {
    let d = first_difference(r#"{"a":{"b":[1,2]}}"#, r#"{"a":{"b":[1,3]}}"#);
    assert_eq!(d, "$.a.b[1]: expected 2, got 3");
    let d = first_difference(r#"{"a":1,"b":2}"#, r#"{"b":2,"a":1}"#);
    assert!(d.contains("key order"), "{d}");
    let d = first_difference(r#"{"a":1}"#, r#"{"a":1.0}"#);
    assert_eq!(d, "$.a: expected 1, got 1.0");
    let d = first_difference(r#"{"a":1}"#, r#"{"a": 1}"#);
    assert!(d.starts_with("text differs at byte 5"), "{d}");
}

#[test]
fn the_conformance_command_prints_each_kind_of_line() {
    let game = conformance_dir().join("edge/edge-04-duplicate-logon");
    let input = sibling(&game, "input");
    let got = replay(&parse_inputs(&read_text(&input).expect("read input")).expect("parse input"));
    for (kind, lines) in [
        ("expected", &got.expected),
        ("acks", &got.acks),
        ("broadcasts", &got.broadcasts),
    ] {
        let mut out = Vec::new();
        run_cli(&input, kind, &mut out).expect("the command runs");
        let want: String = lines.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(String::from_utf8(out).expect("UTF-8"), want, "{kind}");
    }
    assert!(run_cli(&input, "states", Vec::new()).is_err());
}
