//! From arguments to a validated plan (style rule 2): every usage error and
//! every file that cannot be loaded is found here, before anything runs.
//! Usage errors exit with 2, load errors with 3.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cespec::codec::Encoding;
use cespec::exit_codes;
use cespec::report::{
    ColorChoice, DisplayConfig, DisplayRequest, ProgressChoice, Verbosity, split,
};
use cespec::rules::{Catalog, Level};
use cespec::runner::judge::{JudgeOptions, RECEIVER_ONLY};
use cespec::runner::{Glob, RunOptions, RunPlan, Selection};
use cespec::suite::Suite;
use cespec::target::{ADAPTER_PREFIX, Capabilities, all_capabilities};

use super::args::{
    CallbackMethodArg, CheckArgs, Cli, ColorArg, Command, CredentialArgs, ExecArgs, ImportArgs,
    LevelArg, ListArgs, ListenArgs, MatchByArg, ProgressArg, PropArgs, ReportArgs, ReportFileArgs,
    ReportFormatArg, RunArgs, SelectArgs, ServeArgs, ServerArgs, TargetArgs,
};
use cespec::error::LoadError;
use cespec::prop::PropOptions;
use cespec::report::{Format, Report, compare};
use cespec::server::Limits;
use cespec::server::callback::CallbackMethod;
use cespec::server::expected::{ExpectedEvents, MatchBy};
use cespec::server::listen::ListenConfig;
use cespec::server::serve::ServeConfig;
use cespec::suite as load;
use cespec::suite::{Case, Verdict};
use cespec::target::expectations::Expectations;
use cespec::target::file::TargetsFile;
use cespec::target::spec::{OpenOptions, TargetSpec};

/// Facts about the environment, looked up once by `main`.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    /// stdout and stderr are both terminals.
    pub is_terminal: bool,
    pub is_ci: bool,
    /// `NO_COLOR` is set and not empty.
    pub no_color: bool,
    /// `TERM=dumb`.
    pub term_dumb: bool,
    /// The default for `--jobs`.
    pub parallelism: NonZeroUsize,
}

/// Why no plan could be made.
#[derive(Debug)]
pub enum PlanError {
    /// The command line is wrong (exit 2).
    Usage(String),
    /// A suite, catalog, targets or expectations file could not be loaded (exit 3).
    Load(anyhow::Error),
}

impl PlanError {
    /// Returns the exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => exit_codes::USAGE,
            Self::Load(_) => exit_codes::LOAD_ERROR,
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) => f.write_str(message),
            Self::Load(error) => f.write_str(&super::describe(error)),
        }
    }
}

fn usage<T>(message: impl Into<String>) -> Result<T, PlanError> {
    Err(PlanError::Usage(message.into()))
}

fn load_error(error: impl Into<anyhow::Error>) -> PlanError {
    PlanError::Load(error.into())
}

/// A validated command, ready to execute.
pub enum Plan {
    Run(RunCommand),
    List(ListCommand),
    Check(CheckCommand),
    Serve(ServeCommand),
    Listen(ListenCommand),
    Prop(PropCommand),
    Report(Box<ReportCommand>),
    Import(ImportCommand),
    Bench(Box<super::commands::bench::BenchCommand>),
}

/// A report file a run writes at its end, created (empty) by the plan so
/// that a path that cannot be written stops the command before it runs.
pub struct ReportFile {
    pub format: Format,
    pub path: PathBuf,
    pub file: std::fs::File,
}

/// A target of a run, not yet opened.
#[derive(Debug)]
pub struct PlannedTarget {
    pub name: String,
    pub address: String,
    /// `None` for the default target: the reference over loopback HTTP for
    /// HTTP inputs and in-process for the others.
    pub spec: Option<TargetSpec>,
    pub options: OpenOptions,
    /// Takes part in `run --interop` (a targets file may say no).
    pub interop: bool,
}

/// `cespec run`, validated.
pub struct RunCommand {
    pub run: RunPlan,
    pub targets: Vec<PlannedTarget>,
    pub display: DisplayConfig,
    pub catalog: Arc<Catalog>,
    pub reports: Vec<ReportFile>,
    /// `--interop`: the suites the interop matrix draws its cases from.
    pub interop: Option<Vec<String>>,
}

/// What `cespec list` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListMode {
    Cases,
    Rules,
    Coverage,
}

/// `cespec list`, validated.
pub struct ListCommand {
    /// The suites, each holding only its selected cases.
    pub selected: Vec<Suite>,
    pub mode: ListMode,
    pub verbose: bool,
    pub catalog: Arc<Catalog>,
}

/// Where `cespec check` reads from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

/// `cespec check`, validated.
pub struct CheckCommand {
    pub source: Source,
    pub color: bool,
}

/// `cespec serve`, validated.
pub struct ServeCommand {
    pub config: ServeConfig,
}

/// `cespec listen`, validated.
pub struct ListenCommand {
    pub config: ListenConfig,
    pub display: DisplayConfig,
    pub catalog: Arc<Catalog>,
    pub reports: Vec<ReportFile>,
}

/// `cespec prop`, validated.
pub struct PropCommand {
    pub target: PlannedTarget,
    pub mode: PropMode,
    /// A SHOULD-level disagreement fails the run.
    pub strict: bool,
    pub display: DisplayConfig,
}

/// What `cespec prop` does.
pub enum PropMode {
    /// Generated round trips.
    RoundTrip {
        options: PropOptions,
        /// The seed was taken from the clock (so it is worth printing first).
        clock_seed: bool,
        /// Where to save the shrunk disagreement as a suite case.
        save: Option<PathBuf>,
    },
    /// The wire mutations of these valid cases.
    Mutations { cases: Vec<Case> },
}

/// `cespec report`, validated: the reports are loaded and merged, the
/// outputs created.
pub struct ReportCommand {
    /// The report (INPUT, or the merge of the --merge reports).
    pub report: Report,
    pub action: ReportAction,
    /// Where the rendering or diff goes; stdout when `None`.
    pub out: Option<(PathBuf, std::fs::File)>,
    /// Where the badges go (the directory exists).
    pub badges: Option<PathBuf>,
    /// With --split-targets: one file per target of the report, in its
    /// order (the action is then [`ReportAction::Split`]).
    pub parts: Vec<(PathBuf, std::fs::File)>,
}

