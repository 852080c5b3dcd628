//! Load mode of `cespec bench`: many keep-alive HTTP/1.1 connections on
//! tokio driving an echo or receiver target with one bench input, as wrk
//! does: the request is serialised once and written with one call, the
//! response head is parsed with `httparse` (hyper's parser), the body is
//! framed by Content-Length, chunked encoding (decoded by `http1`'s strict
//! decoder, which `cespec run`'s raw targets use too) or the end of the
//! connection. Heads are held to 1 MiB and bodies to 16 MiB: a reply that
//! cannot be framed is an error for its exchange, whatever the target
//! sends. A general client (hyper's) costs about three times wrk's user
//! CPU per request; this one stays under wrk's total (see reports/bench.md).
//!
//! - Closed loop: each connection sends its next request when the previous
//!   response is complete; latency is send to completion.
//! - Open loop (`rate`): request *k* is due at `start + k / rate`, spread
//!   over the connections; latency is measured from that intended time, so a
//!   stalled target is charged for the requests it kept waiting (no
//!   coordinated omission, as in wrk2). Latencies go to HDR histograms.
//!
//! Runs are bounded by a duration and/or a request count, both capped, and
//! reach loopback addresses only unless remote targets are allowed. Every
//! reply, or one in N, is judged like `cespec run` judges an echo.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::codec::finish;
use super::inputs::Input;
use super::result::{BenchResult, Latency, histogram, process_cpu};
use crate::codec::Encoding;
use crate::http1::{Chunked, MAX_HEAD_BYTES, Step, content_length};
use crate::runner::judge::{JudgeOptions, RECEIVER_ONLY, TargetView, judge};
use crate::runner::outcome::Status;
use crate::target::Capabilities;
use crate::target::http::{
    DEFAULT_MAX_RESPONSE_BYTES, ECHO_MODE_HEADER, HARNESS_WRITES, HttpUrl, Stream, classify_answer,
    default_capabilities, over, tls_probe,
};
use crate::wire::{HttpMessage, Message};

/// The longest run allowed.
pub const MAX_DURATION: Duration = Duration::from_secs(600);
/// The most requests one run may send.
pub const MAX_REQUESTS: u64 = 100_000_000;
/// The highest fixed rate, requests per second.
pub const MAX_RATE: f64 = 1_000_000.0;
/// The most connections.
pub const MAX_CONNECTIONS: usize = 10_000;
/// The most driver threads.
pub const MAX_THREADS: usize = 64;

/// A load run.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The target's URL.
    pub url: String,
    /// Only the status code is judged (a `receiver:` target).
    pub receiver: bool,
    pub connections: usize,
    /// Driver threads, each with its own single-threaded runtime.
    pub threads: usize,
    pub duration: Option<Duration>,
    pub max_requests: Option<u64>,
    /// Open loop at this many requests per second; closed loop when `None`.
    pub rate: Option<f64>,
    /// Judge one reply in N (1 judges every reply).
    pub validate_every: u64,
    /// The reply mode asked of an echo target (`X-Echo-Mode`).
    pub reply: Encoding,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Allow addresses outside 127.0.0.0/8 and ::1.
    pub allow_remote: bool,
    /// The TLS client for an `https://` target (see
    /// [`crate::target::http::HttpOptions::tls_client`]).
    pub tls_client: Option<Arc<rustls::ClientConfig>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            url: String::new(),
            receiver: false,
            connections: 32,
            threads: 1,
            duration: Some(Duration::from_secs(10)),
            max_requests: None,
            rate: None,
            validate_every: 1,
            reply: Encoding::HttpBinary,
            timeout: Duration::from_secs(10),
            allow_remote: false,
            tls_client: None,
        }
    }
}

/// Why a load run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
}

