//! The in-memory dataset every stage reads: features, labels and the class list, loaded once and
//! shared read-only. Subsets (splits, shards, slices) are lists of [`PointId`]s, never copies.

use ndarray::{Array2, ArrayView1};

use super::impute::Imputation;
use super::sparse::{SparseCache, SparseIndex};

/// A point's row in its dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct PointId(pub u32);

impl PointId {
    /// The row index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A class, as an index into [`Dataset::classes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct ClassId(pub u32);

impl ClassId {
    /// The class index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Labelled points.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Short name for tables (`purchase`, `blobs`, a file stem).
    pub name: String,
    /// One row per point, one column per feature.
    pub features: Array2<f32>,
    /// One name per feature: a column name or index, `column=value` for one-hot features.
    pub feature_names: Vec<String>,
    /// One label per point.
    pub labels: Vec<ClassId>,
    /// The class names; a label indexes this list.
    pub classes: Vec<String>,
    /// When the points came with their own test file: the first of its rows, which follow the
    /// training file's rows. `None`: trials split the points at random.
    pub test_start: Option<usize>,
    /// Columns kept apart from the features (`dataset.attributes`): (name, one value per point,
    /// as text; empty when missing). Request distributions read them (a user id, a propensity).
    pub attributes: Vec<(String, Vec<String>)>,
    /// Features whose missing values (NaN) are filled in per trial, from its training points
    /// ([`super::impute`]); empty when no value is missing.
    pub imputations: Vec<Imputation>,
    /// What loading found worth a warning: a column left out, one that adds many features.
    pub warnings: Vec<String>,
    /// The non-zero entries of every point, when most values are zero; built on first use.
    pub sparse: SparseCache,
}

impl Dataset {
    /// Points with numbered features and no test file of their own.
    pub fn new(
        name: &str,
        features: Array2<f32>,
        labels: Vec<ClassId>,
        classes: Vec<String>,
    ) -> Self {
        Dataset {
            name: name.to_owned(),
            feature_names: Dataset::numbered_features(features.ncols()),
            features,
            labels,
            classes,
            test_start: None,
            attributes: Vec::new(),
            imputations: Vec::new(),
            warnings: Vec::new(),
            sparse: SparseCache::default(),
        }
    }

    /// The non-zero entries of every point, when fewer than half of the values are not zero.
    pub fn sparse(&self) -> Option<&SparseIndex> {
        self.sparse.get(&self.features)
    }

    /// Number of points.
    pub fn n_points(&self) -> usize {
        self.labels.len()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// The features of one point.
    pub fn row(&self, point: PointId) -> ArrayView1<'_, f32> {
        self.features.row(point.index())
    }

    /// The label of one point.
    pub fn label(&self, point: PointId) -> ClassId {
        self.labels[point.index()]
    }

    /// Every point's id, in row order.
    pub fn ids(&self) -> Vec<PointId> {
        (0..self.n_points() as u32).map(PointId).collect()
    }

    /// How many points each class has, in class order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_classes()];
        for label in &self.labels {
            counts[label.index()] += 1;
        }
        counts
    }

    /// Feature names `0`, `1`, ... for `n` unnamed features.
    pub fn numbered_features(n: usize) -> Vec<String> {
        (0..n).map(|feature| feature.to_string()).collect()
    }

    /// The values of attribute column `name`, one per point.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, values)| values.as_slice())
    }

    /// Memory held by the features and labels, in bytes.
    pub fn bytes(&self) -> usize {
        self.features.len() * std::mem::size_of::<f32>()
            + self.labels.len() * std::mem::size_of::<ClassId>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_points_per_class() {
        let labels = vec![ClassId(1), ClassId(0), ClassId(1), ClassId(1)];
        let data = Dataset::new(
            "t",
            Array2::zeros((4, 1)),
            labels,
            vec!["a".into(), "b".into()],
        );
        assert_eq!(data.class_counts(), vec![1, 3]);
        assert_eq!(data.ids().len(), 4);
    }
}
