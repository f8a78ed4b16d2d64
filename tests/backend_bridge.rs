//! A match's life through the backend bridge against a stub backend: each
//! moment makes the reference's calls, and results come back through the
//! sink as values for the match thread.

mod backend_stub;

use std::time::Duration;

use backend_stub::{Answer, Stub, collect, services_config};
use crossbeam_channel::unbounded;
use serde_json::json;
use spectra_server::backend::{
    Backend, BackendError, Bridge, Finished, KeyCheck, MatchFacts, Moment, Options, registered,
};
use spectra_server::http::Method;

/// Connection `n`.
fn c(n: u64) -> spectra_server::game::ConnId {
    spectra_server::game::ConnId::new(n)
}

fn opts() -> Options {
    Options {
        workers: 2,
        call_timeout: Duration::from_secs(2),
        ..Options::default()
    }
}

fn stub() -> Stub {
    Stub::start(|req, _| match req.path.as_str() {
        "/system/validateAccessKey/ORG-KEY" => Answer::json(200, r#"{"id":"org7","name":"Org"}"#),
        "/system/validateAccessKey/OLD-KEY" => Answer::json(403, "{}"),
        "/supporter/org7" => Answer::json(200, r#"{"isSupporter":false}"#),
        "/cams/api/getNameOverridesAndPlayercams/cam-id/cam-secret" => {
            Answer::json(200, r#"{"nameOverrides":"[]","enabledPlayers":["p1"]}"#)
        }
        "/stats/fetchPlayerMMR" => Answer::json(
            200,
            r#"{"results":[{"puuid":"p2","currentMMRTier":9,"peakMMRTier":12}]}"#,
        ),
        _ => Answer::json(200, "{}"),
    })
}

fn facts(registered: bool) -> MatchFacts {
    MatchFacts {
        group_code: "ABCDEF".into(),
        match_id: "m-1".into(),
        match_json: r#"{"groupCode":"ABCDEF","matchId":"m-1"}"#.into(),
        playercam_identifier: "cam-id".into(),
        playercam_secret: "cam-secret".into(),
        registered,
    }
}

#[test]
fn logons_get_their_key_check_back_by_connection() {
    let stub = stub();
    let (tx, rx) = unbounded();
    let bridge = Bridge::new(
        Backend::start(services_config(&stub.base), opts()).unwrap(),
        move |f| {
            let _ = tx.send(f);
        },
    );
    assert!(bridge.verify_key(c(11), "ORG-KEY".into()).is_none());
    assert!(bridge.verify_key(c(12), "OLD-KEY".into()).is_none());
    let mut got = collect(&rx, 2, Duration::from_secs(5));
    got.sort_by_key(|f| match f {
        Finished::KeyChecked { conn, .. } => *conn,
        _ => c(0),
    });
    match &got[0] {
        Finished::KeyChecked { conn, check } if *conn == c(11) => {
            assert!(check.is_valid());
            assert!(!check.is_supporter());
            assert_eq!(
                check.organization().unwrap().match_organization_id(),
                "org7"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        got[1],
        Finished::KeyChecked {
            conn: c(12),
            check: KeyCheck::Expired
        }
    );
}

#[test]
fn a_match_life_makes_the_reference_calls() {
    let stub = stub();
    let (tx, rx) = unbounded();
    let bridge = Bridge::new(
        Backend::start(services_config(&stub.base), opts()).unwrap(),
        move |f| {
            let _ = tx.send(f);
        },
    )
    .with_stats_delay(Duration::from_millis(200));

    // Created: playercams.
    assert!(bridge.moment(Moment::Created, &facts(false)).is_empty());
    match collect(&rx, 1, Duration::from_secs(5)).remove(0) {
        Finished::Playercams {
            group_code,
            outcome,
        } => {
            assert_eq!(group_code, "ABCDEF");
            assert_eq!(outcome.unwrap().enabled_players, json!(["p1"]));
        }
        other => panic!("{other:?}"),
    }

    // match_start: register, then the stats calls.
    assert!(bridge.moment(Moment::Started, &facts(false)).is_empty());
    let reg = collect(&rx, 1, Duration::from_secs(5)).remove(0);
    let Finished::Registered {
        group_code,
        outcome,
    } = reg
    else {
        panic!("{reg:?}")
    };
    assert_eq!(group_code, "ABCDEF");
    assert!(registered(&outcome));
    let refused = bridge.registered("ABCDEF", "m-1", "p1".into(), vec!["p1".into(), "p2".into()]);
    assert!(refused.is_none());
    match collect(&rx, 1, Duration::from_secs(5)).remove(0) {
        Finished::PlayerMmr { tiers, .. } => {
            assert_eq!(tiers.len(), 1);
            assert_eq!(tiers[0].puuid, "p2");
        }
        other => panic!("{other:?}"),
    }

    // Shopping in round 1: playercams only; round 2: playercams and update.
    assert!(
        bridge
            .moment(Moment::Shopping { round: 1.0 }, &facts(true))
            .is_empty()
    );
    collect(&rx, 1, Duration::from_secs(5));
    assert!(
        bridge
            .moment(Moment::Shopping { round: 2.0 }, &facts(true))
            .is_empty()
    );
    collect(&rx, 1, Duration::from_secs(5));

    // game_end: complete, then stats fetch after the delay.
    assert!(bridge.moment(Moment::GameEnd, &facts(true)).is_empty());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !stub
        .requests()
        .iter()
        .any(|r| r.path == "/stats/fetchMatchStats")
    {
        assert!(std::time::Instant::now() < deadline, "no fetchMatchStats");
        std::thread::sleep(Duration::from_millis(20));
    }

    let calls: Vec<(Method, String)> = stub
        .requests()
        .iter()
        .map(|r| (r.method, r.path.clone()))
        .collect();
    let m = |p: &str| calls.iter().filter(|(_, path)| path == p).count();
    assert_eq!(
        m("/cams/api/getNameOverridesAndPlayercams/cam-id/cam-secret"),
        3
    );
    assert_eq!(m("/system/match/m-1/register"), 1);
    assert_eq!(m("/system/match/m-1/update"), 1);
    assert_eq!(m("/system/match/m-1/complete"), 1);
    assert_eq!(m("/stats/addMatch"), 1);
    assert_eq!(m("/stats/updateMatchRegion"), 1);
    assert_eq!(m("/stats/fetchPlayerMMR"), 1);
    assert_eq!(m("/stats/fetchMatchStats"), 1);
    let update = stub
        .requests()
        .into_iter()
        .find(|r| r.path == "/system/match/m-1/update")
        .unwrap();
    assert_eq!(update.method, Method::Put);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&update.body).unwrap(),
        json!({"match": {"groupCode":"ABCDEF","matchId":"m-1"}})
    );
}

#[test]
fn refusals_come_back_at_once_and_the_rest_through_the_sink() {
    // One worker, a queue of one, and a backend that never answers in time.
    let stub = Stub::start(|_, _| Answer::json(200, "{}").after(Duration::from_secs(3)));
    let (tx, rx) = unbounded();
    let bridge = Bridge::new(
        Backend::start(
            services_config(&stub.base),
            Options {
                workers: 1,
                queue: 1,
                call_timeout: Duration::from_millis(500),
                ..Options::default()
            },
        )
        .unwrap(),
        move |f| {
            let _ = tx.send(f);
        },
    );
    let mut got: Vec<Finished> = (0..4)
        .filter_map(|n| bridge.verify_key(c(n), "K".into()))
        .collect();
    // Refused ones come back at once; the others through the sink.
    let at_once = got.len();
    got.extend(collect(&rx, 4 - at_once, Duration::from_secs(5)));
    let full = got
        .iter()
        .filter(|f| {
            matches!(
                f,
                Finished::KeyChecked {
                    check: KeyCheck::Failed(BackendError::QueueFull),
                    ..
                }
            )
        })
        .count();
    assert!(full >= 2, "{got:?}");
    assert!(got.iter().all(
        |f| matches!(f, Finished::KeyChecked { check, .. } if check.reason() == "Unknown Error")
    ));
}
