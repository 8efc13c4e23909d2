//! Accuracy vs training budget (DESIGN.md §7.6, the paper's slicing plot): with the same budget,
//! more slices should reach the same accuracy, only converging later.

use super::{Figure, FigureError};
use crate::plot::chart::{AxisSpec, Chart, Format, LineChart};
use crate::plot::data::{self};
use crate::results::{column, Table};

/// See the module documentation.
pub struct AccuracyVsBudget;

impl Figure for AccuracyVsBudget {
    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::BUDGET)
    }

    fn build(&self, table: &Table) -> Result<Chart, FigureError> {
        let rows = data::fewest_requests_rows(table)?;
        let budget_keys = ["model.max_iterations", "model.epochs"];
        let groups = data::varying_keys(table, &budget_keys);
        let accuracy = table.numbers(column::SISA_ACCURACY)?;
        let budget = table.numbers(column::BUDGET)?;
        let grouped = data::series(table, &rows, &budget, &accuracy, &groups)?;
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
            format!("unsliced training budget E ({unit}; each of R steps gets 2E/(R+1))"),
            false,
            Format::Plain,
        );
        let y = AxisSpec::numeric("SISA test accuracy", false, Format::Percent);
        Ok(Chart::Line(LineChart::new(
            "Test accuracy vs training budget",
            &x,
            &y,
            series,
            encoding.legend(),
            data::caption(table, true)?,
        )))
    }
}
