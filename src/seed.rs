//! Seed derivation: every random draw in a trial comes from a generator seeded by the spec seed, the
//! repeat, what the draw is for, and where it happens (shard, slice, step), so results do not depend
//! on the order in which threads run (DESIGN.md invariant 2).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere: portable, reproducible across platforms and crate versions.
pub type Rng = ChaCha8Rng;

/// What a random draw is for; each purpose gets an independent stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Generating a synthetic dataset.
    Data,
    /// Splitting the data into training and test points.
    Split,
    /// Assigning training points to shards and slices.
    Layout,
    /// Drawing the points whose deletion is requested.
    Requests,
    /// Training one constituent step (initialisation, batch order).
    Training,
    /// Training the retrain-from-scratch baseline.
    Baseline,
}

impl Purpose {
    fn tag(self) -> u64 {
        match self {
            Purpose::Data => 1,
            Purpose::Split => 2,
            Purpose::Layout => 3,
            Purpose::Requests => 4,
            Purpose::Training => 5,
            Purpose::Baseline => 6,
        }
    }
}

/// The seeds of one repetition of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeds {
    master: u64,
    repeat: u32,
}

impl Seeds {
    /// Seeds for repetition `repeat` of an experiment with master seed `master`.
    pub fn new(master: u64, repeat: u32) -> Self {
        Seeds { master, repeat }
    }

    /// A seed for `purpose` at position `at` (e.g. `[shard, slice]`); equal inputs, equal seeds.
    pub fn seed(&self, purpose: Purpose, at: &[u64]) -> u64 {
        let mut state = mix(self.master ^ 0x5157_4953_4153_4953);
        state = mix(state ^ u64::from(self.repeat));
        state = mix(state ^ purpose.tag());
        for &coordinate in at {
            state = mix(state ^ coordinate);
        }
        state
    }

    /// The seed of a synthetic dataset: it depends on the master seed only, so every repeat sees the
    /// same points, as it would with a dataset read from a file.
    pub fn dataset(master: u64) -> u64 {
        Seeds::new(master, 0).seed(Purpose::Data, &[])
    }

    /// A generator for `purpose` at position `at`.
    pub fn rng(&self, purpose: Purpose, at: &[u64]) -> Rng {
        Rng::seed_from_u64(self.seed(purpose, at))
    }
}

/// SplitMix64's finaliser: a bijective mix with good avalanche, so nearby inputs give unrelated seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_by_purpose_position_and_repeat() {
        let seeds = Seeds::new(7, 0);
        let a = seeds.seed(Purpose::Training, &[0, 1]);
        assert_ne!(a, seeds.seed(Purpose::Training, &[1, 0]));
        assert_ne!(a, seeds.seed(Purpose::Baseline, &[0, 1]));
        assert_ne!(a, Seeds::new(7, 1).seed(Purpose::Training, &[0, 1]));
        assert_eq!(a, Seeds::new(7, 0).seed(Purpose::Training, &[0, 1]));
    }

    #[test]
    fn seeds_are_stable_across_versions() {
        // Results tables are keyed by seeds; changing the derivation silently changes every number.
        assert_eq!(
            Seeds::new(0, 0).seed(Purpose::Data, &[]),
            17_313_167_047_866_013_972
        );
    }
}
