//! Executes a [`RunPlan`] against open targets and emits the results as
//! [`RunEvent`]s. It never prints and never reads the environment.
//!
//! # Units and order
//!
//! The work is a list of *units*, one per result: for each target in the
//! order given, for each case in plan order, one unit per reply encoding
//! ([`judge::replies`]), or a single unit when the case is skipped as
//! unsupported or the target could not be opened. A case's units on one
//! target form a *group*.
//!
//! Up to `jobs` echoes run at once (over all targets), started in unit
//! order. Results are **emitted in unit order**, not as they complete: a
//! small reorder buffer holds a result until every earlier one is out. So
//! every reporter sees the same deterministic stream whatever `--jobs` is,
//! and the terminal lines, JUnit and JSON need no sorting of their own. The
//! price is that one slow echo (at most the per-case timeout) holds back
//! the lines behind it while later echoes keep running.
//!
//! # Known failures
//!
//! A group is settled against the target's [`KnownFailures`] before it is
//! emitted, because whether a listed case "now passes" depends on all its
//! replies. See [`settle`] for the exact rules.
//!
//! # Stopping early
//!
//! - `fail_fast`: after the first emitted `Fail` (known failures excepted),
//!   no new group starts; groups already started finish, and the cases never
//!   started are not reported.
//! - `run_timeout`: when it expires, echoes in flight are cancelled and every
//!   unit without a result becomes an `Error` "run timeout reached" (units
//!   skipped as unsupported stay skipped).

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::{Id, JoinError, JoinSet};
use tracing::Instrument as _;

use crate::codec::Encoding;
use crate::suite::Case;
use crate::target::{Capabilities, Echo, Target, echo_case};

use super::callback;
use super::judge::{self, JudgeOptions, TargetView};
use super::outcome::{CaseResult, Status, Tally};
use super::plan::{KnownFailures, RunPlan};
use super::{Reporter, RunEvent, TargetSummary};

/// A target as the runner receives it: open, or the reason it could not be.
pub struct TargetSlot {
    pub summary: TargetSummary,
    pub target: Result<Arc<dyn Target>, String>,
}

/// Runs every case of `plan` on every target and returns the tally.
///
/// The targets stay open: shutting them down is the caller's business. An
/// I/O error from a reporter stops the run and is returned.
pub async fn run(
    plan: RunPlan,
    targets: Vec<(TargetSummary, Arc<dyn Target>)>,
    reporter: &mut dyn Reporter,
) -> io::Result<Tally> {
    let slots = targets
        .into_iter()
        .map(|(summary, target)| TargetSlot {
            summary,
            target: Ok(target),
        })
        .collect();
    run_slots(plan, slots, reporter).await
}

/// Like [`run`], but a target may have failed to open: a
/// [`RunEvent::TargetFailed`] is emitted for it and each of its cases is an
/// `Error` (unsupported ones are still skipped).
pub async fn run_slots(
    plan: RunPlan,
    slots: Vec<TargetSlot>,
    reporter: &mut dyn Reporter,
) -> io::Result<Tally> {
    let RunPlan {
        cases,
        options,
        known_failures,
        ..
    } = plan;
    let cases = Arc::new(cases);
    let units = units(&cases, &slots);
    let summaries = slots.iter().map(|s| s.summary.clone()).collect();
    reporter.on_event(&RunEvent::Started {
        targets: summaries,
        cases: units.len(),
    })?;
    for slot in &slots {
        if let Err(reason) = &slot.target {
            reporter.on_event(&RunEvent::TargetFailed {
                target: slot.summary.name.clone(),
                reason: reason.clone(),
            })?;
        }
    }
    let targets = slots
        .into_iter()
        .map(|s| {
            Arc::new(Ctx {
                capabilities: s.summary.capabilities,
                name: s.summary.name,
                target: s.target,
            })
        })
        .collect();
    let mut driver = Driver {
        cases,
        targets,
        units,
        known_failures,
        options: options.judging,
        jobs: options.jobs.get(),
        case_timeout: options.case_timeout,
        fail_fast: options.fail_fast,
        strict_expectations: options.strict_expectations,
        next: 0,
        emitted: 0,
        done: BTreeMap::new(),
        group: Vec::new(),
        in_flight: HashMap::new(),
        tasks: JoinSet::new(),
        stop: false,
        timed_out: false,
        tally: Tally::default(),
    };
    let deadline = options.run_timeout.map(|d| tokio::time::Instant::now() + d);
    driver.drive(deadline, reporter).await?;
    let tally = driver.tally;
    reporter.on_event(&RunEvent::Done { tally })?;
    Ok(tally)
}

