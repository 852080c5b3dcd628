//! `cespec bench`: throughput and latency of any target, on the inputs of
//! the embedded `bench` suite. Its arguments, their validation into a
//! [`BenchCommand`] and its execution live here, so the command is one
//! file; `args.rs` and `plan.rs` only name it.
//!
//! Codec mode (any target) times echo exchanges one input at a time; load
//! mode (an `http://` or `receiver:` target) drives many connections,
//! closed loop or at a fixed `--rate`. Results print as a table, or as JSON
//! with `--json FILE` (`-` for stdout), which `cespec report` charts.
//! `--baseline FILE --threshold PCT` exits 6 when events/s fell further.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use cespec::bench::codec::{self, CodecOptions};
use cespec::bench::inputs::{Input, Inputs};
use cespec::bench::load::{self, LoadOptions};
use cespec::bench::result::{BenchReport, BenchResult, FORMAT_VERSION, regressions};
use cespec::codec::Encoding;
use cespec::exit_codes;
use cespec::target::http::{HttpOptions, add_credentials};
use cespec::target::reference::Reference;
use cespec::target::spec::{OpenOptions, TargetSpec};
use cespec::target::{InProcess, Target};
use cespec::wire::Message;
use clap::{Args, ValueEnum};

use crate::cli::Io;
use crate::cli::plan::{Env, PlanError, credentials, parse_duration, tls_client};

/// The help of `cespec bench`.
pub const ABOUT: &str = "\
Measure the throughput and latency of a target on the bench suite's inputs.

Codec mode (any target) times echo exchanges, one input at a time, the reply
asked in the input's own encoding. Load mode (http:// and receiver: targets)
drives many keep-alive connections: closed loop (each connection sends when
its previous response is complete), or open loop with --rate, latency then
measured from each request's intended send time. Replies are judged with the
reference (all, or one in N with --validate); a target that breaks a rule on
the bench inputs is flagged and never ranked fastest.

Only loopback targets are loaded unless --allow-remote is given. Durations
are capped at 10 minutes, --requests at 100,000,000, --rate at 1,000,000/s.

Inputs (--input): minimal, core, extensions-30, data-1kib, data-64kib,
binary, batch-1, batch-10, batch-100, batch-1000.

Examples:
  cespec bench                                         the reference, in process
  cespec bench --target cmd:./my-adapter --input core  a child process
  cespec serve --port 8080 &
  cespec bench --target http://127.0.0.1:8080/ -c 32 --duration 10s
  cespec bench --target http://127.0.0.1:8080/ --rate 20000 --json bench.json
  cespec bench --json now.json --baseline before.json --threshold 5";

/// `cespec bench` arguments.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The target address (see `cespec run --help`). Default: the reference, in process.
    #[arg(long, value_name = "ADDR")]
    pub target: Option<String>,

    /// codec or load. Default: load for http:// and receiver: targets, codec otherwise.
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,

    /// The bench inputs to use, by class (repeatable). Default: every class
    /// in codec mode, `core` in load mode.
    #[arg(long = "input", value_name = "CLASS")]
    pub inputs: Vec<String>,

    /// The encodings of the inputs (comma-separated). Default: every one the
    /// target supports in codec mode, http-binary in load mode.
    #[arg(long, value_name = "E", value_delimiter = ',')]
    pub encoding: Vec<String>,

    /// Connections (load mode).
    #[arg(short = 'c', long, value_name = "N", default_value_t = 32)]
    pub connections: usize,

    /// Driver threads, each with its own event loop (load mode).
    #[arg(short = 't', long, value_name = "N", default_value_t = 1)]
    pub threads: usize,

    /// How long to measure: the whole run in load mode (default 10s), each
    /// input in codec mode (default 1s).
    #[arg(short = 'd', long, value_name = "DURATION")]
    pub duration: Option<String>,

    /// Stop after N requests (load mode: in all; codec mode: per input).
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,

    /// Open loop at R requests per second (load mode).
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,

    /// Judge one reply in N (1 judges every reply).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub validate: u64,

    /// Allow load on addresses outside 127.0.0.0/8 and ::1.
    #[arg(long)]
    pub allow_remote: bool,

    /// How long one exchange may take.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub timeout: String,

    /// Write the results as JSON to FILE (`-` for stdout, instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Compare events/s with this earlier --json file; exit 6 on a regression.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// The regression threshold for --baseline, in percent.
    #[arg(long, value_name = "PCT", default_value_t = 5.0, requires = "baseline")]
    pub threshold: f64,

    /// Write a wrk Lua script that sends the same request as load mode (one
    /// input), then exit without measuring: for comparisons with wrk.
    #[arg(long, value_name = "FILE")]
    pub wrk_script: Option<PathBuf>,

    #[command(flatten)]
    pub credentials: crate::cli::args::CredentialArgs,
}

