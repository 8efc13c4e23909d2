//! From a results table to what figures show: rows selected, grouped into series, averaged over
//! repeats; readable labels for swept keys; the caption line.

use std::collections::BTreeMap;

use super::chart::Point;
use crate::results::{column, MissingColumn, Stat, Table};

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
) -> Result<Vec<Grouped>, MissingColumn> {
    let xs = table.numbers(x)?;
    let group_values: Vec<Vec<String>> = group_by
        .iter()
        .map(|c| table.texts(c))
        .collect::<Result<_, _>>()?;
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
    Ok(order
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
        .collect())
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
        .swept_columns()
        .iter()
        .filter(|key| !except.contains(&key.as_str()) && varies(table, key))
        .cloned()
        .collect()
}

/// Whether a column exists and takes at least two distinct values.
pub fn varies(table: &Table, column: impl AsRef<str>) -> bool {
    table.distinct(column).is_ok_and(|values| values.len() > 1)
}

/// The rows of the smallest request count (every step with it, when a spec lists it more than
/// once to pool independent batches).
pub fn fewest_requests_rows(table: &Table) -> Result<Vec<usize>, MissingColumn> {
    let requests = table.numbers(column::REQUESTS)?;
    let fewest = requests
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    Ok((0..table.height())
        .filter(|&row| requests[row] == Some(fewest))
        .collect())
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
        .filter(|(_, value)| value != "null")
        .map(|(column, value)| format!("{} = {value}", short_name(column)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The baseline's cost in points per row: measured when it ran, else its analytic cost (which
/// is exact: retraining from scratch costs the remaining points).
pub fn baseline_points(table: &Table) -> Result<Vec<Option<f64>>, MissingColumn> {
    let measured = table.numbers(column::BASELINE_RETRAIN_POINTS)?;
    let expected_sisa = table.numbers(column::EXPECTED_SISA_POINTS)?;
    let expected_speedup = table.numbers(column::EXPECTED_SPEEDUP_POINTS)?;
    Ok((0..table.height())
        .map(|row| measured[row].or_else(|| Some(expected_sisa[row]? * expected_speedup[row]?)))
        .collect())
}

/// The speed-up in points per group and x: the baseline's mean cost over SISA's mean cost, the
/// quantity the analytic model predicts (a mean of per-trial ratios would sit above it). The
/// spread is that of one standard deviation of SISA's cost.
pub fn speedup_series(
    table: &Table,
    rows: &[usize],
    x: &str,
    group_by: &[String],
) -> Result<Vec<Grouped>, MissingColumn> {
    let sisa_points = table.numbers(column::SISA_RETRAIN_POINTS)?;
    let sisa = series(table, rows, x, &sisa_points, group_by)?;
    let baseline = series(table, rows, x, &baseline_points(table)?, group_by)?;
    Ok(sisa
        .into_iter()
        .filter_map(|group| {
            let base = baseline.iter().find(|b| b.key == group.key)?;
            let points = group
                .points
                .iter()
                .filter_map(|cost| {
                    let b = base.points.iter().find(|b| b.x == cost.x)?.y;
                    (cost.y > 0.0).then(|| Point {
                        x: cost.x,
                        y: b / cost.y,
                        spread: cost.spread.map(|(low, high)| {
                            let upper = if low > 0.0 { b / low } else { f64::INFINITY };
                            (b / high, upper)
                        }),
                    })
                })
                .collect();
            Some(Grouped {
                key: group.key,
                points,
            })
        })
        .collect())
}

/// The caption under every figure: spec, dataset, model, repeats, and (for charts with error
/// bars, `bars`) what the bars mean.
pub fn caption(table: &Table, bars: bool) -> Result<String, MissingColumn> {
    let first = |name: crate::results::ColumnName| -> Result<String, MissingColumn> {
        Ok(table.texts(name)?.into_iter().next().unwrap_or_default())
    };
    let repeats = table.distinct(column::REPEAT)?.len();
    let mut caption = format!(
        "{} · {}: {} train / {} test points, {} features, {} classes · {} · {repeats} repeat{}",
        first(column::EXPERIMENT)?,
        first(column::DATASET)?,
        first(column::N_TRAIN)?,
        first(column::N_TEST)?,
        first(column::N_FEATURES)?,
        first(column::N_CLASSES)?,
        first(column::MODEL)?,
        if repeats == 1 { "" } else { "s" },
    );
    if bars {
        caption.push_str(" · bars: ±1 std");
    }
    Ok(caption)
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
