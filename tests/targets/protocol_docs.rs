//! The stdio protocol's documentation and schema agree with each other and
//! with what cespec writes.

use cespec::codec::Encoding;
use cespec::target::stdio::protocol::{Request, wire_spec};
use cespec::wire::{JsonDocument, KafkaRecord, MEDIA_JSON_BATCH, Message};
use serde_json::Value;

const SCHEMA: &str = include_str!("../../docs/stdio-protocol.schema.json");
const DOC: &str = include_str!("../../docs/stdio-protocol.md");

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&serde_json::from_str(SCHEMA).unwrap()).unwrap()
}

fn check(v: &jsonschema::Validator, line: &str) {
    let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{line}\n{errors:#?}");
}

#[test]
fn every_line_in_the_document_fits_the_schema() {
    let v = validator();
    let mut in_json = false;
    let mut checked = 0;
    for line in DOC.lines() {
        match line {
            "```json" => in_json = true,
            "```" => in_json = false,
            l if in_json => check(&v, l),
            l if l.starts_with("> {") || l.starts_with("< {") => check(&v, &l[2..]),
            _ => continue,
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} lines checked");
}

#[test]
fn what_cespec_writes_fits_the_schema() {
    let v = validator();
    let messages = [
        super::event("1"),
        Message::Kafka(KafkaRecord {
            key: Some(vec![0xff]),
            headers: vec![("ce_id".into(), vec![0xfe])],
            value: None,
        }),
        Message::Json(JsonDocument {
            media_type: MEDIA_JSON_BATCH.into(),
            body: b"[]".to_vec(),
        }),
    ];
    let mut requests = vec![Request::Start { protocol: 1 }, Request::Stop];
    requests.extend(messages.iter().map(|m| Request::Echo {
        seq: 9,
        message: Box::new(wire_spec(m)),
        reply: Encoding::KafkaStructured,
    }));
    for r in requests {
        check(&v, &serde_json::to_string(&r).unwrap());
    }
}

#[test]
fn the_schema_refuses_broken_lines() {
    let v = validator();
    for bad in [
        r#"{"type":"start","protocol":2}"#,
        r#"{"type":"echo","seq":1,"message":{"http":{},"json":{}},"reply":"http-binary"}"#,
        r#"{"type":"echo","seq":1,"message":{"http":{"body":"a","body_base64":"YQ=="}},"reply":"http-binary"}"#,
        r#"{"type":"echo","seq":1,"message":{"json":{"text":"{}","value":{}}},"reply":"json"}"#,
        r#"{"type":"echo","seq":1,"message":{"http":{}},"reply":"mqtt"}"#,
        r#"{"type":"started","name":"x"}"#,
        r#"{"seq":1,"ok":true}"#,
        r#"{"seq":1,"ok":false}"#,
        r#"{"seq":-1,"ok":false,"error":"x"}"#,
        r#"{"seq":1,"ok":false,"error":"x","stage":"send"}"#,
    ] {
        assert!(!v.is_valid(&serde_json::from_str(bad).unwrap()), "{bad}");
    }
}
