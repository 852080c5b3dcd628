//! `cespec run`: opens the targets, runs the plan with the terminal
//! reporter and the report files side by side on one event stream, and
//! shuts the targets down whatever happened.

use std::sync::Arc;

use cespec::report::{Collector, TerminalReporter};
use cespec::runner::{FanOut, run_slots};
use cespec::target::Target;

use super::{report_files, target::open_target};
use crate::cli::Io;
use crate::cli::plan::RunCommand;

/// Runs the plan and returns the exit code its tally earns.
pub async fn execute(cmd: RunCommand, io: Io) -> anyhow::Result<i32> {
    let RunCommand {
        run,
        targets,
        display,
        catalog,
        reports,
    } = cmd;
    let mut slots = Vec::with_capacity(targets.len());
    for planned in targets {
        slots.push(open_target(planned).await);
    }
    let opened: Vec<Arc<dyn Target>> = slots
        .iter()
        .filter_map(|s| s.target.as_ref().ok().cloned())
        .collect();
    let files = report_files(reports, || {
        Collector::new(&catalog, env!("CARGO_PKG_VERSION"), &run.cases)
    });
    let mut reporters = FanOut::default();
    reporters.push(Box::new(
        TerminalReporter::new(io.out, display, catalog)
            .with_progress_output(io.err)
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
