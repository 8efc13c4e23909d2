//! The subcommands: each loads what it needs, calls the library, and hands output to the reporter.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::reporter::Reporter;
use super::text;
use super::{
    BenchArgs, Command, CostArgs, CostMode, ExportArgs, ReportArgs, RunArgs, SpecArgs, VerifyArgs,
};
use crate::cost;
use crate::data::{Dataset, DatasetCache, DatasetSummary, Split};
use crate::error::{Error, Result, EXIT_FAILURE, EXIT_OK};
use crate::plot;
use crate::report::{self, format};
use crate::results::provenance::TrialProvenance;
use crate::results::{Provenance, ResultsError};
use crate::results::{ResultsFolder, Table};
use crate::runner::{self, Event, TrialError};
use crate::spec::{self, plan, DataSource, Spec, Trial};

/// Provenance file name in a results folder.
const PROVENANCE_FILE: &str = "provenance.json";

/// Name of the file describing the run's datasets in a results folder.
const DATASETS_FILE: &str = "datasets.json";

/// Runs one subcommand; returns the exit code of a command that completed.
pub fn execute(command: Command) -> Result<u8> {
    match command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(&args),
        Command::Plan(args) => print_plan(&args),
        Command::Verify(args) => verify(&args),
        Command::Cost(args) => expected_cost(&args),
        Command::Report(args) => render_report(&args),
        Command::Bench(args) => bench(&args),
        Command::Export(args) => export(&args),
    }
}

/// One line of `sisa cost` output.
#[derive(Debug, serde::Serialize)]
struct CostLine {
    samples: u64,
    shards: u64,
    slices: u64,
    requests: u64,
    mode: CostMode,
    expected_sisa_points: f64,
    baseline_points: f64,
    expected_speedup: f64,
    /// The paper's closed form (Eq. 3 for a batch, Eq. 2 one at a time), for unsliced layouts.
    paper_sisa_points: Option<f64>,
}

fn expected_cost(args: &CostArgs) -> Result<u8> {
    let n = args.samples as usize;
    if let Some(&too_many) = args.requests.iter().find(|&&k| k >= args.samples) {
        return Err(Error::Usage(format!(
            "--requests {too_many}: at most {} requests can be unlearned from {} points",
            args.samples - 1,
            args.samples
        )));
    }
    if args.shards * args.slices > args.samples {
        return Err(Error::Usage(format!(
            "--shards {} x --slices {} needs at least {} points; --samples is {}",
            args.shards,
            args.slices,
            args.shards * args.slices,
            args.samples
        )));
    }
    let layout = cost::Layout::uniform(n, args.shards as usize, args.slices as usize);
    let lines: Vec<CostLine> = args
        .requests
        .iter()
        .map(|&k| {
            let (expected, paper) = match args.mode {
                CostMode::Batch => (
                    layout.batch(k as usize),
                    cost::batch_sharding(n as f64, args.shards as f64, k as f64),
                ),
                CostMode::Sequential => (
                    layout.sequential(k as usize),
                    cost::sequential_sharding(n as f64, args.shards as f64, k as f64),
                ),
            };
            CostLine {
                samples: args.samples,
                shards: args.shards,
                slices: args.slices,
                requests: k,
                mode: args.mode,
                expected_sisa_points: expected.sisa,
                baseline_points: expected.baseline,
                expected_speedup: expected.speedup(),
                paper_sisa_points: (args.slices == 1).then_some(paper.sisa),
            }
        })
        .collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&lines).expect("serialises")
        );
        return Ok(EXIT_OK);
    }
    let headers: Vec<String> = [
        "requests",
        "expected SISA points",
        "baseline points",
        "speed-up",
        "paper formula",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|line| {
            vec![
                line.requests.to_string(),
                format::number(Some(line.expected_sisa_points), 1),
                format::number(Some(line.baseline_points), 1),
                format::ratio(Some(line.expected_speedup)),
                format::number(line.paper_sisa_points, 1),
            ]
        })
        .collect();
    let mode = match args.mode {
        CostMode::Batch => "one batch",
        CostMode::Sequential => "one at a time",
    };
    println!(
        "N = {} training points, S = {} shards, R = {} slices, requests processed {mode}:",
        args.samples, args.shards, args.slices
    );
    print!("{}", text::table(&headers, &rows));
    Ok(EXIT_OK)
}

