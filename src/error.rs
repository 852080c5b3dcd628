//! Library error types. A case that fails is *data* (see `runner::outcome`);
//! these errors are for things that stop work: a file that cannot be read or
//! parsed, a target that cannot be started. Every variant names its path.

use std::path::PathBuf;

use thiserror::Error;

/// A suite, fixture, catalog or config file could not be loaded (exit code 3).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A YAML or JSON syntax or shape error; `message` carries line and column.
    #[error("{}{}", path.display(), located(message))]
    Yaml { path: PathBuf, message: String },
    /// The file parsed but breaks a rule of its format.
    #[error("{}{}", path.display(), located(message))]
    Invalid { path: PathBuf, message: String },
}

/// A target could not be opened: a bad address, a program that does not
/// start or does not answer its handshake, a server that never became ready.
/// Failures of single exchanges are not errors but `Echo::Broken` results.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The target address (or the `--start` command) cannot be parsed.
    #[error("target {address:?}: {message}")]
    Address { address: String, message: String },
    /// The TLS client configuration could not be made (a `--ca-cert` file).
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// A program could not be spawned.
    #[error("cannot start {command:?}: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// A child process did not complete the `start` handshake.
    #[error("{command:?} did not complete the start handshake: {message}")]
    Handshake { command: String, message: String },
    /// A started server did not accept connections in time, or exited first.
    #[error("{command:?} did not become ready: {message}")]
    NotReady { command: String, message: String },
    /// An HTTP target cannot be reached (and no start command was given to
    /// start it): nothing accepts connections there, or its TLS certificate
    /// does not verify.
    #[error("{address} cannot be reached: {message}")]
    Unreachable { address: String, message: String },
    /// The in-process server could not be started.
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// An HTTP server (`cespec serve`, `cespec listen`) could not be started.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The certificate or key to serve HTTPS with could not be used.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// Joins a path and a message: `path:12:5: ...` when the message starts
/// with a `line:column: ` location (the compiler's style, so editors can
/// jump to it), `path: ...` otherwise.
fn located(message: &str) -> String {
    let mut parts = message.splitn(3, ':');
    let is_location = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(line), Some(column), Some(rest))
            if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
                && !column.is_empty() && column.bytes().all(|b| b.is_ascii_digit())
                && rest.starts_with(' ')
    );
    if is_location {
        format!(":{message}")
    } else {
        format!(": {message}")
    }
}

/// A case found by `cespec prop` could not be saved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SaveError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file exists but is not a suite the case can be added to;
    /// `message` may start with the line and column.
    #[error("{}{}", path.display(), located(message))]
    NotASuite { path: PathBuf, message: String },
    /// The case could not be written as YAML.
    #[error("{}: cannot write YAML: {message}", path.display())]
    Yaml { path: PathBuf, message: String },
}
