//! One row of the results table: one trial at one step (DESIGN.md §5).

/// What one step of one trial measured. Optional values are empty when not measured (no baseline,
/// or a model that does not report iterations).
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    // Identity.
    /// Experiment name.
    pub experiment: String,
    /// Stable trial id.
    pub trial_id: String,
    /// Position of the trial in the plan.
    pub trial_index: u32,
    /// Repetition of the trial's sweep point, from 0.
    pub repeat: u32,
    /// Master seed.
    pub seed: u64,
    /// Swept keys and their values for this trial, in axis order.
    pub swept: Vec<(String, String)>,

    // Configuration.
    /// Dataset name.
    pub dataset: String,
    /// Training points.
    pub n_train: u64,
    /// Test points.
    pub n_test: u64,
    /// Features.
    pub n_features: u64,
    /// Classes.
    pub n_classes: u64,
    /// Model kind.
    pub model: String,
    /// The model's unsliced training budget E (iterations or epochs).
    pub budget: u64,
    /// Shards S (as built: a distribution-aware partition with a capacity decides it).
    pub shards: u64,
    /// Slices R.
    pub slices: u64,
    /// Partition strategy.
    pub partition: String,
    /// Training points per shard, space-separated.
    pub shard_sizes: String,
    /// Aggregation used for `sisa_accuracy`.
    pub aggregation: String,
    /// Request distribution.
    pub distribution: String,
    /// Request processing mode.
    pub mode: String,

    // Step.
    /// Step index, from 0.
    pub step: u32,
    /// Requests in this step (K).
    pub requests: u64,
    /// Points removed in total after this step (a request may delete a group of points).
    pub removed_total: u64,

    // Cost.
    /// CPU seconds of SISA's retraining.
    pub sisa_retrain_cpu_s: f64,
    /// Wall seconds of SISA's retraining (shards in parallel).
    pub sisa_retrain_wall_s: f64,
    /// SISA's retraining cost in the paper's unit (points x budget share).
    pub sisa_retrain_points: f64,
    /// Sample passes SISA's retraining actually ran.
    pub sisa_retrain_passes: Option<f64>,
    /// Shards retrained.
    pub shards_retrained: u64,
    /// CPU seconds of the baseline's retraining.
    pub baseline_retrain_cpu_s: Option<f64>,
    /// Wall seconds of the baseline's retraining.
    pub baseline_retrain_wall_s: Option<f64>,
    /// The baseline's cost in points (remaining training points x 1).
    pub baseline_retrain_points: Option<f64>,
    /// Sample passes the baseline actually ran.
    pub baseline_retrain_passes: Option<f64>,
    /// Baseline CPU time over SISA CPU time.
    pub speedup_time: Option<f64>,
    /// Baseline points over SISA points.
    pub speedup_points: Option<f64>,
    /// SISA's expected retraining cost in points, from the analytic model (`cost.rs`).
    pub expected_sisa_points: f64,
    /// The baseline's cost over SISA's expected cost, from the analytic model.
    pub expected_speedup_points: f64,

    // Quality.
    /// Test accuracy of the ensemble after unlearning, with the spec's aggregation.
    pub sisa_accuracy: f64,
    /// Test accuracy with majority voting.
    pub sisa_accuracy_majority: f64,
    /// Test accuracy with the mean of probabilities.
    pub sisa_accuracy_mean_proba: f64,
    /// Test accuracy with votes weighted by shard size.
    pub sisa_accuracy_weighted: f64,
    /// Test accuracy of the retrained baseline.
    pub baseline_accuracy: Option<f64>,
    /// Mean test accuracy of one constituent alone (the paper's "1/S" reference).
    pub lone_shard_accuracy: f64,
    /// Baseline accuracy minus SISA accuracy.
    pub accuracy_gap: Option<f64>,

    // Training.
    /// CPU seconds of the initial SISA training.
    pub train_cpu_s: f64,
    /// Wall seconds of the initial SISA training.
    pub train_wall_s: f64,
    /// Cost in points of the initial SISA training.
    pub train_points: f64,
    /// Bytes of checkpoints kept after the initial training.
    pub checkpoint_bytes: u64,
}