/// `--mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Codec,
    Load,
}

/// How a bench run goes.
pub enum Mode {
    Codec(CodecOptions),
    Load(LoadOptions),
}

/// `cespec bench`, validated.
pub struct BenchCommand {
    pub spec: TargetSpec,
    pub target_name: String,
    pub open: OpenOptions,
    pub mode: Mode,
    pub inputs: Vec<Input>,
    pub json: Option<JsonOut>,
    pub baseline: Option<(BenchReport, f64)>,
    pub cpus: usize,
    pub wrk_script: Option<PathBuf>,
}

/// Where `--json` goes. A file is opened when the plan is made, so that a
/// path that cannot be written (a directory, a missing folder) stops the
/// bench before it measures anything; it is opened without truncation and
/// emptied only when the results are written, so that a bench that fails
/// leaves what the file held (often the `--baseline` itself).
pub enum JsonOut {
    Stdout,
    File(PathBuf, std::fs::File),
}

impl JsonOut {
    fn plan(path: PathBuf) -> Result<Self, PlanError> {
        if path.as_os_str() == "-" {
            return Ok(Self::Stdout);
        }
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path);
        match opened {
            Ok(file) => Ok(Self::File(path, file)),
            Err(source) => Err(PlanError::Load(
                anyhow::Error::from(cespec::error::LoadError::Io { path, source })
                    .context("--json"),
            )),
        }
    }

    /// Replaces the file's content with `text` (a pipe or a device, which
    /// has no length, is written to as it is); the error names the file.
    fn write(path: &std::path::Path, file: &mut std::fs::File, text: &str) -> anyhow::Result<()> {
        let mut replace = || -> std::io::Result<()> {
            if file.metadata().is_ok_and(|m| m.is_file()) {
                file.set_len(0)?;
            }
            let mut out = std::io::BufWriter::new(&mut *file);
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            out.flush()
        };
        replace().with_context(|| format!("writing {}", path.display()))
    }
}

fn usage<T>(message: impl Into<String>) -> Result<T, PlanError> {
    Err(PlanError::Usage(message.into()))
}

