//! The match thread's logic, driven directly (no sockets, no thread): with
//! the test clock, recorded games must come out as exactly the broadcasts
//! the reference's send loop made.

use super::*;
use crate::json::js_json;
use crossbeam_channel::Receiver;
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;

const BASE: u64 = 1_750_000_000_000;

struct Rig {
    hub: Hub,
    ingest: Receiver<ToIngest>,
    broadcast: Receiver<ToBroadcast>,
    replay: Receiver<Record>,
    published: Arc<Published>,
}

fn rig(auth: AuthPolicy) -> Rig {
    let (itx, ingest) = crossbeam_channel::unbounded();
    let (btx, broadcast) = crossbeam_channel::unbounded();
    let (sink, replay) = replay::writer::channel(1 << 20);
    let published = Published::new();
    let hub = Hub::new(
        auth,
        true,
        Outputs {
            ingest: Box::new(itx),
            broadcast: vec![Box::new(btx)],
            published: published.clone(),
            replay: Some(sink),
        },
    );
    Rig {
        hub,
        ingest,
        broadcast,
        replay,
        published,
    }
}

fn open_auth() -> AuthPolicy {
    AuthPolicy {
        require_auth_key: false,
        auth_key: None,
        use_backend: false,
    }
}

fn conformance(name: &str) -> PathBuf {
    spectra_recordings::recordings_dir()
        .expect("../shared/conformance next to the repository")
        .join(name)
}

fn read(path: &PathBuf) -> String {
    let gz = PathBuf::from(format!("{}.gz", path.display()));
    if path.exists() {
        std::fs::read_to_string(path).expect("read")
    } else {
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&gz).expect("open gz"))
            .read_to_string(&mut s)
            .expect("gunzip");
        s
    }
}

/// Feeds a recorded game's inputs through the hub as the ingest reactor
/// would, with the clock set before each line; returns the states broadcast.
fn play(rig: &mut Rig, name: &str) -> Vec<String> {
    play_lines(rig, name, None)
}

/// [`play`], stopping before input line `stop` when given (the clock does
/// not go on after it then).
fn play_lines(rig: &mut Rig, name: &str, stop: Option<usize>) -> Vec<String> {
    let input = read(&conformance(&format!("{name}.input.jsonl")));
    let mut ids: HashMap<String, SocketId> = HashMap::new();
    let mut closed: Vec<SocketId> = Vec::new();
    let mut secret: Option<String> = None;
    let mut states = Vec::new();
    let mut last_t = 0;
    let mut drain = |rig: &mut Rig, closed: &mut Vec<SocketId>, secret: &mut Option<String>| {
        while let Ok(msg) = rig.ingest.try_recv() {
            match msg {
                ToIngest::Emit {
                    payload,
                    event: "obs_logon_ack",
                    ..
                } => {
                    let v: Value = serde_json::from_str(&payload).unwrap();
                    if v["value"] == true && secret.is_none() && v["reason"] != "reconnected" {
                        *secret = v["reason"].as_str().map(str::to_owned);
                    }
                }
                ToIngest::Disconnect { socket } => closed.push(socket),
                _ => {}
            }
        }
        while let Ok(out) = rig.broadcast.try_recv() {
            if let ToBroadcast::State { msg, .. } = out {
                states.push(match_data::state_of(&msg.packet));
            }
        }
    };
    for (n, line) in input.lines().filter(|l| !l.is_empty()).enumerate() {
        if Some(n) == stop {
            drain(rig, &mut closed, &mut secret);
            return states;
        }
        let v: Value = serde_json::from_str(line).unwrap();
        let t = v["t"].as_u64().unwrap();
        last_t = t;
        let n = SocketId::new(ids.len() as u64 + 1);
        let socket = *ids
            .entry(v["socket"].as_str().unwrap().to_owned())
            .or_insert(n);
        assert!(rig.hub.handle(Command::TestClock {
            socket,
            ms: BASE + t,
            ack: None
        }));
        drain(rig, &mut closed, &mut secret);
        if closed.contains(&socket) {
            continue;
        }
        let mut text = match v.get("raw") {
            Some(raw) => raw.as_str().unwrap().to_owned(),
            None => js_json::to_string(&v["data"]),
        };
        if let Some(s) = &secret {
            text = text.replace("$GROUP_SECRET", s);
        }
        let name = v["event"].as_str().unwrap();
        let cmd = match IngestEvent::from_name(name) {
            Some(event) => Command::event(event, socket, Some(&text)),
            None if name == "disconnect" => {
                closed.push(socket);
                Command::IngestClosed { socket }
            }
            None => panic!("unknown event {name}"),
        };
        assert!(rig.hub.handle(cmd));
        drain(rig, &mut closed, &mut secret);
    }
    rig.hub.handle(Command::TestClock {
        socket: SocketId::new(0),
        ms: BASE + last_t + 10 * 60 * 1000,
        ack: None,
    });
    drain(rig, &mut closed, &mut secret);
    states
}

