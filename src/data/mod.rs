//! The points: the [`Dataset`] type, its train/test [`Split`], and the sources it is built from,
//! memoised so trials that share a dataset load it once.

pub mod cache;
pub mod dataset;
pub mod export;
pub mod kmeans;
pub mod synthetic;

pub use cache::DatasetCache;
pub use dataset::{ClassId, Dataset, PointId, Split};

use crate::seed::{Rng, Seeds};
use crate::spec::{DataSource, DatasetSettings};
use rand::SeedableRng;

/// A dataset that cannot be built or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The data do not fit what the spec asks for.
    #[error("{key}: {message}")]
    Unusable {
        /// Dotted spec key the problem relates to.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// Builds the dataset a spec describes; synthetic data depend on the master seed only.
pub fn load(settings: &DatasetSettings, master_seed: u64) -> Result<Dataset, DataError> {
    let mut rng = Rng::seed_from_u64(Seeds::dataset(master_seed));
    let data = match &settings.source {
        DataSource::Purchase(purchase) => synthetic::purchase(purchase, &mut rng),
        DataSource::Blobs(blobs) => synthetic::blobs(blobs, &mut rng),
    };
    Ok(data)
}
