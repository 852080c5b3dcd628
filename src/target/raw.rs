//! Sending an HTTP request byte for byte over a TCP stream (or TLS over
//! it, for an `https://` target): for
//! inputs an HTTP client library refuses to write (CR, LF or NUL in a
//! header value, a wrong `Content-Length`, broken chunked framing) and for
//! inputs sent slowly. [`HttpTarget`](super::http::HttpTarget) uses it for
//! fixtures with `raw:` or `send:`, and for any input hyper will not send.
//!
//! One fresh connection per exchange, opened by the caller (TCP, and TLS
//! over it for an `https://` target). The request is written (paced when
//! asked) while the response is read, so a target that answers early (a
//! 413 before the body is in) and closes is still heard. The response is
//! read by [`crate::http1::ResponseReader`] under caps on its head and
//! body; the caller bounds the whole exchange in time. Nothing here judges
//! the response.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::time::Instant;

use crate::http1::{MAX_HEAD_BYTES, Progress, ResponseReader};
use crate::wire::{Header, HttpMessage, Pace, RawHttp};

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 64 << 10;

/// Why a raw exchange gave no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawError {
    /// The target closed the connection without a response after the
    /// sender had shut its own sending half down: for a request cut short
    /// on purpose, that is the target refusing it (RFC 9112 §8 lets a
    /// server close without answering an incomplete request).
    ClosedAfterShutdown,
    /// The target closed the connection without a response while a paced
    /// request was still being written: a server timing out a slow sender
    /// does that (RFC 9112 §9.5 lets it close a connection at any time),
    /// so it is a refusal, not a broken exchange.
    ClosedWhileSlow,
    /// Anything else: refused, reset, a malformed or oversized response.
    Broken(String),
}

