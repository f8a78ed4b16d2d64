//! The engine driven in memory with a fake clock, following the scenarios of
//! socketio/engine.io-protocol's test suite plus the rules behind them.

use bytes::Bytes;
use proptest::prelude::*;

use super::*;

/// Connection `n`.
fn c(n: usize) -> ConnId {
    ConnId::new(n)
}

const INTERVAL: u64 = 300;
const TIMEOUT: u64 = 200;

fn engine() -> Engine {
    Engine::new(EngineConfig {
        ping_interval_ms: INTERVAL,
        ping_timeout_ms: TIMEOUT,
        path: Some("/engine.io/".into()),
        raw_engine_io: true,
        ..EngineConfig::default()
    })
}

type Query<'a> = &'a [(&'a str, &'a str)];

fn req<'a>(method: Method, query: &[(&str, &'a str)], body: &'a [u8]) -> EngineRequest<'a> {
    let get = |k: &str| query.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    EngineRequest {
        method,
        eio: get("EIO"),
        transport: get("transport"),
        sid: get("sid"),
        upgrade: false,
        binary_content: false,
        body,
    }
}

fn outputs(e: &mut Engine) -> Vec<Output> {
    std::iter::from_fn(|| e.poll_output()).collect()
}

fn payload(o: RequestOutcome) -> String {
    match o {
        RequestOutcome::Payload(b) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("expected a payload, got {other:?}"),
    }
}

fn rejected(o: RequestOutcome) -> RequestError {
    match o {
        RequestOutcome::Reject { error, .. } => error,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Opens a polling session; returns its id and sid.
fn handshake(e: &mut Engine, now: u64) -> (SessionId, String) {
    let body = payload(e.on_request(
        c(1),
        &req(Method::Get, &[("EIO", "4"), ("transport", "polling")], b""),
        now,
    ));
    assert!(body.starts_with('0'), "{body}");
    let v: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap().to_owned();
    let outs = outputs(e);
    let [Output::Opened { session }] = outs[..] else {
        panic!("{outs:?}")
    };
    (session, sid)
}

fn get(e: &mut Engine, conn: usize, sid: &str, now: u64) -> RequestOutcome {
    let conn = c(conn);
    e.on_request(
        conn,
        &req(
            Method::Get,
            &[("EIO", "4"), ("transport", "polling"), ("sid", sid)],
            b"",
        ),
        now,
    )
}

fn post(e: &mut Engine, conn: usize, sid: &str, body: &[u8], now: u64) -> RequestOutcome {
    let conn = c(conn);
    e.on_request(
        conn,
        &req(
            Method::Post,
            &[("EIO", "4"), ("transport", "polling"), ("sid", sid)],
            body,
        ),
        now,
    )
}

fn ws_request<'a>(sid: Option<&'a str>) -> EngineRequest<'a> {
    EngineRequest {
        method: Method::Get,
        eio: Some("4"),
        transport: Some("websocket"),
        sid,
        upgrade: true,
        binary_content: false,
        body: b"",
    }
}

fn text(s: &str) -> Data {
    Data::Text(s.to_owned())
}

fn ws_text(conn: usize, s: &str) -> Output {
    let conn = c(conn);
    Output::WsText {
        conn,
        data: Bytes::copy_from_slice(s.as_bytes()),
    }
}

fn poll_reply(conn: usize, s: &str) -> Output {
    let conn = c(conn);
    Output::PollReply {
        conn,
        body: Bytes::copy_from_slice(s.as_bytes()),
    }
}

/// Sends every received message back, like the protocol suite's echo server.
fn echo(e: &mut Engine, outs: &[Output]) {
    for o in outs {
        if let Output::Message { session, data } = o {
            let packet = match data {
                Data::Text(t) => Outgoing::Text(encode_text(PacketType::Message, t.as_bytes())),
                Data::Binary(b) => Outgoing::Binary(b.clone()),
            };
            e.send(*session, None, packet);
        }
    }
}

