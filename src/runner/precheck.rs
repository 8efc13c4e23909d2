//! Before anything runs or is written: every dataset the trials use is loaded (once, into the
//! run's cache), and each trial's sizes and request distribution are checked against it, so bad
//! data fail with exit code 2 and the spec's line, not part-way through a run.

use std::sync::Arc;

use crate::data::{Dataset, DatasetCache, DatasetSummary, Split};
use crate::error::Error;
use crate::requests::RequestModel;
use crate::runner::observer::{Notice, Observer};
use crate::spec::{plan, DataSource, Distribution, Spec, Trial};

/// Loads the datasets of `trials` into `cache` and checks every trial against its data; returns
/// one summary per distinct dataset. Sizes known from the spec alone (synthetic data) were
/// checked when the spec was planned and are not checked again.
pub fn precheck(
    spec: &Spec,
    trials: &[&Trial],
    cache: &DatasetCache,
) -> Result<Vec<DatasetSummary>, Error> {
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

/// Tells `observer` what loading the `datasets` found worth a warning (a column left out, one
/// that adds many features), once per dataset.
pub fn warn(datasets: &[DatasetSummary], observer: &dyn Observer) {
    for warning in datasets.iter().flat_map(|dataset| &dataset.warnings) {
        observer.notice(&Notice::Warning(warning.clone()));
    }
}
