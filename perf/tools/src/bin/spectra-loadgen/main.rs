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
//! `spectra-loadgen help [COMMAND]` lists every option; see `perf/README.md`.

mod edges;
mod edges_report;
mod frontend;
mod hist;
mod redis_info;
mod report;
mod scenario;
mod sink;
mod sysinfo;
mod tls_report;
mod usage;
mod worker;
mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use spectra_perf::tls::TlsArgs;
use spectra_perf::{player, wire};

use scenario::{Common, Outcome, Server, Storm};

/// The performance suite's load generator: measures any Spectra-compatible
/// server by URL (see perf/README.md)
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// One match: N frontends watch while an observer plays the game
    Fanout {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        common: CommonArgs,
        /// Frontends
        #[arg(long, default_value_t = 100)]
        frontends: usize,
    },
    /// M matches, K frontends each
    Matches {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        common: CommonArgs,
        /// Matches (one observer each)
        #[arg(long, default_value_t = 10)]
        matches: usize,
        /// Frontends per match
        #[arg(long, default_value_t = 10)]
        per_match: usize,
    },
    /// One observer writes the game's events as fast as the server reads
    Ingest {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// N frontends connect and log on as fast as the server takes them
    Storm {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        common: CommonArgs,
        /// Frontends
        #[arg(long, default_value_t = 1000)]
        frontends: usize,
        /// To a live match (each logon gets the whole state)
        #[arg(long, conflicts_with = "polling")]
        live: bool,
        /// Each opening its session over long-polling, then upgrading
        #[arg(long)]
        polling: bool,
    },
    /// N frontends connected and logged on, idle: server memory per frontend
    Idle {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        common: CommonArgs,
        /// Frontends
        #[arg(long, default_value_t = 1000)]
        frontends: usize,
    },
    /// Every scenario against every --server; writes the Markdown report and
    /// the SVG plot (what scripts/perf.sh runs)
    All(AllArgs),
    /// Plays a game as an observer (the same as spectra-replay)
    Replay(player::Options),
    /// A bare broadcast server: the generator's own ceiling
    Sink {
        /// Where it listens
        #[arg(long, default_value = "127.0.0.1:5300")]
        listen: SocketAddr,
        /// Size of the state it sends, in bytes
        #[arg(long, default_value_t = 16_000)]
        bytes: usize,
    },
    /// One process of frontends, run by the scenarios (internal)
    #[command(hide = true)]
    Worker(worker::Config),
}

/// The server a single scenario measures.
#[derive(clap::Args)]
struct ServerArgs {
    /// Its name in the results
    #[arg(long, default_value = "server")]
    name: String,
    /// Its ingest port (observers)
    #[arg(long, default_value = "http://127.0.0.1:5100")]
    ingest: String,
    /// Its broadcast port (frontends); several, comma-separated, take even
    /// shares of the frontends (edges)
    #[arg(long, default_value = "http://127.0.0.1:5200")]
    broadcast: String,
    /// Its process, for CPU and RSS; several, comma-separated, are summed
    #[arg(long)]
    pid: Option<String>,
    /// With edges: the origin's process, whose CPU is reported too
    #[arg(long)]
    origin_pid: Option<u32>,
    /// With edges: the Redis between origin and edges, whose CPU and
    /// traffic are reported too
    #[arg(long, value_name = "redis://HOST:PORT", value_parser = redis_info::parse_addr)]
    redis: Option<SocketAddr>,
}

/// What every scenario is run with.
#[derive(clap::Args)]
struct CommonArgs {
    /// The game the observers play: a recorded `*.input.jsonl[.gz]` or a
    /// `.replay` file [default: game-01-regulation of the recordings]
    #[arg(long)]
    game: Option<PathBuf>,
    /// The observer key, when the server requires one
    #[arg(long, default_value = "")]
    key: String,
    /// One frontend in this many measures latency
    #[arg(long, default_value_t = 10, value_parser = at_least_one)]
    sample_every: usize,
    /// Frontends per worker process
    #[arg(long, default_value_t = 8000, value_parser = at_least_one)]
    per_worker: usize,
    /// Game steps per second (an event and a latency probe each)
    #[arg(long, default_value_t = 10.0)]
    steps: f64,
    /// Seconds each row is measured
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// A server whose RSS passes this many MB skips the bigger sizes
    #[arg(long, default_value_t = 6000)]
    rss_limit_mb: u64,
    /// This run's number, which picks the loopback source addresses
    /// [default: from the clock]
    #[arg(long)]
    run: Option<usize>,
    #[command(flatten)]
    tls: TlsArgs,
}

