//! One trial of the plan, by its index: what each task of a cluster job array runs. It saves the
//! trial and its own provenance; `sisa collect` merges the tasks' trials afterwards.

use super::Launcher;
use crate::error::Error;
use crate::results::Provenance;
use crate::runner::observer::{Observer, RunStart};
use crate::runner::precheck;
use crate::runner::session::{RunOptions, Session};
use crate::workers::Workers;

/// Runs trial `index` of the plan on `jobs` threads.
#[derive(Debug, Clone, Copy)]
pub struct OneTrial {
    /// Position of the trial in the plan.
    pub index: usize,
    /// Worker threads.
    pub jobs: usize,
}

impl OneTrial {
    /// Checks `index` against a plan of `trials` trials.
    pub fn new(index: usize, trials: usize, jobs: usize) -> Result<OneTrial, Error> {
        if index >= trials {
            return Err(Error::Usage(format!(
                "trial index {index} is past the end of the plan, which has {trials} trials \
                 (0 to {})",
                trials.saturating_sub(1)
            )));
        }
        Ok(OneTrial { index, jobs })
    }
}

impl Launcher for OneTrial {
    fn launch(&self, session: &Session, observer: &dyn Observer) -> Result<(), Error> {
        let trial = &session.trials()[self.index];
        // Shared: the other tasks of the array write their own trials at the same time.
        let _lock = session.folder().lock(false)?;
        session.check_folder()?;
        let workers = Workers::new(self.jobs)?;
        let datasets = session.precheck(&[trial], &workers)?;
        precheck::warn(&datasets, observer);
        session.save_inputs(&datasets)?;
        observer.started(&RunStart {
            experiment: session.spec().name().as_str(),
            folder: session.folder().root(),
            jobs: workers.jobs(),
            pending: 1,
            reused: 0,
        });
        let mut provenance = Provenance::start(workers.jobs());
        let outcome = session.run(&[trial], &workers, RunOptions::default(), observer);
        provenance.trials = outcome.saved.clone();
        provenance.finish();
        let json = provenance.to_json();
        session.folder().save_trial_provenance(trial.index, &json)?;
        if outcome.interrupted {
            return outcome.into_result(1);
        }
        match outcome.failed.into_iter().next() {
            None => outcome.save_error.map_or(Ok(()), |error| Err(error.into())),
            Some((index, source)) => Err(Error::Trial {
                index,
                id: trial.id.to_string(),
                source,
            }),
        }
    }
}
