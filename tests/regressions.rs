//! Regressions found by the hostile suites (`suites/hostile/`) and by
//! fuzzing (`fuzz/`, docs/fuzzing.md), one test each, named after what
//! broke. Time bounds are generous: each guards against an input that
//! took minutes, not against a slow machine.

use std::time::{Duration, Instant};

use cespec::codec::{self, http, json, kafka};
use cespec::wire::{HttpMessage, KafkaRecord};

/// How long decoding 100,000 attributes may take here (a debug build took
/// 309 s before the fix, and takes well under a second after it).
const LINEAR: Duration = Duration::from_secs(20);

fn required(prefix: &str) -> Vec<(String, Vec<u8>)> {
    [
        ("specversion", "1.0"),
        ("id", "1"),
        ("source", "/s"),
        ("type", "t"),
    ]
    .iter()
    .map(|(n, v)| (format!("{prefix}{n}"), v.as_bytes().to_vec()))
    .collect()
}

/// Found by hostile-size/extensions-100000: the binary HTTP decoder
/// looked for a repeated attribute by scanning a list of the names seen,
/// and the event builder did it again, so 100,000 `ce-` headers took
/// quadratic time.
#[test]
fn r_hostile_extensions_100000_http_binary_decode_in_linear_time() {
    let mut headers = required("ce-");
    headers.extend((0..100_000).map(|i| (format!("ce-x{i}"), b"v".to_vec())));
    let started = Instant::now();
    let decoded = http::decode(&HttpMessage::post(headers, Vec::new())).expect("valid");
    assert_eq!(decoded.events[0].attribute_count(), 100_003);
    assert!(started.elapsed() < LINEAR, "took {:?}", started.elapsed());
}

/// Found by hostile-size/extensions-100000-json: the JSON decoder kept the
/// member names in a list and scanned it for each new member.
#[test]
fn r_hostile_extensions_100000_json_decode_in_linear_time() {
    let mut doc = String::from(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t""#);
    for i in 0..100_000 {
        doc.push_str(&format!(r#","x{i}":"v""#));
    }
    doc.push('}');
    let started = Instant::now();
    let (event, _) = json::decode_event(doc.as_bytes()).expect("valid");
    assert_eq!(event.attribute_count(), 100_003);
    assert!(started.elapsed() < LINEAR, "took {:?}", started.elapsed());
}

/// The Kafka twin of the binary HTTP decoder had the same list.
#[test]
fn r_hostile_extensions_100000_kafka_binary_decode_in_linear_time() {
    let mut headers = required("ce_");
    headers.extend((0..100_000).map(|i| (format!("ce_x{i}"), b"v".to_vec())));
    let record = KafkaRecord {
        key: None,
        headers,
        value: None,
    };
    let started = Instant::now();
    let decoded = kafka::decode(&record).expect("valid");
    assert_eq!(decoded.events[0].attribute_count(), 100_003);
    assert!(started.elapsed() < LINEAR, "took {:?}", started.elapsed());
}

/// Found by hostile-json/duplicate-members-100000: one member repeated
/// 100,000 times is refused, with the repeat reported once, not 99,999
/// times.
#[test]
fn r_hostile_duplicate_members_100000_reported_once() {
    let mut doc = String::from(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t""#);
    for _ in 0..100_000 {
        doc.push_str(r#","dup":"v""#);
    }
    doc.push('}');
    let started = Instant::now();
    let violations = json::decode_event(doc.as_bytes()).expect_err("a repeated member");
    let repeats = violations.iter().filter(|v| v.rule == "CORE-CTX-2").count();
    assert_eq!(repeats, 1, "{violations:?}");
    assert!(started.elapsed() < LINEAR, "took {:?}", started.elapsed());
}

/// Found by hostile-size/json-nested-100000-structured: `data` nested
/// 100,000 deep is kept as its JSON text (skipping it is not recursive),
/// so the reference accepts and re-encodes it without overflowing its
/// stack.
#[test]
fn r_hostile_data_nested_100000_deep_does_not_overflow() {
    let doc = format!(
        r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (event, _) = json::decode_event(doc.as_bytes()).expect("valid JSON data");
    let again = codec::http::encode_structured(&event);
    assert!(again.body.len() > 200_000);
}

/// Names that share their length and their first and last eight bytes
/// (`aaaaaaaa` + four varying characters + `bbbbbbbb`, 20 characters, all
/// valid) share the builder's cheap name fingerprint, so an index keyed by
/// that fingerprint put all 100,000 in one bucket and made the lookup for
/// repeats quadratic again. The index now hashes the whole name with a
/// per-process random key.
#[test]
fn r_colliding_name_fingerprints_decode_in_linear_time() {
    let alphabet: Vec<char> = ('a'..='z').chain('0'..='9').collect();
    let names: Vec<String> = (0..100_000usize)
        .map(|i| {
            let middle: String = (0..4)
                .map(|k| alphabet[(i / alphabet.len().pow(k)) % alphabet.len()])
                .collect();
            format!("aaaaaaaa{middle}bbbbbbbb")
        })
        .collect();
    let mut headers = required("ce-");
    headers.extend(names.iter().map(|n| (format!("ce-{n}"), b"v".to_vec())));
    let started = Instant::now();
    let decoded = http::decode(&HttpMessage::post(headers, Vec::new())).expect("valid");
    assert_eq!(decoded.events[0].attribute_count(), 100_003);
    assert!(
        started.elapsed() < LINEAR,
        "HTTP took {:?}",
        started.elapsed()
    );

    let mut doc = String::from(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t""#);
    for n in &names {
        doc.push_str(&format!(r#","{n}":"v""#));
    }
    doc.push('}');
    let started = Instant::now();
    let (event, _) = json::decode_event(doc.as_bytes()).expect("valid");
    assert_eq!(event.attribute_count(), 100_003);
    assert!(
        started.elapsed() < LINEAR,
        "JSON took {:?}",
        started.elapsed()
    );
}
