//! HTTP targets: an echo server (`http://host:port/path`, or `https://`
//! over TLS, see [`crate::tls`]) or a receiver
//! that is only judged by its status code (`receiver:http://...`).
//!
//! The client is hyper's HTTP/1.1 connection API over a TCP stream (TLS
//! over it for `https://`), with a small pool of idle keep-alive
//! connections. Header values go out
//! as raw bytes (obs-text included) and come back as raw bytes, repeated
//! headers kept; hyper lower-cases header names, which HTTP allows.
//! Every exchange is bounded by a timeout and the response by a size cap.
//! This module does not judge replies: it only maps the exchange onto
//! [`Echo`] (DESIGN.md §5).
//!
//! A 429 (Too Many Requests) is throttling, not a verdict on the message:
//! the request is sent again once the wait its `Retry-After` names is over,
//! up to [`MAX_THROTTLE_RETRIES`] times and never past the exchange's
//! timeout, and no other request goes to the target before then either (as
//! the Web Hook spec requires of a sender, HOOK-RSP-6). A 429 that outlasts
//! that breaks the exchange instead of counting as a refusal, so that a
//! throttling target passes no case it was never judged on.
//!
//! Inputs hyper refuses to write (a control byte in a header value, a bad
//! method) and fixtures written byte for byte or sent slowly go through
//! [`super::raw`] instead, on a fresh connection: the target sees exactly
//! the bytes, and the harness still never waits or reads without a bound.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::raw::{self, RawError};
use super::{BoxFuture, Breakage, Capabilities, Echo, ImplementationInfo, RAW_HTTP, Target};
use crate::codec::Encoding;
use crate::error::TargetError;
use crate::http1::fields;
use crate::wire::{Header, HttpMessage, Message, RawHttp};

/// The capability a receiver-only target declares: the judge checks its
/// status code and nothing of the (empty or arbitrary) reply.
pub const RECEIVER_ONLY: &str = "receiver-only";

/// The request header naming the reply mode of an echo.
pub const ECHO_MODE_HEADER: &str = "x-echo-mode";

/// Idle keep-alive connections kept per target.
const MAX_IDLE: usize = 32;

/// How much of an error body a rejection reason quotes.
const REASON_BYTES: usize = 200;

/// How many times a request answered 429 is sent again.
pub const MAX_THROTTLE_RETRIES: u32 = 3;

/// What the reason of a 429 says when the answer named no wait.
/// How the reason of an exchange starts when no connection could be made.
const CANNOT_CONNECT: &str = "cannot connect to ";

const NO_RETRY_AFTER: &str = "throttled, no usable Retry-After";

/// Settings of an HTTP target.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// The longest one exchange may take: connect, send, the whole response.
    pub timeout: Duration,
    /// The largest response body accepted; a larger one breaks the exchange.
    pub max_response_bytes: usize,
    /// Replaces the default capabilities (see [`default_capabilities`]).
    pub capabilities: Option<Capabilities>,
    /// Replaces the self-description (by default the name is the address).
    pub info: Option<ImplementationInfo>,
    /// Headers added to every request whose input lacks one of that name
    /// (`--header`): a key the target requires. A raw request gets them in
    /// the head cespec writes before its bytes.
    pub extra_headers: Vec<Header>,
    /// The target's access token (`--token`, checked by [`bearer_token`]):
    /// sent as `Authorization: Bearer` with every request, in place of the
    /// input's own Authorization header, or in the query where the input's
    /// path holds [`crate::webhook::TOKEN_PLACEHOLDER`].
    pub token: Option<String>,
    /// The TLS client an `https://` target is reached with (trusting the
    /// `--ca-cert` files besides the webpki roots); `None`: the webpki
    /// roots alone.
    pub tls_client: Option<std::sync::Arc<rustls::ClientConfig>>,
}

/// The largest reply body a target may send by default, in every front end
/// that reads one (HTTP and stdio targets, the load driver of `cespec bench`):
/// far above any suite's echo, and a bound on what a target can make cespec
/// buffer.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            capabilities: None,
            info: None,
            extra_headers: Vec::new(),
            token: None,
            tls_client: None,
        }
    }
}

/// Returns what an HTTP target is taken to support unless told otherwise:
/// the three content modes of the HTTP binding, spec 1.0 only, and inputs
/// written byte for byte ([`RAW_HTTP`], which cespec sends itself).
pub fn default_capabilities() -> Capabilities {
    [
        Encoding::HttpBinary,
        Encoding::HttpStructured,
        Encoding::HttpBatch,
    ]
    .iter()
    .map(|e| e.as_str().to_owned())
    .chain([RAW_HTTP.to_owned()])
    .collect()
}

/// A parsed `http://` URL: what a client needs to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// `host:port` as written, for the `Host` header.
    pub authority: String,
    /// The path (and query), `/` when absent.
    pub path: String,
    /// `https://`: the exchange goes over TLS.
    pub tls: bool,
}

