//! The scenarios: each drives observers and frontends against one server
//! and returns an [`Outcome`] (one table row).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use spectra_perf::observer::{self, Observer};
use spectra_perf::source::{self, Game};
use spectra_perf::tls::Tls;
use spectra_perf::wire::{self, Target};

use super::hist::Histogram;
use super::sysinfo;
use super::usage::{self, Usage, rss};
use super::workers::{self, Spread, Worker};

/// A server under test.
#[derive(Debug, Clone)]
pub struct Server {
    pub name: String,
    pub ingest: Target,
    /// Where frontends connect, each URL taking an even share (several:
    /// the edges serving one audience).
    pub broadcast_urls: Vec<String>,
    /// For CPU and RSS from /proc, summed over the processes (optional:
    /// any server by URL).
    pub pids: Vec<u32>,
    /// With edges: the origin's process, whose CPU is reported beside the
    /// edges' (which are the server's).
    pub origin_pid: Option<u32>,
    /// With edges: the Redis between origin and edges, for its CPU and
    /// traffic (from its `INFO`).
    pub redis: Option<SocketAddr>,
    /// Scenarios to run on it in `all` (empty: every one).
    pub only: Vec<String>,
    /// In the report's ratios although `only` limits it (`ratios=yes`):
    /// another build of the first server, compared on its scenarios.
    pub ratios: bool,
}

impl Server {
    /// Refuses TLS URLs that `--insecure-tls` or `--tls-ca` does not cover.
    pub fn check_tls(&self, tls: &Tls) -> Result<(), String> {
        tls.check(&self.ingest)?;
        for b in &self.broadcast_urls {
            tls.check(&wire::parse_target(b)?)?;
        }
        Ok(())
    }
}

/// Knobs shared by every scenario.
#[derive(Debug, Clone)]
pub struct Common {
    pub game: PathBuf,
    pub key: String,
    pub sample_every: usize,
    pub per_worker: usize,
    /// Game steps per second (each step: one game event and one probe).
    pub steps: f64,
    pub duration: Duration,
    /// Stop a run when the server's RSS passes this many bytes.
    pub rss_limit: u64,
    pub run: usize,
    /// How `https://` and `wss://` targets are trusted.
    pub tls: Tls,
}

/// One row of results. Latencies in ms.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub scenario: String,
    pub server: String,
    pub frontends: usize,
    pub matches: usize,
    pub live: usize,
    pub failed: u64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub latency_samples: u64,
    /// Updates the best-served frontend of each match received, summed over matches.
    pub updates: u64,
    pub delivered: u64,
    pub missed: u64,
    pub deliveries_per_s: f64,
    pub server_cpu: Option<f64>,
    pub server_rss_mb: Option<f64>,
    /// Edge nodes the frontends were spread over, on an edge topology
    /// (`Some(0)`: the origin alone); `None`: a server on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edges: Option<usize>,
    /// The origin's CPU (cores) beside the edges' (`server_cpu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_cpu: Option<f64>,
    /// The origin's CPU time per game step sent (µs): its work follows the
    /// game, not the audience, and steps vary from row to row (jitter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_us_per_step: Option<f64>,
    /// Redis' CPU (cores) beside the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_cpu: Option<f64>,
    /// Bytes Redis read (from the origin) over the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_in_bytes: Option<u64>,
    /// Bytes Redis wrote (to the edges) over the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_out_bytes: Option<u64>,
    pub generator_cpu: f64,
    pub wire_per_update: Option<f64>,
    pub payload_per_update: Option<f64>,
    /// Scenario-specific rate: events/s (ingest), logons/s (storm).
    pub rate: Option<f64>,
    /// Server RSS per frontend in KB (idle).
    pub rss_per_frontend_kb: Option<f64>,
    pub bad_frames: u64,
    pub window_s: f64,
    /// 1-minute load average when the row started (other work on the machine).
    pub load: f64,
    pub notes: Vec<String>,
}

fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|v| v as f64 / 1000.0)
}