#[test]
fn polling_handshake_advertises_the_configuration() {
    let mut e = engine();
    let body = payload(e.on_request(
        c(1),
        &req(Method::Get, &[("EIO", "4"), ("transport", "polling")], b""),
        0,
    ));
    let v: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let obj = v.as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "maxPayload",
            "pingInterval",
            "pingTimeout",
            "sid",
            "upgrades"
        ]
    );
    assert_eq!(v["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(v["pingInterval"], 300);
    assert_eq!(v["pingTimeout"], 200);
    assert_eq!(v["maxPayload"], 1_000_000);
    assert_eq!(v["sid"].as_str().unwrap().len(), 20);
    assert_eq!(e.session_count(), 1);
}

#[test]
fn handshake_errors() {
    let mut e = engine();
    let cases: [(Method, Query, RequestError); 7] = [
        (
            Method::Get,
            &[("transport", "polling")],
            RequestError::UnsupportedProtocolVersion,
        ),
        (
            Method::Get,
            &[("EIO", "abc"), ("transport", "polling")],
            RequestError::UnsupportedProtocolVersion,
        ),
        (
            Method::Get,
            &[("EIO", "3"), ("transport", "polling")],
            RequestError::UnsupportedProtocolVersion,
        ),
        (Method::Get, &[("EIO", "4")], RequestError::UnknownTransport),
        (
            Method::Get,
            &[("EIO", "4"), ("transport", "abc")],
            RequestError::UnknownTransport,
        ),
        (
            Method::Post,
            &[("EIO", "4"), ("transport", "polling")],
            RequestError::BadHandshakeMethod,
        ),
        (
            Method::Get,
            &[("EIO", "4"), ("transport", "websocket")],
            RequestError::WebSocketWithoutUpgrade,
        ),
    ];
    for (method, query, want) in cases {
        assert_eq!(
            rejected(e.on_request(c(1), &req(method, query, b""), 0)),
            want
        );
    }
    assert_eq!(
        rejected(e.on_request(
            c(1),
            &req(
                Method::Other,
                &[("EIO", "4"), ("transport", "polling")],
                b""
            ),
            0
        )),
        RequestError::BadHandshakeMethod
    );
    assert_eq!(
        rejected(get(&mut e, 1, "nope", 0)),
        RequestError::UnknownSid
    );
    let mut upgrade_to_polling = req(Method::Get, &[("EIO", "4"), ("transport", "polling")], b"");
    upgrade_to_polling.upgrade = true;
    assert_eq!(
        e.on_request(c(1), &upgrade_to_polling, 0),
        RequestOutcome::AcceptWebSocket(WsTarget::Refuse)
    );
    assert_eq!(e.session_count(), 0);
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn post_then_poll_one_packet() {
    let mut e = engine();
    let (_, sid) = handshake(&mut e, 0);
    assert_eq!(post(&mut e, 2, &sid, b"4hello", 1), RequestOutcome::Ok);
    let outs = outputs(&mut e);
    assert!(matches!(&outs[..], [Output::Message { data, .. }] if *data == text("hello")));
    echo(&mut e, &outs);
    assert_eq!(payload(get(&mut e, 3, &sid, 2)), "4hello");
}

#[test]
fn several_packets_text_and_binary_round_trip() {
    let mut e = engine();
    let (_, sid) = handshake(&mut e, 0);
    assert_eq!(
        post(&mut e, 2, &sid, b"4test1\x1e4test2\x1ebAQIDBA==", 1),
        RequestOutcome::Ok
    );
    let outs = outputs(&mut e);
    assert_eq!(outs.len(), 3);
    assert!(
        matches!(&outs[2], Output::Message { data: Data::Binary(b), .. } if b[..] == [1, 2, 3, 4])
    );
    echo(&mut e, &outs);
    assert_eq!(
        payload(get(&mut e, 3, &sid, 2)),
        "4test1\x1e4test2\x1ebAQIDBA=="
    );
}

#[test]
fn invalid_packet_closes_the_session() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    let err = rejected(post(&mut e, 2, &sid, b"abc", 1));
    assert_eq!(
        err,
        RequestError::InvalidPayload(DecodeError::UnknownPacketType(b'a'))
    );
    assert!(err.reply(false).close);
    assert_eq!(
        outputs(&mut e),
        [Output::Closed {
            session: id,
            reason: CloseReason::ParseError
        }]
    );
    assert_eq!(rejected(get(&mut e, 3, &sid, 2)), RequestError::UnknownSid);
}

#[test]
fn packets_before_a_bad_record_are_delivered() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    rejected(post(&mut e, 2, &sid, b"4a\x1e9", 1));
    assert_eq!(
        outputs(&mut e),
        [
            Output::Message {
                session: id,
                data: text("a")
            },
            Output::Closed {
                session: id,
                reason: CloseReason::ParseError
            }
        ]
    );
}

