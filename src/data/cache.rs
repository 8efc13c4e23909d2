//! Memoises datasets across the trials of a run: each distinct (source, seed) is built once, by
//! the first trial that asks, and shared read-only (`Arc`) with the rest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::{load, DataError, Dataset};
use crate::spec::DatasetSettings;

type Slot = Arc<OnceLock<Result<Arc<Dataset>, DataError>>>;

/// Datasets built so far in this run, keyed by their canonical settings and seed.
#[derive(Debug, Default)]
pub struct DatasetCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl DatasetCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dataset for `settings` and `master_seed`, built on first use. Concurrent callers for
    /// the same dataset wait for one build instead of racing.
    pub fn get(
        &self,
        settings: &DatasetSettings,
        master_seed: u64,
    ) -> Result<Arc<Dataset>, DataError> {
        let key = serde_json::to_string(&(&settings.source, master_seed))
            .expect("dataset settings serialise");
        let slot = {
            let mut slots = self.slots.lock().expect("cache lock is never poisoned");
            slots.entry(key).or_default().clone()
        };
        slot.get_or_init(|| load(settings, master_seed).map(Arc::new))
            .clone()
    }
}
