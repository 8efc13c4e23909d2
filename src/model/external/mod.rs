//! `kind: external`: constituents trained by worker processes that speak the JSON-lines protocol
//! of docs/worker-protocol.md. sisa keeps everything SISA-specific; a worker only fits a step
//! (from a warm checkpoint file, on point ids, for a budget, with a seed) and predicts.
//!
//! - [`protocol`]: the messages; [`process`]: one worker process; [`pool`]: long-lived workers,
//!   one per concurrent job (or per device); [`handover`]: the dataset as `.npy` files;
//!   [`store`]: checkpoints on disk with their recorded cost, which a resumed run reuses.
//! - A [`Runtime`] holds the pool and the folders for one run; [`External`] is one trial's
//!   constituent over it.
//! - [`kind`]: what a spec says of `kind: external`, checked, and its state (a checkpoint file).

pub mod handover;
pub mod kind;
pub mod pool;
pub mod process;
pub mod protocol;
pub mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ndarray::Array2;

use self::handover::Handover;
use self::pool::{Pool, WorkerConfig};
use self::process::{Launch, WorkerProcess};
use self::protocol::{usable, Reply, Request};
use self::store::{hex, DiskStore, Recorded};
use super::{Fingerprint, FitStep, Fitted, MeasuredCost, Model, ModelError, ModelKind};
use super::{Progression, Rows};
use crate::data::{npy, Dataset, PointId};

pub(crate) use kind::device_name;
pub use kind::{ExternalSettings, ExternalState, RawExternal};

/// How long a handshake may take when the spec sets no timeout.
const HELLO_TIMEOUT: Duration = Duration::from_secs(120);

/// What went wrong with a worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The command could not be started.
    Start {
        /// The program.
        program: String,
        /// Why not.
        message: String,
    },
    /// The worker exited (or closed its stdout) before replying.
    Exited {
        /// The request.
        op: &'static str,
        /// Its exit status.
        status: String,
    },
    /// No reply within `model.timeout`.
    Timeout {
        /// The request.
        op: &'static str,
        /// The limit.
        seconds: f64,
    },
    /// A reply that is not a JSON reply object.
    Garbage {
        /// The request.
        op: &'static str,
        /// The start of the line.
        line: String,
        /// What the JSON parser said.
        message: String,
    },
    /// A reply with `ok: false`.
    Refused {
        /// The request.
        op: &'static str,
        /// The worker's error message.
        message: String,
    },
    /// A hello reply with another protocol version.
    Version {
        /// What it said it speaks.
        spoken: Option<u32>,
    },
    /// A `fit` (or `predict`) replied ok without writing its file.
    NoCheckpoint {
        /// The request.
        op: &'static str,
        /// The path it was asked to write.
        path: PathBuf,
    },
    /// Predictions of the wrong shape or type.
    BadPredictions {
        /// What is wrong.
        message: String,
    },
    /// A file sisa could not read or write.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Start { program, message } => {
                write!(f, "cannot start the worker program `{program}`: {message}")
            }
            Failure::Exited { op, status } => {
                write!(f, "the worker exited during `{op}` ({status})")
            }
            Failure::Timeout { op, seconds } => write!(
                f,
                "the worker did not answer `{op}` within {seconds} s (model.timeout) and was killed"
            ),
            Failure::Garbage { op, line, message } => write!(
                f,
                "the worker answered `{op}` with a line that is not a JSON reply ({message}): \
                 {line:?} (a worker must print only replies on stdout; other output goes to \
                 stderr)"
            ),
            Failure::Refused { op, message } => write!(f, "the worker failed `{op}`: {message}"),
            Failure::Version { spoken } => write!(
                f,
                "the worker speaks protocol {}, sisa speaks {}",
                spoken.map_or("(none given)".to_owned(), |v| v.to_string()),
                protocol::PROTOCOL
            ),
            Failure::NoCheckpoint { op, path } => write!(
                f,
                "the worker replied to `{op}` without writing {} `{}`",
                if *op == "fit" {
                    "the checkpoint"
                } else {
                    "its output"
                },
                path.display()
            ),
            Failure::BadPredictions { message } => {
                write!(f, "the worker's predictions are not usable: {message}")
            }
            Failure::Io { path, message } => write!(f, "`{}`: {message}", path.display()),
        }
    }
}

/// A worker failure with the last lines of the worker's stderr.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct WorkerError {
    /// What went wrong.
    pub failure: Failure,
    /// The worker's last stderr lines (empty when there were none, or no worker).
    pub stderr: Vec<String>,
}

