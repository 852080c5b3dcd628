//! The interop matrix on in-process participants: the reference, an
//! implementation that adds an attribute when it decodes (as SDKs that
//! synthesise `time` do), one that rejects everything and one that only
//! speaks HTTP binary.

use std::sync::Arc;

use super::*;
use crate::codec::Encoding;
use crate::event::{AttributeValue, Event};
use crate::runner::testing::{Behaviour, Scripted, case};
use crate::suite::Verdict;
use crate::target::reference::Reference;
use crate::target::{
    Capabilities, Implementation, ImplementationInfo, InProcess, all_capabilities,
};
use crate::wire::Message;

/// The reference, but every decoded event gains `subject: added`.
struct AddsSubject;

impl Implementation for AddsSubject {
    type Event = Event;

    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: "adds-subject".into(),
            ..ImplementationInfo::default()
        }
    }

    fn capabilities(&self) -> Capabilities {
        all_capabilities()
    }

    fn decode(&self, message: &Message) -> Result<Vec<Event>, String> {
        let mut events = Reference.decode(message)?;
        for e in &mut events {
            e.set("subject", AttributeValue::String("added".into()));
        }
        Ok(events)
    }

    fn encode(&self, events: &[Event], encoding: Encoding) -> Result<Message, String> {
        Reference.encode(events, encoding)
    }
}

fn participant(name: &str, caps: &[&str], target: Arc<dyn Target>) -> Participant {
    Participant {
        name: name.into(),
        capabilities: caps.iter().map(|c| (*c).to_owned()).collect(),
        target,
    }
}

fn all() -> Vec<&'static str> {
    vec![
        "json",
        "json-batch",
        "http-binary",
        "http-structured",
        "http-batch",
        "kafka-binary",
        "kafka-structured",
        "specversion-0.3",
    ]
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "a/http",
            Encoding::HttpBinary,
            Verdict::Accept,
            &["HTTP-BIN-3"],
            &[],
        ),
        case(
            "a/json",
            Encoding::Json,
            Verdict::Accept,
            &["CORE-CTX-1"],
            &[],
        ),
        case(
            "a/reject",
            Encoding::Json,
            Verdict::Reject,
            &["CORE-ID-1"],
            &[],
        ),
        case(
            "b/kafka",
            Encoding::KafkaBinary,
            Verdict::Accept,
            &["KAFKA-BIN-1"],
            &[],
        ),
    ]
}

#[test]
fn selects_accepted_single_events_of_the_named_suites() {
    let cases = cases();
    let ids = |s: &[&str]| -> Vec<String> {
        let suites: Vec<String> = s.iter().map(|x| (*x).to_owned()).collect();
        select_cases(&cases, &suites)
            .iter()
            .map(|c| c.id.clone())
            .collect()
    };
    assert_eq!(ids(&[]), ["a/http", "a/json", "b/kafka"]);
    assert_eq!(ids(&["b"]), ["b/kafka"]);
}

#[test]
fn consumers_reply_in_json_else_structured_else_the_same_encoding() {
    let caps = |c: &[&str]| -> Capabilities { c.iter().map(|x| (*x).to_owned()).collect() };
    let http = caps(&["http-binary", "http-structured"]);
    assert_eq!(
        consumer_reply(&all_capabilities(), Encoding::KafkaBinary),
        Encoding::Json
    );
    assert_eq!(
        consumer_reply(&http, Encoding::HttpBinary),
        Encoding::HttpStructured
    );
    assert_eq!(
        consumer_reply(&caps(&["http-binary"]), Encoding::HttpBinary),
        Encoding::HttpBinary
    );
}

