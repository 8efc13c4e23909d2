//! What a spec file says: serde types that mirror the YAML, with every field optional so that
//! defaults, overrides and sweep values can be merged before [`super::check`] validates them.
//! Unknown keys are errors everywhere.

use serde::Deserialize;

use super::settings::{
    Aggregation, Baseline, Distribution, FigureKind, LogisticSolver, Mode, Partition, SyntheticKind,
};
use super::yaml::Mapping;

/// A whole spec as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// Experiment name; results go to `results/<name>/`.
    pub name: String,
    /// Master seed (default 0).
    pub seed: Option<u64>,
    /// Independent repetitions (default 1).
    pub repeats: Option<u32>,
    /// The dataset.
    pub dataset: Option<RawDataset>,
    /// The constituent model.
    pub model: Option<RawModel>,
    /// SISA layout and aggregation.
    pub sisa: Option<RawSisa>,
    /// The deletion requests.
    pub unlearning: Option<RawUnlearning>,
    /// The comparison baseline.
    pub baseline: Option<Baseline>,
    /// Dotted key -> list of values; the trials are their cartesian product.
    pub sweep: Option<Mapping>,
    /// Figures to draw (default: those that what the sweep varies calls for).
    pub figures: Option<Vec<FigureKind>>,
}

/// The `dataset` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDataset {
    /// Which synthetic generator to use.
    pub synthetic: Option<SyntheticKind>,
    /// Number of points.
    pub samples: Option<usize>,
    /// Number of features.
    pub features: Option<usize>,
    /// Number of classes.
    pub classes: Option<usize>,
    /// Purchase: number of prototypes.
    pub prototypes: Option<usize>,
    /// Purchase: fraction of items a prototype favours.
    pub density: Option<f64>,
    /// Blobs: cluster standard deviation.
    pub noise: Option<f64>,
    /// Fraction of points held out for testing.
    pub test_fraction: Option<f64>,
}

/// The `model` section, tagged by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RawModel {
    /// `kind: logistic`.
    Logistic(RawLogistic),
}

/// Options of `kind: logistic`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogistic {
    /// L2 strength.
    pub alpha: Option<f64>,
    /// Unsliced L-BFGS iteration budget.
    pub max_iterations: Option<u32>,
    /// Gradient tolerance on the mean loss.
    pub tolerance: Option<f64>,
    /// Optimiser.
    pub solver: Option<LogisticSolver>,
}

/// The `sisa` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSisa {
    /// Number of shards.
    pub shards: Option<usize>,
    /// Number of slices per shard.
    pub slices: Option<usize>,
    /// Shard assignment.
    pub partition: Option<Partition>,
    /// Aggregation of constituent predictions.
    pub aggregation: Option<Aggregation>,
}

/// The `unlearning` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnlearning {
    /// Request distribution.
    pub distribution: Option<Distribution>,
    /// Request processing mode.
    pub mode: Option<Mode>,
    /// Request counts.
    pub requests: Option<Vec<usize>>,
}
