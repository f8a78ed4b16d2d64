//! Broadcasting through `sio::Server`: building a room's output for a 4 KB
//! JSON event once, then the per-recipient cost of `Server::broadcast` to a
//! room of N members (queueing one `Action` per member, draining it, and
//! picking the member's frame as the network side does; the kernel write
//! is the network layer's). Throughput is per recipient, so
//! criterion's "elements/s" inverts to ns per recipient. Times are this
//! thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: the
//! machine is shared, and time spent descheduled is not our cost.
//!
//!     cargo bench --bench broadcast

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spectra_server::eio::{self, ConnId, HttpOutcome};
use spectra_server::http::Request;
use spectra_server::room::{Levels, Output, RoomStream};
use spectra_server::sio::{self, Action, AppEvent, EngineConfig, Server};
use spectra_server::ws::{self, Deflater, Message};

/// CPU time consumed by this thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` `iters` times and returns the CPU time it took.
fn cpu_time(iters: u64, mut f: impl FnMut()) -> Duration {
    let start = thread_cpu();
    for _ in 0..iters {
        f();
    }
    thread_cpu().saturating_sub(start)
}

/// A JSON document of about `len` bytes, sent as a string argument like
/// `match_data`.
fn json_arg(len: usize) -> String {
    let mut state = String::from("{\"groupCode\":\"ABCDEF\",\"players\":[");
    let mut i = 0;
    while state.len() + 80 < len {
        state.push_str(&format!(
            "{{\"name\":\"Player{i}\",\"agent\":\"Jett\",\"kills\":{},\"money\":{}}},",
            i * 7 % 23,
            800 + i * 150 % 3900
        ));
        i += 1;
    }
    state.push_str("{}]}");
    serde_json::to_string(&state).unwrap_or_default()
}

fn ws_request(deflate: bool) -> Request {
    ws::client::upgrade_request("/socket.io/?EIO=4&transport=websocket", deflate)
}

/// A server with `n` WebSocket sockets in room "match", half of them with
/// permessage-deflate.
fn server_with_room(n: usize) -> Server {
    let mut srv = Server::new(EngineConfig::default());
    for i in 0..n {
        let conn = ConnId::new(i);
        let out = srv
            .transport()
            .on_http(conn, None, ws_request(i % 2 == 0), 0);
        assert!(matches!(out, HttpOutcome::Upgrade { .. }));
        srv.transport()
            .on_ws_message(conn, Message::Text("40".into()), 0);
        while let Some(a) = srv.poll_action() {
            if let Action::App(AppEvent::Connect { socket, .. }) = a {
                srv.join(socket, "match");
            }
        }
    }
    assert_eq!(srv.room_size("match"), n);
    srv
}

/// A room output of `match_data` with this argument, not on a stream.
fn standalone(arg: &str, deflater: &mut Deflater) -> Arc<Output> {
    let packet = sio::event_packet("/", "match_data", &[arg]);
    Arc::new(Output::standalone_only(0, packet, deflater))
}

/// Drains the server's actions as the network side does: a member's frame
/// is picked when its message is queued.
fn drain(srv: &mut Server) {
    while let Some(a) = srv.poll_action() {
        if let Action::Transport(eio::Action::WsLatest { conn, msg }) = &a {
            black_box(srv.transport().pick(*conn, msg, false));
        }
        black_box(a);
    }
}

fn prebuild(c: &mut Criterion) {
    let arg = json_arg(4096);
    let mut deflater = Deflater::new(Levels::default().standalone);
    let mut g = c.benchmark_group("room_output");
    g.throughput(Throughput::Bytes(arg.len() as u64));
    g.bench_function("event_4k", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                black_box(standalone(black_box(&arg), &mut deflater));
            })
        })
    });
    g.finish();
}

fn broadcast(c: &mut Criterion) {
    let mut g = c.benchmark_group("broadcast_per_recipient");
    let mut deflater = Deflater::new(Levels::default().standalone);
    for n in [100usize, 1000, 10_000] {
        let mut srv = server_with_room(n);
        for size in [4096usize, 65536] {
            let msg = standalone(&json_arg(size), &mut deflater);
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(
                BenchmarkId::new(format!("{}k", size / 1024), n),
                &msg,
                |b, msg| {
                    b.iter_custom(|iters| {
                        cpu_time(iters, || {
                            srv.broadcast("match", msg);
                            drain(&mut srv);
                        })
                    })
                },
            );
        }
        // On a room compression stream: deflate members' cursors pick the
        // frame (stream or standalone) per recipient.
        let mut stream = RoomStream::default();
        let arg = json_arg(4096);
        let msgs: Vec<Arc<Output>> = (0..2)
            .map(|_| stream.output(0, sio::event_packet("/", "match_data", &[&arg])))
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("4k_stream", n), &msgs, |b, msgs| {
            let mut i = 0;
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    i += 1;
                    srv.broadcast("match", &msgs[i % 2]);
                    drain(&mut srv);
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, prebuild, broadcast);
criterion_main!(benches);
