//! The serialised form of a wire message, shared by suite fixtures
//! (`input:`), the child-process protocol (`message`) and saved cases.
//!
//! Headers are a map or a list of `[name, value]` pairs; a list item may be
//! `{name, value_base64}` for raw bytes. Bodies are `body` (UTF-8 text),
//! `body_base64`, or, in fixtures only, `body_file` under `fixtures/`.
//!
//! Suite fixtures may also write an HTTP request byte for byte (`raw`,
//! `raw_base64`, `raw_file`), ask for it to be sent slowly (`send`), and
//! generate large inputs from a recipe (`headers_generate`,
//! `body_generate`, `text_generate`, see `generate.rs`). Recipes and files
//! are refused where the other side is not trusted (the child-process
//! protocol, transcripts): [`InputSpec::to_message`] without a fixtures
//! directory.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::generate::{Budget, Generate, HeadersGenerate};
use crate::event::binary;
use crate::http1;
use crate::wire::{
    Header, HttpMessage, JsonDocument, KafkaRecord, MEDIA_JSON, Message, Pace, RawHttp,
};

/// One header in serialised form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeaderSpec {
    /// `[name, value]`, value as UTF-8 text.
    Pair(String, String),
    /// `{name, value_base64}` for values that are not UTF-8.
    Raw { name: String, value_base64: String },
}

/// Headers as a map (simple) or a list (keeps order, case and duplicates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeadersSpec {
    List(Vec<HeaderSpec>),
    Map(indexmap_like::OrderedMap),
}

impl Default for HeadersSpec {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

/// An ordered string map, kept in file order (serde_json's `preserve_order` map).
pub mod indexmap_like {
    use serde::{Deserialize, Serialize};

    /// Header name to value, in the order written.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(transparent)]
    pub struct OrderedMap(pub serde_json::Map<String, serde_json::Value>);
}

/// An HTTP message in serialised form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default)]
    pub headers: HeadersSpec,
    /// Headers generated from a recipe, after `headers` (fixtures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers_generate: Option<Vec<HeadersGenerate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_file: Option<String>,
    /// A body generated from a recipe (fixtures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_generate: Option<Generate>,
    /// The request after its request line, byte for byte (header lines,
    /// the empty line, the body), as text; instead of headers and body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_file: Option<String>,
    /// How the request is put on the wire (fixtures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<SendSpec>,
}

/// How a fixture's HTTP request is sent: paced, and whether the sending
/// half of the connection is closed after it. Either makes the input raw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow: Option<SlowSpec>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shutdown: bool,
}

/// `chunk` bytes every `interval_ms`, until `max_ms`; then the rest at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowSpec {
    #[serde(default = "one")]
    pub chunk: usize,
    pub interval_ms: u64,
    pub max_ms: u64,
}

fn one() -> usize {
    1
}

/// The longest a slow send may be paced for.
pub const MAX_SLOW_MS: u64 = 60_000;

/// A Kafka record in serialised form. An absent or null value is a null value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_base64: Option<String>,
    #[serde(default)]
    pub headers: HeadersSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_file: Option<String>,
}

/// A raw event-format document in serialised form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonSpec {
    /// Exact text (duplicate keys and broken JSON can be written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Exact bytes, for documents that are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_base64: Option<String>,
    /// A value, serialised compactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Exact bytes generated from a recipe (fixtures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_generate: Option<Generate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// A message in serialised form: exactly one of the three kinds is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonSpec>,
}

/// Why a serialised message is not usable; the caller adds the file and line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, InputError> {
    Err(InputError(message.into()))
}

fn decode_base64(what: &str, text: &str) -> Result<Vec<u8>, InputError> {
    match binary::decode(text.as_bytes()) {
        Some(bytes) => Ok(bytes),
        None => err(format!("{what} is not valid base64")),
    }
}

