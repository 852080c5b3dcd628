//! The benchmark inputs: the embedded `bench` suite (`suites/bench.yaml`,
//! made by `fixtures/bench/generate.py`), loaded through the same suite
//! loader as the conformance tests, so that what is timed is exactly what
//! is conformance-tested (style rule 15). The criterion benches and
//! `cespec bench` both read their inputs from here.
//!
//! A case id `bench/<class>.<encoding>` (an expanded abstract case) or
//! `bench/<class>-<encoding>` (a concrete one) is one input of an event
//! class in an encoding; `bench/batch-N` is a JSON batch of N events, sent
//! as an HTTP batch.

use crate::codec::Encoding;
use crate::error::LoadError;
use crate::rules::Catalog;
use crate::suite::{Case, Verdict, corpus};
use crate::wire::Message;

/// The suite id of the benchmark inputs.
pub const SUITE: &str = "bench";

/// The single-event classes, in report order.
pub const CLASSES: [&str; 6] = [
    "minimal",
    "core",
    "extensions-30",
    "data-1kib",
    "data-64kib",
    "binary",
];

/// The batch sizes, in report order.
pub const BATCH_SIZES: [usize; 4] = [1, 10, 100, 1000];

/// One benchmark input: a case of the bench suite.
#[derive(Clone, Debug)]
pub struct Input {
    /// The event class (`minimal`, ...) or `batch-N`.
    pub class: String,
    pub encoding: Encoding,
    /// How many events the input carries.
    pub events: usize,
    pub message: Message,
    /// The full case id (`bench/minimal.json`).
    pub case_id: String,
    /// The case itself, to judge replies with.
    pub case: Case,
}

impl Input {
    /// Returns the bytes of the input's body (JSON document, HTTP body or Kafka value).
    pub fn body(&self) -> &[u8] {
        match &self.message {
            Message::Json(d) => &d.body,
            Message::Http(m) => &m.body,
            Message::Kafka(r) => r.value.as_deref().unwrap_or_default(),
        }
    }

    /// Returns the message's size on the wire (headers and body).
    pub fn wire_size(&self) -> usize {
        self.message.wire_size()
    }
}

/// Every input of the bench suite.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub inputs: Vec<Input>,
}

impl Inputs {
    /// Loads the embedded bench suite. Every case must be an `accept` case.
    pub fn load() -> Result<Self, LoadError> {
        let catalog = Catalog::embedded().map_err(|e| LoadError::Invalid {
            path: "suites/rules.yaml".into(),
            message: e.to_string(),
        })?;
        let suite =
            corpus::load_embedded_suite(SUITE, catalog)?.ok_or_else(|| LoadError::Invalid {
                path: "suites/bench.yaml".into(),
                message: "the bench suite is not compiled into this binary".into(),
            })?;
        Ok(Self::from_cases(&suite.cases))
    }

    /// Builds the inputs from cases of the bench suite (ids `bench/...`);
    /// cases that are not `accept` cases are left out.
    pub fn from_cases(cases: &[Case]) -> Self {
        let inputs = cases
            .iter()
            .filter(|c| c.expect.verdict == Verdict::Accept)
            .map(|case| {
                let local = case.id.split_once('/').map_or(case.id.as_str(), |(_, l)| l);
                let class = match local.split_once('.') {
                    Some((class, _)) => class,
                    None => Encoding::ALL
                        .iter()
                        .find_map(|e| local.strip_suffix(e.as_str())?.strip_suffix('-'))
                        .unwrap_or(local),
                };
                let events = class
                    .strip_prefix("batch-")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                Input {
                    class: class.to_owned(),
                    encoding: case.input_encoding,
                    events,
                    message: case.input.clone(),
                    case_id: case.id.clone(),
                    case: case.clone(),
                }
            })
            .collect();
        Self { inputs }
    }

    /// Returns the input of `class` in `encoding`.
    pub fn get(&self, class: &str, encoding: Encoding) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.class == class && i.encoding == encoding)
    }

    /// Returns the JSON-format document of `class`: the `json` input, or
    /// the body of the `http-structured` one.
    pub fn json(&self, class: &str) -> Option<&[u8]> {
        self.get(class, Encoding::Json)
            .or_else(|| self.get(class, Encoding::HttpStructured))
            .map(Input::body)
    }

    /// Returns the batch of `n` events (an `http-batch` input).
    pub fn batch(&self, n: usize) -> Option<&Input> {
        self.get(&format!("batch-{n}"), Encoding::HttpBatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_and_batch_is_there() {
        let inputs = Inputs::load().unwrap();
        for class in CLASSES {
            assert!(inputs.json(class).is_some(), "{class} json");
            for encoding in [Encoding::HttpBinary, Encoding::KafkaBinary] {
                assert!(inputs.get(class, encoding).is_some(), "{class} {encoding}");
            }
        }
        for n in BATCH_SIZES {
            assert_eq!(inputs.batch(n).unwrap().events, n);
        }
        assert_eq!(inputs.json("data-64kib").unwrap().len(), 65_696);
    }
}