/// Sleeps `d` while keeping observers' sockets serviced (pings).
fn idle(obs: &mut [Observer], d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        for o in obs.iter_mut() {
            o.pump().map_err(|e| format!("observer: {e}"))?;
            o.inbox.clear();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// An observer logged on to `group` with the game's opening events sent
/// (`warm` of them), so frontends get a realistic state.
struct Feed {
    obs: Observer,
    frames: Vec<Vec<u8>>,
    next: usize,
    group: String,
    obs_name: String,
}

impl Feed {
    fn start(srv: &Server, c: &Common, group: &str, warm: usize) -> Result<Feed, String> {
        Feed::start_with(srv, source::load(&c.game)?, c, group, warm)
    }

    fn start_with(
        srv: &Server,
        game: Game,
        c: &Common,
        group: &str,
        warm: usize,
    ) -> Result<Feed, String> {
        let game: Game = game.with_group(group).with_key(&c.key).without_end();
        if game.events.is_empty() {
            return Err(format!("{}: no observer events", c.game.display()));
        }
        let mut obs = Observer::connect(&srv.ingest, &c.tls, Duration::from_secs(10))
            .map_err(|e| format!("observer: {e}"))?;
        obs.logon(&game.logon.to_string(), Duration::from_secs(10))
            .map_err(|e| format!("observer: {e}"))?;
        let frames: Vec<Vec<u8>> = game
            .events
            .iter()
            .map(|e| observer::data_frame(&e.payload.to_string()))
            .collect();
        let mut f = Feed {
            obs,
            frames,
            next: 0,
            group: group.to_owned(),
            obs_name: game.obs_name().to_owned(),
        };
        let warm = warm.min(f.frames.len());
        let batch: Vec<u8> = f.frames[..warm].concat();
        f.obs
            .write_all(&batch)
            .map_err(|e| format!("observer: {e}"))?;
        f.next = warm;
        Ok(f)
    }

    /// One step: the next game event (cycling) and a probe.
    fn step(&mut self) -> Result<(), String> {
        let i = self.next % self.frames.len();
        self.next += 1;
        let probe = wire::probe_event(&self.obs_name, &self.group, sysinfo::now_us());
        let mut buf = self.frames[i].clone();
        buf.extend_from_slice(&wire::text_frame(probe.as_bytes(), observer::mask()));
        self.obs
            .write_all(&buf)
            .map_err(|e| format!("observer: {e}"))
    }
}

/// Totals over the workers' reports.
#[derive(Default)]
struct Merged {
    live: usize,
    failed: u64,
    frames: u64,
    wire: u64,
    payload: u64,
    sampled_frames: u64,
    bad: u64,
    lat: Histogram,
    logon: Histogram,
    first_start_us: u64,
    last_live_us: u64,
    cpu_us: u64,
    /// Per group: frontends, frames, max frames.
    groups: Vec<(u64, u64, u64)>,
    errors: Vec<String>,
}

fn collect(ws: &mut [Worker]) -> Result<Merged, String> {
    let mut m = Merged::default();
    for w in ws.iter_mut() {
        w.send("report");
    }
    for w in ws.iter() {
        let line = w.expect("{", Duration::from_secs(30))?;
        let r: Value = serde_json::from_str(&line).map_err(|e| format!("worker report: {e}"))?;
        let u = |k: &str| r[k].as_u64().unwrap_or(0);
        m.live += u("live") as usize;
        m.failed += u("failed");
        m.frames += u("frames");
        m.wire += u("wire_bytes");
        m.payload += u("payload_bytes");
        m.sampled_frames += u("sampled_frames");
        m.bad += u("bad");
        m.cpu_us += u("cpu_us");
        if let Some(h) = r["lat"].as_str().and_then(Histogram::decode) {
            m.lat.merge(&h);
        }
        if let Some(h) = r["logon"].as_str().and_then(Histogram::decode) {
            m.logon.merge(&h);
        }
        let first = u("first_start_us");
        if first > 0 && (m.first_start_us == 0 || first < m.first_start_us) {
            m.first_start_us = first;
        }
        m.last_live_us = m.last_live_us.max(u("last_live_us"));
        if let Some(gs) = r["groups"].as_array() {
            if m.groups.len() < gs.len() {
                m.groups.resize(gs.len(), (0, 0, 0));
            }
            for (i, g) in gs.iter().enumerate() {
                let v = |j: usize| g[j].as_u64().unwrap_or(0);
                let e = &mut m.groups[i];
                e.0 += v(0);
                e.1 += v(1);
                e.2 = e.2.max(v(3));
            }
        }
        if let Some(es) = r["errors"].as_array() {
            for e in es.iter().filter_map(Value::as_str) {
                if m.errors.len() < 5 {
                    m.errors.push(e.to_owned());
                }
            }
        }
    }
    Ok(m)
}

/// Waits until every worker printed `ready` (servicing observers meanwhile).
fn wait_ready(ws: &[Worker], obs: &mut [Observer], timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut ready = vec![false; ws.len()];
    while ready.iter().any(|r| !r) {
        if Instant::now() > deadline {
            return Err(format!(
                "frontends not connected within {} s",
                timeout.as_secs()
            ));
        }
        for (i, w) in ws.iter().enumerate() {
            while let Some(l) = w.try_line() {
                if l.starts_with("ready") {
                    ready[i] = true;
                }
            }
        }
        idle(obs, Duration::from_millis(50))?;
    }
    Ok(())
}

fn fill(
    o: &mut Outcome,
    m: &Merged,
    srv: &Server,
    before: &Usage,
    after: &Usage,
    worker_cpu_us: u64,
) {
    let wall = after.at.duration_since(before.at).as_secs_f64().max(1e-6);
    o.window_s = wall;
    o.live = m.live;
    o.failed = m.failed;
    o.p50 = ms(m.lat.quantile(0.5));
    o.p90 = ms(m.lat.quantile(0.9));
    o.p99 = ms(m.lat.quantile(0.99));
    o.max = ms((m.lat.count() > 0).then(|| m.lat.max()));
    o.latency_samples = m.lat.count();
    o.updates = m.groups.iter().map(|g| g.2).sum();
    o.delivered = m.frames;
    o.missed = m.groups.iter().map(|g| g.0 * g.2 - g.1).sum();
    o.deliveries_per_s = m.frames as f64 / wall;
    let cores = |a: Option<u64>, b: Option<u64>| Some(b?.saturating_sub(a?) as f64 / 1e6 / wall);
    o.server_cpu = cores(before.server_cpu, after.server_cpu);
    o.origin_cpu = cores(before.origin_cpu, after.origin_cpu);
    if let Some(c) = o.origin_cpu {
        o.notes.push(format!("origin CPU {c:.2} cores"));
    }
    if let (Some(a), Some(b)) = (before.redis, after.redis) {
        let cpu = b.cpu_us.saturating_sub(a.cpu_us) as f64 / 1e6 / wall;
        let (i, w) = (
            b.net_in.saturating_sub(a.net_in),
            b.net_out.saturating_sub(a.net_out),
        );
        o.redis_cpu = Some(cpu);
        o.redis_in_bytes = Some(i);
        o.redis_out_bytes = Some(w);
        o.notes.push(format!(
            "Redis CPU {cpu:.2} cores, {:.1} MB in, {:.1} MB out",
            i as f64 / 1e6,
            w as f64 / 1e6
        ));
    }
    o.server_rss_mb = rss(srv).map(|b| b as f64 / 1048576.0);
    o.generator_cpu =
        (worker_cpu_us + after.own_cpu.saturating_sub(before.own_cpu)) as f64 / 1e6 / wall;
    o.wire_per_update = (m.frames > 0).then(|| m.wire as f64 / m.frames as f64);
    o.payload_per_update =
        (m.sampled_frames > 0).then(|| m.payload as f64 / m.sampled_frames as f64);
    o.bad_frames = m.bad;
    for e in &m.errors {
        o.notes.push(e.clone());
    }
}

fn group_code(prefix: &str, run: usize, i: usize) -> String {
    format!("{prefix}{run}X{i}")
}

/// `M` matches, `K` frontends each, at `steps` game steps per second each
/// (fanout is the one-match case).
pub fn matches(
    srv: &Server,
    c: &Common,
    m_count: usize,
    per_match: usize,
    scenario: &str,
) -> Outcome {
    let mut o = Outcome {
        scenario: scenario.into(),
        load: sysinfo::loadavg(),
        server: srv.name.clone(),
        frontends: m_count * per_match,
        matches: m_count,
        ..Outcome::default()
    };
    if let Err(e) = run_matches(srv, c, m_count, per_match, &mut o) {
        o.notes.push(e);
    }
    o
}

fn run_matches(
    srv: &Server,
    c: &Common,
    m_count: usize,
    per_match: usize,
    o: &mut Outcome,
) -> Result<(), String> {
    let groups: Vec<String> = (0..m_count).map(|i| group_code("PF", c.run, i)).collect();
    let total = m_count * per_match;
    // Frontends join first, observers log on afterwards: the reference
    // broadcasts the whole state to the room on every logon while a match
    // is live (O(N²) while an audience joins); this scenario measures the
    // steady state, `storm` measures joining a live match.
    let mut ws = workers::spawn(&Spread {
        targets: &srv.broadcast_urls,
        total,
        per_worker: c.per_worker,
        groups: &groups,
        sample_every: c.sample_every,
        rate: 3000.0,
        inflight: 512,
        run: c.run,
        polling: false,
        tls: c.tls.args(),
    })?;
    wait_ready(&ws, &mut [], Duration::from_secs(30 + total as u64 / 250))?;
    if let (Some(r), true) = (rss(srv), c.rss_limit > 0)
        && r > c.rss_limit
    {
        return Err(format!(
            "server RSS passed {} MB while frontends joined",
            c.rss_limit >> 20
        ));
    }
    let game = source::load(&c.game)?;
    let mut feeds: Vec<Feed> = Vec::new();
    for g in &groups {
        let f = Feed::start_with(srv, game.clone(), c, g, 300)?;
        feeds.push(f);
        // Earlier observers must keep answering pings while later ones log on.
        settle(&mut feeds, Duration::ZERO)?;
    }
    if let Some(suite) = feeds.first().and_then(|f| f.obs.tls_suite()) {
        o.notes.push(format!("TLS: {suite}"));
    }
    settle_quiet(&mut feeds, &ws, Duration::from_secs(30))?;
    for w in ws.iter_mut() {
        w.send("reset");
    }
    for w in ws.iter() {
        w.expect("ok", Duration::from_secs(10))?;
    }
    let before = usage::read(srv);
    let period = 1.0 / c.steps.max(0.1);
    let start = Instant::now();
    let mut k = 0u32;
    let mut stopped = None;
    // Steps are jittered (0.5–1.5 periods apart, the same rate on average)
    // so probes land at every phase of the server's send loop instead of a
    // fixed one.
    let mut due = start;
    let mut rng = sysinfo::now_us() | 1;
    while start.elapsed() < c.duration {
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let jitter = 0.5 + (rng % 1000) as f64 / 1000.0;
        due += Duration::from_secs_f64(period * jitter);
        k += 1;
        for f in feeds.iter_mut() {
            f.step()?;
            f.obs.pump().map_err(|e| format!("observer: {e}"))?;
            f.obs.inbox.clear();
        }
        if k.is_multiple_of(5)
            && let (Some(r), true) = (rss(srv), c.rss_limit > 0)
            && r > c.rss_limit
        {
            stopped = Some(format!(
                "stopped after {:.1} s: server RSS passed {} MB",
                start.elapsed().as_secs_f64(),
                c.rss_limit >> 20
            ));
            break;
        }
    }
    let steps_sent = k;
    // Let the last updates arrive (a server that queued updates gets 10 s).
    settle_quiet(&mut feeds, &ws, Duration::from_secs(10))?;
    let after = usage::read(srv);
    let m = collect(&mut ws)?;
    fill(o, &m, srv, &before, &after, m.cpu_us);
    o.origin_us_per_step = o
        .origin_cpu
        .filter(|_| steps_sent > 0)
        .map(|c| c * o.window_s * 1e6 / f64::from(steps_sent * m_count as u32));
    o.notes.push(format!("{steps_sent} steps/match sent"));
    if let Some(s) = stopped {
        o.notes.push(s);
    }
    Ok(())
}

/// Services observers until no frontend received a frame for 500 ms
/// (bounded by `limit`).
fn settle_quiet(feeds: &mut [Feed], ws: &[Worker], limit: Duration) -> Result<(), String> {
    let end = Instant::now() + limit;
    let mut last = u64::MAX;
    let mut quiet_since = Instant::now();
    while Instant::now() < end {
        settle(feeds, Duration::from_millis(100))?;
        let mut frames = 0;
        for w in ws {
            let l = w.status()?;
            frames += l
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("frames="))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if frames != last {
            last = frames;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= Duration::from_millis(500) {
            return Ok(());
        }
    }
    Ok(())
}

fn settle(feeds: &mut [Feed], d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        for f in feeds.iter_mut() {
            f.obs.pump().map_err(|e| format!("observer: {e}"))?;
            f.obs.inbox.clear();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// One observer writing the game's events (looped) as fast as the server
/// reads them for `duration`, then a probe carrying the start time: when a
/// frontend sees it, the server has processed every event before it.
pub fn ingest(srv: &Server, c: &Common) -> Outcome {
    let mut o = Outcome {
        scenario: "ingest".into(),
        load: sysinfo::loadavg(),
        server: srv.name.clone(),
        frontends: 1,
        matches: 1,
        ..Outcome::default()
    };
    if let Err(e) = run_ingest(srv, c, &mut o) {
        o.notes.push(e);
    }
    o
}

fn run_ingest(srv: &Server, c: &Common, o: &mut Outcome) -> Result<(), String> {
    let group = group_code("PI", c.run, 0);
    let mut feed = Feed::start(srv, c, &group, 300)?;
    let groups = vec![group.clone()];
    let mut ws = workers::spawn(&Spread {
        targets: &srv.broadcast_urls,
        total: 1,
        per_worker: 1,
        groups: &groups,
        sample_every: 1,
        rate: 0.0,
        inflight: 16,
        run: c.run,
        polling: false,
        tls: c.tls.args(),
    })?;
    wait_ready(
        &ws,
        std::slice::from_mut(&mut feed.obs),
        Duration::from_secs(30),
    )?;
    settle(std::slice::from_mut(&mut feed), Duration::from_millis(500))?;
    for w in ws.iter_mut() {
        w.send("reset");
    }
    ws[0].expect("ok", Duration::from_secs(10))?;
    // One pass over the game's events as a single buffer.
    let cycle: Vec<u8> = feed.frames.concat();
    let per_cycle = feed.frames.len() as u64;
    let before = usage::read(srv);
    let t0 = sysinfo::now_us();
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < c.duration {
        feed.obs
            .write_all(&cycle)
            .map_err(|e| format!("observer: {e}"))?;
        sent += per_cycle;
        feed.obs.pump().map_err(|e| format!("observer: {e}"))?;
        feed.obs.inbox.clear();
    }
    let write_s = start.elapsed().as_secs_f64();
    // The final probe carries the start time; it is repeated every 200 ms
    // (a server that sheds load may drop one) until a frontend sees it.
    let probe = wire::probe_event(&feed.obs_name, &feed.group, t0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut m;
    loop {
        feed.obs
            .send_text(&probe)
            .map_err(|e| format!("observer: {e}"))?;
        settle(std::slice::from_mut(&mut feed), Duration::from_millis(200))?;
        m = collect(&mut ws)?;
        if m.lat.count() > 0 || Instant::now() > deadline {
            break;
        }
    }
    let after = usage::read(srv);
    fill(o, &m, srv, &before, &after, m.cpu_us);
    if m.lat.count() > 0 {
        let done_s = m.lat.max() as f64 / 1e6;
        o.rate = Some((sent + 1) as f64 / done_s);
        o.window_s = done_s;
        o.notes.push(format!(
            "{sent} events written in {write_s:.2} s; the final probe came back after {done_s:.2} s (a server that drops events when behind looks faster: check its log)"
        ));
    } else {
        o.notes.push(format!(
            "{sent} events written; the final probe never came back within 60 s"
        ));
    }
    // Latency columns are meaningless here (one probe measuring the whole run).
    o.p50 = None;
    o.p90 = None;
    o.p99 = None;
    o.max = None;
    Ok(())
}

/// How the frontends of a storm connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storm {
    /// WebSocket from the start, to a group without a match.
    WebSocket,
    /// Long-polling first, then the upgrade (socket.io-client's default),
    /// to a group without a match.
    Polling,
    /// WebSocket from the start, to a live match, as audiences join one
    /// (the reference then sends the whole state to the room on every logon).
    Live,
}

/// `n` frontends connecting and logging on as fast as the server takes them.
pub fn storm(srv: &Server, c: &Common, n: usize, kind: Storm) -> Outcome {
    let mut o = Outcome {
        scenario: match kind {
            Storm::WebSocket => "storm",
            Storm::Polling => "storm-polling",
            Storm::Live => "storm-live",
        }
        .into(),
        load: sysinfo::loadavg(),
        server: srv.name.clone(),
        frontends: n,
        matches: 1,
        ..Outcome::default()
    };
    if let Err(e) = run_storm(srv, c, n, kind, &mut o) {
        o.notes.push(e);
    }
    o
}

fn run_storm(
    srv: &Server,
    c: &Common,
    n: usize,
    kind: Storm,
    o: &mut Outcome,
) -> Result<(), String> {
    let group = group_code("PS", c.run, 0);
    let mut feeds = Vec::new();
    if kind == Storm::Live {
        feeds.push(Feed::start(srv, c, &group, 300)?);
        settle(&mut feeds, Duration::from_millis(300))?;
    }
    let before = usage::read(srv);
    let ws = workers::spawn(&Spread {
        targets: &srv.broadcast_urls,
        total: n,
        per_worker: c.per_worker,
        groups: &[group],
        sample_every: usize::MAX,
        rate: 0.0,
        inflight: 2048,
        run: c.run,
        polling: kind == Storm::Polling,
        tls: c.tls.args(),
    })?;
    let mut ws = ws;
    let mut obs: Vec<Observer> = feeds.into_iter().map(|f| f.obs).collect();
    let r = wait_ready(&ws, &mut obs, Duration::from_secs(30 + n as u64 / 100));
    let after = usage::read(srv);
    let m = collect(&mut ws)?;
    fill(o, &m, srv, &before, &after, m.cpu_us);
    let span = m.last_live_us.saturating_sub(m.first_start_us) as f64 / 1e6;
    if span > 0.0 {
        o.rate = Some(m.live as f64 / span);
        o.window_s = span;
    }
    // Latency columns: connect start to logon_success.
    o.p50 = ms(m.logon.quantile(0.5));
    o.p90 = ms(m.logon.quantile(0.9));
    o.p99 = ms(m.logon.quantile(0.99));
    o.max = ms((m.logon.count() > 0).then(|| m.logon.max()));
    o.latency_samples = m.logon.count();
    o.updates = 0;
    o.missed = 0;
    o.notes
        .push("latency = connect start to logon_success".into());
    r
}

/// `n` frontends logged on to a group without a match: server RSS per
/// connected, idle frontend.
pub fn idle_memory(srv: &Server, c: &Common, n: usize) -> Outcome {
    let mut o = Outcome {
        scenario: "idle".into(),
        load: sysinfo::loadavg(),
        server: srv.name.clone(),
        frontends: n,
        ..Outcome::default()
    };
    let r = (|| -> Result<(), String> {
        std::thread::sleep(Duration::from_secs(1));
        let rss0 = rss(srv);
        let before = usage::read(srv);
        let groups = vec![group_code("PZ", c.run, 0)];
        let mut ws = workers::spawn(&Spread {
            targets: &srv.broadcast_urls,
            total: n,
            per_worker: c.per_worker,
            groups: &groups,
            sample_every: usize::MAX,
            rate: 4000.0,
            inflight: 1024,
            run: c.run,
            polling: false,
            tls: c.tls.args(),
        })?;
        wait_ready(&ws, &mut [], Duration::from_secs(30 + n as u64 / 200))?;
        std::thread::sleep(Duration::from_secs(2));
        let after = usage::read(srv);
        let rss1 = rss(srv);
        let m = collect(&mut ws)?;
        fill(&mut o, &m, srv, &before, &after, m.cpu_us);
        o.p50 = None;
        o.p90 = None;
        o.p99 = None;
        o.max = None;
        if let (Some(a), Some(b)) = (rss0, rss1)
            && m.live > 0
        {
            o.rss_per_frontend_kb = Some((b as f64 - a as f64) / m.live as f64 / 1024.0);
        }
        Ok(())
    })();
    if let Err(e) = r {
        o.notes.push(e);
    }
    o
}
