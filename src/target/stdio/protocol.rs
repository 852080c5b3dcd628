//! The lines of the child-process protocol (`docs/stdio-protocol.md`) as
//! serde types. [`StdioTarget`](super::StdioTarget) writes requests and
//! reads responses with them; a child written in Rust (such as
//! `examples/stdio-reference.rs`) can read requests and write responses
//! with the same types. Validation of what a child sends, with messages
//! that say what is wrong, lives in the target, not here.

use serde::{Deserialize, Serialize};

use crate::codec::Encoding;
use crate::event::binary;
use crate::suite::input::InputSpec;
use crate::wire::Message;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// A line the harness writes to the child's stdin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Request {
    /// The first line: which protocol version the harness speaks.
    Start { protocol: u32 },
    /// Decode `message`, re-encode the event(s) in `reply`.
    Echo {
        seq: u64,
        message: Box<InputSpec>,
        reply: Encoding,
    },
    /// Exit now; no answer is expected.
    Stop,
}

/// The answer to `start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    /// Always `"started"`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub version: String,
    pub capabilities: Vec<String>,
    /// The protocol version the child speaks, when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
}

/// The answer to `echo`: `ok` with `message`, or not `ok` with `error`
/// (and, when the implementation accepted the input but could not encode
/// the reply, `stage: "encode"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EchoResponse {
    pub seq: u64,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<InputSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where an `ok: false` echo stopped; absent means [`Stage::Decode`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
}

/// Where an echo that is not `ok` stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The implementation rejected the input: a verdict on the input (the
    /// default when `stage` is absent).
    Decode,
    /// The implementation accepted the input but could not encode the
    /// reply: not a verdict, a failure of the implementation, recorded as
    /// an error.
    Encode,
}

/// Returns the protocol form of a message: the fixture form with every
/// body, key, value and document as base64, so any bytes survive.
pub fn wire_spec(message: &Message) -> InputSpec {
    fn to_base64(text: &mut Option<String>, b64: &mut Option<String>) {
        if let Some(t) = text.take() {
            *b64 = Some(binary::encode(t.as_bytes()));
        }
    }
    let mut spec = InputSpec::from_message(message);
    if let Some(h) = &mut spec.http {
        to_base64(&mut h.body, &mut h.body_base64);
    }
    if let Some(k) = &mut spec.kafka {
        to_base64(&mut k.key, &mut k.key_base64);
        to_base64(&mut k.value, &mut k.value_base64);
    }
    if let Some(j) = &mut spec.json {
        to_base64(&mut j.text, &mut j.text_base64);
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{HttpMessage, JsonDocument, KafkaRecord};

    #[test]
    fn requests_have_the_documented_shape() {
        let start = serde_json::to_string(&Request::Start { protocol: 1 }).unwrap();
        assert_eq!(start, r#"{"type":"start","protocol":1}"#);
        assert_eq!(
            serde_json::to_string(&Request::Stop).unwrap(),
            r#"{"type":"stop"}"#
        );
        let m = Message::Http(HttpMessage::post(
            vec![("ce-id".into(), b"1".to_vec())],
            b"hi".to_vec(),
        ));
        let echo = serde_json::to_string(&Request::Echo {
            seq: 7,
            message: Box::new(wire_spec(&m)),
            reply: Encoding::HttpBinary,
        })
        .unwrap();
        assert_eq!(
            echo,
            r#"{"type":"echo","seq":7,"message":{"http":{"method":"POST","headers":[["ce-id","1"]],"body_base64":"aGk="}},"reply":"http-binary"}"#
        );
    }

    #[test]
    fn every_payload_goes_as_base64_and_comes_back() {
        let messages = [
            Message::Http(HttpMessage::post(
                vec![("ce-x".into(), vec![0xff])],
                vec![0, 1, 2],
            )),
            Message::Kafka(KafkaRecord {
                key: Some(b"k".to_vec()),
                headers: vec![],
                value: Some(b"v".to_vec()),
            }),
            Message::Kafka(KafkaRecord {
                key: None,
                headers: vec![],
                value: None,
            }),
            Message::Json(JsonDocument {
                media_type: crate::wire::MEDIA_JSON.into(),
                body: b"{}".to_vec(),
            }),
        ];
        for m in messages {
            let spec = wire_spec(&m);
            let text = serde_json::to_string(&spec).unwrap();
            assert!(
                !text.contains(r#""body":"#)
                    && !text.contains(r#""value":"#)
                    && !text.contains(r#""text":"#),
                "{text}"
            );
            let back: InputSpec = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_message(None).unwrap(), m);
        }
    }
}
