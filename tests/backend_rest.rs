//! The REST port's backend routes against a stub backend, over real
//! sockets: requests that need a backend call wait without holding up the
//! reactor, and get the reference's answers.

mod backend_stub;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use backend_stub::{Answer, Stub};
use serde_json::Value;
use spectra_server::backend::{Backend, Options as BackendOptions};
use spectra_server::config::{AuthConfig, BackendConfig};
use spectra_server::eio::Driver;
use spectra_server::hub::Published;
use spectra_server::net::{Options, Reactor};
use spectra_server::rest::{Rest, RestApp, RestConfig};
use spectra_server::sio::{self, EngineConfig};

fn stub() -> Stub {
    Stub::start(|req, _| {
        let target = if req.query.is_empty() {
            req.path.clone()
        } else {
            format!("{}?{}", req.path, req.query)
        };
        match target.as_str() {
            "/system/validateAccessKey/PLUS" => Answer::json(200, r#"{"id":"org7","name":"Org"}"#),
            "/system/validateAccessKey/SLOW" => {
                Answer::json(200, r#"{"id":"org7","name":"Org"}"#).after(Duration::from_millis(800))
            }
            "/system/validateAccessKey/NOPE" => Answer::json(401, "{}"),
            "/supporter/org7" => Answer::json(200, r#"{"isSupporter":true}"#),
            "/tebex/packages/st?extensionId=ex" => Answer::json(200, r#"[{"id":3,"name":"Plus"}]"#),
            "/discord/token" => Answer::json(200, r#"{"token_type":"Bearer","access_token":"AT"}"#),
            "/discord/me" => Answer::json(
                200,
                r#"{"id":"9","username":"neo","avatar":"av","global_name":null}"#,
            ),
            _ => Answer::json(404, "{}"),
        }
    })
}

fn start(base: &str) -> SocketAddr {
    let cfg = BackendConfig {
        use_backend: true,
        backend_url: Some(base.to_owned()),
        backend_token: Some("BT".into()),
        supporter_check_url: Some(format!("{base}/supporter")),
        tebex_base_url: Some(format!("{base}/tebex")),
        tebex_store_id: Some("st".into()),
        tebex_extension_id: Some("ex".into()),
        discord_oauth_url: Some(format!("{base}/discord/token")),
        discord_user_url: Some(format!("{base}/discord/me")),
        spectra_client_deeplink: Some("spectra-client://discord".into()),
        ..Default::default()
    };
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let rest = Rest::new(
            RestConfig {
                auth: AuthConfig {
                    require_auth_key: true,
                    auth_key: Some("LOCAL".into()),
                },
                use_backend: true,
                max_body: 100 * 1024,
            },
            Published::new(),
            std::sync::Arc::new(spectra_server::rest::Readiness::default()),
        );
        let engine = EngineConfig {
            namespaces: vec!["/".to_owned()],
            ..EngineConfig::default()
        };
        let service = Driver::new(sio::Stack::new(
            sio::Server::new(engine),
            RestApp::new(rest),
        ));
        let mut reactor = Reactor::new(service, Options::default()).unwrap();
        let addr = reactor
            .listen("127.0.0.1:0".parse().unwrap(), None)
            .unwrap();
        let workers = Backend::start(cfg, BackendOptions::default()).unwrap();
        let (post, done) = reactor.remote().channel();
        reactor.service().layer.app.set_backend(workers, post, done);
        tx.send(addr).unwrap();
        let _ = reactor.run();
    });
    rx.recv().unwrap()
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

/// Sends raw requests on one connection and reads until it closes.
fn exchange(addr: SocketAddr, raw: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn parse(text: &str) -> Reply {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    parse(&exchange(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    ))
}

#[test]
fn org_for_key_asks_the_backend() {
    let stub = stub();
    let addr = start(&stub.base);
    let ok = get(addr, "/getOrgForKey?key=PLUS");
    assert_eq!(ok.status, 200);
    assert!(ok.headers.contains("access-control-allow-origin: *"));
    let v: Value = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"id":"org7","name":"Org","isSupporter":true})
    );
    let no = get(addr, "/getOrgForKey?key=NOPE");
    assert_eq!((no.status, no.body.as_str()), (401, "401 Unauthorized"));
    // Checked before any call, as in the reference.
    assert_eq!(get(addr, "/getOrgForKey").status, 400);
    // With the backend on, even AUTH_KEY is the backend's to judge.
    assert_eq!(get(addr, "/getOrgForKey?key=LOCAL").status, 401);
}

#[test]
fn a_waiting_request_does_not_hold_up_the_port() {
    let stub = stub();
    let addr = start(&stub.base);
    let slow = std::thread::spawn(move || get(addr, "/getOrgForKey?key=SLOW"));
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    let status = get(addr, "/status");
    assert_eq!(status.status, 200);
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert!(!slow.is_finished(), "the slow check is still waiting");
    assert_eq!(slow.join().unwrap().status, 200);
}

#[test]
fn a_kept_alive_connection_carries_on_after_a_waiting_request() {
    let stub = stub();
    let addr = start(&stub.base);
    let text = exchange(
        addr,
        "GET /getOrgForKey?key=PLUS HTTP/1.1\r\nHost: t\r\n\r\nGET /status HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    let first = text.find("\"id\":\"org7\"").expect("the org answer");
    let second = text.find("\"status\":\"UP\"").expect("the status answer");
    assert!(first < second, "answers in request order");
}

#[test]
fn support_packages_are_fetched_once_then_cached() {
    let stub = stub();
    let addr = start(&stub.base);
    let a = get(addr, "/getSupportPackages");
    assert_eq!(a.status, 200);
    let v: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        v[0]["checkoutUrl"],
        format!("{}/tebex/checkout/st/3?extensionId=ex", stub.base)
    );
    let b = get(addr, "/getSupportPackages");
    assert_eq!(b.body, a.body);
    let fetches = stub
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/tebex"))
        .count();
    assert_eq!(fetches, 1);
}

#[test]
fn discord_callback_links_back_into_the_client() {
    let stub = stub();
    let addr = start(&stub.base);
    let page = get(addr, "/client/oauth-callback?code=C0DE");
    assert_eq!(page.status, 200);
    assert!(
        page.headers
            .contains("content-type: text/html; charset=utf-8")
    );
    assert!(
        page.body
            .contains("spectra-client://discord?userId=9&amp;username=neo&amp;avatar=av")
    );
    assert!(page.body.contains("Welcome, neo!"));
    let token = stub
        .requests()
        .into_iter()
        .find(|r| r.path == "/discord/token")
        .unwrap();
    assert!(String::from_utf8_lossy(&token.body).contains("code=C0DE"));
}

#[test]
fn previews_with_backend_keys() {
    let stub = stub();
    let addr = start(&stub.base);
    let put = |key: &str| {
        let body = format!(
            r#"{{"key":"{key}","previewCode":"ABC123","leftTeam":{{"name":"L","tricode":"L","url":""}},"rightTeam":{{"name":"R","tricode":"R","url":""}},"toolsData":{{}}}}"#
        );
        parse(&exchange(
            addr,
            &format!(
                "PUT /createPreview HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        ))
    };
    let ok = put("PLUS");
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body, r#"{"previewCode":"ABC123"}"#);
    let no = put("NOPE");
    assert_eq!(
        (no.status, no.body.as_str()),
        (403, r#"{"error":"Invalid or expired key"}"#)
    );
    assert_eq!(put("LOCAL").status, 200);
}
