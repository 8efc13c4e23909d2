//! Deletion requests: which training points are asked to be forgotten.

use rand::seq::SliceRandom;

use crate::data::PointId;
use crate::seed::Rng;
use crate::spec::Distribution;

/// `count` distinct training points drawn from `train` under `distribution`, sorted by id.
pub fn draw(
    distribution: Distribution,
    train: &[PointId],
    count: usize,
    rng: &mut Rng,
) -> Vec<PointId> {
    match distribution {
        Distribution::Uniform => {
            let mut drawn: Vec<PointId> = train.choose_multiple(rng, count).copied().collect();
            drawn.sort_unstable();
            drawn
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn uniform_draws_are_distinct_seeded_and_roughly_uniform() {
        let train: Vec<PointId> = (0..50).map(PointId).collect();
        let mut rng = Rng::seed_from_u64(1);
        let mut hits = [0usize; 50];
        for _ in 0..2000 {
            let drawn = draw(Distribution::Uniform, &train, 5, &mut rng);
            let mut unique = drawn.clone();
            unique.dedup();
            assert_eq!(unique.len(), 5);
            drawn.iter().for_each(|p| hits[p.index()] += 1);
        }
        // Each point is expected 200 times; a chi-square over 49 degrees of freedom stays below 90
        // with probability above 0.999.
        let chi_square: f64 = hits
            .iter()
            .map(|&h| (h as f64 - 200.0).powi(2) / 200.0)
            .sum();
        assert!(chi_square < 90.0, "chi-square {chi_square}");
        let again = draw(Distribution::Uniform, &train, 5, &mut Rng::seed_from_u64(1));
        assert_eq!(
            again,
            draw(Distribution::Uniform, &train, 5, &mut Rng::seed_from_u64(1))
        );
    }
}
