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
    /// The file exists but is not a suite the case can be added to.
    #[error("{}: {message}", path.display())]
    NotASuite { path: PathBuf, message: String },
    /// The case could not be written as YAML.
    #[error("{}: cannot write YAML: {message}", path.display())]
    Yaml { path: PathBuf, message: String },
}
