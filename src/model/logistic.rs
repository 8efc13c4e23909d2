//! L2-regularised logistic regression, binary or multinomial, warm-started across slices.
//!
//! The objective is scikit-learn's and linfa's: the *sum* of log-losses plus `alpha / 2 * ||W||^2`
//! (intercepts not penalised; scikit-learn's `C = 1 / alpha`). Two optimisers fit it:
//! - `lbfgs` (default): [`super::lbfgs`] over the shared f32 features, each evaluation one fused
//!   pass (scores of a row, then its gradient contribution while the row is in cache), stopping as
//!   scikit-learn does (largest gradient component of the *mean* loss below `tolerance`);
//! - `linfa`: linfa-logistic on a gathered f64 copy, warm-started through `initial_params`. Its
//!   tolerance applies to the gradient norm of the summed loss, so `tolerance` is scaled by the
//!   number of points; it does not report its iterations.
//!
//! Binary problems have one score column (class 1 against class 0); multinomial problems one
//! column per class present in the training rows, softmax over them.

use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use std::ops::Range;

use super::kernels::{
    add_transposed_product, axpy, dot, exp_in_place, has_avx2, rows_times_matrix, softmax_into,
};
use super::lbfgs::{self, Objective, Stopping};
use super::state::{one_hot, ModelState, Trained};
use super::{Context, Fingerprint, FitStep, Fitted, Model, ModelError, ModelKind};
use super::{Progression, Rows};
use crate::data::{ClassId, SparseIndex};
use crate::spec::check::{at_least, non_negative, positive};
use crate::spec::Invalid;

/// Options of `kind: logistic`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLogistic {
    /// L2 strength.
    pub alpha: Option<f64>,
    /// Unsliced L-BFGS iteration budget.
    pub max_iterations: Option<u32>,
    /// Gradient tolerance on the mean loss.
    pub tolerance: Option<f64>,
    /// Optimiser.
    pub solver: Option<LogisticSolver>,
}

/// Hyperparameters of logistic regression.
///
/// The objective is the sum of log-losses plus `alpha / 2 * ||w||^2` (scikit-learn's `C = 1 / alpha`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticSettings {
    /// L2 regularisation strength; default 1.0, at least 0.
    pub alpha: f64,
    /// Unsliced budget of L-BFGS iterations; default 100, at least 1.
    pub max_iterations: u32,
    /// Stopping tolerance on the gradient of the *mean* loss (scikit-learn's `tol`); default 1e-4.
    pub tolerance: f64,
    /// Which optimiser fits it; default `lbfgs`.
    pub solver: LogisticSolver,
}

/// The optimiser behind `kind: logistic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LogisticSolver {
    /// sisa's own L-BFGS over the shared f32 features, one fused pass per evaluation.
    Lbfgs,
    /// linfa-logistic's L-BFGS (argmin) on a gathered f64 copy; does not report its iterations.
    Linfa,
}

impl ModelKind for LogisticSettings {
    const NAME: &'static str = "logistic";
    type Raw = RawLogistic;

    fn check(raw: RawLogistic) -> Result<Self, Invalid> {
        Ok(LogisticSettings {
            alpha: non_negative("model.alpha", raw.alpha.unwrap_or(1.0))?,
            max_iterations: at_least("model.max_iterations", raw.max_iterations.unwrap_or(100), 1)?,
            tolerance: positive("model.tolerance", raw.tolerance.unwrap_or(1e-4))?,
            solver: raw.solver.unwrap_or(LogisticSolver::Lbfgs),
        })
    }

    fn constituent(
        &self,
        context: &Context<'_>,
    ) -> Result<Box<dyn super::Constituent>, ModelError> {
        Ok(Box::new(Logistic::new(
            self.clone(),
            context.data.n_classes(),
        )))
    }
}

/// A logistic model's state: a single class, or its weights.
pub type LogisticState = Trained<LinearState>;

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