impl WorkerError {
    /// A failure without stderr.
    pub fn new(failure: Failure) -> Self {
        WorkerError {
            failure,
            stderr: Vec::new(),
        }
    }

    /// Whether the worker refused the spec's options at the handshake.
    pub fn refused_options(&self) -> bool {
        matches!(self.failure, Failure::Refused { op: "hello", .. })
    }
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.failure)?;
        if !self.stderr.is_empty() {
            write!(f, "\n  the worker's last lines on stderr:")?;
            for line in &self.stderr {
                write!(f, "\n  | {line}")?;
            }
        }
        Ok(())
    }
}

impl From<WorkerError> for ModelError {
    fn from(error: WorkerError) -> Self {
        ModelError {
            model: "external",
            message: error.to_string(),
        }
    }
}

/// Starts the worker of `settings`, greets it and stops it: what `sisa validate` and a run's
/// precheck do, so a missing command or rejected options fail before anything trains. Returns
/// the name the worker gave.
pub fn handshake(settings: &ExternalSettings) -> Result<String, WorkerError> {
    let launch = Launch {
        command: settings.command.clone(),
        threads: settings.threads,
        device: settings.devices.first().cloned(),
    };
    let mut worker = WorkerProcess::spawn(&launch)?;
    let timeout = settings
        .timeout
        .map_or(HELLO_TIMEOUT, Duration::from_secs_f64);
    worker.hello(&settings.options, settings.threads, Some(timeout))?;
    let name = worker.name.clone();
    worker.shutdown();
    Ok(name)
}

/// Where a run's external models keep their files.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimePaths {
    /// The datasets handed to workers.
    pub data: PathBuf,
    /// Checkpoints, one folder per trial.
    pub checkpoints: PathBuf,
}

/// The workers and folders of one run's external models.
pub struct Runtime {
    pool: Pool,
    paths: RuntimePaths,
    /// Held while a dataset is written, so trials preparing at once do not write it twice.
    handing_over: std::sync::Mutex<()>,
    resume: bool,
    resumed: AtomicUsize,
}

impl Runtime {
    /// A runtime with `workers` concurrent workers, or one per device when `devices` are given;
    /// with `resume`, checkpoints an interrupted run left are reused.
    /// Relative paths are made absolute, as workers are told them.
    pub fn new(paths: RuntimePaths, workers: usize, devices: &[String], resume: bool) -> Self {
        let absolute = |path: PathBuf| std::path::absolute(&path).unwrap_or(path);
        Runtime {
            pool: Pool::new(workers, devices),
            paths: RuntimePaths {
                data: absolute(paths.data),
                checkpoints: absolute(paths.checkpoints),
            },
            handing_over: std::sync::Mutex::new(()),
            resume,
            resumed: AtomicUsize::new(0),
        }
    }

    /// How many workers run at once.
    pub fn concurrency(&self) -> usize {
        self.pool.size()
    }

    /// Training steps taken from an earlier run's checkpoints rather than trained.
    pub fn resumed(&self) -> usize {
        self.resumed.load(Ordering::SeqCst)
    }

    /// The checkpoint folder named `name` (a trial id).
    pub fn checkpoints(&self, name: &str) -> PathBuf {
        self.paths.checkpoints.join(name)
    }

    /// The constituent of `settings` over `data`, keeping its checkpoints in the folder `name`.
    pub fn constituent(
        self: &Arc<Self>,
        settings: &ExternalSettings,
        data: &Dataset,
        name: &str,
    ) -> Result<External, ModelError> {
        let shape = settings.shape.clone();
        if let Some(shape) = &shape {
            let width: usize = shape.iter().product();
            if width != data.n_features() {
                return Err(ModelError {
                    model: "external",
                    message: format!(
                        "model.shape {shape:?} holds {width} values, but the points have {} \
                         features",
                        data.n_features()
                    ),
                });
            }
        }
        let handover = {
            let _writing = self.handing_over.lock().expect("not poisoned");
            Handover::write(&self.paths.data, data, shape)?
        };
        Ok(External {
            fingerprint: settings.fingerprint(),
            config: WorkerConfig {
                command: settings.command.clone(),
                threads: settings.threads,
                options: settings.options.clone(),
                timeout: settings.timeout.map(Duration::from_secs_f64),
            },
            settings: settings.clone(),
            runtime: Arc::clone(self),
            handover,
            store: DiskStore::new(self.checkpoints(name), self.resume),
        })
    }

