//! The JSON event format (`formats/json-format.md`): single events and
//! batches, decoded in one pass from bytes to typed events.
//!
//! Members are read with serde_json's streaming deserializer into borrowed
//! slices: attribute values go straight to the [`EventBuilder`], and `data`
//! is kept as its exact JSON text (no detour through a JSON tree). Duplicate
//! members are detected, which a `serde_json::Map` would silently hide.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue as JsonRaw;

use super::builder::{Built, EventBuilder, Origin, RawValue, conclude};
use crate::event::{Data, Event, SpecVersion, is_json_content_type};
use crate::rules::Violation;

/// A batch longer than this is refused rather than allocated for.
const MAX_BATCH_EVENTS: usize = 1 << 20;

/// Decodes one JSON-format event.
pub fn decode_event(bytes: &[u8]) -> Built {
    match first_byte(bytes) {
        Some(b'{') => {}
        Some(b'[') => {
            return Err(vec![Violation::new(
                "JSON-ENV-1",
                "a single event is one JSON object, not an array (a batch needs the batch media type)",
            )]);
        }
        Some(_) => {
            return Err(vec![Violation::new(
                "JSON-ENV-1",
                "a JSON-format event is a JSON object",
            )]);
        }
        None => {
            return Err(vec![Violation::new(
                "JSON-ENV-1",
                "the document is empty; a JSON-format event is a JSON object",
            )]);
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let built = EventSeed
        .deserialize(&mut de)
        .and_then(|b| de.end().map(|()| b));
    match built {
        Ok(b) => b,
        Err(e) => Err(vec![syntax_violation(&e)]),
    }
}

/// Decodes a JSON-format batch: an array of events, possibly empty.
/// One invalid event rejects the batch; violations name the element.
pub fn decode_batch(bytes: &[u8]) -> Result<(Vec<Event>, Vec<Violation>), Vec<Violation>> {
    if first_byte(bytes) != Some(b'[') {
        return Err(vec![Violation::new(
            "JSON-BATCH-1",
            "a batch is a JSON array of events",
        )]);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = BatchSeed
        .deserialize(&mut de)
        .and_then(|b| de.end().map(|()| b));
    let elements = match parsed {
        Ok(elements) => elements,
        Err(e) => return Err(vec![syntax_violation(&e)]),
    };
    let mut events = Vec::with_capacity(elements.len());
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for (i, element) in elements.into_iter().enumerate() {
        let locate = |v: Violation| {
            let at = match &v.at {
                Some(at) => format!("event {i}: {at}"),
                None => format!("event {i}"),
            };
            v.at(at)
        };
        match element {
            Some(Ok((event, w))) => {
                warnings.extend(w.into_iter().map(locate));
                events.push(event);
            }
            Some(Err(v)) => errors.extend(v.into_iter().map(locate)),
            None => errors.push(locate(Violation::new(
                "JSON-BATCH-1",
                "every element of a batch is an event object",
            ))),
        }
    }
    if let Some(first) = events.first().map(Event::specversion)
        && events.iter().any(|e| e.specversion() != first)
    {
        errors.push(Violation::new(
            "CORE-BATCH-1",
            "the events of one batch must share one specversion",
        ));
    }
    if errors.is_empty() {
        Ok((events, warnings))
    } else {
        errors.extend(warnings);
        Err(errors)
    }
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn syntax_violation(e: &serde_json::Error) -> Violation {
    let text = e.to_string();
    if text.contains("surrogate") {
        Violation::new(
            "CORE-TS-8",
            format!("a string holds an unpaired surrogate: {text}"),
        )
    } else if text.contains("duplicate member") {
        Violation::new("CORE-CTX-2", text)
    } else {
        Violation::new("JSON-ENV-1", format!("not valid JSON: {text}"))
    }
}

/// A map key or string that borrows from the input when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Classifies a raw JSON member value without building a tree.
fn classify(raw: &JsonRaw) -> Result<RawValue<'_>, serde_json::Error> {
    let text = raw.get();
    Ok(match text.as_bytes()[0] {
        b'"' => RawValue::Str(serde_json::from_str::<Text<'_>>(text)?.0),
        b't' => RawValue::Bool(true),
        b'f' => RawValue::Bool(false),
        b'n' => RawValue::Null,
        b'{' => RawValue::Object,
        b'[' => RawValue::Array,
        _ if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') => RawValue::Int(text),
        _ => RawValue::Number(text),
    })
}

struct EventSeed;

impl<'de> DeserializeSeed<'de> for EventSeed {
    type Value = Built;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Built, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Built;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object holding one CloudEvent")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Built, A::Error> {
        let mut names: Vec<Cow<'de, str>> = Vec::with_capacity(8);
        let mut values: Vec<&'de JsonRaw> = Vec::with_capacity(8);
        // A set beside the ordered list: a hostile event may hold 100,000
        // members, and scanning the list for each would be quadratic.
        let mut seen: HashSet<Cow<'de, str>> = HashSet::with_capacity(8);
        let mut duplicates: Vec<String> = Vec::new();
        let mut reported: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let value: &'de JsonRaw = map.next_value()?;
            if seen.contains(&name) {
                // Each repeated name is reported once, however often it repeats.
                if !reported.contains(&name) {
                    duplicates.push(name.clone().into_owned());
                    reported.insert(name);
                }
                continue;
            }
            seen.insert(name.clone());
            names.push(name);
            values.push(value);
        }
        Ok(build_event(names, values, duplicates))
    }
}

fn build_event<'de>(
    names: Vec<Cow<'de, str>>,
    values: Vec<&'de JsonRaw>,
    duplicates: Vec<String>,
) -> Built {
    let mut builder = EventBuilder::new(Origin::Json);
    for name in duplicates {
        builder.violation(
            Violation::new(
                "CORE-CTX-2",
                format!("member {name:?} appears more than once"),
            )
            .at(format!("member {name}")),
        );
    }
    let mut data: Option<&JsonRaw> = None;
    let mut data_base64: Option<&JsonRaw> = None;
    for (name, value) in names.into_iter().zip(values) {
        match name.as_ref() {
            "data" => data = Some(value),
            "data_base64" => data_base64 = Some(value),
            _ => match classify(value) {
                Ok(raw) => builder.push(name, raw),
                Err(e) => builder.violation(syntax_violation(&e).at(format!("attribute {name}"))),
            },
        }
    }
    if data_base64.is_some_and(|v| v.get() == "null") {
        data_base64 = None; // JSON-NULL-2
    }
    let dct = builder.raw_str("datacontenttype").map(str::to_owned);
    let encoding = builder.raw_str("datacontentencoding").map(str::to_owned);
    let (mut event, mut violations) = builder.finish();
    let payload = match (data, data_base64) {
        (Some(_), Some(_)) => {
            violations.push(
                Violation::new("JSON-DATA-8", "data and data_base64 are both present")
                    .at("member data_base64"),
            );
            Data::None
        }
        (None, Some(b64)) => {
            match classify(b64) {
                Ok(RawValue::Str(text)) => {
                    match BASE64.decode(text.as_bytes()) {
                        Ok(bytes) => Data::Bytes(bytes),
                        Err(_) => {
                            violations.push(Violation::new("JSON-DATA-10", "data_base64 is not RFC 4648 base64 (standard alphabet, padded)").at("member data_base64"));
                            Data::None
                        }
                    }
                }
                _ => {
                    violations.push(
                        Violation::new("JSON-DATA-10", "data_base64 must be a base64 string")
                            .at("member data_base64"),
                    );
                    Data::None
                }
            }
        }
        (Some(raw), None) => decode_data(
            raw,
            dct.as_deref(),
            encoding.as_deref(),
            event.specversion(),
            &mut violations,
        ),
        (None, None) => Data::None,
    };
    event.set_data(payload);
    conclude(event, violations)
}

fn decode_data(
    raw: &JsonRaw,
    dct: Option<&str>,
    encoding: Option<&str>,
    version: SpecVersion,
    violations: &mut Vec<Violation>,
) -> Data {
    let at = "member data";
    if version == SpecVersion::V0_3 && encoding == Some("base64") {
        return match classify(raw) {
            Ok(RawValue::Str(text)) => match BASE64.decode(text.as_bytes()) {
                Ok(bytes) => Data::Bytes(bytes),
                Err(_) => {
                    violations.push(
                        Violation::new(
                            "CORE-TS-9",
                            "with datacontentencoding base64, data must be RFC 4648 base64",
                        )
                        .at(at),
                    );
                    Data::None
                }
            },
            _ => {
                violations.push(
                    Violation::new(
                        "CORE-TS-9",
                        "with datacontentencoding base64, data must be a base64 string",
                    )
                    .at(at),
                );
                Data::None
            }
        };
    }
    match dct {
        None => Data::Json(raw.get().to_owned()), // JSON-DATA-14
        Some(ct) if is_json_content_type(ct) => Data::Json(raw.get().to_owned()),
        Some(ct) => match classify(raw) {
            Ok(RawValue::Str(text)) => Data::Text(text.into_owned()),
            Ok(RawValue::Null) => Data::Json("null".to_owned()),
            Ok(_) => {
                let mut v = Violation::new(
                    "JSON-DATA-13",
                    format!(
                        "datacontenttype {ct:?} is not JSON, so data should be a string; the reference refuses other JSON values, as the spec allows"
                    ),
                );
                v.refuse = true;
                violations.push(v.at(at));
                Data::None
            }
            Err(e) => {
                violations.push(syntax_violation(&e).at(at));
                Data::None
            }
        },
    }
}

struct BatchSeed;

type Element = Option<Built>;

impl<'de> DeserializeSeed<'de> for BatchSeed {
    type Value = Vec<Element>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(BatchVisitor)
    }
}

