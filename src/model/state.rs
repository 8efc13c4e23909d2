//! A trained constituent's state: what a checkpoint holds, what exact unlearning compares bit for
//! bit, and what predictions are computed from.

use ndarray::{Array1, Array2};

use crate::data::ClassId;

/// A constituent's parameters after some training.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelState {
    /// Trained on points of one class only: predicts that class with certainty.
    SingleClass(ClassId),
    /// A linear model over the features.
    Linear(LinearState),
}

/// Weights of a linear classifier.
///
/// Binary problems have one score column (for class 1 against class 0); multinomial problems one
/// column per class of the dataset, of which only `present` were trained (others predict 0).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearState {
    /// Feature weights, one row per feature, one column per score.
    pub weights: Array2<f64>,
    /// Intercepts, one per score column.
    pub intercepts: Array1<f64>,
    /// Classes the model was trained on (all of them for a binary model).
    pub present: Vec<ClassId>,
}

impl ModelState {
    /// The exact bytes of the parameters, for bit-for-bit comparison and fingerprints.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            ModelState::SingleClass(class) => {
                let mut bytes = vec![0u8];
                bytes.extend(class.0.to_le_bytes());
                bytes
            }
            ModelState::Linear(linear) => {
                let mut bytes = vec![1u8];
                let (rows, cols) = linear.weights.dim();
                bytes.extend((rows as u64).to_le_bytes());
                bytes.extend((cols as u64).to_le_bytes());
                let values = linear.weights.iter().chain(linear.intercepts.iter());
                values.for_each(|v| bytes.extend(v.to_bits().to_le_bytes()));
                linear
                    .present
                    .iter()
                    .for_each(|c| bytes.extend(c.0.to_le_bytes()));
                bytes
            }
        }
    }

    /// Memory the parameters take, in bytes (what a checkpoint costs to keep).
    pub fn byte_size(&self) -> usize {
        match self {
            ModelState::SingleClass(_) => std::mem::size_of::<ClassId>(),
            ModelState::Linear(linear) => {
                (linear.weights.len() + linear.intercepts.len()) * std::mem::size_of::<f64>()
                    + linear.present.len() * std::mem::size_of::<ClassId>()
            }
        }
    }
}
