//! Embedded synthetic datasets, so the main job needs no files: purchase-like binary records
//! labelled by k-means (as the paper built Purchase), and Gaussian blobs. Both seeded. Their
//! size is checked against the limits with the spec (`spec::check`); runs build them with
//! [`try_purchase`] and [`try_blobs`], for which running out of memory is an error, not an abort.

use ndarray::Array2;
use rand::Rng as _;

use super::dataset::{ClassId, Dataset};
use super::error::Result;
use super::input;
use super::kmeans;
use crate::seed::Rng;
use crate::spec::{BlobsSettings, PurchaseSettings};

/// Probability that a customer buys an item their profile favours.
const FAVOURED: f64 = 0.5;
/// Probability that a customer buys any other item.
const BACKGROUND: f64 = 0.02;

/// Purchase-like records: each point picks one of `prototypes` customer profiles; a profile
/// favours a random `density` fraction of the items, bought with probability 0.5 (others 0.02).
/// Labels are k-means clusters of the records, largest cluster first.
pub fn purchase(settings: &PurchaseSettings, rng: &mut Rng) -> Dataset {
    let values = Vec::with_capacity(settings.samples * settings.features);
    purchase_into(settings, rng, values)
}

/// [`purchase`], reporting a failed allocation of the features as an error.
pub fn try_purchase(settings: &PurchaseSettings, rng: &mut Rng) -> Result<Dataset> {
    let values = features_buffer("purchase", settings.samples * settings.features)?;
    Ok(purchase_into(settings, rng, values))
}

/// [`purchase`] with `values`, an empty buffer for the features.
fn purchase_into(settings: &PurchaseSettings, rng: &mut Rng, mut values: Vec<f32>) -> Dataset {
    let PurchaseSettings {
        samples,
        features,
        classes,
        prototypes,
        density,
    } = *settings;
    let profiles: Vec<Vec<f64>> = (0..prototypes)
        .map(|_| {
            (0..features)
                .map(|_| {
                    if rng.gen_bool(density) {
                        FAVOURED
                    } else {
                        BACKGROUND
                    }
                })
                .collect()
        })
        .collect();
    for _ in 0..samples {
        // Customers mix two profiles, so records fill the space between clusters.
        let first = &profiles[rng.gen_range(0..prototypes)];
        let second = &profiles[rng.gen_range(0..prototypes)];
        let mix: f64 = rng.gen();
        values.extend(first.iter().zip(second).map(|(&p, &q)| {
            let probability = mix * p + (1.0 - mix) * q;
            if rng.gen_bool(probability) {
                1.0f32
            } else {
                0.0
            }
        }));
    }
    let features = Array2::from_shape_vec((samples, features), values).expect("shape matches");
    let clusters = kmeans::cluster(features.view(), classes, rng);
    let labels = clusters.into_iter().map(ClassId).collect();
    Dataset::new("purchase", features, labels, class_names(classes))
}

/// Gaussian blobs: one centre per class, uniform in [-10, 10]^features; each point picks a class
/// uniformly and lies at its centre plus `noise` times a standard normal vector.
pub fn blobs(settings: &BlobsSettings, rng: &mut Rng) -> Dataset {
    let values = Vec::with_capacity(settings.samples * settings.features);
    blobs_into(settings, rng, values)
}

/// [`blobs`], reporting a failed allocation of the features as an error.
pub fn try_blobs(settings: &BlobsSettings, rng: &mut Rng) -> Result<Dataset> {
    let values = features_buffer("blobs", settings.samples * settings.features)?;
    Ok(blobs_into(settings, rng, values))
}

/// [`blobs`] with `values`, an empty buffer for the features.
fn blobs_into(settings: &BlobsSettings, rng: &mut Rng, mut values: Vec<f32>) -> Dataset {
    let BlobsSettings {
        samples,
        features,
        classes,
        noise,
    } = *settings;
    let centres: Vec<Vec<f64>> = (0..classes)
        .map(|_| (0..features).map(|_| rng.gen_range(-10.0..10.0)).collect())
        .collect();
    let mut labels = Vec::with_capacity(samples);
    for _ in 0..samples {
        let class = rng.gen_range(0..classes);
        labels.push(ClassId(class as u32));
        values.extend(
            centres[class]
                .iter()
                .map(|&centre| (centre + noise * standard_normal(rng)) as f32),
        );
    }
    let features = Array2::from_shape_vec((samples, features), values).expect("shape matches");
    Dataset::new("blobs", features, labels, class_names(classes))
}

/// An empty buffer with room for the `count` feature values of a `name` dataset.
fn features_buffer(name: &str, count: usize) -> Result<Vec<f32>> {
    let mut values = Vec::new();
    input::reserve_exact(&mut values, count, || {
        format!("the features of the synthetic `{name}` dataset")
    })?;
    Ok(values)
}

fn class_names(classes: usize) -> Vec<String> {
    (0..classes).map(|class| class.to_string()).collect()
}

/// A standard normal draw (Box-Muller), to avoid a dependency for one function.
fn standard_normal(rng: &mut Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Gaussian blobs for tests: `samples` points of `classes` classes in `features` dimensions,
/// drawn with `seed`.
#[cfg(test)]
pub fn test_blobs(
    samples: usize,
    features: usize,
    classes: usize,
    noise: f64,
    seed: u64,
) -> Dataset {
    use rand::SeedableRng;
    let settings = BlobsSettings {
        samples,
        features,
        classes,
        noise,
    };
    blobs(&settings, &mut Rng::seed_from_u64(seed))
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn purchase_settings() -> PurchaseSettings {
        PurchaseSettings {
            samples: 500,
            features: 40,
            classes: 3,
            prototypes: 6,
            density: 0.2,
        }
    }

    #[test]
    fn purchase_is_binary_seeded_and_uses_every_class() {
        let data = purchase(&purchase_settings(), &mut Rng::seed_from_u64(5));
        assert_eq!(data.features.dim(), (500, 40));
        assert!(data.features.iter().all(|&v| v == 0.0 || v == 1.0));
        let mut counts = [0; 3];
        data.labels.iter().for_each(|c| counts[c.index()] += 1);
        assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
        assert!(
            counts[0] >= counts[1] && counts[1] >= counts[2],
            "largest cluster first"
        );
        assert_eq!(
            data,
            purchase(&purchase_settings(), &mut Rng::seed_from_u64(5))
        );
    }

    #[test]
    fn blobs_lie_around_their_centres() {
        let settings = BlobsSettings {
            samples: 300,
            features: 2,
            classes: 3,
            noise: 0.5,
        };
        let data = blobs(&settings, &mut Rng::seed_from_u64(9));
        assert_eq!(data.n_classes(), 3);
        assert!(data.features.iter().all(|v| v.abs() < 13.0));
        assert_eq!(data, blobs(&settings, &mut Rng::seed_from_u64(9)));
    }
}
