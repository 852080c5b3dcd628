//! The differential round-trip engine behind `cespec prop` (issue 6, part 3):
//! generated valid events go through a target for every pair of encodings
//! of one binding it supports (sent in one, the reply asked in the other),
//! and the reply, decoded by the strict reference, must be equivalent to the
//! event (DESIGN.md §3). The first disagreement is shrunk to a small event.
//!
//! Generation and shrinking use proptest's [`ValueTree`] API directly rather
//! than `TestRunner::run`, because the target is asynchronous: each check is
//! awaited between two shrink steps, with no nested runtime and no blocking
//! thread. The RNG is ChaCha seeded from the run's `u64` seed, so a seed
//! names a run: the same seed, target and options give the same report
//! unless the time budget cuts the run short.
//!
//! Not here: the judging of suite cases (`runner::judge`), the invalid
//! messages of [`super::mutate`], printing and the command line.

use std::fmt;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRng, TestRunner};
use serde::{Serialize, Serializer};

use super::strategy;
use crate::codec::{self, Encoding};
use crate::event::equivalence::{self, Difference};
use crate::event::{Data, Event, SpecVersion};
use crate::rules::Level;
use crate::target::{Capabilities, Echo, Target};

/// Shrinking stops after this many candidate events even within the budget.
pub const MAX_SHRINK_STEPS: u32 = 4096;

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropOptions {
    /// How many events to generate (each is tried in every pair).
    pub cases: u32,
    /// Names the run: the same seed generates the same events.
    pub seed: u64,
    /// Bounds the whole run, shrinking included; `None` for no bound.
    pub time_budget: Option<Duration>,
    /// Restricts the encodings used; `None` for every one the target supports.
    pub encodings: Option<Vec<Encoding>>,
}

impl Default for PropOptions {
    fn default() -> Self {
        Self {
            cases: 256,
            seed: 0,
            time_budget: None,
            encodings: None,
        }
    }
}

/// How a round trip went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisagreementKind {
    /// The reply decodes to an event that is not equivalent to the one sent.
    Differs,
    /// The target rejected a valid event.
    Rejected,
    /// The exchange broke: the target could not encode, crashed, timed out.
    Broken,
    /// The reply breaks a rule of the strict reference decoder, or is not
    /// in the encoding asked for.
    BadReply,
}

/// One round trip on which the target and the reference disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Disagreement {
    /// The event sent, in the JSON format (the reference encoder's output).
    pub event_json: String,
    /// The encoding the event was sent in (rendered by the reference encoder).
    pub send: Encoding,
    /// The encoding the reply was asked in.
    pub reply: Encoding,
    pub kind: DisagreementKind,
    /// The strongest level among the differences: a lost sub-second digit is
    /// SHOULD (fidelity), a lost explicit `null` MAY, everything else MUST.
    pub level: Level,
    /// One line per difference, expected then actual.
    pub differences: Vec<String>,
    /// The rules the differences touch, without repeats.
    pub rules: Vec<String>,
}

impl fmt::Display for Disagreement {
    /// Writes the pair, level and rules, then each difference (expected,
    /// then actual), then the event (style rule 6).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sent in {}, reply asked in {} [{}: {}]",
            self.send,
            self.reply,
            self.level,
            self.rules.join(", ")
        )?;
        for d in &self.differences {
            writeln!(f, "  {d}")?;
        }
        write!(f, "event:\n  {}", self.event_json)
    }
}

