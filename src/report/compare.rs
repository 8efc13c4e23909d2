//! Two results tables side by side. [`compare`] matches their settings (configuration, swept
//! values both have, request count and step) and, for each setting both ran, sets the speed-ups,
//! accuracies and costs of one against the other, saying whether a difference exceeds twice its
//! combined standard error. [`exact`] checks that every value but the timings is identical, row
//! for row (trial and step), as a cluster run and a local run of one spec must be.

use std::collections::{BTreeMap, BTreeSet};

use crate::plot::data::baseline_points;
use crate::results::record::Role;
use crate::results::{column, timing_columns, MissingColumn, Stat, Table, COLUMNS};

/// A difference counts as real when it exceeds this many combined standard errors.
pub const STANDARD_ERRORS: f64 = 2.0;

/// A mean over repeats and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The mean (for a speed-up: the ratio of mean costs).
    pub mean: Option<f64>,
    /// Its standard error (for a ratio, by the delta method), with two repeats or more.
    pub sem: Option<f64>,
    /// The repeats it is taken over.
    pub repeats: usize,
}

/// What is compared for each setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Baseline points over SISA points.
    SpeedupPoints,
    /// Baseline CPU time over SISA CPU time.
    SpeedupCpu,
    /// SISA's test accuracy.
    SisaAccuracy,
    /// The baseline's test accuracy.
    BaselineAccuracy,
    /// Points SISA retrained.
    SisaPoints,
    /// CPU seconds SISA's retraining took.
    SisaCpu,
}

impl Measure {
    /// Every measure, in the order shown.
    pub const ALL: [Measure; 6] = [
        Measure::SpeedupPoints,
        Measure::SpeedupCpu,
        Measure::SisaAccuracy,
        Measure::BaselineAccuracy,
        Measure::SisaPoints,
        Measure::SisaCpu,
    ];

    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Measure::SpeedupPoints => "speed-up (points)",
            Measure::SpeedupCpu => "speed-up (cpu)",
            Measure::SisaAccuracy => "sisa acc",
            Measure::BaselineAccuracy => "baseline acc",
            Measure::SisaPoints => "sisa points",
            Measure::SisaCpu => "sisa cpu s",
        }
    }

    /// A value of this measure, as written in tables.
    pub fn write(self, value: Option<f64>) -> String {
        match self {
            Measure::SpeedupPoints | Measure::SpeedupCpu => super::format::ratio(value),
            Measure::SisaAccuracy | Measure::BaselineAccuracy => super::format::percent(value),
            Measure::SisaPoints => super::format::number(value, 1),
            Measure::SisaCpu => super::format::number(value, 4),
        }
    }

    /// A difference of this measure (B - A), signed.
    pub fn write_difference(self, value: Option<f64>) -> String {
        match (self, value) {
            (_, None) => "-".to_owned(),
            (Measure::SisaAccuracy | Measure::BaselineAccuracy, Some(v)) => {
                format!("{} pt", super::format::points_change(v))
            }
            (Measure::SpeedupPoints | Measure::SpeedupCpu, Some(v)) => format!("{v:+.2}x"),
            (Measure::SisaPoints, Some(v)) => format!("{v:+.1}"),
            (Measure::SisaCpu, Some(v)) => format!("{v:+.4}"),
        }
    }
}

/// One measure of one setting in both runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureComparison {
    /// What.
    pub measure: Measure,
    /// In the first run.
    pub a: Estimate,
    /// In the second run.
    pub b: Estimate,
}

impl MeasureComparison {
    /// B minus A.
    pub fn difference(&self) -> Option<f64> {
        Some(self.b.mean? - self.a.mean?)
    }

    /// Whether the difference exceeds [`STANDARD_ERRORS`] combined standard errors (`None`
    /// when a run has too few repeats to tell; an exact zero never does).
    pub fn beyond_spread(&self) -> Option<bool> {
        let difference = self.difference()?;
        if difference == 0.0 {
            return Some(false);
        }
        let combined = (self.a.sem?.powi(2) + self.b.sem?.powi(2)).sqrt();
        Some(difference.abs() > STANDARD_ERRORS * combined)
    }
}

