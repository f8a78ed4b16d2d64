//! The server as one process: the match thread between the three ports.
//!
//! ```text
//! ingest reactor ──Command──► match thread ──room outputs──► broadcast shards
//!        ▲                        │  │
//!        └──── acks ──────────────┘  ├──► replay writer (files)
//!                                    └──► Published ◄── REST reactor
//! backend workers ◄──► match thread and REST (USE_BACKEND=true)
//! ```

use std::sync::Arc;
use std::time::Instant;

use spectra_server::config::Config;
use spectra_server::game::AuthPolicy;
use spectra_server::hub::{self, Command, Hub, Outputs, Published};
use spectra_server::metrics::{self, LogonCounts, Metrics, Sources, Summary};
use spectra_server::rest::Readiness;
use spectra_server::{backend, relay, replay};

use crate::ports::{self, Common};
use crate::running::{self, Reactors};

/// Queued commands the match thread may lag behind before ingest waits for
/// it. Ingest events come in batches of at most `text_batch::MAX_ITEMS`
/// (512) events or `MAX_TEXT` (256 KiB) of text, so this bounds the backlog
/// at about 130k events or 64 MiB.
const COMMAND_QUEUE: usize = 256;
/// Queued replay records before the match thread drops them. Events go in
/// batches of the same bounds, so this bounds the backlog as
/// [`COMMAND_QUEUE`] does.
const REPLAY_QUEUE: usize = 256;

/// Runs until SIGTERM/SIGINT (then `Ok`) or until a reactor fails.
pub fn serve(cfg: Config) -> Result<(), String> {
    announce(&cfg);
    let test_clock = cfg.test_clock;
    if test_clock {
        log::warn!("SPECTRA_TEST_CLOCK=true: the match clock only moves when a test sets it");
    }
    let common = Common::new(&cfg)?;

    let (commands, command_rx) = crossbeam_channel::bounded::<Command>(COMMAND_QUEUE);
    let (ingest, answers) = ports::ingest(&common, cfg.ingest_port, commands.clone(), test_clock)?;
    let logons = Arc::new(LogonCounts::default());
    let (broadcast, mut feeds) = ports::broadcast(
        &common,
        cfg.broadcast_port,
        cfg.broadcast_shards,
        None,
        &logons,
    )?;
    // With a Redis URL every room output also goes to the edges.
    let publisher = match &cfg.redis_url {
        Some(url) => {
            let client =
                redis::Client::open(url.as_str()).map_err(|e| format!("SPECTRA_REDIS_URL: {e}"))?;
            let (publisher, thread) = relay::publisher::spawn(client, origin_id()?)
                .map_err(|e| format!("relay publisher: {e}"))?;
            feeds.push(Box::new(publisher));
            Some(thread)
        }
        None => None,
    };
    let backend_calls = metrics::Events::default();
    let workers = match cfg.backend.use_backend {
        true => Some(
            backend::Backend::start_counted(
                cfg.backend.clone(),
                backend::Options::default(),
                backend_calls.clone(),
            )
            .map_err(|e| format!("backend workers: {e}"))?,
        ),
        false => None,
    };
    let published = Published::new();
    let ready = Arc::new(Readiness::default());
    let mut rest = ports::rest(
        &common,
        &cfg,
        published.clone(),
        workers.clone(),
        ready.clone(),
    )?;
    let (replay, replay_writer) = match cfg.replay.enabled {
        true => {
            let (sink, writer) = replay::spawn(cfg.replay.dir.clone(), REPLAY_QUEUE)
                .map_err(|e| format!("replay writer: {e}"))?;
            (Some(sink), Some(writer))
        }
        false => (None, None),
    };

    let mut hub = Hub::new(
        AuthPolicy {
            require_auth_key: cfg.auth.require_auth_key,
            auth_key: cfg.auth.auth_key.clone(),
            use_backend: cfg.backend.use_backend,
        },
        test_clock,
        Outputs {
            ingest: Box::new(answers),
            broadcast: feeds,
            published: published.clone(),
            replay,
        },
    )
    .with_levels(cfg.levels);
    if let Some(w) = workers {
        let to_hub = commands.clone();
        hub = hub.with_backend(backend::Bridge::new(w, move |done| {
            // Blocks this worker only while the match thread's queue is full.
            let _ = to_hub.send(Command::Backend(done));
        }));
    }
    if cfg.replay.enabled && cfg.replay.recover {
        recover(&mut hub, &cfg, test_clock);
    }
    let mut ports = vec![("ingest", ingest.counters())];
    ports.extend(broadcast.iter().map(|r| ("broadcast", r.counters())));
    ports.push(("rest", rest.counters()));
    let sources = Sources {
        ports,
        hub: Some(hub.counters()),
        matches: Arc::new(move || published.matches_running()),
        frontend_logons: logons,
        backend: backend_calls,
    };
    let summary = cfg
        .summary_every()
        .map(|every| (every, Summary::new(sources.clone(), Instant::now())));
    rest.service()
        .layer
        .app
        .set_metrics(Arc::new(Metrics::new(sources)));
    let match_thread =
        hub::spawn(hub, command_rx, cfg.pin_core).map_err(|e| format!("match thread: {e}"))?;

    let mut reactors = Reactors::new()?;
    reactors.start("ingest", ingest)?;
    for shard in broadcast {
        reactors.start("broadcast", shard)?;
    }
    reactors.start("rest", rest)?;
    log::info!(
        "ready: ingest {}, REST {}, broadcast {}",
        common.addr(cfg.ingest_port),
        common.addr(cfg.rest_port),
        common.addr(cfg.broadcast_port)
    );

    let why = reactors.wait(&ready, cfg.drain(), cfg.shutdown_budget(), summary);
    // The reactors stop first, so every event ingest accepted is queued
    // before the match thread's stop; it closes the replay files, and the
    // writer flushes when its last sender is gone. REST stops last, so
    // that `/readyz` answers 503 until the end.
    let rest = reactors.take("rest");
    reactors.stop();
    let _ = commands.send(Command::Shutdown);
    drop(commands);
    if match_thread.join().is_err() {
        log::error!("match thread panicked");
    }
    if let Some(w) = replay_writer {
        let stats = w.join();
        log::info!(
            "replay files flushed: {} opened, {} events written",
            stats.files_opened,
            stats.events_written
        );
    }
    if let Some(p) = publisher {
        let _ = p.join();
    }
    rest.stop();
    running::outcome(why)
}

