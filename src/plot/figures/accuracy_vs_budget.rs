//! Accuracy vs training budget (DESIGN.md §7.6, the paper's slicing plot): with the same budget,
//! more slices should reach the same accuracy, only converging later.

use super::{Figure, FigureError};
use crate::plot::chart::{Chart, Corner, Format, LineChart, Series};
use crate::plot::data;
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
        let series: Vec<Series> =
            data::series(table, &rows, column::BUDGET.as_str(), &accuracy, &groups)?
                .into_iter()
                .enumerate()
                .map(|(colour, group)| Series {
                    label: Some(if group.key.is_empty() {
                        "SISA".to_owned()
                    } else {
                        data::label(&group.key)
                    }),
                    points: group.points,
                    colour,
                    dashed: false,
                })
                .collect();
        if series.is_empty() {
            return Err(FigureError::Unfit("no accuracy was measured".to_owned()));
        }
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
        Ok(Chart::Line(LineChart {
            title: "Test accuracy vs training budget".to_owned(),
            x_label: format!("unsliced training budget E ({unit}; each of R steps gets 2E/(R+1))"),
            y_label: "SISA test accuracy".to_owned(),
            x_log: false,
            y_log: false,
            series,
            legend: Corner::LowerRight,
            dashed_means: None,
            caption: data::caption(table, true)?,
            y_format: Format::Percent,
        }))
    }
}