/// One setting both runs have.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingComparison {
    /// The values that tell it from the other settings, `(column, value)`.
    pub setting: Vec<(String, String)>,
    /// Each measure in both runs.
    pub measures: Vec<MeasureComparison>,
}

/// Two runs compared on their common settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The settings both have, in the first run's order.
    pub settings: Vec<SettingComparison>,
    /// Settings only the first run has.
    pub only_in_a: usize,
    /// Settings only the second run has.
    pub only_in_b: usize,
}

/// A setting's values of the key columns, and its rows.
type Rows = (Vec<String>, Vec<usize>);

/// The rows of each setting, in order of first appearance, keyed by the values of `columns`.
fn settings_of(table: &Table, columns: &[String]) -> Result<Vec<Rows>, MissingColumn> {
    let values: Vec<Vec<String>> = columns
        .iter()
        .map(|c| table.texts(c))
        .collect::<Result<_, _>>()?;
    let mut settings: Vec<Rows> = Vec::new();
    let mut index: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for row in 0..table.height() {
        let key: Vec<String> = values.iter().map(|v| v[row].clone()).collect();
        match index.get(&key) {
            Some(&position) => settings[position].1.push(row),
            None => {
                index.insert(key.clone(), settings.len());
                settings.push((key, vec![row]));
            }
        }
    }
    Ok(settings)
}

/// The key columns that tell settings apart, as shown: those that vary, but not the ones another
/// shown column already tells (`shards` beside `sisa.shards`, `shard_sizes`, and `step` when the
/// request counts are enough).
fn shown_columns(columns: &[String], in_a: &[Rows], in_b: &[Rows]) -> Vec<usize> {
    let all = || in_a.iter().chain(in_b);
    let varies = |i: usize| {
        let first = all().next().map(|(key, _)| &key[i]);
        all().any(|(key, _)| Some(&key[i]) != first)
    };
    let told_by_swept = |name: &str| {
        name == column::SHARD_SIZES.as_str()
            || columns
                .iter()
                .any(|c| c.strip_prefix("sisa.") == Some(name))
    };
    let mut shown: Vec<usize> = (0..columns.len())
        .filter(|&i| varies(i) && !told_by_swept(&columns[i]))
        .collect();
    if let Some(step) = columns.iter().position(|c| c == column::STEP.as_str()) {
        let without_step: BTreeSet<Vec<&String>> = all()
            .map(|(key, _)| {
                shown
                    .iter()
                    .filter(|&&i| i != step)
                    .map(|&i| &key[i])
                    .collect()
            })
            .collect();
        let settings: BTreeSet<&Vec<String>> = all().map(|(key, _)| key).collect();
        if without_step.len() == settings.len() {
            shown.retain(|&i| i != step);
        }
    }
    shown
}

/// Per-row values a table gives for each measure: (numerator, denominator) for ratios.
struct Columns {
    sisa_points: Vec<Option<f64>>,
    baseline_points: Vec<Option<f64>>,
    sisa_cpu: Vec<Option<f64>>,
    baseline_cpu: Vec<Option<f64>>,
    sisa_accuracy: Vec<Option<f64>>,
    baseline_accuracy: Vec<Option<f64>>,
}

impl Columns {
    fn of(table: &Table) -> Result<Columns, MissingColumn> {
        Ok(Columns {
            sisa_points: table.numbers(column::SISA_RETRAIN_POINTS)?,
            baseline_points: baseline_points(table)?,
            sisa_cpu: table.numbers(column::SISA_RETRAIN_CPU_S)?,
            baseline_cpu: table.numbers(column::BASELINE_RETRAIN_CPU_S)?,
            sisa_accuracy: table.numbers(column::SISA_ACCURACY)?,
            baseline_accuracy: table.numbers(column::BASELINE_ACCURACY)?,
        })
    }

