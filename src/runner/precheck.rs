//! Before anything runs or is written: every dataset the trials use is loaded (once, into the
//! run's cache), and each trial's sizes and request distribution are checked against it, so bad
//! data fail with exit code 2 and the spec's line, not part-way through a run. The workers of
//! external models are started and greeted once, for the same reason.

use std::sync::Arc;

use crate::data::{Dataset, DatasetCache, DatasetSummary, Split};
use crate::error::Error;
use crate::model::external::{handshake, ExternalSettings};
use crate::requests::RequestModel;
use crate::runner::observer::{Notice, Observer};
use crate::spec::{plan, DataSource, Distribution, Invalid, ModelSettings, Spec, Trial};

/// Loads the datasets of `trials` into `cache` and checks every trial against its data; returns
/// one summary per distinct dataset. Sizes known from the spec alone (synthetic data) were
/// checked when the spec was planned and are not checked again.
pub fn precheck(
    spec: &Spec,
    trials: &[&Trial],
    cache: &DatasetCache,
) -> Result<Vec<DatasetSummary>, Error> {
    check_workers(spec, trials)?;
    let mut summaries: Vec<(Arc<Dataset>, DatasetSummary)> = Vec::new();
    // Request distributions already checked against a dataset: trials that differ only in
    // shards, slices or repeat share them.
    let mut checked: Vec<(Arc<Dataset>, &Distribution)> = Vec::new();
    for trial in trials {
        let settings = &trial.settings;
        let source = &settings.dataset.source;
        let data = cache.get(source, settings.seed)?;
        if source.samples().is_none() {
            let (n_train, _) = Split::sizes(&data, &settings.dataset)?;
            let origin = match source {
                DataSource::File(file) => format!(
                    "the training points come from `{}`",
                    file.train.path.display()
                ),
                other => format!("the training points are `{}` data", other.name()),
            };
            plan::check_sizes(spec, trial, n_train, &origin)?;
        }
        if let Some(invalid) = shape_mismatch(&settings.model, &data) {
            return Err(spec.locate(invalid, trial).into());
        }
        let distribution = &settings.unlearning.distribution;
        if !checked
            .iter()
            .any(|(known, d)| Arc::ptr_eq(known, &data) && *d == distribution)
        {
            RequestModel::check(distribution, &data)
                .map_err(|invalid| spec.locate(invalid, trial))?;
            checked.push((Arc::clone(&data), distribution));
        }
        if !summaries.iter().any(|(known, _)| Arc::ptr_eq(known, &data)) {
            let summary = DatasetSummary::new(&data, source, settings.seed);
            summaries.push((data, summary));
        }
    }
    Ok(summaries.into_iter().map(|(_, summary)| summary).collect())
}

/// An external model's `model.shape` that does not hold the dataset's features.
fn shape_mismatch(model: &ModelSettings, data: &Dataset) -> Option<Invalid> {
    let ModelSettings::External(ExternalSettings {
        shape: Some(shape), ..
    }) = model
    else {
        return None;
    };
    let width: usize = shape.iter().product();
    (width != data.n_features()).then(|| {
        Invalid::new(
            "model.shape",
            format!(
                "{shape:?} holds {width} values per point, but the points have {} features",
                data.n_features()
            ),
        )
    })
}

/// Starts and greets the worker of every distinct external model of `trials`, so a missing
/// command (or options the worker rejects) is an error at `model.command` (or `model.options`)
/// before anything runs; the message carries the worker's stderr tail.
pub fn check_workers(spec: &Spec, trials: &[&Trial]) -> Result<(), Error> {
    let mut greeted: Vec<&ExternalSettings> = Vec::new();
    for trial in trials {
        let ModelSettings::External(external) = &trial.settings.model else {
            continue;
        };
        if greeted.contains(&external) {
            continue;
        }
        if let Err(error) = handshake(external) {
            let key = if error.refused_options() {
                "model.options"
            } else {
                "model.command"
            };
            let message = format!("`{}`: {error}", external.command.join(" "));
            return Err(spec.locate(Invalid::new(key, message), trial).into());
        }
        greeted.push(external);
    }
    Ok(())
}

/// Tells `observer` what loading the `datasets` found worth a warning (a column left out, one
/// that adds many features), once per dataset.
pub fn warn(datasets: &[DatasetSummary], observer: &dyn Observer) {
    for warning in datasets.iter().flat_map(|dataset| &dataset.warnings) {
        observer.notice(&Notice::Warning(warning.clone()));
    }
}
