//! The command line as clap sees it: raw strings, paths and flags. Nothing
//! here is checked beyond its shape; [`super::plan`] turns it into a
//! validated plan before anything runs.

use std::net::IpAddr;
use std::num::{NonZeroU32, NonZeroUsize};
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
  cespec run --json run.json --html run.html  also write the report files
  cespec report run.json --baseline base.json what changed since the baseline
  cespec prop --target cmd:./my-adapter       property-test round trips
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
    /// Property-test round trips through a target, or its rejection of mutated messages.
    #[command(long_about = PROP_ABOUT, after_long_help = PROP_EXIT)]
    Prop(PropArgs),
    /// Render, merge, compare saved reports; write badges.
    #[command(long_about = REPORT_ABOUT, after_long_help = REPORT_EXIT)]
    Report(ReportArgs),
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
  receiver:http://...     an HTTP receiver: only status codes are judged (with
                          the `webhook` capability, also by the Web Hook
                          spec's response rules)
  https://..., receiver:https://...
                          the same over TLS, trusting the public roots and
                          any --ca-cert; to a target that asks for a client
                          certificate (mutual TLS), --client-cert is shown
  cmd:PROGRAM ARGS        a child process speaking the JSON-lines protocol

Examples:
  cespec run
  cespec run --target http://127.0.0.1:8080/ --expectations known.yaml
  cespec run --target cmd:./my-adapter --capabilities json,http-binary,http-structured
  cespec run --suite http-binary --level must --fail-fast
  cespec run --case 'json-format/*' --jobs 1 --timeout 2s
  cespec run --targets matrix.yaml --strict
  cespec run --target http://127.0.0.1:8080/ --released-spec
  cespec run --target http://127.0.0.1:8080/ -H 'X-Api-Key: K'
  cespec run --target receiver:http://127.0.0.1:8080/hook --token T \\
      --capabilities http-binary,http-structured,webhook
  cespec run --json run.json --junit run.xml --html run.html
  cespec run --targets adapters/targets.yaml --interop --html matrix.html

A targets file (--targets) names one target per entry; only name and address
are required, relative paths are taken from the file's directory:
  targets:
    - name: python-sdk
      address: http://127.0.0.1:8081/
      start: python3 adapters/python-sdk/server.py --port 8081
      capabilities: [http-binary, http-structured]
      expectations: expectations/python-sdk.yaml
    - name: hook
      address: receiver:http://127.0.0.1:9001/hook
      capabilities: [http-binary, http-structured, webhook]
      headers: {X-Api-Key: k3y}   # as --header
      token: mF_9.B5f-4.1JqM     # as --token
      interop: false             # not in the --interop matrix
    - name: broker
      address: https://127.0.0.1:9443/
      ca-cert: certs/ca.pem              # as --ca-cert (one file or a list)
      client-cert: certs/client.pem      # as --client-cert, with client-key
      client-key: certs/client.key

With --interop, an interop matrix runs first: for each accepted single-event
case, each target (and the reference) encodes it in each encoding it
supports, every other target decodes that message and replies, and the reply
must be equivalent to the case's event. It goes into the report files, not
the exit code.

Report files (--json, --junit, --markdown, --html) are created before the run
starts and written when it ends; an existing file is replaced. In GitHub
Actions, add the Markdown report to the job summary with
  cespec run --markdown \"$GITHUB_STEP_SUMMARY\"
(every step has a summary file of its own; the job summary shows them in
order). Nothing is written there unless you ask.";

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
the port the system chose), and runs until interrupted (Ctrl-C). An invalid
event is answered 400 with the rules it breaks, an event format other than
JSON (application/cloudevents+avro) 415.

With --webhook it is a web hook delivery target instead: it grants the
OPTIONS abuse-protection handshake and answers accepted deliveries 204;
with --token it also requires that access token of every delivery, and with
--grant-by-callback it grants by calling back the URL a handshake offers.

Examples:
  cespec serve --port 8080
  cespec serve --port 0 --max-body-size 64KiB
  cespec serve --webhook --port 8080
  cespec serve --webhook --port 8080 --token mF_9.B5f-4.1JqM
  cespec serve --webhook --port 8080 --grant-by-callback post
  cespec serve --port 8443 --tls-cert server.pem --tls-key server.key
  cespec serve --port 8443 --tls-cert server.pem --tls-key server.key --client-ca clients.pem";