/// How the shrinking of a disagreement went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ShrinkStats {
    /// The event as first generated, in the JSON format.
    pub original_event_json: String,
    /// Candidate events tried.
    pub steps: u32,
    /// False when the time budget or [`MAX_SHRINK_STEPS`] cut shrinking short.
    pub complete: bool,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Every case ran without a disagreement.
    Completed,
    /// The time budget ran out before every case ran.
    Budget,
    /// A disagreement was found (and shrunk).
    Disagreement,
    /// The target supports no encoding pair among those asked for.
    NoPairs,
    /// The strategy could not generate an event (a proptest reject limit).
    Generation(String),
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PropReport {
    pub seed: u64,
    /// Events generated and checked.
    pub cases: u32,
    /// Echo exchanges with the target, shrinking included.
    pub echoes: u64,
    /// The (send, reply) pairs every event went through.
    pub pairs: Vec<(Encoding, Encoding)>,
    /// The spec versions generated.
    pub specversions: Vec<String>,
    pub ending: Ending,
    /// The first disagreement, shrunk.
    pub disagreement: Option<Disagreement>,
    pub shrink: Option<ShrinkStats>,
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Returns the (send, reply) pairs to try: for each binding, every ordered
/// pair of the encodings the target declares in `capabilities`, restricted
/// to `only` when given. A batch encoding carries a batch of one event.
pub fn pairs(capabilities: &Capabilities, only: Option<&[Encoding]>) -> Vec<(Encoding, Encoding)> {
    let usable: Vec<Encoding> = Encoding::ALL
        .into_iter()
        .filter(|e| capabilities.contains(e.as_str()))
        .filter(|e| only.is_none_or(|o| o.contains(e)))
        .collect();
    let mut out = Vec::new();
    for &send in &usable {
        for &reply in &usable {
            if send.binding() == reply.binding() {
                out.push((send, reply));
            }
        }
    }
    out
}

/// Returns the spec versions to generate for a target with `capabilities`.
pub fn specversions(capabilities: &Capabilities) -> Vec<SpecVersion> {
    if capabilities.contains("specversion-0.3") {
        vec![SpecVersion::V1_0, SpecVersion::V0_3]
    } else {
        vec![SpecVersion::V1_0]
    }
}

/// Returns what `encoding` can carry of `event`. Binary modes put the data
/// in the body, and an empty body (or record value) means no data, so empty
/// text or bytes arrive as no data; every other part survives.
pub fn carried(event: &Event, encoding: Encoding) -> Event {
    let binary = matches!(encoding, Encoding::HttpBinary | Encoding::KafkaBinary);
    let empty = match event.data() {
        Data::Text(t) => t.is_empty(),
        Data::Bytes(b) => b.is_empty(),
        Data::None | Data::Json(_) => false,
    };
    let mut out = event.clone();
    if binary && empty {
        out.set_data(Data::None);
    }
    out
}

/// Returns the rule a receiver breaks by refusing a valid event in `encoding`.
fn read_rule(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Json => "CORE-GEN-1",
        Encoding::JsonBatch => "JSON-BATCH-1",
        Encoding::HttpBinary => "HTTP-MODE-3",
        Encoding::HttpStructured => "HTTP-MODE-1",
        Encoding::HttpBatch => "HTTP-MODE-2",
        Encoding::KafkaBinary | Encoding::KafkaStructured => "KAFKA-MODE-1",
    }
}

fn difference_level(d: &Difference) -> Level {
    match d {
        Difference::Precision { .. } => Level::Should,
        Difference::NullData { .. } => Level::May,
        _ => Level::Must,
    }
}

/// Returns the event in the JSON format, as text.
pub fn event_json(event: &Event) -> String {
    String::from_utf8_lossy(&codec::json::encode_event(event)).into_owned()
}

