//! A room's messages through the adapter and a connection's queue, as the
//! network side runs them, read by a client inflating with context
//! takeover: whatever is dropped or sent in between, every frame inflates.

use super::*;
use crate::net::outbox::Outbox;
use crate::room::RoomStream;
use crate::ws::Inflater;

const LIMIT: usize = 1 << 24;

fn ws_request(deflate: bool) -> Request {
    ws::client::upgrade_request("/socket.io/?EIO=4&transport=websocket", deflate)
}

/// Queues the adapter's actions on `out` as the driver does.
fn run_actions(adapter: &mut Adapter, out: &mut Outbox) -> Vec<SessionEvent> {
    let mut events = Vec::new();
    while let Some(ev) = adapter.poll() {
        match ev {
            Event::Session(ev) => events.push(ev),
            Event::Net(Action::WsFrame { conn, frame }) => {
                if ws::is_compressed(&frame) {
                    adapter.sent_compressed(conn);
                }
                out.push(frame, LIMIT).unwrap();
            }
            Event::Net(Action::WsLatest { conn, msg }) => {
                let missed = out.has_unwritten_latest(msg.kind);
                let frame = adapter.pick(conn, &msg, missed);
                out.push_latest(msg.kind, frame, LIMIT).unwrap();
            }
            Event::Net(other) => panic!("{other:?}"),
        }
    }
    events
}

/// The client: reads whole server frames off the written bytes and
/// inflates them with one context-takeover window, as a browser does.
struct Client {
    inflater: Inflater,
    bytes: Vec<u8>,
}

impl Client {
    fn read_all(&mut self, o: &mut Outbox) -> Vec<Vec<u8>> {
        while let Some(f) = o.front() {
            let n = f.len();
            self.bytes.extend_from_slice(f);
            o.consume(n);
        }
        let mut messages = Vec::new();
        while self.bytes.len() >= 2 {
            let (start, len) = match self.bytes[1] & 0x7f {
                126 => (
                    4,
                    usize::from(u16::from_be_bytes([self.bytes[2], self.bytes[3]])),
                ),
                127 => (
                    10,
                    u64::from_be_bytes(self.bytes[2..10].try_into().unwrap()) as usize,
                ),
                n => (2, usize::from(n)),
            };
            let frame: Vec<u8> = self.bytes.drain(..start + len).collect();
            let payload = &frame[start..];
            if ws::is_compressed(&frame) {
                let mut out = Vec::new();
                self.inflater.feed(payload, &mut out, LIMIT).unwrap();
                self.inflater.finish(&mut out, LIMIT).unwrap();
                messages.push(out);
            } else {
                messages.push(payload.to_vec());
            }
        }
        messages
    }
}

/// A 20 KB state: the same hard-to-compress text, one number changing.
fn state(i: u32) -> Vec<u8> {
    let mut x = 0x9e37_79b9_u32;
    let mut s: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b'a' + (x % 26) as u8
        })
        .collect();
    s.extend_from_slice(format!("{i:08}").as_bytes());
    s
}

#[test]
fn dropped_and_own_compressed_messages_never_break_the_clients_window() {
    let conn = ConnId::new(4);
    let mut adapter = Adapter::new(EngineConfig::default());
    let outcome = adapter.on_http(conn, None, ws_request(true), 0);
    assert!(matches!(
        outcome,
        HttpOutcome::Upgrade {
            deflate: Some(_),
            ..
        }
    ));
    let mut o = Outbox::default();
    let session = match run_actions(&mut adapter, &mut o)[..] {
        [SessionEvent::Opened { session, .. }] => session,
        ref other => panic!("{other:?}"),
    };
    let mut client = Client {
        inflater: Inflater::new(false),
        bytes: Vec::new(),
    };
    let open = client.read_all(&mut o);
    assert!(open.len() == 1 && open[0].starts_with(b"0{"), "{open:?}");

    let mut room = RoomStream::default();
    let mut sizes = Vec::new();
    for i in 0..30 {
        adapter.send_latest(Route::Ws(conn), &room.output(0, state(i).into()));
        run_actions(&mut adapter, &mut o);
        if i % 7 == 3 {
            continue; // a slow moment: the next message drops this one
        }
        if i % 11 == 5 {
            // an ordered message of the connection's own, compressed on its own
            adapter.send(session, Outgoing::Text(state(99).into()));
            run_actions(&mut adapter, &mut o);
        }
        sizes.push(o.queued_bytes());
        let got = client.read_all(&mut o);
        assert!(got.first() == Some(&state(i)), "message {i}");
        if i % 11 == 5 {
            assert!(
                got.len() == 2 && got[1] == state(99),
                "own message after {i}"
            );
        }
    }
    // In step most of the time: stream frames (a few dozen bytes) beside
    // standalone ones (kilobytes).
    let small = sizes.iter().filter(|&&n| n < 1000).count();
    assert!(small >= 10, "{sizes:?}");
    assert!(sizes.iter().any(|&n| n > 5000), "{sizes:?}");
}

#[test]
fn a_connection_without_deflate_gets_plain_frames() {
    let conn = ConnId::new(1);
    let mut adapter = Adapter::new(EngineConfig::default());
    adapter.on_http(conn, None, ws_request(false), 0);
    let mut o = Outbox::default();
    run_actions(&mut adapter, &mut o);
    let mut room = RoomStream::default();
    let msg = room.output(0, state(1).into());
    assert_eq!(adapter.pick(conn, &msg, false), msg.plain);
    assert_eq!(
        adapter.pick(ConnId::new(77), &msg, false),
        msg.plain,
        "unknown connection"
    );
}
