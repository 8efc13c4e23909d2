//! From a recorded step to a row of the results table.

use super::execute::{Executed, StepOutcome};
use super::prepare::Prepared;
use crate::cost::Expectation;
use crate::results::StepRecord;
use crate::spec::{Aggregation, Trial};

/// What every row of a trial shares.
pub struct TrialRows<'a> {
    /// The trial.
    pub trial: &'a Trial,
    /// The experiment's name.
    pub experiment: &'a str,
    /// The prepared trial.
    pub prepared: &'a Prepared,
    /// Its initial training and steps.
    pub executed: &'a Executed,
}

impl TrialRows<'_> {
    /// The row of `step`, whose analytic expectation is `expected`.
    pub fn row(&self, step: &StepOutcome, expected: Expectation) -> StepRecord {
        let prepared = self.prepared;
        let settings = &prepared.settings;
        let initial = self.executed.initial.cost;
        let sisa_cost = step.sisa_cost;
        let baseline_cost = step.baseline.map(|(cost, _)| cost);
        let baseline_accuracy = step.baseline.map(|(_, accuracy)| accuracy);
        let sisa_accuracy = step.quality.accuracy(settings.sisa.aggregation);
        let shard_sizes: Vec<String> = prepared
            .layout
            .shard_sizes()
            .iter()
            .map(usize::to_string)
            .collect();
        StepRecord {
            experiment: self.experiment.to_owned(),
            trial_id: self.trial.id.to_string(),
            trial_index: self.trial.index as u32,
            repeat: self.trial.repeat,
            seed: settings.seed,
            swept: self.trial.swept.clone(),
            dataset: prepared.data.name.clone(),
            n_train: prepared.split.train.len() as u64,
            n_test: prepared.split.test.len() as u64,
            n_features: prepared.data.n_features() as u64,
            n_classes: prepared.data.n_classes() as u64,
            model: settings.model.name().to_owned(),
            budget: u64::from(prepared.model.budget()),
            shards: prepared.layout.n_shards() as u64,
            slices: settings.sisa.slices as u64,
            partition: settings.sisa.partition.name().to_owned(),
            shard_sizes: shard_sizes.join(" "),
            aggregation: settings.sisa.aggregation.name().to_owned(),
            distribution: settings.unlearning.distribution.name(),
            mode: settings.unlearning.mode.name(),
            step: step.position as u32,
            requests: step.requests as u64,
            removed_total: step.removed as u64,
            sisa_retrain_cpu_s: sisa_cost.cpu_s,
            sisa_retrain_wall_s: sisa_cost.wall_s,
            sisa_retrain_device_s: sisa_cost.device_s,
            sisa_retrain_points: sisa_cost.points,
            sisa_retrain_passes: sisa_cost.passes,
            shards_retrained: step.shards_retrained as u64,
            baseline_retrain_cpu_s: baseline_cost.map(|c| c.cpu_s),
            baseline_retrain_wall_s: baseline_cost.map(|c| c.wall_s),
            baseline_retrain_device_s: baseline_cost.and_then(|c| c.device_s),
            baseline_retrain_points: baseline_cost.map(|c| c.points),
            baseline_retrain_passes: baseline_cost.and_then(|c| c.passes),
            speedup_time: baseline_cost.and_then(|c| ratio(c.cpu_s, sisa_cost.cpu_s)),
            speedup_points: baseline_cost.and_then(|c| ratio(c.points, sisa_cost.points)),
            expected_sisa_points: expected.sisa,
            expected_speedup_points: expected.speedup(),
            sisa_accuracy,
            sisa_accuracy_majority: step.quality.accuracy(Aggregation::Majority),
            sisa_accuracy_mean_proba: step.quality.accuracy(Aggregation::MeanProba),
            sisa_accuracy_weighted: step.quality.accuracy(Aggregation::Weighted),
            baseline_accuracy,
            lone_shard_accuracy: step.quality.lone,
            accuracy_gap: baseline_accuracy.map(|baseline| baseline - sisa_accuracy),
            train_cpu_s: initial.cpu_s,
            train_wall_s: initial.wall_s,
            train_device_s: initial.device_s,
            train_points: initial.points,
            checkpoint_bytes: self.executed.checkpoint_bytes as u64,
            fits_at_limit: step.fits_at_limit as u64,
            baseline_reused: step.baseline_reused as u64,
        }
    }
}

/// `numerator / denominator`, or `None` when the denominator is not positive.
fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}
