//! The subcommands: each parses what it needs into the library's terms, calls the library, and
//! hands output to the reporter.

use super::reporter::Reporter;
use super::text;
use super::{
    BenchArgs, CollectArgs, Command, CostArgs, CostMode, ExportArgs, PlanArgs, ReportArgs, RunArgs,
    SlurmArgs, SpecArgs, ValidateArgs, VerifyArgs,
};
use crate::clock::Stopwatch;
use crate::cost;
use crate::data::DatasetCache;
use crate::error::{Error, Result, EXIT_FAILURE, EXIT_OK};
use crate::model::external::Scratch;
use crate::report::format;
use crate::results::{Document, Provenance, ProvenanceLog, ResultsError};
use crate::runner::launch::slurm::array_task_index;
use crate::runner::{
    self, ExternalOptions, Launcher, Local, OneTrial, Prepared, RunOptions, Session, SlurmArray,
};
use crate::spec::{plan, Spec, Trial};
use crate::workers::Workers;

/// Runs one subcommand; returns the exit code of a command that completed.
pub fn execute(command: Command) -> Result<u8> {
    match command {
        Command::Init(args) => super::init::run(&args),
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
        Command::Plan(args) => print_plan(&args),
        Command::Collect(args) => collect(&args),
        Command::Slurm(args) => slurm(&args),
        Command::Verify(args) => verify(&args),
        Command::Cost(args) => expected_cost(&args),
        Command::Report(args) => render_report(&args),
        Command::Bench(args) => bench(&args),
        Command::Export(args) => export(&args),
        Command::Compare(args) => super::compare::run(&args),
        Command::Completions(args) => super::completions::run(&args),
        Command::Schema => {
            println!("{}", spec_schema());
            Ok(())
        }
    }
    .map(|()| EXIT_OK)
}

/// `sisa schema`: the spec's JSON Schema, naming the built-in figures.
fn spec_schema() -> String {
    let names = crate::plot::figure_names();
    serde_json::to_string_pretty(&crate::spec::schema::schema(&names)).expect("serialises")
}

/// Worker threads when `--jobs` is not given: every core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `sisa run`: every trial not yet saved, or one (`--trial-index`, or the Slurm array task this
/// process is), on this machine.
fn run(args: &RunArgs) -> Result<()> {
    let session =
        Session::open(args.spec.load()?, args.out.as_deref())?.with_external(ExternalOptions {
            checkpoints: args.checkpoints.checkpoints.clone(),
            keep_checkpoints: args.checkpoints.keep_checkpoints,
            devices: args.devices.clone(),
        });
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    let reporter = Reporter::new(args.quiet);
    let index = match args.trial_index {
        Some(index) => Some(index),
        None => array_task_index()?,
    };
    let launcher: Box<dyn Launcher> = match index {
        Some(index) => Box::new(OneTrial::new(index, session.trials().len(), jobs)?),
        None => Box::new(Local {
            jobs,
            options: RunOptions {
                force: args.force,
                fail_fast: args.fail_fast,
                keep_going: args.keep_going,
            },
        }),
    };
    crate::interrupt::install();
    let result = launcher.launch(&session, &reporter);
    reporter.clear_status();
    result
}

/// `sisa collect`: merges the trials saved in a results folder, which must hold all of them.
fn collect(args: &CollectArgs) -> Result<()> {
    let session = Session::at(&args.results)?;
    let _lock = session.folder().lock(true)?;
    let (table, missing) = session.collect()?;
    let total = session.trials().len();
    let (Some(mut table), true) = (table, missing.is_empty()) else {
        let indexes: Vec<String> = missing
            .iter()
            .take(10)
            .map(|trial| trial.index.to_string())
            .collect();
        let more = if missing.len() > indexes.len() {
            ", ..."
        } else {
            ""
        };
        return Err(Error::Usage(format!(
            "{} of {total} trials have no results in `{}` yet (trial indexes {}{more}); run \
             them first",
            missing.len(),
            session.folder().trials_folder().display(),
            indexes.join(", "),
        )));
    };
    // The collect's own record lists the trials it merged (run apart, each with its own record).
    let mut invocation = Provenance::start(1);
    invocation.trials = session.provenance().map(|p| p.trials).unwrap_or_default();
    invocation.finish();
    ProvenanceLog::record(session.folder(), &invocation)?;
    let provenance = session.provenance();
    let reporter = Reporter::new(false);
    session.publish(&mut table, true, provenance.as_ref(), &reporter)?;
    Ok(())
}