/// Rebuilds the matches live at the last stop from the replay folder,
/// before any connection is accepted. With the test clock, recorded games
/// carry times long past: nothing is too old then.
fn recover(hub: &mut Hub, cfg: &Config, test_clock: bool) {
    let started = std::time::Instant::now();
    let now = replay::recovery::wall_clock_ms();
    let (idle, team_info) = match test_clock {
        true => (u64::MAX, u64::MAX),
        false => (
            spectra_server::game::IDLE_REMOVAL_MS,
            hub::team_info::TEAM_INFO_TTL_MS,
        ),
    };
    let found = replay::recovery::scan(&cfg.replay.dir, now, idle, team_info);
    let read = started.elapsed();
    let done = hub.recover(&found, now);
    if done.matches + done.finished + found.problems > 0 {
        log::info!(
            "recovery: {} match(es) live again from {} event(s), {} finished game(s)' team info, {} problem(s); {:.0} ms ({:.0} ms reading)",
            done.matches,
            done.events,
            done.finished,
            found.problems,
            started.elapsed().as_secs_f64() * 1000.0,
            read.as_secs_f64() * 1000.0
        );
    }
}

/// This start's origin id: edges tell its room streams from those of an
/// earlier run by it.
fn origin_id() -> Result<u64, String> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| format!("random origin id: {e}"))?;
    Ok(u64::from_le_bytes(b))
}

/// The start-up lines: version, mode, ports, and settings that refuse
/// everyone.
pub fn announce(cfg: &Config) {
    log::info!(
        "spectra-server {}: {}",
        env!("CARGO_PKG_VERSION"),
        cfg.describe()
    );
    for w in cfg.warnings() {
        log::warn!("{w}");
    }
    if cfg.backend.use_backend {
        log::info!(
            "USE_BACKEND=true: observer keys, matches, playercams and stats go to the external services"
        );
    }
}
