//! Points retrained vs number of requests (DESIGN.md §7 items 4 and 5): SISA's retraining cost in
//! the paper's unit, one line per compared configuration (uniform vs distribution-aware sharding,
//! batched vs sequential processing, ...), with the analytic expectation dotted.

use super::{Figure, FigureError};
use crate::plot::axis::{AxisSpec, Format, Scale};
use crate::plot::chart::{Chart, LineChart};
use crate::plot::data;
use crate::results::{column, ColumnName, Table};
use crate::spec::raw::ErrorBars;

/// See the module documentation.
pub(crate) struct PointsVsRequests;

/// What the figure contrasts; it applies when one of these varies.
const CONTRASTS: [ColumnName; 3] = [column::PARTITION, column::MODE, column::DISTRIBUTION];

impl Figure for PointsVsRequests {
    fn name(&self) -> &str {
        "points-vs-requests"
    }

    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::REQUESTS) && CONTRASTS.iter().any(|c| data::varies(table, c))
    }

    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError> {
        let rows = data::all_rows(table);
        let groups = data::varying_keys(table, &[]);
        let requests = table.numbers(column::REQUESTS)?;
        let sisa_points = table.numbers(column::SISA_RETRAIN_POINTS)?;
        let measured = data::series(table, &rows, (&requests, &sisa_points), &groups, bars)?;
        let expected_points = table.numbers(column::EXPECTED_SISA_POINTS)?;
        let expected = data::series(
            table,
            &rows,
            (&requests, &expected_points),
            &groups,
            ErrorBars::None,
        )?;
        if measured.is_empty() {
            return Err(FigureError::Unfit(
                "no retraining cost was measured".to_owned(),
            ));
        }
        let (series, legend) = data::measured_with_analytic(measured, &expected, None);
        let mode = table.distinct(column::MODE)?;
        let cumulative = mode.iter().any(|m| m != "batch");
        let x_title = if cumulative {
            "requests (K; cumulative for sequential and stream)"
        } else {
            "requests in one batch (K)"
        };
        let x = AxisSpec::numeric(x_title, Scale::Log, Format::Plain);
        let y = AxisSpec::numeric("points retrained", Scale::Log, Format::Plain);
        let chart = LineChart::new(
            "Points retrained by SISA vs number of requests",
            &x,
            &y,
            series,
            legend,
            data::caption(table)?,
        );
        Ok(Chart::Line(chart.noting(data::notes(table, bars)?)))
    }
}
