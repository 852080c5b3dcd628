//! `cespec serve`: the reference implementation as an HTTP echo target
//! (DESIGN.md §5). Each request is decoded with the strict reference codec;
//! a rejected input is answered 400 with the violated rules, one per line
//! (415 when its Content-Type names an event format other than JSON);
//! an accepted one is re-encoded in the mode `X-Echo-Mode` names (binary
//! by default) and answered 200. A batch input is always answered as a
//! batch, whatever mode is asked, because the other modes carry one event.
//!
//! The server's own limits (body size, header count and size, connections,
//! timeouts) live in [`Limits`]; bad input never earns a 5xx.
//!
//! With `webhook` set it is a web hook delivery target instead of an echo:
//! it grants the `OPTIONS` handshake and answers an accepted delivery 204
//! with nothing in it (HOOK-RSP-3), an invalid one 400, one in a format it
//! does not read 415 (HOOK-RSP-7); with a `token`, a delivery that does
//! not present it 401, one that presents it in the query with
//! `Cache-Control: private` (HOOK-AUTH-1, -5). It is the reference
//! for `receiver:` targets that declare the `webhook` capability (with
//! `grant_by_callback` it grants a handshake that offers a loopback
//! callback URL by calling it, as [`callback`] describes); an echo
//! could not be one, since an event whose data has no content type echoes
//! as a body without a Content-Type, which HOOK-RSP-2 rules out.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use super::callback::{self, CallbackMethod};
use super::{Handler, Limits, Reply, RunningServer};
use crate::codec::{self, Encoding};
use crate::error::ServerError;
use crate::rules::Violation;
use crate::target::http::ECHO_MODE_HEADER;
use crate::webhook;
use crate::wire::{HttpMessage, Message};

/// The longest rejection text sent back.
const MAX_REASON_BYTES: usize = 4096;

/// Where and how `cespec serve` listens.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Address to bind; the default `127.0.0.1:0` picks a free loopback port.
    pub addr: SocketAddr,
    pub limits: Limits,
    /// Be a web hook delivery target instead of an echo ([`crate::webhook`]):
    /// grant the `OPTIONS` handshake, answer an accepted delivery 204.
    pub webhook: bool,
    /// In web hook mode, the access token every delivery must present
    /// (HOOK-AUTH-1); one without it is answered 401.
    pub token: Option<String>,
    /// Serve HTTPS with this configuration (a certificate chain and key,
    /// [`crate::tls::server_config`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// In web hook mode, grant a handshake that offers a loopback callback
    /// URL by calling it with this method instead of in the answer.
    pub grant_by_callback: Option<CallbackMethod>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            limits: Limits::default(),
            webhook: false,
            token: None,
            tls: None,
            grant_by_callback: None,
        }
    }
}

/// Starts the reference echo server; it runs until shut down or dropped.
pub async fn start(config: ServeConfig) -> Result<RunningServer, ServerError> {
    let echoer = Echoer {
        webhook: config.webhook,
        token: config.token,
        grant_by_callback: config.grant_by_callback,
    };
    RunningServer::bind(config.addr, config.limits, Arc::new(echoer), config.tls).await
}

/// The reference implementation behind the echo server.
struct Echoer {
    webhook: bool,
    token: Option<String>,
    grant_by_callback: Option<CallbackMethod>,
}

impl Echoer {
    /// Answers a validation request: the grant in the answer or, with
    /// `grant_by_callback` and a loopback URL offered, no consent in the
    /// answer (HOOK-AP-6) and a call of that URL 100 ms later, naming the
    /// rate granted (the one asked, or `*`: HOOK-AP-9). How the call went
    /// is logged, since serve reports nothing else.
    fn validation(&self, request: &HttpMessage) -> Reply {
        let (_, mut reply, grant) = webhook::validate(request, None);
        let Some(method) = self.grant_by_callback else {
            return reply;
        };
        match (grant, callback::offer(request)) {
            (Some(grant), callback::Offer::Callback(url)) => {
                callback::withhold_consent(&mut reply.headers);
                let rate = grant
                    .rate
                    .map_or(callback::NamedRate::Any, callback::NamedRate::PerMinute);
                tokio::spawn(async move {
                    tokio::time::sleep(callback::CALLBACK_PAUSE).await;
                    let called = callback::call(&url, method, Some(rate), None).await;
                    if called.granted {
                        tracing::info!("{}", called.message);
                    } else {
                        tracing::warn!("{}", called.message);
                    }
                });
            }
            (_, callback::Offer::NotCalled(why)) => {
                tracing::info!("granted in the answer: {why}");
            }
            _ => {}
        }
        reply
    }
}

