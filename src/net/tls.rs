//! TLS server configuration from PEM files (`SERVER_KEY` / `SERVER_CERT`).

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a TLS configuration could not be built; each names the file at fault.
#[derive(Debug)]
pub enum TlsError {
    /// The certificate file is missing, unreadable or not PEM.
    CertUnreadable {
        /// The certificate file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The certificate file holds no `CERTIFICATE` block.
    NoCertificate {
        /// The certificate file.
        path: PathBuf,
    },
    /// The key file is missing, unreadable, or holds no private key block.
    KeyUnreadable {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the pair (e.g. the key does not match the certificate).
    Rejected {
        /// rustls' complaint.
        reason: String,
    },
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::CertUnreadable { path, reason } => {
                write!(f, "cannot read certificate {}: {reason}", path.display())
            }
            TlsError::NoCertificate { path } => {
                write!(f, "no PEM CERTIFICATE block in {}", path.display())
            }
            TlsError::KeyUnreadable { path, reason } => {
                write!(f, "cannot read private key {}: {reason}", path.display())
            }
            TlsError::Rejected { reason } => write!(f, "TLS key/certificate rejected: {reason}"),
        }
    }
}

impl std::error::Error for TlsError {}

/// Builds a rustls server configuration (ring provider, TLS 1.2 and 1.3,
/// ALPN `http/1.1`) from a PEM private key and a PEM certificate chain.
pub fn load(key_path: &Path, cert_path: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = CertificateDer::pem_file_iter(cert_path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::CertUnreadable {
            path: cert_path.to_owned(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert_path.to_owned(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| TlsError::KeyUnreadable {
        path: key_path.to_owned(),
        reason: e.to_string(),
    })?;
    from_der(certs, key)
}

/// Same as [`load`] for certificates and key already in memory.
pub fn from_der(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| TlsError::Rejected {
            reason: e.to_string(),
        })?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("net-tls-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn loads_a_self_signed_pair() {
        let dir = scratch("ok");
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
        let cfg = load(&dir.join("key.pem"), &dir.join("cert.pem")).unwrap();
        assert_eq!(cfg.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn errors_name_the_file_at_fault() {
        let dir = scratch("bad");
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
        std::fs::write(dir.join("empty.pem"), "nothing here\n").unwrap();
        let missing = dir.join("missing.pem");
        let e = load(&dir.join("cert.pem"), &missing).unwrap_err();
        assert!(matches!(e, TlsError::CertUnreadable { .. }), "{e}");
        assert!(e.to_string().contains("missing.pem"));
        let e = load(&dir.join("cert.pem"), &dir.join("empty.pem")).unwrap_err();
        assert!(matches!(e, TlsError::NoCertificate { .. }), "{e}");
        let e = load(&dir.join("cert.pem"), &dir.join("cert.pem")).unwrap_err();
        assert!(matches!(e, TlsError::KeyUnreadable { .. }), "{e}");
        let other = rcgen::generate_simple_self_signed(vec!["x".into()]).unwrap();
        std::fs::write(dir.join("other.pem"), other.signing_key.serialize_pem()).unwrap();
        let e = load(&dir.join("other.pem"), &dir.join("cert.pem")).unwrap_err();
        assert!(matches!(e, TlsError::Rejected { .. }), "{e}");
    }
}