const LISTEN_ABOUT: &str = "\
Capture and judge the events a sender under test emits.

Starts an HTTP server (loopback by default) and validates every request it
receives against the rules and, with --expect, against expected events. It
stops after --count events or after --timeout, and reports like `cespec run`.

With --webhook it is a web hook delivery target (the CloudEvents Web Hook
spec): it answers an OPTIONS validation request by granting the origin and
rate asked for (at most --grant-rate a minute), and judges every delivery by
that spec's sender rules too, including how a token travels when one is
sent (with --token, that every delivery carries that token) and whether
the sender keeps to the rate it was granted. With
--throttle-every, --redirect-every and --retire-after it also answers some
deliveries 429, 307 or 410 on purpose and checks that the sender waits out
each Retry-After, never follows a redirect and stops after a 410. With
--grant-by-callback it gives consent by calling back (GET or POST) the URL a
validation request offers in WebHook-Request-Callback, instead of in its
answer, and fails a sender whose URL refuses the call or that delivers first.

Examples:
  cespec listen --port 9000 --count 3 --timeout 30s
  cespec listen --expect expected.yaml --match-by type
  cespec listen --port 0 --count 10 --junit sender.xml
  cespec listen --webhook --port 9000 --count 5
  cespec listen --webhook --port 9000 --count 5 --token mF_9.B5f-4.1JqM
  cespec listen --webhook --port 9443 --count 5 --tls-cert server.pem --tls-key server.key
  cespec listen --webhook --port 9000 --count 20 --grant-rate 6
  cespec listen --webhook --port 9000 --count 20 --throttle-every 5 --retry-after 3
  cespec listen --webhook --port 9000 --count 5 --grant-by-callback post";

const PROP_ABOUT: &str = "\
Property-test round trips through a target, or its rejection of mutated messages.

Generates valid events and sends each through the target in every pair of
encodings of one binding it supports (sent in one, the reply asked in the
other); the reply, decoded by the strict reference, must be equivalent to the
event. The first disagreement is shrunk to a small event and printed with the
pair and every difference; --save-cases writes it as a suite case that
`cespec run --suites DIR` replays from then on.

The seed names the run: the same seed, target and options generate the same
events. Without --seed, one is taken from the clock and printed, so a run can
be reproduced. Progress goes to stderr, the summary to stdout. Shrinking
re-sends the failing pair once per candidate event, each waiting up to
--timeout on a target that hangs; --time-budget bounds the whole run.

With --mutations, every valid case selected (--suite, --case, --encoding) is
broken on the wire in each way that breaks one MUST rule (a required
attribute dropped, an upper-case name, broken percent-encoding, ...), and the
mutations the target accepts are listed: a conformant target accepts none.

Targets are addressed as in `cespec run` (see `cespec run --help`); the
default is the in-process reference.

Examples:
  cespec prop
  cespec prop --target cmd:./my-adapter --cases 5000 --time-budget 2m
  cespec prop --target http://127.0.0.1:8080/ --seed 7 --encoding http-binary,http-structured
  cespec prop --target cmd:./my-adapter --save-cases suites-found/prop.yaml
  cespec prop --target http://127.0.0.1:8080/ --mutations --suite http-binary";

const PROP_EXIT: &str = "\
Exit codes:
  0  no disagreement, or only a SHOULD or MAY one (printed as a warning)
  1  a MUST disagreement (or a SHOULD one with --strict); with --mutations,
     a mutation the target accepted
  2  usage error
  3  a suite could not be loaded, or --save-cases could not be written
  4  the target supports no encoding pair asked for (no mutation to send)
  5  the target broke (crash, timeout, 5xx) or could not be opened";

const REPORT_ABOUT: &str = "\
Render, merge, compare saved reports; write badges.

Reads reports saved with `cespec run --json` and:
  - renders one in another format (--format, or the extension of --out;
    Markdown on stdout by default);
  - with --merge, puts runs of different targets into one matrix;
  - with --split-targets, writes one file per target instead (and, in
    HTML, an index page linking them): a large matrix stays readable;
  - with --baseline, prints how INPUT differs from a baseline run: newly
    failing, newly passing, changed messages, added and removed results
    (text; --format markdown or json for those), and exits 1 when something
    regressed;
  - with --badges DIR, writes one shields.io endpoint file per target
    (`https://img.shields.io/endpoint?url=<raw URL of the file>`).

