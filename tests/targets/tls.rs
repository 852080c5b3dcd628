//! `https://` targets against `cespec serve` over TLS, with a test CA:
//! echoes in every HTTP mode when the CA is trusted, and an unavailable
//! target, said once, when it is not; the same for a server that wants a
//! client certificate (mutual TLS) and is shown none, or one it does not
//! trust.

use std::time::Duration;

use cespec::codec::Encoding;
use cespec::server::RunningServer;
use cespec::server::serve::{self, ServeConfig};
use cespec::target::http::{HttpOptions, HttpTarget};
use cespec::target::spec::{OpenOptions, TargetSpec};
use cespec::target::{Echo, Target};
use cespec::tls::Identity;
use cespec::wire::Message;

use super::certs::{TestCerts, test_certs};
use super::{event, options};

/// A TLS client that trusts the test CA.
fn trusting(certs: &TestCerts) -> std::sync::Arc<rustls::ClientConfig> {
    cespec::tls::client_config(std::slice::from_ref(&certs.ca), None).unwrap()
}

/// A TLS client that trusts the test CA and shows the client certificate
/// of `shown`'s CA.
fn showing(certs: &TestCerts, shown: &TestCerts) -> std::sync::Arc<rustls::ClientConfig> {
    let client = Identity {
        cert: &shown.client_cert,
        key: &shown.client_key,
    };
    cespec::tls::client_config(std::slice::from_ref(&certs.ca), Some(client)).unwrap()
}

/// The test CA's server certificate.
fn server_identity(certs: &TestCerts) -> Identity<'_> {
    Identity {
        cert: &certs.cert,
        key: &certs.key,
    }
}

/// A TLS server configuration with the test CA's server certificate.
fn serving(certs: &TestCerts) -> std::sync::Arc<rustls::ServerConfig> {
    cespec::tls::server_config(server_identity(certs), &[]).unwrap()
}

/// The same, requiring a client certificate of the test CA (mutual TLS).
fn requiring_clients(certs: &TestCerts) -> std::sync::Arc<rustls::ServerConfig> {
    cespec::tls::server_config(server_identity(certs), std::slice::from_ref(&certs.ca)).unwrap()
}