impl LoadOptions {
    /// Checks the bounds and the address; returns the address to connect to.
    pub fn check(&self) -> Result<(HttpUrl, SocketAddr), LoadError> {
        let bad = |m: String| Err(LoadError::Invalid(m));
        if self.duration.is_none() && self.max_requests.is_none() {
            return bad("a load run needs a duration or a request count".into());
        }
        if self
            .duration
            .is_some_and(|d| d > MAX_DURATION || d.is_zero())
        {
            return bad(format!(
                "the duration must be above 0 and at most {} s",
                MAX_DURATION.as_secs()
            ));
        }
        if self
            .max_requests
            .is_some_and(|n| n == 0 || n > MAX_REQUESTS)
        {
            return bad(format!("the request count must be 1 to {MAX_REQUESTS}"));
        }
        if let Some(rate) = self.rate
            && !(rate > 0.0 && rate <= MAX_RATE)
        {
            return bad(format!("the rate must be above 0 and at most {MAX_RATE}/s"));
        }
        if self.connections == 0 || self.connections > MAX_CONNECTIONS {
            return bad(format!("connections must be 1 to {MAX_CONNECTIONS}"));
        }
        if self.threads == 0 || self.threads > MAX_THREADS {
            return bad(format!("threads must be 1 to {MAX_THREADS}"));
        }
        let url = HttpUrl::parse(&self.url).map_err(|e| LoadError::Invalid(e.to_string()))?;
        let addrs: Vec<SocketAddr> = (url.host.as_str(), url.port)
            .to_socket_addrs()
            .map_err(|e| LoadError::Invalid(format!("cannot resolve {}: {e}", url.host)))?
            .collect();
        let Some(&addr) = addrs.first() else {
            return bad(format!("{} resolves to no address", url.host));
        };
        if !self.allow_remote && addrs.iter().any(|a| !a.ip().is_loopback()) {
            return bad(format!(
                "{} is not a loopback address (127.0.0.0/8, ::1); load is sent elsewhere only with --allow-remote",
                url.host
            ));
        }
        Ok((url, addr))
    }
}

/// The request every connection sends, serialised once.
struct Template {
    bytes: Vec<u8>,
}

impl Template {
    fn new(url: &HttpUrl, input: &HttpMessage, mode: Option<&'static str>) -> Result<Self, String> {
        let method = if input.method.is_empty() {
            "POST"
        } else {
            &input.method
        };
        let target = url.join(&input.path);
        if [method, target.as_str(), url.authority.as_str()]
            .iter()
            .any(|t| {
                t.bytes()
                    .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
            })
        {
            return Err(format!("the request line cannot hold {method} {target}"));
        }
        let mut bytes = Vec::with_capacity(input.body.len() + 512);
        bytes.extend_from_slice(
            format!("{method} {target} HTTP/1.1\r\nhost: {}\r\n", url.authority).as_bytes(),
        );
        for (name, value) in &input.headers {
            if HARNESS_WRITES.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                continue;
            }
            if name.is_empty()
                || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
                || value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
            {
                return Err(format!("header {name:?} cannot be sent over HTTP/1.1"));
            }
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value);
            bytes.extend_from_slice(b"\r\n");
        }
        if let Some(mode) = mode {
            bytes.extend_from_slice(format!("{ECHO_MODE_HEADER}: {mode}\r\n").as_bytes());
        }
        bytes.extend_from_slice(format!("content-length: {}\r\n\r\n", input.body.len()).as_bytes());
        bytes.extend_from_slice(&input.body);
        Ok(Self { bytes })
    }

    fn size(&self) -> usize {
        self.bytes.len()
    }
}

/// A finished exchange: the status, where head and body are in the
/// connection's buffers, and whether the server is closing the connection.
struct Reply {
    status: u16,
    head: usize,
    body: std::ops::Range<usize>,
    chunked: bool,
    close: bool,
}

/// Returns true when `value` contains `token`, compared case-insensitively.
fn contains_token(value: &[u8], token: &[u8]) -> bool {
    value
        .windows(token.len())
        .any(|w| w.eq_ignore_ascii_case(token))
}

/// The largest reply body the driver reads (Content-Length, chunked or
/// close-framed): the same cap as `cespec run`'s targets.
const MAX_REPLY_BODY: usize = DEFAULT_MAX_RESPONSE_BYTES;