Examples:
  cespec report run.json --out run.html
  cespec report run.json --format junit --out run.xml
  cespec report --merge go.json java.json rust.json --out matrix.html
  cespec report --merge go.json rust.json --format json --out matrix.json
  cespec report matrix.json --split-targets --out site/matrix.html
  cespec report run.json --baseline main.json
  cespec report run.json --baseline main.json --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  cespec report run.json --badges badges/";

const REPORT_EXIT: &str = "\
Exit codes:
  0  done; with --baseline, nothing regressed
  1  with --baseline: at least one result failing now that was not failing
     in the baseline (a regression)
  2  usage error
  3  a report could not be read or parsed, or an output could not be created";

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

    /// A YAML file listing targets (name, address, start, shell,
    /// capabilities, expectations, interop, headers, token) for one matrix
    /// run (see --help for an example).
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

    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// The target's known failures (case id -> reason, link); needs exactly
    /// one target.
    #[arg(long, value_name = "FILE")]
    pub expectations: Option<PathBuf>,
}

/// How an HTTP target is reached besides each input (what every request
/// carries, what its certificate may chain to): the same for `run`, `prop`
/// and `bench`.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// A CA certificate (PEM file; repeatable) an https:// target's
    /// certificate may chain to, besides the usual public roots: a test CA,
    /// a company CA. Nothing skips verification.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,

    /// The certificate chain (PEM, the client's own first) shown to an
    /// https:// target that asks for one (mutual TLS); needs --client-key.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,

    /// The private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,

    /// A header every request to an HTTP target carries, `Name: value`
    /// (repeatable), such as a key the target requires: `--header
    /// 'X-Api-Key: K'` (a bearer token goes with --token). An input that
    /// sets the header keeps its own; a raw (byte-for-byte) request gets it
    /// in the head cespec writes.
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,

    /// The access token an HTTP target requires (a web hook delivery
    /// target, HOOK-AUTH-1): sent as `Authorization: Bearer TOKEN` with
    /// every request (replacing an input's own Authorization header), and,
    /// in `run`, in the `access_token` query parameter instead by the
    /// `http-webhook` cases that prove the query way (without it those
    /// cases are skipped). Reports never show it.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
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

    /// Judge by the released spec (v1.0.2): a deviation from a rule found
    /// only on the spec's main branch (marked "main branch only") is info,
    /// not a failure or a warning.
    #[arg(long)]
    pub released_spec: bool,

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

/// Which report files a run writes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Reports")]
pub struct ReportFileArgs {
    /// Write the report as JSON (versioned schema; `cespec report` reads it).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a JUnit XML report (one testsuite per suite and target).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write a Markdown summary (under 1 MiB); `--markdown
    /// "$GITHUB_STEP_SUMMARY"` puts it in a GitHub Actions job summary.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write a self-contained HTML report.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
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
    #[command(flatten)]
    pub reports: ReportFileArgs,

    /// Also run the interop matrix before the suites: each target (and the
    /// reference) encodes the cases in every encoding it supports, and every
    /// other one decodes the result (producer x consumer x encoding, in the
    /// report files).
    #[arg(long, help_heading = "Interop")]
    pub interop: bool,

    /// The suites the interop matrix draws its cases from (repeatable).
    /// Default: core-attributes, extensions, sdk-deviations,
    /// http-percent-encoding.
    #[arg(
        long = "interop-suite",
        value_name = "ID",
        requires = "interop",
        help_heading = "Interop"
    )]
    pub interop_suite: Vec<String>,
}

