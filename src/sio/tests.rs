//! The Server driven purely in memory with a fake clock: HTTP requests and
//! WebSocket messages in, actions out.

use std::sync::Arc;

use bytes::Bytes;
use flate2::{Decompress, FlushDecompress};
use proptest::prelude::*;

use super::*;

/// Connection `n`.
fn c(n: usize) -> ConnId {
    ConnId::new(n)
}
use crate::eio::{Action as Net, HttpOutcome};

/// The network side's calls, made on the server's transport.
trait Drive {
    fn on_http(&mut self, conn: ConnId, req: Request, now: u64) -> HttpOutcome;
    fn on_ws_message(&mut self, conn: ConnId, msg: Message, now: u64);
    fn on_conn_closed(&mut self, conn: ConnId, now: u64);
}

impl Drive for Server {
    fn on_http(&mut self, conn: ConnId, req: Request, now: u64) -> HttpOutcome {
        self.transport().on_http(conn, None, req, now)
    }

    fn on_ws_message(&mut self, conn: ConnId, msg: Message, now: u64) {
        self.transport().on_ws_message(conn, msg, now)
    }

    fn on_conn_closed(&mut self, conn: ConnId, now: u64) {
        self.transport().on_conn_closed(conn, now)
    }
}
use crate::eio::Data;
use crate::http::{Method, Request};
use crate::ws::{Deflater, Message};

fn cfg() -> EngineConfig {
    EngineConfig {
        ping_interval_ms: 300,
        ping_timeout_ms: 200,
        namespaces: vec!["/".into(), "/custom".into()],
        ..EngineConfig::default()
    }
}

fn request(method: Method, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Request {
        method,
        path: path.into(),
        query: query.into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: Bytes::copy_from_slice(body),
        http10: false,
    }
}

fn ws_request(target: &str, deflate: bool) -> Request {
    crate::ws::client::upgrade_request(target, deflate)
}

fn actions(srv: &mut Server) -> Vec<Action> {
    std::iter::from_fn(|| srv.poll_action()).collect()
}

fn respond(o: HttpOutcome) -> Response {
    match o {
        HttpOutcome::Respond(r) => r,
        other => panic!("expected a response, got {other:?}"),
    }
}

use crate::http::Response;

fn body(r: &Response) -> String {
    String::from_utf8(r.body.to_vec()).unwrap()
}

/// A server frame: (opcode, rsv1, payload inflated when compressed).
type Frame = (u8, bool, Vec<u8>);

fn parse_frame(frame: &[u8]) -> Frame {
    let opcode = frame[0] & 0x0f;
    let rsv1 = frame[0] & 0x40 != 0;
    assert_eq!(frame[1] & 0x80, 0, "server frames are unmasked");
    let (len, start) = match frame[1] & 0x7f {
        126 => (u16::from_be_bytes([frame[2], frame[3]]) as usize, 4),
        127 => (
            u64::from_be_bytes(frame[2..10].try_into().unwrap()) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let payload = &frame[start..start + len];
    assert_eq!(frame.len(), start + len);
    if !rsv1 {
        return (opcode, false, payload.to_vec());
    }
    let mut input = payload.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut d = Decompress::new(false);
    let mut out = Vec::with_capacity(1 << 20);
    d.decompress_vec(&input, &mut out, FlushDecompress::Sync)
        .unwrap();
    (opcode, true, out)
}

fn frame_text(frame: &[u8]) -> String {
    let (op, _, p) = parse_frame(frame);
    assert_eq!(op, 1);
    String::from_utf8(p).unwrap()
}

/// The texts of every WsFrame for `conn` among `acts`.
fn texts_for(acts: &[Action], conn: ConnId) -> Vec<String> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Transport(Net::WsFrame { conn: c, frame })
                if *c == conn && frame[0] & 0x0f == 1 =>
            {
                Some(frame_text(frame))
            }
            _ => None,
        })
        .collect()
}

