//! A run session: a planned spec and its results folder, and everything a run does with them:
//! which trials are pending, checking the data first, running trials on the workers while
//! reporting through an [`Observer`], saving each trial the moment it finishes, merging the saved
//! trials, and publishing the tables, figures and report. The launchers (`runner::launch`) put
//! these together; the command line only parses arguments and picks a launcher and an observer.
//!
//! Trials run on `--jobs` coordinating threads, one trial at a time each; their computation goes
//! to the shared workers as leaf jobs ([`crate::workers`]). A coordinator saves its trial (written,
//! synced and renamed into place) and reports it before it takes the next one, so a trial that
//! finishes is on disk at once, whatever the others are doing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::observer::{Event, Notice, Observer};
use super::precheck::precheck;
use super::trial::{run_trial, SharedBaselines};
use super::TrialError;
use crate::clock::Stopwatch;
use crate::data::{DatasetCache, DatasetSummary};
use crate::error::Error;
use crate::interrupt;
use crate::model::external::{Runtime, RuntimePaths};
use crate::plot::{self, FigurePlan};
use crate::report;
use crate::results::provenance::TrialProvenance;
use crate::results::{swept_columns, Document, Provenance, ResultsError, ResultsFolder, Table};
use crate::spec::{plan, ModelSettings, Spec, Trial, TrialId};
use crate::workers::Workers;

/// A planned spec and its results folder.
pub struct Session {
    spec: Spec,
    trials: Vec<Trial>,
    figures: FigurePlan,
    folder: ResultsFolder,
    cache: DatasetCache,
    external: ExternalOptions,
}

/// How a run treats the workers and checkpoints of external models.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExternalOptions {
    /// Where checkpoints go (one folder per trial) instead of the results folder's
    /// `checkpoints/`.
    pub checkpoints: Option<PathBuf>,
    /// Keep a trial's checkpoints after its rows are saved (by default they are removed).
    pub keep_checkpoints: bool,
    /// Accelerators, one worker each (overrides `model.devices`).
    pub devices: Vec<String>,
}

/// How a run goes about its trials.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Run every trial, even those already saved.
    pub force: bool,
    /// Start no trial after one fails.
    pub fail_fast: bool,
    /// Go on running trials after one could not be saved (by default the run stops there).
    pub keep_going: bool,
}

/// What happened to the trials a run was given.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// The trials saved, in plan order.
    pub saved: Vec<TrialProvenance>,
    /// The trials that failed, with why.
    pub failed: Vec<(usize, TrialError)>,
    /// Trials not started because the run stopped early (`--fail-fast`, or a save failed).
    pub not_started: usize,
    /// The first trial whose rows could not be written (the run stopped there, unless asked to
    /// keep going).
    pub save_error: Option<ResultsError>,
    /// Whether the run was asked to stop (Ctrl-C): trials under way were abandoned, unsaved.
    pub interrupted: bool,
}

impl RunOutcome {
    /// The run's result: `Ok` when every trial was saved, else the error that says how many
    /// failed (each was reported as it happened).
    pub fn into_result(self, total: usize) -> Result<(), Error> {
        if self.interrupted {
            return Err(Error::Interrupted {
                saved: self.saved.len(),
                total,
            });
        }
        if let Some(source) = self.save_error {
            return Err(Error::SaveFailed {
                source,
                saved: self.saved.len(),
                total,
            });
        }
        if self.failed.is_empty() && self.not_started == 0 {
            return Ok(());
        }
        Err(Error::TrialsFailed {
            failed: self.failed.len(),
            total,
            user_errors: self.failed.iter().all(|(_, error)| error.is_user_error()),
        })
    }
}

impl Session {
    /// A session for `spec`, writing to `out` (default `results/<name>`).
    pub fn open(spec: Spec, out: Option<&Path>) -> Result<Session, Error> {
        let folder = ResultsFolder::new(out, spec.name());
        Session::with_folder(spec, folder)
    }