/// One keep-alive connection with one request in flight.
struct Conn {
    stream: Stream,
    buf: Vec<u8>,
    /// The body of a chunked response, decoded (http1's strict decoder).
    chunked: Chunked,
}

impl Conn {
    /// Connects to `addr`, over TLS when `tls` holds a connector (and the
    /// URL whose host the certificate must name).
    async fn open(
        addr: SocketAddr,
        tls: Option<&(tokio_rustls::TlsConnector, HttpUrl)>,
    ) -> Result<Self, String> {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let stream = over(tcp, tls.map(|(connector, url)| (connector, url))).await?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(16 << 10),
            chunked: Chunked::default(),
        })
    }

    async fn fill(&mut self) -> Result<(), String> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 << 10);
        }
        match self.stream.read_buf(&mut self.buf).await {
            Ok(0) => Err("the connection closed mid-response".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn exchange(&mut self, request: &[u8]) -> Result<Reply, String> {
        self.buf.clear();
        self.stream
            .write_all(request)
            .await
            .map_err(|e| e.to_string())?;
        let (status, head, length, chunked, close) = loop {
            self.fill().await?;
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.buf) {
                Ok(httparse::Status::Partial) if self.buf.len() > MAX_HEAD_BYTES => {
                    return Err(format!(
                        "the head is over the limit of {MAX_HEAD_BYTES} bytes"
                    ));
                }
                Ok(httparse::Status::Partial) => continue,
                Err(e) => return Err(format!("bad response: {e}")),
                Ok(httparse::Status::Complete(head)) => {
                    let status = response.code.unwrap_or(0);
                    let (mut length, mut chunked, mut close) = (None, false, false);
                    // Only three headers frame a reply; the others are not
                    // looked at here (the judge reads them on validated replies).
                    for h in response.headers.iter() {
                        if h.name.eq_ignore_ascii_case("content-length") {
                            length = Some(content_length(h.value)?);
                        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                            chunked = contains_token(h.value, b"chunked");
                        } else if h.name.eq_ignore_ascii_case("connection") {
                            close = contains_token(h.value, b"close");
                        }
                    }
                    break (status, head, length, chunked, close);
                }
            }
        };
        let bodiless = (100..200).contains(&status) || status == 204 || status == 304;
        if bodiless {
            return Ok(Reply {
                status,
                head,
                body: head..head,
                chunked: false,
                close,
            });
        }
        if chunked {
            let len = self.dechunk(head).await?;
            return Ok(Reply {
                status,
                head,
                body: 0..len,
                chunked: true,
                close,
            });
        }
        match length {
            Some(n) if n > MAX_REPLY_BODY => Err(format!(
                "Content-Length {n} is over the limit of {MAX_REPLY_BODY} bytes"
            )),
            Some(n) => {
                while self.buf.len() < head + n {
                    self.fill().await?;
                }
                Ok(Reply {
                    status,
                    head,
                    body: head..head + n,
                    chunked: false,
                    close,
                })
            }
            None => {
                // Framed by the end of the connection.
                while self.fill().await.is_ok() {
                    if self.buf.len() - head > MAX_REPLY_BODY {
                        return Err(format!(
                            "the body is over the limit of {MAX_REPLY_BODY} bytes"
                        ));
                    }
                }
                let end = self.buf.len();
                Ok(Reply {
                    status,
                    head,
                    body: head..end,
                    chunked: false,
                    close: true,
                })
            }
        }
    }

    /// Decodes a chunked body that starts at `at`, returning its length.
    async fn dechunk(&mut self, at: usize) -> Result<usize, String> {
        self.chunked.reset();
        loop {
            match self.chunked.advance(&self.buf[at..], MAX_REPLY_BODY)? {
                Step::Done(_) => return Ok(self.chunked.body.len()),
                Step::More => self.fill().await?,
            }
        }
    }

    fn body(&self, reply: &Reply) -> &[u8] {
        if reply.chunked {
            &self.chunked.body[reply.body.clone()]
        } else {
            &self.buf[reply.body.clone()]
        }
    }

    /// Returns the reply as a message, for the judge.
    fn message(&self, reply: &Reply) -> HttpMessage {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        let _ = response.parse(&self.buf[..reply.head]);
        HttpMessage {
            method: String::new(),
            path: String::new(),
            status: reply.status,
            headers: response
                .headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                .collect(),
            body: self.body(reply).to_vec(),
        }
    }
}