#[test]
fn duplicate_poll_closes_the_session() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    assert_eq!(get(&mut e, 2, &sid, 1), RequestOutcome::Parked);
    assert_eq!(rejected(get(&mut e, 3, &sid, 2)), RequestError::PollOverlap);
    assert_eq!(RequestError::PollOverlap.reply(false).status, 400);
    assert_eq!(
        outputs(&mut e),
        [
            poll_reply(2, "1"),
            Output::Closed {
                session: id,
                reason: CloseReason::TransportError
            }
        ]
    );
    assert_eq!(rejected(get(&mut e, 4, &sid, 3)), RequestError::UnknownSid);
}

#[test]
fn polling_heartbeat() {
    let mut e = engine();
    let (_, sid) = handshake(&mut e, 0);
    let mut now = 0;
    for round in 0..3 {
        assert_eq!(get(&mut e, 2, &sid, now), RequestOutcome::Parked);
        assert!(
            e.next_deadline().is_some_and(|d| d <= now + INTERVAL),
            "round {round}"
        );
        e.on_timer(now + INTERVAL - 1);
        assert!(outputs(&mut e).is_empty());
        now += INTERVAL;
        e.on_timer(now);
        assert_eq!(outputs(&mut e), [poll_reply(2, "2")]);
        now += 10;
        assert_eq!(post(&mut e, 3, &sid, b"3", now), RequestOutcome::Ok);
        assert!(outputs(&mut e).is_empty());
    }
    assert_eq!(e.session_count(), 1);
}

#[test]
fn polling_ping_timeout() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    e.on_timer(INTERVAL);
    assert!(outputs(&mut e).is_empty(), "the ping waits for a poll");
    e.on_timer(INTERVAL + TIMEOUT - 1);
    assert!(outputs(&mut e).is_empty());
    e.on_timer(INTERVAL + TIMEOUT);
    assert_eq!(
        outputs(&mut e),
        [Output::Closed {
            session: id,
            reason: CloseReason::PingTimeout
        }]
    );
    assert_eq!(
        rejected(get(&mut e, 2, &sid, INTERVAL + TIMEOUT)),
        RequestError::UnknownSid
    );
    assert_eq!(e.next_deadline(), None);
}

#[test]
fn ping_timeout_answers_a_parked_poll_with_close() {
    let mut e = engine();
    let (_, sid) = handshake(&mut e, 0);
    e.on_timer(INTERVAL);
    assert_eq!(payload(get(&mut e, 2, &sid, INTERVAL)), "2");
    assert_eq!(get(&mut e, 2, &sid, INTERVAL + 1), RequestOutcome::Parked);
    e.on_timer(INTERVAL + TIMEOUT);
    let outs = outputs(&mut e);
    assert_eq!(outs[0], poll_reply(2, "1"));
}

#[test]
fn client_close_packet_releases_the_poll_with_noop() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    assert_eq!(get(&mut e, 2, &sid, 1), RequestOutcome::Parked);
    assert_eq!(post(&mut e, 3, &sid, b"1", 2), RequestOutcome::Ok);
    assert_eq!(
        outputs(&mut e),
        [
            poll_reply(2, "6"),
            Output::Closed {
                session: id,
                reason: CloseReason::TransportClose
            }
        ]
    );
    assert_eq!(rejected(get(&mut e, 2, &sid, 3)), RequestError::UnknownSid);
}

#[test]
fn polling_request_rules() {
    let mut e = engine();
    let (_, sid) = handshake(&mut e, 0);
    let big = vec![b'4'; 1_000_001];
    assert_eq!(
        rejected(post(&mut e, 2, &sid, &big, 1)),
        RequestError::PayloadTooLarge
    );
    assert_eq!(e.session_count(), 1, "an oversized body keeps the session");
    let put = req(
        Method::Other,
        &[("EIO", "4"), ("transport", "polling"), ("sid", &sid)],
        b"",
    );
    assert_eq!(
        rejected(e.on_request(c(2), &put, 1)),
        RequestError::MethodNotAllowed
    );
    let mut plain_ws = req(
        Method::Get,
        &[("EIO", "4"), ("transport", "websocket"), ("sid", &sid)],
        b"",
    );
    assert_eq!(
        rejected(e.on_request(c(2), &plain_ws, 1)),
        RequestError::TransportMismatch
    );
    plain_ws.transport = Some("polling");
    plain_ws.method = Method::Post;
    plain_ws.binary_content = true;
    plain_ws.body = b"4x";
    assert_eq!(
        rejected(e.on_request(c(2), &plain_ws, 1)),
        RequestError::BinaryContent
    );
    assert_eq!(e.session_count(), 0, "binary content closes the session");
}

