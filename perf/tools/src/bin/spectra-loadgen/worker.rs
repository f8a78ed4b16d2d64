//! A load-generator worker process: one thread, one mio poll, thousands of
//! frontends. It takes commands on stdin (`status`, `reset`, `report`,
//! `quit`) and answers on stdout, one line each; the scenario driver runs
//! several workers, each with its own loopback source address.

use std::io::{self, BufRead, Read, Write};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use serde_json::json;
use slab::Slab;
use spectra_perf::tls::{Session, TlsArgs};
use spectra_perf::wire::{self, Target};

use super::frontend::{Frontend, Phase};
use super::hist::Histogram;
use super::sysinfo;

const WAKER: Token = Token(usize::MAX);

/// A worker's command line, as `workers::spawn` writes it.
#[derive(Debug, clap::Args)]
pub struct Config {
    /// The broadcast port its frontends connect to
    #[arg(long, value_parser = wire::parse_target)]
    pub target: Target,
    /// Frontends
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// Global index of this worker's first frontend (sampling and groups
    /// are decided on global indexes, so they spread evenly)
    #[arg(long, default_value_t = 0)]
    pub base: usize,
    /// Group codes, comma-separated, dealt out by global index
    #[arg(long, value_delimiter = ',', default_value = "PERF")]
    pub groups: Vec<String>,
    /// One frontend in this many measures latency
    #[arg(long, default_value_t = 10, value_parser = crate::at_least_one)]
    pub sample_every: usize,
    /// Connection attempts per second (0: as fast as `inflight` allows)
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Frontends allowed between connect and `logon_success` at once
    #[arg(long, default_value_t = 256, value_parser = crate::at_least_one)]
    pub inflight: usize,
    /// Loopback source addresses, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub sources: Vec<Ipv4Addr>,
    /// Open each session over long-polling, then upgrade
    #[arg(long)]
    pub polling: bool,
    #[command(flatten)]
    pub tls: TlsArgs,
}

struct Conn {
    fe: Frontend,
    stream: Option<TcpStream>,
    /// The TLS session of a TLS target.
    tls: Option<Box<Session>>,
}

struct Totals {
    failed: u64,
    closed: u64,
    errors: Vec<String>,
    lat: Histogram,
    logon: Histogram,
    first_start_us: u64,
    last_live_us: u64,
    window_cpu_us: u64,
    window_start_us: u64,
}

