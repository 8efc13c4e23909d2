//! The command line: argument parsing (clap), the commands, and the one place errors become
//! messages and exit codes.

pub mod bench;
pub mod commands;
pub mod compare;
pub mod completions;
pub mod init;
pub mod reporter;
pub mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, EXIT_BAD_INPUT};
use crate::spec::{Override, Spec, SpecError};

/// Runs machine-unlearning experiments with SISA training (Bourtoule et al., IEEE S&P 2021).
#[derive(Debug, Parser)]
#[command(name = "sisa", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter spec that validates and runs as it is.
    Init(init::InitArgs),
    /// Run every trial of a spec and write tables to the results folder.
    Run(RunArgs),
    /// Check a spec and its overrides, and the data every trial would read, without running
    /// anything.
    Validate(ValidateArgs),
    /// List the trials a spec expands to: index, id, repeat and swept values.
    Plan(PlanArgs),
    /// Merge the trials saved in a results folder (e.g. by a cluster job array) into the tables,
    /// figures and report.
    Collect(CollectArgs),
    /// Write a Slurm job-array script that runs every trial of a spec, and a collect job that
    /// runs after it; `--submit` submits both.
    Slurm(SlurmArgs),
    /// Prove exact unlearning on the spec's first trial: unlearn a random batch, retrain from
    /// scratch without it, and compare every constituent bit for bit.
    Verify(VerifyArgs),
    /// Expected unlearning cost and speed-up from the paper's analytic model, without running.
    Cost(CostArgs),
    /// Redraw the figures and the report of a results folder from its tables, without re-running.
    Report(ReportArgs),
    /// Time fits of the first trial's model on all its training points (for comparisons with
    /// other tools); prints the mean, spread and range of the times (`--json`: one JSON object
    /// per fit, the summary on stderr).
    Bench(BenchArgs),
    /// Compare two results folders on the settings both ran: speed-ups, accuracies and costs,
    /// and whether each difference exceeds the spread over repeats; `--exact`: check every
    /// value but the timings is identical.
    Compare(compare::CompareArgs),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell); e.g.
    /// `sisa completions bash > ~/.local/share/bash-completion/completions/sisa`.
    Completions(completions::CompletionsArgs),
    /// Print the JSON Schema of the spec, for editors that complete and check YAML with one.
    Schema,
    /// Write the first trial's train/test split as NumPy files (X_train.npy, y_train.npy,
    /// X_test.npy, y_test.npy, classes.txt), so other tools can use the same points.
    Export(ExportArgs),
}

/// Options of `sisa bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Fits to time.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeats: u32,
    /// Time building the first trial's dataset (reading and encoding its files) instead of fits.
    #[arg(long)]
    pub load: bool,
    /// Print one JSON object per run on stdout (the summary goes to stderr).
    #[arg(long)]
    pub json: bool,
}

/// Options of `sisa validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Check the spec alone, not its data files (when they are not on this machine).
    #[arg(long)]
    pub no_data: bool,
}

/// Options of `sisa export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Folder to write into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Options of `sisa report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results folder written by `sisa run` (holding `spec.yaml` and `steps.parquet`).
    pub results: PathBuf,
}

/// A spec file and its command-line overrides.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// The YAML spec file.
    pub spec: PathBuf,
    /// Override a value: `--set sisa.shards=5`; the value is read as YAML (`[1, 2]` is a list).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Sweep a key over values: `--sweep sisa.shards=1,2,5` (replaces the file's axis for it).
    #[arg(long = "sweep", value_name = "KEY=A,B,...")]
    pub sweep: Vec<String>,
}

/// Options of `sisa run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Results folder [default: results/NAME, NAME being the spec's name].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Run every trial again, even those whose results are already saved.
    #[arg(long)]
    pub force: bool,
    /// Stop starting trials after the first one fails.
    #[arg(long)]
    pub fail_fast: bool,
    /// Go on with the other trials when one's results cannot be written (e.g. a full disk);
    /// by default the run stops at the first such trial.
    #[arg(long)]
    pub keep_going: bool,
    /// Run only trial I of the plan (see `sisa plan`) and save it, without merging; defaults to
    /// SLURM_ARRAY_TASK_ID when that is set. `sisa collect` merges afterwards.
    #[arg(long, value_name = "I")]
    pub trial_index: Option<usize>,
    /// Where external models' checkpoints go.
    #[command(flatten)]
    pub checkpoints: CheckpointArgs,
    /// External models: one worker per device, each seeing only its own in
    /// CUDA_VISIBLE_DEVICES, e.g. `0,1` (overrides `model.devices`).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = device_name)]
    pub devices: Vec<String>,
}

