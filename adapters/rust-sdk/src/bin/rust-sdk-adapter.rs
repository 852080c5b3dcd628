//! cespec adapter for the Rust CloudEvents SDK (`cloudevents-sdk` 0.9.0).
//!
//! ```text
//! rust-sdk-adapter serve [--port N] [--verbose]   HTTP echo server on 127.0.0.1 (axum 0.8)
//! rust-sdk-adapter stdio                          JSON-lines child-process protocol
//! ```
//!
//! Both speak cespec's echo semantic (DESIGN.md §5). `serve` hands each
//! request to the SDK's own axum extractor (`impl FromRequest for Event`)
//! and answers binary replies with the SDK's `impl IntoResponse for Event`;
//! `stdio` calls the same SDK functions through the adapter library.
//! See README.md for the status codes and exit statuses.

use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use cespec::codec::Encoding;
use cespec::target::Implementation;
use cespec::target::stdio::protocol::{
    EchoResponse, PROTOCOL_VERSION, Request as StdioRequest, Stage, Started, wire_spec,
};
use cespec::wire::Message;
use cespec_adapter_rust_sdk::{CAPABILITIES, EncodeError, NAME, RustSdk, SDK_VERSION};
use cloudevents::Event;
use http::{HeaderValue, StatusCode, header};

/// stdio exit statuses when an echo cannot be answered at all.
const EXIT_PROTOCOL: u8 = 2; // the request could not be read
const EXIT_PANIC: u8 = 4; // the SDK (or the adapter) panicked

const USAGE: &str = "usage: rust-sdk-adapter serve [--port N] [--verbose] | rust-sdk-adapter stdio";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => {
            let mut port: u16 = 0;
            let mut verbose = false;
            let mut rest = args[1..].iter();
            while let Some(a) = rest.next() {
                match a.as_str() {
                    "--port" => match rest.next().and_then(|p| p.parse().ok()) {
                        Some(p) => port = p,
                        None => return usage("--port needs a number from 0 to 65535"),
                    },
                    "--verbose" => verbose = true,
                    other => return usage(&format!("unknown option {other:?}")),
                }
            }
            serve(port, verbose)
        }
        Some("stdio") if args.len() == 1 => stdio(),
        Some("--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage("give a mode: serve or stdio"),
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("rust-sdk-adapter: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// Returns the text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

// --- HTTP echo server --------------------------------------------------------

fn serve(port: u16, verbose: bool) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rust-sdk-adapter: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("rust-sdk-adapter: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        println!("listening on http://127.0.0.1:{port}");
        let _ = std::io::stdout().flush();
        eprintln!("{NAME} (cloudevents-sdk {SDK_VERSION}): HTTP echo server ready");
        let app = Router::new().fallback(move |req: Request| handle(req, verbose));
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rust-sdk-adapter: server error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn text(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

async fn handle(req: Request, verbose: bool) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    // Any method is an echo: events ride on any request method (HTTP-GEN-3),
    // and the SDK's extractor does not look at it.
    let mode = req
        .headers()
        .get("x-echo-mode")
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|| "binary".to_owned());
    // A spawned task turns a panic in the SDK into a JoinError instead of a
    // dropped connection.
    let response = match tokio::spawn(echo(req, mode)).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("panic: {}", panic_text(&*e.into_panic())),
        ),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("adapter error: {e}"),
        ),
    };
    if verbose {
        eprintln!("{method} {path} -> {}", response.status().as_u16());
    }
    response
}

