//! The interop matrix: every implementation as a *producer* against every
//! other as a *consumer*, per encoding (DESIGN.md §1; no other conformance
//! tool tests pairs of implementations against each other).
//!
//! For each selected case (an accepted single event whose input the
//! reference decodes into the expected event), each producer P that can
//! take the case's input, and each non-batch encoding E that P supports:
//!
//! 1. P echoes the case's input with reply E. Its reply is the message M
//!    that P produced. If P rejects the input the pair is skipped (P's own
//!    conformance results say why); if the exchange breaks, it is counted
//!    as a producer error.
//! 2. Every other participant C that supports E (and the case's other
//!    requirements, such as `specversion-0.3`) echoes M, replying in a
//!    fixed encoding: `json` when C supports it (the format that carries
//!    every attribute type), else the structured mode of E's binding, else
//!    E itself.
//! 3. C's reply is decoded strictly by the reference and compared with the
//!    case's expected event with [`equivalence::compare`]. Only differences
//!    that break equivalence count: a timestamp kept at a coarser precision
//!    passes, and extension types lost in a binary hop compare as canonical
//!    strings, as everywhere else.
//!
//! Each (P, C, E) cell counts passes and failures, counts the failures by
//! kind of difference (a case counts once under each kind it shows, so
//! that one pervasive difference, such as a `time` the consumer adds, does
//! not hide the others) and lists the breaking cases with every
//! difference. With the reference as a participant,
//! its row isolates each consumer (a known-good message) and its column
//! each producer (a strict decoder).
//!
//! Not for: conformance verdicts (`run` judges each target alone) or
//! choosing the cases (the caller selects them, see [`select_cases`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::codec::{self, Encoding};
use crate::event::Event;
use crate::event::equivalence::{self, Difference};
use crate::report::interop::{Interop, InteropCell, InteropFailure, ProducerRow};
use crate::suite::{Case, Verdict};
use crate::target::{Capabilities, Echo, Target};
use crate::wire::Message;

/// The suites `cespec run --interop` draws its cases from by default: the
/// core attributes and extensions (every attribute type on every binding),
/// the cases written for the known SDK deviations, and header
/// percent-encoding, where producers and consumers most often disagree.
/// About 160 cases: with three SDKs and the reference the whole matrix is
/// some 10,000 exchanges, a few seconds over stdio.
pub const DEFAULT_SUITES: &[&str] = &[
    "core-attributes",
    "extensions",
    "sdk-deviations",
    "http-percent-encoding",
];

/// An implementation taking part in the matrix.
#[derive(Clone)]
pub struct Participant {
    /// The name rows and columns show (unique).
    pub name: String,
    pub capabilities: Capabilities,
    pub target: Arc<dyn Target>,
}

/// How the matrix is run.
#[derive(Clone, Debug)]
pub struct InteropOptions {
    /// Longest single exchange.
    pub timeout: Duration,
    /// Producer echoes (each followed by its consumers) run at once.
    pub jobs: usize,
    /// At most this many failing cases listed per cell.
    pub max_listed: usize,
}

impl Default for InteropOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            jobs: 4,
            max_listed: 25,
        }
    }
}

/// Returns the cases of `suites` (every suite when empty) the matrix can
/// use: accepted, a single event expected, a non-batch input, and an input
/// the reference decodes into an event equivalent to the expected one (so
/// that a break is the participants' doing, never the case's).
pub fn select_cases<'a>(cases: &'a [Case], suites: &[String]) -> Vec<&'a Case> {
    cases
        .iter()
        .filter(|c| suites.is_empty() || suites.contains(&c.suite))
        .filter(|c| c.expect.verdict == Verdict::Accept && !c.input_encoding.is_batch())
        .filter(|c| {
            let Some([expected]) = c.expect.events.as_deref() else {
                return false;
            };
            codec::decode(&c.input).is_ok_and(|d| {
                d.events.len() == 1
                    && equivalence::compare(expected, &d.events[0])
                        .iter()
                        .all(|d| !d.breaks_equivalence())
            })
        })
        .collect()
}

/// Returns the encoding consumer `caps` is asked to reply in for a message
/// in `encoding`: `json` when supported, else the binding's structured
/// mode, else the message's own encoding.
pub fn consumer_reply(caps: &Capabilities, encoding: Encoding) -> Encoding {
    let structured = match encoding.binding() {
        "http" => Some(Encoding::HttpStructured),
        "kafka" => Some(Encoding::KafkaStructured),
        _ => None,
    };
    if caps.contains(Encoding::Json.as_str()) {
        Encoding::Json
    } else if let Some(s) = structured.filter(|s| caps.contains(s.as_str())) {
        s
    } else {
        encoding
    }
}

