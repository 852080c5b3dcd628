//! The interop section of a report: what happened when one implementation
//! (the *producer*) encoded an event and another (the *consumer*) decoded
//! it, for every pair and every encoding both support (DESIGN.md §1, the
//! N×N interop matrix). [`crate::runner::interop`] computes it; the report
//! carries it as [`Report::interop`](super::model::Report::interop) and
//! the HTML and Markdown writers draw it as producer × consumer tables, one
//! per encoding.
//!
//! These are report-model types (kebab-case keys, in `report.schema.json`),
//! kept in their own file so the rest of the model stays readable. Not for:
//! running anything.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codec::Encoding;

/// The interop matrix of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Interop {
    /// The implementations, in matrix order (rows and columns).
    pub participants: Vec<String>,
    /// The suites the cases were drawn from.
    pub suites: Vec<String>,
    /// How many cases were used: accepted single-event cases whose input
    /// the reference decodes into the expected event.
    pub cases: usize,
    /// At most this many failing cases are listed per cell (`failed`
    /// counts them all).
    pub max_listed: usize,
    /// What each producer made of the cases, per encoding.
    pub producers: Vec<ProducerRow>,
    /// One cell per producer, consumer and encoding both support.
    pub cells: Vec<InteropCell>,
}

/// How one producer fared at encoding the cases in one encoding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct ProducerRow {
    pub producer: String,
    pub encoding: Encoding,
    /// Cases whose input the producer was given.
    pub attempted: usize,
    /// Messages it produced (each handed to every consumer).
    pub produced: usize,
    /// Inputs it rejected: its own matrix shows why; no consumer is asked.
    pub rejected: usize,
    /// Exchanges that broke (crash, timeout, an encoder failure).
    pub errors: usize,
}

/// One producer → consumer pair in one encoding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct InteropCell {
    pub producer: String,
    pub consumer: String,
    /// The encoding of the producer's message.
    pub encoding: Encoding,
    /// The encoding the consumer was asked to reply in (its decode is
    /// judged through that reply).
    pub reply: Encoding,
    /// Cases whose event came back equivalent to the expected one.
    pub passed: usize,
    /// Cases that broke: not equivalent, rejected by the consumer, a reply
    /// that breaks a rule, or an exchange that broke.
    pub failed: usize,
    /// Failures by kind (`attribute added: time`, `rejected`, ...); a case
    /// counts once under each kind of difference it shows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinds: BTreeMap<String, usize>,
    /// The failing cases, at most `max-listed`, in case order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<InteropFailure>,
}

impl InteropCell {
    /// Returns the number of cases judged in the cell.
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }

    /// Returns the pass ratio from 0 to 1, or `None` when nothing was judged.
    pub fn ratio(&self) -> Option<f64> {
        (self.total() > 0).then(|| self.passed as f64 / self.total() as f64)
    }

    /// Returns the failure kinds, most frequent first.
    pub fn top_kinds(&self) -> Vec<(&str, usize)> {
        let mut kinds: Vec<(&str, usize)> =
            self.kinds.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kinds
    }
}

/// One case that broke a pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct InteropFailure {
    /// `suite/case`.
    pub case: String,
    /// The failure's kinds, as counted in [`InteropCell::kinds`], joined
    /// with `, `.
    pub kind: String,
    /// Every difference, or the rejection or the error, in words.
    pub detail: String,
}

impl Interop {
    /// Returns the encodings that have cells, in report order.
    pub fn encodings(&self) -> Vec<Encoding> {
        Encoding::ALL
            .into_iter()
            .filter(|e| self.cells.iter().any(|c| c.encoding == *e))
            .collect()
    }

    /// Returns the participants that decoded something in `encoding` (the
    /// matrix's columns), in participant order.
    pub fn consumers(&self, encoding: Encoding) -> Vec<&String> {
        self.participants
            .iter()
            .filter(|c| {
                self.cells
                    .iter()
                    .any(|x| &x.consumer == *c && x.encoding == encoding)
            })
            .collect()
    }

    /// Returns the participants that produced messages in `encoding` (the
    /// matrix's rows), in participant order.
    pub fn producers(&self, encoding: Encoding) -> Vec<&String> {
        self.participants
            .iter()
            .filter(|p| self.producer(p, encoding).is_some())
            .collect()
    }

    /// Returns the cell for `producer` → `consumer` in `encoding`.
    pub fn cell(&self, producer: &str, consumer: &str, encoding: Encoding) -> Option<&InteropCell> {
        self.cells
            .iter()
            .find(|c| c.producer == producer && c.consumer == consumer && c.encoding == encoding)
    }

    /// Returns the producer row for `producer` in `encoding`.
    pub fn producer(&self, producer: &str, encoding: Encoding) -> Option<&ProducerRow> {
        self.producers
            .iter()
            .find(|p| p.producer == producer && p.encoding == encoding)
    }

    /// Returns (cells where every case passed, cells with a failure).
    pub fn clean_and_broken(&self) -> (usize, usize) {
        let judged = self.cells.iter().filter(|c| c.total() > 0);
        let broken = judged.clone().filter(|c| c.failed > 0).count();
        (judged.count() - broken, broken)
    }
}
