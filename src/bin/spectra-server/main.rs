//! Start-up: configuration, the match thread, three reactors (ingest 5100,
//! REST 5101, broadcast 5200), the replay writer, and a graceful stop on
//! SIGTERM/SIGINT; or, as `spectra-server conformance FILE [KIND]`, a
//! recorded game replayed through the game model (see [`conformance`]).

mod conformance;

use std::process::ExitCode;
use std::time::Duration;

use spectra_server::broadcast::Broadcast;
use spectra_server::config::Config;
use spectra_server::eio::Driver;
use spectra_server::eio::EngineConfig;
use spectra_server::game::AuthPolicy;
use spectra_server::hub::{self, Command, Hub, Outputs, Published, ToBroadcast};
use spectra_server::ingest::Ingest;
use spectra_server::net::{self, Options, Reactor};
use spectra_server::rest::{Rest, RestApp, RestConfig};
use spectra_server::{backend, replay, sio};

/// Queued commands the match thread may lag behind before ingest waits for
/// it. Ingest events come in batches of at most `text_batch::MAX_ITEMS`
/// (512) events or `MAX_TEXT` (256 KiB) of text, so this bounds the backlog
/// at about 130k events or 64 MiB.
const COMMAND_QUEUE: usize = 256;
/// Queued replay records before the match thread drops them. Events go in
/// batches of the same bounds, so this bounds the backlog as
/// [`COMMAND_QUEUE`] does.
const REPLAY_QUEUE: usize = 256;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let [_, cmd, file, kind @ ..] = args.as_slice()
        && cmd == "conformance"
        && kind.len() <= 1
    {
        env_logger::init();
        let path = std::path::Path::new(file);
        let kind = kind.first().map_or("expected", String::as_str);
        if let Err(e) = conformance::run_cli(path, kind, std::io::stdout().lock()) {
            eprintln!("conformance: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp_millis()
        .init();
    match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// A reactor running on its own thread.
struct Running {
    name: &'static str,
    remote: net::Remote,
    thread: std::thread::JoinHandle<()>,
}

fn start_reactor<A: sio::App + Send + 'static>(
    name: &'static str,
    reactor: Reactor<Driver<sio::Stack<A>>>,
    done: crossbeam_channel::Sender<&'static str>,
) -> Result<Running, String> {
    let remote = reactor.remote();
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            if let Err(e) = reactor.run() {
                log::error!("{name} reactor stopped: {e}");
            }
            let _ = done.send(name);
        })
        .map_err(|e| format!("{name}: cannot start a thread: {e}"))?;
    Ok(Running {
        name,
        remote,
        thread,
    })
}

fn engine_config(cfg: &Config) -> EngineConfig {
    EngineConfig {
        namespaces: vec!["/".to_owned()],
        // The reference configures perMessageDeflate (threshold 1024) on all ports.
        offer_deflate: true,
        deflate_level: cfg.levels.standalone,
        ..EngineConfig::default()
    }
}

fn service<A: sio::App>(cfg: &Config, app: A) -> Driver<sio::Stack<A>> {
    Driver::new(sio::Stack::new(sio::Server::new(engine_config(cfg)), app))
}