impl ModelState for LinearState {
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![1u8];
        let (rows, cols) = self.weights.dim();
        bytes.extend((rows as u64).to_le_bytes());
        bytes.extend((cols as u64).to_le_bytes());
        let values = self.weights.iter().chain(self.intercepts.iter());
        values.for_each(|v| bytes.extend(v.to_bits().to_le_bytes()));
        let present = self.present.iter();
        present.for_each(|c| bytes.extend(c.0.to_le_bytes()));
        bytes
    }

    fn byte_size(&self) -> usize {
        (self.weights.len() + self.intercepts.len()) * std::mem::size_of::<f64>()
            + self.present.len() * std::mem::size_of::<ClassId>()
    }
}

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

    /// Score columns: one for a binary dataset, else one per class present.
    fn columns(&self, present: &[ClassId]) -> Vec<ClassId> {
        if self.n_classes == 2 {
            vec![ClassId(1)]
        } else {
            present.to_vec()
        }
    }

    /// The warm start as a parameter vector `[W row-major (features x columns), b]` over `columns`;
    /// classes the warm model did not know start at zero.
    fn initial(
        &self,
        warm: Option<&LinearState>,
        n_features: usize,
        columns: &[ClassId],
    ) -> Vec<f64> {
        let k = columns.len();
        let mut x = vec![0.0; (n_features + 1) * k];
        let Some(warm) = warm else { return x };
        for (c, class) in columns.iter().enumerate() {
            let Some(source) = warm_column(warm, *class, self.n_classes) else {
                continue;
            };
            for j in 0..n_features {
                x[j * k + c] = warm.weights[[j, source]];
            }
            x[n_features * k + c] = warm.intercepts[source];
        }
        x
    }

    /// The state of parameters `x` over `columns`, keeping the warm state's other classes.
    fn state(
        &self,
        x: &[f64],
        n_features: usize,
        columns: &[ClassId],
        present: &[ClassId],
        warm: Option<&LinearState>,
    ) -> LinearState {
        let k = columns.len();
        let width = if self.n_classes == 2 {
            1
        } else {
            self.n_classes
        };
        let mut state = match warm.filter(|w| w.weights.ncols() == width) {
            Some(warm) => warm.clone(),
            None => LinearState {
                weights: Array2::zeros((n_features, width)),
                intercepts: Array1::zeros(width),
                present: Vec::new(),
            },
        };
        for (c, class) in columns.iter().enumerate() {
            let target = if width == 1 { 0 } else { class.index() };
            for j in 0..n_features {
                state.weights[[j, target]] = x[j * k + c];
            }
            state.intercepts[target] = x[n_features * k + c];
        }
        state.present = if width == 1 {
            vec![ClassId(0), ClassId(1)]
        } else {
            present.to_vec()
        };
        state
    }

    fn fit_lbfgs(
        &self,
        warm: Option<&LinearState>,
        rows: Rows<'_>,
        present: &[ClassId],
        budget: u32,
    ) -> (LinearState, lbfgs::Outcome) {
        let n_features = rows.data.n_features();
        let columns = self.columns(present);
        let mut objective = LogLoss::new(rows, &columns, self.settings.alpha);
        let stopping = Stopping {
            max_iterations: budget,
            gradient_tolerance: self.settings.tolerance * rows.len() as f64,
        };
        let x0 = self.initial(warm, n_features, &columns);
        let outcome = lbfgs::minimize(&mut objective, x0, stopping);
        let state = self.state(&outcome.x, n_features, &columns, present, warm);
        (state, outcome)
    }

    fn fit_linfa(
        &self,
        warm: Option<&LinearState>,
        rows: Rows<'_>,
        present: &[ClassId],
        budget: u32,
    ) -> Result<LinearState, ModelError> {
        let n_features = rows.data.n_features();
        let columns = self.columns(present);
        let labels: Array1<u32> = rows.labels().iter().map(|c| c.0).collect();
        let tolerance = self.settings.tolerance * rows.len() as f64;
        let initial = self.initial(warm, n_features, &columns);
        let dataset = Dataset::new(rows.gather_f64(), labels.clone());
        let error = |e: linfa_logistic::error::Error| ModelError {
            model: "logistic",
            message: e.to_string(),
        };
        if self.n_classes == 2 {
            // linfa scores its "positive" class: the more frequent one (the first seen on a tie).
            let sign = if linfa_positive_class(labels.as_slice().expect("contiguous")) == 1 {
                1.0
            } else {
                -1.0
            };
            let mut params = LogisticRegression::default()
                .alpha(self.settings.alpha)
                .max_iterations(u64::from(budget))
                .gradient_tolerance(tolerance);
            if warm.is_some() {
                params = params.initial_params(initial.iter().map(|v| v * sign).collect());
            }
            let fitted = params.fit(&dataset).map_err(error)?;
            let sign = if fitted.labels().pos.class == 1 {
                1.0
            } else {
                -1.0
            };
            let mut x: Vec<f64> = fitted.params().iter().map(|w| w * sign).collect();
            x.push(fitted.intercept() * sign);
            return Ok(self.state(&x, n_features, &columns, present, warm));
        }
        let mut params = MultiLogisticRegression::default()
            .alpha(self.settings.alpha)
            .max_iterations(u64::from(budget))
            .gradient_tolerance(tolerance);
        if warm.is_some() {
            // linfa's layout: (features + 1) x classes, intercepts in the last row.
            let matrix = Array2::from_shape_vec((n_features + 1, columns.len()), initial)
                .expect("shape matches");
            params = params.initial_params(matrix);
        }
        let fitted = params.fit(&dataset).map_err(error)?;
        let mut full = fitted.params().to_owned();
        full.push(Axis(0), fitted.intercept().view())
            .expect("one intercept per class");
        let x: Vec<f64> = full.iter().copied().collect();
        Ok(self.state(&x, n_features, &columns, present, warm))
    }
}

