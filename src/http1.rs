//! HTTP/1.1 framing, small and bounded, for what an HTTP client library will
//! not do for us: writing a request byte for byte (raw fixture inputs, slow
//! sending) and reading whatever comes back over that stream.
//!
//! - [`parse_request`] turns the bytes of a raw fixture input into the
//!   [`HttpMessage`] a server would see, or says why a server would refuse
//!   them. Targets reached without a socket (in process, a child process)
//!   get that parsed request; the loader uses it to detect the encoding.
//! - [`fields`] writes a message's header lines and body with a
//!   `Content-Length`, for inputs that are sent raw without being written
//!   raw (`send: {slow: ...}`, header bytes the client library refuses).
//! - [`ResponseReader`] reads one response from a growing buffer: status
//!   line, headers, then a body framed by `Content-Length`, chunked
//!   encoding or the end of the connection, under caps on the head and the
//!   body.
//!
//! Head lines are parsed by `httparse` (what hyper uses), so a request is
//! well-formed here exactly when a hyper server would parse its head; the
//! body framing is ours and strict: `Transfer-Encoding` other than
//! `chunked`, both `Transfer-Encoding` and `Content-Length`, conflicting or
//! non-numeric lengths, and chunk lines that do not end in CRLF are
//! refused. This is not an HTTP implementation: no pipelining, no upgrades,
//! no trailers kept.

use crate::wire::{Header, HttpMessage, headers_named};

/// The largest request or response head (start line and header lines).
pub const MAX_HEAD_BYTES: usize = 1 << 20;

/// The most header lines a raw request may have.
pub const MAX_REQUEST_HEADERS: usize = 10_000;

/// The most header lines a response may have (as for the hyper client).
pub const MAX_RESPONSE_HEADERS: usize = 1024;

/// The longest chunk-size line (size, extensions, CRLF).
const MAX_CHUNK_LINE: usize = 4096;

/// Why bytes are not a well-formed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// One line, in the words of a server's 400 answer.
    pub reason: String,
    /// The request line and headers, when the head itself parsed.
    pub head: Option<Box<HttpMessage>>,
}

impl Malformed {
    fn new(reason: impl Into<String>, head: Option<HttpMessage>) -> Self {
        Self {
            reason: reason.into(),
            head: head.map(Box::new),
        }
    }
}

/// Parses a raw fixture input: `bytes` is what follows the request line
/// `method path HTTP/1.1`. Returns the request and how many bytes of
/// `bytes` it spans; bytes after that would be a following request on the
/// same connection, which this parse does not look at.
pub fn parse_request(
    method: &str,
    path: &str,
    bytes: &[u8],
) -> Result<(HttpMessage, usize), Malformed> {
    let line = format!("{method} {path} HTTP/1.1\r\n");
    let mut buf = Vec::with_capacity(line.len() + bytes.len().min(MAX_HEAD_BYTES));
    buf.extend_from_slice(line.as_bytes());
    buf.extend_from_slice(&bytes[..bytes.len().min(MAX_HEAD_BYTES)]);
    let mut slots = vec![httparse::EMPTY_HEADER; MAX_REQUEST_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    let head_len = match request.parse(&buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if bytes.len() >= MAX_HEAD_BYTES => {
            return Err(Malformed::new(
                format!("the request head exceeds {MAX_HEAD_BYTES} bytes"),
                None,
            ));
        }
        Ok(httparse::Status::Partial) => {
            return Err(Malformed::new(
                "the request head does not end (no empty line after the headers)",
                None,
            ));
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Malformed::new(
                format!("more than {MAX_REQUEST_HEADERS} header lines"),
                None,
            ));
        }
        Err(e) => return Err(Malformed::new(format!("bad request head: {e}"), None)),
    };
    let head = HttpMessage {
        method: request.method.unwrap_or(method).to_owned(),
        path: request.path.unwrap_or(path).to_owned(),
        status: 0,
        headers: collect(request.headers),
        body: Vec::new(),
    };
    let rest = &bytes[head_len - line.len()..];
    match request_body(&head.headers, rest) {
        Ok((body, used)) => Ok((HttpMessage { body, ..head }, head_len - line.len() + used)),
        Err(reason) => Err(Malformed::new(reason, Some(head))),
    }
}

fn collect(headers: &[httparse::Header<'_>]) -> Vec<Header> {
    headers
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_vec()))
        .collect()
}

/// How a message's body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    None,
    Length(usize),
    Chunked,
    /// Until the connection closes (responses only).
    Close,
}

