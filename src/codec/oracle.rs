//! The serde_json-based JSON decoder that [`super::json`] replaced, kept
//! as a test oracle: the differential test below decodes every JSON body of
//! the corpus, and thousands of byte-level mutations of them, with both,
//! and requires the same verdict, the same violated rules and the same
//! events. It is what shows the tokenizer weakened no rule. What it checks
//! is the reading of the document (syntax, strings, numbers, members): the
//! rules applied after reading (the event builder, the data rules of
//! `json::finish_event`, a batch's `json::assemble_batch`) are shared.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue as JsonRaw;

use super::builder::{Built, EventBuilder, Origin, RawValue};
use super::json::{Element, KeptValue, first_byte};
use crate::event::Event;
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
    super::json::assemble_batch(elements)
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
        let mut duplicates = Vec::new();
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let value: &'de JsonRaw = map.next_value()?;
            if names.contains(&name) {
                duplicates.push(name.into_owned());
                continue;
            }
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
    super::json::finish_event(builder, data.map(Raw), data_base64.map(Raw))
}

/// A member value as serde_json kept it, read with [`classify`].
struct Raw<'de>(&'de JsonRaw);

impl KeptValue for Raw<'_> {
    fn text(&self) -> &str {
        self.0.get()
    }

    fn read(&self) -> Result<RawValue<'_>, Violation> {
        classify(self.0).map_err(|e| syntax_violation(&e))
    }
}

struct BatchSeed;

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

#[cfg(test)]
pub(crate) mod differential {
    use super::super::json;
    use super::{Built, Event, decode_batch, decode_event};
    use crate::rules::Violation;
    use crate::wire::Message;

    /// The verdict, the rules of the errors, and the events as JSON.
    fn outcome<T>(
        result: &Result<(T, Vec<Violation>), Vec<Violation>>,
        events: impl Fn(&T) -> Vec<u8>,
    ) -> (bool, Vec<String>, Vec<u8>) {
        match result {
            Ok((value, warnings)) => {
                let mut rules: Vec<String> = warnings.iter().map(|v| v.rule.clone()).collect();
                rules.sort();
                (true, rules, events(value))
            }
            Err(violations) => {
                let mut rules: Vec<String> = violations
                    .iter()
                    .filter(|v| v.is_error())
                    .map(|v| {
                        // The one known difference: serde_json calls a high
                        // surrogate escape not followed by `\u` an "unexpected
                        // end of hex escape", which the old decoder filed under
                        // JSON-ENV-1; it is a lone surrogate, CORE-TS-8, as the
                        // tokenizer says.
                        if v.message.contains("unexpected end of hex escape") {
                            "CORE-TS-8".to_owned()
                        } else {
                            v.rule.clone()
                        }
                    })
                    .collect();
                rules.sort();
                rules.dedup();
                (false, rules, Vec::new())
            }
        }
    }

    fn check(doc: &[u8]) -> usize {
        // The binary-mode body check (is the body JSON?) agrees too.
        if let Ok(text) = std::str::from_utf8(doc) {
            assert_eq!(
                super::super::scan::is_json(text),
                serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(),
                "is_json differs on {text:?}"
            );
        }
        let single = |r: &Built| outcome(r, |e: &Event| json::encode_event(e));
        let (ours, theirs) = (json::decode_event(doc), decode_event(doc));
        assert_eq!(
            single(&ours),
            single(&theirs),
            "single event differs on {:?}",
            String::from_utf8_lossy(doc)
        );
        let batch = |r: &Result<(Vec<Event>, Vec<Violation>), Vec<Violation>>| {
            outcome(r, |e: &Vec<Event>| json::encode_batch(e))
        };
        let (ours, theirs) = (json::decode_batch(doc), decode_batch(doc));
        assert_eq!(
            batch(&ours),
            batch(&theirs),
            "batch differs on {:?}",
            String::from_utf8_lossy(doc)
        );
        2
    }

    /// Every input message of the embedded suites, and the mutations of
    /// the valid ones (each breaks one MUST).
    pub(crate) fn messages() -> Vec<Message> {
        let catalog = crate::rules::Catalog::embedded().unwrap();
        let mut messages = Vec::new();
        for suite in crate::suite::load_embedded(catalog).unwrap() {
            for case in &suite.cases {
                messages.push(case.input.clone());
                messages.extend(
                    crate::prop::mutate::mutations(case)
                        .into_iter()
                        .map(|m| m.message),
                );
            }
        }
        messages
    }

    fn corpus() -> Vec<Vec<u8>> {
        let mut docs: Vec<Vec<u8>> = messages()
            .into_iter()
            .map(|message| match message {
                Message::Json(d) => d.body,
                Message::Http(m) => m.body,
                Message::Kafka(r) => r.value.unwrap_or_default(),
            })
            .filter(|body| body.first().is_some_and(|b| b"{[ ".contains(b)))
            .collect();
        docs.sort();
        docs.dedup();
        docs
    }

    /// Calls `each` with every JSON document of the corpus, byte-level
    /// mutations of the smaller ones (truncations, and bytes that matter to
    /// JSON put in at a sample of positions), and a few hand-made ones.
    pub(crate) fn each_document(mut each: impl FnMut(&[u8])) {
        let docs = corpus();
        assert!(docs.len() > 100, "{}", docs.len());
        for doc in &docs {
            each(doc);
        }
        const BYTES: &[u8] = b"\"\\{}[],:0-e.tn \x00\x1f\x7f\xff\xc3u";
        for (d, doc) in docs.iter().filter(|d| d.len() < 2048).enumerate() {
            for at in (0..doc.len()).filter(|at| (at + d) % 11 == 0) {
                each(&doc[..at]);
                let b = BYTES[(at * 7 + d) % BYTES.len()];
                let mut changed = doc.clone();
                changed[at] = b;
                each(&changed);
                let mut inserted = doc.clone();
                inserted.insert(at, b);
                each(&inserted);
            }
        }
        for doc in [
            &br#"{"specversion":"1.0","id":"\uDEAD","source":"/s","type":"t"}"#[..],
            br#"{"specversion":"1.0","\uDEAD":"1","source":"/s","type":"t"}"#,
            br#"[{"specversion":"1.0","\uDEAD":"1","source":"/s","type":"t"},{"specversion":"1.0","id":"1","source":"/s","type":"t"}]"#,
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"text/plain","data":"\uD800"}"#,
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"\uD800":[1e999,-0,"\u0000"]}}"#,
            b"{\"specversion\":\"1.0\",\"id\":\"\xff\"}",
            br#"{"specversion":"1.0","id":"1","id":"2","data":1,"data":2,"x":-0,"y":99999999999999999999,"z":1.5}"#,
        ] {
            each(doc);
        }
    }

    #[test]
    fn the_tokenizer_agrees_with_the_serde_json_decoder() {
        let mut compared = 0;
        each_document(|doc| compared += check(doc));
        assert!(compared > 5_000, "{compared}");
    }
}
