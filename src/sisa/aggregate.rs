//! Aggregation of constituent predictions into the ensemble's labels, and accuracy.

use ndarray::{Array2, ArrayView1};

use crate::data::ClassId;
use crate::spec::Aggregation;

/// The ensemble's label for each point, from each constituent's probabilities (points x classes)
/// and the number of training points of its shard. Constituents with no points left (`None`)
/// abstain.
pub fn aggregate(
    aggregation: Aggregation,
    probas: &[Option<Array2<f64>>],
    shard_sizes: &[usize],
) -> Vec<ClassId> {
    let voters: Vec<(&Array2<f64>, usize)> = probas
        .iter()
        .zip(shard_sizes)
        .filter_map(|(proba, &size)| proba.as_ref().map(|p| (p, size)))
        .collect();
    let Some((first, _)) = voters.first() else {
        return Vec::new();
    };
    let (n_points, n_classes) = first.dim();
    let mut totals = Array2::<f64>::zeros((n_points, n_classes));
    for &(proba, size) in &voters {
        let vote = match aggregation {
            Aggregation::Majority => 1.0,
            Aggregation::Weighted => size as f64,
            Aggregation::MeanProba => {
                totals += proba;
                continue;
            }
        };
        for (point, row) in proba.rows().into_iter().enumerate() {
            totals[[point, argmax(row).index()]] += vote;
        }
    }
    totals.rows().into_iter().map(argmax).collect()
}

/// The most likely class; ties go to the lowest class.
pub fn argmax(row: ArrayView1<'_, f64>) -> ClassId {
    let mut best = 0;
    for (class, &value) in row.iter().enumerate() {
        if value > row[best] {
            best = class;
        }
    }
    ClassId(best as u32)
}

/// The fraction of `predicted` equal to `truth`.
pub fn accuracy(predicted: &[ClassId], truth: &[ClassId]) -> f64 {
    assert_eq!(predicted.len(), truth.len(), "one prediction per point");
    if truth.is_empty() {
        return 0.0;
    }
    let correct = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    correct as f64 / truth.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn majority_counts_votes_and_breaks_ties_low() {
        let a = array![[0.9, 0.1, 0.0], [0.2, 0.8, 0.0]];
        let b = array![[0.1, 0.9, 0.0], [0.0, 0.4, 0.6]];
        let c = array![[0.0, 0.0, 1.0], [0.0, 0.9, 0.1]];
        let probas = vec![Some(a), Some(b), Some(c)];
        let equal = [10, 10, 10];
        let labels = |aggregation, sizes: &[usize]| aggregate(aggregation, &probas, sizes);
        // Point 0: votes 0, 1, 2 -> tie -> class 0. Point 1: votes 1, 2, 1 -> class 1.
        assert_eq!(
            labels(Aggregation::Majority, &equal),
            vec![ClassId(0), ClassId(1)]
        );
        // Mean of probabilities: point 0 -> (1.0, 1.0, 1.0)/3 tie -> 0; point 1 -> class 1.
        assert_eq!(
            labels(Aggregation::MeanProba, &equal),
            vec![ClassId(0), ClassId(1)]
        );
        // Weighted by shard size, the large second shard outvotes the others.
        let sizes = [10, 100, 10];
        assert_eq!(
            labels(Aggregation::Weighted, &sizes),
            vec![ClassId(1), ClassId(2)]
        );
    }

    #[test]
    fn empty_constituents_abstain() {
        let probas = vec![None, Some(array![[0.2, 0.8]])];
        let labels = aggregate(Aggregation::Majority, &probas, &[0, 5]);
        assert_eq!(labels, vec![ClassId(1)]);
        let truth = [ClassId(1), ClassId(1)];
        assert_eq!(accuracy(&[ClassId(1), ClassId(0)], &truth), 0.5);
    }
}
