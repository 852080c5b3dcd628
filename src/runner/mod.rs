//! The runner: executes a plan of cases x targets and emits one stream of
//! [`RunEvent`]s that every reporter listens to. It never prints.

pub mod callback;
pub mod default_target;
pub mod execute;
pub mod interop;
pub mod judge;
pub mod outcome;
pub mod plan;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use std::io;

use serde::{Deserialize, Serialize};

pub use default_target::DefaultTarget;
pub use execute::{TargetSlot, run, run_slots};
pub use outcome::{CaseResult, Finding, KnownFailure, Status, Tally, Transcript};
pub use plan::{Glob, KnownFailureList, KnownFailures, RunOptions, RunPlan, Selection};

use crate::target::{Capabilities, ImplementationInfo};

/// A target as the reports describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct TargetSummary {
    /// The name the run gives the target (unique within a run).
    pub name: String,
    /// How it was reached: `reference`, `http://...`, `cmd:...`.
    pub address: String,
    pub info: ImplementationInfo,
    pub capabilities: Capabilities,
}

/// One event of a run, in order.
#[derive(Clone, Debug)]
pub enum RunEvent {
    /// The run starts: the targets and how many results to expect.
    Started {
        targets: Vec<TargetSummary>,
        cases: usize,
    },
    /// A result is known.
    Finished(Box<CaseResult>),
    /// A target could not be used at all; its cases are reported as errors.
    TargetFailed { target: String, reason: String },
    /// The run is over.
    Done { tally: Tally },
}

/// A consumer of run events: the terminal display, JUnit, JSON, ...
/// Reporters never change outcomes.
pub trait Reporter: Send {
    /// Handles one event; an I/O error stops the run with that error.
    fn on_event(&mut self, event: &RunEvent) -> io::Result<()>;
}

/// Dispatches each event to every reporter in turn.
#[derive(Default)]
pub struct FanOut {
    reporters: Vec<Box<dyn Reporter>>,
}

impl FanOut {
    /// Adds a reporter.
    pub fn push(&mut self, reporter: Box<dyn Reporter>) {
        self.reporters.push(reporter);
    }
}

impl Reporter for FanOut {
    fn on_event(&mut self, event: &RunEvent) -> io::Result<()> {
        self.reporters
            .iter_mut()
            .try_for_each(|r| r.on_event(event))
    }
}
