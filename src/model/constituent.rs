//! What SISA trains once per shard, step by step: a kind's [`Model`] over its own state type, and
//! the object-safe [`Constituent`] the engine holds it through.
//!
//! Why two traits: a kind reads and writes its state as itself (`Self::State`: a tree's nodes, a
//! network's layers), with no enum of every kind to match; the engine, the checkpoint store and
//! aggregation hold any kind's states as `dyn ModelState`. [`Constituent`] is implemented for
//! every [`Model`] once, here, and is where a state is turned back into its kind's type.
//!
//! Unlearning methods beside SISA's (issue 23: fine-tuning, gradient ascent, a Newton step) act
//! on one trained state given the points to forget and those that remain, a budget and a seed,
//! and return a new state and its cost, like a fit: [`Model::unlearn`], which a kind overrides
//! for the methods it supports (and names in [`super::ModelKind::supports`]); by default it
//! supports none.

use std::sync::Arc;

use ndarray::Array2;

use super::state::ModelState;
use super::Rows;

/// A model kind's constituent, over its own state type.
pub(crate) trait Model: Send + Sync {
    /// Its trained parameters.
    type State: ModelState;

    /// How its slice steps build on each other, which decides their budget and their cost.
    fn progression(&self) -> Progression;

    /// The unsliced training budget E: iterations or epochs one full training run gets (1 for
    /// models trained in one pass). Each of R slice steps gets 2E/(R+1).
    fn budget(&self) -> u32;

    /// What identifies the model's settings in checkpoint keys: equal fingerprints, seeds and
    /// points must mean equal checkpoints.
    fn fingerprint(&self) -> Fingerprint;

