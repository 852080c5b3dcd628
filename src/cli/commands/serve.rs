//! `cespec serve`: the reference implementation as an HTTP echo target,
//! until Ctrl-C.

use std::io::Write;

use cespec::exit_codes;

use crate::cli::plan::ServeCommand;
use cespec::server::serve;

/// Serves until interrupted; prints the address once ready.
pub async fn execute(cmd: ServeCommand, mut out: Box<dyn Write + Send>) -> anyhow::Result<i32> {
    let server = serve::start(cmd.config).await?;
    // Scripts wait for this line (with --port 0 it is the only way to learn
    // the port), so it is flushed at once.
    writeln!(out, "listening on {}", server.url().trim_end_matches('/'))?;
    out.flush()?;
    let interrupted = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    interrupted?;
    Ok(exit_codes::SUCCESS)
}