fn run(args: RunArgs) -> Result<u8> {
    let spec = args.spec.load()?;
    let trials = plan(&spec)?;
    let cache = DatasetCache::new();
    let datasets = load_datasets(&spec, &trials, &cache)?;
    let folder = ResultsFolder::new(args.out.as_deref(), spec.name());
    folder.save_spec(&spec.resolved_yaml())?;
    let datasets_json = serde_json::to_string_pretty(&datasets).expect("summaries serialise");
    folder.save_text(DATASETS_FILE, &format!("{datasets_json}\n"))?;
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    let provenance = Mutex::new(Provenance::start(jobs));
    folder.save_text(
        PROVENANCE_FILE,
        &provenance.lock().expect("not poisoned").to_json(),
    )?;
    let reporter = Reporter::new(args.quiet, trials.len());
    reporter.start(spec.name().as_str(), folder.root(), jobs);
    let save_errors = Mutex::new(Vec::new());
    let on_event = |event: Event<'_>| {
        if let Event::Finished {
            trial,
            records,
            wall_s,
        } = &event
        {
            if let Err(error) = folder.save_trial(&trial.id, records) {
                save_errors.lock().expect("not poisoned").push(error);
            }
            provenance
                .lock()
                .expect("not poisoned")
                .trials
                .push(TrialProvenance {
                    index: trial.index,
                    id: trial.id.to_string(),
                    seed: trial.settings.seed,
                    repeat: trial.repeat,
                    wall_s: *wall_s,
                });
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
    let outcomes = runner::run(spec.name().as_str(), &trials, jobs, &cache, &on_event)?;
    if let Some(error) = save_errors
        .into_inner()
        .expect("not poisoned")
        .into_iter()
        .next()
    {
        return Err(error.into());
    }
    let mut records = Vec::new();
    let mut failures: Vec<TrialError> = Vec::new();
    for outcome in outcomes {
        match outcome.result {
            Ok(rows) => records.extend(rows),
            Err(error) => failures.push(error),
        }
    }
    let mut provenance = provenance.into_inner().expect("not poisoned");
    provenance.trials.sort_by_key(|trial| trial.index);
    provenance.finish();
    folder.save_text(PROVENANCE_FILE, &provenance.to_json())?;
    if !records.is_empty() {
        let mut table = Table::from_records(&records).map_err(|source| ResultsError::Table {
            path: folder.steps_path(),
            source,
        })?;
        let mut paths = folder.save_tables(&mut table)?;
        paths.extend(publish(&folder, &spec, &table, Some(&provenance))?);
        reporter.finish(&table, &paths);
    }
    if failures.is_empty() {
        Ok(EXIT_OK)
    } else {
        Err(Error::TrialsFailed {
            failed: failures.len(),
            total: trials.len(),
            user_errors: failures.iter().all(TrialError::is_user_error),
        })
    }
}

/// Loads every dataset the trials use (each once, into `cache`) and checks each trial's split and
/// sizes against it, so bad data fail before anything runs or is written; returns one summary
/// per distinct dataset.
fn load_datasets(
    spec: &Spec,
    trials: &[Trial],
    cache: &DatasetCache,
) -> Result<Vec<DatasetSummary>> {
    let mut summaries: Vec<(Arc<Dataset>, DatasetSummary)> = Vec::new();
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

fn render_report(args: &ReportArgs) -> Result<u8> {
    let folder = ResultsFolder::at(&args.results);
    let spec = Spec::load(&folder.spec_path(), &[])?;
    let table = Table::read(&folder.steps_path())?;
    let provenance_path = folder.root().join(PROVENANCE_FILE);
    let provenance: Option<Provenance> = std::fs::read_to_string(&provenance_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    for path in publish(&folder, &spec, &table, provenance.as_ref())? {
        println!("wrote {}", path.display());
    }
    Ok(EXIT_OK)
}

/// The first trial of a spec, prepared (data built, split, laid out).
fn first_trial(args: &SpecArgs) -> Result<runner::Prepared> {
    let (_, trials) = args.spec_and_plan()?;
    let trial = &trials[0];
    runner::Prepared::new(trial, &DatasetCache::new()).map_err(|source| Error::Trial {
        index: trial.index,
        id: trial.id.to_string(),
        source,
    })
}

fn bench(args: &BenchArgs) -> Result<u8> {
    let prepared = first_trial(&args.spec)?;
    for _ in 0..args.repeats {
        let measurement = runner::bench::fit_once(&prepared).map_err(|source| Error::Trial {
            index: 0,
            id: String::new(),
            source,
        })?;
        println!(
            "{}",
            serde_json::to_string(&measurement).expect("serialises")
        );
    }
    Ok(EXIT_OK)
}

fn export(args: &ExportArgs) -> Result<u8> {
    let prepared = first_trial(&args.spec)?;
    let split = &prepared.split;
    let paths =
        crate::data::export::write_split(&prepared.data, &split.train, &split.test, &args.out)
            .map_err(|source| ResultsError::Io {
                path: args.out.clone(),
                source,
            })?;
    for path in paths {
        println!("wrote {}", path.display());
    }
    Ok(EXIT_OK)
}

fn validate(args: &SpecArgs) -> Result<u8> {
    let (spec, trials) = args.spec_and_plan()?;
    let points = trials.len() / spec.repeats() as usize;
    println!(
        "{}: valid; {} trials ({points} sweep points x {} repeats)",
        args.spec.display(),
        trials.len(),
        spec.repeats()
    );
    Ok(EXIT_OK)
}

fn print_plan(args: &SpecArgs) -> Result<u8> {
    let (spec, trials) = args.spec_and_plan()?;
    let mut headers = vec!["index".to_owned(), "id".to_owned(), "repeat".to_owned()];
    headers.extend(spec.axes().iter().map(|axis| axis.key.clone()));
    let rows: Vec<Vec<String>> = trials
        .iter()
        .map(|trial| {
            let mut row = vec![
                trial.index.to_string(),
                trial.id.to_string(),
                trial.repeat.to_string(),
            ];
            row.extend(trial.swept.iter().map(|(_, value)| value.clone()));
            row
        })
        .collect();
    print!("{}", text::table(&headers, &rows));
    Ok(EXIT_OK)
}

fn verify(args: &VerifyArgs) -> Result<u8> {
    let (_, trials) = args.spec.spec_and_plan()?;
    let trial: &Trial = &trials[0];
    let count = args.requests.map_or_else(
        || {
            trial
                .settings
                .unlearning
                .requests
                .iter()
                .copied()
                .max()
                .unwrap_or(1)
        },
        |count| count as usize,
    );
    let certificate =
        runner::verify(trial, count, &DatasetCache::new()).map_err(|source| Error::Trial {
            index: trial.index,
            id: trial.id.to_string(),
            source,
        })?;
    if args.json {
        let json = serde_json::to_string_pretty(&certificate).expect("certificates serialise");
        println!("{json}");
    } else {
        print!("{}", text::certificate(&certificate));
    }
    if certificate.identical {
        Ok(EXIT_OK)
    } else if args.json {
        Ok(EXIT_FAILURE)
    } else {
        Err(Error::NotExact)
    }
}

impl SpecArgs {
    fn spec_and_plan(&self) -> Result<(Spec, Vec<Trial>)> {
        let spec = self.load()?;
        let trials = plan(&spec)?;
        Ok((spec, trials))
    }
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
