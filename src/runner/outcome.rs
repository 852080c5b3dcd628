//! Results of running cases: a failure is data, not an error (style rule 4).
//! These types are what the runner emits and every reporter reads.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codec::Encoding;
use crate::rules::Level;
use crate::suite::input::InputSpec;

/// The outcome of one case (or one reply encoding of a case) on one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    /// A MUST deviation, or a SHOULD deviation under `--strict`.
    Fail,
    /// A SHOULD deviation.
    Warn,
    /// A MAY deviation: informational.
    Info,
    /// Not run: unsupported capability, filtered, or known to fail.
    Skip,
    /// The harness or transport broke (timeout, crash, refused, 5xx).
    Error,
}

impl Status {
    /// Returns the lower-case name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Skip => "skip",
            Self::Error => "error",
        }
    }

    /// Returns the status a deviation at `level` earns.
    pub fn for_deviation(level: Level, strict: bool) -> Self {
        match level {
            Level::Must => Self::Fail,
            Level::Should if strict => Self::Fail,
            Level::Should => Self::Warn,
            Level::May => Self::Info,
        }
    }
}

/// One broken rule found while judging a result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    pub message: String,
}

/// The messages exchanged for one result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Transcript {
    pub request: Option<InputSpec>,
    /// The reply in the same serialised form, when there was one.
    pub response: Option<InputSpec>,
    /// Status line or rejection reason the target gave.
    pub note: Option<String>,
}

/// An entry of a target's expectations file that matched this case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct KnownFailure {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// True when the case now passes, so the entry can be removed.
    #[serde(default)]
    pub now_passes: bool,
}

/// The result of one case, or one reply encoding of a case, on one target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CaseResult {
    /// `suite/case` (or `suite/case.encoding` for an expanded abstract case).
    pub case: String,
    pub suite: String,
    pub target: String,
    /// The reply encoding the echo asked for, when the case was echoed per encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Encoding>,
    pub status: Status,
    /// The case's level (strongest among its rules).
    pub level: Level,
    pub rules: Vec<String>,
    /// One line saying what happened.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Transcript>,
    #[serde(with = "duration_micros")]
    pub duration: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_failure: Option<KnownFailure>,
}

impl CaseResult {
    /// Returns a result of `case` (in `suite`) on `target` with its status,
    /// level and message and nothing else: no reply encoding, rules,
    /// evidence, transcript, duration or known failure. Callers set what
    /// they have.
    pub fn new(
        case: impl Into<String>,
        suite: impl Into<String>,
        target: impl Into<String>,
        status: Status,
        level: Level,
        message: impl Into<String>,
    ) -> Self {
        Self {
            case: case.into(),
            suite: suite.into(),
            target: target.into(),
            reply: None,
            status,
            level,
            rules: Vec::new(),
            message: message.into(),
            expected: None,
            actual: None,
            findings: Vec::new(),
            transcript: None,
            duration: Duration::ZERO,
            known_failure: None,
        }
    }

    /// Returns true if and only if the result is listed in the target's
    /// expectations file and deviated as listed (fail, warn, info or error).
    pub fn is_expected_failure(&self) -> bool {
        self.known_failure.as_ref().is_some_and(|k| !k.now_passes)
            && matches!(
                self.status,
                Status::Fail | Status::Warn | Status::Info | Status::Error
            )
    }

    /// Returns the result's display name: `suite/case@reply` or `suite/case`.
    pub fn name(&self) -> String {
        match self.reply {
            Some(r) => format!("{}@{r}", self.case),
            None => self.case.clone(),
        }
    }
}

mod duration_micros {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_micros)
    }
}

/// Counts of results by status: the runner's tally, and the counts the
/// report model keeps per run, target and suite (`report::Counts`).
///
/// A result listed in the target's expectations file that deviated as
/// listed (see [`CaseResult::is_expected_failure`]) is counted under
/// `expected` *instead of* its status; `now-passes` counts listed results
/// that passed (each is also counted under its status).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "Counts")]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub info: usize,
    pub skip: usize,
    pub error: usize,
    /// Results of cases listed in the target's expectations file that failed,
    /// warned or errored as listed. They are counted here *instead of* under
    /// their status, so an expected failure never fails the run.
    #[serde(default)]
    pub expected: usize,
    /// Results of listed cases that now pass. Informational: each is also
    /// counted under its status (pass, or fail under `--strict-expectations`).
    #[serde(default)]
    pub now_passes: usize,
}

impl Tally {
    /// Counts one status.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Warn => self.warn += 1,
            Status::Info => self.info += 1,
            Status::Skip => self.skip += 1,
            Status::Error => self.error += 1,
        }
    }

    /// Counts one result: an expected failure (see [`CaseResult::is_expected_failure`])
    /// under `expected`, anything else under its status.
    pub fn record(&mut self, result: &CaseResult) {
        self.count(
            result.status,
            result.is_expected_failure(),
            result.known_failure.as_ref().is_some_and(|k| k.now_passes),
        );
    }

    /// Counts one status: under `expected` instead when `expected`, and
    /// under `now_passes` too when `now_passes` (the report's per-rule
    /// counts attribute one result to several rules with different statuses).
    pub fn count(&mut self, status: Status, expected: bool, now_passes: bool) {
        if expected {
            self.expected += 1;
        } else {
            self.add(status);
        }
        if now_passes {
            self.now_passes += 1;
        }
    }

    /// Adds another tally's counts to this one.
    pub fn merge(&mut self, other: &Tally) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.warn += other.warn;
        self.info += other.info;
        self.skip += other.skip;
        self.error += other.error;
        self.expected += other.expected;
        self.now_passes += other.now_passes;
    }

    /// Returns the total number of results.
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.warn + self.info + self.skip + self.error + self.expected
    }

    /// Returns the number of results that ran (everything but skips).
    pub fn ran(&self) -> usize {
        self.total() - self.skip
    }

    /// Returns the number of failures and errors (expected ones excluded).
    pub fn failing(&self) -> usize {
        self.fail + self.error
    }

    /// Returns the exit code this tally earns (DESIGN.md §6).
    pub fn exit_code(&self) -> i32 {
        if self.total() == 0 {
            crate::exit_codes::NO_CASES
        } else if self.fail > 0 {
            crate::exit_codes::FAILURE
        } else if self.error > 0 {
            crate::exit_codes::ERRORS
        } else {
            crate::exit_codes::SUCCESS
        }
    }
}
