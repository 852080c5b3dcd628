//! `cespec listen`: captures what a sender emits and reports it through the
//! same reporters as `run` (the terminal, and the report files asked for),
//! with the same exit codes.

use std::io::Write as _;

use cespec::report::{Collector, TerminalReporter};
use cespec::runner::{FanOut, Reporter, RunEvent, Tally};
use tokio::sync::mpsc;

use super::report_files;
use crate::cli::Io;
use crate::cli::plan::ListenCommand;
use cespec::server::listen;

/// Listens until the server stops (count or timeout reached) or Ctrl-C,
/// and returns the exit code of what was received.
pub async fn execute(cmd: ListenCommand, io: Io) -> anyhow::Result<i32> {
    let ListenCommand {
        config,
        display,
        catalog,
        reports,
    } = cmd;
    let mut out = io.out;
    let judging = config.judging;
    let listener = listen::bind(config).await?;
    // Senders are pointed at this address (with --port 0, the only way to
    // learn it), so it comes first and is flushed at once.
    writeln!(out, "listening on {}", listener.url())?;
    out.flush()?;
    // No suite cases: what is judged is whatever the sender sends.
    let files = report_files(reports, || {
        Collector::new(&catalog, env!("CARGO_PKG_VERSION"), &[]).judging(judging)
    });
    let nothing_arrived = format!(
        "no request arrived: is the sender sending to {}?",
        listener.url()
    );
    let mut reporter = FanOut::default();
    reporter.push(Box::new(
        TerminalReporter::new(out, display, catalog)
            .with_progress_output(io.err)
            .when_nothing_ran(nothing_arrived),
    ));
    if let Some(files) = files {
        reporter.push(Box::new(files));
    }
    let (tx, mut rx) = mpsc::channel(64);
    let mut server = tokio::spawn(listener.run(tx));
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
        Ok(_) => {}
        Err(e) if e.is_cancelled() => {}
        Err(e) => return Err(e.into()),
    }
    if !done {
        reporter.on_event(&RunEvent::Done { tally })?;
    }
    Ok(tally.exit_code())
}
