//! `cespec listen`: captures what a sender emits and reports it through the
//! same terminal reporter as `run`, with the same exit codes.

use cespec::report::TerminalReporter;
use cespec::runner::{Reporter, RunEvent, Tally};
use tokio::sync::mpsc;

use crate::cli::Io;
use crate::cli::plan::ListenCommand;
use crate::cli::shims::server::listen;

/// Listens until the server stops (count or timeout reached) or Ctrl-C,
/// and returns the exit code of what was received.
pub async fn execute(cmd: ListenCommand, io: Io) -> anyhow::Result<i32> {
    let ListenCommand {
        config,
        display,
        catalog,
    } = cmd;
    let mut reporter = TerminalReporter::new(io.out, display, catalog).with_progress_output(io.err);
    let (tx, mut rx) = mpsc::channel(64);
    let mut server = tokio::spawn(listen::run(config, tx));
    // The tally is kept here too, so that an interrupted capture still
    // reports what arrived.
    let mut tally = Tally::default();
    let mut done = false;
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(event) => {
                    match &event {
                        RunEvent::Finished(result) => tally.record(result),
                        RunEvent::Done { .. } => done = true,
                        _ => {}
                    }
                    reporter.on_event(&event)?;
                }
                None => break,
            },
            _ = tokio::signal::ctrl_c() => {
                server.abort();
                break;
            }
        }
    }
    if !server.is_finished() {
        server.abort();
    }
    match (&mut server).await {
        Ok(result) => result?,
        Err(e) if e.is_cancelled() => {}
        Err(e) => return Err(e.into()),
    }
    if !done {
        reporter.on_event(&RunEvent::Done { tally })?;
    }
    Ok(tally.exit_code())
}
