//! A connection's byte stream: a non-blocking TCP socket, plain or wrapped in
//! rustls. Reads append plaintext to a buffer; writes drain an [`Outbox`].

use super::outbox::Outbox;
use bytes::BytesMut;
use mio::net::TcpStream;
use rustls::ServerConnection;
use std::io::{self, IoSlice, Read, Write};

/// How a read pass ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadEnd {
    /// The socket has no more bytes for now.
    WouldBlock,
    /// `buf` reached the size the caller allowed; call again after consuming.
    Full,
    /// The peer closed its side.
    Eof,
}

pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream>),
}

pub(crate) struct TlsStream {
    pub(crate) sock: TcpStream,
    pub(crate) tls: ServerConnection,
}

/// Largest number of chunks handed to one `writev`.
const MAX_IOV: usize = 64;

impl Stream {
    pub(crate) fn socket(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(t) => &t.sock,
        }
    }

    pub(crate) fn socket_mut(&mut self) -> &mut TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(t) => &mut t.sock,
        }
    }

    /// Reads plaintext into `buf` until the socket would block, the peer
    /// closed, or `buf` holds `max_chunk` new bytes.
    pub fn read_into(&mut self, buf: &mut BytesMut, max_chunk: usize) -> io::Result<ReadEnd> {
        match self {
            Stream::Plain(s) => read_plain(s, buf, max_chunk),
            Stream::Tls(t) => t.read_into(buf, max_chunk),
        }
    }

    /// Writes as much of `out` as the socket takes. `Ok(true)`: everything
    /// (including TLS records) is written.
    pub fn flush_from(&mut self, out: &mut Outbox) -> io::Result<bool> {
        match self {
            Stream::Plain(s) => write_plain(s, out),
            Stream::Tls(t) => t.flush_from(out),
        }
    }

    /// Queues a TLS close_notify (no-op when plain); flushed by `flush_from`.
    pub fn send_close_notify(&mut self) {
        if let Stream::Tls(t) = self {
            t.tls.send_close_notify();
        }
    }
}

fn read_plain(s: &mut TcpStream, buf: &mut BytesMut, max_chunk: usize) -> io::Result<ReadEnd> {
    let mut got = 0;
    loop {
        if got >= max_chunk {
            return Ok(ReadEnd::Full);
        }
        if buf.capacity() - buf.len() < 2048 {
            buf.reserve(8192);
        }
        let want = (buf.capacity() - buf.len()).min(max_chunk - got);
        // Read into a zeroed window, then keep what was read.
        let start = buf.len();
        buf.resize(start + want, 0);
        let r = s.read(&mut buf[start..]);
        match r {
            Ok(0) => {
                buf.truncate(start);
                return Ok(ReadEnd::Eof);
            }
            Ok(n) => {
                buf.truncate(start + n);
                got += n;
            }
            Err(e) => {
                buf.truncate(start);
                match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(ReadEnd::WouldBlock),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(e),
                }
            }
        }
    }
}

fn write_plain(s: &mut TcpStream, out: &mut Outbox) -> io::Result<bool> {
    while !out.is_empty() {
        let mut slices = [IoSlice::new(&[]); MAX_IOV];
        let n = out.io_slices(&mut slices, usize::MAX);
        // One chunk (a broadcast frame, the usual case) goes by `write`:
        // `writev` costs more in the kernel per call, which at tens of
        // thousands of deliveries per second shows.
        let r = match slices.get(..n).unwrap_or(&[]) {
            [one] => s.write(one),
            many => s.write_vectored(many),
        };
        match r {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => out.consume(n),
            Err(e) => match e.kind() {
                io::ErrorKind::WouldBlock => return Ok(false),
                io::ErrorKind::Interrupted => {}
                _ => return Err(e),
            },
        }
    }
    Ok(true)
}

impl TlsStream {
    fn read_into(&mut self, buf: &mut BytesMut, max_chunk: usize) -> io::Result<ReadEnd> {
        let mut got = 0;
        let mut eof = false;
        loop {
            // Hand out the plaintext rustls already decrypted.
            loop {
                if got >= max_chunk {
                    return Ok(ReadEnd::Full);
                }
                let start = buf.len();
                let want = (max_chunk - got).min(16 * 1024);
                buf.resize(start + want, 0);
                let r = self.tls.reader().read(&mut buf[start..]);
                match r {
                    Ok(0) => {
                        buf.truncate(start);
                        return Ok(ReadEnd::Eof); // close_notify received
                    }
                    Ok(n) => {
                        buf.truncate(start + n);
                        got += n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        buf.truncate(start);
                        break;
                    }
                    Err(e) => {
                        buf.truncate(start);
                        return Err(e); // closed without close_notify
                    }
                }
            }
            if eof {
                return Ok(ReadEnd::Eof);
            }
            match self.tls.read_tls(&mut self.sock) {
                Ok(0) => eof = true,
                Ok(_) => {}
                Err(e) => match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(ReadEnd::WouldBlock),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(e),
                },
            }
            if let Err(e) = self.tls.process_new_packets() {
                // Send the alert rustls prepared, best effort, then fail.
                let _ = self.tls.write_tls(&mut self.sock);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            if eof {
                // Deliver anything decrypted from the last records first.
                continue;
            }
            // Handshake records need answering even when no app data moved.
            if self.tls.wants_write() {
                let mut empty = Outbox::default();
                self.flush_from(&mut empty)?;
            }
        }
    }

    fn flush_from(&mut self, out: &mut Outbox) -> io::Result<bool> {
        loop {
            if self.tls.wants_write() {
                match self.tls.write_tls(&mut RecordSink(&mut self.sock)) {
                    Ok(_) => continue,
                    Err(e) => match e.kind() {
                        io::ErrorKind::WouldBlock => return Ok(false),
                        io::ErrorKind::Interrupted => continue,
                        _ => return Err(e),
                    },
                }
            }
            if self.tls.is_handshaking() {
                // Application data waits for the handshake to finish.
                return Ok(out.is_empty());
            }
            if out.is_empty() {
                return Ok(true);
            }
            // What is queued goes into one record (rustls makes one per
            // write up to its 16 KiB maximum), sent by one syscall above:
            // several small frames (a logon's replies, a backlog) cost one
            // encryption and one write, not one each. One record's worth at
            // a time, so that latest-wins still applies to what has not
            // reached rustls yet.
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let n = out.io_slices(&mut slices, MAX_RECORD);
            let taken = self
                .tls
                .writer()
                .write_vectored(slices.get(..n).unwrap_or_default())?;
            if taken == 0 {
                return Ok(false);
            }
            out.consume(taken);
        }
    }
}

/// The most plaintext one TLS record carries (RFC 8446, 5.1).
const MAX_RECORD: usize = 16 * 1024;

/// The socket as rustls' `write_tls` sees it. rustls hands its queued
/// records over with `write_vectored`; one record (a broadcast frame, the
/// usual case) goes by `write`, as on plain connections: `writev` costs
/// more in the kernel per call.
struct RecordSink<'a>(&'a mut TcpStream);

impl Write for RecordSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match bufs {
            [one] => self.0.write(one),
            many => self.0.write_vectored(many),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