/// The column of `warm` holding `class`, if the warm model was trained on it.
fn warm_column(warm: &LinearState, class: ClassId, n_classes: usize) -> Option<usize> {
    if n_classes == 2 {
        (warm.weights.ncols() == 1).then_some(0)
    } else {
        (warm.weights.ncols() == n_classes && warm.present.contains(&class))
            .then_some(class.index())
    }
}

impl Model for Logistic {
    type State = LogisticState;

    fn progression(&self) -> Progression {
        Progression::Iterative
    }

    fn budget(&self) -> u32 {
        self.settings.max_iterations
    }

    fn fingerprint(&self) -> Fingerprint {
        self.settings.fingerprint()
    }

    fn fit(&self, step: FitStep<'_, LogisticState>) -> Result<Fitted<LogisticState>, ModelError> {
        let FitStep {
            warm, rows, budget, ..
        } = step;
        let present = rows.classes_present();
        if let [only] = present[..] {
            return Ok(Fitted::new(Trained::OneClass(only), Some(0.0)));
        }
        let warm = warm.and_then(Trained::parameters);
        match self.settings.solver {
            LogisticSolver::Lbfgs => {
                let (state, outcome) = self.fit_lbfgs(warm, rows, &present, budget.iterations);
                let passes = f64::from(outcome.evaluations) * rows.len() as f64;
                let mut fitted = Fitted::new(Trained::Parameters(state), Some(passes));
                fitted.at_limit = outcome.at_limit;
                Ok(fitted)
            }
            LogisticSolver::Linfa => {
                let state = self.fit_linfa(warm, rows, &present, budget.iterations)?;
                Ok(Fitted::new(Trained::Parameters(state), None))
            }
        }
    }

    fn predict_proba(
        &self,
        state: &LogisticState,
        rows: Rows<'_>,
    ) -> Result<Array2<f64>, ModelError> {
        let linear = match state {
            Trained::OneClass(class) => return Ok(one_hot(*class, rows.len(), self.n_classes)),
            Trained::Parameters(linear) => linear,
        };
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        let sparse = rows.data.sparse();
        let mut scores = vec![0.0; linear.intercepts.len()];
        for (mut out, &id) in proba.rows_mut().into_iter().zip(rows.ids) {
            match sparse {
                Some(index) => linear_scores(linear, index.row(id).iter().copied(), &mut scores),
                None => {
                    let row = rows.data.row(id);
                    let row = row.as_slice().expect("contiguous");
                    let non_zero = row.iter().enumerate().map(|(j, &v)| (j as u32, v));
                    linear_scores(linear, non_zero.filter(|&(_, v)| v != 0.0), &mut scores)
                }
            }
            if linear.weights.ncols() == 1 {
                let p1 = sigmoid(scores[0]);
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
        Ok(proba)
    }
}

/// The summed log-loss of a linear model over training rows, plus `alpha / 2 * ||W||^2`.
///
/// Parameters are `[W row-major (features x columns), b (columns)]`. One evaluation streams the
/// rows in blocks of [`BLOCK_ROWS`]: their scores, a softmax over the whole block (its
/// exponentials vectorised), then their gradient contributions while the block is in cache.
/// Mostly-zero data (purchase records) is read as each row's non-zero entries, from the dataset's
/// index. Scores and the gradient of a block are computed in f32 (the features are f32) and
/// summed in f64. Compiled twice, for baseline x86-64 and for AVX2; both give the same bits.
struct LogLoss<'a> {
    features: Features<'a>,
    /// Per row, the score column of its class (multinomial) or whether it is class 1 (binary).
    targets: Vec<usize>,
    columns: usize,
    /// Columns padded to a whole number of vectors (eight f32), so that a row of scores or of
    /// weights is whole vectors; padding columns have zero weight and zero residual.
    width: usize,
    alpha: f64,
    avx2: bool,
    /// W in f32, a row of `width` per feature.
    weights: Vec<f32>,
    block_gradient: Vec<f32>,
    /// Per row of the block, `width` values: the scores, then d loss / d score.
    block_scores: Vec<f32>,
    /// Per row of the block and column: the score less the row's largest, then its exponential.
    block_exp: Vec<f64>,
    /// Per row of the block: its largest score less its target's.
    block_loss_at_max: Vec<f64>,
}

/// Rows whose f32 gradient contributions are summed before moving into the f64 gradient.
const BLOCK_ROWS: usize = 128;

/// The training rows as the objective reads them: dense, or as the non-zero entries of the
/// dataset's index when it is mostly zeros.
struct Features<'a> {
    rows: Rows<'a>,
    sparse: Option<&'a SparseIndex>,
    /// The dense rows of the current block, one after another, when several score columns are
    /// summed in tiles ([`rows_times_matrix`]); empty otherwise.
    block_rows: Vec<f32>,
}

