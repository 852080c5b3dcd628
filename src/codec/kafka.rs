//! The Kafka protocol binding (`bindings/kafka-protocol-binding.md`) over a
//! plain [`KafkaRecord`]: `content-type` selects structured mode, anything
//! else (including no header) is binary mode with `ce_` headers.
//!
//! Header values are raw UTF-8 and are never percent-decoded (KAFKA-BIN-5);
//! header names are case-sensitive, so the prefix is exactly `ce_`.

mod fast;

use std::borrow::Cow;

use super::builder::{Built, EventBuilder, Origin, RawValue, conclude};
use super::http::{
    Body, binary_content_type, detect_mode, essence, is_binary_header_attribute, set_body,
};
use super::{Decoded, Encoding, Mode, json};
use crate::event::{Data, Event};
use crate::rules::Violation;
use crate::wire::{KafkaRecord, MEDIA_JSON};

/// The header that carries `datacontenttype` or the format's media type.
pub const CONTENT_TYPE: &str = "content-type";

fn content_types(record: &KafkaRecord) -> impl Iterator<Item = &[u8]> {
    record
        .headers
        .iter()
        .filter(|(n, _)| n == CONTENT_TYPE)
        .map(|(_, v)| v.as_slice())
}

/// Decodes a Kafka record in whichever mode its `content-type` selects.
pub fn decode(record: &KafkaRecord) -> Result<Decoded, Vec<Violation>> {
    let ct = content_types(record).next();
    match detect_mode(ct) {
        Mode::Batch => {
            let mut v = Violation::new("KAFKA-GEN-1", "the Kafka binding defines no batch mode");
            v.refuse = true;
            Err(vec![v.at("header content-type")])
        }
        Mode::Structured => {
            let ct = ct.unwrap_or_default();
            if essence(ct) != MEDIA_JSON {
                let mut v = Violation::new(
                    "KAFKA-MODE-2",
                    format!(
                        "event format {:?} is not supported; the reference knows only the JSON format",
                        String::from_utf8_lossy(ct)
                    ),
                );
                v.refuse = true;
                return Err(vec![v.at("header content-type")]);
            }
            let Some(value) = &record.value else {
                return Err(vec![Violation::new(
                    "KAFKA-STR-2",
                    "a structured record has a value; this one is null",
                )]);
            };
            let (event, warnings) = json::decode_event(value)?;
            Ok(Decoded {
                events: vec![event],
                encoding: Encoding::KafkaStructured,
                warnings,
            })
        }
        Mode::Binary => {
            let (event, warnings) = match fast::binary(record) {
                Some((mut event, warnings)) => {
                    set_record_data(&mut event, record);
                    (event, warnings)
                }
                None => decode_binary(record)?,
            };
            Ok(Decoded {
                events: vec![event],
                encoding: Encoding::KafkaBinary,
                warnings,
            })
        }
    }
}

fn decode_binary(record: &KafkaRecord) -> Built {
    // `seen` refuses repeated names before they reach the builder.
    let mut builder = EventBuilder::with_capacity(Origin::Header, record.headers.len()).unique();
    let mut seen: std::collections::HashSet<&str> =
        std::collections::HashSet::with_capacity(record.headers.len().min(64));
    let mut any_ce = false;
    for (name, raw) in &record.headers {
        let at = || format!("header {name}");
        if name == CONTENT_TYPE {
            continue;
        }
        let Some(attribute) = name.strip_prefix("ce_") else {
            continue;
        };
        any_ce = true;
        if seen.contains(&attribute) {
            builder.violation(
                Violation::new(
                    "CORE-CTX-2",
                    format!("header {name} is repeated; an attribute appears at most once"),
                )
                .at(at()),
            );
            continue;
        }
        seen.insert(attribute);
        if attribute == "datacontenttype" {
            builder.violation(Violation::new("KAFKA-BIN-1", "binary mode carries datacontenttype in the content-type header, not in ce_datacontenttype").at(at()));
            continue;
        }
        match std::str::from_utf8(raw) {
            Ok(text) => builder.push(attribute, RawValue::Str(Cow::Borrowed(text))),
            Err(_) => builder
                .violation(Violation::new("KAFKA-BIN-4", "a header value is not UTF-8").at(at())),
        }
    }
    if !any_ce {
        builder.violation(Violation::new(
            "KAFKA-MODE-3",
            "no ce_ headers and no CloudEvents content-type: this is not a CloudEvent",
        ));
    }
    let mut cts = content_types(record);
    if let Some(ct) = cts.next() {
        match std::str::from_utf8(ct) {
            Ok(text) => builder.push("datacontenttype", RawValue::Str(Cow::Borrowed(text))),
            Err(_) => builder.violation(
                Violation::new("KAFKA-BIN-4", "the content-type value is not UTF-8")
                    .at("header content-type"),
            ),
        }
    }
    if cts.next().is_some() {
        builder.violation(
            Violation::new(
                "CORE-CTX-2",
                "content-type is repeated, so datacontenttype would appear twice",
            )
            .at("header content-type"),
        );
    }
    let (mut event, violations) = builder.finish();
    set_record_data(&mut event, record);
    conclude(event, violations)
}