struct BatchVisitor;

impl<'de> Visitor<'de> for BatchVisitor {
    type Value = Vec<Element>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of CloudEvents")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(raw) = seq.next_element::<&'de JsonRaw>()? {
            if out.len() >= MAX_BATCH_EVENTS {
                return Err(de::Error::custom("batch has more than 1048576 events"));
            }
            if raw.get().starts_with('{') {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                out.push(Some(
                    EventSeed
                        .deserialize(&mut de)
                        .unwrap_or_else(|e| Err(vec![syntax_violation(&e)])),
                ));
            } else {
                out.push(None);
            }
        }
        Ok(out)
    }
}

/// Writes `text` as a JSON string literal.
pub fn write_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends one event in the JSON format.
pub fn write_event(out: &mut Vec<u8>, event: &Event) {
    out.extend_from_slice(b"{\"specversion\":");
    write_string(out, event.specversion().as_str());
    for (name, value) in event.attributes() {
        out.push(b',');
        write_string(out, name);
        out.push(b':');
        use crate::event::AttributeValue as V;
        match value {
            V::Boolean(true) => out.extend_from_slice(b"true"),
            V::Boolean(false) => out.extend_from_slice(b"false"),
            V::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
            other => write_string(out, &other.canonical()),
        }
    }
    match event.data() {
        Data::None => {}
        Data::Json(text) => {
            out.extend_from_slice(b",\"data\":");
            out.extend_from_slice(text.as_bytes());
        }
        Data::Text(text) => {
            out.extend_from_slice(b",\"data\":");
            write_string(out, text);
        }
        Data::Bytes(bytes) if event.specversion() == SpecVersion::V0_3 => {
            // Spec 0.3 has no data_base64: the data is a base64 string marked
            // by datacontentencoding, which is added when the event lacks it.
            if event.get("datacontentencoding").is_none() {
                out.extend_from_slice(b",\"datacontentencoding\":\"base64\"");
            }
            out.extend_from_slice(b",\"data\":");
            write_string(out, &BASE64.encode(bytes));
        }
        Data::Bytes(bytes) => {
            out.extend_from_slice(b",\"data_base64\":");
            write_string(out, &BASE64.encode(bytes));
        }
    }
    out.push(b'}');
}