/// A test CA in a fresh directory, and `cespec serve` over TLS with a
/// certificate it signed.
async fn tls_serve(name: &str) -> (TestCerts, RunningServer) {
    let dir = std::env::temp_dir().join(format!("cespec-tls-{name}-{}", std::process::id()));
    let certs = test_certs(&dir);
    let server = serve::start(ServeConfig {
        tls: Some(serving(&certs)),
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    (certs, server)
}

#[tokio::test]
async fn an_https_target_is_reached_through_the_ca_it_chains_to() {
    let (certs, server) = tls_serve("trusted").await;
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let with_ca = HttpOptions {
        tls_client: Some(trusting(&certs)),
        ..options(5000)
    };
    let target = HttpTarget::new(&url, with_ca).unwrap();
    target.reachable().await.unwrap();
    for reply in [Encoding::HttpBinary, Encoding::HttpStructured] {
        let echo = target.echo(&event("tls-1"), reply).await;
        let Echo::Accepted(Message::Http(m)) = &echo else {
            panic!("{reply}: {echo:?}")
        };
        assert_eq!(m.status, 200, "{reply}");
    }

    // Without the CA, the certificate does not verify: the target cannot
    // be opened, and the reason says why.
    let spec = TargetSpec::parse(&url).unwrap();
    let untrusting = OpenOptions {
        timeout: Duration::from_secs(5),
        ..OpenOptions::default()
    };
    let error = spec.open(&untrusting).await.err().expect("not opened");
    let text = error.to_string();
    assert!(
        text.contains("cannot be reached") && text.contains("TLS handshake"),
        "{text}"
    );
    let with_ca = OpenOptions {
        tls_client: Some(trusting(&certs)),
        ..untrusting
    };
    assert!(spec.open(&with_ca).await.is_ok());
    server.shutdown().await;
}

/// `serve --client-ca`: only a client showing a certificate of that CA is
/// served; without one, or with one of another CA, the target is
/// unavailable from the start and the reason says what to give.
#[tokio::test]
async fn a_target_that_wants_a_client_certificate_gets_one_or_is_unavailable() {
    let base = std::env::temp_dir().join(format!("cespec-mtls-{}", std::process::id()));
    let certs = test_certs(&base.join("ca"));
    let stranger = test_certs(&base.join("other-ca"));
    let server = serve::start(ServeConfig {
        tls: Some(requiring_clients(&certs)),
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let target_with = |tls_client| {
        HttpTarget::new(
            &server.url(),
            HttpOptions {
                tls_client: Some(tls_client),
                ..options(5000)
            },
        )
        .unwrap()
    };

    let shown = target_with(showing(&certs, &certs));
    shown.reachable().await.unwrap();
    let echo = shown.echo(&event("mtls-1"), Encoding::HttpBinary).await;
    assert!(matches!(echo, Echo::Accepted(_)), "{echo:?}");

    let none = target_with(trusting(&certs)).reachable().await.unwrap_err();
    assert!(
        none.contains("asks for a client certificate") && none.contains("--client-cert"),
        "{none}"
    );
    let untrusted = target_with(showing(&certs, &stranger))
        .reachable()
        .await
        .unwrap_err();
    assert!(
        untrusted.contains("refused the client certificate"),
        "{untrusted}"
    );

    server.shutdown().await;

    // A certificate shown to a server that asks for none is no obstacle.
    let (certs, server) = tls_serve("mtls-unasked").await;
    let target = HttpTarget::new(
        &server.url(),
        HttpOptions {
            tls_client: Some(showing(&certs, &certs)),
            ..options(5000)
        },
    )
    .unwrap();
    target.reachable().await.unwrap();
    let echo = target.echo(&event("mtls-2"), Encoding::HttpBinary).await;
    assert!(matches!(echo, Echo::Accepted(_)), "{echo:?}");
    server.shutdown().await;
}

/// A targets file gives a target its own `ca-cert`, `client-cert` and
/// `client-key` (relative to the file), in place of the command line's;
/// an entry without them takes the command line's.
#[tokio::test]
async fn a_targets_file_gives_a_target_its_own_tls_files() {
    use cespec::target::file::TargetsFile;

    let dir = std::env::temp_dir().join(format!("cespec-tls-file-{}", std::process::id()));
    let certs = test_certs(&dir);
    let server = serve::start(ServeConfig {
        tls: Some(requiring_clients(&certs)),
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let url = server.url();
    let file = dir.join("targets.yaml");
    std::fs::write(
        &file,
        format!(
            "targets:\n  - name: broker\n    address: {url}\n    ca-cert: ca.pem\n    client-cert: client.pem\n    client-key: client.key\n  - name: bare\n    address: {url}\n"
        ),
    )
    .unwrap();
    let targets = TargetsFile::load(&file).unwrap().targets;
    // The command line trusts the CA but shows no client certificate.
    let command_line = OpenOptions {
        timeout: Duration::from_secs(5),
        tls_client: Some(trusting(&certs)),
        ..OpenOptions::default()
    };
    let broker = &targets[0];
    let opened = broker.spec.open(&broker.open_options(&command_line)).await;
    assert!(opened.is_ok(), "{:?}", opened.err());
    let bare = &targets[1];
    let refused = bare
        .spec
        .open(&bare.open_options(&command_line))
        .await
        .err()
        .expect("no client certificate")
        .to_string();
    assert!(
        refused.contains("asks for a client certificate"),
        "{refused}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_plain_client_gets_nothing_from_a_tls_server() {
    let (_certs, server) = tls_serve("plain").await;
    let plain_url = server.url().replacen("https://", "http://", 1);
    let target = HttpTarget::new(&plain_url, options(3000)).unwrap();
    let echo = target.echo(&event("x"), Encoding::HttpBinary).await;
    assert!(matches!(echo, Echo::Broken { .. }), "{echo:?}");
    server.shutdown().await;
}

/// Binds a listener serving TLS with `tls` (it stops after one event, or
/// 10 s) and runs it: its URL, its run events and the task that ends with
/// its tally.
async fn listening_over(
    tls: std::sync::Arc<rustls::ServerConfig>,
) -> (
    String,
    tokio::sync::mpsc::Receiver<cespec::runner::RunEvent>,
    tokio::task::JoinHandle<cespec::runner::Tally>,
) {
    use cespec::server::listen::{self, ListenConfig};
    let listener = listen::bind(ListenConfig {
        stop_after: Some(1),
        timeout: Some(Duration::from_secs(10)),
        tls: Some(tls),
        ..ListenConfig::default()
    })
    .await
    .unwrap();
    let url = listener.url();
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    (url, rx, tokio::spawn(listener.run(tx)))
}

/// `listen --tls-cert --tls-key`: a sender that delivers over TLS only
/// reaches the listener and its event is judged as over plain HTTP.
#[tokio::test]
async fn listen_over_tls_judges_what_arrives() {
    use cespec::runner::Status;

    let dir = std::env::temp_dir().join(format!("cespec-tls-listen-{}", std::process::id()));
    let certs = test_certs(&dir);
    let (url, rx, run) = listening_over(serving(&certs)).await;
    assert!(url.starts_with("https://"), "{url}");
    let sender = HttpTarget::receiver(
        &url,
        HttpOptions {
            tls_client: Some(trusting(&certs)),
            ..options(5000)
        },
    )
    .unwrap();
    let echo = sender.echo(&event("over-tls"), Encoding::HttpBinary).await;
    assert!(matches!(echo, Echo::Accepted(_)), "{echo:?}");
    let statuses: Vec<Status> = super::listen::ended(rx, run)
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    // Judged as an event (the test event earns a warning either way).
    assert!(
        matches!(statuses.as_slice(), [Status::Pass | Status::Warn]),
        "{statuses:?}"
    );
}

/// `listen --tls-cert --client-ca`: a sender that does not trust the
/// listener's certificate, or shows no client certificate, never gets a
/// request through; each failed handshake is an error result saying why,
/// so a misconfigured sender is not mistaken for a silent one.
#[tokio::test]
async fn listen_reports_the_tls_handshakes_that_fail() {
    use cespec::runner::Status;

    let dir = std::env::temp_dir().join(format!("cespec-tls-listen-mtls-{}", std::process::id()));
    let certs = test_certs(&dir);
    let (url, rx, run) = listening_over(requiring_clients(&certs)).await;
    let sender = |tls_client| {
        HttpTarget::receiver(
            &url,
            HttpOptions {
                tls_client,
                ..options(5000)
            },
        )
        .unwrap()
    };
    for (tls_client, gets_through) in [
        (None, false),
        (Some(trusting(&certs)), false),
        (Some(showing(&certs, &certs)), true),
    ] {
        let echo = sender(tls_client)
            .echo(&event("mtls"), Encoding::HttpBinary)
            .await;
        assert_eq!(matches!(echo, Echo::Accepted(_)), gets_through, "{echo:?}");
    }
    let results = super::listen::ended(rx, run).await;
    let mut errors: Vec<&str> = (results.iter())
        .filter(|r| r.status == Status::Error)
        .map(|r| r.message.as_str())
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 2, "{results:#?}");
    assert!(
        errors
            .iter()
            .all(|m| m.starts_with("the TLS handshake with 127.0.0.1:")),
        "{errors:?}"
    );
    // Each says which side's certificate is the trouble.
    assert!(
        errors
            .iter()
            .any(|m| m.contains("does not trust the certificate of --tls-cert"))
            && errors.iter().any(|m| m.contains("showed no certificate")),
        "{errors:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r.status, Status::Pass | Status::Warn)),
        "{results:#?}"
    );
}

/// The hostile suites, byte-for-byte requests included, give the same
/// verdicts over TLS as over plain TCP against the same server code.
#[tokio::test]
async fn raw_requests_go_over_tls_as_over_tcp() {
    use std::sync::Arc;

    use cespec::rules::Catalog;
    use cespec::suite::corpus;

    let (certs, secure) = tls_serve("raw").await;
    let plain = serve::start(ServeConfig::default()).await.unwrap();
    let cases: Vec<_> = corpus::load_embedded(Catalog::embedded().unwrap())
        .unwrap()
        .into_iter()
        .filter(|s| s.id == "hostile-framing" || s.id == "hostile-bytes")
        .flat_map(|s| s.cases)
        .collect();
    let over_tls: Arc<dyn Target> = Arc::new(
        HttpTarget::new(
            &secure.url(),
            HttpOptions {
                tls_client: Some(trusting(&certs)),
                ..options(10_000)
            },
        )
        .unwrap(),
    );
    assert!(over_tls.capabilities().contains(cespec::target::RAW_HTTP));
    let over_tcp: Arc<dyn Target> =
        Arc::new(HttpTarget::new(&plain.url(), options(10_000)).unwrap());
    let verdicts = |results: Vec<cespec::runner::CaseResult>| {
        results
            .into_iter()
            .map(|r| (r.case, r.status))
            .collect::<Vec<_>>()
    };
    let tls = verdicts(super::hostile::run(cases.clone(), "tls", over_tls).await);
    let tcp = verdicts(super::hostile::run(cases, "tcp", over_tcp).await);
    assert!(tls.len() > 15, "{tls:?}");
    assert_eq!(tls, tcp);
    secure.shutdown().await;
    plain.shutdown().await;
}
