//! `report.md`: figures linked from `figures/`, tables in Markdown, the spec in a code block.

use std::fmt::Write;
use std::path::Path;

use super::{headline, overview_with_spread, Contents};
use crate::results::MissingColumn;

/// The Markdown report; figure links are relative to the results folder `root`.
pub fn render(contents: &Contents<'_>, root: &Path) -> Result<String, MissingColumn> {
    let mut out = String::new();
    let _ = writeln!(out, "# sisa report: {}\n", contents.experiment);
    let _ = writeln!(out, "## Headline\n");
    for sentence in headline::headlines(contents.table)? {
        let _ = writeln!(out, "- {sentence}");
    }
    if !out.ends_with("## Headline\n\n") {
        out.push('\n');
    }
    let _ = writeln!(out, "{}\n", contents.run_line()?);
    let notes = headline::speedup_notes(contents.table)?;
    if !notes.is_empty() {
        let _ = writeln!(out, "### Why the CPU and points speed-ups differ\n");
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Figures\n");
    for figure in contents.figures {
        let image = figure.image();
        let relative = image.strip_prefix(root).unwrap_or(image);
        let _ = writeln!(out, "### {}\n", figure.title);
        let _ = writeln!(out, "![{}]({})\n", figure.title, relative.display());
    }
    for skipped in contents.skipped {
        let _ = writeln!(out, "- `{}` not drawn: {}", skipped.name, skipped.reason);
    }
    if contents.figures.is_empty() && contents.skipped.is_empty() {
        let _ = writeln!(out, "The run varies nothing a figure plots.\n");
    }
    let _ = writeln!(
        out,
        "\n## Summary (mean ± one standard deviation over repeats)\n"
    );
    let table = overview_with_spread(contents.table)?;
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
