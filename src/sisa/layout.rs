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
            .map(|shard| sorted_slices(shard, slices))
            .collect();
        Layout { shards }
    }

    /// Distribution-aware sharding (the paper's Algorithm 1) over request units (points, or
    /// groups one request deletes together), each with its expected number of requests. Units are
    /// sorted by that expectation, most likely first (ties in random order), and fill shards in
    /// turn, so likely requests land in few, small shards and unlikely ones in large shards that
    /// are rarely retrained. A unit never spans two shards. Within a shard, units are shuffled and
    /// cut into `slices` slices.
    pub fn distribution_aware(
        units: &[(&[PointId], f64)],
        target: ShardTarget,
        slices: usize,
        rng: &mut Rng,
    ) -> Layout {
        let mut order: Vec<usize> = (0..units.len()).collect();
        order.shuffle(rng);
        order.sort_by(|&a, &b| units[b].1.total_cmp(&units[a].1));
        let mut groups: Vec<Vec<usize>> = match target {
            ShardTarget::Capacity(capacity) => fill_to_capacity(&order, units, capacity),
            ShardTarget::Shards(shards) => fill_equal_shares(&order, units, shards),
        };
        let shards = groups
            .iter_mut()
            .map(|group| {
                group.shuffle(rng);
                let points: Vec<PointId> = group
                    .iter()
                    .flat_map(|&u| units[u].0.iter().copied())
                    .collect();
                sorted_slices(&points, slices)
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

/// How distribution-aware sharding decides where a shard ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShardTarget {
    /// Close a shard before its expected requests would exceed this (the number of shards follows).
    Capacity(f64),
    /// Exactly this many shards, each holding an equal share of the expected requests as far as
    /// units allow.
    Shards(usize),
}

/// Units (in `order`) into shards whose expected requests stay within `capacity`; every shard
/// gets at least one unit, and units never requested all end in the last shard.
fn fill_to_capacity(
    order: &[usize],
    units: &[(&[PointId], f64)],
    capacity: f64,
) -> Vec<Vec<usize>> {
    let mut shards: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut load = 0.0;
    for &unit in order {
        let expected = units[unit].1;
        if !current.is_empty() && load + expected > capacity {
            shards.push(std::mem::take(&mut current));
            load = 0.0;
        }
        current.push(unit);
        load += expected;
    }
    if !current.is_empty() {
        shards.push(current);
    }
    shards
}

/// Units (in `order`) into `shards` shards cut at equal shares of the total expected requests.
/// A very likely unit can cover several shares; the shards that leaves empty are made by halving
/// the shards with the most points (the unlikely tail), so there are always `shards` shards.
fn fill_equal_shares(
    order: &[usize],
    units: &[(&[PointId], f64)],
    shards: usize,
) -> Vec<Vec<usize>> {
    let total: f64 = units.iter().map(|(_, e)| e).sum();
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); shards];
    let mut cumulative = 0.0;
    for &unit in order {
        let share = if total > 0.0 { cumulative / total } else { 0.0 };
        let index = ((share * shards as f64) as usize).min(shards - 1);
        groups[index].push(unit);
        cumulative += units[unit].1;
    }
    groups.retain(|group| !group.is_empty());
    let points = |group: &Vec<usize>| -> usize { group.iter().map(|&u| units[u].0.len()).sum() };
    while groups.len() < shards {
        let (largest, _) = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.len() > 1)
            .max_by_key(|(_, g)| points(g))
            .expect("more units than shards");
        let half = groups[largest].len() / 2;
        let tail = groups[largest].split_off(half);
        groups.insert(largest + 1, tail);
    }
    groups
}

/// A shard's points cut into `slices` contiguous slices, each sorted by point id.
fn sorted_slices(shard: &[PointId], slices: usize) -> Vec<Vec<PointId>> {
    even_chunks(shard, slices)
        .into_iter()
        .map(|slice| {
            let mut slice = slice.to_vec();
            slice.sort_unstable();
            slice
        })
        .collect()
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

    fn covers_each_point_once(layout: &Layout, train: &[PointId]) {
        let locations = layout.locations();
        assert_eq!(
            locations.len(),
            train.len(),
            "every point placed exactly once"
        );
        let placed: usize = layout.shard_sizes().iter().sum();
        assert_eq!(placed, train.len());
    }

    #[test]
    fn distribution_aware_shards_put_likely_units_in_small_shards() {
        let train: Vec<PointId> = (0..1000).map(PointId).collect();
        let units: Vec<Vec<PointId>> = train.chunks(2).map(<[PointId]>::to_vec).collect();
        // Heavy-tailed expectations: unit i expects 10 / (i + 1) requests.
        let weighted: Vec<(&[PointId], f64)> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.as_slice(), 10.0 / (i as f64 + 1.0)))
            .collect();
        let by_capacity = Layout::distribution_aware(
            &weighted,
            ShardTarget::Capacity(4.0),
            1,
            &mut Rng::seed_from_u64(1),
        );
        covers_each_point_once(&by_capacity, &train);
        let sizes = by_capacity.shard_sizes();
        assert!(sizes.len() > 3, "{sizes:?}");
        assert!(
            sizes[0] < *sizes.last().unwrap(),
            "likely first, in small shards: {sizes:?}"
        );
        for shards in [2, 7, 20] {
            let fixed = Layout::distribution_aware(
                &weighted,
                ShardTarget::Shards(shards),
                2,
                &mut Rng::seed_from_u64(2),
            );
            assert_eq!(fixed.n_shards(), shards);
            covers_each_point_once(&fixed, &train);
            // A unit (here a pair of points) never spans two shards.
            let locations = fixed.locations();
            for unit in &units {
                assert_eq!(locations[&unit[0]].0, locations[&unit[1]].0);
            }
        }
    }

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
