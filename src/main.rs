//! The `cespec` binary: parse the arguments, look the environment up once,
//! validate a plan, run it, map the outcome to an exit code. Everything else
//! lives in the library and in `cli`.

mod cli;

use std::io::{self, IsTerminal as _};
use std::num::NonZeroUsize;
use std::process::ExitCode;

use cespec::error::LoadError;
use cespec::exit_codes;
use clap::Parser as _;
use tracing_subscriber::EnvFilter;

use cli::plan::{self, Env};

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let env = environment();
    let ansi = io::stderr().is_terminal() && !env.no_color && !env.term_dumb;
    init_tracing(args.verbose, std::env::var("CESPEC_LOG").ok(), ansi);
    let code = match plan::plan(args, &env) {
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
        Ok(plan) => execute(plan),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}

/// Runs a plan on a fresh runtime and maps its end to an exit code.
fn execute(plan: plan::Plan) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return exit_codes::ERRORS;
        }
    };
    let io = cli::Io {
        // Errors name the stream, as they name a report file.
        out: Box::new(cli::Named {
            path: "standard output".into(),
            inner: io::stdout(),
        }),
        err: Box::new(io::stderr()),
    };
    let outcome = runtime.block_on(cli::execute(plan, io));
    // Everything the run waits for has finished; what is left is at most an
    // in-process echo that outlived its timeout on a blocking thread. Do
    // not wait for it (dropping the runtime would).
    runtime.shutdown_background();
    match outcome {
        Ok(code) => code,
        // The reader went away (`cespec list | head`): not an error, by Unix
        // convention (ripgrep does the same).
        Err(error) if is_broken_pipe(&error) => exit_codes::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", cli::describe(&error));
            if error.chain().any(|e| e.is::<LoadError>()) {
                exit_codes::LOAD_ERROR
            } else {
                exit_codes::ERRORS
            }
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Looks up, once, everything the display depends on.
fn environment() -> Env {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    // `CI=false` and `CI=0` mean no (insta's reading); the others are set
    // by GitHub Actions, GitLab, Jenkins, Azure Pipelines and Buildkite.
    let ci_flag = var("CI").is_some_and(|v| v != "false" && v != "0");
    let ci_vendor = [
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "JENKINS_URL",
        "TF_BUILD",
        "BUILDKITE",
    ]
    .iter()
    .any(|name| var(name).is_some());
    Env {
        is_terminal: io::stdout().is_terminal() && io::stderr().is_terminal(),
        is_ci: ci_flag || ci_vendor,
        no_color: var("NO_COLOR").is_some(),
        term_dumb: var("TERM").is_some_and(|t| t == "dumb"),
        parallelism: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
    }
}

/// Logs go to stderr, filtered by `CESPEC_LOG` (`RUST_LOG` syntax); without
/// it, warnings only, or debug for cespec itself with `-vv`.
fn init_tracing(verbose: u8, filter: Option<String>, ansi: bool) {
    let default = if verbose >= 2 {
        "warn,cespec=debug"
    } else {
        "warn"
    };
    let filter = match filter.as_deref().map(EnvFilter::try_new) {
        Some(Ok(filter)) => filter,
        Some(Err(error)) => {
            eprintln!("warning: CESPEC_LOG is not a valid filter ({error}); using {default:?}");
            EnvFilter::new(default)
        }
        None => EnvFilter::new(default),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(ansi)
        .init();
}
