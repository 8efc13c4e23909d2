//! Checks of the `model` section: each model kind's options, with their defaults and ranges.

use super::values::{at_least, non_negative, positive};
use super::Checked;
use crate::spec::error::Invalid;
use crate::spec::raw::{RawExternal, RawLogistic, RawModel};
use crate::spec::settings::{
    Activation, ExternalSettings, LogisticSettings, LogisticSolver, MlpSettings, ModelSettings,
    NaiveBayesSettings, SplitCriterion, TreeSettings,
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
            RawModel::External(options) => ModelSettings::External(external(options)?),
        },
    )
}

/// Checks `kind: external`: a command, options that convert to JSON (with `epochs`, when given,
/// a whole number of at least 1), and the ranges of the other keys.
fn external(raw: RawExternal) -> Checked<ExternalSettings> {
    let command = raw.command.unwrap_or_default();
    if command.first().is_none_or(|program| program.is_empty()) {
        return Err(Invalid::new(
            "model.command",
            "give the worker's command as a list, e.g. [python3, examples/workers/sklearn_sgd.py]",
        ));
    }
    let options = match raw.options {
        None => serde_json::Map::new(),
        Some(mapping) => match serde_json::to_value(&mapping) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(Invalid::new(
                    "model.options",
                    "must be a mapping with text keys and plain values (numbers, text, \
                     booleans, lists, mappings)",
                ))
            }
        },
    };
    let epochs = match options.get("epochs") {
        None => 1,
        Some(value) => value
            .as_u64()
            .filter(|&epochs| epochs >= 1 && epochs <= u64::from(u32::MAX))
            .map(|epochs| epochs as u32)
            .ok_or_else(|| {
                Invalid::new(
                    "model.options.epochs",
                    format!("must be a whole number of at least 1, got {value}"),
                )
            })?,
    };
    if let Some(shape) = &raw.shape {
        for (index, &extent) in shape.iter().enumerate() {
            at_least(&format!("model.shape[{index}]"), extent, 1)?;
        }
    }
    let devices = raw
        .devices
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, device)| device_name(&format!("model.devices[{index}]"), device))
        .collect::<Checked<Vec<String>>>()?;
    Ok(ExternalSettings {
        command,
        options,
        epochs,
        shape: raw.shape,
        threads: at_least("model.threads", raw.threads.unwrap_or(1), 1)?,
        timeout: raw
            .timeout
            .map(|seconds| positive("model.timeout", seconds))
            .transpose()?,
        devices,
    })
}

/// A device as `CUDA_VISIBLE_DEVICES` names it: an index or an id such as `GPU-3f2a...`.
pub(crate) fn device_name(key: &str, value: &crate::spec::yaml::Value) -> Checked<String> {
    let text = match value {
        crate::spec::yaml::Value::Number(number) if number.as_u64().is_some() => number.to_string(),
        crate::spec::yaml::Value::String(text) => text.trim().to_owned(),
        _ => String::new(),
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if text.is_empty() || !text.chars().all(plain) {
        return Err(Invalid::new(
            key,
            format!(
                "a device is an index (0, 1, ...) or an id such as GPU-3f2a; got {}",
                crate::spec::yaml::compact(value)
            ),
        ));
    }
    Ok(text)
}
