//! End to end with real clients: the built server binary, an observer
//! replaying a recorded game through npm socket.io-client (time compressed
//! with the test clock), and overlay frontends logging on before and after
//! the match starts. Every `match_data` a frontend receives must be one of
//! the game's recorded states, in order, ending with the last state the
//! reference broadcast.

mod e2e_support;

use std::io::BufReader;
use std::time::Duration;

use e2e_support::*;
use serde_json::Value;

fn parse_json(out: &str) -> Value {
    let line = out.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("node printed no JSON ({e}): {out}"))
}

/// Index of the first line whose state text equals the last broadcast's.
fn final_index(game: &Game) -> usize {
    let last = &game.states[game.last_broadcast].state;
    game.states
        .iter()
        .position(|s| &s.state == last)
        .unwrap_or(game.last_broadcast)
}

/// Acks per socket label, with the random group secret normalised.
fn acks_by_socket(acks: &[Value]) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for a in acks {
        let mut data = a["data"].clone();
        if let Some(r) = data.get("reason").and_then(Value::as_str)
            && r.len() == 12
            && r.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            data["reason"] = Value::from("<secret>");
        }
        map.entry(a["socket"].as_str().unwrap_or("").to_owned())
            .or_default()
            .push(format!("{} {}", a["event"], data));
    }
    map
}

struct Frontends {
    child: std::process::Child,
}

impl Frontends {
    fn start(server: &Server, group: &str, count: usize, states: &std::path::Path, final_idx: usize) -> Self {
        let mut child = node_spawn(
            "e2e_frontends.js",
            &[
                &server.broadcast_url(),
                group,
                &count.to_string(),
                &states.to_string_lossy(),
                &final_idx.to_string(),
                "120000",
            ],
        );
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        wait_line(&mut out, "ready", Duration::from_secs(60));
        child.stdout = Some(out.into_inner());
        Frontends { child }
    }

    fn finish(self) -> Vec<Value> {
        let v = parse_json(&wait_output(self.child, Duration::from_secs(150)));
        v["frontends"].as_array().cloned().unwrap_or_default()
    }
}

fn check_frontends(game: &Game, frontends: &[Value], group: &str, count: usize) {
    assert_eq!(frontends.len(), count);
    for (n, f) in frontends.iter().enumerate() {
        assert_eq!(
            f["logon"].as_str(),
            Some(format!(r#"{{"groupCode":"{group}","msg":"Logon succeeded for group code {group}"}}"#).as_str()),
            "frontend {n}: logon_success payload"
        );
        assert_eq!(f["transport"], "websocket", "frontend {n} upgraded from polling");
        let indexes: Vec<i64> = f["indexes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        if let Err(e) = check_order(game, &indexes, game.last_broadcast) {
            panic!("frontend {n}: {e} (received {} states)", indexes.len());
        }
    }
}

/// Replays `name` with frontends logged on before and after the match
/// starts; returns the server for further checks.
fn replay_game(name: &str, server: &mut Server) -> Game {
    let game = game(name);
    let group = game.states[0].group_code.clone();
    let dir = temp_dir("states");
    let states = write_states(&game, &dir);
    let final_idx = final_index(&game);

    let early = Frontends::start(server, &group, 3, &states, final_idx);
    let observer = node_spawn(
        "e2e_observer.js",
        &[&server.ingest_url(), &game.input.to_string_lossy()],
    );
    server.wait_for_log("registered", Duration::from_secs(30));
    let late = Frontends::start(server, &group, 2, &states, final_idx);
    let observed = parse_json(&wait_output(observer, Duration::from_secs(240)));
    check_frontends(&game, &early.finish(), &group, 3);
    check_frontends(&game, &late.finish(), &group, 2);

    let acks: Vec<Value> = observed["acks"].as_array().cloned().unwrap_or_default();
    assert_eq!(acks_by_socket(&acks), acks_by_socket(&game.acks), "logon answers");
    let _ = std::fs::remove_dir_all(&dir);
    game
}

#[test]
fn a_recorded_game_reaches_every_frontend_in_order_and_is_logged() {
    let mut server = Server::start(&[]);
    let game = replay_game("game-01-regulation", &mut server);

    // The replay log holds the logon header and every data event sent
    // before the match ended (the server then closed the observer).
    let closed_after = game
        .acks
        .iter()
        .find(|a| a["event"] == "disconnect")
        .and_then(|a| a["after"].as_u64())
        .expect("the observer is disconnected at the end") as usize;
    let data_lines = std::fs::read_to_string(&game.input)
        .expect("input")
        .lines()
        .enumerate()
        .filter(|(i, l)| *i <= closed_after && l.contains("\"event\":\"obs_data\""))
        .count();
    let files: Vec<_> = std::fs::read_dir(&server.replay_dir)
        .expect("replay dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name, "Match_GF2MAP_1750000000000.replay");

    // Graceful stop: exit 0 within a few seconds, replay flushed.
    let status = server.terminate(Duration::from_secs(5)).expect("stopped in time");
    assert!(status.success(), "{status}");
    let replay = spectra_server::replay::reader::read(&files[0]).expect("replay parses");
    assert_eq!(replay.header["groupCode"], "GF2MAP");
    assert_eq!(replay.header["logStartTime"], 1_750_000_000_000u64);
    assert!(replay.header.get("key").is_none());
    assert_eq!(replay.events.len(), data_lines);
    assert!(!replay.truncated);
}

#[test]
fn over_tls_an_observer_and_auxiliary_clients_drive_a_game() {
    let dir = temp_dir("tls");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let key_path = dir.join("server.key");
    let cert_path = dir.join("server.crt");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("key");
    std::fs::write(&cert_path, cert.cert.pem()).expect("cert");
    let mut server = Server::start(&[
        ("INSECURE", "false"),
        ("SERVER_KEY", &key_path.to_string_lossy()),
        ("SERVER_CERT", &cert_path.to_string_lossy()),
    ]);
    replay_game("game-03-aux-and-tools", &mut server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn edge_cases_get_the_reference_answers() {
    for name in [
        "edge/edge-01-events-before-logon",
        "edge/edge-02-wrong-client-version",
        "edge/edge-03-invalid-packets",
        "edge/edge-04-duplicate-logon",
        "edge/edge-05-unknown-and-malformed",
        "edge/edge-06-finished-match",
        "edge/edge-07-idle-removal",
        "edge/edge-08-aux-before-match-start",
        "edge/edge-09-timers",
    ] {
        let server = Server::start(&[]);
        let game = game(name);
        let observed = parse_json(&node(
            "e2e_observer.js",
            &[&server.ingest_url(), &game.input.to_string_lossy()],
            Duration::from_secs(60),
        ));
        let acks: Vec<Value> = observed["acks"].as_array().cloned().unwrap_or_default();
        assert_eq!(acks_by_socket(&acks), acks_by_socket(&game.acks), "{name}");
    }
}