/// What one connection measured.
struct Tally {
    latencies: Histogram<u64>,
    requests: u64,
    events: u64,
    errors: u64,
    validated: u64,
    non_conformant: u64,
    bytes: usize,
    /// Replies by status code; a status is 0 to 999 (three digits), so
    /// counting one is an index, not a map lookup with a formatted key.
    statuses: Vec<u64>,
    first_problem: Option<String>,
}

impl Tally {
    fn new() -> Self {
        Self {
            latencies: histogram(),
            requests: 0,
            events: 0,
            errors: 0,
            validated: 0,
            non_conformant: 0,
            bytes: 0,
            statuses: vec![0; 1000],
            first_problem: None,
        }
    }

    fn merge(&mut self, other: Tally) {
        let _ = self.latencies.add(&other.latencies);
        self.requests += other.requests;
        self.events += other.events;
        self.errors += other.errors;
        self.validated += other.validated;
        self.non_conformant += other.non_conformant;
        self.bytes += other.bytes;
        for (mine, theirs) in self.statuses.iter_mut().zip(other.statuses) {
            *mine += theirs;
        }
        if self.first_problem.is_none() {
            self.first_problem = other.first_problem;
        }
    }

    fn problem(&mut self, text: impl FnOnce() -> String) {
        if self.first_problem.is_none() {
            self.first_problem = Some(text());
        }
    }
}

/// Shared by every connection of a run.
struct Shared {
    template: Template,
    input: Input,
    options: LoadOptions,
    addr: SocketAddr,
    /// For an `https://` target: the TLS client, and the URL it verifies.
    tls: Option<(tokio_rustls::TlsConnector, HttpUrl)>,
    capabilities: Capabilities,
    start: Instant,
    deadline: Option<Instant>,
    /// Requests handed out so far (the request budget, and the open-loop schedule).
    issued: AtomicU64,
    target_name: String,
}

impl Shared {
    /// Returns the index of the next request, or `None` when the run is over.
    fn next(&self) -> Option<u64> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let k = self.issued.fetch_add(1, Ordering::Relaxed);
        (k < self.options.max_requests.unwrap_or(u64::MAX)).then_some(k)
    }
}