#[test]
fn a_parked_poll_is_answered_with_everything_sent_in_one_call() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    assert_eq!(get(&mut e, 2, &sid, 1), RequestOutcome::Parked);
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4a")));
    e.send(id, None, Outgoing::Binary(Bytes::from_static(&[1])));
    assert_eq!(outputs(&mut e), [poll_reply(2, "4a\x1ebAQ==")]);
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4b")));
    assert!(outputs(&mut e).is_empty(), "no poll is parked");
    assert_eq!(payload(get(&mut e, 2, &sid, 2)), "4b");
}

#[test]
fn polling_latest_wins() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    e.send(id, Some(7), Outgoing::Text(Bytes::from_static(b"4state1")));
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4event")));
    e.send(id, Some(7), Outgoing::Text(Bytes::from_static(b"4state2")));
    assert_eq!(payload(get(&mut e, 2, &sid, 1)), "4event\x1e4state2");
}

#[test]
fn a_polling_buffer_over_its_limit_closes_the_session() {
    let mut e = Engine::new(EngineConfig {
        max_buffered_bytes: 10,
        ..EngineConfig::default()
    });
    let (id, sid) = handshake(&mut e, 0);
    for _ in 0..5 {
        e.send(id, Some(1), Outgoing::Text(Bytes::from_static(b"4latest")));
    }
    assert!(outputs(&mut e).is_empty(), "latest-wins packets count once");
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4more")));
    assert_eq!(
        outputs(&mut e),
        [Output::Closed {
            session: id,
            reason: CloseReason::TransportError
        }]
    );
    assert_eq!(rejected(get(&mut e, 2, &sid, 1)), RequestError::UnknownSid);
}

#[test]
fn dropped_poll_connection_closes_the_session() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    assert_eq!(get(&mut e, 2, &sid, 1), RequestOutcome::Parked);
    e.on_conn_closed(c(2));
    assert_eq!(
        outputs(&mut e),
        [Output::Closed {
            session: id,
            reason: CloseReason::TransportError
        }]
    );
    e.on_conn_closed(c(99));
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn server_close_with_and_without_a_parked_poll() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    assert_eq!(get(&mut e, 2, &sid, 1), RequestOutcome::Parked);
    e.close(id, 2);
    assert_eq!(
        outputs(&mut e),
        [
            poll_reply(2, "1"),
            Output::Closed {
                session: id,
                reason: CloseReason::ForcedClose
            }
        ]
    );

    let (id, sid) = handshake(&mut e, 10);
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4bye")));
    e.close(id, 11);
    assert_eq!(
        outputs(&mut e),
        [Output::Closed {
            session: id,
            reason: CloseReason::ForcedClose
        }]
    );
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4late")));
    assert_eq!(e.transport(id), None);
    assert_eq!(payload(get(&mut e, 2, &sid, 12)), "4bye\x1e1");
    assert_eq!(rejected(get(&mut e, 2, &sid, 13)), RequestError::UnknownSid);

    // Nobody polls: the closing session is forgotten after the close timeout.
    let (id, _) = handshake(&mut e, 20);
    e.close(id, 21);
    outputs(&mut e);
    e.on_timer(21 + 30_000);
    assert_eq!(e.session_count(), 0);
    assert!(outputs(&mut e).is_empty());
}

fn open_ws(e: &mut Engine, conn: usize, now: u64) -> SessionId {
    let conn = c(conn);
    let RequestOutcome::AcceptWebSocket(WsTarget::New { sid }) =
        e.on_request(conn, &ws_request(None), now)
    else {
        panic!()
    };
    let id = e.open_websocket(conn, sid.clone(), now);
    let outs = outputs(e);
    let Output::WsText { conn: c, data } = &outs[0] else {
        panic!("{outs:?}")
    };
    assert_eq!(*c, conn);
    let v: serde_json::Value = serde_json::from_slice(&data[1..]).unwrap();
    assert_eq!(data[0], b'0');
    assert_eq!(v["sid"], sid.as_str());
    assert_eq!(v["upgrades"], serde_json::json!([]));
    assert_eq!(outs[1], Output::Opened { session: id });
    assert_eq!(e.transport(id), Some(Transport::WebSocket(conn)));
    id
}

