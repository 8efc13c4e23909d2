//! L2-regularised logistic regression on linfa-logistic (L-BFGS), warm-started across slices with
//! `initial_params`.
//!
//! The objective is linfa's: the *sum* of log-losses plus `alpha / 2 * ||w||^2` (intercepts not
//! penalised), which is scikit-learn's with `C = 1 / alpha`. linfa stops when the gradient norm of
//! that sum falls below its tolerance, so the spec's tolerance (on the mean loss, as in
//! scikit-learn) is scaled by the number of points.

use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{s, Array1, Array2, Axis};

use super::state::{LinearState, ModelState};
use super::{Constituent, Fitted, ModelError, Rows};
use crate::data::ClassId;
use crate::spec::LogisticSettings;

/// Logistic regression over a dataset with a fixed class list.
#[derive(Debug, Clone)]
pub struct Logistic {
    settings: LogisticSettings,
    n_classes: usize,
}

impl Logistic {
    /// A logistic model for `n_classes` classes (binary when 2, multinomial otherwise).
    pub fn new(settings: LogisticSettings, n_classes: usize) -> Self {
        Logistic {
            settings,
            n_classes,
        }
    }

    fn fit_binary(
        &self,
        warm: Option<&LinearState>,
        rows: Rows<'_>,
        labels: Array1<u32>,
        budget: u32,
    ) -> Result<LinearState, ModelError> {
        // linfa scores its "positive" class, the more frequent one (the first seen on a tie); our
        // state always scores class 1, so flip the warm start and the result to and from linfa's.
        let sign = if linfa_positive_class(labels.as_slice().expect("contiguous")) == 1 {
            1.0
        } else {
            -1.0
        };
        let mut params = LogisticRegression::default()
            .alpha(self.settings.alpha)
            .max_iterations(u64::from(budget))
            .gradient_tolerance(self.tolerance(rows.len()));
        if let Some(warm) = warm.filter(|w| w.weights.ncols() == 1) {
            let mut initial = Array1::zeros(warm.weights.nrows() + 1);
            initial
                .slice_mut(s![..-1])
                .assign(&(&warm.weights.column(0) * sign));
            initial[warm.weights.nrows()] = warm.intercepts[0] * sign;
            params = params.initial_params(initial);
        }
        let dataset = Dataset::new(rows.gather_f64(), labels);
        let fitted = params.fit(&dataset).map_err(|e| self.error(e))?;
        let sign = if fitted.labels().pos.class == 1 {
            1.0
        } else {
            -1.0
        };
        Ok(LinearState {
            weights: (fitted.params() * sign).insert_axis(Axis(1)),
            intercepts: Array1::from_elem(1, fitted.intercept() * sign),
            present: vec![ClassId(0), ClassId(1)],
        })
    }

    fn fit_multinomial(
        &self,
        warm: Option<&LinearState>,
        rows: Rows<'_>,
        labels: Array1<u32>,
        present: &[ClassId],
        budget: u32,
    ) -> Result<LinearState, ModelError> {
        let n_features = rows.data.n_features();
        let mut params = MultiLogisticRegression::default()
            .alpha(self.settings.alpha)
            .max_iterations(u64::from(budget))
            .gradient_tolerance(self.tolerance(rows.len()));
        let mut state = match warm.filter(|w| w.weights.ncols() == self.n_classes) {
            Some(warm) => {
                // linfa's parameter matrix: one column per class present, intercepts in the last row.
                let mut initial = Array2::zeros((n_features + 1, present.len()));
                for (column, class) in present.iter().enumerate() {
                    if warm.present.contains(class) {
                        let c = class.index();
                        initial
                            .slice_mut(s![..n_features, column])
                            .assign(&warm.weights.column(c));
                        initial[[n_features, column]] = warm.intercepts[c];
                    }
                }
                params = params.initial_params(initial);
                warm.clone()
            }
            None => LinearState {
                weights: Array2::zeros((n_features, self.n_classes)),
                intercepts: Array1::zeros(self.n_classes),
                present: Vec::new(),
            },
        };
        let dataset = Dataset::new(rows.gather_f64(), labels);
        let fitted = params.fit(&dataset).map_err(|e| self.error(e))?;
        for (column, &class) in fitted.classes().iter().enumerate() {
            let c = class as usize;
            state
                .weights
                .column_mut(c)
                .assign(&fitted.params().column(column));
            state.intercepts[c] = fitted.intercept()[column];
        }
        state.present = present.to_vec();
        Ok(state)
    }

    /// linfa's tolerance applies to the gradient of the summed loss: scale the mean-loss tolerance.
    fn tolerance(&self, n_points: usize) -> f64 {
        self.settings.tolerance * n_points as f64
    }

    fn error(&self, error: linfa_logistic::error::Error) -> ModelError {
        ModelError {
            model: "logistic",
            message: error.to_string(),
        }
    }
}

impl Constituent for Logistic {
    fn fit(
        &self,
        warm: Option<&ModelState>,
        rows: Rows<'_>,
        budget: u32,
        _seed: u64,
    ) -> Result<Fitted, ModelError> {
        let present = rows.classes_present();
        if let [only] = present[..] {
            return Ok(Fitted {
                state: ModelState::SingleClass(only),
                iterations: Some(0),
            });
        }
        let warm = match warm {
            Some(ModelState::Linear(linear)) => Some(linear),
            _ => None,
        };
        let labels: Array1<u32> = rows.labels().iter().map(|c| c.0).collect();
        let state = if self.n_classes == 2 {
            self.fit_binary(warm, rows, labels, budget)?
        } else {
            self.fit_multinomial(warm, rows, labels, &present, budget)?
        };
        Ok(Fitted {
            state: ModelState::Linear(state),
            iterations: None,
        })
    }