pub fn run(cfg: Config) -> io::Result<()> {
    let nofile = sysinfo::raise_nofile();
    if cfg.count as u64 + 64 > nofile {
        eprintln!(
            "worker: {} frontends exceed the open-file limit {nofile}",
            cfg.count
        );
    }
    let logons: Vec<String> = cfg
        .groups
        .iter()
        .map(|g| {
            let body = format!("{{\"groupCode\":{}}}", wire::json_string(g));
            wire::event_packet("logon", &[&wire::json_string(&body)])
        })
        .collect();
    let tls = cfg.tls.client().map_err(io::Error::other)?;
    let mut poll = Poll::new()?;
    let waker = std::sync::Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (tx, rx) = crossbeam_channel::unbounded::<String>();
    {
        let waker = waker.clone();
        std::thread::spawn(move || {
            for line in io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
                let _ = waker.wake();
            }
            let _ = tx.send("quit".into());
            let _ = waker.wake();
        });
    }
    let mut conns: Slab<Conn> = Slab::with_capacity(cfg.count);
    let mut events = Events::with_capacity(4096);
    let mut scratch = vec![0u8; 256 << 10];
    let started = Instant::now();
    let mut next = 0usize;
    let mut pending = 0usize; // frontends not yet live nor closed
    let mut ready_sent = false;
    let mut t = Totals {
        failed: 0,
        closed: 0,
        errors: Vec::new(),
        lat: Histogram::new(),
        logon: Histogram::new(),
        first_start_us: 0,
        last_live_us: 0,
        window_cpu_us: sysinfo::cpu_us(std::process::id()).unwrap_or(0),
        window_start_us: sysinfo::now_us(),
    };
    let out = io::stdout();
    loop {
        // Start connections, paced.
        while next < cfg.count && pending < cfg.inflight {
            if cfg.rate > 0.0 && next as f64 >= cfg.rate * started.elapsed().as_secs_f64() {
                break;
            }
            let i = cfg.base + next;
            next += 1;
            let src = (!cfg.sources.is_empty()).then(|| cfg.sources[i % cfg.sources.len()]);
            let now = sysinfo::now_us();
            if t.first_start_us == 0 {
                t.first_start_us = now;
            }
            match sysinfo::connect_from(src, cfg.target.addr) {
                Ok(mut s) => {
                    let session = tls.session(&cfg.target)?;
                    let entry = conns.vacant_entry();
                    poll.registry().register(
                        &mut s,
                        Token(entry.key()),
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    let group = (i % cfg.groups.len()) as u32;
                    entry.insert(Conn {
                        fe: Frontend::new(
                            group,
                            i.is_multiple_of(cfg.sample_every),
                            now,
                            cfg.polling,
                        ),
                        stream: Some(s),
                        tls: session,
                    });
                    pending += 1;
                }
                Err(e) => {
                    t.failed += 1;
                    if t.errors.len() < 5 {
                        t.errors.push(format!("connect: {e}"));
                    }
                }
            }
        }
        if !ready_sent && next == cfg.count && pending == 0 {
            ready_sent = true;
            let live = conns
                .iter()
                .filter(|(_, c)| c.fe.phase == Phase::Live)
                .count();
            writeln!(out.lock(), "ready live={live} failed={}", t.failed)?;
        }
        let timeout = if next < cfg.count { 5 } else { 200 };
        match poll.poll(&mut events, Some(Duration::from_millis(timeout))) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for ev in events.iter() {
            if ev.token() == WAKER {
                continue;
            }
            let key = ev.token().0;
            let Some(c) = conns.get_mut(key) else {
                continue;
            };
            let was_pending = !matches!(c.fe.phase, Phase::Live | Phase::Closed);
            let result = service(c, &cfg, &logons, &mut scratch, &mut t, ev.is_writable());
            let now_pending = !matches!(c.fe.phase, Phase::Live | Phase::Closed);
            if let Err(e) = result {
                if c.fe.phase == Phase::Live {
                    t.closed += 1;
                } else {
                    t.failed += 1;
                }
                if t.errors.len() < 5 {
                    t.errors.push(e);
                }
                c.fe.phase = Phase::Closed;
                if let Some(mut s) = c.stream.take() {
                    let _ = poll.registry().deregister(&mut s);
                }
            }
            let now_pending = now_pending && c.fe.phase != Phase::Closed;
            if was_pending && !now_pending {
                pending -= 1;
                if c.fe.phase == Phase::Live {
                    t.logon.record(c.fe.live_us.saturating_sub(c.fe.started_us));
                    t.last_live_us = t.last_live_us.max(c.fe.live_us);
                }
            }
        }
        while let Ok(cmd) = rx.try_recv() {
            let mut o = out.lock();
            match cmd.trim() {
                "status" => {
                    let live = conns
                        .iter()
                        .filter(|(_, c)| c.fe.phase == Phase::Live)
                        .count();
                    let frames: u64 = conns.iter().map(|(_, c)| c.fe.counts.frames).sum();
                    writeln!(
                        o,
                        "status live={live} pending={pending} failed={} closed={} frames={frames}",
                        t.failed, t.closed
                    )?;
                }
                "reset" => {
                    for (_, c) in conns.iter_mut() {
                        c.fe.reset();
                    }
                    t.lat = Histogram::new();
                    t.window_cpu_us = sysinfo::cpu_us(std::process::id()).unwrap_or(0);
                    t.window_start_us = sysinfo::now_us();
                    writeln!(o, "ok")?;
                }
                "report" => writeln!(o, "{}", report(&conns, &cfg, &t))?,
                "quit" => return Ok(()),
                other => writeln!(o, "error unknown command {other:?}")?,
            }
        }
    }
}

