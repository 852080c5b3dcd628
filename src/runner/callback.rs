//! The callback URL `run` offers a web hook target in the handshake (Web
//! Hook §4.1.3), and what came to it.
//!
//! A case that writes [`CALLBACK_PLACEHOLDER`] as the value of its
//! `WebHook-Request-Callback` header requires the [`CALLBACK`] capability,
//! which an HTTP target declaring `webhook` has when it is on loopback:
//! cespec serves the URL on 127.0.0.1, which only a target on this machine
//! can reach (cespec talks to loopback alone). For such a case the runner
//! serves a fresh URL, `http://127.0.0.1:PORT/callback/SECRET` (an
//! identifier and a secret no one else can guess, as §4.1.3 advises), sends
//! the validation request with it in place of the placeholder, and, when
//! the answer withholds consent (neither `WebHook-Allowed-*` header, which
//! is how a target that grants by callback answers, HOOK-AP-6), waits for
//! the target to call it: at most [`CALLBACK_WAIT`], and never past the
//! case's `--timeout`. The URL answers GET and POST 200 (HOOK-AP-5 asks
//! both of it) and any other method 405; the first call is what the judge
//! sees ([`crate::webhook::handshake_findings`]). A request for another
//! path is answered 404 and named in the result, since a target that
//! calls a URL it was not given grants nothing. Reports show the header
//! as the case wrote it, the placeholder, as they do a token.
//!
//! The URL is plain `http://`: the spec speaks of an HTTPS callback, and a
//! target that calls only `https://` URLs is told, in the warning that it
//! granted nothing, that this one is not.

use std::hash::{BuildHasher, RandomState};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::codec::Encoding;
use crate::server::{Handler, Limits, Reply, RunningServer};
use crate::suite::Case;
use crate::target::{Echo, Target, echo_case};
use crate::webhook::REQUEST_CALLBACK_HEADER;
use crate::wire::{HttpMessage, Message};

pub use crate::webhook::{CALLBACK, CALLBACK_PLACEHOLDER};

/// How long a target that withheld consent from its answer gets to call
/// the callback URL back (within the case's `--timeout`, whichever ends
/// first). The reference calls back 100 ms after it answers.
pub const CALLBACK_WAIT: Duration = Duration::from_secs(3);

/// What came of the callback URL a validation request offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// The target called the URL: its request, and how long after its
    /// answer it came.
    Called {
        request: HttpMessage,
        after: Duration,
    },
    /// Nothing called the URL within `waited`; `strays` are the requests
    /// (`METHOD path`) that came to the server for other paths.
    NotCalled {
        waited: Duration,
        strays: Vec<String>,
    },
}

/// Whether `input` offers the placeholder callback URL, which only the
/// runner can fill in.
pub fn offers_callback(input: &Message) -> bool {
    match input {
        Message::Http(m) => m
            .header_values(REQUEST_CALLBACK_HEADER)
            .any(|v| v == CALLBACK_PLACEHOLDER.as_bytes()),
        _ => false,
    }
}

/// Echoes `case` to `target` with a callback URL of its own in place of
/// the placeholder, then waits, if the answer withheld consent, for the
/// target to call it, until `deadline` at the latest. `None` beside the
/// echo when nothing was awaited: the answer granted or refused outright,
/// or the exchange broke.
pub async fn echo_offering_callback(
    target: &dyn Target,
    case: &Case,
    reply: Encoding,
    deadline: Instant,
) -> (Echo, Option<CallbackOutcome>) {
    let mut offered = match Offered::open().await {
        Ok(offered) => offered,
        Err(e) => {
            return (
                Echo::broken(format!("cannot serve a callback URL on loopback: {e}")),
                None,
            );
        }
    };
    let mut input = case.input.clone();
    if let Message::Http(m) = &mut input {
        for (name, value) in &mut m.headers {
            if name.eq_ignore_ascii_case(REQUEST_CALLBACK_HEADER)
                && value == CALLBACK_PLACEHOLDER.as_bytes()
            {
                *value = offered.url.clone().into_bytes();
            }
        }
    }
    let echo = match &case.raw {
        // A raw case sends its bytes as written: there is nothing to fill in.
        Some(_) => echo_case(target, case, reply).await,
        None => target.echo(&input, reply).await,
    };
    let outcome = match &echo {
        Echo::Accepted(Message::Http(answer)) if withholds_consent(answer) => {
            let until = deadline.min(Instant::now() + CALLBACK_WAIT);
            Some(offered.called(until).await)
        }
        _ => None,
    };
    offered.server.shutdown().await;
    (echo, outcome)
}

/// Whether an answer to a validation request carries neither
/// `WebHook-Allowed-*` header: no consent in it, the callback way.
fn withholds_consent(answer: &HttpMessage) -> bool {
    answer
        .header_values("webhook-allowed-origin")
        .chain(answer.header_values("webhook-allowed-rate"))
        .next()
        .is_none()
}

/// A callback URL being served.
struct Offered {
    server: RunningServer,
    url: String,
    called: oneshot::Receiver<HttpMessage>,
    handler: Arc<Recorder>,
}

