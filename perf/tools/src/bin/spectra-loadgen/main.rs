//! spectra-loadgen: the performance suite's load generator and scenario
//! driver. Measures any Spectra-compatible server by URL (ours, the Node
//! baseline in `perf/node-baseline/`, or the Node reference itself).
//!
//!   spectra-loadgen fanout  --ingest URL --broadcast URL[,URL...] [--pid PID[,PID...]] --frontends N
//!   spectra-loadgen matches --matches M --per-match K ...
//!   spectra-loadgen ingest | storm --frontends N [--live | --polling] | idle --frontends N
//!   spectra-loadgen all --server name=ours,ingest=URL,broadcast=URL,pid=PID [--server ...] --out FILE.md
//!     (edges: --server name=edges,ingest=URL,broadcast=URL+URL,pid=PID+PID,origin-pid=PID,redis=URL --edges N)
//!   spectra-loadgen replay FILE ...   (the same as the spectra-replay binary)
//!   spectra-loadgen sink --listen ADDR   (a bare broadcast server: the generator's ceiling)
//!   spectra-loadgen worker ...   (internal: one process of frontends)
//!
//! See `perf/README.md`.

mod edges;
mod edges_report;
mod frontend;
mod hist;
mod redis_info;
mod report;
mod scenario;
mod sink;
mod sysinfo;
mod usage;
mod worker;
mod workers;

use std::path::PathBuf;
use std::time::Duration;

use spectra_perf::args::Args;
use spectra_perf::{player, wire};

use scenario::{Common, Outcome, Server, Storm};

const USAGE: &str =
    "usage: spectra-loadgen <fanout|matches|ingest|storm|idle|all> [options]; see perf/README.md";