impl Features<'_> {
    /// Scores (without intercepts) of the rows `block` into `scores`, a row of `width` each.
    #[inline(always)]
    fn block_scores(&mut self, block: Range<usize>, weights: &[f32], scores: &mut [f32]) {
        let width = scores.len() / block.len();
        if self.block_rows.is_empty() {
            for (position, row_scores) in block.zip(scores.chunks_exact_mut(width)) {
                self.scores(position, weights, row_scores);
            }
            return;
        }
        let n_features = self.rows.data.n_features();
        let gathered = block
            .clone()
            .zip(self.block_rows.chunks_exact_mut(n_features));
        for (position, out) in gathered {
            let row = self.rows.data.row(self.rows.ids[position]);
            out.copy_from_slice(row.as_slice().expect("rows are contiguous"));
        }
        let x = &self.block_rows[..block.len() * n_features];
        rows_times_matrix(x, n_features, weights, scores);
    }

    /// Adds the gradient contributions of the rows `block` (last given to
    /// [`Features::block_scores`]), given their residuals, a row of `width` each.
    #[inline(always)]
    fn add_block_gradient(&self, block: Range<usize>, residuals: &[f32], gradient: &mut [f32]) {
        let width = residuals.len() / block.len();
        if self.block_rows.is_empty() {
            for (position, residuals) in block.zip(residuals.chunks_exact(width)) {
                self.add_gradient(position, residuals, gradient);
            }
            return;
        }
        let n_features = self.rows.data.n_features();
        let x = &self.block_rows[..block.len() * n_features];
        add_transposed_product(x, n_features, residuals, gradient);
    }

    /// The scores (without intercepts) of row `position` into `scores`, one per column: from the
    /// sparse index, or the one score of a dense row (several columns of dense rows are summed
    /// in tiles by [`Features::block_scores`]).
    #[inline(always)]
    fn scores(&self, position: usize, weights: &[f32], scores: &mut [f32]) {
        let k = scores.len();
        let id = self.rows.ids[position];
        match self.sparse {
            Some(sparse) if k == 1 => {
                scores[0] = sparse
                    .row(id)
                    .iter()
                    .map(|&(j, v)| v * weights[j as usize])
                    .sum();
            }
            Some(sparse) => {
                scores.iter_mut().for_each(|s| *s = 0.0);
                for &(j, v) in sparse.row(id) {
                    let j = j as usize;
                    axpy(v, &weights[j * k..(j + 1) * k], scores);
                }
            }
            None => {
                let row = self.rows.data.row(id);
                scores[0] = dot(row.as_slice().expect("rows are contiguous"), weights);
            }
        }
    }

    /// Adds row `position`'s gradient contribution, given its residuals (d loss / d score), as
    /// [`Features::scores`] reads the row.
    #[inline(always)]
    fn add_gradient(&self, position: usize, residuals: &[f32], gradient: &mut [f32]) {
        let k = residuals.len();
        let id = self.rows.ids[position];
        match self.sparse {
            Some(sparse) => {
                for &(j, v) in sparse.row(id) {
                    let j = j as usize;
                    axpy(v, residuals, &mut gradient[j * k..(j + 1) * k]);
                }
            }
            None => {
                let row = self.rows.data.row(id);
                axpy(
                    residuals[0],
                    row.as_slice().expect("rows are contiguous"),
                    gradient,
                );
            }
        }
    }
}

