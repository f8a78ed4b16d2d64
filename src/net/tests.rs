//! Reactor tests over real loopback sockets, with a line-echo service.

use super::*;
use bytes::{Bytes, BytesMut};
use crossbeam_channel::Receiver;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Echoes each line; "close" closes after the echo; messages posted from
/// other threads are written to every connection; goodbye is "bye\n".
struct Echo {
    posted: Option<Receiver<String>>,
    closed: usize,
}

impl Service for Echo {
    type State = usize; // lines seen

    fn on_input(
        &mut self,
        io: &mut Io<usize>,
        conn: ConnId,
        lines: &mut usize,
        input: &mut BytesMut,
    ) {
        while let Some(pos) = input.iter().position(|&b| b == b'\n') {
            let line = input.split_to(pos + 1).freeze();
            *lines += 1;
            let close = &line[..] == b"close\n";
            if &line[..] == b"exempt\n" {
                io.exempt_from_idle_timeout(conn);
            }
            io.send(conn, line);
            if close {
                io.close(conn);
            }
        }
    }

    fn on_closed(&mut self, _io: &mut Io<usize>, _conn: ConnId, _lines: usize) {
        self.closed += 1;
    }

    fn next_deadline(&self) -> Option<u64> {
        None
    }

    fn on_timer(&mut self, _io: &mut Io<usize>) {}

    fn on_wake(&mut self, io: &mut Io<usize>) {
        let Some(rx) = &self.posted else { return };
        let ids: Vec<ConnId> = (0..64)
            .map(ConnId::new)
            .filter(|&i| io.is_open(i))
            .collect();
        for msg in rx.try_iter() {
            let b = Bytes::from(msg);
            for &id in &ids {
                io.send_latest(id, 1, b.clone());
            }
        }
    }

    fn goodbye(&mut self, _lines: &usize) -> Option<Bytes> {
        Some(Bytes::from_static(b"bye\n"))
    }
}

fn start(
    opts: Options,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> (SocketAddr, Remote, Poster<String>, thread::JoinHandle<Echo>) {
    let mut r = Reactor::new(
        Echo {
            posted: None,
            closed: 0,
        },
        opts,
    )
    .unwrap();
    let addr = r.listen("127.0.0.1:0".parse().unwrap(), tls).unwrap();
    let remote = r.remote();
    let (poster, rx) = remote.channel();
    r.service().posted = Some(rx);
    let h = thread::spawn(move || r.run().unwrap());
    (addr, remote, poster, h)
}

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

fn line(r: &mut impl BufRead) -> String {
    let mut l = String::new();
    r.read_line(&mut l).unwrap();
    l
}

#[test]
fn echoes_partial_and_pipelined_lines_then_closes_on_request() {
    let (addr, remote, _p, h) = start(Options::default(), None);
    let (mut w, mut r) = connect(addr);
    w.write_all(b"hel").unwrap();
    thread::sleep(Duration::from_millis(20));
    w.write_all(b"lo\nworld\nclose\nignored\n").unwrap();
    assert_eq!(line(&mut r), "hello\n");
    assert_eq!(line(&mut r), "world\n");
    assert_eq!(line(&mut r), "close\n");
    let mut rest = Vec::new();
    let _ = r.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{rest:?}");
    remote.shutdown();
    let echo = h.join().unwrap();
    assert_eq!(echo.closed, 1);
}

#[test]
fn large_message_crosses_in_both_directions() {
    let (addr, remote, _p, h) = start(Options::default(), None);
    let (mut w, mut r) = connect(addr);
    let big: String = "x".repeat(600_000) + "\n";
    let writer = {
        let big = big.clone();
        thread::spawn(move || w.write_all(big.as_bytes()).unwrap())
    };
    let got = line(&mut r);
    assert_eq!(got.len(), big.len());
    assert!(got == big, "echo differs");
    writer.join().unwrap();
    remote.shutdown();
    h.join().unwrap();
}

#[test]
fn input_past_the_limit_drops_the_connection() {
    let opts = Options {
        max_input: 1000,
        ..Options::default()
    };
    let (addr, remote, _p, h) = start(opts, None);
    let (mut w, mut r) = connect(addr);
    let _ = w.write_all(&[b'a'; 5000]);
    let mut rest = Vec::new();
    let _ = r.read_to_end(&mut rest);
    assert!(rest.is_empty());
    remote.shutdown();
    assert_eq!(h.join().unwrap().closed, 1);
}

#[test]
fn a_reader_that_stalls_is_dropped_past_the_queue_limit() {
    let opts = Options {
        max_queued: 256 * 1024,
        ..Options::default()
    };
    let (addr, remote, _p, h) = start(opts, None);
    let (w, _r) = connect(addr);
    w.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    // Echoes pile up on the server: the client never reads.
    let chunk = "y".repeat(64 * 1024) + "\n";
    let mut w2 = w.try_clone().unwrap();
    let writer = thread::spawn(move || {
        for _ in 0..400 {
            if w2.write_all(chunk.as_bytes()).is_err() {
                return true;
            }
        }
        false
    });
    assert!(
        writer.join().unwrap(),
        "the server kept the stalled connection"
    );
    remote.shutdown();
    assert_eq!(h.join().unwrap().closed, 1);
}

#[test]
fn posted_messages_wake_the_reactor_and_shutdown_says_goodbye() {
    let (addr, remote, poster, h) = start(Options::default(), None);
    let (mut w, mut r) = connect(addr);
    w.write_all(b"ping\n").unwrap();
    assert_eq!(line(&mut r), "ping\n");
    poster.post("from another thread\n".to_owned()).unwrap();
    assert_eq!(line(&mut r), "from another thread\n");
    remote.shutdown();
    assert_eq!(line(&mut r), "bye\n");
    assert_eq!(line(&mut r), "");
    h.join().unwrap();
    assert!(poster.post("late".into()).is_err());
}

/// A TLS server reactor with a fresh self-signed certificate, and a client
/// configuration trusting it.
fn start_tls() -> (
    SocketAddr,
    Remote,
    thread::JoinHandle<Echo>,
    Arc<rustls::ClientConfig>,
) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = ck.cert.der().clone();
    let key = rustls_pki_types::PrivateKeyDer::try_from(ck.signing_key.serialize_der()).unwrap();
    let server_cfg = tls::from_der(vec![cert.clone()], key).unwrap();
    let (addr, remote, _p, h) = start(Options::default(), Some(server_cfg));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let client_cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    (addr, remote, h, Arc::new(client_cfg))
}