    /// Stops every worker.
    pub fn shutdown(&self) {
        self.pool.shutdown();
    }
}

/// One trial's external constituent.
pub struct External {
    settings: ExternalSettings,
    config: WorkerConfig,
    fingerprint: Fingerprint,
    runtime: Arc<Runtime>,
    handover: Handover,
    store: DiskStore,
}

impl External {
    /// The folder its checkpoints are in.
    pub fn checkpoint_dir(&self) -> &Path {
        self.store.dir()
    }

    /// Sends `request` to a leased worker (greeted, with the dataset) and checks that it wrote
    /// `out`; a worker that fails is stopped (its stderr tail goes into the error), and the next
    /// job gets a fresh one.
    fn call(&self, request: &Request<'_>, out: &Path) -> Result<Reply, WorkerError> {
        let mut lease = self.runtime.pool.lease();
        let result = lease.worker(&self.config).and_then(|worker| {
            self.ensure_dataset(worker)?;
            let reply = worker.call(request, self.config.timeout)?;
            match std::fs::metadata(out) {
                Ok(meta) if meta.is_file() && meta.len() > 0 => Ok(reply),
                _ => Err(worker.failed(Failure::NoCheckpoint {
                    op: request.op(),
                    path: out.to_path_buf(),
                })),
            }
        });
        if result.is_err() {
            lease.discard();
        }
        result
    }

    fn ensure_dataset(&self, worker: &mut WorkerProcess) -> Result<(), WorkerError> {
        let handover = &self.handover;
        if worker.dataset.as_deref() == Some(handover.fingerprint.as_str()) {
            return Ok(());
        }
        let request = Request::Dataset {
            features: &handover.features,
            labels: &handover.labels,
            shape: handover.shape.as_deref(),
            classes: handover.classes,
            fingerprint: &handover.fingerprint,
        };
        worker.call(&request, self.config.timeout)?;
        worker.dataset = Some(handover.fingerprint.clone());
        Ok(())
    }

    /// The store key of a step: everything its checkpoint depends on.
    fn step_key(&self, step: &FitStep<'_, ExternalState>, warm: Option<&ExternalState>) -> String {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"sisa-external-step-v1");
        hasher.update(&self.fingerprint.0);
        hasher.update(self.handover.fingerprint.as_bytes());
        hasher.update(&warm.map_or([0; 32], |state| state.digest));
        for number in [
            step.rows.len() as u64,
            step.new_from as u64,
            u64::from(step.budget.iterations),
            step.budget.epochs.to_bits(),
            step.seed,
        ] {
            hasher.update(&number.to_le_bytes());
        }
        step.rows
            .ids
            .iter()
            .for_each(|id| _ = hasher.update(&id.0.to_le_bytes()));
        hex(hasher.finalize().as_bytes())
    }

    /// Runs a `fit` on a worker and moves its checkpoint into the store.
    fn train(
        &self,
        step: &FitStep<'_, ExternalState>,
        warm: Option<&ExternalState>,
        key: &str,
    ) -> Result<(ExternalState, Recorded), WorkerError> {
        let out = self.store.temporary("fit")?;
        let ids = point_ids(step.rows.ids);
        let request = Request::Fit {
            warm: warm.map(|state| state.path.as_path()),
            ids: &ids,
            new_from: step.new_from,
            epochs: step.budget.epochs,
            iterations: step.budget.iterations,
            seed: step.seed,
            out: &out,
        };
        let started = Instant::now();
        let reply = self.call(&request, &out).inspect_err(|_| {
            let _ = std::fs::remove_file(&out);
        })?;
        let wall_s = started.elapsed().as_secs_f64();
        let recorded = Recorded {
            cpu_s: usable(reply.cpu_s).unwrap_or(wall_s),
            wall_s,
            passes: usable(reply.passes),
            points: ids.len(),
            device_s: usable(reply.device_s),
        };
        Ok((self.store.commit(&out, key, recorded)?, recorded))
    }
}

fn point_ids(ids: &[PointId]) -> Vec<u32> {
    ids.iter().map(|id| id.0).collect()
}

impl Model for External {
    type State = ExternalState;

    fn progression(&self) -> Progression {
        Progression::Iterative
    }

