//! What a run records about each dataset it used (`datasets.json` in the results folder): where
//! it came from, its size, and its classes with their counts.

use std::path::PathBuf;

use serde::Serialize;

use super::dataset::Dataset;
use crate::spec::DataSource;

/// A description of one dataset of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSummary {
    /// The dataset's short name (a file stem, or `purchase`, `blobs`).
    pub name: String,
    /// `file`, `purchase` or `blobs`.
    pub source: &'static str,
    /// The file read (absolute), for file datasets.
    pub path: Option<PathBuf>,
    /// Its labels file, for IDX and `.npy`.
    pub labels_path: Option<PathBuf>,
    /// The separate test file, when there is one.
    pub test_path: Option<PathBuf>,
    /// The master seed that built it, for synthetic datasets.
    pub seed: Option<u64>,
    /// Points, training and test together (after rows with missing values were dropped).
    pub rows: usize,
    /// Points from the separate test file, when there is one.
    pub test_rows: Option<usize>,
    /// Number of features (after one-hot encoding).
    pub features: usize,
    /// The classes in label order, with how many points each has.
    pub classes: Vec<ClassCount>,
    /// Each feature's name: a column name or index, `column=value` for one-hot features.
    pub feature_names: Vec<String>,
    /// What loading found worth a warning (a column left out, one adding many features).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A class and its number of points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassCount {
    /// The class name (a label as written, numbers in their shortest form).
    pub name: String,
    /// How many points have it.
    pub count: usize,
}

impl DatasetSummary {
    /// Describes `data`, built from `source` with `master_seed`.
    pub fn new(data: &Dataset, source: &DataSource, master_seed: u64) -> DatasetSummary {
        let file = match source {
            DataSource::File(file) => Some(file),
            _ => None,
        };
        DatasetSummary {
            name: data.name.clone(),
            source: source.name(),
            path: file.map(|file| file.train.path.clone()),
            labels_path: file.and_then(|file| file.train.labels_path.clone()),
            test_path: file.and_then(|file| file.test.as_ref().map(|test| test.path.clone())),
            seed: source.seed(master_seed),
            rows: data.n_points(),
            test_rows: data.test_start.map(|start| data.n_points() - start),
            features: data.n_features(),
            classes: data
                .classes
                .iter()
                .zip(data.class_counts())
                .map(|(name, count)| ClassCount {
                    name: name.clone(),
                    count,
                })
                .collect(),
            feature_names: data.feature_names.clone(),
            warnings: data.warnings.clone(),
        }
    }
}
