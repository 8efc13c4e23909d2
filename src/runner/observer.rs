//! What a run tells the outside as it goes: events from the threads that run trials, notices, and
//! the published results, all through one [`Observer`] (the terminal reporter is one; a test or
//! a library user can bring another). The runner itself never prints.

use std::path::{Path, PathBuf};

use crate::results::Table;
use crate::spec::Trial;

/// A run about to start.
#[derive(Debug, Clone, Copy)]
pub struct RunStart<'a> {
    /// The experiment's name.
    pub experiment: &'a str,
    /// The results folder.
    pub folder: &'a Path,
    /// Worker threads.
    pub jobs: usize,
    /// Trials that will run.
    pub pending: usize,
    /// Trials already saved, not run again.
    pub reused: usize,
}

/// What happens to a trial, as it happens. Sent from the threads that run trials.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A trial started.
    Started {
        /// The trial.
        trial: &'a Trial,
    },
    /// A running trial moved on to another phase.
    Phase {
        /// The trial.
        trial: &'a Trial,
        /// What it does now.
        phase: Phase,
    },
    /// A trial finished and its rows are on disk.
    Saved {
        /// The trial.
        trial: &'a Trial,
        /// Its file.
        path: &'a Path,
        /// Wall seconds the trial took, saving included.
        wall_s: f64,
    },
    /// A trial failed, or its rows could not be saved.
    Failed {
        /// The trial.
        trial: &'a Trial,
        /// Why, located in the spec when a setting is to blame.
        message: &'a str,
    },
}

/// What a running trial is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Building or reading its data, splitting and laying it out.
    Preparing,
    /// Training the constituents for the first time.
    Training,
    /// Running steps `first..=last` of the `steps` of its request schedule (and retraining
    /// their baselines).
    Unlearning {
        /// From 1.
        first: usize,
        /// The last of those run together (`first` when one runs alone).
        last: usize,
        /// How many there are.
        steps: usize,
    },
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Preparing => f.write_str("preparing"),
            Phase::Training => f.write_str("training"),
            Phase::Unlearning { first, last, steps } if first == last => {
                write!(f, "unlearning {first}/{steps}")
            }
            Phase::Unlearning { first, last, steps } => {
                write!(f, "unlearning {first}-{last}/{steps}")
            }
        }
    }
}

/// Something worth telling that is neither an event of a trial nor an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An outcome (a file written, a job submitted).
    Info(String),
    /// Something the user asked for that did not happen, or should look at.
    Warning(String),
}

/// Receives what a run does. Called from several threads at once.
pub trait Observer: Sync {
    /// A run is about to start its trials.
    fn started(&self, run: &RunStart<'_>);

    /// A trial's event.
    fn event(&self, event: &Event<'_>);

    /// A notice.
    fn notice(&self, notice: &Notice);

    /// The tables, figures and report were written (`paths`), from `table`.
    fn published(&self, table: &Table, paths: &[PathBuf]);
}
