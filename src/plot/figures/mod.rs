//! One file per figure kind; [`figure`] maps a [`FigureKind`] to its implementation.

pub mod accuracy_vs_budget;
pub mod accuracy_vs_shards;
pub mod points_vs_requests;
pub mod speedup_surface;
pub mod speedup_vs_requests;

use super::chart::Chart;
use crate::results::{MissingColumn, Table};
use crate::spec::FigureKind;

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
