//! Plain wire messages: an HTTP request or response, a Kafka record, and a
//! raw event-format document. They hold bytes exactly as sent, so invalid
//! input (raw non-ASCII header values, repeated headers, broken JSON) can be
//! expressed and judged. Conversions to and from fixtures and the child
//! process protocol live with those formats (`suite`, `target::stdio`).
//!
//! [`RawHttp`] is the one exception to "a message, not its framing": the
//! exact bytes of a request that an HTTP client library refuses to send
//! (CR, LF or NUL in a header value, a wrong `Content-Length`, broken
//! chunked framing) or that has to be sent slowly. Its parsing lives in
//! [`crate::http1`], its sending in `target::raw`.

use std::time::Duration;

/// The media type of a single JSON-format event.
pub const MEDIA_JSON: &str = "application/cloudevents+json";
/// The media type of a JSON-format batch.
pub const MEDIA_JSON_BATCH: &str = "application/cloudevents-batch+json";

/// One header: the name as written, the value as raw bytes.
pub type Header = (String, Vec<u8>);

/// An HTTP message (request or response) of the HTTP protocol binding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpMessage {
    /// Method of a request (`POST` by default); empty for a response.
    pub method: String,
    /// Request target path (`/` by default).
    pub path: String,
    /// Status code of a response; 0 for a request.
    pub status: u16,
    /// Headers in order, duplicates and case kept.
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

/// A Kafka record of the Kafka protocol binding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KafkaRecord {
    pub key: Option<Vec<u8>>,
    /// Headers in order; Kafka header names are case-sensitive.
    pub headers: Vec<Header>,
    /// `None` is a null value (a tombstone).
    pub value: Option<Vec<u8>>,
}

/// A raw event-format document with the media type it was labelled with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonDocument {
    pub media_type: String,
    pub body: Vec<u8>,
}

/// Any message a target can be given or can return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Http(HttpMessage),
    Kafka(KafkaRecord),
    Json(JsonDocument),
}

impl Message {
    /// Returns the name of the message's binding: `http`, `kafka` or `json`.
    pub fn binding(&self) -> &'static str {
        match self {
            Self::Http(_) => "http",
            Self::Kafka(_) => "kafka",
            Self::Json(_) => "json",
        }
    }

    /// Returns the size of the message's own parts: headers (name, ": ", value,
    /// CRLF), key and body. It leaves out the start line, the empty line and the
    /// headers a transport adds (for HTTP `Host`, `Content-Length`, `X-Echo-Mode`),
    /// so it is a throughput measure for `cespec bench`, not the complete wire
    /// size CORE-SIZE-1 counts (`fixtures/large/generate.py` sizes that request).
    pub fn wire_size(&self) -> usize {
        let headers = |h: &[Header]| h.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>();
        match self {
            Self::Http(m) => headers(&m.headers) + m.body.len(),
            Self::Kafka(r) => {
                headers(&r.headers)
                    + r.key.as_ref().map_or(0, Vec::len)
                    + r.value.as_ref().map_or(0, Vec::len)
            }
            Self::Json(d) => d.body.len(),
        }
    }
}

impl HttpMessage {
    /// Returns the headers as an `http` header map (as hyper hands a server
    /// a request's), in order, repeats kept; `None` when a name or a value
    /// is not one the map takes, or there are more than it holds (hyper
    /// would have refused such a request).
    pub fn to_header_map(&self) -> Option<hyper::HeaderMap> {
        use hyper::header::{HeaderName, HeaderValue};
        let mut map = hyper::HeaderMap::try_with_capacity(self.headers.len()).ok()?;
        for (name, value) in &self.headers {
            map.try_append(
                HeaderName::from_bytes(name.as_bytes()).ok()?,
                HeaderValue::from_bytes(value).ok()?,
            )
            .ok()?;
        }
        Some(map)
    }

    /// Returns a `POST /` request with these headers and body.
    pub fn post(headers: Vec<Header>, body: Vec<u8>) -> Self {
        Self {
            method: "POST".into(),
            path: "/".into(),
            status: 0,
            headers,
            body,
        }
    }

    /// Returns the values of every header named `name` (case-insensitive).
    pub fn header_values<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        headers_named(&self.headers, name)
    }

    /// Returns the first header named `name` (case-insensitive) as text, if it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name)
            .next()
            .and_then(|v| std::str::from_utf8(v).ok())
    }
}

impl KafkaRecord {
    /// Returns the first header with exactly `name` as text, if it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
}

/// Iterates the values of headers whose name equals `name` ignoring ASCII case.
pub fn headers_named<'a, 'n>(
    headers: &'a [Header],
    name: &'n str,
) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
}

/// An HTTP request written byte for byte, sent over a plain TCP stream
/// instead of through an HTTP client (`input.http.raw` and `send:` in a
/// fixture, `suites/README.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawHttp {
    /// What follows the request line and the harness's own headers (`Host`,
    /// `X-Echo-Mode`): header lines, the empty line and the body, exactly as
    /// sent, including anything after the message's own end.
    pub bytes: Vec<u8>,
    /// How the bytes are paced; `None` writes them at once.
    pub pace: Option<Pace>,
    /// Whether the sender closes its sending half (a TCP FIN) after the last
    /// byte, so a request that is cut short can never complete.
    pub shutdown: bool,
    /// Why cespec's bounded HTTP/1.1 parser refuses the bytes, if it does.
    /// A target reached without a socket (in process, a child process) is
    /// handed the parsed request, or this reason as a rejection.
    pub malformed: Option<String>,
}

/// Slow sending: `chunk` bytes every `interval`, until `max` has passed;
/// whatever is left then goes out at once, so a case stays bounded in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub chunk: usize,
    pub interval: Duration,
    pub max: Duration,
}
