//! Wire-level mutations (issue 6, part 4): invalid messages derived from the
//! input of a *valid* case, each breaking one MUST rule, which a conformant
//! target rejects. [`run_mutations`] reports the ones a target accepts.
//!
//! Each mutation applies where the wire can express it: an upper-case
//! attribute name in JSON members and Kafka `ce_` headers (HTTP header
//! names are case-insensitive, so `CE-ID` is still `id`: HTTP-BIN-5); broken
//! percent-encoding only in HTTP `ce-` headers (Kafka headers are raw);
//! `data` beside `data_base64`, a wrong JSON type and an out-of-range
//! Integer only in a JSON body (a binary-mode header is always a string).
//! For a batch the first event is mutated. Not here: judging (the runner).

use serde_json::{Map, Value};

use crate::codec::Encoding;
use crate::suite::{Case, Verdict};
use crate::target::{Echo, Target};
use crate::wire::{Header, HttpMessage, JsonDocument, KafkaRecord, Message};

/// The attributes every event carries.
const REQUIRED: [&str; 4] = ["specversion", "id", "source", "type"];

/// An invalid message derived from a valid one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// A stable name: `drop-id`, `broken-percent-encoding`, ...
    pub name: String,
    /// The MUST rule the mutated message breaks.
    pub rule: &'static str,
    pub message: Message,
}

/// What a target did with one mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MutationResult {
    /// The id of the case mutated.
    pub case: String,
    /// The mutation's name.
    pub mutation: String,
    /// The rule the mutation breaks.
    pub rule: &'static str,
    /// True when the target accepted the invalid message.
    pub accepted: bool,
    /// Why the exchange broke (a crash, a timeout, a 5xx), when it did.
    pub broken: Option<String>,
}

fn mutation(name: impl Into<String>, rule: &'static str, message: Message) -> Mutation {
    Mutation {
        name: name.into(),
        rule,
        message,
    }
}

/// Returns the mutations of `case`'s input; none for a case that is not
/// expected to be accepted.
pub fn mutations(case: &Case) -> Vec<Mutation> {
    if case.expect.verdict != Verdict::Accept {
        return Vec::new();
    }
    match (&case.input, case.input_encoding) {
        (Message::Http(m), Encoding::HttpBinary) => http_binary(m),
        (Message::Kafka(r), Encoding::KafkaBinary) => kafka_binary(r),
        (Message::Http(m), _) => json_body(&m.body, |body| {
            Message::Http(HttpMessage { body, ..m.clone() })
        }),
        (Message::Kafka(r), _) => json_body(r.value.as_deref().unwrap_or_default(), |body| {
            Message::Kafka(KafkaRecord {
                value: Some(body),
                ..r.clone()
            })
        }),
        (Message::Json(d), _) => json_body(&d.body, |body| {
            Message::Json(JsonDocument { body, ..d.clone() })
        }),
    }
}

/// The mutations of binary-mode headers shared by HTTP and Kafka.
fn binary_headers(
    headers: &[Header],
    attribute: impl Fn(&str) -> Option<String>,
    prefix: &str,
) -> Vec<(String, &'static str, Vec<Header>)> {
    let mut out = Vec::new();
    for name in REQUIRED {
        let kept: Vec<Header> = headers
            .iter()
            .filter(|(n, _)| attribute(n).as_deref() != Some(name))
            .cloned()
            .collect();
        if kept.len() < headers.len() {
            out.push((format!("drop-{name}"), "CORE-CTX-1", kept));
        }
    }
    if let Some(id) = headers
        .iter()
        .find(|(n, _)| attribute(n).as_deref() == Some("id"))
    {
        let mut doubled = headers.to_vec();
        doubled.push((format!("{prefix}id"), id.1.clone()));
        out.push(("duplicated-header".to_owned(), "CORE-CTX-2", doubled));
    }
    out
}

fn http_attribute(name: &str) -> Option<String> {
    let prefix = name.get(..3)?;
    prefix
        .eq_ignore_ascii_case("ce-")
        .then(|| name[3..].to_ascii_lowercase())
}