/// `spectra-loadgen all`.
#[derive(clap::Args)]
struct AllArgs {
    /// A server: name=NAME,ingest=URL,broadcast=URL,pid=PID[,only=fanout+matches]
    /// [,ratios=yes: in the ratios despite only=]; edges:
    /// broadcast=URL+URL,pid=PID+PID,origin-pid=PID,redis=URL (repeat for
    /// several servers)
    #[arg(long = "server", value_name = "SPEC", required = true, value_parser = parse_server)]
    servers: Vec<Server>,
    /// The Markdown report; the SVG plot goes beside it
    #[arg(long, default_value = "perf/results/latest.md")]
    out: PathBuf,
    /// Fanout sizes, comma-separated
    #[arg(
        long,
        value_name = "N,...",
        value_delimiter = ',',
        default_value = "100,400,1000,2000,5000"
    )]
    fanout: Vec<usize>,
    /// Matches × frontends per match, comma-separated (`20x10,50x10`)
    #[arg(long, value_name = "MxK,...", value_delimiter = ',', default_value = "20x10,50x10", value_parser = match_size)]
    matches: Vec<(usize, usize)>,
    /// Frontends of the storm and storm-polling rows
    #[arg(long, default_value_t = 2000)]
    storm: usize,
    /// Frontends of the storm-live row
    #[arg(long, default_value_t = 300)]
    storm_live: usize,
    /// Frontends of the idle row
    #[arg(long, default_value_t = 5000)]
    idle: usize,
    /// Frontends of the edges rows
    #[arg(long, default_value_t = 10_000)]
    edges: usize,
    /// Scenarios left out, comma-separated
    #[arg(long, value_name = "SCENARIO,...", value_delimiter = ',')]
    skip: Vec<String>,
    /// The command recorded in the report
    #[arg(long, default_value = "spectra-loadgen all")]
    command: String,
    /// A program run as `PROGRAM up NAME` before each server's rows and
    /// `PROGRAM down NAME` after them, e.g. to start and stop servers that
    /// cannot run side by side; a number `up` prints is the server's pid
    /// when its spec has none. A failing `up` skips the server
    #[arg(long, value_name = "PROGRAM")]
    turn: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

fn main() {
    let outcome = match Cli::parse().command {
        Cmd::Worker(cfg) => {
            if let Err(e) = worker::run(cfg) {
                fail(&format!("worker: {e}"));
            }
            return;
        }
        Cmd::Replay(o) => return player::main(&o).unwrap_or_else(|e| fail(&e)),
        Cmd::Sink { listen, bytes } => {
            return sink::main(listen, bytes).unwrap_or_else(|e| fail(&e));
        }
        Cmd::All(a) => {
            sysinfo::raise_nofile();
            return all(a);
        }
        Cmd::Fanout {
            server,
            common,
            frontends,
        } => single(server, common, |s, c| {
            scenario::matches(s, c, 1, frontends, "fanout")
        }),
        Cmd::Matches {
            server,
            common,
            matches,
            per_match,
        } => single(server, common, |s, c| {
            scenario::matches(s, c, matches, per_match, "matches")
        }),
        Cmd::Ingest { server, common } => single(server, common, scenario::ingest),
        Cmd::Storm {
            server,
            common,
            frontends,
            live,
            polling,
        } => {
            let kind = match (live, polling) {
                (true, _) => Storm::Live,
                (_, true) => Storm::Polling,
                _ => Storm::WebSocket,
            };
            single(server, common, |s, c| {
                scenario::storm(s, c, frontends, kind)
            })
        }
        Cmd::Idle {
            server,
            common,
            frontends,
        } => single(server, common, |s, c| {
            scenario::idle_memory(s, c, frontends)
        }),
    };
    println!("{}", report::row_text(&outcome));
    println!("{}", serde_json::to_string(&outcome).unwrap_or_default());
}

/// One scenario against the server of the flags.
fn single(
    server: ServerArgs,
    common: CommonArgs,
    run: impl Fn(&Server, &Common) -> Outcome,
) -> Outcome {
    sysinfo::raise_nofile();
    let srv = Server {
        origin_pid: server.origin_pid,
        redis: server.redis,
        ..server_from(
            &server.name,
            &server.ingest,
            &server.broadcast,
            server.pid.as_deref(),
            ',',
        )
        .unwrap_or_else(|e| fail(&e))
    };
    let c = common.common();
    srv.check_tls(&c.tls).unwrap_or_else(|e| fail(&e));
    run(&srv, &c)
}

