//! The command line as clap sees it: raw strings, paths and flags. Nothing
//! here is checked beyond its shape; [`super::plan`] turns it into a
//! validated plan before anything runs.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use cespec::exit_codes;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Conformance test harness for CloudEvents implementations";

const LONG_ABOUT: &str = "\
Conformance test harness for CloudEvents implementations.

cespec drives an implementation (an SDK, a broker, a webhook) with suites of
valid and invalid CloudEvents messages, and reports, case by case and rule by
rule, where it deviates from the specification. Every case cites the
requirements it exercises (CORE-ID-1, HTTP-BIN-5, ...).

Examples:
  cespec run                                  the suites against the reference
  cespec run --target http://localhost:8080/  an HTTP echo target
  cespec list --coverage                      which requirements the suites cover
  cespec check event.json                     lint one event or wire message";

/// cespec's command line.
#[derive(Debug, Parser)]
#[command(
    name = "cespec",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    propagate_version = true,
    after_long_help = exit_codes::TABLE,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the output.
    ///
    /// `auto` colours when the output is a terminal, NO_COLOR is unset and TERM
    /// is not `dumb`. `always` beats NO_COLOR.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// Say more: durations on every line, warnings in detail. Twice also
    /// turns on debug logs on stderr (unless CESPEC_LOG is set).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say less: print only the results that are not `ok` or skipped, then
    /// the summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suites against one or more targets.
    #[command(long_about = RUN_ABOUT, after_long_help = exit_codes::TABLE)]
    Run(RunArgs),
    /// List cases, the requirement catalog, or coverage.
    #[command(long_about = LIST_ABOUT)]
    List(ListArgs),
    /// Check one event or wire message against the rules.
    #[command(long_about = CHECK_ABOUT, after_long_help = CHECK_EXIT)]
    Check(CheckArgs),
    /// Serve the reference implementation as an HTTP echo target.
    #[command(long_about = SERVE_ABOUT)]
    Serve(ServeArgs),
    /// Capture and judge the events a sender under test emits.
    #[command(long_about = LISTEN_ABOUT, after_long_help = exit_codes::TABLE)]
    Listen(ListenArgs),
    /// Convert files of the official CloudEvents conformance tool to cespec suites.
    #[command(long_about = IMPORT_ABOUT)]
    Import(ImportArgs),
    /// Measure a target's throughput and latency (codec or HTTP load).
    #[command(long_about = super::commands::bench::ABOUT, after_long_help = exit_codes::TABLE)]
    Bench(super::commands::bench::BenchArgs),
}

const RUN_ABOUT: &str = "\
Run the suites against one or more targets.

Every selected case is sent to every target; an accepted case is echoed once
per reply encoding the target supports, each a result of its own
(`case@http-structured`). A result is ok, FAILED (a MUST deviation, or a SHOULD
one with --strict), warn (SHOULD), info (MAY), skipped (the target lacks a
capability the case requires) or error (timeout, crash, refused connection).

Without --target or --targets, the suites run against the reference
implementation, served over loopback HTTP for HTTP cases and in-process for
Kafka and JSON cases.

Target addresses:
  reference               the reference, in-process
  reference-http          the reference, served over loopback HTTP
  http://host:port/path   an HTTP echo target (X-Echo-Mode names the reply mode)
  receiver:http://...     an HTTP receiver: only status codes are judged
  cmd:PROGRAM ARGS        a child process speaking the JSON-lines protocol

Examples:
  cespec run
  cespec run --target http://127.0.0.1:8080/ --expectations known.yaml
  cespec run --target cmd:./my-adapter --capabilities json,http-binary,http-structured
  cespec run --suite http-binary --level must --fail-fast
  cespec run --case 'json-format/*' --jobs 1 --timeout 2s
  cespec run --targets matrix.yaml --strict";

const LIST_ABOUT: &str = "\
List cases, the requirement catalog, or coverage.

