//! The local launcher: every pending trial on this machine's threads, then the merged tables,
//! figures and report.

use super::Launcher;
use crate::error::Error;
use crate::results::{Document, Provenance};
use crate::runner::observer::{Observer, RunStart};
use crate::runner::precheck;
use crate::runner::session::{RunOptions, RunOutcome, Session};
use crate::workers::Workers;

/// Runs the pending trials on `jobs` threads and publishes the results.
#[derive(Debug, Clone, Copy)]
pub struct Local {
    /// Worker threads.
    pub jobs: usize,
    /// How trials are run.
    pub options: RunOptions,
}

impl Launcher for Local {
    fn launch(&self, session: &Session, observer: &dyn Observer) -> Result<(), Error> {
        let folder = session.folder();
        let pending = session.pending(self.options.force);
        let workers = Workers::new(self.jobs)?;
        let mut provenance = Provenance::start(workers.jobs());
        let start = RunStart {
            experiment: session.spec().name().as_str(),
            folder: folder.root(),
            jobs: workers.jobs(),
            pending: pending.len(),
            reused: session.trials().len() - pending.len(),
        };
        let mut outcome = RunOutcome::default();
        if pending.is_empty() {
            observer.started(&start);
        } else {
            // Bad data fail here, before anything is written.
            let datasets = session.precheck(&pending, &workers)?;
            precheck::warn(&datasets, observer);
            observer.started(&start);
            session.save_inputs(&datasets)?;
            folder.save(Document::Provenance, &provenance.to_json())?;
            outcome = session.run(&pending, &workers, self.options, observer);
            provenance.trials = outcome.saved.clone();
        }
        provenance.finish();
        folder.save(Document::Provenance, &provenance.to_json())?;
        if let (Some(mut table), _) = session.collect()? {
            session.publish(&mut table, true, Some(&provenance), observer)?;
        }
        outcome.into_result(pending.len())
    }
}