/// Returns a request's framing (RFC 9112 §6.3, strictly).
fn framing(headers: &[Header], response: bool) -> Result<Framing, String> {
    let mut codings: Vec<String> = Vec::new();
    for value in headers_named(headers, "transfer-encoding") {
        let text = String::from_utf8_lossy(value);
        codings.extend(
            text.split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty()),
        );
    }
    let lengths: Vec<&[u8]> = headers_named(headers, "content-length").collect();
    if headers_named(headers, "transfer-encoding").next().is_some() {
        if !lengths.is_empty() && !response {
            return Err("both Transfer-Encoding and Content-Length are given".into());
        }
        return match codings.last().map(String::as_str) {
            Some("chunked") if codings.len() == 1 => Ok(Framing::Chunked),
            _ if response => Ok(Framing::Close),
            _ => Err(format!(
                "unsupported Transfer-Encoding {:?}; only chunked is understood",
                codings.join(", ")
            )),
        };
    }
    let Some(first) = lengths.first() else {
        return Ok(if response {
            Framing::Close
        } else {
            Framing::None
        });
    };
    if lengths.iter().any(|l| l != first) {
        return Err("conflicting Content-Length values".into());
    }
    content_length(first).map(Framing::Length)
}

/// Parses a `Content-Length` value strictly: digits only, around them
/// optional whitespace, in range.
pub(crate) fn content_length(value: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(value).unwrap_or("").trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "Content-Length {:?} is not a number",
            String::from_utf8_lossy(value)
        ));
    }
    text.parse::<usize>()
        .map_err(|_| format!("Content-Length {text} is out of range"))
}

/// Returns a request body and how many bytes of `rest` it spans.
fn request_body(headers: &[Header], rest: &[u8]) -> Result<(Vec<u8>, usize), String> {
    match framing(headers, false)? {
        Framing::None | Framing::Close => Ok((Vec::new(), 0)),
        Framing::Length(n) if rest.len() < n => Err(format!(
            "the body ends after {} of the {n} bytes Content-Length announces",
            rest.len()
        )),
        Framing::Length(n) => Ok((rest[..n].to_vec(), n)),
        Framing::Chunked => {
            let mut chunked = Chunked::default();
            match chunked.advance(rest, usize::MAX)? {
                Step::Done(end) => Ok((chunked.body, end)),
                Step::More => Err("the chunked body ends before its last chunk".into()),
            }
        }
    }
}

/// Whether a chunked body is complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// More bytes are needed.
    More,
    /// The body (trailers included) ends at this offset.
    Done(usize),
}

/// An incremental decoder of a chunked body: fed the whole body region
/// again as it grows, it resumes where it stopped. Shared by the request
/// parser, [`ResponseReader`] and the load driver (`bench::load`).
#[derive(Debug, Default)]
pub(crate) struct Chunked {
    /// Offset of the next chunk-size line.
    pos: usize,
    /// The data of the chunks read so far.
    pub(crate) body: Vec<u8>,
}

/// Returns the offset just past the next CRLF at or after `from`, and the
/// line before it, or `None` when no CRLF is there yet. A line longer
/// than `limit` is an error.
fn line_at(buf: &[u8], from: usize, limit: usize) -> Result<Option<(&[u8], usize)>, String> {
    let window = &buf[from..buf.len().min(from.saturating_add(limit))];
    match window.windows(2).position(|w| w == b"\r\n") {
        Some(i) => Ok(Some((&window[..i], from + i + 2))),
        None if window.len() >= limit => Err("a chunk line is too long".into()),
        None => {
            if window.contains(&b'\n') {
                return Err("a chunk line ends in a bare LF".into());
            }
            Ok(None)
        }
    }
}

impl Chunked {
    /// Starts a new body, keeping the buffer's capacity.
    pub(crate) fn reset(&mut self) {
        self.pos = 0;
        self.body.clear();
    }

