//! TLS for `https://` and `wss://` targets (a server run with
//! `SERVER_KEY`/`SERVER_CERT`): the client configuration from the command
//! line, and one connection's session, sans-IO so that observers (blocking
//! sockets) and workers (mio) drive it alike.
//!
//! The generator's CPU is measured beside the server's, so the session does
//! one `read` of the socket per readiness event as plain connections do (the
//! ciphertext is then fed to rustls from memory), keeps no handshake
//! verification it does not need with `--insecure-tls`, and does not resume
//! sessions: every frontend is a browser of its own, with a full handshake.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::BytesMut;
use rustls::client::Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

use crate::wire::Target;

/// How `https://` and `wss://` servers are trusted: a certificate file, or
/// (explicitly) not at all. Without either, TLS targets are refused.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// Accept any certificate from https:// and wss:// servers, unchecked
    /// (a self-signed one on loopback)
    #[arg(long)]
    pub insecure_tls: bool,
    /// Trust the certificates in this PEM file for https:// and wss://
    /// servers (e.g. a self-signed one; its names must match the URL's host)
    #[arg(long, value_name = "PEM", conflicts_with = "insecure_tls")]
    pub tls_ca: Option<PathBuf>,
}

/// The client side of TLS for one process: built once from [`TlsArgs`],
/// shared by all its connections.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    args: TlsArgs,
    config: Option<Arc<ClientConfig>>,
}

impl TlsArgs {
    /// Builds the client configuration (reads `--tls-ca`).
    pub fn client(&self) -> Result<Tls, String> {
        let verifier: Option<Arc<dyn ServerCertVerifier>> = if self.insecure_tls {
            Some(Arc::new(AcceptAnything(provider())))
        } else {
            None
        };
        let builder = ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let mut config = match (&self.tls_ca, verifier) {
            (_, Some(v)) => builder
                .dangerous()
                .with_custom_certificate_verifier(v)
                .with_no_client_auth(),
            (Some(path), None) => {
                let mut roots = rustls::RootCertStore::empty();
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("--tls-ca {}: {e}", path.display()))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(format!("--tls-ca {}: no certificate", path.display()));
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            (None, None) => return Ok(Tls::default()),
        };
        config.resumption = Resumption::disabled();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            args: self.clone(),
            config: Some(Arc::new(config)),
        })
    }

    /// The options again, for a worker's command line.
    pub fn to_args(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.insecure_tls {
            v.push("--insecure-tls".to_owned());
        }
        if let Some(p) = &self.tls_ca {
            v.push("--tls-ca".to_owned());
            v.push(p.display().to_string());
        }
        v
    }
}

/// The *ring* provider with the cipher suites in a browser's order
/// (AES-128-GCM first, as Chromium, i.e. OBS' browser source, offers
/// them): rustls' server follows the client's order, so this is what a
/// server negotiates with real overlays.
fn provider() -> CryptoProvider {
    let mut p = ring::default_provider();
    p.cipher_suites.sort_by_key(|s| match s.suite() {
        rustls::CipherSuite::TLS13_AES_128_GCM_SHA256 => 0,
        rustls::CipherSuite::TLS13_AES_256_GCM_SHA384 => 1,
        _ => 2,
    });
    p
}

impl Tls {
    /// The options it was built from.
    pub fn args(&self) -> &TlsArgs {
        &self.args
    }

    /// Refuses a TLS target when neither `--insecure-tls` nor `--tls-ca`
    /// says how to trust it.
    pub fn check(&self, target: &Target) -> Result<(), String> {
        if target.tls && self.config.is_none() {
            return Err(format!(
                "{}: a TLS target needs --tls-ca FILE or --insecure-tls",
                target.url
            ));
        }
        Ok(())
    }

    /// A session for a connection to `target`; `None` for a plain one.
    pub fn session(&self, target: &Target) -> io::Result<Option<Box<Session>>> {
        if !target.tls {
            return Ok(None);
        }
        self.check(target).map_err(io::Error::other)?;
        let config = self
            .config
            .clone()
            .ok_or_else(|| io::Error::other("no TLS"))?;
        let mut conn =
            ClientConnection::new(config, target.server_name.clone()).map_err(io::Error::other)?;
        // Writes are encrypted whole; the socket's own buffer is the limit.
        conn.set_buffer_limit(None);
        Ok(Some(Box::new(Session { conn })))
    }
}

/// One client connection's TLS state: ciphertext in, plaintext out, and the
/// other way.
pub struct Session {
    conn: ClientConnection,
}

impl Session {
    /// Decrypts `wire` (bytes just read from the socket) and appends the
    /// plaintext to `plain`. `Ok(true)`: the server sent close_notify.
    pub fn feed(&mut self, mut wire: &[u8], plain: &mut BytesMut) -> io::Result<bool> {
        while !wire.is_empty() {
            if self.conn.read_tls(&mut wire)? == 0 {
                return Ok(true); // close_notify came before these bytes
            }
            let state = self
                .conn
                .process_new_packets()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let n = state.plaintext_bytes_to_read();
            if n > 0 {
                let start = plain.len();
                plain.resize(start + n, 0);
                self.conn.reader().read_exact(&mut plain[start..])?;
            }
            if state.peer_has_closed() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Encrypts `plain` for sending (buffered until the handshake is done);
    /// [`Session::flush`] writes it.
    pub fn send(&mut self, plain: &[u8]) -> io::Result<()> {
        self.conn.writer().write_all(plain)
    }

    /// Writes what is ready to `sock` until it would block; returns how
    /// many bytes went out ([`Session::wants_write`]: some are left).
    pub fn flush(&mut self, sock: &mut impl Write) -> io::Result<usize> {
        let mut written = 0;
        while self.conn.wants_write() {
            match self.conn.write_tls(sock) {
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(written)
    }

    /// Records are waiting for the socket.
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// The negotiated cipher suite, once the handshake is done.
    pub fn suite(&self) -> Option<String> {
        self.conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
    }
}

/// `--insecure-tls`: every certificate and handshake signature is taken as
/// valid (nothing checked, nothing spent on it).
#[derive(Debug)]
struct AcceptAnything(CryptoProvider);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
