//! One row of the results table: one trial at one step (DESIGN.md §5), and the table's columns,
//! each declared once with its name, how it reads a record, its role and whether it measures time.

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
    /// Accelerator seconds of SISA's retraining, when its worker reported them.
    pub sisa_retrain_device_s: Option<f64>,
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
    /// Accelerator seconds of the baseline's retraining, when its worker reported them.
    pub baseline_retrain_device_s: Option<f64>,
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
    /// Accelerator seconds of the initial SISA training, when its worker reported them.
    pub train_device_s: Option<f64>,
    /// Cost in points of the initial SISA training.
    pub train_points: f64,
    /// Bytes of checkpoints kept after the initial training.
    pub checkpoint_bytes: u64,
    /// Fits that stopped at their iteration limit before converging: the final fit of each shard
    /// trained initially or retrained up to this step, and the baseline's.
    pub fits_at_limit: u64,
    /// Baseline fits behind this row's baseline columns that another trial of the same run had
    /// trained with the same inputs, and that were reused rather than trained again (their cost
    /// is still reported). Which trial trains and which reuses depends on scheduling.
    pub baseline_reused: u64,
}

/// The name of a column of the results table. The fixed columns are the constants of [`column`];
/// a swept key's column is named by [`swept_column`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnName(&'static str);

impl ColumnName {
    /// The name as written in the table's files.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl AsRef<str> for ColumnName {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::fmt::Display for ColumnName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// How a column reads its value from a record.
#[derive(Clone, Copy)]
pub enum Field {
    /// A text column.
    Text(fn(&StepRecord) -> &str),
    /// An unsigned integer column.
    Count(fn(&StepRecord) -> u64),
    /// A real-valued column, empty where not measured.
    Real(fn(&StepRecord) -> Option<f64>),
}

/// What a column is for: identity and configuration columns are constant within a trial's sweep
/// point; measures vary between repeats and are summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Who produced the row.
    Identity,
    /// The trial's configuration.
    Config,
    /// Which step of the trial.
    Step,
    /// What was measured and depends only on the spec and seed.
    Measure,
    /// What was measured and depends on the machine's speed and load, or on how the run's trials
    /// were scheduled, too (times; which trial trained a shared baseline).
    Timing,
}

/// A column of the results table.
pub struct ColumnSpec {
    /// Its name.
    pub name: ColumnName,
    /// How to read it from a record.
    pub field: Field,
    /// What it is for.
    pub role: Role,
}

impl ColumnSpec {
    /// Whether the column is summarised over repeats (measures and timings).
    pub fn is_measured(&self) -> bool {
        matches!(self.role, Role::Measure | Role::Timing)
    }
}

