//! cespec adapter for the Rust CloudEvents SDK, crate `cloudevents-sdk`
//! 0.9.0 (library name `cloudevents`).
//!
//! [`RustSdk`] implements [`cespec::target::Implementation`] with the SDK's
//! own `cloudevents::Event` as its event type, so the SDK can be tested
//! in-process (`tests/conformance.rs`) and, through the same functions, by
//! the `rust-sdk-adapter` binary (HTTP echo server and stdio protocol).
//!
//! The adapter is thin. Every decision about a message is the SDK's:
//!
//! | step | SDK call |
//! | --- | --- |
//! | HTTP message to event (any mode) | `cloudevents::binding::http::to_event(&http::HeaderMap, Vec<u8>)` |
//! | event to HTTP binary | `http::Request::<Option<Vec<u8>>>::try_from(event)` (the SDK's `TryFrom` impl) |
//! | event to HTTP structured | `StructuredDeserializer::deserialize_structured(event, binding::http::Serializer::new(..))` |
//! | JSON document to event(s) | `serde_json::from_slice::<Event>` / `::<Vec<Event>>` (the SDK's `Deserialize`) |
//! | event(s) to JSON document | the structured writer's body / `serde_json::to_vec(&Vec<Event>)` (the SDK's `Serialize`) |
//!
//! The only glue is turning wire bytes into the SDK's input types
//! ([`header_map`]) and its output types back into wire bytes. Nothing is
//! lower-cased, trimmed, decoded or validated on the SDK's behalf.

use std::convert::TryFrom;

use cespec::codec::Encoding;
use cespec::target::{Capabilities, Implementation, ImplementationInfo};
use cespec::wire::{Header, HttpMessage, JsonDocument, MEDIA_JSON_BATCH, Message};
use cloudevents::Event;
use cloudevents::binding::http::{Builder, Serializer};
use cloudevents::message::StructuredDeserializer;
use http::header::{HeaderMap, HeaderName, HeaderValue};

/// The SDK version this adapter is built against (pinned with `=` in Cargo.toml).
pub const SDK_VERSION: &str = "0.9.0";

/// The implementation name shown in reports.
pub const NAME: &str = "rust-sdk";

/// The capabilities of `cloudevents-sdk` 0.9.0 as this adapter exposes it.
///
/// - `http-binary`, `http-structured`: the `http-binding` feature.
/// - `json`, `json-batch`: the SDK's serde `Serialize`/`Deserialize` for
///   `Event`; a batch is a `Vec<Event>`, which is exactly what the SDK's own
///   (client-side) batch reader and writer call.
/// - `specversion-0.3`: `SpecVersion::V03`.
///
/// Not declared: `http-batch` (the SDK's HTTP binding has no batch mode on
/// the receiving side; its only batch helpers belong to the `reqwest`
/// client) and `kafka-*` (the `rdkafka` feature needs librdkafka, built from
/// C sources with cmake). See README.md.
pub const CAPABILITIES: [&str; 5] = [
    "http-binary",
    "http-structured",
    "json",
    "json-batch",
    "specversion-0.3",
];

/// The Rust SDK as a cespec [`Implementation`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RustSdk {
    _private: (),
}

impl Implementation for RustSdk {
    type Event = Event;

    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: NAME.to_owned(),
            language: "rust".to_owned(),
            version: SDK_VERSION.to_owned(),
        }
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES.iter().map(|c| (*c).to_owned()).collect()
    }

    fn decode(&self, message: &Message) -> Result<Vec<Event>, String> {
        match message {
            Message::Http(m) => decode_http(&m.headers, m.body.clone()).map(|e| vec![e]),
            Message::Json(d) => decode_json(d),
            Message::Kafka(_) => Err(format!("unsupported: {}", kafka_gap())),
        }
    }

    fn encode(&self, events: &[Event], encoding: Encoding) -> Result<Message, String> {
        encode(events, encoding).map_err(|e| e.to_string())
    }
}

/// Why an encode did not produce a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The SDK has no writer for this encoding (or for this many events):
    /// a capability gap, never asked for by cespec.
    Unsupported(String),
    /// The SDK's writer failed (for example a header value the `http`
    /// crate refuses): a robustness failure of the SDK.
    Failed(String),
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsupported(why) => write!(f, "unsupported: {why}"),
            Self::Failed(why) => write!(f, "encode failed: {why}"),
        }
    }
}