/// Validates the arguments, loads the inputs and the baseline.
pub fn plan(args: BenchArgs, env: &Env) -> Result<BenchCommand, PlanError> {
    let address = args.target.clone().unwrap_or_else(|| "reference".into());
    let spec =
        TargetSpec::parse(&address).map_err(|e| PlanError::Usage(format!("--target: {e}")))?;
    let http = matches!(spec, TargetSpec::Http { .. } | TargetSpec::Receiver { .. });
    let mode = args
        .mode
        .unwrap_or(if http { ModeArg::Load } else { ModeArg::Codec });
    if mode == ModeArg::Load && !http {
        return usage("--mode load needs an http:// or receiver:http:// target");
    }
    if mode == ModeArg::Codec && args.rate.is_some() {
        return usage("--rate goes with load mode");
    }
    if args.validate == 0 {
        return usage("--validate: N must be at least 1 (1 judges every reply)");
    }
    if !(args.threshold >= 0.0 && args.threshold.is_finite()) {
        return usage("--threshold: a percentage of 0 or more");
    }
    let duration = args
        .duration
        .as_deref()
        .map(|d| parse_duration("--duration", d))
        .transpose()?;
    if duration.is_some_and(|d| d > load::MAX_DURATION) {
        return usage("--duration: at most 10 minutes");
    }
    if args
        .requests
        .is_some_and(|n| n == 0 || n > load::MAX_REQUESTS)
    {
        return usage(format!("--requests: 1 to {}", load::MAX_REQUESTS));
    }
    let timeout = parse_duration("--timeout", &args.timeout)?;
    let (extra_headers, token) = credentials(&args.credentials)?;
    let open = OpenOptions {
        timeout,
        extra_headers,
        token,
        tls_client: tls_client(&args.credentials)?,
        ..OpenOptions::default()
    };
    spec.check(&open)
        .map_err(|e| PlanError::Usage(format!("--target: {e}")))?;
    let all = Inputs::load().map_err(|e| PlanError::Load(e.into()))?;
    let encodings = args
        .encoding
        .iter()
        .map(|e| e.parse::<Encoding>().map_err(PlanError::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    for class in &args.inputs {
        if !all.inputs.iter().any(|i| &i.class == class) {
            return usage(format!(
                "--input: unknown class {class:?}; see `cespec bench --help`"
            ));
        }
    }
    let wanted = |i: &Input, default_classes: &[&str], default_encodings: &[Encoding]| {
        let class_ok = if args.inputs.is_empty() {
            default_classes.is_empty() || default_classes.contains(&i.class.as_str())
        } else {
            args.inputs.contains(&i.class)
        };
        let encoding_ok = if encodings.is_empty() {
            default_encodings.is_empty() || default_encodings.contains(&i.encoding)
        } else {
            encodings.contains(&i.encoding)
        };
        class_ok && encoding_ok
    };
    let (mode, inputs) = match mode {
        ModeArg::Codec => {
            let inputs: Vec<Input> = all
                .inputs
                .iter()
                .filter(|i| wanted(i, &[], &[]))
                .cloned()
                .collect();
            (
                Mode::Codec(CodecOptions {
                    duration: duration.unwrap_or(Duration::from_secs(1)),
                    max_requests: args.requests,
                    validate_every: args.validate,
                    ..CodecOptions::default()
                }),
                inputs,
            )
        }
        ModeArg::Load => {
            let http_only = [
                Encoding::HttpBinary,
                Encoding::HttpStructured,
                Encoding::HttpBatch,
            ];
            // The load driver writes its requests itself: they carry what an
            // HTTP target would add (--header, --token).
            let credentials = HttpOptions {
                extra_headers: open.extra_headers.clone(),
                token: open.token.clone(),
                ..HttpOptions::default()
            };
            let inputs: Vec<Input> = all
                .inputs
                .iter()
                .filter(|i| http_only.contains(&i.encoding))
                .filter(|i| {
                    let default_encoding: &[Encoding] = if i.class.starts_with("batch-") {
                        &[Encoding::HttpBatch]
                    } else {
                        &[Encoding::HttpBinary]
                    };
                    wanted(i, &["core"], default_encoding)
                })
                .cloned()
                .map(|mut input| {
                    if let Message::Http(m) = &mut input.message {
                        add_credentials(m, &credentials);
                    }
                    input
                })
                .collect();
            let (TargetSpec::Http { url } | TargetSpec::Receiver { url }) = &spec else {
                unreachable!("load mode was checked to have an HTTP target")
            };
            let options = LoadOptions {
                url: url.clone(),
                receiver: matches!(spec, TargetSpec::Receiver { .. }),
                connections: args.connections,
                threads: args.threads,
                duration: duration.or(args.requests.is_none().then(|| Duration::from_secs(10))),
                max_requests: args.requests,
                rate: args.rate,
                validate_every: args.validate,
                timeout,
                allow_remote: args.allow_remote,
                tls_client: open.tls_client.clone(),
                ..LoadOptions::default()
            };
            options
                .check()
                .map_err(|e| PlanError::Usage(e.to_string()))?;
            (Mode::Load(options), inputs)
        }
    };
    if inputs.is_empty() {
        return usage("no bench input matches --input and --encoding");
    }
    if args.wrk_script.is_some() && !(matches!(mode, Mode::Load(_)) && inputs.len() == 1) {
        return usage("--wrk-script goes with load mode and one input");
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the baseline {}", path.display()))
                .map_err(PlanError::Load)?;
            let report: BenchReport = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a cespec bench JSON file", path.display()))
                .map_err(PlanError::Load)?;
            Some((report, args.threshold))
        }
    };
    // Opened after the baseline is read: they may be the same file.
    let json = args.json.map(JsonOut::plan).transpose()?;
    Ok(BenchCommand {
        target_name: address,
        spec,
        open,
        mode,
        inputs,
        json,
        baseline,
        cpus: env.parallelism.get(),
        wrk_script: args.wrk_script,
    })
}

/// Facts about the machine for the report: CPUs, model, load average.
fn machine(cpus: usize) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    out.insert("cpus".into(), cpus.to_string());
    if let Ok(text) = std::fs::read_to_string("/proc/loadavg") {
        out.insert(
            "load-average".into(),
            text.split(' ').take(3).collect::<Vec<_>>().join(" "),
        );
    }
    if let Some(model) = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, m)| m.trim().to_owned())
    }) {
        out.insert("cpu-model".into(), model);
    }
    out
}

