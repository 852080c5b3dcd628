//! The http-webhook suite's handshake-callback case: `run` offers a web
//! hook target a callback URL of its own and judges the call that grants
//! consent, against `serve --webhook --grant-by-callback` and against
//! scripted targets that withhold consent and then call back wrongly or
//! not at all.

use std::net::SocketAddr;
use std::sync::Arc;

use cespec::rules::Catalog;
use cespec::runner::{CaseResult, Status};
use cespec::server::callback::CallbackMethod;
use cespec::server::serve::{self, ServeConfig};
use cespec::suite::{Case, corpus};
use cespec::target::Target;
use cespec::target::http::HttpTarget;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::options;

const CASE: &str = "http-webhook/handshake-callback";

fn callback_case() -> Vec<Case> {
    let catalog = Catalog::embedded().unwrap();
    let cases: Vec<_> = corpus::load_embedded(catalog)
        .unwrap()
        .into_iter()
        .flat_map(|s| s.cases)
        .filter(|c| c.id == CASE)
        .collect();
    assert_eq!(cases.len(), 1);
    cases
}

/// A `receiver:` target at `url` declaring `webhook`.
fn webhook_receiver(url: &str) -> Arc<dyn Target> {
    let capabilities = ["http-binary", "webhook"]
        .map(str::to_owned)
        .into_iter()
        .collect();
    let options = cespec::target::http::HttpOptions {
        capabilities: Some(capabilities),
        ..options(5000)
    };
    Arc::new(HttpTarget::receiver(url, options).unwrap())
}

async fn run_case(url: &str) -> CaseResult {
    let results = super::hostile::run(callback_case(), "callback", webhook_receiver(url)).await;
    let [result] = <[CaseResult; 1]>::try_from(results).expect("one result");
    result
}

fn rules(result: &CaseResult) -> Vec<&str> {
    result.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The reference grants by calling back with either method, naming the
/// rate it grants (`*`, none having been asked): a pass, and the
/// transcript says how the call came.
#[tokio::test]
async fn the_reference_grants_by_calling_back_with_get_or_post() {
    for method in [CallbackMethod::Get, CallbackMethod::Post] {
        let server = serve::start(ServeConfig {
            webhook: true,
            grant_by_callback: Some(method),
            ..ServeConfig::default()
        })
        .await
        .unwrap();
        let result = run_case(&server.url()).await;
        assert_eq!(result.status, Status::Pass, "{result:?}");
        let transcript = result.transcript.expect("a transcript");
        let answer = transcript.response.expect("the answer");
        let answer = serde_json::to_string(&answer).unwrap();
        assert!(
            !answer.to_ascii_lowercase().contains("webhook-allowed"),
            "the answer withholds consent: {answer}"
        );
        assert_eq!(
            transcript.note.as_deref(),
            Some(
                format!(
                    "the target called back the callback URL: {} with WebHook-Allowed-Rate: *",
                    method.as_str()
                )
                .as_str()
            )
        );
        server.shutdown().await;
    }
}

/// How a scripted target calls back after answering a validation request
/// 200 with no consent in it.
#[derive(Clone, Copy)]
struct CallBack {
    method: &'static str,
    rate: Option<&'static str>,
    /// Call this path on the callback's host instead of the URL's own.
    path: Option<&'static str>,
}

/// Serves validation requests on loopback: each is answered 200 with
/// `Allow` and no `WebHook-Allowed-*` header, then the URL it offered is
/// called as `call` says, or not at all.
async fn withholding_target(call: Option<CallBack>) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let head = read_head(&mut stream).await;
            let offered = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("webhook-request-callback")
                        .then(|| value.trim().to_owned())
                })
                .unwrap_or_default();
            let answer = "HTTP/1.1 200 OK\r\nallow: POST, OPTIONS\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
            if let Some(call) = call {
                tokio::spawn(call_back(offered, call));
            }
        }
    });
    (addr, task)
}

async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

async fn call_back(url: String, call: CallBack) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, own_path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = call.path.unwrap_or(own_path);
    let rate = call
        .rate
        .map(|r| format!("WebHook-Allowed-Rate: {r}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{} {path} HTTP/1.1\r\nhost: {authority}\r\n{rate}content-length: 0\r\nconnection: close\r\n\r\n",
        call.method
    );
    let mut stream = TcpStream::connect(authority)
        .await
        .expect("the callback URL");
    stream.write_all(request.as_bytes()).await.unwrap();
    let _ = read_head(&mut stream).await;
}

/// A call that grants nothing the spec defines (PUT), one without the rate
/// and one with a rate that is no rate are each judged; a target that
/// never calls, or calls a URL it was not given, granted nothing.
#[tokio::test]
async fn a_callback_is_judged_by_its_method_and_rate() {
    let scripts = [
        (
            Some(CallBack {
                method: "PUT",
                rate: Some("60"),
                path: None,
            }),
            Status::Fail,
            vec!["HOOK-AP-5"],
        ),
        (
            Some(CallBack {
                method: "GET",
                rate: None,
                path: None,
            }),
            Status::Warn,
            vec!["HOOK-AP-9"],
        ),
        (
            Some(CallBack {
                method: "POST",
                rate: Some("0"),
                path: None,
            }),
            Status::Fail,
            vec!["HOOK-AP-8"],
        ),
        (
            Some(CallBack {
                method: "POST",
                rate: Some("120"),
                path: None,
            }),
            Status::Pass,
            vec![],
        ),
        (
            Some(CallBack {
                method: "GET",
                rate: Some("*"),
                path: Some("/callback/guessed"),
            }),
            Status::Warn,
            vec!["HOOK-AP-1"],
        ),
        (None, Status::Warn, vec!["HOOK-AP-1"]),
    ];
    for (call, status, expected) in scripts {
        let (addr, task) = withholding_target(call).await;
        let result = run_case(&format!("http://{addr}/")).await;
        assert_eq!(result.status, status, "{result:?}");
        assert_eq!(rules(&result), expected, "{result:?}");
        if let Some(CallBack {
            path: Some(path), ..
        }) = call
        {
            let message = &result.findings[0].message;
            assert!(
                message.contains(&format!("asked instead: GET {path}")),
                "{message}"
            );
        }
        if call.is_none() {
            let message = &result.findings[0].message;
            assert!(message.contains("did not call"), "{message}");
            assert_eq!(
                result.transcript.and_then(|t| t.note).as_deref(),
                Some("the target did not call back the callback URL")
            );
        }
        task.abort();
    }
}

/// The URL is served on loopback, so only a target there is offered one:
/// elsewhere the case is skipped, saying why.
#[tokio::test]
async fn a_target_off_loopback_is_offered_no_callback() {
    let target = webhook_receiver("http://192.0.2.1:9/");
    assert!(!target.capabilities().contains("callback"));
    assert!(
        webhook_receiver("http://localhost:9/")
            .capabilities()
            .contains("callback")
    );
    let results = super::hostile::run(callback_case(), "remote", target).await;
    let [result] = results.as_slice() else {
        panic!("{results:?}")
    };
    assert_eq!(result.status, Status::Skip);
    assert!(
        result.message.contains("needs callback") && result.message.contains("loopback only"),
        "{}",
        result.message
    );
}
