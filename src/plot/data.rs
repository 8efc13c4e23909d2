//! From a results table to what figures show: rows selected, grouped into series, combined over
//! repeats with the error bars asked for; which look each series gets and the legend that
//! explains it; readable names for columns and swept keys; the caption and the notes on what the
//! bars show.

use std::collections::BTreeMap;

use super::chart::{Colour, Dash, LegendEntry, Marker, Point, Series, SeriesStyle};
use crate::results::{column, MissingColumn, Stat, Table};
use crate::spec::raw::ErrorBars;

/// One group of rows: the values of the grouping columns and its points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grouped {
    /// `(column, value)` for each grouping column.
    pub key: Vec<(String, String)>,
    /// The combined y per distinct x, by increasing x.
    pub points: Vec<Point>,
}

/// How the rows that share an x (the repeats) become one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregate {
    /// Their mean, with the error bar asked for.
    Mean,
    /// Their median.
    Median,
    /// The smallest.
    Min,
    /// The largest.
    Max,
}

impl Aggregate {
    /// The point of `values` at `x`, if any value is there; a mean has an error bar of `bars`.
    fn point(self, x: f64, values: Vec<Option<f64>>, bars: ErrorBars) -> Option<Point> {
        let mut present: Vec<f64> = values.iter().flatten().copied().collect();
        present.sort_by(f64::total_cmp);
        let y = match self {
            Aggregate::Mean => {
                let stat = Stat::of(values);
                let mean = stat.mean?;
                let spread = half_width(&stat, bars).map(|h| (mean - h, mean + h));
                return Some(Point {
                    spread,
                    ..Point::new(x, mean)
                });
            }
            Aggregate::Median => {
                let middle = present.len() / 2;
                match present.len() {
                    0 => return None,
                    n if n % 2 == 1 => present[middle],
                    _ => (present[middle - 1] + present[middle]) / 2.0,
                }
            }
            Aggregate::Min => *present.first()?,
            Aggregate::Max => *present.last()?,
        };
        Some(Point::new(x, y))
    }
}

/// Half the length of the error bar `bars` asks for over `stat`'s values.
pub(crate) fn half_width(stat: &Stat, bars: ErrorBars) -> Option<f64> {
    match bars {
        ErrorBars::Std => stat.std,
        ErrorBars::Sem => stat.sem,
        ErrorBars::Ci95 => stat.ci95,
        ErrorBars::None => None,
    }
}

/// For `rows`, `y` combined per distinct `x` (values per table row) with the mean and error bars
/// of `bars`, one group per combination of the `group_by` columns (in order of first
/// appearance).
pub(crate) fn series(
    table: &Table,
    rows: &[usize],
    (x, y): (&[Option<f64>], &[Option<f64>]),
    group_by: &[String],
    bars: ErrorBars,
) -> Result<Vec<Grouped>, MissingColumn> {
    series_with(table, rows, (x, y), group_by, (Aggregate::Mean, bars))
}