/// What `cespec report` writes besides badges.
pub enum ReportAction {
    /// The report in a format.
    Render(Format),
    /// The differences from a baseline.
    Diff {
        baseline: Box<Report>,
        format: DiffFormat,
    },
    /// One report per target into `parts`, and with HTML an index page
    /// linking them into `out`.
    Split(Format),
    /// Nothing (only badges were asked for).
    Nothing,
}

/// How a baseline diff is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// `cespec import`, validated.
pub struct ImportCommand {
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    pub force: bool,
}

/// Validates the command line into a plan, loading what it names.
pub fn plan(cli: Cli, env: &Env) -> Result<Plan, PlanError> {
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, _) => Verbosity::Verbose,
    };
    let display = |progress: ProgressArg| {
        let request = DisplayRequest {
            progress: match progress {
                ProgressArg::Auto => ProgressChoice::Auto,
                ProgressArg::Bar => ProgressChoice::Bar,
                ProgressArg::Counter => ProgressChoice::Counter,
                ProgressArg::None => ProgressChoice::Off,
            },
            color: match cli.color {
                ColorArg::Auto => ColorChoice::Auto,
                ColorArg::Always => ColorChoice::Always,
                ColorArg::Never => ColorChoice::Never,
            },
            verbosity,
        };
        DisplayConfig::resolve(
            request,
            env.is_terminal,
            env.is_ci,
            env.no_color,
            env.term_dumb,
        )
    };
    Ok(match cli.command {
        Command::Run(args) => {
            let display = display(args.exec.progress);
            Plan::Run(run(args, display, env)?)
        }
        Command::List(args) => Plan::List(list(args, verbosity == Verbosity::Verbose)?),
        Command::Check(CheckArgs { file }) => Plan::Check(CheckCommand {
            source: if file == Path::new("-") {
                Source::Stdin
            } else {
                Source::File(file)
            },
            color: display(ProgressArg::None).color,
        }),
        Command::Serve(ServeArgs {
            server,
            webhook,
            token,
            grant_by_callback,
        }) => Plan::Serve(ServeCommand {
            config: ServeConfig {
                webhook,
                token: checked_token(token)?,
                grant_by_callback: grant_by_callback.map(callback_method),
                ..serve_config(&server)?
            },
        }),
        Command::Listen(args) => {
            let display = display(args.progress);
            Plan::Listen(listen(args, display)?)
        }
        Command::Prop(args) => {
            let display = display(args.progress);
            Plan::Prop(prop(args, display)?)
        }
        Command::Report(args) => Plan::Report(Box::new(report(args)?)),
        Command::Import(ImportArgs { files, out, force }) => {
            Plan::Import(ImportCommand { files, out, force })
        }
        Command::Bench(args) => Plan::Bench(Box::new(super::commands::bench::plan(args, env)?)),
    })
}

fn catalog() -> Result<Arc<Catalog>, PlanError> {
    Catalog::embedded()
        .map(|c| Arc::new(c.clone()))
        .map_err(|e| load_error(anyhow::anyhow!("{e}")))
}

/// Loads the suites and compiles the filters, checking suite and rule ids.
fn select(args: &SelectArgs, catalog: &Catalog) -> Result<(Vec<Suite>, Selection), PlanError> {
    let encodings = encodings("--encoding", &args.encoding)?;
    let suites = if args.suites.is_empty() {
        load::load_embedded(catalog)
    } else {
        load::load_with_overrides(&args.suites, catalog)
    }
    .map_err(load_error)?;
    for id in &args.suite {
        if !suites.iter().any(|s| &s.id == id) {
            let known: Vec<&str> = suites.iter().map(|s| s.id.as_str()).collect();
            return usage(format!(
                "--suite: no suite {id:?}; the suites are {}",
                known.join(", ")
            ));
        }
    }
    let rules: Vec<Glob> = args.rule.iter().map(|r| Glob::new(r)).collect();
    for rule in rules.iter().filter(|g| g.is_literal()) {
        if catalog.get(rule.as_str()).is_none() {
            return usage(format!(
                "--rule: no rule {rule} in the catalog (see `cespec list --rules`)"
            ));
        }
    }
    let selection = Selection {
        cases: args.cases.iter().map(|c| Glob::new(c)).collect(),
        suites: args.suite.clone(),
        rules,
        min_level: args.level.map(|l| match l {
            LevelArg::Must => Level::Must,
            LevelArg::Should => Level::Should,
            LevelArg::May => Level::May,
        }),
        encodings,
    };
    Ok((suites, selection))
}

fn run(args: RunArgs, display: DisplayConfig, env: &Env) -> Result<RunCommand, PlanError> {
    let RunArgs {
        select: select_args,
        targets: target_args,
        exec,
        reports,
        interop,
        interop_suite,
    } = args;
    let options = run_options(&exec, env)?;
    let catalog = catalog()?;
    let (suites, selection) = select(&select_args, &catalog)?;
    let known_caps = known_capabilities(&suites);
    let interop = interop
        .then(|| interop_suites(&interop_suite, &suites))
        .transpose()?;
    let mut plan = RunPlan::new(&suites, &selection, options);
    let (targets, expectations) = targets(&target_args, plan.options.case_timeout, &known_caps)?;
    for (name, known) in expectations {
        let loaded = match known {
            Known::Path(path) => Expectations::load(&path).map_err(load_error)?,
            Known::Loaded(loaded) => loaded,
        }
        .for_target(&name);
        plan = plan.with_known_failures(&name, Arc::new(loaded));
    }
    Ok(RunCommand {
        run: plan,
        targets,
        display,
        catalog,
        // Last: nothing is created unless every other check passed.
        reports: report_files(&reports)?,
        interop,
    })
}

/// Returns the suites of `--interop-suite` (the default set when none is
/// named), each checked against the loaded suites.
fn interop_suites(named: &[String], suites: &[Suite]) -> Result<Vec<String>, PlanError> {
    if named.is_empty() {
        return Ok(cespec::runner::interop::DEFAULT_SUITES
            .iter()
            .filter(|id| suites.iter().any(|s| s.id == **id))
            .map(|id| (*id).to_owned())
            .collect());
    }
    for id in named {
        if !suites.iter().any(|s| &s.id == id) {
            let known: Vec<&str> = suites.iter().map(|s| s.id.as_str()).collect();
            return usage(format!(
                "--interop-suite: no suite {id:?}; the suites are {}",
                known.join(", ")
            ));
        }
    }
    Ok(named.to_vec())
}

