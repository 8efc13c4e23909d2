//! Accuracy vs training budget (DESIGN.md §7.6, the paper's slicing plot): with the same budget,
//! more slices should reach the same accuracy, only converging later.

use super::{Figure, FigureError};
use crate::plot::axis::{AxisSpec, Format, Scale};
use crate::plot::chart::{Chart, LineChart};
use crate::plot::data;
use crate::results::{column, Table};
use crate::spec::raw::ErrorBars;

/// See the module documentation.
pub(crate) struct AccuracyVsBudget;

impl Figure for AccuracyVsBudget {
    fn name(&self) -> &str {
        "accuracy-vs-budget"
    }

    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::BUDGET)
    }

    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError> {
        let rows = data::first_requests_rows(table)?;
        let budget_keys = ["model.max_iterations", "model.epochs"];
        let groups = data::varying_keys(table, &budget_keys);
        let accuracy = table.numbers(column::SISA_ACCURACY)?;
        let budget = table.numbers(column::BUDGET)?;
        let grouped = data::series(table, &rows, (&budget, &accuracy), &groups, bars)?;
        if grouped.is_empty() {
            return Err(FigureError::Unfit("no accuracy was measured".to_owned()));
        }
        let (series, encoding) = data::encoded_series(grouped);
        let model = table
            .texts(column::MODEL)?
            .into_iter()
            .next()
            .unwrap_or_default();
        let unit = if model == "logistic" {
            "L-BFGS iterations"
        } else {
            "epochs"
        };
        let x = AxisSpec::numeric(
            format!("training budget E ({unit})"),
            Scale::Auto,
            Format::Plain,
        );
        let y = AxisSpec::numeric("SISA test accuracy", Scale::Linear, Format::Percent);
        let chart = LineChart::new(
            "Test accuracy vs training budget",
            &x,
            &y,
            series,
            encoding.legend(),
            data::caption(table)?,
        );
        Ok(Chart::Line(chart.noting(data::notes(table, bars)?)))
    }
}