impl<'a> LogLoss<'a> {
    fn new(rows: Rows<'a>, columns: &[ClassId], alpha: f64) -> Self {
        let n_features = rows.data.n_features();
        let k = columns.len();
        let width = if k == 1 { 1 } else { k.next_multiple_of(8) };
        let sparse = rows.data.sparse();
        let targets = rows
            .ids
            .iter()
            .map(|&id| {
                let label = rows.data.label(id);
                if k == 1 {
                    usize::from(label == columns[0])
                } else {
                    columns
                        .iter()
                        .position(|&c| c == label)
                        .expect("columns cover present classes")
                }
            })
            .collect();
        LogLoss {
            features: Features {
                rows,
                sparse,
                block_rows: if k > 1 && sparse.is_none() {
                    vec![0.0; BLOCK_ROWS * n_features]
                } else {
                    Vec::new()
                },
            },
            targets,
            columns: k,
            width,
            alpha,
            avx2: has_avx2(),
            weights: vec![0.0; n_features * width],
            block_gradient: vec![0.0; n_features * width],
            block_scores: vec![0.0; BLOCK_ROWS * width],
            block_exp: vec![0.0; BLOCK_ROWS * k],
            block_loss_at_max: vec![0.0; BLOCK_ROWS],
        }
    }

    /// [`Objective::evaluate`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn evaluate_avx2(&mut self, x: &[f64], gradient: &mut [f64]) -> f64 {
        self.evaluate_inline(x, gradient)
    }

    /// [`Objective::evaluate`], inlined into the code for each instruction set with all it calls.
    #[inline(always)]
    fn evaluate_inline(&mut self, x: &[f64], gradient: &mut [f64]) -> f64 {
        let (n, k, width) = (self.features.rows.len(), self.columns, self.width);
        let n_weights = self.features.rows.data.n_features() * k;
        let (weights, intercepts) = x.split_at(n_weights);
        for (padded, row) in self
            .weights
            .chunks_exact_mut(width)
            .zip(weights.chunks_exact(k))
        {
            padded.iter_mut().zip(row).for_each(|(w, &v)| *w = v as f32);
        }
        gradient.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        for start in (0..n).step_by(BLOCK_ROWS) {
            let block = start..n.min(start + BLOCK_ROWS);
            let scores = &mut self.block_scores[..block.len() * width];
            self.features
                .block_scores(block.clone(), &self.weights, scores);
            let (targets, intercept_gradient) =
                (&self.targets[block.clone()], &mut gradient[n_weights..]);
            let residuals = Residuals {
                scores,
                width,
                targets,
                intercepts,
                intercept_gradient,
                loss: &mut loss,
            };
            if k == 1 {
                residuals.binary();
            } else {
                let exp = &mut self.block_exp[..block.len() * k];
                residuals.softmax(exp, &mut self.block_loss_at_max[..block.len()]);
            }
            self.features
                .add_block_gradient(block, scores, &mut self.block_gradient);
            let padded = self.block_gradient.chunks_exact_mut(width);
            for (g, b) in gradient[..n_weights].chunks_exact_mut(k).zip(padded) {
                g.iter_mut().zip(&*b).for_each(|(g, &b)| *g += f64::from(b));
                b.fill(0.0);
            }
        }
        let mut penalty = 0.0;
        for (g, &w) in gradient[..n_weights].iter_mut().zip(weights) {
            *g += self.alpha * w;
            penalty += w * w;
        }
        loss + 0.5 * self.alpha * penalty
    }
}

/// A block of rows on its way from scores to residuals (d loss / d score), which replace the
/// scores; each row's loss is added to `loss` and each residual to its intercept's gradient, row
/// after row.
struct Residuals<'b> {
    /// Per row, one score per column, then padding to the width.
    scores: &'b mut [f32],
    width: usize,
    targets: &'b [usize],
    intercepts: &'b [f64],
    intercept_gradient: &'b mut [f64],
    loss: &'b mut f64,
}