/// Creates the report files a run writes, checking that no two formats
/// share a path. A file that cannot be created is a load error naming it.
fn report_files(args: &ReportFileArgs) -> Result<Vec<ReportFile>, PlanError> {
    let wanted: Vec<(Format, &PathBuf)> = [
        (Format::Json, &args.json),
        (Format::Junit, &args.junit),
        (Format::Markdown, &args.markdown),
        (Format::Html, &args.html),
    ]
    .into_iter()
    .filter_map(|(format, path)| Some((format, path.as_ref()?)))
    .collect();
    for (i, (format, path)) in wanted.iter().enumerate() {
        if let Some((other, _)) = wanted[..i].iter().find(|(_, p)| p == path) {
            return usage(format!(
                "--{other} and --{format} both write {}",
                path.display()
            ));
        }
    }
    wanted
        .into_iter()
        .map(|(format, path)| {
            Ok(ReportFile {
                format,
                path: path.clone(),
                file: create(path).map_err(|e| load_error(e.context(format!("--{format}"))))?,
            })
        })
        .collect()
}

/// Creates (or truncates) the file at `path`; the error names the path.
fn create(path: &Path) -> Result<std::fs::File, anyhow::Error> {
    std::fs::File::create(path).map_err(|source| {
        anyhow::Error::from(LoadError::Io {
            path: path.to_owned(),
            source,
        })
    })
}

fn run_options(exec: &ExecArgs, env: &Env) -> Result<RunOptions, PlanError> {
    Ok(RunOptions {
        jobs: exec.jobs.unwrap_or(env.parallelism),
        case_timeout: parse_duration("--timeout", &exec.timeout)?,
        run_timeout: exec
            .run_timeout
            .as_deref()
            .map(|d| parse_duration("--run-timeout", d))
            .transpose()?,
        judging: JudgeOptions {
            strict: exec.strict,
            released_spec: exec.released_spec,
        },
        fail_fast: exec.fail_fast,
        strict_expectations: exec.strict_expectations,
    })
}

/// Returns every capability name a target may declare: the encodings,
/// `specversion-0.3`, `receiver-only`, `webhook`, and whatever the suites
/// require.
fn known_capabilities(suites: &[Suite]) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = all_capabilities();
    known.insert(RECEIVER_ONLY.to_owned());
    known.insert(cespec::webhook::WEBHOOK.to_owned());
    for case in suites.iter().flat_map(|s| &s.cases) {
        known.extend(case.requires.iter().cloned());
    }
    known
}

fn capabilities(
    names: &[String],
    known: &BTreeSet<String>,
) -> Result<Option<Capabilities>, PlanError> {
    if names.is_empty() {
        return Ok(None);
    }
    for name in names {
        if let Some(why) = given_not_declared(name) {
            return usage(format!("--capabilities: {why}"));
        }
        if !is_known_capability(name, known) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            return usage(format!(
                "--capabilities: unknown capability {name:?}; known: {}",
                list.join(", ")
            ));
        }
    }
    Ok(Some(names.iter().cloned().collect()))
}

/// Why `name` cannot be declared, for the capabilities cespec gives a
/// target itself.
fn given_not_declared(name: &str) -> Option<&'static str> {
    match name {
        cespec::webhook::TOKEN => Some(
            "`token` is not declared: a target has it when --token (or `token:` in a targets file) gives one",
        ),
        cespec::webhook::CALLBACK => Some(
            "`callback` is not declared: a web hook target on loopback has it (cespec serves the callback URL it offers on loopback)",
        ),
        _ => None,
    }
}

/// Returns true when a target may declare `name`: a known capability, or an
/// `adapter:<feature>` name, which marks something the adapter supplies
/// because the implementation lacks it (reports show those apart).
fn is_known_capability(name: &str, known: &BTreeSet<String>) -> bool {
    known.contains(name) || is_adapter_capability(name)
}

/// Returns true for a well-formed `adapter:<feature>` capability name.
fn is_adapter_capability(name: &str) -> bool {
    name.strip_prefix(ADAPTER_PREFIX)
        .is_some_and(|feature| !feature.is_empty() && !feature.contains(char::is_whitespace))
}

/// A target's known failures: a file still to load, or one a targets file loaded.
enum Known {
    Path(PathBuf),
    Loaded(Expectations),
}

type Targets = (Vec<PlannedTarget>, Vec<(String, Known)>);

/// Returns the targets of a run and, per target name, its expectations file.
fn targets(
    args: &TargetArgs,
    timeout: Duration,
    known: &BTreeSet<String>,
) -> Result<Targets, PlanError> {
    let caps = capabilities(&args.capabilities, known)?;
    let mut planned = Vec::new();
    let mut expectations = Vec::new();
    if args.start.is_some() && args.target.len() != 1 {
        return usage(
            "--start needs exactly one --target (a targets file names a start command per target)",
        );
    }
    let (extra_headers, token) = credentials(&args.credentials)?;
    let tls_client = tls_client(&args.credentials)?;
    for address in &args.target {
        let spec =
            TargetSpec::parse(address).map_err(|e| PlanError::Usage(format!("--target: {e}")))?;
        let options = OpenOptions {
            timeout,
            capabilities: caps.clone(),
            start: args.start.clone(),
            shell: args.shell,
            extra_headers: extra_headers.clone(),
            token: token.clone(),
            tls_client: tls_client.clone(),
            ..OpenOptions::default()
        };
        spec.check(&options)
            .map_err(|e| PlanError::Usage(format!("--target: {e}")))?;
        planned.push(PlannedTarget {
            name: address.clone(),
            address: address.clone(),
            spec: Some(spec),
            options,
            interop: true,
        });
    }
    if let Some(path) = &args.targets {
        let file = TargetsFile::load(path).map_err(load_error)?;
        for entry in file.targets {
            let invalid = |m: String| {
                load_error(anyhow::anyhow!(
                    "{}:{}: target {}: {m}",
                    path.display(),
                    entry.line,
                    entry.name
                ))
            };
            if let Some(unknown) = entry
                .capabilities
                .iter()
                .flatten()
                .find(|c| !is_known_capability(c, known))
            {
                return Err(invalid(format!("unknown capability {unknown:?}")));
            }
            if let Some(why) = entry
                .capabilities
                .iter()
                .flatten()
                .find_map(|c| given_not_declared(c))
            {
                return Err(invalid(why.to_owned()));
            }
            let base = OpenOptions {
                timeout,
                capabilities: caps.clone(),
                shell: args.shell,
                extra_headers: extra_headers.clone(),
                token: token.clone(),
                tls_client: tls_client.clone(),
                ..OpenOptions::default()
            };
            let options = entry.open_options(&base);
            entry
                .spec
                .check(&options)
                .map_err(|e| invalid(e.to_string()))?;
            if let Some(loaded) = entry.expectations.clone() {
                expectations.push((entry.name.clone(), Known::Loaded(loaded)));
            }
            planned.push(PlannedTarget {
                name: entry.name.clone(),
                address: entry.spec.to_string(),
                spec: Some(entry.spec.clone()),
                options,
                interop: entry.interop,
            });
        }
    }
    if planned.is_empty() {
        if caps.is_some() || args.start.is_some() || !extra_headers.is_empty() || token.is_some() {
            return usage("--capabilities, --start, --header and --token need a --target");
        }
        planned.push(PlannedTarget {
            name: "reference".into(),
            address: "loopback HTTP for HTTP cases, in-process for Kafka and JSON".into(),
            spec: None,
            options: OpenOptions {
                timeout,
                ..OpenOptions::default()
            },
            interop: true,
        });
    }
    let mut names = BTreeSet::new();
    if let Some(dup) = planned.iter().find(|t| !names.insert(t.name.as_str())) {
        return usage(format!("target {:?} is named twice", dup.name));
    }
    if let Some(path) = &args.expectations {
        if planned.len() != 1 {
            return usage(
                "--expectations needs exactly one target; a targets file names one per target",
            );
        }
        expectations.push((planned[0].name.clone(), Known::Path(path.clone())));
    }
    Ok((planned, expectations))
}

