//! Content-keyed checkpoints. A step's key hashes the previous step's key with the slice index and
//! the ordered ids of the slice's remaining points; the first key hashes the model's fingerprint, the
//! training seed and the shard. Equal keys mean equal training inputs, so a checkpoint found under
//! its key is exactly what retraining would produce: unlearning is "train again with the store".

use std::collections::HashMap;
use std::sync::Arc;

use crate::data::PointId;
use crate::model::{Fingerprint, ModelState};

use super::layout::{ShardId, SliceId};

/// The identity of a step's training inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckpointKey([u8; 32]);

impl CheckpointKey {
    /// The key before a shard's first step.
    pub fn root(model: Fingerprint, slices: usize, shard: ShardId, training_seed: u64) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"sisa-checkpoint-v2");
        hasher.update(&model.0);
        hasher.update(&(slices as u64).to_le_bytes());
        hasher.update(&(shard.0 as u64).to_le_bytes());
        hasher.update(&training_seed.to_le_bytes());
        CheckpointKey(*hasher.finalize().as_bytes())
    }

    /// The key after training slice `slice` on top of `self`, with the given remaining points.
    pub fn then(&self, slice: SliceId, remaining: &[PointId]) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.0);
        hasher.update(&(slice.0 as u64).to_le_bytes());
        hasher.update(&(remaining.len() as u64).to_le_bytes());
        for point in remaining {
            hasher.update(&point.0.to_le_bytes());
        }
        CheckpointKey(*hasher.finalize().as_bytes())
    }
}

/// Checkpoints by key. Cloning is cheap (states are shared), so an independent batch of requests
/// can unlearn from a copy of the trained store and leave the original untouched.
#[derive(Debug, Clone, Default)]
pub struct CheckpointStore {
    states: HashMap<CheckpointKey, Arc<dyn ModelState>>,
}

impl CheckpointStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The checkpoint stored under `key`.
    pub fn get(&self, key: &CheckpointKey) -> Option<&Arc<dyn ModelState>> {
        self.states.get(key)
    }

    /// Stores a checkpoint.
    pub fn insert(&mut self, key: CheckpointKey, state: Arc<dyn ModelState>) {
        self.states.insert(key, state);
    }

    /// Keeps only the checkpoints under `keys` (those the current ensemble stands on), so a long
    /// sequence of unlearning steps holds at most one chain per shard.
    pub fn retain(&mut self, keys: &[CheckpointKey]) {
        let wanted: std::collections::HashSet<&CheckpointKey> = keys.iter().collect();
        self.states.retain(|key, _| wanted.contains(key));
    }

    /// Number of checkpoints held.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Bytes of parameters held.
    pub fn bytes(&self) -> usize {
        self.states.values().map(|state| state.byte_size()).sum()
    }
}
