//! Speed-up vs number of requests (DESIGN.md §7.1): one line per configuration, measured mean with
//! its spread over repeats, and the analytic expectation of `cost.rs` dotted in the same colour.

use super::{Figure, FigureError};
use crate::plot::chart::{AxisSpec, Chart, Format, LineChart};
use crate::plot::data::{self};
use crate::results::{column, Table};

/// See the module documentation.
pub struct SpeedupVsRequests;

impl Figure for SpeedupVsRequests {
    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::REQUESTS)
    }

    fn build(&self, table: &Table) -> Result<Chart, FigureError> {
        let rows = data::all_rows(table);
        let groups = data::varying_keys(table, &[]);
        let requests = table.numbers(column::REQUESTS)?;
        let measured = data::speedup_series(table, &rows, &requests, &groups)?;
        let expected_speedup = table.numbers(column::EXPECTED_SPEEDUP_POINTS)?;
        let expected = data::series(table, &rows, &requests, &expected_speedup, &groups)?;
        if measured.is_empty() {
            return Err(FigureError::Unfit("no speed-up was measured".to_owned()));
        }
        let (series, legend) = data::measured_with_analytic(measured, &expected, Some("measured"));
        let values: Vec<f64> = requests.iter().flatten().copied().collect();
        let span = values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            / values.iter().copied().fold(f64::INFINITY, f64::min);
        let x = AxisSpec::numeric(
            "requests unlearned in one batch (K)",
            span >= 10.0,
            Format::Plain,
        );
        let y = AxisSpec::numeric(
            "speed-up: baseline points / SISA points retrained",
            true,
            Format::Times,
        );
        Ok(Chart::Line(LineChart::new(
            "Unlearning speed-up vs number of requests",
            &x,
            &y,
            series,
            legend,
            data::caption(table, true)?,
        )))
    }
}