/// Returns the request line and the harness's own headers: `Host`, for an
/// echo `X-Echo-Mode`, and what the target is given for every request
/// (`added`: its token and `--header`s, checked to be header-safe). The
/// raw bytes follow them.
pub fn head(
    method: &str,
    target: &str,
    authority: &str,
    mode: Option<&str>,
    added: &[Header],
) -> Vec<u8> {
    let method = if method.is_empty() { "POST" } else { method };
    let mut out = format!("{method} {target} HTTP/1.1\r\nhost: {authority}\r\n").into_bytes();
    if let Some(mode) = mode {
        out.extend_from_slice(format!("{}: {mode}\r\n", super::http::ECHO_MODE_HEADER).as_bytes());
    }
    for (name, value) in added {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Writes `head` and then `raw.bytes` on an open connection, as `raw` says
/// (plain TCP, or TLS over it for an `https://` target, where shutting the
/// sending half down sends TLS's close_notify before the TCP FIN), and reads
/// one response whose body may hold `max_body` bytes.
pub async fn exchange<S>(
    stream: S,
    head: &[u8],
    raw: &RawHttp,
    max_body: usize,
) -> Result<HttpMessage, RawError>
where
    S: AsyncRead + AsyncWrite + Send + Unpin,
{
    let (mut reader_half, writer_half) = tokio::io::split(stream);
    let write = write(writer_half, head, &raw.bytes, raw.pace, raw.shutdown);
    tokio::pin!(write);
    // Kept until the response is in, so that the connection stays open.
    let mut writer: Option<WriteHalf<S>> = None;
    let mut written: Option<Result<(), String>> = None;
    let mut reader = ResponseReader::new(max_body);
    let cap = max_body.saturating_mul(2).saturating_add(MAX_HEAD_BYTES);
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        tokio::select! {
            (half, result) = &mut write, if written.is_none() => {
                writer = half;
                written = Some(result);
            }
            n = reader_half.read(&mut chunk) => {
                let n = match n {
                    Ok(n) => n,
                    // A reset often follows what was already sent: judge that.
                    Err(e) => {
                        return match reader.eof(&buf) {
                            Ok(m) => Ok(m),
                            Err(_) if buf.is_empty() && slow_and_unfinished(raw, &written) => {
                                Err(RawError::ClosedWhileSlow)
                            }
                            Err(reason) => Err(RawError::Broken(format!(
                                "{reason} (the connection failed: {e})"
                            ))),
                        };
                    }
                };
                if n == 0 {
                    let cut_off_slow = slow_and_unfinished(raw, &written);
                    if written.is_none() {
                        // The other side is gone, so the write ends soon.
                        let (_half, result) = (&mut write).await;
                        written = Some(result);
                    }
                    return match reader.eof(&buf) {
                        Ok(m) => Ok(m),
                        Err(_) if buf.is_empty() && cut_off_slow => Err(RawError::ClosedWhileSlow),
                        Err(_) if buf.is_empty() && raw.shutdown && written.is_some() => {
                            Err(RawError::ClosedAfterShutdown)
                        }
                        Err(e) => Err(RawError::Broken(with_write_error(e, &written))),
                    };
                }
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > cap {
                    return Err(RawError::Broken(format!(
                        "the response exceeds the limit of {max_body} bytes"
                    )));
                }
                match reader.feed(&buf) {
                    Ok(Progress::Done(m)) => {
                        drop(writer);
                        return Ok(m);
                    }
                    Ok(Progress::NeedMore) => {}
                    Err(e) => return Err(RawError::Broken(e)),
                }
            }
        }
    }
}

/// Returns true while a paced request is still being written.
fn slow_and_unfinished(raw: &RawHttp, written: &Option<Result<(), String>>) -> bool {
    raw.pace.is_some() && written.is_none()
}

/// Adds why the request could not be written, when it could not.
fn with_write_error(reason: String, written: &Option<Result<(), String>>) -> String {
    match written {
        Some(Err(e)) => format!("{reason} (sending the request failed: {e})"),
        None => format!("{reason} (before the whole request was sent)"),
        Some(Ok(())) => reason,
    }
}

/// Writes the head and the bytes, paced by `pace`, and shuts the sending
/// half down when asked. Returns the half (unless shut down) and whether
/// everything was written.
async fn write<W: AsyncWrite + Unpin>(
    mut half: W,
    head: &[u8],
    bytes: &[u8],
    pace: Option<Pace>,
    shutdown: bool,
) -> (Option<W>, Result<(), String>) {
    let mut result = half.write_all(head).await;
    if result.is_ok() {
        result = match pace {
            None => half.write_all(bytes).await,
            Some(pace) => paced(&mut half, bytes, pace).await,
        };
    }
    let result = result.map_err(|e| e.to_string());
    if shutdown {
        let _ = half.shutdown().await;
        return (None, result);
    }
    (Some(half), result)
}

/// Writes `pace.chunk` bytes every `pace.interval` until `pace.max` has
/// passed, then the rest at once. At most `max / interval + 1` rounds.
async fn paced<W: AsyncWrite + Unpin>(
    half: &mut W,
    bytes: &[u8],
    pace: Pace,
) -> std::io::Result<()> {
    let until = Instant::now() + pace.max;
    let interval = pace.interval.max(Duration::from_millis(1));
    let mut at = 0;
    while at < bytes.len() && Instant::now() < until {
        let end = at.saturating_add(pace.chunk.max(1)).min(bytes.len());
        half.write_all(&bytes[at..end]).await?;
        half.flush().await?;
        at = end;
        if at < bytes.len() {
            tokio::time::sleep(interval).await;
        }
    }
    half.write_all(&bytes[at..]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};

    fn raw(bytes: &[u8]) -> RawHttp {
        RawHttp {
            bytes: bytes.to_vec(),
            pace: None,
            shutdown: false,
            malformed: None,
        }
    }

    /// A connection to the test server on `port`.
    async fn connect(port: u16) -> TcpStream {
        TcpStream::connect(("127.0.0.1", port)).await.unwrap()
    }

    /// A server that reads `until` bytes (or to EOF), records them, then writes `answer`.
    async fn server(
        answer: &'static [u8],
        until: usize,
    ) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut chunk = [0u8; 1024];
            while got.len() < until {
                match tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk)).await {
                    Ok(Ok(n)) if n > 0 => got.extend_from_slice(&chunk[..n]),
                    _ => break,
                }
            }
            let _ = s.write_all(answer).await;
            got
        });
        (port, task)
    }

    #[tokio::test]
    async fn writes_exactly_the_bytes_and_reads_the_answer() {
        let key = [("x-api-key".to_owned(), b"k".to_vec())];
        let head = head("POST", "/e", "127.0.0.1:1", Some("binary"), &key);
        let body = b"ce-id: a\rb\r\ncontent-length: 1\r\n\r\nxyz";
        let (port, task) = server(
            b"HTTP/1.1 400 Bad\r\ncontent-length: 2\r\n\r\nno",
            head.len() + body.len(),
        )
        .await;
        let m = exchange(connect(port).await, &head, &raw(body), 100)
            .await
            .unwrap();
        assert_eq!((m.status, m.body.as_slice()), (400, &b"no"[..]));
        let got = task.await.unwrap();
        assert_eq!(got, [head.as_slice(), body].concat());
        assert!(got.starts_with(
            b"POST /e HTTP/1.1\r\nhost: 127.0.0.1:1\r\nx-echo-mode: binary\r\nx-api-key: k\r\n"
        ));
    }

    #[tokio::test]
    async fn paces_a_slow_request_within_its_bound() {
        let (port, task) = server(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", 30).await;
        let mut slow = raw(&[b'x'; 26]);
        slow.pace = Some(Pace {
            chunk: 1,
            interval: Duration::from_millis(20),
            max: Duration::from_millis(200),
        });
        let started = std::time::Instant::now();
        let m = exchange(connect(port).await, b"GET ", &slow, 10)
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(m.status, 200);
        assert_eq!(task.await.unwrap().len(), 30);
        assert!(
            took >= Duration::from_millis(180) && took < Duration::from_secs(3),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn a_close_during_a_slow_send_is_a_refusal() {
        // The server reads 5 bytes of a request paced at 1 byte per 20 ms
        // for up to 2 s, then closes without answering, as a server timing
        // out a slow sender does.
        let (port, _task) = server(b"", 5).await;
        let mut slow = raw(b"content-length: 0\r\n\r\n");
        slow.pace = Some(Pace {
            chunk: 1,
            interval: Duration::from_millis(20),
            max: Duration::from_secs(2),
        });
        assert_eq!(
            exchange(connect(port).await, b"", &slow, 10).await,
            Err(RawError::ClosedWhileSlow)
        );
        // Sent at once, the same close is a broken exchange.
        let (port, _task) = server(b"", 5).await;
        let fast = raw(b"content-length: 0\r\n\r\n");
        assert!(matches!(
            exchange(connect(port).await, b"", &fast, 10).await,
            Err(RawError::Broken(_))
        ));
    }

    #[tokio::test]
    async fn a_close_after_shutdown_is_told_apart() {
        let (port, _task) = server(b"", usize::MAX).await;
        let mut cut = raw(b"content-length: 10\r\n\r\nab");
        cut.shutdown = true;
        assert_eq!(
            exchange(connect(port).await, b"POST / HTTP/1.1\r\n", &cut, 10).await,
            Err(RawError::ClosedAfterShutdown)
        );
        let (port, _task) = server(b"", 5).await;
        match exchange(connect(port).await, b"POST / HTTP/1.1\r\n", &raw(b""), 10).await {
            Err(RawError::Broken(reason)) => {
                assert!(reason.contains("without a response"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
}
