//! The backend clients against a stub of the external services on loopback:
//! every call's method, path, headers and body, and each failure's outcome.

mod backend_stub;

use std::time::{Duration, Instant};

use backend_stub::{Answer, Stub, collect, dead_address, services_config};
use crossbeam_channel::unbounded;
use serde_json::{Value, json};
use spectra_server::backend::{
    Backend, BackendError, DiscordOutcome, DiscordSignIn, FetchPackages, FetchPlayercams, Job,
    KeyCheck, Options, PackagesOutcome, StatsFetch, StatsMatchStart, SyncKind, SyncMatch,
    ValidateKey, answers,
};
use spectra_server::config::BackendConfig;
use spectra_server::http::{Method, Request};

fn opts() -> Options {
    Options {
        workers: 4,
        queue: 64,
        connect_timeout: Duration::from_millis(500),
        call_timeout: Duration::from_millis(1500),
        get_retries: 1,
        retry_backoff: Duration::from_millis(20),
        max_response_bytes: 64 * 1024,
    }
}

fn cfg(base: &str) -> BackendConfig {
    BackendConfig {
        tebex_base_url: Some(format!("{base}/tebex")),
        tebex_store_id: Some("store1".to_owned()),
        tebex_extension_id: Some("ext1".to_owned()),
        discord_client_id: Some("cid".to_owned()),
        discord_client_secret: Some("csecret".to_owned()),
        discord_redirect_uri: Some("https://srv/client/oauth-callback".to_owned()),
        discord_oauth_url: Some(format!("{base}/discord/token")),
        discord_user_url: Some(format!("{base}/discord/me")),
        spectra_client_deeplink: Some("spectra-client://discord".to_owned()),
        ..services_config(base)
    }
}

/// Runs one job to its outcome through the pool.
fn run<J: Job>(backend: &Backend, job: J) -> J::Output {
    let (tx, rx) = unbounded();
    if let Err(refused) = backend.submit(job, move |out| {
        let _ = tx.send(out);
    }) {
        return refused;
    }
    collect(&rx, 1, Duration::from_secs(10)).remove(0)
}

fn body_json(req: &Request) -> Value {
    serde_json::from_slice(&req.body).expect("request body is JSON")
}

fn target(req: &Request) -> String {
    if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    }
}

