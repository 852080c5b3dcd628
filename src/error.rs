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
