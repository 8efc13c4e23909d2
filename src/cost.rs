//! The paper's analytic cost model (DESIGN.md §6): expected unlearning cost of SISA and of
//! retraining from scratch, in the unit the results table uses for `*_points`: training points x
//! share of one unsliced training budget. So a full retrain of N points costs N.
//!
//! The closed forms of the paper (Eq. 2 and 3, slicing with one or k requests) are here as written;
//! [`UniformSizes`] computes the exact expectation for the shard and slice sizes `sisa` actually builds
//! (sizes differing by at most one, draws without replacement), which is what the table's
//! `expected_speedup_points` reports.

use serde::Serialize;

use crate::model::Progression;
use crate::requests::{ExpectedProcess, RequestModel, Schedule, Start, Step};
use crate::spec::Mode;

/// Expected cost of SISA's unlearning and of the baseline, and their ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Expectation {
    /// Expected SISA retraining cost.
    pub sisa: f64,
    /// Cost of retraining from scratch on the remaining points.
    pub baseline: f64,
}

impl Expectation {
    /// Baseline cost over expected SISA cost.
    pub fn speedup(&self) -> f64 {
        self.baseline / self.sisa
    }
}

/// Eq. 3: one batch of K uniform requests over N points in S shards (no slicing):
/// `E[C] = N (1 - (1 - 1/S)^K) - K`, against N - K for the baseline.
pub fn batch_sharding(n: f64, shards: f64, requests: f64) -> Expectation {
    Expectation {
        sisa: n * (1.0 - (1.0 - 1.0 / shards).powf(requests)) - requests,
        baseline: n - requests,
    }
}

/// Eq. 2: K uniform requests processed one at a time over N points in S shards (no slicing):
/// `E[C] = (N/S + 1/(2S) - 1) K - K^2/(2S)`, against sum over requests of (N - i) for the baseline.
pub fn sequential_sharding(n: f64, shards: f64, requests: f64) -> Expectation {
    Expectation {
        sisa: (n / shards + 1.0 / (2.0 * shards) - 1.0) * requests
            - requests * requests / (2.0 * shards),
        baseline: sequential_baseline(n, requests),
    }
}

/// Slicing, one request in a shard of D points cut into R slices: `E[C] = D (2/3 + 1/(3R))`.
pub fn slicing_one_request(shard_points: f64, slices: f64) -> f64 {
    shard_points * (2.0 / 3.0 + 1.0 / (3.0 * slices))
}

/// Slicing, k requests in one shard of D points: the shard restarts at the lowest affected slice
/// r_min, with P(r_min >= r) = ((R - r + 1) / R)^k, and restarting at r costs
/// sum over i = r..R of (2 / (R + 1)) (i D / R).
pub fn slicing_k_requests(shard_points: f64, slices: usize, requests: f64) -> f64 {
    let r = slices as f64;
    (1..=slices)
        .map(|i| {
            let i = i as f64;
            let step = 2.0 / (r + 1.0) * i * shard_points / r;
            let reached = 1.0 - ((r - i) / r).powf(requests);
            step * reached
        })
        .sum()
}

/// The baseline of sequential processing: retrain from scratch after each of K requests.
pub fn sequential_baseline(n: f64, requests: f64) -> f64 {
    requests * n - requests * (requests + 1.0) / 2.0
}

/// Shard hit probability under independent per-point request probabilities p_u: 1 - prod(1 - p_u).
pub fn hit_probability(point_probabilities: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - point_probabilities
        .into_iter()
        .map(|p| 1.0 - p)
        .product::<f64>()
}

/// What a retrained slice step costs in points: `prefix` times the points of slices 1..r left,
/// plus `slice` times the points of slice r left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepCost {
    /// Weight of the step's points so far.
    pub prefix: f64,
    /// Weight of the step's own slice's points.
    pub slice: f64,
}

impl StepCost {
    /// The step cost of a model's progression with `slices` slices: iterative models get
    /// 2/(R+1) of the budget per step; models that add slices pay for the new slice; models that
    /// refit pay for every point of every step.
    pub fn of(progression: Progression, slices: usize) -> StepCost {
        match progression {
            Progression::Iterative => StepCost {
                prefix: 2.0 / (slices as f64 + 1.0),
                slice: 0.0,
            },
            Progression::Accumulating => StepCost {
                prefix: 0.0,
                slice: 1.0,
            },
            Progression::Refitting => StepCost {
                prefix: 1.0,
                slice: 0.0,
            },
        }
    }
}

