//! Constituent models behind one trait, so the engine, the checkpoint store and aggregation work
//! for any model (the paper's goal G5). One file per model; [`build`] chooses by spec.

pub mod kernels;
pub mod lbfgs;
pub mod logistic;
pub mod mlp;
pub mod naive_bayes;
pub mod state;
pub mod tree;

pub use state::ModelState;

use ndarray::Array2;

use crate::data::{ClassId, Dataset, PointId};
use crate::spec::ModelSettings;

/// A model that SISA trains once per shard, step by step.
pub trait Constituent: Send + Sync {
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
    fn fit(&self, step: FitStep<'_>) -> Result<Fitted, ModelError>;

    /// Probabilities over the dataset's classes (one row per point of `rows`, summing to 1).
    fn predict_proba(&self, state: &ModelState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError>;
}

/// One training call: what a constituent continues, on which points, for how long, and with
/// which seed.
#[derive(Debug, Clone, Copy)]
pub struct FitStep<'a> {
    /// The state to continue (the previous slice step's checkpoint), or `None` to start afresh.
    pub warm: Option<&'a ModelState>,
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

impl<'a> FitStep<'a> {
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
}

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

/// The outcome of one training call.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The trained state, which becomes a checkpoint.
    pub state: ModelState,
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

impl Fitted {
    /// A fit done on the calling thread, whose clock measures it.
    pub fn new(state: ModelState, sample_passes: Option<f64>) -> Self {
        Fitted {
            state,
            sample_passes,
            measured: None,
            at_limit: false,
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
    /// The error of a training step not started because the run was asked to stop.
    pub fn interrupted() -> Self {
        ModelError {
            model: "run",
            message: "interrupted".to_owned(),
        }
    }
}

/// Points of a dataset, by id: how models see training sets and test sets without copies.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    /// The dataset the ids refer to.
    pub data: &'a Dataset,
    /// The points, in order.
    pub ids: &'a [PointId],
}

impl<'a> Rows<'a> {
    /// The rows `ids` of `data`.
    pub fn new(data: &'a Dataset, ids: &'a [PointId]) -> Self {
        Rows { data, ids }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The labels of the points, in order.
    pub fn labels(&self) -> Vec<ClassId> {
        self.ids.iter().map(|&id| self.data.label(id)).collect()
    }

    /// The features gathered into a contiguous f64 matrix (for libraries that need one).
    pub fn gather_f64(&self) -> Array2<f64> {
        let mut matrix = Array2::zeros((self.len(), self.data.n_features()));
        for (mut target, &id) in matrix.rows_mut().into_iter().zip(self.ids) {
            target
                .iter_mut()
                .zip(self.data.row(id))
                .for_each(|(t, &v)| *t = f64::from(v));
        }
        matrix
    }

    /// The distinct classes present, sorted.
    pub fn classes_present(&self) -> Vec<ClassId> {
        let mut seen = vec![false; self.data.n_classes()];
        for &id in self.ids {
            seen[self.data.label(id).index()] = true;
        }
        (0..seen.len() as u32)
            .filter(|&c| seen[c as usize])
            .map(ClassId)
            .collect()
    }
}

/// The constituent a spec asks for, over a dataset with `n_classes` classes.
pub fn build(settings: &ModelSettings, n_classes: usize) -> Box<dyn Constituent> {
    match settings {
        ModelSettings::Logistic(logistic) => {
            Box::new(logistic::Logistic::new(logistic.clone(), n_classes))
        }
        ModelSettings::Mlp(mlp) => Box::new(mlp::Mlp::new(mlp.clone(), n_classes)),
        ModelSettings::NaiveBayes(bayes) => {
            Box::new(naive_bayes::NaiveBayes::new(bayes.clone(), n_classes))
        }
        ModelSettings::DecisionTree(tree) => Box::new(tree::Tree::new(tree.clone(), n_classes)),
    }
}

/// Probabilities of a state that is not the model's own kind: a single-class state predicts its
/// class with certainty; anything else predicts nothing (all zeros), which cannot happen when
/// states come from the model itself.
pub fn single_class_proba(state: &ModelState, points: usize, n_classes: usize) -> Array2<f64> {
    let mut proba = Array2::zeros((points, n_classes));
    if let ModelState::SingleClass(class) = state {
        proba.column_mut(class.index()).fill(1.0);
    }
    proba
}

/// The single class of `rows`, when they hold only one (so there is nothing to learn).
pub fn only_class(rows: Rows<'_>) -> Option<ClassId> {
    match rows.classes_present()[..] {
        [only] => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;

    use crate::sisa::aggregate::argmax;
    use crate::spec::{
        Activation, LogisticSettings, LogisticSolver, MlpSettings, NaiveBayesSettings,
        SplitCriterion, TreeSettings,
    };

    fn every_model() -> Vec<ModelSettings> {
        vec![
            ModelSettings::Logistic(LogisticSettings {
                alpha: 1.0,
                max_iterations: 50,
                tolerance: 1e-4,
                solver: LogisticSolver::Lbfgs,
            }),
            ModelSettings::Mlp(MlpSettings {
                hidden: vec![8],
                activation: Activation::Relu,
                learning_rate: 0.05,
                batch_size: 8,
                epochs: 10,
                momentum: 0.0,
                l2: 0.0,
            }),
            ModelSettings::NaiveBayes(NaiveBayesSettings {
                var_smoothing: 1e-9,
            }),
            ModelSettings::DecisionTree(TreeSettings {
                max_depth: Some(4),
                min_samples_split: 2,
                min_samples_leaf: 1,
                criterion: SplitCriterion::Gini,
            }),
        ]
    }

    #[test]
    fn every_model_maps_missing_and_single_classes_onto_the_global_list() {
        let data = synthetic::test_blobs(300, 3, 3, 2.0, 6);
        let all = data.ids();
        let without_two: Vec<PointId> = all
            .iter()
            .copied()
            .filter(|&p| data.label(p).0 != 2)
            .collect();
        let only_one: Vec<PointId> = all
            .iter()
            .copied()
            .filter(|&p| data.label(p).0 == 1)
            .collect();
        for settings in every_model() {
            let model = build(&settings, 3);
            let name = settings.name();
            let budget = model.budget();
            let partial = model
                .fit(FitStep::fresh(
                    Rows::new(&data, &without_two),
                    Budget::whole(budget),
                    1,
                ))
                .unwrap();
            let proba = model
                .predict_proba(&partial.state, Rows::new(&data, &all))
                .unwrap();
            assert_eq!(proba.dim(), (300, 3), "{name}");
            for row in proba.rows() {
                assert!((row.sum() - 1.0).abs() < 1e-5, "{name}: {row}");
                assert!(
                    row.iter().all(|p| (0.0..=1.0 + 1e-9).contains(p)),
                    "{name}: {row}"
                );
                if name != "mlp" {
                    assert!(
                        row[2] < 1e-6,
                        "{name} gives weight to a class it never saw: {row}"
                    );
                }
            }
            let single = model
                .fit(FitStep::fresh(
                    Rows::new(&data, &only_one),
                    Budget::whole(budget),
                    1,
                ))
                .unwrap();
            let proba = model
                .predict_proba(&single.state, Rows::new(&data, &all))
                .unwrap();
            for row in proba.rows() {
                assert_eq!(
                    argmax(row),
                    ClassId(1),
                    "{name}: a one-class constituent predicts its class"
                );
            }
        }
    }
}
