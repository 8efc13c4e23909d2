//! `report.md`: figures linked from `figures/`, tables in Markdown, the spec in a code block.

use std::fmt::Write;
use std::path::Path;

use super::{overview, Contents};
use crate::results::MissingColumn;

/// The Markdown report; figure links are relative to the results folder `root`.
pub fn render(contents: &Contents<'_>, root: &Path) -> Result<String, MissingColumn> {
    let mut out = String::new();
    let _ = writeln!(out, "# sisa report: {}\n", contents.experiment);
    let _ = writeln!(out, "{}\n", contents.headline()?);
    let _ = writeln!(out, "## Figures\n");
    for figure in contents.figures {
        let relative = figure.png.strip_prefix(root).unwrap_or(&figure.png);
        let _ = writeln!(out, "### {}\n", figure.title);
        let _ = writeln!(out, "![{}]({})\n", figure.title, relative.display());
    }
    for skipped in contents.skipped {
        let _ = writeln!(
            out,
            "- `{}` not drawn: {}",
            skipped.kind.name(),
            skipped.reason
        );
    }
    if contents.figures.is_empty() && contents.skipped.is_empty() {
        let _ = writeln!(out, "The run varies nothing a figure plots.\n");
    }
    let _ = writeln!(out, "\n## Summary (means over repeats)\n");
    let table = overview(contents.table)?;
    let _ = writeln!(out, "| {} |", table.headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(table.headers.len()));
    for row in &table.rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    let _ = writeln!(out, "\n## Spec\n\n```yaml\n{}```\n", contents.spec_yaml);
    let _ = writeln!(out, "## Provenance\n");
    for (label, value) in contents.provenance_lines() {
        let _ = writeln!(out, "- {label}: {value}");
    }
    Ok(out)
}
