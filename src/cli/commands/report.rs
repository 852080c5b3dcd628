//! `cespec report`: renders a saved report (or the merge of several) in
//! another format or as one file per target, diffs it against a baseline,
//! and writes badges. The plan has already read every input and created
//! every output; this only writes.

use std::io::{BufWriter, Write};

use cespec::exit_codes;
use cespec::report::{Format, badge, compare, html, split};

use super::Named;
use crate::cli::Io;
use crate::cli::plan::{DiffFormat, ReportAction, ReportCommand};

/// Writes what the command asks for; returns 1 when a baseline diff finds
/// a regression, 0 otherwise.
pub fn execute(cmd: ReportCommand, io: Io) -> anyhow::Result<i32> {
    let ReportCommand {
        report,
        action,
        out,
        badges,
        parts,
    } = cmd;
    let Io {
        out: stdout,
        mut err,
    } = io;
    let out_name = out.as_ref().and_then(|(path, _)| {
        let name = path.file_name()?.to_string_lossy().into_owned();
        Some(name)
    });
    let mut sink: Box<dyn Write> = match out {
        Some((path, file)) => Box::new(Named {
            path,
            inner: BufWriter::new(file),
        }),
        None => stdout,
    };
    let mut code = exit_codes::SUCCESS;
    match action {
        ReportAction::Render(format) => format.render(&report, &mut sink)?,
        ReportAction::Diff { baseline, format } => {
            let diff = compare::diff(&baseline, &report);
            match format {
                DiffFormat::Text => compare::write_text(&diff, &mut sink)?,
                DiffFormat::Markdown => compare::write_markdown(&diff, &mut sink)?,
                DiffFormat::Json => {
                    serde_json::to_writer_pretty(&mut sink, &diff)?;
                    sink.write_all(b"\n")?;
                }
            }
            code = diff.exit_code();
        }
        ReportAction::Split(format) => {
            // In HTML, each part links back to the index (--out).
            let index_page = out_name.filter(|_| format == Format::Html);
            let mut pages = Vec::with_capacity(parts.len());
            for ((_, part), (path, file)) in split::split(&report).iter().zip(parts) {
                let mut part_sink = Named {
                    path: path.clone(),
                    inner: BufWriter::new(file),
                };
                match &index_page {
                    Some(index) => {
                        let options = html::Options {
                            index_page: Some(index.clone()),
                            ..html::Options::default()
                        };
                        html::write_with(part, &options, &mut part_sink)?;
                    }
                    None => format.render(part, &mut part_sink)?,
                }
                part_sink.flush()?;
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                pages.push(name.into_owned());
                writeln!(err, "wrote {}", path.display())?;
            }
            if format == Format::Html {
                let options = html::Options {
                    target_pages: pages,
                    ..html::Options::default()
                };
                html::write_with(&report, &options, &mut sink)?;
            }
        }
        ReportAction::Nothing => {}
    }
    sink.flush()?;
    if let Some(dir) = badges {
        let written = badge::write_badges(&report, &dir).map_err(|e| {
            anyhow::Error::from(e).context(format!("writing badges into {}", dir.display()))
        })?;
        // The file names come from target names; say where they went.
        for path in written {
            writeln!(err, "wrote {}", path.display())?;
        }
    }
    Ok(code)
}