/// Sends `event` to `target` in `send`, asks for the reply in `reply`, and
/// returns the disagreement, if any.
pub async fn check(
    target: &dyn Target,
    event: &Event,
    send: Encoding,
    reply: Encoding,
) -> Option<Disagreement> {
    let found = |kind, level, differences: Vec<String>, rules: Vec<String>| {
        let mut unique: Vec<String> = Vec::with_capacity(rules.len());
        for rule in rules {
            if !unique.contains(&rule) {
                unique.push(rule);
            }
        }
        Some(Disagreement {
            event_json: event_json(event),
            send,
            reply,
            kind,
            level,
            differences,
            rules: unique,
        })
    };
    let message = match codec::encode(std::slice::from_ref(event), send) {
        Ok(m) => m,
        Err(e) => {
            return found(
                DisagreementKind::Broken,
                Level::Must,
                vec![format!("the reference could not encode the event: {e}")],
                vec![read_rule(send).to_owned()],
            );
        }
    };
    let reply_message = match target.echo(&message, reply).await {
        Echo::Accepted(m) => m,
        Echo::Rejected { reason, .. } => {
            return found(
                DisagreementKind::Rejected,
                Level::Must,
                vec![format!("rejected a valid event: {reason}")],
                vec![read_rule(send).to_owned()],
            );
        }
        Echo::Broken { reason, .. } => {
            return found(
                DisagreementKind::Broken,
                Level::Must,
                vec![reason],
                vec![read_rule(reply).to_owned()],
            );
        }
    };
    let decoded = match codec::decode(&reply_message) {
        Ok(d) => d,
        Err(violations) => {
            let errors: Vec<_> = violations.into_iter().filter(|v| v.is_error()).collect();
            return found(
                DisagreementKind::BadReply,
                Level::Must,
                errors
                    .iter()
                    .map(|v| format!("the reply breaks a rule: {v}"))
                    .collect(),
                errors.iter().map(|v| v.rule.clone()).collect(),
            );
        }
    };
    if decoded.encoding != reply {
        return found(
            DisagreementKind::BadReply,
            Level::Must,
            vec![format!(
                "asked for a reply in {reply}, got {}",
                decoded.encoding
            )],
            vec![read_rule(reply).to_owned()],
        );
    }
    let [actual] = decoded.events.as_slice() else {
        return found(
            DisagreementKind::BadReply,
            Level::Must,
            vec![format!(
                "sent one event, the reply holds {}",
                decoded.events.len()
            )],
            vec!["JSON-BATCH-1".to_owned()],
        );
    };
    let expected = carried(&carried(event, send), reply);
    let differences = equivalence::compare(&expected, actual);
    if differences.is_empty() {
        return None;
    }
    let level = differences
        .iter()
        .map(difference_level)
        .max()
        .unwrap_or(Level::Must);
    found(
        DisagreementKind::Differs,
        level,
        differences.iter().map(ToString::to_string).collect(),
        differences.iter().map(|d| d.rule().to_owned()).collect(),
    )
}

/// Expands a `u64` seed into the 32 bytes ChaCha takes (SplitMix64), so
/// nearby seeds give unrelated streams.
fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

