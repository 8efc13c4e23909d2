//! Running experiments: a [`Session`] over a planned spec and its results folder, the launchers
//! that run its trials ([`launch`]), one trial end to end ([`trial`]), the data check before a
//! run ([`precheck`]), and what a run reports through an [`Observer`]; plus the exact-unlearning
//! certificate ([`verify`]) and fits timed for benchmarks ([`bench`]). Nothing here prints.
//! Results are identical for any number of jobs: every draw is seeded by position, not by order.

pub mod bench;
pub mod launch;
pub mod observer;
pub mod precheck;
pub mod session;
pub mod trial;
pub mod verify;

pub use launch::{Launcher, Local, OneTrial, SlurmArray};
pub use observer::{Event, Notice, Observer, Phase, RunStart};
pub use session::{ExternalOptions, RunOptions, RunOutcome, Session};
pub use trial::{run_trial, Prepared};
pub use verify::{verify, Certificate, ShardVerdict};

use crate::data::DataError;
use crate::model::ModelError;
use crate::spec::Invalid;

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
}

impl TrialError {
    /// Whether the user can fix it by changing the spec or data (exit code 2), rather than a
    /// failure at run time.
    pub fn is_user_error(&self) -> bool {
        matches!(self, TrialError::Data(_) | TrialError::Settings(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn types_crossing_threads_are_send_and_sync() {
        assert_send_sync::<crate::spec::Trial>();
        assert_send_sync::<crate::results::StepRecord>();
        assert_send_sync::<TrialError>();
        assert_send_sync::<crate::data::DatasetCache>();
        assert_send_sync::<crate::sisa::CheckpointStore>();
        assert_send_sync::<crate::sisa::Ensemble>();
        assert_send_sync::<crate::data::Dataset>();
        assert_send_sync::<Session>();
        assert_send_sync::<crate::workers::Workers>();
    }
}
