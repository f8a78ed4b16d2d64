//! An observer client (what the Spectra Client does on the ingest port):
//! WebSocket upgrade, Engine.IO open, Socket.IO connect, `obs_logon` and its
//! ack, then `obs_data` events written as fast as the server reads them.
//! Pings are answered whenever the observer reads. Over TLS for `https://`
//! and `wss://` targets.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use spectra_server::ws::{self, Decoder, Message};

use crate::tls::{Session, Tls};
use crate::wire::{self, Target};

pub struct Observer {
    stream: TcpStream,
    /// The TLS session of a TLS target.
    tls: Option<Box<Session>>,
    decoder: Decoder,
    inbuf: BytesMut,
    /// Socket.IO events received (`42[...]` texts), oldest first, bounded.
    pub inbox: Vec<String>,
    pub bytes_sent: u64,
}

fn err(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

impl Observer {
    /// Connects, upgrades and joins the default namespace.
    pub fn connect(target: &Target, tls: &Tls, timeout: Duration) -> io::Result<Observer> {
        let session = tls.session(target)?;
        let stream = TcpStream::connect_timeout(&target.addr, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_millis(200)))?;
        let mut o = Observer {
            stream,
            tls: session,
            decoder: Decoder::client(None, 64 << 20),
            inbuf: BytesMut::with_capacity(16 << 10),
            inbox: Vec::new(),
            bytes_sent: 0,
        };
        let req = ws::client::client_request(&target.host, wire::WS_PATH, wire::WS_KEY, false);
        o.write_all(&req)?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(deflate) = ws::client::client_read_response(&mut o.inbuf, wire::WS_KEY)
                .map_err(|e| err(format!("upgrade: {e:?}")))?
            {
                o.decoder = Decoder::client(deflate, 64 << 20);
                break;
            }
            o.read_some(deadline)?;
        }
        let open = o.next_text(deadline)?;
        if !open.starts_with('0') {
            return Err(err(format!(
                "expected the Engine.IO open packet, got {open:.80}"
            )));
        }
        o.send_text("40")?;
        loop {
            let t = o.next_text(deadline)?;
            if t.starts_with("40") {
                break;
            }
            if t.starts_with("44") {
                return Err(err(format!("namespace refused: {t:.200}")));
            }
        }
        o.stream.set_nonblocking(true)?;
        Ok(o)
    }

    fn read_some(&mut self, deadline: Instant) -> io::Result<()> {
        if Instant::now() > deadline {
            return Err(err("timed out"));
        }
        let mut buf = [0u8; 16 << 10];
        match self.stream.read(&mut buf) {
            Ok(0) => Err(err("the server closed the connection")),
            Ok(n) => match &mut self.tls {
                None => {
                    self.inbuf.extend_from_slice(&buf[..n]);
                    Ok(())
                }
                Some(t) => {
                    if t.feed(&buf[..n], &mut self.inbuf)? {
                        return Err(err("the server closed the connection (close_notify)"));
                    }
                    // Handshake answers; application data goes in write_all.
                    t.flush(&mut self.stream).map(drop)
                }
            },
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Decodes what is buffered: answers pings, keeps event texts, returns
    /// the next text message that is not a ping.
    fn decode_one(&mut self) -> io::Result<Option<String>> {
        loop {
            match self.decoder.decode(&mut self.inbuf) {
                Ok(None) => return Ok(None),
                Ok(Some(Message::Text(t))) if t == "2" => self.send_text("3")?,
                Ok(Some(Message::Text(t))) => return Ok(Some(t)),
                Ok(Some(Message::Ping(p))) => {
                    let f = ws::client::encode_masked(
                        true,
                        false,
                        ws::OpCode::Control(ws::Control::Pong),
                        &p,
                        [7, 7, 7, 7],
                    );
                    self.write_all(&f)?;
                }
                Ok(Some(Message::Close(c))) => {
                    return Err(err(format!("the server closed the WebSocket: {c:?}")));
                }
                Ok(Some(_)) => {}
                Err(e) => return Err(err(format!("bad frame from the server: {e:?}"))),
            }
        }
    }

    fn next_text(&mut self, deadline: Instant) -> io::Result<String> {
        loop {
            if let Some(t) = self.decode_one()? {
                return Ok(t);
            }
            self.read_some(deadline)?;
        }
    }

    /// Reads whatever has arrived without blocking; event texts go to the inbox.
    pub fn pump(&mut self) -> io::Result<()> {
        loop {
            let before = self.inbuf.len();
            self.read_some(Instant::now() + Duration::from_secs(1))?;
            while let Some(t) = self.decode_one()? {
                if self.inbox.len() < 1024 {
                    self.inbox.push(t);
                }
            }
            if self.inbuf.len() == before {
                return Ok(());
            }
        }
    }

    /// The negotiated TLS cipher suite (`None`: plain).
    pub fn tls_suite(&self) -> Option<String> {
        self.tls.as_ref().and_then(|t| t.suite())
    }

    pub fn send_text(&mut self, text: &str) -> io::Result<()> {
        let f = wire::text_frame(text.as_bytes(), mask());
        self.write_all(&f)
    }

    /// Writes every byte, waiting for the socket to drain when it is full
    /// (and answering pings meanwhile). Gives up after 30 s without progress.
    pub fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        let mut stalled_since = None;
        if let Some(t) = &mut self.tls {
            t.send(buf)?;
            self.bytes_sent += buf.len() as u64;
            loop {
                if t.flush(&mut self.stream)? > 0 {
                    stalled_since = None;
                }
                if !t.wants_write() {
                    break;
                }
                let since = *stalled_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_secs(30) {
                    return Err(err("the server stopped reading for 30 s"));
                }
                wait_writable(&self.stream, 50);
            }
            return Ok(());
        }
        while !buf.is_empty() {
            match self.stream.write(buf) {
                Ok(0) => return Err(err("the server closed the connection")),
                Ok(n) => {
                    buf = &buf[n..];
                    self.bytes_sent += n as u64;
                    stalled_since = None;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let since = *stalled_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > Duration::from_secs(30) {
                        return Err(err("the server stopped reading for 30 s"));
                    }
                    wait_writable(&self.stream, 50);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Sends `obs_logon` with the payload (sent as a JSON string, as the
    /// client does) and waits for `obs_logon_ack`; returns the ack's text.
    pub fn logon(&mut self, payload_json: &str, timeout: Duration) -> io::Result<String> {
        self.send_text(&wire::event_packet(
            "obs_logon",
            &[&wire::json_string(payload_json)],
        ))?;
        let deadline = Instant::now() + timeout;
        loop {
            self.pump()?;
            if let Some(i) = self
                .inbox
                .iter()
                .position(|t| t.starts_with("42[\"obs_logon_ack\""))
            {
                let t = self.inbox.remove(i);
                let ok = t.contains("\\\"value\\\":true") || t.contains("\"value\":true");
                return if ok {
                    Ok(t)
                } else {
                    Err(err(format!("logon refused: {t:.300}")))
                };
            }
            if Instant::now() > deadline {
                return Err(err("no obs_logon_ack in time"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

fn wait_writable(s: &TcpStream, ms: i32) {
    let mut p = libc::pollfd {
        fd: s.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one pollfd on a live descriptor.
    unsafe {
        libc::poll(&mut p, 1, ms);
    }
}

/// A masking key: any value is valid; this one varies cheaply.
pub fn mask() -> [u8; 4] {
    use std::sync::atomic::{AtomicU32, Ordering};
    static X: AtomicU32 = AtomicU32::new(0x9e37_79b9);
    let v = X.fetch_add(0x6d2b_79f5, Ordering::Relaxed);
    v.to_le_bytes()
}

/// `obs_data` events ready to write: the payload as a JSON string argument
/// of a masked text frame.
pub fn data_frame(payload_json: &str) -> Vec<u8> {
    let text = wire::event_packet("obs_data", &[&wire::json_string(payload_json)]);
    wire::text_frame(text.as_bytes(), mask())
}
