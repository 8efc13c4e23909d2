//! The overview table shown at the end of a run and in reports: per sweep point and request count,
//! the speed-ups (measured and expected) and mean accuracies over repeats. A speed-up is the
//! baseline's mean cost over SISA's mean cost, as in the figures and the analytic model.

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

/// The overview of a results table.
pub fn overview(table: &Table) -> Result<Overview, MissingColumn> {
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
            let speedup = |baseline: &[Option<f64>], sisa: &[Option<f64>]| {
                Some(mean_of(baseline)? / mean_of(sisa)?).filter(|r| r.is_finite())
            };
            let mut row: Vec<String> = swept_values.iter().map(|v| v[first].clone()).collect();
            row.push(requests[first].clone());
            row.push(group.rows.len().to_string());
            row.push(format::number(mean_of(&shards_hit), 1));
            row.push(format::ratio(speedup(&baseline, &sisa_points)));
            row.push(format::ratio(speedup(&baseline, &expected_points)));
            row.push(format::ratio(speedup(&baseline_cpu, &sisa_cpu)));
            row.push(format::percent(mean_of(&sisa_accuracy)));
            row.push(format::percent(mean_of(&baseline_accuracy)));
            row.push(format::percent(mean_of(&lone_accuracy)));
            row
        })
        .collect();
    Ok(Overview { headers, rows })
}
