//! Opening a planned target, shared by `run` and `prop` so that an address
//! means the same thing to both: the default target (the reference over
//! loopback HTTP for HTTP inputs, in-process for the others), or what the
//! address names, started and narrowed as its options say.

use std::sync::Arc;

use cespec::runner::{DefaultTarget, TargetSlot, TargetSummary};
use cespec::target::reference::Reference;
use cespec::target::spec::TargetSpec;
use cespec::target::{ImplementationInfo, Isolated, Target, all_capabilities};

use crate::cli::plan::PlannedTarget;

/// Opens one target; a failure becomes the slot's reason, which a run
/// reports against every case of the target.
pub async fn open_target(planned: PlannedTarget) -> TargetSlot {
    let PlannedTarget {
        name,
        address,
        spec,
        options,
        ..
    } = planned;
    let opened: Result<Arc<dyn Target>, String> = match spec {
        None => match TargetSpec::ReferenceHttp.open(&options).await {
            Ok(http) => Ok(Arc::new(DefaultTarget::new(
                Arc::from(http),
                Arc::new(Isolated::new(Reference)),
            ))),
            Err(e) => Err(crate::cli::describe(&anyhow::Error::from(e))),
        },
        Some(spec) => match spec.open(&options).await {
            Ok(target) => Ok(Arc::from(target)),
            Err(e) => Err(crate::cli::describe(&anyhow::Error::from(e))),
        },
    };
    // The command says so itself (the run before its results, prop and
    // bench as their error); a log line on top would say it twice.
    if let Err(reason) = &opened {
        tracing::debug!(%name, %reason, "target could not be opened");
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
