//! TLS for cespec's HTTP client and servers, on rustls with the ring
//! provider: the client configuration an `https://` target is reached with
//! (the Mozilla roots of webpki-roots, plus the CA certificates given with
//! `--ca-cert`, so that a test CA or a company CA can be trusted, and the
//! client certificate of `--client-cert`/`--client-key` for a target that
//! wants one), and the server configuration `serve` and `listen` take a
//! certificate chain and its key from (`--tls-cert`, `--tls-key`), asking
//! every client for a certificate of the CAs of `--client-ca` when given
//! (mutual TLS). Nothing here skips verification: a target whose
//! certificate does not verify is unavailable, with the reason, and a
//! client without a certificate that verifies is refused in the handshake.
//!
//! Every error names the file it is about ([`TlsError`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustls::client::ResolvesClientCert;
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

/// Reads the private key of a PEM file.
fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError {
        path: path.to_owned(),
        message: format!("not a PEM private key: {e}"),
    })
}

/// Adds every certificate of the PEM files `ca_files` to `roots`.
fn add_anchors(roots: &mut rustls::RootCertStore, ca_files: &[PathBuf]) -> Result<(), TlsError> {
    for path in ca_files {
        for cert in certificates(path)? {
            roots.add(cert).map_err(|e| TlsError {
                path: path.clone(),
                message: format!("not a usable CA certificate: {e}"),
            })?;
        }
    }
    Ok(())
}

/// A certificate chain (the holder's own first) and its private key, both
/// PEM files: a server's (`--tls-cert`, `--tls-key`), or a client's for a
/// target that asks for one (`--client-cert`, `--client-key`).
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
}

impl Identity<'_> {
    /// The chain and the key, read.
    fn read(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
        Ok((certificates(self.cert)?, private_key(self.key)?))
    }

    /// The error of a key that is not the chain's.
    fn mismatch(&self, e: rustls::Error) -> TlsError {
        TlsError {
            path: self.key.to_owned(),
            message: format!("does not go with {}: {e}", self.cert.display()),
        }
    }
}

/// The client configuration for `https://` targets: the webpki roots and
/// every certificate of `ca_files` as trust anchors, and `client` as the
/// certificate shown to a target that asks for one.
pub fn client_config(
    ca_files: &[PathBuf],
    client: Option<Identity<'_>>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    add_anchors(&mut roots, ca_files)?;
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError {
            path: PathBuf::new(),
            message: e.to_string(),
        })?
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some(identity) => {
            let (chain, key) = identity.read()?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| identity.mismatch(e))?
        }
    };
    Ok(Arc::new(config))
}

/// The server configuration of `serve` or `listen`: the certificate chain
/// and key of `server`; with `client_cas`, every client must show a
/// certificate that chains to one of their certificates (mutual TLS).
pub fn server_config(
    server: Identity<'_>,
    client_cas: &[PathBuf],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let (chain, key) = server.read()?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError {
            path: server.cert.to_owned(),
            message: e.to_string(),
        })?;
    let builder = if client_cas.is_empty() {
        builder.with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        add_anchors(&mut roots, client_cas)?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| TlsError {
            path: client_cas[0].clone(),
            message: format!("cannot verify clients with it: {e}"),
        })?;
        builder.with_client_cert_verifier(verifier)
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| server.mismatch(e))?;
    Ok(Arc::new(config))
}

/// Whether a server asked for a client certificate in a handshake made
/// with the configuration [`noting_certificate_requests`] returns.
#[derive(Debug, Default)]
pub(crate) struct CertificateRequested(AtomicBool);

impl CertificateRequested {
    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Resolves client certificates as the configuration's own resolver does,
/// noting that a server asked for one.
#[derive(Debug)]
struct NotingResolver {
    inner: Arc<dyn ResolvesClientCert>,
    requested: Arc<CertificateRequested>,
}

impl ResolvesClientCert for NotingResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.requested.0.store(true, Ordering::Relaxed);
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.inner.only_raw_public_keys()
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

/// A client configuration like `config`, and the flag that says whether a
/// server asked it for a client certificate: over TLS 1.3 a server that
/// refuses the client's certificate, or its lack of one, says so only after
/// the client has finished its side of the handshake, so whoever probes a
/// target must know whether to wait for that answer.
pub(crate) fn noting_certificate_requests(
    config: &Arc<rustls::ClientConfig>,
) -> (Arc<rustls::ClientConfig>, Arc<CertificateRequested>) {
    let requested = Arc::new(CertificateRequested::default());
    let mut noting = (**config).clone();
    noting.client_auth_cert_resolver = Arc::new(NotingResolver {
        inner: config.client_auth_cert_resolver.clone(),
        requested: requested.clone(),
    });
    (Arc::new(noting), requested)
}

/// What a failed server-side handshake most likely means for the user of
/// `serve` or `listen`, read from the rustls error inside `error`; empty
/// when nothing more can be said.
pub(crate) fn server_handshake_hint(error: &std::io::Error) -> &'static str {
    use rustls::AlertDescription as Alert;
    let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return "";
    };
    match tls {
        rustls::Error::NoCertificatesPresented => {
            "; the client showed no certificate, and --client-ca asks for one"
        }
        rustls::Error::InvalidCertificate(_) => {
            "; the client's certificate does not chain to a --client-ca certificate"
        }
        rustls::Error::AlertReceived(
            Alert::UnknownCA | Alert::BadCertificate | Alert::CertificateUnknown,
        ) => "; the client does not trust the certificate of --tls-cert (does it know its CA?)",
        _ => "",
    }
}
