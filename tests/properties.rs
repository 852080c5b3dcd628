//! Reference properties (issue 6, part 2): the reference codecs against
//! generated valid events. Each property runs 256 cases by default;
//! `PROPTEST_CASES` raises that (CI may run more).
//!
//! Binary modes cannot tell empty data from no data (an empty body or record
//! value is no data), so the expected event is what the encoding can carry
//! (`prop::roundtrip::carried`); every other part must survive exactly, with
//! no difference at all, fidelity ones (timestamp precision) included.

use std::collections::{BTreeMap, BTreeSet};

use cespec::codec::{self, Encoding};
use cespec::event::Event;
use cespec::event::equivalence::compare;
use cespec::prop::roundtrip::{Disagreement, DisagreementKind, carried};
use cespec::prop::strategy;
use cespec::prop::{mutate, save};
use cespec::rules::Level;
use cespec::suite::{Case, Expectation, Location, Verdict};
use cespec::validate;
use cespec::wire::{HttpMessage, JsonDocument, KafkaRecord, MEDIA_JSON, MEDIA_JSON_BATCH, Message};
use proptest::collection::vec;
use proptest::prelude::*;

fn decode_ok(message: &Message) -> Vec<Event> {
    match codec::decode(message) {
        Ok(decoded) => decoded.events,
        Err(violations) => panic!(
            "the reference rejected its own output:\n{}\nmessage: {message:?}",
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn encode_ok(events: &[Event], encoding: Encoding) -> Message {
    codec::encode(events, encoding).expect("the reference encodes any valid event")
}

fn json(event: &Event) -> String {
    String::from_utf8_lossy(&codec::json::encode_event(event)).into_owned()
}

/// Decodes `event` encoded in `encoding` and returns the single event.
fn through(event: &Event, encoding: Encoding) -> Event {
    let message = encode_ok(std::slice::from_ref(event), encoding);
    let decoded = codec::decode(&message);
    if let Ok(d) = &decoded {
        assert_eq!(d.encoding, encoding, "detected the wrong encoding");
    }
    let mut events = decode_ok(&message);
    assert_eq!(events.len(), 1);
    events.remove(0)
}

/// Returns a valid case whose input is `events` encoded in `encoding`.
fn accepted_case(events: &[Event], encoding: Encoding) -> Case {
    Case {
        id: format!("prop/{encoding}"),
        suite: "prop".into(),
        title: String::new(),
        rules: vec!["CORE-CTX-1".into()],
        level: Level::Must,
        notes: None,
        requires: BTreeSet::new(),
        input: encode_ok(events, encoding),
        raw: None,
        input_encoding: encoding,
        expect: Expectation {
            verdict: Verdict::Accept,
            events: Some(events.to_vec()),
            reply: BTreeMap::new(),
            refusal: None,
        },
        location: Location::default(),
    }
}

fn assert_equivalent(expected: &Event, actual: &Event, context: &str) {
    let differences = compare(expected, actual);
    assert!(
        differences.is_empty(),
        "{context}: {}\nexpected: {}\nactual:   {}",
        differences
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        json(expected),
        json(actual)
    );
}

proptest! {
    /// (a) decode(encode(e)) is equivalent to e in every single-event encoding.
    #[test]
    fn decode_inverts_encode(event in strategy::event()) {
        for encoding in Encoding::SINGLE {
            let back = through(&event, encoding);
            assert_equivalent(&carried(&event, encoding), &back, encoding.as_str());
        }
    }

    /// (a) continued: `\u` escapes, surrogate pairs for characters outside
    /// the BMP included, decode to the same event in the JSON format.
    #[test]
    fn json_escapes_decode_the_same(event in strategy::event()) {
        let escaped = strategy::escape_non_ascii(&json(&event));
        let (back, _) = codec::json::decode_event(escaped.as_bytes())
            .unwrap_or_else(|v| panic!("{v:?} in {escaped}"));
        assert_equivalent(&event, &back, "escaped JSON");
    }

    /// (a) continued: every spelling of a `ce-` header value the binding
    /// allows (lower-case hex, needless escapes, a quoted-string) decodes
    /// the same (HTTP-HDR-7, -8, -9).
    #[test]
    fn http_header_spellings_decode_the_same(event in strategy::event(), spelling in 0u8..3) {
        let Message::Http(mut message) = encode_ok(std::slice::from_ref(&event), Encoding::HttpBinary) else {
            unreachable!("http-binary is an HTTP message")
        };
        for (name, value) in &mut message.headers {
            if name.starts_with("ce-") {
                *value = respell(value, spelling);
            }
        }
        let back = decode_ok(&Message::Http(message));
        assert_equivalent(&carried(&event, Encoding::HttpBinary), &back[0], "respelled headers");
    }

    /// (b) Encoding a decoded message is a fixed point, byte for byte.
    #[test]
    fn encoding_a_decoded_message_is_a_fixed_point(event in strategy::event()) {
        for encoding in Encoding::SINGLE {
            let first = encode_ok(&[carried(&event, encoding)], encoding);
            let second = encode_ok(&decode_ok(&first), encoding);
            prop_assert_eq!(&first, &second, "{}", encoding);
        }
    }

    /// (c) A chain across encodings keeps equivalence at every hop.
    #[test]
    fn chains_across_encodings_keep_equivalence(event in strategy::event()) {
        let chain = [
            Encoding::Json,
            Encoding::HttpBinary,
            Encoding::KafkaStructured,
            Encoding::KafkaBinary,
            Encoding::HttpStructured,
            Encoding::Json,
        ];
        let mut expected = event.clone();
        let mut current = event;
        for (hop, encoding) in chain.into_iter().enumerate() {
            expected = carried(&expected, encoding);
            current = through(&current, encoding);
            assert_equivalent(&expected, &current, &format!("hop {hop} ({encoding})"));
        }
    }

    /// (d) The validator accepts every generated event.
    #[test]
    fn the_validator_accepts_every_generated_event(event in strategy::event()) {
        let errors: Vec<String> = validate::event(&event)
            .into_iter()
            .filter(|v| v.is_error())
            .map(|v| v.to_string())
            .collect();
        prop_assert!(errors.is_empty(), "{:?} in {}", errors, json(&event));
    }

    /// (e) Batches survive the JSON batch format and HTTP batched mode.
    #[test]
    fn batches_round_trip(events in strategy::batch()) {
        for encoding in [Encoding::JsonBatch, Encoding::HttpBatch] {
            let message = encode_ok(&events, encoding);
            let back = decode_ok(&message);
            prop_assert_eq!(back.len(), events.len());
            for (i, (want, got)) in events.iter().zip(&back).enumerate() {
                assert_equivalent(want, got, &format!("{encoding} event {i}"));
            }
            prop_assert_eq!(&encode_ok(&back, encoding), &message);
        }
    }

    /// A disagreement saved as a suite case keeps its event exactly: the
    /// YAML parses back to an event equivalent to the one generated.
    #[test]
    fn saved_cases_keep_the_event(event in strategy::event()) {
        let found = Disagreement {
            event_json: json(&event),
            send: Encoding::Json,
            reply: Encoding::Json,
            kind: DisagreementKind::Differs,
            level: Level::Must,
            differences: vec!["data: expected x, got y".into()],
            rules: vec!["JSON-DATA-6".into()],
        };
        let yaml = save::suite_yaml("found", &[save::case(&found, 1)]).unwrap();
        let suite: serde_json::Value = serde_saphyr::from_str(&yaml)
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        for at in ["event", "expect"] {
            let value = if at == "event" { &suite["cases"][0]["event"] } else { &suite["cases"][0]["expect"]["event"] };
            let text = serde_json::to_vec(value).unwrap();
            let (back, _) = codec::json::decode_event(&text)
                .unwrap_or_else(|v| panic!("{v:?}\n{yaml}"));
            assert_equivalent(&event, &back, &format!("{at} saved as YAML:\n{yaml}"));
        }
    }

    /// Part 4: every mutation of a valid message is rejected by the
    /// reference, for the rule the mutation names.
    #[test]
    fn the_reference_rejects_every_mutation(events in strategy::batch()) {
        for encoding in Encoding::ALL {
            let events = if encoding.is_batch() { events.clone() } else { events.iter().take(1).cloned().collect() };
            if events.is_empty() {
                continue;
            }
            let case = accepted_case(&events, encoding);
            for m in mutate::mutations(&case) {
                let violations = codec::decode(&m.message)
                    .err()
                    .unwrap_or_else(|| panic!("{encoding} {}: accepted {:?}", m.name, m.message));
                prop_assert!(
                    violations.iter().any(|v| v.rule == m.rule && v.is_error()),
                    "{} {}: {:?} does not break {}", encoding, m.name, violations, m.rule
                );
            }
        }
    }

    /// (f) The decoders never panic, whatever the message.
    #[test]
    fn decoders_never_panic(message in hostile_message()) {
        let _ = codec::decode(&message);
        let _ = validate::message(&message);
    }
}

/// Rewrites a percent-encoded header value: 0 lower-cases the hex digits,
/// 1 escapes every byte, 2 wraps the value in an RFC 7230 quoted-string.
fn respell(value: &[u8], spelling: u8) -> Vec<u8> {
    let text = String::from_utf8(value.to_vec()).expect("encoded headers are ASCII");
    match spelling {
        0 => {
            let mut out = String::new();
            let mut hex_left = 0;
            for c in text.chars() {
                if c == '%' {
                    hex_left = 2;
                    out.push(c);
                } else if hex_left > 0 {
                    hex_left -= 1;
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
            }
            out.into_bytes()
        }
        1 => {
            let decoded = codec::percent::decode(value).expect("the encoder's output decodes");
            decoded
                .bytes()
                .flat_map(|b| format!("%{b:02X}").into_bytes())
                .collect()
        }
        _ => {
            let mut out = vec![b'"'];
            for &b in value {
                if b == b'"' || b == b'\\' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.push(b'"');
            out
        }
    }
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("content-type".to_owned()),
        Just("Content-Type".to_owned()),
        prop_oneof![
            Just("specversion"),
            Just("id"),
            Just("source"),
            Just("type"),
            Just("time"),
            Just("datacontenttype"),
            Just("data"),
            Just(""),
        ]
        .prop_flat_map(|n| prop_oneof![
            Just(format!("ce-{n}")),
            Just(format!("ce_{n}")),
            Just(format!("CE-{}", n.to_uppercase())),
        ]),
        "(ce-|ce_|CE-|x-)[a-zA-Z0-9_-]{0,8}",
        "[ -~]{0,12}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop_oneof![
            Just("1.0"),
            Just("0.3"),
            Just("1"),
            Just("/s"),
            Just("t.x"),
            Just("%G1"),
            Just("%"),
            Just("%C3%A9"),
            Just("%ED%A0%80"),
            Just("\"quoted"),
            Just("\"a\\\"b\""),
            Just("2018-04-05T17:31:00Z"),
            Just("application/cloudevents+json"),
            Just("application/cloudevents-batch+json"),
            Just("application/cloudevents+avro"),
            Just("application/json"),
            Just("text/plain; charset=\"x"),
        ]
        .prop_map(|v| v.as_bytes().to_vec()),
        vec(any::<u8>(), 0..16),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid = strategy::event().prop_map(|e| codec::json::encode_event(&e));
    let valid_batch = strategy::batch().prop_map(|b| codec::json::encode_batch(&b));
    prop_oneof![
        vec(any::<u8>(), 0..64),
        valid.clone(),
        valid_batch,
        // A valid document with one byte changed, cut short, or doubled.
        (valid.clone(), any::<usize>(), any::<u8>()).prop_map(|(mut b, at, byte)| {
            let i = at % b.len();
            b[i] = byte;
            b
        }),
        (valid.clone(), any::<usize>()).prop_map(|(b, at)| b[..at % b.len()].to_vec()),
        "[\\[\\]{}\":,0-9a-z\\\\ ]{0,40}".prop_map(String::into_bytes),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    vec((header_name(), header_value()), 0..10)
}

fn hostile_message() -> impl Strategy<Value = Message> {
    let valid_wire = (strategy::event(), 0usize..5)
        .prop_map(|(e, i)| codec::encode(&[e], Encoding::SINGLE[i]).expect("one event encodes"));
    prop_oneof![
        (headers(), body()).prop_map(|(h, b)| Message::Http(HttpMessage::post(h, b))),
        (
            proptest::option::of(vec(any::<u8>(), 0..8)),
            headers(),
            proptest::option::of(body())
        )
            .prop_map(|(key, headers, value)| Message::Kafka(KafkaRecord {
                key,
                headers,
                value
            })),
        (
            prop_oneof![
                Just(MEDIA_JSON.to_owned()),
                Just(MEDIA_JSON_BATCH.to_owned()),
                "[ -~]{0,20}"
            ],
            body()
        )
            .prop_map(|(media_type, body)| Message::Json(JsonDocument { media_type, body })),
        // A valid message with one header added, dropped or altered.
        (valid_wire, header_name(), header_value(), any::<usize>()).prop_map(
            |(message, name, value, at)| match message {
                Message::Http(mut m) => {
                    tweak(&mut m.headers, name, value, at);
                    Message::Http(m)
                }
                Message::Kafka(mut r) => {
                    tweak(&mut r.headers, name, value, at);
                    Message::Kafka(r)
                }
                json => json,
            }
        ),
    ]
}

fn tweak(headers: &mut Vec<(String, Vec<u8>)>, name: String, value: Vec<u8>, at: usize) {
    match (at % 3, headers.len()) {
        (0, _) | (_, 0) => headers.push((name, value)),
        (1, n) => {
            headers.remove(at % n);
        }
        (_, n) => headers[at % n].1 = value,
    }
}