Without options, prints the id of every selected case, one per line (with -v,
its level, input encoding, title and rules). The selection options are those
of `cespec run`.

Examples:
  cespec list --suite http-binary
  cespec list --rules
  cespec list --coverage --level must";

const CHECK_ABOUT: &str = "\
Check one event or wire message against the rules.

FILE (or - for stdin) holds one of:
  - a JSON-format event (an object) or batch (an array);
  - a serialised wire message, YAML or JSON, as written in suites:
    {http: {headers: ..., body: ...}}, {kafka: ...} or {json: ...}.

Every violation is printed with its rule id, level and location.

Examples:
  cespec check event.json
  curl -s https://example.com/event | cespec check -
  cespec check request.yaml";

const CHECK_EXIT: &str = "\
Exit codes:
  0  no MUST violation (SHOULD and MAY findings are printed)
  1  at least one MUST violation
  2  usage error
  3  the file could not be read or is not a message";

const SERVE_ABOUT: &str = "\
Serve the reference implementation as an HTTP echo target.

Prints `listening on http://ADDR:PORT` on stdout once ready (with --port 0,
the port the system chose), and runs until interrupted (Ctrl-C).

Examples:
  cespec serve --port 8080
  cespec serve --port 0 --max-body-size 64KiB";

const LISTEN_ABOUT: &str = "\
Capture and judge the events a sender under test emits.

Starts an HTTP server (loopback by default) and validates every request it
receives against the rules and, with --expect, against expected events. It
stops after --count events or after --timeout, and reports like `cespec run`.

Examples:
  cespec listen --port 9000 --count 3 --timeout 30s
  cespec listen --expect expected.yaml --match-by type";

const IMPORT_ABOUT: &str = "\
Convert files of the official CloudEvents conformance tool to cespec suites.

Each FILE becomes OUT/<name>.yaml. Existing files are not overwritten
without --force.