fn list(args: ListArgs, verbose: bool) -> Result<ListCommand, PlanError> {
    let catalog = catalog()?;
    let (mut selected, selection) = select(&args.select, &catalog)?;
    for suite in &mut selected {
        suite.cases.retain(|c| selection.matches(c));
    }
    let mode = if args.rules {
        ListMode::Rules
    } else if args.coverage {
        ListMode::Coverage
    } else {
        ListMode::Cases
    };
    Ok(ListCommand {
        selected,
        mode,
        verbose,
        catalog,
    })
}

/// Checks the `--header`s and `--token` of `run`, `prop` or `bench`.
pub(crate) fn credentials(
    args: &CredentialArgs,
) -> Result<(Vec<cespec::wire::Header>, Option<String>), PlanError> {
    let headers = args
        .headers
        .iter()
        .map(|h| cespec::target::http::extra_header(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PlanError::Usage(format!("--header: {e}")))?;
    Ok((headers, checked_token(args.token.clone())?))
}

/// Makes the TLS client of the `--ca-cert` files and the `--client-cert`
/// of `run`, `prop` or `bench`, once for every target: a file that is not
/// what it should be stops the plan with its path. `None` without either.
pub(crate) fn tls_client(
    args: &CredentialArgs,
) -> Result<Option<std::sync::Arc<rustls::ClientConfig>>, PlanError> {
    let client = match (&args.client_cert, &args.client_key) {
        (Some(cert), Some(key)) => Some(cespec::tls::Identity { cert, key }),
        _ => None,
    };
    if args.ca_cert.is_empty() && client.is_none() {
        return Ok(None);
    }
    cespec::tls::client_config(&args.ca_cert, client)
        .map(Some)
        .map_err(load_error)
}

/// Checks a `--token`: an RFC 6750 bearer token.
fn checked_token(token: Option<String>) -> Result<Option<String>, PlanError> {
    token
        .as_deref()
        .map(cespec::target::http::bearer_token)
        .transpose()
        .map_err(|e| PlanError::Usage(format!("--token: {e}")))
}

fn serve_config(args: &ServerArgs) -> Result<ServeConfig, PlanError> {
    // Made now, so that a bad file stops the plan with its path.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            cespec::tls::server_config(cespec::tls::Identity { cert, key }, &args.client_ca)
                .map_err(load_error)?,
        ),
        _ => None,
    };
    Ok(ServeConfig {
        tls,
        addr: SocketAddr::new(args.bind, args.port),
        limits: Limits {
            max_body_bytes: parse_size("--max-body-size", &args.max_body_size)?,
            max_header_bytes: parse_size("--max-header-size", &args.max_header_size)?,
            max_headers: args.max_headers,
            max_connections: args.max_connections,
            request_timeout: parse_duration("--request-timeout", &args.request_timeout)?,
            ..Limits::default()
        },
        ..ServeConfig::default()
    })
}

fn callback_method(method: CallbackMethodArg) -> CallbackMethod {
    match method {
        CallbackMethodArg::Get => CallbackMethod::Get,
        CallbackMethodArg::Post => CallbackMethod::Post,
    }
}

fn listen(args: ListenArgs, display: DisplayConfig) -> Result<ListenCommand, PlanError> {
    let server = serve_config(&args.server)?;
    let match_by = match args.match_by {
        MatchByArg::Id => MatchBy::Id,
        MatchByArg::Type => MatchBy::Type,
    };
    let expected = args
        .expect
        .as_deref()
        .map(|path| ExpectedEvents::load(path, match_by))
        .transpose()
        .map_err(load_error)?;
    let throttle = match args.throttle_every {
        None => None,
        Some(0 | 1) => {
            return usage(
                "--throttle-every: N is at least 2 (1 would answer every delivery 429, none would get through)",
            );
        }
        Some(every) => Some((every, args.retry_after)),
    };
    if matches!(args.redirect_every, Some(0 | 1)) {
        return usage(
            "--redirect-every: N is at least 2 (1 would redirect every delivery, none would get through)",
        );
    }
    let redirect_every = args.redirect_every;
    let callback_tls = if args.ca_cert.is_empty() {
        None
    } else {
        Some(cespec::tls::client_config(&args.ca_cert, None).map_err(load_error)?)
    };
    Ok(ListenCommand {
        config: ListenConfig {
            addr: server.addr,
            limits: server.limits,
            expected,
            stop_after: args.count.map(NonZeroUsize::get),
            timeout: args
                .timeout
                .as_deref()
                .map(|d| parse_duration("--timeout", d))
                .transpose()?,
            judging: JudgeOptions {
                strict: args.strict,
                released_spec: args.released_spec,
            },
            target: "sender".into(),
            webhook: args.webhook,
            grant_rate: args.grant_rate.map(std::num::NonZeroU32::get),
            tls: server.tls,
            token: checked_token(args.token)?,
            throttle,
            redirect_every,
            retire_after: args.retire_after,
            grant_by_callback: args.grant_by_callback.map(callback_method),
            callback_tls,
        },
        display,
        catalog: catalog()?,
        reports: report_files(&args.reports)?,
    })
}

