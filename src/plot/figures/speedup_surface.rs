//! Speed-up over shards x slices (DESIGN.md §7.3, the paper's Fig. 7): a heat map of the measured
//! speed-up in points (mean baseline cost over mean SISA cost) at the smallest request count, with
//! a colour bar.

use super::{Figure, FigureError};
use crate::plot::axis::Format;
use crate::plot::chart::{Chart, ColourBar, HeatMap};
use crate::plot::data;
use crate::results::{column, Stat, Table};
use crate::spec::raw::ErrorBars;

/// See the module documentation.
pub(crate) struct SpeedupSurface;

impl Figure for SpeedupSurface {
    fn name(&self) -> &str {
        "speedup-surface"
    }

    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::SHARDS) && data::varies(table, column::SLICES)
    }

    fn build(&self, table: &Table, _bars: ErrorBars) -> Result<Chart, FigureError> {
        let rows = data::fewest_requests_rows(table)?;
        let (baseline, sisa) = (
            data::baseline_points(table)?,
            table.numbers(column::SISA_RETRAIN_POINTS)?,
        );
        let shards = table.numbers(column::SHARDS)?;
        let slices = table.numbers(column::SLICES)?;
        let sorted = |values: &[Option<f64>]| {
            let mut distinct: Vec<f64> = rows.iter().filter_map(|&r| values[r]).collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            distinct
        };
        let (x_values, y_values) = (sorted(&shards), sorted(&slices));
        let cells: Vec<Vec<Option<f64>>> = y_values
            .iter()
            .map(|&r| {
                x_values
                    .iter()
                    .map(|&s| {
                        let cell: Vec<usize> = rows
                            .iter()
                            .copied()
                            .filter(|&row| shards[row] == Some(s) && slices[row] == Some(r))
                            .collect();
                        // Mean baseline cost over mean SISA cost, as the analytic model predicts.
                        let mean = |values: &[Option<f64>]| {
                            Stat::of(cell.iter().map(|&row| values[row])).mean
                        };
                        Some(mean(&baseline)? / mean(&sisa)?)
                    })
                    .collect()
            })
            .collect();
        let requests = table.numbers(column::REQUESTS)?;
        let n_train = table.numbers(column::N_TRAIN)?;
        let first = |values: &[Option<f64>]| rows.first().and_then(|&row| values[row]);
        let (requests, n_train) = (
            first(&requests).unwrap_or(0.0),
            first(&n_train).unwrap_or(1.0),
        );
        let name = |values: &[f64]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
        Ok(Chart::Heat(HeatMap {
            title: format!(
                "Speed-up (points) at K = {requests} request{} ({:.4}% of the training points)",
                if requests == 1.0 { "" } else { "s" },
                100.0 * requests / n_train
            ),
            x_label: "shards (S)".to_owned(),
            y_label: "slices per shard (R)".to_owned(),
            x_values: name(&x_values),
            y_values: name(&y_values),
            colour_bar: ColourBar::spanning(&cells, Format::Times),
            cells,
            format: Format::Times,
            caption: data::caption(table)?,
        }))
    }
}
