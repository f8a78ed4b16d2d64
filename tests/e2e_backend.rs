//! End to end with `USE_BACKEND=true`: observer keys other than `AUTH_KEY`
//! are checked by the organisation backend (a stub on loopback) without
//! holding up anything else, and the answer decides the logon.

mod backend_stub;
mod e2e_support;

use std::time::Duration;

use backend_stub::{Answer, Stub};
use e2e_support::*;
use serde_json::json;

#[test]
fn the_backend_decides_observer_keys() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/system/validateAccessKey/GOOD" => {
            Answer::json(200, r#"{"id":"org1","name":"Org One"}"#).after(Duration::from_millis(200))
        }
        "/system/validateAccessKey/BAD" => Answer::json(401, "{}"),
        "/system/validateAccessKey/OLD" => Answer::json(403, "{}"),
        "/supporter/org1" => Answer::json(200, r#"{"isSupporter":true}"#),
        _ => Answer::json(404, "{}"),
    });
    let supporter = format!("{}/supporter", stub.base);
    let mut server = Server::start(&[
        ("USE_BACKEND", "true"),
        ("BACKEND_URL", &stub.base),
        ("BACKEND_TOKEN", "TOKEN"),
        ("SUPPORTER_CHECK_URL", &supporter),
        ("REQUIRE_AUTH_KEY", "true"),
        ("AUTH_KEY", "LOCAL"),
    ]);
    let lines: Vec<String> = [
        ("good", "BK1", "GOOD"),
        ("bad", "BK2", "BAD"),
        ("old", "BK3", "OLD"),
        ("local", "BK4", "LOCAL"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (socket, group, key))| {
        json!({"t": i * 100, "socket": socket, "event": "obs_logon", "data": logon(group, key)})
            .to_string()
    })
    .collect();
    let dir = temp_dir("backend");
    let input = dir.join("backend.input.jsonl");
    std::fs::write(&input, lines.join("\n")).expect("input");
    let observed = parse_json(&node(
        "e2e_observer.js",
        &[&server.ingest_url(), &input.to_string_lossy()],
        Duration::from_secs(30),
    ));
    let acks = acks_by_socket(observed["acks"].as_array().expect("acks"));
    let ok = |a: &[String]| a.len() == 1 && a[0].contains("\"value\":true");
    assert!(ok(&acks["good"]), "{:?}", acks["good"]);
    assert!(ok(&acks["local"]), "{:?}", acks["local"]);
    let rejected = |reason: &str| {
        vec![
            format!(
                "\"obs_logon_ack\" {}",
                json!({"type": "authenticate", "value": false, "reason": reason})
            ),
            "\"disconnect\" \"server\"".to_owned(),
        ]
    };
    assert_eq!(acks["bad"], rejected("Invalid Key"));
    assert_eq!(acks["old"], rejected("Expired Key"));

    // The local key never reached the backend; the backend's key carries
    // its organisation into the replay header.
    let asked: Vec<String> = stub.requests().iter().map(|r| r.path.clone()).collect();
    assert!(!asked.iter().any(|p| p.contains("LOCAL")), "{asked:?}");
    assert_eq!(
        stub.requests()
            .iter()
            .find(|r| r.path.ends_with("/GOOD"))
            .and_then(|r| r.header("x-user-token").map(str::to_owned))
            .as_deref(),
        Some("TOKEN")
    );
    let status = server.terminate(Duration::from_secs(5)).expect("stopped");
    assert!(status.success());
    let bk1 = std::fs::read_dir(&server.replay_dir)
        .expect("replays")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.to_string_lossy().contains("Match_BK1_")
                && p.extension().is_some_and(|x| x == "replay")
        })
        .expect("BK1 replay file");
    let replay = spectra_server::replay::reader::read(&bk1).expect("replay");
    assert_eq!(replay.header["organizationId"], "org1");
    assert_eq!(replay.header["isSupporter"], true);
    let _ = std::fs::remove_dir_all(&dir);
}