/// Shard and slice sizes of a uniform layout, as `sisa` builds it: N points in S shards and R
/// slices per shard, sizes differing by at most one.
#[derive(Debug, Clone, PartialEq)]
pub struct UniformSizes {
    /// `sizes[s][r]`: points in slice r of shard s.
    sizes: Vec<Vec<usize>>,
    n: usize,
}

impl UniformSizes {
    /// The sizes of a uniform layout of `n` points.
    pub fn uniform(n: usize, shards: usize, slices: usize) -> UniformSizes {
        let sizes = even_sizes(n, shards)
            .into_iter()
            .map(|shard| even_sizes(shard, slices))
            .collect();
        UniformSizes { sizes, n }
    }

    fn share(&self, shard: usize) -> f64 {
        2.0 / (self.sizes[shard].len() as f64 + 1.0)
    }

    /// `m[i]`: points in slices 0..=i of `shard`.
    fn prefix_sizes(&self, shard: usize) -> Vec<usize> {
        self.sizes[shard]
            .iter()
            .scan(0, |total, &size| {
                *total += size;
                Some(*total)
            })
            .collect()
    }

    /// One batch of K uniform requests (without replacement), unlearned at once. Step i of a
    /// shard is retrained when a removed point lies in its slices 0..=i, and then costs its share
    /// times its remaining points, so E = sum share * (m_i P(hit) - E[removed in m_i]).
    pub fn batch(&self, requests: usize) -> Expectation {
        let n = self.n as f64;
        let k = requests as f64;
        let mut sisa = 0.0;
        for shard in 0..self.sizes.len() {
            let share = self.share(shard);
            for m in self.prefix_sizes(shard) {
                let m_f = m as f64;
                let hit = 1.0 - none_drawn(self.n, m, requests);
                sisa += share * (m_f * hit - k * m_f / n);
            }
        }
        Expectation {
            sisa,
            baseline: n - k,
        }
    }

    /// K uniform requests one at a time, cumulative. Request j removes a point u uniform among the
    /// N - j + 1 remaining; its shard retrains from u's slice, each step on the points still
    /// there, and each other point is still there with probability 1 - (j - 1) / (N - 1).
    pub fn sequential(&self, requests: usize) -> Expectation {
        let n = self.n as f64;
        // Per request, E[cost] = remaining(j) * sum over (s, r) of size/N * share * sum_{i >= r} (m_i - 1).
        let mut per_request = 0.0;
        for shard in 0..self.sizes.len() {
            let share = self.share(shard);
            let prefix = self.prefix_sizes(shard);
            let mut tail = 0.0;
            for r in (0..prefix.len()).rev() {
                tail += prefix[r] as f64 - 1.0;
                per_request += self.sizes[shard][r] as f64 / n * share * tail;
            }
        }
        let sisa = (1..=requests)
            .map(|j| per_request * (1.0 - (j as f64 - 1.0) / (n - 1.0)))
            .sum();
        Expectation {
            sisa,
            baseline: sequential_baseline(n, requests as f64),
        }
    }
}

