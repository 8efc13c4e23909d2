//! One file per figure kind; [`figure`] maps a [`FigureKind`] to its implementation.

pub mod accuracy_vs_budget;
pub mod accuracy_vs_shards;
pub mod points_vs_requests;
pub mod speedup_surface;
pub mod speedup_vs_requests;

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
}

impl FigureKind {
    /// Every figure, in report order.
    pub const ALL: [FigureKind; 5] = [
        FigureKind::SpeedupVsRequests,
        FigureKind::PointsVsRequests,
        FigureKind::AccuracyVsShards,
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
        }
    }
}

impl FigureKind {
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
    }
}
