//! Gaussian naive Bayes on linfa-bayes. Its state is per-class counts, means and variances, which
//! `fit_with` updates with new points, so each slice step adds only its own slice: slicing costs
//! nothing extra here, and unlearning from slice r re-adds slices r..R.

use linfa::prelude::*;
use linfa_bayes::{GaussianNb, NaiveBayes as _};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::kernels::softmax_into;
use super::state::ModelState;
use super::{Context, Fingerprint, FitStep, Fitted, Model, ModelError, ModelKind};
use super::{Progression, Rows};
use crate::data::ClassId;
use crate::spec::check::non_negative;
use crate::spec::Invalid;

/// Options of `kind: naive-bayes`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNaiveBayes {
    /// Variance smoothing.
    pub var_smoothing: Option<f64>,
}

/// Hyperparameters of Gaussian naive Bayes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NaiveBayesSettings {
    /// Fraction of the largest feature variance added to every variance; default 1e-9.
    pub var_smoothing: f64,
}

impl ModelKind for NaiveBayesSettings {
    const NAME: &'static str = "naive-bayes";
    type Raw = RawNaiveBayes;

    fn check(raw: RawNaiveBayes) -> Result<Self, Invalid> {
        let smoothing = raw.var_smoothing.unwrap_or(1e-9);
        Ok(NaiveBayesSettings {
            var_smoothing: non_negative("model.var_smoothing", smoothing)?,
        })
    }

    fn constituent(
        &self,
        context: &Context<'_>,
    ) -> Result<Box<dyn super::Constituent>, ModelError> {
        Ok(Box::new(NaiveBayes::new(
            self.clone(),
            context.data.n_classes(),
        )))
    }
}

/// Gaussian naive Bayes's state (linfa-bayes), over class indices: per-class counts, means and
/// variances.
#[derive(Debug, Clone, PartialEq)]
pub struct BayesState(pub GaussianNb<f64, usize>);

impl ModelState for BayesState {
    /// linfa-bayes keeps its parameters private: their canonical serialisation (JSON objects
    /// with sorted keys, floats written so they read back exactly), behind a tag byte.
    fn to_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(&self.0).expect("models serialise");
        let mut bytes = vec![3u8];
        bytes.extend(serde_json::to_vec(&value).expect("values serialise"));
        bytes
    }

    /// The size of that serialisation.
    fn byte_size(&self) -> usize {
        self.to_bytes().len()
    }
}

/// Gaussian naive Bayes over a dataset with a fixed class list.
#[derive(Debug, Clone)]
pub struct NaiveBayes {
    settings: NaiveBayesSettings,
    n_classes: usize,
}

impl NaiveBayes {
    /// A model for `n_classes` classes.
    pub fn new(settings: NaiveBayesSettings, n_classes: usize) -> Self {
        NaiveBayes {
            settings,
            n_classes,
        }
    }
}

impl Model for NaiveBayes {
    type State = BayesState;

    fn progression(&self) -> Progression {
        Progression::Accumulating
    }

    fn budget(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> Fingerprint {
        self.settings.fingerprint()
    }

    fn fit(&self, step: FitStep<'_, BayesState>) -> Result<Fitted<BayesState>, ModelError> {
        let FitStep {
            warm,
            rows,
            new_from,
            ..
        } = step;
        let warm = warm.map(|state| state.0.clone());
        let new = Rows::new(rows.data, &rows.ids[new_from..]);
        if new.is_empty() {
            if let Some(model) = warm {
                return Ok(Fitted::new(BayesState(model), Some(0.0)));
            }
        }
        let labels: Array1<usize> = new.labels().iter().map(|c| c.index()).collect();
        let dataset = Dataset::new(new.gather_f64(), labels);
        let model = GaussianNb::params()
            .var_smoothing(self.settings.var_smoothing)
            .fit_with(warm, &dataset)
            .map_err(|error| ModelError {
                model: NaiveBayesSettings::NAME,
                message: error.to_string(),
            })?;
        Ok(Fitted::new(BayesState(model), Some(new.len() as f64)))
    }

    fn predict_proba(&self, state: &BayesState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let features = rows.gather_f64();
        let likelihood = state.0.joint_log_likelihood(features.view());
        let mut classes: Vec<(&usize, Array1<f64>)> = likelihood.into_iter().collect();
        classes.sort_by_key(|(class, _)| **class);
        let present: Vec<ClassId> = classes.iter().map(|(c, _)| ClassId(**c as u32)).collect();
        let mut scores = vec![0.0; self.n_classes];
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        for (point, mut out) in proba.rows_mut().into_iter().enumerate() {
            for (class, log) in &classes {
                scores[**class] = log[point];
            }
            softmax_into(&scores, &present, out.as_slice_mut().expect("contiguous"));
        }
        Ok(proba)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;
    use crate::model::Budget;

    #[test]
    fn adding_slices_equals_fitting_them_in_the_same_steps_and_classifies() {
        let data = synthetic::test_blobs(300, 3, 3, 2.0, 1);
        let ids = data.ids();
        let model = NaiveBayes::new(
            NaiveBayesSettings {
                var_smoothing: 1e-9,
            },
            3,
        );
        let first = model
            .fit(FitStep::fresh(
                Rows::new(&data, &ids[..150]),
                Budget::whole(1),
                0,
            ))
            .unwrap();
        let add_second_slice = || {
            model
                .fit(FitStep {
                    warm: Some(&first.state),
                    rows: Rows::new(&data, &ids),
                    new_from: 150,
                    budget: Budget::whole(1),
                    seed: 0,
                })
                .unwrap()
        };
        let second = add_second_slice();
        assert_eq!(
            second.sample_passes,
            Some(150.0),
            "only the new slice is read"
        );
        let again = add_second_slice();
        assert_eq!(second.state.to_bytes(), again.state.to_bytes());
        let proba = model
            .predict_proba(&second.state, Rows::new(&data, &ids))
            .unwrap();
        let correct = ids
            .iter()
            .enumerate()
            .filter(|(i, &id)| crate::sisa::aggregate::argmax(proba.row(*i)) == data.label(id))
            .count();
        assert!(correct as f64 / 300.0 > 0.9, "{correct}");
        assert!(proba
            .rows()
            .into_iter()
            .all(|r| (r.sum() - 1.0).abs() < 1e-9));
    }
}
