//! A room stream's frames against real inflaters: members in step take the
//! stream frame, every other member a frame it can inflate.

use bytes::Bytes;

use super::*;
use crate::ws::{DeflateConfig, Deflater, Inflater, is_compressed};

/// How far back a 15-bit deflate stream may refer.
const WINDOW: usize = 1 << 15;
/// A client's side: a context-takeover inflater reading server frames.
struct Client {
    inflater: Inflater,
    cursor: StreamCursor,
    cfg: DeflateConfig,
}

impl Client {
    fn new() -> Self {
        Client {
            inflater: Inflater::new(false),
            cursor: StreamCursor::default(),
            cfg: DeflateConfig::default(),
        }
    }

    /// Picks, "sends" and inflates; returns the text and whether the
    /// stream frame was used.
    fn receive(&mut self, msg: &Output) -> (Vec<u8>, bool) {
        let frame = self.cursor.pick(msg, Some(&self.cfg)).clone();
        let used_stream = msg
            .stream
            .as_ref()
            .is_some_and(|s| s.frame.as_ptr() == frame.as_ptr());
        (self.read(&frame), used_stream)
    }

    fn read(&mut self, frame: &[u8]) -> Vec<u8> {
        let (rsv1, payload) = split(frame);
        if !rsv1 {
            return payload.to_vec();
        }
        let mut out = Vec::new();
        self.inflater.feed(payload, &mut out, 1 << 24).unwrap();
        self.inflater.finish(&mut out, 1 << 24).unwrap();
        out
    }
}

/// Header and payload of an unmasked server frame.
fn split(frame: &[u8]) -> (bool, &[u8]) {
    let rsv1 = is_compressed(frame);
    let len7 = frame[1] & 0x7f;
    let start = match len7 {
        126 => 4,
        127 => 10,
        _ => 2,
    };
    (rsv1, &frame[start..])
}

/// A `match_data`-like state: the same hard-to-compress JSON every
/// time (names and ids that look random), a few numbers changing.
fn state(i: u32) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let mut token = move || {
        (0..12)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                char::from(b'a' + (seed % 26) as u8)
            })
            .collect::<String>()
    };
    let mut s = String::from("42[\"match_data\",\"{");
    for p in 0..120 {
        s.push_str(&format!(
            "\\\"{}\\\":{{\\\"id\\\":\\\"{}\\\",\\\"kills\\\":{},\\\"money\\\":{}}},",
            token(),
            token(),
            (p + i) % 30,
            (p * 50 + i * 7) % 9000
        ));
    }
    s.push_str(&format!("\\\"round\\\":{i}}}\"]"));
    s.into_bytes()
}

#[test]
fn in_step_client_takes_the_stream_frames_and_inflates_every_state() {
    let mut room = RoomStream::default();
    let mut client = Client::new();
    for i in 0..20 {
        let msg = room.output(0, state(i).into());
        let (text, used_stream) = client.receive(&msg);
        assert_eq!(text, state(i), "message {i}");
        // joined before the first message: in step from it on
        assert!(used_stream, "message {i}");
        assert!(
            !msg.standalone_made(),
            "no standalone frame is made while every client is in step"
        );
    }
}

#[test]
fn stream_frames_are_much_smaller_than_standalone_ones() {
    let mut room = RoomStream::default();
    let first = room.output(0, state(0).into());
    let second = room.output(0, state(1).into());
    let stream = second.stream.as_ref().unwrap().frame.len();
    let standalone = second.standalone().unwrap().len();
    assert!(first.stream.is_some());
    assert!(
        stream * 3 < standalone,
        "stream {stream} vs standalone {standalone}"
    );
}

