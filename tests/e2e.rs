//! End to end: the real `cespec` binary, as separate processes talking over
//! 127.0.0.1, the way a user or a CI job drives it. `cespec serve` is a
//! child process whose port is read from its `listening on` line; targets
//! that crash, hang or answer 500 are example programs or tiny servers
//! written here; `cespec listen` is fed by the test acting as a sender.
//!
//! Every child is killed when its guard drops (a failed assertion
//! included), and every wait is bounded: a hung binary fails the test
//! instead of hanging the suite.

#[path = "support/certs.rs"]
mod certs;
#[path = "support/examples.rs"]
mod examples;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use examples::example;

/// The longest any one command may take before the test fails.
const LIMIT: Duration = Duration::from_secs(120);

/// A child process killed (and reaped) on drop.
struct Guard {
    child: Child,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a finished command left behind.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Ran {
    fn code(&self) -> i32 {
        self.status.code().expect("exited normally")
    }

    /// Returns both streams, for assertion messages.
    fn both(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.status.code(),
            self.stdout,
            self.stderr
        )
    }
}

/// Returns a `cespec` command with a predictable environment.
fn cespec(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cespec"));
    cmd.args(args)
        .env_remove("CESPEC_LOG")
        .env_remove("NO_COLOR")
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null());
    cmd
}

/// Reads a whole stream on a thread of its own, so that neither pipe
/// fills up while the other is waited on.
fn drain(stream: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut stream = stream;
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `guard`'s child until `limit`, killing it past that.
fn finish(mut guard: Guard, started: Instant, limit: Duration) -> Ran {
    // A caller that already took stdout reads it itself.
    let stdout = guard.child.stdout.take().map(drain);
    let stderr = drain(guard.child.stderr.take().expect("piped stderr"));
    let status = loop {
        if let Some(status) = guard.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            started.elapsed() < limit,
            "still running after {limit:?}; killed"
        );
        thread::sleep(Duration::from_millis(20));
    };
    Ran {
        status,
        stdout: stdout.map(|s| s.join().unwrap()).unwrap_or_default(),
        stderr: stderr.join().unwrap(),
        elapsed: started.elapsed(),
    }
}

/// Runs `cespec args` to the end, within [`LIMIT`].
fn run(args: &[&str]) -> Ran {
    let started = Instant::now();
    let child = cespec(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    finish(Guard { child }, started, LIMIT)
}

/// Starts `cmd` and returns it with its first stdout line that contains
/// `marker`, read within 60 s (a cold start on a busy machine).
fn start_until(
    mut cmd: Command,
    marker: &str,
) -> (Guard, BufReader<std::process::ChildStdout>, String) {
    let mut guard = Guard {
        child: cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    };
    let stdout = guard.child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let wanted = marker.to_owned();
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(_) if line.contains(&wanted) => {
                    let _ = tx.send(Some((reader, line.trim().to_owned())));
                    return;
                }
                Ok(_) => {}
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some((reader, line))) => (guard, reader, line),
        Ok(None) => {
            let _ = guard.child.kill();
            let mut err = String::new();
            let _ = guard.child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the process ended before printing {marker:?}: {err}")
        }
        Err(_) => panic!("no {marker:?} line within 60 s"),
    }
}