/// Declares each fixed column once: its constant in [`column`] and its entry in [`COLUMNS`].
macro_rules! columns {
    ($($(#[$doc:meta])* $constant:ident = $name:literal, $field:expr, $role:ident;)*) => {
        /// The fixed columns of the results table, by name.
        pub mod column {
            use super::ColumnName;
            $($(#[$doc])* pub const $constant: ColumnName = ColumnName($name);)*
        }

        /// Every fixed column, in table order (swept keys come after the identity columns).
        pub const COLUMNS: &[ColumnSpec] = &[
            $(ColumnSpec { name: column::$constant, field: $field, role: Role::$role },)*
        ];
    };
}

use Field::{Count, Real, Text};

columns! {
    /// See [`StepRecord::experiment`].
    EXPERIMENT = "experiment", Text(|r| &r.experiment), Identity;
    /// See [`StepRecord::trial_id`].
    TRIAL_ID = "trial_id", Text(|r| &r.trial_id), Identity;
    /// See [`StepRecord::trial_index`].
    TRIAL_INDEX = "trial_index", Count(|r| u64::from(r.trial_index)), Identity;
    /// See [`StepRecord::repeat`].
    REPEAT = "repeat", Count(|r| u64::from(r.repeat)), Identity;
    /// See [`StepRecord::seed`].
    SEED = "seed", Count(|r| r.seed), Identity;
    /// See [`StepRecord::dataset`].
    DATASET = "dataset", Text(|r| &r.dataset), Config;
    /// See [`StepRecord::n_train`].
    N_TRAIN = "n_train", Count(|r| r.n_train), Config;
    /// See [`StepRecord::n_test`].
    N_TEST = "n_test", Count(|r| r.n_test), Config;
    /// See [`StepRecord::n_features`].
    N_FEATURES = "n_features", Count(|r| r.n_features), Config;
    /// See [`StepRecord::n_classes`].
    N_CLASSES = "n_classes", Count(|r| r.n_classes), Config;
    /// See [`StepRecord::model`].
    MODEL = "model", Text(|r| &r.model), Config;
    /// See [`StepRecord::budget`].
    BUDGET = "budget", Count(|r| r.budget), Config;
    /// See [`StepRecord::shards`].
    SHARDS = "shards", Count(|r| r.shards), Config;
    /// See [`StepRecord::slices`].
    SLICES = "slices", Count(|r| r.slices), Config;
    /// See [`StepRecord::partition`].
    PARTITION = "partition", Text(|r| &r.partition), Config;
    /// See [`StepRecord::shard_sizes`].
    SHARD_SIZES = "shard_sizes", Text(|r| &r.shard_sizes), Config;
    /// See [`StepRecord::aggregation`].
    AGGREGATION = "aggregation", Text(|r| &r.aggregation), Config;
    /// See [`StepRecord::distribution`].
    DISTRIBUTION = "distribution", Text(|r| &r.distribution), Config;
    /// See [`StepRecord::mode`].
    MODE = "mode", Text(|r| &r.mode), Config;
    /// See [`StepRecord::step`].
    STEP = "step", Count(|r| u64::from(r.step)), Step;
    /// See [`StepRecord::requests`].
    REQUESTS = "requests", Count(|r| r.requests), Step;
    /// See [`StepRecord::removed_total`].
    REMOVED_TOTAL = "removed_total", Count(|r| r.removed_total), Step;
    /// See [`StepRecord::sisa_retrain_cpu_s`].
    SISA_RETRAIN_CPU_S = "sisa_retrain_cpu_s", Real(|r| Some(r.sisa_retrain_cpu_s)), Timing;
    /// See [`StepRecord::sisa_retrain_wall_s`].
    SISA_RETRAIN_WALL_S = "sisa_retrain_wall_s", Real(|r| Some(r.sisa_retrain_wall_s)), Timing;
    /// See [`StepRecord::sisa_retrain_device_s`].
    SISA_RETRAIN_DEVICE_S = "sisa_retrain_device_s", Real(|r| r.sisa_retrain_device_s), Timing;
    /// See [`StepRecord::sisa_retrain_points`].
    SISA_RETRAIN_POINTS = "sisa_retrain_points", Real(|r| Some(r.sisa_retrain_points)), Measure;
    /// See [`StepRecord::sisa_retrain_passes`].
    SISA_RETRAIN_PASSES = "sisa_retrain_passes", Real(|r| r.sisa_retrain_passes), Measure;
    /// See [`StepRecord::shards_retrained`].
    SHARDS_RETRAINED = "shards_retrained", Real(|r| Some(r.shards_retrained as f64)), Measure;
    /// See [`StepRecord::baseline_retrain_cpu_s`].
    BASELINE_RETRAIN_CPU_S = "baseline_retrain_cpu_s", Real(|r| r.baseline_retrain_cpu_s), Timing;
    /// See [`StepRecord::baseline_retrain_wall_s`].
    BASELINE_RETRAIN_WALL_S = "baseline_retrain_wall_s", Real(|r| r.baseline_retrain_wall_s), Timing;
    /// See [`StepRecord::baseline_retrain_device_s`].
    BASELINE_RETRAIN_DEVICE_S = "baseline_retrain_device_s", Real(|r| r.baseline_retrain_device_s), Timing;
    /// See [`StepRecord::baseline_retrain_points`].
    BASELINE_RETRAIN_POINTS = "baseline_retrain_points", Real(|r| r.baseline_retrain_points), Measure;
    /// See [`StepRecord::baseline_retrain_passes`].
    BASELINE_RETRAIN_PASSES = "baseline_retrain_passes", Real(|r| r.baseline_retrain_passes), Measure;
    /// See [`StepRecord::speedup_time`].
    SPEEDUP_TIME = "speedup_time", Real(|r| r.speedup_time), Timing;
    /// See [`StepRecord::speedup_points`].
    SPEEDUP_POINTS = "speedup_points", Real(|r| r.speedup_points), Measure;
    /// See [`StepRecord::expected_sisa_points`].
    EXPECTED_SISA_POINTS = "expected_sisa_points", Real(|r| Some(r.expected_sisa_points)), Measure;
    /// See [`StepRecord::expected_speedup_points`].
    EXPECTED_SPEEDUP_POINTS = "expected_speedup_points", Real(|r| Some(r.expected_speedup_points)), Measure;
    /// See [`StepRecord::sisa_accuracy`].
    SISA_ACCURACY = "sisa_accuracy", Real(|r| Some(r.sisa_accuracy)), Measure;
    /// See [`StepRecord::sisa_accuracy_majority`].
    SISA_ACCURACY_MAJORITY = "sisa_accuracy_majority", Real(|r| Some(r.sisa_accuracy_majority)), Measure;
    /// See [`StepRecord::sisa_accuracy_mean_proba`].
    SISA_ACCURACY_MEAN_PROBA = "sisa_accuracy_mean_proba", Real(|r| Some(r.sisa_accuracy_mean_proba)), Measure;
    /// See [`StepRecord::sisa_accuracy_weighted`].
    SISA_ACCURACY_WEIGHTED = "sisa_accuracy_weighted", Real(|r| Some(r.sisa_accuracy_weighted)), Measure;
    /// See [`StepRecord::baseline_accuracy`].
    BASELINE_ACCURACY = "baseline_accuracy", Real(|r| r.baseline_accuracy), Measure;
    /// See [`StepRecord::lone_shard_accuracy`].
    LONE_SHARD_ACCURACY = "lone_shard_accuracy", Real(|r| Some(r.lone_shard_accuracy)), Measure;
    /// See [`StepRecord::accuracy_gap`].
    ACCURACY_GAP = "accuracy_gap", Real(|r| r.accuracy_gap), Measure;
    /// See [`StepRecord::train_cpu_s`].
    TRAIN_CPU_S = "train_cpu_s", Real(|r| Some(r.train_cpu_s)), Timing;
    /// See [`StepRecord::train_wall_s`].
    TRAIN_WALL_S = "train_wall_s", Real(|r| Some(r.train_wall_s)), Timing;
    /// See [`StepRecord::train_device_s`].
    TRAIN_DEVICE_S = "train_device_s", Real(|r| r.train_device_s), Timing;
    /// See [`StepRecord::train_points`].
    TRAIN_POINTS = "train_points", Real(|r| Some(r.train_points)), Measure;
    /// See [`StepRecord::checkpoint_bytes`].
    CHECKPOINT_BYTES = "checkpoint_bytes", Real(|r| Some(r.checkpoint_bytes as f64)), Measure;
    /// See [`StepRecord::fits_at_limit`].
    FITS_AT_LIMIT = "fits_at_limit", Count(|r| r.fits_at_limit), Measure;
    /// See [`StepRecord::baseline_reused`].
    BASELINE_REUSED = "baseline_reused", Count(|r| r.baseline_reused), Timing;
}

/// Columns newer than some saved trial files, whose absence means nothing was measured (no
/// worker reported device time): a trial file an earlier version wrote is read with them empty,
/// so upgrading sisa does not cost the trials already saved.
pub const EMPTY_WHEN_ABSENT: [ColumnName; 3] = [
    column::SISA_RETRAIN_DEVICE_S,
    column::BASELINE_RETRAIN_DEVICE_S,
    column::TRAIN_DEVICE_S,
];

/// The columns whose values depend on the machine's speed and load, not only on the spec and
/// seed: what comparisons of two runs leave out.
pub fn timing_columns() -> impl Iterator<Item = ColumnName> {
    COLUMNS
        .iter()
        .filter(|spec| spec.role == Role::Timing)
        .map(|spec| spec.name)
}

/// The column of swept key `key`: the key itself for a dotted key (`sisa.shards`); a top-level
/// key (`seed`, `model`, a whole section) is prefixed `sweep.` so it never collides with a fixed
/// column of the same name.
pub fn swept_column(key: &str) -> String {
    if key.contains('.') {
        key.to_owned()
    } else {
        format!("sweep.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_unique_and_swept_columns_never_collide_with_them() {
        let names: std::collections::HashSet<&str> =
            COLUMNS.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), COLUMNS.len());
        for key in ["seed", "model", "dataset", "sisa.shards"] {
            assert!(!names.contains(swept_column(key).as_str()), "{key}");
        }
        assert_eq!(swept_column("sisa.shards"), "sisa.shards");
        assert_eq!(swept_column("seed"), "sweep.seed");
        assert_eq!(timing_columns().count(), 11);
    }
}