fn http_binary(m: &HttpMessage) -> Vec<Mutation> {
    let with = |headers: Vec<Header>| {
        Message::Http(HttpMessage {
            headers,
            ..m.clone()
        })
    };
    let mut out: Vec<Mutation> = binary_headers(&m.headers, http_attribute, "ce-")
        .into_iter()
        .map(|(name, rule, headers)| mutation(name, rule, with(headers)))
        .collect();
    if let Some(at) = m
        .headers
        .iter()
        .position(|(n, _)| http_attribute(n).as_deref() == Some("id"))
    {
        let mut headers = m.headers.clone();
        headers[at].1 = b"a%G1".to_vec();
        out.push(mutation(
            "broken-percent-encoding",
            "HTTP-HDR-7",
            with(headers),
        ));
    }
    out
}

fn kafka_attribute(name: &str) -> Option<String> {
    name.strip_prefix("ce_").map(str::to_owned)
}

fn kafka_binary(r: &KafkaRecord) -> Vec<Mutation> {
    let with = |headers: Vec<Header>| {
        Message::Kafka(KafkaRecord {
            headers,
            ..r.clone()
        })
    };
    let mut out: Vec<Mutation> = binary_headers(&r.headers, kafka_attribute, "ce_")
        .into_iter()
        .map(|(name, rule, headers)| mutation(name, rule, with(headers)))
        .collect();
    // Kafka header names are case-sensitive: `ce_TYPE` names an attribute
    // `TYPE`, which no valid event has.
    let target = upper_case_target(r.headers.iter().filter_map(|(n, _)| kafka_attribute(n)));
    if let Some(target) = target {
        let headers = r
            .headers
            .iter()
            .map(|(n, v)| match kafka_attribute(n) {
                Some(a) if a == target => (format!("ce_{}", a.to_ascii_uppercase()), v.clone()),
                _ => (n.clone(), v.clone()),
            })
            .collect();
        out.push(mutation("upper-case-name", "CORE-NAME-1", with(headers)));
    }
    out
}

/// Picks the attribute to spell in upper case: an optional one with a
/// letter in its name (`0` has no upper case), so that only the name rule
/// breaks, else `type`.
fn upper_case_target(names: impl Iterator<Item = String>) -> Option<String> {
    let names: Vec<String> = names.collect();
    names
        .iter()
        .find(|n| !REQUIRED.contains(&n.as_str()) && n.bytes().any(|b| b.is_ascii_lowercase()))
        .or_else(|| names.iter().find(|n| *n == "type"))
        .cloned()
}

