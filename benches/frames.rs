//! Building one broadcast's WebSocket frames once: the plain frame and the
//! standalone-compressed variant of a `match_data`-like Socket.IO packet,
//! plus decoding a compressed client message.
//!
//!     cargo bench --bench frames

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spectra_server::ws::{self, Data, Decoder, DeflateConfig, Deflater, OpCode, OutMessage};

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
        let payload = event_packet(len);
        let mut deflater = Deflater::new();
        g.throughput(Throughput::Bytes(payload.len() as u64));
        g.bench_function(format!("out_message_{}k", len / 1024), |b| {
            b.iter(|| OutMessage::text(black_box(&payload), &mut deflater))
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
    let z = Deflater::new().compress(&payload).unwrap_or_default();
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

/// A room's context-takeover stream at several levels, over consecutive
/// recorded states (what `ws::RoomStream` does once per room per tick);
/// prints the average frame size of each level.
fn room_stream(c: &mut Criterion) {
    use flate2::{Compress, Compression, FlushCompress};
    let packets = recorded_packets();
    if packets.is_empty() {
        eprintln!("room_stream: no recorded states beside the repository; skipped");
        return;
    }
    let mut g = c.benchmark_group("room_stream");
    for level in [1, 3, 6, 9] {
        let mut z = Compress::new(Compression::new(level), false);
        let mut out = Vec::with_capacity(64 * 1024);
        let mut compress = |p: &[u8], out: &mut Vec<u8>| {
            out.clear();
            let before = z.total_in();
            while ((z.total_in() - before) as usize) < p.len() || out.len() == out.capacity() {
                if out.len() == out.capacity() {
                    out.reserve(out.capacity());
                }
                let done = (z.total_in() - before) as usize;
                let _ = z.compress_vec(&p[done..], out, FlushCompress::Sync);
            }
            out.len()
        };
        let total: usize = packets.iter().map(|p| compress(p, &mut out)).sum();
        eprintln!(
            "room_stream level {level}: {} B per frame on average",
            total / packets.len()
        );
        let mut i = 0;
        g.bench_function(format!("level_{level}"), |b| {
            b.iter(|| {
                i = (i + 1) % packets.len();
                compress(black_box(&packets[i]), &mut out)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, build, decode, room_stream);
criterion_main!(benches);
