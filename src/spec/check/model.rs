//! Checks of the `model` section: each model kind's options, with their defaults and ranges.

use super::values::{at_least, non_negative, positive};
use super::Checked;
use crate::spec::error::Invalid;
use crate::spec::raw::{RawLogistic, RawModel};
use crate::spec::settings::{
    Activation, LogisticSettings, LogisticSolver, MlpSettings, ModelSettings, NaiveBayesSettings,
    SplitCriterion, TreeSettings,
};

pub(super) fn model(raw: Option<RawModel>) -> Checked<ModelSettings> {
    Ok(
        match raw.unwrap_or(RawModel::Logistic(RawLogistic::default())) {
            RawModel::Logistic(options) => ModelSettings::Logistic(LogisticSettings {
                alpha: non_negative("model.alpha", options.alpha.unwrap_or(1.0))?,
                max_iterations: at_least(
                    "model.max_iterations",
                    options.max_iterations.unwrap_or(100),
                    1,
                )?,
                tolerance: positive("model.tolerance", options.tolerance.unwrap_or(1e-4))?,
                solver: options.solver.unwrap_or(LogisticSolver::Lbfgs),
            }),
            RawModel::Mlp(options) => {
                let hidden = options.hidden.unwrap_or_else(|| vec![128]);
                for (index, &width) in hidden.iter().enumerate() {
                    at_least(&format!("model.hidden[{index}]"), width, 1)?;
                }
                let momentum = options.momentum.unwrap_or(0.0);
                if !(0.0..1.0).contains(&momentum) {
                    return Err(Invalid::new(
                        "model.momentum",
                        format!("must be in [0, 1), got {momentum}"),
                    ));
                }
                ModelSettings::Mlp(MlpSettings {
                    hidden,
                    activation: options.activation.unwrap_or(Activation::Tanh),
                    learning_rate: positive(
                        "model.learning_rate",
                        options.learning_rate.unwrap_or(0.001),
                    )?,
                    batch_size: at_least("model.batch_size", options.batch_size.unwrap_or(16), 1)?,
                    epochs: at_least("model.epochs", options.epochs.unwrap_or(20), 1)?,
                    momentum,
                    l2: non_negative("model.l2", options.l2.unwrap_or(0.0))?,
                })
            }
            RawModel::NaiveBayes(options) => ModelSettings::NaiveBayes(NaiveBayesSettings {
                var_smoothing: non_negative(
                    "model.var_smoothing",
                    options.var_smoothing.unwrap_or(1e-9),
                )?,
            }),
            RawModel::DecisionTree(options) => ModelSettings::DecisionTree(TreeSettings {
                max_depth: options
                    .max_depth
                    .map(|d| at_least("model.max_depth", d, 1))
                    .transpose()?,
                min_samples_split: at_least(
                    "model.min_samples_split",
                    options.min_samples_split.unwrap_or(2),
                    2,
                )?,
                min_samples_leaf: at_least(
                    "model.min_samples_leaf",
                    options.min_samples_leaf.unwrap_or(1),
                    1,
                )?,
                criterion: options.criterion.unwrap_or(SplitCriterion::Gini),
            }),
        },
    )
}