/// The states the reference's send loop emitted, in order.
fn recorded_broadcasts(name: &str) -> Vec<String> {
    let expected: Vec<String> = read(&conformance(&format!("{name}.expected.jsonl")))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let at = l.find("\"state\":").unwrap() + 8;
            l[at..l.len() - 1].to_owned()
        })
        .collect();
    read(&conformance(&format!("{name}.broadcasts.jsonl")))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            expected[v["line"].as_u64().unwrap() as usize].clone()
        })
        .collect()
}

fn assert_same_broadcasts(name: &str) -> Rig {
    let mut r = rig(open_auth());
    let got = play(&mut r, name);
    let want = recorded_broadcasts(name);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(g == w, "{name}: broadcast {i} differs");
    }
    assert_eq!(got.len(), want.len(), "{name}: number of broadcasts");
    r
}

#[test]
fn a_full_game_broadcasts_exactly_what_the_reference_broadcast() {
    let r = assert_same_broadcasts("game-01-regulation");
    assert_eq!(r.published.matches_running(), 0, "the game ended");
    let info = r.published.team_info("GF2MAP").expect("team info kept");
    assert_eq!(
        &*info,
        concat!(
            r#"{"leftTeam":{"name":"Northwind Esports","tricode":"NWE","url":"https://cdn.example.org/logos/nwe.png","attackStart":true},"#,
            r#""rightTeam":{"name":"Crimson Vault","tricode":"CRV","url":"https://cdn.example.org/logos/crv.png","attackStart":false},"#,
            r#""higherScore":0,"#,
            r#""tournamentInfo":{"logoUrl":"https://cdn.example.org/event/logo.png","backdropUrl":"https://cdn.example.org/event/bg.png","timeoutDuration":60,"showMappool":true},"#,
            r#""sponsorInfo":{"enabled":false,"duration":5000,"sponsors":[]},"isSupporter":false}"#,
        )
    );
}

#[test]
fn auxiliary_clients_and_timers_broadcast_what_the_reference_broadcast() {
    assert_same_broadcasts("game-03-aux-and-tools");
    assert_same_broadcasts("edge/edge-09-timers");
    assert_same_broadcasts("edge/edge-07-idle-removal");
}

#[test]
fn every_accepted_event_is_recorded_for_the_replay_log() {
    let mut r = rig(open_auth());
    play(&mut r, "game-03-aux-and-tools");
    let records: Vec<Record> = r.replay.try_iter().collect();
    let Some(Record::Open {
        name,
        start_ms,
        logon_json,
        ..
    }) = records.first()
    else {
        panic!("first record opens the file: {:?}", records.first());
    };
    assert!(name.starts_with("Match_") && name.ends_with(&format!("_{start_ms}.replay")));
    assert!(
        logon_json.contains("\"type\":\"authenticate\""),
        "{logon_json}"
    );
    let events: usize = records
        .iter()
        .map(|r| match r {
            Record::Events(list) => list.len(),
            _ => 0,
        })
        .sum();
    let input = read(&conformance("game-03-aux-and-tools.input.jsonl"));
    let data_lines = input
        .lines()
        .filter(|l| l.contains("\"event\":\"obs_data\"") || l.contains("\"event\":\"aux_data\""))
        .count();
    assert!(
        events > 0 && events <= data_lines,
        "{events} of {data_lines}"
    );
    assert!(matches!(records.last(), Some(Record::Close { .. })));
}

fn logon(group: &str) -> Option<String> {
    Some(format!(
        r#"{{"type":"authenticate","clientVersion":"0.3.20","obsName":"O","key":"K","groupCode":"{group}","leftTeam":{{"name":"L","tricode":"L","url":"","attackStart":true}},"rightTeam":{{"name":"R","tricode":"R","url":"","attackStart":false}},"toolsData":{{}}}}"#
    ))
}

/// Open logons at `BASE`: socket 1 opens match `a`, socket 2 match `b`.
fn two_matches(a: &str, b: &str) -> Rig {
    let mut r = rig(open_auth());
    r.hub.handle(Command::TestClock {
        socket: SocketId::new(1),
        ms: BASE,
        ack: None,
    });
    for (socket, code) in [(1, a), (2, b)] {
        r.hub.handle(Command::event(
            IngestEvent::ObsLogon,
            SocketId::new(socket),
            logon(code).as_deref(),
        ));
    }
    r
}