/// Reads and writes one connection until the socket would block.
fn service(
    c: &mut Conn,
    cfg: &Config,
    logons: &[String],
    scratch: &mut [u8],
    t: &mut Totals,
    writable: bool,
) -> Result<(), String> {
    let Some(s) = c.stream.as_mut() else {
        return Ok(());
    };
    if c.fe.phase == Phase::Connecting {
        if !writable {
            return Ok(());
        }
        if let Ok(Some(e)) | Err(e) = s.take_error() {
            return Err(format!("connect: {e}"));
        }
        match s.peer_addr() {
            Ok(_) => c.fe.on_connected(&cfg.target.host),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => return Ok(()),
            Err(e) => return Err(format!("connect: {e}")),
        }
    }
    loop {
        match s.read(scratch) {
            Ok(0) => return Err("closed by the server".into()),
            Ok(n) => {
                let wire = &scratch[..n];
                match &mut c.tls {
                    None => c.fe.inbuf.extend_from_slice(wire),
                    Some(t) => {
                        if t.feed(wire, &mut c.fe.inbuf)
                            .map_err(|e| format!("TLS: {e}"))?
                        {
                            return Err("closed by the server (close_notify)".into());
                        }
                    }
                }
                let now = sysinfo::now_us();
                c.fe.on_bytes(&logons[c.fe.group as usize], now, &mut t.lat)?;
                if n < scratch.len() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    if c.fe.inbuf.is_empty() && c.fe.inbuf.capacity() > 64 << 10 {
        c.fe.inbuf = bytes::BytesMut::new();
    }
    if let Some(t) = &mut c.tls {
        // Encrypted whole (held back until the handshake is done); what the
        // socket does not take now goes with the next writable event.
        if !c.fe.out.is_empty() {
            t.send(&c.fe.out).map_err(|e| format!("TLS: {e}"))?;
            c.fe.out.clear();
        }
        t.flush(s).map_err(|e| format!("write: {e}"))?;
    }
    while !c.fe.out.is_empty() {
        match s.write(&c.fe.out) {
            Ok(n) => {
                c.fe.out.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("write: {e}")),
        }
    }
    if c.fe.phase == Phase::Closed {
        return Err("closed by the server (close packet)".into());
    }
    Ok(())
}

fn report(conns: &Slab<Conn>, cfg: &Config, t: &Totals) -> serde_json::Value {
    // Per group: [frontends that went live, frames, min, max].
    let mut groups = vec![[0u64, 0, u64::MAX, 0]; cfg.groups.len()];
    let (mut frames, mut wire, mut payload, mut bad, mut probes, mut sampled_frames) =
        (0, 0, 0, 0, 0, 0);
    for (_, c) in conns.iter() {
        if c.fe.live_us == 0 {
            continue;
        }
        let k = &c.fe.counts;
        let g = &mut groups[c.fe.group as usize];
        g[0] += 1;
        g[1] += k.frames;
        g[2] = g[2].min(k.frames);
        g[3] = g[3].max(k.frames);
        frames += k.frames;
        wire += k.wire_bytes;
        payload += k.payload_bytes;
        bad += k.bad;
        probes += k.probes;
        if k.payload_bytes > 0 {
            sampled_frames += k.frames;
        }
    }
    let live = conns
        .iter()
        .filter(|(_, c)| c.fe.phase == Phase::Live)
        .count();
    let cpu = sysinfo::cpu_us(std::process::id()).unwrap_or(0);
    json!({
        "live": live,
        "failed": t.failed,
        "closed": t.closed,
        "groups": groups.iter().map(|g| [g[0], g[1], if g[2] == u64::MAX { 0 } else { g[2] }, g[3]]).collect::<Vec<_>>(),
        "frames": frames,
        "wire_bytes": wire,
        "payload_bytes": payload,
        "sampled_frames": sampled_frames,
        "bad": bad,
        "probes": probes,
        "lat": t.lat.encode(),
        "logon": t.logon.encode(),
        "first_start_us": t.first_start_us,
        "last_live_us": t.last_live_us,
        "cpu_us": cpu.saturating_sub(t.window_cpu_us),
        "window_us": sysinfo::now_us().saturating_sub(t.window_start_us),
        "errors": t.errors,
    })
}
