//! Building one broadcast's WebSocket frames once: a room's output (the
//! plain frame and the standalone-compressed variant of a `match_data`-like
//! Socket.IO packet), a room stream at several levels, plus decoding a
//! compressed client message.
//!
//!     cargo bench --bench frames

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spectra_server::room::{Levels, Output, RoomStream};
use spectra_server::ws::{self, Data, Decoder, DeflateConfig, Deflater, OpCode};

/// A Socket.IO event packet whose argument is a JSON document as a string,
/// like `match_data`, of about `len` bytes.
fn event_packet(len: usize) -> Vec<u8> {
    let mut state = String::from("{\"groupCode\":\"ABCDEF\",\"isRanked\":false,\"teams\":[");
    let mut i = 0;
    while state.len() + 40 < len {
        state.push_str(&format!(
            "{{\"name\":\"Player{i}\",\"agent\":\"Jett\",\"kills\":{},\"deaths\":{},\"money\":{},\"alive\":{}}},",
            i * 7 % 23,
            i * 3 % 17,
            800 + i * 150 % 3900,
            i % 2 == 0
        ));
        i += 1;
    }
    state.push_str("{}]}");
    let escaped = serde_json::to_string(&state).unwrap_or_default();
    format!("42[\"match_data\",{escaped}]").into_bytes()
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("broadcast_build");
    for len in [4096usize, 16 * 1024] {
        let payload = Bytes::from(event_packet(len));
        let mut deflater = Deflater::new(Levels::default().standalone);
        g.throughput(Throughput::Bytes(payload.len() as u64));
        g.bench_function(format!("room_output_{}k", len / 1024), |b| {
            b.iter(|| Output::standalone_only(0, black_box(payload.clone()), &mut deflater))
        });
        g.bench_function(format!("plain_frame_{}k", len / 1024), |b| {
            b.iter(|| ws::encode_frame(OpCode::Data(Data::Text), black_box(&payload)))
        });
        g.bench_function(format!("deflate_{}k", len / 1024), |b| {
            b.iter(|| deflater.compress(black_box(&payload)))
        });
    }
    g.finish();
}

fn decode(c: &mut Criterion) {
    let payload = event_packet(4096);
    let z = Deflater::new(Levels::default().standalone)
        .compress(&payload)
        .unwrap_or_default();
    let frame = ws::client::encode_masked(true, true, OpCode::Data(Data::Text), &z, [1, 2, 3, 4]);
    let plain = ws::client::encode_masked(
        true,
        false,
        OpCode::Data(Data::Text),
        &payload,
        [1, 2, 3, 4],
    );
    let mut dec = Decoder::new(Some(DeflateConfig::default()), 1 << 20);
    let mut g = c.benchmark_group("client_decode");
    g.throughput(Throughput::Bytes(payload.len() as u64));
    g.bench_function("compressed_4k", |b| {
        b.iter(|| dec.decode(&mut BytesMut::from(&frame[..])))
    });
    g.bench_function("plain_4k", |b| {
        b.iter(|| dec.decode(&mut BytesMut::from(&plain[..])))
    });
    g.finish();
}

/// game-01's recorded broadcast states, as the `match_data` packets a room
/// compresses one after another.
fn recorded_packets() -> Vec<Vec<u8>> {
    use std::io::Read;
    let Some(path) = spectra_recordings::recordings_dir()
        .map(|d| d.join("game-01-regulation.expected.jsonl.gz"))
        .filter(|p| p.exists())
    else {
        return Vec::new();
    };
    let mut text = String::new();
    let file = std::fs::File::open(path).expect("readable states");
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip text");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let state = serde_json::to_string(&v["state"]).unwrap_or_default();
            let lit = serde_json::to_string(&state).unwrap_or_default();
            format!("42[\"match_data\",{lit}]").into_bytes()
        })
        .collect()
}

/// A room's stream at several levels, over consecutive recorded states
/// (what the match thread does once per room per tick); prints the average
/// stream frame size of each level.
fn room_stream(c: &mut Criterion) {
    let packets: Vec<Bytes> = recorded_packets().into_iter().map(Bytes::from).collect();
    if packets.is_empty() {
        eprintln!("room_stream: no recorded states beside the repository; skipped");
        return;
    }
    let mut g = c.benchmark_group("room_stream");
    for level in [1, 3, 6, 9] {
        let mut stream = RoomStream::new(Levels {
            stream: level,
            ..Levels::default()
        });
        let stream_len = |o: &Output| o.stream.as_ref().map_or(0, |s| s.frame.len());
        let total: usize = packets
            .iter()
            .map(|p| stream_len(&stream.output(0, p.clone())))
            .sum();
        eprintln!(
            "room_stream level {level}: {} B per frame on average",
            total / packets.len()
        );
        let mut i = 0;
        g.bench_function(format!("level_{level}"), |b| {
            b.iter(|| {
                i = (i + 1) % packets.len();
                stream.output(0, black_box(packets[i].clone()))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, build, decode, room_stream);
criterion_main!(benches);