/// Sets the data a binary-mode record's value carries as `event`'s.
fn set_record_data(event: &mut Event, record: &KafkaRecord) {
    match record.value.as_deref() {
        Some(value) => set_body(event, Body::Borrowed(value)),
        None => event.set_data(Data::None),
    }
}

/// Encodes one event in binary mode: a null value when there is no data.
pub fn encode_binary(event: &Event) -> KafkaRecord {
    let mut headers = Vec::with_capacity(event.attribute_count() + 2);
    headers.push((
        "ce_specversion".to_owned(),
        event.specversion().as_str().as_bytes().to_vec(),
    ));
    for (name, value) in event.attributes() {
        if is_binary_header_attribute(event, name) {
            headers.push((format!("ce_{name}"), value.canonical().as_bytes().to_vec()));
        }
    }
    if let Some(ct) = binary_content_type(event) {
        headers.push((CONTENT_TYPE.to_owned(), ct.as_bytes().to_vec()));
    }
    let value = (!event.data().is_none()).then(|| event.data().body_bytes().to_vec());
    KafkaRecord {
        key: None,
        headers,
        value,
    }
}

/// Encodes one event in structured mode with the JSON format.
pub fn encode_structured(event: &Event) -> KafkaRecord {
    KafkaRecord {
        key: None,
        headers: vec![(CONTENT_TYPE.to_owned(), MEDIA_JSON.as_bytes().to_vec())],
        value: Some(json::encode_event(event)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k0(extra: &[(&str, &[u8])], value: Option<&[u8]>) -> KafkaRecord {
        let mut headers: Vec<(String, Vec<u8>)> = [
            ("ce_specversion", "1.0"),
            ("ce_id", "1"),
            ("ce_source", "/s"),
            ("ce_type", "t.x"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.as_bytes().to_vec()))
        .collect();
        headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_vec())));
        KafkaRecord {
            key: Some(b"k".to_vec()),
            headers,
            value: value.map(<[u8]>::to_vec),
        }
    }

    fn rules(r: &Result<Decoded, Vec<Violation>>) -> Vec<&str> {
        match r {
            Ok(_) => vec![],
            Err(v) => v
                .iter()
                .filter(|v| v.is_error())
                .map(|v| v.rule.as_str())
                .collect(),
        }
    }

    #[test]
    fn binary_values_are_raw_utf8() {
        let d = decode(&k0(&[("ce_subject", "Euro%20€".as_bytes())], None)).unwrap();
        assert_eq!(d.events[0].get_str("subject"), Some("Euro%20€"));
        assert!(d.events[0].data().is_none());
        assert!(d.events[0].get("key").is_none());
        assert_eq!(
            rules(&decode(&k0(&[("ce_subject", &[0xff, 0xfe])], None))),
            ["KAFKA-BIN-4"]
        );
    }

    #[test]
    fn content_type_selects_mode_and_maps_to_datacontenttype() {
        let d = decode(&k0(
            &[("content-type", b"application/avro")],
            Some(b"\x01\x02"),
        ))
        .unwrap();
        assert_eq!(d.events[0].datacontenttype(), Some("application/avro"));
        assert_eq!(d.events[0].data(), &Data::Bytes(vec![1, 2]));
        let s = KafkaRecord {
            key: None,
            headers: vec![(
                "content-type".into(),
                b"application/cloudevents+json".to_vec(),
            )],
            value: Some(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x"}"#.to_vec()),
        };
        assert_eq!(decode(&s).unwrap().encoding, Encoding::KafkaStructured);
        assert_eq!(
            rules(&decode(&k0(&[("ce_datacontenttype", b"text/plain")], None))),
            ["KAFKA-BIN-1"]
        );
    }

    #[test]
    fn no_data_is_a_null_value() {
        let d = decode(&k0(&[], None)).unwrap();
        let out = encode_binary(&d.events[0]);
        assert_eq!(out.value, None);
        assert!(out.header("ce_datacontenttype").is_none());
    }
}
