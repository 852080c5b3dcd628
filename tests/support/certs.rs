//! A throwaway certificate authority for the TLS tests: a CA certificate,
//! a server certificate it signs for 127.0.0.1 and localhost, and a client
//! certificate it signs (for mutual TLS), written as PEM files into a fresh
//! directory. Included with `#[path]` by each
//! test crate that needs it.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};

/// The PEM files of one test CA and its server certificate.
pub struct TestCerts {
    /// The CA certificate, for `--ca-cert`.
    pub ca: PathBuf,
    /// The server's certificate and key, for `--tls-cert`, `--tls-key`.
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A client certificate and key, for `--client-cert`, `--client-key`.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

/// Writes a new CA and a server certificate for 127.0.0.1 into `dir`.
pub fn test_certs(dir: &Path) -> TestCerts {
    std::fs::create_dir_all(dir).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["client.cespec.test".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();
    let files = TestCerts {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    };
    std::fs::write(&files.ca, ca_cert.pem()).unwrap();
    std::fs::write(&files.cert, server_cert.pem()).unwrap();
    std::fs::write(&files.key, server_key.serialize_pem()).unwrap();
    std::fs::write(&files.client_cert, client_cert.pem()).unwrap();
    std::fs::write(&files.client_key, client_key.serialize_pem()).unwrap();
    files
}
