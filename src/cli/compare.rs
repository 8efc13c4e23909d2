//! `sisa compare A B`: two results folders side by side on the settings both ran, as a table on
//! the terminal and, with `--html`, a small self-contained page; `--exact` instead checks that
//! every value but the timings is identical (a cluster run against a local run of one spec).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::text;
use crate::error::{Error, Result};
use crate::report::compare::{self, Comparison, ExactComparison, STANDARD_ERRORS};
use crate::report::ReportError;
use crate::results::{ResultsError, Table};
use crate::runner::Session;

/// Differences listed at most by `--exact`; the rest are counted.
const MOST_DIFFERENCES: usize = 20;

/// Options of `sisa compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first results folder (written by `sisa run` or `sisa collect`).
    pub a: PathBuf,
    /// The second results folder.
    pub b: PathBuf,
    /// Check that every value but the timing columns is identical, row by row (trial and
    /// step); exit with code 1 if any differs.
    #[arg(long)]
    pub exact: bool,
    /// Also write the comparison as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn table(folder: &Path) -> Result<Table> {
    Session::at(folder)?.saved_table()
}

/// Runs `sisa compare`.
pub fn run(args: &CompareArgs) -> Result<()> {
    let (a, b) = (table(&args.a)?, table(&args.b)?);
    if args.exact {
        let outcome = compare::exact(&a, &b).map_err(ReportError::from)?;
        print!("{}", exact_text(&outcome, &args.a, &args.b));
        if !outcome.identical() {
            return Err(Error::ResultsDiffer {
                values: outcome.differences.len(),
                rows: outcome.only_in_a.len() + outcome.only_in_b.len(),
                columns: outcome.unmatched_columns.len(),
            });
        }
        return Ok(());
    }
    let comparison = compare::compare(&a, &b).map_err(ReportError::from)?;
    if comparison.settings.is_empty() {
        return Err(Error::Usage(format!(
            "`{}` and `{}` have no setting in common",
            args.a.display(),
            args.b.display()
        )));
    }
    let (headers, rows) = cells(&comparison);
    println!(
        "A = {}, B = {}: {} settings in common ({} only in A, {} only in B)",
        args.a.display(),
        args.b.display(),
        comparison.settings.len(),
        comparison.only_in_a,
        comparison.only_in_b
    );
    print!("{}", text::table(&headers, &rows));
    println!(
        "beyond spread: |B - A| > {STANDARD_ERRORS} x the combined standard error of the two \
         means (`?`: fewer than two repeats)"
    );
    if let Some(path) = &args.html {
        let page = html(&comparison, &headers, &rows, &args.a, &args.b);
        std::fs::write(path, page).map_err(|source| ResultsError::Io {
            path: path.clone(),
            source,
        })?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The comparison as table cells: the setting's varying values, then per measure A, B, B - A and
/// whether the difference is beyond the spread.
fn cells(comparison: &Comparison) -> (Vec<String>, Vec<Vec<String>>) {
    let first = &comparison.settings[0];
    let mut headers: Vec<String> = first.setting.iter().map(|(c, _)| c.clone()).collect();
    headers.extend(["measure", "A", "B", "B - A", "beyond spread"].map(str::to_owned));
    let mut rows = Vec::new();
    for setting in &comparison.settings {
        for measured in &setting.measures {
            if measured.a.mean.is_none() && measured.b.mean.is_none() {
                continue;
            }
            let mut row: Vec<String> = setting.setting.iter().map(|(_, v)| v.clone()).collect();
            let measure = measured.measure;
            row.push(measure.name().to_owned());
            row.push(measure.write(measured.a.mean));
            row.push(measure.write(measured.b.mean));
            row.push(measure.write_difference(measured.difference()));
            row.push(
                match measured.beyond_spread() {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "?",
                }
                .to_owned(),
            );
            rows.push(row);
        }
    }
    (headers, rows)
}

fn exact_text(outcome: &ExactComparison, a: &Path, b: &Path) -> String {
    let mut out = String::new();
    let (a, b) = (a.display(), b.display());
    if outcome.identical() {
        let _ = writeln!(
            out,
            "identical: {} rows x {} columns of `{a}` and `{b}` (timing columns aside)",
            outcome.rows, outcome.columns
        );
        return out;
    }
    for column in &outcome.unmatched_columns {
        let _ = writeln!(out, "column `{column}` is in one table only");
    }
    for (rows, only) in [(&outcome.only_in_a, &a), (&outcome.only_in_b, &b)] {
        for row in rows.iter().take(MOST_DIFFERENCES) {
            let _ = writeln!(out, "{row}: only in `{only}`");
        }
    }
    for difference in outcome.differences.iter().take(MOST_DIFFERENCES) {
        let _ = writeln!(
            out,
            "trial {} step {} `{}`: {} in A, {} in B",
            difference.trial_id, difference.step, difference.column, difference.a, difference.b
        );
    }
    if outcome.differences.len() > MOST_DIFFERENCES {
        let _ = writeln!(
            out,
            "... and {} more differing values",
            outcome.differences.len() - MOST_DIFFERENCES
        );
    }
    out
}

fn html(
    comparison: &Comparison,
    headers: &[String],
    rows: &[Vec<String>],
    a: &Path,
    b: &Path,
) -> String {
    use crate::report::html::{escape, STYLE};
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sisa compare</title>\
         <style>{STYLE}tr.beyond td{{background:#fff3cd;font-weight:600}}</style></head><body>\n\
         <h1>sisa compare</h1>\n<p>A = <code>{}</code>, B = <code>{}</code>: {} settings in common \
         ({} only in A, {} only in B). Highlighted: |B - A| &gt; {STANDARD_ERRORS} x the combined \
         standard error of the two means.</p>\n<table>",
        escape(&a.display().to_string()),
        escape(&b.display().to_string()),
        comparison.settings.len(),
        comparison.only_in_a,
        comparison.only_in_b
    );
    let header: String = headers
        .iter()
        .map(|h| format!("<th>{}</th>", escape(h)))
        .collect();
    let _ = writeln!(out, "<tr>{header}</tr>");
    for row in rows {
        let class = if row.last().is_some_and(|v| v == "yes") {
            " class=\"beyond\""
        } else {
            ""
        };
        let cells: String = row
            .iter()
            .map(|c| format!("<td>{}</td>", escape(c)))
            .collect();
        let _ = writeln!(out, "<tr{class}>{cells}</tr>");
    }
    out.push_str("</table>\n</body></html>\n");
    out
}