/// Encodes `events` in `encoding` with the SDK's writers.
pub fn encode(events: &[Event], encoding: Encoding) -> Result<Message, EncodeError> {
    match encoding {
        Encoding::HttpBinary => encode_binary(single(events, encoding)?)
            .map(Message::Http)
            .map_err(EncodeError::Failed),
        Encoding::HttpStructured => encode_structured(single(events, encoding)?)
            .map(Message::Http)
            .map_err(EncodeError::Failed),
        Encoding::Json => {
            let m = encode_structured(single(events, encoding)?).map_err(EncodeError::Failed)?;
            let media_type = m
                .header("content-type")
                .ok_or_else(|| {
                    EncodeError::Failed("the SDK's structured writer set no Content-Type".into())
                })?
                .to_owned();
            Ok(Message::Json(JsonDocument {
                media_type,
                body: m.body,
            }))
        }
        Encoding::JsonBatch => {
            let body =
                serde_json::to_vec(events).map_err(|e| EncodeError::Failed(e.to_string()))?;
            Ok(Message::Json(JsonDocument {
                media_type: MEDIA_JSON_BATCH.to_owned(),
                body,
            }))
        }
        Encoding::HttpBatch => Err(EncodeError::Unsupported(http_batch_gap())),
        Encoding::KafkaBinary | Encoding::KafkaStructured => {
            Err(EncodeError::Unsupported(kafka_gap()))
        }
    }
}

/// Why `http-batch` is not supported.
pub fn http_batch_gap() -> String {
    format!(
        "http-batch: cloudevents-sdk {SDK_VERSION} has no HTTP batch writer outside the \
         reqwest client"
    )
}

fn kafka_gap() -> String {
    format!(
        "kafka: the adapter is built without cloudevents-sdk {SDK_VERSION}'s rdkafka feature \
         (it needs librdkafka)"
    )
}

fn single(events: &[Event], encoding: Encoding) -> Result<&Event, EncodeError> {
    match events {
        [event] => Ok(event),
        _ => Err(EncodeError::Unsupported(format!(
            "{encoding}: {} events cannot be written as one",
            events.len()
        ))),
    }
}

/// Builds the `http::HeaderMap` the SDK takes from raw header pairs, in
/// order, repeated names kept (`append`). A name or value the `http` crate
/// refuses cannot reach the SDK at all, so it is a rejection, with the
/// reason.
pub fn header_map(headers: &[Header]) -> Result<HeaderMap, String> {
    // `HeaderMap` holds at most 32,768 entries and its plain `with_capacity`
    // and `append` panic beyond that; an HTTP server on the http crate
    // (hyper) refuses such a request with 431, so the adapter refuses it
    // too instead of dying.
    let too_many = |e: http::header::MaxSizeReached| {
        format!(
            "{} headers: the http crate cannot hold them ({e}), so the SDK cannot be given them",
            headers.len()
        )
    };
    let mut map = HeaderMap::try_with_capacity(headers.len()).map_err(too_many)?;
    for (name, value) in headers {
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
            format!("the http crate refuses the header name {name:?} ({e}), so the SDK cannot be given it")
        })?;
        let v = HeaderValue::from_bytes(value).map_err(|e| {
            format!(
                "the http crate refuses the value of header {name:?} ({e}), so the SDK cannot be given it"
            )
        })?;
        map.try_append(n, v).map_err(too_many)?;
    }
    Ok(map)
}

/// Decodes an HTTP message with `cloudevents::binding::http::to_event`.
pub fn decode_http(headers: &[Header], body: Vec<u8>) -> Result<Event, String> {
    let map = header_map(headers)?;
    cloudevents::binding::http::to_event(&map, body).map_err(|e| e.to_string())
}

