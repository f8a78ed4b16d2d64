//! End to end: the logon rules that depend on configuration and the two
//! places where this server is safer than the reference: a group
//! code that is unsafe as a file name is refused, and an observer cannot
//! write into another group's match.

mod e2e_support;

use std::time::Duration;

use e2e_support::*;
use serde_json::{Value, json};

fn line(t: u64, socket: &str, event: &str, data: Value) -> String {
    json!({"t": t, "socket": socket, "event": event, "data": data}).to_string()
}

#[test]
fn unsafe_group_codes_wrong_keys_and_foreign_data_are_refused() {
    let mut server = Server::start(&[("REQUIRE_AUTH_KEY", "true"), ("AUTH_KEY", "KEY1")]);
    let long = "A".repeat(300);
    let input = [
        line(0, "a", "obs_logon", logon("SAFE1", "KEY1")),
        line(100, "b", "obs_logon", logon("SAFE2", "KEY1")),
        // Observer a names group SAFE2 in its data.
        line(
            200,
            "a",
            "obs_data",
            json!({"obsName": "Obs#1", "groupCode": "SAFE2", "type": "map", "data": "Ascent"}),
        ),
        line(300, "bad1", "obs_logon", logon("../../escape", "KEY1")),
        line(400, "bad2", "obs_logon", logon(&long, "KEY1")),
        line(500, "bad3", "obs_logon", logon("SAFE3", "WRONG")),
        line(600, "bad4", "obs_logon", logon("SAFE4", "")),
    ]
    .join("\n");
    let dir = temp_dir("safety");
    let input_path = dir.join("safety.input.jsonl");
    std::fs::write(&input_path, input).expect("input");

    // A frontend on SAFE2 sees its state, which the foreign data never touches.
    let states = dir.join("none.txt");
    std::fs::write(&states, "").expect("states");
    let frontend =
        Frontends::start_env(&server, "SAFE2", 1, &states, 999, &[("FRONTEND_RAW", "1")]);
    let observed = parse_json(&node(
        "e2e_observer.js",
        &[&server.ingest_url(), &input_path.to_string_lossy()],
        Duration::from_secs(60),
    ));
    let frontends = {
        // The frontend waits for a final state that never comes; end it.
        std::thread::sleep(Duration::from_millis(500));
        frontend.stop()
    };

    let acks = acks_by_socket(observed["acks"].as_array().expect("acks"));
    let rejected = |reason: &str| {
        vec![
            format!(
                "\"obs_logon_ack\" {}",
                json!({"type": "authenticate", "value": false, "reason": reason})
            ),
            "\"disconnect\" \"server\"".to_owned(),
        ]
    };
    assert_eq!(
        acks["bad1"],
        rejected("Invalid Group Code: it contains '/', '\\' or '..'.")
    );
    assert_eq!(
        acks["bad2"],
        rejected("Invalid Group Code: it is longer than 100 characters.")
    );
    assert_eq!(acks["bad3"], rejected("Invalid Key"));
    assert_eq!(acks["bad4"], rejected("Invalid Key"));
    assert_eq!(
        acks["a"].len(),
        1,
        "observer a stays connected: {:?}",
        acks["a"]
    );
    assert!(acks["a"][0].contains("\"value\":true"));

    let states: Vec<Value> = frontends[0]["raw"]
        .as_array()
        .expect("raw states")
        .iter()
        .map(|s| serde_json::from_str(s.as_str().unwrap()).unwrap())
        .collect();
    assert!(!states.is_empty(), "the frontend got SAFE2's state");
    for s in &states {
        assert_eq!(s["groupCode"], "SAFE2");
        assert_eq!(s["map"], "Loading", "foreign data changed SAFE2: {s}");
    }
    server.drain_log();
    assert!(
        server
            .log_lines
            .iter()
            .any(|l| l.contains("rejected") && l.contains("SAFE2")),
        "the foreign data is logged"
    );

    // Replay files: SAFE1 and SAFE2 only, in the replay folder, without the
    // foreign event; nothing was written outside.
    let mut names: Vec<String> = std::fs::read_dir(&server.replay_dir)
        .expect("replay dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".replay"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("Match_SAFE1_") && names[1].starts_with("Match_SAFE2_"));
    assert!(!server.replay_dir.join("../../escape").exists());
    let status = server.terminate(Duration::from_secs(5)).expect("stopped");
    assert!(status.success());
    for n in &names {
        let r = spectra_server::replay::reader::read(&server.replay_dir.join(n)).expect("replay");
        assert!(r.events.is_empty(), "{n}: {:?}", r.events);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