/// Returns the port of a `listening on http://127.0.0.1:PORT` line.
fn port_of(line: &str) -> u16 {
    line.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

/// `cespec serve --port 0`, with its port.
fn serve() -> (Guard, u16) {
    let (guard, _stdout, line) = start_until(cespec(&["serve", "--port", "0"]), "listening on");
    (guard, port_of(&line))
}

/// Returns a fresh directory for one test's files.
#[test]
fn run_interop_puts_the_matrix_in_the_report_files() {
    // The stdio reference as a second implementation: every pair with the
    // in-process reference must come through clean, in every encoding.
    let target = format!("cmd:{}", example("stdio-reference").display());
    let out = dir("interop");
    let json = out.join("run.json");
    let html = out.join("run.html");
    let ran = run(&[
        "run",
        "--target",
        &target,
        "--suite",
        "core-attributes",
        "--interop",
        "--interop-suite",
        "core-attributes",
        "--json",
        path(&json),
        "--html",
        path(&html),
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(
        ran.stderr.contains("interop: 2 participants"),
        "{}",
        ran.both()
    );
    let report = json_file(&json);
    let interop = &report["interop"];
    assert_eq!(interop["participants"][0], "reference");
    assert_eq!(interop["suites"], serde_json::json!(["core-attributes"]));
    let cells = interop["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 10, "2 directions x 5 encodings");
    for cell in cells {
        assert_eq!(cell["failed"], 0, "{cell}");
        assert!(cell["passed"].as_u64().unwrap() > 10, "{cell}");
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<section id=\"interop\">"));

    let m = run(&["run", "--interop-suite", "core-attributes"]);
    assert_eq!(m.code(), 2, "--interop-suite needs --interop: {}", m.both());
    let m = run(&["run", "--interop", "--interop-suite", "nope"]);
    assert_eq!(m.code(), 2, "{}", m.both());
    assert!(
        m.stderr.contains("--interop-suite: no suite \"nope\""),
        "{}",
        m.both()
    );
}

fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Returns every `test ... VERDICT` line.
/// Reads the JSON file `path` (a report or a bench's results).
fn json_file(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn result_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .collect()
}

#[test]
fn run_against_cespec_serve_over_http_passes() {
    let (_server, port) = serve();
    let target = format!("http://127.0.0.1:{port}/");
    let ran = run(&["run", "--target", &target, "--suite", "http-binary"]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("test result: ok."), "{}", ran.both());
    assert!(
        ran.stdout.contains(&format!("on {target}")),
        "the target is named before the results: {}",
        ran.both()
    );
}

#[test]
fn run_against_the_stdio_reference_passes() {
    let target = format!("cmd:{}", example("stdio-reference").display());
    let ran = run(&[
        "run",
        "--target",
        &target,
        "--suite",
        "http-binary",
        "--suite",
        "json-format",
        "--suite",
        "kafka-binary",
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("test result: ok."), "{}", ran.both());
    assert!(
        !ran.stdout.contains(" 0 passed"),
        "something ran: {}",
        ran.both()
    );
}

#[test]
fn a_receiver_target_is_judged_by_status_on_accept_and_reject_cases() {
    let (_server, port) = serve();
    let target = format!("receiver:http://127.0.0.1:{port}/");
    let ran = run(&["run", "-v", "--target", &target, "--suite", "http-binary"]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let lines = result_lines(&ran.stdout);
    // The receiver's results are one per case (no reply encodings), and
    // both verdicts are among them.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("http-binary/minimal ... ok")),
        "an accept case: {}",
        ran.both()
    );
    assert!(
        lines.iter().all(|l| !l.contains('@')),
        "no reply encodings: {}",
        ran.both()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("http-binary/missing-id ... ok")),
        "a reject case (no ce-id: the receiver must answer 4xx): {}",
        ran.both()
    );
}

/// Starts `cespec serve --webhook` requiring `token` of every delivery;
/// returns the server (it stops when dropped) and its port.
fn serve_webhook_requiring(token: &str) -> (Guard, u16) {
    let (server, _stdout, line) = start_until(
        cespec(&["serve", "--webhook", "--port", "0", "--token", token]),
        "listening on",
    );
    (server, port_of(&line))
}

/// `cespec serve --webhook --token T` and `cespec run --token T`, two real
/// processes: the whole http-webhook suite runs and passes, the token
/// cases included; without --token they are skipped and say how to run
/// them, and the token appears in no report file.
#[test]
fn a_web_hook_target_with_a_token_passes_the_webhook_suite() {
    let token = "mF_9.B5f-4.1JqM";
    let (_server, port) = serve_webhook_requiring(token);
    let target = format!("receiver:http://127.0.0.1:{port}/hook");
    let caps = "http-binary,http-structured,http-batch,webhook";
    let json = dir("webhook-token").join("run.json");
    let suite = [
        "run",
        "--target",
        &target,
        "--capabilities",
        caps,
        "--suite",
        "http-webhook",
    ];
    let with_token = ["-v", "--token", token, "--json", path(&json)];
    let ran = run(&[&suite[..], &with_token[..]].concat());
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let lines = result_lines(&ran.stdout);
    for case in ["handshake-grant", "token-in-header", "token-in-query"] {
        let ok = format!("http-webhook/{case} ... ok");
        assert!(
            lines.iter().any(|l| l.contains(&ok)),
            "{case}: {}",
            ran.both()
        );
    }
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(
        report.contains("access_token={token}"),
        "the case's own path"
    );
    assert!(!report.contains(token), "the token leaked into the report");

    let ran = run(&suite);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(
        ran.stdout.contains(
            "token-in-query ... skipped (unsupported: needs token; a token comes with --token)"
        ),
        "{}",
        ran.both()
    );
}

/// `cespec bench` load mode against a delivery target that requires a
/// token: with --token every delivery is taken; without it none is, and
/// the row says so (not conformant, every answer a 401, and the hint).
#[test]
fn bench_load_carries_the_token_a_target_requires() {
    let token = "mF_9.B5f-4.1JqM";
    let (_server, port) = serve_webhook_requiring(token);
    let target = format!("receiver:http://127.0.0.1:{port}/");
    let out = dir("bench-token");
    let row = |extra: &[&str]| {
        let json = out.join("load.json");
        let mut args = vec![
            "bench", "--target", &target, "-c", "2", "-n", "50", "-d", "2s",
        ];
        args.extend_from_slice(&["--json", path(&json)]);
        args.extend_from_slice(extra);
        let ran = run(&args);
        let report = json_file(&json);
        (ran.code(), report["results"][0].clone())
    };
    let (code, keyed) = row(&["--token", token]);
    assert_eq!(code, 0, "{keyed}");
    assert_eq!(
        (keyed["errors"].as_u64(), keyed["conformant"].as_bool()),
        (Some(0), Some(true)),
        "{keyed}"
    );
    let (_, locked_out) = row(&[]);
    assert_eq!(locked_out["conformant"], false, "{locked_out}");
    assert_eq!(
        locked_out["status-codes"]["401"], locked_out["requests"],
        "{locked_out}"
    );
    let problem = locked_out["first-problem"].as_str().unwrap_or_default();
    assert!(problem.contains("give it with --token"), "{locked_out}");
}

/// Starts `cespec serve` over TLS with the test CA's server certificate,
/// and `extra` arguments; returns the server (it stops when dropped) and
/// its `https://` URL.
fn serve_over_tls(certs: &certs::TestCerts, extra: &[&str]) -> (Guard, String) {
    let serve = [
        "serve",
        "--port",
        "0",
        "--tls-cert",
        path(&certs.cert),
        "--tls-key",
        path(&certs.key),
    ];
    let (server, _stdout, line) =
        start_until(cespec(&[&serve[..], extra].concat()), "listening on");
    assert!(line.contains("https://127.0.0.1:"), "{line}");
    (server, format!("https://127.0.0.1:{}/", port_of(&line)))
}

/// `cespec serve --tls-cert --tls-key` and `cespec run --target https://`
/// with `--ca-cert`: the HTTP binary suite passes over TLS; without the CA
/// the target is unavailable from the start, with the reason, exit 5; and
/// `cespec bench` load mode measures it over TLS.
#[test]
fn run_reaches_an_https_target_through_its_ca() {
    let certs = certs::test_certs(&dir("tls"));
    let (_server, target) = serve_over_tls(&certs, &[]);
    let suite = ["run", "--target", &target, "--suite", "http-binary"];
    let ran = run(&[&suite[..], &["--ca-cert", path(&certs.ca)]].concat());
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("test result: ok."), "{}", ran.both());

    let ran = run(&suite);
    assert_eq!(ran.code(), 5, "{}", ran.both());
    assert!(
        ran.stdout.contains("cannot be reached: TLS handshake"),
        "{}",
        ran.both()
    );

    // bench load mode over TLS: every reply judged, none an error.
    let json = certs.ca.with_file_name("load.json");
    let ran = run(&[
        "bench",
        "--target",
        &target,
        "--ca-cert",
        path(&certs.ca),
        "-c",
        "2",
        "-n",
        "100",
        "-d",
        "5s",
        "--json",
        path(&json),
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let report = json_file(&json);
    let row = &report["results"][0];
    assert_eq!(row["conformant"], true, "{row}");
    assert_eq!(row["errors"], 0, "{row}");
    assert_eq!(row["validated"], row["requests"], "{row}");
}

/// Mutual TLS: `cespec serve --client-ca` serves only clients with a
/// certificate of that CA; `run` and `bench` show theirs with
/// `--client-cert`/`--client-key`, and without one the target is
/// unavailable from the start (a load does not start) with what to give,
/// exit 5.
#[test]
fn run_shows_a_client_certificate_to_a_target_that_wants_one() {
    let certs = certs::test_certs(&dir("mtls"));
    let (_server, target) = serve_over_tls(&certs, &["--client-ca", path(&certs.ca)]);
    let trusting = ["--target", &target, "--ca-cert", path(&certs.ca)];
    let client = [
        "--client-cert",
        path(&certs.client_cert),
        "--client-key",
        path(&certs.client_key),
    ];
    let suite = ["run", "--suite", "http-binary"];
    let ran = run(&[&suite[..], &trusting, &client].concat());
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("test result: ok."), "{}", ran.both());

    let ran = run(&[&suite[..], &trusting].concat());
    assert_eq!(ran.code(), 5, "{}", ran.both());
    assert!(
        ran.stdout.contains("asks for a client certificate")
            && ran.stdout.contains("--client-cert"),
        "{}",
        ran.both()
    );

    let json = certs.ca.with_file_name("load.json");
    let load = [
        "bench",
        "-c",
        "2",
        "-n",
        "50",
        "-d",
        "5s",
        "--json",
        path(&json),
    ];
    let ran = run(&[&load[..], &trusting].concat());
    assert_eq!(ran.code(), 5, "{}", ran.both());
    assert!(
        ran.stderr.contains("asks for a client certificate"),
        "{}",
        ran.both()
    );
    let ran = run(&[&load[..], &trusting, &client].concat());
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let report = json_file(&json);
    let row = &report["results"][0];
    assert_eq!(row["conformant"], true, "{row}");
    assert_eq!(row["errors"], 0, "{row}");
}

/// Asserts that `ran` reports only errors (skips aside) and exits 5.
fn assert_all_errors(ran: &Ran, limit: Duration) {
    assert_eq!(ran.code(), 5, "{}", ran.both());
    let lines = result_lines(&ran.stdout);
    assert!(!lines.is_empty(), "{}", ran.both());
    for line in lines {
        assert!(
            line.contains(" ... error") || line.contains(" ... skipped"),
            "{line:?} in {}",
            ran.both()
        );
    }
    assert!(
        ran.stdout.contains("test result: ERRORS."),
        "{}",
        ran.both()
    );
    assert!(
        ran.elapsed < limit,
        "took {:?}: {}",
        ran.elapsed,
        ran.both()
    );
}

#[test]
fn a_crashing_child_ends_in_errors_and_exit_5() {
    let target = format!("cmd:{} crash-on-echo", example("stdio-misbehave").display());
    let ran = run(&["run", "-v", "--target", &target, "--suite", "http-binary"]);
    assert_all_errors(&ran, Duration::from_secs(30));
    assert!(ran.stdout.contains("status 3"), "{}", ran.both());
}

#[test]
fn a_hanging_child_ends_in_errors_after_the_timeout() {
    let target = format!("cmd:{} hang", example("stdio-misbehave").display());
    let ran = run(&[
        "run",
        "-v",
        "--target",
        &target,
        "--case",
        "http-binary/minimal",
        "--timeout",
        "500ms",
    ]);
    assert_all_errors(&ran, Duration::from_secs(30));
    // The runner's case timeout and the stdio target's echo timeout are
    // both 500 ms; either may speak first.
    assert!(
        ran.stdout.contains("timed out after 500ms") || ran.stdout.contains("within 500 ms"),
        "{}",
        ran.both()
    );
}

/// A tiny HTTP/1.1 server answering every request with `status` and an
/// empty body, on its own thread, until the process ends.
fn answering(status: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            thread::spawn(move || answer(stream, status));
        }
    });
    port
}