#[test]
fn late_joiner_gets_standalone_frames_until_its_window_matches() {
    let mut room = RoomStream::default();
    let mut early = Client::new();
    let mut late = Client::new();
    // the late client's window already holds unrelated compressed data
    let mut other = Deflater::new(3);
    let noise: Vec<u8> = (0..5000u32).flat_map(|i| i.to_le_bytes()).collect();
    late.read(
        Output::standalone_only(0, noise.into(), &mut other)
            .standalone()
            .unwrap(),
    );
    let mut used = Vec::new();
    for i in 0..10 {
        let msg = room.output(0, state(i).into());
        early.receive(&msg);
        if i >= 3 {
            let (text, used_stream) = late.receive(&msg);
            assert_eq!(text, state(i));
            used.push(used_stream);
        }
    }
    let per_state = state(0).len();
    let needed = WINDOW.div_ceil(per_state);
    // standalone until the run covers the window, then the stream
    assert!(used[..needed].iter().all(|u| !u), "{used:?}");
    assert!(used[needed..].iter().all(|u| *u), "{used:?}");
}

#[test]
fn a_dropped_frame_sends_the_client_back_to_standalone_frames() {
    let mut room = RoomStream::default();
    let mut client = Client::new();
    for i in 0..3 {
        client.receive(&room.output(0, state(i).into()));
    }
    // picked, then dropped unwritten by latest-wins
    let dropped = room.output(0, state(3).into());
    client.cursor.pick(&dropped, Some(&client.cfg));
    client.cursor.reset();
    let (text, used_stream) = client.receive(&room.output(0, state(4).into()));
    assert_eq!(text, state(4));
    assert!(!used_stream);
    for i in 5..12 {
        let (text, _) = client.receive(&room.output(0, state(i).into()));
        assert_eq!(text, state(i));
    }
    let (_, used_stream) = client.receive(&room.output(0, state(12).into()));
    assert!(used_stream);
}

#[test]
fn a_skipped_message_is_never_bridged_by_a_stream_frame() {
    let mut room = RoomStream::default();
    let mut client = Client::new();
    for i in 0..6 {
        client.receive(&room.output(0, state(i).into()));
    }
    let _missed = room.output(0, state(6).into());
    let (text, used_stream) = client.receive(&room.output(0, state(7).into()));
    assert_eq!(text, state(7));
    assert!(!used_stream);
}

#[test]
fn narrow_or_resetting_windows_never_get_stream_frames() {
    let mut room = RoomStream::default();
    let mut narrow = Client::new();
    narrow.cfg.server_max_window_bits = 12;
    let mut resetting = Client::new();
    resetting.inflater = Inflater::new(true);
    resetting.cfg.server_no_context_takeover = true;
    for i in 0..6 {
        let msg = room.output(0, state(i).into());
        let (text, used) = narrow.receive(&msg);
        assert_eq!(text, state(i));
        assert!(!used);
        let (text, used) = resetting.receive(&msg);
        assert_eq!(text, state(i));
        assert!(!used);
    }
}

#[test]
fn another_rooms_stream_does_not_continue_a_run() {
    let mut a = RoomStream::default();
    let mut b = RoomStream::default();
    let mut client = Client::new();
    for i in 0..4 {
        client.receive(&a.output(0, state(i).into()));
    }
    // (b's first frame would do: it refers to nothing before it.)
    let _ = b.output(0, state(99).into());
    let (text, used_stream) = client.receive(&b.output(0, state(100).into()));
    assert_eq!(text, state(100));
    assert!(!used_stream);
}

#[test]
fn small_messages_stay_plain_and_leave_the_run_alone() {
    let mut room = RoomStream::default();
    let mut client = Client::new();
    client.receive(&room.output(0, state(0).into()));
    let small = room.output(0, Bytes::from_static(b"42[\"x\"]"));
    assert!(!small.compresses() && small.stream.is_none());
    assert_eq!(client.receive(&small), (b"42[\"x\"]".to_vec(), false));
    let (text, used_stream) = client.receive(&room.output(0, state(1).into()));
    assert_eq!(text, state(1));
    assert!(used_stream);
}

#[test]
fn clients_without_deflate_get_the_plain_frame() {
    let mut room = RoomStream::default();
    let msg = room.output(0, state(0).into());
    let mut cursor = StreamCursor::default();
    assert_eq!(cursor.pick(&msg, None), &msg.plain);
}