fn main() {
    let mut raw = std::env::args().skip(1);
    let Some(cmd) = raw.next() else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let a = Args::parse(raw);
    if cmd == "worker" {
        let cfg = worker::Config::from_args(&a).unwrap_or_else(|e| fail(&e));
        if let Err(e) = worker::run(cfg) {
            fail(&format!("worker: {e}"));
        }
        return;
    }
    sysinfo::raise_nofile();
    let common = common(&a);
    match cmd.as_str() {
        "fanout" | "matches" | "ingest" | "storm" | "idle" => {
            let srv = single_server(&a);
            let o = run_one(&cmd, &srv, &common, &a);
            print_outcome(&o);
        }
        "all" => all(&a, common),
        "sink" => {
            if let Err(e) = sink::main(&a) {
                fail(&e);
            }
        }
        "replay" => {
            if let Err(e) = player::main(&a) {
                fail(&e);
            }
        }
        "help" | "--help" | "-h" => println!("{USAGE}"),
        other => fail(&format!("unknown command {other:?}; {USAGE}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("spectra-loadgen: {msg}");
    std::process::exit(1)
}

fn common(a: &Args) -> Common {
    Common {
        game: a.str("game").map_or_else(
            || {
                spectra_recordings::recordings_dir()
                    .unwrap_or_default()
                    .join("game-01-regulation.input.jsonl")
            },
            PathBuf::from,
        ),
        key: a.str("key").unwrap_or("").to_owned(),
        sample_every: a.get("sample-every", 10),
        per_worker: a.get("per-worker", 8000),
        steps: a.get("steps", 10.0),
        duration: Duration::from_secs_f64(a.get("duration", 10.0)),
        rss_limit: a.get::<u64>("rss-limit-mb", 6000) << 20,
        run: a.get("run", (sysinfo::now_us() / 1_000_000 % 200) as usize),
    }
}

/// A server from its flags' values; `sep` separates the URLs of several
/// broadcast ports (edges, taking even shares of the frontends) and their
/// processes (CPU and RSS summed), a PID that does not parse is left out.
fn server_from(name: &str, ingest: &str, broadcast: &str, pids: Option<&str>, sep: char) -> Server {
    Server {
        name: name.to_owned(),
        ingest: wire::parse_target(ingest).unwrap_or_else(|e| fail(&e)),
        broadcast_urls: broadcast
            .split(sep)
            .map(|b| {
                wire::parse_target(b)
                    .map(|_| b.to_owned())
                    .unwrap_or_else(|e| fail(&e))
            })
            .collect(),
        pids: pids
            .map(|p| p.split(sep).filter_map(|p| p.parse().ok()).collect())
            .unwrap_or_default(),
        origin_pid: None,
        redis: None,
        only: Vec::new(),
    }
}

fn redis_addr(url: &str) -> std::net::SocketAddr {
    redis_info::parse_addr(url).unwrap_or_else(|e| fail(&e))
}

fn single_server(a: &Args) -> Server {
    Server {
        origin_pid: a.str("origin-pid").and_then(|p| p.parse().ok()),
        redis: a.str("redis").map(redis_addr),
        ..server_from(
            a.str("name").unwrap_or("server"),
            a.str("ingest").unwrap_or("http://127.0.0.1:5100"),
            a.str("broadcast").unwrap_or("http://127.0.0.1:5200"),
            a.str("pid"),
            ',',
        )
    }
}

/// `name=ours,ingest=URL,broadcast=URL,pid=PID[,only=fanout+matches]`; with
/// edges `broadcast=URL+URL,pid=PID+PID,origin-pid=PID,redis=URL`.
fn parse_server(spec: &str) -> Server {
    let mut only = Vec::new();
    let mut name = "server";
    let (mut ingest, mut broadcast, mut pids) =
        ("http://127.0.0.1:5100", "http://127.0.0.1:5200", None);
    let (mut origin_pid, mut redis) = (None, None);
    for part in spec.split(',') {
        match part.split_once('=') {
            Some(("name", v)) => name = v,
            Some(("ingest", v)) => ingest = v,
            Some(("broadcast", v)) => broadcast = v,
            Some(("pid", v)) => pids = Some(v),
            Some(("origin-pid", v)) => origin_pid = v.parse().ok(),
            Some(("redis", v)) => redis = Some(redis_addr(v)),
            Some(("only", v)) => only = v.split('+').map(str::to_owned).collect(),
            _ => fail(&format!(
                "--server {spec:?}: expected name=,ingest=,broadcast=,pid=,origin-pid=,redis=,only="
            )),
        }
    }
    Server {
        only,
        origin_pid,
        redis,
        ..server_from(name, ingest, broadcast, pids, '+')
    }
}

fn run_one(cmd: &str, srv: &Server, c: &Common, a: &Args) -> Outcome {
    match cmd {
        "fanout" => scenario::matches(srv, c, 1, a.get("frontends", 100), "fanout"),
        "matches" => scenario::matches(
            srv,
            c,
            a.get("matches", 10),
            a.get("per-match", 10),
            "matches",
        ),
        "ingest" => scenario::ingest(srv, c),
        "storm" => {
            let kind = if a.has("live") {
                Storm::Live
            } else if a.has("polling") {
                Storm::Polling
            } else {
                Storm::WebSocket
            };
            scenario::storm(srv, c, a.get("frontends", 1000), kind)
        }
        _ => scenario::idle_memory(srv, c, a.get("frontends", 1000)),
    }
}

fn print_outcome(o: &Outcome) {
    println!("{}", report::row_text(o));
    println!("{}", serde_json::to_string(o).unwrap_or_default());
}

/// Every scenario against every `--server`, sizes from the flags; writes the
/// Markdown report and the SVG plot.
/// A scenario with its sizes bound, run for one server.
type Scenario<'a> = dyn Fn(&Common) -> Outcome + 'a;

fn all(a: &Args, mut c: Common) {
    let servers: Vec<Server> = a.all("server").iter().map(|s| parse_server(s)).collect();
    if servers.is_empty() {
        fail("all: give at least one --server name=..,ingest=..,broadcast=..,pid=..");
    }
    let out = PathBuf::from(a.str("out").unwrap_or("perf/results/latest.md"));
    let sizes: Vec<usize> = a.list("fanout", &[100, 400, 1000, 2000, 5000]);
    let matches: Vec<(usize, usize)> = a
        .list::<String>("matches", &["20x10".to_owned(), "50x10".to_owned()])
        .iter()
        .filter_map(|s| {
            s.split_once('x')
                .and_then(|(m, k)| Some((m.parse().ok()?, k.parse().ok()?)))
        })
        .collect();
    let storm: usize = a.get("storm", 2000);
    let storm_live: usize = a.get("storm-live", 300);
    let idle: usize = a.get("idle", 5000);
    let audience: usize = a.get("edges", 10_000);
    let skip: Vec<String> = a.list("skip", &[]);
    let mut rows: Vec<Outcome> = Vec::new();
    let mut run = c.run;
    let record = |o: Outcome, rows: &mut Vec<Outcome>| {
        eprintln!("{}", report::row_text(&o));
        rows.push(o);
        let _ = report::write(
            &out,
            rows,
            a.str("command").unwrap_or("spectra-loadgen all"),
        );
    };
    for srv in &servers {
        let skipped = |name: &str| {
            skip.iter().any(|s| s == name)
                || (!srv.only.is_empty() && !srv.only.iter().any(|s| s == name))
        };
        // Idle memory first, while the server process is fresh.
        let singles: [(&str, &Scenario); 4] = [
            ("idle", &|c: &Common| scenario::idle_memory(srv, c, idle)),
            ("storm", &|c: &Common| {
                scenario::storm(srv, c, storm, Storm::WebSocket)
            }),
            ("storm-polling", &|c: &Common| {
                scenario::storm(srv, c, storm, Storm::Polling)
            }),
            ("storm-live", &|c: &Common| {
                scenario::storm(srv, c, storm_live, Storm::Live)
            }),
        ];
        for (name, f) in singles {
            if skipped(name) {
                continue;
            }
            run += 1;
            c.run = run;
            record(f(&c), &mut rows);
            std::thread::sleep(Duration::from_secs(2));
        }
        let mut collapsed = false;
        if !skipped("fanout") {
            for &n in &sizes {
                run += 1;
                c.run = run;
                if collapsed {
                    let mut o = Outcome {
                        scenario: "fanout".into(),
                        server: srv.name.clone(),
                        frontends: n,
                        matches: 1,
                        ..Outcome::default()
                    };
                    o.notes.push("skipped: collapsed at a smaller size".into());
                    record(o, &mut rows);
                    continue;
                }
                let o = scenario::matches(srv, &c, 1, n, "fanout");
                collapsed = report::collapsed(&o);
                record(o, &mut rows);
                std::thread::sleep(Duration::from_secs(2));
            }
        }
        if !skipped("matches") {
            for &(m, k) in &matches {
                run += 1;
                c.run = run;
                record(scenario::matches(srv, &c, m, k, "matches"), &mut rows);
                std::thread::sleep(Duration::from_secs(2));
            }
        }
        if !skipped("ingest") {
            run += 1;
            c.run = run;
            record(scenario::ingest(srv, &c), &mut rows);
        }
        // An origin's edges: against the first server on its own, run
        // here too so that all the rows share the machine's conditions.
        if srv.origin_pid.is_some() && !skipped("edges") {
            let single = servers.iter().find(|s| s.origin_pid.is_none());
            for row in edges::plan(single, srv, audience) {
                run += 1;
                c.run = run;
                record(edges::run(&row, &c), &mut rows);
                std::thread::sleep(Duration::from_secs(2));
            }
        }
    }
    if let Err(e) = report::write(
        &out,
        &rows,
        a.str("command").unwrap_or("spectra-loadgen all"),
    ) {
        fail(&format!("{}: {e}", out.display()));
    }
    eprintln!("wrote {}", out.display());
}
