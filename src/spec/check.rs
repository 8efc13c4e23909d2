//! Checks a [`RawSpec`] into [`Settings`]: fills defaults, rejects values out of range, and names
//! the key path of each problem so the caller can point at the line.

use super::error::Invalid;
use super::raw::{RawDataset, RawLogistic, RawModel, RawSisa, RawSpec, RawUnlearning};
use super::settings::{
    Activation, Aggregation, Baseline, BlobsSettings, DataSource, DatasetSettings, Distribution,
    DistributionKind, LogisticSettings, LogisticSolver, MlpSettings, Mode, ModeKind, ModelSettings,
    NaiveBayesSettings, Partition, PartitionKind, PurchaseSettings, Settings, SisaSettings,
    SplitCriterion, SyntheticKind, TreeSettings, UnlearningSettings,
};

type Checked<T> = Result<T, Invalid>;

/// Largest dataset a synthetic generator will build (features x samples), to fail early and clearly.
const MAX_SYNTHETIC_VALUES: usize = 2_000_000_000;

/// Checks the trial settings of a raw spec.
pub fn settings(raw: &RawSpec) -> Checked<Settings> {
    let dataset = dataset(raw.dataset.clone().unwrap_or_default())?;
    let settings = Settings {
        seed: raw.seed.unwrap_or(0),
        dataset,
        model: model(raw.model.clone())?,
        sisa: sisa(raw.sisa.clone().unwrap_or_default())?,
        unlearning: unlearning(raw.unlearning.clone().unwrap_or_default())?,
        baseline: raw.baseline.unwrap_or(Baseline::Retrain),
    };
    if let Some(samples) = settings.dataset.source.samples() {
        let (n_train, _) = settings.dataset.split_sizes(samples);
        check_sizes(&settings, n_train)?;
    }
    Ok(settings)
}

/// Checks what depends on the number of training points: every slice of every shard must get at
/// least one point, and every request count must leave at least one point.
pub fn check_sizes(settings: &Settings, n_train: usize) -> Checked<()> {
    let sisa = &settings.sisa;
    let fixed_shards = !matches!(
        sisa.partition,
        Partition::DistributionAware { capacity: Some(_) }
    );
    if fixed_shards && sisa.shards > n_train {
        return Err(Invalid::new(
            "sisa.shards",
            format!(
                "{} shards need at least {} training points, but the dataset has {n_train}",
                sisa.shards, sisa.shards
            ),
        ));
    }
    let smallest_shard = n_train / sisa.shards;
    if fixed_shards && sisa.partition == Partition::Uniform && sisa.slices > smallest_shard {
        return Err(Invalid::new(
            "sisa.slices",
            format!(
                "{} slices are more than the {smallest_shard} points of a shard \
                 ({n_train} training points in {} shards); use at most {smallest_shard}",
                sisa.slices, sisa.shards
            ),
        ));
    }
    for (index, &count) in settings.unlearning.requests.iter().enumerate() {
        if count >= n_train {
            return Err(Invalid::new(
                format!("unlearning.requests[{index}]"),
                format!(
                    "{count} requests would remove every one of the {n_train} training points; \
                     use fewer than {n_train}"
                ),
            ));
        }
    }
    Ok(())
}

impl DatasetSettings {
    /// Training and test sizes for `samples` points: `round(samples * test_fraction)` test points.
    pub fn split_sizes(&self, samples: usize) -> (usize, usize) {
        let n_test = (samples as f64 * self.test_fraction).round() as usize;
        (samples.saturating_sub(n_test), n_test)
    }
}

fn dataset(raw: RawDataset) -> Checked<DatasetSettings> {
    let kind = raw.synthetic.unwrap_or(SyntheticKind::Purchase);
    let samples = at_least("dataset.samples", raw.samples.unwrap_or(10_000), 4)?;
    let classes = at_least("dataset.classes", raw.classes.unwrap_or(2), 2)?;
    let source = match kind {
        SyntheticKind::Purchase => {
            reject_option("dataset.noise", raw.noise.is_some(), "`synthetic: blobs`")?;
            DataSource::Purchase(PurchaseSettings {
                samples,
                features: at_least("dataset.features", raw.features.unwrap_or(600), 1)?,
                classes,
                prototypes: at_least("dataset.prototypes", raw.prototypes.unwrap_or(10), classes)?,
                density: fraction("dataset.density", raw.density.unwrap_or(0.1), true)?,
            })
        }
        SyntheticKind::Blobs => {
            reject_option(
                "dataset.prototypes",
                raw.prototypes.is_some(),
                "`synthetic: purchase`",
            )?;
            reject_option(
                "dataset.density",
                raw.density.is_some(),
                "`synthetic: purchase`",
            )?;
            DataSource::Blobs(BlobsSettings {
                samples,
                features: at_least("dataset.features", raw.features.unwrap_or(10), 1)?,
                classes,
                noise: non_negative("dataset.noise", raw.noise.unwrap_or(1.0))?,
            })
        }
    };
    let features = match &source {
        DataSource::Purchase(settings) => settings.features,
        DataSource::Blobs(settings) => settings.features,
    };
    if samples.saturating_mul(features) > MAX_SYNTHETIC_VALUES {
        return Err(Invalid::new(
            "dataset.samples",
            format!(
                "{samples} samples x {features} features is more than the \
                 {MAX_SYNTHETIC_VALUES} values a synthetic dataset may hold"
            ),
        ));
    }
    if classes > samples {
        return Err(Invalid::new(
            "dataset.classes",
            format!("{classes} classes need at least {classes} samples, got {samples}"),
        ));
    }
    let test_fraction = fraction(
        "dataset.test_fraction",
        raw.test_fraction.unwrap_or(0.2),
        false,
    )?;
    let settings = DatasetSettings {
        source,
        test_fraction,
    };
    let (n_train, n_test) = settings.split_sizes(samples);
    if n_train == 0 || n_test == 0 {
        return Err(Invalid::new(
            "dataset.test_fraction",
            format!("{test_fraction} of {samples} samples leaves an empty training or test set"),
        ));
    }
    Ok(settings)
}