#[test]
fn logons_are_acked_and_keys_checked() {
    let mut r = rig(AuthPolicy {
        require_auth_key: true,
        auth_key: Some("K".into()),
        use_backend: false,
    });
    r.hub.handle(Command::TestClock {
        socket: SocketId::new(1),
        ms: BASE,
        ack: Some(7),
    });
    assert_eq!(
        r.ingest.try_recv(),
        Ok(ToIngest::Ack {
            socket: SocketId::new(1),
            ack: 7
        })
    );
    r.hub.handle(Command::event(
        IngestEvent::ObsLogon,
        SocketId::new(1),
        logon("G1").as_deref(),
    ));
    match r.ingest.try_recv() {
        Ok(ToIngest::Emit {
            socket,
            event: "obs_logon_ack",
            payload,
        }) if socket == SocketId::new(1) => {
            assert!(
                payload.starts_with(r#"{"type":"authenticate","value":true,"reason":""#),
                "{payload}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.published.matches_running(), 1);
    let bad = logon("G2").map(|s| s.replace("\"key\":\"K\"", "\"key\":\"X\""));
    r.hub.handle(Command::event(
        IngestEvent::ObsLogon,
        SocketId::new(2),
        bad.as_deref(),
    ));
    assert_eq!(
        r.ingest.try_recv(),
        Ok(ToIngest::Emit {
            socket: SocketId::new(2),
            event: "obs_logon_ack",
            payload: r#"{"type":"authenticate","value":false,"reason":"Invalid Key"}"#.into()
        })
    );
    assert_eq!(
        r.ingest.try_recv(),
        Ok(ToIngest::Disconnect {
            socket: SocketId::new(2)
        })
    );
    // The first tick broadcasts the new match's state once.
    r.hub.handle(Command::TestClock {
        socket: SocketId::new(1),
        ms: BASE + 100,
        ack: None,
    });
    let Ok(ToBroadcast::State { group, .. }) = r.broadcast.try_recv() else {
        panic!("a state")
    };
    assert_eq!(&*group, "G1");
    r.hub.handle(Command::TestClock {
        socket: SocketId::new(1),
        ms: BASE + 200,
        ack: None,
    });
    assert!(
        r.broadcast.try_recv().is_err(),
        "nothing changed, nothing sent"
    );
}

/// The group codes of the replay events recorded since the last call, in
/// order; `groups` keeps each file's group, read from its name.
fn replay_events(r: &Rig, groups: &mut HashMap<FileId, String>) -> Vec<String> {
    let mut events = Vec::new();
    for rec in r.replay.try_iter() {
        match rec {
            Record::Open { file, name, .. } => {
                groups.insert(file, name.split('_').nth(1).unwrap_or("").to_owned());
            }
            Record::Events(list) => {
                events.extend(list.iter().map(|((file, _), _)| groups[&file].clone()))
            }
            Record::Close { file, .. } => events.push(format!("close {}", groups[&file])),
            Record::Resume { .. } => {}
        }
    }
    events
}

#[test]
fn the_replay_log_takes_each_event_a_match_was_handed_even_when_its_data_is_wrong() {
    let mut r = two_matches("A1", "B2");
    let mut files = HashMap::new();
    let data = |socket: SocketId, event: IngestEvent, payload: &str| {
        Command::event(event, socket, Some(payload))
    };
    for (socket, code) in [(1, "A1"), (2, "B2")] {
        let start =
            format!(r#"{{"obsName":"O","groupCode":"{code}","type":"match_start","data":"M"}}"#);
        r.hub
            .handle(data(SocketId::new(socket), IngestEvent::ObsData, &start));
    }
    let aux = r#"{"type":"aux_authenticate","clientVersion":"0.3.20","playerId":"P","matchId":"M","name":"P"}"#;
    r.hub
        .handle(data(SocketId::new(3), IngestEvent::AuxLogon, aux));
    assert_eq!(replay_events(&r, &mut files), ["A1", "B2"]);
    for payload in [
        // Wrong data for its type: handed over, then refused by the match.
        r#"{"obsName":"O","groupCode":"A1","type":"score","data":"x"}"#,
        // A type the reference does not know.
        r#"{"obsName":"O","groupCode":"A1","type":"nonsense","data":1}"#,
        // Not authed data (no type): never handed to a match.
        r#"{"obsName":"O","groupCode":"A1","data":1}"#,
        // Another connection's group.
        r#"{"obsName":"O","groupCode":"B2","type":"map","data":"Ascent"}"#,
        // A group code that is not a string names no match.
        r#"{"obsName":"O","groupCode":1,"type":"map","data":"Ascent"}"#,
    ] {
        r.hub
            .handle(data(SocketId::new(1), IngestEvent::ObsData, payload));
    }
    assert_eq!(replay_events(&r, &mut files), ["A1", "A1"]);
    for payload in [
        // Every match with that match id.
        r#"{"playerId":"P","matchId":"M","type":"aux_health","data":50}"#,
        // A match id that is not a string: the model applies it nowhere.
        r#"{"playerId":"P","matchId":7,"type":"aux_health","data":50}"#,
        r#"{"playerId":"P","matchId":"X","type":"aux_health","data":50}"#,
    ] {
        r.hub
            .handle(data(SocketId::new(3), IngestEvent::AuxData, payload));
    }
    assert_eq!(replay_events(&r, &mut files), ["A1", "B2"]);
}

#[test]
fn data_naming_another_group_changes_nothing_and_is_not_logged() {
    let mut r = two_matches("A1", "B2");
    r.hub.handle(Command::TestClock {
        socket: SocketId::new(1),
        ms: BASE + 100,
        ack: None,
    });
    let before = r.broadcast.try_iter().count();
    assert_eq!(before, 2);
    r.hub.handle(Command::event(
        IngestEvent::ObsData,
        SocketId::new(1),
        Some(r#"{"obsName":"O","groupCode":"B2","type":"map","data":"Ascent"}"#),
    ));
    r.hub.handle(Command::TestClock {
        socket: SocketId::new(1),
        ms: BASE + 300,
        ack: None,
    });
    assert_eq!(r.broadcast.try_iter().count(), 0, "no match changed");
    assert!(
        !r.replay
            .try_iter()
            .any(|rec| matches!(rec, Record::Events(_))),
        "the foreign event is not logged"
    );
}

#[test]
fn shutdown_closes_every_replay_file() {
    let mut r = two_matches("S1", "S2");
    assert!(!r.hub.handle(Command::Shutdown));
    let records: Vec<Record> = r.replay.try_iter().collect();
    let opened = records
        .iter()
        .filter(|x| matches!(x, Record::Open { .. }))
        .count();
    let closed = records
        .iter()
        .filter(|x| matches!(x, Record::Close { .. }))
        .count();
    assert_eq!((opened, closed), (2, 2));
}

/// A hub whose replay records go to real files in `dir`.
fn rig_writing(dir: &std::path::Path) -> (Rig, replay::ReplayWriter) {
    let mut r = rig(open_auth());
    let (sink, writer) = replay::spawn(dir.to_owned(), 1 << 16).unwrap();
    r.hub.out.replay = Some(sink);
    (r, writer)
}

#[test]
fn a_match_cut_off_mid_game_comes_back_as_it_was() {
    let dir = std::env::temp_dir().join(format!("spectra-hub-recovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let name = "game-01-regulation";
    let lines = read(&conformance(&format!("{name}.input.jsonl")))
        .lines()
        .count();
    let cut = lines / 2;
    let (mut before, writer) = rig_writing(&dir);
    play_lines(&mut before, name, Some(cut));
    // Everything accepted, broadcast yet or not (the next tick would).
    let code = before.hub.registry.group_codes().next().unwrap().to_owned();
    let mut last = Vec::new();
    assert!(before.hub.registry.write_state(&code, &mut last));
    let last = String::from_utf8(last).unwrap();
    // A crash: the hub is gone without closing its files; the writer has
    // written what it was given.
    drop(before);
    writer.join();

    let (mut after, writer) = rig_writing(&dir);
    let now = replay::recovery::wall_clock_ms();
    let found = replay::recovery::scan(&dir, now, crate::game::IDLE_REMOVAL_MS, 3_600_000);
    assert_eq!((found.live.len(), found.problems), (1, 0));
    let done = after.hub.recover(&found, now);
    assert_eq!(done.matches, 1);
    assert!(done.events > 100, "{done:?}");
    let first = match after.broadcast.try_recv() {
        Ok(ToBroadcast::State { msg, .. }) => match_data::state_of(&msg.packet),
        other => panic!("{other:?}"),
    };
    assert!(
        first == last,
        "the recovered state is the state before the crash"
    );
    assert_eq!(after.published.matches_running(), 1);
    drop(after);
    writer.join();
    let _ = std::fs::remove_dir_all(&dir);
}
