//! `cespec run`: opens the targets, runs the interop matrix when asked,
//! then runs the plan with the terminal reporter and the report files side
//! by side on one event stream, and shuts the targets down whatever
//! happened.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use cespec::report::interop::Interop;
use cespec::report::{Collector, TerminalReporter};
use cespec::runner::interop::{self, InteropOptions, Participant};
use cespec::runner::judge::RECEIVER_ONLY;
use cespec::runner::{FanOut, TargetSlot, run_slots};
use cespec::target::reference::Reference;
use cespec::target::{Isolated, Target, all_capabilities};

use super::{report_files, target::open_target};
use crate::cli::Io;
use crate::cli::plan::RunCommand;

/// Runs the plan and returns the exit code its tally earns. The interop
/// matrix, when asked for, goes into the report files; it does not change
/// the exit code.
pub async fn execute(cmd: RunCommand, io: Io) -> anyhow::Result<i32> {
    let RunCommand {
        run,
        targets,
        display,
        catalog,
        reports,
        interop,
    } = cmd;
    let Io { out, mut err } = io;
    let outside: BTreeSet<String> = targets
        .iter()
        .filter(|t| !t.interop)
        .map(|t| t.name.clone())
        .collect();
    let mut slots = Vec::with_capacity(targets.len());
    for planned in targets {
        slots.push(open_target(planned).await);
    }
    let opened: Vec<Arc<dyn Target>> = slots
        .iter()
        .filter_map(|s| s.target.as_ref().ok().cloned())
        .collect();
    let matrix = match interop {
        Some(suites) => {
            let started = Instant::now();
            let participants = participants(&slots, &outside);
            let cases = interop::select_cases(&run.cases, &suites);
            let options = InteropOptions {
                timeout: run.options.case_timeout,
                jobs: run.options.jobs.get(),
                ..InteropOptions::default()
            };
            let matrix = interop::run(&cases, &participants, suites, &options).await;
            summarise(&matrix, started.elapsed().as_secs_f64(), &mut err)?;
            Some(matrix)
        }
        None => None,
    };
    let mut files = report_files(reports, || {
        Collector::new(&catalog, env!("CARGO_PKG_VERSION"), &run.cases).judging(run.options.judging)
    });
    if let (Some(files), Some(matrix)) = (files.as_mut(), matrix) {
        files.collector_mut().set_interop(matrix);
    }
    let mut reporters = FanOut::default();
    reporters.push(Box::new(
        TerminalReporter::new(out, display, catalog)
            .with_progress_output(err)
            .with_filtered_out(run.filtered_out),
    ));
    if let Some(files) = files {
        reporters.push(Box::new(files));
    }
    let outcome = run_slots(run, slots, &mut reporters).await;
    for target in opened {
        target.shutdown().await;
    }
    Ok(outcome?.exit_code())
}

/// Returns the interop participants: the reference (in-process, unless a
/// target of the run is named `reference`), then every open echo target
/// the targets file did not leave out.
fn participants(slots: &[TargetSlot], outside: &BTreeSet<String>) -> Vec<Participant> {
    let mut out = Vec::new();
    if !slots.iter().any(|s| s.summary.name == "reference") {
        out.push(Participant {
            name: "reference".into(),
            capabilities: all_capabilities(),
            target: Arc::new(Isolated::new(Reference)),
        });
    }
    for slot in slots {
        let Ok(target) = &slot.target else { continue };
        if outside.contains(&slot.summary.name) || slot.summary.capabilities.contains(RECEIVER_ONLY)
        {
            continue;
        }
        out.push(Participant {
            name: slot.summary.name.clone(),
            capabilities: slot.summary.capabilities.clone(),
            target: Arc::clone(target),
        });
    }
    out
}

/// Writes one line about the matrix to stderr (the report files have it all).
fn summarise(matrix: &Interop, seconds: f64, err: &mut dyn Write) -> std::io::Result<()> {
    let (clean, broken) = matrix.clean_and_broken();
    let exchanges: usize = matrix.producers.iter().map(|p| p.attempted).sum::<usize>()
        + matrix.cells.iter().map(|c| c.total()).sum::<usize>();
    writeln!(
        err,
        "interop: {} participants, {} cases, {exchanges} exchanges in {seconds:.1}s: {clean} pairs clean, {broken} with breaks",
        matrix.participants.len(),
        matrix.cases,
    )
}
