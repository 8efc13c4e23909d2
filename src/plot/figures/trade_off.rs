//! The paper's central trade-off: how much faster unlearning gets against how much accuracy it
//! costs, one point per setting (sweep point) at the smallest request count. A setting is on the
//! Pareto front when no other is both faster and at least as accurate, or more accurate and at
//! least as fast: those are joined and filled, the others hollow and grey. Each point is labelled
//! with its setting.

use super::{Figure, FigureError};
use crate::plot::axis::{AxisSpec, Format, Scale};
use crate::plot::chart::{
    Chart, Colour, Dash, LegendEntry, LineChart, Marker, Point, PointLabel, Series, SeriesStyle,
};
use crate::plot::data;
use crate::results::{column, Table};
use crate::spec::raw::ErrorBars;

/// See the module documentation.
pub(crate) struct TradeOff;

impl Figure for TradeOff {
    fn name(&self) -> &str {
        "trade-off"
    }

    fn applies(&self, table: &Table) -> bool {
        let gap_measured = table
            .numbers(column::ACCURACY_GAP)
            .is_ok_and(|gaps| gaps.iter().any(Option::is_some));
        gap_measured && !data::varying_keys(table, &[]).is_empty()
    }

    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError> {
        let settings = settings(table, bars)?;
        if settings.len() < 2 {
            return Err(FigureError::Unfit(
                "fewer than two settings have both a speed-up and an accuracy loss".to_owned(),
            ));
        }
        let (series, legend) = front_and_dominated(&settings);
        let (low, high) = settings.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), (_, p)| {
            (lo.min(p.y), hi.max(p.y))
        });
        let x = AxisSpec::numeric(
            "accuracy lost: baseline minus SISA",
            Scale::Linear,
            Format::PercentagePoints,
        );
        let scale = if high / low >= 10.0 {
            Scale::Log
        } else {
            Scale::Linear
        };
        let y = AxisSpec::numeric("speed-up (points)", scale, Format::Times);
        let requests = data::fewest_requests(table)?;
        let plural = if requests == 1.0 { "" } else { "s" };
        let mut chart = LineChart::new(
            format!("Speed-up vs accuracy lost, {requests} request{plural} (K = {requests})"),
            &x,
            &y,
            series,
            legend,
            data::caption(table)?,
        );
        chart.labels = labels(settings);
        Ok(Chart::Line(chart.noting(data::notes(table, bars)?)))
    }
}

/// Each setting (sweep point) at the fewest requests, labelled, as a point at (accuracy lost,
/// speed-up) with its error bars both ways.
fn settings(table: &Table, bars: ErrorBars) -> Result<Vec<(String, Point)>, FigureError> {
    let rows = data::fewest_requests_rows(table)?;
    let groups = data::varying_keys(table, &[]);
    // One point per setting: every row of a setting at the same x.
    let same = vec![Some(0.0); table.height()];
    let speedups = data::speedup_series(table, &rows, &same, &groups, bars)?;
    let gaps = table.numbers(column::ACCURACY_GAP)?;
    let gaps = data::series(table, &rows, (&same, &gaps), &groups, bars)?;
    Ok(speedups
        .iter()
        .filter_map(|speedup| {
            let gap = gaps.iter().find(|g| g.key == speedup.key)?.points.first()?;
            let speedup_point = speedup.points.first()?;
            let point = Point {
                x: gap.y,
                y: speedup_point.y,
                spread: speedup_point.spread,
                x_spread: gap.spread,
            };
            Some((data::label(&speedup.key), point))
        })
        .collect())
}

/// The settings as two series, the Pareto front (joined, filled) and the dominated ones (hollow,
/// grey), with their legend.
fn front_and_dominated(settings: &[(String, Point)]) -> (Vec<Series>, Vec<LegendEntry>) {
    let coordinates: Vec<(f64, f64)> = settings.iter().map(|(_, p)| (p.x, p.y)).collect();
    let front = pareto_front(&coordinates);
    let mut on_front: Vec<Point> = front.iter().map(|&i| settings[i].1).collect();
    on_front.sort_by(|a, b| a.x.total_cmp(&b.x));
    let dominated: Vec<Point> = (0..settings.len())
        .filter(|i| !front.contains(i))
        .map(|i| settings[i].1)
        .collect();
    let front_style = SeriesStyle {
        filled: true,
        ..SeriesStyle::measured(0, Marker::Circle, Dash::Solid)
    };
    let dominated_style = SeriesStyle {
        colour: Colour::Grey,
        marker: Some(Marker::Circle),
        filled: false,
        line: None,
        thin: false,
    };
    let mut legend = vec![LegendEntry {
        label: "Pareto front".to_owned(),
        swatch: front_style,
    }];
    let mut series = Vec::new();
    if !dominated.is_empty() {
        legend.push(LegendEntry {
            label: "dominated setting".to_owned(),
            swatch: dominated_style,
        });
        series.push(Series {
            name: "dominated".to_owned(),
            points: dominated,
            style: dominated_style,
        });
    }
    series.push(Series {
        name: "Pareto front".to_owned(),
        points: on_front,
        style: front_style,
    });
    (series, legend)
}

/// A label per setting; settings at the same place share one, so their names do not overprint.
fn labels(settings: Vec<(String, Point)>) -> Vec<PointLabel> {
    let mut labels: Vec<PointLabel> = Vec::new();
    for (text, point) in settings {
        match labels
            .iter_mut()
            .find(|label| label.x == point.x && label.y == point.y)
        {
            Some(label) => label.text = format!("{}; {text}", label.text),
            None => labels.push(PointLabel {
                x: point.x,
                y: point.y,
                text,
            }),
        }
    }
    labels
}

/// The positions of the points `(accuracy lost, speed-up)` that no other point dominates: none
/// loses no more accuracy for at least the speed-up, being strictly better in one of them.
pub(crate) fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| {
            let (lost, speedup) = points[i];
            !points.iter().any(|&(other_lost, other_speedup)| {
                other_lost <= lost
                    && other_speedup >= speedup
                    && (other_lost < lost || other_speedup > speedup)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_keeps_only_undominated_settings() {
        // (accuracy lost, speed-up): S = 1, 2, 5, 10, and a setting both slower and worse.
        let points = [
            (0.0, 1.0),
            (0.002, 2.0),
            (0.004, 5.0),
            (0.01, 9.8),
            (0.012, 4.0),
        ];
        assert_eq!(pareto_front(&points), vec![0, 1, 2, 3]);
        // Equal points dominate neither each other.
        assert_eq!(pareto_front(&[(0.1, 2.0), (0.1, 2.0)]), vec![0, 1]);
    }
}
