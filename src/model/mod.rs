//! Constituent models behind one trait, so the engine, the checkpoint store and aggregation work
//! for any model (the paper's goal G5). One file per model; [`build`] chooses by spec.

pub mod lbfgs;
pub mod logistic;
pub mod state;

pub use state::ModelState;

use ndarray::Array2;

use crate::data::{ClassId, Dataset, PointId};
use crate::spec::ModelSettings;

/// A model that SISA trains once per shard, step by step.
pub trait Constituent: Send + Sync {
    /// Continues training `warm` (or starts afresh when `None`) on `rows` for at most `budget`
    /// iterations or epochs. Must be deterministic for equal inputs and `seed`, so that unlearning
    /// is exact bit for bit. `rows` is never empty.
    fn fit(
        &self,
        warm: Option<&ModelState>,
        rows: Rows<'_>,
        budget: u32,
        seed: u64,
    ) -> Result<Fitted, ModelError>;

    /// Probabilities over the dataset's classes (one row per point of `rows`, summing to 1).
    fn predict_proba(&self, state: &ModelState, rows: Rows<'_>) -> Array2<f64>;
}

/// The outcome of one training call.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The trained state, which becomes a checkpoint.
    pub state: ModelState,
    /// Passes over the training points actually made (epochs, or objective evaluations of a
    /// full-batch optimiser; early stopping makes it less than the budget), when the model can
    /// tell; `None` when the underlying library does not report it.
    pub data_passes: Option<u64>,
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
    }
}
