//! Memoises datasets across the trials of a run: each distinct source is built once, by the
//! first trial that asks, and shared read-only (`Arc`) with the rest; so is each copy prepared
//! for training (missing values filled in, features standardised), per distinct training set.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::dataset::{Dataset, PointId};
use super::error::DataError;
use super::impute::impute;
use super::source::load;
use super::standardize::standardize;
use crate::spec::{DataSource, DatasetSettings};

type Slot<T> = Arc<OnceLock<T>>;

/// A dataset once built, or why it could not be.
type Loaded = Result<Arc<Dataset>, DataError>;

/// A source's key, a hash of the training points a copy was prepared with, and whether it is
/// standardised.
type PreparedKey = (String, [u8; 32], bool);

/// Datasets built so far in this run.
#[derive(Debug, Default)]
pub struct DatasetCache {
    /// Keyed by the canonical source (and the seed, for synthetic data).
    loaded: Mutex<HashMap<String, Slot<Loaded>>>,
    /// Copies prepared for training, keyed by the source key, a hash of the training points and
    /// whether they are standardised.
    prepared: Mutex<HashMap<PreparedKey, Slot<Arc<Dataset>>>>,
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

    /// `data` (the dataset of `settings`' source) as a trial with the `train` points trains on:
    /// its missing values filled in and, if `settings` ask, its features standardised, both
    /// with statistics of the `train` points only (in that order); built on first use. `data`
    /// itself when there is nothing to do.
    pub fn for_training(
        &self,
        settings: &DatasetSettings,
        master_seed: u64,
        data: Arc<Dataset>,
        train: &[PointId],
    ) -> Arc<Dataset> {
        if data.imputations.is_empty() && !settings.standardize {
            return data;
        }
        let mut hasher = blake3::Hasher::new();
        for id in train {
            hasher.update(&id.0.to_le_bytes());
        }
        let key = (
            key(&settings.source, master_seed),
            *hasher.finalize().as_bytes(),
            settings.standardize,
        );
        let slot = slot(&self.prepared, key);
        slot.get_or_init(|| Arc::new(prepare(&data, train, settings.standardize)))
            .clone()
    }
}

/// `data` with its missing values filled in, then standardised if `scale`, from the `train`
/// points' statistics.
fn prepare(data: &Dataset, train: &[PointId], scale: bool) -> Dataset {
    match (data.imputations.is_empty(), scale) {
        (false, true) => standardize(&impute(data, train), train),
        (false, false) => impute(data, train),
        (true, _) => standardize(data, train),
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
