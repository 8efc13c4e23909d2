//! The errors a command can end with, and the exit code each maps to (reported once, in `cli`).

use crate::data::DataError;
use crate::report::ReportError;
use crate::results::{LockError, ReadError, ResultsError};
use crate::runner::TrialError;
use crate::spec::SpecError;
use crate::workers::PoolError;

/// Exit code of a successful command.
pub const EXIT_OK: u8 = 0;
/// Exit code of a failure at run time: a trial failed, a file could not be written, or `verify`
/// found unlearning not exact.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of bad input: a spec, override, value or data file the user can fix.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of a run stopped by Ctrl-C (the shell's code for an interrupt, 128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec or an override is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A dataset could not be read, or does not fit the spec.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A trial failed.
    #[error("trial {index} ({id}): {source}")]
    Trial {
        /// Position in the plan.
        index: usize,
        /// Trial id.
        id: String,
        /// Why it failed.
        source: TrialError,
    },
    /// Some trials of a run failed (each was reported as it happened).
    #[error("{}", failed_trials(*failed, *total))]
    TrialsFailed {
        /// How many failed.
        failed: usize,
        /// How many ran.
        total: usize,
        /// Whether every failure was the user's to fix.
        user_errors: bool,
    },
    /// A results table could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Results could not be written.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// A report could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The results folder is in use, or cannot be locked.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A finished trial could not be saved; the run stopped there.
    #[error("{source}; the run stopped there, with {saved} of {total} trials saved (the same command resumes; --keep-going runs the others anyway)")]
    SaveFailed {
        /// Why.
        source: ResultsError,
        /// Trials saved by this run.
        saved: usize,
        /// Trials this run was to run.
        total: usize,
    },
    /// The run was asked to stop (Ctrl-C) and stopped cleanly.
    #[error("interrupted: {saved} of {total} trials were saved this run (nothing half-written); run the same command again to resume")]
    Interrupted {
        /// Trials saved by this run.
        saved: usize,
        /// Trials this run was to run.
        total: usize,
    },
    /// The worker pool could not start.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// Command-line arguments that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// An outside program (e.g. `sbatch`) failed.
    #[error("{0}")]
    External(String),
    /// A failure already reported on stdout in the form asked for (e.g. `verify --json`): exit
    /// with this code and print nothing more.
    #[error("")]
    Silent(u8),
    /// `sisa verify` found the unlearned model different from one trained from scratch.
    #[error(
        "unlearning was NOT exact: the unlearned constituents differ from training from scratch"
    )]
    NotExact,
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Spec(_) | Error::Usage(_) | Error::Read(_) | Error::Data(_) => EXIT_BAD_INPUT,
            Error::Lock(LockError::Busy { .. }) => EXIT_BAD_INPUT,
            Error::Trial { source, .. } if source.is_user_error() => EXIT_BAD_INPUT,
            Error::TrialsFailed {
                user_errors: true, ..
            } => EXIT_BAD_INPUT,
            Error::Silent(code) => *code,
            Error::Interrupted { .. } => EXIT_INTERRUPTED,
            _ => EXIT_FAILURE,
        }
    }
}

/// Results of library operations that end a command.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn failed_trials(failed: usize, total: usize) -> String {
    if failed == total {
        format!("all {total} trials failed")
    } else {
        format!("{failed} of {total} trials failed; the others' results were saved")
    }
}