impl HttpUrl {
    /// Parses `http://host[:port][/path]` or `https://...` (port 80 or 443
    /// when none is given).
    pub fn parse(url: &str) -> Result<Self, TargetError> {
        let bad = |message: &str| TargetError::Address {
            address: url.to_owned(),
            message: message.to_owned(),
        };
        let lower = url.to_ascii_lowercase();
        let tls = lower.starts_with("https://");
        if !tls && !lower.starts_with("http://") {
            return Err(bad("expected an http:// or https:// URL"));
        }
        let rest = &url[if tls { "https://" } else { "http://" }.len()..];
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.contains('@') {
            return Err(bad("credentials in the URL are not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let close = v6.find(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            (&v6[..close], v6[close + 1..].strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("the URL has no host"));
        }
        let port = match port {
            None if tls => 443,
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        };
        let path = match path {
            "" => "/".to_owned(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_owned(),
        };
        Ok(Self {
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            path,
            tls,
        })
    }

    /// Whether the host is a loopback address (or `localhost`): one on
    /// this machine.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Returns the request target for an input whose own path is `input`:
    /// the input's path is appended to the URL's path (`/` adds nothing).
    pub fn join(&self, input: &str) -> String {
        if input.is_empty() || input == "/" {
            self.path.clone()
        } else if let Some(query) = input.strip_prefix('?') {
            // The input's query parameters join the URL's own.
            let sep = if self.path.contains('?') { '&' } else { '?' };
            format!("{}{sep}{query}", self.path)
        } else if self.path == "/" {
            input.to_owned()
        } else {
            let sep = if input.starts_with('/') || input.starts_with('?') {
                ""
            } else {
                "/"
            };
            format!("{}{sep}{input}", self.path.trim_end_matches('/'))
        }
    }
}

/// An echo or receiver-only target reached over HTTP/1.1.
pub struct HttpTarget {
    url: HttpUrl,
    address: String,
    receiver: bool,
    options: HttpOptions,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
    /// For an `https://` target: the TLS client, verifying its certificate.
    tls: Option<tokio_rustls::TlsConnector>,
    /// Until when the target asked, with a 429, to be sent nothing: every
    /// exchange waits it out, not only the one that was told.
    quiet_until: Mutex<Option<tokio::time::Instant>>,
}

/// A finished exchange: status, headers and body of the response.
struct Response {
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
}

impl HttpTarget {
    /// Returns an echo target for `url` (`http://host:port/path`, or
    /// `https://...`, whose certificate must chain to the webpki roots or
    /// to what `options.tls_client` trusts).
    pub fn new(url: &str, options: HttpOptions) -> Result<Self, TargetError> {
        let url_parsed = HttpUrl::parse(url)?;
        let tls = if url_parsed.tls {
            let config = match &options.tls_client {
                Some(config) => config.clone(),
                None => crate::tls::client_config(&[], None)?,
            };
            Some(tokio_rustls::TlsConnector::from(config))
        } else {
            None
        };
        Ok(Self {
            url: url_parsed,
            address: url.to_owned(),
            receiver: false,
            options,
            idle: Mutex::new(Vec::new()),
            tls,
            quiet_until: Mutex::new(None),
        })
    }

    /// Connects once (and, over TLS, shakes hands, so that a certificate
    /// that does not verify is found here): `Err` with the reason when the
    /// target cannot be reached, which makes it unavailable from the start.
    ///
    /// A target that asks for a client certificate (mutual TLS) is given a
    /// moment after the handshake to refuse the one it was shown, or the
    /// lack of one: over TLS 1.3 that refusal comes only then.
    pub async fn reachable(&self) -> Result<(), String> {
        let timeout = self.options.timeout;
        let probe = async {
            let tcp = self.connect_tcp().await.map_err(|f| f.reason)?;
            match &self.tls {
                Some(connector) => tls_probe(tcp, connector, &self.url, timeout / 2).await,
                None => Ok(()),
            }
        };
        match tokio::time::timeout(timeout, probe).await {
            Ok(result) => result,
            Err(_) => Err(format!("no connection within {} ms", timeout.as_millis())),
        }
    }

    /// Opens a TCP connection to the target.
    async fn connect_tcp(&self) -> Result<TcpStream, Failure> {
        TcpStream::connect((self.url.host.as_str(), self.url.port))
            .await
            .map_err(|e| Failure::unsent(format!("{CANNOT_CONNECT}{}: {e}", self.url.authority)))
    }

    /// Opens a connection to the target: TCP, then TLS for `https://`.
    /// Nothing of an input has gone out if it fails.
    async fn open_stream(&self) -> Result<Stream, Failure> {
        let tcp = self.connect_tcp().await?;
        over(tcp, self.tls.as_ref().map(|c| (c, &self.url)))
            .await
            .map_err(Failure::unsent)
    }

    /// Waits until the quiet a 429 asked for is over; `Err` with the
    /// reason when it lasts past `deadline`.
    async fn keep_quiet(&self, deadline: tokio::time::Instant) -> Result<(), Echo> {
        let until = *self.quiet();
        match until {
            Some(until) if until >= deadline => Err(Echo::broken(format!(
                "throttled: the target asked, with a 429, to be sent nothing for another {} ms, past this exchange's timeout",
                until
                    .saturating_duration_since(tokio::time::Instant::now())
                    .as_millis()
            ))),
            Some(until) => {
                tokio::time::sleep_until(until).await;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Returns the request target for an input whose path is `path` (see
    /// [`HttpUrl::join`]), with the access token, percent-encoded, in place
    /// of [`crate::webhook::TOKEN_PLACEHOLDER`]; and whether it was put
    /// there. Without a token the placeholder stays (such a case needs the
    /// `token` capability, which only a token gives).
    fn request_target(&self, path: &str) -> (String, bool) {
        let target = self.url.join(path);
        match &self.options.token {
            Some(token) if target.contains(crate::webhook::TOKEN_PLACEHOLDER) => {
                let encoded = percent_encoding::utf8_percent_encode(token, QUERY_VALUE).to_string();
                (
                    target.replace(crate::webhook::TOKEN_PLACEHOLDER, &encoded),
                    true,
                )
            }
            _ => (target, false),
        }
    }

    /// Whether the token's Authorization header replaces an input's own.
    fn replaces_authorization(&self, token_in_query: bool) -> bool {
        self.options.token.is_some() && !token_in_query
    }

    /// Records a 429's wait for every exchange with the target.
    fn hold_off(&self, wait: Duration) {
        let Some(until) = tokio::time::Instant::now().checked_add(wait) else {
            return;
        };
        let mut quiet = self.quiet();
        *quiet = Some(quiet.map_or(until, |before| before.max(until)));
    }

    /// The quiet a 429 asked for; a panic elsewhere cannot spoil an instant.
    fn quiet(&self) -> std::sync::MutexGuard<'_, Option<tokio::time::Instant>> {
        self.quiet_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Returns a receiver-only target for `url`: inputs are posted as they
    /// are, without `X-Echo-Mode`, and only the status code is judged. Its
    /// capabilities include [`RECEIVER_ONLY`].
    pub fn receiver(url: &str, options: HttpOptions) -> Result<Self, TargetError> {
        Ok(Self {
            receiver: true,
            ..Self::new(url, options)?
        })
    }

    /// Returns the URL the target was opened with.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends `message` as it is (its method, its path joined to the
    /// URL's, no `X-Echo-Mode`; the options' credentials added) and returns
    /// the response, whatever its status, for a caller that reads the
    /// status itself where an echo would classify it (the Web Hook
    /// callback grant). `Err` with the reason when no complete response
    /// comes within the timeout.
    pub async fn send(&self, message: &HttpMessage) -> Result<HttpMessage, String> {
        let request = self.request(message, None)?;
        let timeout = self.options.timeout;
        let response = tokio::time::timeout(timeout, self.exchange(message, None, request))
            .await
            .map_err(|_| format!("no complete response within {} ms", timeout.as_millis()))?
            .map_err(|f| f.reason)?;
        Ok(HttpMessage {
            method: String::new(),
            path: String::new(),
            status: response.status,
            headers: response.headers,
            body: response.body,
        })
    }

    /// Returns true if and only if the target is receiver-only.
    pub fn is_receiver(&self) -> bool {
        self.receiver
    }

    /// Returns the `X-Echo-Mode` to ask for `reply` (none for a receiver).
    fn mode(&self, reply: Encoding) -> Result<Option<&'static str>, Echo> {
        match (self.receiver, reply) {
            (true, _) => Ok(None),
            (false, Encoding::HttpBinary) => Ok(Some("binary")),
            (false, Encoding::HttpStructured) => Ok(Some("structured")),
            (false, Encoding::HttpBatch) => Ok(Some("batch")),
            (false, other) => Err(Echo::broken(format!(
                "an HTTP target replies in http-binary, http-structured or http-batch, not {other}"
            ))),
        }
    }

    async fn echo_http(&self, input: &HttpMessage, reply: Encoding) -> Echo {
        let mode = match self.mode(reply) {
            Ok(mode) => mode,
            Err(echo) => return echo,
        };
        let request = match self.request(input, mode) {
            Ok(request) => request,
            // hyper will not write it; the target still gets exactly these bytes.
            Err(_) => {
                let raw = RawHttp {
                    bytes: fields(input),
                    pace: None,
                    shutdown: false,
                    malformed: None,
                };
                return self.echo_raw_http(input, &raw, mode).await;
            }
        };
        let timeout = self.options.timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut request = request;
        let mut throttled = 0;
        loop {
            if let Err(broken) = self.keep_quiet(deadline).await {
                return broken;
            }
            let exchange = self.exchange(input, mode, request);
            let response = match tokio::time::timeout_at(deadline, exchange).await {
                Err(_) => {
                    return Echo::broken(format!(
                        "no complete response within {} ms",
                        timeout.as_millis()
                    ));
                }
                Ok(Err(failure)) => return failure.into_echo(),
                Ok(Ok(r)) => r,
            };
            let named = named_wait(&response);
            if let Some(wait) = named {
                self.hold_off(wait);
            }
            let wait = named
                .filter(|_| throttled < MAX_THROTTLE_RETRIES)
                .filter(|wait| {
                    let now = tokio::time::Instant::now();
                    now.checked_add(*wait).is_some_and(|done| done < deadline)
                });
            // The same input was written once, so it is written again.
            match (wait, self.request(input, mode)) {
                (Some(wait), Ok(again)) => {
                    throttled += 1;
                    tokio::time::sleep(wait).await;
                    request = again;
                }
                _ => return classify_waited(response, named),
            }
        }
    }

    /// Sends `raw` after the request line and the harness's headers on a
    /// fresh connection, under the same timeout and size cap.
    async fn echo_raw_http(
        &self,
        input: &HttpMessage,
        raw: &RawHttp,
        mode: Option<&'static str>,
    ) -> Echo {
        let (target, token_in_query) = self.request_target(&input.path);
        let head = raw::head(
            &input.method,
            &target,
            &self.url.authority,
            mode,
            &added_headers(&self.options, input, token_in_query, true),
        );
        let timeout = self.options.timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        if let Err(broken) = self.keep_quiet(deadline).await {
            return broken;
        }
        let too_late = || {
            Echo::broken(format!(
                "no complete response within {} ms",
                timeout.as_millis()
            ))
        };
        // A fresh connection (TLS too, for https://), never a pooled one:
        // the raw bytes may leave it in any state.
        let stream = match tokio::time::timeout_at(deadline, self.open_stream()).await {
            Err(_) => return too_late(),
            Ok(Err(failure)) => return failure.into_echo(),
            Ok(Ok(stream)) => stream,
        };
        let exchange = raw::exchange(stream, &head, raw, self.options.max_response_bytes);
        match tokio::time::timeout_at(deadline, exchange).await {
            Err(_) => too_late(),
            Ok(Err(RawError::ClosedAfterShutdown)) => Echo::rejected(
                "closed the connection without a response to a request cut short".to_owned(),
            ),
            Ok(Err(RawError::ClosedWhileSlow)) => Echo::rejected(
                "closed the connection without a response while the request was still being sent slowly"
                    .to_owned(),
            ),
            Ok(Err(RawError::Broken(reason))) => Echo::broken(reason),
            Ok(Ok(m)) => classify(Response {
                status: m.status,
                headers: m.headers,
                body: m.body,
            }),
        }
    }

    /// Builds the request: the input's method, headers and body, its path
    /// appended to the URL's; framing headers are hyper's to write.
    fn request(
        &self,
        input: &HttpMessage,
        mode: Option<&'static str>,
    ) -> Result<hyper::Request<Full<Bytes>>, String> {
        let method = if input.method.is_empty() {
            "POST"
        } else {
            input.method.as_str()
        };
        let method = hyper::Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("input cannot be sent over HTTP/1.1: bad method {method:?}"))?;
        let (target, token_in_query) = self.request_target(&input.path);
        let mut builder = hyper::Request::builder().method(method).uri(target);
        let headers = builder.headers_mut().ok_or_else(|| {
            format!(
                "input cannot be sent over HTTP/1.1: bad path {:?}",
                input.path
            )
        })?;
        let host = HeaderValue::from_str(&self.url.authority)
            .map_err(|_| format!("bad host {:?}", self.url.authority))?;
        headers.append(hyper::header::HOST, host);
        let replaced = self.replaces_authorization(token_in_query);
        for (name, value) in &input.headers {
            if HARNESS_WRITES.iter().any(|s| name.eq_ignore_ascii_case(s))
                || (replaced && name.eq_ignore_ascii_case("authorization"))
            {
                continue;
            }
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                format!("input cannot be sent over HTTP/1.1: bad header name {name:?}")
            })?;
            let v = HeaderValue::from_bytes(value).map_err(|_| {
                format!("input cannot be sent over HTTP/1.1: header {name} holds a control byte")
            })?;
            // hyper's header map holds at most 32,768 entries and panics
            // past them; such an input goes out raw instead.
            headers.try_append(n, v).map_err(|_| {
                "input cannot be sent by hyper: more headers than its header map holds".to_owned()
            })?;
        }
        for (name, value) in added_headers(&self.options, input, token_in_query, false) {
            // Checked when the plan was made (`extra_header`, `bearer_token`).
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(&value),
            ) {
                headers.append(n, v);
            }
        }
        if let Some(mode) = mode {
            headers
                .try_append(ECHO_MODE_HEADER, HeaderValue::from_static(mode))
                .map_err(|_| "input cannot be sent by hyper: too many headers".to_owned())?;
        }
        builder
            .body(Full::new(Bytes::copy_from_slice(&input.body)))
            .map_err(|e| format!("input cannot be sent over HTTP/1.1: {e}"))
    }

    /// Sends on an idle connection, or a new one; a reused connection that
    /// turns out closed is retried once on a fresh one.
    async fn exchange(
        &self,
        input: &HttpMessage,
        mode: Option<&'static str>,
        request: hyper::Request<Full<Bytes>>,
    ) -> Result<Response, Failure> {
        if let Some(mut sender) = self.take_idle().await {
            match sender.send_request(request).await {
                Ok(response) => return Ok(self.finish(sender, response).await?),
                Err(e) if e.is_canceled() || e.is_incomplete_message() => {}
                Err(e) => return Err(describe("HTTP exchange failed", &e).into()),
            }
            // The request went into a closed connection: build it again.
            return self.exchange_fresh(self.request(input, mode)?).await;
        }
        self.exchange_fresh(request).await
    }

    async fn exchange_fresh(
        &self,
        request: hyper::Request<Full<Bytes>>,
    ) -> Result<Response, Failure> {
        let mut sender = self.connect().await?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| describe("HTTP exchange failed", &e))?;
        Ok(self.finish(sender, response).await?)
    }

    async fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        loop {
            let mut sender = self.idle.lock().ok()?.pop()?;
            if !sender.is_closed() && sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        let stream = self.open_stream().await?;
        let mut builder = http1::Builder::new();
        builder.max_headers(1024);
        let (sender, connection) = builder
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| describe("HTTP handshake failed", &e))?;
        tokio::spawn(async move {
            // The connection's end is seen by the sender; its error adds nothing.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Reads the whole body under the size cap, then parks the connection.
    async fn finish(
        &self,
        sender: SendRequest<Full<Bytes>>,
        response: hyper::Response<hyper::body::Incoming>,
    ) -> Result<Response, String> {
        let (parts, mut body) = response.into_parts();
        let max = self.options.max_response_bytes;
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| describe("the response broke off", &e))?;
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > max {
                    return Err(format!(
                        "the response body exceeds the limit of {max} bytes"
                    ));
                }
                bytes.extend_from_slice(&data);
            }
        }
        if !sender.is_closed()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(sender);
        }
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect();
        Ok(Response {
            status: parts.status.as_u16(),
            headers,
            body: bytes,
        })
    }
}