fn model(raw: Option<RawModel>) -> Checked<ModelSettings> {
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

fn sisa(raw: RawSisa) -> Checked<SisaSettings> {
    let aware = "`partition: distribution-aware`";
    let partition = match raw.partition.unwrap_or(PartitionKind::Uniform) {
        PartitionKind::Uniform => {
            reject_option("sisa.capacity", raw.capacity.is_some(), aware)?;
            Partition::Uniform
        }
        PartitionKind::DistributionAware => {
            if raw.capacity.is_some() && raw.shards.is_some() {
                return Err(Invalid::new(
                    "sisa.capacity",
                    "give either sisa.shards (a fixed number of shards, each with an equal share \
                     of the expected requests) or sisa.capacity (expected requests per shard, \
                     the number of shards follows), not both",
                ));
            }
            let capacity = raw
                .capacity
                .map(|c| positive("sisa.capacity", c))
                .transpose()?;
            Partition::DistributionAware { capacity }
        }
    };
    Ok(SisaSettings {
        shards: at_least("sisa.shards", raw.shards.unwrap_or(1), 1)?,
        slices: at_least("sisa.slices", raw.slices.unwrap_or(1), 1)?,
        partition,
        aggregation: raw.aggregation.unwrap_or(Aggregation::Majority),
    })
}

fn distribution(raw: &RawUnlearning) -> Checked<Distribution> {
    let kind = raw.distribution.unwrap_or(DistributionKind::Uniform);
    let only = |key: &str, given: bool, wanted: DistributionKind, name: &str| {
        reject_option(
            key,
            given && kind != wanted,
            &format!("`distribution: {name}`"),
        )
    };
    only(
        "unlearning.rate",
        raw.rate.is_some(),
        DistributionKind::Exponential,
        "exponential",
    )?;
    only(
        "unlearning.shape",
        raw.shape.is_some(),
        DistributionKind::Pareto,
        "pareto",
    )?;
    only(
        "unlearning.class_weights",
        raw.class_weights.is_some(),
        DistributionKind::Class,
        "class",
    )?;
    only(
        "unlearning.group_size",
        raw.group_size.is_some(),
        DistributionKind::Groups,
        "groups",
    )?;
    Ok(match kind {
        DistributionKind::Uniform => Distribution::Uniform,
        DistributionKind::Exponential => Distribution::Exponential {
            rate: positive("unlearning.rate", raw.rate.unwrap_or(10.0))?,
        },
        DistributionKind::Pareto => {
            let shape = raw.shape.unwrap_or(1.16);
            if !(shape.is_finite() && shape > 1.0) {
                return Err(Invalid::new(
                    "unlearning.shape",
                    format!(
                        "must be a number > 1, got {shape} (at 1 or below the likeliest point \
                         would take all of the request probability)"
                    ),
                ));
            }
            Distribution::Pareto { shape }
        }
        DistributionKind::Class => {
            let Some(weights) = raw.class_weights.as_ref().filter(|w| !w.is_empty()) else {
                return Err(Invalid::new(
                    "unlearning.class_weights",
                    "`distribution: class` needs the classes requests come from, with weights, \
                     e.g. class_weights: {3: 0.7, 5: 0.3}",
                ));
            };
            let mut checked = Vec::new();
            for (class, &weight) in weights {
                let key = format!("unlearning.class_weights.{}", class.0);
                checked.push((class.0.clone(), non_negative(&key, weight)?));
            }
            if checked.iter().all(|(_, w)| *w == 0.0) {
                return Err(Invalid::new(
                    "unlearning.class_weights",
                    "every weight is 0",
                ));
            }
            Distribution::Class { weights: checked }
        }
        DistributionKind::Groups => {
            let mean_size = raw.group_size.unwrap_or(5.0);
            if !(mean_size.is_finite() && mean_size >= 1.0) {
                return Err(Invalid::new(
                    "unlearning.group_size",
                    format!("must be a number >= 1, got {mean_size}"),
                ));
            }
            Distribution::Groups { mean_size }
        }
    })
}

fn mode(raw: &RawUnlearning) -> Checked<Mode> {
    let kind = raw.mode.unwrap_or(ModeKind::Batch);
    if kind != ModeKind::Stream {
        reject_option(
            "unlearning.batch_size",
            raw.batch_size.is_some(),
            "`mode: stream`",
        )?;
    }
    Ok(match kind {
        ModeKind::Batch => Mode::Batch,
        ModeKind::Sequential => Mode::Sequential,
        ModeKind::Stream => {
            let Some(batch_size) = raw.batch_size else {
                return Err(Invalid::new(
                    "unlearning.batch_size",
                    "`mode: stream` needs the number of requests per batch, e.g. batch_size: 10",
                ));
            };
            Mode::Stream {
                batch_size: at_least("unlearning.batch_size", batch_size, 1)?,
            }
        }
    })
}

fn unlearning(raw: RawUnlearning) -> Checked<UnlearningSettings> {
    let requests = raw.requests.clone().unwrap_or_else(|| vec![1]);
    if requests.is_empty() {
        return Err(Invalid::new(
            "unlearning.requests",
            "the list is empty; give at least one request count, e.g. [1, 10]",
        ));
    }
    let mode = mode(&raw)?;
    for (index, &count) in requests.iter().enumerate() {
        let key = format!("unlearning.requests[{index}]");
        at_least(&key, count, 1)?;
        let cumulative = mode.batch_size().is_some();
        if cumulative && index > 0 && count <= requests[index - 1] {
            return Err(Invalid::new(
                key,
                format!(
                    "in `mode: {}` the counts are cumulative and must increase, got {count} after {}",
                    mode.name(),
                    requests[index - 1]
                ),
            ));
        }
        if let Some(batch) = mode.batch_size().filter(|&b| count % b != 0) {
            return Err(Invalid::new(
                key,
                format!("{count} is not a multiple of the batch size {batch}"),
            ));
        }
    }
    Ok(UnlearningSettings {
        distribution: distribution(&raw)?,
        mode,
        requests,
    })
}

fn at_least<T: PartialOrd + std::fmt::Display>(key: &str, value: T, minimum: T) -> Checked<T> {
    if value < minimum {
        Err(Invalid::new(
            key,
            format!("must be at least {minimum}, got {value}"),
        ))
    } else {
        Ok(value)
    }
}

fn non_negative(key: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be a finite number >= 0, got {value}"),
        ))
    }
}