fn fail(msg: &str) -> ! {
    eprintln!("spectra-loadgen: {msg}");
    std::process::exit(1)
}

/// A count or size that must not be 0.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a whole number from 1 up, not {s:?}")),
    }
}

/// `MxK`: M matches of K frontends.
fn match_size(s: &str) -> Result<(usize, usize), String> {
    s.split_once('x')
        .and_then(|(m, k)| Some((m.trim().parse().ok()?, k.trim().parse().ok()?)))
        .ok_or_else(|| format!("expected MATCHESxFRONTENDS such as 20x10, not {s:?}"))
}

impl CommonArgs {
    fn common(self) -> Common {
        Common {
            game: self.game.unwrap_or_else(|| {
                spectra_recordings::recordings_dir()
                    .unwrap_or_default()
                    .join("game-01-regulation.input.jsonl")
            }),
            key: self.key,
            sample_every: self.sample_every,
            per_worker: self.per_worker,
            steps: self.steps,
            duration: Duration::from_secs_f64(self.duration),
            rss_limit: self.rss_limit_mb << 20,
            run: self
                .run
                .unwrap_or((sysinfo::now_us() / 1_000_000 % 200) as usize),
            tls: self.tls.client().unwrap_or_else(|e| fail(&e)),
        }
    }
}

/// A server from its flags' values; `sep` separates the URLs of several
/// broadcast ports (edges, taking even shares of the frontends) and their
/// processes (CPU and RSS summed), a PID that does not parse is left out.
fn server_from(
    name: &str,
    ingest: &str,
    broadcast: &str,
    pids: Option<&str>,
    sep: char,
) -> Result<Server, String> {
    Ok(Server {
        name: name.to_owned(),
        ingest: wire::parse_target(ingest)?,
        broadcast_urls: broadcast
            .split(sep)
            .map(|b| wire::parse_target(b).map(|_| b.to_owned()))
            .collect::<Result<_, _>>()?,
        pids: pids
            .map(|p| p.split(sep).filter_map(|p| p.parse().ok()).collect())
            .unwrap_or_default(),
        origin_pid: None,
        redis: None,
        only: Vec::new(),
        ratios: false,
    })
}

/// `name=ours,ingest=URL,broadcast=URL,pid=PID[,only=fanout+matches][,ratios=yes]`;
/// with edges `broadcast=URL+URL,pid=PID+PID,origin-pid=PID,redis=URL`.
fn parse_server(spec: &str) -> Result<Server, String> {
    let mut only = Vec::new();
    let mut ratios = false;
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
            Some(("redis", v)) => redis = Some(redis_info::parse_addr(v)?),
            Some(("only", v)) => only = v.split('+').map(str::to_owned).collect(),
            Some(("ratios", "yes")) => ratios = true,
            _ => {
                return Err(format!(
                    "{part:?}: expected name=,ingest=,broadcast=,pid=,origin-pid=,redis=,only=,ratios=yes"
                ));
            }
        }
    }
    Ok(Server {
        only,
        ratios,
        origin_pid,
        redis,
        ..server_from(name, ingest, broadcast, pids, '+')?
    })
}

/// The servers the first is compared with in the report's ratios: every
/// other one measured on every scenario (no `only=`, not an origin's edges:
/// the Node baseline and the reference) and those asked for with
/// `ratios=yes` (the static build), or, when there is none, the second
/// (`ONLY=ours` still compares ours with what ran beside it).
fn compared(servers: &[Server]) -> Vec<String> {
    let full: Vec<String> = servers
        .iter()
        .skip(1)
        .filter(|s| (s.only.is_empty() || s.ratios) && s.origin_pid.is_none())
        .map(|s| s.name.clone())
        .collect();
    if full.is_empty() {
        servers
            .iter()
            .skip(1)
            .take(1)
            .map(|s| s.name.clone())
            .collect()
    } else {
        full
    }
}

