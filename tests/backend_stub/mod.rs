// Shared by several test crates; each uses part of it.
#![allow(dead_code)]

//! A stub of the external services for the backend tests: a blocking HTTP
//! server on loopback that records every request and answers as the test
//! says, after an optional delay. One thread per connection, keep-alive, so
//! slow answers overlap and connection reuse can be counted.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use spectra_server::config::BackendConfig;
use spectra_server::http::{Limits, Request, Response, parse_request};

/// What the stub sends back for one request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn json(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Answer + Send + Sync;

pub struct Stub {
    pub base: String,
    seen: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
}

impl Stub {
    /// Starts the stub; `handler` gets each request and its 0-based index.
    pub fn start(handler: impl Fn(&Request, usize) -> Answer + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
        let addr = listener.local_addr().expect("stub address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let seen = seen.clone();
            let connections = connections.clone();
            thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(conn) = conn else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let seen = seen.clone();
                    let handler = handler.clone();
                    thread::spawn(move || serve(conn, &seen, &*handler));
                }
            });
        }
        Stub {
            base: format!("http://{addr}"),
            seen,
            connections,
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().expect("stub lock").clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(mut conn: TcpStream, seen: &Mutex<Vec<Request>>, handler: &Handler) {
    let mut buf = BytesMut::new();
    let mut chunk = [0u8; 4096];
    loop {
        let req = match parse_request(&mut buf, &Limits::default()) {
            Ok(Some(req)) => req,
            Ok(None) => match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    continue;
                }
            },
            Err(_) => return,
        };
        let index = {
            let mut s = seen.lock().expect("stub lock");
            s.push(req.clone());
            s.len() - 1
        };
        let answer = handler(&req, index);
        thread::sleep(answer.delay);
        let resp = Response::json(answer.status, answer.body);
        if conn.write_all(&resp.encode(true)).is_err() {
            return;
        }
    }
}

/// An address where nothing listens (bound, then released).
pub fn dead_address() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("address");
    drop(l);
    addr
}

/// Waits for `n` items from `rx`, failing the test after `within`.
pub fn collect<T>(rx: &crossbeam_channel::Receiver<T>, n: usize, within: Duration) -> Vec<T> {
    let end = Instant::now() + within;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(v) => out.push(v),
            Err(_) => panic!("only {} of {n} results within {within:?}", out.len()),
        }
    }
    out
}

/// The backend on, with the organisation, supporter, playercam and stats
/// services all under the stub at `base`.
pub fn services_config(base: &str) -> BackendConfig {
    BackendConfig {
        use_backend: true,
        backend_url: Some(base.to_owned()),
        backend_token: Some("BT".to_owned()),
        supporter_check_url: Some(format!("{base}/supporter")),
        playercam_url: Some(format!("{base}/cams")),
        stats_backend_url: Some(format!("{base}/stats")),
        stats_backend_token: Some("ST".to_owned()),
        ..Default::default()
    }
}