fn encodings(flag: &str, names: &[String]) -> Result<Vec<Encoding>, PlanError> {
    names
        .iter()
        .map(|e| {
            e.parse::<Encoding>()
                .or_else(|m| usage(format!("{flag}: {m}")))
        })
        .collect()
}

fn prop(args: PropArgs, display: DisplayConfig) -> Result<PropCommand, PlanError> {
    let timeout = parse_duration("--timeout", &args.timeout)?;
    let only = encodings("--encoding", &args.encoding)?;
    let spec =
        TargetSpec::parse(&args.target).map_err(|e| PlanError::Usage(format!("--target: {e}")))?;
    if matches!(spec, TargetSpec::Receiver { .. }) {
        return usage(
            "--target: prop needs an echo target; a receiver: target answers with a status only",
        );
    }
    let mut known = all_capabilities();
    known.insert(RECEIVER_ONLY.to_owned());
    let (extra_headers, token) = credentials(&args.credentials)?;
    let options = OpenOptions {
        timeout,
        capabilities: capabilities(&args.capabilities, &known)?,
        start: args.start.clone(),
        shell: args.shell,
        extra_headers,
        token,
        tls_client: tls_client(&args.credentials)?,
        ..OpenOptions::default()
    };
    spec.check(&options)
        .map_err(|e| PlanError::Usage(format!("--target: {e}")))?;
    let target = PlannedTarget {
        name: args.target.clone(),
        address: args.target.clone(),
        spec: Some(spec),
        options,
        interop: false,
    };
    let mode = if args.mutations {
        let select_args = SelectArgs {
            suites: args.suites,
            cases: args.cases_glob,
            suite: args.suite,
            rule: Vec::new(),
            level: None,
            encoding: args.encoding,
        };
        let catalog = catalog()?;
        let (suites, selection) = select(&select_args, &catalog)?;
        let cases = suites
            .into_iter()
            .flat_map(|s| s.cases)
            .filter(|c| selection.matches(c) && c.expect.verdict == Verdict::Accept)
            .collect();
        PropMode::Mutations { cases }
    } else {
        let (seed, clock_seed) = match args.seed {
            Some(seed) => (seed, false),
            None => (super::clock::seed(), true),
        };
        if args.cases == 0 {
            return usage("--cases: give at least 1");
        }
        // The file itself is read or created only when there is a case to
        // save; a directory that does not exist is known now.
        if let Some(path) = &args.save_cases {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            if let Some(dir) = dir.filter(|d| !d.is_dir()) {
                return Err(load_error(anyhow::anyhow!(
                    "--save-cases: {}: the directory {} does not exist",
                    path.display(),
                    dir.display()
                )));
            }
        }
        PropMode::RoundTrip {
            options: PropOptions {
                cases: args.cases,
                seed,
                time_budget: args
                    .time_budget
                    .as_deref()
                    .map(|d| parse_duration("--time-budget", d))
                    .transpose()?,
                encodings: (!only.is_empty()).then_some(only),
            },
            clock_seed,
            save: args.save_cases,
        }
    };
    Ok(PropCommand {
        target,
        mode,
        strict: args.strict,
        display,
    })
}

/// Reads a saved report; the error names the file.
fn read_report(path: &Path) -> Result<Report, PlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        load_error(LoadError::Io {
            path: path.to_owned(),
            source,
        })
    })?;
    cespec::report::json::from_str(&text).map_err(|e| {
        load_error(LoadError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })
    })
}

/// Returns the format a file name's extension names.
fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "xml" => Some(Format::Junit),
        "md" | "markdown" => Some(Format::Markdown),
        "html" | "htm" => Some(Format::Html),
        _ => None,
    }
}

fn report(args: ReportArgs) -> Result<ReportCommand, PlanError> {
    let format = args.format.map(|f| match f {
        ReportFormatArg::Html => Format::Html,
        ReportFormatArg::Markdown => Format::Markdown,
        ReportFormatArg::Junit => Format::Junit,
        ReportFormatArg::Json => Format::Json,
    });
    // What to write is settled before any file is read, so that a usage
    // error is reported as one.
    enum Wanted {
        Diff(PathBuf, DiffFormat),
        Render(Format),
        Nothing,
    }
    let wanted = match (&args.baseline, format) {
        (Some(base), None) => Wanted::Diff(base.clone(), DiffFormat::Text),
        (Some(base), Some(Format::Markdown)) => Wanted::Diff(base.clone(), DiffFormat::Markdown),
        (Some(base), Some(Format::Json)) => Wanted::Diff(base.clone(), DiffFormat::Json),
        (Some(_), Some(other)) => {
            return usage(format!(
                "--baseline writes the differences as text, markdown or json, not {other}"
            ));
        }
        (None, Some(format)) => Wanted::Render(format),
        (None, None) => match args.out.as_deref() {
            Some(out) => match format_of(out) {
                Some(format) => Wanted::Render(format),
                None => {
                    return usage(format!(
                        "--out: cannot tell the format from the name {}; add --format",
                        out.display()
                    ));
                }
            },
            None if args.badges.is_some() => Wanted::Nothing,
            None => Wanted::Render(Format::Markdown),
        },
    };
    let report = match (&args.input, args.merge.as_slice()) {
        (Some(input), []) => read_report(input)?,
        (None, []) => return usage("give a report to read (INPUT) or --merge REPORT..."),
        (_, paths) => {
            let reports = paths
                .iter()
                .map(|p| read_report(p))
                .collect::<Result<Vec<_>, _>>()?;
            compare::merge(reports).map_err(|e| load_error(anyhow::anyhow!("--merge: {e}")))?
        }
    };
    let action = match wanted {
        Wanted::Diff(base, format) => ReportAction::Diff {
            baseline: Box::new(read_report(&base)?),
            format,
        },
        Wanted::Render(format) => ReportAction::Render(format),
        Wanted::Nothing => ReportAction::Nothing,
    };
    if let Some(dir) = &args.badges {
        std::fs::create_dir_all(dir).map_err(|source| {
            let error = anyhow::Error::from(LoadError::Io {
                path: dir.clone(),
                source,
            });
            load_error(error.context("--badges"))
        })?;
    }
    let (action, parts) = match (action, &args.out) {
        (ReportAction::Render(format), Some(out)) if args.split_targets => (
            ReportAction::Split(format),
            part_files(&report, out, format)?,
        ),
        (action, _) => (action, Vec::new()),
    };
    let out = match &args.out {
        // Split into JSON, JUnit or Markdown, --out only names the parts.
        Some(_) if matches!(action, ReportAction::Split(f) if f != Format::Html) => None,
        Some(path) => Some((
            path.clone(),
            create(path).map_err(|e| load_error(e.context("--out")))?,
        )),
        None => None,
    };
    Ok(ReportCommand {
        report,
        action,
        out,
        badges: args.badges,
        parts,
    })
}