/// `sisa report`: redraws the figures and the report from the saved tables.
fn render_report(args: &ReportArgs) -> Result<()> {
    let session = Session::at(&args.results)?;
    let _lock = session.folder().lock(true)?;
    let mut table = session.saved_table()?;
    let reporter = Reporter::new(true);
    for path in session.publish(&mut table, false, session.provenance().as_ref(), &reporter)? {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `sisa slurm`: writes (and with `--submit`, submits) a job array and its collect job.
fn slurm(args: &SlurmArgs) -> Result<()> {
    let session = Session::open(args.spec.load()?, args.out.as_deref())?;
    let overrides = (args.spec.set.iter().map(|value| ("--set", value.clone())))
        .chain(
            args.spec
                .sweep
                .iter()
                .map(|value| ("--sweep", value.clone())),
        )
        .collect();
    let launcher = SlurmArray {
        spec_path: args.spec.spec.clone(),
        overrides,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task,
        max_parallel: args.max_parallel,
        gpus_per_task: args.gpus_per_task,
        checkpoints: args.checkpoints.checkpoints.clone(),
        keep_checkpoints: args.checkpoints.keep_checkpoints,
        submit: args.submit,
    };
    launcher.launch(&session, &Reporter::new(false))
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

fn expected_cost(args: &CostArgs) -> Result<()> {
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
    let layout = cost::UniformSizes::uniform(n, args.shards as usize, args.slices as usize);
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
        return Ok(());
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
    Ok(())
}

/// The first trial of a spec, its data checked, with the workers that prepared it (and, for an
/// external model, its worker processes, stopped when dropped).
fn first_trial(args: &SpecArgs) -> Result<(Trial, Prepared, Workers, Option<Scratch>)> {
    let (spec, trials) = args.spec_and_plan()?;
    let trial = trials
        .into_iter()
        .next()
        .expect("a plan has at least one trial");
    let workers = Workers::new(default_jobs())?;
    let cache = DatasetCache::new();
    workers.install(|| runner::precheck::precheck(&spec, &[&trial], &cache))?;
    let scratch = Scratch::for_model(&trial.settings.model, workers.jobs());
    let runtime = scratch.as_ref().map(|scratch| &scratch.runtime);
    let prepared = workers
        .install(|| Prepared::new(&trial, &cache, runtime))
        .map_err(|source| trial_error(&trial, source))?;
    Ok((trial, prepared, workers, scratch))
}

/// A failure of `trial`, as a command's error.
fn trial_error(trial: &Trial, source: runner::TrialError) -> Error {
    Error::Trial {
        index: trial.index,
        id: trial.id.to_string(),
        source,
    }
}

fn bench(args: &BenchArgs) -> Result<()> {
    if args.load {
        return bench_load(args);
    }
    let (trial, prepared, workers, _scratch) = first_trial(&args.spec)?;
    let mut fits = Vec::new();
    for _ in 0..args.repeats {
        let measurement = runner::bench::fit_once(&prepared, &workers)
            .map_err(|source| trial_error(&trial, source))?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&measurement).expect("serialises")
            );
        }
        fits.push(measurement);
    }
    let first = &fits[0];
    let title = format!(
        "Fit: {} on {} points x {} features, {} classes",
        first.model, first.n_train, first.n_features, first.n_classes
    );
    let timings = [
        super::bench::Timing {
            name: "CPU time",
            seconds: fits.iter().map(|f| f.cpu_s).collect(),
        },
        super::bench::Timing {
            name: "Wall time",
            seconds: fits.iter().map(|f| f.wall_s).collect(),
        },
    ];
    let accuracy = crate::results::Stat::of(fits.iter().map(|f| Some(f.accuracy)));
    let extra = [format!(
        "Accuracy: {}",
        format::percent_spread(accuracy.mean, accuracy.std)
    )];
    print_summary(
        args,
        &super::bench::summary(&title, fits.len(), &timings, &extra),
    );
    Ok(())
}

