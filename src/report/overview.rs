//! The overview table shown at the end of a run and in reports: per sweep point and request count,
//! the speed-ups (measured and expected) and mean accuracies over repeats. A speed-up is the
//! baseline's mean cost over SISA's mean cost, as in the figures and the analytic model. The
//! reports' version adds the spread: one standard deviation over repeats (for speed-ups, of the
//! per-repeat ratios).

use super::format;
use crate::plot::data::baseline_points;
use crate::results::{column, groups, MissingColumn, Table};

/// A table of text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// Column titles.
    pub headers: Vec<String>,
    /// One row per sweep point and request count.
    pub rows: Vec<Vec<String>>,
}

/// The overview of a results table: means.
pub fn overview(table: &Table) -> Result<Overview, MissingColumn> {
    build(table, false)
}

/// The overview with each mean's spread (`mean ± std`).
pub fn overview_with_spread(table: &Table) -> Result<Overview, MissingColumn> {
    build(table, true)
}

fn build(table: &Table, spread: bool) -> Result<Overview, MissingColumn> {
    let swept = table.swept_columns();
    let mut headers = swept.to_vec();
    headers.extend(
        [
            "requests",
            "repeats",
            "shards hit",
            "speed-up (points)",
            "expected",
            "speed-up (cpu)",
            "sisa acc",
            "baseline acc",
            "lone shard acc",
        ]
        .map(str::to_owned),
    );
    let swept_values: Vec<Vec<String>> = swept
        .iter()
        .map(|key| table.texts(key))
        .collect::<Result<_, _>>()?;
    let requests = table.texts(column::REQUESTS)?;
    let baseline = baseline_points(table)?;
    let (sisa_points, sisa_cpu, expected_points, baseline_cpu) = (
        table.numbers(column::SISA_RETRAIN_POINTS)?,
        table.numbers(column::SISA_RETRAIN_CPU_S)?,
        table.numbers(column::EXPECTED_SISA_POINTS)?,
        table.numbers(column::BASELINE_RETRAIN_CPU_S)?,
    );
    let (speedup_points, speedup_time) = (
        table.numbers(column::SPEEDUP_POINTS)?,
        table.numbers(column::SPEEDUP_TIME)?,
    );
    let (shards_hit, sisa_accuracy, baseline_accuracy, lone_accuracy) = (
        table.numbers(column::SHARDS_RETRAINED)?,
        table.numbers(column::SISA_ACCURACY)?,
        table.numbers(column::BASELINE_ACCURACY)?,
        table.numbers(column::LONE_SHARD_ACCURACY)?,
    );
    let rows = groups(table)?
        .iter()
        .map(|group| {
            let first = group.first();
            let mean_of = |values: &[Option<f64>]| group.stat_of(values).mean;
            let std_of = |values: &[Option<f64>]| group.stat_of(values).std.filter(|_| spread);
            let speedup = |baseline: &[Option<f64>], sisa: &[Option<f64>]| {
                Some(mean_of(baseline)? / mean_of(sisa)?).filter(|r| r.is_finite())
            };
            let accuracy =
                |values: &[Option<f64>]| format::percent_spread(mean_of(values), std_of(values));
            let mut row: Vec<String> = swept_values.iter().map(|v| v[first].clone()).collect();
            row.push(requests[first].clone());
            row.push(group.rows.len().to_string());
            row.push(format::number(mean_of(&shards_hit), 1));
            row.push(format::ratio_spread(
                speedup(&baseline, &sisa_points),
                std_of(&speedup_points),
            ));
            row.push(format::ratio(speedup(&baseline, &expected_points)));
            row.push(format::ratio_spread(
                speedup(&baseline_cpu, &sisa_cpu),
                std_of(&speedup_time),
            ));
            row.push(accuracy(&sisa_accuracy));
            row.push(accuracy(&baseline_accuracy));
            row.push(accuracy(&lone_accuracy));
            row
        })
        .collect();
    Ok(Overview { headers, rows })
}
