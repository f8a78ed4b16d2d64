//! Restarts with real clients: a recorded game played part way by an npm
//! socket.io-client observer, the server killed (SIGKILL) or stopped
//! (SIGTERM) and started again on the same replay folder. The match must
//! come back as it was, the observer must be taken back with its secret and
//! play on to the recorded end, and nobody else may take the group code.

mod e2e_support;

use std::process::Child;
use std::time::Duration;

use e2e_support::*;
use serde_json::{Value, json};

const GAME: &str = "game-01-regulation";

struct Run {
    game: Game,
    group: String,
    states: std::path::PathBuf,
    final_idx: usize,
}

impl Run {
    fn new() -> Run {
        let game = game(GAME);
        let group = game.states[0].group_code.clone();
        let states = write_states(&game, &temp_dir("recovery-states"));
        let final_idx = final_index(&game);
        Run {
            game,
            group,
            states,
            final_idx,
        }
    }

    fn frontends(&self, on: &Server, count: usize) -> Frontends {
        Frontends::start_env(on, &self.group, count, &self.states, self.final_idx, &[])
    }

    /// The observer, paused in the middle of the game; it logs on again
    /// with its secret when resumed.
    fn observe(&self, server: &Server) -> Child {
        observe_paused(
            &server.ingest_url(),
            &self.game,
            pause_line(&self.game),
            &[("RELOGON", "1")],
        )
    }

    /// The state a frontend on `server` gets now (it logs on, takes the
    /// first state, and leaves).
    fn current_state(&self, server: &Server) -> usize {
        let probe = self.frontends(server, 1);
        std::thread::sleep(Duration::from_millis(700));
        let got = probe.stop();
        *Frontends::indexes(&got[0]).last().expect("a state") as usize
    }
}

/// An input line past the middle that comes 200 ms or more after the one
/// before it: when the observer pauses there, every event sent before it
/// has been broadcast by a tick, so the state frontends have is the whole
/// state the model holds.
fn pause_line(game: &Game) -> usize {
    let times: Vec<u64> = std::fs::read_to_string(&game.input)
        .expect("input")
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["t"]
                .as_u64()
                .unwrap_or(0)
        })
        .collect();
    (times.len() / 2..times.len())
        .find(|&i| times[i] >= times[i - 1] + 200)
        .expect("a pause in the game's second half")
}

/// The observer's acks after the pause: the one logon with the secret.
fn relogon_acks(observed: &Value) -> Vec<Value> {
    observed["acks"]
        .as_array()
        .expect("acks")
        .iter()
        .filter(|a| a["data"]["reason"] == "reconnected" || a["data"]["value"] == false)
        .cloned()
        .collect()
}

/// A wrong secret for the group code is refused after the restart.
fn assert_wrong_secret_refused(server: &Server, group: &str) {
    let dir = temp_dir("intruder");
    let mut payload = logon(group, "");
    payload["groupSecret"] = json!("NOTTHESECRET");
    let line = json!({"t": 0, "socket": "intruder", "event": "obs_logon", "data": payload});
    let input = dir.join("intruder.input.jsonl");
    std::fs::write(&input, line.to_string()).expect("input");
    let observed = parse_json(&node(
        "e2e_observer.js",
        &[&server.ingest_url(), &input.to_string_lossy()],
        Duration::from_secs(60),
    ));
    let ack = &observed["acks"][0];
    assert_eq!(ack["event"], "obs_logon_ack");
    assert_eq!(ack["data"]["value"], false, "{observed}");
}

/// Wall-clock milliseconds (the clock node's `Date.now()` reads).
fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// How long after `since` (wall-clock ms) a frontend got its next state:
/// across a restart with the game running, the longest it goes without
/// one (the old process sends until it stops).
fn wait_after(frontend: &Value, since: u64) -> Option<u64> {
    frontend["times"]
        .as_array()?
        .iter()
        .filter_map(Value::as_u64)
        .find(|&t| t >= since)
        .map(|t| t - since)
}

#[test]
fn a_killed_server_comes_back_with_its_match_and_its_observer() {
    let run = Run::new();
    let mut server = Server::start(&[]);
    let mut observer = run.observe(&server);
    let before = run.current_state(&server);

    // A torn and a corrupt file beside the real one are survived.
    std::fs::write(
        server.replay_dir.join("Match_TORN_1.replay"),
        b"{\"groupCode\":\"TORN\"",
    )
    .unwrap();
    std::fs::write(
        server.replay_dir.join("Match_TORN_1.recovery"),
        b"{\"groupSecret\":",
    )
    .unwrap();
    std::fs::write(
        server.replay_dir.join("Match_JUNK_1.replay"),
        b"\x00\x01junk",
    )
    .unwrap();
    std::fs::write(
        server.replay_dir.join("Match_JUNK_1.recovery"),
        br#"{"groupSecret":"X","createdMs":1}"#,
    )
    .unwrap();

    server.kill_and_restart();
    server.wait_for_log("recovery: 1 match(es) live again", Duration::from_secs(10));
    assert_eq!(
        run.current_state(&server),
        before,
        "a new frontend's first state is the state before the kill"
    );
    assert_wrong_secret_refused(&server, &run.group);

    let after = run.frontends(&server, 2);
    resume(&mut observer);
    let observed = parse_json(&wait_output(observer, Duration::from_secs(240)));
    let acks = relogon_acks(&observed);
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(acks[0]["data"]["value"], true);
    check_frontends(&run.game, &after.finish(), &run.group, 2);
}

#[test]
fn frontends_and_the_observer_ride_out_a_graceful_restart() {
    let run = Run::new();
    let mut server = Server::start(&[]);
    let fronts = run.frontends(&server, 2);
    let mut observer = run.observe(&server);
    let before = run.current_state(&server);
    let stopped = wall_ms();
    server.stop_and_restart();
    server.wait_for_log("recovery: 1 match(es) live again", Duration::from_secs(10));
    // The frontends reconnect by themselves (socket.io-client's defaults).
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(run.current_state(&server), before);
    resume(&mut observer);
    let observed = parse_json(&wait_output(observer, Duration::from_secs(240)));
    assert_eq!(relogon_acks(&observed).len(), 1);
    let fronts = fronts.finish();
    check_frontends(&run.game, &fronts, &run.group, 2);
    for f in &fronts {
        assert!(f["reconnects"].as_u64() >= Some(1), "{f}");
        let gap = wait_after(f, stopped).expect("a state after the restart");
        eprintln!("a frontend's first state came {gap} ms after SIGTERM");
        assert!(gap < 10_000, "{gap} ms");
    }
}

#[test]
fn an_ended_match_is_not_recovered_but_its_team_info_is() {
    let run = Run::new();
    let mut server = Server::start(&[]);
    let observer = node_spawn(
        "e2e_observer.js",
        &[&server.ingest_url(), &run.game.input.to_string_lossy()],
    );
    parse_json(&wait_output(observer, Duration::from_secs(240)));
    server.kill_and_restart();
    let (_, _, status) = http(
        server.rest,
        "GET /status HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, r#"{"status":"UP","matchesRunning":0}"#);
    let (code, _, info) = http(
        server.rest,
        &format!(
            "GET /getTeamInfoForCode?groupCode={} HTTP/1.1\r\nConnection: close\r\n\r\n",
            run.group
        ),
    );
    assert_eq!(code, 200, "{info}");
    let info: Value = serde_json::from_str(&info).expect("team info");
    assert_eq!(info["leftTeam"]["name"], "Northwind Esports");
}
