//! Points of a dataset, by id: how models see training sets and test sets without copies.

use ndarray::Array2;

use crate::data::{ClassId, Dataset, PointId};

/// Points of a dataset, by id: how models see training sets and test sets without copies.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    /// The dataset the ids refer to.
    pub data: &'a Dataset,
    /// The points, in order.
    pub ids: &'a [PointId],
}

impl<'a> Rows<'a> {
    /// The rows `ids` of `data`.
    pub fn new(data: &'a Dataset, ids: &'a [PointId]) -> Self {
        Rows { data, ids }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The labels of the points, in order.
    pub fn labels(&self) -> Vec<ClassId> {
        self.ids.iter().map(|&id| self.data.label(id)).collect()
    }

    /// The features gathered into a contiguous f64 matrix (for libraries that need one).
    pub fn gather_f64(&self) -> Array2<f64> {
        let mut matrix = Array2::zeros((self.len(), self.data.n_features()));
        for (mut target, &id) in matrix.rows_mut().into_iter().zip(self.ids) {
            target
                .iter_mut()
                .zip(self.data.row(id))
                .for_each(|(t, &v)| *t = f64::from(v));
        }
        matrix
    }

    /// The distinct classes present, sorted.
    pub fn classes_present(&self) -> Vec<ClassId> {
        let mut seen = vec![false; self.data.n_classes()];
        for &id in self.ids {
            seen[self.data.label(id).index()] = true;
        }
        (0..seen.len() as u32)
            .filter(|&c| seen[c as usize])
            .map(ClassId)
            .collect()
    }
}

/// The single class of `rows`, when they hold only one (so there is nothing to learn).
pub fn only_class(rows: Rows<'_>) -> Option<ClassId> {
    match rows.classes_present()[..] {
        [only] => Some(only),
        _ => None,
    }
}