/// Returns a duration as `5s`, `250ms` or `1.5s`.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) && d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// What the runner knows of one target.
struct Ctx {
    name: String,
    capabilities: Capabilities,
    target: Result<Arc<dyn Target>, String>,
}

/// What one unit does.
#[derive(Clone, Debug)]
enum Work {
    /// Echo the case, asking for this reply encoding.
    Echo(Encoding),
    /// Skipped as unsupported: the target lacks these capabilities.
    Unsupported(Vec<String>),
    /// The target could not be opened.
    Unavailable,
}

struct Unit {
    target: usize,
    case: usize,
    work: Work,
}

fn units(cases: &[Case], slots: &[TargetSlot]) -> Vec<Unit> {
    let mut units = Vec::new();
    for (t, slot) in slots.iter().enumerate() {
        let caps = &slot.summary.capabilities;
        for (c, case) in cases.iter().enumerate() {
            let missing: Vec<String> = case.requires.difference(caps).cloned().collect();
            let unit = |work| Unit {
                target: t,
                case: c,
                work,
            };
            // A target that could not be opened is an error for every case,
            // even one it might not support: a run of only such cases must
            // not end as if all were skipped.
            if slot.target.is_err() {
                units.push(unit(Work::Unavailable));
            } else if !missing.is_empty() {
                units.push(unit(Work::Unsupported(missing)));
            } else {
                units.extend(
                    judge::replies(case, caps)
                        .into_iter()
                        .map(|r| unit(Work::Echo(r))),
                );
            }
        }
    }
    units
}

/// The scheduling loop's state.
struct Driver {
    cases: Arc<Vec<Case>>,
    targets: Vec<Arc<Ctx>>,
    units: Vec<Unit>,
    known_failures: BTreeMap<String, Arc<dyn KnownFailures>>,
    options: JudgeOptions,
    jobs: usize,
    case_timeout: Duration,
    fail_fast: bool,
    strict_expectations: bool,
    /// The next unit to start.
    next: usize,
    /// The next unit to emit.
    emitted: usize,
    /// Results waiting for every earlier unit's result.
    done: BTreeMap<usize, CaseResult>,
    /// The results of the group being emitted, until it is complete.
    group: Vec<CaseResult>,
    in_flight: HashMap<Id, usize>,
    tasks: JoinSet<(usize, CaseResult)>,
    stop: bool,
    timed_out: bool,
    tally: Tally,
}

