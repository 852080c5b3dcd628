//! The HTTP servers cespec runs itself: [`serve`] (the reference
//! implementation as an echo target) and [`listen`] (capture and judgement
//! of what a sender under test emits).
//!
//! This module holds what both share: the [`Limits`] that keep a hostile
//! client from exhausting the harness (body size, header count and size,
//! connections, and time to send a head, a body, and to read an answer),
//! the accept loop with its connection cap, body reading under a size cap,
//! and graceful shutdown. What a server answers is the business of its
//! handler; this module never decodes an event. HTTP/1.1 only, over plain
//! TCP or, given a certificate ([`crate::tls::server_config`]), TLS, whose
//! handshake is held to the same time as a request head.

pub mod callback;
pub mod expected;
pub mod listen;
pub mod serve;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use serve::{ServeConfig, start};

use crate::error::ServerError;
use crate::wire::{Header, HttpMessage};

/// hyper refuses a read buffer smaller than this.
const MIN_BUF: usize = 8192;

/// How long open connections get to finish after a shutdown is asked.
const GRACE: Duration = Duration::from_secs(5);

/// Resource limits of a server. A request beyond them is answered with
/// the matching 4xx, never with a 5xx or a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body; beyond it the answer is 413.
    pub max_body_bytes: usize,
    /// Most header lines in a request; beyond it the answer is 431.
    pub max_headers: usize,
    /// Largest request head (request line and headers); beyond it 431.
    pub max_header_bytes: usize,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Time allowed to receive a request head; the connection is closed after it.
    pub header_read_timeout: Duration,
    /// Time allowed to receive a request body; the answer is 408 after it.
    pub request_timeout: Duration,
    /// Time a response may wait for a client that reads nothing; the
    /// connection is closed after it, so it cannot hold its slot forever.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            max_headers: 100,
            max_header_bytes: 64 << 10,
            max_connections: 256,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// A response a handler gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Returns the first header named `name` (ASCII case ignored) as text,
    /// if it is UTF-8.
    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// Returns a plain-text reply.
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), b"text/plain; charset=utf-8".to_vec())],
            body: text.into().into_bytes(),
        }
    }
}

/// What a server does with each request.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers a complete request (head and body within the limits).
    fn handle(&self, request: HttpMessage, received: Instant) -> Reply;

    /// Learns of a request the limits refused (`request` has no body).
    fn refused(&self, request: HttpMessage, received: Instant, reply: &Reply) {
        let _ = (request, received, reply);
    }

    /// Learns of a client at `peer` whose TLS handshake failed (it did not
    /// trust the server's certificate, or showed no client certificate the
    /// server trusts): no request came, and the client may not know why.
    /// A client that closed the connection before saying anything (a
    /// port probe) is not reported.
    fn handshake_failed(&self, peer: SocketAddr, reason: String) {
        let _ = (peer, reason);
    }
}

/// A server accepting connections in the background. Dropping it stops
/// the server as well; [`RunningServer::shutdown`] also waits for open
/// exchanges to finish.
pub struct RunningServer {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// Binds `addr` and starts serving with `handler`.
    pub(crate) async fn bind(
        addr: SocketAddr,
        limits: Limits,
        handler: Arc<dyn Handler>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let (stop, stopped) = watch::channel(false);
        let secure = tls.is_some();
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(limits),
            handler,
            acceptor,
            stopped,
        ));
        Ok(Self {
            addr,
            tls: secure,
            stop,
            task,
        })
    }

    /// Returns the address the server listens on (the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the server's base URL, `http://addr/` (`https://` over TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/", self.addr)
    }

    /// Stops accepting, lets open exchanges finish (at most 5 s), then closes.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    limits: Arc<Limits>,
    handler: Arc<dyn Handler>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = stop_asked(&mut stopped) => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => r,
            _ = stop_asked(&mut stopped) => break,
        };
        while connections.try_join_next().is_some() {}
        match stream {
            Ok((stream, peer)) => {
                connections.spawn(serve_connection(
                    stream,
                    peer,
                    acceptor.clone(),
                    limits.clone(),
                    handler.clone(),
                    stopped.clone(),
                    permit,
                ));
            }
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    limits: Arc<Limits>,
    handler: Arc<dyn Handler>,
    stopped: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = acceptor else {
        return serve_stream(stream, limits, handler, stopped, permit).await;
    };
    // A client that never finishes the TLS handshake is held no longer
    // than one that never finishes its request head.
    let accepted = tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream)).await;
    match accepted {
        Ok(Ok(tls)) => serve_stream(tls, limits, handler, stopped, permit).await,
        Ok(Err(e)) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            let hint = crate::tls::server_handshake_hint(&e);
            handler.handshake_failed(peer, format!("{e}{hint}"));
        }
        _ => {}
    }
}

