//! The match thread with backend workers against a stub backend: observer
//! logons wait for the key check and are answered when it arrives, supporter
//! status changes the tools fields frontends get, a match's life makes the
//! reference's calls, and a slow backend delays nobody else.

mod backend_stub;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use backend_stub::{Answer, Stub, dead_address, services_config};
use crossbeam_channel::{Receiver, unbounded};
use serde_json::Value;
use spectra_server::backend::{Backend, Bridge, Options};
use spectra_server::game::AuthPolicy;
use spectra_server::http::Method;
use spectra_server::hub::{Command, Hub, IngestEvent, Outputs, Published, ToBroadcast, ToIngest};
use spectra_server::replay::{KeyCheck as ReplayKeyCheck, Record};
use spectra_server::sio::SocketId;

const BASE: u64 = 1_750_000_000_000;

struct Rig {
    hub: Hub,
    ingest: Receiver<ToIngest>,
    broadcast: Receiver<ToBroadcast>,
    from_backend: Receiver<Command>,
    replay: Receiver<Record>,
    clock: u64,
}

fn rig(base: &str, delay_stats: Duration) -> Rig {
    let cfg = services_config(base);
    let (itx, ingest) = unbounded();
    let (btx, broadcast) = unbounded();
    let (ctx, from_backend) = unbounded();
    let (replay_sink, replay) = spectra_server::replay::writer::channel(1 << 16);
    let backend = Backend::start(
        cfg,
        Options {
            workers: 8,
            call_timeout: Duration::from_secs(2),
            ..Options::default()
        },
    )
    .unwrap();
    let bridge = Bridge::new(backend, move |done| {
        let _ = ctx.send(Command::Backend(done));
    })
    .with_stats_delay(delay_stats);
    let hub = Hub::new(
        AuthPolicy {
            require_auth_key: true,
            auth_key: Some("LOCAL".into()),
            use_backend: true,
        },
        true,
        Outputs {
            ingest: Box::new(itx),
            broadcast: vec![Box::new(btx)],
            published: Published::new(),
            replay: Some(replay_sink),
        },
    )
    .with_backend(bridge);
    let mut r = Rig {
        hub,
        ingest,
        broadcast,
        from_backend,
        replay,
        clock: BASE,
    };
    r.tick(0);
    r
}

impl Rig {
    fn tick(&mut self, ms: u64) {
        self.clock += ms;
        self.hub.handle(Command::TestClock {
            socket: SocketId::new(0),
            ms: self.clock,
            ack: None,
        });
    }

    /// Applies the next result from the backend workers.
    fn pump(&mut self) {
        let cmd = self
            .from_backend
            .recv_timeout(Duration::from_secs(10))
            .expect("a backend result");
        assert!(self.hub.handle(cmd));
    }

    fn logon(&mut self, socket: u64, group: &str, key: &str, tools: &str) {
        let msg = format!(
            r#"{{"type":"authenticate","clientVersion":"0.3.20","obsName":"O","key":"{key}","groupCode":"{group}","leftTeam":{{"name":"L","tricode":"L","url":"","attackStart":true}},"rightTeam":{{"name":"R","tricode":"R","url":"","attackStart":false}},"toolsData":{tools}}}"#
        );
        self.hub.handle(Command::event(
            IngestEvent::ObsLogon,
            SocketId::new(socket),
            Some(&msg),
        ));
    }

