//! `cespec import FILE... --out DIR`: converts files of the official
//! CloudEvents conformance tool to cespec suites, one YAML file each.

use std::io::Write;

use anyhow::Context as _;
use cespec::error::LoadError;
use cespec::exit_codes;

use crate::cli::plan::ImportCommand;
use cespec::rules::Catalog;
use cespec::suite::import;

/// Writes `OUT/imported-<stem>.yaml` for every file; any failure stops with exit 3.
pub fn execute(cmd: &ImportCommand, mut out: Box<dyn Write + Send>) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&cmd.out).map_err(|source| LoadError::Io {
        path: cmd.out.clone(),
        source,
    })?;
    for file in &cmd.files {
        let catalog = Catalog::embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
        let imported = import::import_file(file, None, catalog)?;
        let target = cmd.out.join(format!("{}.yaml", imported.suite));
        if target.exists() && !cmd.force {
            return Err(LoadError::Invalid {
                path: target,
                message: "exists already (use --force to overwrite)".into(),
            }
            .into());
        }
        std::fs::write(&target, &imported.yaml)
            .with_context(|| format!("writing {}", target.display()))?;
        writeln!(
            out,
            "{} -> {} ({} cases)",
            file.display(),
            target.display(),
            imported.cases
        )?;
        for problem in &imported.problems {
            writeln!(out, "  note: {problem}")?;
        }
    }
    Ok(exit_codes::SUCCESS)
}