/// Returns a runner that draws from ChaCha seeded by `seed`.
///
/// proptest builds its default `Config` from `PROPTEST_*` variables once;
/// every field that matters to generation is set here, so the environment
/// cannot change a run (DESIGN.md §2: the library reads no environment).
fn runner(seed: u64, cases: u32) -> TestRunner {
    let config = Config {
        cases,
        max_local_rejects: 65_536,
        max_global_rejects: 1024,
        max_flat_map_regens: 1_000_000,
        max_default_size_range: 100,
        max_shrink_iters: MAX_SHRINK_STEPS,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
    )
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Where a run is, as told to the observer of [`run_observed`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Events generated so far.
    pub cases: u32,
    /// Echo exchanges so far, shrinking included.
    pub echoes: u64,
    /// Candidate events tried while shrinking; 0 until a disagreement.
    pub shrink_steps: u32,
}

/// Runs `options.cases` generated events through `target` in every pair
/// and returns the report; on the first disagreement, shrinks it (only the
/// failing pair is re-tried) and stops.
///
/// The future is not `Send` (proptest's value trees are not): drive it with
/// `block_on` or `#[tokio::test]`, not `tokio::spawn`.
pub async fn run(target: &dyn Target, options: PropOptions) -> PropReport {
    run_observed(target, options, &mut |_| {}).await
}

/// Like [`run`], telling `observe` where the run is after every event
/// (all its pairs checked) and every shrink step, for a progress display.
pub async fn run_observed(
    target: &dyn Target,
    options: PropOptions,
    observe: &mut dyn FnMut(&Progress),
) -> PropReport {
    let started = Instant::now();
    let deadline = options.time_budget.map(|b| started + b);
    let capabilities = target.capabilities();
    let versions = specversions(&capabilities);
    let mut report = PropReport {
        seed: options.seed,
        cases: 0,
        echoes: 0,
        pairs: pairs(&capabilities, options.encodings.as_deref()),
        specversions: versions.iter().map(|v| v.as_str().to_owned()).collect(),
        ending: Ending::Completed,
        disagreement: None,
        shrink: None,
        elapsed: Duration::ZERO,
    };
    if report.pairs.is_empty() {
        report.ending = Ending::NoPairs;
        return report;
    }
    let events = strategy::event_in(&versions);
    let mut runner = runner(options.seed, options.cases);
    for _ in 0..options.cases {
        if past(deadline) {
            report.ending = Ending::Budget;
            break;
        }
        let mut tree = match events.new_tree(&mut runner) {
            Ok(tree) => tree,
            Err(reason) => {
                report.ending = Ending::Generation(reason.to_string());
                break;
            }
        };
        let event = tree.current();
        report.cases += 1;
        for &(send, reply) in &report.pairs.clone() {
            report.echoes += 1;
            if let Some(found) = check(target, &event, send, reply).await {
                let mut progress = Progress {
                    cases: report.cases,
                    echoes: report.echoes,
                    shrink_steps: 0,
                };
                let (shrunk, stats) =
                    shrink(target, &mut tree, found, deadline, &mut progress, observe).await;
                report.echoes = progress.echoes;
                report.disagreement = Some(shrunk);
                report.shrink = Some(stats);
                report.ending = Ending::Disagreement;
                report.elapsed = started.elapsed();
                return report;
            }
        }
        observe(&Progress {
            cases: report.cases,
            echoes: report.echoes,
            shrink_steps: 0,
        });
    }
    report.elapsed = started.elapsed();
    report
}

/// Shrinks a failing value tree with proptest's simplify/complicate
/// protocol, re-trying only the pair that failed.
async fn shrink(
    target: &dyn Target,
    tree: &mut impl ValueTree<Value = Event>,
    found: Disagreement,
    deadline: Option<Instant>,
    progress: &mut Progress,
    observe: &mut dyn FnMut(&Progress),
) -> (Disagreement, ShrinkStats) {
    let (send, reply) = (found.send, found.reply);
    let mut stats = ShrinkStats {
        original_event_json: found.event_json.clone(),
        steps: 0,
        complete: true,
    };
    let mut best = found;
    if !tree.simplify() {
        return (best, stats);
    }
    loop {
        if stats.steps >= MAX_SHRINK_STEPS || past(deadline) {
            stats.complete = false;
            break;
        }
        stats.steps += 1;
        progress.echoes += 1;
        progress.shrink_steps = stats.steps;
        observe(progress);
        let candidate = tree.current();
        let more = match check(target, &candidate, send, reply).await {
            Some(d) => {
                best = d;
                tree.simplify()
            }
            None => tree.complicate(),
        };
        if !more {
            break;
        }
    }
    (best, stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::all_capabilities;

    #[test]
    fn pairs_stay_within_a_binding() {
        let all = pairs(&all_capabilities(), None);
        assert_eq!(all.len(), 4 + 9 + 4);
        assert!(all.iter().all(|(s, r)| s.binding() == r.binding()));
        let some = pairs(
            &all_capabilities(),
            Some(&[Encoding::HttpBinary, Encoding::KafkaBinary]),
        );
        assert_eq!(
            some,
            [
                (Encoding::HttpBinary, Encoding::HttpBinary),
                (Encoding::KafkaBinary, Encoding::KafkaBinary)
            ]
        );
    }

    #[test]
    fn seeds_expand_deterministically_and_differ() {
        assert_eq!(seed_bytes(7), seed_bytes(7));
        assert_ne!(seed_bytes(7), seed_bytes(8));
        let a = strategy::event()
            .new_tree(&mut runner(3, 1))
            .unwrap()
            .current();
        let b = strategy::event()
            .new_tree(&mut runner(3, 1))
            .unwrap()
            .current();
        assert_eq!(event_json(&a), event_json(&b));
    }

    #[test]
    fn binary_modes_carry_empty_data_as_none() {
        let mut e = Event::new(SpecVersion::V1_0);
        e.set_data(Data::Bytes(Vec::new()));
        assert!(carried(&e, Encoding::KafkaBinary).data().is_none());
        assert_eq!(carried(&e, Encoding::Json).data(), &Data::Bytes(Vec::new()));
    }
}