/// `cespec list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// Print the requirement catalog with, per rule, the cases covering it.
    #[arg(long, conflicts_with = "coverage")]
    pub rules: bool,

    /// Print coverage per level and per spec document, and the testable
    /// rules no case covers.
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

    /// Serve HTTPS with this certificate chain (PEM, the server's own
    /// first); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Require every client to show a certificate that chains to this CA
    /// certificate (PEM file; repeatable): mutual TLS. A client without one
    /// is refused in the TLS handshake. Needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub client_ca: Vec<PathBuf>,

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

    /// Be a web hook delivery target (the CloudEvents Web Hook spec) instead
    /// of an echo: grant the OPTIONS abuse-protection handshake, answer an
    /// accepted delivery 204 and an invalid one 400. The reference for
    /// `receiver:` targets that declare the `webhook` capability.
    #[arg(long)]
    pub webhook: bool,

    /// With --webhook: require this access token of every delivery, as
    /// `Authorization: Bearer TOKEN` or in the `access_token` query
    /// parameter (answering 401 without it, and `Cache-Control: private`
    /// to a token in the query). Pair it with `run --token`.
    #[arg(long, value_name = "TOKEN", requires = "webhook")]
    pub token: Option<String>,

    /// With --webhook: when a validation request offers a loopback
    /// callback URL (WebHook-Request-Callback), withhold consent from the
    /// answer and give it 100 ms later by calling that URL with METHOD
    /// (GET by default, or POST), naming the rate granted. What `run`
    /// offers in the http-webhook suite's handshake-callback case.
    #[arg(
        long,
        value_name = "METHOD",
        value_enum,
        num_args = 0..=1,
        default_missing_value = "get",
        requires = "webhook"
    )]
    pub grant_by_callback: Option<CallbackMethodArg>,
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

    /// Judge by the released spec (see `cespec run --help`).
    #[arg(long)]
    pub released_spec: bool,

    /// Act as a web hook delivery target (the CloudEvents Web Hook spec):
    /// grant the OPTIONS abuse-protection handshake and judge each delivery
    /// as a POST with a Content-Type and a body, to the validated URI,
    /// repeating the validated WebHook-Request-Origin.
    #[arg(long)]
    pub webhook: bool,

    /// With --webhook: require this access token of every delivery, in the
    /// Authorization header (Bearer) or the `access_token` query parameter;
    /// a delivery without it fails and is answered 401.
    #[arg(long, value_name = "TOKEN", requires = "webhook")]
    pub token: Option<String>,

    /// With --webhook: grant at most N requests a minute in the handshake
    /// (by default, what the sender asks for, or any rate), and warn when
    /// the sender goes over what it was granted.
    #[arg(long, value_name = "N", requires = "webhook")]
    pub grant_rate: Option<NonZeroU32>,

    /// With --webhook: answer every Nth delivery (N at least 2) with 429
    /// and a Retry-After of --retry-after seconds, and fail a sender that
    /// sends again before the wait is over (it must observe Retry-After).
    #[arg(long, value_name = "N", requires = "webhook")]
    pub throttle_every: Option<usize>,

    /// The Retry-After of --throttle-every, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 2,
        requires = "throttle_every"
    )]
    pub retry_after: u32,

    /// With --webhook: answer every Nth delivery (N at least 2) with a 307
    /// redirect, and fail a sender that follows it.
    #[arg(long, value_name = "N", requires = "webhook")]
    pub redirect_every: Option<usize>,

    /// With --webhook: take N deliveries, then answer 410 Gone, and warn at
    /// every delivery after the first 410 (end the run with --timeout).
    #[arg(long, value_name = "N", requires = "webhook")]
    pub retire_after: Option<usize>,

    /// With --webhook: when a validation request offers a callback URL
    /// (WebHook-Request-Callback), withhold consent from the answer and
    /// give it by calling that URL with METHOD (GET by default, or POST;
    /// the URL must take both, so a second run tries the other), naming
    /// the rate only with --grant-rate. A delivery before the callback has
    /// granted consent fails. Only loopback callbacks are called.
    #[arg(
        long,
        value_name = "METHOD",
        value_enum,
        num_args = 0..=1,
        default_missing_value = "get",
        requires = "webhook"
    )]
    pub grant_by_callback: Option<CallbackMethodArg>,

    /// A CA certificate (PEM file; repeatable) an https:// callback's
    /// certificate may chain to, besides the public roots.
    #[arg(long, value_name = "FILE", requires = "grant_by_callback")]
    pub ca_cert: Vec<PathBuf>,

    /// How to show progress (see `cespec run --help`).
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto, value_name = "HOW")]
    pub progress: ProgressArg,

    #[command(flatten)]
    pub reports: ReportFileArgs,
}

/// The method `listen --grant-by-callback` calls back with.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CallbackMethodArg {
    Get,
    Post,
}