/// Decodes a JSON-format document with the SDK's serde `Deserialize`. A
/// batch media type (by the prefix test the SDK's own batch reader uses)
/// is read as `Vec<Event>`.
pub fn decode_json(document: &JsonDocument) -> Result<Vec<Event>, String> {
    if document.media_type.starts_with(MEDIA_JSON_BATCH) {
        serde_json::from_slice::<Vec<Event>>(&document.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Event>(&document.body)
            .map(|e| vec![e])
            .map_err(|e| e.to_string())
    }
}

/// Writes `event` in HTTP binary mode with the SDK's
/// `TryFrom<Event> for http::Request<Option<T>>`.
pub fn encode_binary(event: &Event) -> Result<HttpMessage, String> {
    let request =
        http::Request::<Option<Vec<u8>>>::try_from(event.clone()).map_err(|e| e.to_string())?;
    let (parts, body) = request.into_parts();
    Ok(HttpMessage::post(
        headers_of(&parts.headers),
        body.unwrap_or_default(),
    ))
}

/// Writes `event` in HTTP structured mode with the SDK's structured
/// serializer (`binding::http::Serializer` driven by the event's
/// `StructuredDeserializer`), collecting what it sets.
pub fn encode_structured(event: &Event) -> Result<HttpMessage, String> {
    StructuredDeserializer::deserialize_structured(
        event.clone(),
        Serializer::new(Collect::default()),
    )
    .map_err(|e| e.to_string())
}

/// Returns a header map's entries as raw pairs, in the map's order.
pub fn headers_of(map: &HeaderMap) -> Vec<Header> {
    map.iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect()
}

/// A [`Builder`] that records what the SDK's serializer writes.
#[derive(Default)]
struct Collect {
    headers: Vec<Header>,
}

impl Builder<HttpMessage> for Collect {
    fn header(&mut self, key: &str, value: HeaderValue) {
        self.headers
            .push((key.to_owned(), value.as_bytes().to_vec()));
    }

    fn body(&mut self, bytes: Vec<u8>) -> cloudevents::message::Result<HttpMessage> {
        Ok(HttpMessage::post(std::mem::take(&mut self.headers), bytes))
    }

    fn finish(&mut self) -> cloudevents::message::Result<HttpMessage> {
        self.body(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &[u8])]) -> Vec<Header> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
            .collect()
    }

    fn minimal() -> Vec<Header> {
        h(&[
            ("ce-specversion", b"1.0"),
            ("ce-id", b"1"),
            ("ce-source", b"/s"),
            ("ce-type", b"t"),
        ])
    }

    #[test]
    fn the_pin_matches_the_manifest() {
        let manifest = include_str!("../Cargo.toml");
        assert!(
            manifest.contains(&format!(
                "cloudevents-sdk = {{ version = \"={SDK_VERSION}\""
            )),
            "Cargo.toml must pin cloudevents-sdk to ={SDK_VERSION}"
        );
    }

    #[test]
    fn binary_round_trip() {
        let event = decode_http(&minimal(), Vec::new()).unwrap();
        let out = encode_binary(&event).unwrap();
        assert_eq!(out.header("ce-id"), Some("1"));
        assert_eq!(out.header("ce-specversion"), Some("1.0"));
        assert!(out.body.is_empty());
    }

    #[test]
    fn structured_output_is_the_sdks_json() {
        let event = decode_http(&minimal(), Vec::new()).unwrap();
        let out = encode_structured(&event).unwrap();
        assert_eq!(
            out.header("content-type"),
            Some("application/cloudevents+json")
        );
        let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
        assert_eq!(v["id"], "1");
    }

    #[test]
    fn a_header_the_http_crate_refuses_is_a_rejection() {
        let mut headers = minimal();
        headers.push(("ce-x".into(), b"a\nb".to_vec()));
        let e = decode_http(&headers, Vec::new()).unwrap_err();
        assert!(e.contains("http crate refuses"), "{e}");
    }

    #[test]
    fn json_batch_is_a_vec() {
        let doc = JsonDocument {
            media_type: MEDIA_JSON_BATCH.into(),
            body: br#"[{"specversion":"1.0","id":"1","source":"/s","type":"t"}]"#.to_vec(),
        };
        let events = decode_json(&doc).unwrap();
        assert_eq!(events.len(), 1);
        let Message::Json(out) = RustSdk::default()
            .encode(&events, Encoding::JsonBatch)
            .unwrap()
        else {
            panic!("not JSON")
        };
        assert_eq!(out.media_type, MEDIA_JSON_BATCH);
    }

    #[test]
    fn non_ascii_output_is_written_as_raw_utf8() {
        // Finding D1: no percent-encoding; http 1.x accepts bytes >= 0x80.
        let doc = JsonDocument {
            media_type: "application/cloudevents+json".into(),
            body: r#"{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"café"}"#
                .as_bytes()
                .to_vec(),
        };
        let events = decode_json(&doc).unwrap();
        let out = encode_binary(&events[0]).unwrap();
        assert_eq!(
            out.header_values("ce-subject").next(),
            Some("café".as_bytes())
        );
    }
}