    /// Continues training `step.warm` (or starts afresh when `None`) on `step.rows` for at most
    /// `step.budget`. Must be deterministic for equal inputs and seed, so that unlearning is
    /// exact bit for bit.
    fn fit(&self, step: FitStep<'_, Self::State>) -> Result<Fitted<Self::State>, ModelError>;

    /// Probabilities over the dataset's classes (one row per point of `rows`, summing to 1).
    fn predict_proba(&self, state: &Self::State, rows: Rows<'_>)
        -> Result<Array2<f64>, ModelError>;

    /// Applies the unlearning method named `method` to `step.state`: a new state without
    /// `step.forget`, and what making it cost (measured like a fit). Deterministic for equal
    /// inputs and seed. A kind supports no method unless it overrides this.
    fn unlearn(
        &self,
        method: &str,
        _step: ForgetStep<'_, Self::State>,
    ) -> Result<Fitted<Self::State>, ModelError> {
        Err(ModelError::unsupported(method))
    }
}

/// A constituent of any kind, as the engine holds it (implemented for every [`Model`]).
pub trait Constituent: Send + Sync {
    /// See [`Model::progression`].
    fn progression(&self) -> Progression;

    /// See [`Model::budget`].
    fn budget(&self) -> u32;

    /// See [`Model::fingerprint`].
    fn fingerprint(&self) -> Fingerprint;

    /// See [`Model::fit`]; `step.warm` must be a state this constituent's kind trained.
    fn fit(&self, step: FitStep<'_>) -> Result<Fitted, ModelError>;

    /// See [`Model::predict_proba`]; `state` must be one this constituent's kind trained.
    fn predict_proba(
        &self,
        state: &dyn ModelState,
        rows: Rows<'_>,
    ) -> Result<Array2<f64>, ModelError>;

    /// See [`Model::unlearn`]; `step.state` must be one this constituent's kind trained.
    fn unlearn(&self, method: &str, step: ForgetStep<'_>) -> Result<Fitted, ModelError>;
}

impl<M: Model> Constituent for M {
    fn progression(&self) -> Progression {
        Model::progression(self)
    }

    fn budget(&self) -> u32 {
        Model::budget(self)
    }

    fn fingerprint(&self) -> Fingerprint {
        Model::fingerprint(self)
    }

    fn fit(&self, step: FitStep<'_>) -> Result<Fitted, ModelError> {
        let warm = step.warm.map(own::<M::State>).transpose()?;
        let fitted = Model::fit(self, step.with_warm(warm))?;
        Ok(fitted.map(|state| Arc::new(state) as Arc<dyn ModelState>))
    }

    fn predict_proba(
        &self,
        state: &dyn ModelState,
        rows: Rows<'_>,
    ) -> Result<Array2<f64>, ModelError> {
        Model::predict_proba(self, own::<M::State>(state)?, rows)
    }

    fn unlearn(&self, method: &str, step: ForgetStep<'_>) -> Result<Fitted, ModelError> {
        let step = ForgetStep {
            state: own::<M::State>(step.state)?,
            forget: step.forget,
            retain: step.retain,
            budget: step.budget,
            seed: step.seed,
        };
        let fitted = Model::unlearn(self, method, step)?;
        Ok(fitted.map(|state| Arc::new(state) as Arc<dyn ModelState>))
    }
}

/// `state` as the state type `S` of the kind that is to use it. Another kind's state here is a
/// bug (states come from the constituent itself), reported rather than panicking.
fn own<S: ModelState>(state: &dyn ModelState) -> Result<&S, ModelError> {
    let any: &dyn std::any::Any = state;
    any.downcast_ref::<S>().ok_or_else(|| ModelError {
        model: "sisa",
        message: format!(
            "a state of another model kind was given where a `{}` was expected",
            std::any::type_name::<S>()
        ),
    })
}

/// One training call: what a constituent continues, on which points, for how long, and with
/// which seed. The engine's steps carry any kind's state (`S = dyn ModelState`); a kind's
/// [`Model::fit`] sees its own.
#[derive(Debug)]
pub struct FitStep<'a, S: ?Sized = dyn ModelState> {
    /// The state to continue (the previous slice step's checkpoint), or `None` to start afresh.
    pub warm: Option<&'a S>,
    /// The points of slices 1..r, never empty; `rows.ids[new_from..]` are slice r's, those
    /// `warm` has not seen.
    pub rows: Rows<'a>,
    /// Where the new slice's points start in `rows`.
    pub new_from: usize,
    /// What the step may spend.
    pub budget: Budget,
    /// The step's seed, for everything random in it.
    pub seed: u64,
}

impl<S: ?Sized> Clone for FitStep<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized> Copy for FitStep<'_, S> {}

impl<'a, S: ?Sized> FitStep<'a, S> {
    /// A step that starts afresh on `rows`, all of them new.
    pub fn fresh(rows: Rows<'a>, budget: Budget, seed: u64) -> Self {
        FitStep {
            warm: None,
            rows,
            new_from: 0,
            budget,
            seed,
        }
    }

    /// The same step continuing `warm` instead.
    fn with_warm<T: ?Sized>(self, warm: Option<&'a T>) -> FitStep<'a, T> {
        FitStep {
            warm,
            rows: self.rows,
            new_from: self.new_from,
            budget: self.budget,
            seed: self.seed,
        }
    }
}

/// One call of an unlearning method beside SISA's: the state it starts from (the model trained on
/// every point), what it forgets, what remains, what it may spend and its seed.
#[derive(Debug)]
pub struct ForgetStep<'a, S: ?Sized = dyn ModelState> {
    /// The trained state.
    pub state: &'a S,
    /// The points to forget.
    pub forget: Rows<'a>,
    /// The points that remain (or the sample of them a method uses).
    pub retain: Rows<'a>,
    /// What the method may spend (epochs of fine-tuning, say).
    pub budget: Budget,
    /// Its seed, for everything random in it.
    pub seed: u64,
}

impl<S: ?Sized> Clone for ForgetStep<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized> Copy for ForgetStep<'_, S> {}

/// The identity of a model's settings, for checkpoint keys: a BLAKE3 hash of its kind and the
/// canonical JSON of its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a model of `kind` with `settings`.
    pub fn of(kind: &str, settings: &impl serde::Serialize) -> Fingerprint {
        let mut hasher = blake3::Hasher::new();
        hasher.update(kind.as_bytes());
        hasher.update(&[0]);
        hasher.update(&serde_json::to_vec(settings).expect("model settings serialise"));
        Fingerprint(*hasher.finalize().as_bytes())
    }
}

/// What one training call may spend: whole iterations (for optimisers that cannot stop part-way,
/// at least 1), and the exact number of epochs, which may be fractional (a network then stops
/// part-way through an epoch), so sliced training costs exactly the unsliced budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Whole iterations or epochs, at least 1.
    pub iterations: u32,
    /// Exact epochs, possibly fractional.
    pub epochs: f64,
}

impl Budget {
    /// A whole number of iterations or epochs.
    pub fn whole(n: u32) -> Self {
        Budget {
            iterations: n,
            epochs: f64::from(n),
        }
    }
}

/// How a model's slice steps relate (the paper's slicing assumes the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progression {
    /// Each step continues the previous state on all points so far (networks, logistic
    /// regression): of an unsliced budget E, each of the R steps gets 2E/(R+1), and a step costs
    /// its points times 2/(R+1).
    Iterative,
    /// Each step adds its new slice's statistics to the previous state (naive Bayes): a step
    /// costs its slice's points.
    Accumulating,
    /// No state can be continued: each step fits afresh on all points so far (trees), costing
    /// them all; slicing saves nothing and costs more.
    Refitting,
}