impl Driver {
    async fn drive(
        &mut self,
        deadline: Option<tokio::time::Instant>,
        reporter: &mut dyn Reporter,
    ) -> io::Result<()> {
        loop {
            // Emit first, so that a failure seen now stops the next start;
            // then again for the results scheduling knew without an echo.
            self.emit(reporter)?;
            self.schedule();
            self.emit(reporter)?;
            if self.tasks.is_empty() && !self.may_schedule() {
                break;
            }
            let expiry = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                joined = self.tasks.join_next_with_id() => match joined {
                    Some(Ok((id, (seq, result)))) => {
                        self.in_flight.remove(&id);
                        self.done.insert(seq, result);
                    }
                    Some(Err(error)) => self.lost(error),
                    None => {}
                },
                () = expiry, if !self.timed_out => {
                    tracing::debug!("run timeout reached; cancelling {} echoes", self.tasks.len());
                    self.timed_out = true;
                    self.tasks.abort_all();
                }
            }
        }
        // Every started unit has a result by now; a partial group can only
        // remain if the unit list ended inside one, which `units` never does.
        self.flush_group(reporter)
    }

    /// Returns true when the next unit may start: there is one, and no
    /// fail-fast stop forbids it (a stop lets the current group finish).
    fn may_schedule(&self) -> bool {
        let Some(unit) = self.units.get(self.next) else {
            return false;
        };
        !self.stop
            || self
                .next
                .checked_sub(1)
                .is_some_and(|prev| self.same_group(prev, unit))
    }

    fn same_group(&self, seq: usize, unit: &Unit) -> bool {
        let other = &self.units[seq];
        other.target == unit.target && other.case == unit.case
    }

    /// Starts units while slots are free; results known without an echo
    /// go straight to the reorder buffer.
    fn schedule(&mut self) {
        while self.may_schedule() {
            let seq = self.next;
            let unit = &self.units[seq];
            let immediate = match &unit.work {
                Work::Unsupported(missing) => {
                    // A token and a callback are given, not declared: say how.
                    let how = if missing.iter().any(|m| m == crate::webhook::TOKEN) {
                        "; a token comes with --token"
                    } else if missing.iter().any(|m| m == callback::CALLBACK) {
                        "; cespec offers a callback URL to web hook targets on loopback only"
                    } else {
                        ""
                    };
                    Some(self.bare(
                        seq,
                        None,
                        Status::Skip,
                        format!("unsupported: needs {}{how}", missing.join(", ")),
                    ))
                }
                Work::Unavailable => {
                    let reason = self.targets[unit.target].target.as_ref().err();
                    let message =
                        format!("target unavailable: {}", reason.map_or("", String::as_str));
                    Some(self.bare(seq, None, Status::Error, message))
                }
                Work::Echo(_) if self.timed_out => Some(self.timeout_result(seq)),
                Work::Echo(_) => None,
            };
            if let Some(result) = immediate {
                self.done.insert(seq, result);
            } else if self.tasks.len() < self.jobs {
                self.spawn(seq);
            } else {
                break;
            }
            self.next += 1;
        }
    }

    fn spawn(&mut self, seq: usize) {
        let unit = &self.units[seq];
        let Work::Echo(reply) = unit.work else {
            return;
        };
        let ctx = Arc::clone(&self.targets[unit.target]);
        let cases = Arc::clone(&self.cases);
        let index = unit.case;
        let (timeout, options) = (self.case_timeout, self.options);
        let span =
            tracing::debug_span!("case", target = %ctx.name, case = %cases[index].id, %reply);
        let task = async move {
            let case = &cases[index];
            let started = Instant::now();
            // A validation request offering a callback URL is sent with one
            // the runner serves, and the wait for the call is part of the
            // exchange, within the same timeout.
            let offers_callback = ctx.capabilities.contains(callback::CALLBACK)
                && callback::offers_callback(&case.input);
            let (echo, called) = match &ctx.target {
                Ok(target) => {
                    let target = target.as_ref();
                    let exchange = async {
                        if offers_callback {
                            // Leave the wait room to end before the timeout does.
                            let deadline = started + timeout.mul_f32(0.9);
                            callback::echo_offering_callback(target, case, reply, deadline).await
                        } else {
                            (echo_case(target, case, reply).await, None)
                        }
                    };
                    tokio::time::timeout(timeout, exchange)
                        .await
                        .unwrap_or_else(|_| {
                            let reason = format!("timed out after {}", format_duration(timeout));
                            (Echo::broken(reason), None)
                        })
                }
                Err(reason) => (Echo::broken(reason.clone()), None),
            };
            tracing::debug!(?echo, ?called, "echoed");
            let view = TargetView {
                name: &ctx.name,
                capabilities: &ctx.capabilities,
            };
            let elapsed = started.elapsed();
            let result = judge::judge_with_callback(
                case,
                reply,
                &echo,
                called.as_ref(),
                &view,
                options,
                elapsed,
            );
            (seq, result)
        };
        let handle = self.tasks.spawn(task.instrument(span));
        self.in_flight.insert(handle.id(), seq);
    }

    /// Records a task that did not return: cancelled by the run timeout, or panicked.
    fn lost(&mut self, error: JoinError) {
        let Some(seq) = self.in_flight.remove(&error.id()) else {
            return;
        };
        let result = if error.is_cancelled() {
            self.timeout_result(seq)
        } else {
            let payload = error.into_panic();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let reply = self.reply_of(seq);
            self.bare(
                seq,
                reply,
                Status::Error,
                format!("the harness panicked: {text}"),
            )
        };
        self.done.insert(seq, result);
    }

    fn timeout_result(&self, seq: usize) -> CaseResult {
        let reply = self.reply_of(seq);
        self.bare(seq, reply, Status::Error, "run timeout reached".into())
    }

    /// Returns the reply encoding a unit's result is named by, as `judge` would.
    fn reply_of(&self, seq: usize) -> Option<Encoding> {
        let unit = &self.units[seq];
        let ctx = &self.targets[unit.target];
        match unit.work {
            Work::Echo(reply) => {
                judge::per_reply(&self.cases[unit.case], &ctx.capabilities).then_some(reply)
            }
            _ => None,
        }
    }

    /// Returns a result that no echo produced.
    fn bare(
        &self,
        seq: usize,
        reply: Option<Encoding>,
        status: Status,
        message: String,
    ) -> CaseResult {
        let unit = &self.units[seq];
        let case = &self.cases[unit.case];
        let target = &self.targets[unit.target].name;
        CaseResult {
            reply,
            rules: case.rules.clone(),
            ..CaseResult::new(&case.id, &case.suite, target, status, case.level, message)
        }
    }

    /// Emits every result whose predecessors are all out, a group at a time.
    fn emit(&mut self, reporter: &mut dyn Reporter) -> io::Result<()> {
        while let Some(result) = self.done.remove(&self.emitted) {
            let seq = self.emitted;
            self.emitted += 1;
            self.group.push(result);
            let ends_group = self
                .units
                .get(seq + 1)
                .is_none_or(|next| !self.same_group(seq, next));
            if ends_group {
                self.flush_group(reporter)?;
            }
        }
        Ok(())
    }

    fn flush_group(&mut self, reporter: &mut dyn Reporter) -> io::Result<()> {
        let mut group = std::mem::take(&mut self.group);
        let Some(first) = group.first() else {
            return Ok(());
        };
        if let Some(known) = self.known_failures.get(&first.target) {
            settle(&mut group, known.as_ref(), self.strict_expectations);
        }
        for result in group {
            self.tally.record(&result);
            if self.fail_fast && result.status == Status::Fail && !result.is_expected_failure() {
                self.stop = true;
            }
            reporter.on_event(&RunEvent::Finished(Box::new(result)))?;
        }
        Ok(())
    }
}

