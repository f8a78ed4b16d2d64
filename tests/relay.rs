//! The relay's two threads against a real `redis-server`: an origin's
//! publisher and an edge's subscriber, with room outputs built as the match
//! thread builds them and the broadcast shards' feed replaced by a channel.

mod redis_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use redis_support::Redis;
use spectra_server::hub::ToBroadcast;
use spectra_server::hub::command::Post;
use spectra_server::relay::publisher::{self, Publisher};
use spectra_server::relay::subscriber::{self, Interest, Status};
use spectra_server::room::{Output, RoomStream};
use spectra_server::sio;

/// A `match_data` output of a 4 KB state on `room`.
fn output(room: &mut RoomStream, i: u32) -> Arc<Output> {
    let state = format!(
        "{{\"groupCode\":\"G1\",\"round\":{i},\"players\":[{}]}}",
        (0..40)
            .map(|p| format!(
                "{{\"name\":\"Player{p}\",\"money\":{}}}",
                (p * 150 + i) % 9000
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let arg = serde_json::to_string(&state).unwrap();
    room.output(0, sio::event_packet("/", "match_data", &[&arg]))
}

fn state(group: &str, msg: &Arc<Output>) -> ToBroadcast {
    ToBroadcast::State {
        group: Arc::from(group),
        msg: msg.clone(),
    }
}

struct Edge {
    interest: crossbeam_channel::Sender<Interest>,
    status: Arc<Status>,
    fed: Receiver<ToBroadcast>,
}

fn start(redis: &Redis) -> (Publisher, Edge) {
    let client = redis::Client::open(redis.url()).unwrap();
    let (publisher, _) = publisher::spawn(client.clone(), 42).unwrap();
    let (feed, fed) = crossbeam_channel::unbounded();
    let (interest, wanted) = crossbeam_channel::unbounded();
    let (status, _) = subscriber::spawn(&client, wanted, vec![Box::new(feed)]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !status.redis_up() {
        assert!(Instant::now() < deadline, "the subscriber did not connect");
        std::thread::sleep(Duration::from_millis(10));
    }
    (
        publisher,
        Edge {
            interest,
            status,
            fed,
        },
    )
}

/// The next output the edge handed on (within `wait`).
fn next_state(edge: &Edge, wait: Duration) -> Arc<Output> {
    match edge.fed.recv_timeout(wait) {
        Ok(ToBroadcast::State { group, msg }) => {
            assert_eq!(&*group, "G1");
            msg
        }
        other => panic!("expected a state, got {other:?}"),
    }
}

/// The relayed output carries the origin's frames as they were.
fn assert_same_frames(got: &Output, sent: &Output) {
    assert_eq!(got.plain, sent.plain);
    assert_eq!(got.packet, sent.packet);
    assert_eq!(got.standalone(), sent.standalone());
    let (g, s) = (got.stream.as_ref().unwrap(), sent.stream.as_ref().unwrap());
    assert_eq!((&g.frame, g.seq, g.len), (&s.frame, s.seq, s.len));
    assert_ne!(
        g.stream, s.stream,
        "a relayed stream gets an id of the edge's own"
    );
}

#[test]
fn a_watched_room_gets_its_stored_state_then_every_output_then_its_end() {
    let redis = Redis::start();
    let (publisher, edge) = start(&redis);
    let mut room = RoomStream::default();
    let sent: Vec<Arc<Output>> = (0..3).map(|i| output(&mut room, i)).collect();
    for m in &sent {
        assert!(publisher.post(state("G1", m)));
    }
    // Nobody watches yet: wait until the newest is stored.
    let deadline = Instant::now() + Duration::from_secs(5);
    while redis.cli(&["STRLEN", "spectra:{G1}:state"]).trim() == "0" {
        assert!(Instant::now() < deadline, "the state was not stored");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));

    edge.interest
        .send(Interest::Watch(Arc::from("G1")))
        .unwrap();
    let first = next_state(&edge, Duration::from_secs(5));
    assert_same_frames(&first, &sent[2]);

    let later = output(&mut room, 3);
    publisher.post(state("G1", &later));
    let got = next_state(&edge, Duration::from_secs(5));
    assert_same_frames(&got, &later);
    assert_eq!(
        got.stream.as_ref().unwrap().stream,
        first.stream.as_ref().unwrap().stream,
        "one origin stream, one local stream"
    );
    assert_eq!(edge.status.rooms(), 1);

    // Garbage on the room's channel is dropped; the next output arrives.
    for junk in ["garbage", "SPXR", ""] {
        redis.cli(&["SPUBLISH", "spectra:{G1}:out", junk]);
    }
    let after_junk = output(&mut room, 4);
    publisher.post(state("G1", &after_junk));
    assert_same_frames(&next_state(&edge, Duration::from_secs(5)), &after_junk);

    publisher.post(ToBroadcast::Removed {
        group: Arc::from("G1"),
    });
    match edge.fed.recv_timeout(Duration::from_secs(5)) {
        Ok(ToBroadcast::Removed { group }) => assert_eq!(&*group, "G1"),
        other => panic!("expected the end, got {other:?}"),
    }
    assert_eq!(edge.status.rooms(), 0);
    assert!(edge.fed.recv_timeout(Duration::from_millis(200)).is_err());
}

/// A publisher and an edge watching room G1, which got its first output.
fn watching(redis: &Redis) -> (Publisher, Edge, RoomStream) {
    let (publisher, edge) = start(redis);
    edge.interest
        .send(Interest::Watch(Arc::from("G1")))
        .unwrap();
    let mut room = RoomStream::default();
    std::thread::sleep(Duration::from_millis(200));
    let first = output(&mut room, 0);
    publisher.post(state("G1", &first));
    assert_same_frames(&next_state(&edge, Duration::from_secs(5)), &first);
    (publisher, edge, room)
}

#[test]
fn a_restarted_redis_brings_the_edge_back_to_the_newest_state_within_a_second() {
    let mut redis = Redis::start();
    let (publisher, edge, mut room) = watching(&redis);

    redis.kill();
    let deadline = Instant::now() + Duration::from_secs(5);
    while edge.status.redis_up() {
        assert!(Instant::now() < deadline, "the loss went unnoticed");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Built while Redis is away: lost on the wire, kept by the publisher.
    let during = output(&mut room, 1);
    publisher.post(state("G1", &during));
    std::thread::sleep(Duration::from_millis(300));

    redis.restart();
    let back = Instant::now();
    let got = next_state(&edge, Duration::from_secs(5));
    let took = back.elapsed();
    assert_same_frames(&got, &during);
    assert!(
        took < Duration::from_secs(1),
        "resynchronised after {took:?}"
    );
    assert!(edge.status.redis_up());
    // Published again on reconnect and read from the key: handed on once.
    assert!(edge.fed.recv_timeout(Duration::from_millis(300)).is_err());
}

#[test]
fn an_edge_cut_off_when_the_match_ends_gets_the_final_state_and_the_end() {
    let mut redis = Redis::start();
    let (publisher, edge, mut room) = watching(&redis);

    redis.kill();
    let last = output(&mut room, 1);
    publisher.post(state("G1", &last));
    publisher.post(ToBroadcast::Removed {
        group: Arc::from("G1"),
    });
    std::thread::sleep(Duration::from_millis(300));
    redis.restart();
    assert_same_frames(&next_state(&edge, Duration::from_secs(5)), &last);
    match edge.fed.recv_timeout(Duration::from_secs(5)) {
        Ok(ToBroadcast::Removed { group }) => assert_eq!(&*group, "G1"),
        other => panic!("expected the end, got {other:?}"),
    }
    // Read again (published and stored): the state is not handed on twice.
    while let Ok(msg) = edge.fed.recv_timeout(Duration::from_millis(300)) {
        assert!(matches!(msg, ToBroadcast::Removed { .. }), "{msg:?}");
    }

    // An edge that never had the room's state learns it ended, and no more.
    let (feed, fed) = crossbeam_channel::unbounded();
    let (interest, wanted) = crossbeam_channel::unbounded();
    let client = redis::Client::open(redis.url()).unwrap();
    let _fresh = subscriber::spawn(&client, wanted, vec![Box::new(feed)]).unwrap();
    interest.send(Interest::Watch(Arc::from("G1"))).unwrap();
    match fed.recv_timeout(Duration::from_secs(5)) {
        Ok(ToBroadcast::Removed { group }) => assert_eq!(&*group, "G1"),
        other => panic!("expected the end only, got {other:?}"),
    }
}

#[test]
fn an_edge_started_without_redis_says_so_and_catches_up_once_it_is_there() {
    let mut redis = Redis::start();
    redis.kill();
    let client = redis::Client::open(redis.url()).unwrap();
    let (feed, fed) = crossbeam_channel::unbounded();
    let (interest, wanted) = crossbeam_channel::unbounded();
    let (status, _) = subscriber::spawn(&client, wanted, vec![Box::new(feed)]).unwrap();
    interest.send(Interest::Watch(Arc::from("G1"))).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(!status.redis_up());

    redis.restart();
    let (publisher, _) = publisher::spawn(client, 7).unwrap();
    let mut room = RoomStream::default();
    let first = output(&mut room, 0);
    // Published until the edge, which retries, is subscribed and gets it.
    let deadline = Instant::now() + Duration::from_secs(5);
    let got = loop {
        publisher.post(state("G1", &first));
        if let Ok(ToBroadcast::State { msg, .. }) = fed.recv_timeout(Duration::from_millis(100)) {
            break msg;
        }
        assert!(Instant::now() < deadline, "the edge never caught up");
    };
    assert_same_frames(&got, &first);
    assert!(status.redis_up());
}
