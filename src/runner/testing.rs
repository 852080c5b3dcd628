//! Test support: small cases built directly as [`Case`] values (no suite
//! loader involved), targets that misbehave on purpose, and a reporter that
//! keeps every event.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::time::Duration;

use crate::codec::{self, Encoding};
use crate::rules::{Level, level_of};
use crate::suite::{Case, Expectation, Location, Verdict};
use crate::target::{BoxFuture, Capabilities, Echo, ImplementationInfo, Target, all_capabilities};
use crate::wire::Message;

use super::{CaseResult, Reporter, RunEvent};

/// Returns a case `suite/name` whose input is the minimal event in `encoding`.
pub fn case(
    id: &str,
    encoding: Encoding,
    verdict: Verdict,
    rules: &[&str],
    requires: &[&str],
) -> Case {
    let value = serde_json::json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t.x"});
    let input = codec::render(&value, encoding).expect("renders");
    let events = (verdict == Verdict::Accept).then(|| codec::decode(&input).expect("valid").events);
    let (suite, _) = id.split_once('/').expect("suite/case");
    let mut needs: BTreeSet<String> = requires.iter().map(|s| (*s).to_owned()).collect();
    needs.insert(encoding.as_str().to_owned());
    Case {
        id: id.to_owned(),
        suite: suite.to_owned(),
        title: format!("title of {id}"),
        rules: rules.iter().map(|s| (*s).to_owned()).collect(),
        level: rules
            .iter()
            .map(|r| level_of(r))
            .max()
            .unwrap_or(Level::Must),
        notes: None,
        requires: needs,
        input,
        raw: None,
        input_encoding: encoding,
        expect: Expectation {
            verdict,
            events,
            reply: BTreeMap::new(),
            refusal: None,
        },
        location: Location::default(),
    }
}

/// What a [`Scripted`] target does with every input.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Rejects everything.
    RejectAll,
    /// Reports a broken exchange.
    Broken,
    /// Echoes the input unchanged after a delay (never re-encodes).
    EchoAfter(Duration),
}

/// A target that behaves as told, with every capability.
pub struct Scripted(pub Behaviour);

impl Target for Scripted {
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: "scripted".into(),
            ..ImplementationInfo::default()
        }
    }

    fn capabilities(&self) -> Capabilities {
        all_capabilities()
    }

    fn echo<'a>(&'a self, input: &'a Message, _reply: Encoding) -> BoxFuture<'a, Echo> {
        Box::pin(async move {
            match &self.0 {
                Behaviour::RejectAll => Echo::rejected("no thanks".into()),
                Behaviour::Broken => Echo::broken("connection reset".into()),
                Behaviour::EchoAfter(delay) => {
                    tokio::time::sleep(*delay).await;
                    Echo::Accepted(input.clone())
                }
            }
        })
    }
}

/// Keeps every event it is given.
#[derive(Default)]
pub struct Collect {
    pub events: Vec<RunEvent>,
}

impl Collect {
    /// Returns the results, in the order they were emitted.
    pub fn results(&self) -> Vec<&CaseResult> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RunEvent::Finished(r) => Some(&**r),
                _ => None,
            })
            .collect()
    }
}

impl Reporter for Collect {
    fn on_event(&mut self, event: &RunEvent) -> io::Result<()> {
        self.events.push(event.clone());
        Ok(())
    }
}

/// Returns a bare result of `case` on target `t` for `reply`, with
/// `status` and nothing else: for tests of what happens to results.
pub fn result(case: &str, reply: Encoding, status: super::Status) -> CaseResult {
    let suite = case.split('/').next().unwrap_or_default();
    CaseResult {
        reply: Some(reply),
        ..CaseResult::new(case, suite, "t", status, Level::Must, "")
    }
}