/// Resolves a `*_file` name (relative to a fixtures directory) to its bytes;
/// `Err` carries a message that names the file.
pub type FixtureResolver<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// Refuses fixture names that are absolute or climb out of the fixtures directory.
pub fn check_fixture_name(name: &str) -> Result<(), InputError> {
    let relative = Path::new(name);
    if name.is_empty()
        || relative.is_absolute()
        || relative.components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
    {
        return err(format!(
            "{name:?}: a fixture path must stay under the fixtures directory"
        ));
    }
    Ok(())
}

/// Reads a file under `fixtures` (the name is already checked).
fn read_fixture(fixtures: Option<&Path>, name: &str) -> Result<Vec<u8>, String> {
    let Some(dir) = fixtures else {
        return Err(format!(
            "{name}: body files are only allowed in suite fixtures"
        ));
    };
    std::fs::read(dir.join(name))
        .map_err(|e| format!("fixture file {}: {e}", dir.join(name).display()))
}

/// Returns the bytes from exactly one of text, base64 or file, or `None` when all are absent.
fn one_of(
    what: &str,
    text: &Option<String>,
    b64: &Option<String>,
    file: &Option<String>,
    resolve: FixtureResolver<'_>,
) -> Result<Option<Vec<u8>>, InputError> {
    match (text, b64, file) {
        (None, None, None) => Ok(None),
        (Some(t), None, None) => Ok(Some(t.as_bytes().to_vec())),
        (None, Some(b), None) => decode_base64(&format!("{what}_base64"), b).map(Some),
        (None, None, Some(f)) => {
            check_fixture_name(f)?;
            resolve(f).map(Some).map_err(InputError)
        }
        _ => err(format!(
            "give only one of {what}, {what}_base64 and {what}_file"
        )),
    }
}

impl HeadersSpec {
    /// Returns the headers as raw pairs.
    pub fn to_headers(&self) -> Result<Vec<Header>, InputError> {
        match self {
            Self::List(items) => items
                .iter()
                .map(|h| match h {
                    HeaderSpec::Pair(n, v) => Ok((n.clone(), v.as_bytes().to_vec())),
                    HeaderSpec::Raw { name, value_base64 } => {
                        Ok((name.clone(), decode_base64("value_base64", value_base64)?))
                    }
                })
                .collect(),
            Self::Map(map) => map
                .0
                .iter()
                .map(|(n, v)| match v {
                    serde_json::Value::String(s) => Ok((n.clone(), s.as_bytes().to_vec())),
                    serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                        Ok((n.clone(), v.to_string().into_bytes()))
                    }
                    _ => err(format!("header {n}: a value is a string")),
                })
                .collect(),
        }
    }

    /// Returns the list form of raw headers (UTF-8 values as text).
    pub fn from_headers(headers: &[Header]) -> Self {
        Self::List(
            headers
                .iter()
                .map(|(n, v)| match std::str::from_utf8(v) {
                    Ok(text) => HeaderSpec::Pair(n.clone(), text.to_owned()),
                    Err(_) => HeaderSpec::Raw {
                        name: n.clone(),
                        value_base64: binary::encode(v),
                    },
                })
                .collect(),
        )
    }
}

fn text_or_base64(bytes: &[u8]) -> (Option<String>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(t) => (Some(t.to_owned()), None),
        Err(_) => (None, Some(binary::encode(bytes))),
    }
}

/// A fixture input ready to run: the message a receiver sees and, for an
/// input sent byte for byte, its raw form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseInput {
    /// The request as a server parses it; for a raw input the bounded
    /// parser's result (only the head when the bytes are malformed).
    pub message: Message,
    pub raw: Option<RawHttp>,
}

impl CaseInput {
    /// Returns the message, or an error when the raw bytes are malformed.
    fn into_message(self) -> Result<Message, InputError> {
        match self.raw.and_then(|r| r.malformed) {
            Some(reason) => err(format!("the raw request is malformed: {reason}")),
            None => Ok(self.message),
        }
    }
}

