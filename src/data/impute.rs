//! Missing feature values filled in per trial (`missing: mean`, `{text: most-frequent}`, ...),
//! with statistics of the trial's training points only, as standardisation is: nothing about the
//! test points leaks into training. A dataset keeps NaN where a value is missing, with the list
//! of what to fill in; [`impute`] makes the filled copy of a trial. Deterministic: sums run in the
//! order of the training points, ties go to the smallest value or the first category.

use std::collections::HashMap;
use std::ops::Range;

use super::dataset::{Dataset, PointId};

/// A feature (or the one-hot features of a text column) whose missing values (NaN) are filled in
/// per trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imputation {
    /// The features: one for a numeric column, a column's one-hot features for a text column.
    pub features: Range<usize>,
    /// How they are filled in.
    pub fill: Fill,
}

/// What fills a missing value, from the training points that have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Their mean.
    Mean,
    /// Their median (the mean of the two middle values for an even count).
    Median,
    /// The most frequent value (the smallest on a tie), or for one-hot features the most
    /// frequent category (the first on a tie).
    MostFrequent,
}

/// A copy of `data` with every [`Imputation`] filled in from the `train` points. A feature no
/// training point has a value for is filled with 0 (all zeros for one-hot features).
pub fn impute(data: &Dataset, train: &[PointId]) -> Dataset {
    let mut filled = data.clone();
    for imputation in &data.imputations {
        let value = fill_value(data, train, imputation);
        for mut row in filled.features.rows_mut() {
            let features =
                &mut row.as_slice_mut().expect("rows are contiguous")[imputation.features.clone()];
            if features[0].is_nan() {
                features.copy_from_slice(&value);
            }
        }
    }
    filled.imputations.clear();
    filled
}

/// The values that fill the missing entries of `imputation`'s features.
fn fill_value(data: &Dataset, train: &[PointId], imputation: &Imputation) -> Vec<f32> {
    let range = imputation.features.clone();
    let present = train
        .iter()
        .map(|&id| &data.row(id).to_slice().expect("rows are contiguous")[range.clone()])
        .filter(|values| !values[0].is_nan());
    if range.len() > 1 {
        return most_frequent_category(present, range.len());
    }
    let values: Vec<f32> = present.map(|values| values[0]).collect();
    let value = match imputation.fill {
        Fill::Mean => mean(&values),
        Fill::Median => median(values),
        Fill::MostFrequent => most_frequent(&values),
    };
    vec![value]
}

fn mean(values: &[f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let sum: f64 = values.iter().map(|&v| f64::from(v)).sum();
    (sum / values.len() as f64) as f32
}

fn median(mut values: Vec<f32>) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f32::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        ((f64::from(values[middle - 1]) + f64::from(values[middle])) / 2.0) as f32
    }
}

fn most_frequent(values: &[f32]) -> f32 {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for &value in values {
        // -0 and 0 are one value.
        *counts.entry((value + 0.0).to_bits()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(bits, count)| (f32::from_bits(bits), count))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))
        .map_or(0.0, |(value, _)| value)
}

/// The one-hot row of the category most of the `rows` have (the first on a tie).
fn most_frequent_category<'a>(rows: impl Iterator<Item = &'a [f32]>, width: usize) -> Vec<f32> {
    let mut counts = vec![0usize; width];
    for row in rows {
        for (count, &value) in counts.iter_mut().zip(row) {
            *count += usize::from(value != 0.0);
        }
    }
    let mut one_hot = vec![0.0; width];
    let best = counts.iter().max().copied().unwrap_or(0);
    if best > 0 {
        let first = counts
            .iter()
            .position(|&count| count == best)
            .expect("a maximum");
        one_hot[first] = 1.0;
    }
    one_hot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ClassId;
    use ndarray::array;

    fn data(features: ndarray::Array2<f32>, imputations: Vec<Imputation>) -> Dataset {
        let n = features.nrows();
        let mut data = Dataset::new("t", features, vec![ClassId(0); n], vec!["0".into()]);
        data.imputations = imputations;
        data
    }

    fn numeric(fill: Fill) -> Vec<Imputation> {
        vec![Imputation {
            features: 0..1,
            fill,
        }]
    }

    #[test]
    fn statistics_come_from_the_training_points_only() {
        let nan = f32::NAN;
        // Points 0-3 train; 4 and 5 (test) hold values that would move every statistic.
        let features = array![[1.0], [3.0], [nan], [3.0], [1000.0], [nan]];
        let train = [PointId(0), PointId(1), PointId(2), PointId(3)];
        let filled = |fill| impute(&data(features.clone(), numeric(fill)), &train);
        let mean = filled(Fill::Mean);
        let third = (7.0f64 / 3.0) as f32;
        assert_eq!(
            mean.features.column(0).to_vec(),
            [1.0, 3.0, third, 3.0, 1000.0, third]
        );
        assert!(mean.imputations.is_empty());
        let median = filled(Fill::Median);
        assert_eq!(median.features[[2, 0]], 3.0);
        assert_eq!(median.features[[5, 0]], 3.0);
        let frequent = filled(Fill::MostFrequent);
        assert_eq!(frequent.features[[5, 0]], 3.0);
        // With the test points among the training points, the statistics change.
        let all: Vec<PointId> = (0..6).map(PointId).collect();
        let leaky = impute(&data(features.clone(), numeric(Fill::Mean)), &all);
        assert_ne!(leaky.features[[2, 0]], mean.features[[2, 0]]);
    }

    #[test]
    fn medians_average_the_middle_pair_and_ties_take_the_smallest() {
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(most_frequent(&[2.0, 1.0, 2.0, 1.0]), 1.0);
        assert_eq!(mean(&[]), 0.0);
    }

    #[test]
    fn text_columns_get_the_most_frequent_training_category() {
        let nan = f32::NAN;
        // Two one-hot features (categories a, b); the test point (row 3) is all b.
        let features = array![
            [1.0, 0.0],
            [nan, nan],
            [1.0, 0.0],
            [0.0, 1.0],
            [0.0, 1.0],
            [nan, nan]
        ];
        let imputations = vec![Imputation {
            features: 0..2,
            fill: Fill::MostFrequent,
        }];
        let train = [PointId(0), PointId(1), PointId(2)];
        let filled = impute(&data(features, imputations), &train);
        assert_eq!(filled.features.row(1).to_vec(), [1.0, 0.0]);
        assert_eq!(filled.features.row(5).to_vec(), [1.0, 0.0]);
    }
}