/// Maps an HTTP answer onto an echo result as [`HttpTarget`] does, for a
/// client that reads answers itself (the bench's load driver).
pub(crate) fn classify_answer(answer: HttpMessage) -> Echo {
    classify(Response {
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
    })
}

/// Maps a response onto an echo result: 2xx accepts, 4xx rejects, anything
/// else breaks; the status goes with a refusal or a break.
fn classify(response: Response) -> Echo {
    let wait = named_wait(&response);
    classify_waited(response, wait)
}

/// The wait a 429 names in its Retry-After, if it is one and names one.
fn named_wait(response: &Response) -> Option<Duration> {
    (response.status == 429)
        .then(|| retry_after(&response.headers, SystemTime::now()))
        .flatten()
}

/// [`classify`], given the wait of a 429 already read ([`named_wait`]).
fn classify_waited(response: Response, wait: Option<Duration>) -> Echo {
    let Response {
        status,
        headers,
        body,
    } = response;
    match status {
        200..=299 => Echo::Accepted(Message::Http(HttpMessage {
            method: String::new(),
            path: String::new(),
            status,
            headers,
            body,
        })),
        429 => Echo::Broken {
            reason: throttled_reason(wait, &body),
            cause: Breakage::Answered {
                status,
                named_wait: wait.is_some(),
            },
        },
        400..=499 => Echo::Rejected {
            reason: format!("HTTP {status}: {}", snippet(&body)),
            status: Some(status),
        },
        _ => Echo::Broken {
            reason: format!("HTTP {status}: {}", snippet(&body)),
            cause: Breakage::Answered {
                status,
                named_wait: false,
            },
        },
    }
}