/// Reads requests on one connection (head, then a Content-Length body)
/// and answers each with `status`.
fn answer(stream: TcpStream, status: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut saw_head = false;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            saw_head = true;
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        if !saw_head {
            return;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let response = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn a_server_answering_500_ends_in_errors_and_exit_5() {
    let port = answering("500 Internal Server Error");
    let target = format!("http://127.0.0.1:{port}/");
    let ran = run(&[
        "run",
        "-v",
        "--target",
        &target,
        "--case",
        "http-binary/minimal",
        "--case",
        "http-structured/minimal",
    ]);
    assert_all_errors(&ran, Duration::from_secs(30));
    assert!(ran.stdout.contains("HTTP 500"), "{}", ran.both());
}

/// Sends one HTTP request to 127.0.0.1:`port` and returns the status line.
fn post(port: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = String::from("POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    // No half-close after the request: hyper takes one as the client going
    // away and may drop the response; `connection: close` ends the exchange.
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = BufReader::new(stream).read_to_string(&mut response);
    response.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn listen_judges_what_a_sender_sends_and_writes_reports() {
    let dir = dir("listen");
    let junit = dir.join("sender.xml");
    let json = dir.join("sender.json");
    let started = Instant::now();
    let (guard, rest, line) = start_until(
        cespec(&[
            "listen",
            "--port",
            "0",
            "--count",
            "2",
            "--timeout",
            "60s",
            "--junit",
            path(&junit),
            "--json",
            path(&json),
        ]),
        "listening on",
    );
    let port = port_of(&line);
    let event = [
        ("ce-specversion", "1.0"),
        ("ce-id", "1"),
        ("ce-source", "/sender"),
        ("ce-type", "com.example.sent"),
        ("content-type", "application/json"),
    ];
    let valid = post(port, &event, r#"{"n":1}"#);
    assert!(valid.contains(" 202 "), "{valid}");
    let missing_id: Vec<(&str, &str)> = event
        .iter()
        .copied()
        .filter(|(name, _)| *name != "ce-id")
        .collect();
    let invalid = post(port, &missing_id, r#"{"n":2}"#);
    assert!(invalid.contains(" 400 "), "{invalid}");

    // The rest of stdout, from where `start_until` stopped.
    let stdout = drain(rest);
    let ran = finish(guard, started, LIMIT);
    let stdout = stdout.join().unwrap();
    assert_eq!(ran.code(), 1, "{stdout}{}", ran.both());
    assert!(stdout.contains("CORE-CTX-1"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite"), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
    let report = json_file(&json);
    assert_eq!(
        report["results"].as_array().map(Vec::len),
        Some(2),
        "{report:#}"
    );
}

#[test]
fn run_writes_report_files_and_report_renders_and_diffs_them() {
    let dir = dir("reports");
    let file = |name: &str| dir.join(name);
    let ran = run(&[
        "run",
        "-q",
        "--suite",
        "http-binary",
        "--json",
        path(&file("r.json")),
        "--junit",
        path(&file("r.xml")),
        "--markdown",
        path(&file("r.md")),
        "--html",
        path(&file("r.html")),
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    for (name, marker) in [
        ("r.json", "\"format-version\""),
        ("r.xml", "<testsuites"),
        ("r.md", "CloudEvents conformance"),
        ("r.html", "<!DOCTYPE html>"),
    ] {
        let text = std::fs::read_to_string(file(name)).unwrap();
        assert!(
            text.to_ascii_lowercase()
                .contains(&marker.to_ascii_lowercase()),
            "{name} lacks {marker:?}"
        );
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file("r.json")).unwrap()).unwrap();
    let started = saved["started-at"].as_str().expect("a start time");
    assert!(
        started.len() == 20 && started.ends_with('Z') && started.as_bytes()[10] == b'T',
        "RFC 3339 UTC: {started}"
    );

    let ran = run(&[
        "report",
        path(&file("r.json")),
        "--format",
        "html",
        "--out",
        path(&file("x.html")),
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let html = std::fs::read_to_string(file("x.html")).unwrap();
    assert!(html.contains("http-binary/minimal"), "{}", &html[..200]);

    let ran = run(&[
        "report",
        path(&file("r.json")),
        "--baseline",
        path(&file("r.json")),
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("0 regression(s)"), "{}", ran.both());

    // The baseline passes one result more than the current run.
    let mut current = saved.clone();
    let first = current["results"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["status"] == "pass")
        .expect("a passing result");
    first["status"] = "fail".into();
    first["message"] = "broken on purpose".into();
    let name = first["case"].as_str().unwrap().to_owned();
    std::fs::write(file("current.json"), current.to_string()).unwrap();
    let ran = run(&[
        "report",
        path(&file("current.json")),
        "--baseline",
        path(&file("r.json")),
    ]);
    assert_eq!(ran.code(), 1, "{}", ran.both());
    assert!(ran.stdout.contains("Newly failing (1)"), "{}", ran.both());
    assert!(ran.stdout.contains(&name), "{}", ran.both());
    let ran = run(&[
        "report",
        path(&file("current.json")),
        "--baseline",
        path(&file("r.json")),
        "--format",
        "markdown",
    ]);
    assert_eq!(ran.code(), 1, "{}", ran.both());
    assert!(
        ran.stdout.starts_with("## Against the baseline"),
        "{}",
        ran.both()
    );

    // Merging needs distinct target names; badges name the file per target.
    let ran = run(&[
        "report",
        "--merge",
        path(&file("r.json")),
        "--badges",
        path(&file("badges")),
        "--out",
        path(&file("merged.json")),
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(file("badges/cloudevents-reference.json").is_file());
    assert!(file("merged.json").is_file());

    // One file per target next to --out; in HTML, --out is an index
    // linking them, in JSON the parts are all there is.
    let ran = run(&[
        "report",
        path(&file("r.json")),
        "--split-targets",
        "--out",
        path(&file("split/m.html")),
    ]);
    assert_eq!(ran.code(), 3, "the directory must exist: {}", ran.both());
    std::fs::create_dir_all(file("split")).unwrap();
    for out in ["m.html", "m.json"] {
        let ran = run(&[
            "report",
            path(&file("r.json")),
            "--split-targets",
            "--out",
            path(&file(&format!("split/{out}"))),
        ]);
        assert_eq!(ran.code(), 0, "{}", ran.both());
        assert!(ran.stdout.is_empty(), "{}", ran.both());
    }
    let index = std::fs::read_to_string(file("split/m.html")).unwrap();
    let page = std::fs::read_to_string(file("split/m.reference.html")).unwrap();
    assert!(index.contains("<a href=\"m.reference.html\">reference</a>"));
    assert!(page.contains("<a href=\"m.html\">All targets</a>"));
    assert!(!index.contains("id=\"results\"") && page.contains("id=\"results\""));
    assert!(file("split/m.reference.json").is_file() && !file("split/m.json").exists());
    let ran = run(&["report", path(&file("r.json")), "--split-targets"]);
    assert_eq!(ran.code(), 2, "--split-targets needs --out: {}", ran.both());
}

#[test]
fn unreadable_reports_and_unwritable_report_files_exit_3_with_the_path() {
    let dir = dir("bad-paths");
    let not_json = dir.join("not-a-report.json");
    std::fs::write(&not_json, "this is not json").unwrap();
    let ran = run(&["report", path(&not_json)]);
    assert_eq!(ran.code(), 3, "{}", ran.both());
    assert!(ran.stderr.contains(path(&not_json)), "{}", ran.both());

    let missing = dir.join("no/such/dir/r.json");
    let started = Instant::now();
    let ran = run(&["run", "--suite", "http-binary", "--json", path(&missing)]);
    assert_eq!(ran.code(), 3, "{}", ran.both());
    assert!(ran.stderr.contains(path(&missing)), "{}", ran.both());
    assert!(
        !ran.stdout.contains("running"),
        "nothing ran: {}",
        ran.both()
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn prop_passes_on_the_reference_and_shrinks_a_planted_bug() {
    let ran = run(&[
        "prop",
        "--target",
        "reference",
        "--cases",
        "200",
        "--seed",
        "7",
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("prop result: ok."), "{}", ran.both());
    assert!(ran.stdout.contains("seed 7"), "{}", ran.both());

    let dir = dir("prop");
    let saved = dir.join("found.yaml");
    let target = format!("cmd:{} drop-subject", example("stdio-misbehave").display());
    let ran = run(&[
        "prop",
        "--target",
        &target,
        "--cases",
        "200",
        "--seed",
        "7",
        "--save-cases",
        path(&saved),
    ]);
    assert_eq!(ran.code(), 1, "{}", ran.both());
    assert!(ran.stdout.contains("subject"), "{}", ran.both());
    // The shrunk event: the four required attributes and the subject.
    let event = ran
        .stdout
        .lines()
        .skip_while(|l| *l != "event:")
        .nth(1)
        .unwrap_or_else(|| panic!("no shrunk event: {}", ran.both()));
    let event: serde_json::Value = serde_json::from_str(event.trim()).unwrap();
    let keys: Vec<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["specversion", "id", "source", "type", "subject"],
        "{event}"
    );
    assert!(ran.stdout.contains("sent in "), "the pair: {}", ran.both());
    let suite = std::fs::read_to_string(&saved).unwrap();
    assert!(suite.contains("- id: prop-"), "{suite}");

    // The saved case replays: `run` finds the same bug with it (the suite
    // rates a lost `subject` by its rule, CORE-OPT-2, a SHOULD; hence
    // --strict).
    let ran = run(&[
        "run",
        "--strict",
        "--suites",
        path(&dir),
        "--suite",
        "found",
        "--target",
        &target,
    ]);
    assert_eq!(ran.code(), 1, "{}", ran.both());
}

#[test]
fn prop_mutations_lists_what_a_lax_target_accepts() {
    let ran = run(&["prop", "--mutations", "--case", "http-binary/minimal"]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    assert!(ran.stdout.contains("0 accepted"), "{}", ran.both());

    let port = answering("200 OK");
    let target = format!("http://127.0.0.1:{port}/");
    let ran = run(&[
        "prop",
        "--mutations",
        "--target",
        &target,
        "--case",
        "http-binary/minimal",
    ]);
    assert_eq!(ran.code(), 1, "{}", ran.both());
    assert!(ran.stdout.contains("drop-id"), "{}", ran.both());
}

#[test]
fn run_with_no_arguments_says_what_it_runs_against_and_passes() {
    let ran = run(&["run"]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let first = ran
        .stdout
        .lines()
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    assert!(
        first.starts_with("running ")
            && first.contains("reference")
            && first.contains("loopback HTTP")
            && first.contains("in-process"),
        "{first}"
    );
    let last = ran.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("test result: ok.")
            && last.contains(" 0 failed;")
            && last.contains(" 0 errors"),
        "{last}"
    );
}

/// The CI smoke pass of `cespec bench` (issue #7): codec mode on the
/// reference, load mode against a real `cespec serve` in both loops, and a
/// regression against a baseline ending in exit 6. Each run is bounded by
/// a request count and a duration of well under a second.
#[test]
fn bench_measures_codec_and_load_and_flags_a_regression() {
    let out = dir("bench");
    let codec_json = out.join("codec.json");
    // Codec mode on the reference: two inputs in two encodings, 200 ms each.
    let codec_run = |extra: &[&str]| {
        let mut args = vec![
            "bench",
            "--input",
            "minimal",
            "--input",
            "core",
            "--encoding",
            "json,http-binary",
            "-d",
            "200ms",
            "--color",
            "never",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let ran = codec_run(&["--json", path(&codec_json)]);
    assert_eq!(ran.code(), 0, "{}", ran.both());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&codec_json).unwrap()).unwrap();
    assert_eq!(report["mode"], "codec");
    let rows = report["results"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "2 inputs x 2 encodings: {rows:?}");
    for row in rows {
        assert_eq!(row["conformant"], true, "{row}");
        assert_eq!(row["errors"], 0, "{row}");
        assert!(row["events-per-second"].as_f64().unwrap() > 0.0, "{row}");
        assert!(row["latency"]["p99"].as_f64().unwrap() > 0.0, "{row}");
    }

    let (_server, port) = serve();
    let url = format!("http://127.0.0.1:{port}/");
    for (name, extra) in [("closed", &[][..]), ("open", &["--rate", "2000"][..])] {
        let json = out.join(format!("{name}.json"));
        let mut args = vec![
            "bench", "--target", &url, "-c", "4", "-n", "400", "-d", "2s", "--color", "never",
            "--json",
        ];
        args.push(path(&json));
        args.extend_from_slice(extra);
        let ran = run(&args);
        assert_eq!(ran.code(), 0, "{name}: {}", ran.both());
        let report = json_file(&json);
        let row = &report["results"][0];
        assert_eq!(report["mode"], "load", "{name}: {report}");
        assert_eq!(row["conformant"], true, "{name}: {row}");
        assert_eq!(row["errors"], 0, "{name}: {row}");
        let requests = row["requests"].as_u64().unwrap();
        assert!((1..=400).contains(&requests), "{name}: {row}");
        assert_eq!(
            row["validated"], requests,
            "{name}: every reply judged: {row}"
        );
    }

    // A baseline ten times faster than anything measured here: every row
    // regressed beyond the threshold.
    let mut baseline = report;
    for row in baseline["results"].as_array_mut().unwrap() {
        let eps = row["events-per-second"].as_f64().unwrap();
        row["events-per-second"] = serde_json::json!(eps * 10.0);
    }
    let baseline_path = out.join("baseline.json");
    std::fs::write(&baseline_path, baseline.to_string()).unwrap();
    let ran = codec_run(&["--baseline", path(&baseline_path), "--threshold", "50"]);
    assert_eq!(ran.code(), 6, "{}", ran.both());
    assert!(
        ran.stdout.contains("regress") || ran.stderr.contains("regress"),
        "{}",
        ran.both()
    );
}