/// Creates one file per target of `report` next to `out`, named
/// `<out's stem>.<target>.<format's extension>`.
fn part_files(
    report: &Report,
    out: &Path,
    format: Format,
) -> Result<Vec<(PathBuf, std::fs::File)>, PlanError> {
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("report");
    let dir = out.parent().unwrap_or(Path::new(""));
    split::file_names(
        report,
        &format!("{stem}."),
        &format!(".{}", format.extension()),
    )
    .into_iter()
    .map(|name| {
        let path = dir.join(name);
        let file = create(&path).map_err(|e| load_error(e.context("--split-targets")))?;
        Ok((path, file))
    })
    .collect()
}

/// Parses `500ms`, `5s`, `2m`, `1h` or a bare number of seconds; zero is refused.
pub fn parse_duration(flag: &str, text: &str) -> Result<Duration, PlanError> {
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => {
            return usage(format!(
                "{flag}: {text:?} is not a duration (`500ms`, `5s`, `2m`, `1h`)"
            ));
        }
    };
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && (n * scale).is_finite() => Ok(Duration::from_secs_f64(n * scale)),
        _ => usage(format!(
            "{flag}: {text:?} is not a positive duration (`500ms`, `5s`, `2m`, `1h`)"
        )),
    }
}

/// Parses a size: bytes, or a number with `KiB`, `MiB`, `GiB` (also `K`,
/// `KB`, `M`, `MB`, `G`, `GB`, all as powers of 1024).
pub fn parse_size(flag: &str, text: &str) -> Result<usize, PlanError> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return usage(format!(
                "{flag}: {text:?} is not a size (`65536`, `64KiB`, `4MiB`)"
            ));
        }
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .map_or_else(
            || {
                usage(format!(
                    "{flag}: {text:?} is not a size (`65536`, `64KiB`, `4MiB`)"
                ))
            },
            Ok,
        )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn env() -> Env {
        Env {
            is_terminal: false,
            is_ci: false,
            no_color: false,
            term_dumb: false,
            parallelism: NonZeroUsize::new(3).unwrap(),
        }
    }

    fn plan_of(args: &[&str]) -> Result<Plan, PlanError> {
        let cli =
            Cli::try_parse_from(std::iter::once("cespec").chain(args.iter().copied())).unwrap();
        plan(cli, &env())
    }

    fn usage_message(args: &[&str]) -> String {
        match plan_of(args) {
            Err(PlanError::Usage(m)) => m,
            Err(PlanError::Load(e)) => panic!("expected a usage error, got a load error: {e:#}"),
            Ok(_) => panic!("expected a usage error for {args:?}"),
        }
    }

    #[test]
    fn unknown_encodings_suites_rules_and_capabilities_are_usage_errors() {
        let m = usage_message(&["run", "--encoding", "http-binary,carrier-pigeon"]);
        assert!(
            m.starts_with("--encoding: unknown encoding \"carrier-pigeon\"; expected one of json,"),
            "{m}"
        );
        assert!(
            usage_message(&["run", "--suite", "nope"]).starts_with("--suite: no suite \"nope\"")
        );
        assert!(
            usage_message(&["list", "--rule", "NO-SUCH-RULE"]).contains("no rule NO-SUCH-RULE")
        );
        let m = usage_message(&[
            "run",
            "--target",
            "reference",
            "--capabilities",
            "json,telepathy",
        ]);
        assert!(m.contains("unknown capability \"telepathy\""), "{m}");
        assert!(
            matches!(plan_of(&["list", "--rule", "HTTP-*"]), Ok(Plan::List(_))),
            "globs are not checked"
        );
    }

    #[test]
    fn adapter_capabilities_are_accepted_everywhere() {
        let Ok(Plan::Run(run)) = plan_of(&[
            "run",
            "--target",
            "reference",
            "--capabilities",
            "json,adapter:batch-writer",
        ]) else {
            panic!("adapter: capabilities on the command line");
        };
        let caps = run.targets[0].options.capabilities.clone().unwrap();
        assert!(caps.contains("adapter:batch-writer"));
        for bad in ["adapter:", "adapter:a b"] {
            let list = format!("json,{bad}");
            let m = usage_message(&["run", "--target", "reference", "--capabilities", &list]);
            assert!(m.contains("unknown capability"), "{bad}: {m}");
        }
        let file = temp("adapter-caps.yaml");
        std::fs::write(
            &file,
            "targets:\n  - name: a\n    address: reference\n    capabilities: [json, adapter:body-bytes]\n",
        )
        .unwrap();
        let Ok(Plan::Run(run)) = plan_of(&["run", "--targets", file.to_str().unwrap()]) else {
            panic!("adapter: capabilities in a targets file");
        };
        let caps = run.targets[0].options.capabilities.clone().unwrap();
        assert!(caps.contains("adapter:body-bytes"));
    }

    #[test]
    fn target_combinations_are_checked() {
        let m = usage_message(&[
            "run",
            "--target",
            "reference",
            "--target",
            "reference-http",
            "--expectations",
            "x.yaml",
        ]);
        assert!(
            m.starts_with("--expectations needs exactly one target"),
            "{m}"
        );
        let m = usage_message(&["run", "--target", "reference", "--target", "reference"]);
        assert_eq!(m, "target \"reference\" is named twice");
        assert!(
            usage_message(&["run", "--target", "ftp://x"])
                .starts_with("--target: target \"ftp://x\"")
        );
        assert!(usage_message(&["run", "--capabilities", "json"]).contains("need a --target"));
        assert!(usage_message(&["run", "-H", "X-Key: k"]).contains("need a --target"));
        let m = usage_message(&["listen", "--webhook", "--throttle-every", "1"]);
        assert!(m.starts_with("--throttle-every: N is at least 2"), "{m}");
        let Ok(Plan::Listen(listen)) = plan_of(&["listen", "--webhook", "--throttle-every", "3"])
        else {
            panic!("plans")
        };
        assert_eq!(listen.config.throttle, Some((3, 2)));
        let m = usage_message(&["listen", "--webhook", "--redirect-every", "1"]);
        assert!(m.starts_with("--redirect-every: N is at least 2"), "{m}");
        for (args, method) in [
            (&["--grant-by-callback"][..], CallbackMethod::Get),
            (&["--grant-by-callback", "post"][..], CallbackMethod::Post),
        ] {
            let Ok(Plan::Listen(listen)) = plan_of(&[&["listen", "--webhook"][..], args].concat())
            else {
                panic!("plans {args:?}")
            };
            assert_eq!(listen.config.grant_by_callback, Some(method));
        }
        // serve grants by callback as the listener does.
        let Ok(Plan::Serve(serve)) =
            plan_of(&["serve", "--webhook", "--grant-by-callback", "post"])
        else {
            panic!("plans serve")
        };
        assert_eq!(serve.config.grant_by_callback, Some(CallbackMethod::Post));
        // Without --webhook there is no handshake to grant.
        for command in ["listen", "serve"] {
            assert!(
                Cli::try_parse_from(["cespec", command, "--grant-by-callback"]).is_err(),
                "{command} --grant-by-callback needs --webhook"
            );
        }
    }

    #[test]
    fn extra_headers_go_to_http_targets_once_checked() {
        let target = ["run", "--target", "receiver:http://127.0.0.1:9/"];
        let Ok(Plan::Run(run)) =
            plan_of(&[&target[..], &["-H", "Authorization: Bearer t0k"]].concat())
        else {
            panic!("plans")
        };
        assert_eq!(
            run.targets[0].options.extra_headers,
            [("authorization".to_owned(), b"Bearer t0k".to_vec())]
        );
        let m = usage_message(&[&target[..], &["--header", "Content-Type: text/plain"]].concat());
        assert!(
            m.starts_with("--header: Content-Type is the case's to set"),
            "{m}"
        );
        let m = usage_message(&["run", "--target", "reference", "--header", "X-Key: k"]);
        assert!(
            m.contains("extra headers go with http:// and receiver: targets"),
            "{m}"
        );
    }

    #[test]
    fn a_token_goes_to_one_http_target_once_checked() {
        let target = ["run", "--target", "receiver:http://127.0.0.1:9/"];
        let Ok(Plan::Run(run)) = plan_of(&[&target[..], &["--token", "mF_9.B5f-4.1JqM"]].concat())
        else {
            panic!("plans")
        };
        assert_eq!(
            run.targets[0].options.token.as_deref(),
            Some("mF_9.B5f-4.1JqM")
        );
        for (args, says) in [
            (
                &["--token", "a b"][..],
                "--token: \"a b\" is not a bearer token",
            ),
            (
                &["--token", "t", "-H", "Authorization: Bearer t"][..],
                "both a token and an Authorization header",
            ),
            (
                &["--capabilities", "webhook,token"][..],
                "`token` is not declared",
            ),
            (
                &["--capabilities", "webhook,callback"][..],
                "`callback` is not declared",
            ),
        ] {
            let m = usage_message(&[&target[..], args].concat());
            assert!(m.contains(says), "{args:?}: {m}");
        }
        let m = usage_message(&["run", "--target", "reference", "--token", "t"]);
        assert!(
            m.contains("a token goes with http:// and receiver: targets"),
            "{m}"
        );
        let m = usage_message(&["run", "--token", "t"]);
        assert!(m.contains("--token need a --target"), "{m}");
        let m = usage_message(&["serve", "--webhook", "--token", "t t"]);
        assert!(m.starts_with("--token: "), "{m}");
        // prop takes them too, for an HTTP target.
        let prop = [
            "prop",
            "--target",
            "http://127.0.0.1:9/",
            "--token",
            "t0k",
            "-H",
            "X-K: v",
        ];
        let Ok(Plan::Prop(planned)) = plan_of(&prop) else {
            panic!("plans")
        };
        assert_eq!(planned.target.options.token.as_deref(), Some("t0k"));
        assert_eq!(planned.target.options.extra_headers.len(), 1);
        let m = usage_message(&["prop", "--target", "reference", "--token", "t0k"]);
        assert!(m.contains("a token goes with http://"), "{m}");
    }

    #[test]
    fn tls_files_are_read_when_the_plan_is_made() {
        let missing = "/nonexistent/ca.pem";
        for args in [
            &[
                "run",
                "--target",
                "https://127.0.0.1:9/",
                "--ca-cert",
                missing,
            ][..],
            &["serve", "--tls-cert", missing, "--tls-key", missing][..],
            &[
                "bench",
                "--target",
                "https://127.0.0.1:9/",
                "--client-cert",
                missing,
                "--client-key",
                missing,
            ][..],
        ] {
            match plan_of(args) {
                Err(PlanError::Load(e)) => {
                    assert!(format!("{e:#}").contains(missing), "{args:?}: {e:#}")
                }
                Err(PlanError::Usage(m)) => panic!("{args:?}: usage error {m}"),
                Ok(_) => panic!("{args:?} planned"),
            }
        }
        let not_pem = std::env::temp_dir().join(format!("cespec-not-pem-{}", std::process::id()));
        std::fs::write(&not_pem, "not a certificate\n").unwrap();
        let not_pem_text = not_pem.display().to_string();
        match plan_of(&[
            "prop",
            "--target",
            "https://127.0.0.1:9/",
            "--ca-cert",
            &not_pem_text,
        ]) {
            Err(PlanError::Load(e)) => {
                assert!(
                    format!("{e:#}").contains("holds no PEM certificate"),
                    "{e:#}"
                )
            }
            _ => panic!("a file without a certificate is refused"),
        }
        let _ = std::fs::remove_file(&not_pem);
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("--t", "5s").unwrap(), Duration::from_secs(5));
        assert_eq!(
            parse_duration("--t", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("--t", "2m").unwrap(),
            Duration::from_secs(120)
        );
        assert_eq!(
            parse_duration("--t", "1.5").unwrap(),
            Duration::from_millis(1500)
        );
        for bad in ["", "0s", "5 parsecs", "-1s", "s"] {
            assert!(parse_duration("--t", bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_size("--s", "64KiB").unwrap(), 65536);
        assert_eq!(parse_size("--s", "4MiB").unwrap(), 4 << 20);
        assert_eq!(parse_size("--s", "100").unwrap(), 100);
        assert!(parse_size("--s", "4 lots").is_err());
        assert!(matches!(
            plan_of(&["run", "--timeout", "soon"]),
            Err(PlanError::Usage(m)) if m.starts_with("--timeout: \"soon\"")
        ));
    }

    #[test]
    fn run_defaults() {
        let Ok(Plan::Run(run)) = plan_of(&["run", "--suite", "http-binary", "--level", "must"])
        else {
            panic!("a plan");
        };
        assert_eq!(
            run.run.options.jobs.get(),
            3,
            "jobs default to the parallelism"
        );
        assert_eq!(run.run.options.case_timeout, Duration::from_secs(5));
        assert_eq!(run.targets.len(), 1);
        assert_eq!(run.targets[0].name, "reference");
        assert_eq!(run.targets[0].spec, None);
        assert!(!run.run.cases.is_empty());
        assert!(
            run.run
                .cases
                .iter()
                .all(|c| c.suite == "http-binary" && c.level == Level::Must)
        );
        assert!(run.run.filtered_out > 0);
        assert_eq!(
            run.display,
            DisplayConfig::resolve(DisplayRequest::default(), false, false, false, false)
        );
        assert!(
            !run.run.options.judging.released_spec,
            "the main branch by default"
        );
        let Ok(Plan::Run(released)) = plan_of(&["run", "--released-spec"]) else {
            panic!("a plan");
        };
        assert!(released.run.options.judging.released_spec);
    }

    #[test]
    fn missing_files_are_load_errors() {
        let missing = [
            "run",
            "--target",
            "reference",
            "--expectations",
            "/nonexistent/known.yaml",
        ];
        assert!(matches!(plan_of(&missing), Err(PlanError::Load(_))));
        assert_eq!(
            plan_of(&missing).err().unwrap().exit_code(),
            exit_codes::LOAD_ERROR
        );
        assert!(matches!(
            plan_of(&["run", "--targets", "/nonexistent/t.yaml"]),
            Err(PlanError::Load(_))
        ));
    }

    fn load_message(args: &[&str]) -> String {
        match plan_of(args) {
            Err(PlanError::Load(e)) => crate::cli::describe(&e),
            Err(PlanError::Usage(m)) => panic!("expected a load error, got a usage error: {m}"),
            Ok(_) => panic!("expected a load error for {args:?}"),
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cespec-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn report_files_are_created_by_the_plan_and_checked_first() {
        let json = temp("r.json");
        let html = temp("r.html");
        let _ = std::fs::remove_file(&json);
        let Ok(Plan::Run(run)) = plan_of(&[
            "run",
            "--suite",
            "http-binary",
            "--json",
            json.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ]) else {
            panic!("a plan");
        };
        let formats: Vec<Format> = run.reports.iter().map(|r| r.format).collect();
        assert_eq!(formats, [Format::Json, Format::Html]);
        assert!(json.is_file(), "created before the run");

        let same = json.to_str().unwrap();
        let m = usage_message(&["run", "--json", same, "--markdown", same]);
        assert!(m.starts_with("--json and --markdown both write "), "{m}");

        let m = load_message(&["listen", "--junit", "/nonexistent/dir/r.xml"]);
        assert!(m.starts_with("--junit: /nonexistent/dir/r.xml: "), "{m}");
        // A usage error elsewhere creates no file.
        let untouched = temp("untouched.md");
        let _ = std::fs::remove_file(&untouched);
        usage_message(&[
            "run",
            "--timeout",
            "soon",
            "--markdown",
            untouched.to_str().unwrap(),
        ]);
        assert!(!untouched.exists());
    }

    #[test]
    fn report_usage_is_checked_before_any_file_is_read() {
        let m = usage_message(&[
            "report",
            "/nonexistent/r.json",
            "--baseline",
            "/nonexistent/b.json",
            "--format",
            "html",
        ]);
        assert!(
            m.starts_with("--baseline writes the differences as text"),
            "{m}"
        );
        let m = usage_message(&["report", "/nonexistent/r.json", "--out", "r.txt"]);
        assert!(m.contains("add --format"), "{m}");
        let m = load_message(&["report", "/nonexistent/r.json"]);
        assert!(m.starts_with("/nonexistent/r.json: "), "{m}");
        let m = load_message(&[
            "report",
            "--merge",
            "/nonexistent/a.json",
            "/nonexistent/b.json",
        ]);
        assert!(m.starts_with("/nonexistent/a.json: "), "{m}");
    }

    #[test]
    fn prop_plans() {
        let Ok(Plan::Prop(cmd)) = plan_of(&["prop"]) else {
            panic!("a plan");
        };
        assert_eq!(cmd.target.spec, Some(TargetSpec::Reference));
        let PropMode::RoundTrip {
            options,
            clock_seed,
            save,
        } = cmd.mode
        else {
            panic!("round trips");
        };
        assert!(clock_seed && save.is_none());
        assert_eq!((options.cases, options.encodings), (1000, None));

        let Ok(Plan::Prop(cmd)) = plan_of(&[
            "prop",
            "--seed",
            "7",
            "--encoding",
            "json,http-binary",
            "--time-budget",
            "30s",
        ]) else {
            panic!("a plan");
        };
        let PropMode::RoundTrip {
            options,
            clock_seed,
            ..
        } = cmd.mode
        else {
            panic!("round trips");
        };
        assert!(!clock_seed);
        assert_eq!(options.seed, 7);
        assert_eq!(options.time_budget, Some(Duration::from_secs(30)));
        assert_eq!(
            options.encodings,
            Some(vec![Encoding::Json, Encoding::HttpBinary])
        );

        let m = usage_message(&["prop", "--target", "receiver:http://127.0.0.1:9/"]);
        assert!(m.contains("prop needs an echo target"), "{m}");
        assert!(usage_message(&["prop", "--encoding", "smoke"]).starts_with("--encoding: "));
        let m = load_message(&["prop", "--save-cases", "/nonexistent/dir/found.yaml"]);
        assert!(m.contains("does not exist"), "{m}");

        let Ok(Plan::Prop(cmd)) = plan_of(&["prop", "--mutations", "--suite", "http-binary"])
        else {
            panic!("a plan");
        };
        let PropMode::Mutations { cases } = cmd.mode else {
            panic!("mutations");
        };
        assert!(!cases.is_empty());
        assert!(
            cases
                .iter()
                .all(|c| c.suite == "http-binary" && c.expect.verdict == Verdict::Accept)
        );
    }
}