#[test]
fn websocket_session_messages_and_echo() {
    let mut e = engine();
    let id = open_ws(&mut e, 5, 0);
    e.on_ws_message(c(5), text("4hello"), 1);
    let outs = outputs(&mut e);
    assert_eq!(
        outs,
        [Output::Message {
            session: id,
            data: text("hello")
        }]
    );
    echo(&mut e, &outs);
    assert_eq!(outputs(&mut e), [ws_text(5, "4hello")]);
    e.on_ws_message(c(5), Data::Binary(Bytes::from_static(&[1, 2, 3, 4])), 2);
    let outs = outputs(&mut e);
    echo(&mut e, &outs);
    assert_eq!(
        outputs(&mut e),
        [Output::WsBinary {
            conn: c(5),
            data: Bytes::from_static(&[1, 2, 3, 4])
        }]
    );
}

#[test]
fn websocket_bad_packets_and_close() {
    for (msg, reason) in [
        ("abc", CloseReason::ParseError),
        ("", CloseReason::ParseError),
        ("1", CloseReason::TransportClose),
        ("2", CloseReason::TransportError),
    ] {
        let mut e = engine();
        let id = open_ws(&mut e, 5, 0);
        e.on_ws_message(c(5), text(msg), 1);
        assert_eq!(
            outputs(&mut e),
            [
                Output::CloseConn { conn: c(5) },
                Output::Closed {
                    session: id,
                    reason
                }
            ],
            "{msg:?}"
        );
        e.on_conn_closed(c(5));
        assert!(outputs(&mut e).is_empty());
    }
}

#[test]
fn websocket_heartbeat_and_timeout() {
    let mut e = engine();
    let id = open_ws(&mut e, 5, 0);
    e.on_timer(INTERVAL);
    assert_eq!(outputs(&mut e), [ws_text(5, "2")]);
    e.on_ws_message(c(5), text("3"), INTERVAL + 50);
    e.on_timer(INTERVAL + TIMEOUT);
    assert!(outputs(&mut e).is_empty(), "the pong cancelled the timeout");
    e.on_timer(2 * INTERVAL + 49);
    assert!(outputs(&mut e).is_empty(), "next ping counts from the pong");
    e.on_timer(2 * INTERVAL + 50);
    assert_eq!(outputs(&mut e), [ws_text(5, "2")]);
    e.on_timer(2 * INTERVAL + 50 + TIMEOUT);
    assert_eq!(
        outputs(&mut e),
        [
            Output::CloseConn { conn: c(5) },
            Output::Closed {
                session: id,
                reason: CloseReason::PingTimeout
            }
        ]
    );
}

#[test]
fn websocket_transport_close() {
    let mut e = engine();
    let id = open_ws(&mut e, 5, 0);
    e.on_conn_closed(c(5));
    assert_eq!(
        outputs(&mut e),
        [Output::Closed {
            session: id,
            reason: CloseReason::TransportClose
        }]
    );
    assert_eq!(
        e.next_deadline(),
        Some(INTERVAL),
        "stale timers are harmless"
    );
    e.on_timer(INTERVAL);
    assert!(outputs(&mut e).is_empty());
    assert_eq!(e.next_deadline(), None);
}

/// Starts an upgrade of a polling session on `ws_conn`.
fn start_upgrade(e: &mut Engine, sid: &str, ws_conn: usize, now: u64) -> SessionId {
    let ws_conn = c(ws_conn);
    let RequestOutcome::AcceptWebSocket(WsTarget::Upgrade(id)) =
        e.on_request(ws_conn, &ws_request(Some(sid)), now)
    else {
        panic!()
    };
    e.begin_upgrade(id, ws_conn, now);
    id
}

