//! A trained constituent's state, as the engine holds it: what a checkpoint keeps, what exact
//! unlearning compares bit for bit, and what predictions are computed from.
//!
//! Each model kind has its own state type (in its file), which the kind's [`super::Model`] reads
//! and writes as itself; the engine and the checkpoint store see it only as a `dyn ModelState`,
//! so a new kind needs no change here.

use std::any::Any;
use std::fmt;

use ndarray::Array2;

use crate::data::ClassId;

/// The parameters of a trained constituent, of whichever kind trained it.
pub trait ModelState: Any + fmt::Debug + Send + Sync {
    /// The exact bytes of the parameters, for bit-for-bit comparison (`sisa verify`). A kind's
    /// bytes start with a tag byte of its own, so states of two kinds never compare equal.
    fn to_bytes(&self) -> Vec<u8>;

    /// Memory the parameters take, in bytes (what a checkpoint costs to keep; for a model kept
    /// in a file, the file's size).
    fn byte_size(&self) -> usize;
}

/// Two states are equal when their parameters are bit for bit the same.
impl PartialEq for dyn ModelState {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

/// The state of a model that is not trained on points of a single class (there is nothing to
/// learn, and a network trained on one class can still favour another far from its points): the
/// class, predicted with certainty, or the trained parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Trained<P> {
    /// Trained on points of one class only.
    OneClass(ClassId),
    /// Trained parameters.
    Parameters(P),
}

impl<P> Trained<P> {
    /// The parameters, unless the state is a single class.
    pub(crate) fn parameters(&self) -> Option<&P> {
        match self {
            Trained::OneClass(_) => None,
            Trained::Parameters(parameters) => Some(parameters),
        }
    }
}

/// Probabilities of `points` points that are all `class` with certainty, over `n_classes`.
pub(crate) fn one_hot(class: ClassId, points: usize, n_classes: usize) -> Array2<f64> {
    let mut proba = Array2::zeros((points, n_classes));
    proba.column_mut(class.index()).fill(1.0);
    proba
}

impl<P: ModelState> ModelState for Trained<P> {
    fn to_bytes(&self) -> Vec<u8> {
        match self {
            Trained::OneClass(class) => {
                let mut bytes = vec![0u8];
                bytes.extend(class.0.to_le_bytes());
                bytes
            }
            Trained::Parameters(parameters) => parameters.to_bytes(),
        }
    }

    fn byte_size(&self) -> usize {
        match self {
            Trained::OneClass(_) => std::mem::size_of::<ClassId>(),
            Trained::Parameters(parameters) => parameters.byte_size(),
        }
    }
}
