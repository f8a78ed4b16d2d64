//! The server as an edge (`SPECTRA_ROLE=edge`): broadcast shards fed from
//! Redis by the relay's subscriber, and `/status` on the REST port. No
//! ingest, no match thread, no replay files.
//!
//! ```text
//! Redis ──► subscriber thread ──room outputs──► broadcast shards ──► frontends
//!               ▲                                      │
//!               └──────── rooms watched ◄──────────────┘
//! ```

use std::sync::Arc;
use std::time::Instant;

use spectra_server::config::Config;
use spectra_server::metrics::{self, LogonCounts, Metrics, Sources, Summary};
use spectra_server::relay;
use spectra_server::rest::Readiness;

use crate::ports::{self, Common};
use crate::running::{self, Reactors};

/// Runs until SIGTERM/SIGINT (then `Ok`) or until a reactor fails. Redis
/// need not be up: the subscriber keeps trying, and says so.
pub fn serve(cfg: Config) -> Result<(), String> {
    crate::serve::announce(&cfg);
    let url = cfg.redis_url.as_deref().unwrap_or_default();
    let client = redis::Client::open(url).map_err(|e| format!("SPECTRA_REDIS_URL: {e}"))?;
    let common = Common::new(&cfg)?;
    let (watcher, interest) = crossbeam_channel::unbounded();
    let logons = Arc::new(LogonCounts::default());
    let (broadcast, feeds) = ports::broadcast(
        &common,
        cfg.broadcast_port,
        cfg.broadcast_shards,
        Some(&watcher),
        &logons,
    )?;
    // The shards hold the only senders: the subscriber ends with them.
    drop(watcher);
    let (status, subscriber) = relay::subscriber::spawn(&client, interest, feeds)
        .map_err(|e| format!("relay subscriber: {e}"))?;
    let ready = Arc::new(Readiness::default());
    let mut rest = ports::edge_rest(&common, cfg.rest_port, status.clone(), ready.clone())?;
    let mut ports: Vec<_> = broadcast
        .iter()
        .map(|r| ("broadcast", r.counters()))
        .collect();
    ports.push(("rest", rest.counters()));
    let sources = Sources {
        ports,
        hub: None,
        matches: Arc::new(move || status.rooms()),
        frontend_logons: logons,
        backend: metrics::Events::default(),
    };
    let summary = cfg
        .summary_every()
        .map(|every| (every, Summary::new(sources.clone(), Instant::now())));
    rest.service()
        .layer
        .app
        .set_metrics(Arc::new(Metrics::new(sources)));

    let mut reactors = Reactors::new()?;
    for shard in broadcast {
        reactors.start("broadcast", shard)?;
    }
    reactors.start("rest", rest)?;
    log::info!(
        "ready (edge): REST {}, broadcast {}",
        common.addr(cfg.rest_port),
        common.addr(cfg.broadcast_port)
    );
    let why = reactors.wait(&ready, cfg.drain(), cfg.shutdown_budget(), summary);
    // REST last: `/readyz` answers 503 until the end.
    let rest = reactors.take("rest");
    reactors.stop();
    let _ = subscriber.join();
    rest.stop();
    running::outcome(why)
}
