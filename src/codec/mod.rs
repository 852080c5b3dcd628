//! The reference implementation's codecs: the JSON event format and the
//! HTTP and Kafka bindings, plus the dispatch by [`Encoding`].
//!
//! `decode` is total: any message in, events or violations out. `encode`
//! writes conformant messages; [`render`] writes an abstract fixture event
//! (possibly invalid) faithfully, so invalid cases can be put on the wire.

pub mod builder;
mod direct;
pub mod floor;
pub mod http;
pub mod json;
pub mod kafka;
#[cfg(test)]
mod oracle;
pub mod percent;
mod render;
mod scan;
mod typing;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use render::render;

use crate::event::Event;
use crate::rules::Violation;
use crate::wire::{JsonDocument, MEDIA_JSON, MEDIA_JSON_BATCH, Message};

/// A content mode of a binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Binary,
    Structured,
    Batch,
}

/// Every way an event or batch is put on the wire (DESIGN.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Json,
    JsonBatch,
    HttpBinary,
    HttpStructured,
    HttpBatch,
    KafkaBinary,
    KafkaStructured,
}

impl Encoding {
    /// Every encoding, in report order.
    pub const ALL: [Encoding; 7] = [
        Self::Json,
        Self::JsonBatch,
        Self::HttpBinary,
        Self::HttpStructured,
        Self::HttpBatch,
        Self::KafkaBinary,
        Self::KafkaStructured,
    ];

    /// The encodings an abstract fixture event is rendered into by default.
    pub const SINGLE: [Encoding; 5] = [
        Self::Json,
        Self::HttpBinary,
        Self::HttpStructured,
        Self::KafkaBinary,
        Self::KafkaStructured,
    ];

    /// Returns the name used in fixtures, reports and capabilities.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::JsonBatch => "json-batch",
            Self::HttpBinary => "http-binary",
            Self::HttpStructured => "http-structured",
            Self::HttpBatch => "http-batch",
            Self::KafkaBinary => "kafka-binary",
            Self::KafkaStructured => "kafka-structured",
        }
    }

    /// Returns the binding: `json`, `http` or `kafka`.
    pub fn binding(self) -> &'static str {
        match self {
            Self::Json | Self::JsonBatch => "json",
            Self::HttpBinary | Self::HttpStructured | Self::HttpBatch => "http",
            Self::KafkaBinary | Self::KafkaStructured => "kafka",
        }
    }

    /// Returns true for encodings that carry a list of events.
    pub fn is_batch(self) -> bool {
        matches!(self, Self::JsonBatch | Self::HttpBatch)
    }

    /// Returns the encodings of the same binding, in report order.
    pub fn siblings(self) -> impl Iterator<Item = Encoding> {
        Self::ALL
            .into_iter()
            .filter(move |e| e.binding() == self.binding())
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown encoding {s:?}; expected one of {}",
                    Self::ALL.map(Encoding::as_str).join(", ")
                )
            })
    }
}

/// Events decoded from a message, with the encoding found and any warnings.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub events: Vec<Event>,
    pub encoding: Encoding,
    /// Violations of SHOULD and MAY rules; MUST violations reject instead.
    pub warnings: Vec<Violation>,
}

/// Decodes any message with the strict reference implementation. `Err`
/// holds every violation found, at least one of which rejects.
pub fn decode(message: &Message) -> Result<Decoded, Vec<Violation>> {
    match message {
        Message::Http(m) => http::decode(m),
        Message::Kafka(r) => kafka::decode(r),
        Message::Json(d) => decode_document(d),
    }
}

fn decode_document(doc: &JsonDocument) -> Result<Decoded, Vec<Violation>> {
    if http::detect_mode(Some(doc.media_type.as_bytes())) == Mode::Batch {
        let (events, warnings) = json::decode_batch(&doc.body)?;
        Ok(Decoded {
            events,
            encoding: Encoding::JsonBatch,
            warnings,
        })
    } else {
        let (event, warnings) = json::decode_event(&doc.body)?;
        Ok(Decoded {
            events: vec![event],
            encoding: Encoding::Json,
            warnings,
        })
    }
}

/// Why events could not be encoded.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("{encoding} carries exactly one event, not {count}")]
    NotOneEvent { encoding: Encoding, count: usize },
    #[error("cannot render the fixture event in {encoding}: {reason}")]
    Unrenderable { encoding: Encoding, reason: String },
}

/// Encodes like [`encode`], taking the events by value: one event in HTTP
/// binary mode moves its data into the body instead of copying it (an echo
/// server is done with the events it decoded).
pub fn encode_owned(mut events: Vec<Event>, encoding: Encoding) -> Result<Message, EncodeError> {
    match (encoding, events.pop()) {
        (Encoding::HttpBinary, Some(event)) if events.is_empty() => {
            Ok(Message::Http(http::into_binary(event)))
        }
        (_, last) => {
            events.extend(last);
            encode(&events, encoding)
        }
    }
}

/// Encodes events in `encoding` with the reference implementation.
pub fn encode(events: &[Event], encoding: Encoding) -> Result<Message, EncodeError> {
    let one = || match events {
        [event] => Ok(event),
        _ => Err(EncodeError::NotOneEvent {
            encoding,
            count: events.len(),
        }),
    };
    Ok(match encoding {
        Encoding::Json => Message::Json(JsonDocument {
            media_type: MEDIA_JSON.into(),
            body: json::encode_event(one()?),
        }),
        Encoding::JsonBatch => Message::Json(JsonDocument {
            media_type: MEDIA_JSON_BATCH.into(),
            body: json::encode_batch(events),
        }),
        Encoding::HttpBinary => Message::Http(http::encode_binary(one()?)),
        Encoding::HttpStructured => Message::Http(http::encode_structured(one()?)),
        Encoding::HttpBatch => Message::Http(http::encode_batch(events)),
        Encoding::KafkaBinary => Message::Kafka(kafka::encode_binary(one()?)),
        Encoding::KafkaStructured => Message::Kafka(kafka::encode_structured(one()?)),
    })
}

#[cfg(test)]
mod owned_tests {
    use super::*;

    #[test]
    fn encode_owned_writes_what_encode_writes() {
        let (event, _) = json::decode_event(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"application/json","data":{"a":[1,2]}}"#,
        )
        .unwrap();
        for encoding in Encoding::ALL {
            let events = if encoding.is_batch() {
                vec![event.clone(), event.clone()]
            } else {
                vec![event.clone()]
            };
            assert_eq!(
                encode_owned(events.clone(), encoding),
                encode(&events, encoding),
                "{encoding}"
            );
        }
        assert_eq!(
            encode_owned(vec![event.clone(), event.clone()], Encoding::HttpBinary),
            encode(&[event.clone(), event], Encoding::HttpBinary),
            "two events in binary mode are refused alike"
        );
    }
}