impl Residuals<'_> {
    /// Binary rows: one score, class 1 against class 0.
    #[inline(always)]
    fn binary(self) {
        for (score, &target) in self.scores.iter_mut().zip(self.targets) {
            let y = if target == 1 { 1.0 } else { -1.0 };
            let margin = y * (f64::from(*score) + self.intercepts[0]);
            let residual = -y * sigmoid(-margin);
            *self.loss += softplus(-margin);
            self.intercept_gradient[0] += residual;
            *score = residual as f32;
        }
    }

    /// Multinomial rows: softmax over the columns; a residual is the probability less one for
    /// the target. `exp` and `at_max` are workspace, the exponentials of the whole block taken in
    /// one vectorised pass.
    #[inline(always)]
    fn softmax(self, exp: &mut [f64], at_max: &mut [f64]) {
        let (k, width) = (self.intercepts.len(), self.width);
        let targets = at_max.iter_mut().zip(self.targets);
        let rows = self.scores.chunks_exact(width).zip(exp.chunks_exact_mut(k));
        for ((row, shifted), (at_max, &target)) in rows.zip(targets) {
            for ((s, &score), &b) in shifted.iter_mut().zip(row).zip(self.intercepts) {
                *s = f64::from(score) + b;
            }
            // NaN is never larger, as `f64::max` leaves it out, but without its NaN checks.
            let max = shifted
                .iter()
                .fold(f64::NEG_INFINITY, |m, &s| if s > m { s } else { m });
            *at_max = max - shifted[target];
            shifted.iter_mut().for_each(|s| *s -= max);
        }
        exp_in_place(exp);
        let targets = at_max.iter().zip(self.targets);
        let rows = self.scores.chunks_exact_mut(width).zip(exp.chunks_exact(k));
        for ((residuals, exp), (&at_max, &target)) in rows.zip(targets) {
            residuals[k..].fill(0.0);
            let total: f64 = exp.iter().sum();
            *self.loss += at_max + total.ln();
            for (c, (residual, &e)) in residuals.iter_mut().zip(exp).enumerate() {
                let value = e / total - if c == target { 1.0 } else { 0.0 };
                self.intercept_gradient[c] += value;
                *residual = value as f32;
            }
        }
    }
}

