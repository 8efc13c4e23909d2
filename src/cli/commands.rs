//! The subcommands: each loads what it needs, calls the library, and hands output to the reporter.

use super::text;
use super::{run, slurm};
use super::{BenchArgs, Command, CostArgs, CostMode, ExportArgs, PlanArgs, SpecArgs, VerifyArgs};
use crate::clock::Stopwatch;
use crate::cost;
use crate::data::DatasetCache;
use crate::error::{Error, Result, EXIT_FAILURE, EXIT_OK};
use crate::report::format;
use crate::results::{ResultsError, ResultsFolder};
use crate::runner;
use crate::spec::{plan, Spec, Trial};

/// Runs one subcommand; returns the exit code of a command that completed.
pub fn execute(command: Command) -> Result<u8> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate(&args),
        Command::Plan(args) => print_plan(&args),
        Command::Collect(args) => run::collect(&args),
        Command::Slurm(args) => slurm::slurm(&args),
        Command::Verify(args) => verify(&args),
        Command::Cost(args) => expected_cost(&args),
        Command::Report(args) => run::render_report(&args),
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
    if args.load {
        return bench_load(args);
    }
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

/// One timed build of a dataset, as `sisa bench --load` prints it.
#[derive(serde::Serialize)]
struct LoadMeasurement<'a> {
    dataset: &'a str,
    points: usize,
    features: usize,
    wall_s: f64,
}

fn bench_load(args: &BenchArgs) -> Result<u8> {
    let (_, trials) = args.spec.spec_and_plan()?;
    let settings = &trials[0].settings;
    for _ in 0..args.repeats {
        let watch = Stopwatch::start();
        let data = crate::data::load(&settings.dataset.source, settings.seed)?;
        let measurement = LoadMeasurement {
            dataset: &data.name,
            points: data.n_points(),
            features: data.n_features(),
            wall_s: watch.elapsed().wall_s,
        };
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

fn print_plan(args: &PlanArgs) -> Result<u8> {
    let (spec, trials) = args.spec.spec_and_plan()?;
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
    if args.manifest {
        let folder = ResultsFolder::new(args.out.as_deref(), spec.name());
        let lines: Vec<String> = std::iter::once(headers.join("\t"))
            .chain(rows.iter().map(|row| row.join("\t")))
            .collect();
        let path = folder.save_text("manifest.tsv", &(lines.join("\n") + "\n"))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(EXIT_OK)
}

fn verify(args: &VerifyArgs) -> Result<u8> {
    let (_, trials) = args.spec.spec_and_plan()?;
    let trial: &Trial = &trials[0];
    let count = args.requests.map_or_else(
        || trial.settings.unlearning.most_requests(),
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
    /// The spec with its overrides, and its plan.
    pub(super) fn spec_and_plan(&self) -> Result<(Spec, Vec<Trial>)> {
        let spec = self.load()?;
        let trials = plan(&spec)?;
        Ok((spec, trials))
    }
}