fn serve() -> Result<(), String> {
    let cfg = Config::load().map_err(|e| format!("configuration: {e}"))?;
    log::info!(
        "spectra-server {}: {}",
        env!("CARGO_PKG_VERSION"),
        cfg.describe()
    );
    if cfg.auth.require_auth_key && cfg.auth.auth_key.is_none() && !cfg.backend.use_backend {
        log::warn!(
            "REQUIRE_AUTH_KEY is on but AUTH_KEY is not set: every observer logon will be refused (set AUTH_KEY, or REQUIRE_AUTH_KEY=false)"
        );
    }
    if cfg.backend.use_backend {
        log::info!(
            "USE_BACKEND=true: observer keys, matches, playercams and stats go to the external services"
        );
    }
    let test_clock = std::env::var("SPECTRA_TEST_CLOCK").is_ok_and(|v| v == "true");
    if test_clock {
        log::warn!("SPECTRA_TEST_CLOCK=true: the match clock only moves when a test sets it");
    }
    let tls = match &cfg.tls {
        Some(files) => Some(
            net::tls::load(&files.key, &files.cert)
                .map_err(|e| format!("TLS (SERVER_KEY / SERVER_CERT): {e}"))?,
        ),
        None => None,
    };

    let published = Published::new();
    let (cmd_tx, cmd_rx) = crossbeam_channel::bounded::<Command>(COMMAND_QUEUE);
    // Connections get half the stop budget to drain; the rest is for the
    // match thread and the replay flush.
    let budget = Duration::from_secs(cfg.shutdown_secs);
    let opts = Options {
        shutdown_grace: budget / 2,
        ..Options::default()
    };
    let addr = |port| std::net::SocketAddr::new(cfg.bind, port);

    let mut ingest = Reactor::new(
        service(&cfg, Ingest::new(cmd_tx.clone(), test_clock)),
        opts.clone(),
    )
    .map_err(|e| format!("ingest reactor: {e}"))?;
    let (ingest_post, ingest_rx) = ingest.remote().channel();
    ingest.service().layer.app.set_replies(ingest_rx);
    ingest
        .listen(addr(cfg.ingest_port), tls.clone())
        .map_err(|e| format!("SPECTRA_INGEST_PORT {}: {e}", cfg.ingest_port))?;

    let mut broadcast = Vec::with_capacity(cfg.broadcast_shards);
    for i in 0..cfg.broadcast_shards {
        let engine = EngineConfig {
            sid_mark: if cfg.broadcast_shards > 1 {
                net::shards::sid_mark(i)
            } else {
                None
            },
            ..engine_config(&cfg)
        };
        let app = Driver::new(sio::Stack::new(sio::Server::new(engine), Broadcast::new()));
        broadcast
            .push(Reactor::new(app, opts.clone()).map_err(|e| format!("broadcast reactor: {e}"))?);
    }
    let mut bc_posts: Vec<Box<dyn hub::command::Post<ToBroadcast>>> = Vec::new();
    for r in &mut broadcast {
        let (post, rx) = r.remote().channel();
        r.service().layer.app.set_states(rx);
        bc_posts.push(Box::new(post));
    }
    if broadcast.len() > 1 {
        Reactor::shard(&mut broadcast);
    }
    let mut bc_addr = addr(cfg.broadcast_port);
    for r in &mut broadcast {
        bc_addr = r
            .listen_shared(bc_addr, tls.clone())
            .map_err(|e| format!("SPECTRA_BROADCAST_PORT {}: {e}", cfg.broadcast_port))?;
    }

    let rest_cfg = RestConfig {
        auth: cfg.auth.clone(),
        use_backend: cfg.backend.use_backend,
        max_body: cfg.rest_max_body,
    };
    let workers = if cfg.backend.use_backend {
        let w = backend::Backend::start(cfg.backend.clone(), backend::Options::default())
            .map_err(|e| format!("backend workers: {e}"))?;
        Some(w)
    } else {
        None
    };
    let mut rest = Reactor::new(
        service(&cfg, RestApp::new(Rest::new(rest_cfg, published.clone()))),
        opts,
    )
    .map_err(|e| format!("REST reactor: {e}"))?;
    if let Some(w) = &workers {
        let (rest_post, rest_rx) = rest.remote().channel();
        rest.service()
            .layer
            .app
            .set_backend(w.clone(), rest_post, rest_rx);
    }
    rest.listen(addr(cfg.rest_port), tls)
        .map_err(|e| format!("SPECTRA_REST_PORT {}: {e}", cfg.rest_port))?;

    let (replay_sink, replay_writer) = if cfg.replay.enabled {
        let (sink, writer) = replay::spawn(cfg.replay.dir.clone(), REPLAY_QUEUE)
            .map_err(|e| format!("replay writer: {e}"))?;
        (Some(sink), Some(writer))
    } else {
        (None, None)
    };

    let hub = Hub::new(
        AuthPolicy {
            require_auth_key: cfg.auth.require_auth_key,
            auth_key: cfg.auth.auth_key.clone(),
            use_backend: cfg.backend.use_backend,
        },
        test_clock,
        Outputs {
            ingest: Box::new(ingest_post),
            broadcast: bc_posts,
            published,
            replay: replay_sink,
        },
    )
    .with_levels(cfg.levels);
    let hub = match workers {
        Some(w) => {
            let to_hub = cmd_tx.clone();
            hub.with_backend(backend::Bridge::new(w, move |done| {
                // Blocks this worker only while the match thread's queue is full.
                let _ = to_hub.send(Command::Backend(done));
            }))
        }
        None => hub,
    };
    let match_thread =
        hub::spawn(hub, cmd_rx, cfg.pin_core).map_err(|e| format!("match thread: {e}"))?;

    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    let mut reactors = vec![start_reactor("ingest", ingest, done_tx.clone())?];
    for r in broadcast {
        reactors.push(start_reactor("broadcast", r, done_tx.clone())?);
    }
    reactors.push(start_reactor("rest", rest, done_tx.clone())?);
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| format!("signal handlers: {e}"))?;
    let signal_handle = signals.handle();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                log::info!("signal {sig}: stopping");
                let _ = done_tx.send("signal");
            }
        })
        .map_err(|e| format!("signal thread: {e}"))?;
    log::info!(
        "ready: ingest {}, REST {}, broadcast {}",
        addr(cfg.ingest_port),
        addr(cfg.rest_port),
        addr(cfg.broadcast_port)
    );

    let why = done_rx.recv().unwrap_or("channel closed");
    // Whatever happens below, the process ends within the budget.
    let _ = std::thread::Builder::new()
        .name("stop-watchdog".into())
        .spawn(move || {
            std::thread::sleep(budget);
            log::error!("stopping took longer than SPECTRA_SHUTDOWN_SECS; exiting now");
            std::process::exit(1);
        });
    // Stop accepting and close every connection (each reactor gives its
    // connections a short grace), then stop the match thread, which closes
    // the replay files; the writer flushes when its last sender is gone.
    for r in &reactors {
        r.remote.shutdown();
    }
    let _ = cmd_tx.send(Command::Shutdown);
    drop(cmd_tx);
    for r in reactors {
        if r.thread.join().is_err() {
            log::error!("{} reactor panicked", r.name);
        }
    }
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
    signal_handle.close();
    log::info!("stopped ({why})");
    if why == "signal" {
        Ok(())
    } else {
        Err(format!("the {why} reactor stopped unexpectedly"))
    }
}