/// Returns true when `caps` has every requirement of `case` other than
/// the input's encoding (which the message in `encoding` replaces).
fn takes(case: &Case, caps: &Capabilities, encoding: Encoding) -> bool {
    caps.contains(encoding.as_str())
        && case
            .requires
            .iter()
            .filter(|r| r.parse::<Encoding>().is_err())
            .all(|r| caps.contains(r))
}

/// What one consumer made of one produced message.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Judged {
    Pass,
    /// `kinds` holds every kind of break the reply shows (first one first),
    /// `detail` every difference in words.
    Fail {
        kinds: Vec<String>,
        detail: String,
    },
}

/// The outcome of one producer echo and its consumers.
struct Task {
    case: usize,
    producer: usize,
    encoding: Encoding,
    produced: Produced,
}

enum Produced {
    Rejected,
    Error,
    /// Per consumer index: its reply encoding and verdict.
    Message(Vec<(usize, Encoding, Judged)>),
}

/// Runs the matrix of `participants` over `cases` (already selected, see
/// [`select_cases`]); `suites` names where they came from, for the report.
pub async fn run(
    cases: &[&Case],
    participants: &[Participant],
    suites: Vec<String>,
    options: &InteropOptions,
) -> Interop {
    let cases: Arc<Vec<Case>> = Arc::new(cases.iter().map(|c| (*c).clone()).collect());
    let participants: Arc<Vec<Participant>> = Arc::new(participants.to_vec());
    let mut work: Vec<(usize, usize, Encoding)> = Vec::new();
    for (ci, case) in cases.iter().enumerate() {
        for (pi, p) in participants.iter().enumerate() {
            if !case.requires.iter().all(|r| p.capabilities.contains(r)) {
                continue;
            }
            for e in Encoding::SINGLE {
                if p.capabilities.contains(e.as_str()) {
                    work.push((ci, pi, e));
                }
            }
        }
    }
    let mut tasks: JoinSet<Task> = JoinSet::new();
    let mut done: Vec<Task> = Vec::with_capacity(work.len());
    let jobs = options.jobs.max(1);
    for (ci, pi, e) in work {
        while tasks.len() >= jobs {
            if let Some(Ok(t)) = tasks.join_next().await {
                done.push(t);
            }
        }
        let (cases, participants, timeout) = (
            Arc::clone(&cases),
            Arc::clone(&participants),
            options.timeout,
        );
        tasks.spawn(async move { one(&cases, &participants, ci, pi, e, timeout).await });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok(t) = joined {
            done.push(t);
        }
    }
    // Deterministic order whatever finished first.
    done.sort_by_key(|t| (t.producer, t.encoding, t.case));
    tabulate(&cases, &participants, suites, &done, options.max_listed)
}

/// Returns `target`'s echo of `input` in `reply`, broken after `timeout`.
async fn echo(target: &dyn Target, input: &Message, reply: Encoding, timeout: Duration) -> Echo {
    tokio::time::timeout(timeout, target.echo(input, reply))
        .await
        .unwrap_or_else(|_| Echo::broken(format!("no reply within {} ms", timeout.as_millis())))
}

/// Runs one producer echo and every consumer of its message.
async fn one(
    cases: &[Case],
    participants: &[Participant],
    ci: usize,
    pi: usize,
    encoding: Encoding,
    timeout: Duration,
) -> Task {
    let case = &cases[ci];
    let producer = &participants[pi];
    let task = |produced| Task {
        case: ci,
        producer: pi,
        encoding,
        produced,
    };
    let message = match echo(producer.target.as_ref(), &case.input, encoding, timeout).await {
        Echo::Accepted(m) => m,
        Echo::Rejected { .. } => return task(Produced::Rejected),
        Echo::Broken { .. } => return task(Produced::Error),
    };
    let Some([expected]) = case.expect.events.as_deref() else {
        return task(Produced::Rejected);
    };
    let mut verdicts = Vec::new();
    for (ki, consumer) in participants.iter().enumerate() {
        if ki == pi || !takes(case, &consumer.capabilities, encoding) {
            continue;
        }
        let reply = consumer_reply(&consumer.capabilities, encoding);
        let got = echo(consumer.target.as_ref(), &message, reply, timeout).await;
        verdicts.push((ki, reply, judge(expected, &got)));
    }
    task(Produced::Message(verdicts))
}

