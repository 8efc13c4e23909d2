//! Which training point sits in which shard and slice. Shards and slices are lists of point ids
//! into the shared dataset, never copies.

use std::collections::HashMap;

use rand::seq::SliceRandom;

use crate::data::PointId;
use crate::seed::Rng;

/// A shard's position, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShardId(pub usize);

/// A slice's position within its shard, from 0 (slice 0 is trained first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SliceId(pub usize);

/// The training points arranged into shards, each cut into slices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `shards[s][r]` holds the points of slice `r` of shard `s`, in training order.
    shards: Vec<Vec<Vec<PointId>>>,
}

impl Layout {
    /// Uniform random sharding: shuffle, cut into `shards` shards of equal size (within one point),
    /// and cut each shard into `slices` slices of equal size (within one point). Each slice lists
    /// its points by id, so training streams the dataset in memory order.
    pub fn uniform(train: &[PointId], shards: usize, slices: usize, rng: &mut Rng) -> Layout {
        let mut order = train.to_vec();
        order.shuffle(rng);
        let shards = even_chunks(&order, shards)
            .into_iter()
            .map(|shard| {
                even_chunks(shard, slices)
                    .into_iter()
                    .map(|slice| {
                        let mut slice = slice.to_vec();
                        slice.sort_unstable();
                        slice
                    })
                    .collect()
            })
            .collect();
        Layout { shards }
    }

    /// All of `train` in one shard of one slice: the layout of the retrain-from-scratch baseline.
    pub fn single(train: &[PointId]) -> Layout {
        Layout {
            shards: vec![vec![train.to_vec()]],
        }
    }

    /// Number of shards S.
    pub fn n_shards(&self) -> usize {
        self.shards.len()
    }

    /// Number of slices R per shard.
    pub fn n_slices(&self) -> usize {
        self.shards.first().map_or(0, Vec::len)
    }

    /// The slices of one shard, in training order.
    pub fn slices(&self, shard: ShardId) -> &[Vec<PointId>] {
        &self.shards[shard.0]
    }

    /// Points per shard.
    pub fn shard_sizes(&self) -> Vec<usize> {
        self.shards
            .iter()
            .map(|slices| slices.iter().map(Vec::len).sum())
            .collect()
    }

    /// Where every training point sits.
    pub fn locations(&self) -> HashMap<PointId, (ShardId, SliceId)> {
        let mut locations = HashMap::new();
        for (s, slices) in self.shards.iter().enumerate() {
            for (r, slice) in slices.iter().enumerate() {
                for &point in slice {
                    locations.insert(point, (ShardId(s), SliceId(r)));
                }
            }
        }
        locations
    }
}

/// `items` cut into `parts` contiguous chunks whose sizes differ by at most one (larger first).
fn even_chunks<T>(items: &[T], parts: usize) -> Vec<&[T]> {
    let base = items.len() / parts;
    let extra = items.len() % parts;
    let mut chunks = Vec::with_capacity(parts);
    let mut start = 0;
    for part in 0..parts {
        let size = base + usize::from(part < extra);
        chunks.push(&items[start..start + size]);
        start += size;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shards_and_slices_are_disjoint_covering_and_balanced() {
        let train: Vec<PointId> = (0..103).map(PointId).collect();
        for (shards, slices) in [(1, 1), (5, 1), (5, 4), (7, 3), (103, 1)] {
            let layout = Layout::uniform(&train, shards, slices, &mut Rng::seed_from_u64(11));
            assert_eq!((layout.n_shards(), layout.n_slices()), (shards, slices));
            let sizes = layout.shard_sizes();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
            let locations = layout.locations();
            assert_eq!(
                locations.len(),
                train.len(),
                "every point placed exactly once"
            );
            for s in 0..shards {
                let lens: Vec<usize> = layout.slices(ShardId(s)).iter().map(Vec::len).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }
}
