//! Gaussian naive Bayes on linfa-bayes. Its state is per-class counts, means and variances, which
//! `fit_with` updates with new points, so each slice step adds only its own slice: slicing costs
//! nothing extra here, and unlearning from slice r re-adds slices r..R.

use linfa::prelude::*;
use linfa_bayes::{GaussianNb, NaiveBayes as _};
use ndarray::{Array1, Array2};

use super::kernels::softmax_into;
use super::state::ModelState;
use super::{Constituent, Fingerprint, FitStep, Fitted, ModelError, Progression, Rows};
use crate::data::ClassId;
use crate::spec::NaiveBayesSettings;

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

impl Constituent for NaiveBayes {
    fn progression(&self) -> Progression {
        Progression::Accumulating
    }

    fn budget(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of("naive-bayes", &self.settings)
    }

    fn fit(&self, step: FitStep<'_>) -> Result<Fitted, ModelError> {
        let FitStep {
            warm,
            rows,
            new_from,
            ..
        } = step;
        let warm = match warm {
            Some(ModelState::Bayes(model)) => Some((**model).clone()),
            _ => None,
        };
        let new = Rows::new(rows.data, &rows.ids[new_from..]);
        if new.is_empty() {
            if let Some(model) = warm {
                return Ok(Fitted::new(ModelState::Bayes(Box::new(model)), Some(0.0)));
            }
        }
        let labels: Array1<usize> = new.labels().iter().map(|c| c.index()).collect();
        let dataset = Dataset::new(new.gather_f64(), labels);
        let model = GaussianNb::params()
            .var_smoothing(self.settings.var_smoothing)
            .fit_with(warm, &dataset)
            .map_err(|error| ModelError {
                model: "naive-bayes",
                message: error.to_string(),
            })?;
        Ok(Fitted::new(
            ModelState::Bayes(Box::new(model)),
            Some(new.len() as f64),
        ))
    }

    fn predict_proba(&self, state: &ModelState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let ModelState::Bayes(model) = state else {
            return Ok(super::single_class_proba(state, rows.len(), self.n_classes));
        };
        let features = rows.gather_f64();
        let likelihood = model.joint_log_likelihood(features.view());
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