impl Handler for Echoer {
    /// A client that cannot get through the TLS handshake hears only an
    /// alert; whoever runs `serve` is told why, as a warning on stderr.
    fn handshake_failed(&self, peer: std::net::SocketAddr, reason: String) {
        tracing::warn!("the TLS handshake with {peer} failed: {reason}");
    }

    fn handle(&self, request: HttpMessage, _received: Instant) -> Reply {
        if !self.webhook {
            return echo(request);
        }
        if webhook::is_validation(&request) {
            return self.validation(&request);
        }
        // Either way of presenting the token will do (HOOK-AUTH-1); no
        // shared cache is to keep an answer to a URL holding one (-5).
        let private = match &self.token {
            None => false,
            Some(token) => match webhook::presented_token(&request, token) {
                webhook::Presented::InHeader => false,
                webhook::Presented::InQuery => true,
                webhook::Presented::Refused(why) => return webhook::unauthorized(&request, &why),
            },
        };
        // A delivery target returns nothing: processed, no payload, so 204
        // (HOOK-RSP-3), or 4xx with the violated rules.
        match codec::http::decode_owned(request) {
            Ok(_) => Reply {
                status: 204,
                headers: private
                    .then(|| ("cache-control".to_owned(), b"private".to_vec()))
                    .into_iter()
                    .collect(),
                body: Vec::new(),
            },
            Err(violations) => refusal(&violations),
        }
    }
}

/// Returns the reference's answer to one echo request. The request is
/// consumed: a binary-mode body moves into the event and, for a binary
/// reply, on into the reply without being copied.
pub(crate) fn echo(request: HttpMessage) -> Reply {
    let asked = match request.header_values(ECHO_MODE_HEADER).next() {
        None => Encoding::HttpBinary,
        Some(v) => match v.to_ascii_lowercase().as_slice() {
            b"binary" => Encoding::HttpBinary,
            b"structured" => Encoding::HttpStructured,
            b"batch" => Encoding::HttpBatch,
            _ => return Reply::text(400, "X-Echo-Mode must be binary, structured or batch\n"),
        },
    };
    let decoded = match codec::http::decode_owned(request) {
        Ok(d) => d,
        Err(violations) => return refusal(&violations),
    };
    let encoding = if decoded.encoding == Encoding::HttpBatch {
        Encoding::HttpBatch
    } else {
        asked
    };
    match codec::encode_owned(decoded.events, encoding) {
        Ok(Message::Http(reply)) => Reply {
            status: 200,
            headers: reply.headers,
            body: reply.body,
        },
        // The reference encodes every decoded event in every HTTP mode;
        // reaching these arms is a bug in cespec, not bad input.
        Ok(other) => Reply::text(
            500,
            format!(
                "internal error: {encoding} produced a {} message\n",
                other.binding()
            ),
        ),
        Err(e) => Reply::text(500, format!("internal error: {e}\n")),
    }
}

/// Returns the answer that refuses a request the reference decoder
/// refused with `violations`: 415 (Unsupported Media Type, RFC 9110
/// §15.5.16) when its Content-Type names an event format the reference
/// does not read, which the Web Hook spec requires of a delivery target
/// (HOOK-RSP-7) and which tells any client what is wrong; 400 for anything
/// else. The violations say which, so an accepted request costs nothing.
fn refusal(violations: &[Violation]) -> Reply {
    let status = if codec::http::refused_for_format(violations) {
        415
    } else {
        400
    };
    Reply::text(status, rejection(violations))
}