/// Why an exchange with an HTTP target produced no response. `unsent`: no
/// connection could be made (TCP, or the TLS handshake over it), so nothing
/// of the input went out and it cannot have caused this.
struct Failure {
    reason: String,
    unsent: bool,
}

impl Failure {
    fn unsent(reason: String) -> Self {
        Self {
            reason,
            unsent: true,
        }
    }

    fn into_echo(self) -> Echo {
        let cause = if self.unsent {
            Breakage::Unsent
        } else {
            Breakage::Other
        };
        Echo::Broken {
            reason: self.reason,
            cause,
        }
    }
}

/// A failure once the connection was made: the input may have gone out.
impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Self {
            reason,
            unsent: false,
        }
    }
}

/// Makes a target connection of an open TCP stream: TLS over it when
/// `tls` gives a connector and the URL whose host the certificate must
/// name, the stream itself otherwise. Nagle is off either way: small
/// exchanges.
pub(crate) async fn over(
    tcp: TcpStream,
    tls: Option<(&tokio_rustls::TlsConnector, &HttpUrl)>,
) -> Result<Stream, String> {
    let _ = tcp.set_nodelay(true);
    let Some((connector, url)) = tls else {
        return Ok(Stream::Plain(tcp));
    };
    let name = rustls::pki_types::ServerName::try_from(url.host.clone())
        .map_err(|e| format!("{} is no TLS server name: {e}", url.host))?;
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake with {} failed: {e}", url.authority))?;
    Ok(Stream::Tls(Box::new(tls)))
}

