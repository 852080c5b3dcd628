//! `prop::roundtrip::run` finds planted bugs (issue 6, "done when"): each
//! test-only implementation wraps the reference and breaks one thing; the
//! engine must report a disagreement and shrink it to a small event within
//! 30 s. Against the plain reference it must find none, and the same seed
//! must give the same report.

use std::time::Duration;

use cespec::codec::Encoding;
use cespec::event::{AttributeValue, Data, Event, Timestamp};
use cespec::prop::roundtrip::{self, DisagreementKind, Ending, PropOptions, PropReport};
use cespec::target::reference::Reference;
use cespec::target::{Capabilities, Implementation, ImplementationInfo, InProcess};
use cespec::wire::Message;
use serde_json::Value;

/// The reference with one fault between its decoder and its encoder, as
/// if the implementation's own event model lost something.
struct Planted {
    name: &'static str,
    fault: fn(&mut Event),
}

impl Implementation for Planted {
    type Event = Event;

    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: self.name.into(),
            language: "rust".into(),
            version: "0".into(),
        }
    }

    fn capabilities(&self) -> Capabilities {
        Reference.capabilities()
    }

    fn decode(&self, message: &Message) -> Result<Vec<Event>, String> {
        let mut events = Reference.decode(message)?;
        events.iter_mut().for_each(self.fault);
        Ok(events)
    }

    fn encode(&self, events: &[Event], encoding: Encoding) -> Result<Message, String> {
        Reference.encode(events, encoding)
    }
}

const CORE: [&str; 9] = [
    "id",
    "source",
    "type",
    "subject",
    "time",
    "dataschema",
    "schemaurl",
    "datacontenttype",
    "datacontentencoding",
];

