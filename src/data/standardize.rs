//! Standardisation of features (mean 0, standard deviation 1) with statistics fitted on a
//! trial's training points only, so nothing about the test points leaks into training.

use ndarray::Axis;

use super::dataset::{Dataset, PointId};

/// A copy of `data` whose every feature is shifted and scaled by the mean and (population)
/// standard deviation of the `train` points; a constant feature is only shifted, as
/// scikit-learn's `StandardScaler` does.
pub fn standardize(data: &Dataset, train: &[PointId]) -> Dataset {
    let width = data.n_features();
    let mut sums = vec![0.0f64; width];
    let mut squares = vec![0.0f64; width];
    for &id in train {
        for ((sum, square), &value) in sums.iter_mut().zip(&mut squares).zip(data.row(id)) {
            let value = f64::from(value);
            *sum += value;
            *square += value * value;
        }
    }
    let n = train.len().max(1) as f64;
    let means: Vec<f64> = sums.iter().map(|sum| sum / n).collect();
    let scales: Vec<f64> = squares
        .iter()
        .zip(&means)
        .map(|(square, mean)| {
            let deviation = (square / n - mean * mean).max(0.0).sqrt();
            if deviation > 1e-12 * mean.abs().max(1.0) {
                deviation
            } else {
                1.0
            }
        })
        .collect();
    let mut scaled = data.clone();
    for mut row in scaled.features.axis_iter_mut(Axis(0)) {
        for ((value, mean), scale) in row.iter_mut().zip(&means).zip(&scales) {
            *value = ((f64::from(*value) - mean) / scale) as f32;
        }
    }
    scaled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ClassId;
    use ndarray::array;

    #[test]
    fn uses_training_statistics_only() {
        let data = Dataset::new(
            "t",
            array![[1.0, 5.0], [3.0, 5.0], [100.0, 7.0]],
            vec![ClassId(0); 3],
            vec!["0".into()],
        );
        let scaled = standardize(&data, &[PointId(0), PointId(1)]);
        // Feature 0: mean 2, deviation 1; feature 1: constant 5, only shifted.
        assert_eq!(scaled.features.row(0).to_vec(), vec![-1.0, 0.0]);
        assert_eq!(scaled.features.row(1).to_vec(), vec![1.0, 0.0]);
        assert_eq!(scaled.features.row(2).to_vec(), vec![98.0, 2.0]);
    }
}
