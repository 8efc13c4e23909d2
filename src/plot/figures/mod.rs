//! One file per figure kind; [`figure`] maps a [`FigureKind`] to its implementation, and
//! [`custom`] draws any column against any other.

pub mod accuracy_vs_budget;
pub mod accuracy_vs_shards;
pub mod custom;
pub mod points_vs_requests;
pub mod speedup_surface;
pub mod speedup_vs_requests;
pub mod trade_off;

use super::chart::Chart;
use crate::results::{MissingColumn, Table};

/// The figures a run can draw (DESIGN.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// Speed-up vs number of requests, one line per configuration, analytic curve dashed.
    SpeedupVsRequests,
    /// Accuracy vs number of shards: SISA (each aggregation), baseline, one constituent alone.
    AccuracyVsShards,
    /// Speed-up over shards x slices at one request count, as a heat map.
    SpeedupSurface,
    /// Accuracy vs training budget, one line per number of slices.
    AccuracyVsBudget,
    /// Points retrained vs requests, contrasting partitions, modes or distributions.
    PointsVsRequests,
    /// Speed-up vs accuracy lost, one point per setting, the Pareto front marked.
    TradeOff,
}

impl FigureKind {
    /// Every figure, in report order.
    pub const ALL: [FigureKind; 6] = [
        FigureKind::SpeedupVsRequests,
        FigureKind::PointsVsRequests,
        FigureKind::AccuracyVsShards,
        FigureKind::TradeOff,
        FigureKind::SpeedupSurface,
        FigureKind::AccuracyVsBudget,
    ];

    /// The name used in specs and file names.
    pub fn name(self) -> &'static str {
        match self {
            FigureKind::SpeedupVsRequests => "speedup-vs-requests",
            FigureKind::AccuracyVsShards => "accuracy-vs-shards",
            FigureKind::SpeedupSurface => "speedup-surface",
            FigureKind::AccuracyVsBudget => "accuracy-vs-budget",
            FigureKind::PointsVsRequests => "points-vs-requests",
            FigureKind::TradeOff => "trade-off",
        }
    }

    /// The figure a spec names, if it is one.
    pub fn parse(name: &str) -> Option<FigureKind> {
        FigureKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// A figure drawn from a results table.
pub trait Figure: Sync {
    /// Whether the table calls for this figure: the run varies what it plots.
    fn applies(&self, table: &Table) -> bool;

    /// The chart, or why this table cannot give it.
    fn build(&self, table: &Table) -> Result<Chart, FigureError>;
}

/// Why a figure was not built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FigureError {
    /// The table does not hold what the figure plots (nothing measured, say).
    #[error("{0}")]
    Unfit(String),
    /// The table lacks a column the figure reads.
    #[error(transparent)]
    Column(#[from] MissingColumn),
}

/// The implementation of a figure kind.
pub fn figure(kind: FigureKind) -> &'static dyn Figure {
    match kind {
        FigureKind::SpeedupVsRequests => &speedup_vs_requests::SpeedupVsRequests,
        FigureKind::AccuracyVsShards => &accuracy_vs_shards::AccuracyVsShards,
        FigureKind::SpeedupSurface => &speedup_surface::SpeedupSurface,
        FigureKind::AccuracyVsBudget => &accuracy_vs_budget::AccuracyVsBudget,
        FigureKind::PointsVsRequests => &points_vs_requests::PointsVsRequests,
        FigureKind::TradeOff => &trade_off::TradeOff,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plot::chart::{Colour, LineChart, Marker};
    use crate::results::StepRecord;

    /// A record of one repeat at shards `s`, slices `r`, `k` requests, with costs and
    /// accuracies that follow from them.
    pub(crate) fn record(s: u64, r: u64, k: u64, repeat: u32) -> StepRecord {
        let n = 1000.0;
        let sisa_points = (k as f64).min(s as f64) * n / s as f64 * 2.0 / (r as f64 + 1.0);
        let jitter = f64::from(repeat) * 0.001;
        let sisa_accuracy = 0.95 - 0.002 * s as f64 + jitter;
        StepRecord {
            experiment: "fixture".to_owned(),
            trial_id: format!("{s}-{r}-{repeat}"),
            trial_index: 0,
            repeat,
            seed: 1,
            swept: vec![
                ("sisa.shards".to_owned(), s.to_string()),
                ("sisa.slices".to_owned(), r.to_string()),
            ],
            dataset: "blobs".to_owned(),
            n_train: 1000,
            n_test: 200,
            n_features: 5,
            n_classes: 2,
            model: "logistic".to_owned(),
            budget: 30,
            shards: s,
            slices: r,
            partition: "uniform".to_owned(),
            shard_sizes: String::new(),
            aggregation: "majority".to_owned(),
            distribution: "uniform".to_owned(),
            mode: "batch".to_owned(),
            step: if k == 1 { 0 } else { 1 },
            requests: k,
            removed_total: k,
            sisa_retrain_cpu_s: sisa_points * 1e-4,
            sisa_retrain_wall_s: sisa_points * 1e-4,
            sisa_retrain_device_s: None,
            sisa_retrain_points: sisa_points,
            sisa_retrain_passes: Some(sisa_points * 20.0),
            shards_retrained: k.min(s),
            baseline_retrain_cpu_s: Some(0.1),
            baseline_retrain_wall_s: Some(0.1),
            baseline_retrain_device_s: None,
            baseline_retrain_points: Some(n),
            baseline_retrain_passes: Some(n * 20.0),
            speedup_time: Some(0.1 / (sisa_points * 1e-4)),
            speedup_points: Some(n / sisa_points),
            expected_sisa_points: sisa_points,
            expected_speedup_points: n / sisa_points,
            sisa_accuracy,
            sisa_accuracy_majority: sisa_accuracy,
            sisa_accuracy_mean_proba: sisa_accuracy + 0.001,
            sisa_accuracy_weighted: sisa_accuracy,
            baseline_accuracy: Some(0.95 + jitter),
            lone_shard_accuracy: sisa_accuracy - 0.01,
            accuracy_gap: Some(0.002 * s as f64),
            train_cpu_s: 0.1,
            train_wall_s: 0.1,
            train_device_s: None,
            train_points: n,
            checkpoint_bytes: 0,
            fits_at_limit: 0,
            baseline_reused: 0,
        }
    }

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

    fn line(kind: FigureKind, table: &Table) -> LineChart {
        match figure(kind).build(table).unwrap() {
            Chart::Line(line) => line,
            Chart::Heat(_) => panic!("{} is a line chart", kind.name()),
        }
    }

    #[test]
    fn accuracy_vs_shards_tells_layouts_apart_and_draws_one_baseline() {
        let chart = line(
            FigureKind::AccuracyVsShards,
            &table(&[1, 2, 5], &[1, 4], &[1, 4]),
        );
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
        let chart = line(
            FigureKind::SpeedupVsRequests,
            &table(&[2, 5], &[1], &[1, 4]),
        );
        let ticks: Vec<f64> = chart.x.ticks.iter().map(|t| t.value).collect();
        assert_eq!(ticks, vec![1.0, 2.0, 3.0, 4.0]);
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
    fn the_speedup_surface_has_a_colour_bar_over_its_cells() {
        let Chart::Heat(heat) = figure(FigureKind::SpeedupSurface)
            .build(&table(&[1, 2, 5], &[1, 4], &[1, 4]))
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
        let chart = line(FigureKind::TradeOff, &table(&[1, 2, 5], &[1, 4], &[1, 4]));
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
