//! End to end with real clients: the built server binary, an observer
//! replaying a recorded game through npm socket.io-client (time compressed
//! with the test clock), and overlay frontends logging on before and after
//! the match starts. Every `match_data` a frontend receives must be one of
//! the game's recorded states, in order, ending with the last state the
//! reference broadcast.

mod e2e_support;

use std::time::Duration;

use e2e_support::*;
use serde_json::Value;

/// Replays `name` with frontends logged on before and after the match
/// starts; returns the server for further checks.
fn replay_game(name: &str, server: &mut Server) -> Game {
    let game = game(name);
    let group = game.states[0].group_code.clone();
    let dir = temp_dir("states");
    let states = write_states(&game, &dir);
    let final_idx = final_index(&game);

    let early = Frontends::start(server, &group, 3, &states, final_idx);
    // Paused in the match, so the late frontends log on while it is live
    // (time-compressed, a busy machine plays it all in a second).
    let mut observer = observe_paused(&server.ingest_url(), &game, middle(&game), &[]);
    let late = Frontends::start(server, &group, 2, &states, final_idx);
    resume(&mut observer);
    let observed = parse_json(&wait_output(observer, Duration::from_secs(240)));
    check_frontends(&game, &early.finish(), &group, 3);
    check_frontends(&game, &late.finish(), &group, 2);

    let acks: Vec<Value> = observed["acks"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        acks_by_socket(&acks),
        acks_by_socket(&game.acks),
        "logon answers"
    );
    let _ = std::fs::remove_dir_all(&dir);
    game
}

#[test]
fn a_recorded_game_reaches_every_frontend_in_order_and_is_logged() {
    let mut server = Server::start(&[("SPECTRA_SUMMARY_SECS", "1")]);
    let game = replay_game("game-01-regulation", &mut server);

    // The operator's log: a summary line per period, not a line per overlay.
    let summary = server.wait_for_log("live matches:", Duration::from_secs(5));
    assert!(summary.contains("connections: ingest "), "{summary}");
    let log = server.drain_log();
    assert!(
        !log.iter()
            .any(|l| l.contains("frontend logon") && l.contains(" INFO ")),
        "frontend logons are logged at debug only:\n{}",
        log.join("\n")
    );

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
        .filter(|p| p.extension().is_some_and(|x| x == "replay"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name, "Match_GF2MAP_1750000000000.replay");

    // The finished game's team info is served on the REST port.
    let (status, _, body) = http(
        server.rest,
        "GET /getTeamInfoForCode?groupCode=GF2MAP HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
    let info: Value = serde_json::from_str(&body).expect("team info JSON");
    assert_eq!(info["leftTeam"]["name"], "Northwind Esports");
    assert_eq!(info["rightTeam"]["tricode"], "CRV");
    assert!(info["higherScore"] == 0 || info["higherScore"] == 1);
    assert_eq!(info["isSupporter"], false);
    let keys: Vec<&str> = info
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "leftTeam",
            "rightTeam",
            "higherScore",
            "tournamentInfo",
            "sponsorInfo",
            "isSupporter"
        ]
    );
    let (_, _, body) = http(
        server.rest,
        "GET /status HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(body, r#"{"status":"UP","matchesRunning":0}"#);

    // What the game did, as Prometheus reads it.
    let m = scrape_metrics(server.rest);
    let obs_events = metric(&m, r#"spectra_ingest_events_total{kind="obs_data"}"#);
    assert_eq!(
        metric(&m, r#"spectra_ingest_events_total{kind="aux_data"}"#),
        0.0
    );
    assert_eq!(
        metric(
            &m,
            r#"spectra_logons_total{port="ingest",outcome="accepted"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            r#"spectra_logons_total{port="broadcast",outcome="accepted"}"#
        ),
        5.0
    );
    assert_eq!(metric(&m, "spectra_matches"), 0.0);
    assert_eq!(metric(&m, "spectra_replay_events_dropped_total"), 0.0);
    assert!(metric(&m, "spectra_tick_seconds_count") > 0.0, "{m}");
    let deliveries = metric(&m, "spectra_match_data_deliveries_total");
    let rounds = metric(&m, "spectra_broadcast_round_seconds_count");
    assert!(rounds > 0.0 && deliveries >= rounds, "{m}");
    assert!(metric(&m, r#"spectra_bytes_sent_total{port="broadcast"}"#) > 0.0);
    assert!(metric(&m, "process_resident_memory_bytes") > 0.0);

    // Graceful stop: exit 0 within a few seconds, replay flushed.
    let status = server
        .terminate(Duration::from_secs(5))
        .expect("stopped in time");
    assert!(status.success(), "{status}");
    let replay = spectra_server::replay::reader::read(&files[0]).expect("replay parses");
    assert_eq!(replay.header["groupCode"], "GF2MAP");
    assert_eq!(replay.header["logStartTime"], 1_750_000_000_000u64);
    assert!(replay.header.get("key").is_none());
    assert_eq!(replay.events.len(), data_lines);
    assert_eq!(obs_events, replay.events.len() as f64, "accepted = logged");
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
        // TLS sessions are handed between shards too.
        ("SPECTRA_BROADCAST_SHARDS", "3"),
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
        let mut server = Server::start(&[]);
        let game = game(name);
        let observed = parse_json(&node(
            "e2e_observer.js",
            &[&server.ingest_url(), &game.input.to_string_lossy()],
            Duration::from_secs(60),
        ));
        let acks: Vec<Value> = observed["acks"].as_array().cloned().unwrap_or_default();
        assert_eq!(acks_by_socket(&acks), acks_by_socket(&game.acks), "{name}");
        if name.ends_with("invalid-packets") {
            // A client's problem is logged with the client's address.
            let line = server.wait_for_log("obs_logon", Duration::from_secs(5));
            assert!(line.contains("127.0.0.1:"), "{line}");
        }
    }
}
