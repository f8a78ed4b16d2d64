//! The ingest thread's JSON work on a recorded game's observer events
//! (`../shared/conformance/game-01-regulation`), sent as the Spectra client
//! sends them: `["obs_data","<the event's JSON, as a string>"]`.
//!
//! - `split`: the event array into its elements' texts, ours
//!   ([`spectra_server::json::array::elements`]) against serde_json's
//!   `Vec<&RawValue>`; `ours_decoding_the_argument` also decodes the
//!   string argument in the same pass (what the ingest port does);
//! - `replay_line`: the replay writer's line for each event, the payload
//!   recognised as `JSON.stringify` output ([`format::event`]) against
//!   parsing and printing it ([`format::reprinted_event`]);
//! - `unescape`: the string argument into its text, ours
//!   ([`spectra_server::json::string::unescape_into`]) against serde_json's
//!   `String` and simd-json (the game model's tape parser): on strings
//!   escaped every few bytes SIMD has little to skip.
//!
//!     cargo bench --bench ingest_json

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::value::RawValue;
use spectra_recordings::{parse_inputs, read_text, recordings_dir};
use spectra_server::json::{array, string};
use spectra_server::replay::format;

/// Every `obs_data` event of game-01 as a Socket.IO event array.
fn packets() -> Vec<String> {
    let path = recordings_dir()
        .expect("../shared/conformance beside the repository")
        .join("game-01-regulation.input.jsonl");
    let text = read_text(&path).expect("readable input");
    parse_inputs(&text)
        .expect("parsable input")
        .into_iter()
        .filter(|i| i.event == "obs_data")
        .map(|i| serde_json::to_string(&("obs_data", i.payload)).expect("JSON"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let packets = packets();
    let bytes: usize = packets.iter().map(String::len).sum();
    let args: Vec<&str> = packets
        .iter()
        .map(|p| array::elements(p).expect("an array")[1])
        .collect();

    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("ours", |b| {
        b.iter(|| {
            for p in &packets {
                black_box(array::elements(black_box(p)));
            }
        })
    });
    let mut text = String::with_capacity(64 * 1024);
    g.bench_function("ours_decoding_the_argument", |b| {
        b.iter(|| {
            text.clear();
            for p in &packets {
                black_box(array::elements_decoding(black_box(p), 1, &mut text));
            }
        })
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            for p in &packets {
                black_box(serde_json::from_str::<Vec<&RawValue>>(black_box(p)).ok());
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("unescape");
    g.throughput(Throughput::Bytes(bytes as u64));
    let mut out = String::with_capacity(64 * 1024);
    g.bench_function("ours", |b| {
        b.iter(|| {
            out.clear();
            for a in &args {
                black_box(string::unescape_into(black_box(a), &mut out)).ok();
            }
        })
    });
    let mut parser = spectra_server::game::Parser::default();
    g.bench_function("simd_json", |b| {
        b.iter(|| {
            out.clear();
            for a in &args {
                let _ = parser.parse(black_box(a).as_bytes(), |v| {
                    if let Some(s) = v.as_str() {
                        out.push_str(s);
                    }
                });
            }
        })
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            for a in &args {
                black_box(serde_json::from_str::<String>(black_box(a)).ok());
            }
        })
    });
    g.finish();

    // The replay writer's line for each event: the payload text as the
    // client sent it, recognised as `JSON.stringify` output, against parsing
    // and printing it.
    let payloads: Vec<String> = args
        .iter()
        .map(|a| serde_json::from_str::<String>(a).expect("a string argument"))
        .collect();
    let payload_bytes: usize = payloads.iter().map(String::len).sum();
    let mut g = c.benchmark_group("replay_line");
    g.throughput(Throughput::Bytes(payload_bytes as u64));
    let mut line = String::with_capacity(64 * 1024);
    g.bench_function("shortcut", |b| {
        b.iter(|| {
            for p in &payloads {
                line.clear();
                black_box(format::event(black_box(p), 1_750_000_000_000, &mut line).ok());
            }
        })
    });
    g.bench_function("reprinted", |b| {
        b.iter(|| {
            for p in &payloads {
                line.clear();
                black_box(format::reprinted_event(black_box(p), 1_750_000_000_000, &mut line).ok());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