    fn data(&mut self, socket: u64, group: &str, ty: &str, data: &str) {
        let msg = format!(r#"{{"type":"{ty}","data":{data},"obsName":"O","groupCode":"{group}"}}"#);
        self.hub.handle(Command::event(
            IngestEvent::ObsData,
            SocketId::new(socket),
            Some(&msg),
        ));
    }

    /// The next logon answer (a refusal's disconnect is skipped).
    fn ack(&self) -> Option<(u64, Value)> {
        loop {
            match self.ingest.try_recv() {
                Ok(ToIngest::Emit {
                    socket,
                    event: "obs_logon_ack",
                    payload,
                }) => return Some((socket.get(), serde_json::from_str(&payload).unwrap())),
                Ok(ToIngest::Disconnect { .. }) => {}
                Ok(other) => panic!("{other:?}"),
                Err(_) => return None,
            }
        }
    }

    /// The states broadcast on one send-loop tick, by group.
    fn states(&mut self) -> HashMap<String, Value> {
        self.tick(100);
        let mut found = HashMap::new();
        while let Ok(b) = self.broadcast.try_recv() {
            if let ToBroadcast::State { group, msg } = b {
                let (_, text): (String, String) = serde_json::from_slice(&msg.packet[2..]).unwrap();
                found.insert(group.to_string(), serde_json::from_str(&text).unwrap());
            }
        }
        found
    }

    /// The state broadcast for `group` on the next tick.
    fn state(&mut self, group: &str) -> Value {
        self.states().remove(group).expect("a state for the group")
    }
}

fn stub() -> Stub {
    Stub::start(|req, _| match req.path.as_str() {
        "/system/validateAccessKey/PLUS" => Answer::json(200, r#"{"id":"org7","name":"Org"}"#),
        "/system/validateAccessKey/FREE" => Answer::json(200, r#"{"id":"org8","name":"Free"}"#),
        "/system/validateAccessKey/SLOW" => {
            Answer::json(200, r#"{"id":"org8","name":"Free"}"#).after(Duration::from_millis(300))
        }
        "/system/validateAccessKey/OLD" => Answer::json(403, "{}"),
        "/system/validateAccessKey/NOPE" => Answer::json(401, "{}"),
        "/system/validateAccessKey/BROKEN" => Answer::json(200, "<html>"),
        "/supporter/org7" => Answer::json(200, r#"{"isSupporter":true}"#),
        "/supporter/org8" => Answer::json(200, r#"{"isSupporter":false}"#),
        "/cams/api/getNameOverridesAndPlayercams/cam/sec" => Answer::json(
            200,
            r#"{"nameOverrides":"[[\"p1\",\"Alias\"]]","enabledPlayers":["p1"]}"#,
        ),
        "/stats/fetchPlayerMMR" => Answer::json(200, r#"{"results":[]}"#),
        _ => Answer::json(200, "{}"),
    })
}

fn wait_for(stub: &Stub, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !stub.requests().iter().any(|q| q.path == path) {
        assert!(Instant::now() < deadline, "no {path}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

const TOOLS: &str = r#"{"sponsorInfo":{"enabled":true,"duration":5,"sponsors":["https://s/a.png"]},"watermarkInfo":{"spectraWatermark":false,"customTextEnabled":true,"customText":"hi"},"playercamsInfo":{"enable":true,"removeTricodes":false,"identifier":"cam","secret":"sec","endTime":0,"enabledPlayers":[]}}"#;

#[test]
fn logons_are_answered_when_the_key_check_arrives() {
    let stub = stub();
    let mut r = rig(&stub.base, Duration::from_millis(50));
    for (socket, key) in [(1, "NOPE"), (2, "OLD"), (3, "BROKEN"), (4, "PLUS")] {
        r.logon(socket, &format!("G{socket}"), key, "{}");
        assert_eq!(r.ack(), None, "logon {socket} waits for the backend");
    }
    let mut acks = Vec::new();
    while acks.len() < 4 {
        r.pump();
        while let Some(a) = r.ack() {
            acks.push(a);
        }
    }
    acks.sort_by_key(|(s, _)| *s);
    let reason = |i: usize| acks[i].1["reason"].as_str().unwrap().to_owned();
    assert_eq!(acks[0].1["value"], false);
    assert_eq!(reason(0), "Invalid Key");
    assert_eq!(reason(1), "Expired Key");
    assert_eq!(reason(2), "Unknown Error");
    assert_eq!(acks[3].1["value"], true);
    assert_eq!(reason(3).len(), 12, "a group secret");
    // The replay header records what the backend said.
    let opened: Vec<ReplayKeyCheck> = r
        .replay
        .try_iter()
        .filter_map(|rec| match rec {
            Record::Open { key_check, .. } => Some(key_check),
            _ => None,
        })
        .collect();
    assert_eq!(
        opened,
        vec![ReplayKeyCheck {
            organization_id: Some("org7".into()),
            is_supporter: Some(true)
        }]
    );
    // The local key never reaches the backend.
    let before = stub.requests().len();
    r.logon(5, "G5", "LOCAL", "{}");
    assert_eq!(r.ack().unwrap().1["value"], true);
    assert_eq!(stub.requests().len(), before);
    let local = r.replay.try_iter().find_map(|rec| match rec {
        Record::Open { key_check, .. } => Some(key_check),
        _ => None,
    });
    assert_eq!(local, Some(ReplayKeyCheck::default()));
}

#[test]
fn backend_down_refuses_with_unknown_error() {
    let mut r = rig(&format!("http://{}", dead_address()), Duration::ZERO);
    r.logon(1, "G1", "PLUS", "{}");
    assert_eq!(r.ack(), None);
    r.pump();
    let (_, ack) = r.ack().expect("an answer");
    assert_eq!(ack["value"], false);
    assert_eq!(ack["reason"], "Unknown Error");
    assert!(matches!(
        r.ingest.try_recv(),
        Ok(ToIngest::Disconnect { socket }) if socket == SocketId::new(1)
    ));
}

#[test]
fn supporter_status_changes_the_tools_as_the_reference_does() {
    let stub = stub();
    let mut r = rig(&stub.base, Duration::from_millis(50));
    r.logon(1, "PLUS01", "PLUS", TOOLS);
    r.logon(2, "FREE01", "FREE", TOOLS);
    // Two key checks, then two playercam answers (one per new match).
    for _ in 0..4 {
        r.pump();
    }
    let mut states = r.states();
    let plus = states.remove("PLUS01").unwrap();
    let free = states.remove("FREE01").unwrap();
    assert_eq!(plus["orgIsSupporter"], true);
    assert_eq!(plus["organizationId"], "org7");
    assert_eq!(plus["tools"]["watermarkInfo"]["spectraWatermark"], false);
    assert_eq!(plus["tools"]["watermarkInfo"]["customTextEnabled"], true);
    assert_eq!(
        plus["tools"]["sponsorInfo"]["sponsors"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(free["orgIsSupporter"], false);
    assert_eq!(free["organizationId"], "org8");
    assert_eq!(free["tools"]["watermarkInfo"]["spectraWatermark"], true);
    assert_eq!(free["tools"]["watermarkInfo"]["customTextEnabled"], false);
    let sponsors = free["tools"]["sponsorInfo"]["sponsors"].as_array().unwrap();
    assert_eq!(sponsors.len(), 2);
    assert_eq!(
        sponsors[1],
        "https://auto.valospectra.com/assets/misc/logo.webp"
    );
    // Playercam settings arrived for both.
    assert_eq!(
        plus["tools"]["playercamsInfo"]["enabledPlayers"],
        serde_json::json!(["p1"])
    );
    assert_eq!(
        free["tools"]["nameOverrides"]["overrides"],
        "[[\"p1\",\"Alias\"]]"
    );
    assert!(plus["tools"]["playercamsInfo"].get("secret").is_none());
}

#[test]
fn a_match_registers_updates_and_completes() {
    let stub = stub();
    let mut r = rig(&stub.base, Duration::from_millis(50));
    r.logon(1, "GAME01", "PLUS", TOOLS);
    r.pump(); // key
    r.pump(); // playercams (created)
    r.data(1, "GAME01", "match_start", r#""m-77""#);
    r.pump(); // registered
    r.pump(); // player MMR after the stats calls
    assert_eq!(r.state("GAME01")["isRegistered"], true);
    r.data(
        1,
        "GAME01",
        "round_info",
        r#"{"roundNumber":1,"roundPhase":"shopping"}"#,
    );
    r.pump(); // playercams
    r.data(
        1,
        "GAME01",
        "round_info",
        r#"{"roundNumber":1,"roundPhase":"combat"}"#,
    );
    r.data(
        1,
        "GAME01",
        "round_info",
        r#"{"roundNumber":2,"roundPhase":"shopping"}"#,
    );
    r.pump(); // playercams
    // Update and complete are not ordered among the workers (the reference
    // does not wait for either); rounds are far apart in a real game.
    wait_for(&stub, "/system/match/m-77/update");
    r.data(
        1,
        "GAME01",
        "round_info",
        r#"{"roundNumber":2,"roundPhase":"game_end"}"#,
    );
    wait_for(&stub, "/stats/fetchMatchStats");
    let seen = stub.requests();
    let calls: Vec<(Method, &str)> = seen
        .iter()
        .filter(|q| !q.path.starts_with("/cams") && !q.path.starts_with("/supporter"))
        .map(|q| (q.method, q.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        vec![
            (Method::Get, "/system/validateAccessKey/PLUS"),
            (Method::Post, "/system/match/m-77/register"),
            (Method::Post, "/stats/addMatch"),
            (Method::Post, "/stats/updateMatchRegion"),
            (Method::Post, "/stats/fetchPlayerMMR"),
            (Method::Put, "/system/match/m-77/update"),
            (Method::Put, "/system/match/m-77/complete"),
            (Method::Post, "/stats/fetchMatchStats"),
        ]
    );
    let register = seen.iter().find(|q| q.path.ends_with("/register")).unwrap();
    let body: Value = serde_json::from_slice(&register.body).unwrap();
    assert_eq!(body["match"]["matchId"], "m-77");
    assert_eq!(body["match"]["groupCode"], "GAME01");
    // Unlike frontends, the backend gets the secrets.
    assert_eq!(body["match"]["groupSecret"].as_str().unwrap().len(), 12);
    assert_eq!(body["match"]["tools"]["playercamsInfo"]["secret"], "sec");
    assert_eq!(body["match"]["tools"]["playercamsInfo"]["endTime"], 0);
    let keys: Vec<&String> = body["match"].as_object().unwrap().keys().collect();
    let code_at = keys.iter().position(|k| *k == "groupCode").unwrap();
    assert_eq!(keys[code_at + 1], "groupSecret");
    let add: Value = serde_json::from_slice(
        &seen
            .iter()
            .find(|q| q.path == "/stats/addMatch")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(add, serde_json::json!({"code":"GAME01","matchUuid":"m-77"}));
    let cams = seen.iter().filter(|q| q.path.starts_with("/cams")).count();
    assert_eq!(cams, 3, "at creation and at both shopping phases");
}

#[test]
fn fifty_waiting_logons_do_not_delay_a_running_match() {
    let stub = stub();
    let mut r = rig(&stub.base, Duration::from_millis(50));
    r.logon(1, "LIVE01", "LOCAL", "{}");
    assert_eq!(r.ack().unwrap().1["value"], true);
    r.state("LIVE01");
    let started = Instant::now();
    for socket in 100..150 {
        r.logon(socket, &format!("W{socket}"), "SLOW", "{}");
    }
    // The running match's next change goes out on the next tick.
    r.data(1, "LIVE01", "map", r#""Ascent""#);
    let state = r.state("LIVE01");
    let took = started.elapsed();
    assert_eq!(state["map"], "Ascent");
    assert!(
        took < Duration::from_millis(250),
        "the match thread waited {took:?}"
    );
    assert_eq!(r.ack(), None, "the 50 logons are still waiting");
    let mut answered = 0;
    while answered < 50 {
        r.pump();
        while let Some((_, ack)) = r.ack() {
            assert_eq!(ack["value"], true);
            answered += 1;
        }
    }
}