fn tls_client(
    addr: SocketAddr,
    cfg: Arc<rustls::ClientConfig>,
) -> (rustls::ClientConnection, TcpStream) {
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(cfg, name).unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    (conn, sock)
}

#[test]
fn tls_connections_echo_and_close_cleanly() {
    let (addr, remote, h, cfg) = start_tls();
    let (conn, sock) = tls_client(addr, cfg);
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let big = "z".repeat(100_000) + "\n";
    tls.write_all(b"secure\n").unwrap();
    tls.write_all(big.as_bytes()).unwrap();
    tls.write_all(b"close\n").unwrap();
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap(); // ends with close_notify, not an error
    let want = format!("secure\n{big}close\n").into_bytes();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "echo differs");
    remote.shutdown();
    h.join().unwrap();
}

/// Reads whole TLS records from `sock` until `want` bytes of plaintext
/// came out of them; returns the plaintext and how many records carried it.
fn read_records(
    conn: &mut rustls::ClientConnection,
    sock: &mut TcpStream,
    want: usize,
) -> (Vec<u8>, usize) {
    let (mut raw, mut plain, mut records) = (Vec::new(), Vec::new(), 0);
    let mut chunk = [0u8; 4096];
    while plain.len() < want {
        // A record: type, version (2 bytes), length (2 bytes), body.
        let whole =
            raw.len() >= 5 && raw.len() >= 5 + usize::from(u16::from_be_bytes([raw[3], raw[4]]));
        if !whole {
            let n = sock.read(&mut chunk).unwrap();
            assert!(n > 0, "closed after {} of {want} bytes", plain.len());
            raw.extend_from_slice(&chunk[..n]);
            continue;
        }
        let len = 5 + usize::from(u16::from_be_bytes([raw[3], raw[4]]));
        let record: Vec<u8> = raw.drain(..len).collect();
        conn.read_tls(&mut &record[..]).unwrap();
        conn.process_new_packets().unwrap();
        let before = plain.len();
        let _ = conn.reader().read_to_end(&mut plain);
        if plain.len() > before {
            records += 1;
        }
    }
    (plain, records)
}

#[test]
fn tls_writes_what_is_queued_as_one_record() {
    let (addr, remote, h, cfg) = start_tls();
    let (mut conn, mut sock) = tls_client(addr, cfg);
    conn.complete_io(&mut sock).unwrap();
    // A first echo: the handshake's last records (session tickets) are read.
    conn.writer().write_all(b"first\n").unwrap();
    conn.write_tls(&mut sock).unwrap();
    assert_eq!(read_records(&mut conn, &mut sock, 6).0, b"first\n");
    // Three lines in one record: the service queues three echoes at once,
    // and they leave as one record.
    conn.writer().write_all(b"a\nbb\nccc\n").unwrap();
    conn.write_tls(&mut sock).unwrap();
    let (plain, records) = read_records(&mut conn, &mut sock, 9);
    assert_eq!(plain, b"a\nbb\nccc\n");
    assert_eq!(records, 1, "three queued echoes, one record");
    remote.shutdown();
    h.join().unwrap();
}

#[test]
fn silent_connections_are_closed_after_the_idle_timeout_unless_exempt() {
    let opts = Options {
        idle_timeout: Duration::from_millis(200),
        ..Options::default()
    };
    let (addr, remote, _p, h) = start(opts, None);
    let (_silent_w, mut silent) = connect(addr);
    let (mut half_w, mut half) = connect(addr);
    half_w.write_all(b"no newline yet").unwrap();
    let (mut kept_w, mut kept) = connect(addr);
    kept_w.write_all(b"exempt\n").unwrap();
    assert_eq!(line(&mut kept), "exempt\n");
    let t0 = std::time::Instant::now();
    assert_eq!(line(&mut silent), "", "the silent connection was closed");
    assert_eq!(line(&mut half), "", "the half-sent request was closed");
    assert!(t0.elapsed() < Duration::from_secs(3));
    kept_w.write_all(b"still here\n").unwrap();
    assert_eq!(line(&mut kept), "still here\n");
    remote.shutdown();
    assert_eq!(h.join().unwrap().closed, 3);
}