/// Serves HTTP/1.1 on one connection, plain or TLS, until it ends or the
/// server stops.
async fn serve_stream<S>(
    stream: S,
    limits: Arc<Limits>,
    handler: Arc<dyn Handler>,
    mut stopped: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let limits = limits.clone();
        service_fn(move |request| {
            let (limits, handler) = (limits.clone(), handler.clone());
            async move { Ok::<_, Infallible>(respond(request, &limits, handler.as_ref()).await) }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(limits.max_headers)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(MIN_BUF))
        .keep_alive(true);
    let stream = WriteDeadline::new(stream, limits.write_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stop_asked(&mut stopped) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// A stream whose writes fail once they have made no progress for a
/// while: hyper has no write timeout, and a client that sends requests but
/// never reads the answers would otherwise hold its connection (and one of
/// the `max_connections` slots) forever.
struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    /// Runs while a write is pending; any progress drops it.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            stalled: None,
        }
    }

    /// Passes a write's progress on; a write pending for `limit` fails.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let limit = self.limit;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client read nothing for {} ms", limit.as_millis()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Resolves once a stop is asked (or the server handle is dropped).
async fn stop_asked(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    Broken(String),
}

async fn respond(
    request: hyper::Request<Incoming>,
    limits: &Limits,
    handler: &dyn Handler,
) -> hyper::Response<Full<Bytes>> {
    let received = Instant::now();
    let (parts, body) = request.into_parts();
    let head = HttpMessage {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.to_string(), |p| p.as_str().to_owned()),
        status: 0,
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body: Vec::new(),
    };
    let announced = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let too_large = || {
        Reply::text(
            413,
            format!(
                "request body exceeds the limit of {} bytes\n",
                limits.max_body_bytes
            ),
        )
    };
    let outcome = if announced.is_some_and(|n| n > drain_cap(limits.max_body_bytes) as u64) {
        Err(too_large())
    } else {
        match tokio::time::timeout(
            limits.request_timeout,
            read_body(body, limits.max_body_bytes),
        )
        .await
        {
            Err(_) => Err(Reply::text(
                408,
                format!(
                    "request body not received within {} ms\n",
                    limits.request_timeout.as_millis()
                ),
            )),
            Ok(Err(BodyError::TooLarge)) => Err(too_large()),
            Ok(Err(BodyError::Broken(e))) => {
                Err(Reply::text(400, format!("request body broke off: {e}\n")))
            }
            Ok(Ok(bytes)) => Ok(bytes),
        }
    };
    let reply = match outcome {
        Ok(body) => handler.handle(HttpMessage { body, ..head }, received),
        Err(reply) => {
            handler.refused(head, received, &reply);
            reply
        }
    };
    to_response(reply)
}

/// Returns how many bytes of an oversized body are read and thrown away
/// before answering 413, so the client sees the answer and not a reset.
fn drain_cap(max: usize) -> usize {
    max.saturating_mul(4).max(16 << 20)
}

async fn read_body(mut body: Incoming, max: usize) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            if total > drain_cap(max) {
                return Err(BodyError::TooLarge);
            }
            if total <= max {
                out.extend_from_slice(&data);
            }
        }
    }
    if total > max {
        Err(BodyError::TooLarge)
    } else {
        Ok(out)
    }
}

/// Turns a reply into a hyper response; headers HTTP cannot carry are
/// replaced by a 400 that says so (it is the input that asked for them).
fn to_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::new()));
    for (name, value) in &reply.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            (Ok(n), Ok(v)) => {
                response.headers_mut().append(n, v);
            }
            _ => {
                return to_response(Reply::text(
                    400,
                    format!(
                        "the reply cannot be sent: header {name} holds bytes HTTP cannot carry\n"
                    ),
                ));
            }
        }
    }
    *response.status_mut() =
        hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    *response.body_mut() = Full::new(Bytes::from(reply.body));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_become_responses() {
        let r = to_response(Reply {
            status: 200,
            headers: vec![("ce-id".into(), vec![b'a', 0xe9])],
            body: b"x".to_vec(),
        });
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["ce-id"].as_bytes(), &[b'a', 0xe9]);
        let r = to_response(Reply {
            status: 200,
            headers: vec![("content-type".into(), b"a\x01b".to_vec())],
            body: vec![],
        });
        assert_eq!(r.status(), 400);
    }

    #[test]
    fn drains_a_bounded_excess() {
        assert_eq!(drain_cap(1 << 20), 16 << 20);
        assert_eq!(drain_cap(8 << 20), 32 << 20);
        assert_eq!(drain_cap(usize::MAX), usize::MAX);
    }
}
