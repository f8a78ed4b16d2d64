//! The Socket.IO core against real clients: npm socket.io-client 4.8 (and
//! the `ws` package for raw frames) driving `examples/protocol_peer`.

mod peer;

use peer::{Peer, run_node};

#[test]
fn default_transports_start_on_polling_and_upgrade_to_websocket() {
    let p = Peer::start(&[]);
    run_node("transports.mjs", &["default"], &p.url, &[]);
}

#[test]
fn websocket_only() {
    let p = Peer::start(&[]);
    run_node("transports.mjs", &["websocket"], &p.url, &[]);
}

#[test]
fn polling_only() {
    let p = Peer::start(&[]);
    run_node("transports.mjs", &["polling"], &p.url, &[]);
}

#[test]
fn hundred_kilobyte_messages_cross_compressed_both_ways() {
    let p = Peer::start(&[]);
    run_node("big_deflate.mjs", &[], &p.url, &[]);
}

#[test]
fn a_client_that_stops_answering_pings_is_dropped_in_time() {
    let p = Peer::start(&[("PING_INTERVAL", "300"), ("PING_TIMEOUT", "200")]);
    run_node("heartbeat.mjs", &[], &p.url, &[]);
}

#[test]
fn five_hundred_clients_in_one_room_receive_a_broadcast() {
    // Long heartbeats: 500 node clients on a shared 2-core box must not
    // time out while the others connect.
    let p = Peer::start(&[("PING_INTERVAL", "10000"), ("PING_TIMEOUT", "10000")]);
    run_node("room_broadcast.mjs", &[], &p.url, &[("CLIENTS", "500")]);
}

#[test]
fn the_client_reconnects_after_the_server_closes_its_session() {
    let p = Peer::start(&[]);
    run_node("reconnect.mjs", &[], &p.url, &[]);
}

#[test]
fn raw_engine_io_mode_echoes_over_both_transports() {
    let p = Peer::start(&[("PEER_MODE", "engine.io")]);
    run_node("raw_engine.mjs", &[], &p.url, &[]);
}

#[test]
fn tls_with_a_self_signed_certificate() {
    let dir = std::env::temp_dir().join(format!("protocol-peer-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    let p = Peer::start(&[
        ("SERVER_KEY", key.to_str().unwrap()),
        ("SERVER_CERT", cert.to_str().unwrap()),
    ]);
    assert!(p.url.starts_with("https://"), "{}", p.url);
    run_node("tls.mjs", &[], &p.url, &[]);
    run_node(
        "transports.mjs",
        &["websocket"],
        &p.url,
        &[("PEER_INSECURE", "1")],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
