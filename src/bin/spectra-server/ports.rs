//! The three ports as reactors: each port's application on a Socket.IO
//! stack, listening, with the channel other threads reach it by.

use std::net::SocketAddr;
use std::sync::Arc;

use crossbeam_channel::Sender;
use spectra_server::broadcast::Broadcast;
use spectra_server::config::Config;
use spectra_server::eio::{Driver, EngineConfig};
use spectra_server::hub::command::Post;
use spectra_server::hub::{Command, Published, ToBroadcast, ToIngest};
use spectra_server::ingest::Ingest;
use spectra_server::metrics::LogonCounts;
use spectra_server::net::{self, Options, Poster, Reactor};
use spectra_server::relay::subscriber::{Interest, Status};
use spectra_server::rest::{EdgeRest, Readiness, Rest, RestApp, RestConfig};
use spectra_server::{backend, sio};

/// A reactor serving one Socket.IO application.
pub type Port<A> = Reactor<Driver<sio::Stack<A>>>;

/// What every port shares: TLS, limits, the engine's settings.
pub struct Common {
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub opts: Options,
    engine: EngineConfig,
    bind: std::net::IpAddr,
}

/// The TLS configuration from the files `cfg` names, if any.
pub fn tls(cfg: &Config) -> Result<Option<Arc<rustls::ServerConfig>>, String> {
    match &cfg.tls {
        Some(files) => net::tls::load(&files.key, &files.cert)
            .map(Some)
            .map_err(|e| format!("TLS (SERVER_KEY / SERVER_CERT): {e}")),
        None => Ok(None),
    }
}

impl Common {
    /// Loads the TLS files, if any. Connections get half the stop budget
    /// to drain; the rest is for the threads behind them.
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let tls = tls(cfg)?;
        let opts = Options {
            shutdown_grace: cfg.shutdown_budget() / 2,
            ..Options::default()
        };
        Ok(Common {
            tls,
            opts,
            engine: EngineConfig {
                namespaces: vec!["/".to_owned()],
                // The reference configures perMessageDeflate (threshold 1024) on all ports.
                offer_deflate: true,
                deflate_level: cfg.levels.standalone,
                ..EngineConfig::default()
            },
            bind: cfg.bind,
        })
    }

    pub fn addr(&self, port: u16) -> SocketAddr {
        SocketAddr::new(self.bind, port)
    }

    fn port<A: sio::App>(&self, engine: EngineConfig, app: A) -> Result<Port<A>, String> {
        let stack = sio::Stack::new(sio::Server::new(engine), app);
        Reactor::new(Driver::new(stack), self.opts.clone()).map_err(|e| format!("reactor: {e}"))
    }

    /// The REST port's engine: none. The reference serves Socket.IO on
    /// the other ports only, so `/socket.io/` here gets the REST app's 404.
    fn no_engine(&self) -> EngineConfig {
        EngineConfig {
            path: None,
            ..self.engine.clone()
        }
    }
}

/// Port 5100: observers. Returns the reactor and where the match thread
/// answers it.
pub fn ingest(
    c: &Common,
    port: u16,
    commands: Sender<Command>,
    test_clock: bool,
) -> Result<(Port<Ingest>, Poster<ToIngest>), String> {
    let mut r = c.port(c.engine.clone(), Ingest::new(commands, test_clock))?;
    let (answers, rx) = r.remote().channel();
    r.service().layer.app.set_replies(rx);
    r.listen(c.addr(port), c.tls.clone())
        .map_err(|e| format!("SPECTRA_INGEST_PORT {port}: {e}"))?;
    Ok((r, answers))
}

/// Port 5200: overlays, served by `shards` reactors at once. Returns them
/// and where each is fed room outputs. On an edge, `watcher` hears which
/// rooms their frontends watch.
#[allow(clippy::type_complexity)]
pub fn broadcast(
    c: &Common,
    port: u16,
    shards: usize,
    watcher: Option<&Sender<Interest>>,
    logons: &Arc<LogonCounts>,
) -> Result<(Vec<Port<Broadcast>>, Vec<Box<dyn Post<ToBroadcast>>>), String> {
    let mut reactors = Vec::with_capacity(shards);
    let mut feeds: Vec<Box<dyn Post<ToBroadcast>>> = Vec::with_capacity(shards);
    for i in 0..shards {
        let engine = EngineConfig {
            sid_mark: if shards > 1 {
                net::shards::sid_mark(i)
            } else {
                None
            },
            ..c.engine.clone()
        };
        let mut r = c.port(engine, Broadcast::new())?;
        let (feed, rx) = r.remote().channel();
        let app = &mut r.service().layer.app;
        app.set_states(rx);
        app.set_logons(logons.clone());
        if let Some(w) = watcher {
            app.set_watcher(w.clone());
        }
        feeds.push(Box::new(feed));
        reactors.push(r);
    }
    if reactors.len() > 1 {
        Reactor::shard(&mut reactors);
    }
    let mut addr = c.addr(port);
    for r in &mut reactors {
        addr = r
            .listen_shared(addr, c.tls.clone())
            .map_err(|e| format!("SPECTRA_BROADCAST_PORT {port}: {e}"))?;
    }
    Ok((reactors, feeds))
}

/// Port 5101: REST, with the backend workers when they run, and `ready`
/// on `/readyz`.
pub fn rest(
    c: &Common,
    cfg: &Config,
    published: Arc<Published>,
    workers: Option<backend::Backend>,
    ready: Arc<Readiness>,
) -> Result<Port<RestApp>, String> {
    let rest_cfg = RestConfig {
        auth: cfg.auth.clone(),
        use_backend: cfg.backend.use_backend,
        max_body: cfg.rest_max_body,
    };
    let mut r = c.port(
        c.no_engine(),
        RestApp::new(Rest::new(rest_cfg, published, ready)),
    )?;
    if let Some(w) = workers {
        let (answers, rx) = r.remote().channel();
        r.service().layer.app.set_backend(w, answers, rx);
    }
    r.listen(c.addr(cfg.rest_port), c.tls.clone())
        .map_err(|e| format!("SPECTRA_REST_PORT {}: {e}", cfg.rest_port))?;
    Ok(r)
}

/// An edge's REST port: `/status` with the relay's state, `/readyz`.
pub fn edge_rest(
    c: &Common,
    port: u16,
    status: Arc<Status>,
    ready: Arc<Readiness>,
) -> Result<Port<EdgeRest>, String> {
    let mut r = c.port(c.no_engine(), EdgeRest::new(status, ready))?;
    r.listen(c.addr(port), c.tls.clone())
        .map_err(|e| format!("SPECTRA_REST_PORT {port}: {e}"))?;
    Ok(r)
}
