//! The built-in figures, one file each, listed once in [`BUILT_IN`]; [`custom`] draws any column
//! against any other. A figure builds a [`Chart`], plain data, from the results table.

pub(crate) mod custom;

use super::chart::Chart;
use crate::results::{MissingColumn, Table};
use crate::spec::raw::ErrorBars;

/// A figure drawn from a results table.
pub(crate) trait Figure: Sync {
    /// The name specs and file names use.
    fn name(&self) -> &str;

    /// Whether the table calls for this figure: the run varies what it plots. This decides which
    /// figures are drawn when a spec names none.
    fn applies(&self, table: &Table) -> bool;

    /// The chart, with error bars showing `bars`, or why this table cannot give it.
    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError>;
}

impl std::fmt::Debug for dyn Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "figure `{}`", self.name())
    }
}

/// Why a figure was not built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum FigureError {
    /// The table does not hold what the figure plots (nothing measured, say).
    #[error("{0}")]
    Unfit(String),
    /// The table lacks a column the figure reads.
    #[error(transparent)]
    Column(#[from] MissingColumn),
}

/// Declares each built-in figure's module and lists its figure in [`BUILT_IN`], so adding a
/// figure is its file and one line in the list below.
macro_rules! built_in {
    ($($module:ident::$figure:ident,)+) => {
        $(pub(crate) mod $module;)+

        /// Every built-in figure (DESIGN.md §7), in report order.
        pub(crate) const BUILT_IN: &[&dyn Figure] = &[$(&$module::$figure),+];
    };
}

built_in! {
    speedup_vs_requests::SpeedupVsRequests,
    points_vs_requests::PointsVsRequests,
    accuracy_vs_shards::AccuracyVsShards,
    trade_off::TradeOff,
    speedup_surface::SpeedupSurface,
    accuracy_vs_budget::AccuracyVsBudget,
}

/// The built-in figure called `name`, if there is one.
pub(crate) fn built_in(name: &str) -> Option<&'static dyn Figure> {
    BUILT_IN
        .iter()
        .copied()
        .find(|figure| figure.name() == name)
}