#[test]
fn valid_key_asks_backend_then_supporter_check() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/system/validateAccessKey/GOOD-KEY" => {
            Answer::json(200, r#"{"id":"org1","name":"Org One"}"#)
        }
        "/supporter/org1" => Answer::json(200, r#"{"isSupporter":true}"#),
        _ => Answer::json(404, "{}"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let check = run(
        &backend,
        ValidateKey {
            key: "GOOD-KEY".into(),
        },
    );
    assert!(check.is_valid());
    assert!(check.is_supporter());
    let org = check.organization().unwrap();
    assert_eq!(org.match_organization_id(), "org1");
    assert_eq!(
        org.to_json(),
        r#"{"id":"org1","name":"Org One","isSupporter":true}"#
    );

    let seen = stub.requests();
    assert_eq!(seen.len(), 2);
    let v = &seen[0];
    assert_eq!(v.method, Method::Get);
    assert_eq!(v.path, "/system/validateAccessKey/GOOD-KEY");
    assert_eq!(v.header("content-type"), Some("application/json"));
    assert_eq!(v.header("x-user-token"), Some("BT"));
    assert!(v.body.is_empty());
    let s = &seen[1];
    assert_eq!(
        (s.method, s.path.as_str()),
        (Method::Get, "/supporter/org1")
    );
    assert_eq!(s.header("x-user-token"), None);

    // /getOrgForKey's answer from that outcome.
    let r = answers::org_for_key(&check);
    assert_eq!(r.status, 200);
}

#[test]
fn supporter_check_failure_keeps_the_key_valid() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/system/validateAccessKey/K" => Answer::json(200, r#"{"id":"o","name":"n"}"#),
        _ => Answer::json(500, "oops"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let check = run(&backend, ValidateKey { key: "K".into() });
    assert!(check.is_valid());
    assert!(!check.is_supporter());
}

#[test]
fn rejected_expired_and_broken_answers_give_the_reference_reasons() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/system/validateAccessKey/unknown" => Answer::json(401, r#"{"error":"no"}"#),
        "/system/validateAccessKey/old" => Answer::json(403, "{}"),
        "/system/validateAccessKey/boom" => Answer::json(500, "{}"),
        "/system/validateAccessKey/garbled" => Answer::json(200, "{\"id\":"),
        _ => Answer::json(404, "{}"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let reason = |k: &str| run(&backend, ValidateKey { key: k.into() });
    assert_eq!(reason("unknown"), KeyCheck::Invalid);
    assert_eq!(reason("unknown").reason(), "Invalid Key");
    assert_eq!(reason("old").reason(), "Expired Key");
    assert_eq!(reason("boom"), KeyCheck::Failed(BackendError::Status(500)));
    assert_eq!(reason("boom").reason(), "Unknown Error");
    let garbled = reason("garbled");
    assert!(
        matches!(garbled, KeyCheck::Failed(BackendError::MalformedJson(_))),
        "{garbled:?}"
    );
    assert_eq!(garbled.reason(), "Unknown Error");
    assert_eq!(answers::org_for_key(&garbled).status, 401);
    // None of these reached the supporter check.
    assert!(
        stub.requests()
            .iter()
            .all(|r| r.path.starts_with("/system/"))
    );
}

#[test]
fn backend_down_is_an_unknown_error_after_one_retry() {
    let base = format!("http://{}", dead_address());
    let backend = Backend::start(cfg(&base), opts()).unwrap();
    let started = Instant::now();
    let check = run(&backend, ValidateKey { key: "K".into() });
    assert!(
        matches!(check, KeyCheck::Failed(BackendError::Unreachable(_))),
        "{check:?}"
    );
    assert_eq!(check.reason(), "Unknown Error");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn slow_backend_times_out_with_unknown_error() {
    let stub = Stub::start(|_, _| Answer::json(200, r#"{"id":"o"}"#).after(Duration::from_secs(4)));
    let backend = Backend::start(
        cfg(&stub.base),
        Options {
            call_timeout: Duration::from_millis(300),
            ..opts()
        },
    )
    .unwrap();
    let started = Instant::now();
    let check = run(&backend, ValidateKey { key: "K".into() });
    let took = started.elapsed();
    assert!(
        matches!(check, KeyCheck::Failed(BackendError::Timeout(_))),
        "{check:?}"
    );
    assert_eq!(check.reason(), "Unknown Error");
    // A timeout is not retried: one attempt only.
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn gets_are_retried_on_503_but_writes_are_not() {
    let stub = Stub::start(|req, i| match (req.method, i) {
        (Method::Get, 0) => Answer::json(503, "{}"),
        (Method::Get, _) => Answer::json(401, "{}"),
        _ => Answer::json(503, "{}"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    assert_eq!(
        run(&backend, ValidateKey { key: "K".into() }),
        KeyCheck::Invalid
    );
    assert_eq!(stub.requests().len(), 2);
    let out = run(
        &backend,
        SyncMatch {
            kind: SyncKind::Update,
            match_id: "m".into(),
            match_json: "{}".into(),
        },
    );
    assert_eq!(out, Ok(503));
    assert_eq!(stub.requests().len(), 3);
}

#[test]
fn match_register_update_complete_send_the_match() {
    let stub = Stub::start(|req, _| {
        if req.path.ends_with("/complete") {
            Answer::json(500, "{}")
        } else {
            Answer::json(200, "{}")
        }
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let state = r#"{"matchId":"m-42","groupCode":"ABCDEF","groupSecret":"S3","tools":{}}"#;
    for kind in [SyncKind::Register, SyncKind::Update, SyncKind::Complete] {
        let out = run(
            &backend,
            SyncMatch {
                kind,
                match_id: "m-42".into(),
                match_json: state.into(),
            },
        );
        let expect = if kind == SyncKind::Complete { 500 } else { 200 };
        assert_eq!(out, Ok(expect));
    }
    let seen = stub.requests();
    let calls: Vec<(Method, &str)> = seen.iter().map(|r| (r.method, r.path.as_str())).collect();
    assert_eq!(
        calls,
        vec![
            (Method::Post, "/system/match/m-42/register"),
            (Method::Put, "/system/match/m-42/update"),
            (Method::Put, "/system/match/m-42/complete"),
        ]
    );
    for r in &seen {
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("x-user-token"), Some("BT"));
        assert_eq!(
            body_json(r),
            json!({"match": {"matchId":"m-42","groupCode":"ABCDEF","groupSecret":"S3","tools":{}}})
        );
    }
    // An unreachable backend leaves the match unregistered.
    let down = Backend::start(cfg(&format!("http://{}", dead_address())), opts()).unwrap();
    let out = run(
        &down,
        SyncMatch {
            kind: SyncKind::Register,
            match_id: "m".into(),
            match_json: "{}".into(),
        },
    );
    assert!(!spectra_server::backend::registered(&out));
}

#[test]
fn playercams_are_fetched_with_identifier_and_secret() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/cams/api/getNameOverridesAndPlayercams/ident/sec" => Answer::json(
            200,
            r#"{"nameOverrides":"[[\"p1\",\"Alias\"]]","enabledPlayers":["p1","p2"]}"#,
        ),
        _ => Answer::json(200, r#"{"nameOverrides":"[]"}"#),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let got = run(
        &backend,
        FetchPlayercams {
            identifier: "ident".into(),
            secret: "sec".into(),
        },
    )
    .unwrap();
    assert_eq!(got.enabled_players, json!(["p1", "p2"]));
    assert_eq!(got.name_overrides, json!("[[\"p1\",\"Alias\"]]"));
    let bad = run(
        &backend,
        FetchPlayercams {
            identifier: "other".into(),
            secret: "sec".into(),
        },
    );
    assert!(matches!(bad, Err(BackendError::UnexpectedShape(_))));
    let seen = stub.requests();
    assert_eq!(seen[0].method, Method::Get);
    assert!(seen[0].header("x-user-token").is_none());
}

#[test]
fn stats_calls_run_in_order_and_return_tiers() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/stats/addMatch" => Answer::json(201, "{}"),
        "/stats/updateMatchRegion" => Answer::json(500, "{}"),
        "/stats/fetchPlayerMMR" => Answer::json(
            200,
            r#"{"results":[{"puuid":"p1","currentMMRTier":20,"peakMMRTier":24}]}"#,
        ),
        _ => Answer::json(200, "{}"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let tiers = run(
        &backend,
        StatsMatchStart {
            group_code: "ABCDEF".into(),
            match_id: "m-1".into(),
            first_player_id: "p1".into(),
            player_ids: vec!["p1".into(), "p2".into()],
        },
    );
    assert_eq!(tiers.len(), 1);
    assert_eq!(tiers[0].puuid, "p1");
    assert_eq!(
        (tiers[0].current_tier, tiers[0].peak_tier),
        (Some(20.0), Some(24.0))
    );

    let seen = stub.requests();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/stats/addMatch",
            "/stats/updateMatchRegion",
            "/stats/fetchPlayerMMR"
        ]
    );
    for r in &seen {
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("authentication"), Some("ST"));
    }
    assert_eq!(
        body_json(&seen[0]),
        json!({"code":"ABCDEF","matchUuid":"m-1"})
    );
    assert_eq!(
        body_json(&seen[1]),
        json!({"matchUuid":"m-1","accountPuuid":"p1"})
    );
    assert_eq!(
        body_json(&seen[2]),
        json!({"matchUuid":"m-1","accountPuuids":["p1","p2"]})
    );
}

#[test]
fn stats_fetch_is_sent_after_its_delay() {
    let stub = Stub::start(|_, _| Answer::json(200, "{}"));
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let (tx, rx) = unbounded();
    let started = Instant::now();
    backend.submit_after(
        Duration::from_millis(300),
        StatsFetch {
            match_id: "m-9".into(),
        },
        move |ok| {
            let _ = tx.send((ok, started.elapsed()));
        },
    );
    assert!(stub.requests().is_empty());
    let (ok, when) = collect(&rx, 1, Duration::from_secs(5)).remove(0);
    assert!(ok);
    assert!(when >= Duration::from_millis(300), "{when:?}");
    let seen = stub.requests();
    assert_eq!(seen[0].path, "/stats/fetchMatchStats");
    assert_eq!(body_json(&seen[0]), json!({"matchUuid":"m-9"}));
}

#[test]
fn support_packages_get_checkout_links() {
    let stub = Stub::start(|req, _| match target(req).as_str() {
        "/tebex/packages/store1?extensionId=ext1" => {
            Answer::json(200, r#"[{"id":11,"name":"Plus"}]"#)
        }
        _ => Answer::json(404, "{}"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let out = run(&backend, FetchPackages);
    let expect = format!(
        r#"[{{"id":11,"name":"Plus","checkoutUrl":"{}/tebex/checkout/store1/11?extensionId=ext1"}}]"#,
        stub.base
    );
    assert_eq!(out, PackagesOutcome::Fetched(expect));
    assert_eq!(answers::packages(&out).status, 200);

    let mut broken = cfg(&stub.base);
    broken.tebex_store_id = Some("nope".into());
    let backend = Backend::start(broken, opts()).unwrap();
    let out = run(&backend, FetchPackages);
    assert_eq!(out, PackagesOutcome::StoreStatus(404));
    assert_eq!(answers::packages(&out).status, 502);
}

#[test]
fn discord_sign_in_exchanges_the_code_and_links_back() {
    let stub = Stub::start(|req, _| match req.path.as_str() {
        "/discord/token" => Answer::json(200, r#"{"token_type":"Bearer","access_token":"AT"}"#),
        "/discord/me" if req.header("authorization") == Some("Bearer AT") => Answer::json(
            200,
            r#"{"id":"123","username":"neo","avatar":"abc","global_name":"Neo"}"#,
        ),
        _ => Answer::json(401, "{}"),
    });
    let backend = Backend::start(cfg(&stub.base), opts()).unwrap();
    let out = run(
        &backend,
        DiscordSignIn {
            code: Some("C0DE".into()),
        },
    );
    assert_eq!(
        out,
        DiscordOutcome::SignedIn {
            deeplink: "spectra-client://discord?userId=123&username=neo&avatar=abc".into(),
            display_name: "Neo".into()
        }
    );
    let page = answers::oauth_callback(&out);
    assert_eq!(page.status, 200);
    let html = std::str::from_utf8(&page.body).unwrap();
    assert!(html.contains("spectra-client://discord?userId=123&amp;username=neo&amp;avatar=abc"));

    let seen = stub.requests();
    assert_eq!(
        (seen[0].method, seen[0].path.as_str()),
        (Method::Post, "/discord/token")
    );
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        std::str::from_utf8(&seen[0].body).unwrap(),
        "client_id=cid&client_secret=csecret&grant_type=authorization_code&code=C0DE&redirect_uri=https%3A%2F%2Fsrv%2Fclient%2Foauth-callback"
    );
    assert_eq!(seen[1].method, Method::Get);

    // A code Discord refuses: the user request is answered 401, passed on.
    let bad_stub = Stub::start(|req, _| match req.path.as_str() {
        "/discord/token" => Answer::json(400, r#"{"error":"invalid_grant"}"#),
        _ => Answer::json(401, "{}"),
    });
    let backend = Backend::start(cfg(&bad_stub.base), opts()).unwrap();
    let out = run(&backend, DiscordSignIn { code: None });
    assert_eq!(out, DiscordOutcome::UserFetchFailed(401));
    assert_eq!(answers::oauth_callback(&out).status, 401);
    assert_eq!(
        bad_stub.requests()[1].header("authorization"),
        Some("undefined undefined")
    );
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let stub = Stub::start(|_, _| Answer::json(401, "{}"));
    let backend = Backend::start(
        cfg(&stub.base),
        Options {
            workers: 1,
            ..opts()
        },
    )
    .unwrap();
    for _ in 0..5 {
        assert_eq!(
            run(&backend, ValidateKey { key: "K".into() }),
            KeyCheck::Invalid
        );
    }
    assert_eq!(stub.requests().len(), 5);
    assert_eq!(stub.connections(), 1);
}

#[test]
fn fifty_validations_against_a_slow_backend_do_not_block_the_caller() {
    let stub = Stub::start(|req, _| {
        let ok = req.path.ends_with("/even");
        let a = if ok {
            Answer::json(200, r#"{"id":"o","name":"n"}"#)
        } else {
            Answer::json(401, "{}")
        };
        a.after(Duration::from_millis(300))
    });
    let mut c = cfg(&stub.base);
    c.supporter_check_url = None;
    let backend = Backend::start(
        c,
        Options {
            workers: 8,
            ..opts()
        },
    )
    .unwrap();
    let (tx, rx) = unbounded();
    let started = Instant::now();
    for i in 0..50 {
        let tx = tx.clone();
        let key = if i % 2 == 0 { "even" } else { "odd" };
        let submitted = backend.submit(ValidateKey { key: key.into() }, move |check| {
            let _ = tx.send((i, check));
        });
        assert!(submitted.is_ok());
    }
    let submit_time = started.elapsed();
    assert!(
        submit_time < Duration::from_millis(100),
        "submitting took {submit_time:?}"
    );
    assert!(rx.try_recv().is_err(), "no result can be there yet");
    let results = collect(&rx, 50, Duration::from_secs(20));
    for (i, check) in results {
        assert_eq!(check.is_valid(), i % 2 == 0, "logon {i}: {check:?}");
    }
    // 50 calls of 300 ms on 8 workers overlap: well under 50 × 300 ms.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_full_queue_refuses_at_once() {
    let stub = Stub::start(|_, _| Answer::json(401, "{}").after(Duration::from_millis(500)));
    let backend = Backend::start(
        cfg(&stub.base),
        Options {
            workers: 1,
            queue: 1,
            ..opts()
        },
    )
    .unwrap();
    let (tx, rx) = unbounded();
    let mut refused = Vec::new();
    for _ in 0..4 {
        let tx = tx.clone();
        if let Err(out) = backend.submit(ValidateKey { key: "K".into() }, move |c| {
            let _ = tx.send(c);
        }) {
            refused.push(out);
        }
    }
    // One running (maybe still queued), one queued: at least two refused.
    assert!(refused.len() >= 2, "{refused:?}");
    for r in &refused {
        assert_eq!(r, &KeyCheck::Failed(BackendError::QueueFull));
        assert_eq!(r.reason(), "Unknown Error");
    }
    let done = collect(&rx, 4 - refused.len(), Duration::from_secs(5));
    assert!(done.iter().all(|c| *c == KeyCheck::Invalid));
}
