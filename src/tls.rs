//! TLS for cespec's HTTP client and servers, on rustls with the ring
//! provider: the client configuration an `https://` target is reached with
//! (the Mozilla roots of webpki-roots, plus the CA certificates given with
//! `--ca-cert`, so that a test CA or a company CA can be trusted), and the
//! server configuration `serve` and `listen` take a certificate chain and
//! its key from (`--tls-cert`, `--tls-key`). Nothing here skips
//! verification: a target whose certificate does not verify is unavailable,
//! with the reason.
//!
//! Every error names the file it is about ([`TlsError`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS configuration could not be made from its files.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct TlsError {
    pub path: PathBuf,
    pub message: String,
}

/// The ring provider. rustls marks it deprecated because it has no
/// post-quantum key exchange; the aws-lc-rs provider that has one needs a
/// far longer C build, and a conformance harness needs no more than the
/// classical suites every TLS server offers.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the certificates of a PEM file; at least one.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let error = |message: String| TlsError {
        path: path.to_owned(),
        message,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(error("holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// The client configuration for `https://` targets: the webpki roots and
/// every certificate of `ca_files` as trust anchors.
pub fn client_config(ca_files: &[PathBuf]) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for path in ca_files {
        for cert in certificates(path)? {
            roots.add(cert).map_err(|e| TlsError {
                path: path.clone(),
                message: format!("not a usable CA certificate: {e}"),
            })?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError {
            path: PathBuf::new(),
            message: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The server configuration of `serve` or `listen`: the certificate chain
/// of `cert` (the server's first) and the private key of `key`, both PEM.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = certificates(cert)?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError {
        path: key.to_owned(),
        message: format!("not a PEM private key: {e}"),
    })?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError {
            path: cert.to_owned(),
            message: e.to_string(),
        })?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsError {
            path: key.to_owned(),
            message: format!("does not go with {}: {e}", cert.display()),
        })?;
    Ok(Arc::new(config))
}
