//! Speed-up vs number of requests (DESIGN.md §7.1): one line per configuration, measured mean with
//! its spread over repeats, and the analytic expectation of `cost.rs` dashed in the same colour.

use super::{Figure, FigureError};
use crate::plot::chart::{Chart, Corner, Format, LineChart, Series};
use crate::plot::data;
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
        let requests = column::REQUESTS.as_str();
        let measured = data::speedup_series(table, &rows, requests, &groups)?;
        let expected_speedup = table.numbers(column::EXPECTED_SPEEDUP_POINTS)?;
        let expected = data::series(table, &rows, requests, &expected_speedup, &groups)?;
        if measured.is_empty() {
            return Err(FigureError::Unfit("no speed-up was measured".to_owned()));
        }
        let mut series = Vec::new();
        for (colour, group) in measured.into_iter().enumerate() {
            let analytic = expected.iter().find(|e| e.key == group.key);
            let label = if group.key.is_empty() {
                "measured".to_owned()
            } else {
                data::label(&group.key)
            };
            series.push(Series {
                label: Some(label),
                points: group.points,
                colour,
                dashed: false,
            });
            if let Some(analytic) = analytic {
                series.push(Series {
                    label: None,
                    points: analytic
                        .points
                        .iter()
                        .map(|p| crate::plot::chart::Point { spread: None, ..*p })
                        .collect(),
                    colour,
                    dashed: true,
                });
            }
        }
        let requests: Vec<f64> = table
            .numbers(column::REQUESTS)?
            .into_iter()
            .flatten()
            .collect();
        let span = requests.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            / requests.iter().cloned().fold(f64::INFINITY, f64::min);
        Ok(Chart::Line(LineChart {
            title: "Unlearning speed-up vs number of requests".to_owned(),
            x_label: "requests unlearned in one batch (K)".to_owned(),
            y_label: "speed-up: baseline points / SISA points retrained".to_owned(),
            x_log: span >= 10.0,
            y_log: true,
            series,
            legend: Corner::UpperRight,
            dashed_means: Some("analytic expectation".to_owned()),
            caption: data::caption(table, true)?,
            y_format: Format::Times,
        }))
    }
}
