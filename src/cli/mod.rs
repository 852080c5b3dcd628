//! The command line: clap arguments ([`args`]), validated into plans
//! ([`plan`]) before anything runs, and one file per command under
//! `commands/`. Commands write to the streams `main` hands them and return
//! an exit code; errors go back to `main` as `anyhow` errors.

pub mod args;
mod clock;
mod commands;
pub mod plan;

use std::io::Write;

pub use args::Cli;
pub use commands::Named;
use plan::Plan;

/// The streams a command writes to.
pub struct Io {
    /// Reports and command output (stdout).
    pub out: Box<dyn Write + Send>,
    /// Progress counter lines (stderr).
    pub err: Box<dyn Write + Send>,
}

/// Executes a validated plan and returns the exit code.
pub async fn execute(plan: Plan, io: Io) -> anyhow::Result<i32> {
    match plan {
        Plan::Run(cmd) => commands::run::execute(cmd, io).await,
        Plan::List(cmd) => commands::list::execute(&cmd, io.out),
        Plan::Check(cmd) => commands::check::execute(&cmd, io.out),
        Plan::Serve(cmd) => commands::serve::execute(cmd, io.out).await,
        Plan::Listen(cmd) => commands::listen::execute(cmd, io).await,
        Plan::Prop(cmd) => commands::prop::execute(cmd, io).await,
        Plan::Report(cmd) => commands::report::execute(*cmd, io),
        Plan::Import(cmd) => commands::import::execute(&cmd, io.out),
        Plan::Bench(cmd) => commands::bench::execute(*cmd, io).await,
    }
}

/// Returns an error and its causes as one line, `outer: inner: ...`,
/// leaving out a cause whose text the line already holds (library errors
/// such as `LoadError::Io` print their source themselves).
pub fn describe(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let load = cespec::error::LoadError::Io {
            path: "x.yaml".into(),
            source: io,
        };
        let error = anyhow::Error::from(load).context("loading suites");
        assert_eq!(describe(&error), "loading suites: x.yaml: gone");
    }
}