    /// Reads on through `buf` (the body region, from its first chunk-size
    /// line); the body may hold at most `max` bytes.
    pub(crate) fn advance(&mut self, buf: &[u8], max: usize) -> Result<Step, String> {
        loop {
            let Some((line, data)) = line_at(buf, self.pos, MAX_CHUNK_LINE)? else {
                return Ok(Step::More);
            };
            let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
            let size_text = size_text.strip_suffix(b" ").unwrap_or(size_text);
            if size_text.is_empty()
                || size_text.len() > 15
                || !size_text.iter().all(u8::is_ascii_hexdigit)
            {
                return Err(format!(
                    "bad chunk size {:?}",
                    String::from_utf8_lossy(&line[..line.len().min(40)])
                ));
            }
            let size = usize::from_str_radix(std::str::from_utf8(size_text).unwrap_or("0"), 16)
                .map_err(|_| "bad chunk size".to_owned())?;
            if size == 0 {
                // Trailer lines, then an empty line.
                let mut at = data;
                loop {
                    let Some((trailer, next)) = line_at(buf, at, MAX_HEAD_BYTES)? else {
                        return Ok(Step::More);
                    };
                    at = next;
                    if trailer.is_empty() {
                        return Ok(Step::Done(at));
                    }
                }
            }
            if self.body.len().saturating_add(size) > max {
                return Err(format!("the body exceeds the limit of {max} bytes"));
            }
            let end = data.saturating_add(size);
            if buf.len() < end.saturating_add(2) {
                return Ok(Step::More);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err("a chunk is not followed by CRLF".into());
            }
            self.body.extend_from_slice(&buf[data..end]);
            self.pos = end + 2;
        }
    }
}