fn positive(key: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be a finite number > 0, got {value}"),
        ))
    }
}

fn fraction(key: &str, value: f64, one_allowed: bool) -> Checked<f64> {
    let upper_ok = if one_allowed {
        value <= 1.0
    } else {
        value < 1.0
    };
    if value > 0.0 && upper_ok {
        Ok(value)
    } else {
        let range = if one_allowed { "(0, 1]" } else { "(0, 1)" };
        Err(Invalid::new(
            key,
            format!("must be in {range}, got {value}"),
        ))
    }
}

fn reject_option(key: &str, given: bool, applies_to: &str) -> Checked<()> {
    if given {
        Err(Invalid::new(key, format!("applies only with {applies_to}")))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::yaml;

    fn check(text: &str) -> Checked<Settings> {
        settings(&yaml::from_text::<RawSpec>(text).expect("parses"))
    }

    #[test]
    fn defaults_fill_a_minimal_spec() {
        let settings = check("name: x\n").unwrap();
        assert_eq!(settings.sisa.shards, 1);
        assert_eq!(settings.unlearning.requests, vec![1]);
        assert_eq!(settings.model.budget(), 100);
        assert_eq!(settings.dataset.split_sizes(10_000), (8_000, 2_000));
    }

    #[test]
    fn out_of_range_values_name_their_key() {
        let cases = [
            ("sisa: {shards: 0}", "sisa.shards"),
            ("unlearning: {requests: []}", "unlearning.requests"),
            ("unlearning: {requests: [1, 0]}", "unlearning.requests[1]"),
            ("model: {kind: logistic, alpha: -1}", "model.alpha"),
            ("dataset: {test_fraction: 1.0}", "dataset.test_fraction"),
            (
                "dataset: {synthetic: blobs, density: 0.5}",
                "dataset.density",
            ),
            (
                "dataset: {samples: 100}\nsisa: {shards: 10, slices: 9}",
                "sisa.slices",
            ),
            (
                "dataset: {samples: 100}\nunlearning: {requests: [80]}",
                "unlearning.requests[0]",
            ),
        ];
        for (body, key) in cases {
            let error = check(&format!("name: x\n{body}\n")).unwrap_err();
            assert_eq!(error.key, key, "{body}: {error:?}");
        }
    }
}
