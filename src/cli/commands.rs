//! The subcommands: each loads what it needs, calls the library, and hands output to the reporter.

use std::sync::Mutex;

use super::reporter::Reporter;
use super::text;
use super::{Command, RunArgs, SpecArgs, VerifyArgs};
use crate::data::DatasetCache;
use crate::error::{Error, Result, EXIT_FAILURE, EXIT_OK};
use crate::results::ResultsFolder;
use crate::runner::{self, Event, TrialError};
use crate::spec::{plan, Trial};

/// Runs one subcommand; returns the exit code of a command that completed.
pub fn execute(command: Command) -> Result<u8> {
    match command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(&args),
        Command::Plan(args) => print_plan(&args),
        Command::Verify(args) => verify(&args),
    }
}

fn run(args: RunArgs) -> Result<u8> {
    let spec = args.spec.load()?;
    let trials = plan(&spec)?;
    let folder = ResultsFolder::new(args.out.as_deref(), spec.name());
    folder.save_spec(&spec.resolved_yaml())?;
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    let reporter = Reporter::new(args.quiet, trials.len());
    reporter.start(spec.name().as_str(), folder.root(), jobs);
    let save_errors = Mutex::new(Vec::new());
    let on_event = |event: Event<'_>| {
        if let Event::Finished { trial, records, .. } = &event {
            if let Err(error) = folder.save_trial(&trial.id, records) {
                save_errors.lock().expect("not poisoned").push(error);
            }
        }
        reporter.event(&event);
    };
    let outcomes = runner::run(spec.name().as_str(), &trials, jobs, &on_event)?;
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
    if !records.is_empty() {
        let paths = folder.save_tables(&records)?;
        reporter.finish(&records, &paths);
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
    fn spec_and_plan(&self) -> Result<(crate::spec::Spec, Vec<Trial>)> {
        let spec = self.load()?;
        let trials = plan(&spec)?;
        Ok((spec, trials))
    }
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