    /// A session for an existing results folder, with the resolved spec saved in it.
    pub fn at(root: &Path) -> Result<Session, Error> {
        let folder = ResultsFolder::at(root);
        let spec = Spec::load(&folder.path(Document::Spec), &[])?;
        Session::with_folder(spec, folder)
    }

    fn with_folder(spec: Spec, folder: ResultsFolder) -> Result<Session, Error> {
        let trials = plan(&spec)?;
        let figures = plot::requested(&spec)?;
        Ok(Session {
            spec,
            trials,
            figures,
            folder,
            cache: DatasetCache::new(),
            external: ExternalOptions::default(),
        })
    }

    /// The session with `options` for external models.
    pub fn with_external(mut self, options: ExternalOptions) -> Session {
        self.external = options;
        self
    }

    /// The workers and folders of external models for a run of `trials` on `jobs` threads:
    /// one worker per job, or per device; `None` when no trial uses an external model. With
    /// `resume`, checkpoints an interrupted run left are taken instead of training again.
    fn external_runtime(
        &self,
        trials: &[&Trial],
        jobs: usize,
        resume: bool,
    ) -> Option<Arc<Runtime>> {
        let external = trials
            .iter()
            .find_map(|trial| match &trial.settings.model {
                ModelSettings::External(external) => Some(external),
                _ => None,
            })?;
        let devices = if self.external.devices.is_empty() {
            &external.devices
        } else {
            &self.external.devices
        };
        let paths = RuntimePaths {
            data: self.folder.worker_data_folder(),
            checkpoints: (self.external.checkpoints.clone())
                .unwrap_or_else(|| self.folder.checkpoints_folder()),
        };
        Some(Arc::new(Runtime::new(paths, jobs, devices, resume)))
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Every trial of the plan, in order.
    pub fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// The results folder.
    pub fn folder(&self) -> &ResultsFolder {
        &self.folder
    }

    /// Checks that the results folder is this spec's: a folder that holds another spec's trials
    /// (other settings, overrides or sweep) is refused, so one run never mixes with or replaces
    /// another's results. Re-running the same spec resumes.
    pub fn check_folder(&self) -> Result<(), Error> {
        if !self.folder.has_spec() {
            return Ok(());
        }
        let saved = Spec::load(&self.folder.path(Document::Spec), &[])?;
        let theirs = plan(&saved)?;
        let ours: std::collections::HashSet<&TrialId> = self.trials.iter().map(|t| &t.id).collect();
        let common = theirs.iter().filter(|t| ours.contains(&t.id)).count();
        if common == theirs.len() && common == self.trials.len() {
            return Ok(());
        }
        Err(Error::Usage(format!(
            "`{}` holds the results of other settings ({} trials, {common} of them also in this \
             run of {}); write this run elsewhere with --out (e.g. --out {}-2), or remove that \
             folder to start over",
            self.folder.root().display(),
            theirs.len(),
            self.trials.len(),
            self.folder.root().display(),
        )))
    }

    /// The trials whose results are not saved yet (all of them with `force`).
    pub fn pending(&self, force: bool) -> Vec<&Trial> {
        self.trials
            .iter()
            .filter(|trial| force || !self.folder.trial_path(&trial.id).exists())
            .collect()
    }

    /// Loads and checks the data of `trials` on `workers` (see [`precheck`]); returns a summary
    /// of each dataset.
    pub fn precheck(
        &self,
        trials: &[&Trial],
        workers: &Workers,
    ) -> Result<Vec<DatasetSummary>, Error> {
        workers.install(|| precheck(&self.spec, trials, &self.cache))
    }

    /// Saves the resolved spec and the datasets' summaries into the results folder.
    pub fn save_inputs(&self, datasets: &[DatasetSummary]) -> Result<(), Error> {
        self.folder
            .save(Document::Spec, &self.spec.resolved_yaml())?;
        let json = serde_json::to_string_pretty(datasets).expect("summaries serialise");
        self.folder.save(Document::Datasets, &format!("{json}\n"))?;
        Ok(())
    }

    /// Runs `trials` on `workers`, saving each as it finishes and telling `observer`.
    pub fn run(
        &self,
        trials: &[&Trial],
        workers: &Workers,
        options: RunOptions,
        observer: &dyn Observer,
    ) -> RunOutcome {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let outcome = Mutex::new(RunOutcome::default());
        let underway = Underway::default();
        // `--force` trains everything again, also steps whose checkpoints were kept.
        let runtime = self.external_runtime(trials, workers.jobs(), !options.force);
        let runtime = runtime.as_ref();
        let coordinators = workers.jobs().min(trials.len());
        std::thread::scope(|scope| {
            for _ in 0..coordinators {
                scope.spawn(|| {
                    while !stop.load(Ordering::SeqCst) && !interrupt::requested() {
                        let Some(&trial) = trials.get(next.fetch_add(1, Ordering::SeqCst)) else {
                            break;
                        };
                        let ended = self.run_one(trial, workers, runtime, observer, &underway);
                        let mut outcome = outcome.lock().expect("not poisoned");
                        match ended {
                            Ok(saved) => outcome.saved.push(saved),
                            Err(Ended::Interrupted) => outcome.interrupted = true,
                            Err(Ended::Failed(error)) => {
                                outcome.failed.push((trial.index, error));
                                if options.fail_fast {
                                    stop.store(true, Ordering::SeqCst);
                                }
                            }
                            Err(Ended::NotSaved(error)) => {
                                outcome.save_error.get_or_insert(error);
                                if !options.keep_going {
                                    stop.store(true, Ordering::SeqCst);
                                }
                            }
                        }
                    }
                });
            }
        });
        if let Some(runtime) = runtime {
            runtime.shutdown();
            let reused = runtime.resumed();
            if reused > 0 {
                observer.notice(&Notice::Info(format!(
                    "reused {reused} training steps from the checkpoints of an interrupted run"
                )));
            }
        }
        let (trained, reused) = underway.baselines.counts();
        if reused > 0 {
            observer.notice(&Notice::Info(format!(
                "baselines: {trained} trained, {reused} taken from another trial with the same \
                 inputs (rows mark them in `baseline_reused` and still report their cost)"
            )));
        }
        let mut outcome = outcome.into_inner().expect("not poisoned");
        outcome.interrupted |= interrupt::requested();
        outcome.not_started = trials.len().saturating_sub(next.load(Ordering::SeqCst));
        outcome.saved.sort_by_key(|trial| trial.index);
        outcome
    }

    /// Runs one trial and saves it, telling `observer`.
    fn run_one(
        &self,
        trial: &Trial,
        workers: &Workers,
        runtime: Option<&Arc<Runtime>>,
        observer: &dyn Observer,
        underway: &Underway,
    ) -> Result<TrialProvenance, Ended> {
        observer.event(&Event::Started { trial });
        let watch = Stopwatch::start();
        let progress = |phase| observer.event(&Event::Phase { trial, phase });
        let experiment = self.spec.name().as_str();
        let failed = |message: String| {
            observer.event(&Event::Failed {
                trial,
                message: &message,
            })
        };
        let records = run_trial(
            trial,
            experiment,
            &self.cache,
            workers,
            runtime,
            &underway.baselines,
            &progress,
        )
        .map_err(|error| {
            if interrupt::requested() {
                return Ended::Interrupted;
            }
            failed(self.describe(trial, &error));
            Ended::Failed(error)
        })?;
        let path = self
            .folder
            .save_trial(&trial.id, &records)
            .map_err(|error| {
                failed(error.to_string());
                Ended::NotSaved(error)
            })?;
        if let (Some(runtime), false) = (runtime, self.external.keep_checkpoints) {
            let _ = std::fs::remove_dir_all(runtime.checkpoints(&trial.id.to_string()));
        }
        let wall_s = watch.elapsed().wall_s;
        let at_limit = records.iter().map(|r| r.fits_at_limit).max().unwrap_or(0);
        let model = trial.settings.model.name();
        if at_limit > 0 && underway.warned.lock().expect("not poisoned").insert(model) {
            observer.notice(&Notice::Warning(format!(
                "{model} stopped at its iteration limit before converging in {at_limit} fits of \
                 trial {} (said once per model; the `fits_at_limit` column counts them in every \
                 trial): its accuracy may be lower than it could be; scale the features \
                 (`dataset.standardize: true`) or raise `model.max_iterations`",
                trial.index
            )));
        }
        observer.event(&Event::Saved {
            trial,
            path: &path,
            wall_s,
        });
        Ok(TrialProvenance {
            index: trial.index,
            id: trial.id.to_string(),
            seed: trial.settings.seed,
            repeat: trial.repeat,
            wall_s,
        })
    }

    /// Why `trial` failed; a setting that does not fit the data is located like a spec error
    /// (file, line, key).
    fn describe(&self, trial: &Trial, error: &TrialError) -> String {
        match error {
            TrialError::Settings(invalid) => self.spec.locate(invalid.clone(), trial).to_string(),
            other => other.to_string(),
        }
    }

    /// The saved rows of every trial of the plan, in plan order (`None` when none is saved), and
    /// the trials that have none yet.
    pub fn collect(&self) -> Result<(Option<Table>, Vec<&Trial>), Error> {
        let ids: Vec<TrialId> = self.trials.iter().map(|trial| trial.id.clone()).collect();
        let swept = swept_columns(&self.spec);
        let (table, missing) = self.folder.read_trials(&ids, &swept)?;
        let missing = self
            .trials
            .iter()
            .filter(|trial| missing.contains(&trial.id))
            .collect();
        Ok((table, missing))
    }

    /// Reads the merged table saved by an earlier run (`steps.parquet`).
    pub fn saved_table(&self) -> Result<Table, Error> {
        let swept = swept_columns(&self.spec);
        Ok(Table::read(&self.folder.steps_path(), &swept)?)
    }

    /// Writes `table` as the folder's tables (unless `tables` is false: they are already there,
    /// and only the summary is written again, in this version's layout), draws the figures
    /// (removing figure files no figure of the spec writes) and writes the report; tells
    /// `observer` what it wrote.
    pub fn publish(
        &self,
        table: &mut Table,
        tables: bool,
        provenance: Option<&Provenance>,
        observer: &dyn Observer,
    ) -> Result<Vec<PathBuf>, Error> {
        let mut paths = if tables {
            self.folder.save_tables(table)?
        } else {
            vec![self.folder.save_summary(table)?]
        };
        let figures = plot::render(table, &self.figures, &self.folder)?;
        for skip in &figures.skipped {
            let message = format!("figure `{}` not drawn: {}", skip.name, skip.reason);
            observer.notice(&Notice::Warning(message));
        }
        for stale in &figures.removed {
            let message = format!("removed {}: the spec no longer draws it", stale.display());
            observer.notice(&Notice::Info(message));
        }
        let spec_yaml = self.spec.resolved_yaml();
        let contents = report::Contents {
            experiment: self.spec.name().as_str(),
            table,
            figures: &figures.rendered,
            skipped: &figures.skipped,
            spec_yaml: &spec_yaml,
            provenance,
        };
        paths.extend(
            figures
                .rendered
                .iter()
                .flat_map(|figure| figure.files.clone()),
        );
        paths.extend(report::write(&self.folder, &contents)?);
        observer.published(table, &paths);
        Ok(paths)
    }

    /// The provenance of the folder: its run's and those of trials run apart, merged.
    pub fn provenance(&self) -> Option<Provenance> {
        Provenance::merged(&self.folder)
    }
}

/// What the trials of one run share while it is under way.
#[derive(Default)]
struct Underway {
    /// Model kinds already warned about for not converging.
    warned: Mutex<HashSet<&'static str>>,
    /// Baselines trained so far, for trials that need the same one.
    baselines: SharedBaselines,
}

/// How a trial ended when it did not end saved.
enum Ended {
    /// The run was asked to stop while it ran.
    Interrupted,
    /// It failed.
    Failed(TrialError),
    /// It finished but its rows could not be written.
    NotSaved(ResultsError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::launch::{Launcher, Local};
    use crate::runner::observer::RunStart;

    /// Remembers what a run told it.
    #[derive(Default)]
    struct Recorder {
        lines: Mutex<Vec<String>>,
        phases: Mutex<Vec<String>>,
    }

    impl Observer for Recorder {
        fn started(&self, run: &RunStart<'_>) {
            let line = format!("started {} pending {}", run.experiment, run.pending);
            self.lines.lock().unwrap().push(line);
        }

        fn event(&self, event: &Event<'_>) {
            let line = match event {
                Event::Started { trial } => format!("start {}", trial.index),
                Event::Phase { trial, phase } => {
                    let line = format!("{} {phase}", trial.index);
                    self.phases.lock().unwrap().push(line);
                    return;
                }
                Event::Saved { trial, path, .. } => {
                    assert!(path.exists(), "saved before it is reported");
                    format!("saved {}", trial.index)
                }
                Event::Failed { trial, message } => format!("failed {}: {message}", trial.index),
            };
            self.lines.lock().unwrap().push(line);
        }

        fn notice(&self, notice: &Notice) {
            self.lines.lock().unwrap().push(format!("{notice:?}"));
        }

        fn published(&self, table: &Table, paths: &[PathBuf]) {
            let line = format!("published {} rows, {} files", table.height(), paths.len());
            self.lines.lock().unwrap().push(line);
        }
    }

    #[test]
    fn a_spec_runs_end_to_end_through_a_session_without_the_command_line() {
        let folder = tempfile::tempdir().unwrap();
        let spec_path = folder.path().join("spec.yaml");
        let text =
            "name: library\nseed: 2\ndataset: {synthetic: blobs, samples: 300, features: 4}\n\
                    unlearning: {requests: [1, 3]}\nsweep:\n  sisa.shards: [1, 3]\n";
        std::fs::write(&spec_path, text).unwrap();
        let spec = Spec::load(&spec_path, &[]).unwrap();
        let session = Session::open(spec, Some(&folder.path().join("out"))).unwrap();
        assert_eq!(session.pending(false).len(), 2);
        let recorder = Recorder::default();
        let local = Local {
            jobs: 2,
            options: RunOptions::default(),
        };
        local.launch(&session, &recorder).unwrap();
        let mut lines = recorder.lines.into_inner().unwrap();
        assert_eq!(lines.remove(0), "started library pending 2");
        let published = lines.pop().unwrap();
        assert!(published.starts_with("published 4 rows"), "{published}");
        let reuse = lines.pop().unwrap();
        assert!(
            reuse.starts_with("Info(\"baselines: 2 trained, 2 taken"),
            "both shard counts remove the same points: {reuse}"
        );
        lines.sort();
        assert_eq!(lines, ["saved 0", "saved 1", "start 0", "start 1"]);
        // Both batch steps of a trial are trained together.
        let mut phases = recorder.phases.into_inner().unwrap();
        phases.sort();
        let expected = ["preparing", "training", "unlearning 1-2/2"];
        let expected: Vec<String> = (0..2)
            .flat_map(|trial| expected.map(|phase| format!("{trial} {phase}")))
            .collect();
        assert_eq!(phases, expected);
        assert!(session.pending(false).is_empty(), "both trials are saved");
        let (table, missing) = session.collect().unwrap();
        assert!(missing.is_empty());
        assert_eq!(table.unwrap().swept_columns(), ["sisa.shards"]);
    }
}