impl HeadersSpec {
    fn is_empty(&self) -> bool {
        match self {
            Self::List(items) => items.is_empty(),
            Self::Map(map) => map.0.is_empty(),
        }
    }
}

impl SendSpec {
    fn pace(&self) -> Result<Option<Pace>, InputError> {
        let Some(slow) = &self.slow else {
            return Ok(None);
        };
        if !(1..=1 << 20).contains(&slow.chunk) {
            return err("send.slow.chunk is from 1 to 1048576 bytes");
        }
        if !(1..=10_000).contains(&slow.interval_ms) {
            return err("send.slow.interval_ms is from 1 to 10000");
        }
        if slow.max_ms > MAX_SLOW_MS {
            return err(format!("send.slow.max_ms is at most {MAX_SLOW_MS}"));
        }
        Ok(Some(Pace {
            chunk: slow.chunk,
            interval: Duration::from_millis(slow.interval_ms),
            max: Duration::from_millis(slow.max_ms),
        }))
    }
}

/// Refuses `what` unless the input comes from a suite fixture.
fn fixtures_only(what: &str, fixtures: bool) -> Result<(), InputError> {
    if fixtures {
        Ok(())
    } else {
        err(format!("{what} is only allowed in suite fixtures"))
    }
}

impl HttpSpec {
    fn build(
        &self,
        resolve: FixtureResolver<'_>,
        fixtures: bool,
        budget: &mut Budget,
    ) -> Result<CaseInput, InputError> {
        let method = self.method.clone().unwrap_or_else(|| "POST".into());
        let path = self.path.clone().unwrap_or_else(|| "/".into());
        let send = match &self.send {
            Some(send) => {
                fixtures_only("send", fixtures)?;
                Some((send.pace()?, send.shutdown))
            }
            None => None,
        };
        if let Some(bytes) = one_of("raw", &self.raw, &self.raw_base64, &self.raw_file, resolve)? {
            let others = !self.headers.is_empty()
                || self.headers_generate.is_some()
                || self.body.is_some()
                || self.body_base64.is_some()
                || self.body_file.is_some()
                || self.body_generate.is_some()
                || self.status.is_some();
            if others {
                return err(
                    "raw is the whole request after its request line: give it instead of headers, body and status",
                );
            }
            let (message, malformed) = match http1::parse_request(&method, &path, &bytes) {
                Ok((message, _)) => (message, None),
                Err(e) => {
                    let head = e.head.map_or_else(
                        || HttpMessage {
                            method,
                            path,
                            ..HttpMessage::default()
                        },
                        |head| *head,
                    );
                    (head, Some(e.reason))
                }
            };
            let (pace, shutdown) = send.unwrap_or((None, false));
            return Ok(CaseInput {
                message: Message::Http(message),
                raw: Some(RawHttp {
                    bytes,
                    pace,
                    shutdown,
                    malformed,
                }),
            });
        }
        let mut headers = self.headers.to_headers()?;
        for g in self.headers_generate.iter().flatten() {
            fixtures_only("headers_generate", fixtures)?;
            g.build(budget, &mut headers)?;
        }
        let body = one_of(
            "body",
            &self.body,
            &self.body_base64,
            &self.body_file,
            resolve,
        )?;
        let body = match (&self.body_generate, body) {
            (None, body) => body.unwrap_or_default(),
            (Some(g), None) => {
                fixtures_only("body_generate", fixtures)?;
                g.build(budget)?
            }
            (Some(_), Some(_)) => {
                return err("give only one of body, body_base64, body_file and body_generate");
            }
        };
        let message = HttpMessage {
            method,
            path,
            status: self.status.unwrap_or(0),
            headers,
            body,
        };
        let raw = send.map(|(pace, shutdown)| RawHttp {
            bytes: http1::fields(&message),
            pace,
            shutdown,
            malformed: None,
        });
        Ok(CaseInput {
            message: Message::Http(message),
            raw,
        })
    }
}

