//! The event loop: one mio `Poll`, its listeners, and its connections in a
//! slab. Protocol work is delegated to a [`Service`]; the reactor only moves
//! bytes, keeps time, and opens and closes sockets.
//!
//! Nothing here is global: a process may run several reactors (shards), each
//! on its own thread with its own service.

use super::counters::{Counters, Stats};
use super::outbox::Outbox;
use super::pool::BufPool;
use super::remote::Remote;
use super::shards::{Handover, Shards};
use super::stream::{ReadEnd, Stream, TlsStream};
use bytes::{Bytes, BytesMut};
use crossbeam_channel::Receiver;
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};
use rustls::ServerConfig;
use slab::Slab;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A connection of one reactor: its key in the reactor's slab (stable while
/// it is open; reused after it closes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(usize);

impl ConnId {
    /// The connection with this slab key. Reactors make their own; tests
    /// and sans-IO layers driven without one make theirs.
    pub const fn new(index: usize) -> Self {
        ConnId(index)
    }

    /// The slab key: small and dense, for tables indexed by connection.
    pub fn index(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

const WAKER: Token = Token(usize::MAX);
/// Listener `i` has token `LISTENER_BASE - i`.
const LISTENER_BASE: usize = usize::MAX - 1;
const MAX_LISTENERS: usize = 64;
/// Bytes read from one socket before the service gets to consume them.
const READ_CHUNK: usize = 64 * 1024;

/// Limits of one reactor.
#[derive(Debug, Clone)]
pub struct Options {
    /// Unconsumed input a connection may hold (a request or frame being
    /// received); past it the connection is dropped. Must exceed the
    /// protocol's largest message.
    pub max_input: usize,
    /// Outbound bytes a connection may have queued; past it the connection
    /// is dropped (a consumer too slow for the stream).
    pub max_queued: usize,
    /// Read buffers kept for reuse.
    pub pooled_buffers: usize,
    /// On shutdown, how long connections get to flush their goodbyes.
    pub shutdown_grace: Duration,
    /// A connection that sends nothing for this long is closed, unless it is
    /// paused (a held long-poll) or the service exempted it
    /// ([`Io::exempt_from_idle_timeout`], e.g. a WebSocket with its own
    /// heartbeat). Stops idle or half-sent requests from holding sockets.
    pub idle_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_input: 2 * 1024 * 1024,
            max_queued: 8 * 1024 * 1024,
            pooled_buffers: 256,
            shutdown_grace: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// The protocol side of a reactor. Every callback gets the [`Io`] to queue
/// bytes on, and close or pause, any connection.
pub trait Service {
    /// Per-connection protocol state, created with `Default` on accept.
    type State: Default;

    /// New bytes arrived on `conn` (or it was resumed): consume what forms
    /// whole messages from the front of `input`; leave a partial tail.
    fn on_input(
        &mut self,
        io: &mut Io<Self::State>,
        conn: ConnId,
        state: &mut Self::State,
        input: &mut BytesMut,
    );

    /// `conn` is gone (peer closed, error, limit, or `Io::close`).
    fn on_closed(&mut self, io: &mut Io<Self::State>, conn: ConnId, state: Self::State);

    /// When `on_timer` wants to run next, in the reactor's milliseconds.
    fn next_deadline(&self) -> Option<u64>;

    /// The deadline [`Service::next_deadline`] named has passed.
    fn on_timer(&mut self, io: &mut Io<Self::State>);

    /// Another thread woke the reactor (see [`Remote`]).
    fn on_wake(&mut self, io: &mut Io<Self::State>);

    /// Bytes to send `conn` before closing it at shutdown (a WebSocket close
    /// frame, say).
    fn goodbye(&mut self, state: &Self::State) -> Option<Bytes>;

    /// Every readiness event of one poll was handled: hand on what was
    /// gathered across them.
    fn after_poll(&mut self, _io: &mut Io<Self::State>) {}
}

const CLOSING: u8 = 1; // flush what is queued, then close; read no more
const DIRTY: u8 = 2; // in `Io::dirty`, awaiting a flush
const PAUSED: u8 = 4; // input is not handed to the service
const DEAD: u8 = 8; // in `Io::dead`, awaiting removal
const NOTIFIED: u8 = 16; // TLS close_notify queued (after the last data)
const NO_IDLE_TIMEOUT: u8 = 32; // the service keeps this one alive itself
/// How often connections are checked against the idle timeout.
const IDLE_SWEEP_MS: u64 = 1000;

struct Conn<T> {
    stream: Stream,
    peer: SocketAddr,
    /// Unconsumed input; `None` when idle (the buffer went back to the pool).
    input: Option<BytesMut>,
    out: Outbox,
    flags: u8,
    /// When bytes last arrived (reactor milliseconds).
    last_input_ms: u64,
    state: T,
}

/// The reactor's connections, as the service sees them.
pub struct Io<T> {
    conns: Slab<Conn<T>>,
    dirty: Vec<ConnId>,
    dead: Vec<ConnId>,
    resumed: Vec<ConnId>,
    /// Connections to hand to another shard, and which.
    handed: Vec<(ConnId, usize)>,
    /// This reactor's index among the port's shards, and those shards.
    shard: Option<(usize, Shards)>,
    pool: BufPool,
    opts: Options,
    start: Instant,
    now_ms: u64,
    /// What this reactor counted, published to `counters` once a turn.
    stats: Stats,
    counters: Arc<Counters>,
    /// Latest-wins frames queued on all connections and not yet written.
    latest_pending: usize,
    /// When the newest broadcast round being written began.
    round_born: Option<Instant>,
}

impl<T> Io<T> {
    /// A broadcast round that began at `born` (its output was built then)
    /// is being queued: when every latest-wins frame is written, the time
    /// since is counted.
    pub fn note_round(&mut self, born: Instant) {
        if self.round_born.is_none_or(|b| b < born) {
            self.round_born = Some(born);
        }
    }

    /// The sessions of the protocol on top, for `/metrics`.
    pub fn set_sessions(&self, n: usize) {
        self.counters
            .sessions
            .store(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts latest-wins frames the protocol on top delivered or replaced
    /// itself (polling buffers).
    pub fn count_latest(&mut self, delivered: u64, replaced: u64) {
        self.stats.latest_written += delivered;
        self.stats.latest_replaced += replaced;
    }

    /// Counts what an outbox did since the last look; `latest_before`: its
    /// pending latest-wins frames before.
    fn count(&mut self, conn: ConnId, latest_before: usize) {
        let Some(c) = self.conns.get_mut(conn.0) else {
            return;
        };
        let (written, replaced) = c.out.take_counts();
        self.stats.latest_written += u64::from(written);
        self.stats.latest_replaced += u64::from(replaced);
        self.latest_pending =
            (self.latest_pending + c.out.latest_pending()).saturating_sub(latest_before);
        self.round_done();
    }

    /// Counts a round whose last frame was just written.
    fn round_done(&mut self) {
        if self.latest_pending == 0
            && let Some(born) = self.round_born.take()
        {
            self.stats.rounds.observe(born.elapsed());
        }
    }

    /// Milliseconds since the reactor started (monotonic).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub(crate) fn peer(&self, conn: ConnId) -> Option<SocketAddr> {
        self.conns.get(conn.0).map(|c| c.peer)
    }

    pub(crate) fn is_open(&self, conn: ConnId) -> bool {
        self.conns
            .get(conn.0)
            .is_some_and(|c| c.flags & (CLOSING | DEAD) == 0)
    }

    /// Connections of the reactor, closing ones included.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Outbound bytes queued on `conn` and not yet taken by the kernel.
    pub fn queued_bytes(&self, conn: ConnId) -> usize {
        self.conns.get(conn.0).map_or(0, |c| c.out.queued_bytes())
    }

    /// Queues bytes, in order. Past the byte limit the connection is dropped.
    pub fn send(&mut self, conn: ConnId, bytes: Bytes) {
        let limit = self.opts.max_queued;
        self.enqueue(conn, |out| out.push(bytes, limit));
    }

    /// Queues a latest-wins frame: an unwritten older frame of the same
    /// `kind` on this connection is dropped.
    pub fn send_latest(&mut self, conn: ConnId, kind: u8, bytes: Bytes) {
        let limit = self.opts.max_queued;
        self.enqueue(conn, |out| out.push_latest(kind, bytes, limit));
    }

    /// Whether a latest-wins frame of `kind` is queued on `conn` and not yet
    /// started: the next one of that kind will drop it unwritten.
    pub fn has_unwritten_latest(&self, conn: ConnId, kind: u8) -> bool {
        self.conns
            .get(conn.0)
            .is_some_and(|c| c.out.has_unwritten_latest(kind))
    }

    fn enqueue(
        &mut self,
        conn: ConnId,
        push: impl FnOnce(&mut Outbox) -> Result<(), super::outbox::Overflow>,
    ) {
        let Some(c) = self.conns.get_mut(conn.0) else {
            return;
        };
        if c.flags & (DEAD | CLOSING) != 0 {
            return; // `close` meant: after what was queued then
        }
        let latest_before = c.out.latest_pending();
        let pushed = push(&mut c.out);
        self.count(conn, latest_before);
        let Some(c) = self.conns.get_mut(conn.0) else {
            return;
        };
        if let Err(o) = pushed {
            log::warn!(
                "{}: closing a connection that does not read: {} bytes queued, limit {}",
                c.peer,
                o.queued,
                o.limit
            );
            self.kill(conn);
            return;
        }
        if c.flags & DIRTY == 0 {
            c.flags |= DIRTY;
            self.dirty.push(conn);
        }
    }

    /// Closes after what is queued has been written; no more input is read.
    pub fn close(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(conn.0) else {
            return;
        };
        if c.flags & (CLOSING | DEAD) != 0 {
            return;
        }
        c.flags |= CLOSING;
        if c.flags & DIRTY == 0 {
            c.flags |= DIRTY;
            self.dirty.push(conn);
        }
    }

    /// Drops the connection now, discarding what is queued.
    pub fn kill(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(conn.0)
            && c.flags & DEAD == 0
        {
            c.flags |= DEAD;
            self.latest_pending = self.latest_pending.saturating_sub(c.out.latest_pending());
            c.out.clear();
            self.dead.push(conn);
            self.round_done();
        }
    }

    /// This reactor's shard index and the number of shards of its port
    /// (`None`: it serves its port alone).
    pub fn shard(&self) -> Option<(usize, usize)> {
        self.shard.as_ref().map(|(i, s)| (*i, s.len()))
    }

    /// Moves `conn` to shard `to` with its unread input (the service must
    /// leave the request it read unconsumed), once the service returns.
    /// Only a connection with nothing queued can move; false otherwise, or
    /// when this reactor has no such shard.
    pub fn hand_over(&mut self, conn: ConnId, to: usize) -> bool {
        let shards = self.shard.as_ref().map_or(0, |(_, s)| s.len());
        let Some(c) = self.conns.get_mut(conn.0) else {
            return false;
        };
        if to >= shards || c.flags & (DEAD | CLOSING) != 0 || c.out.queued_bytes() > 0 {
            return false;
        }
        // Nothing more is read or written here.
        c.flags |= DEAD;
        self.handed.push((conn, to));
        true
    }

    /// Stops handing `conn`'s input to the service (e.g. while a long-poll
    /// request is held) until [`Io::resume`].
    pub fn pause(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(conn.0) {
            c.flags |= PAUSED;
        }
    }

    pub(crate) fn is_paused(&self, conn: ConnId) -> bool {
        self.conns
            .get(conn.0)
            .is_some_and(|c| c.flags & PAUSED != 0)
    }

    /// The service keeps `conn` alive (or closes it) by its own rules: the
    /// reactor's idle timeout no longer applies to it.
    pub fn exempt_from_idle_timeout(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(conn.0) {
            c.flags |= NO_IDLE_TIMEOUT;
        }
    }

    /// Hands `conn`'s buffered input to the service again.
    pub fn resume(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(conn.0)
            && c.flags & PAUSED != 0
        {
            c.flags &= !PAUSED;
            self.resumed.push(conn);
        }
    }

    fn take_buf(&mut self, conn: ConnId) -> Option<BytesMut> {
        let c = self.conns.get_mut(conn.0)?;
        Some(c.input.take().unwrap_or_else(|| self.pool.take()))
    }

    fn put_buf(&mut self, conn: ConnId, buf: BytesMut) {
        let handed = self.handed.iter().any(|(c, _)| *c == conn);
        match self.conns.get_mut(conn.0) {
            Some(c) if !buf.is_empty() && (c.flags & DEAD == 0 || handed) => c.input = Some(buf),
            _ => self.pool.give(buf),
        }
    }
}

struct Listener {
    sock: TcpListener,
    tls: Option<Arc<ServerConfig>>,
}

/// Connections the kernel may hold completed for us before we accept them.
/// An audience arrives in bursts (a stream starts, thousands of overlays
/// connect within a second); past the backlog the kernel drops their
/// handshakes and they retry a whole second later. The kernel caps it at
/// `net.core.somaxconn`.
const LISTEN_BACKLOG: i32 = 65_535;

/// A non-blocking listener on `addr` with [`LISTEN_BACKLOG`] (mio's and
/// std's own binds fix it at 1024 and 128).
fn bind(addr: SocketAddr, shared: bool) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    sock.set_reuse_address(true)?;
    if shared {
        sock.set_reuse_port(true)?;
    }
    sock.bind(&addr.into())?;
    sock.listen(LISTEN_BACKLOG)?;
    sock.set_nonblocking(true)?;
    Ok(TcpListener::from_std(sock.into()))
}

/// One event loop with its listeners, connections and service.
pub struct Reactor<S: Service> {
    poll: Poll,
    listeners: Vec<Listener>,
    io: Io<S::State>,
    service: S,
    remote: Remote,
    /// Connections other shards hand to this one.
    handovers: Option<Receiver<Handover>>,
}

impl<S: Service> Reactor<S> {
    /// A reactor for `service`, without listeners yet.
    pub fn new(service: S, opts: Options) -> io::Result<Self> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        Ok(Self {
            poll,
            listeners: Vec::new(),
            io: Io {
                conns: Slab::new(),
                dirty: Vec::new(),
                dead: Vec::new(),
                resumed: Vec::new(),
                handed: Vec::new(),
                shard: None,
                pool: BufPool::new(opts.pooled_buffers),
                opts,
                start: Instant::now(),
                now_ms: 0,
                stats: Stats::default(),
                counters: Arc::new(Counters::default()),
                latest_pending: 0,
                round_born: None,
            },
            service,
            remote: Remote::new(waker),
            handovers: None,
        })
    }

    /// Makes these reactors the shards of one port: listen on it with
    /// [`Reactor::listen_shared`] on each.
    pub fn shard(reactors: &mut [Reactor<S>]) {
        let (shards, inboxes) = Shards::new(reactors.iter().map(|r| r.remote()).collect());
        for (i, (r, inbox)) in reactors.iter_mut().zip(inboxes).enumerate() {
            r.io.shard = Some((i, shards.clone()));
            r.handovers = Some(inbox);
        }
    }

    /// Listens on `addr` (port 0 picks a free one); TLS when `tls` is set.
    /// Returns the bound address.
    pub fn listen(
        &mut self,
        addr: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<SocketAddr> {
        self.listen_on(addr, tls, false)
    }

    /// As [`Reactor::listen`], on a port other shards listen on too
    /// (`SO_REUSEPORT`; give them all the port the first one got).
    pub fn listen_shared(
        &mut self,
        addr: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<SocketAddr> {
        self.listen_on(addr, tls, true)
    }

    fn listen_on(
        &mut self,
        addr: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
        shared: bool,
    ) -> io::Result<SocketAddr> {
        if self.listeners.len() >= MAX_LISTENERS {
            return Err(io::Error::other("too many listeners"));
        }
        let mut sock = bind(addr, shared)?;
        let token = Token(LISTENER_BASE - self.listeners.len());
        self.poll
            .registry()
            .register(&mut sock, token, Interest::READABLE)?;
        let local = sock.local_addr()?;
        self.listeners.push(Listener { sock, tls });
        Ok(local)
    }

    /// A handle for other threads: wakes the reactor, opens channels to
    /// it, stops it.
    pub fn remote(&self) -> Remote {
        self.remote.clone()
    }

    /// Where this reactor publishes what it counts (`/metrics` reads it).
    pub fn counters(&self) -> Arc<Counters> {
        self.io.counters.clone()
    }

    /// The service, e.g. to set it up before [`Reactor::run`].
    pub fn service(&mut self) -> &mut S {
        &mut self.service
    }

    /// Runs until [`Remote::shutdown`]; returns the service.
    pub fn run(mut self) -> io::Result<S> {
        let mut events = Events::with_capacity(1024);
        let mut grace_until: Option<Instant> = None;
        let mut next_sweep = IDLE_SWEEP_MS;
        loop {
            self.tick_clock();
            if grace_until.is_none() && self.remote.stopping() {
                grace_until = Some(Instant::now() + self.io.opts.shutdown_grace);
                self.begin_shutdown();
            }
            if let Some(until) = grace_until
                && (self.io.conns.is_empty() || Instant::now() >= until)
            {
                let ids: Vec<ConnId> = self.io.conns.iter().map(|(id, _)| ConnId(id)).collect();
                for id in ids {
                    self.io.kill(id);
                }
                self.settle();
                return Ok(self.service);
            }
            let next = match self.service.next_deadline() {
                Some(d) => d.min(next_sweep),
                None => next_sweep,
            };
            let mut timeout = Some(Duration::from_millis(next.saturating_sub(self.io.now_ms)));
            if let Some(until) = grace_until {
                let left = until.saturating_duration_since(Instant::now());
                timeout = Some(timeout.map_or(left, |t| t.min(left)));
            }
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            self.tick_clock();
            for ev in events.iter() {
                match ev.token() {
                    WAKER => {
                        self.adopt();
                        self.service.on_wake(&mut self.io);
                        self.settle();
                    }
                    Token(t) if t > LISTENER_BASE - MAX_LISTENERS => {
                        self.accept(LISTENER_BASE - t);
                    }
                    Token(id) => {
                        let id = ConnId(id);
                        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                            self.read(id);
                        }
                        if ev.is_writable() {
                            self.flush(id);
                        }
                        self.settle();
                    }
                }
            }
            self.service.after_poll(&mut self.io);
            self.io.counters.publish(&self.io.stats);
            if self.io.now_ms >= next_sweep {
                next_sweep = self.io.now_ms + IDLE_SWEEP_MS;
                self.sweep_idle();
            }
            if let Some(d) = self.service.next_deadline()
                && d <= self.io.now_ms
            {
                self.service.on_timer(&mut self.io);
                self.settle();
            }
        }
    }

    /// Closes connections silent for longer than the idle timeout.
    fn sweep_idle(&mut self) {
        let limit = self.io.opts.idle_timeout.as_millis() as u64;
        let now = self.io.now_ms;
        let idle: Vec<ConnId> = self
            .io
            .conns
            .iter()
            .filter(|(_, c)| {
                c.flags & (NO_IDLE_TIMEOUT | PAUSED | DEAD) == 0
                    && now.saturating_sub(c.last_input_ms) > limit
            })
            .map(|(id, _)| ConnId(id))
            .collect();
        for id in idle {
            if let Some(p) = self.io.peer(id) {
                log::debug!("{p}: closing a connection idle for {limit} ms");
            }
            self.io.kill(id);
        }
        self.settle();
    }

    fn tick_clock(&mut self) {
        self.io.now_ms = self.io.start.elapsed().as_millis() as u64;
    }

    fn begin_shutdown(&mut self) {
        for l in &mut self.listeners {
            let _ = self.poll.registry().deregister(&mut l.sock);
        }
        self.listeners.clear();
        let ids: Vec<ConnId> = self.io.conns.iter().map(|(id, _)| ConnId(id)).collect();
        for id in ids {
            let bye = self
                .io
                .conns
                .get(id.0)
                .and_then(|c| self.service.goodbye(&c.state));
            if let Some(bye) = bye {
                self.io.send(id, bye);
            }
            self.io.close(id);
        }
        self.settle();
    }

    fn accept(&mut self, index: usize) {
        loop {
            let Some(l) = self.listeners.get(index) else {
                return;
            };
            let (sock, peer) = match l.sock.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log::error!("accept failed: {e}");
                    return;
                }
            };
            let _ = sock.set_nodelay(true);
            let stream = match &l.tls {
                None => Stream::Plain(sock),
                Some(cfg) => match rustls::ServerConnection::new(cfg.clone()) {
                    Ok(tls) => Stream::Tls(Box::new(TlsStream { sock, tls })),
                    Err(e) => {
                        log::error!("{peer}: cannot start TLS: {e}");
                        continue;
                    }
                },
            };
            self.insert(stream, peer, None);
        }
    }

    /// Registers a new connection (accepted, or handed over with `input`
    /// already read); `None` when the poll refuses it (it is dropped).
    fn insert(
        &mut self,
        stream: Stream,
        peer: SocketAddr,
        input: Option<BytesMut>,
    ) -> Option<ConnId> {
        let entry = self.io.conns.vacant_entry();
        let id = entry.key();
        let mut conn = Conn {
            stream,
            peer,
            input,
            out: Outbox::default(),
            flags: 0,
            last_input_ms: self.io.now_ms,
            state: S::State::default(),
        };
        if let Err(e) = self.poll.registry().register(
            conn.stream.socket_mut(),
            Token(id),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            log::error!("{peer}: cannot register: {e}");
            return None;
        }
        entry.insert(conn);
        Some(ConnId(id))
    }

    /// Reads until the socket would block, handing input to the service.
    fn read(&mut self, id: ConnId) {
        loop {
            match self.io.conns.get(id.0) {
                Some(c) if c.flags & (CLOSING | DEAD) == 0 => {}
                _ => return,
            }
            let Some(mut buf) = self.io.take_buf(id) else {
                return;
            };
            let before = buf.len();
            let end = match self.io.conns.get_mut(id.0) {
                Some(c) => c.stream.read_into(&mut buf, READ_CHUNK),
                None => Ok(ReadEnd::Eof),
            };
            if buf.len() > before {
                if let Some(c) = self.io.conns.get_mut(id.0) {
                    c.last_input_ms = self.io.now_ms;
                }
                self.deliver(id, &mut buf);
            }
            let over = buf.len() > self.io.opts.max_input;
            self.io.put_buf(id, buf);
            if over {
                if let Some(p) = self.io.peer(id) {
                    log::warn!(
                        "{p}: closing: more than {} bytes of unconsumed input",
                        self.io.opts.max_input
                    );
                }
                self.io.kill(id);
                return;
            }
            match end {
                Ok(ReadEnd::Full) => continue,
                Ok(ReadEnd::WouldBlock) => {
                    // A TLS handshake may have left records to send.
                    self.mark_dirty(id);
                    return;
                }
                Ok(ReadEnd::Eof) => {
                    self.io.close(id);
                    return;
                }
                Err(e) => {
                    if let Some(p) = self.io.peer(id) {
                        log::debug!("{p}: read failed: {e}");
                    }
                    self.io.kill(id);
                    return;
                }
            }
        }
    }

    fn mark_dirty(&mut self, id: ConnId) {
        if let Some(c) = self.io.conns.get_mut(id.0)
            && matches!(c.stream, Stream::Tls(_))
            && c.flags & DIRTY == 0
        {
            c.flags |= DIRTY;
            self.io.dirty.push(id);
        }
    }

    /// Hands buffered input to the service unless the connection is paused.
    fn deliver(&mut self, id: ConnId, buf: &mut BytesMut) {
        let mut state = match self.io.conns.get_mut(id.0) {
            Some(c) if c.flags & (PAUSED | DEAD | CLOSING) == 0 => std::mem::take(&mut c.state),
            _ => return,
        };
        self.service.on_input(&mut self.io, id, &mut state, buf);
        if let Some(c) = self.io.conns.get_mut(id.0) {
            c.state = state;
        }
    }

    fn flush(&mut self, id: ConnId) {
        let Some(c) = self.io.conns.get_mut(id.0) else {
            return;
        };
        if c.flags & DEAD != 0 {
            return;
        }
        let (bytes_before, latest_before) = (c.out.queued_bytes(), c.out.latest_pending());
        let flushed = c.stream.flush_from(&mut c.out);
        self.io.stats.bytes_sent += bytes_before.saturating_sub(c.out.queued_bytes()) as u64;
        self.io.count(id, latest_before);
        let Some(c) = self.io.conns.get_mut(id.0) else {
            return;
        };
        let mut flushed = Some(flushed);
        loop {
            let result = match flushed.take() {
                Some(r) => r,
                None => c.stream.flush_from(&mut c.out),
            };
            match result {
                Ok(true) if c.flags & CLOSING != 0 => {
                    if c.flags & NOTIFIED == 0 && matches!(c.stream, Stream::Tls(_)) {
                        c.flags |= NOTIFIED;
                        c.stream.send_close_notify();
                        continue;
                    }
                    let _ = c.stream.socket().shutdown(std::net::Shutdown::Write);
                    self.io.kill(id);
                }
                Ok(_) => {}
                Err(e) => {
                    log::debug!("{}: write failed: {e}", c.peer);
                    self.io.kill(id);
                }
            }
            return;
        }
    }

    /// Takes in the connections other shards handed over; their input is
    /// delivered as if just read, then whatever else is waiting is read
    /// (TLS may hold decrypted bytes the socket will not signal again).
    fn adopt(&mut self) {
        let Some(inbox) = &self.handovers else {
            return;
        };
        let handed: Vec<Handover> = inbox.try_iter().collect();
        let mut adopted = Vec::new();
        for h in handed {
            let has_input = h.input.is_some();
            let Some(id) = self.insert(h.stream, h.peer, h.input) else {
                continue;
            };
            if has_input {
                self.io.resumed.push(id);
            }
            adopted.push(id);
        }
        self.settle();
        for id in adopted {
            self.read(id);
            self.settle();
        }
    }

    /// Runs the consequences of a callback until none are left: resumed
    /// input, flushes, removals (whose `on_closed` may queue more).
    fn settle(&mut self) {
        loop {
            if let Some(id) = self.io.resumed.pop() {
                if let Some(mut buf) = self.io.conns.get_mut(id.0).and_then(|c| c.input.take()) {
                    self.deliver(id, &mut buf);
                    self.io.put_buf(id, buf);
                }
                continue;
            }
            if let Some(id) = self.io.dirty.pop() {
                if let Some(c) = self.io.conns.get_mut(id.0) {
                    c.flags &= !DIRTY;
                }
                self.flush(id);
                continue;
            }
            if let Some((id, to)) = self.io.handed.pop() {
                if self.io.conns.contains(id.0) {
                    let mut c = self.io.conns.remove(id.0);
                    let _ = self.poll.registry().deregister(c.stream.socket_mut());
                    let peer = c.peer;
                    let sent = self.io.shard.as_ref().is_some_and(|(_, s)| {
                        s.send(
                            to,
                            Handover {
                                stream: c.stream,
                                peer,
                                input: c.input,
                            },
                        )
                    });
                    if sent {
                        log::trace!("{peer}: connection handed to shard {to}");
                    } else {
                        log::warn!("{peer}: shard {to} is gone; connection dropped");
                    }
                    self.service.on_closed(&mut self.io, id, c.state);
                }
                continue;
            }
            if let Some(id) = self.io.dead.pop() {
                if self.io.conns.contains(id.0) {
                    let mut c = self.io.conns.remove(id.0);
                    let _ = self.poll.registry().deregister(c.stream.socket_mut());
                    if let Some(buf) = c.input.take() {
                        self.io.pool.give(buf);
                    }
                    // Ids queued for this slot are stale now; the slot may be
                    // reused by the next accept only after this loop ends.
                    self.service.on_closed(&mut self.io, id, c.state);
                }
                continue;
            }
            return;
        }
    }
}
