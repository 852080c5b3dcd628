//! Conformance suites: the fixture format of DESIGN.md §4 and
//! `suites/README.md`, loaded into [`Case`]s ready to run.
//!
//! Loading checks everything that can be checked before a run: unique case
//! IDs, known rules, exactly one input kind, referenced files present,
//! expected events that are themselves valid. Abstract `event:` cases are
//! expanded here, one case per encoding.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::codec::Encoding;
use crate::event::Event;
use crate::rules::Level;
use crate::wire::{Message, RawHttp};

pub mod corpus;
pub mod coverage;
pub mod embedded;
mod expand;
mod format;
pub mod generate;
pub mod import;
pub mod input;
pub mod load;

pub use corpus::{
    Checked, check_dir, check_embedded, check_with_overrides, load_dir, load_embedded,
    load_with_overrides,
};
pub use load::{check_file, check_str, input_encoding, load_file, load_str};

/// A loaded suite.
#[derive(Clone, Debug)]
pub struct Suite {
    pub id: String,
    pub title: String,
    pub specversion: String,
    /// The file it was loaded from (`suites/<id>.yaml` when embedded).
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

/// Where a case was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
}

/// One runnable case (abstract cases are already expanded).
#[derive(Clone, Debug)]
pub struct Case {
    /// `suite/case`, or `suite/case.encoding` for an expanded abstract case.
    pub id: String,
    pub suite: String,
    pub title: String,
    pub rules: Vec<String>,
    /// The strongest level among `rules`.
    pub level: Level,
    pub notes: Option<String>,
    /// Capabilities a target needs, the input's own encoding included.
    pub requires: BTreeSet<String>,
    pub input: Message,
    /// For an HTTP input sent byte for byte (`raw`, `send` in the fixture):
    /// the bytes, and how they are sent. `input` is then what cespec's
    /// bounded parser makes of them, for targets reached without a socket.
    pub raw: Option<RawHttp>,
    /// The encoding of `input` as a receiver detects it.
    pub input_encoding: Encoding,
    pub expect: Expectation,
    pub location: Location,
}

/// What a conformant receiver does with a case's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Reject,
    /// A hostile input: accepting and rejecting both pass, and the reply
    /// is not compared with an expected event; a 5xx, a dropped
    /// connection, a timeout or a crash fails (a failure of robustness).
    Survive,
}

/// A case's expectations.
#[derive(Clone, Debug)]
pub struct Expectation {
    pub verdict: Verdict,
    /// For `Accept`: the decoded events (one for a single event). `None`
    /// when the case only states the verdict, and always for `Survive`.
    pub events: Option<Vec<Event>>,
    /// Constraints on an echo's reply, by reply encoding.
    pub reply: BTreeMap<Encoding, ReplyExpectation>,
    /// For `Accept`: the rule (SHOULD or MAY, one of the case's) that lets a
    /// receiver refuse the message. A refusal is then a finding under that
    /// rule at its level, not a failure at the case's level; an acceptance is
    /// still judged in full.
    pub refusal: Option<String>,
}

/// Constraints on what an echo returns in one encoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplyExpectation {
    /// Headers that must be present with this value. Media-type headers
    /// (`content-type`) compare type and parameter names case-insensitively.
    pub headers: Vec<(String, String)>,
    /// Headers that must be absent (case-insensitive for HTTP).
    pub absent: Vec<String>,
    /// The exact body (value for Kafka), when given.
    pub body: Option<Vec<u8>>,
}
