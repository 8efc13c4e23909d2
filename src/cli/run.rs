//! Running a spec: the whole plan (resuming past saved trials), one trial of it (a cluster array
//! task), and collecting saved trials into the tables, figures and report.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::reporter::Reporter;
use super::{CollectArgs, ReportArgs, RunArgs};
use crate::data::{Dataset, DatasetCache, DatasetSummary, Split};
use crate::error::{Error, Result, EXIT_OK};
use crate::plot;
use crate::report;
use crate::requests::RequestModel;
use crate::results::provenance::TrialProvenance;
use crate::results::{Provenance, ResultsFolder, Table};
use crate::runner::{self, Event, TrialError};
use crate::spec::{self, plan, DataSource, Distribution, Spec, Trial, TrialId};

/// Provenance file name in a results folder.
const PROVENANCE_FILE: &str = "provenance.json";

/// Name of the file describing the run's datasets in a results folder.
const DATASETS_FILE: &str = "datasets.json";

/// `sisa run`: every trial not yet saved (or one, with `--trial-index`), then the merged tables.
pub fn run(args: RunArgs) -> Result<u8> {
    let spec = args.spec.load()?;
    let trials = plan(&spec)?;
    let folder = ResultsFolder::new(args.out.as_deref(), spec.name());
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    if let Some(index) = trial_index(&args, trials.len())? {
        return run_one(&spec, &trials[index], &folder, jobs, args.quiet);
    }
    let pending: Vec<Trial> = trials
        .iter()
        .filter(|trial| args.force || !folder.trial_path(&trial.id).exists())
        .cloned()
        .collect();
    let mut provenance = Provenance::start(jobs);
    let reporter = Reporter::new(args.quiet, pending.len());
    let reused = trials.len() - pending.len();
    let mut failures = Vec::new();
    if pending.is_empty() {
        reporter.start(spec.name().as_str(), folder.root(), jobs, reused);
    } else {
        // Bad data fail here, before anything is written.
        let cache = DatasetCache::new();
        let workers = runner::workers(jobs)?;
        let datasets = workers.install(|| load_datasets(&spec, &trials, &cache))?;
        reporter.start(spec.name().as_str(), folder.root(), jobs, reused);
        folder.save_spec(&spec.resolved_yaml())?;
        let datasets_json = serde_json::to_string_pretty(&datasets).expect("summaries serialise");
        folder.save_text(DATASETS_FILE, &format!("{datasets_json}\n"))?;
        folder.save_text(PROVENANCE_FILE, &provenance.to_json())?;
        let (ran, failed) = run_trials(
            &spec,
            &pending,
            &folder,
            &workers,
            args.fail_fast,
            &cache,
            &reporter,
        )?;
        provenance.trials = ran;
        failures = failed;
    }
    provenance.finish();
    folder.save_text(PROVENANCE_FILE, &provenance.to_json())?;
    let (table, _) = folder.read_trials(&trial_ids(&trials))?;
    collect_into(&folder, &spec, table, Some(&provenance), &reporter)?;
    if failures.is_empty() {
        return Ok(EXIT_OK);
    }
    let cancelled = failures
        .iter()
        .filter(|f| **f == TrialError::Cancelled)
        .count();
    let failed = failures.len() - cancelled;
    Err(Error::TrialsFailed {
        failed,
        total: pending.len(),
        user_errors: failures
            .iter()
            .all(|f| f.is_user_error() || *f == TrialError::Cancelled),
    })
}

/// The trial `--trial-index` (or `SLURM_ARRAY_TASK_ID`) asks for, checked against the plan.
fn trial_index(args: &RunArgs, trials: usize) -> Result<Option<usize>> {
    let from_slurm = std::env::var("SLURM_ARRAY_TASK_ID").ok();
    let index = match (args.trial_index, from_slurm) {
        (Some(index), _) => index,
        (None, Some(text)) => text.trim().parse().map_err(|_| {
            Error::Usage(format!(
                "SLURM_ARRAY_TASK_ID is `{text}`, not a trial index"
            ))
        })?,
        (None, None) => return Ok(None),
    };
    if index >= trials {
        return Err(Error::Usage(format!(
            "trial index {index} is past the end of the plan, which has {trials} trials (0 to {})",
            trials.saturating_sub(1)
        )));
    }
    Ok(Some(index))
}