#[test]
fn upgrade_dance() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    assert_eq!(get(&mut e, 2, &sid, 1), RequestOutcome::Parked);
    assert_eq!(start_upgrade(&mut e, &sid, 3, 2), id);
    assert!(outputs(&mut e).is_empty());
    e.on_ws_message(c(3), text("2probe"), 3);
    assert_eq!(outputs(&mut e), [ws_text(3, "3probe"), poll_reply(2, "6")]);
    // A poll during the upgrade is held, then released with a noop.
    assert_eq!(get(&mut e, 2, &sid, 4), RequestOutcome::Parked);
    e.on_timer(103);
    assert!(outputs(&mut e).is_empty());
    e.on_timer(104);
    assert_eq!(outputs(&mut e), [poll_reply(2, "6")]);
    // Packets sent before the switch wait in the polling buffer...
    e.send(id, None, Outgoing::Text(Bytes::from_static(b"4queued")));
    e.on_ws_message(c(3), text("5"), 5);
    // ...and go out on the WebSocket once the client sends `5`.
    assert_eq!(
        outputs(&mut e),
        [
            Output::Upgraded {
                session: id,
                conn: c(3)
            },
            ws_text(3, "4queued")
        ]
    );
    assert_eq!(e.transport(id), Some(Transport::WebSocket(c(3))));
    e.on_ws_message(c(3), text("4hello"), 6);
    let outs = outputs(&mut e);
    echo(&mut e, &outs);
    assert_eq!(outputs(&mut e), [ws_text(3, "4hello")]);
    // Polling requests for an upgraded session are errors, and so is a second upgrade.
    assert_eq!(
        rejected(get(&mut e, 2, &sid, 7)),
        RequestError::TransportMismatch
    );
    assert_eq!(
        rejected(post(&mut e, 2, &sid, b"4x", 7)),
        RequestError::TransportMismatch
    );
    assert_eq!(
        e.on_request(c(4), &ws_request(Some(&sid)), 7),
        RequestOutcome::AcceptWebSocket(WsTarget::Refuse)
    );
    // Heartbeat continues on the WebSocket.
    e.on_timer(INTERVAL);
    assert_eq!(outputs(&mut e), [ws_text(3, "2")]);
}

#[test]
fn upgrade_without_probe_releases_the_parked_poll() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    start_upgrade(&mut e, &sid, 3, 1);
    assert_eq!(
        get(&mut e, 2, &sid, 2),
        RequestOutcome::Parked,
        "not probed: held"
    );
    e.on_ws_message(c(3), text("5"), 4);
    assert_eq!(
        outputs(&mut e),
        [
            poll_reply(2, "6"),
            Output::Upgraded {
                session: id,
                conn: c(3)
            }
        ]
    );
    assert_eq!(
        rejected(get(&mut e, 2, &sid, 5)),
        RequestError::TransportMismatch
    );
}

#[test]
fn second_upgrade_while_upgrading_is_refused() {
    let mut e = engine();
    let (_, sid) = handshake(&mut e, 0);
    start_upgrade(&mut e, &sid, 3, 1);
    assert_eq!(
        e.on_request(c(4), &ws_request(Some(&sid)), 2),
        RequestOutcome::AcceptWebSocket(WsTarget::Refuse)
    );
}

#[test]
fn a_poll_held_during_the_probe_is_refused_once_the_upgrade_completes() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    start_upgrade(&mut e, &sid, 3, 1);
    e.on_ws_message(c(3), text("2probe"), 2);
    outputs(&mut e);
    assert_eq!(get(&mut e, 2, &sid, 3), RequestOutcome::Parked);
    e.on_ws_message(c(3), text("5"), 4);
    assert_eq!(
        outputs(&mut e),
        [
            Output::PollReject {
                conn: c(2),
                error: RequestError::TransportMismatch
            },
            Output::Upgraded {
                session: id,
                conn: c(3)
            }
        ]
    );
    e.on_timer(200);
    assert!(outputs(&mut e).is_empty(), "nothing left to release");
}

#[test]
fn bad_probe_traffic_abandons_the_upgrade_only() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    start_upgrade(&mut e, &sid, 3, 1);
    e.on_ws_message(c(3), text("4hello"), 2);
    assert_eq!(outputs(&mut e), [Output::CloseConn { conn: c(3) }]);
    assert_eq!(e.transport(id), Some(Transport::Polling));
    // The session can try again.
    start_upgrade(&mut e, &sid, 4, 3);
    e.on_conn_closed(c(4));
    assert!(outputs(&mut e).is_empty());
    start_upgrade(&mut e, &sid, 5, 4);
    e.on_ws_message(c(5), text("xyz"), 5);
    assert_eq!(outputs(&mut e), [Output::CloseConn { conn: c(5) }]);
    assert_eq!(e.session_count(), 1);
}