    fn estimate(&self, measure: Measure, rows: &[usize]) -> Estimate {
        let stat = |values: &[Option<f64>]| Stat::of(rows.iter().map(|&row| values[row]));
        let plain = |stat: Stat| Estimate {
            mean: stat.mean,
            sem: stat.sem,
            repeats: rows.len(),
        };
        let ratio = |top: Stat, bottom: Stat| {
            let mean = top
                .mean
                .zip(bottom.mean)
                .map(|(t, b)| t / b)
                .filter(|r| r.is_finite());
            let relative = |s: Stat| s.sem.zip(s.mean).map(|(sem, mean)| sem / mean);
            let sem = mean
                .zip(relative(top))
                .zip(relative(bottom))
                .map(|((r, t), b)| r * (t.powi(2) + b.powi(2)).sqrt());
            Estimate {
                mean,
                sem,
                repeats: rows.len(),
            }
        };
        match measure {
            Measure::SpeedupPoints => ratio(stat(&self.baseline_points), stat(&self.sisa_points)),
            Measure::SpeedupCpu => ratio(stat(&self.baseline_cpu), stat(&self.sisa_cpu)),
            Measure::SisaAccuracy => plain(stat(&self.sisa_accuracy)),
            Measure::BaselineAccuracy => plain(stat(&self.baseline_accuracy)),
            Measure::SisaPoints => plain(stat(&self.sisa_points)),
            Measure::SisaCpu => plain(stat(&self.sisa_cpu)),
        }
    }
}

/// `a` and `b` on the settings both ran. A setting is its configuration columns, the swept
/// columns both tables have, its request count and its step; shown by the ones that vary.
pub fn compare(a: &Table, b: &Table) -> Result<Comparison, MissingColumn> {
    let mut columns: Vec<String> = a
        .swept_columns()
        .iter()
        .filter(|c| b.swept_columns().contains(c))
        .cloned()
        .collect();
    columns.extend(
        COLUMNS
            .iter()
            .filter(|c| c.role == Role::Config || c.role == Role::Step)
            .filter(|c| c.name != column::REMOVED_TOTAL)
            .map(|c| c.name.as_str().to_owned()),
    );
    let (in_a, in_b) = (settings_of(a, &columns)?, settings_of(b, &columns)?);
    let shown = shown_columns(&columns, &in_a, &in_b);
    let (values_a, values_b) = (Columns::of(a)?, Columns::of(b)?);
    let mut settings = Vec::new();
    for (key, rows_a) in &in_a {
        let Some((_, rows_b)) = in_b.iter().find(|(other, _)| other == key) else {
            continue;
        };
        settings.push(SettingComparison {
            setting: shown
                .iter()
                .map(|&i| (columns[i].clone(), key[i].clone()))
                .collect(),
            measures: Measure::ALL
                .iter()
                .map(|&measure| MeasureComparison {
                    measure,
                    a: values_a.estimate(measure, rows_a),
                    b: values_b.estimate(measure, rows_b),
                })
                .collect(),
        });
    }
    let common = settings.len();
    Ok(Comparison {
        settings,
        only_in_a: in_a.len() - common,
        only_in_b: in_b.len() - common,
    })
}

/// One value that differs between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The trial.
    pub trial_id: String,
    /// The step.
    pub step: String,
    /// The column.
    pub column: String,
    /// Its value in the first run.
    pub a: String,
    /// Its value in the second run.
    pub b: String,
}

/// The outcome of an exact comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactComparison {
    /// Rows (trial and step) both runs have.
    pub rows: usize,
    /// Columns compared: every one but the timings.
    pub columns: usize,
    /// Columns only one of the runs has.
    pub unmatched_columns: Vec<String>,
    /// Rows (`trial step`) only the first run has.
    pub only_in_a: Vec<String>,
    /// Rows only the second run has.
    pub only_in_b: Vec<String>,
    /// Values that differ, by row then column.
    pub differences: Vec<Difference>,
}

