//! Launchers: where and how a session's trials run. Each is one file behind [`Launcher`]: local
//! threads ([`Local`]), one trial of the plan by its index, as a cluster array task runs it
//! ([`OneTrial`]), and a Slurm job array with a collect job ([`SlurmArray`]). A further backend
//! is one more file here.

pub mod local;
pub mod one_trial;
pub mod slurm;

pub use local::Local;
pub use one_trial::OneTrial;
pub use slurm::SlurmArray;

use super::observer::Observer;
use super::session::Session;
use crate::error::Error;

/// Runs (or arranges to run) a session's trials.
pub trait Launcher {
    /// Launches the trials of `session`, telling `observer`; an error when any trial failed or a
    /// file could not be written.
    fn launch(&self, session: &Session, observer: &dyn Observer) -> Result<(), Error>;
}
