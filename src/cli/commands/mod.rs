//! One file per command.

pub mod bench;
pub mod check;
pub mod import;
pub mod list;
pub mod listen;
pub mod run;
pub mod serve;
