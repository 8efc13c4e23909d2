//! `kind: toy`, a nearest-centroid classifier that exists only in tests: the smallest complete
//! model kind, registered with one line in `src/model/mod.rs`, which the engine's and the trial
//! executor's tests run end to end. A new kind is a file like this one.
//!
//! Its state is each class's sum of points and count, to which every slice step adds its own
//! slice (so it accumulates, like naive Bayes); it predicts a softmax over minus the squared
//! distances to the class means, divided by `temperature`.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::kernels::softmax_into;
use super::{Context, Fingerprint, FitStep, Fitted, Model, ModelError, ModelKind};
use super::{ModelState, Progression, Rows};
use crate::data::ClassId;
use crate::spec::check::positive;
use crate::spec::Invalid;

/// Options of `kind: toy`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawToy {
    /// Softmax temperature.
    pub temperature: Option<f64>,
}

/// Settings of `kind: toy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToySettings {
    /// Divides the squared distances before the softmax; default 1, above 0.
    pub temperature: f64,
}

impl ModelKind for ToySettings {
    const NAME: &'static str = "toy";
    type Raw = RawToy;

    fn check(raw: RawToy) -> Result<Self, Invalid> {
        let temperature = raw.temperature.unwrap_or(1.0);
        Ok(ToySettings {
            temperature: positive("model.temperature", temperature)?,
        })
    }

    fn constituent(
        &self,
        context: &Context<'_>,
    ) -> Result<Box<dyn super::Constituent>, ModelError> {
        Ok(Box::new(Toy {
            settings: self.clone(),
            n_classes: context.data.n_classes(),
        }))
    }
}

/// The per-class sums and counts of the points seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Centroids {
    /// One row per class: the sum of its points.
    sums: Array2<f64>,
    /// Points per class.
    counts: Vec<u64>,
}

impl ModelState for Centroids {
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![255u8];
        let sums = self.sums.iter().map(|v| v.to_bits());
        sums.chain(self.counts.iter().copied())
            .for_each(|v| bytes.extend(v.to_le_bytes()));
        bytes
    }

    fn byte_size(&self) -> usize {
        (self.sums.len() + self.counts.len()) * 8
    }
}

/// A nearest-centroid classifier over a dataset's classes.
pub struct Toy {
    settings: ToySettings,
    n_classes: usize,
}

impl Model for Toy {
    type State = Centroids;

    fn progression(&self) -> Progression {
        Progression::Accumulating
    }

    fn budget(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> Fingerprint {
        self.settings.fingerprint()
    }

    fn fit(&self, step: FitStep<'_, Centroids>) -> Result<Fitted<Centroids>, ModelError> {
        let rows = step.rows;
        let mut state = step.warm.cloned().unwrap_or_else(|| Centroids {
            sums: Array2::zeros((self.n_classes, rows.data.n_features())),
            counts: vec![0; self.n_classes],
        });
        let new = &rows.ids[step.new_from..];
        for &id in new {
            let class = rows.data.label(id).index();
            state.counts[class] += 1;
            let mut sum = state.sums.row_mut(class);
            sum.zip_mut_with(&rows.data.row(id), |s, &v| *s += f64::from(v));
        }
        Ok(Fitted::new(state, Some(new.len() as f64)))
    }

    fn predict_proba(&self, state: &Centroids, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let present: Vec<ClassId> = (0..self.n_classes as u32)
            .filter(|&c| state.counts[c as usize] > 0)
            .map(ClassId)
            .collect();
        let mut scores = vec![0.0; self.n_classes];
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        for (mut out, &id) in proba.rows_mut().into_iter().zip(rows.ids) {
            for class in &present {
                let count = state.counts[class.index()] as f64;
                let sums = state.sums.row(class.index());
                let distance: f64 = (sums.iter().zip(rows.data.row(id)))
                    .map(|(s, &v)| (s / count - f64::from(v)).powi(2))
                    .sum();
                scores[class.index()] = -distance / self.settings.temperature;
            }
            softmax_into(&scores, &present, out.as_slice_mut().expect("contiguous"));
        }
        Ok(proba)
    }
}