/// Expected cost of the requests drawn between `from` and `to` (draw indices) of an arbitrary
/// request process, on an arbitrary layout (`slice_sizes[s][r]`), from the process's expected
/// course ([`ExpectedProcess`] with survivals at `from` and `to`, in `survival`).
///
/// Step i of shard s is retrained when one of these draws picks a unit with a point in its slices
/// 0..=i; while those units keep their weight w_A and the process's remaining weight is W_j, a
/// draw misses them with probability 1 - w_A / W_j. The step then costs its share times the
/// points left. The baseline retrains every point left. For uniform requests this is exact.
pub fn batch_general(
    slice_sizes: &[Vec<usize>],
    step: StepCost,
    positions: &[Vec<(usize, usize)>],
    process: &ExpectedProcess,
    (from, to): (usize, usize),
    survival: (&[f64], &[f64]),
) -> Expectation {
    let (alive_before, alive_after) = survival;
    let zeros = || -> Vec<Vec<f64>> { slice_sizes.iter().map(|s| vec![0.0; s.len()]).collect() };
    let (mut weight, mut gone, mut now) = (zeros(), zeros(), zeros());
    let mut lowest: Vec<(usize, usize)> = Vec::new();
    let mut removed_after = 0.0;
    for (unit, places) in positions.iter().enumerate() {
        let (before, after) = (alive_before[unit], alive_after[unit]);
        lowest.clear();
        for &(shard, slice) in places {
            gone[shard][slice] += 1.0 - before;
            now[shard][slice] += before - after;
            match lowest.iter_mut().find(|(s, _)| *s == shard) {
                Some(entry) => entry.1 = entry.1.min(slice),
                None => lowest.push((shard, slice)),
            }
        }
        for &(shard, slice) in &lowest {
            weight[shard][slice] += process.weights[unit] * before;
        }
        removed_after += places.len() as f64 * (1.0 - after);
    }
    let draws = &process.remaining_weight[from..to];
    let mut sisa = 0.0;
    let mut total_points = 0.0;
    for (shard, sizes) in slice_sizes.iter().enumerate() {
        let (mut points, mut points_gone, mut points_now, mut at_risk) = (0.0, 0.0, 0.0, 0.0);
        for slice in 0..sizes.len() {
            let size = sizes[slice] as f64;
            let (slice_gone, slice_now) = (gone[shard][slice], now[shard][slice]);
            points += size;
            points_gone += slice_gone;
            points_now += slice_now;
            at_risk += weight[shard][slice];
            let missed: f64 = draws
                .iter()
                .map(|&total| {
                    if total > 0.0 {
                        (1.0 - at_risk / total).max(0.0)
                    } else {
                        1.0
                    }
                })
                .product();
            let hit = 1.0 - missed;
            sisa += step.prefix * ((points - points_gone) * hit - points_now)
                + step.slice * ((size - slice_gone) * hit - slice_now);
        }
        total_points += points;
    }
    Expectation {
        sisa,
        baseline: total_points - removed_after,
    }
}

/// What the analytic model needs of one trial: how its shards are cut into slices, where each
/// request unit's points lie, and what a retrained step costs; with it, the expected cost of
/// every step of a request schedule.
#[derive(Debug, Clone)]
pub struct TrialModel<'a> {
    /// `slice_sizes[s][r]`: training points in slice r of shard s.
    slice_sizes: Vec<Vec<usize>>,
    /// For each request unit, the (shard, slice) of each of its points.
    positions: Vec<Vec<(usize, usize)>>,
    requests: &'a RequestModel,
    step: StepCost,
    /// The layout's sizes, when requests are uniform on a uniform layout and steps iterative:
    /// then the exact closed forms of [`UniformSizes`] apply.
    uniform: Option<UniformSizes>,
}

impl<'a> TrialModel<'a> {
    /// The model of a trial with these slice sizes and unit positions (see the fields), request
    /// model and step cost; `uniform` when requests and layout are both uniform.
    pub fn new(
        slice_sizes: Vec<Vec<usize>>,
        positions: Vec<Vec<(usize, usize)>>,
        requests: &'a RequestModel,
        step: StepCost,
        uniform: Option<UniformSizes>,
    ) -> Self {
        TrialModel {
            slice_sizes,
            positions,
            requests,
            step,
            uniform,
        }
    }