/// The outcome of one training call: a kind's own state (`S`), or, as the engine sees it, any
/// kind's.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted<S = Arc<dyn ModelState>> {
    /// The trained state, which becomes a checkpoint.
    pub state: S,
    /// Sample passes actually made (points x epochs, or x objective evaluations of a full-batch
    /// optimiser, where early stopping can end before the budget), when the model can tell;
    /// `None` when the underlying library does not report it.
    pub sample_passes: Option<f64>,
    /// The cost the fit measured itself, when the work ran where the calling thread's clock
    /// cannot see it (another process, an accelerator); the engine then records it instead.
    pub measured: Option<MeasuredCost>,
    /// Whether an optimiser with a stopping tolerance ran out of its budget first (it has not
    /// converged; the model may be worse than it could be).
    pub at_limit: bool,
}

impl<S> Fitted<S> {
    /// A fit done on the calling thread, whose clock measures it.
    pub fn new(state: S, sample_passes: Option<f64>) -> Self {
        Fitted {
            state,
            sample_passes,
            measured: None,
            at_limit: false,
        }
    }

    /// The same fit with its state turned into another type.
    fn map<T>(self, into: impl FnOnce(S) -> T) -> Fitted<T> {
        Fitted {
            state: into(self.state),
            sample_passes: self.sample_passes,
            measured: self.measured,
            at_limit: self.at_limit,
        }
    }
}

/// The cost of a fit as measured by whatever ran it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredCost {
    /// CPU seconds of the process that trained.
    pub cpu_s: f64,
    /// Seconds an accelerator (GPU) spent, when reported.
    pub device_s: Option<f64>,
}

/// A model that failed to train.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{model} could not be trained: {message}")]
pub struct ModelError {
    /// The model kind.
    pub model: &'static str,
    /// What the library reported.
    pub message: String,
}

impl ModelError {
    /// The error of an unlearning method the model kind does not support (`sisa validate`
    /// refuses such a spec first, at its key).
    pub fn unsupported(method: &str) -> Self {
        ModelError {
            model: "unlearning",
            message: format!("this model kind does not support the method `{method}`"),
        }
    }

    /// The error of a training step not started because the run was asked to stop.
    pub fn interrupted() -> Self {
        ModelError {
            model: "run",
            message: "interrupted".to_owned(),
        }
    }
}
