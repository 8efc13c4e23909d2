//! From a results table to what figures show: rows selected, grouped into series, averaged over
//! repeats; readable labels for swept keys; the caption line.

use std::collections::BTreeMap;

use super::chart::Point;
use crate::results::{Stat, Table};

/// One group of rows: the values of the grouping columns and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped {
    /// `(column, value)` for each grouping column.
    pub key: Vec<(String, String)>,
    /// Mean of y (with its spread) per distinct x, by increasing x.
    pub points: Vec<Point>,
}

/// For `rows` of `table`, the mean of `y` per distinct `x`, one group per combination of the
/// `group_by` columns (in order of first appearance). The spread is one standard deviation over
/// the rows averaged, when there are several.
pub fn series(
    table: &Table,
    rows: &[usize],
    x: &str,
    y: &[Option<f64>],
    group_by: &[String],
) -> Vec<Grouped> {
    let xs = table.numbers(x);
    let group_values: Vec<Vec<String>> = group_by.iter().map(|c| table.texts(c)).collect();
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut cells: Vec<BTreeMap<OrderedX, Vec<Option<f64>>>> = Vec::new();
    for &row in rows {
        let Some(x_value) = xs[row] else { continue };
        let key: Vec<String> = group_values.iter().map(|v| v[row].clone()).collect();
        let index = match order.iter().position(|k| *k == key) {
            Some(index) => index,
            None => {
                order.push(key);
                cells.push(BTreeMap::new());
                order.len() - 1
            }
        };
        cells[index]
            .entry(OrderedX(x_value))
            .or_default()
            .push(y[row]);
    }
    order
        .into_iter()
        .zip(cells)
        .map(|(key, by_x)| Grouped {
            key: group_by.iter().cloned().zip(key).collect(),
            points: by_x
                .into_iter()
                .filter_map(|(x, values)| {
                    let stat = Stat::of(values);
                    stat.mean.map(|mean| Point {
                        x: x.0,
                        y: mean,
                        spread: stat.std.map(|std| (mean - std, mean + std)),
                    })
                })
                .collect(),
        })
        .filter(|group| !group.points.is_empty())
        .collect()
}

/// An f64 ordered for use as a map key (x values are finite).
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedX(f64);

impl Eq for OrderedX {}

impl PartialOrd for OrderedX {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedX {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The swept keys (other than `except`) that take more than one value: what tells lines apart.
pub fn varying_keys(table: &Table, except: &[&str]) -> Vec<String> {
    table
        .swept_keys()
        .into_iter()
        .filter(|key| !except.contains(&key.as_str()) && table.distinct(key).len() > 1)
        .collect()
}

/// Whether a column takes at least two distinct values.
pub fn varies(table: &Table, column: &str) -> bool {
    table.has(column) && table.distinct(column).len() > 1
}

/// The rows of the first step (the smallest request count of each trial).
pub fn first_step_rows(table: &Table) -> Vec<usize> {
    let steps = table.numbers("step");
    (0..table.height())
        .filter(|&row| steps[row] == Some(0.0))
        .collect()
}

/// Every row.
pub fn all_rows(table: &Table) -> Vec<usize> {
    (0..table.height()).collect()
}

/// A short, readable name for a swept key: `S` for shards, `R` for slices, `E` for the budget.
pub fn short_name(key: &str) -> &str {
    match key {
        "sisa.shards" | "shards" => "S",
        "sisa.slices" | "slices" => "R",
        "model.max_iterations" | "model.epochs" | "budget" => "E",
        other => other.rsplit('.').next().unwrap_or(other),
    }
}

/// `S = 5, R = 4` for a group key.
pub fn label(key: &[(String, String)]) -> String {
    key.iter()
        .map(|(column, value)| format!("{} = {value}", short_name(column)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The measured speed-up in points per row: against the measured baseline when it ran, else
/// against the baseline's analytic cost (which is exact: retraining from scratch costs the
/// remaining points).
pub fn measured_speedup(table: &Table) -> Vec<Option<f64>> {
    let measured = table.numbers("speedup_points");
    let sisa = table.numbers("sisa_retrain_points");
    let expected_sisa = table.numbers("expected_sisa_points");
    let expected_speedup = table.numbers("expected_speedup_points");
    (0..table.height())
        .map(|row| {
            measured[row].or_else(|| {
                let baseline = expected_sisa[row]? * expected_speedup[row]?;
                let sisa = sisa[row].filter(|&points| points > 0.0)?;
                Some(baseline / sisa)
            })
        })
        .collect()
}

/// The caption under every figure: spec, dataset, model, repeats, and what the bars mean.
pub fn caption(table: &Table) -> String {
    let first = |column: &str| table.texts(column).into_iter().next().unwrap_or_default();
    let repeats = table.distinct("repeat").len();
    format!(
        "spec {} · dataset {} ({} train / {} test points, {} features, {} classes) · model {} · \
         {repeats} repeat{} · bars: mean ± 1 std",
        first("experiment"),
        first("dataset"),
        first("n_train"),
        first("n_test"),
        first("n_features"),
        first("n_classes"),
        first("model"),
        if repeats == 1 { "" } else { "s" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_get_the_papers_letters() {
        assert_eq!(short_name("sisa.shards"), "S");
        assert_eq!(short_name("model.alpha"), "alpha");
        let key = vec![
            ("sisa.shards".to_owned(), "5".to_owned()),
            ("sisa.slices".to_owned(), "4".to_owned()),
        ];
        assert_eq!(label(&key), "S = 5, R = 4");
    }
}
