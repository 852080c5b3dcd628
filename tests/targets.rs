//! Integration tests of the targets and servers over real loopback sockets
//! and real child processes: `serve` + `HttpTarget` round trips, scripted
//! misbehaving HTTP servers, the stdio protocol against the example
//! programs, and `listen` fed by a real HTTP client. Every wait is bounded.

use std::time::{Duration, Instant};

use cespec::codec::{self, Encoding};
use cespec::server::serve::{self, ServeConfig};
use cespec::target::http::{HttpOptions, HttpTarget, RECEIVER_ONLY};
use cespec::target::{Echo, Target};
use cespec::wire::{HttpMessage, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Returns a binary-mode request for a valid event with id `id`.
fn event(id: &str) -> Message {
    let headers = [
        ("ce-specversion", "1.0"),
        ("ce-id", id),
        ("ce-source", "/s"),
        ("ce-type", "t.x"),
        ("content-type", "application/json"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
    .collect();
    Message::Http(HttpMessage::post(headers, br#"{"n":1}"#.to_vec()))
}

fn options(timeout_ms: u64) -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..HttpOptions::default()
    }
}

#[tokio::test]
async fn serve_echoes_in_every_mode() {
    let server = serve::start(ServeConfig::default()).await.unwrap();
    let target = HttpTarget::new(&server.url(), options(5000)).unwrap();
    let input = event("e-1");
    let expected = codec::decode(&input).unwrap().events;
    for reply in [
        Encoding::HttpBinary,
        Encoding::HttpStructured,
        Encoding::HttpBatch,
    ] {
        let Echo::Accepted(message) = target.echo(&input, reply).await else {
            panic!("{reply}: not accepted")
        };
        let Message::Http(m) = &message else { panic!() };
        assert_eq!(m.status, 200);
        let decoded = codec::decode(&message).unwrap();
        assert_eq!(decoded.encoding, reply, "{reply}");
        assert_eq!(decoded.events.len(), 1);
        assert!(
            cespec::event::equivalence::compare(&expected[0], &decoded.events[0]).is_empty(),
            "{reply}"
        );
    }
    target.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn serve_rejects_invalid_input_with_the_rule() {
    let server = serve::start(ServeConfig::default()).await.unwrap();
    let target = HttpTarget::new(&server.url(), options(5000)).unwrap();
    let Message::Http(mut m) = event("x") else {
        unreachable!()
    };
    m.headers.retain(|(n, _)| n != "ce-source");
    match target.echo(&Message::Http(m), Encoding::HttpBinary).await {
        Echo::Rejected { reason } => assert!(
            reason.starts_with("HTTP 400: ") && reason.contains("[MUST]"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn serve_limits_the_body() {
    let server = serve::start(ServeConfig::default()).await.unwrap();
    let target = HttpTarget::new(&server.url(), options(10_000)).unwrap();
    let Message::Http(mut m) = event("big") else {
        unreachable!()
    };
    m.body = vec![b' '; 2 << 20];
    match target.echo(&Message::Http(m), Encoding::HttpBinary).await {
        Echo::Rejected { reason } => assert!(reason.starts_with("HTTP 413"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // The server is still there for the next exchange.
    assert!(matches!(
        target.echo(&event("small"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn serve_limits_the_headers() {
    let server = serve::start(ServeConfig::default()).await.unwrap();
    let target = HttpTarget::new(&server.url(), options(5000)).unwrap();
    let Message::Http(mut m) = event("many") else {
        unreachable!()
    };
    m.headers
        .extend((0..200).map(|i| (format!("x-h{i}"), b"v".to_vec())));
    match target.echo(&Message::Http(m), Encoding::HttpBinary).await {
        Echo::Rejected { reason } => assert!(reason.starts_with("HTTP 431"), "{reason}"),
        other => panic!("{other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn keep_alive_connections_are_reused_across_many_echoes() {
    let server = serve::start(ServeConfig::default()).await.unwrap();
    let target = HttpTarget::new(&server.url(), options(5000)).unwrap();
    for i in 0..50 {
        assert!(matches!(
            target
                .echo(&event(&i.to_string()), Encoding::HttpStructured)
                .await,
            Echo::Accepted(_)
        ));
    }
    server.shutdown().await;
}

/// Sends raw bytes to `addr` and returns everything read back until the
/// server closes or `within` passes.
async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8], within: Duration) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut out)).await;
    out
}

fn status_of(response: &[u8]) -> String {
    String::from_utf8_lossy(response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn serve_answers_hostile_clients_with_4xx() {
    let limits = cespec::server::Limits {
        request_timeout: Duration::from_millis(300),
        header_read_timeout: Duration::from_millis(300),
        ..cespec::server::Limits::default()
    };
    let server = serve::start(ServeConfig {
        limits,
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let addr = server.addr();
    let second = Duration::from_secs(2);
    let cases: [(&str, Vec<u8>); 5] = [
        ("400", b"NONSENSE\r\n\r\n".to_vec()),
        ("431", [b"POST / HTTP/1.1\r\nhost: x\r\nx-big: ".as_slice(), &[b'a'; 70_000], b"\r\n\r\n"].concat()),
        // A chunked body past the limit, with no Content-Length to refuse early.
        (
            "413",
            [
                b"POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n200000\r\n".as_slice(),
                &[b' '; 0x200000],
                b"\r\n0\r\n\r\n",
            ]
            .concat(),
        ),
        // A header value that is not UTF-8: decoded, rejected with a rule, never a 5xx.
        ("400", [b"POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\nce-specversion: 1.0\r\nce-id: \xff\xfe\r\nce-source: /s\r\nce-type: t\r\ncontent-length: 0\r\n\r\n".as_slice()].concat()),
        // A body that never completes.
        ("408", b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nab".to_vec()),
    ];
    for (want, request) in cases {
        let response = raw_exchange(addr, &request, second).await;
        let line = status_of(&response);
        assert!(
            line.starts_with(&format!("HTTP/1.1 {want}")),
            "want {want}, got {:?}",
            String::from_utf8_lossy(&response)
        );
    }
    // A client that never finishes its head is cut off after the header read timeout.
    let started = Instant::now();
    let response = raw_exchange(addr, b"POST / HTTP/1.1\r\nhost:", Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "not cut off: {:?}",
        status_of(&response)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn serve_caps_concurrent_connections() {
    let limits = cespec::server::Limits {
        max_connections: 1,
        ..cespec::server::Limits::default()
    };
    let server = serve::start(ServeConfig {
        limits,
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let first = TcpStream::connect(server.addr()).await.unwrap();
    // Give the server a moment to take the first connection.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let target = HttpTarget::new(&server.url(), options(300)).unwrap();
    assert!(
        matches!(
            target.echo(&event("wait"), Encoding::HttpBinary).await,
            Echo::Broken { .. }
        ),
        "served beyond the cap"
    );
    drop(first);
    let target = HttpTarget::new(&server.url(), options(3000)).unwrap();
    assert!(matches!(
        target.echo(&event("now"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    server.shutdown().await;
}

/// A scripted HTTP server: it reads one request per connection, then does
/// what `script` says with the stream. Serves at most `connections` connections.
async fn scripted<F, Fut>(connections: usize, script: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            read_request(&mut stream).await;
            script(stream).await;
        }
    });
    url
}

/// Reads a request head and a Content-Length body, within 5 s.
async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    buf
}

#[tokio::test]
async fn receiver_only_target_is_judged_by_status() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            .await;
    })
    .await;
    let target = HttpTarget::receiver(&url, options(5000)).unwrap();
    assert!(target.capabilities().contains(RECEIVER_ONLY));
    match target.echo(&event("r"), Encoding::HttpBinary).await {
        Echo::Accepted(Message::Http(m)) => {
            assert_eq!(m.status, 202);
            assert!(m.body.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_5xx_is_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\noops")
            .await;
    })
    .await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    assert_eq!(
        target.echo(&event("x"), Encoding::HttpBinary).await,
        Echo::Broken {
            reason: "HTTP 500: oops".into()
        }
    );
}

#[tokio::test]
async fn a_silent_server_is_broken_within_the_timeout() {
    let url = scripted(1, |s| async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(s);
    })
    .await;
    let target = HttpTarget::new(&url, options(300)).unwrap();
    let started = Instant::now();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason } => assert!(reason.contains("within 300 ms"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_response_cut_short_is_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc")
            .await;
        let _ = s.shutdown().await;
    })
    .await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason } => assert!(reason.contains("broke off"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn garbage_and_refusal_are_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s.write_all(b"SMTP ready\r\n\r\n").await;
    })
    .await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    assert!(matches!(
        target.echo(&event("x"), Encoding::HttpBinary).await,
        Echo::Broken { .. }
    ));

    // A port nobody listens on: bind one, note it, free it.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let target = HttpTarget::new(&format!("http://{addr}/"), options(5000)).unwrap();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason } => assert!(reason.starts_with("cannot connect"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_oversized_response_is_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2048\r\n\r\n")
            .await;
        let _ = s.write_all(&[b'x'; 2048]).await;
    })
    .await;
    let target = HttpTarget::new(
        &url,
        HttpOptions {
            max_response_bytes: 1024,
            ..options(5000)
        },
    )
    .unwrap();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason } => {
            assert!(reason.contains("exceeds the limit of 1024"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

mod stdio {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use cespec::codec::{self, Encoding};
    use cespec::error::TargetError;
    use cespec::target::stdio::{StdioOptions, StdioTarget};
    use cespec::target::{Echo, Target};
    use cespec::wire::{HttpMessage, KafkaRecord, Message};

    use super::event;

    /// Returns the path of example program `name`, built once per run.
    ///
    /// Integration tests get `CARGO_BIN_EXE_*` for binaries but not for
    /// examples, and `cargo test --test targets` does not build examples.
    /// Adding them as `[[bin]]`s would install test helpers with the tool,
    /// so the test runs `cargo build --examples` itself (a no-op when they
    /// are fresh; cargo's lock is free while tests run) and takes the paths
    /// from cargo's JSON messages. Bounded to 15 minutes for a cold build
    /// on a busy machine.
    pub fn example(name: &str) -> PathBuf {
        static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
        let built = BUILT.get_or_init(|| {
            let mut child = Command::new(env!("CARGO"))
                .args(["build", "--examples", "--message-format=json"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("cargo runs");
            let stdout = child.stdout.take().unwrap();
            let reader =
                std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
            let deadline = Instant::now() + Duration::from_secs(900);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    assert!(status.success(), "cargo build --examples failed");
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("cargo build --examples took longer than 15 minutes");
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let text = reader.join().unwrap();
            text.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter_map(|v| {
                    Some((
                        v["target"]["name"].as_str()?.to_owned(),
                        PathBuf::from(v["executable"].as_str()?),
                    ))
                })
                .collect()
        });
        built
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| panic!("no example {name}"))
    }

    fn argv(name: &str, args: &[&str]) -> Vec<String> {
        std::iter::once(example(name).display().to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .collect()
    }

    fn quick() -> StdioOptions {
        StdioOptions {
            start_timeout: Duration::from_secs(10),
            echo_timeout: Duration::from_millis(500),
            ..StdioOptions::default()
        }
    }

    /// Returns an event request that makes the misbehaving program misbehave.
    fn trigger() -> Message {
        let Message::Http(mut m) = event("bad") else {
            unreachable!()
        };
        m.headers.push(("x-misbehave".into(), b"1".to_vec()));
        Message::Http(m)
    }

    #[tokio::test]
    async fn the_reference_child_echoes_and_rejects() {
        let target = StdioTarget::spawn(argv("stdio-reference", &[]), quick())
            .await
            .unwrap();
        assert_eq!(target.info().name, "reference (stdio)");
        assert!(target.capabilities().contains("kafka-binary"));
        let input = event("s-1");
        let want = &codec::decode(&input).unwrap().events[0];
        for reply in [
            Encoding::HttpBinary,
            Encoding::HttpStructured,
            Encoding::HttpBatch,
            Encoding::KafkaBinary,
            Encoding::Json,
        ] {
            let Echo::Accepted(out) = target.echo(&input, reply).await else {
                panic!("{reply}")
            };
            let got = codec::decode(&out).unwrap();
            assert_eq!(got.encoding, reply);
            assert!(cespec::event::equivalence::compare(want, &got.events[0]).is_empty());
        }
        // Bytes that are not UTF-8 survive both ways.
        let raw = Message::Kafka(KafkaRecord {
            key: None,
            headers: [
                ("ce_specversion", "1.0"),
                ("ce_id", "k"),
                ("ce_source", "/s"),
                ("ce_type", "t"),
            ]
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
            value: Some(vec![0xff, 0x00, 0xfe]),
        });
        let Echo::Accepted(Message::Kafka(back)) = target.echo(&raw, Encoding::KafkaBinary).await
        else {
            panic!()
        };
        assert_eq!(back.value, Some(vec![0xff, 0x00, 0xfe]));
        let invalid = Message::Http(HttpMessage::post(
            vec![("ce-id".into(), b"1".to_vec())],
            vec![],
        ));
        match target.echo(&invalid, Encoding::HttpBinary).await {
            Echo::Rejected { reason } => assert!(reason.contains("CORE-CTX-1"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(target.restarts(), 0);
        target.shutdown().await;
        assert!(matches!(
            target.echo(&input, Encoding::HttpBinary).await,
            Echo::Broken { .. }
        ));
    }

    #[tokio::test]
    async fn shell_mode_runs_through_sh() {
        let line = format!("exec '{}'", example("stdio-reference").display());
        let target = StdioTarget::spawn(
            vec![line],
            StdioOptions {
                shell: true,
                ..quick()
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            target.echo(&event("sh"), Encoding::HttpBinary).await,
            Echo::Accepted(_)
        ));
        target.shutdown().await;
    }

    /// Runs `mode` on a triggering echo, checks the reason, then checks that
    /// the next echo works on a restarted process.
    async fn misbehaves(mode: &str, want: &[&str]) {
        let target = StdioTarget::spawn(
            argv("stdio-misbehave", &[mode, "--when-header", "x-misbehave"]),
            quick(),
        )
        .await
        .unwrap();
        assert!(
            matches!(
                target.echo(&event("ok"), Encoding::HttpBinary).await,
                Echo::Accepted(_)
            ),
            "{mode}: before"
        );
        let started = Instant::now();
        match target.echo(&trigger(), Encoding::HttpBinary).await {
            Echo::Broken { reason } => {
                for w in want {
                    assert!(reason.contains(w), "{mode}: {reason:?} lacks {w:?}");
                }
            }
            other => panic!("{mode}: {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{mode}: too slow"
        );
        assert!(
            matches!(
                target.echo(&event("again"), Encoding::HttpStructured).await,
                Echo::Accepted(_)
            ),
            "{mode}: after"
        );
        assert_eq!(target.restarts(), 1, "{mode}");
        target.shutdown().await;
    }

    #[tokio::test]
    async fn a_crash_is_broken_and_the_process_restarts() {
        misbehaves(
            "crash-on-echo",
            &[
                "process exited with status 3",
                "stderr tail: stdio-misbehave: crashing on purpose",
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn a_hang_is_broken_after_the_timeout_and_the_process_restarts() {
        misbehaves("hang", &["no reply within 500 ms", "killed"]).await;
    }

    #[tokio::test]
    async fn garbage_is_a_protocol_violation() {
        misbehaves(
            "garbage",
            &[
                "protocol violation: the reply is not JSON",
                "this is not json",
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn a_wrong_seq_is_a_protocol_violation() {
        misbehaves(
            "wrong-seq",
            &["protocol violation: the reply has seq 1002, the request had seq 2"],
        )
        .await;
    }

    #[tokio::test]
    async fn a_failed_handshake_is_an_error() {
        let options = StdioOptions {
            start_timeout: Duration::from_millis(500),
            ..quick()
        };
        let started = Instant::now();
        match StdioTarget::spawn(argv("stdio-misbehave", &["no-start"]), options).await {
            Err(TargetError::Handshake { message, .. }) => {
                assert!(message.contains("no reply within 500 ms"), "{message}")
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("started"),
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        match StdioTarget::spawn(argv("stdio-misbehave", &["exit-on-start"]), quick()).await {
            Err(TargetError::Handshake { message, .. }) => {
                assert!(
                    message.contains("exited with status 4")
                        && message.contains("refusing to start"),
                    "{message}"
                )
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("started"),
        }
        let missing = StdioTarget::spawn(vec!["/nonexistent/cespec-child".into()], quick()).await;
        assert!(matches!(missing, Err(TargetError::Spawn { .. })));
    }
}

mod specs {
    use std::time::Duration;

    use cespec::codec::Encoding;
    use cespec::error::TargetError;
    use cespec::target::Echo;
    use cespec::target::spec::{OpenOptions, TargetSpec};
    use tokio::net::{TcpListener, TcpStream};

    use super::event;
    use super::stdio::example;

    async fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn reference_http_is_the_reference_over_loopback() {
        let target = TargetSpec::parse("reference-http")
            .unwrap()
            .open(&OpenOptions::default())
            .await
            .unwrap();
        assert_eq!(target.info().name, "reference-http");
        assert!(target.capabilities().contains("specversion-0.3"));
        for reply in [
            Encoding::HttpBinary,
            Encoding::HttpStructured,
            Encoding::HttpBatch,
        ] {
            assert!(
                matches!(target.echo(&event("rh"), reply).await, Echo::Accepted(_)),
                "{reply}"
            );
        }
        target.shutdown().await;
    }

    #[tokio::test]
    async fn a_started_http_target_is_ready_then_torn_down() {
        let port = free_port().await;
        let spec = TargetSpec::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let command = format!("'{}' 127.0.0.1:{port}", example("http-reference").display());
        let options = OpenOptions {
            start: Some(command),
            start_timeout: Duration::from_secs(20),
            ..OpenOptions::default()
        };
        let target = spec.open(&options).await.unwrap();
        assert!(matches!(
            target.echo(&event("st"), Encoding::HttpStructured).await,
            Echo::Accepted(_)
        ));
        target.shutdown().await;
        // Gone: the port refuses connections (bounded wait for the kernel to notice).
        let mut refused = false;
        for _ in 0..40 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(refused, "the started server still accepts connections");
    }

    #[tokio::test]
    async fn a_start_command_that_never_listens_is_an_error() {
        let port = free_port().await;
        let spec = TargetSpec::parse(&format!("receiver:http://127.0.0.1:{port}/")).unwrap();
        let options = OpenOptions {
            start: Some("sleep 30".into()),
            start_timeout: Duration::from_millis(300),
            ..OpenOptions::default()
        };
        match spec.open(&options).await {
            Err(TargetError::NotReady { message, .. }) => {
                assert!(message.contains("within 300 ms"), "{message}")
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("opened"),
        }
    }

    #[tokio::test]
    async fn a_cmd_target_opens_through_its_address() {
        let spec =
            TargetSpec::parse(&format!("cmd:'{}'", example("stdio-reference").display())).unwrap();
        let target = spec.open(&OpenOptions::default()).await.unwrap();
        assert!(matches!(
            target.echo(&event("cmd"), Encoding::KafkaStructured).await,
            Echo::Accepted(_)
        ));
        target.shutdown().await;
    }
}

mod listen {
    use std::path::Path;
    use std::time::Duration;

    use cespec::codec::Encoding;
    use cespec::runner::{RunEvent, Status};
    use cespec::server::expected::{ExpectedEvents, MatchBy};
    use cespec::server::listen::{self, ListenConfig};
    use cespec::target::http::{HttpOptions, HttpTarget};
    use cespec::target::{Echo, Target};
    use cespec::wire::{HttpMessage, Message};
    use tokio::sync::mpsc;

    fn sent(id: &str, source: &str) -> Message {
        let headers = [
            ("ce-specversion", "1.0"),
            ("ce-id", id),
            ("ce-source", source),
            ("ce-type", "com.example.sent"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
        Message::Http(HttpMessage::post(headers, Vec::new()))
    }

    #[tokio::test]
    async fn listen_judges_a_sender_and_stops_after_n() {
        let expected = ["1", "2", "4"]
            .map(|id| format!(r#"{{"specversion":"1.0","id":"{id}","source":"https://example.com/","type":"com.example.sent"}}"#))
            .join("\n");
        let expected = ExpectedEvents::parse(
            expected.as_bytes(),
            Path::new("expected.jsonl"),
            MatchBy::Id,
        )
        .unwrap();
        let config = ListenConfig {
            expected: Some(expected),
            stop_after: Some(3),
            timeout: Some(Duration::from_secs(20)),
            ..ListenConfig::default()
        };
        let listener = listen::bind(config).await.unwrap();
        let sender = HttpTarget::receiver(
            &listener.url(),
            HttpOptions {
                timeout: Duration::from_secs(5),
                ..HttpOptions::default()
            },
        )
        .unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let run = tokio::spawn(listener.run(tx));

        let status = |echo: Echo| match echo {
            Echo::Accepted(Message::Http(m)) => m.status,
            Echo::Rejected { reason } => reason[5..8].parse().unwrap(),
            Echo::Broken { reason } => panic!("{reason}"),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            status(
                sender
                    .echo(&sent("1", "https://example.com/"), Encoding::HttpBinary)
                    .await
            ),
            202
        );
        let Message::Http(mut bad) = sent("x", "https://example.com/") else {
            unreachable!()
        };
        bad.headers.retain(|(n, _)| n != "ce-type");
        assert_eq!(
            status(sender.echo(&Message::Http(bad), Encoding::HttpBinary).await),
            400
        );
        assert_eq!(
            status(
                sender
                    .echo(&sent("2", "/relative"), Encoding::HttpBinary)
                    .await
            ),
            202
        );

        let tally = tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("listen stops after 3")
            .unwrap();
        let mut results = Vec::new();
        let mut done = false;
        while let Ok(event) = rx.try_recv() {
            match event {
                RunEvent::Started { targets, .. } => assert_eq!(targets[0].name, "sender"),
                RunEvent::Finished(r) => results.push(*r),
                RunEvent::Done { .. } => done = true,
                RunEvent::TargetFailed { reason, .. } => panic!("{reason}"),
            }
        }
        assert!(done);
        let summary: Vec<(&str, Status)> = results
            .iter()
            .map(|r| (r.case.as_str(), r.status))
            .collect();
        assert_eq!(
            summary,
            [
                ("listen/request-1", Status::Pass),
                ("listen/request-2", Status::Fail),
                // Matches id 2 but its source differs from the expected one.
                ("listen/request-3", Status::Fail),
                ("listen/expected-id-4", Status::Fail),
            ]
        );
        assert!(results[1].findings.iter().any(|f| f.rule == "CORE-CTX-1"));
        assert!(
            results[2]
                .findings
                .iter()
                .any(|f| f.message.contains("source")),
            "{:?}",
            results[2].findings
        );
        assert!(
            results[2].findings.iter().any(|f| f.rule == "CORE-SRC-2"),
            "the relative source also warns"
        );
        assert_eq!(
            results[0].transcript.as_ref().unwrap().note.as_deref(),
            Some("answered 202")
        );
        assert_eq!((tally.pass, tally.fail), (1, 3));

        // The listener is gone: a late sender gets no 2xx.
        assert!(!matches!(
            sender
                .echo(&sent("5", "https://example.com/"), Encoding::HttpBinary)
                .await,
            Echo::Accepted(_)
        ));
    }

    #[tokio::test]
    async fn listen_stops_at_the_timeout_and_reports_oversized_requests() {
        let config = ListenConfig {
            timeout: Some(Duration::from_millis(1500)),
            ..ListenConfig::default()
        };
        let listener = listen::bind(config).await.unwrap();
        let sender = HttpTarget::receiver(
            &listener.url(),
            HttpOptions {
                timeout: Duration::from_secs(5),
                ..HttpOptions::default()
            },
        )
        .unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let run = tokio::spawn(listener.run(tx));
        let Message::Http(mut big) = sent("big", "https://example.com/") else {
            unreachable!()
        };
        big.body = vec![b'x'; 2 << 20];
        assert!(matches!(
            sender.echo(&Message::Http(big), Encoding::HttpBinary).await,
            Echo::Rejected { .. }
        ));
        let tally = tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("listen times out")
            .unwrap();
        assert_eq!(tally.error, 1);
        let mut refused = None;
        while let Ok(event) = rx.try_recv() {
            if let RunEvent::Finished(r) = event {
                refused = Some(r);
            }
        }
        let refused = refused.unwrap();
        assert_eq!(refused.status, Status::Error);
        assert!(
            refused.message.starts_with("refused with 413"),
            "{}",
            refused.message
        );
    }
}

mod protocol_docs {
    use cespec::codec::Encoding;
    use cespec::target::stdio::protocol::{Request, wire_spec};
    use cespec::wire::{JsonDocument, KafkaRecord, MEDIA_JSON_BATCH, Message};
    use serde_json::Value;

    const SCHEMA: &str = include_str!("../docs/stdio-protocol.schema.json");
    const DOC: &str = include_str!("../docs/stdio-protocol.md");

    fn validator() -> jsonschema::Validator {
        jsonschema::validator_for(&serde_json::from_str(SCHEMA).unwrap()).unwrap()
    }

    fn check(v: &jsonschema::Validator, line: &str) {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{line}\n{errors:#?}");
    }

    #[test]
    fn every_line_in_the_document_fits_the_schema() {
        let v = validator();
        let mut in_json = false;
        let mut checked = 0;
        for line in DOC.lines() {
            match line {
                "```json" => in_json = true,
                "```" => in_json = false,
                l if in_json => check(&v, l),
                l if l.starts_with("> {") || l.starts_with("< {") => check(&v, &l[2..]),
                _ => continue,
            }
            checked += 1;
        }
        assert!(checked >= 12, "only {checked} lines checked");
    }

    #[test]
    fn what_cespec_writes_fits_the_schema() {
        let v = validator();
        let messages = [
            super::event("1"),
            Message::Kafka(KafkaRecord {
                key: Some(vec![0xff]),
                headers: vec![("ce_id".into(), vec![0xfe])],
                value: None,
            }),
            Message::Json(JsonDocument {
                media_type: MEDIA_JSON_BATCH.into(),
                body: b"[]".to_vec(),
            }),
        ];
        let mut requests = vec![Request::Start { protocol: 1 }, Request::Stop];
        requests.extend(messages.iter().map(|m| Request::Echo {
            seq: 9,
            message: Box::new(wire_spec(m)),
            reply: Encoding::KafkaStructured,
        }));
        for r in requests {
            check(&v, &serde_json::to_string(&r).unwrap());
        }
    }

    #[test]
    fn the_schema_refuses_broken_lines() {
        let v = validator();
        for bad in [
            r#"{"type":"start","protocol":2}"#,
            r#"{"type":"echo","seq":1,"message":{"http":{},"json":{}},"reply":"http-binary"}"#,
            r#"{"type":"echo","seq":1,"message":{"http":{"body":"a","body_base64":"YQ=="}},"reply":"http-binary"}"#,
            r#"{"type":"echo","seq":1,"message":{"json":{"text":"{}","value":{}}},"reply":"json"}"#,
            r#"{"type":"echo","seq":1,"message":{"http":{}},"reply":"mqtt"}"#,
            r#"{"type":"started","name":"x"}"#,
            r#"{"seq":1,"ok":true}"#,
            r#"{"seq":1,"ok":false}"#,
            r#"{"seq":-1,"ok":false,"error":"x"}"#,
        ] {
            assert!(!v.is_valid(&serde_json::from_str(bad).unwrap()), "{bad}");
        }
    }
}