impl Objective for LogLoss<'_> {
    fn dimension(&self) -> usize {
        (self.features.rows.data.n_features() + 1) * self.columns
    }

    fn evaluate(&mut self, x: &[f64], gradient: &mut [f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is only set when the CPU has AVX2.
            return unsafe { self.evaluate_avx2(x, gradient) };
        }
        self.evaluate_inline(x, gradient)
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// `x . w + b` for every score column, into `scores`, from the non-zero (feature, value) pairs of x.
fn linear_scores(
    linear: &LinearState,
    non_zero: impl Iterator<Item = (u32, f32)>,
    scores: &mut [f64],
) {
    scores.copy_from_slice(linear.intercepts.as_slice().expect("contiguous"));
    for (feature, value) in non_zero {
        let value = f64::from(value);
        scores
            .iter_mut()
            .zip(linear.weights.row(feature as usize))
            .for_each(|(s, w)| *s += value * w);
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
    use crate::data::{synthetic, Dataset as Points, PointId};
    use crate::model::Budget;
    use crate::seed::Rng;
    use crate::spec::PurchaseSettings;
    use rand::SeedableRng;

    fn points(features: Vec<f32>, labels: Vec<u32>, n_classes: usize) -> Points {
        let n = labels.len();
        let width = features.len() / n;
        Points::new(
            "t",
            Array2::from_shape_vec((n, width), features).unwrap(),
            labels.into_iter().map(ClassId).collect(),
            (0..n_classes).map(|c| c.to_string()).collect(),
        )
    }

    fn settings(solver: LogisticSolver) -> LogisticSettings {
        LogisticSettings {
            alpha: 0.1,
            max_iterations: 200,
            tolerance: 1e-7,
            solver,
        }
    }

    const SOLVERS: [LogisticSolver; 2] = [LogisticSolver::Lbfgs, LogisticSolver::Linfa];

    #[test]
    fn binary_model_separates_and_scores_class_one() {
        // Class 1 is the rarer one, so linfa's positive class is 0 and its sign flip is exercised.
        let data = points(
            vec![-2.0, -1.5, -1.0, -0.5, 1.0, 2.0],
            vec![0, 0, 0, 0, 1, 1],
            2,
        );
        let ids = data.ids();
        for solver in SOLVERS {
            let model = Logistic::new(settings(solver), 2);
            let fitted = model
                .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(50), 0))
                .unwrap();
            let proba = model
                .predict_proba(&fitted.state, Rows::new(&data, &ids))
                .unwrap();
            assert!(
                proba[[0, 0]] > 0.5 && proba[[5, 1]] > 0.5,
                "{solver:?}: {proba}"
            );
            // A warm start from the optimum stays there.
            let again = model
                .fit(FitStep {
                    warm: Some(&fitted.state),
                    rows: Rows::new(&data, &ids),
                    new_from: 0,
                    budget: Budget::whole(50),
                    seed: 0,
                })
                .unwrap();
            let (Trained::Parameters(a), Trained::Parameters(b)) = (&fitted.state, &again.state)
            else {
                panic!("linear states expected")
            };
            assert!(
                (a.weights[[0, 0]] - b.weights[[0, 0]]).abs() < 1e-3,
                "{solver:?}"
            );
        }
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
        for solver in SOLVERS {
            let model = Logistic::new(settings(solver), 3);
            let fitted = model
                .fit(FitStep::fresh(
                    Rows::new(&data, &train),
                    Budget::whole(50),
                    0,
                ))
                .unwrap();
            let proba = model
                .predict_proba(&fitted.state, Rows::new(&data, &data.ids()))
                .unwrap();
            assert!(proba.column(1).iter().all(|&p| p == 0.0), "{proba}");
            assert!(
                proba[[0, 0]] > 0.5 && proba[[5, 2]] > 0.5,
                "{solver:?}: {proba}"
            );
            for row in proba.rows() {
                assert!((row.sum() - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn one_class_gives_a_single_class_state() {
        let data = points(vec![0.0, 1.0, 2.0], vec![1, 1, 0], 2);
        let train = [PointId(0), PointId(1)];
        let fitted = Logistic::new(settings(LogisticSolver::Lbfgs), 2)
            .fit(FitStep::fresh(
                Rows::new(&data, &train),
                Budget::whole(5),
                0,
            ))
            .unwrap();
        assert_eq!(fitted.state, Trained::OneClass(ClassId(1)));
    }

    /// The objective value of a state, computed in f64 directly from the definition.
    fn objective(
        state: &LogisticState,
        data: &Points,
        ids: &[PointId],
        alpha: f64,
        model: &Logistic,
    ) -> f64 {
        let Trained::Parameters(linear) = state else {
            panic!("linear")
        };
        let proba = model.predict_proba(state, Rows::new(data, ids)).unwrap();
        let loss: f64 = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| -proba[[i, data.label(id).index()]].ln())
            .sum();
        loss + 0.5 * alpha * linear.weights.iter().map(|w| w * w).sum::<f64>()
    }

    #[test]
    fn both_solvers_reach_the_same_optimum() {
        let binary = synthetic::purchase(
            &PurchaseSettings {
                samples: 600,
                features: 30,
                classes: 2,
                prototypes: 6,
                density: 0.2,
            },
            &mut Rng::seed_from_u64(3),
        );
        let multi = synthetic::test_blobs(600, 5, 4, 8.0, 4);
        for data in [binary, multi] {
            let ids = data.ids();
            let n_classes = data.n_classes();
            let values: Vec<f64> = SOLVERS
                .iter()
                .map(|&solver| {
                    let model = Logistic::new(settings(solver), n_classes);
                    let fitted = model
                        .fit(FitStep::fresh(
                            Rows::new(&data, &ids),
                            Budget::whole(500),
                            0,
                        ))
                        .unwrap();
                    objective(&fitted.state, &data, &ids, 0.1, &model)
                })
                .collect();
            let relative = (values[0] - values[1]).abs() / values[1];
            assert!(
                relative < 1e-4,
                "{n_classes} classes: lbfgs {} vs linfa {}",
                values[0],
                values[1]
            );
        }
    }

    /// The summed log-loss and its gradient at parameters `x`, in f64 from the definition.
    fn definition(data: &Points, ids: &[PointId], columns: &[ClassId], x: &[f64]) -> f64 {
        let (m, k) = (data.n_features(), columns.len());
        let mut loss = 0.0;
        for &id in ids {
            let row = data.row(id);
            let score = |c: usize| {
                let dot: f64 = (0..m).map(|j| f64::from(row[j]) * x[j * k + c]).sum();
                dot + x[m * k + c]
            };
            let label = data.label(id);
            loss += if k == 1 {
                let y = if label == columns[0] { 1.0 } else { -1.0 };
                (1.0 + (-y * score(0)).exp()).ln()
            } else {
                let scores: Vec<f64> = (0..k).map(score).collect();
                let target = columns.iter().position(|&c| c == label).unwrap();
                let total: f64 = scores.iter().map(|s| s.exp()).sum();
                total.ln() - scores[target]
            };
        }
        loss
    }

    #[test]
    fn objective_matches_its_definition_on_every_instruction_set() {
        let purchase = |classes| {
            let settings = PurchaseSettings {
                samples: 300,
                features: 40,
                classes,
                prototypes: 6,
                density: 0.2,
            };
            synthetic::purchase(&settings, &mut Rng::seed_from_u64(3))
        };
        let cases = [
            synthetic::test_blobs(300, 7, 2, 3.0, 1),
            synthetic::test_blobs(300, 7, 11, 3.0, 2),
            purchase(2),
            purchase(5),
        ];
        // Dense and sparse rows (through the dataset's index), binary and multinomial.
        let sparse = cases.iter().map(|data| data.sparse().is_some());
        assert_eq!(sparse.collect::<Vec<_>>(), [false, false, true, true]);
        for data in &cases {
            let ids: Vec<PointId> = data.ids().into_iter().rev().collect();
            let present = Rows::new(data, &ids).classes_present();
            let columns =
                Logistic::new(settings(LogisticSolver::Lbfgs), data.n_classes()).columns(&present);
            let alpha = 0.5;
            let mut objective = LogLoss::new(Rows::new(data, &ids), &columns, alpha);
            let dimension = objective.dimension();
            let x: Vec<f64> = (0..dimension)
                .map(|i| ((i * 37 % 23) as f64 - 11.0) / 40.0)
                .collect();
            let mut evaluated = Vec::new();
            for avx2 in [false, has_avx2()] {
                objective.avx2 = avx2;
                let mut gradient = vec![f64::NAN; dimension];
                let value = objective.evaluate(&x, &mut gradient);
                evaluated.push((
                    value.to_bits(),
                    gradient.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                ));
            }
            assert_eq!(evaluated[0], evaluated[1], "{} classes", data.n_classes());
            let (value, gradient) = (&evaluated[0].0, &evaluated[0].1);
            let weights = &x[..data.n_features() * columns.len()];
            let penalty = 0.5 * alpha * weights.iter().map(|w| w * w).sum::<f64>();
            let expected = definition(data, &ids, &columns, &x) + penalty;
            let value = f64::from_bits(*value);
            assert!(
                (value - expected).abs() < 1e-5 * expected,
                "{value} vs {expected}"
            );
            for i in (0..dimension).step_by(dimension / 9 + 1) {
                let (mut up, mut down) = (x.clone(), x.clone());
                up[i] += 1e-4;
                down[i] -= 1e-4;
                let penalty = |x: &[f64]| {
                    let w = &x[..weights.len()];
                    0.5 * alpha * w.iter().map(|w| w * w).sum::<f64>()
                };
                let numeric = (definition(data, &ids, &columns, &up) + penalty(&up)
                    - definition(data, &ids, &columns, &down)
                    - penalty(&down))
                    / 2e-4;
                let analytic = f64::from_bits(gradient[i]);
                assert!(
                    (analytic - numeric).abs() < 1e-3 * (1.0 + numeric.abs()),
                    "{} classes, parameter {i}: {analytic} vs {numeric}",
                    data.n_classes()
                );
            }
        }
    }

    #[test]
    fn lbfgs_counts_its_passes_and_honours_the_budget() {
        let data = synthetic::test_blobs(300, 4, 3, 6.0, 5);
        let ids = data.ids();
        let model = Logistic::new(settings(LogisticSolver::Lbfgs), 3);
        let short = model
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(2), 0))
            .unwrap();
        let long = model
            .fit(FitStep::fresh(
                Rows::new(&data, &ids),
                Budget::whole(200),
                0,
            ))
            .unwrap();
        let passes = |fitted: Fitted<LogisticState>| fitted.sample_passes.unwrap() / 300.0;
        let (short, long) = (passes(short), passes(long));
        assert!((2.0..=51.0).contains(&short), "{short}");
        assert!(long > short, "{long} > {short}");
    }
}
