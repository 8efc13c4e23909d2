//! Points retrained vs number of requests (DESIGN.md §7 items 4 and 5): SISA's retraining cost in
//! the paper's unit, one line per compared configuration (uniform vs distribution-aware sharding,
//! batched vs sequential processing, ...), with the analytic expectation dashed.

use super::{Figure, FigureError};
use crate::plot::chart::{Chart, Corner, Format, LineChart, Point, Series};
use crate::plot::data;
use crate::results::{column, ColumnName, Table};

/// See the module documentation.
pub struct PointsVsRequests;

/// What the figure contrasts; it applies when one of these varies.
const CONTRASTS: [ColumnName; 3] = [column::PARTITION, column::MODE, column::DISTRIBUTION];

impl Figure for PointsVsRequests {
    fn applies(&self, table: &Table) -> bool {
        data::varies(table, column::REQUESTS) && CONTRASTS.iter().any(|c| data::varies(table, c))
    }

    fn build(&self, table: &Table) -> Result<Chart, FigureError> {
        let rows = data::all_rows(table);
        let groups = data::varying_keys(table, &[]);
        let requests = column::REQUESTS.as_str();
        let sisa_points = table.numbers(column::SISA_RETRAIN_POINTS)?;
        let measured = data::series(table, &rows, requests, &sisa_points, &groups)?;
        let expected_points = table.numbers(column::EXPECTED_SISA_POINTS)?;
        let expected = data::series(table, &rows, requests, &expected_points, &groups)?;
        if measured.is_empty() {
            return Err(FigureError::Unfit(
                "no retraining cost was measured".to_owned(),
            ));
        }
        let mut series = Vec::new();
        for (colour, group) in measured.into_iter().enumerate() {
            if let Some(analytic) = expected.iter().find(|e| e.key == group.key) {
                series.push(Series {
                    label: None,
                    points: analytic
                        .points
                        .iter()
                        .map(|p| Point { spread: None, ..*p })
                        .collect(),
                    colour,
                    dashed: true,
                });
            }
            series.push(Series {
                label: Some(data::label(&group.key)),
                points: group.points,
                colour,
                dashed: false,
            });
        }
        let mode = table.distinct(column::MODE)?;
        let cumulative = mode.iter().any(|m| m != "batch");
        Ok(Chart::Line(LineChart {
            title: "Points retrained by SISA vs number of requests".to_owned(),
            x_label: if cumulative {
                "requests (K); sequential and stream costs are cumulative".to_owned()
            } else {
                "requests unlearned in one batch (K)".to_owned()
            },
            y_label: "points retrained (x one training budget)".to_owned(),
            x_log: true,
            y_log: true,
            series,
            legend: Corner::LowerRight,
            dashed_means: Some("analytic expectation".to_owned()),
            caption: data::caption(table, true)?,
            y_format: Format::Plain,
        }))
    }
}