/// `cespec prop`.
#[derive(Debug, Args)]
pub struct PropArgs {
    /// The target address, as in `cespec run`: reference, reference-http,
    /// http://..., cmd:...
    #[arg(long, value_name = "ADDR", default_value = "reference")]
    pub target: String,

    /// How many events to generate; each goes through every encoding pair.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        conflicts_with = "mutations"
    )]
    pub cases: u32,

    /// The seed of the generator. Default: taken from the clock, and printed.
    #[arg(long, value_name = "N", conflicts_with = "mutations")]
    pub seed: Option<u64>,

    /// Stop generating (and shrinking) after DURATION (`30s`, `5m`).
    #[arg(long, value_name = "DURATION", conflicts_with = "mutations")]
    pub time_budget: Option<String>,

    /// Use only encoding E (repeatable, or comma-separated): it restricts the
    /// round-trip pairs, or with --mutations the cases' input encodings.
    #[arg(long = "encoding", value_name = "E", value_delimiter = ',')]
    pub encoding: Vec<String>,

    /// Add the shrunk disagreement to FILE as a suite case (the file is
    /// created as a suite when missing).
    #[arg(long, value_name = "FILE", conflicts_with = "mutations")]
    pub save_cases: Option<PathBuf>,

    /// Fail (exit 1) on a SHOULD-level disagreement instead of warning.
    #[arg(long)]
    pub strict: bool,

    /// How long one exchange with the target may take.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub timeout: String,

    /// The capabilities the target supports (comma-separated), instead of
    /// what it declares.
    #[arg(long, value_name = "CAPS", value_delimiter = ',')]
    pub capabilities: Vec<String>,

    /// Start the target with CMD before the run and stop it after.
    #[arg(long, value_name = "CMD")]
    pub start: Option<String>,

    /// Run --start and cmd: targets through the shell (`sh -c`).
    #[arg(long)]
    pub shell: bool,

    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// How to show progress (see `cespec run --help`).
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto, value_name = "HOW")]
    pub progress: ProgressArg,

    /// Send the wire mutations of every valid selected case instead, and
    /// list those the target accepts.
    #[arg(long, help_heading = "Mutations")]
    pub mutations: bool,

    /// With --mutations: mutate the cases of suite ID (repeatable).
    #[arg(
        long,
        value_name = "ID",
        requires = "mutations",
        help_heading = "Mutations"
    )]
    pub suite: Vec<String>,

    /// With --mutations: mutate the cases whose id matches GLOB (repeatable).
    #[arg(
        long = "case",
        value_name = "GLOB",
        requires = "mutations",
        help_heading = "Mutations"
    )]
    pub cases_glob: Vec<String>,

    /// With --mutations: add or replace suites with the YAML files in DIR.
    #[arg(
        long = "suites",
        value_name = "DIR",
        requires = "mutations",
        help_heading = "Mutations"
    )]
    pub suites: Vec<PathBuf>,
}

/// `cespec report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A report saved with `cespec run --json`.
    #[arg(
        value_name = "INPUT",
        required_unless_present = "merge",
        conflicts_with = "merge"
    )]
    pub input: Option<PathBuf>,

    /// Merge these reports (runs of different targets) into one matrix.
    #[arg(long, value_name = "REPORT", num_args = 1..)]
    pub merge: Vec<PathBuf>,

    /// The output format. Default: from the extension of --out, else
    /// Markdown; with --baseline, text.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ReportFormatArg>,

    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Compare with the baseline report BASE and print the differences;
    /// exit 1 when a result regressed.
    #[arg(long, value_name = "BASE")]
    pub baseline: Option<PathBuf>,

    /// Write one shields.io endpoint badge per target into DIR (created
    /// when missing).
    #[arg(long, value_name = "DIR")]
    pub badges: Option<PathBuf>,

    /// Write one report per target next to --out, named after it
    /// (matrix.html: matrix.<target>.html); with HTML, --out itself becomes
    /// an index page that links them. For matrices too large for one file;
    /// `--merge` puts the parts back together.
    #[arg(long, requires = "out", conflicts_with = "baseline")]
    pub split_targets: bool,
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

/// `cespec report --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    Html,
    Markdown,
    Junit,
    Json,
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
