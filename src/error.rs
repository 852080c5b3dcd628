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
    #[error("{}: {message}", path.display())]
    Yaml { path: PathBuf, message: String },
    /// The file parsed but breaks a rule of its format.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}