impl InputSpec {
    /// Builds the wire message; `fixtures` is the directory `*_file` paths
    /// are read from (`None` forbids them and every recipe, as in the
    /// child-process protocol). A raw request comes back parsed, and is an
    /// error when it is malformed.
    pub fn to_message(&self, fixtures: Option<&Path>) -> Result<Message, InputError> {
        let resolve = |name: &str| read_fixture(fixtures, name);
        self.build(&resolve, fixtures.is_some(), &mut Budget::default())
            .and_then(CaseInput::into_message)
    }

    /// Builds the wire message, reading `*_file` names through `resolve`
    /// (names are checked to stay under the fixtures directory first). This
    /// is how embedded suites read the fixtures compiled into the binary.
    pub fn to_message_with(&self, resolve: FixtureResolver<'_>) -> Result<Message, InputError> {
        self.build(resolve, true, &mut Budget::default())
            .and_then(CaseInput::into_message)
    }

    /// Builds a suite fixture's input: the message and, for an input sent
    /// byte for byte (`raw`, `send`), its raw form, kept even when the bytes
    /// are malformed (that is what such a case is about). What recipes
    /// generate is charged to `suite`, the budget of the whole file.
    pub fn to_case_input(
        &self,
        resolve: FixtureResolver<'_>,
        suite: &mut Budget,
    ) -> Result<CaseInput, InputError> {
        let mut budget = Budget::default();
        let input = self.build(resolve, true, &mut budget)?;
        suite.charge(&budget)?;
        Ok(input)
    }

    fn build(
        &self,
        resolve: FixtureResolver<'_>,
        fixtures: bool,
        budget: &mut Budget,
    ) -> Result<CaseInput, InputError> {
        let message = match (&self.http, &self.kafka, &self.json) {
            (Some(h), None, None) => return h.build(resolve, fixtures, budget),
            (None, Some(k), None) => Message::Kafka(KafkaRecord {
                key: one_of("key", &k.key, &k.key_base64, &None, resolve)?,
                headers: k.headers.to_headers()?,
                value: one_of("value", &k.value, &k.value_base64, &k.value_file, resolve)?,
            }),
            (None, None, Some(j)) => {
                let body = match (&j.text, &j.text_base64, &j.value, &j.text_generate) {
                    (Some(t), None, None, None) => t.as_bytes().to_vec(),
                    (None, Some(b), None, None) => decode_base64("text_base64", b)?,
                    (None, None, Some(v), None) => {
                        serde_json::to_vec(v).or_else(|e| err(e.to_string()))?
                    }
                    (None, None, None, Some(g)) => {
                        fixtures_only("text_generate", fixtures)?;
                        g.build(budget)?
                    }
                    _ => {
                        return err(
                            "json: give exactly one of text, text_base64, value and text_generate",
                        );
                    }
                };
                Message::Json(JsonDocument {
                    media_type: j.media_type.clone().unwrap_or_else(|| MEDIA_JSON.into()),
                    body,
                })
            }
            _ => return err("a message has exactly one of http, kafka and json"),
        };
        Ok(CaseInput { message, raw: None })
    }

