//! Plain-text rendering for the terminal: aligned tables, numbers, and the unlearning certificate.

use std::fmt::Write;

use crate::runner::Certificate;

/// An aligned table: a header line, a rule, then the rows; numbers right-aligned.
pub fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].len())
                .chain([headers[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let render = |cells: &[String]| {
        let mut line = String::new();
        for (column, cell) in cells.iter().enumerate() {
            let width = widths[column];
            let numeric = cell.parse::<f64>().is_ok() || cell.ends_with('x') || cell.ends_with('%');
            if column > 0 {
                line.push_str("  ");
            }
            if numeric {
                let _ = write!(line, "{cell:>width$}");
            } else {
                let _ = write!(line, "{cell:<width$}");
            }
        }
        line.trim_end().to_owned() + "\n"
    };
    let mut out = render(headers);
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for row in rows {
        out.push_str(&render(row));
    }
    out
}

/// ` (key=value, ...)` for a trial's swept values, or nothing.
pub fn swept(swept: &[(String, String)]) -> String {
    if swept.is_empty() {
        return String::new();
    }
    let items: Vec<String> = swept.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(" [{}]", items.join(", "))
}

/// The human-readable exact-unlearning certificate.
pub fn certificate(certificate: &Certificate) -> String {
    let mut out = String::new();
    let c = certificate;
    let _ = writeln!(
        out,
        "Exact unlearning check: trial {}, {} with {} shards x {} slices, {} training points",
        c.trial_id, c.model, c.shards, c.slices, c.n_train
    );
    let shown: Vec<String> = c.removed.iter().take(20).map(u32::to_string).collect();
    let more = if c.removed.len() > 20 { ", ..." } else { "" };
    let _ = writeln!(
        out,
        "Removed {} points (dataset rows): {}{more}",
        c.removed.len(),
        shown.join(", ")
    );
    for verdict in &c.shard_verdicts {
        let work = match verdict.restarted_at_slice {
            Some(slice) => format!(
                "{} removed, retrained from slice {} of {}",
                verdict.removed_points,
                slice + 1,
                c.slices
            ),
            None => "untouched".to_owned(),
        };
        let equal = if verdict.parameters_identical {
            "parameters identical"
        } else {
            "parameters DIFFER"
        };
        let _ = writeln!(out, "  shard {:>3}: {work}; {equal}", verdict.shard);
    }
    let predictions = if c.predictions_identical {
        "identical"
    } else {
        "DIFFER"
    };
    let _ = writeln!(
        out,
        "Test predictions ({} points): {predictions}",
        c.test_points
    );
    let verdict = if c.identical {
        "EXACT: the unlearned ensemble is bit-for-bit the one trained from scratch without these points"
    } else {
        "NOT EXACT"
    };
    let _ = writeln!(out, "Result: {verdict}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let headers = vec!["name".to_owned(), "value".to_owned()];
        let rows = vec![
            vec!["a".to_owned(), "1.5".to_owned()],
            vec!["long".to_owned(), "12.25".to_owned()],
        ];
        assert_eq!(
            table(&headers, &rows),
            "name  value\n----  -----\na       1.5\nlong  12.25\n"
        );
    }
}