fn row_line(r: &BenchResult) -> String {
    let cpu = r
        .cpu
        .map(|c| format!("  cpu/req {:.1} µs", c.per_request_us))
        .unwrap_or_default();
    let verdict = if r.conformant {
        String::from("conformant")
    } else {
        format!(
            "NOT CONFORMANT ({} of {} judged)",
            r.non_conformant, r.validated
        )
    };
    format!(
        "{:<38} {:>12.0} ev/s {:>12.0} req/s {:>8.1} MB/s  p50 {:.0} p90 {:.0} p99 {:.0} p99.9 {:.0} max {:.0} µs  errors {}{cpu}  {verdict}",
        r.name,
        r.events_per_second,
        r.requests_per_second,
        r.megabytes_per_second,
        r.latency.p50,
        r.latency.p90,
        r.latency.p99,
        r.latency.p99_9,
        r.latency.max,
        r.errors,
    )
}

/// Returns `bytes` as a Lua string literal (decimal escapes for anything
/// but printable ASCII, quotes and backslashes).
fn lua_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\{b:03}"));
        }
    }
    out.push('"');
    out
}

/// Returns a wrk script sending `input` as load mode sends it.
fn wrk_script(input: &Input, reply: Encoding) -> String {
    let cespec::wire::Message::Http(m) = &input.message else {
        return String::new();
    };
    let mut out = format!(
        "-- Generated by `cespec bench --wrk-script`: {} as cespec bench sends it.\n",
        input.case_id
    );
    let method = if m.method.is_empty() {
        "POST"
    } else {
        &m.method
    };
    out.push_str(&format!("wrk.method = {}\n", lua_string(method.as_bytes())));
    out.push_str(&format!("wrk.body = {}\n", lua_string(&m.body)));
    for (name, value) in &m.headers {
        out.push_str(&format!(
            "wrk.headers[{}] = {}\n",
            lua_string(name.as_bytes()),
            lua_string(value)
        ));
    }
    let mode = match reply {
        Encoding::HttpStructured => "structured",
        Encoding::HttpBatch => "batch",
        _ => "binary",
    };
    out.push_str(&format!("wrk.headers[\"x-echo-mode\"] = \"{mode}\"\n"));
    out
}