/// Where external models' checkpoints go, for `sisa run` and the tasks `sisa slurm` writes.
#[derive(Debug, Clone, Args)]
pub struct CheckpointArgs {
    /// External models: keep checkpoints in DIR (one folder per trial, e.g. on a fast local
    /// disk) [default: the results folder's checkpoints/].
    #[arg(long, value_name = "DIR")]
    pub checkpoints: Option<PathBuf>,
    /// External models: keep a trial's checkpoints after its rows are saved (by default they
    /// are removed then).
    #[arg(long)]
    pub keep_checkpoints: bool,
}

/// A device as `--devices` takes it: an index or an id of letters, digits, `-` and `_`.
fn device_name(text: &str) -> Result<String, String> {
    let value = crate::spec::yaml::Value::String(text.to_owned());
    crate::spec::check::device_name("--devices", &value).map_err(|invalid| invalid.message)
}

/// Options of `sisa plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Also write the ordered trial list to `<results folder>/manifest.tsv`.
    #[arg(long)]
    pub manifest: bool,
    /// Results folder [default: results/NAME, NAME being the spec's name].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Options of `sisa collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// A results folder (holding `spec.yaml` and `trials/`).
    pub results: PathBuf,
}

/// Options of `sisa slurm`.
#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// The spec and overrides (passed on to every array task).
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Results folder, shared by the tasks [default: results/NAME, NAME being the spec's name].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Slurm partition [default: the cluster's default].
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Time limit per task, in Slurm's format.
    #[arg(long, value_name = "T", default_value = "1:00:00")]
    pub time: String,
    /// CPUs per task (also the task's --jobs).
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub cpus_per_task: u16,
    /// Most tasks running at once [default: no limit].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_parallel: Option<u32>,
    /// GPUs per task, for external models (their workers inherit the CUDA_VISIBLE_DEVICES
    /// Slurm sets).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub gpus_per_task: Option<u16>,
    /// Where external models' checkpoints go, passed on to every task (a path every node sees,
    /// or one that exists on each, such as a local scratch disk).
    #[command(flatten)]
    pub checkpoints: CheckpointArgs,
    /// Submit the job array and the collect job with sbatch.
    #[arg(long)]
    pub submit: bool,
}

/// Options of `sisa verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Points to unlearn [default: the first trial's largest request count].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,
    /// Print the certificate as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `sisa cost`.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Training points N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub samples: u64,
    /// Shards S.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: u64,
    /// Slices R per shard.
    #[arg(long, value_name = "R", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub slices: u64,
    /// Request counts K (comma-separated for several).
    #[arg(long, value_name = "K", value_delimiter = ',', required = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Vec<u64>,
    /// One batch of K requests, or K requests one at a time.
    #[arg(long, value_enum, default_value_t = CostMode::Batch)]
    pub mode: CostMode,
    /// Print JSON (an array, one object per request count).
    #[arg(long)]
    pub json: bool,
}

/// How requests are processed in `sisa cost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostMode {
    /// One batch of K requests.
    Batch,
    /// K requests one at a time.
    Sequential,
}

impl SpecArgs {
    /// Loads the spec with its overrides (`--set` first, then `--sweep`, each in order given).
    pub fn load(&self) -> Result<Spec, Error> {
        let mut overrides = Vec::new();
        for (arguments, parse, flag) in [
            (
                &self.set,
                Override::parse_set as fn(&str) -> Result<Override, String>,
                "--set",
            ),
            (&self.sweep, Override::parse_sweep, "--sweep"),
        ] {
            for argument in arguments {
                let parsed = parse(argument).map_err(|message| {
                    SpecError::Invalid(Box::new(crate::spec::Problem {
                        file: self.spec.clone(),
                        line: None,
                        key: None,
                        origin: Some(format!("{flag} {argument}")),
                        message,
                    }))
                })?;
                overrides.push(parsed);
            }
        }
        let spec = Spec::load(&self.spec, &overrides)?;
        for pinned in spec.pinned() {
            eprintln!(
                "note: `{}` pins a swept key: the spec's `{}` is not swept",
                pinned.by, pinned.axis
            );
        }
        Ok(spec)
    }
}

/// Parses the command line, runs the command, reports any error once and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                0
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match commands::execute(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            if !matches!(error, Error::Silent(_)) {
                eprintln!("error: {error}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