/// Shakes hands over `tcp` with the TLS server of `url` (the handshake
/// fails when its certificate does not verify), and, when it asks for a
/// client certificate, gives it up to `limit` to refuse the one it was
/// shown or the lack of one: over TLS 1.3 that refusal comes only after
/// the client's side of the handshake is done. `Err` with the reason.
pub(crate) async fn tls_probe(
    tcp: TcpStream,
    connector: &tokio_rustls::TlsConnector,
    url: &HttpUrl,
    limit: Duration,
) -> Result<(), String> {
    let (noting, requested) = crate::tls::noting_certificate_requests(connector.config());
    let connector = tokio_rustls::TlsConnector::from(noting);
    let stream = over(tcp, Some((&connector, url))).await?;
    if !requested.get() {
        return Ok(());
    }
    let shown = connector.config().client_auth_cert_resolver.has_certs();
    refusal_after_handshake(stream, limit)
        .await
        .map_err(|e| client_certificate_refused(&url.authority, shown, &e))
}

/// How long a target that asked for a client certificate is given to
/// refuse it after the handshake, at most: the wait is cut short by the
/// session tickets a TLS 1.3 server sends once it has accepted the client
/// (most do), and is not needed over TLS 1.2, which verifies the client
/// within the handshake.
const CLIENT_CERTIFICATE_VERDICT: Duration = Duration::from_millis(500);

/// Waits up to [`CLIENT_CERTIFICATE_VERDICT`] (or `limit`, if shorter) for
/// the TLS server of `stream` to refuse the client's certificate, which it
/// does with an alert, read as an error. A session ticket, or silence, is
/// acceptance: an HTTP server says nothing until it is asked.
async fn refusal_after_handshake(stream: Stream, limit: Duration) -> Result<(), std::io::Error> {
    use tokio::io::AsyncReadExt;
    let Stream::Tls(mut tls) = stream else {
        return Ok(());
    };
    let deadline = tokio::time::Instant::now() + CLIENT_CERTIFICATE_VERDICT.min(limit);
    let mut byte = [0u8; 1];
    loop {
        let connection = tls.get_ref().1;
        if connection.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3)
            || connection.tls13_tickets_received() > 0
        {
            return Ok(());
        }
        let slice = tokio::time::Instant::now() + Duration::from_millis(5);
        match tokio::time::timeout_at(slice.min(deadline), tls.read(&mut byte)).await {
            Ok(Err(e)) => return Err(e),
            // Data, or the connection closed: no refusal of the certificate.
            Ok(Ok(_)) => return Ok(()),
            Err(_) if tokio::time::Instant::now() >= deadline => return Ok(()),
            Err(_) => {}
        }
    }
}