Example:
  cespec import conformance/format/json/*.json --out suites/imported";

/// Which cases run.
#[derive(Debug, Args)]
#[command(next_help_heading = "Selection")]
pub struct SelectArgs {
    /// Add or replace suites with the YAML files in DIR (repeatable).
    #[arg(long = "suites", value_name = "DIR")]
    pub suites: Vec<PathBuf>,

    /// Run the cases whose id matches GLOB (`*` any text, `?` one character;
    /// a pattern also selects ids it is a prefix of, up to `/` or `.`).
    /// Repeatable.
    #[arg(long = "case", value_name = "GLOB")]
    pub cases: Vec<String>,

    /// Run the cases of suite ID (repeatable).
    #[arg(long = "suite", value_name = "ID")]
    pub suite: Vec<String>,

    /// Run the cases that cite rule ID (a glob such as HTTP-BIN-* works).
    /// Repeatable.
    #[arg(long = "rule", value_name = "ID")]
    pub rule: Vec<String>,

    /// Run the cases at LEVEL or stronger (`should` runs SHOULD and MUST).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<LevelArg>,

    /// Run the cases whose input is in encoding E (repeatable, or
    /// comma-separated): json, json-batch, http-binary, http-structured,
    /// http-batch, kafka-binary, kafka-structured.
    #[arg(long = "encoding", value_name = "E", value_delimiter = ',')]
    pub encoding: Vec<String>,
}

/// Which targets.
#[derive(Debug, Args)]
#[command(next_help_heading = "Targets")]
pub struct TargetArgs {
    /// A target address (repeatable): reference, reference-http,
    /// http://..., receiver:http://... or cmd:... (see --help). Default: the
    /// reference.
    #[arg(long = "target", value_name = "ADDR")]
    pub target: Vec<String>,

    /// A YAML file listing targets (name, address, start, capabilities,
    /// expectations) for one matrix run.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,

    /// Start the target with CMD before the run and stop it after.
    #[arg(long, value_name = "CMD")]
    pub start: Option<String>,

    /// Run --start through the shell (`sh -c`).
    #[arg(long, requires = "start")]
    pub shell: bool,

    /// The capabilities the target supports (comma-separated), instead of
    /// what it declares; cases needing others are reported as unsupported.
    #[arg(long, value_name = "CAPS", value_delimiter = ',')]
    pub capabilities: Vec<String>,

    /// The target's known failures (case id -> reason, link); needs exactly
    /// one target.
    #[arg(long, value_name = "FILE")]
    pub expectations: Option<PathBuf>,
}

/// How to run.
#[derive(Debug, Args)]
#[command(next_help_heading = "Execution")]
pub struct ExecArgs {
    /// How many echoes may be in flight at once. Default: the number of CPUs.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,

    /// How long one echo may take before it is an error (`500ms`, `5s`, `1m`).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub timeout: String,

    /// How long the whole run may take; what has not finished is an error.
    #[arg(long, value_name = "DURATION")]
    pub run_timeout: Option<String>,

    /// Fail on SHOULD deviations instead of warning.
    #[arg(long)]
    pub strict: bool,

    /// Start no new case after the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// Fail when a known failure now passes (its entry should be removed).
    #[arg(long)]
    pub strict_expectations: bool,

    /// How to show progress: `auto` draws a bar on a terminal, prints a
    /// counter line now and then under CI, and nothing otherwise.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto, value_name = "HOW")]
    pub progress: ProgressArg,
}

/// `cespec run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// `cespec list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// Print the requirement catalog with, per rule, the cases covering it.
    #[arg(long, conflicts_with = "coverage")]
    pub rules: bool,

    /// Print coverage per level and the testable rules no case covers.
    #[arg(long)]
    pub coverage: bool,
}

/// `cespec check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The file to check, or `-` for stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Server limits shared by `serve` and `listen`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Server")]
pub struct ServerArgs {
    /// The address to listen on.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// The port to listen on; 0 lets the system choose.
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// The largest request body accepted (`64KiB`, `4MiB`).
    #[arg(long, value_name = "SIZE", default_value = "4MiB")]
    pub max_body_size: String,

    /// The largest request head (request line and headers) accepted.
    #[arg(long, value_name = "SIZE", default_value = "64KiB")]
    pub max_header_size: String,

    /// The most header lines a request may carry.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_headers: usize,

    /// How many connections may be open at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_connections: usize,

    /// How long one request may take to arrive.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub request_timeout: String,
}

/// `cespec serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `cespec listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// A YAML file of the events the sender is expected to emit.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,

    /// How a received event is paired with an expected one.
    #[arg(long, value_enum, default_value_t = MatchByArg::Id, value_name = "FIELD")]
    pub match_by: MatchByArg,

    /// Stop after N events.
    #[arg(long, value_name = "N")]
    pub count: Option<NonZeroUsize>,

    /// Stop after DURATION.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Fail on SHOULD deviations instead of warning.
    #[arg(long)]
    pub strict: bool,

    /// How to show progress (see `cespec run --help`).
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto, value_name = "HOW")]
    pub progress: ProgressArg,
}

/// `cespec import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files of the official conformance tool (JSON or YAML).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// The directory to write the suites to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// `--progress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Bar,
    Counter,
    None,
}

/// `--level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Must,
    Should,
    May,
}

/// `--match-by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MatchByArg {
    Id,
    Type,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn long_help_teaches_the_exit_codes() {
        let help = Cli::command().render_long_help().to_string();
        assert!(
            help.contains("Exit codes:\n  0  every selected case passed"),
            "{help}"
        );
        let mut cmd = Cli::command();
        let run = cmd.find_subcommand_mut("run").unwrap();
        let help = run.render_long_help().to_string();
        assert!(
            help.contains("Examples:") && help.contains("4  no case selected"),
            "{help}"
        );
    }
}