/// Applies the JSON mutations to the first event of a JSON body (a single
/// event or a batch) and wraps each result with `wrap`.
fn json_body(body: &[u8], wrap: impl Fn(Vec<u8>) -> Message) -> Vec<Mutation> {
    let Ok(document) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let first = match &document {
        Value::Object(event) => event,
        Value::Array(events) => match events.first() {
            Some(Value::Object(event)) => event,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    // Puts a mutated first event back in its place in the document.
    let put = |event: Map<String, Value>| -> Vec<u8> {
        let mut document = document.clone();
        match &mut document {
            Value::Array(events) => events[0] = Value::Object(event),
            whole => *whole = Value::Object(event),
        }
        serde_json::to_vec(&document).unwrap_or_default()
    };
    let mut out = Vec::new();
    for name in REQUIRED {
        if first.contains_key(name) {
            let mut event = first.clone();
            event.shift_remove(name);
            out.push(mutation(
                format!("drop-{name}"),
                "CORE-CTX-1",
                wrap(put(event)),
            ));
        }
    }
    let attributes = first
        .keys()
        .filter(|k| *k != "data" && *k != "data_base64")
        .cloned();
    if let Some(target) = upper_case_target(attributes) {
        let event: Map<String, Value> = first
            .iter()
            .map(|(k, v)| {
                let k = if *k == target {
                    k.to_ascii_uppercase()
                } else {
                    k.clone()
                };
                (k, v.clone())
            })
            .collect();
        out.push(mutation("upper-case-name", "CORE-NAME-1", wrap(put(event))));
    }
    // A Map cannot hold a key twice, so the duplicate goes in as text,
    // right after the opening brace of the first event.
    let text = put(first.clone());
    if let Some(brace) = text.iter().position(|&b| b == b'{') {
        let mut doubled = text[..=brace].to_vec();
        doubled.extend_from_slice(br#""id":"duplicate","#);
        doubled.extend_from_slice(&text[brace + 1..]);
        out.push(mutation("duplicated-member", "CORE-CTX-2", wrap(doubled)));
    }
    let mut both = first.clone();
    if !both.contains_key("data") {
        both.insert("data".into(), Value::String("x".into()));
    }
    if !both.contains_key("data_base64") {
        both.insert("data_base64".into(), Value::String("AA==".into()));
    }
    out.push(mutation(
        "data-beside-data-base64",
        "JSON-DATA-8",
        wrap(put(both)),
    ));
    let mut numeric = first.clone();
    numeric.insert("id".into(), Value::from(1));
    out.push(mutation(
        "wrong-json-type-id",
        "CORE-ID-1",
        wrap(put(numeric)),
    ));
    let mut large = first.clone();
    large.insert("cespecint".into(), Value::from(2_147_483_648_i64));
    out.push(mutation(
        "integer-out-of-range",
        "CORE-TS-4",
        wrap(put(large)),
    ));
    out
}

/// Returns the reply encoding to ask for when echoing an input in `input`.
fn reply_for(input: Encoding) -> Encoding {
    match input {
        Encoding::HttpBinary | Encoding::HttpStructured => Encoding::HttpBinary,
        Encoding::KafkaBinary | Encoding::KafkaStructured => Encoding::KafkaBinary,
        batch_or_json => batch_or_json,
    }
}

/// Sends every mutation of every accepted case the target can take (its
/// `requires` are among the target's capabilities) and records whether the
/// target accepted it. A conformant target accepts none.
pub async fn run_mutations(target: &dyn Target, cases: &[Case]) -> Vec<MutationResult> {
    let capabilities = target.capabilities();
    let mut out = Vec::new();
    for case in cases {
        if !case.requires.iter().all(|r| capabilities.contains(r)) {
            continue;
        }
        for m in mutations(case) {
            let echo = target
                .echo(&m.message, reply_for(case.input_encoding))
                .await;
            out.push(MutationResult {
                case: case.id.clone(),
                mutation: m.name,
                rule: m.rule,
                accepted: matches!(echo, Echo::Accepted(_)),
                broken: match echo {
                    Echo::Broken { reason, .. } => Some(reason),
                    _ => None,
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::codec;
    use crate::rules::Level;
    use crate::suite::{Expectation, Location};
    use crate::target::reference::Reference;
    use crate::target::{
        Capabilities, Implementation, ImplementationInfo, InProcess, all_capabilities,
    };

    const EVENT: &str = r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","comexampleext":"v","data":{"a":1}}"#;

    fn case(encoding: Encoding) -> Case {
        let (event, _) = codec::json::decode_event(EVENT.as_bytes()).unwrap();
        let events = if encoding.is_batch() {
            vec![event.clone(), event]
        } else {
            vec![event]
        };
        Case {
            id: format!("t/{encoding}"),
            suite: "t".into(),
            title: String::new(),
            rules: vec!["CORE-CTX-1".into()],
            level: Level::Must,
            notes: None,
            requires: BTreeSet::from([encoding.as_str().to_owned()]),
            input: codec::encode(&events, encoding).unwrap(),
            raw: None,
            input_encoding: encoding,
            expect: Expectation {
                verdict: Verdict::Accept,
                events: Some(events),
                reply: BTreeMap::new(),
                refusal: None,
            },
            location: Location::default(),
        }
    }

    fn names(encoding: Encoding) -> Vec<String> {
        mutations(&case(encoding))
            .into_iter()
            .map(|m| m.name)
            .collect()
    }

    #[test]
    fn each_mutation_applies_where_the_wire_can_express_it() {
        let json = [
            "drop-specversion",
            "drop-id",
            "drop-source",
            "drop-type",
            "upper-case-name",
            "duplicated-member",
            "data-beside-data-base64",
            "wrong-json-type-id",
            "integer-out-of-range",
        ];
        for encoding in [
            Encoding::Json,
            Encoding::JsonBatch,
            Encoding::HttpStructured,
            Encoding::HttpBatch,
            Encoding::KafkaStructured,
        ] {
            assert_eq!(names(encoding), json, "{encoding}");
        }
        let drops = ["drop-specversion", "drop-id", "drop-source", "drop-type"];
        let http: Vec<&str> = drops
            .iter()
            .copied()
            .chain(["duplicated-header", "broken-percent-encoding"])
            .collect();
        assert_eq!(names(Encoding::HttpBinary), http);
        let kafka: Vec<&str> = drops
            .iter()
            .copied()
            .chain(["duplicated-header", "upper-case-name"])
            .collect();
        assert_eq!(names(Encoding::KafkaBinary), kafka);
    }

    #[test]
    fn the_reference_rejects_every_mutation_for_its_rule() {
        for encoding in Encoding::ALL {
            for m in mutations(&case(encoding)) {
                let violations = codec::decode(&m.message)
                    .err()
                    .unwrap_or_else(|| panic!("{encoding} {}: accepted", m.name));
                assert!(
                    violations.iter().any(|v| v.rule == m.rule && v.is_error()),
                    "{encoding} {}: {m:?} broke {violations:?}, not {}",
                    m.name,
                    m.rule
                );
            }
        }
    }

    #[test]
    fn the_upper_case_name_prefers_an_optional_attribute() {
        let m = mutations(&case(Encoding::KafkaBinary));
        let upper = m.iter().find(|m| m.name == "upper-case-name").unwrap();
        let Message::Kafka(r) = &upper.message else {
            panic!()
        };
        assert!(r.header("ce_COMEXAMPLEEXT").is_some() && r.header("ce_type").is_some());
    }

    #[test]
    fn cases_to_reject_have_no_mutations() {
        let mut c = case(Encoding::Json);
        c.expect.verdict = Verdict::Reject;
        assert!(mutations(&c).is_empty());
    }

    /// Accepts anything: decodes every message to the same event.
    struct Lenient;

    impl Implementation for Lenient {
        type Event = ();
        fn info(&self) -> ImplementationInfo {
            ImplementationInfo::default()
        }
        fn capabilities(&self) -> Capabilities {
            BTreeSet::from(["json".to_owned(), "http-binary".to_owned()])
        }
        fn decode(&self, _: &Message) -> Result<Vec<()>, String> {
            Ok(vec![()])
        }
        fn encode(&self, _: &[()], _: Encoding) -> Result<Message, String> {
            Ok(case(Encoding::Json).input)
        }
    }

    #[tokio::test]
    async fn run_mutations_reports_what_a_target_accepts() {
        let cases: Vec<Case> = Encoding::ALL.into_iter().map(case).collect();
        let reference = run_mutations(&InProcess(Reference), &cases).await;
        assert_eq!(
            reference.len(),
            cases.iter().map(|c| mutations(c).len()).sum::<usize>()
        );
        assert!(reference.iter().all(|r| !r.accepted && r.broken.is_none()));
        assert_eq!(all_capabilities().len(), 8);
        let lenient = run_mutations(&InProcess(Lenient), &cases).await;
        // Only the json and http-binary cases are within its capabilities.
        assert_eq!(lenient.len(), 9 + 6);
        assert!(lenient.iter().all(|r| r.accepted));
        assert!(
            lenient
                .iter()
                .any(|r| r.case == "t/http-binary" && r.rule == "HTTP-HDR-7")
        );
    }
}
