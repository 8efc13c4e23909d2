//! The unit that benchmarks compare with peers: one fit of a trial's model on all of its training
//! points (one shard, one slice, the whole budget), timed like any retraining, then scored.

use std::collections::HashSet;

use serde::Serialize;

use super::trial::Prepared;
use super::TrialError;
use crate::workers::Workers;

/// One timed fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitMeasurement {
    /// Model kind.
    pub model: String,
    /// Training points.
    pub n_train: usize,
    /// Features.
    pub n_features: usize,
    /// Classes.
    pub n_classes: usize,
    /// CPU seconds of the fit (thread CPU clock).
    pub cpu_s: f64,
    /// Wall seconds of the fit.
    pub wall_s: f64,
    /// Sample passes made, when the model reports them.
    pub sample_passes: Option<f64>,
    /// Test accuracy of the fitted model.
    pub accuracy: f64,
}

/// Fits the trial's model on all its training points once and measures it.
pub fn fit_once(prepared: &Prepared, workers: &Workers) -> Result<FitMeasurement, TrialError> {
    let (training, accuracy) = prepared.fit_baseline(workers, &HashSet::new())?;
    Ok(FitMeasurement {
        model: prepared.settings.model.name().to_owned(),
        n_train: prepared.split.train.len(),
        n_features: prepared.data.n_features(),
        n_classes: prepared.data.n_classes(),
        cpu_s: training.cost.cpu_s,
        wall_s: training.cost.wall_s,
        sample_passes: training.cost.passes,
        accuracy,
    })
}