fn cut_timestamps_to_milliseconds(event: &mut Event) {
    let cut: Vec<(String, Timestamp)> = event
        .attributes()
        .filter_map(|(name, value)| match value {
            AttributeValue::Timestamp(t) => {
                let text = t.as_str();
                let dot = text.find('.')?;
                let digits = text[dot + 1..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                let kept = format!(
                    "{}{}",
                    &text[..dot + 1 + digits.min(3)],
                    &text[dot + 1 + digits..]
                );
                Some((name.to_owned(), Timestamp::parse(&kept).unwrap()))
            }
            _ => None,
        })
        .collect();
    for (name, t) in cut {
        event.set(name, AttributeValue::Timestamp(t));
    }
}

fn drop_extensions_holding_percent(event: &mut Event) {
    let doomed: Vec<String> = event
        .attributes()
        .filter(|(name, value)| !CORE.contains(name) && value.canonical().contains('%'))
        .map(|(name, _)| name.to_owned())
        .collect();
    for name in doomed {
        event.remove(&name);
    }
}

fn lose_null_data(event: &mut Event) {
    if matches!(event.data(), Data::Json(t) if t.trim() == "null") {
        event.set_data(Data::None);
    }
}

fn reemit_json_data_as_a_string(event: &mut Event) {
    if let Data::Json(text) = event.data() {
        let quoted = serde_json::to_string(text).unwrap();
        event.set_data(Data::Json(quoted));
    }
}

fn options(cases: u32, seed: u64) -> PropOptions {
    PropOptions {
        cases,
        seed,
        time_budget: Some(Duration::from_secs(30)),
        encodings: None,
    }
}

/// Returns the members of the shrunk event other than `specversion`.
fn members(report: &PropReport) -> serde_json::Map<String, Value> {
    let found = report.disagreement.as_ref().expect("a disagreement");
    let Value::Object(mut members) = serde_json::from_str(&found.event_json).unwrap() else {
        panic!("an event is an object");
    };
    members.remove("specversion");
    members
}

/// Runs the engine on a planted bug and checks the report: a disagreement,
/// fully shrunk within 30 s, to the required attributes plus `trigger`.
async fn finds(fault: fn(&mut Event), name: &'static str, trigger: fn(&str, &Value) -> bool) {
    let target = InProcess(Planted { name, fault });
    let report = roundtrip::run(&target, options(2000, 6)).await;
    let found = report
        .disagreement
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no disagreement in {report:?}"));
    assert_eq!(report.ending, Ending::Disagreement);
    assert!(
        report.elapsed < Duration::from_secs(30),
        "{name}: {:?}",
        report.elapsed
    );
    let shrink = report.shrink.as_ref().unwrap();
    assert!(shrink.complete, "{name}: shrinking cut short: {shrink:?}");
    let members = members(&report);
    let extra: Vec<(&String, &Value)> = members
        .iter()
        .filter(|(n, _)| !["id", "source", "type"].contains(&n.as_str()))
        .collect();
    assert!(
        matches!(extra.as_slice(), [(n, v)] if trigger(n, v)),
        "{name}: not shrunk to the trigger alone: {}\n{found:#?}",
        found.event_json
    );
    assert_eq!(found.kind, DisagreementKind::Differs, "{found:#?}");
    assert!(!found.differences.is_empty() && !found.rules.is_empty());
    let shown = found.to_string();
    assert!(shown.contains(&found.event_json) && shown.contains(&found.differences[0]));
}

#[tokio::test]
async fn finds_timestamps_cut_to_milliseconds() {
    finds(cut_timestamps_to_milliseconds, "cut-millis", |n, v| {
        n == "time" && v.as_str().is_some_and(|t| t.contains('.'))
    })
    .await;
}

#[tokio::test]
async fn finds_extensions_dropped_for_a_percent_sign() {
    finds(drop_extensions_holding_percent, "drop-percent", |n, v| {
        !CORE.contains(&n) && v.as_str().is_some_and(|s| s.contains('%'))
    })
    .await;
}

#[tokio::test]
async fn finds_lost_null_data() {
    finds(lose_null_data, "lose-null", |n, v| {
        n == "data" && v.is_null()
    })
    .await;
}

#[tokio::test]
async fn finds_json_data_reemitted_as_a_string() {
    finds(reemit_json_data_as_a_string, "json-as-string", |n, _| {
        n == "data"
    })
    .await;
}

/// Returns the report without its timing, for comparing two runs.
fn timeless(mut report: PropReport) -> PropReport {
    report.elapsed = Duration::ZERO;
    report
}

#[tokio::test]
async fn the_reference_agrees_with_itself() {
    let report = roundtrip::run(&InProcess(Reference), options(1000, 1)).await;
    assert_eq!(report.ending, Ending::Completed, "{report:#?}");
    assert_eq!(report.cases, 1000);
    assert_eq!(report.pairs.len(), 17);
    assert_eq!(report.echoes, 1000 * 17);
}

#[tokio::test]
#[ignore = "slow in debug builds: run with --release -- --ignored"]
async fn the_reference_agrees_over_10000_cases() {
    let mut o = options(10_000, 10_000);
    o.time_budget = None;
    let report = roundtrip::run(&InProcess(Reference), o).await;
    assert_eq!(report.ending, Ending::Completed, "{report:#?}");
    assert_eq!(report.cases, 10_000);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_report() {
    let target = InProcess(Planted {
        name: "drop-percent",
        fault: drop_extensions_holding_percent,
    });
    let first = roundtrip::run(&target, options(500, 42)).await;
    let second = roundtrip::run(&target, options(500, 42)).await;
    assert!(first.disagreement.is_some());
    assert_eq!(timeless(first.clone()), timeless(second));
    let other = roundtrip::run(&target, options(500, 43)).await;
    assert_ne!(
        timeless(first),
        timeless(other),
        "another seed, another run"
    );
    let plain = roundtrip::run(&InProcess(Reference), options(50, 42)).await;
    assert_eq!(
        timeless(plain),
        timeless(roundtrip::run(&InProcess(Reference), options(50, 42)).await)
    );
}
