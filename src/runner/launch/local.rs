//! The local launcher: every pending trial on this machine's threads, then the merged tables,
//! figures and report.

use super::Launcher;
use crate::error::Error;
use crate::results::{Provenance, ProvenanceLog};
use crate::runner::observer::{Notice, Observer, RunStart};
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
        let _lock = folder.lock(true)?;
        session.check_folder()?;
        let removed = folder.remove_temporaries();
        if removed > 0 {
            let text = format!("removed {removed} partly written files an interrupted run left");
            observer.notice(&Notice::Info(text));
        }
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
            ProvenanceLog::record(folder, &provenance)?;
            outcome = session.run(&pending, &workers, self.options, observer);
            provenance.trials = outcome.saved.clone();
        }
        provenance.finish();
        ProvenanceLog::record(folder, &provenance)?;
        if outcome.interrupted {
            return outcome.into_result(pending.len());
        }
        let provenance = session.provenance();
        if let (Some(mut table), _) = session.collect()? {
            session.publish(&mut table, true, provenance.as_ref(), observer)?;
        }
        outcome.into_result(pending.len())
    }
}