/// [`series`], combining the rows at each x with `aggregate` (a mean with error bars of `bars`).
pub(crate) fn series_with(
    table: &Table,
    rows: &[usize],
    (x, y): (&[Option<f64>], &[Option<f64>]),
    group_by: &[String],
    (aggregate, bars): (Aggregate, ErrorBars),
) -> Result<Vec<Grouped>, MissingColumn> {
    let group_values: Vec<Vec<String>> = group_by
        .iter()
        .map(|c| table.texts(c))
        .collect::<Result<_, _>>()?;
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut cells: Vec<BTreeMap<OrderedX, Vec<Option<f64>>>> = Vec::new();
    for &row in rows {
        let Some(x_value) = x[row] else { continue };
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
                .filter_map(|(x, values)| aggregate.point(x.0, values, bars))
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

/// The swept key of the request counts: each row's count is in the `requests` column already, so
/// a list swept with the shard count (as the paper's K = jS/5 are) tells no lines apart.
const REQUEST_LISTS: &str = "unlearning.requests";

/// The swept keys (other than `except` and the lists of request counts) that take more than one
/// value: what tells lines apart.
pub(crate) fn varying_keys(table: &Table, except: &[&str]) -> Vec<String> {
    table
        .swept_columns()
        .iter()
        .filter(|key| *key != REQUEST_LISTS && !except.contains(&key.as_str()))
        .filter(|key| varies(table, key))
        .cloned()
        .collect()
}

/// Whether a swept key sets SISA's layout or aggregation (`sisa.*`): what a baseline trained on
/// all the data does not depend on.
pub(crate) fn is_layout_key(key: &str) -> bool {
    key.starts_with("sisa.")
}

/// Whether a column exists and takes at least two distinct values.
pub(crate) fn varies(table: &Table, column: impl AsRef<str>) -> bool {
    table.distinct(column).is_ok_and(|values| values.len() > 1)
}

/// The smallest request count.
pub(crate) fn fewest_requests(table: &Table) -> Result<f64, MissingColumn> {
    let requests = table.numbers(column::REQUESTS)?;
    Ok(requests
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min))
}

/// The rows of the smallest request count (every step with it, when a spec lists it more than
/// once to pool independent batches).
pub(crate) fn fewest_requests_rows(table: &Table) -> Result<Vec<usize>, MissingColumn> {
    let requests = table.numbers(column::REQUESTS)?;
    let fewest = fewest_requests(table)?;
    Ok((0..table.height())
        .filter(|&row| requests[row] == Some(fewest))
        .collect())
}

/// The rows of each trial's smallest request count: where trials run different counts (the
/// paper's K = jS/5 for each S), each still shows its accuracy after its fewest requests.
pub(crate) fn first_requests_rows(table: &Table) -> Result<Vec<usize>, MissingColumn> {
    let requests = table.numbers(column::REQUESTS)?;
    let trials = table.texts(column::TRIAL_ID)?;
    let mut fewest: BTreeMap<&str, f64> = BTreeMap::new();
    for (trial, count) in trials.iter().zip(&requests) {
        if let Some(count) = count {
            let entry = fewest.entry(trial.as_str()).or_insert(*count);
            *entry = entry.min(*count);
        }
    }
    Ok((0..table.height())
        .filter(|&row| {
            requests[row].is_some() && requests[row] == fewest.get(trials[row].as_str()).copied()
        })
        .collect())
}

/// Every row.
pub(crate) fn all_rows(table: &Table) -> Vec<usize> {
    (0..table.height()).collect()
}

/// A short, readable name for a swept key: `S` for shards, `R` for slices, `E` for the budget.
pub(crate) fn short_name(key: &str) -> &str {
    match key {
        "sisa.shards" | "shards" => "S",
        "sisa.slices" | "slices" => "R",
        "model.max_iterations" | "model.epochs" | "budget" => "E",
        "requests" => "K",
        other => other.rsplit('.').next().unwrap_or(other),
    }
}

/// A readable axis title for a column of the results table or a swept key: what it measures,
/// with its unit or letter (`speed-up (CPU time)`, `shards (S)`), or the name itself, spaced, for
/// a column this list does not know.
pub(crate) fn readable(column: &str) -> String {
    let known = match column {
        "requests" => "requests (K)",
        "shards" | "sisa.shards" => "shards (S)",
        "slices" | "sisa.slices" => "slices per shard (R)",
        "budget" => "training budget (E)",
        "model.epochs" => "epochs (E)",
        "model.max_iterations" => "iterations (E)",
        "removed_total" => "points removed",
        "n_train" => "training points",
        "sisa_retrain_cpu_s" => "SISA retraining CPU time (s)",
        "sisa_retrain_wall_s" => "SISA retraining wall time (s)",
        "sisa_retrain_device_s" => "SISA retraining device time (s)",
        "sisa_retrain_points" => "points SISA retrained",
        "sisa_retrain_passes" => "sample passes SISA made",
        "shards_retrained" => "shards retrained",
        "baseline_retrain_cpu_s" => "baseline retraining CPU time (s)",
        "baseline_retrain_wall_s" => "baseline retraining wall time (s)",
        "baseline_retrain_points" => "points the baseline retrained",
        "speedup_time" => "speed-up (CPU time)",
        "speedup_points" => "speed-up (points)",
        "expected_sisa_points" => "points SISA retrains (analytic)",
        "expected_speedup_points" => "speed-up (points, analytic)",
        "sisa_accuracy" => "SISA test accuracy",
        "sisa_accuracy_majority" => "SISA test accuracy (majority vote)",
        "sisa_accuracy_mean_proba" => "SISA test accuracy (mean of probabilities)",
        "sisa_accuracy_weighted" => "SISA test accuracy (weighted votes)",
        "baseline_accuracy" => "baseline test accuracy",
        "lone_shard_accuracy" => "one constituent alone: test accuracy (1/S)",
        "accuracy_gap" => "accuracy lost (baseline - SISA)",
        "train_cpu_s" => "training CPU time (s)",
        "train_points" => "points trained",
        "checkpoint_bytes" => "checkpoint size (bytes)",
        other => return other.rsplit('.').next().unwrap_or(other).replace('_', " "),
    };
    known.to_owned()
}

/// The grouping "column" of series that are different measures (one colour per measure): its
/// values are their own labels.
pub(crate) const MEASURE: &str = "";

/// `S = 5` for one grouping value (a measure's name alone).
fn value_label(column: &str, value: &str) -> String {
    if column == MEASURE {
        value.to_owned()
    } else {
        format!("{} = {value}", short_name(column))
    }
}

/// `S = 5, R = 4` for a group key (values `null`, from zipped keys, left out).
pub(crate) fn label(key: &[(String, String)]) -> String {
    key.iter()
        .filter(|(_, value)| value != "null")
        .map(|(column, value)| value_label(column, value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How series of groups are told apart: the first grouping column picks the colour, the second
/// the marker (and the dash, when there is no third), further columns the dash; the legend then
/// has one entry per value of each column, showing only what encodes it. When the groups are not
/// every combination of the columns' values (zipped keys), each group gets its own colour and
/// marker and its own legend entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Encoding {
    columns: Vec<String>,
    /// The distinct values of each column, in order of first appearance.
    values: Vec<Vec<String>>,
    /// The distinct combinations of the third and later columns.
    rest: Vec<Vec<String>>,
    /// Every group key, in order; `Some` when they do not form a full grid.
    groups: Option<Vec<Vec<(String, String)>>>,
}

impl Encoding {
    /// The encoding of groups with these keys (each over the same columns, in the same order).
    pub(crate) fn of(keys: &[Vec<(String, String)>]) -> Encoding {
        let columns: Vec<String> = keys
            .first()
            .map(|key| key.iter().map(|(c, _)| c.clone()).collect())
            .unwrap_or_default();
        let mut values: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
        let mut rest: Vec<Vec<String>> = Vec::new();
        for key in keys {
            for (position, (_, value)) in key.iter().enumerate() {
                if !values[position].contains(value) {
                    values[position].push(value.clone());
                }
            }
            let tail: Vec<String> = key.iter().skip(2).map(|(_, v)| v.clone()).collect();
            if !rest.contains(&tail) {
                rest.push(tail);
            }
        }
        let grid: usize = values.iter().map(Vec::len).product();
        let full = keys.len() >= grid;
        Encoding {
            columns,
            values,
            rest,
            groups: (!full).then(|| keys.to_vec()),
        }
    }

    fn index(&self, position: usize, key: &[(String, String)]) -> Option<usize> {
        let column = &self.columns[position];
        let (_, value) = key.iter().find(|(c, _)| c == column)?;
        self.values[position].iter().position(|v| v == value)
    }

    /// The look of the series of group `key`. Columns missing from the key (a baseline that
    /// does not depend on them) leave their attribute plain: no marker, a solid line.
    pub(crate) fn style(&self, key: &[(String, String)]) -> SeriesStyle {
        if let Some(groups) = &self.groups {
            let index = groups.iter().position(|g| g == key).unwrap_or(0);
            return SeriesStyle::measured(index, Marker::nth(index), Dash::Solid);
        }
        let colour = if self.columns.is_empty() {
            0
        } else {
            self.index(0, key).unwrap_or(0)
        };
        let marker_index = match self.columns.len() {
            0 => Some(0),
            1 => self.index(0, key),
            _ => self.index(1, key),
        };
        let dash = match self.columns.len() {
            0 | 1 => Dash::Solid,
            2 => self.index(1, key).map_or(Dash::Solid, Dash::nth),
            _ => {
                let tail: Option<Vec<String>> = self.columns[2..]
                    .iter()
                    .map(|c| key.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()))
                    .collect();
                tail.and_then(|tail| self.rest.iter().position(|r| *r == tail))
                    .map_or(Dash::Solid, Dash::nth)
            }
        };
        SeriesStyle {
            marker: marker_index.map(Marker::nth),
            ..SeriesStyle::measured(colour, Marker::Circle, dash)
        }
    }

    /// The legend: one entry per value of each column (or per group, off a full grid).
    pub(crate) fn legend(&self) -> Vec<LegendEntry> {
        if let Some(groups) = &self.groups {
            return groups
                .iter()
                .map(|key| LegendEntry {
                    label: label(key),
                    swatch: self.style(key),
                })
                .collect();
        }
        let mut entries = Vec::new();
        let grey = |marker: Option<Marker>, line: Option<Dash>| SeriesStyle {
            colour: Colour::Grey,
            marker,
            filled: false,
            line,
            thin: false,
        };
        for (position, column) in self.columns.iter().enumerate() {
            let shown: Vec<(usize, &String)> = match position {
                0 | 1 => self.values[position].iter().enumerate().collect(),
                _ => continue,
            };
            for (index, value) in shown {
                let swatch = match (position, self.columns.len()) {
                    (0, 1) => SeriesStyle::measured(index, Marker::nth(index), Dash::Solid),
                    (0, _) => SeriesStyle {
                        marker: None,
                        ..SeriesStyle::measured(index, Marker::Circle, Dash::Solid)
                    },
                    (_, 2) => grey(Some(Marker::nth(index)), Some(Dash::nth(index))),
                    _ => grey(Some(Marker::nth(index)), None),
                };
                entries.push(LegendEntry {
                    label: value_label(column, value),
                    swatch,
                });
            }
        }
        if self.columns.len() > 2 {
            for (index, tail) in self.rest.iter().enumerate() {
                let key: Vec<(String, String)> = self.columns[2..]
                    .iter()
                    .cloned()
                    .zip(tail.clone())
                    .collect();
                entries.push(LegendEntry {
                    label: label(&key),
                    swatch: grey(None, Some(Dash::nth(index))),
                });
            }
        }
        entries
    }
}

/// The baseline's cost in points per row: measured when it ran, else its analytic cost (which
/// is exact: retraining from scratch costs the remaining points).
pub(crate) fn baseline_points(table: &Table) -> Result<Vec<Option<f64>>, MissingColumn> {
    let measured = table.numbers(column::BASELINE_RETRAIN_POINTS)?;
    let expected_sisa = table.numbers(column::EXPECTED_SISA_POINTS)?;
    let expected_speedup = table.numbers(column::EXPECTED_SPEEDUP_POINTS)?;
    Ok((0..table.height())
        .map(|row| measured[row].or_else(|| Some(expected_sisa[row]? * expected_speedup[row]?)))
        .collect())
}

/// The speed-up in points per group and x: the baseline's mean cost over SISA's mean cost, the
/// quantity the analytic model predicts (a mean of per-trial ratios would sit above it). The
/// error bar is that of SISA's cost, as `bars` asks.
pub(crate) fn speedup_series(
    table: &Table,
    rows: &[usize],
    x: &[Option<f64>],
    group_by: &[String],
    bars: ErrorBars,
) -> Result<Vec<Grouped>, MissingColumn> {
    let sisa_points = table.numbers(column::SISA_RETRAIN_POINTS)?;
    let sisa = series(table, rows, (x, &sisa_points), group_by, bars)?;
    let baseline = series(table, rows, (x, &baseline_points(table)?), group_by, bars)?;
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
                        spread: cost.spread.map(|(low, high)| {
                            let upper = if low > 0.0 { b / low } else { f64::INFINITY };
                            (b / high, upper)
                        }),
                        ..Point::new(cost.x, b / cost.y)
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

/// The caption under every figure: experiment, dataset, model and repeats.
pub(crate) fn caption(table: &Table) -> Result<String, MissingColumn> {
    let first = |name: crate::results::ColumnName| -> Result<String, MissingColumn> {
        Ok(table.texts(name)?.into_iter().next().unwrap_or_default())
    };
    let repeats = table.distinct(column::REPEAT)?.len();
    Ok(format!(
        "{} · {}: {} train / {} test points, {} features, {} classes · {} · {repeats} repeat{}",
        first(column::EXPERIMENT)?,
        first(column::DATASET)?,
        first(column::N_TRAIN)?,
        first(column::N_TEST)?,
        first(column::N_FEATURES)?,
        first(column::N_CLASSES)?,
        first(column::MODEL)?,
        if repeats == 1 { "" } else { "s" },
    ))
}

/// What a reader of a chart with error bars must know: what the bars show, or, with a single
/// repeat, that there is no spread to show.
pub(crate) fn notes(table: &Table, bars: ErrorBars) -> Result<Vec<String>, MissingColumn> {
    if table.distinct(column::REPEAT)?.len() < 2 {
        return Ok(vec!["one repeat: no spread estimate".to_owned()]);
    }
    Ok(match bars {
        ErrorBars::Std => vec!["bars: ±1 std over repeats".to_owned()],
        ErrorBars::Sem => vec!["bars: ±1 standard error".to_owned()],
        ErrorBars::Ci95 => vec!["bars: 95% confidence interval (t)".to_owned()],
        ErrorBars::None => Vec::new(),
    })
}

/// Groups as series, each styled and named by the encoding that tells them apart (returned for
/// the legend).
pub(crate) fn encoded_series(grouped: Vec<Grouped>) -> (Vec<Series>, Encoding) {
    let keys: Vec<_> = grouped.iter().map(|group| group.key.clone()).collect();
    let encoding = Encoding::of(&keys);
    let series = grouped
        .into_iter()
        .map(|group| Series {
            name: label(&group.key),
            style: encoding.style(&group.key),
            points: group.points,
        })
        .collect();
    (series, encoding)
}

/// Measured groups as series, each after its analytic curve from `expected` (dotted, in its
/// colour) when there is one; with the encoding that tells the groups apart and its legend, which
/// ends with the analytic curves' entry. `fallback` labels the measured series when no key varies.
pub(crate) fn measured_with_analytic(
    measured: Vec<Grouped>,
    expected: &[Grouped],
    fallback: Option<&str>,
) -> (Vec<Series>, Vec<LegendEntry>) {
    let keys: Vec<_> = measured.iter().map(|group| group.key.clone()).collect();
    let encoding = Encoding::of(&keys);
    let mut series = Vec::new();
    for group in measured {
        let style = encoding.style(&group.key);
        let name = label(&group.key);
        if let Some(analytic) = expected.iter().find(|e| e.key == group.key) {
            series.push(Series {
                name: format!("analytic, {name}"),
                points: analytic
                    .points
                    .iter()
                    .map(|p| Point::new(p.x, p.y))
                    .collect(),
                style: SeriesStyle::analytic(style.colour),
            });
        }
        series.push(Series {
            name,
            points: group.points,
            style,
        });
    }
    let mut legend = encoding.legend();
    if let Some(label) = fallback.filter(|_| legend.is_empty()) {
        legend.push(LegendEntry {
            label: label.to_owned(),
            swatch: SeriesStyle::measured(0, Marker::Circle, Dash::Solid),
        });
    }
    legend.push(LegendEntry {
        label: "analytic expectation".to_owned(),
        swatch: SeriesStyle::analytic(Colour::Grey),
    });
    (series, legend)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(c, v)| (c.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn columns_get_readable_names() {
        assert_eq!(readable("speedup_time"), "speed-up (CPU time)");
        assert_eq!(readable("sisa.shards"), "shards (S)");
        assert_eq!(readable("model.learning_rate"), "learning rate");
        assert_eq!(readable("fits_at_limit"), "fits at limit");
    }

    #[test]
    fn keys_get_the_papers_letters() {
        assert_eq!(short_name("sisa.shards"), "S");
        assert_eq!(short_name("model.alpha"), "alpha");
        let key = key(&[("sisa.shards", "5"), ("sisa.slices", "4")]);
        assert_eq!(label(&key), "S = 5, R = 4");
    }

    #[test]
    fn two_keys_differ_by_colour_and_by_marker_and_dash() {
        let keys: Vec<_> = ["1", "5"]
            .iter()
            .flat_map(|s| ["1", "4"].map(|r| key(&[("sisa.shards", s), ("sisa.slices", r)])))
            .collect();
        let encoding = Encoding::of(&keys);
        let styles: Vec<SeriesStyle> = keys.iter().map(|k| encoding.style(k)).collect();
        // S picks the colour, R the marker and dash: no two series look alike.
        assert_eq!(styles[0].colour, styles[1].colour);
        assert_ne!(styles[0].marker, styles[1].marker);
        assert_ne!(styles[0].line, styles[1].line);
        assert_ne!(styles[0].colour, styles[2].colour);
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // The legend has one entry per value, not per combination.
        let labels: Vec<String> = encoding.legend().into_iter().map(|e| e.label).collect();
        assert_eq!(labels, ["S = 1", "S = 5", "R = 1", "R = 4"]);
    }

    #[test]
    fn zipped_keys_get_one_entry_per_group() {
        let keys = vec![
            key(&[("sisa.partition", "uniform"), ("sisa.shards", "17")]),
            key(&[
                ("sisa.partition", "distribution-aware"),
                ("sisa.shards", "null"),
            ]),
        ];
        let encoding = Encoding::of(&keys);
        let legend = encoding.legend();
        assert_eq!(legend.len(), 2);
        assert_eq!(legend[1].label, "partition = distribution-aware");
        assert_ne!(encoding.style(&keys[0]), encoding.style(&keys[1]));
    }

    #[test]
    fn repeats_combine_as_asked() {
        let values = vec![Some(1.0), Some(5.0), Some(3.0), None];
        let median = |a: Aggregate| a.point(0.0, values.clone(), ErrorBars::Std).unwrap().y;
        assert_eq!(median(Aggregate::Median), 3.0);
        assert_eq!(median(Aggregate::Min), 1.0);
        assert_eq!(median(Aggregate::Max), 5.0);
        let mean = Aggregate::Mean
            .point(0.0, values.clone(), ErrorBars::Std)
            .unwrap();
        assert_eq!(mean.y, 3.0);
        assert_eq!(mean.spread, Some((1.0, 5.0)));
        // Three values: sem 2 / sqrt 3, t(2) = 4.303.
        let ci = Aggregate::Mean
            .point(0.0, values.clone(), ErrorBars::Ci95)
            .unwrap();
        let half = 4.302652730 * 2.0 / 3f64.sqrt();
        assert!((ci.spread.unwrap().1 - (3.0 + half)).abs() < 1e-9);
        let bare = Aggregate::Mean.point(0.0, values, ErrorBars::None).unwrap();
        assert_eq!(bare.spread, None);
        assert_eq!(Aggregate::Mean.point(0.0, vec![None], ErrorBars::Std), None);
    }
}