/// Encodes one event in the JSON format.
pub fn encode_event(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + event.data().body_bytes().len() * 4 / 3);
    write_event(&mut out, event);
    out
}

/// Encodes a batch in the JSON format.
pub fn encode_batch(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 * events.len() + 2);
    out.push(b'[');
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_event(&mut out, event);
    }
    out.push(b']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: &Result<impl fmt::Debug, Vec<Violation>>) -> Vec<String> {
        match r {
            Ok(_) => vec![],
            Err(v) => v
                .iter()
                .filter(|v| v.is_error())
                .map(|v| v.rule.clone())
                .collect(),
        }
    }

    const E0: &str = r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x"}"#;

    #[test]
    fn minimal_event_round_trips() {
        let (e, _) = decode_event(E0.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(encode_event(&e)).unwrap(), E0);
    }

    #[test]
    fn duplicate_members_are_rejected() {
        let r =
            decode_event(br#"{"specversion":"1.0","id":"1","id":"2","source":"/s","type":"t.x"}"#);
        assert_eq!(rules(&r), ["CORE-CTX-2"]);
    }

    #[test]
    fn envelope_must_be_an_object() {
        assert_eq!(rules(&decode_event(b"\"x\"")), ["JSON-ENV-1"]);
        assert_eq!(
            rules(&decode_event(format!("[{E0}]").as_bytes())),
            ["JSON-ENV-1"]
        );
        assert_eq!(rules(&decode_event(b"{")), ["JSON-ENV-1"]);
        assert_eq!(rules(&decode_event(b"")), ["JSON-ENV-1"]);
    }

    #[test]
    fn data_and_data_base64() {
        let r = decode_event(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":"x","data_base64":"eA=="}"#);
        assert_eq!(rules(&r), ["JSON-DATA-8"]);
        let (e, _) = decode_event(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data_base64":"/wA="}"#,
        )
        .unwrap();
        assert_eq!(e.data(), &Data::Bytes(vec![0xff, 0]));
        assert!(
            String::from_utf8(encode_event(&e))
                .unwrap()
                .ends_with(r#""data_base64":"/wA="}"#)
        );
        let r = decode_event(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data_base64":"not base64!"}"#);
        assert_eq!(rules(&r), ["JSON-DATA-10"]);
    }

    #[test]
    fn data_follows_the_content_type() {
        let doc = |ct: &str, data: &str| {
            format!(
                r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"{ct}","data":{data}}}"#
            )
        };
        let (e, _) =
            decode_event(doc("application/vnd.x+json; charset=utf-8", r#"{"a": 1}"#).as_bytes())
                .unwrap();
        assert_eq!(e.data(), &Data::Json(r#"{"a": 1}"#.into()));
        let (e, _) = decode_event(doc("text/plain", r#""hi""#).as_bytes()).unwrap();
        assert_eq!(e.data(), &Data::Text("hi".into()));
        let (e, _) = decode_event(doc("application/json", r#""{\"a\":1}""#).as_bytes()).unwrap();
        assert_eq!(e.data(), &Data::Json(r#""{\"a\":1}""#.into()));
        assert_eq!(
            rules(&decode_event(doc("text/plain", r#"{"a":1}"#).as_bytes())),
            ["JSON-DATA-13"]
        );
        let (e, _) = decode_event(doc("application/json", "null").as_bytes()).unwrap();
        assert_eq!(e.data(), &Data::Json("null".into()));
    }

    #[test]
    fn lone_surrogates_and_controls_are_rejected() {
        let r = decode_event(br#"{"specversion":"1.0","id":"\uDEAD","source":"/s","type":"t.x"}"#);
        assert_eq!(rules(&r), ["CORE-TS-8"]);
        let (e, _) = decode_event(
            br#"{"specversion":"1.0","id":"\uD83D\uDE00","source":"/s","type":"t.x"}"#,
        )
        .unwrap();
        assert_eq!(e.get_str("id"), Some("😀"));
        let r = decode_event(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","subject":"a\tb"}"#,
        );
        assert_eq!(rules(&r), ["CORE-TS-6"]);
    }

    #[test]
    fn batches() {
        let (events, _) = decode_batch(b"[]").unwrap();
        assert!(events.is_empty());
        let (events, _) = decode_batch(format!("[{E0},{E0}]").as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            rules(&decode_batch(format!("[{E0},5]").as_bytes())),
            ["JSON-BATCH-1"]
        );
        assert_eq!(
            rules(&decode_batch(format!(r#"{{"events":[{E0}]}}"#).as_bytes())),
            ["JSON-BATCH-1"]
        );
        let mixed =
            format!(r#"[{E0},{{"specversion":"0.3","id":"1","source":"/s","type":"t.x"}}]"#);
        assert_eq!(rules(&decode_batch(mixed.as_bytes())), ["CORE-BATCH-1"]);
        let (events, _) = decode_batch(format!("[{E0}]").as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(encode_batch(&events)).unwrap(),
            format!("[{E0}]")
        );
    }

    #[test]
    fn integers_in_json() {
        let doc = |n: &str| {
            format!(r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","n":{n}}}"#)
        };
        assert!(decode_event(doc("-2147483648").as_bytes()).is_ok());
        assert!(decode_event(doc("-0").as_bytes()).is_ok());
        assert_eq!(
            rules(&decode_event(doc("2147483648").as_bytes())),
            ["CORE-TS-4"]
        );
        assert_eq!(rules(&decode_event(doc("5.0").as_bytes())), ["JSON-TM-2"]);
        assert_eq!(rules(&decode_event(doc("1e2").as_bytes())), ["JSON-TM-2"]);
    }

    #[test]
    fn strings_escape_on_output() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\u{1}\n€");
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"b\\c\u0001\n€""#);
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    #[test]
    fn deep_nesting_is_scanned_without_recursion() {
        let depth = 100_000;
        let doc = format!(
            r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        // Valid JSON however deep: `data` is kept as text, never built as a tree.
        let (event, _) = decode_event(doc.as_bytes()).unwrap();
        assert_eq!(event.data().body_bytes().len(), 2 * depth);
        let batch = format!("[{}{}]", "[".repeat(depth), "]".repeat(depth));
        assert!(decode_batch(batch.as_bytes()).is_err());
        let ext = format!(
            r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","x":{}{}}}"#,
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        assert!(decode_event(ext.as_bytes()).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for bytes in [
            &b"\xff\xfe"[..],
            b"{\"a\":\"\\u",
            b"[{",
            b"{\"data\":1e99999}",
            b"{\"specversion\":\"1.0\",\"id\":\"\xff\"}",
        ] {
            let _ = decode_event(bytes);
            let _ = decode_batch(bytes);
        }
    }
}