async fn echo(req: Request, mode: String) -> Response {
    // The SDK's axum extractor: buffers the body, calls
    // binding::http::to_event, and answers 400 with its error text itself.
    let event = match Event::from_request(req, &()).await {
        Ok(event) => event,
        Err(rejection) => return rejection,
    };
    match mode.as_str() {
        // The SDK's axum responder (always binary; 500 with the error text
        // when its writer fails).
        "binary" => event.into_response(),
        "structured" => match cespec_adapter_rust_sdk::encode_structured(&event) {
            Ok(m) => {
                let mut response = Response::new(Body::from(m.body));
                for (name, value) in m.headers {
                    let (Ok(n), Ok(v)) = (
                        header::HeaderName::from_bytes(name.as_bytes()),
                        HeaderValue::from_bytes(&value),
                    ) else {
                        return text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("encode failed: the SDK set an unsendable header {name:?}"),
                        );
                    };
                    response.headers_mut().append(n, v);
                }
                response
            }
            Err(e) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("encode failed: {e}"),
            ),
        },
        "batch" => text(
            StatusCode::UNPROCESSABLE_ENTITY,
            EncodeError::Unsupported(cespec_adapter_rust_sdk::http_batch_gap()).to_string(),
        ),
        other => text(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unsupported: X-Echo-Mode {other}"),
        ),
    }
}

// --- child-process JSON-lines protocol ------------------------------------

fn stdio() -> ExitCode {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) => return ExitCode::SUCCESS,
            Ok(_) => {}
            Err(e) => {
                eprintln!("rust-sdk-adapter: cannot read stdin: {e}");
                return ExitCode::from(EXIT_PROTOCOL);
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let reply = match serde_json::from_slice::<StdioRequest>(&line) {
            Err(e) => {
                serde_json::json!({"ok": false, "error": format!("protocol: {e}")}).to_string()
            }
            Ok(StdioRequest::Stop) => return ExitCode::SUCCESS,
            Ok(StdioRequest::Start { protocol }) if protocol != PROTOCOL_VERSION => {
                eprintln!("rust-sdk-adapter: protocol {protocol} is not supported (1 is)");
                return ExitCode::from(EXIT_PROTOCOL);
            }
            Ok(StdioRequest::Start { .. }) => to_line(&Started {
                kind: "started".into(),
                name: NAME.into(),
                language: "rust".into(),
                version: SDK_VERSION.into(),
                capabilities: CAPABILITIES.iter().map(|c| (*c).to_owned()).collect(),
                protocol: Some(PROTOCOL_VERSION),
            }),
            Ok(StdioRequest::Echo {
                seq,
                message,
                reply,
            }) => {
                let message = match message.to_message(None) {
                    Ok(m) => m,
                    Err(e) => {
                        eprintln!("rust-sdk-adapter: protocol: echo {seq}: unusable message: {e}");
                        return ExitCode::from(EXIT_PROTOCOL);
                    }
                };
                match echo_once(&message, reply) {
                    Ok(response) => to_line(&EchoResponse { seq, ..response }),
                    Err(code) => return code,
                }
            }
        };
        if writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // The harness is gone.
            return ExitCode::from(1);
        }
    }
}

fn to_line<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("protocol types serialise")
}

/// Decodes and re-encodes one message; a writer failure is answered with
/// `stage: "encode"` (accepted, but not encodable: cespec records an
/// error). `Err` is the exit status for a panic (the reason is on stderr).
fn echo_once(message: &Message, reply: Encoding) -> Result<EchoResponse, ExitCode> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        RustSdk::default()
            .decode(message)
            .map(|events| cespec_adapter_rust_sdk::encode(&events, reply))
    }));
    let verdict = |ok: bool, message: Option<Message>, error: Option<String>| EchoResponse {
        seq: 0,
        ok,
        message: message.as_ref().map(wire_spec),
        error,
        stage: None,
    };
    match outcome {
        Err(payload) => {
            eprintln!(
                "rust-sdk-adapter: panic while echoing: {}",
                panic_text(&*payload)
            );
            Err(ExitCode::from(EXIT_PANIC))
        }
        Ok(Err(rejection)) => Ok(verdict(false, None, Some(rejection))),
        Ok(Ok(Ok(out))) => Ok(verdict(true, Some(out), None)),
        Ok(Ok(Err(e @ EncodeError::Unsupported(_)))) => {
            Ok(verdict(false, None, Some(e.to_string())))
        }
        Ok(Ok(Err(e @ EncodeError::Failed(_)))) => Ok(EchoResponse {
            stage: Some(Stage::Encode),
            ..verdict(false, None, Some(e.to_string()))
        }),
    }
}
