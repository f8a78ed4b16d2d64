//! Operating the built server: `/readyz` on the REST port of an origin and
//! of an edge (200 while serving, 503 from the stop signal until exit,
//! `/status` unchanged), no Socket.IO on the REST port (express' 404 page
//! as in the reference), and JSON log lines with `SPECTRA_LOG_FORMAT=json`.

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::*;
use serde_json::Value;

fn get(port: u16, path: &str) -> (u16, String, String) {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    )
}

/// An edge whose Redis is not there: it serves its ports anyway.
fn edge(extra: &[(&'static str, &'static str)]) -> Server {
    let mut env = vec![
        ("SPECTRA_ROLE", "edge"),
        ("SPECTRA_REDIS_URL", "redis://127.0.0.1:1"),
    ];
    env.extend_from_slice(extra);
    Server::start(&env)
}

/// `/readyz` is 200, then 503 from SIGTERM on, through a drain that keeps
/// serving `/status`; a second SIGTERM ends the drain and the process
/// exits 0.
fn readiness_across_a_stop(mut server: Server) {
    assert_eq!(
        get(server.rest, "/readyz").0,
        200,
        "{:?}",
        get(server.rest, "/readyz")
    );
    let (_, _, body) = get(server.rest, "/readyz");
    assert_eq!(body, r#"{"status":"READY"}"#);
    server.sigterm();
    let deadline = Instant::now() + Duration::from_secs(5);
    let stopping = loop {
        let r = get(server.rest, "/readyz");
        if r.0 == 503 || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        (stopping.0, stopping.2.as_str()),
        (503, r#"{"status":"STOPPING"}"#),
        "{stopping:?}"
    );
    // Draining: still serving, still 503.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(server.rest, "/readyz").0, 503);
    let (status, _, body) = get(server.rest, "/status");
    assert_eq!(status, 200);
    assert!(body.starts_with(r#"{"status":"UP""#), "{body}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.broadcast)).is_ok());
    server.wait_for_log("draining for 60 s", Duration::from_secs(1));
    // The drain would last a minute: the second signal ends it.
    let status = server
        .terminate(Duration::from_secs(8))
        .expect("a second SIGTERM stops at once");
    assert!(status.success(), "{status}");
}

#[test]
fn readyz_is_ok_while_serving_and_503_from_the_stop_signal_on() {
    readiness_across_a_stop(Server::start(&[("SPECTRA_DRAIN_SECS", "60")]));
}

#[test]
fn an_edge_has_readyz_too() {
    readiness_across_a_stop(edge(&[("SPECTRA_DRAIN_SECS", "60")]));
}

/// What express answers a route it does not have, for `method` on `path`.
fn assert_express_404(port: u16, method: &str, target: &str, path: &str) {
    let (status, head, body) = http(
        port,
        &format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 404, "{method} {target}: {head}\n{body}");
    assert!(head.contains("X-Powered-By: Express"), "{head}");
    assert!(
        body.contains(&format!("<pre>Cannot {method} {path}</pre>")),
        "{body}"
    );
}

#[test]
fn the_rest_port_has_no_socket_io() {
    let origin = Server::start(&[]);
    let edge = edge(&[]);
    for server in [&origin, &edge] {
        // Socket.IO is on the broadcast port...
        let (status, _, body) = get(server.broadcast, "/socket.io/?EIO=4&transport=polling");
        assert_eq!(status, 200, "{body}");
        assert!(body.starts_with("0{\"sid\""), "{body}");
        // ...and not on the REST port, which answers as for any unknown route.
        for (method, target) in [
            ("GET", "/socket.io/?EIO=4&transport=polling"),
            ("POST", "/socket.io/?EIO=4&transport=polling&sid=x"),
            ("GET", "/socket.io/socket.io.js"),
        ] {
            let path = target.split('?').next().unwrap_or(target);
            assert_express_404(server.rest, method, target, path);
        }
    }
    // The origin's REST routes are still served.
    assert_eq!(get(origin.rest, "/status").0, 200);
}

/// A supervisor may stop the server the moment it reads the ready line:
/// that is a graceful stop (exit 0), never the default death by SIGTERM.
/// The signal handlers were once installed just after that line, and a
/// third of such stops died of the signal.
#[test]
fn a_stop_signal_right_after_the_ready_line_is_a_graceful_stop() {
    for _ in 0..20 {
        let mut server = Server::start(&[]);
        let status = server.terminate(Duration::from_secs(5)).expect("stopped");
        assert!(status.success(), "{status}: {:#?}", server.drain_log());
    }
}

#[test]
fn json_log_lines_are_one_object_each() {
    let mut server = Server::start(&[
        ("SPECTRA_LOG_FORMAT", "json"),
        ("SPECTRA_BROADCAST_PORTS", "6200"),
    ]);
    let status = server.terminate(Duration::from_secs(5)).expect("stopped");
    assert!(status.success(), "{status}");
    std::thread::sleep(Duration::from_millis(100));
    let lines = server.drain_log().to_vec();
    assert!(lines.len() >= 3, "{lines:#?}");
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for r in &records {
        let keys: Vec<&str> = r
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["timestamp", "level", "target", "message"], "{r}");
        assert!(
            r["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{r}"
        );
    }
    let find = |prefix: &str| {
        records
            .iter()
            .find(|r| r["message"].as_str().is_some_and(|m| m.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no message starting {prefix:?}: {records:#?}"))
    };
    assert_eq!(
        find("SPECTRA_BROADCAST_PORTS is not a setting")["level"],
        "WARN"
    );
    let ready = find("ready: ingest");
    assert_eq!(ready["level"], "INFO");
    assert_eq!(ready["target"], "spectra_server::serve");
    find("stopped (signal)");
}