/// The names of the built-in figures, in report order.
pub(crate) fn names() -> Vec<&'static str> {
    BUILT_IN
        .iter()
        .map(|figure| {
            let name: &'static str = figure.name();
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::chart::{Colour, LineChart, Marker};
    use crate::results::fixture::record;

    /// Two repeats of every (S, R, K).
    fn table(shards: &[u64], slices: &[u64], requests: &[u64]) -> Table {
        let mut records = Vec::new();
        for &s in shards {
            for &r in slices {
                for repeat in 0..2 {
                    for &k in requests {
                        records.push(record(s, r, k, repeat));
                    }
                }
            }
        }
        Table::from_records(&records).unwrap()
    }

    fn line(name: &str, table: &Table) -> LineChart {
        match built_in(name)
            .unwrap()
            .build(table, ErrorBars::Std)
            .unwrap()
        {
            Chart::Line(line) => line,
            Chart::Heat(_) => panic!("{name} is a line chart"),
        }
    }

    #[test]
    fn accuracy_vs_shards_tells_layouts_apart_and_draws_one_baseline() {
        let chart = line("accuracy-vs-shards", &table(&[1, 2, 5], &[1, 4], &[1, 4]));
        let baselines: Vec<_> = chart
            .series
            .iter()
            .filter(|s| s.name.starts_with("baseline"))
            .collect();
        assert_eq!(baselines.len(), 1, "R does not change the baseline");
        // Every other series differs from every other in look, not only in colour.
        let sisa: Vec<_> = chart
            .series
            .iter()
            .filter(|s| !s.name.starts_with("baseline"))
            .collect();
        assert_eq!(sisa.len(), 3 * 2, "three measures x two values of R");
        for (i, a) in sisa.iter().enumerate() {
            for b in &sisa[i + 1..] {
                assert_ne!(a.style, b.style, "{} and {}", a.name, b.name);
                if a.style.colour == b.style.colour {
                    assert_ne!(a.style.marker, b.style.marker);
                    assert_ne!(a.style.line, b.style.line);
                }
            }
        }
        let labels: Vec<&str> = chart.legend.iter().map(|e| e.label.as_str()).collect();
        assert!(
            labels.contains(&"R = 1") && labels.contains(&"R = 4"),
            "{labels:?}"
        );
        assert!(labels.iter().any(|l| l.starts_with("baseline")));
        // Shard counts are whole: so are the ticks.
        assert!(chart.x.ticks.iter().all(|t| t.value.fract() == 0.0));
    }

    #[test]
    fn speedup_vs_requests_ticks_whole_request_counts() {
        let chart = line("speedup-vs-requests", &table(&[2, 5], &[1], &[1, 4]));
        // The request counts run, and no others.
        let ticks: Vec<f64> = chart.x.ticks.iter().map(|t| t.value).collect();
        assert_eq!(ticks, vec![1.0, 4.0]);
        assert!(chart.y.log);
        // One measured and one analytic line per number of shards, sharing its colour.
        assert_eq!(chart.series.len(), 4);
        let analytic: Vec<_> = chart.series.iter().filter(|s| s.style.thin).collect();
        assert_eq!(analytic.len(), 2);
        assert!(analytic.iter().all(|s| s.style.marker.is_none()));
        assert_eq!(chart.series[0].style.colour, chart.series[1].style.colour);
        assert_eq!(chart.legend.last().unwrap().label, "analytic expectation");
    }

    #[test]
    fn a_sweep_over_geometric_shard_counts_ticks_exactly_those_on_a_log_axis() {
        let chart = line("accuracy-vs-shards", &table(&[1, 2, 4, 8], &[1], &[1]));
        let ticks: Vec<(f64, &str)> = chart
            .x
            .ticks
            .iter()
            .map(|t| (t.value, t.label.as_str()))
            .collect();
        assert_eq!(ticks, [(1.0, "1"), (2.0, "2"), (4.0, "4"), (8.0, "8")]);
        assert!(chart.x.log);
        // Evenly spaced counts keep a linear axis, ticked at the counts.
        let chart = line("accuracy-vs-shards", &table(&[2, 4, 6, 8], &[1], &[1]));
        assert!(!chart.x.log);
        assert_eq!(chart.x.ticks.len(), 4);
    }

    #[test]
    fn error_bars_show_what_the_options_ask_and_the_notes_say_so() {
        let table = table(&[1, 2, 5], &[1], &[1, 4]);
        let bars = |bars: ErrorBars| match built_in("accuracy-vs-shards")
            .unwrap()
            .build(&table, bars)
            .unwrap()
        {
            Chart::Line(line) => line,
            Chart::Heat(_) => panic!("a line chart"),
        };
        let none = bars(ErrorBars::None);
        assert!(none
            .series
            .iter()
            .flat_map(|s| &s.points)
            .all(|p| p.spread.is_none()));
        assert!(none.notes.is_empty());
        let ci = bars(ErrorBars::Ci95);
        assert_eq!(ci.notes, ["bars: 95% confidence interval (t)"]);
        let std = bars(ErrorBars::Std);
        let width = |chart: &LineChart| {
            let (low, high) = chart
                .series
                .iter()
                .flat_map(|s| &s.points)
                .find_map(|p| p.spread)
                .unwrap();
            high - low
        };
        // Two repeats: t(1) = 12.7 standard errors, the standard error std / sqrt 2.
        assert!(width(&ci) > width(&std) * 5.0);
    }

    #[test]
    fn the_speedup_surface_has_a_colour_bar_over_its_cells() {
        let Chart::Heat(heat) = built_in("speedup-surface")
            .unwrap()
            .build(&table(&[1, 2, 5], &[1, 4], &[1, 4]), ErrorBars::Std)
            .unwrap()
        else {
            panic!("a heat map");
        };
        let values: Vec<f64> = heat.cells.iter().flatten().flatten().copied().collect();
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!((heat.colour_bar.low, heat.colour_bar.high), (low, high));
        assert!(heat.colour_bar.ticks.len() >= 3);
        assert_eq!(heat.x_values, ["1", "2", "5"]);
    }

    #[test]
    fn the_trade_off_marks_its_pareto_front() {
        let chart = line("trade-off", &table(&[1, 2, 5], &[1, 4], &[1, 4]));
        let front = chart
            .series
            .iter()
            .find(|s| s.name == "Pareto front")
            .unwrap();
        assert!(front.style.filled && front.style.line.is_some());
        // With R = 4 both faster and as accurate, R = 1 settings are dominated.
        assert_eq!(front.points.len(), 3);
        let dominated = chart.series.iter().find(|s| s.name == "dominated").unwrap();
        assert_eq!(dominated.style.colour, Colour::Grey);
        assert_eq!(dominated.style.marker, Some(Marker::Circle));
        assert_eq!(chart.labels.len(), 6, "every setting is labelled");
        assert!(chart.title.contains("K = 1"));
    }
}