    fn predict_proba(&self, state: &ModelState, rows: Rows<'_>) -> Array2<f64> {
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        match state {
            ModelState::SingleClass(class) => proba.column_mut(class.index()).fill(1.0),
            ModelState::Linear(linear) => {
                for (mut out, &id) in proba.rows_mut().into_iter().zip(rows.ids) {
                    let scores =
                        linear_scores(linear, rows.data.row(id).as_slice().expect("contiguous"));
                    if linear.weights.ncols() == 1 {
                        let p1 = 1.0 / (1.0 + (-scores[0]).exp());
                        out[0] = 1.0 - p1;
                        out[1] = p1;
                    } else {
                        softmax_into(
                            &scores,
                            &linear.present,
                            out.as_slice_mut().expect("contiguous"),
                        );
                    }
                }
            }
        }
        proba
    }
}

/// `x . w + b` for every score column.
fn linear_scores(linear: &LinearState, x: &[f32]) -> Vec<f64> {
    let mut scores = linear.intercepts.to_vec();
    for (&value, weights) in x.iter().zip(linear.weights.rows()) {
        if value != 0.0 {
            let value = f64::from(value);
            scores
                .iter_mut()
                .zip(weights)
                .for_each(|(s, w)| *s += value * w);
        }
    }
    scores
}

/// Softmax over the present classes; absent classes get probability 0.
fn softmax_into(scores: &[f64], present: &[ClassId], out: &mut [f64]) {
    let max = present
        .iter()
        .map(|c| scores[c.index()])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for class in present {
        let e = (scores[class.index()] - max).exp();
        out[class.index()] = e;
        total += e;
    }
    for class in present {
        out[class.index()] /= total;
    }
}

/// The class linfa-logistic treats as positive: the more frequent of the two, the first seen on a
/// tie (see `label_classes` in linfa-logistic 0.8).
fn linfa_positive_class(labels: &[u32]) -> u32 {
    let first = labels[0];
    let first_count = labels.iter().filter(|&&l| l == first).count();
    if first_count * 2 < labels.len() {
        1 - first
    } else {
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset as Points, PointId};

    fn points(features: Vec<f32>, labels: Vec<u32>, n_classes: usize) -> Points {
        let n = labels.len();
        Points {
            name: "t".into(),
            features: Array2::from_shape_vec((n, features.len() / n), features).unwrap(),
            labels: labels.into_iter().map(ClassId).collect(),
            classes: (0..n_classes).map(|c| c.to_string()).collect(),
        }
    }

    fn settings() -> LogisticSettings {
        LogisticSettings {
            alpha: 0.1,
            max_iterations: 50,
            tolerance: 1e-6,
        }
    }

    #[test]
    fn binary_model_separates_and_scores_class_one() {
        // Class 1 is the rarer one, so linfa's positive class is 0 and the sign flip is exercised.
        let data = points(
            vec![-2.0, -1.5, -1.0, -0.5, 1.0, 2.0],
            vec![0, 0, 0, 0, 1, 1],
            2,
        );
        let ids = data.ids();
        let model = Logistic::new(settings(), 2);
        let fitted = model.fit(None, Rows::new(&data, &ids), 50, 0).unwrap();
        let proba = model.predict_proba(&fitted.state, Rows::new(&data, &ids));
        assert!(proba[[0, 0]] > 0.5 && proba[[5, 1]] > 0.5, "{proba}");
        // A warm start from the optimum stays there.
        let again = model
            .fit(Some(&fitted.state), Rows::new(&data, &ids), 50, 0)
            .unwrap();
        let (ModelState::Linear(a), ModelState::Linear(b)) = (&fitted.state, &again.state) else {
            panic!("linear states expected")
        };
        assert!((a.weights[[0, 0]] - b.weights[[0, 0]]).abs() < 1e-3);
    }

    #[test]
    fn multinomial_model_maps_present_classes_onto_the_global_list() {
        // Three classes in the dataset, only 0 and 2 in the training rows.
        let data = points(
            vec![-2.0, -1.0, 0.0, 1.0, 2.0, 3.0],
            vec![0, 0, 1, 1, 2, 2],
            3,
        );
        let train = [PointId(0), PointId(1), PointId(4), PointId(5)];
        let model = Logistic::new(settings(), 3);
        let fitted = model.fit(None, Rows::new(&data, &train), 50, 0).unwrap();
        let proba = model.predict_proba(&fitted.state, Rows::new(&data, &data.ids()));
        assert!(proba.column(1).iter().all(|&p| p == 0.0), "{proba}");
        assert!(proba[[0, 0]] > 0.5 && proba[[5, 2]] > 0.5, "{proba}");
        for row in proba.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn one_class_gives_a_single_class_state() {
        let data = points(vec![0.0, 1.0, 2.0], vec![1, 1, 0], 2);
        let train = [PointId(0), PointId(1)];
        let fitted = Logistic::new(settings(), 2)
            .fit(None, Rows::new(&data, &train), 5, 0)
            .unwrap();
        assert_eq!(fitted.state, ModelState::SingleClass(ClassId(1)));
    }
}
