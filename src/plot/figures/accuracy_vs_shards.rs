//! Accuracy vs number of shards (DESIGN.md §7.2): the SISA ensemble under each aggregation, the
//! retrained baseline, and one constituent alone (the paper's "1/S"), after the fewest requests.

use super::Figure;
use crate::plot::chart::{Chart, Corner, Format, LineChart, Series};
use crate::plot::data;
use crate::results::Table;

/// See the module documentation.
pub struct AccuracyVsShards;

/// The accuracy columns drawn, with their legend names.
const MEASURES: [(&str, &str); 4] = [
    ("sisa_accuracy_majority", "SISA, majority vote"),
    ("sisa_accuracy_mean_proba", "SISA, mean of probabilities"),
    ("baseline_accuracy", "baseline (one model, all data)"),
    ("lone_shard_accuracy", "one constituent alone (1/S)"),
];

impl Figure for AccuracyVsShards {
    fn applies(&self, table: &Table) -> bool {
        data::varies(table, "shards")
    }

    fn build(&self, table: &Table) -> Result<Chart, String> {
        let rows = data::fewest_requests_rows(table);
        let groups = data::varying_keys(table, &["sisa.shards"]);
        let mut series = Vec::new();
        for (colour, (column, name)) in MEASURES.iter().enumerate() {
            for group in data::series(table, &rows, "shards", &table.numbers(column), &groups) {
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
            return Err("no accuracy was measured".to_owned());
        }
        let shards: Vec<f64> = table.numbers("shards").into_iter().flatten().collect();
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
            caption: data::caption(table, true),
            y_format: Format::Percent,
        }))
    }
}
