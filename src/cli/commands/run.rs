//! `cespec run`: opens the targets, runs the plan with the terminal
//! reporter, and shuts the targets down whatever happened.

use std::sync::Arc;

use cespec::report::TerminalReporter;
use cespec::runner::{DefaultTarget, TargetSlot, TargetSummary, run_slots};
use cespec::target::reference::Reference;
use cespec::target::{ImplementationInfo, InProcess, Target, all_capabilities};

use crate::cli::Io;
use crate::cli::plan::{PlannedTarget, RunCommand};
use cespec::target::spec::TargetSpec;

/// Runs the plan and returns the exit code its tally earns.
pub async fn execute(cmd: RunCommand, io: Io) -> anyhow::Result<i32> {
    let RunCommand {
        run,
        targets,
        display,
        catalog,
    } = cmd;
    let mut slots = Vec::with_capacity(targets.len());
    for planned in targets {
        slots.push(open(planned).await);
    }
    let opened: Vec<Arc<dyn Target>> = slots
        .iter()
        .filter_map(|s| s.target.as_ref().ok().cloned())
        .collect();
    let mut reporter = TerminalReporter::new(io.out, display, catalog)
        .with_progress_output(io.err)
        .with_filtered_out(run.filtered_out);
    let outcome = run_slots(run, slots, &mut reporter).await;
    for target in opened {
        target.shutdown().await;
    }
    Ok(outcome?.exit_code())
}

/// Opens one target; a failure becomes the slot's reason, reported by the run.
async fn open(planned: PlannedTarget) -> TargetSlot {
    let PlannedTarget {
        name,
        address,
        spec,
        options,
    } = planned;
    let opened: Result<Arc<dyn Target>, String> = match spec {
        None => match TargetSpec::ReferenceHttp.open(&options).await {
            Ok(http) => Ok(Arc::new(DefaultTarget::new(
                Arc::from(http),
                Arc::new(InProcess(Reference)),
            ))),
            Err(e) => Err(crate::cli::describe(&anyhow::Error::from(e))),
        },
        Some(spec) => match spec.open(&options).await {
            Ok(target) => Ok(Arc::from(target)),
            Err(e) => Err(crate::cli::describe(&anyhow::Error::from(e))),
        },
    };
    if let Err(reason) = &opened {
        tracing::warn!(%name, %reason, "target could not be opened");
    }
    let summary = match &opened {
        Ok(target) => TargetSummary {
            name,
            address,
            info: target.info(),
            capabilities: target.capabilities(),
        },
        Err(_) => TargetSummary {
            name,
            address,
            info: ImplementationInfo::default(),
            capabilities: options.capabilities.unwrap_or_else(all_capabilities),
        },
    };
    TargetSlot {
        summary,
        target: opened,
    }
}
