//! A trial's training and test points: a seeded random split (optionally stratified by class),
//! or the rows of the dataset's own test file.

use std::path::Path;

use rand::seq::SliceRandom;

use super::dataset::{Dataset, PointId};
use super::error::DataError;
use crate::seed::Rng;
use crate::spec::{DataSource, DatasetSettings, SplitSettings};

/// The training and test points of a trial, each sorted by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Points SISA and the baseline train on.
    pub train: Vec<PointId>,
    /// Points accuracy is measured on.
    pub test: Vec<PointId>,
}

impl Split {
    /// The split `settings` ask for: the test file's rows if the dataset has them; otherwise
    /// `round(n * test_fraction)` random test points, drawn per class in proportion when
    /// stratified (classes get their share by largest remainder, so the total is the same).
    pub fn new(
        data: &Dataset,
        settings: &DatasetSettings,
        rng: &mut Rng,
    ) -> Result<Split, DataError> {
        let (n_train, n_test) = Split::sizes(data, settings)?;
        if data.test_start.is_some() {
            let ids = data.ids();
            return Ok(Split {
                train: ids[..n_train].to_vec(),
                test: ids[n_train..].to_vec(),
            });
        }
        let mut test = if stratified(settings) {
            stratified_test(data, n_test, rng)
        } else {
            let mut order = data.ids();
            order.shuffle(rng);
            order.truncate(n_test);
            order
        };
        test.sort_unstable();
        let mut is_test = vec![false; data.n_points()];
        for id in &test {
            is_test[id.index()] = true;
        }
        let train = data
            .ids()
            .into_iter()
            .filter(|id| !is_test[id.index()])
            .collect();
        Ok(Split { train, test })
    }

    /// The training and test sizes of the split `settings` ask for, without drawing it; fails
    /// when a class is too small to stratify or either part would be empty.
    pub fn sizes(data: &Dataset, settings: &DatasetSettings) -> Result<(usize, usize), DataError> {
        if let Some(start) = data.test_start {
            return Ok((start, data.n_points() - start));
        }
        let (n_train, n_test) = settings
            .split_sizes(data.n_points())
            .expect("a dataset without a test file is split at random");
        if n_train == 0 || n_test == 0 {
            return Err(unusable(
                settings,
                "dataset.test_fraction",
                format!(
                    "leaves an empty training or test set of the {} points",
                    data.n_points()
                ),
            ));
        }
        if stratified(settings) {
            let counts = data.class_counts();
            let small: Vec<String> = counts
                .iter()
                .zip(&data.classes)
                .filter(|(&count, _)| count < 2)
                .map(|(count, name)| format!("`{name}` ({count})"))
                .collect();
            if !small.is_empty() {
                let shown = small.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                return Err(unusable(
                    settings,
                    "dataset.stratify",
                    format!(
                        "a stratified split needs at least 2 points in every class (one for \
                         training, one for testing), but {} {} fewer: {shown}{}; set \
                         `stratify: false` or leave those points out",
                        small.len(),
                        if small.len() == 1 {
                            "class has"
                        } else {
                            "classes have"
                        },
                        if small.len() > 5 { ", ..." } else { "" }
                    ),
                ));
            }
        }
        Ok((n_train, n_test))
    }
}

fn stratified(settings: &DatasetSettings) -> bool {
    matches!(settings.split, SplitSettings::Random { stratify: true, .. })
}

/// `n_test` points, each class contributing its share (largest remainder), shuffled per class.
fn stratified_test(data: &Dataset, n_test: usize, rng: &mut Rng) -> Vec<PointId> {
    let mut by_class: Vec<Vec<PointId>> = vec![Vec::new(); data.n_classes()];
    for id in data.ids() {
        by_class[data.label(id).index()].push(id);
    }
    let n = data.n_points() as f64;
    let quotas: Vec<f64> = by_class
        .iter()
        .map(|points| points.len() as f64 * n_test as f64 / n)
        .collect();
    let mut shares: Vec<usize> = quotas.iter().map(|quota| quota.floor() as usize).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let remainder = |c: usize| quotas[c] - quotas[c].floor();
        remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b))
    });
    let missing = n_test - shares.iter().sum::<usize>();
    for &class in order.iter().cycle().take(missing) {
        shares[class] += 1;
    }
    let mut test = Vec::with_capacity(n_test);
    for (points, share) in by_class.iter_mut().zip(shares) {
        points.shuffle(rng);
        test.extend_from_slice(&points[..share.min(points.len())]);
    }
    test
}