fn app_events(acts: &[Action]) -> Vec<AppEvent> {
    acts.iter()
        .filter_map(|a| match a {
            Action::App(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// Opens a WebSocket-only session on `conn`; returns the eio sid.
fn open_ws(srv: &mut Server, conn: ConnId, deflate: bool, now: u64) -> String {
    let out = srv.on_http(
        conn,
        ws_request("/socket.io/?EIO=4&transport=websocket", deflate),
        now,
    );
    let HttpOutcome::Upgrade {
        response,
        deflate: d,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(response.status, 101);
    assert_eq!(d.is_some(), deflate);
    let acts = actions(srv);
    let texts = texts_for(&acts, conn);
    assert_eq!(texts.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&texts[0][1..]).unwrap();
    assert_eq!(v["upgrades"], serde_json::json!([]));
    v["sid"].as_str().unwrap().to_owned()
}

fn ws_send(srv: &mut Server, conn: ConnId, text: &str, now: u64) -> Vec<Action> {
    srv.on_ws_message(conn, Message::Text(text.into()), now);
    actions(srv)
}

/// Opens a WebSocket session and connects it to `nsp`; returns the socket.
fn connect_ws(srv: &mut Server, conn: ConnId, deflate: bool, now: u64) -> SocketId {
    open_ws(srv, conn, deflate, now);
    let acts = ws_send(srv, conn, "40", now);
    let texts = texts_for(&acts, conn);
    assert!(texts[0].starts_with(r#"40{"sid":""#), "{texts:?}");
    match app_events(&acts)[..] {
        [AppEvent::Connect { socket, .. }] => socket,
        ref other => panic!("{other:?}"),
    }
}

fn polling_get(srv: &mut Server, conn: ConnId, sid: &str, now: u64) -> HttpOutcome {
    srv.on_http(
        conn,
        request(
            Method::Get,
            &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
            &[],
            b"",
        ),
        now,
    )
}

fn polling_post(srv: &mut Server, conn: ConnId, sid: &str, body: &str, now: u64) -> Response {
    respond(srv.on_http(
        conn,
        request(
            Method::Post,
            &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
            &[("content-type", "text/plain;charset=UTF-8")],
            body.as_bytes(),
        ),
        now,
    ))
}

fn polling_handshake(srv: &mut Server, now: u64) -> String {
    let r = respond(srv.on_http(
        c(1),
        request(
            Method::Get,
            "/socket.io/?EIO=4&transport=polling&t=abc",
            &[("user-agent", "test")],
            b"",
        ),
        now,
    ));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.get_header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
    let b = body(&r);
    let v: serde_json::Value = serde_json::from_str(&b[1..]).unwrap();
    assert_eq!(v["upgrades"], serde_json::json!(["websocket"]));
    v["sid"].as_str().unwrap().to_owned()
}

#[test]
fn polling_connect_events_and_acks_both_ways() {
    let mut srv = Server::new(cfg());
    let sid = polling_handshake(&mut srv, 0);
    let ok = polling_post(&mut srv, c(2), &sid, r#"40{"token":"123"}"#, 1);
    assert_eq!((ok.status, body(&ok)), (200, "ok".to_owned()));
    assert_eq!(ok.get_header("content-type"), Some("text/html"));
    let acts = actions(&mut srv);
    let [AppEvent::Connect { socket, nsp, auth }] = &app_events(&acts)[..] else {
        panic!("{acts:?}")
    };
    let socket = *socket;
    assert_eq!(nsp, "/");
    assert_eq!(auth.as_deref(), Some(r#"{"token":"123"}"#));
    let h = srv.handshake(socket).unwrap();
    assert!(h.query.contains(&("t".into(), "abc".into())));
    assert!(h.headers.contains(&("user-agent".into(), "test".into())));

    // The CONNECT answer waits for the next poll.
    let r = respond(polling_get(&mut srv, c(3), &sid, 2));
    let b = body(&r);
    assert!(b.starts_with(r#"40{"sid":""#), "{b}");
    assert_eq!(&b[10..30], srv.socket_sid(socket).unwrap());

    // Client event with an ack id; the app answers.
    polling_post(
        &mut srv,
        c(2),
        &sid,
        r#"42["hello","a\"b",1,{"a":[true]}]"#,
        3,
    );
    polling_post(&mut srv, c(2), &sid, r#"4212["ask"]"#, 3);
    let evs = app_events(&actions(&mut srv));
    assert_eq!(
        evs,
        [
            AppEvent::Event {
                socket,
                nsp: "/".into(),
                name: "hello".into(),
                args: vec![r#""a\"b""#.into(), "1".into(), r#"{"a":[true]}"#.into()],
                text: Some("a\"b".into()),
                ack: None,
                attachments: vec![],
            },
            AppEvent::Event {
                socket,
                nsp: "/".into(),
                name: "ask".into(),
                args: vec![],
                text: None,
                ack: Some(12),
                attachments: vec![],
            }
        ]
    );
    srv.ack(socket, 12, &[r#""answer""#]);
    srv.emit(socket, "news", &["1", r#""two""#]);
    let id = srv.emit_with_ack(socket, "question", &[]).unwrap();
    assert_eq!(
        body(&respond(polling_get(&mut srv, c(3), &sid, 4))),
        format!("4312[\"answer\"]\x1e42[\"news\",1,\"two\"]\x1e42{id}[\"question\"]")
    );
    // The client acknowledges the server's question.
    polling_post(&mut srv, c(2), &sid, &format!("43{id}[true]"), 5);
    assert_eq!(
        app_events(&actions(&mut srv)),
        [AppEvent::Ack {
            socket,
            id,
            args: vec!["true".into()],
            attachments: vec![]
        }]
    );
}

#[test]
fn parked_poll_is_answered_by_an_action() {
    let mut srv = Server::new(cfg());
    let sid = polling_handshake(&mut srv, 0);
    let mut close = request(
        Method::Get,
        &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        &[("connection", "close")],
        b"",
    );
    close.http10 = false;
    assert!(matches!(srv.on_http(c(7), close, 1), HttpOutcome::Parked));
    polling_post(&mut srv, c(2), &sid, "40", 2);
    let acts = actions(&mut srv);
    let Some(Action::Transport(Net::HttpResponse {
        conn,
        response,
        close,
    })) = acts
        .iter()
        .find(|a| matches!(a, Action::Transport(Net::HttpResponse { .. })))
    else {
        panic!("{acts:?}")
    };
    assert_eq!((*conn, *close), (c(7), true));
    let text = String::from_utf8(response.to_vec()).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("Access-Control-Allow-Origin: *"), "{text}");
    assert!(
        text.ends_with("\"}") && text.contains(r#"40{"sid":""#),
        "{text}"
    );
}

#[test]
fn http_errors_and_routing() {
    let mut srv = Server::new(cfg());
    assert!(matches!(
        srv.on_http(c(1), request(Method::Get, "/status", &[], b""), 0),
        HttpOutcome::NotEngine
    ));
    let pre = respond(srv.on_http(
        c(1),
        request(
            Method::Options,
            "/socket.io/?EIO=4&transport=polling",
            &[],
            b"",
        ),
        0,
    ));
    assert_eq!(pre.status, 204);
    let cases = [
        (
            Method::Get,
            "/socket.io/?EIO=4&transport=abc",
            400,
            r#"{"code":0,"message":"Transport unknown"}"#,
        ),
        (
            Method::Get,
            "/socket.io/?EIO=4&transport=polling&sid=nope",
            400,
            r#"{"code":1,"message":"Session ID unknown"}"#,
        ),
        (
            Method::Post,
            "/socket.io/?EIO=4&transport=polling",
            400,
            r#"{"code":2,"message":"Bad handshake method"}"#,
        ),
        (
            Method::Put,
            "/socket.io/?EIO=4&transport=polling",
            400,
            r#"{"code":2,"message":"Bad handshake method"}"#,
        ),
        (
            Method::Get,
            "/socket.io/?EIO=4&transport=websocket",
            400,
            r#"{"code":3,"message":"Bad request"}"#,
        ),
        (
            Method::Get,
            "/socket.io/?EIO=3&transport=polling",
            400,
            r#"{"code":5,"message":"Unsupported protocol version"}"#,
        ),
    ];
    for (method, target, status, want) in cases {
        let r = respond(srv.on_http(c(1), request(method, target, &[], b""), 0));
        assert_eq!((r.status, body(&r).as_str()), (status, want), "{target}");
        assert_eq!(r.get_header("content-type"), Some("application/json"));
        assert_eq!(r.get_header("access-control-allow-origin"), Some("*"));
    }
    // A refused upgrade is a plain-text 400 that closes the connection.
    let r = respond(srv.on_http(
        c(1),
        ws_request("/socket.io/?EIO=4&transport=websocket&sid=nope", false),
        0,
    ));
    assert_eq!((r.status, body(&r).as_str()), (400, "Session ID unknown"));
    assert_eq!(r.get_header("connection"), Some("close"));
    // A broken WebSocket handshake opens nothing.
    let mut bad = ws_request("/socket.io/?EIO=4&transport=websocket", false);
    bad.headers.retain(|(n, _)| n != "sec-websocket-key");
    let r = respond(srv.on_http(c(1), bad, 0));
    assert_eq!(r.status, 400);
    assert_eq!(srv.next_deadline(), None, "no session was opened");
    // A bad payload closes the session and the connection.
    let sid = polling_handshake(&mut srv, 0);
    let r = polling_post(&mut srv, c(2), &sid, "abc", 1);
    assert_eq!(r.status, 400);
    assert_eq!(r.get_header("connection"), Some("close"));
    let r = respond(polling_get(&mut srv, c(3), &sid, 2));
    assert_eq!(body(&r), r#"{"code":1,"message":"Session ID unknown"}"#);
}

#[test]
fn upgrade_dance_over_http_and_websocket() {
    let mut srv = Server::new(cfg());
    let sid = polling_handshake(&mut srv, 0);
    polling_post(&mut srv, c(2), &sid, "40", 1);
    let socket = match app_events(&actions(&mut srv))[..] {
        [AppEvent::Connect { socket, .. }] => socket,
        ref o => panic!("{o:?}"),
    };
    assert!(body(&respond(polling_get(&mut srv, c(3), &sid, 2))).starts_with("40"));
    assert!(matches!(
        polling_get(&mut srv, c(3), &sid, 3),
        HttpOutcome::Parked
    ));
    let out = srv.on_http(
        c(9),
        ws_request(
            &format!("/socket.io/?EIO=4&transport=websocket&sid={sid}"),
            true,
        ),
        4,
    );
    assert!(matches!(
        out,
        HttpOutcome::Upgrade {
            deflate: Some(_),
            ..
        }
    ));
    let acts = ws_send(&mut srv, c(9), "2probe", 5);
    assert_eq!(texts_for(&acts, c(9)), ["3probe"]);
    let Some(Action::Transport(Net::HttpResponse { conn, response, .. })) = acts.get(1) else {
        panic!("{acts:?}")
    };
    assert_eq!(*conn, c(3));
    assert!(response.ends_with(b"\r\n\r\n6"));
    assert!(ws_send(&mut srv, c(9), "5", 6).is_empty());
    assert_eq!(srv.socket_conn(socket), Some(c(9)));
    srv.emit(socket, "after", &[]);
    assert_eq!(texts_for(&actions(&mut srv), c(9)), [r#"42["after"]"#]);
    let r = respond(polling_get(&mut srv, c(3), &sid, 7));
    assert_eq!(body(&r), r#"{"code":3,"message":"Bad request"}"#);
    // A second WebSocket for the upgraded sid: handshake, then closed.
    let out = srv.on_http(
        c(10),
        ws_request(
            &format!("/socket.io/?EIO=4&transport=websocket&sid={sid}"),
            false,
        ),
        8,
    );
    assert!(matches!(out, HttpOutcome::Upgrade { .. }));
    let acts = actions(&mut srv);
    assert!(matches!(
        &acts[..],
        [
            Action::Transport(Net::WsFrame { conn: a, .. }),
            Action::Transport(Net::Close { conn: b })
        ] if *a == c(10) && *b == c(10)
    ));
    assert_eq!(
        srv.socket_conn(socket),
        Some(c(9)),
        "the session is untouched"
    );
    // Heartbeat now runs on the WebSocket.
    srv.on_timer(300);
    assert_eq!(texts_for(&actions(&mut srv), c(9)), ["2"]);
}

#[test]
fn a_second_websocket_for_an_upgrading_or_upgraded_session_is_accepted_then_closed() {
    let mut srv = Server::new(cfg());
    let sid = polling_handshake(&mut srv, 0);
    let target = format!("/socket.io/?EIO=4&transport=websocket&sid={sid}");
    assert!(matches!(
        srv.on_http(c(9), ws_request(&target, true), 1),
        HttpOutcome::Upgrade { .. }
    ));
    actions(&mut srv);
    for (conn, now) in [(c(10), 2), (c(11), 4)] {
        let out = srv.on_http(conn, ws_request(&target, true), now);
        let HttpOutcome::Upgrade { response, deflate } = out else {
            panic!("{out:?}")
        };
        assert_eq!(response.status, 101);
        assert_eq!(deflate, None);
        let acts = actions(&mut srv);
        assert!(
            matches!(&acts[..], [Action::Transport(Net::WsFrame { conn: c, frame }), Action::Transport(Net::Close { conn: d })]
                if *c == conn && *d == conn && frame[..] == [0x88, 0x00]),
            "{acts:?}"
        );
        srv.on_conn_closed(conn, now);
        if now == 2 {
            // complete the first upgrade; the next attempt finds it upgraded
            ws_send(&mut srv, c(9), "2probe", 3);
            ws_send(&mut srv, c(9), "5", 3);
        }
    }
    assert_eq!(srv.socket_count(), 0);
    // the session still works on its WebSocket
    assert_eq!(texts_for(&ws_send(&mut srv, c(9), "40", 5), c(9)).len(), 1);
}

#[test]
fn websocket_emits_are_compressed_over_1024_bytes_when_negotiated() {
    let mut srv = Server::new(cfg());
    let deflated = connect_ws(&mut srv, c(1), true, 0);
    let plain = connect_ws(&mut srv, c(2), false, 0);
    let big = format!("\"{}\"", "x".repeat(2000));
    for s in [deflated, plain] {
        srv.emit(s, "big", &[&big]);
        srv.emit(s, "small", &["1"]);
    }
    let acts = actions(&mut srv);
    let frames: Vec<(ConnId, Frame)> = acts
        .iter()
        .filter_map(|a| match a {
            Action::Transport(Net::WsFrame { conn, frame }) => Some((*conn, parse_frame(frame))),
            _ => None,
        })
        .collect();
    let want_big = format!(r#"42["big",{big}]"#).into_bytes();
    assert_eq!(frames[0], (c(1), (1, true, want_big.clone())));
    assert_eq!(frames[1], (c(1), (1, false, br#"42["small",1]"#.to_vec())));
    assert_eq!(frames[2], (c(2), (1, false, want_big)));
    assert!(!frames[3].1.1);
}

#[test]
fn namespaces() {
    let mut srv = Server::new(cfg());
    let main = connect_ws(&mut srv, c(1), false, 0);
    let acts = ws_send(&mut srv, c(1), r#"40/custom,{"token":"abc"}"#, 1);
    let texts = texts_for(&acts, c(1));
    assert!(texts[0].starts_with(r#"40/custom,{"sid":""#), "{texts:?}");
    let [
        AppEvent::Connect {
            socket: custom,
            nsp,
            auth,
        },
    ] = &app_events(&acts)[..]
    else {
        panic!()
    };
    let custom = *custom;
    assert_eq!(
        (nsp.as_str(), auth.as_deref()),
        ("/custom", Some(r#"{"token":"abc"}"#))
    );
    assert_ne!(custom, main);
    assert_eq!(srv.socket_nsp(custom), Some("/custom"));

    let acts = ws_send(&mut srv, c(1), "40/random", 2);
    assert_eq!(
        texts_for(&acts, c(1)),
        [r#"44/random,{"message":"Invalid namespace"}"#]
    );
    assert!(app_events(&acts).is_empty());

    let acts = ws_send(&mut srv, c(1), r#"42/custom,["hi"]"#, 3);
    assert!(
        matches!(&app_events(&acts)[..], [AppEvent::Event { socket, nsp, .. }] if *socket == custom && nsp == "/custom")
    );
    srv.emit(custom, "back", &[]);
    assert_eq!(
        texts_for(&actions(&mut srv), c(1)),
        [r#"42/custom,["back"]"#]
    );

    let acts = ws_send(&mut srv, c(1), "41/custom", 4);
    assert_eq!(
        app_events(&acts),
        [AppEvent::Disconnect {
            socket: custom,
            reason: "client namespace disconnect"
        }]
    );
    let acts = ws_send(&mut srv, c(1), r#"42["message","to main"]"#, 5);
    assert!(matches!(&app_events(&acts)[..], [AppEvent::Event { socket, .. }] if *socket == main));

    // Server-side namespace disconnect: a DISCONNECT packet, the session stays.
    srv.disconnect(main);
    let acts = actions(&mut srv);
    assert_eq!(texts_for(&acts, c(1)), ["41"]);
    assert_eq!(
        app_events(&acts),
        [AppEvent::Disconnect {
            socket: main,
            reason: "server namespace disconnect"
        }]
    );
    assert!(
        !acts
            .iter()
            .any(|a| matches!(a, Action::Transport(Net::Close { .. })))
    );
    assert_eq!(srv.socket_count(), 0);
}

#[test]
fn malformed_socket_io_packets_close_the_session() {
    for bad in [
        "4abc",
        "42{}",
        r#"42abc["message-with-ack",1]"#,
        r#"42/custom,["not connected"]"#,
        "40",
        "4",
        r#"43["ack without"] trailing"#,
        r#"42["disconnect"]"#,
    ] {
        let mut srv = Server::new(cfg());
        let socket = connect_ws(&mut srv, c(1), false, 0);
        let acts = ws_send(&mut srv, c(1), bad, 1);
        assert!(
            acts.contains(&Action::Transport(Net::Close { conn: c(1) })),
            "{bad:?}: {acts:?}"
        );
        assert_eq!(
            app_events(&acts),
            [AppEvent::Disconnect {
                socket,
                reason: "forced close"
            }],
            "{bad:?}"
        );
    }
}

#[test]
fn binary_events_collect_their_attachments() {
    let mut srv = Server::new(cfg());
    let socket = connect_ws(&mut srv, c(1), false, 0);
    let head = r#"452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    assert!(app_events(&ws_send(&mut srv, c(1), head, 1)).is_empty());
    srv.on_ws_message(c(1), Message::Binary(Bytes::from_static(&[1, 2, 3])), 2);
    assert!(actions(&mut srv).is_empty());
    srv.on_ws_message(c(1), Message::Binary(Bytes::from_static(&[4, 5, 6])), 3);
    let evs = app_events(&actions(&mut srv));
    let [
        AppEvent::Event {
            name,
            args,
            attachments,
            ack: None,
            ..
        },
    ] = &evs[..]
    else {
        panic!("{evs:?}")
    };
    assert_eq!(name, "message");
    assert_eq!(args.len(), 2);
    assert_eq!(
        attachments,
        &[
            Bytes::from_static(&[1, 2, 3]),
            Bytes::from_static(&[4, 5, 6])
        ]
    );
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    srv.emit_binary(socket, "message-back", &arg_refs, attachments);
    let acts = actions(&mut srv);
    assert_eq!(
        texts_for(&acts, c(1)),
        [r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#]
    );
    let bins: Vec<_> = acts
        .iter()
        .filter_map(|a| match a {
            Action::Transport(Net::WsFrame { frame, .. }) if frame[0] & 0x0f == 2 => {
                Some(parse_frame(frame).2)
            }
            _ => None,
        })
        .collect();
    assert_eq!(bins, [vec![1, 2, 3], vec![4, 5, 6]]);

    // With an ack: the answer is a BINARY_ACK.
    ws_send(
        &mut srv,
        c(1),
        r#"451-789["message-with-ack",{"_placeholder":true,"num":0}]"#,
        4,
    );
    srv.on_ws_message(c(1), Message::Binary(Bytes::from_static(&[9])), 5);
    let evs = app_events(&actions(&mut srv));
    assert!(matches!(&evs[..], [AppEvent::Event { ack: Some(789), .. }]));
    srv.ack_binary(
        socket,
        789,
        &[r#"{"_placeholder":true,"num":0}"#],
        &[Bytes::from_static(&[9])],
    );
    assert_eq!(
        texts_for(&actions(&mut srv), c(1)),
        [r#"461-789[{"_placeholder":true,"num":0}]"#]
    );
}

#[test]
fn binary_protocol_violations_close_the_session() {
    let mut srv = Server::new(cfg());
    connect_ws(&mut srv, c(1), false, 0);
    srv.on_ws_message(c(1), Message::Binary(Bytes::from_static(&[1])), 1);
    assert!(actions(&mut srv).contains(&Action::Transport(Net::Close { conn: c(1) })));

    let mut srv = Server::new(cfg());
    connect_ws(&mut srv, c(1), false, 0);
    ws_send(
        &mut srv,
        c(1),
        r#"451-["m",{"_placeholder":true,"num":0}]"#,
        1,
    );
    let acts = ws_send(&mut srv, c(1), r#"42["text too early"]"#, 2);
    assert!(acts.contains(&Action::Transport(Net::Close { conn: c(1) })));
}

/// A room output of one event not on any stream.
fn standalone(event: &str, arg: &str) -> Arc<crate::room::Output> {
    let packet = event_packet("/", event, &[arg]);
    Arc::new(crate::room::Output::standalone_only(
        0,
        packet,
        &mut Deflater::new(3),
    ))
}

fn four_kb_json() -> String {
    let mut s = String::from("{\"items\":[");
    let mut i = 0;
    while s.len() < 4000 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"id\":{i},\"name\":\"player{i}\",\"hp\":{}}}",
            i * 7 % 100
        ));
        i += 1;
    }
    s.push_str("]}");
    s
}

#[test]
fn broadcast_shares_the_same_bytes_with_every_member() {
    let mut srv = Server::new(cfg());
    let mut deflated = Vec::new();
    let mut plain = Vec::new();
    for n in 1..=6 {
        let s = connect_ws(&mut srv, c(n), n % 2 == 0, 0);
        srv.join(s, "match");
        if n % 2 == 0 {
            deflated.push(c(n))
        } else {
            plain.push(c(n))
        }
    }
    let outsider = connect_ws(&mut srv, c(7), false, 0);
    srv.join(outsider, "other");
    assert_eq!(srv.room_size("match"), 6);

    let json = four_kb_json();
    let arg = serde_json::to_string(&json).unwrap();
    let msg = standalone("match_data", &arg);
    assert!(msg.standalone().is_some());
    srv.broadcast("match", &msg);
    let acts = actions(&mut srv);
    assert_eq!(acts.len(), 6);
    for a in &acts {
        let Action::Transport(Net::WsLatest { conn, msg: shared }) = a else {
            panic!("{a:?}")
        };
        assert!(Arc::ptr_eq(shared, &msg));
        assert_eq!(shared.kind, 0);
        let frame = &srv.transport().pick(*conn, shared, false);
        let want = if deflated.contains(conn) {
            msg.standalone().unwrap()
        } else {
            &msg.plain
        };
        // The very same allocation, not a copy.
        assert_eq!(frame.as_ptr(), want.as_ptr(), "conn {conn}");
        assert_eq!(frame.len(), want.len());
        let (_, rsv1, payload) = parse_frame(frame);
        assert_eq!(rsv1, deflated.contains(conn));
        assert_eq!(payload, msg.packet);
    }
    // Leaving and disconnecting take members out of the room.
    let first_socket = SocketId::new(1);
    srv.leave(first_socket, "match");
    srv.broadcast("match", &msg);
    assert_eq!(actions(&mut srv).len(), 5);
    srv.broadcast("nobody", &msg);
    assert!(actions(&mut srv).is_empty());
}

#[test]
fn polling_members_get_the_shared_packet_latest_wins() {
    let mut srv = Server::new(cfg());
    let sid = polling_handshake(&mut srv, 0);
    polling_post(&mut srv, c(2), &sid, "40", 1);
    let socket = match app_events(&actions(&mut srv))[..] {
        [AppEvent::Connect { socket, .. }] => socket,
        ref o => panic!("{o:?}"),
    };
    srv.join(socket, "match");
    let first = standalone("match_data", r#""state 1""#);
    let second = standalone("match_data", r#""state 2""#);
    srv.broadcast("match", &first);
    srv.emit(socket, "ordered", &[]);
    srv.broadcast("match", &second);
    let b = body(&respond(polling_get(&mut srv, c(3), &sid, 2)));
    let packets: Vec<&str> = b.split('\x1e').collect();
    assert_eq!(packets.len(), 3, "{b}");
    assert!(packets[0].starts_with("40"));
    assert_eq!(
        packets[1..],
        [r#"42["ordered"]"#, r#"42["match_data","state 2"]"#]
    );

    // A member that upgrades receives later broadcasts as WebSocket frames.
    srv.on_http(
        c(9),
        ws_request(
            &format!("/socket.io/?EIO=4&transport=websocket&sid={sid}"),
            false,
        ),
        3,
    );
    ws_send(&mut srv, c(9), "2probe", 4);
    ws_send(&mut srv, c(9), "5", 5);
    srv.broadcast("match", &first);
    let acts = actions(&mut srv);
    assert!(
        matches!(&acts[..], [Action::Transport(Net::WsLatest { conn, msg })] if *conn == c(9) && Arc::ptr_eq(msg, &first))
    );
}

#[test]
fn heartbeat_timeout_drops_the_socket() {
    let mut srv = Server::new(cfg());
    let socket = connect_ws(&mut srv, c(1), false, 0);
    assert_eq!(srv.next_deadline(), Some(300));
    srv.on_timer(300);
    assert_eq!(texts_for(&actions(&mut srv), c(1)), ["2"]);
    srv.on_timer(499);
    assert!(actions(&mut srv).is_empty());
    srv.on_timer(500);
    let acts = actions(&mut srv);
    assert!(acts.contains(&Action::Transport(Net::Close { conn: c(1) })));
    assert_eq!(
        app_events(&acts),
        [AppEvent::Disconnect {
            socket,
            reason: "ping timeout"
        }]
    );
}

#[test]
fn sessions_without_connect_are_closed_after_the_connect_timeout() {
    let mut srv = Server::new(EngineConfig {
        connect_timeout_ms: 100,
        ..cfg()
    });
    open_ws(&mut srv, c(1), false, 0);
    assert_eq!(srv.next_deadline(), Some(100));
    srv.on_timer(100);
    assert!(actions(&mut srv).contains(&Action::Transport(Net::Close { conn: c(1) })));
    // A connected session is left alone.
    connect_ws(&mut srv, c(2), false, 200);
    srv.on_timer(300);
    assert!(actions(&mut srv).is_empty());
}

#[test]
fn websocket_control_messages_and_transport_close() {
    let mut srv = Server::new(cfg());
    let socket = connect_ws(&mut srv, c(1), false, 0);
    srv.on_ws_message(c(1), Message::Ping(Bytes::from_static(b"hi")), 1);
    let acts = actions(&mut srv);
    let [Action::Transport(Net::WsFrame { frame, .. })] = &acts[..] else {
        panic!()
    };
    assert_eq!(parse_frame(frame), (0xA, false, b"hi".to_vec()));
    srv.on_ws_message(c(1), Message::Close(Some((1000, String::new()))), 2);
    let acts = actions(&mut srv);
    assert!(
        matches!(&acts[0], Action::Transport(Net::WsFrame { frame, .. }) if parse_frame(frame) == (8, false, vec![3, 232]))
    );
    assert_eq!(acts[1], Action::Transport(Net::Close { conn: c(1) }));
    assert_eq!(
        app_events(&acts),
        [AppEvent::Disconnect {
            socket,
            reason: "transport close"
        }]
    );
    // A dropped connection without a close frame.
    let socket = connect_ws(&mut srv, c(2), false, 3);
    srv.on_conn_closed(c(2), 4);
    assert_eq!(
        app_events(&actions(&mut srv)),
        [AppEvent::Disconnect {
            socket,
            reason: "transport close"
        }]
    );
}

#[test]
fn close_session_drops_every_socket_of_the_client() {
    let mut srv = Server::new(cfg());
    let main = connect_ws(&mut srv, c(1), false, 0);
    ws_send(&mut srv, c(1), "40/custom,", 1);
    srv.close_session(main);
    let acts = actions(&mut srv);
    assert!(acts.contains(&Action::Transport(Net::Close { conn: c(1) })));
    let evs = app_events(&acts);
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| matches!(
        e,
        AppEvent::Disconnect {
            reason: "forced close",
            ..
        }
    )));
    assert_eq!(srv.socket_count(), 0);
}

#[test]
fn raw_engine_io_mode_echo() {
    let mut srv = Server::new(EngineConfig {
        raw_engine_io: true,
        path: Some("/engine.io/".into()),
        ..cfg()
    });
    let out = srv.on_http(
        c(1),
        ws_request("/engine.io/?EIO=4&transport=websocket", false),
        0,
    );
    assert!(matches!(out, HttpOutcome::Upgrade { .. }));
    let acts = actions(&mut srv);
    let [AppEvent::Connect { socket, .. }] = &app_events(&acts)[..] else {
        panic!("{acts:?}")
    };
    let socket = *socket;
    let acts = ws_send(&mut srv, c(1), "4hello", 1);
    let evs = app_events(&acts);
    assert_eq!(
        evs,
        [AppEvent::EngineMessage {
            socket,
            data: Data::Text("hello".into())
        }]
    );
    srv.emit(socket, "auth", &["{}"]);
    assert_eq!(srv.emit_with_ack(socket, "q", &[]), None);
    assert!(actions(&mut srv).is_empty(), "no Socket.IO in raw mode");
    srv.send_raw(socket, Data::Text("hello".into()));
    srv.send_raw(socket, Data::Binary(Bytes::from_static(&[1, 2])));
    let acts = actions(&mut srv);
    assert_eq!(texts_for(&acts, c(1)), ["4hello"]);
    assert!(
        matches!(&acts[1], Action::Transport(Net::WsFrame { frame, .. }) if parse_frame(frame) == (2, false, vec![1, 2]))
    );
}

proptest! {
    #[test]
    fn packet_decoder_never_panics(s in ".{0,64}") {
        let _ = decode(&s);
    }

    #[test]
    fn packet_decoder_never_panics_on_shaped_input(
        kind in 0u8..8, nsp in "(/[a-z,]{0,5})?", id in "[0-9]{0,25}", data in "[\\[\\]{}\",:0-9a-z_-]{0,24}"
    ) {
        let s = format!("{kind}{nsp}{id}{data}");
        let _ = decode(&s);
        let s = format!("5{id}-{nsp}{data}");
        let _ = decode(&s);
    }

    /// Arbitrary WebSocket traffic never panics and leaves state consistent.
    #[test]
    fn server_survives_arbitrary_messages(
        msgs in proptest::collection::vec((any::<bool>(), ".{0,32}"), 1..24)
    ) {
        let mut srv = Server::new(cfg());
        let socket = connect_ws(&mut srv, c(1), false, 0);
        srv.join(socket, "r");
        for (i, (binary, text)) in msgs.into_iter().enumerate() {
            let msg = if binary {
                Message::Binary(Bytes::from(text.into_bytes()))
            } else {
                Message::Text(format!("4{text}"))
            };
            srv.on_ws_message(c(1), msg, i as u64);
            actions(&mut srv);
        }
        let alive = srv.socket_count();
        prop_assert!(alive <= 3);
        prop_assert!(srv.room_size("r") <= 1);
        srv.on_conn_closed(c(1), 100);
        actions(&mut srv);
        prop_assert_eq!(srv.socket_count(), 0);
        prop_assert_eq!(srv.room_size("r"), 0);
    }
}

#[test]
fn room_output_forms_agree() {
    let packet = event_packet("/custom", "ev", &["1"]);
    let msg = crate::room::Output::standalone_only(3, packet, &mut Deflater::new(3));
    assert_eq!(msg.kind, 3);
    assert_eq!(&msg.packet[..], br#"42/custom,["ev",1]"#);
    assert_eq!(parse_frame(&msg.plain).2, msg.packet);
    assert!(
        msg.standalone().is_none(),
        "small messages are not compressed"
    );
}

#[test]
fn a_snapshot_goes_to_one_socket_as_the_shared_message() {
    let mut srv = Server::new(cfg());
    let ws = connect_ws(&mut srv, c(1), true, 0);
    let other = connect_ws(&mut srv, c(2), true, 0);
    srv.join(other, "match");
    let arg = serde_json::to_string(&four_kb_json()).unwrap();
    let mut stream = crate::room::RoomStream::default();
    let msg = stream.output(0, event_packet("/", "match_data", &[&arg]));
    srv.send_latest(ws, &msg);
    let acts = actions(&mut srv);
    let [Action::Transport(Net::WsLatest { conn, msg: shared })] = &acts[..] else {
        panic!("{acts:?}")
    };
    assert_eq!(*conn, c(1));
    assert!(Arc::ptr_eq(shared, &msg));
    assert_eq!(
        srv.transport().pick(c(1), shared, false),
        msg.stream.as_ref().unwrap().frame,
        "a deflate client that got nothing yet takes the stream's first frame"
    );

    // A polling socket gets the packet, latest-wins.
    let sid = polling_handshake(&mut srv, 0);
    polling_post(&mut srv, c(3), &sid, "40", 1);
    let socket = match app_events(&actions(&mut srv))[..] {
        [AppEvent::Connect { socket, .. }] => socket,
        ref o => panic!("{o:?}"),
    };
    srv.send_latest(socket, &msg);
    srv.send_latest(socket, &msg);
    let b = body(&respond(polling_get(&mut srv, c(4), &sid, 2)));
    let packets: Vec<&str> = b.split('\x1e').collect();
    assert_eq!(packets.len(), 2, "{b}");
    assert_eq!(packets[1].as_bytes(), &msg.packet[..]);
}
