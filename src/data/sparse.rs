//! The non-zero entries of every point, for mostly-zero data (purchase records, bags of words):
//! built once per dataset and shared, so a fit reads each point's non-zero features without
//! scanning its zeros, and no fit pays for gathering them.

use std::sync::OnceLock;

use ndarray::Array2;

use super::dataset::PointId;

/// Datasets with fewer non-zero values than this fraction get a [`SparseIndex`].
pub const SPARSE_DENSITY: f64 = 0.5;

/// Compressed sparse rows of a feature matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseIndex {
    /// Point p's entries are `entries[offsets[p]..offsets[p + 1]]`: (feature, value), by feature.
    entries: Vec<(u32, f32)>,
    offsets: Vec<usize>,
}

impl SparseIndex {
    /// The index of `features`, or `None` when at least [`SPARSE_DENSITY`] of the values are not
    /// zero (reading such rows whole is faster).
    pub fn of(features: &Array2<f32>) -> Option<Self> {
        let non_zero = features.iter().filter(|&&v| v != 0.0).count();
        if non_zero as f64 >= SPARSE_DENSITY * features.len() as f64 {
            return None;
        }
        let mut entries = Vec::with_capacity(non_zero);
        let mut offsets = Vec::with_capacity(features.nrows() + 1);
        offsets.push(0);
        for row in features.rows() {
            entries.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0.0)
                    .map(|(j, &v)| (j as u32, v)),
            );
            offsets.push(entries.len());
        }
        Some(SparseIndex { entries, offsets })
    }

    /// The non-zero (feature, value) pairs of `point`, by feature.
    pub fn row(&self, point: PointId) -> &[(u32, f32)] {
        &self.entries[self.offsets[point.index()]..self.offsets[point.index() + 1]]
    }
}

/// A dataset's [`SparseIndex`], built on first use. A clone starts empty, so a copy whose
/// features are then changed (standardisation) never reads the original's index; it takes no
/// part in comparisons, being derived from the features.
#[derive(Debug, Default)]
pub struct SparseCache(OnceLock<Option<SparseIndex>>);

impl SparseCache {
    /// The index of `features` (which must be the features the cache belongs to).
    pub fn get(&self, features: &Array2<f32>) -> Option<&SparseIndex> {
        self.0.get_or_init(|| SparseIndex::of(features)).as_ref()
    }
}

impl Clone for SparseCache {
    fn clone(&self) -> Self {
        SparseCache::default()
    }
}

impl PartialEq for SparseCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn keeps_the_non_zero_entries_of_mostly_zero_rows_only() {
        let features = array![
            [0.0f32, 2.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 3.0]
        ];
        let index = SparseIndex::of(&features).unwrap();
        assert_eq!(index.row(PointId(0)), &[(1, 2.0)]);
        assert!(index.row(PointId(1)).is_empty());
        assert_eq!(index.row(PointId(2)), &[(0, 1.0), (3, 3.0)]);
        assert!(SparseIndex::of(&array![[1.0f32, 2.0], [0.0, 3.0]]).is_none());
    }

    #[test]
    fn a_clone_builds_its_own_index() {
        let mut features = array![[0.0f32, 0.0, 0.0, 0.0, 0.0, 1.0]];
        let cache = SparseCache::default();
        assert_eq!(cache.get(&features).unwrap().row(PointId(0)), &[(5, 1.0)]);
        let copy = cache.clone();
        features[[0, 0]] = 5.0;
        assert_eq!(
            copy.get(&features).unwrap().row(PointId(0)),
            &[(0, 5.0), (5, 1.0)]
        );
    }
}