    /// The expected cost of each step of `schedule` (`None` for steps not recorded), cumulative
    /// over steps that continue from the previous one: one pass over the steps.
    pub fn expect(&self, schedule: &Schedule) -> Vec<Option<Expectation>> {
        // Uniform requests on a uniform layout have closed forms, except for stream batches.
        if let Some(uniform) = &self.uniform {
            let formula: Option<fn(&UniformSizes, usize) -> Expectation> = match schedule.mode {
                Mode::Batch => Some(UniformSizes::batch),
                Mode::Sequential => Some(UniformSizes::sequential),
                Mode::Stream { .. } => None,
            };
            if let Some(formula) = formula {
                let recorded = |step: &Step| step.record.map(|_| formula(uniform, step.requests));
                return schedule.steps.iter().map(recorded).collect();
            }
        }
        let mut boundaries: Vec<usize> = std::iter::once(0)
            .chain(schedule.steps.iter().map(|step| step.requests))
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        let process = self.requests.expected_process(&boundaries);
        let survival = |requests: usize| {
            let slot = boundaries.binary_search(&requests);
            &process.survival[slot.expect("every step's count is a boundary")]
        };
        let zero = Expectation {
            sisa: 0.0,
            baseline: 0.0,
        };
        let (mut total, mut before) = (zero, 0);
        schedule
            .steps
            .iter()
            .map(|step| {
                if step.start == Start::Trained {
                    (total, before) = (zero, 0);
                }
                let window = batch_general(
                    &self.slice_sizes,
                    self.step,
                    &self.positions,
                    &process,
                    (before, step.requests),
                    (survival(before), survival(step.requests)),
                );
                total.sisa += window.sisa;
                total.baseline += window.baseline;
                before = step.requests;
                step.record.map(|_| total)
            })
            .collect()
    }
}

/// P(no point of a given m is among K drawn without replacement from N).
fn none_drawn(n: usize, m: usize, k: usize) -> f64 {
    if k > n - m {
        return 0.0;
    }
    (0..k)
        .map(|j| (n - m - j) as f64 / (n - j) as f64)
        .product()
}

