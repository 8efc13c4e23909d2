//! Reports: `report.md` and a self-contained `report.html` (the same report rendered, figures
//! inline) built from the results folder alone: the table, the figures, the resolved spec and
//! the provenance.

pub mod compare;
pub mod format;
pub mod headline;
pub mod html;
pub mod markdown;
pub mod overview;

pub use overview::{overview, overview_with_spread, Overview};

use std::path::PathBuf;

use crate::plot::{Rendered, Skipped};
use crate::results::{
    column, Document, MissingColumn, Provenance, ResultsError, ResultsFolder, Table,
};

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error(transparent)]
    Write(#[from] ResultsError),
    /// The table lacks a column the report shows.
    #[error(transparent)]
    Column(#[from] MissingColumn),
}

/// Everything a report shows.
pub struct Contents<'a> {
    /// The experiment's name.
    pub experiment: &'a str,
    /// The results table.
    pub table: &'a Table,
    /// The figures drawn.
    pub figures: &'a [Rendered],
    /// Figures asked for but not drawn.
    pub skipped: &'a [Skipped],
    /// The resolved spec, as YAML.
    pub spec_yaml: &'a str,
    /// How the results were produced, when recorded.
    pub provenance: Option<&'a Provenance>,
}

impl Contents<'_> {
    /// One sentence on what was run.
    fn run_line(&self) -> Result<String, MissingColumn> {
        let trials = self.table.distinct(column::TRIAL_ID)?.len();
        let swept = self.table.swept_columns();
        let sweep = if swept.is_empty() {
            "no sweep".to_owned()
        } else {
            format!("sweeping {}", swept.join(", "))
        };
        Ok(format!(
            "{trials} trials ({sweep}), {} rows: one per trial and request count.",
            self.table.height()
        ))
    }

    /// Provenance as (label, value) lines.
    fn provenance_lines(&self) -> Vec<(&'static str, String)> {
        let Some(p) = self.provenance else {
            return vec![("provenance", "not recorded".to_owned())];
        };
        let commit = p.git_commit.as_deref().unwrap_or("unknown commit");
        vec![
            ("command", p.command.join(" ")),
            (
                "sisa",
                format!("{} ({commit}), built with {}", p.sisa_version, p.rustc),
            ),
            (
                "machine",
                format!(
                    "{}, {} cores, {} GiB, {} (kernel {})",
                    p.machine.cpu,
                    p.machine.cores,
                    p.machine.memory_gib,
                    p.machine.os,
                    p.machine.kernel
                ),
            ),
            ("threads", p.jobs.to_string()),
            ("started", p.started.clone()),
            (
                "finished",
                p.finished
                    .clone()
                    .unwrap_or_else(|| "not finished".to_owned()),
            ),
        ]
    }
}

/// Writes `report.md` and `report.html` (the same report, rendered, with its figures inside) into
/// the results folder; returns their paths.
pub fn write(folder: &ResultsFolder, contents: &Contents<'_>) -> Result<Vec<PathBuf>, ReportError> {
    let markdown = markdown::render(contents, folder.root())?;
    let title = format!("sisa report: {}", contents.experiment);
    let page = html::render(&title, &markdown, folder.root())?;
    let markdown = folder.save(Document::ReportMarkdown, &markdown)?;
    let html = folder.save(Document::ReportHtml, &page)?;
    Ok(vec![markdown, html])
}
