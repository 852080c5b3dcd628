//! The libtest-mimic harness builds stable, unique `::` names, marks cases
//! an implementation cannot run as ignored, and loads one suite only when
//! nextest asks for one test with `--exact`.

use std::collections::BTreeSet;

use cespec::codec::Encoding;
use cespec::event::Event;
use cespec::harness::Harness;
use cespec::target::reference::Reference;
use cespec::target::{Capabilities, Implementation, ImplementationInfo};
use cespec::wire::Message;
use libtest_mimic::Arguments;

/// The reference, claiming HTTP binary and JSON only.
struct Narrow;

impl Implementation for Narrow {
    type Event = Event;
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: "narrow".into(),
            ..ImplementationInfo::default()
        }
    }
    fn capabilities(&self) -> Capabilities {
        ["json", "http-binary"]
            .into_iter()
            .map(String::from)
            .collect()
    }
    fn decode(&self, message: &Message) -> Result<Vec<Event>, String> {
        Reference.decode(message)
    }
    fn encode(&self, events: &[Event], encoding: Encoding) -> Result<Message, String> {
        Reference.encode(events, encoding)
    }
}

fn args(list: &[&str]) -> Arguments {
    Arguments::from_iter(std::iter::once("harness").chain(list.iter().copied()))
}

#[test]
fn names_are_unique_and_use_double_colons() {
    let trials = Harness::new(Reference).trials(&args(&[]));
    assert!(!trials.is_empty());
    let mut seen = BTreeSet::new();
    for t in &trials {
        assert!(
            seen.insert(t.name().to_owned()),
            "duplicate trial name {}",
            t.name()
        );
        assert!(t.name().contains("::"), "{}", t.name());
        assert!(!t.name().contains('/'), "{}", t.name());
        // The in-process reference has no web hook end: the http-webhook
        // suite runs against `cespec serve --webhook` (tests/targets/serve.rs).
        assert_eq!(
            t.has_ignored_flag(),
            t.name().starts_with("http-webhook::"),
            "the reference supports everything but web hook cases: {}",
            t.name()
        );
    }
}

#[test]
fn unsupported_cases_are_ignored() {
    let trials = Harness::new(Narrow).trials(&args(&[]));
    let ignored: Vec<&str> = trials
        .iter()
        .filter(|t| t.has_ignored_flag())
        .map(|t| t.name())
        .collect();
    let run: Vec<&str> = trials
        .iter()
        .filter(|t| !t.has_ignored_flag())
        .map(|t| t.name())
        .collect();
    assert!(!ignored.is_empty());
    // A supported accepted HTTP case is echoed only in the encodings the
    // implementation has: no `::http-structured` trial.
    assert!(
        run.iter().all(|n| !n.ends_with("::http-structured")),
        "{run:?}"
    );
    assert!(run.iter().all(|n| !n.starts_with("kafka-")), "{run:?}");
}

#[test]
fn exact_loads_only_the_named_suite() {
    let all = Harness::new(Reference).trials(&args(&[]));
    let Some(first) = all.iter().find(|t| !t.name().ends_with("::__load__")) else {
        return;
    };
    let suite = first.name().split("::").next().unwrap().to_owned();
    let exact = Harness::new(Reference).trials(&args(&["--exact", first.name()]));
    assert!(exact.iter().any(|t| t.name() == first.name()));
    assert!(
        exact
            .iter()
            .all(|t| t.name().starts_with(&format!("{suite}::")))
    );
    assert!(exact.len() < all.len());
}