/// Returns the rejection text: the violations that reject first, one per line.
pub(crate) fn rejection(violations: &[Violation]) -> String {
    let mut sorted: Vec<&Violation> = violations.iter().collect();
    sorted.sort_by_key(|v| !v.is_error());
    let mut text = String::new();
    for v in sorted {
        let line = format!("{v}\n");
        if text.len() + line.len() > MAX_REASON_BYTES {
            text.push_str("…\n");
            break;
        }
        text.push_str(&line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(extra: &[(&str, &str)]) -> HttpMessage {
        let mut headers: Vec<(String, Vec<u8>)> = [
            ("ce-specversion", "1.0"),
            ("ce-id", "1"),
            ("ce-source", "/s"),
            ("ce-type", "t.x"),
        ]
        .iter()
        .chain(extra)
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
        headers.push(("content-type".into(), b"text/plain".to_vec()));
        HttpMessage::post(headers, b"hi".to_vec())
    }

    #[test]
    fn echoes_in_the_mode_asked() {
        let r = echo(binary(&[]));
        assert_eq!(r.status, 200);
        assert!(r.headers.iter().any(|(n, v)| n == "ce-id" && v == b"1"));
        assert_eq!(r.body, b"hi");
        let r = echo(binary(&[("X-Echo-Mode", "Structured")]));
        assert_eq!(r.status, 200);
        assert!(r.headers.contains(&(
            "content-type".into(),
            b"application/cloudevents+json".to_vec()
        )));
        let r = echo(binary(&[("x-echo-mode", "batch")]));
        assert!(r.body.starts_with(b"["));
        assert_eq!(echo(binary(&[("x-echo-mode", "kafka")])).status, 400);
    }

    #[test]
    fn a_batch_is_answered_as_a_batch() {
        let body = br#"[{"specversion":"1.0","id":"1","source":"/s","type":"t"},{"specversion":"1.0","id":"2","source":"/s","type":"t"}]"#;
        let mut m = HttpMessage::post(
            vec![(
                "content-type".into(),
                b"application/cloudevents-batch+json".to_vec(),
            )],
            body.to_vec(),
        );
        m.headers.push(("x-echo-mode".into(), b"binary".to_vec()));
        let r = echo(m);
        assert_eq!(r.status, 200);
        assert!(r.headers.contains(&(
            "content-type".into(),
            b"application/cloudevents-batch+json".to_vec()
        )));
    }

    #[test]
    fn rejects_with_the_rules() {
        let mut m = binary(&[]);
        m.headers.retain(|(n, _)| n != "ce-id");
        let r = echo(m);
        assert_eq!(r.status, 400);
        let text = String::from_utf8(r.body).unwrap();
        assert!(text.contains("[MUST]"), "{text}");
    }

    #[test]
    fn a_format_the_reference_does_not_read_is_refused_with_415() {
        let avro = || {
            HttpMessage::post(
                vec![(
                    "content-type".into(),
                    b"application/cloudevents+avro".to_vec(),
                )],
                b"Obj\x01".to_vec(),
            )
        };
        let r = echo(avro());
        assert_eq!(r.status, 415);
        assert!(String::from_utf8_lossy(&r.body).contains("HTTP-MODE-4"));
        let delivery_target = Echoer {
            webhook: true,
            token: None,
            grant_by_callback: None,
        };
        assert_eq!(delivery_target.handle(avro(), Instant::now()).status, 415);
        let mut broken = binary(&[]);
        broken.headers.retain(|(n, _)| n != "ce-id");
        assert_eq!(delivery_target.handle(broken, Instant::now()).status, 400);
    }

    #[test]
    fn a_delivery_target_with_a_token_takes_it_either_way() {
        let target = Echoer {
            webhook: true,
            token: Some("t0k+/=".into()),
            grant_by_callback: None,
        };
        let deliver = |path: &str, headers: &[(&str, &str)]| {
            let mut request = binary(headers);
            request.path = path.into();
            let reply = target.handle(request, Instant::now());
            let header = |name: &str| reply.header(name).map(str::to_owned);
            (
                reply.status,
                header("cache-control"),
                header("www-authenticate"),
            )
        };
        assert_eq!(
            deliver("/hook", &[("Authorization", "bearer t0k+/=")]),
            (204, None, None)
        );
        // In the query, escaped or not, and answered privately.
        for path in [
            "/hook?access_token=t0k%2B%2F%3D",
            "/hook?p=q&access_token=t0k+/=",
        ] {
            assert_eq!(
                deliver(path, &[]),
                (204, Some("private".into()), None),
                "{path}"
            );
        }
        let challenge = Some("Bearer realm=\"cespec\"".to_owned());
        assert_eq!(deliver("/hook", &[]), (401, None, challenge));
        let invalid = Some("Bearer realm=\"cespec\", error=\"invalid_token\"".to_owned());
        for (path, headers) in [
            ("/hook", &[("Authorization", "Bearer other")][..]),
            ("/hook", &[("Authorization", "Basic t0k+/=")][..]),
            ("/hook?access_token=other", &[][..]),
        ] {
            assert_eq!(
                deliver(path, headers),
                (401, None, invalid.clone()),
                "{headers:?}"
            );
        }
        // The handshake needs no token (it is no delivery).
        let mut options = binary(&[("WebHook-Request-Origin", "sender.example.com")]);
        options.method = "OPTIONS".into();
        assert_eq!(target.handle(options, Instant::now()).status, 200);
    }
}
