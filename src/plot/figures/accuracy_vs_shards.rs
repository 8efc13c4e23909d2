//! Accuracy vs number of shards (DESIGN.md §7.2): the SISA ensemble under each aggregation, the
//! retrained baseline, and one constituent alone (the paper's "1/S"), after each trial's fewest
//! requests.
//! Colour tells the measures apart; marker and dash the other swept keys. The baseline, trained on
//! all the data, does not depend on SISA's layout: it gets one line per value of the other keys,
//! pooled over the layout's (`sisa.*`), instead of a copy per layout.

use super::{Figure, FigureError};
use crate::plot::axis::{AxisSpec, Format, Scale};
use crate::plot::chart::{Chart, LineChart, Series};
use crate::plot::data::{self, Encoding, MEASURE};
use crate::results::{column, ColumnName, Table};
use crate::spec::raw::ErrorBars;

/// See the module documentation.
pub(crate) struct AccuracyVsShards;

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
    fn name(&self) -> &str {
        "accuracy-vs-shards"
    }

    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::SHARDS)
    }

    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError> {
        let rows = data::first_requests_rows(table)?;
        let groups = data::varying_keys(table, &["sisa.shards"]);
        let baseline_groups: Vec<String> = groups
            .iter()
            .filter(|key| !data::is_layout_key(key))
            .cloned()
            .collect();
        let shards = table.numbers(column::SHARDS)?;
        let mut grouped = Vec::new();
        for (measure, name) in MEASURES {
            let by = if measure == column::BASELINE_ACCURACY {
                &baseline_groups
            } else {
                &groups
            };
            let values = table.numbers(measure)?;
            for group in data::series(table, &rows, (&shards, &values), by, bars)? {
                let mut key = vec![(MEASURE.to_owned(), name.to_owned())];
                key.extend(group.key);
                grouped.push((key, group.points));
            }
        }
        if grouped.is_empty() {
            return Err(FigureError::Unfit("no accuracy was measured".to_owned()));
        }
        // Every measure against every combination of the other keys: a full grid to encode.
        let combinations =
            data::series(table, &rows, (&shards, &shards), &groups, ErrorBars::None)?;
        let keys: Vec<Vec<(String, String)>> = MEASURES
            .iter()
            .flat_map(|(_, name)| {
                combinations.iter().map(move |group| {
                    let mut key = vec![(MEASURE.to_owned(), name.to_string())];
                    key.extend(group.key.iter().cloned());
                    key
                })
            })
            .collect();
        let encoding = Encoding::of(&keys);
        let series: Vec<Series> = grouped
            .into_iter()
            .map(|(key, points)| Series {
                name: data::label(&key),
                style: encoding.style(&key),
                points,
            })
            .collect();
        let x = AxisSpec::numeric("shards (S)", Scale::Auto, Format::Plain);
        let y = AxisSpec::numeric("test accuracy", Scale::Linear, Format::Percent);
        let chart = LineChart::new(
            "Test accuracy vs number of shards",
            &x,
            &y,
            series,
            encoding.legend(),
            data::caption(table)?,
        );
        Ok(Chart::Line(chart.noting(data::notes(table, bars)?)))
    }
}