    fn budget(&self) -> u32 {
        self.settings.epochs
    }

    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    fn fit(&self, step: FitStep<'_, ExternalState>) -> Result<Fitted<ExternalState>, ModelError> {
        let warm = step.warm;
        let key = self.step_key(&step, warm);
        let (state, recorded) = match self.store.recall(&key) {
            Some(recalled) => {
                self.runtime.resumed.fetch_add(1, Ordering::SeqCst);
                recalled
            }
            None => self.train(&step, warm, &key)?,
        };
        Ok(Fitted {
            state,
            sample_passes: recorded.passes,
            measured: Some(MeasuredCost {
                cpu_s: recorded.cpu_s,
                device_s: recorded.device_s,
            }),
            at_limit: false,
        })
    }

    fn predict_proba(
        &self,
        checkpoint: &ExternalState,
        rows: Rows<'_>,
    ) -> Result<Array2<f64>, ModelError> {
        if rows.is_empty() {
            return Ok(Array2::zeros((0, self.handover.classes)));
        }
        let out = self.store.temporary("predict")?;
        let ids = point_ids(rows.ids);
        let request = Request::Predict {
            checkpoint: &checkpoint.path,
            ids: &ids,
            out: &out,
        };
        let read = self.call(&request, &out).and_then(|_| read_proba(&out));
        let _ = std::fs::remove_file(&out);
        Ok(read.and_then(|proba| check_proba(proba, ids.len(), self.handover.classes))?)
    }
}

/// Reads the `.npy` array a `predict` wrote (any numeric type; read as f32, like features).
fn read_proba(path: &Path) -> Result<(Vec<u64>, Vec<f64>), WorkerError> {
    let bad = |message: String| WorkerError::new(Failure::BadPredictions { message });
    let file = std::fs::File::open(path).map_err(|error| store::io_failure(path, &error))?;
    let length = file.metadata().map(|metadata| metadata.len()).ok();
    let array = npy::features(path, &mut std::io::BufReader::new(file), None, length)
        .map_err(|error| bad(error.to_string()))?;
    let shape = vec![array.rows as u64, array.width as u64];
    Ok((shape, array.values.into_iter().map(f64::from).collect()))
}

/// The probabilities as a matrix, checked: `rows x classes`, finite, non-negative rows summing
/// to 1.
fn check_proba(
    (shape, values): (Vec<u64>, Vec<f64>),
    rows: usize,
    classes: usize,
) -> Result<Array2<f64>, WorkerError> {
    let bad = |message: String| WorkerError::new(Failure::BadPredictions { message });
    if shape != [rows as u64, classes as u64] {
        return Err(bad(format!(
            "shape {shape:?}, expected [{rows}, {classes}]"
        )));
    }
    let proba = Array2::from_shape_vec((rows, classes), values).expect("shape checked");
    for (row, values) in proba.rows().into_iter().enumerate() {
        let sum: f64 = values.sum();
        if values.iter().any(|p| !p.is_finite() || *p < 0.0) || (sum - 1.0).abs() > 1e-3 {
            return Err(bad(format!(
                "row {row} is not a probability distribution (sums to {sum})"
            )));
        }
    }
    Ok(proba)
}

/// An external model outside a run (no workers): fails to train or predict.
pub struct Detached;

impl Detached {
    fn error() -> ModelError {
        ModelError {
            model: "external",
            message: "an external model needs workers; it runs through `sisa run`, `verify` \
                      or `bench`"
                .to_owned(),
        }
    }
}

impl Model for Detached {
    type State = ExternalState;

    fn progression(&self) -> Progression {
        Progression::Iterative
    }

    fn budget(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of("external-detached", &())
    }

    fn fit(&self, _: FitStep<'_, ExternalState>) -> Result<Fitted<ExternalState>, ModelError> {
        Err(Detached::error())
    }

    fn predict_proba(&self, _: &ExternalState, _: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        Err(Detached::error())
    }
}

/// A runtime whose files live in a temporary folder, removed (and its workers stopped) when it
/// is dropped: for commands that train outside a results folder (`verify`, `bench`). It never
/// resumes, so every step is trained.
pub struct Scratch {
    /// The runtime.
    pub runtime: Arc<Runtime>,
    dir: PathBuf,
}

impl Scratch {
    /// A scratch runtime for `settings` when it is an external model, with `jobs` workers (or
    /// one per device).
    pub fn for_model(settings: &super::ModelSettings, jobs: usize) -> Option<Scratch> {
        let super::ModelSettings::External(external) = settings else {
            return None;
        };
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sisa-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::SeqCst)
        ));
        let paths = RuntimePaths {
            data: dir.join("worker-data"),
            checkpoints: dir.join("checkpoints"),
        };
        let runtime = Arc::new(Runtime::new(paths, jobs, &external.devices, false));
        Some(Scratch { runtime, dir })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.runtime.shutdown();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
