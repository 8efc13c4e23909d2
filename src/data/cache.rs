//! Memoises datasets across the trials of a run: each distinct source is built once, by the
//! first trial that asks, and shared read-only (`Arc`) with the rest; so is each standardised
//! copy, per distinct training set.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::dataset::{Dataset, PointId};
use super::error::DataError;
use super::source::load;
use super::standardize::standardize;
use crate::spec::DataSource;

type Slot<T> = Arc<OnceLock<T>>;

/// A dataset once built, or why it could not be.
type Loaded = Result<Arc<Dataset>, DataError>;

/// A source's key and a hash of the training points a copy was standardised with.
type ScaledKey = (String, [u8; 32]);

/// Datasets built so far in this run.
#[derive(Debug, Default)]
pub struct DatasetCache {
    /// Keyed by the canonical source (and the seed, for synthetic data).
    loaded: Mutex<HashMap<String, Slot<Loaded>>>,
    /// Standardised copies, keyed by the source key and a hash of the training points.
    standardized: Mutex<HashMap<ScaledKey, Slot<Arc<Dataset>>>>,
}

impl DatasetCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dataset of `source` and `master_seed`, built on first use. Concurrent callers for
    /// the same dataset wait for one build instead of racing.
    pub fn get(&self, source: &DataSource, master_seed: u64) -> Result<Arc<Dataset>, DataError> {
        let key = key(source, master_seed);
        let slot = slot(&self.loaded, key);
        slot.get_or_init(|| load(source, master_seed).map(Arc::new))
            .clone()
    }

    /// `data` standardised with the statistics of the `train` points, built on first use.
    pub fn standardized(
        &self,
        source: &DataSource,
        master_seed: u64,
        data: &Dataset,
        train: &[PointId],
    ) -> Arc<Dataset> {
        let mut hasher = blake3::Hasher::new();
        for id in train {
            hasher.update(&id.0.to_le_bytes());
        }
        let key = (key(source, master_seed), *hasher.finalize().as_bytes());
        let slot = slot(&self.standardized, key);
        slot.get_or_init(|| Arc::new(standardize(data, train)))
            .clone()
    }
}

/// The cache key of a source: files do not depend on the seed, synthetic data do.
fn key(source: &DataSource, master_seed: u64) -> String {
    serde_json::to_string(&(source, source.seed(master_seed))).expect("dataset settings serialise")
}

fn slot<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Slot<T>>>, key: K) -> Slot<T> {
    let mut map = map.lock().expect("cache lock is never poisoned");
    map.entry(key).or_default().clone()
}