/// Settles one group (a case's results on one target) against the target's
/// known failures. Each result is looked up by its name (`case@reply`),
/// then by its case id.
///
/// - A listed result that fails, warns, is informational or errors keeps its
///   status and gets `known_failure`: it is an *expected* failure, counted
///   under `Tally::expected` and never failing the run.
/// - A listed result that passes "now passes" when it was listed by name, or
///   when every result of the group listed by case id passes. It gets
///   `known_failure.now_passes` and the message "known failure now passes:
///   remove it from `<origin>`"; under `strict_expectations` its status becomes
///   `Fail`, so the run fails until the list is tightened.
/// - A passing reply of a case that still fails on another reply is left
///   alone, and skipped results are never marked.
pub fn settle(group: &mut [CaseResult], known: &dyn KnownFailures, strict_expectations: bool) {
    let entries: Vec<_> = group
        .iter()
        .map(|r| {
            known
                .lookup(&r.name())
                .map(|k| (k, true))
                .or_else(|| known.lookup(&r.case).map(|k| (k, false)))
        })
        .collect();
    let case_entry_passes = group
        .iter()
        .zip(&entries)
        .filter(|(_, e)| matches!(e, Some((_, false))))
        .all(|(r, _)| r.status == Status::Pass);
    for (result, entry) in group.iter_mut().zip(entries) {
        let Some((mut entry, by_name)) = entry else {
            continue;
        };
        match result.status {
            Status::Skip => {}
            Status::Pass if by_name || case_entry_passes => {
                entry.now_passes = true;
                result.message = format!(
                    "known failure now passes: remove it from {}",
                    known.origin()
                );
                if strict_expectations {
                    result.status = Status::Fail;
                }
                result.known_failure = Some(entry);
            }
            Status::Pass => {}
            _ => result.known_failure = Some(entry),
        }
    }
}