/// One trial of the plan (a cluster array task): run it and save it, with its provenance.
fn run_one(
    spec: &Spec,
    trial: &Trial,
    folder: &ResultsFolder,
    jobs: usize,
    quiet: bool,
) -> Result<u8> {
    let cache = DatasetCache::new();
    let trials = std::slice::from_ref(trial);
    let workers = runner::workers(jobs)?;
    workers.install(|| load_datasets(spec, trials, &cache))?;
    folder.save_spec(&spec.resolved_yaml())?;
    let reporter = Reporter::new(quiet, 1);
    let mut provenance = Provenance::start(jobs);
    let (ran, failures) = run_trials(spec, trials, folder, &workers, false, &cache, &reporter)?;
    provenance.trials = ran;
    provenance.finish();
    let name = format!("provenance/trial-{}.json", trial.index);
    folder.save_text(&name, &provenance.to_json())?;
    reporter.clear_status();
    match failures.into_iter().next() {
        None => Ok(EXIT_OK),
        Some(source) => Err(Error::Trial {
            index: trial.index,
            id: trial.id.to_string(),
            source,
        }),
    }
}

/// Runs `trials`, saving each as it finishes; returns the provenance of those that finished and
/// the errors of those that did not.
fn run_trials(
    spec: &Spec,
    trials: &[Trial],
    folder: &ResultsFolder,
    workers: &rayon::ThreadPool,
    fail_fast: bool,
    cache: &DatasetCache,
    reporter: &Reporter,
) -> Result<(Vec<TrialProvenance>, Vec<TrialError>)> {
    let finished = Mutex::new(Vec::new());
    let save_errors = Mutex::new(Vec::new());
    let on_event = |event: Event<'_>| {
        if let Event::Finished {
            trial,
            records,
            wall_s,
        } = &event
        {
            match folder.save_trial(&trial.id, records) {
                Ok(_) => finished
                    .lock()
                    .expect("not poisoned")
                    .push(TrialProvenance {
                        index: trial.index,
                        id: trial.id.to_string(),
                        seed: trial.settings.seed,
                        repeat: trial.repeat,
                        wall_s: *wall_s,
                    }),
                Err(error) => save_errors.lock().expect("not poisoned").push(error),
            }
        }
        match &event {
            // A setting that does not fit the data is reported like a spec error: file, line, key.
            Event::Failed {
                trial,
                error: TrialError::Settings(invalid),
            } => reporter.failure(trial, &spec.locate(invalid.clone(), trial).to_string()),
            _ => reporter.event(&event),
        }
    };
    let outcomes = runner::run(
        spec.name().as_str(),
        trials,
        workers,
        fail_fast,
        cache,
        &on_event,
    );
    if let Some(error) = save_errors
        .into_inner()
        .expect("not poisoned")
        .into_iter()
        .next()
    {
        return Err(error.into());
    }
    let failures = outcomes
        .into_iter()
        .filter_map(|o| o.result.err())
        .collect();
    let mut finished = finished.into_inner().expect("not poisoned");
    finished.sort_by_key(|trial| trial.index);
    Ok((finished, failures))
}

/// `sisa collect`: merges the trials saved in a results folder, which must hold all of them.
pub fn collect(args: &CollectArgs) -> Result<u8> {
    let folder = ResultsFolder::at(&args.results);
    let spec = Spec::load(&folder.spec_path(), &[])?;
    let trials = plan(&spec)?;
    let (table, missing) = folder.read_trials(&trial_ids(&trials))?;
    if !missing.is_empty() {
        let indexes: Vec<String> = trials
            .iter()
            .filter(|trial| missing.contains(&trial.id))
            .take(10)
            .map(|trial| trial.index.to_string())
            .collect();
        return Err(Error::Usage(format!(
            "{} of {} trials have no results in `{}` yet (trial indexes {}{}); run them first",
            missing.len(),
            trials.len(),
            folder.root().join("trials").display(),
            indexes.join(", "),
            if missing.len() > indexes.len() {
                ", ..."
            } else {
                ""
            }
        )));
    }
    let provenance = Provenance::merged(folder.root(), PROVENANCE_FILE);
    if let Some(provenance) = &provenance {
        folder.save_text(PROVENANCE_FILE, &provenance.to_json())?;
    }
    let reporter = Reporter::new(false, trials.len());
    collect_into(&folder, &spec, table, provenance.as_ref(), &reporter)?;
    Ok(EXIT_OK)
}