/// The reason a target that asked for a client certificate is unavailable:
/// what it said (`error`), and what to do, which depends on whether a
/// certificate was `shown`.
fn client_certificate_refused(authority: &str, shown: bool, error: &std::io::Error) -> String {
    if shown {
        format!(
            "the TLS server at {authority} refused the client certificate of --client-cert: {error}"
        )
    } else {
        format!(
            "the TLS server at {authority} asks for a client certificate (mutual TLS) and refused the connection without one: {error}; give one with --client-cert and --client-key"
        )
    }
}

/// A connection to a target: plain TCP, or TLS over it.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl tokio::io::AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            Self::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Headers the harness writes itself (framing, and the reply mode it asks
/// for), whatever an input holds.
pub(crate) const HARNESS_WRITES: [&str; 5] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    ECHO_MODE_HEADER,
];

/// Parses a `--header` argument, `Name: value`, into a header every
/// request of an HTTP target carries. The name is an HTTP token and not one
/// a case decides (framing, Content-Type, `ce-*`, `X-Echo-Mode`); the value
/// is visible ASCII, spaces and tabs (no line breaks).
pub fn extra_header(text: &str) -> Result<Header, String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not `Name: value`"))?;
    let (name, value) = (name.trim(), value.trim());
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a header name"))?;
    let lower = name.to_ascii_lowercase();
    // Those the harness writes, and what makes the message an event.
    if HARNESS_WRITES.contains(&lower.as_str())
        || lower == "content-type"
        || lower.starts_with("ce-")
    {
        return Err(format!(
            "{name} is the case's to set (framing, Content-Type, ce- attributes, X-Echo-Mode)"
        ));
    }
    if !value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return Err(format!(
            "the value of {name} holds a control or non-ASCII byte"
        ));
    }
    Ok((lower, value.as_bytes().to_vec()))
}

/// Checks a `--token` argument: an OAuth 2.0 bearer token as RFC 6750
/// §2.1 writes one (`b64token`: letters, digits, `-._~+/`, then any `=`),
/// the shape Web Hook §3 leans on; it goes into a header as it is.
pub fn bearer_token(text: &str) -> Result<String, String> {
    let body = text.trim_end_matches('=');
    let shaped = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !shaped {
        return Err(format!(
            "{text:?} is not a bearer token (RFC 6750: letters, digits and -._~+/, then any '=')"
        ));
    }
    Ok(text.to_owned())
}

/// Returns how long a 429's `Retry-After` asks a client to wait: a number
/// of seconds, or until an HTTP-date (no wait once it is past), RFC 9110
/// §10.2.3. `None` when there is no such header or it reads as neither.
pub fn retry_after(headers: &[Header], now: SystemTime) -> Option<Duration> {
    let value = crate::wire::headers_named(headers, "retry-after").next()?;
    let text = std::str::from_utf8(value).ok()?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The reason of a 429 that was not, or no longer, retried, with the wait
/// it named, if any.
fn throttled_reason(wait: Option<Duration>, body: &[u8]) -> String {
    let named = match wait {
        Some(wait) => format!("throttled, Retry-After {} s", wait.as_secs()),
        None => NO_RETRY_AFTER.to_owned(),
    };
    format!("HTTP 429: {named}: {}", snippet(body))
}

/// Returns the first bytes of a body as one line of text.
pub(crate) fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(REASON_BYTES)];
    let text: String = String::from_utf8_lossy(cut)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    if body.len() > REASON_BYTES {
        format!("{text}…")
    } else {
        text.to_owned()
    }
}