/// Runs the benchmark, prints or writes the results, compares the baseline.
pub async fn execute(cmd: BenchCommand, mut io: Io) -> anyhow::Result<i32> {
    let BenchCommand {
        spec,
        target_name,
        open,
        mode,
        inputs,
        json,
        baseline,
        cpus,
        wrk_script: script,
    } = cmd;
    if let (Some(path), Some(input)) = (&script, inputs.first()) {
        let reply = match input.encoding {
            Encoding::HttpStructured | Encoding::HttpBatch => input.encoding,
            _ => Encoding::HttpBinary,
        };
        std::fs::write(path, wrk_script(input, reply))
            .with_context(|| format!("writing {}", path.display()))?;
        return Ok(exit_codes::SUCCESS);
    }
    let mut report = BenchReport {
        format_version: FORMAT_VERSION,
        tool: format!("cespec {}", env!("CARGO_PKG_VERSION")),
        mode: String::new(),
        machine: machine(cpus),
        results: Vec::new(),
    };
    match mode {
        Mode::Codec(options) => {
            report.mode = "codec".into();
            // The reference is timed inline: `open` would put each echo on
            // a blocking thread (so a run's case timeout bounds it), and the
            // thread hop would be most of what a codec benchmark measures.
            let target: Box<dyn Target> = match (&spec, &open.capabilities) {
                (TargetSpec::Reference, None) => Box::new(InProcess(Reference)),
                _ => spec
                    .open(&open)
                    .await
                    .with_context(|| format!("opening {target_name}"))?,
            };
            report.results = codec::run(target.as_ref(), &target_name, &inputs, &options).await;
            target.shutdown().await;
        }
        Mode::Load(options) => {
            report.mode = "load".into();
            for input in inputs {
                let reply = match input.encoding {
                    Encoding::HttpStructured => Encoding::HttpStructured,
                    Encoding::HttpBatch => Encoding::HttpBatch,
                    _ => Encoding::HttpBinary,
                };
                let options = LoadOptions {
                    reply,
                    ..options.clone()
                };
                let name = target_name.clone();
                let row = tokio::task::spawn_blocking(move || load::run(&input, &name, &options))
                    .await??;
                report.results.push(row);
            }
        }
    }
    let text = serde_json::to_string_pretty(&report)?;
    // The table comes first: if the file cannot be written, the figures
    // are still on the screen.
    if let Some(JsonOut::Stdout) = json {
        writeln!(io.out, "{text}")?;
    } else {
        writeln!(io.out, "cespec bench: {} mode, {target_name}", report.mode)?;
        for row in &report.results {
            writeln!(io.out, "{}", row_line(row))?;
            if let Some(problem) = &row.first_problem {
                writeln!(io.out, "    first problem: {problem}")?;
            }
        }
        io.out.flush()?;
    }
    if let Some(JsonOut::File(path, mut file)) = json {
        JsonOut::write(&path, &mut file, &text)?;
    }
    if let Some((before, threshold)) = baseline {
        let found = regressions(&report, &before, threshold);
        for r in &found {
            writeln!(
                io.err,
                "regression: {} on {}: {:.0} -> {:.0} events/s (-{:.1}%, threshold {threshold}%)",
                r.name, r.target, r.baseline, r.current, r.percent
            )?;
        }
        if !found.is_empty() {
            return Ok(exit_codes::BENCH_REGRESSION);
        }
    }
    if report.results.iter().all(|r| r.events == 0) {
        return Ok(exit_codes::ERRORS);
    }
    Ok(exit_codes::SUCCESS)
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use clap::Parser as _;

    use super::*;
    use crate::cli::Cli;
    use crate::cli::args::Command;

    fn env() -> Env {
        Env {
            is_terminal: false,
            is_ci: false,
            no_color: true,
            term_dumb: false,
            parallelism: NonZeroUsize::MIN,
        }
    }

    fn planned(args: &[&str]) -> Result<BenchCommand, PlanError> {
        let cli = Cli::try_parse_from([&["cespec", "bench"], args].concat()).unwrap();
        let Command::Bench(args) = cli.command else {
            unreachable!("a bench command line")
        };
        plan(args, &env())
    }

    fn usage_of(args: &[&str]) -> String {
        match planned(args) {
            Err(PlanError::Usage(m)) => m,
            Err(PlanError::Load(e)) => panic!("load error: {e}"),
            Ok(_) => panic!("{args:?} planned"),
        }
    }

    #[test]
    fn modes_inputs_and_bounds() {
        let codec = planned(&[]).unwrap();
        assert!(matches!(codec.mode, Mode::Codec(_)));
        assert!(codec.inputs.len() > 20, "every class in every encoding");
        let load = planned(&["--target", "http://127.0.0.1:9/", "-c", "8"]).unwrap();
        let Mode::Load(options) = &load.mode else {
            panic!("load mode for an http target")
        };
        assert_eq!(options.connections, 8);
        assert_eq!(options.duration, Some(Duration::from_secs(10)));
        assert_eq!(load.inputs.len(), 1);
        assert_eq!(load.inputs[0].case_id, "bench/core.http-binary");
        let batch = planned(&["--target", "http://127.0.0.1:9/", "--input", "batch-100"]).unwrap();
        assert_eq!(batch.inputs[0].encoding, Encoding::HttpBatch);
        assert!(usage_of(&["--target", "http://192.0.2.7/"]).contains("loopback"));
        assert!(usage_of(&["--rate", "10"]).contains("load mode"));
        assert!(usage_of(&["--mode", "load"]).contains("http://"));
        assert!(usage_of(&["--input", "huge"]).contains("unknown class"));
        assert!(usage_of(&["--duration", "11m"]).contains("10 minutes"));
        assert!(usage_of(&["--validate", "0"]).contains("at least 1"));
        assert!(usage_of(&["--target", "http://127.0.0.1:9/", "--rate", "5e6"]).contains("rate"));
        assert!(matches!(
            planned(&["--baseline", "/nonexistent/bench.json"]),
            Err(PlanError::Load(_))
        ));
        // A --json path that cannot be written stops the plan, before any
        // measuring, naming the option and the path.
        let dir = std::env::temp_dir();
        let Err(PlanError::Load(e)) = planned(&["--json", dir.to_str().unwrap()]) else {
            panic!("a directory is no --json file")
        };
        assert!(
            format!("{e:#}").starts_with(&format!("--json: {}", dir.display())),
            "{e:#}"
        );
    }

    /// The --json file is opened when the plan is made but keeps what it
    /// held until the results are written over it (it may be the baseline
    /// of a bench that then fails), and a pipe or a device is written to as
    /// it is.
    #[test]
    fn the_json_file_keeps_its_content_until_the_results_replace_it() {
        let path = std::env::temp_dir().join(format!("cespec-bench-{}.json", std::process::id()));
        std::fs::write(&path, "what the baseline held, longer than the results\n").unwrap();
        let Ok(BenchCommand {
            json: Some(JsonOut::File(opened, mut file)),
            ..
        }) = planned(&["--json", path.to_str().unwrap()])
        else {
            panic!("plans a file")
        };
        assert_eq!(opened, path);
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with("what the baseline")
        );
        JsonOut::write(&path, &mut file, "{}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            planned(&["--json", "-"]),
            Ok(BenchCommand {
                json: Some(JsonOut::Stdout),
                ..
            })
        ));
    }

    #[test]
    fn a_key_and_a_token_go_with_every_load_request_and_the_wrk_script() {
        let args = [
            "--target",
            "receiver:http://127.0.0.1:9/",
            "-H",
            "X-Api-Key: k3y",
            "--token",
            "t0k",
        ];
        let load = planned(&args).unwrap();
        let Message::Http(m) = &load.inputs[0].message else {
            panic!("an HTTP input")
        };
        assert_eq!(m.header("authorization"), Some("Bearer t0k"));
        assert_eq!(m.header("x-api-key"), Some("k3y"));
        assert_eq!(load.open.token.as_deref(), Some("t0k"));
        let script = wrk_script(&load.inputs[0], Encoding::HttpBinary);
        assert!(
            script.contains("wrk.headers[\"authorization\"] = \"Bearer t0k\""),
            "{script}"
        );
        assert!(usage_of(&["--token", "t0k"]).contains("a token goes with http://"));
        assert!(
            usage_of(&["--target", "http://127.0.0.1:9/", "--token", "a b"])
                .starts_with("--token: ")
        );
    }

    #[test]
    fn wrk_scripts_send_the_same_request() {
        let load = planned(&["--target", "http://127.0.0.1:9/", "--input", "minimal"]).unwrap();
        let script = wrk_script(&load.inputs[0], Encoding::HttpBinary);
        assert!(script.contains("wrk.method = \"POST\""), "{script}");
        assert!(
            script.contains("wrk.headers[\"ce-id\"] = \"bench-1\""),
            "{script}"
        );
        assert!(
            script.contains("wrk.headers[\"x-echo-mode\"] = \"binary\""),
            "{script}"
        );
        assert_eq!(lua_string(b"a\"\\\n"), "\"a\\034\\092\\010\"");
    }
}
