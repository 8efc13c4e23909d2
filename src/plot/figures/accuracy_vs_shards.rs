//! Accuracy vs number of shards (DESIGN.md §7.2): the SISA ensemble under each aggregation, the
//! retrained baseline, and one constituent alone (the paper's "1/S"), after the fewest requests.

use super::{Figure, FigureError};
use crate::plot::chart::{Chart, Corner, Format, LineChart, Series};
use crate::plot::data;
use crate::results::{column, ColumnName, Table};

/// See the module documentation.
pub struct AccuracyVsShards;

/// The accuracy columns drawn, with their legend names.
const MEASURES: [(ColumnName, &str); 4] = [
    (column::SISA_ACCURACY_MAJORITY, "SISA, majority vote"),
    (
        column::SISA_ACCURACY_MEAN_PROBA,
        "SISA, mean of probabilities",
    ),
    (column::BASELINE_ACCURACY, "baseline (one model, all data)"),
    (column::LONE_SHARD_ACCURACY, "one constituent alone (1/S)"),
];

impl Figure for AccuracyVsShards {
    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::SHARDS)
    }

    fn build(&self, table: &Table) -> Result<Chart, FigureError> {
        let rows = data::fewest_requests_rows(table)?;
        let groups = data::varying_keys(table, &["sisa.shards"]);
        let mut series = Vec::new();
        for (colour, (measure, name)) in MEASURES.iter().enumerate() {
            let values = table.numbers(*measure)?;
            for group in data::series(table, &rows, column::SHARDS.as_str(), &values, &groups)? {
                let label = match group.key.is_empty() {
                    true => name.to_string(),
                    false => format!("{name}, {}", data::label(&group.key)),
                };
                series.push(Series {
                    label: Some(label),
                    points: group.points,
                    colour,
                    dashed: false,
                });
            }
        }
        if series.is_empty() {
            return Err(FigureError::Unfit("no accuracy was measured".to_owned()));
        }
        let shards: Vec<f64> = table
            .numbers(column::SHARDS)?
            .into_iter()
            .flatten()
            .collect();
        let span = shards.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        Ok(Chart::Line(LineChart {
            title: "Test accuracy vs number of shards".to_owned(),
            x_label: "shards (S)".to_owned(),
            y_label: "test accuracy".to_owned(),
            x_log: span >= 10.0,
            y_log: false,
            series,
            legend: Corner::LowerLeft,
            dashed_means: None,
            caption: data::caption(table, true)?,
            y_format: Format::Percent,
        }))
    }
}