impl Offered {
    async fn open() -> Result<Self, crate::error::ServerError> {
        let secret = secret();
        let path = format!("/callback/{secret}");
        let (tx, called) = oneshot::channel();
        let handler = Arc::new(Recorder {
            path: path.clone(),
            first: Mutex::new(Some(tx)),
            strays: Mutex::new(Vec::new()),
        });
        let limits = Limits {
            max_connections: 8,
            request_timeout: Duration::from_secs(2),
            ..Limits::default()
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let server = RunningServer::bind(addr, limits, handler.clone(), None).await?;
        let url = format!("http://{}{path}", server.addr());
        Ok(Self {
            server,
            url,
            called,
            handler,
        })
    }

    /// Waits until `until` for the first call of the URL (a call that
    /// came before is there already).
    async fn called(&mut self, until: Instant) -> CallbackOutcome {
        let answered = Instant::now();
        let wait = until.saturating_duration_since(answered);
        match tokio::time::timeout(wait, &mut self.called).await {
            Ok(Ok(request)) => CallbackOutcome::Called {
                request,
                after: answered.elapsed(),
            },
            _ => CallbackOutcome::NotCalled {
                waited: answered.elapsed(),
                strays: self
                    .handler
                    .strays
                    .lock()
                    .map(|s| s.clone())
                    .unwrap_or_default(),
            },
        }
    }
}

/// The callback URL's server: it keeps the first request for its path.
struct Recorder {
    path: String,
    first: Mutex<Option<oneshot::Sender<HttpMessage>>>,
    strays: Mutex<Vec<String>>,
}

impl Handler for Recorder {
    fn handle(&self, request: HttpMessage, _received: Instant) -> Reply {
        if request.path != self.path {
            if let Ok(mut strays) = self.strays.lock() {
                strays.push(format!("{} {}", request.method, request.path));
            }
            return Reply::text(404, "no such callback here\n");
        }
        let reply = match request.method.as_str() {
            "GET" | "POST" => Reply::text(200, "consent noted\n"),
            _ => {
                let mut reply = Reply::text(405, "a callback is called with GET or POST\n");
                reply.headers.push(("allow".into(), b"GET, POST".to_vec()));
                reply
            }
        };
        if let Some(first) = self.first.lock().ok().and_then(|mut f| f.take()) {
            let _ = first.send(request);
        }
        reply
    }
}

/// 128 bits no one else can guess, in hex: the time hashed by two
/// `RandomState`s, whose keys the standard library draws from the
/// operating system's randomness (once a thread, then varied per state).
fn secret() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let half = || RandomState::new().hash_one(nanos);
    format!("{:016x}{:016x}", half(), half())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validation(callback: &str) -> Message {
        Message::Http(HttpMessage {
            method: "OPTIONS".into(),
            path: "/".into(),
            status: 0,
            headers: vec![
                (
                    "WebHook-Request-Origin".into(),
                    b"sender.example.com".to_vec(),
                ),
                (
                    "WebHook-Request-Callback".into(),
                    callback.as_bytes().to_vec(),
                ),
            ],
            body: Vec::new(),
        })
    }

    #[test]
    fn only_the_placeholder_is_an_offer_the_runner_fills_in() {
        assert!(offers_callback(&validation("{callback}")));
        assert!(!offers_callback(&validation("http://127.0.0.1:9/cb")));
    }

    #[test]
    fn every_url_has_its_own_secret() {
        let (a, b) = (secret(), secret());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    /// Sends a bare `method` request to `url` and returns the status.
    async fn call(url: &str, method: &str) -> u16 {
        let options = crate::target::http::HttpOptions::default();
        let client = crate::target::http::HttpTarget::receiver(url, options).expect("client");
        let request = HttpMessage {
            method: method.into(),
            ..HttpMessage::default()
        };
        client.send(&request).await.expect("answered").status
    }

    /// The server's own address, without the callback's path.
    fn base(offered: &Offered) -> String {
        let (base, _) = offered.url.rsplit_once("/callback/").expect("path");
        base.to_owned()
    }

    #[tokio::test]
    async fn the_url_takes_get_and_post_keeps_the_first_and_names_strays() {
        let mut offered = Offered::open().await.expect("serves");
        assert!(offered.url.starts_with("http://127.0.0.1:"));
        assert_eq!(
            call(&format!("{}/elsewhere", base(&offered)), "GET").await,
            404
        );
        assert_eq!(call(&offered.url, "PUT").await, 405);
        assert_eq!(call(&offered.url, "POST").await, 200);
        let outcome = offered
            .called(Instant::now() + Duration::from_secs(1))
            .await;
        let CallbackOutcome::Called { request, .. } = outcome else {
            panic!("the first call is kept: {outcome:?}");
        };
        assert_eq!(request.method, "PUT");
        offered.server.shutdown().await;
    }

    #[tokio::test]
    async fn no_call_is_told_with_the_strays() {
        let mut offered = Offered::open().await.expect("serves");
        assert_eq!(call(&format!("{}/guess", base(&offered)), "GET").await, 404);
        let outcome = offered
            .called(Instant::now() + Duration::from_millis(50))
            .await;
        let CallbackOutcome::NotCalled { strays, .. } = outcome else {
            panic!("nothing called the URL: {outcome:?}");
        };
        assert_eq!(strays, ["GET /guess"]);
        offered.server.shutdown().await;
    }
}
