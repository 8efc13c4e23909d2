//! The in-memory dataset every stage reads: features, labels and the class list, loaded once and
//! shared read-only. Subsets (splits, shards, slices) are lists of [`PointId`]s, never copies.

use ndarray::{Array2, ArrayView1};
use rand::seq::SliceRandom;

use crate::seed::Rng;
use crate::spec::DatasetSettings;

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
    /// One label per point.
    pub labels: Vec<ClassId>,
    /// The class names; a label indexes this list.
    pub classes: Vec<String>,
}

impl Dataset {
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

    /// Memory held by the features and labels, in bytes.
    pub fn bytes(&self) -> usize {
        self.features.len() * std::mem::size_of::<f32>()
            + self.labels.len() * std::mem::size_of::<ClassId>()
    }
}

/// The training and test points of a trial, each sorted by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Points SISA and the baseline train on.
    pub train: Vec<PointId>,
    /// Points accuracy is measured on.
    pub test: Vec<PointId>,
}

impl Split {
    /// A seeded random split with `round(n * test_fraction)` test points.
    pub fn random(data: &Dataset, settings: &DatasetSettings, rng: &mut Rng) -> Split {
        let mut order = data.ids();
        order.shuffle(rng);
        let (_, n_test) = settings.split_sizes(order.len());
        let mut test = order[..n_test].to_vec();
        let mut train = order[n_test..].to_vec();
        test.sort_unstable();
        train.sort_unstable();
        Split { train, test }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{BlobsSettings, DataSource};
    use rand::SeedableRng;

    #[test]
    fn split_is_disjoint_covering_and_seeded() {
        let data = Dataset {
            name: "t".into(),
            features: Array2::zeros((100, 1)),
            labels: vec![ClassId(0); 100],
            classes: vec!["0".into()],
        };
        let settings = DatasetSettings {
            source: DataSource::Blobs(BlobsSettings {
                samples: 100,
                features: 1,
                classes: 2,
                noise: 1.0,
            }),
            test_fraction: 0.25,
        };
        let split = Split::random(&data, &settings, &mut Rng::seed_from_u64(3));
        assert_eq!((split.train.len(), split.test.len()), (75, 25));
        let mut all: Vec<_> = split.train.iter().chain(&split.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, data.ids());
        assert_eq!(
            split,
            Split::random(&data, &settings, &mut Rng::seed_from_u64(3))
        );
        assert_ne!(
            split,
            Split::random(&data, &settings, &mut Rng::seed_from_u64(4))
        );
    }
}