/// Writes a message's header lines, a `Content-Length` (unless the
/// message frames itself), the empty line and the body: what follows the
/// request line when a well-formed input is sent raw.
pub fn fields(message: &HttpMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.body.len() + 64 * (message.headers.len() + 1));
    for (name, value) in &message.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    let framed = ["content-length", "transfer-encoding"]
        .iter()
        .any(|n| headers_named(&message.headers, n).next().is_some());
    if !framed {
        out.extend_from_slice(format!("content-length: {}\r\n", message.body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&message.body);
    out
}

/// Where a [`ResponseReader`] stands.
#[derive(Debug)]
pub enum Progress {
    /// Read more bytes and call [`ResponseReader::feed`] again.
    NeedMore,
    /// A complete response: status, headers and body.
    Done(HttpMessage),
}

/// Reads one response from a buffer that grows as bytes arrive. Interim
/// (1xx) responses are skipped; the head is capped at [`MAX_HEAD_BYTES`]
/// and [`MAX_RESPONSE_HEADERS`], the body at the cap given.
#[derive(Debug)]
pub struct ResponseReader {
    max_body: usize,
    /// Where the current response starts (after skipped interim ones).
    start: usize,
    /// How far the end of the head was looked for in vain: a target that
    /// trickles its head byte by byte costs linear time, not quadratic.
    scanned: usize,
    head: Option<(HttpMessage, usize, Framing)>,
    chunked: Chunked,
}

impl ResponseReader {
    /// Returns a reader whose bodies may hold at most `max_body` bytes.
    pub fn new(max_body: usize) -> Self {
        Self {
            max_body,
            start: 0,
            scanned: 0,
            head: None,
            chunked: Chunked::default(),
        }
    }

    /// Looks at everything received so far (`buf` only ever grows).
    pub fn feed(&mut self, buf: &[u8]) -> Result<Progress, String> {
        loop {
            if self.head.is_some() {
                return self.body(buf, false);
            }
            let window = &buf[self.start..];
            let prefix = &window[..window.len().min(5)];
            if !b"HTTP/".starts_with(prefix) {
                return Err("the response is not HTTP/1.1: it does not start with HTTP/".into());
            }
            // Parse only once the empty line that ends the head is in.
            let limit = buf.len().min(self.start.saturating_add(MAX_HEAD_BYTES));
            let from = self.scanned.saturating_sub(3).max(self.start).min(limit);
            let ended = buf[from..limit]
                .windows(2)
                .any(|w| w == b"\n\n" || w == b"\n\r");
            if !ended {
                self.scanned = limit;
                if limit - self.start >= MAX_HEAD_BYTES {
                    return Err(format!("the response head exceeds {MAX_HEAD_BYTES} bytes"));
                }
                return Ok(Progress::NeedMore);
            }
            let mut slots = vec![httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
            let mut response = httparse::Response::new(&mut slots);
            let n = match response.parse(&buf[self.start..limit]) {
                Ok(httparse::Status::Complete(n)) => n,
                Ok(httparse::Status::Partial) if limit - self.start >= MAX_HEAD_BYTES => {
                    return Err(format!("the response head exceeds {MAX_HEAD_BYTES} bytes"));
                }
                Ok(httparse::Status::Partial) => {
                    self.scanned = limit;
                    return Ok(Progress::NeedMore);
                }
                Err(e) => return Err(format!("the response is not HTTP/1.1: {e}")),
            };
            let status = response.code.unwrap_or(0);
            if (100..200).contains(&status) {
                if status == 101 {
                    return Err("the target switched protocols (101)".into());
                }
                self.start += n;
                self.scanned = self.start;
                continue;
            }
            let headers = collect(response.headers);
            let framing = if status == 204 || status == 304 {
                Framing::None
            } else {
                framing(&headers, true)?
            };
            if let Framing::Length(len) = framing
                && len > self.max_body
            {
                return Err(format!(
                    "the response body exceeds the limit of {} bytes (Content-Length {len})",
                    self.max_body
                ));
            }
            let message = HttpMessage {
                method: String::new(),
                path: String::new(),
                status,
                headers,
                body: Vec::new(),
            };
            self.head = Some((message, self.start + n, framing));
        }
    }

    /// Ends the read: the connection closed after `buf`.
    pub fn eof(&mut self, buf: &[u8]) -> Result<HttpMessage, String> {
        if self.head.is_none() {
            if let Progress::Done(m) = self.feed(buf)? {
                return Ok(m);
            }
            if self.head.is_none() {
                return Err(if buf.len() == self.start {
                    "the target closed the connection without a response".to_owned()
                } else {
                    "the response broke off in its head".to_owned()
                });
            }
        }
        match self.body(buf, true)? {
            Progress::Done(m) => Ok(m),
            Progress::NeedMore => Err("the response broke off in its body".into()),
        }
    }

    fn body(&mut self, buf: &[u8], eof: bool) -> Result<Progress, String> {
        let Some((head, at, framing)) = &self.head else {
            return Ok(Progress::NeedMore);
        };
        let region = &buf[*at..];
        let done = |body: Vec<u8>| {
            Ok(Progress::Done(HttpMessage {
                body,
                ..head.clone()
            }))
        };
        match framing {
            Framing::None => done(Vec::new()),
            Framing::Length(n) if region.len() >= *n => done(region[..*n].to_vec()),
            Framing::Length(_) => Ok(Progress::NeedMore),
            Framing::Chunked => match self.chunked.advance(region, self.max_body)? {
                Step::Done(_) => done(std::mem::take(&mut self.chunked.body)),
                Step::More => Ok(Progress::NeedMore),
            },
            Framing::Close if region.len() > self.max_body => Err(format!(
                "the response body exceeds the limit of {} bytes",
                self.max_body
            )),
            Framing::Close if eof => done(region.to_vec()),
            Framing::Close => Ok(Progress::NeedMore),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<HttpMessage, String> {
        parse_request("POST", "/", bytes)
            .map(|(m, _)| m)
            .map_err(|m| m.reason)
    }

    #[test]
    fn parses_well_formed_requests() {
        let m = parse(b"ce-id: 1\r\nContent-Length: 3\r\n\r\nabcEXTRA").unwrap();
        assert_eq!(m.method, "POST");
        assert_eq!(m.headers[0], ("ce-id".into(), b"1".to_vec()));
        assert_eq!(m.body, b"abc");
        let (m, used) = parse_request(
            "PUT",
            "/x",
            b"transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n1;e=1\r\nd\r\n0\r\nt: 1\r\n\r\nnext",
        )
        .unwrap();
        assert_eq!((m.method.as_str(), m.path.as_str()), ("PUT", "/x"));
        assert_eq!(m.body, b"abcd");
        assert_eq!(
            used,
            b"transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n1;e=1\r\nd\r\n0\r\nt: 1\r\n\r\n".len()
        );
        assert_eq!(parse(b"x: y\r\n\r\nignored").unwrap().body, b"");
        // obs-text goes through, as it does in hyper.
        assert_eq!(parse(b"ce-x: \xff\r\n\r\n").unwrap().headers[0].1, b"\xff");
    }

    #[test]
    fn refuses_what_a_server_refuses() {
        for (bytes, wanted) in [
            (&b"ce-x: a\0b\r\n\r\n"[..], "bad request head"),
            (b"ce-x: a\rb\r\n\r\n", "bad request head"),
            (b"content-length: 10\r\n\r\nabc", "after 3 of the 10"),
            (
                b"content-length: 1\r\ncontent-length: 2\r\n\r\nab",
                "conflicting",
            ),
            (b"content-length: -1\r\n\r\n", "not a number"),
            (
                b"content-length: 99999999999999999999999\r\n\r\n",
                "out of range",
            ),
            (b"transfer-encoding: gzip\r\n\r\n", "unsupported"),
            (
                b"transfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n",
                "both",
            ),
            (
                b"transfer-encoding: chunked\r\n\r\nzz\r\n",
                "bad chunk size",
            ),
            (
                b"transfer-encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
                "not followed by CRLF",
            ),
            (b"transfer-encoding: chunked\r\n\r\n3\nabc\n", "bare LF"),
            (
                b"transfer-encoding: chunked\r\n\r\n5\r\nab",
                "before its last chunk",
            ),
            (b"ce-id: 1\r\n", "does not end"),
        ] {
            let reason = parse(bytes).unwrap_err();
            assert!(
                reason.contains(wanted),
                "{:?}: {reason}",
                String::from_utf8_lossy(bytes)
            );
        }
        let e = parse_request("POST", "/", b"content-length: 5\r\n\r\nab").unwrap_err();
        assert_eq!(e.head.unwrap().headers.len(), 1, "the head is kept");
    }

    #[test]
    fn writes_fields_with_a_length() {
        let m = HttpMessage::post(vec![("ce-id".into(), b"a\r\nb".to_vec())], b"xy".to_vec());
        assert_eq!(fields(&m), b"ce-id: a\r\nb\r\ncontent-length: 2\r\n\r\nxy");
    }

    fn read(chunks: &[&[u8]], max: usize) -> Result<HttpMessage, String> {
        let mut reader = ResponseReader::new(max);
        let mut buf = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            if let Progress::Done(m) = reader.feed(&buf)? {
                return Ok(m);
            }
        }
        reader.eof(&buf)
    }

    #[test]
    fn reads_responses_in_pieces() {
        let m = read(
            &[
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-len",
                b"gth: 2\r\n\r\na",
                b"b",
            ],
            10,
        )
        .unwrap();
        assert_eq!((m.status, m.body.as_slice()), (200, &b"ab"[..]));
        let m = read(
            &[
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r",
                b"\nab\r\n0\r\n\r\n",
            ],
            10,
        )
        .unwrap();
        assert_eq!(m.body, b"ab");
        let m = read(&[b"HTTP/1.0 200 OK\r\n\r\nuntil close"], 100).unwrap();
        assert_eq!(m.body, b"until close");
        let m = read(&[b"HTTP/1.1 204 No Content\r\n\r\n"], 10).unwrap();
        assert!(m.body.is_empty());
    }

    #[test]
    fn reads_a_head_trickled_byte_by_byte() {
        let response = b"HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 2\r\n\r\nok";
        let chunks: Vec<&[u8]> = response.chunks(1).collect();
        let m = read(&chunks, 10).unwrap();
        assert_eq!((m.status, m.body.as_slice()), (200, &b"ok"[..]));
        // A long head trickled in: found once, without a parse per byte.
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        head.extend((0..500).flat_map(|i| format!("x-{i}: v\r\n").into_bytes()));
        head.extend_from_slice(b"content-length: 0\r\n\r\n");
        let chunks: Vec<&[u8]> = head.chunks(1).collect();
        assert_eq!(read(&chunks, 10).unwrap().headers.len(), 501);
        // Garbage is refused at once, before any empty line.
        let mut reader = ResponseReader::new(10);
        assert!(reader.feed(b"HTT").is_ok(), "too early to tell");
        assert!(reader.feed(b"HTTX/1.1").is_err());
        assert!(ResponseReader::new(10).feed(b"SMTP").is_err());
    }

    #[test]
    fn refuses_broken_responses() {
        for (chunks, wanted) in [
            (&[&b""[..]][..], "without a response"),
            (&[b"SMTP ready\r\n\r\n"], "not HTTP/1.1"),
            (
                &[b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab"],
                "broke off in its body",
            ),
            (&[b"HTTP/1.1 200 OK\r\ncontent-"], "broke off in its head"),
            (
                &[b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n"],
                "exceeds the limit",
            ),
            (
                &[b"HTTP/1.1 200 OK\r\n\r\n", &[b'x'; 20]],
                "exceeds the limit",
            ),
            (
                &[b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n20\r\n"],
                "exceeds the limit",
            ),
            (&[b"HTTP/1.1 101 Switching\r\n\r\n"], "switched protocols"),
        ] {
            let e = read(chunks, 10).unwrap_err();
            assert!(e.contains(wanted), "{e}");
        }
    }
}
