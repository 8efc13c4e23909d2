//! From a results table to what figures show: rows selected, grouped into series, combined over
//! repeats; which look each series gets and the legend that explains it; readable labels for
//! swept keys; the caption line.

use std::collections::BTreeMap;

use super::chart::{Colour, Dash, LegendEntry, Marker, Point, Series, SeriesStyle};
use crate::results::{column, MissingColumn, Stat, Table};

/// One group of rows: the values of the grouping columns and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped {
    /// `(column, value)` for each grouping column.
    pub key: Vec<(String, String)>,
    /// The combined y per distinct x, by increasing x.
    pub points: Vec<Point>,
}

/// How the rows that share an x (the repeats) become one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Their mean, with a spread of one standard deviation.
    Mean,
    /// Their median.
    Median,
    /// The smallest.
    Min,
    /// The largest.
    Max,
}

impl Aggregate {
    /// The point of `values` at `x`, if any value is there.
    fn point(self, x: f64, values: Vec<Option<f64>>) -> Option<Point> {
        let mut present: Vec<f64> = values.iter().flatten().copied().collect();
        present.sort_by(f64::total_cmp);
        let y = match self {
            Aggregate::Mean => {
                let stat = Stat::of(values);
                let mean = stat.mean?;
                let spread = stat.std.map(|std| (mean - std, mean + std));
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

/// For `rows`, `y` combined per distinct `x` (values per table row) with the mean, one group per
/// combination of the `group_by` columns (in order of first appearance).
pub fn series(
    table: &Table,
    rows: &[usize],
    x: &[Option<f64>],
    y: &[Option<f64>],
    group_by: &[String],
) -> Result<Vec<Grouped>, MissingColumn> {
    series_with(table, rows, x, y, group_by, Aggregate::Mean)
}

/// [`series`], combining the rows at each x with `aggregate`.
pub fn series_with(
    table: &Table,
    rows: &[usize],
    x: &[Option<f64>],
    y: &[Option<f64>],
    group_by: &[String],
    aggregate: Aggregate,
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
                .filter_map(|(x, values)| aggregate.point(x.0, values))
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

/// Whether a swept key sets SISA's layout or aggregation (`sisa.*`): what a baseline trained on
/// all the data does not depend on.
pub fn is_layout_key(key: &str) -> bool {
    key.starts_with("sisa.")
}

/// Whether a column exists and takes at least two distinct values.
pub fn varies(table: &Table, column: impl AsRef<str>) -> bool {
    table.distinct(column).is_ok_and(|values| values.len() > 1)
}

/// The smallest request count.
pub fn fewest_requests(table: &Table) -> Result<f64, MissingColumn> {
    let requests = table.numbers(column::REQUESTS)?;
    Ok(requests
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min))
}

/// The rows of the smallest request count (every step with it, when a spec lists it more than
/// once to pool independent batches).
pub fn fewest_requests_rows(table: &Table) -> Result<Vec<usize>, MissingColumn> {
    let requests = table.numbers(column::REQUESTS)?;
    let fewest = fewest_requests(table)?;
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
        "requests" => "K",
        other => other.rsplit('.').next().unwrap_or(other),
    }
}

/// The grouping "column" of series that are different measures (one colour per measure): its
/// values are their own labels.
pub const MEASURE: &str = "";

/// `S = 5` for one grouping value (a measure's name alone).
fn value_label(column: &str, value: &str) -> String {
    if column == MEASURE {
        value.to_owned()
    } else {
        format!("{} = {value}", short_name(column))
    }
}

/// `S = 5, R = 4` for a group key (values `null`, from zipped keys, left out).
pub fn label(key: &[(String, String)]) -> String {
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
pub struct Encoding {
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
    pub fn of(keys: &[Vec<(String, String)>]) -> Encoding {
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
    pub fn style(&self, key: &[(String, String)]) -> SeriesStyle {
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
    pub fn legend(&self) -> Vec<LegendEntry> {
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
    x: &[Option<f64>],
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

/// Groups as series, each styled and named by the encoding that tells them apart (returned for
/// the legend).
pub fn encoded_series(grouped: Vec<Grouped>) -> (Vec<Series>, Encoding) {
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
pub fn measured_with_analytic(
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
        assert_eq!(Aggregate::Median.point(0.0, values.clone()).unwrap().y, 3.0);
        assert_eq!(Aggregate::Min.point(0.0, values.clone()).unwrap().y, 1.0);
        assert_eq!(Aggregate::Max.point(0.0, values.clone()).unwrap().y, 5.0);
        let mean = Aggregate::Mean.point(0.0, values).unwrap();
        assert_eq!(mean.y, 3.0);
        assert_eq!(mean.spread, Some((1.0, 5.0)));
        assert_eq!(Aggregate::Mean.point(0.0, vec![None]), None);
    }
}