/// One connection's loop.
async fn drive(shared: Arc<Shared>, index: u64) -> Tally {
    let mut tally = Tally::new();
    let connections = shared.options.connections as u64;
    let every = shared.options.validate_every.max(1);
    let mut conn: Option<Conn> = None;
    let mut sent_here = 0u64;
    let view = TargetView {
        name: &shared.target_name,
        capabilities: &shared.capabilities,
    };
    // One timer per connection, pushed later before each exchange: tokio
    // extends a registered timer's deadline with one atomic update, where a
    // `tokio::time::timeout` per request put an entry into the timer wheel
    // and took it out again every time (about 3.5% of the driver's CPU under
    // perf, benches/bench-notes.md).
    let mut timer = std::pin::pin!(tokio::time::sleep(shared.options.timeout));
    loop {
        // Open loop: this connection takes every `connections`-th slot.
        let intended = match shared.options.rate {
            Some(rate) => {
                let k = sent_here * connections + index;
                if shared.options.max_requests.is_some_and(|max| k >= max) {
                    break;
                }
                let due = shared.start + Duration::from_secs_f64(k as f64 / rate);
                if shared.deadline.is_some_and(|d| due >= d) {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                sent_here += 1;
                Some(due)
            }
            None => {
                if shared.next().is_none() {
                    break;
                }
                None
            }
        };
        let mut c = match conn.take() {
            Some(c) => c,
            None => match Conn::open(shared.addr, shared.tls.as_ref()).await {
                Ok(c) => c,
                Err(reason) => {
                    tally.errors += 1;
                    tally.problem(|| format!("connect: {reason}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        let began = intended.unwrap_or(sent);
        timer.as_mut().reset(tokio::time::Instant::from_std(
            sent + shared.options.timeout,
        ));
        let outcome = tokio::select! {
            biased;
            reply = c.exchange(&shared.template.bytes) => Some(reply),
            () = timer.as_mut() => None,
        };
        let done = Instant::now();
        let reply = match outcome {
            Some(Ok(reply)) => reply,
            Some(Err(reason)) => {
                tally.errors += 1;
                tally.problem(|| format!("exchange: {reason}"));
                continue; // the connection is dropped and made again
            }
            None => {
                tally.errors += 1;
                tally.problem(|| "timeout".to_owned());
                continue;
            }
        };
        let nanos = u64::try_from(done.duration_since(began).as_nanos()).unwrap_or(u64::MAX);
        let _ = tally.latencies.record(nanos.max(1));
        tally.requests += 1;
        tally.bytes += shared.template.size() + reply.head + reply.body.len();
        let status = reply.status;
        if let Some(n) = tally.statuses.get_mut(usize::from(status)) {
            *n += 1;
        }
        if (200..300).contains(&status) {
            tally.events += shared.input.events as u64;
        } else {
            tally.errors += u64::from(status >= 500);
        }
        if (tally.requests - 1).is_multiple_of(every) {
            tally.validated += 1;
            let echo = classify_answer(c.message(&reply));
            let verdict = judge(
                &shared.input.case,
                shared.options.reply,
                &echo,
                &view,
                JudgeOptions::default(),
                done.duration_since(began),
            );
            if matches!(verdict.status, Status::Fail | Status::Error) {
                tally.non_conformant += 1;
                tally.problem(|| format!("{}: {}", shared.input.case.id, verdict.message));
            }
        }
        if !reply.close {
            conn = Some(c);
        }
    }
    tally
}

/// Connects once to `addr` and, over TLS, shakes hands as an HTTP target's
/// probe does ([`crate::target::http::tls_probe`]), within `timeout`.
fn reach(
    addr: SocketAddr,
    tls: Option<&(tokio_rustls::TlsConnector, HttpUrl)>,
    timeout: Duration,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let probe = async {
            let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            match tls {
                Some((connector, url)) => tls_probe(tcp, connector, url, timeout / 2).await,
                None => Ok(()),
            }
        };
        tokio::time::timeout(timeout, probe)
            .await
            .unwrap_or_else(|_| Err(format!("no connection within {} ms", timeout.as_millis())))
    })
}

/// Runs the load and returns one result row. Blocks the calling thread:
/// call it from a blocking context (`spawn_blocking`), since it starts its
/// own runtimes, one per driver thread.
pub fn run(
    input: &Input,
    target_name: &str,
    options: &LoadOptions,
) -> Result<BenchResult, LoadError> {
    let (url, addr) = options.check()?;
    let Message::Http(message) = &input.message else {
        return Err(LoadError::Invalid(format!(
            "{} is not an HTTP input",
            input.case_id
        )));
    };
    let mode = (!options.receiver).then_some(match options.reply {
        Encoding::HttpStructured => "structured",
        Encoding::HttpBatch => "batch",
        _ => "binary",
    });
    let template = Template::new(&url, message, mode).map_err(LoadError::Invalid)?;
    let mut capabilities = default_capabilities();
    if options.receiver {
        capabilities.insert(RECEIVER_ONLY.to_owned());
    }
    let tls = if url.tls {
        let config = match &options.tls_client {
            Some(config) => config.clone(),
            None => crate::tls::client_config(&[], None)
                .map_err(|e| LoadError::Invalid(e.to_string()))?,
        };
        Some((tokio_rustls::TlsConnector::from(config), url.clone()))
    } else {
        None
    };
    // Fail early, before the clock starts, when nothing listens or (over
    // TLS) the handshake is refused, as an HTTP target is found
    // unavailable.
    reach(addr, tls.as_ref(), options.timeout)
        .map_err(|reason| LoadError::Connect { addr, reason })?;
    let start = Instant::now();
    let shared = Arc::new(Shared {
        template,
        input: input.clone(),
        options: options.clone(),
        addr,
        tls,
        capabilities,
        start,
        deadline: options.duration.map(|d| start + d),
        issued: AtomicU64::new(0),
        target_name: target_name.to_owned(),
    });
    let cpu_before = process_cpu();
    let threads: Vec<_> = (0..options.threads)
        .map(|t| {
            let shared = shared.clone();
            let mine: Vec<u64> = (0..options.connections as u64)
                .filter(|c| *c as usize % options.threads == t)
                .collect();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                let local = tokio::task::LocalSet::new();
                Ok::<_, String>(local.block_on(&runtime, async move {
                    let tasks: Vec<_> = mine
                        .into_iter()
                        .map(|c| tokio::task::spawn_local(drive(shared.clone(), c)))
                        .collect();
                    let mut tally = Tally::new();
                    for task in tasks {
                        if let Ok(t) = task.await {
                            tally.merge(t);
                        }
                    }
                    tally
                }))
            })
        })
        .collect();
    let mut tally = Tally::new();
    for thread in threads {
        match thread.join() {
            Ok(Ok(t)) => tally.merge(t),
            Ok(Err(reason)) => return Err(LoadError::Invalid(reason)),
            Err(_) => return Err(LoadError::Invalid("a driver thread panicked".into())),
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let loop_kind = if options.rate.is_some() {
        "open"
    } else {
        "closed"
    };
    let mut row = BenchResult {
        name: format!("load/{}@{}/{loop_kind}", input.class, input.encoding),
        target: target_name.to_owned(),
        requests: tally.requests,
        events: tally.events,
        errors: tally.errors,
        validated: tally.validated,
        non_conformant: tally.non_conformant,
        first_problem: tally.first_problem,
        status_codes: tally
            .statuses
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (code.to_string(), *n))
            .collect(),
        connections: Some(options.connections),
        target_rate: options.rate,
        ..BenchResult::default()
    };
    finish(&mut row, elapsed, tally.bytes, cpu_before);
    row.latency = Latency::from_nanos(&tally.latencies);
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::inputs::Inputs;
    use crate::server::serve::{ServeConfig, start};

    #[test]
    fn bounds_and_loopback_are_checked() {
        let ok = LoadOptions {
            url: "http://127.0.0.1:9/".into(),
            ..LoadOptions::default()
        };
        assert!(ok.check().is_ok());
        for bad in [
            LoadOptions {
                duration: Some(Duration::from_secs(601)),
                ..ok.clone()
            },
            LoadOptions {
                duration: None,
                max_requests: None,
                ..ok.clone()
            },
            LoadOptions {
                rate: Some(2e6),
                ..ok.clone()
            },
            LoadOptions {
                connections: 0,
                ..ok.clone()
            },
            LoadOptions {
                url: "http://192.0.2.1:80/".into(),
                ..ok.clone()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        let remote = LoadOptions {
            url: "http://192.0.2.1:80/".into(),
            allow_remote: true,
            ..ok
        };
        assert!(remote.check().is_ok());
    }

    #[test]
    fn framing_headers_are_read_strictly() {
        assert_eq!(content_length(b"42"), Ok(42));
        assert_eq!(content_length(b" 7 "), Ok(7));
        for bad in [
            &b""[..],
            b"+5",
            b"-1",
            b"1 2",
            b"0x10",
            b"99999999999999999999",
        ] {
            assert!(content_length(bad).is_err(), "{bad:?}");
        }
        assert!(contains_token(b"gzip, Chunked", b"chunked"));
        assert!(contains_token(b"CLOSE", b"close"));
        assert!(!contains_token(b"keep-alive", b"close"));
        assert!(!contains_token(b"", b"close"));
    }

    #[tokio::test]
    async fn responses_are_framed_by_length_chunks_or_close() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let replies: [&[u8]; 3] = [
                b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nce-id: 1\r\n\r\nabc",
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n",
                b"HTTP/1.1 400 Bad\r\nconnection: close\r\n\r\nno",
            ];
            let mut buf = [0u8; 1024];
            for reply in replies {
                let _ = s.read(&mut buf).await.unwrap();
                s.write_all(reply).await.unwrap();
            }
        });
        let mut c = Conn::open(addr, None).await.unwrap();
        let r = c.exchange(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert_eq!((r.status, c.body(&r), r.close), (200, &b"abc"[..], false));
        assert_eq!(
            c.message(&r).headers[1],
            ("ce-id".to_owned(), b"1".to_vec())
        );
        let r = c.exchange(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert_eq!((r.status, c.body(&r)), (200, &b"abcdef"[..]));
        let r = c.exchange(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert_eq!((r.status, c.body(&r), r.close), (400, &b"no"[..], true));
    }

    /// A loopback server for one exchange: it accepts a connection, reads
    /// the request and hands the connection to `answer`.
    async fn answer_once<F, A>(answer: F) -> SocketAddr
    where
        F: FnOnce(TcpStream) -> A + Send + 'static,
        A: std::future::Future<Output = ()> + Send,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await.unwrap();
            answer(s).await;
        });
        addr
    }

    /// A target's reply that cannot be framed is an error for that
    /// exchange, never a panic or an unbounded read.
    #[tokio::test]
    async fn hostile_framing_is_an_error() {
        let replies: [&[u8]; 6] = [
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\nab",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\nab\n0\n\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 18446744073709551615\r\n\r\nab",
            b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\nab",
        ];
        for reply in replies {
            // The server hangs up after writing: a reader still waiting
            // sees the end.
            let addr = answer_once(move |mut s| async move {
                s.write_all(reply).await.unwrap();
            })
            .await;
            let mut c = Conn::open(addr, None).await.unwrap();
            let outcome = c.exchange(b"GET / HTTP/1.1\r\n\r\n").await;
            assert!(outcome.is_err(), "{:?}", String::from_utf8_lossy(reply));
        }

        // A head that never ends, on a connection kept open: refused at
        // the head limit, not read until the timeout.
        let addr = answer_once(|mut s| async move {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nx: ").await;
            let filler = vec![b'a'; 64 << 10];
            while s.write_all(&filler).await.is_ok() {}
        })
        .await;
        let mut c = Conn::open(addr, None).await.unwrap();
        let request = c.exchange(b"GET / HTTP/1.1\r\n\r\n");
        let outcome = tokio::time::timeout(Duration::from_secs(20), request).await;
        let reason = outcome.expect("refused before the timeout").err().unwrap();
        assert!(reason.contains("limit"), "{reason}");
    }

    /// Byte mutations of well-framed replies (flipped, dropped, repeated
    /// and cut bytes) each end in a reply or an error, never a panic or a
    /// wait: the server hangs up after writing, so nothing is left to wait
    /// for.
    #[tokio::test]
    async fn mutated_replies_end_in_a_reply_or_an_error() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let valid: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nce-id: 1\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nt: 1\r\n\r\n",
            b"HTTP/1.1 400 Bad\r\nconnection: close\r\n\r\nbody to the end",
        ];
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (send, mut replies) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            while let Some(reply) = replies.recv().await {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&reply).await;
            }
        });
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut replied, mut refused) = (0, 0);
        for round in 0..600 {
            let mut reply = valid[round % valid.len()].to_vec();
            for _ in 0..=next(3) {
                if reply.len() < 2 {
                    break;
                }
                let at = next(reply.len());
                match next(4) {
                    0 => reply[at] ^= 1 << next(8),
                    1 => {
                        reply.remove(at);
                    }
                    2 => reply.insert(at, reply[at]),
                    _ => reply.truncate(at.max(1)),
                }
            }
            send.send(reply.clone()).unwrap();
            let mut c = Conn::open(addr, None).await.unwrap();
            let exchange = c.exchange(b"GET / HTTP/1.1\r\n\r\n");
            let outcome = tokio::time::timeout(Duration::from_secs(5), exchange).await;
            match outcome.unwrap_or_else(|_| panic!("waited on {reply:?}")) {
                Ok(_) => replied += 1,
                Err(_) => refused += 1,
            }
        }
        assert!(
            replied > 50 && refused > 50,
            "{replied} replied, {refused} refused"
        );
    }

    /// A loopback server on plain threads that answers every request on a
    /// connection with an empty 200 after `delay`, or never (`None`),
    /// holding the connection open.
    fn slow_server(delay: Option<Duration>) -> SocketAddr {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    // One read holds one of these small requests.
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {
                        let Some(delay) = delay else { continue };
                        std::thread::sleep(delay);
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        if stream.write_all(reply).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    /// Runs a load of 2 connections for `duration` with a per-request
    /// `timeout`, failing (rather than hanging) if it does not end.
    fn run_bounded(addr: SocketAddr, timeout: Duration, duration: Duration) -> BenchResult {
        let options = LoadOptions {
            url: format!("http://{addr}/"),
            connections: 2,
            duration: Some(duration),
            timeout,
            ..LoadOptions::default()
        };
        let (done, result) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let inputs = Inputs::load().unwrap();
            let input = inputs
                .get("core", crate::codec::Encoding::HttpBinary)
                .unwrap();
            let _ = done.send(run(input, "slow", &options));
        });
        result
            .recv_timeout(duration + Duration::from_secs(20))
            .expect("the run ends")
            .expect("the run starts")
    }

    #[test]
    fn a_target_that_never_answers_times_out_at_the_timeout() {
        // 1.5 s of 300 ms timeouts on 2 connections: about 10 timeouts,
        // each on a fresh connection. Fewer than 2 would be a timer that
        // never fires; more than 12, one that fires early.
        let row = run_bounded(
            slow_server(None),
            Duration::from_millis(300),
            Duration::from_millis(1500),
        );
        assert_eq!(row.requests, 0, "{row:?}");
        assert!((2..=12).contains(&row.errors), "{row:?}");
        let problem = row.first_problem.as_deref().unwrap_or_default();
        assert!(problem.contains("timeout"), "{row:?}");
    }

    #[test]
    fn the_timeout_counts_from_each_request_not_from_the_first() {
        // Every answer takes 100 ms, well within the 600 ms timeout (room
        // for a busy machine), over a run of 2 s: a timer left at the
        // first request's deadline would fire on the sixth or seventh
        // request of each connection.
        let row = run_bounded(
            slow_server(Some(Duration::from_millis(100))),
            Duration::from_millis(600),
            Duration::from_secs(2),
        );
        assert_eq!(row.errors, 0, "{row:?}");
        assert!(row.requests >= 8, "{row:?}");
        assert_eq!(row.status_codes.get("200"), Some(&row.requests), "{row:?}");
    }

    #[test]
    fn closed_and_open_loops_against_the_reference_server() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(start(ServeConfig::default())).unwrap();
        let inputs = Inputs::load().unwrap();
        let input = inputs
            .get("core", crate::codec::Encoding::HttpBinary)
            .unwrap();
        let options = LoadOptions {
            url: server.url(),
            connections: 4,
            duration: Some(Duration::from_secs(5)),
            max_requests: Some(200),
            ..LoadOptions::default()
        };
        let row = run(input, "serve", &options).unwrap();
        assert_eq!(row.requests, 200, "{row:?}");
        assert!(row.conformant && row.errors == 0, "{row:?}");
        assert_eq!(row.validated, 200);
        assert_eq!(row.status_codes.get("200"), Some(&200));
        let open = LoadOptions {
            rate: Some(2000.0),
            max_requests: None,
            duration: Some(Duration::from_millis(300)),
            validate_every: 10,
            ..options
        };
        let row = run(input, "serve", &open).unwrap();
        assert!(row.name.ends_with("/open"));
        assert!((500..=650).contains(&row.requests), "{row:?}");
        assert!(row.validated < row.requests && row.conformant);
        runtime.block_on(server.shutdown());
    }
}