    /// Returns the method, path and bytes of a raw request (`raw` or
    /// `raw_base64`), so that reports can show the bytes as they were sent.
    pub fn raw_request(&self) -> Option<(String, String, Vec<u8>)> {
        let h = self.http.as_ref()?;
        let bytes = match (&h.raw, &h.raw_base64) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(b64)) => binary::decode(b64.as_bytes())?,
            (None, None) => return None,
        };
        Some((
            h.method.clone().unwrap_or_else(|| "POST".into()),
            h.path.clone().unwrap_or_else(|| "/".into()),
            bytes,
        ))
    }

    /// Returns the serialised form of a raw request: method, path and the
    /// bytes (as text when UTF-8), for transcripts.
    pub fn from_raw(message: &Message, raw: &RawHttp) -> Self {
        let (method, path) = match message {
            Message::Http(m) => (m.method.clone(), m.path.clone()),
            _ => (String::new(), String::new()),
        };
        let (text, base64) = text_or_base64(&raw.bytes);
        Self {
            http: Some(HttpSpec {
                method: (!method.is_empty()).then_some(method),
                path: (!path.is_empty() && path != "/").then_some(path),
                raw: text,
                raw_base64: base64,
                ..HttpSpec::default()
            }),
            ..Self::default()
        }
    }

    /// Returns the serialised form of a message (text where UTF-8, base64 otherwise).
    pub fn from_message(message: &Message) -> Self {
        match message {
            Message::Http(m) => {
                let (body, body_base64) = text_or_base64(&m.body);
                Self {
                    http: Some(HttpSpec {
                        method: (!m.method.is_empty()).then(|| m.method.clone()),
                        path: (!m.path.is_empty() && m.path != "/").then(|| m.path.clone()),
                        status: (m.status != 0).then_some(m.status),
                        headers: HeadersSpec::from_headers(&m.headers),
                        body,
                        body_base64,
                        ..HttpSpec::default()
                    }),
                    ..Self::default()
                }
            }
            Message::Kafka(r) => {
                let (key, key_base64) = r.key.as_deref().map_or((None, None), text_or_base64);
                let (value, value_base64) = r.value.as_deref().map_or((None, None), text_or_base64);
                Self {
                    kafka: Some(KafkaSpec {
                        key,
                        key_base64,
                        headers: HeadersSpec::from_headers(&r.headers),
                        value,
                        value_base64,
                        value_file: None,
                    }),
                    ..Self::default()
                }
            }
            Message::Json(d) => {
                let (text, text_base64) = text_or_base64(&d.body);
                Self {
                    json: Some(JsonSpec {
                        text,
                        text_base64,
                        media_type: Some(d.media_type.clone()),
                        ..JsonSpec::default()
                    }),
                    ..Self::default()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_raw_bytes() {
        let msg = Message::Http(HttpMessage::post(
            vec![
                ("ce-id".into(), b"1".to_vec()),
                ("ce-x".into(), vec![0xff, 0x20]),
            ],
            vec![0, 159, 146, 150],
        ));
        let spec = InputSpec::from_message(&msg);
        let text = serde_json::to_string(&spec).unwrap();
        let back: InputSpec = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_message(None).unwrap(), msg);
    }

    #[test]
    fn map_and_list_headers() {
        let spec: InputSpec =
            serde_json::from_str(r#"{"http":{"headers":{"ce-id":"1","ce-n":5},"body":"x"}}"#)
                .unwrap();
        let Message::Http(m) = spec.to_message(None).unwrap() else {
            panic!()
        };
        assert_eq!(
            m.headers,
            vec![
                ("ce-id".into(), b"1".to_vec()),
                ("ce-n".into(), b"5".to_vec())
            ]
        );
        assert_eq!(m.method, "POST");
        let spec: InputSpec =
            serde_json::from_str(r#"{"kafka":{"headers":[["ce_id","1"],["ce_id","2"]]}}"#).unwrap();
        let Message::Kafka(k) = spec.to_message(None).unwrap() else {
            panic!()
        };
        assert_eq!(k.headers.len(), 2);
        assert_eq!(k.value, None);
    }

    #[test]
    fn refuses_ambiguous_or_escaping_input() {
        let spec: InputSpec =
            serde_json::from_str(r#"{"http":{"body":"x","body_base64":"eA=="}}"#).unwrap();
        assert!(spec.to_message(None).is_err());
        let spec: InputSpec =
            serde_json::from_str(r#"{"http":{"body_file":"../etc/passwd"}}"#).unwrap();
        assert!(spec.to_message(Some(Path::new("fixtures"))).is_err());
        assert!(
            serde_json::from_str::<InputSpec>(r#"{"http":{},"json":{}}"#)
                .unwrap()
                .to_message(None)
                .is_err()
        );
    }
}
