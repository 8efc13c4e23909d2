//! Speed-up vs number of requests (DESIGN.md §7.1): one line per configuration, measured mean with
//! its error bars over repeats, and the analytic expectation of `cost.rs` dotted in the same
//! colour.

use super::{Figure, FigureError};
use crate::plot::axis::{AxisSpec, Format, Scale};
use crate::plot::chart::{Chart, LineChart};
use crate::plot::data;
use crate::results::{column, Table};
use crate::spec::raw::ErrorBars;

/// See the module documentation.
pub(crate) struct SpeedupVsRequests;

impl Figure for SpeedupVsRequests {
    fn name(&self) -> &str {
        "speedup-vs-requests"
    }

    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::REQUESTS)
    }

    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError> {
        let rows = data::all_rows(table);
        let groups = data::varying_keys(table, &[]);
        let requests = table.numbers(column::REQUESTS)?;
        let measured = data::speedup_series(table, &rows, &requests, &groups, bars)?;
        let expected_speedup = table.numbers(column::EXPECTED_SPEEDUP_POINTS)?;
        let expected = data::series(
            table,
            &rows,
            (&requests, &expected_speedup),
            &groups,
            ErrorBars::None,
        )?;
        if measured.is_empty() {
            return Err(FigureError::Unfit("no speed-up was measured".to_owned()));
        }
        let (series, legend) = data::measured_with_analytic(measured, &expected, Some("measured"));
        let x = AxisSpec::numeric("requests in one batch (K)", Scale::Auto, Format::Plain);
        let y = AxisSpec::numeric("speed-up (points)", Scale::Log, Format::Times);
        let chart = LineChart::new(
            "Unlearning speed-up vs number of requests",
            &x,
            &y,
            series,
            legend,
            data::caption(table)?,
        );
        Ok(Chart::Line(chart.noting(data::notes(table, bars)?)))
    }
}
