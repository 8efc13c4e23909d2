//! `kind: toy`, a nearest-centroid classifier that exists only in tests: the smallest complete
//! model kind, registered with one line in `src/model/mod.rs`, which the engine's and the trial
//! executor's tests run end to end. A new kind is a file like this one.
//!
//! Its state is each class's sum of points and count, to which every slice step adds its own
//! slice (so it accumulates, like naive Bayes); it predicts a softmax over minus the squared
//! distances to the class means, divided by `temperature`. It supports one unlearning method
//! beside SISA's, `subtract`: the forgotten points are taken out of the sums and counts.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::kernels::softmax_into;
use super::{Context, Fingerprint, FitStep, Fitted, ForgetStep, Model, ModelError, ModelKind};
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

    fn supports(&self, method: &str) -> bool {
        method == SUBTRACT
    }
}

/// The toy's unlearning method.
const SUBTRACT: &str = "subtract";

/// The per-class sums and counts of the points seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Centroids {
    /// One row per class: the sum of its points.
    sums: Array2<f64>,
    /// Points per class.
    counts: Vec<f64>,
}

impl ModelState for Centroids {
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![255u8];
        let values = self.sums.iter().chain(&self.counts);
        values.for_each(|v| bytes.extend(v.to_bits().to_le_bytes()));
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
            counts: vec![0.0; self.n_classes],
        });
        let new = &rows.ids[step.new_from..];
        state.add(Rows::new(rows.data, new), 1.0);
        Ok(Fitted::new(state, Some(new.len() as f64)))
    }

    fn predict_proba(&self, state: &Centroids, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let present: Vec<ClassId> = (0..self.n_classes as u32)
            .filter(|&c| state.counts[c as usize] > 0.0)
            .map(ClassId)
            .collect();
        let mut scores = vec![0.0; self.n_classes];
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        for (mut out, &id) in proba.rows_mut().into_iter().zip(rows.ids) {
            for class in &present {
                let count = state.counts[class.index()];
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

    fn unlearn(
        &self,
        method: &str,
        step: ForgetStep<'_, Centroids>,
    ) -> Result<Fitted<Centroids>, ModelError> {
        if method != SUBTRACT {
            return Err(ModelError::unsupported(method));
        }
        let mut state = step.state.clone();
        state.add(step.forget, -1.0);
        Ok(Fitted::new(state, Some(step.forget.len() as f64)))
    }
}

impl Centroids {
    /// Adds `rows` to the sums and counts of their classes (`sign` 1), or takes them out (-1).
    fn add(&mut self, rows: Rows<'_>, sign: f64) {
        for &id in rows.ids {
            let class = rows.data.label(id).index();
            self.counts[class] += sign;
            let mut sum = self.sums.row_mut(class);
            sum.zip_mut_with(&rows.data.row(id), |s, &v| *s += sign * f64::from(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{synthetic, PointId};
    use crate::model::tests::settings_of;
    use crate::model::{build_in, Budget, ModelSettings};

    fn settings(kind: &str) -> ModelSettings {
        settings_of(&format!("{{kind: {kind}}}"))
    }

    /// The seam of unlearning methods beside SISA's, through the engine's view of a kind: the
    /// toy's `subtract` gives the model trained without the forgotten points; a kind that
    /// supports no method refuses it.
    #[test]
    fn an_unlearning_method_acts_on_a_trained_state() {
        let data = synthetic::test_blobs(120, 2, 3, 2.0, 5);
        let ids = data.ids();
        let (forget, retain): (Vec<PointId>, Vec<PointId>) =
            ids.iter().partition(|id| id.0 % 7 == 0);
        let budget = Budget::whole(1);
        let fit = |kind: &str, ids: &[PointId]| {
            let model = build_in(&settings(kind), &data, None, "test").unwrap();
            let fitted = model.fit(crate::model::FitStep::fresh(
                Rows::new(&data, ids),
                budget,
                1,
            ));
            (model, fitted.unwrap())
        };
        let (toy, all) = fit("toy", &ids);
        let step = ForgetStep {
            state: &*all.state,
            forget: Rows::new(&data, &forget),
            retain: Rows::new(&data, &retain),
            budget,
            seed: 1,
        };
        assert!(settings("toy").supports(SUBTRACT));
        let unlearned = toy.unlearn(SUBTRACT, step).unwrap();
        assert_eq!(unlearned.sample_passes, Some(forget.len() as f64));
        let (_, retrained) = fit("toy", &retain);
        let predict =
            |state: &dyn ModelState| toy.predict_proba(state, Rows::new(&data, &ids)).unwrap();
        let (after, expected) = (predict(&*unlearned.state), predict(&*retrained.state));
        assert!(after
            .iter()
            .zip(&expected)
            .all(|(a, b)| (a - b).abs() < 1e-9));
        assert!(
            predict(&*all.state) != expected,
            "forgetting changed the model"
        );
        assert!(toy.unlearn("ascend", step).is_err());

        assert!(!settings("naive-bayes").supports(SUBTRACT));
        let (bayes, trained) = fit("naive-bayes", &ids);
        let error = bayes
            .unlearn(
                SUBTRACT,
                ForgetStep {
                    state: &*trained.state,
                    ..step
                },
            )
            .unwrap_err();
        assert!(
            error
                .message
                .contains("does not support the method `subtract`"),
            "{error}"
        );
    }
}