/// Judges a consumer's echo against the expected event.
fn judge(expected: &Event, echo: &Echo) -> Judged {
    let fail = |kind: String, detail: String| Judged::Fail {
        kinds: vec![kind],
        detail,
    };
    let reply = match echo {
        Echo::Accepted(m) => m,
        Echo::Rejected { reason, .. } => {
            return fail("rejected".into(), format!("rejected: {reason}"));
        }
        Echo::Broken { reason, .. } => return fail("error".into(), reason.clone()),
    };
    let decoded = match codec::decode(reply) {
        Ok(d) => d,
        Err(violations) => {
            let first = violations.iter().find(|v| v.is_error());
            return match first {
                Some(v) => fail(
                    format!("reply breaks {}", v.rule),
                    format!("the reply breaks {}: {}", v.rule, v.message),
                ),
                None => fail(
                    "reply unreadable".into(),
                    "the reply cannot be decoded".into(),
                ),
            };
        }
    };
    let [actual] = decoded.events.as_slice() else {
        return fail(
            "not one event".into(),
            format!("the reply holds {} events", decoded.events.len()),
        );
    };
    let differences: Vec<Difference> = equivalence::compare(expected, actual)
        .into_iter()
        .filter(Difference::breaks_equivalence)
        .collect();
    if differences.is_empty() {
        return Judged::Pass;
    }
    let mut kinds: Vec<String> = Vec::new();
    for kind in differences.iter().map(kind_of) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let detail: Vec<String> = differences.iter().map(ToString::to_string).collect();
    Judged::Fail {
        kinds,
        detail: detail.join("; "),
    }
}

/// Returns the kind a difference is counted under: what happened, to which
/// attribute, without the values (so that cells can be summarised).
fn kind_of(d: &Difference) -> String {
    match d {
        Difference::SpecVersion { .. } => "specversion changed".into(),
        Difference::Missing { name, .. } => format!("attribute lost: {name}"),
        Difference::Unexpected { name, .. } => format!("attribute added: {name}"),
        Difference::Value { name, .. } => format!("value changed: {name}"),
        Difference::Precision { name, .. } => format!("precision lost: {name}"),
        Difference::Data { .. } => "data changed".into(),
        Difference::ReadAsJson { .. } => "data read as JSON".into(),
        Difference::NullData { .. } => "null data changed".into(),
    }
}

/// Turns the finished tasks into the report section.
fn tabulate(
    cases: &[Case],
    participants: &[Participant],
    suites: Vec<String>,
    done: &[Task],
    max_listed: usize,
) -> Interop {
    let mut producers: BTreeMap<(usize, Encoding), ProducerRow> = BTreeMap::new();
    let mut cells: BTreeMap<(usize, Encoding, usize), InteropCell> = BTreeMap::new();
    for t in done {
        let p = &participants[t.producer];
        let row = producers
            .entry((t.producer, t.encoding))
            .or_insert_with(|| ProducerRow {
                producer: p.name.clone(),
                encoding: t.encoding,
                attempted: 0,
                produced: 0,
                rejected: 0,
                errors: 0,
            });
        row.attempted += 1;
        let verdicts = match &t.produced {
            Produced::Rejected => {
                row.rejected += 1;
                continue;
            }
            Produced::Error => {
                row.errors += 1;
                continue;
            }
            Produced::Message(v) => v,
        };
        row.produced += 1;
        for (ki, reply, verdict) in verdicts {
            let cell = cells
                .entry((t.producer, t.encoding, *ki))
                .or_insert_with(|| InteropCell {
                    producer: p.name.clone(),
                    consumer: participants[*ki].name.clone(),
                    encoding: t.encoding,
                    reply: *reply,
                    passed: 0,
                    failed: 0,
                    kinds: BTreeMap::new(),
                    failures: Vec::new(),
                });
            match verdict {
                Judged::Pass => cell.passed += 1,
                Judged::Fail { kinds, detail } => {
                    cell.failed += 1;
                    for kind in kinds {
                        *cell.kinds.entry(kind.clone()).or_default() += 1;
                    }
                    if cell.failures.len() < max_listed {
                        cell.failures.push(InteropFailure {
                            case: cases[t.case].id.clone(),
                            kind: kinds.join(", "),
                            detail: detail.clone(),
                        });
                    }
                }
            }
        }
    }
    Interop {
        participants: participants.iter().map(|p| p.name.clone()).collect(),
        suites,
        cases: cases.len(),
        max_listed,
        producers: producers.into_values().collect(),
        cells: cells.into_values().collect(),
    }
}

#[cfg(test)]
mod tests;
