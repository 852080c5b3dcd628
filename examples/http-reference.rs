//! The reference implementation as an HTTP echo server on the address
//! given as the only argument (default `127.0.0.1:8080`), until killed.
//! It is `cespec serve` in a dozen lines, and what the tests start with
//! `--start` to exercise readiness and teardown of a real process.

use std::net::SocketAddr;
use std::process::ExitCode;

use cespec::server::serve::{ServeConfig, start};

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let Ok(addr) = addr.parse::<SocketAddr>() else {
        eprintln!("http-reference: {addr:?} is not an address like 127.0.0.1:8080");
        return ExitCode::from(2);
    };
    match start(ServeConfig {
        addr,
        ..ServeConfig::default()
    })
    .await
    {
        Ok(server) => {
            eprintln!("http-reference: listening on {}", server.url());
            std::future::pending::<()>().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("http-reference: {e}");
            ExitCode::from(1)
        }
    }
}