/// A split that does not fit the data: named after the data file, or the key for synthetic data.
fn unusable(settings: &DatasetSettings, key: &str, message: String) -> DataError {
    match &settings.source {
        DataSource::File(file) => DataError::invalid(&file.train.path, format!("{key}: {message}")),
        _ => DataError::invalid(
            Path::new(settings.source.name()),
            format!("{key}: {message}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ClassId;
    use crate::spec::{BlobsSettings, DataSource};
    use ndarray::Array2;
    use rand::SeedableRng;

    fn data(labels: &[u32]) -> Dataset {
        let classes = (0..=*labels.iter().max().unwrap())
            .map(|c| c.to_string())
            .collect();
        Dataset::new(
            "t",
            Array2::zeros((labels.len(), 1)),
            labels.iter().map(|&l| ClassId(l)).collect(),
            classes,
        )
    }

    fn settings(test_fraction: f64, stratify: bool) -> DatasetSettings {
        DatasetSettings {
            source: DataSource::Blobs(BlobsSettings {
                samples: 100,
                features: 1,
                classes: 2,
                noise: 1.0,
            }),
            split: SplitSettings::Random {
                test_fraction,
                stratify,
            },
            standardize: false,
        }
    }

    #[test]
    fn random_split_is_disjoint_covering_and_seeded() {
        let data = data(&[0; 100]);
        let settings = settings(0.25, false);
        let draw = |seed| Split::new(&data, &settings, &mut Rng::seed_from_u64(seed)).unwrap();
        let split = draw(3);
        assert_eq!((split.train.len(), split.test.len()), (75, 25));
        let mut all: Vec<_> = split.train.iter().chain(&split.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, data.ids());
        assert_eq!(split, draw(3));
        assert_ne!(split, draw(4));
    }

    #[test]
    fn stratified_split_keeps_class_proportions_and_the_total() {
        // 60 / 30 / 10 points; 20% test: 12 / 6 / 2.
        let mut labels = vec![0; 60];
        labels.extend([1; 30]);
        labels.extend([2; 10]);
        let data = data(&labels);
        let settings = settings(0.2, true);
        let split = Split::new(&data, &settings, &mut Rng::seed_from_u64(1)).unwrap();
        let mut per_class = [0; 3];
        split
            .test
            .iter()
            .for_each(|&id| per_class[data.label(id).index()] += 1);
        assert_eq!(per_class, [12, 6, 2]);
        assert_eq!(split.train.len() + split.test.len(), 100);

        // Shares with remainders: 7 and 3 points at 0.5 give 3.5 and 1.5 -> 5 in total.
        let odd = data_with(&[7, 3]);
        let split = Split::new(&odd, &settings_with(0.5), &mut Rng::seed_from_u64(2)).unwrap();
        assert_eq!(split.test.len(), 5);
    }

    fn data_with(counts: &[usize]) -> Dataset {
        let labels: Vec<u32> = counts
            .iter()
            .enumerate()
            .flat_map(|(class, &count)| std::iter::repeat_n(class as u32, count))
            .collect();
        data(&labels)
    }

    fn settings_with(test_fraction: f64) -> DatasetSettings {
        settings(test_fraction, true)
    }

    #[test]
    fn a_class_of_one_point_cannot_be_stratified() {
        let data = data_with(&[10, 1]);
        let error = Split::sizes(&data, &settings(0.2, true))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("dataset.stratify") && error.contains("`1` (1)"),
            "{error}"
        );
        assert!(Split::sizes(&data, &settings(0.2, false)).is_ok());
    }

    #[test]
    fn a_test_file_gives_a_fixed_split() {
        let mut data = data(&[0, 1, 0, 1, 0]);
        data.test_start = Some(3);
        let split = Split::new(&data, &settings(0.2, false), &mut Rng::seed_from_u64(1)).unwrap();
        assert_eq!(split.train, vec![PointId(0), PointId(1), PointId(2)]);
        assert_eq!(split.test, vec![PointId(3), PointId(4)]);
    }
}