impl ExactComparison {
    /// Whether the runs are identical, timings aside.
    pub fn identical(&self) -> bool {
        self.unmatched_columns.is_empty()
            && self.only_in_a.is_empty()
            && self.only_in_b.is_empty()
            && self.differences.is_empty()
    }
}

/// Compares every value but the timing columns, matching rows by trial id and step.
pub fn exact(a: &Table, b: &Table) -> Result<ExactComparison, MissingColumn> {
    let timing: Vec<String> = timing_columns().map(|c| c.as_str().to_owned()).collect();
    let (names_a, names_b) = (a.column_names(), b.column_names());
    let compared: Vec<String> = names_a
        .iter()
        .filter(|n| names_b.contains(n) && !timing.contains(n))
        .cloned()
        .collect();
    let unmatched_columns: Vec<String> = names_a
        .iter()
        .filter(|n| !names_b.contains(n))
        .chain(names_b.iter().filter(|n| !names_a.contains(n)))
        .cloned()
        .collect();
    let rows_of = |table: &Table| -> Result<BTreeMap<(String, String), usize>, MissingColumn> {
        let (ids, steps) = (table.texts(column::TRIAL_ID)?, table.texts(column::STEP)?);
        Ok((0..table.height())
            .map(|row| ((ids[row].clone(), steps[row].clone()), row))
            .collect())
    };
    let (rows_a, rows_b) = (rows_of(a)?, rows_of(b)?);
    let describe = |(id, step): &(String, String)| format!("trial {id} step {step}");
    let only_in_a = rows_a
        .keys()
        .filter(|k| !rows_b.contains_key(*k))
        .map(describe)
        .collect();
    let only_in_b = rows_b
        .keys()
        .filter(|k| !rows_a.contains_key(*k))
        .map(describe)
        .collect();
    let mut differences = Vec::new();
    let values: Vec<(Vec<String>, Vec<String>)> = compared
        .iter()
        .map(|c| Ok((a.texts(c)?, b.texts(c)?)))
        .collect::<Result<_, MissingColumn>>()?;
    let mut rows = 0;
    for (key, &row_a) in &rows_a {
        let Some(&row_b) = rows_b.get(key) else {
            continue;
        };
        rows += 1;
        for (name, (in_a, in_b)) in compared.iter().zip(&values) {
            if in_a[row_a] != in_b[row_b] {
                differences.push(Difference {
                    trial_id: key.0.clone(),
                    step: key.1.clone(),
                    column: name.clone(),
                    a: in_a[row_a].clone(),
                    b: in_b[row_b].clone(),
                });
            }
        }
    }
    Ok(ExactComparison {
        rows,
        columns: compared.len(),
        unmatched_columns,
        only_in_a,
        only_in_b,
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(mean: f64, sem: f64) -> Estimate {
        Estimate {
            mean: Some(mean),
            sem: Some(sem),
            repeats: 3,
        }
    }

    #[test]
    fn differences_count_against_the_combined_standard_error() {
        let compared = |a, b| MeasureComparison {
            measure: Measure::SisaAccuracy,
            a,
            b,
        };
        // 0.02 apart, combined standard error 0.005: real.
        assert_eq!(
            compared(estimate(0.90, 0.003), estimate(0.92, 0.004)).beyond_spread(),
            Some(true)
        );
        // 0.005 apart, same errors: within the spread.
        assert_eq!(
            compared(estimate(0.90, 0.003), estimate(0.905, 0.004)).beyond_spread(),
            Some(false)
        );
        let single = Estimate {
            sem: None,
            ..estimate(0.9, 0.0)
        };
        assert_eq!(compared(single, estimate(0.8, 0.01)).beyond_spread(), None);
    }
}
