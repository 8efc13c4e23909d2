//! The results table: one row per trial x step, columns of DESIGN.md §5, built as a polars
//! DataFrame. The column list is declared once and drives the table and the summary.

use polars::prelude::{Column, DataFrame, PolarsResult};

use crate::runner::StepRecord;

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
    /// What was measured.
    Measure,
}

/// A column of the results table.
pub struct ColumnSpec {
    /// Column name.
    pub name: &'static str,
    /// How to read it.
    pub field: Field,
    /// What it is for.
    pub role: Role,
}

const fn column(name: &'static str, field: Field, role: Role) -> ColumnSpec {
    ColumnSpec { name, field, role }
}

use Field::{Count, Real, Text};
use Role::{Config, Identity, Measure, Step};

/// Every fixed column, in table order (swept keys come after the identity columns).
pub const COLUMNS: &[ColumnSpec] = &[
    column("experiment", Text(|r| &r.experiment), Identity),
    column("trial_id", Text(|r| &r.trial_id), Identity),
    column("trial_index", Count(|r| u64::from(r.trial_index)), Identity),
    column("repeat", Count(|r| u64::from(r.repeat)), Identity),
    column("seed", Count(|r| r.seed), Identity),
    column("dataset", Text(|r| &r.dataset), Config),
    column("n_train", Count(|r| r.n_train), Config),
    column("n_test", Count(|r| r.n_test), Config),
    column("n_features", Count(|r| r.n_features), Config),
    column("n_classes", Count(|r| r.n_classes), Config),
    column("model", Text(|r| &r.model), Config),
    column("budget", Count(|r| r.budget), Config),
    column("shards", Count(|r| r.shards), Config),
    column("slices", Count(|r| r.slices), Config),
    column("partition", Text(|r| &r.partition), Config),
    column("shard_sizes", Text(|r| &r.shard_sizes), Config),
    column("aggregation", Text(|r| &r.aggregation), Config),
    column("distribution", Text(|r| &r.distribution), Config),
    column("mode", Text(|r| &r.mode), Config),
    column("step", Count(|r| u64::from(r.step)), Step),
    column("requests", Count(|r| r.requests), Step),
    column("removed_total", Count(|r| r.removed_total), Step),
    column(
        "sisa_retrain_cpu_s",
        Real(|r| Some(r.sisa_retrain_cpu_s)),
        Measure,
    ),
    column(
        "sisa_retrain_wall_s",
        Real(|r| Some(r.sisa_retrain_wall_s)),
        Measure,
    ),
    column(
        "sisa_retrain_points",
        Real(|r| Some(r.sisa_retrain_points)),
        Measure,
    ),
    column(
        "sisa_retrain_passes",
        Real(|r| r.sisa_retrain_passes),
        Measure,
    ),
    column(
        "shards_retrained",
        Real(|r| Some(r.shards_retrained as f64)),
        Measure,
    ),
    column(
        "baseline_retrain_cpu_s",
        Real(|r| r.baseline_retrain_cpu_s),
        Measure,
    ),
    column(
        "baseline_retrain_wall_s",
        Real(|r| r.baseline_retrain_wall_s),
        Measure,
    ),
    column(
        "baseline_retrain_points",
        Real(|r| r.baseline_retrain_points),
        Measure,
    ),
    column(
        "baseline_retrain_passes",
        Real(|r| r.baseline_retrain_passes),
        Measure,
    ),
    column("speedup_time", Real(|r| r.speedup_time), Measure),
    column("speedup_points", Real(|r| r.speedup_points), Measure),
    column(
        "expected_sisa_points",
        Real(|r| Some(r.expected_sisa_points)),
        Measure,
    ),
    column(
        "expected_speedup_points",
        Real(|r| Some(r.expected_speedup_points)),
        Measure,
    ),
    column("sisa_accuracy", Real(|r| Some(r.sisa_accuracy)), Measure),
    column(
        "sisa_accuracy_majority",
        Real(|r| Some(r.sisa_accuracy_majority)),
        Measure,
    ),
    column(
        "sisa_accuracy_mean_proba",
        Real(|r| Some(r.sisa_accuracy_mean_proba)),
        Measure,
    ),
    column(
        "sisa_accuracy_weighted",
        Real(|r| Some(r.sisa_accuracy_weighted)),
        Measure,
    ),
    column("baseline_accuracy", Real(|r| r.baseline_accuracy), Measure),
    column(
        "lone_shard_accuracy",
        Real(|r| Some(r.lone_shard_accuracy)),
        Measure,
    ),
    column("accuracy_gap", Real(|r| r.accuracy_gap), Measure),
    column("train_cpu_s", Real(|r| Some(r.train_cpu_s)), Measure),
    column("train_wall_s", Real(|r| Some(r.train_wall_s)), Measure),
    column("train_points", Real(|r| Some(r.train_points)), Measure),
    column(
        "checkpoint_bytes",
        Real(|r| Some(r.checkpoint_bytes as f64)),
        Measure,
    ),
];

/// Columns whose values depend on the machine's speed and load, not only on the spec and seed.
pub const TIMING_COLUMNS: &[&str] = &[
    "sisa_retrain_cpu_s",
    "sisa_retrain_wall_s",
    "baseline_retrain_cpu_s",
    "baseline_retrain_wall_s",
    "speedup_time",
    "train_cpu_s",
    "train_wall_s",
];

/// The table of `records`. Swept keys get a text column each (named by the key), after the
/// identity columns; all records must come from one experiment, so they share the swept keys.
pub fn to_frame(records: &[StepRecord]) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Column> = Vec::with_capacity(COLUMNS.len() + 4);
    for spec in COLUMNS {
        if spec.role == Role::Config && spec.name == "dataset" {
            columns.extend(swept_columns(records));
        }
        columns.push(build(spec, records));
    }
    DataFrame::new(records.len(), columns)
}

/// One text column per swept key, named by the key, holding each record's value.
pub fn swept_columns(records: &[StepRecord]) -> Vec<Column> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    first
        .swept
        .iter()
        .enumerate()
        .map(|(position, (key, _))| {
            let values: Vec<&str> = records
                .iter()
                .map(|r| r.swept[position].1.as_str())
                .collect();
            Column::new(key.as_str().into(), values)
        })
        .collect()
}

/// One column of the table.
pub fn build(spec: &ColumnSpec, records: &[StepRecord]) -> Column {
    let name = spec.name.into();
    match spec.field {
        Field::Text(read) => Column::new(name, records.iter().map(read).collect::<Vec<_>>()),
        Field::Count(read) => Column::new(name, records.iter().map(read).collect::<Vec<_>>()),
        Field::Real(read) => Column::new(name, records.iter().map(read).collect::<Vec<_>>()),
    }
}
