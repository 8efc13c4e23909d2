//! Speed-up vs number of requests (DESIGN.md §7.1): one line per configuration, measured mean with
//! its spread over repeats, and the analytic expectation of `cost.rs` dotted in the same colour.

use super::{Figure, FigureError};
use crate::plot::chart::{
    AxisSpec, Chart, Colour, Format, LegendEntry, LineChart, Marker, Point, Series, SeriesStyle,
};
use crate::plot::data::{self, Encoding};
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
        let keys: Vec<_> = measured.iter().map(|group| group.key.clone()).collect();
        let encoding = Encoding::of(&keys);
        let mut series = Vec::new();
        for group in measured {
            let style = encoding.style(&group.key);
            let name = data::label(&group.key);
            if let Some(analytic) = expected.iter().find(|e| e.key == group.key) {
                series.push(Series {
                    name: format!("analytic, {name}"),
                    points: analytic
                        .points
                        .iter()
                        .map(|p| Point::new(p.x, p.y))
                        .collect(),
                    style: SeriesStyle::analytic(style.colour),
                });
            }
            series.push(Series {
                name,
                points: group.points,
                style,
            });
        }
        let mut legend = encoding.legend();
        if legend.is_empty() {
            legend.push(LegendEntry {
                label: "measured".to_owned(),
                swatch: SeriesStyle::measured(0, Marker::Circle, crate::plot::chart::Dash::Solid),
            });
        }
        legend.push(LegendEntry {
            label: "analytic expectation".to_owned(),
            swatch: SeriesStyle::analytic(Colour::Grey),
        });
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
