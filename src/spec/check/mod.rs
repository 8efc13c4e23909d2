//! Checks a [`RawSpec`] into [`Settings`]: fills defaults, rejects values out of range, and names
//! the key path of each problem so the caller can point at the line. One file per spec section.

mod dataset;
mod model;
mod sisa;
mod unlearning;
mod values;

pub(crate) use crate::model::external::device_name;
pub(crate) use dataset::resolve;
pub(crate) use values::{at_least, non_negative, positive};

use std::path::Path;

use super::error::Invalid;
use super::raw::RawSpec;
use super::settings::{Baseline, Partition, Settings};
use dataset::dataset;
use model::model;
use sisa::sisa;
use unlearning::{request_column, unlearning};

/// The outcome of a check: the checked value, or what is wrong and at which key.
type Checked<T> = Result<T, Invalid>;

/// Checks the trial settings of a raw spec; relative data paths are resolved against `base`, the
/// (absolute) folder of the spec file.
pub fn settings(raw: &RawSpec, base: &Path) -> Checked<Settings> {
    let mut dataset = dataset(raw.dataset.clone().unwrap_or_default(), base)?;
    let unlearning = unlearning(raw.unlearning.clone().unwrap_or_default())?;
    request_column(&mut dataset, &unlearning)?;
    let settings = Settings {
        seed: raw.seed.unwrap_or(0),
        dataset,
        model: model(raw.model.clone())?,
        sisa: sisa(raw.sisa.clone().unwrap_or_default())?,
        unlearning,
        baseline: raw.baseline.unwrap_or(Baseline::Retrain),
    };
    if let Some((n_train, _)) = (settings.dataset.source.samples())
        .and_then(|samples| settings.dataset.split_sizes(samples))
    {
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
    if sisa.partition == Partition::Uniform && sisa.slices > smallest_shard {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::settings::*;
    use crate::spec::yaml;

    fn check(text: &str) -> Checked<Settings> {
        settings(
            &yaml::from_text::<RawSpec>(text).expect("parses"),
            Path::new("/specs"),
        )
    }

    #[test]
    fn defaults_fill_a_minimal_spec() {
        let settings = check("name: x\n").unwrap();
        assert_eq!(settings.sisa.shards, 1);
        assert_eq!(settings.unlearning.requests, vec![1]);
        let ModelSettings::Logistic(logistic) = &settings.model else {
            panic!("the default model is logistic");
        };
        assert_eq!(logistic.max_iterations, 100);
        assert_eq!(settings.dataset.split_sizes(10_000), Some((8_000, 2_000)));
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

    fn file_source(body: &str) -> FileSettings {
        match check(&format!("name: x\ndataset:\n{body}"))
            .unwrap()
            .dataset
            .source
        {
            DataSource::File(file) => file,
            other => panic!("not a file: {other:?}"),
        }
    }

    #[test]
    fn file_datasets_resolve_paths_and_formats() {
        let file = file_source("  path: ../data/letter.csv.gz\n  label: first\n");
        assert_eq!(file.train.path, Path::new("/data/letter.csv.gz"));
        assert_eq!(
            file.format,
            FileFormat::Delimited {
                separator: ',',
                header: false,
                label: LabelColumn::First,
                decimal: '.',
                column_names: None,
            }
        );
        assert_eq!(file.missing, MissingPolicy::ERROR);
        let file = file_source("  path: /abs/./t.tsv\n  header: true\n  label: income\n");
        assert_eq!(file.train.path, Path::new("/abs/t.tsv"));
        assert!(matches!(
            file.format,
            FileFormat::Delimited { separator: '\t', header: true, label: LabelColumn::Name(ref n), .. } if n == "income"
        ));
        let file = file_source(
            "  path: m/t10k-images-idx3-ubyte.gz\n  labels_path: m/t10k-labels-idx1-ubyte.gz\n",
        );
        assert_eq!(file.format, FileFormat::Idx);
        assert_eq!(
            file.train.labels_path.as_deref(),
            Some(Path::new("/specs/m/t10k-labels-idx1-ubyte.gz"))
        );
        let file = file_source("  path: a.data\n  format: csv\n  separator: ';'\n  label: 3\n");
        assert!(matches!(
            file.format,
            FileFormat::Delimited {
                separator: ';',
                label: LabelColumn::Index(3),
                ..
            }
        ));
        let settings =
            check("name: x\ndataset: {path: a.npz, test_path: b.npz, standardize: true}\n")
                .unwrap();
        assert_eq!(settings.dataset.split, SplitSettings::TestFile);
        assert!(settings.dataset.standardize);
        let stratified = check("name: x\ndataset: {path: a.csv, stratify: true}\n").unwrap();
        assert_eq!(
            stratified.dataset.split,
            SplitSettings::Random {
                test_fraction: 0.2,
                stratify: true
            }
        );
    }

    #[test]
    fn options_that_do_not_apply_name_their_key() {
        let cases = [
            (
                "{synthetic: blobs, path: a.csv}",
                "dataset.path",
                "not both",
            ),
            ("{path: a.data}", "dataset.path", "cannot tell the format"),
            (
                "{path: a.npy.gz, labels_path: b.npy}",
                "dataset.path",
                "gzip",
            ),
            (
                "{path: a.csv, samples: 100}",
                "dataset.samples",
                "synthetic",
            ),
            ("{format: csv}", "dataset.format", "read from a file"),
            (
                "{path: a.npz, header: true}",
                "dataset.header",
                "csv or tsv, not `npz`",
            ),
            (
                "{path: a.idx, labels_path: l.idx, label: 0}",
                "dataset.label",
                "labels_path",
            ),
            ("{path: a.svm, label: first}", "dataset.label", "first item"),
            (
                "{path: a.csv, label: income}",
                "dataset.label",
                "header: true",
            ),
            ("{path: a.tsv, separator: ','}", "dataset.separator", "tabs"),
            (
                "{path: a.csv, separator: ';;'}",
                "dataset.separator",
                "one ASCII",
            ),
            ("{path: a.idx}", "dataset.labels_path", "required"),
            (
                "{path: a.csv, labels_path: b.csv}",
                "dataset.labels_path",
                "idx or npy",
            ),
            (
                "{path: a.npy, labels_path: b.npy, test_path: c.npy}",
                "dataset.test_labels_path",
                "required",
            ),
            (
                "{path: a.npy, labels_path: b.npy, test_labels_path: c.npy}",
                "dataset.test_labels_path",
                "not given",
            ),
            (
                "{path: a.csv, test_path: b.csv, test_fraction: 0.3}",
                "dataset.test_fraction",
                "test_path",
            ),
            (
                "{path: a.csv, test_path: b.csv, stratify: true}",
                "dataset.stratify",
                "test_path",
            ),
            (
                "{path: a.csv, features_key: X}",
                "dataset.features_key",
                "npz",
            ),
            (
                "{path: a.npz, features_key: d, labels_key: d}",
                "dataset.labels_key",
                "same array",
            ),
            ("{path: ''}", "dataset.path", "empty"),
        ];
        for (dataset, key, fragment) in cases {
            let error = check(&format!("name: x\ndataset: {dataset}\n")).unwrap_err();
            assert_eq!(error.key, key, "{dataset}: {error:?}");
            assert!(error.message.contains(fragment), "{dataset}: {error:?}");
        }
    }
}
