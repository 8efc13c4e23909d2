//! Runs trials in parallel (rayon) and reports what happens through events; it never prints.
//! Results are identical for any number of jobs: every draw is seeded by position, not by order.

pub mod bench;
pub mod record;
pub mod trial;
pub mod verify;

pub use record::StepRecord;
pub use trial::{run_trial, Prepared};
pub use verify::{verify, Certificate, ShardVerdict};

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::clock::Stopwatch;
use crate::data::{DataError, DatasetCache};
use crate::model::ModelError;
use crate::spec::{Invalid, Trial};

/// Why a trial failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrialError {
    /// The data could not be built or read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A setting does not fit the data (e.g. more slices than points in a shard).
    #[error(transparent)]
    Settings(#[from] Invalid),
    /// A model failed to train.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Not run: an earlier trial failed and the run was asked to stop at the first failure.
    #[error("not run: stopped at the first failure (--fail-fast)")]
    Cancelled,
}

impl TrialError {
    /// Whether the user can fix it by changing the spec or data (exit code 2), rather than a
    /// failure at run time.
    pub fn is_user_error(&self) -> bool {
        matches!(self, TrialError::Data(_) | TrialError::Settings(_))
    }
}

/// What happens during a run, as it happens. Sent from worker threads.
#[derive(Debug)]
pub enum Event<'a> {
    /// A trial started.
    Started {
        /// The trial.
        trial: &'a Trial,
    },
    /// A trial finished; its records are final.
    Finished {
        /// The trial.
        trial: &'a Trial,
        /// One record per step.
        records: &'a [StepRecord],
        /// Wall seconds the trial took.
        wall_s: f64,
    },
    /// A trial failed.
    Failed {
        /// The trial.
        trial: &'a Trial,
        /// Why.
        error: &'a TrialError,
    },
    /// A running trial moved on to another phase.
    Phase {
        /// The trial.
        trial: &'a Trial,
        /// What it does now.
        phase: Phase,
    },
}

/// What a running trial is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Building or reading its data, splitting and laying it out.
    Preparing,
    /// Training the constituents for the first time.
    Training,
    /// Unlearning request batch `step` of `steps` (and retraining the baseline).
    Unlearning {
        /// From 1.
        step: usize,
        /// How many there are.
        steps: usize,
    },
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Preparing => f.write_str("preparing"),
            Phase::Training => f.write_str("training"),
            Phase::Unlearning { step, steps } => write!(f, "unlearning {step}/{steps}"),
        }
    }
}

/// The result of one trial.
#[derive(Debug)]
pub struct TrialOutcome {
    /// Position of the trial in the plan.
    pub index: usize,
    /// Its records, or why it failed.
    pub result: Result<Vec<StepRecord>, TrialError>,
}

/// A run that could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start {jobs} worker threads: {message}")]
pub struct PoolError {
    jobs: usize,
    message: String,
}

/// A pool of `jobs` worker threads: trials run on it, and so does the data loading before them,
/// so `--jobs` bounds the threads a whole run uses.
pub fn workers(jobs: usize) -> Result<rayon::ThreadPool, PoolError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|error| PoolError {
            jobs,
            message: error.to_string(),
        })
}

/// Runs `trials` of experiment `experiment` on the `workers` pool, calling `on_event` as trials start,
/// change phase and end; datasets come from (or go into) `cache`. With `fail_fast`, trials not yet
/// started when one fails are not run. Outcomes come back in plan order.
pub fn run(
    experiment: &str,
    trials: &[Trial],
    workers: &rayon::ThreadPool,
    fail_fast: bool,
    cache: &DatasetCache,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Vec<TrialOutcome> {
    let failed = AtomicBool::new(false);
    workers.install(|| {
        trials
            .par_iter()
            .map(|trial| {
                if fail_fast && failed.load(Ordering::SeqCst) {
                    return TrialOutcome {
                        index: trial.index,
                        result: Err(TrialError::Cancelled),
                    };
                }
                on_event(Event::Started { trial });
                let watch = Stopwatch::start();
                let progress = |phase| on_event(Event::Phase { trial, phase });
                let result = run_trial(trial, experiment, cache, &progress);
                match &result {
                    Ok(records) => on_event(Event::Finished {
                        trial,
                        records,
                        wall_s: watch.elapsed().wall_s,
                    }),
                    Err(error) => {
                        failed.store(true, Ordering::SeqCst);
                        on_event(Event::Failed { trial, error });
                    }
                }
                TrialOutcome {
                    index: trial.index,
                    result,
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn types_crossing_threads_are_send_and_sync() {
        assert_send_sync::<Trial>();
        assert_send_sync::<StepRecord>();
        assert_send_sync::<TrialError>();
        assert_send_sync::<DatasetCache>();
        assert_send_sync::<crate::sisa::CheckpointStore>();
        assert_send_sync::<crate::sisa::Ensemble>();
        assert_send_sync::<crate::data::Dataset>();
    }
}