/// `total` cut into `parts` sizes differing by at most one, larger first (as the engine cuts).
fn even_sizes(total: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|part| total / parts + usize::from(part < total % parts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::RequestModel;
    use crate::seed::Rng;
    use crate::spec::{Distribution, Grouping};
    use rand::seq::SliceRandom;
    use rand::{Rng as _, SeedableRng};

    /// The (shard, slice) of every point. Uniform layouts are exchangeable, so points can be placed
    /// in order and the requests drawn at random.
    fn locations(layout: &UniformSizes) -> Vec<(usize, usize)> {
        let mut location = Vec::new();
        for (s, shard) in layout.sizes.iter().enumerate() {
            for (r, &size) in shard.iter().enumerate() {
                location.extend(std::iter::repeat_n((s, r), size));
            }
        }
        location
    }

    /// Simulated cost of one batch under the engine's accounting, on a shuffled uniform layout.
    fn simulate_batch(n: usize, shards: usize, slices: usize, k: usize, rng: &mut Rng) -> f64 {
        let layout = UniformSizes::uniform(n, shards, slices);
        let location = locations(&layout);
        let removed: Vec<usize> = (0..n)
            .collect::<Vec<_>>()
            .choose_multiple(rng, k)
            .copied()
            .collect();
        let mut cost = 0.0;
        for s in 0..shards {
            let in_shard: Vec<usize> = removed
                .iter()
                .map(|&u| location[u])
                .filter(|l| l.0 == s)
                .map(|l| l.1)
                .collect();
            let Some(&lowest) = in_shard.iter().min() else {
                continue;
            };
            let prefix = layout.prefix_sizes(s);
            for (i, &points) in prefix.iter().enumerate().skip(lowest) {
                let gone = in_shard.iter().filter(|&&r| r <= i).count();
                cost += layout.share(s) * (points - gone) as f64;
            }
        }
        cost
    }

    /// Simulated cost of K sequential requests.
    fn simulate_sequential(n: usize, shards: usize, slices: usize, k: usize, rng: &mut Rng) -> f64 {
        let layout = UniformSizes::uniform(n, shards, slices);
        let location = locations(&layout);
        let mut remaining: Vec<usize> = (0..n).collect();
        let mut alive = vec![true; n];
        let mut cost = 0.0;
        for _ in 0..k {
            let u = remaining.swap_remove(rng.gen_range(0..remaining.len()));
            alive[u] = false;
            let (s, r) = location[u];
            for i in r..slices {
                let count = (0..n)
                    .filter(|&p| alive[p] && location[p].0 == s && location[p].1 <= i)
                    .count();
                cost += layout.share(s) * count as f64;
            }
        }
        cost
    }

    fn mean(samples: impl Iterator<Item = f64>) -> f64 {
        let values: Vec<f64> = samples.collect();
        values.iter().sum::<f64>() / values.len() as f64
    }

    #[test]
    fn combined_model_reproduces_the_papers_speedups() {
        // S = 20, R = 50: 7.86x, 4.23x, 2.24x, 1.42x at K = 4, 8, 18, 39.
        let layout = UniformSizes::uniform(250_000, 20, 50);
        for (k, expected) in [(4, 7.86), (8, 4.23), (18, 2.24), (39, 1.42)] {
            let speedup = layout.batch(k).speedup();
            assert!((speedup - expected).abs() <= 0.02, "K = {k}: {speedup:.3}");
        }
    }

    #[test]
    fn equation_3_speedups_quoted_by_the_paper() {
        // S = 20: about 20x at K = 1, 1.56x at K = S, 1.05x at K = 3S.
        for (k, expected) in [(1.0, 20.0), (20.0, 1.56), (60.0, 1.05)] {
            let e = batch_sharding(1e6, 20.0, k);
            assert!(
                (e.speedup() - expected).abs() < 0.01 * expected,
                "K = {k}: {}",
                e.speedup()
            );
        }
    }

    #[test]
    fn exact_batch_model_matches_monte_carlo_and_equation_3() {
        let mut rng = Rng::seed_from_u64(1);
        for (n, shards, slices, k) in [
            (600, 5, 1, 3),
            (600, 4, 6, 5),
            (500, 10, 3, 12),
            (300, 1, 4, 2),
        ] {
            let exact = UniformSizes::uniform(n, shards, slices).batch(k).sisa;
            let simulated = mean((0..4000).map(|_| simulate_batch(n, shards, slices, k, &mut rng)));
            let eq3 = batch_sharding(n as f64, shards as f64, k as f64).sisa;
            check_exact_model(
                (n, shards, slices, k),
                exact,
                simulated,
                ("Eq. 3", eq3, 0.01),
            );
        }
    }

    #[test]
    fn exact_sequential_model_matches_monte_carlo_and_equation_2() {
        let mut rng = Rng::seed_from_u64(2);
        for (n, shards, slices, k) in [(400, 5, 1, 10), (300, 3, 4, 6), (200, 10, 1, 30)] {
            let exact = UniformSizes::uniform(n, shards, slices).sequential(k).sisa;
            let simulated =
                mean((0..1500).map(|_| simulate_sequential(n, shards, slices, k, &mut rng)));
            let eq2 = sequential_sharding(n as f64, shards as f64, k as f64).sisa;
            check_exact_model(
                (n, shards, slices, k),
                exact,
                simulated,
                ("Eq. 2", eq2, 0.02),
            );
        }
    }

    /// The exact model within 2% of the Monte Carlo mean and, without slicing, within
    /// `tolerance` of the paper's equation.
    fn check_exact_model(
        (n, shards, slices, k): (usize, usize, usize, usize),
        exact: f64,
        simulated: f64,
        (equation, paper, tolerance): (&str, f64, f64),
    ) {
        assert!(
            (simulated - exact).abs() < 0.02 * exact,
            "{n} {shards} {slices} {k}: {simulated} vs {exact}"
        );
        if slices == 1 {
            assert!(
                (paper - exact).abs() < tolerance * exact,
                "{equation} {paper} vs exact {exact}"
            );
        }
    }

    #[test]
    fn slicing_formulas_match_the_exact_model_for_one_shard() {
        // One shard of D points: a single request costs D (2/3 + 1/(3R)); the paper's speed-ups
        // for R = 50 are 1.49x, 1.20x and 1.05x at k = 1, 2, 5 requests in the shard.
        let d = 100_000.0;
        for slices in [1usize, 4, 50] {
            let one = slicing_one_request(d, slices as f64);
            let general = slicing_k_requests(d, slices, 1.0);
            assert!((one - general).abs() < 1e-6 * d, "R = {slices}");
            let exact = UniformSizes::uniform(100_000, 1, slices).batch(1).sisa;
            assert!(
                (exact - one).abs() < 1e-3 * d,
                "R = {slices}: {exact} vs {one}"
            );
        }
        for (k, expected) in [(1.0, 1.49), (2.0, 1.20), (5.0, 1.05)] {
            let speedup = d / slicing_k_requests(d, 50, k);
            assert!((speedup - expected).abs() < 0.01, "k = {k}: {speedup:.3}");
        }
    }

    /// The general model for `model`'s requests on `layout`, for one batch of `k`.
    fn general(
        layout: &UniformSizes,
        model: &RequestModel,
        positions: &[Vec<(usize, usize)>],
        k: usize,
    ) -> Expectation {
        let process = model.expected_process(&[0, k]);
        let survival = (
            process.survival[0].as_slice(),
            process.survival[1].as_slice(),
        );
        let step = StepCost::of(Progression::Iterative, layout.sizes[0].len());
        batch_general(&layout.sizes, step, positions, &process, (0, k), survival)
    }

    fn dataset(n: usize) -> crate::data::Dataset {
        let labels = vec![crate::data::ClassId(0); n];
        crate::data::Dataset::new(
            "t",
            ndarray::Array2::zeros((n, 1)),
            labels,
            vec!["0".into()],
        )
    }

    #[test]
    fn general_model_is_exact_for_uniform_requests() {
        for (n, shards, slices, k) in [(2000, 5, 1, 3), (2000, 4, 6, 8), (1000, 10, 3, 12)] {
            let layout = UniformSizes::uniform(n, shards, slices);
            let data = dataset(n);
            let model = RequestModel::new(
                &Distribution::Uniform,
                &data,
                &data.ids(),
                &mut Rng::seed_from_u64(1),
            )
            .unwrap();
            let positions: Vec<Vec<(usize, usize)>> =
                locations(&layout).into_iter().map(|p| vec![p]).collect();
            let general = general(&layout, &model, &positions, k);
            let exact = layout.batch(k);
            assert!(
                (general.sisa - exact.sisa).abs() < 1e-6 * exact.sisa,
                "{general:?} vs {exact:?}"
            );
            assert!((general.baseline - exact.baseline).abs() < 1e-6);
        }
    }

    #[test]
    fn general_model_matches_monte_carlo_for_skewed_requests_and_groups() {
        let n = 600;
        let layout = UniformSizes::uniform(n, 4, 3);
        let location = locations(&layout);
        let data = dataset(n);
        let ids = data.ids();
        let cases = [
            Distribution::Pareto { shape: 1.16 },
            Distribution::Groups {
                groups: Grouping::Random { mean_size: 3.0 },
            },
        ];
        for distribution in cases {
            let model =
                RequestModel::new(&distribution, &data, &ids, &mut Rng::seed_from_u64(2)).unwrap();
            let positions: Vec<Vec<(usize, usize)>> = model
                .units()
                .map(|(points, _)| points.iter().map(|p| location[p.index()]).collect())
                .collect();
            for k in [1, 5, 20] {
                let expected = general(&layout, &model, &positions, k).sisa;
                let mut rng = Rng::seed_from_u64(3);
                let simulated = mean((0..3000).map(|_| {
                    let removed: Vec<(usize, usize)> = model
                        .arrival_order(&mut rng)
                        .into_iter()
                        .take(k)
                        .flat_map(|unit| positions[unit].iter().copied())
                        .collect();
                    let mut cost = 0.0;
                    for s in 0..4 {
                        let in_shard: Vec<usize> =
                            removed.iter().filter(|l| l.0 == s).map(|l| l.1).collect();
                        let Some(&lowest) = in_shard.iter().min() else {
                            continue;
                        };
                        for (i, &points) in layout.prefix_sizes(s).iter().enumerate().skip(lowest) {
                            let gone = in_shard.iter().filter(|&&r| r <= i).count();
                            cost += layout.share(s) * (points - gone) as f64;
                        }
                    }
                    cost
                }));
                let error = (simulated - expected).abs() / simulated;
                assert!(
                    error < 0.05,
                    "{distribution:?} K={k}: simulated {simulated:.1}, model {expected:.1}"
                );
            }
        }
    }

    #[test]
    fn hit_probability_of_independent_points() {
        assert!((hit_probability([0.5, 0.5]) - 0.75).abs() < 1e-12);
        assert_eq!(hit_probability(std::iter::empty()), 0.0);
    }
}