/// Runs `program step name` (`--turn`) and returns what it printed.
fn take_turn(program: &std::path::Path, step: &str, name: &str) -> Result<String, String> {
    let what = format!("`{} {step} {name}`", program.display());
    let out = std::process::Command::new(program)
        .args([step, name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A scenario with its sizes bound, run for one server.
type Scenario<'a> = dyn Fn(&Common) -> Outcome + 'a;

/// Every scenario against every `--server`, sizes from the flags; writes the
/// Markdown report and the SVG plot.
fn all(a: AllArgs) {
    let AllArgs {
        servers,
        out,
        fanout: sizes,
        matches,
        storm,
        storm_live,
        idle,
        edges: audience,
        skip,
        command,
        turn,
        common,
    } = a;
    let mut c = common.common();
    for srv in &servers {
        srv.check_tls(&c.tls).unwrap_or_else(|e| fail(&e));
    }
    let mut rows: Vec<Outcome> = Vec::new();
    let mut run = c.run;
    let compared = compared(&servers);
    let record = |o: Outcome, rows: &mut Vec<Outcome>| {
        eprintln!("{}", report::row_text(&o));
        rows.push(o);
        let _ = report::write(&out, rows, &command, &compared);
    };
    for srv in &servers {
        let mut srv = srv.clone();
        if let Some(program) = &turn {
            match take_turn(program, "up", &srv.name) {
                Ok(out) => {
                    if srv.pids.is_empty() {
                        srv.pids
                            .extend(out.lines().filter_map(|l| l.trim().parse::<u32>().ok()));
                    }
                }
                Err(e) => {
                    eprintln!("spectra-loadgen: {e}: {} is skipped", srv.name);
                    continue;
                }
            }
        }
        let srv = &srv;
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
        if let Some(program) = &turn
            && let Err(e) = take_turn(program, "down", &srv.name)
        {
            eprintln!("spectra-loadgen: {e}");
        }
    }
    if let Err(e) = report::write(&out, &rows, &command, &compared) {
        fail(&format!("{}: {e}", out.display()));
    }
    eprintln!("wrote {}", out.display());
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cmd {
        let argv = std::iter::once("spectra-loadgen").chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(cli) => cli.command,
            Err(e) => panic!("{args:?}: {e}"),
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn perf_sh_calls_all_as_before() {
        // scripts/perf.sh's call, an empty SKIP included.
        let Cmd::All(a) = parse(&[
            "all",
            "--server",
            "name=ours,ingest=http://127.0.0.1:15100,broadcast=http://127.0.0.1:15200,pid=41",
            "--server",
            "name=sink,ingest=http://127.0.0.1:25300,broadcast=http://127.0.0.1:25300,pid=42,only=fanout+matches",
            "--server",
            "name=edges,ingest=http://127.0.0.1:16301,broadcast=http://127.0.0.1:16304+http://127.0.0.1:16306,pid=43+44,origin-pid=45,redis=redis://127.0.0.1:16300,only=edges",
            "--fanout",
            "100,400,1000",
            "--matches",
            "20x10,50x10,200x10",
            "--storm",
            "5000",
            "--storm-live",
            "300",
            "--idle",
            "5000",
            "--edges",
            "10000",
            "--duration",
            "10",
            "--skip",
            "",
            "--out",
            "perf/results/x.md",
            "--command",
            "FANOUT=100 scripts/perf.sh",
        ]) else {
            panic!("not all");
        };
        let names: Vec<&str> = a.servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ours", "sink", "edges"]);
        assert_eq!(a.servers[1].only, ["fanout", "matches"]);
        let edges = &a.servers[2];
        assert_eq!(edges.broadcast_urls.len(), 2);
        assert_eq!(
            (edges.pids.as_slice(), edges.origin_pid),
            (&[43, 44][..], Some(45))
        );
        assert!(edges.redis.is_some());
        assert_eq!(a.fanout, [100, 400, 1000]);
        assert_eq!(a.matches, [(20, 10), (50, 10), (200, 10)]);
        assert_eq!(
            (a.storm, a.storm_live, a.idle, a.edges),
            (5000, 300, 5000, 10_000)
        );
        assert!(a.skip.iter().all(String::is_empty), "{:?}", a.skip);
        assert_eq!(a.out, PathBuf::from("perf/results/x.md"));
        assert_eq!(a.command, "FANOUT=100 scripts/perf.sh");
        assert_eq!(a.common.common().duration, Duration::from_secs(10));
    }

    #[test]
    fn ratios_compare_the_first_server_with_every_server_measured_on_everything() {
        let spec = |s: &str| parse_server(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let ours = spec("name=ours,pid=1");
        let node =
            spec("name=node,ingest=http://127.0.0.1:25100,broadcast=http://127.0.0.1:25200,pid=2");
        let replays = spec("name=ours-replays,pid=3,only=ingest");
        let reference = spec("name=reference,pid=4");
        let sink = spec("name=sink,pid=5,only=fanout+matches");
        let edges = spec(
            "name=edges,broadcast=http://127.0.0.1:1+http://127.0.0.1:2,pid=6+7,origin-pid=8,only=edges",
        );
        let static_build = spec("name=ours-static,pid=9,only=ingest+fanout,ratios=yes");
        let all = [&ours, &node, &replays, &reference, &sink, &edges].map(Clone::clone);
        assert_eq!(compared(&all), ["node", "reference"]);
        // Another build of ours, on some scenarios: beside the full ones.
        assert!(static_build.ratios);
        let with_static = [&ours, &node, &replays, &static_build, &sink].map(Clone::clone);
        assert_eq!(compared(&with_static), ["node", "ours-static"]);
        assert!(parse_server("name=x,ratios=no").is_err());
        // ONLY=node with a reference: the baseline against the reference.
        assert_eq!(compared(&[node, reference]), ["reference"]);
        // ONLY=ours: with what ran beside it, as before.
        assert_eq!(compared(&[ours.clone(), replays, sink]), ["ours-replays"]);
        assert!(compared(&[ours]).is_empty());
    }

    #[test]
    fn a_turn_program_is_told_the_step_and_the_server_and_may_name_its_pid() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("loadgen-turn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let program = dir.join("turn.sh");
        let log = dir.join("log");
        std::fs::write(
            &program,
            format!(
                "#!/bin/sh\necho \"$1 $2\" >>{}\n[ \"$2\" = broken ] && exit 3\n[ \"$1\" = up ] && echo 4242\nexit 0\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(take_turn(&program, "up", "reference").unwrap(), "4242\n");
        assert_eq!(take_turn(&program, "down", "reference").unwrap(), "");
        let e = take_turn(&program, "up", "broken").unwrap_err();
        assert!(e.contains("up broken") && e.contains("failed"), "{e}");
        assert!(take_turn(&dir.join("missing"), "up", "x").is_err());
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "up reference\ndown reference\nup broken\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let Cmd::All(a) = parse(&["all", "--server", "name=x", "--turn", "scripts/t.sh"]) else {
            panic!("not all");
        };
        assert_eq!(a.turn, Some(PathBuf::from("scripts/t.sh")));
    }

    #[test]
    fn a_worker_reads_the_command_line_it_is_spawned_with() {
        let (targets, groups) = (
            ["http://127.0.0.1:5200".to_owned()],
            ["A".to_owned(), "B".to_owned()],
        );
        let spread = workers::Spread {
            targets: &targets,
            total: 100,
            per_worker: 8000,
            groups: &groups,
            sample_every: 3,
            rate: 1000.0,
            inflight: 512,
            run: 7,
            polling: true,
            tls: &TlsArgs {
                insecure_tls: true,
                tls_ca: None,
            },
        };
        let src = std::net::Ipv4Addr::new(127, 0, 8, 3);
        let line = workers::command_line(&spread, &targets[0], 50, 25, 2, src);
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        let Cmd::Worker(w) = parse(&args) else {
            panic!("not a worker");
        };
        assert_eq!(w.target.host, "127.0.0.1:5200");
        assert_eq!(
            (w.count, w.base, w.sample_every, w.inflight),
            (25, 50, 3, 256)
        );
        assert_eq!(w.groups, ["A", "B"]);
        assert_eq!(
            (w.rate, w.sources.as_slice(), w.polling),
            (500.0, &[src][..], true)
        );
        assert!(w.tls.insecure_tls);
    }

    #[test]
    fn scenarios_keep_their_options() {
        let Cmd::Storm {
            live,
            polling,
            frontends,
            server,
            common,
        } = parse(&[
            "storm",
            "--frontends",
            "300",
            "--live",
            "--ingest",
            "http://127.0.0.1:1",
            "--pid",
            "1,2",
            "--sample-every",
            "5",
        ])
        else {
            panic!("not storm");
        };
        assert_eq!((live, polling, frontends), (true, false, 300));
        assert_eq!(
            (server.pid.as_deref(), common.sample_every),
            (Some("1,2"), 5)
        );
        let Cmd::Replay(o) = parse(&["replay", "game.replay", "--mode", "manual", "--keep-end"])
        else {
            panic!("not replay");
        };
        assert_eq!((o.mode, o.keep_end), (player::Mode::Step, true));
        for bad in [
            &["storm", "--live", "--polling"][..],
            &["fanout", "--sample-every", "0"],
            &["all", "--fanout", "100"],
            &["all", "--server", "name=x", "--matches", "20by10"],
        ] {
            let argv = std::iter::once("spectra-loadgen").chain(bad.iter().copied());
            assert!(Cli::try_parse_from(argv).is_err(), "{bad:?}");
        }
    }
}
