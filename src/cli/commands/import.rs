//! `cespec import FILE... --out DIR`: converts files of the official
//! CloudEvents conformance tool to cespec suites, one YAML file each.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use cespec::error::LoadError;
use cespec::exit_codes;

use crate::cli::plan::ImportCommand;
use crate::cli::shims::suite::import;

/// Writes `OUT/<stem>.yaml` for every file; any failure stops with exit 3.
pub fn execute(cmd: &ImportCommand, mut out: Box<dyn Write + Send>) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&cmd.out).map_err(|source| LoadError::Io {
        path: cmd.out.clone(),
        source,
    })?;
    for file in &cmd.files {
        let stem = file.file_stem().unwrap_or(file.as_os_str());
        let target = cmd.out.join(Path::new(stem).with_extension("yaml"));
        if target.exists() && !cmd.force {
            return Err(LoadError::Invalid {
                path: target,
                message: "exists already (use --force to overwrite)".into(),
            }
            .into());
        }
        let yaml = import::import_file(file)?;
        std::fs::write(&target, yaml).with_context(|| format!("writing {}", target.display()))?;
        writeln!(out, "{} -> {}", file.display(), target.display())?;
    }
    Ok(exit_codes::SUCCESS)
}
