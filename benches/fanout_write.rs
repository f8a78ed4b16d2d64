//! Per-recipient cost of a broadcast on the reactor side: queueing a shared
//! pre-built frame on each recipient's outbox (latest-wins) and handing it to
//! the socket write. The frame is built once elsewhere; here it is only
//! reference-counted per recipient, so the cost must not depend on its size.
//!
//! `userland`: queue + gather for writev + consume, no syscall.
//! `loopback_write`: the same plus the real `writev` on a loopback TCP
//! socket (kernel included), for scale.

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spectra_server::net::outbox::Outbox;
use std::hint::black_box;
use std::io::{IoSlice, Read, Write};
use std::net::{TcpListener, TcpStream};

const RECIPIENTS: usize = 1000;
const LIMIT: usize = 8 << 20;

fn userland(c: &mut Criterion) {
    let mut g = c.benchmark_group("fanout_userland");
    g.throughput(Throughput::Elements(RECIPIENTS as u64));
    for size in [1024usize, 4096, 17_500] {
        let frame = Bytes::from(vec![b'x'; size]);
        let mut boxes: Vec<Outbox> = (0..RECIPIENTS).map(|_| Outbox::default()).collect();
        g.bench_with_input(
            BenchmarkId::new("queue_and_drain", size),
            &frame,
            |b, frame| {
                b.iter(|| {
                    for o in &mut boxes {
                        o.push_latest(1, frame.clone(), LIMIT).unwrap();
                        let mut slices = [IoSlice::new(&[]); 8];
                        let n = o.io_slices(&mut slices, usize::MAX);
                        let len: usize = slices.iter().take(n).map(|s| s.len()).sum();
                        o.consume(black_box(len));
                    }
                })
            },
        );
        // A slow recipient: the newer frame replaces the unwritten one.
        g.bench_with_input(
            BenchmarkId::new("replace_unwritten", size),
            &frame,
            |b, frame| {
                for o in &mut boxes {
                    o.push(Bytes::from_static(b"ordered"), LIMIT).unwrap();
                    o.push_latest(1, frame.clone(), LIMIT).unwrap();
                }
                b.iter(|| {
                    for o in &mut boxes {
                        o.push_latest(1, frame.clone(), LIMIT).unwrap();
                    }
                })
            },
        );
    }
    g.finish();
}

fn loopback_write(c: &mut Criterion) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut tx = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut rx, _) = listener.accept().unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 20];
        while let Ok(n) = rx.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    });
    let mut g = c.benchmark_group("fanout_loopback_write");
    g.throughput(Throughput::Elements(1));
    for size in [1024usize, 4096] {
        let frame = Bytes::from(vec![b'x'; size]);
        let mut o = Outbox::default();
        g.bench_with_input(
            BenchmarkId::new("queue_and_writev", size),
            &frame,
            |b, frame| {
                b.iter(|| {
                    o.push_latest(1, frame.clone(), LIMIT).unwrap();
                    while !o.is_empty() {
                        let mut slices = [IoSlice::new(&[]); 8];
                        let n = o.io_slices(&mut slices, usize::MAX);
                        let w = tx.write_vectored(&slices[..n]).unwrap();
                        o.consume(w);
                    }
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, userland, loopback_write);
criterion_main!(benches);