#[test]
fn upgrade_timeout_closes_the_probe() {
    let mut e = Engine::new(EngineConfig {
        upgrade_timeout_ms: 100,
        ..EngineConfig::default()
    });
    let (id, sid) = handshake(&mut e, 0);
    start_upgrade(&mut e, &sid, 3, 10);
    assert_eq!(e.next_deadline(), Some(110));
    e.on_timer(110);
    assert_eq!(outputs(&mut e), [Output::CloseConn { conn: c(3) }]);
    assert_eq!(e.transport(id), Some(Transport::Polling));
    e.on_ws_message(c(3), text("5"), 111);
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn closing_a_session_closes_its_probe() {
    let mut e = engine();
    let (id, sid) = handshake(&mut e, 0);
    start_upgrade(&mut e, &sid, 3, 1);
    e.close(id, 2);
    assert_eq!(
        outputs(&mut e),
        [
            Output::CloseConn { conn: c(3) },
            Output::Closed {
                session: id,
                reason: CloseReason::ForcedClose
            }
        ]
    );
}

#[test]
fn upgrade_of_an_unknown_or_vanished_session() {
    let mut e = engine();
    assert_eq!(
        rejected(e.on_request(c(4), &ws_request(Some("nope")), 0)),
        RequestError::UnknownSid
    );
    let r = RequestError::UnknownSid.reply(true);
    assert_eq!((&r.body[..], r.close), (&b"Session ID unknown"[..], true));
    // The session closed between the check and the handshake.
    let (id, sid) = handshake(&mut e, 0);
    let RequestOutcome::AcceptWebSocket(WsTarget::Upgrade(got)) =
        e.on_request(c(3), &ws_request(Some(&sid)), 1)
    else {
        panic!()
    };
    e.close(id, 1);
    outputs(&mut e);
    e.begin_upgrade(got, c(3), 2);
    assert_eq!(outputs(&mut e), [Output::CloseConn { conn: c(3) }]);
}

proptest! {
    #[test]
    fn payload_decoder_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        for p in decode_payload(&body) {
            let _ = p;
        }
    }

    #[test]
    fn text_packets_round_trip(kind in 0u8..7, data in "[^\u{1e}]{0,64}") {
        let kind = PacketType::from_byte(b'0' + kind).unwrap();
        let encoded = encode_text(kind, data.as_bytes());
        let decoded = Packet::decode_text(std::str::from_utf8(&encoded).unwrap()).unwrap();
        prop_assert_eq!(decoded.kind, kind);
        let want = if data.is_empty() { None } else { Some(Data::Text(data.clone())) };
        prop_assert_eq!(decoded.data, want);
    }

    #[test]
    fn binary_round_trips_through_polling(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let rec = encode_binary_polling(&data);
        let got: Vec<_> = decode_payload(&rec).collect();
        prop_assert_eq!(got, vec![Ok(Packet::from_binary(Bytes::from(data)))]);
    }

    /// Arbitrary traffic on every entry point keeps the engine consistent.
    #[test]
    fn engine_survives_arbitrary_traffic(
        steps in proptest::collection::vec(
            (0u8..6, proptest::collection::vec(any::<u8>(), 0..24), 0u64..400),
            1..40,
        )
    ) {
        let mut e = engine();
        let (_, sid) = handshake(&mut e, 0);
        let mut now = 0;
        for (op, bytes, dt) in steps {
            now += dt;
            let s = String::from_utf8_lossy(&bytes).into_owned();
            match op {
                0 => { post(&mut e, 2, &sid, &bytes, now); }
                1 => { get(&mut e, 3, &sid, now); }
                2 => { e.on_ws_message(c(4), Data::Text(s), now); }
                3 => { start_upgrade_if_possible(&mut e, &sid, 4, now); }
                4 => e.on_timer(now),
                _ => e.on_conn_closed(c(3)),
            }
            while let Some(o) = e.poll_output() {
                if let Output::Closed { session, .. } = o {
                    prop_assert_eq!(e.transport(session), None);
                }
            }
        }
    }
}

fn start_upgrade_if_possible(e: &mut Engine, sid: &str, conn: usize, now: u64) {
    let conn = c(conn);
    if let RequestOutcome::AcceptWebSocket(WsTarget::Upgrade(id)) =
        e.on_request(conn, &ws_request(Some(sid)), now)
    {
        e.begin_upgrade(id, conn, now);
    }
}