fn trial_ids(trials: &[Trial]) -> Vec<TrialId> {
    trials.iter().map(|trial| trial.id.clone()).collect()
}

/// Writes the merged rows of the trials (`table`, in plan order; `None` when no trial is saved)
/// as the tables, figures and report.
fn collect_into(
    folder: &ResultsFolder,
    spec: &Spec,
    table: Option<Table>,
    provenance: Option<&Provenance>,
    reporter: &Reporter,
) -> Result<()> {
    let Some(mut table) = table else {
        reporter.clear_status();
        return Ok(());
    };
    let mut paths = folder.save_tables(&mut table)?;
    paths.extend(publish(folder, spec, &table, provenance)?);
    reporter.finish(&table, &paths);
    Ok(())
}

/// Loads every dataset the trials use (each once, into `cache`) and checks each trial's split,
/// sizes and request distribution against it, so bad data fail before anything runs or is written; returns one summary
/// per distinct dataset.
fn load_datasets(
    spec: &Spec,
    trials: &[Trial],
    cache: &DatasetCache,
) -> Result<Vec<DatasetSummary>> {
    let mut summaries: Vec<(Arc<Dataset>, DatasetSummary)> = Vec::new();
    // Request distributions already checked against a dataset: trials that differ only in
    // shards, slices or repeat share them.
    let mut checked: Vec<(Arc<Dataset>, &Distribution)> = Vec::new();
    for trial in trials {
        let settings = &trial.settings;
        let data = cache.get(&settings.dataset.source, settings.seed)?;
        let (n_train, _) = Split::sizes(&data, &settings.dataset)?;
        let origin = match &settings.dataset.source {
            DataSource::File(file) => format!(
                "the training points come from `{}`",
                file.train.path.display()
            ),
            other => format!("the training points are `{}` data", other.name()),
        };
        spec::plan::check_sizes(spec, trial, n_train, &origin)?;
        let distribution = &settings.unlearning.distribution;
        if !checked
            .iter()
            .any(|(known, d)| Arc::ptr_eq(known, &data) && *d == distribution)
        {
            RequestModel::check(distribution, &data)
                .map_err(|invalid| spec.invalid(invalid, &trial.picks))?;
            checked.push((Arc::clone(&data), distribution));
        }
        if !summaries.iter().any(|(known, _)| Arc::ptr_eq(known, &data)) {
            let summary = DatasetSummary::new(&data, &settings.dataset.source, settings.seed);
            summaries.push((data, summary));
        }
    }
    Ok(summaries.into_iter().map(|(_, summary)| summary).collect())
}

/// Draws the figures and writes the report of a results folder; returns the files written.
fn publish(
    folder: &ResultsFolder,
    spec: &Spec,
    table: &Table,
    provenance: Option<&Provenance>,
) -> Result<Vec<PathBuf>> {
    let (figures, skipped) = plot::render(table, spec.figures(), folder)?;
    for skip in &skipped {
        eprintln!(
            "note: figure `{}` not drawn: {}",
            skip.kind.name(),
            skip.reason
        );
    }
    let spec_yaml = spec.resolved_yaml();
    let contents = report::Contents {
        experiment: spec.name().as_str(),
        table,
        figures: &figures,
        skipped: &skipped,
        spec_yaml: &spec_yaml,
        provenance,
    };
    let mut paths: Vec<PathBuf> = figures.iter().map(|figure| figure.png.clone()).collect();
    paths.extend(report::write(folder, &contents)?);
    Ok(paths)
}

/// `sisa report`: redraws the figures and the report from the saved tables.
pub fn render_report(args: &ReportArgs) -> Result<u8> {
    let folder = ResultsFolder::at(&args.results);
    let spec = Spec::load(&folder.spec_path(), &[])?;
    let table = Table::read(&folder.steps_path())?;
    let provenance = Provenance::merged(folder.root(), PROVENANCE_FILE);
    for path in publish(&folder, &spec, &table, provenance.as_ref())? {
        println!("wrote {}", path.display());
    }
    Ok(EXIT_OK)
}

/// Worker threads when `--jobs` is not given: every core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