/// A bench summary: on stdout, or on stderr when stdout carries JSON.
fn print_summary(args: &BenchArgs, summary: &str) {
    if args.json {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
}

/// One timed build of a dataset, as `sisa bench --load` prints it.
#[derive(serde::Serialize)]
struct LoadMeasurement<'a> {
    dataset: &'a str,
    points: usize,
    features: usize,
    wall_s: f64,
}

fn bench_load(args: &BenchArgs) -> Result<()> {
    let (_, trials) = args.spec.spec_and_plan()?;
    let settings = &trials[0].settings;
    let mut seconds = Vec::new();
    let mut title = String::new();
    for _ in 0..args.repeats {
        let watch = Stopwatch::start();
        let data = crate::data::load(&settings.dataset.source, settings.seed)?;
        let measurement = LoadMeasurement {
            dataset: &data.name,
            points: data.n_points(),
            features: data.n_features(),
            wall_s: watch.elapsed().wall_s,
        };
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&measurement).expect("serialises")
            );
        }
        seconds.push(measurement.wall_s);
        title = format!(
            "Load: {}, {} points x {} features",
            measurement.dataset, measurement.points, measurement.features
        );
    }
    let timings = [super::bench::Timing {
        name: "Wall time",
        seconds,
    }];
    print_summary(
        args,
        &super::bench::summary(&title, args.repeats as usize, &timings, &[]),
    );
    Ok(())
}

fn export(args: &ExportArgs) -> Result<()> {
    let (_, prepared, _, _) = first_trial(&args.spec)?;
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
    Ok(())
}

/// `sisa validate`: everything `sisa run` checks before it trains: the spec, the figures it asks
/// for, and (unless `--no-data`) every trial's data: files found, read, and the sizes and request
/// distribution checked against them.
fn validate(args: &ValidateArgs) -> Result<()> {
    let session = Session::open(args.spec.load()?, None)?;
    let (spec, trials) = (session.spec(), session.trials());
    let data = if args.no_data {
        "data not checked (--no-data)".to_owned()
    } else {
        let workers = Workers::new(default_jobs())?;
        let all: Vec<&Trial> = trials.iter().collect();
        let datasets = session.precheck(&all, &workers)?;
        for warning in datasets.iter().flat_map(|dataset| &dataset.warnings) {
            eprintln!("warning: {warning}");
        }
        let shapes: Vec<String> = datasets
            .iter()
            .map(|d| format!("{}: {} rows", d.name, d.rows))
            .collect();
        format!("data read and checked ({})", shapes.join("; "))
    };
    let points = trials.len() / spec.repeats() as usize;
    println!(
        "{}: valid; {} trials ({points} sweep points x {} repeats); {data}",
        args.spec.spec.display(),
        trials.len(),
        spec.repeats()
    );
    Ok(())
}

fn print_plan(args: &PlanArgs) -> Result<()> {
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
        let folder = crate::results::ResultsFolder::new(args.out.as_deref(), spec.name());
        let lines: Vec<String> = std::iter::once(headers.join("\t"))
            .chain(rows.iter().map(|row| row.join("\t")))
            .collect();
        let path = folder.save(Document::Manifest, &(lines.join("\n") + "\n"))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn verify(args: &VerifyArgs) -> Result<()> {
    let (spec, trials) = args.spec.spec_and_plan()?;
    let trial: &Trial = &trials[0];
    let count = args.requests.map_or_else(
        || trial.settings.unlearning.most_requests(),
        |count| count as usize,
    );
    let workers = Workers::new(default_jobs())?;
    let cache = DatasetCache::new();
    workers.install(|| runner::precheck::precheck(&spec, &[trial], &cache))?;
    let certificate = runner::verify(trial, count, &cache, &workers)
        .map_err(|source| trial_error(trial, source))?;
    if args.json {
        let json = serde_json::to_string_pretty(&certificate).expect("certificates serialise");
        println!("{json}");
    } else {
        print!("{}", text::certificate(&certificate));
    }
    if certificate.identical {
        Ok(())
    } else if args.json {
        Err(Error::Silent(EXIT_FAILURE))
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
