//! Reports (TEMPORARY in the `reports` branch: the CLI engineer owns this
//! file; see `reports_mod.rs` for the lines to add).

pub mod badge;
pub mod collect;
pub mod compare;
pub mod escape;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
mod schema;
pub mod transcript;
