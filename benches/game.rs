//! The game model's hot paths, on a recorded game
//! (`../shared/conformance/game-01-regulation`):
//!
//! - `apply/recorded_mix`: parse + apply every observer event of the game
//!   (its real mix: scoreboards, kill feed, rounds...), events/s;
//! - `serialize/write_state`: the full broadcast state mid-game, written
//!   into a reused buffer (allocations after warm-up are counted and printed);
//! - `serialize/serde_json_value`: the same state as a `serde_json::Value`
//!   through `serde_json::to_string`, the naive baseline.
//!
//! The machine is shared, so next to criterion's wall-clock figures the
//! bench prints thread CPU time per operation (`CLOCK_THREAD_CPUTIME_ID`),
//! which does not count time spent waiting for a core.
//!
//!     cargo bench --bench game

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use spectra_recordings::{BASE_MS, Input, parse_inputs, read_text, recordings_dir};
use spectra_server::game::{AuthPolicy, ConnId, Parser, Registry, parse_envelope};

/// Counts allocations, to show that serializing allocates nothing.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn game_input() -> PathBuf {
    recordings_dir()
        .expect("../shared/conformance beside the repository")
        .join("game-01-regulation.input.jsonl")
}

const OBS: ConnId = ConnId::new(1);

/// CPU time consumed by this thread, in ns.
fn thread_cpu_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

/// A registry with the game's match logged on.
fn logged_on(logon: &Input) -> Registry {
    let mut r = Registry::new(AuthPolicy::open(), Box::new(|| "BENCHSECRET1".to_owned()));
    let out = r.obs_logon(OBS, &logon.payload, BASE_MS + logon.t);
    assert!(out.error.is_none(), "{:?}", out.error);
    r
}

fn bench(c: &mut Criterion) {
    let inputs = parse_inputs(&read_text(&game_input()).expect("read game")).expect("parse game");
    let logon = inputs
        .iter()
        .find(|i| i.event == "obs_logon")
        .expect("a logon")
        .clone();
    let events: Vec<&Input> = inputs.iter().filter(|i| i.event == "obs_data").collect();
    let group = {
        let r = logged_on(&logon);
        r.group_codes().next().expect("one match").to_owned()
    };

    {
        const GAMES: usize = 20;
        let mut cpu = 0;
        for _ in 0..GAMES {
            let mut r = logged_on(&logon);
            let start = thread_cpu_ns();
            for e in &events {
                black_box(r.obs_data(OBS, &e.payload, BASE_MS + e.t));
            }
            cpu += thread_cpu_ns() - start;
        }
        let per_event = cpu as f64 / (GAMES * events.len()) as f64;
        let mut parser = Parser::default();
        let start = thread_cpu_ns();
        for _ in 0..GAMES {
            for e in &events {
                let ok = parser.parse(e.payload.as_bytes(), |root| parse_envelope(&root).is_ok());
                black_box(ok.unwrap_or(false));
            }
        }
        let parse_only = (thread_cpu_ns() - start) as f64 / (GAMES * events.len()) as f64;
        println!(
            "apply: parsing alone (simd-json tape + typed event) takes {parse_only:.0} ns CPU per event"
        );
        println!(
            "apply: {} events per game, {per_event:.0} ns CPU per event = {:.0} events/s per core",
            events.len(),
            1e9 / per_event
        );
    }

    let mut g = c.benchmark_group("apply");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("recorded_mix", |b| {
        b.iter_batched(
            || logged_on(&logon),
            |mut r| {
                for e in &events {
                    black_box(r.obs_data(OBS, &e.payload, BASE_MS + e.t));
                }
                r
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // Mid-game: the first half of the events applied.
    let mut mid = logged_on(&logon);
    for e in &events[..events.len() / 2] {
        mid.obs_data(OBS, &e.payload, BASE_MS + e.t);
    }
    let mut buf = Vec::with_capacity(64 * 1024);
    assert!(mid.write_state(&group, &mut buf));
    let state_len = buf.len();
    let value: serde_json::Value = serde_json::from_slice(&buf).expect("state is JSON");

    for _ in 0..100 {
        buf.clear();
        mid.write_state(&group, &mut buf);
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    const ROUNDS: usize = 1000;
    for _ in 0..ROUNDS {
        buf.clear();
        mid.write_state(&group, &mut buf);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    println!(
        "serialize: state of {state_len} bytes; {allocations} allocations in {ROUNDS} serializations after warm-up"
    );
    let start = thread_cpu_ns();
    for _ in 0..ROUNDS {
        buf.clear();
        mid.write_state(&group, &mut buf);
    }
    let ours = (thread_cpu_ns() - start) as f64 / ROUNDS as f64;
    let start = thread_cpu_ns();
    for _ in 0..ROUNDS {
        black_box(serde_json::to_string(&value).map(|s| s.len()).unwrap_or(0));
    }
    let naive = (thread_cpu_ns() - start) as f64 / ROUNDS as f64;
    println!(
        "serialize: {:.1} µs CPU (write_state) vs {:.1} µs CPU (serde_json::to_string of a Value): {:.1}x",
        ours / 1000.0,
        naive / 1000.0,
        naive / ours
    );

    let mut g = c.benchmark_group("serialize");
    g.throughput(Throughput::Bytes(state_len as u64));
    g.bench_function("write_state", |b| {
        b.iter(|| {
            buf.clear();
            mid.write_state(black_box(&group), &mut buf);
            black_box(buf.len())
        })
    });
    g.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(serde_json::to_string(black_box(&value)).map(|s| s.len())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