#[tokio::test]
async fn a_pair_breaks_where_one_side_changes_the_event() {
    let cases = cases();
    let selected = select_cases(&cases, &[]);
    let participants = vec![
        participant("reference", &all(), Arc::new(InProcess(Reference))),
        participant("adds", &all(), Arc::new(InProcess(AddsSubject))),
        participant("rejects", &all(), Arc::new(Scripted(Behaviour::RejectAll))),
        participant(
            "binary-only",
            &["http-binary"],
            Arc::new(InProcess(Reference)),
        ),
    ];
    let m = run(
        &selected,
        &participants,
        vec!["a".into(), "b".into()],
        &InteropOptions::default(),
    )
    .await;
    assert_eq!(m.cases, 3);
    assert_eq!(
        m.participants,
        ["reference", "adds", "rejects", "binary-only"]
    );

    // The reference to the reference is never asked; to `adds`, the event
    // gains an attribute on the way.
    assert!(m.cell("reference", "reference", Encoding::Json).is_none());
    let to_adds = m.cell("reference", "adds", Encoding::HttpBinary).unwrap();
    assert_eq!((to_adds.passed, to_adds.failed), (0, 3));
    assert_eq!(to_adds.reply, Encoding::Json);
    assert_eq!(to_adds.kinds["attribute added: subject"], 3);
    assert_eq!(to_adds.failures[0].case, "a/http");
    assert!(
        to_adds.failures[0].detail.contains("subject"),
        "{to_adds:?}"
    );

    // Produced by `adds`, every consumer sees the added attribute.
    let from_adds = m
        .cell("adds", "reference", Encoding::KafkaStructured)
        .unwrap();
    assert_eq!(from_adds.failed, 3);

    // A consumer that rejects everything fails every case, as rejected.
    let to_rejects = m.cell("reference", "rejects", Encoding::Json).unwrap();
    assert_eq!(to_rejects.kinds["rejected"], 3);

    // A producer that rejects the input is skipped, not counted in cells.
    let row = m.producer("rejects", Encoding::Json).unwrap();
    assert_eq!((row.attempted, row.produced, row.rejected), (3, 0, 3));
    assert!(m.cell("rejects", "reference", Encoding::Json).is_none());

    // binary-only produces HTTP binary from the HTTP case only (it cannot
    // take JSON or Kafka input), consumes only HTTP binary, and replies in it.
    let row = m.producer("binary-only", Encoding::HttpBinary).unwrap();
    assert_eq!(row.attempted, 1);
    assert!(m.producer("binary-only", Encoding::Json).is_none());
    let to_binary = m
        .cell("reference", "binary-only", Encoding::HttpBinary)
        .unwrap();
    assert_eq!(
        (to_binary.passed, to_binary.reply),
        (3, Encoding::HttpBinary)
    );
    assert!(m.cell("reference", "binary-only", Encoding::Json).is_none());

    let clean = m
        .cell("binary-only", "reference", Encoding::HttpBinary)
        .unwrap();
    assert_eq!((clean.passed, clean.failed), (1, 0));
    let (ok, broken) = m.clean_and_broken();
    assert!(ok > 0 && broken > 0);
}

#[tokio::test]
async fn listed_failures_are_capped_but_all_counted() {
    let cases: Vec<Case> = (0..5)
        .map(|i| {
            case(
                &format!("a/c{i}"),
                Encoding::Json,
                Verdict::Accept,
                &["CORE-CTX-1"],
                &[],
            )
        })
        .collect();
    let selected = select_cases(&cases, &[]);
    let participants = vec![
        participant("reference", &all(), Arc::new(InProcess(Reference))),
        participant("adds", &all(), Arc::new(InProcess(AddsSubject))),
    ];
    let options = InteropOptions {
        max_listed: 2,
        jobs: 3,
        ..InteropOptions::default()
    };
    let m = run(&selected, &participants, vec![], &options).await;
    let cell = m.cell("reference", "adds", Encoding::Json).unwrap();
    assert_eq!((cell.failed, cell.failures.len()), (5, 2));
    assert_eq!(cell.failures[0].case, "a/c0", "listed in case order");
    assert_eq!(m.max_listed, 2);
}

#[test]
fn a_failure_counts_under_every_kind_of_difference_it_shows() {
    let c = case(
        "a/json",
        Encoding::Json,
        Verdict::Accept,
        &["CORE-CTX-1"],
        &[],
    );
    let expected = &c.expect.events.as_ref().unwrap()[0];
    let mut changed = expected.clone();
    changed.set("subject", AttributeValue::String("added".into()));
    changed.set("type", AttributeValue::String("other".into()));
    let reply = codec::encode(&[changed], Encoding::Json).unwrap();
    match judge(expected, &Echo::Accepted(reply)) {
        Judged::Fail { kinds, detail } => {
            assert_eq!(kinds, ["value changed: type", "attribute added: subject"]);
            assert!(detail.contains("; "), "{detail}");
        }
        Judged::Pass => panic!("two differences"),
    }
    assert_eq!(
        judge(expected, &Echo::rejected("no".into())),
        Judged::Fail {
            kinds: vec!["rejected".into()],
            detail: "rejected: no".into()
        }
    );
}