/// Returns an error and its sources on one line.
fn describe(context: &str, error: &dyn std::error::Error) -> String {
    let mut text = format!("{context}: {error}");
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Returns the headers cespec adds to `input` for a target with `options`:
/// the token, as `Authorization: Bearer`, or, when it went in the query,
/// the `Cache-Control: no-store` its sender should add (Web Hook §3.2; one
/// way per request); then the `--header`s. Each is left out when the input
/// has a header of that name, except the token's Authorization outside
/// `raw` bytes: it replaces the input's own, since no case can know the
/// token a target requires.
fn added_headers(
    options: &HttpOptions,
    input: &HttpMessage,
    token_in_query: bool,
    raw: bool,
) -> Vec<Header> {
    let input_has = |name: &str| {
        input
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let token = options.token.as_ref().and_then(|token| {
        if token_in_query {
            let asked = ("cache-control".to_owned(), b"no-store".to_vec());
            (!input_has(&asked.0)).then_some(asked)
        } else {
            let bearer = format!("Bearer {token}").into_bytes();
            (!raw || !input_has("authorization")).then(|| ("authorization".to_owned(), bearer))
        }
    });
    let extra = (options.extra_headers.iter())
        .filter(|(name, _)| !input_has(name))
        .cloned();
    token.into_iter().chain(extra).collect()
}

/// Gives `message` the headers an HTTP target with `options` adds to the
/// request it sends for it (the token and the `--header`s, as
/// [`HttpTarget`] adds them), for senders that write their requests
/// themselves: `cespec bench`'s load driver and the wrk script it writes.
pub fn add_credentials(message: &mut HttpMessage, options: &HttpOptions) {
    let added = added_headers(options, message, false, false);
    if options.token.is_some() {
        message
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
    }
    message.headers.extend(added);
}

/// What a token's characters become in a query value: everything but the
/// unreserved characters of RFC 3986 is percent-encoded (a `+` would read
/// as a space to a form decoder, a `=` or `&` as punctuation).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Target for HttpTarget {
    fn info(&self) -> ImplementationInfo {
        self.options
            .info
            .clone()
            .unwrap_or_else(|| ImplementationInfo {
                name: self.address.clone(),
                ..ImplementationInfo::default()
            })
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = self
            .options
            .capabilities
            .clone()
            .unwrap_or_else(default_capabilities);
        if self.receiver {
            caps.insert(RECEIVER_ONLY.to_owned());
        }
        if self.options.token.is_some() {
            caps.insert(crate::webhook::TOKEN.to_owned());
        }
        if caps.contains(crate::webhook::WEBHOOK) && self.url.is_loopback() {
            caps.insert(crate::webhook::CALLBACK.to_owned());
        }
        caps
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        Box::pin(async move {
            match input {
                Message::Http(m) => self.echo_http(m, reply).await,
                _ => Echo::broken("http targets take http inputs".into()),
            }
        })
    }

    fn echo_raw<'a>(
        &'a self,
        input: &'a Message,
        raw: &'a RawHttp,
        reply: Encoding,
    ) -> BoxFuture<'a, Echo> {
        Box::pin(async move {
            let Message::Http(m) = input else {
                return Echo::broken("http targets take http inputs".into());
            };
            match self.mode(reply) {
                Ok(mode) => self.echo_raw_http(m, raw, mode).await,
                Err(echo) => echo,
            }
        })
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = HttpUrl::parse("http://127.0.0.1:8080/echo?x=1").unwrap();
        assert_eq!(
            (
                u.host.as_str(),
                u.port,
                u.authority.as_str(),
                u.path.as_str()
            ),
            ("127.0.0.1", 8080, "127.0.0.1:8080", "/echo?x=1")
        );
        let u = HttpUrl::parse("HTTP://localhost").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("localhost", 80, "/")
        );
        let u = HttpUrl::parse("http://[::1]:9000").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9000));
        let secure = HttpUrl::parse("https://x").unwrap();
        assert_eq!(
            (secure.port, secure.tls, secure.path.as_str()),
            (443, true, "/")
        );
        assert!(!HttpUrl::parse("http://x").unwrap().tls);
        for bad in [
            "ftp://x",
            "http://",
            "http://:80/",
            "http://h:0",
            "http://h:99999",
            "http://u:p@h/",
            "http://[::1",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn joins_paths() {
        let root = HttpUrl::parse("http://h/").unwrap();
        let base = HttpUrl::parse("http://h/echo/").unwrap();
        assert_eq!(root.join("/"), "/");
        assert_eq!(root.join("/a?b"), "/a?b");
        assert_eq!(base.join(""), "/echo/");
        assert_eq!(base.join("/a"), "/echo/a");
        assert_eq!(base.join("a"), "/echo/a");
        // A query alone keeps the URL's path and joins its query.
        let hook = HttpUrl::parse("http://h/hook").unwrap();
        let keyed = HttpUrl::parse("http://h/hook?tenant=7").unwrap();
        assert_eq!(root.join("?access_token=t"), "/?access_token=t");
        assert_eq!(hook.join("?access_token=t"), "/hook?access_token=t");
        assert_eq!(
            keyed.join("?access_token=t"),
            "/hook?tenant=7&access_token=t"
        );
    }

    #[test]
    fn a_token_goes_in_the_header_or_where_the_path_asks() {
        let target = |token: Option<&str>| {
            let options = HttpOptions {
                token: token.map(str::to_owned),
                ..HttpOptions::default()
            };
            HttpTarget::new("http://127.0.0.1:9/hook", options).unwrap()
        };
        let input = |path: &str, headers: &[(&str, &str)]| HttpMessage {
            method: "POST".into(),
            path: path.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
                .collect(),
            ..HttpMessage::default()
        };
        let sent = |target: &HttpTarget, input: &HttpMessage| {
            let request = target.request(input, None).unwrap();
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            (
                request.uri().to_string(),
                header("authorization"),
                header("cache-control"),
            )
        };
        let keyed = target(Some("mF_9.B5f-4.1JqM+/=="));
        assert_eq!(
            sent(&keyed, &input("/", &[])),
            (
                "/hook".into(),
                Some("Bearer mF_9.B5f-4.1JqM+/==".into()),
                None
            )
        );
        // The query way: percent-encoded, no header, no-store asked.
        assert_eq!(
            sent(&keyed, &input("?access_token={token}&p=q", &[])),
            (
                "/hook?access_token=mF_9.B5f-4.1JqM%2B%2F%3D%3D&p=q".into(),
                None,
                Some("no-store".into())
            )
        );
        // The token replaces a case's own Authorization (it cannot know
        // the token); a case's own Cache-Control stays.
        assert_eq!(
            sent(&keyed, &input("/", &[("Authorization", "Basic dTpw")])).1,
            Some("Bearer mF_9.B5f-4.1JqM+/==".into())
        );
        assert_eq!(
            sent(
                &keyed,
                &input("?access_token={token}", &[("Cache-Control", "no-cache")])
            )
            .2,
            Some("no-cache".into())
        );
        assert!(keyed.capabilities().contains(crate::webhook::TOKEN));
        let plain = target(None);
        assert_eq!(sent(&plain, &input("/", &[])).1, None);
        assert!(!plain.capabilities().contains(crate::webhook::TOKEN));
    }

    #[test]
    fn tokens_are_bearer_tokens() {
        for good in ["t0k", "mF_9.B5f-4.1JqM", "YWJj+/==", "a~b"] {
            assert_eq!(bearer_token(good).as_deref(), Ok(good));
        }
        for bad in ["", "=", "a b", "a=b", "Bearer t", "t\n", "tök", "a,b"] {
            assert!(bearer_token(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn classifies_statuses() {
        let r = |status, body: &[u8]| Response {
            status,
            headers: vec![],
            body: body.to_vec(),
        };
        assert!(matches!(
            classify(r(200, b"")),
            Echo::Accepted(Message::Http(HttpMessage { status: 200, .. }))
        ));
        assert_eq!(
            classify(r(400, b"CORE-ID-1 bad\n")),
            Echo::Rejected {
                reason: "HTTP 400: CORE-ID-1 bad".into(),
                status: Some(400)
            }
        );
        let answered = |status, named_wait| Breakage::Answered { status, named_wait };
        assert!(matches!(
            classify(r(503, b"")),
            Echo::Broken { cause, .. } if cause == answered(503, false)
        ));
        // Throttling is no verdict on the message.
        let Echo::Broken { reason, cause } = classify(r(429, b"slow down")) else {
            panic!()
        };
        assert_eq!(
            reason,
            "HTTP 429: throttled, no usable Retry-After: slow down"
        );
        assert_eq!(cause, answered(429, false));
        let named = Response {
            status: 429,
            headers: vec![("Retry-After".into(), b"120".to_vec())],
            body: vec![],
        };
        let Echo::Broken { reason, cause } = classify(named) else {
            panic!()
        };
        assert_eq!(reason, "HTTP 429: throttled, Retry-After 120 s: ");
        assert_eq!(cause, answered(429, true));
        // A body that reads like the reason of another answer is only text.
        let Echo::Broken { cause, .. } = classify(r(429, b"throttled, Retry-After 5 s")) else {
            panic!()
        };
        assert_eq!(cause, answered(429, false));
        assert_eq!(classify(r(301, b"")).http_status(), Some(301));
        assert_eq!(
            Failure::unsent("cannot connect".into()).into_echo(),
            Echo::Broken {
                reason: "cannot connect".into(),
                cause: Breakage::Unsent
            }
        );
        assert_eq!(
            Failure::from("reset".to_owned()).into_echo(),
            Echo::broken("reset".into())
        );
        let long = vec![b'x'; 300];
        let Echo::Rejected { reason, .. } = classify(r(413, &long)) else {
            panic!()
        };
        assert_eq!(reason.len(), "HTTP 413: ".len() + 200 + "…".len());
    }

    #[test]
    fn extra_headers_are_checked_before_anything_is_sent() {
        assert_eq!(
            extra_header("Authorization: Bearer mF_9.B5f-4.1JqM"),
            Ok(("authorization".into(), b"Bearer mF_9.B5f-4.1JqM".to_vec()))
        );
        assert_eq!(
            extra_header("x-api-key:k:with:colons"),
            Ok(("x-api-key".into(), b"k:with:colons".to_vec()))
        );
        for bad in [
            "no colon",
            "bad name: x",
            ": empty name",
            "Content-Type: text/plain",
            "ce-id: 1",
            "X-Echo-Mode: binary",
            "Host: example.com",
            "X-Key: caf\u{e9}",
            "X-Key: a\u{1}b",
        ] {
            assert!(extra_header(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_retry_after_as_seconds_or_a_date() {
        let now = httpdate::parse_http_date("Sat, 05 Dec 2026 16:00:00 GMT").unwrap();
        let wait = |value: &str| retry_after(&[("retry-after".into(), value.into())], now);
        assert_eq!(wait("5"), Some(Duration::from_secs(5)));
        assert_eq!(wait(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            wait("Sat, 05 Dec 2026 16:00:30 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(wait("Sat, 05 Dec 2026 15:00:00 GMT"), Some(Duration::ZERO));
        for unreadable in ["", "-1", "1.5", "soon", "99999999999999999999x"] {
            assert_eq!(wait(unreadable), None, "{unreadable:?}");
        }
        assert_eq!(
            wait("99999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(retry_after(&[], now), None);
    }

    #[test]
    fn receiver_declares_itself() {
        let t = HttpTarget::receiver("http://127.0.0.1:1/", HttpOptions::default()).unwrap();
        assert!(t.capabilities().contains(RECEIVER_ONLY));
        let t = HttpTarget::new("http://127.0.0.1:1/", HttpOptions::default()).unwrap();
        assert_eq!(t.capabilities(), default_capabilities());
    }

    #[test]
    fn refuses_unsendable_input() {
        let t = HttpTarget::new("http://127.0.0.1:1/", HttpOptions::default()).unwrap();
        let msg = HttpMessage::post(vec![("ce-id".into(), b"a\nb".to_vec())], vec![]);
        assert!(
            t.request(&msg, Some("binary"))
                .unwrap_err()
                .contains("control byte")
        );
        let msg = HttpMessage::post(vec![("ce-id".into(), vec![b'a', 0xff])], vec![]);
        assert!(
            t.request(&msg, Some("binary")).is_ok(),
            "obs-text goes out as is"
        );
        // Past hyper's header map: an error, never its panic.
        let many = (0..40_000)
            .map(|i| (format!("ce-x{i}"), b"v".to_vec()))
            .collect();
        let msg = HttpMessage::post(many, vec![]);
        assert!(t.request(&msg, Some("binary")).is_err());
    }
}
