//! The training budget of each slice step. With an unsliced budget of E iterations (or epochs),
//! each of the R steps gets 2E/(R+1), so sliced training costs the same sample passes as unsliced
//! (step r trains on r/R of the shard). Models that can run part of an epoch get it exactly; for
//! whole iterations, rounding is spread so the total stays right, and no step gets zero (the
//! paper's released code truncates and can).

/// What one slice step may spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepBudget {
    /// Iterations or epochs the step may run, at least 1.
    pub iterations: u32,
    /// The exact 2E/(R+1), for models that can run fractions of an epoch.
    pub exact: f64,
    /// The step's share of the unsliced budget, 2/(R+1): the paper's unit of cost, exact before
    /// rounding, so `points` follows the analytic model.
    pub share: f64,
}

/// The budgets of the `slices` steps of a shard whose unsliced budget is `total`.
pub fn schedule(total: u32, slices: usize) -> Vec<StepBudget> {
    let share = 2.0 / (slices as f64 + 1.0);
    let per_step = f64::from(total) * share;
    let cumulative = |r: usize| (per_step * r as f64).round() as i64;
    (1..=slices)
        .map(|r| StepBudget {
            iterations: (cumulative(r) - cumulative(r - 1)).max(1) as u32,
            exact: per_step,
            share,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iterations(total: u32, slices: usize) -> Vec<u32> {
        schedule(total, slices)
            .iter()
            .map(|b| b.iterations)
            .collect()
    }

    #[test]
    fn one_slice_gets_the_whole_budget() {
        assert_eq!(iterations(100, 1), vec![100]);
        assert_eq!(schedule(100, 1)[0].share, 1.0);
    }

    #[test]
    fn fractions_are_spread_so_the_total_is_right() {
        // 2 * 100 / 5 = 40 per step.
        assert_eq!(iterations(100, 4), vec![40; 4]);
        // 2 * 20 / 4 = 10 per step.
        assert_eq!(iterations(20, 3), vec![10; 3]);
        // 2 * 10 / 7 = 2.857 per step; 20 in all.
        let steps = iterations(10, 6);
        assert_eq!(steps.iter().sum::<u32>(), 17);
        assert!(steps.iter().all(|&i| i == 2 || i == 3), "{steps:?}");
    }

    #[test]
    fn no_step_gets_zero() {
        // 2 * 5 / 51 = 0.196 per step: truncation would give 0 everywhere.
        assert!(iterations(5, 50).iter().all(|&i| i >= 1));
    }

    #[test]
    fn sliced_and_unsliced_cost_the_same_sample_passes() {
        // Step r trains on r/R of the shard for `share` of the budget: sum_r (r/R) * share = 1.
        for slices in [1, 2, 4, 16, 50] {
            let passes: f64 = schedule(100, slices)
                .iter()
                .enumerate()
                .map(|(r, b)| (r + 1) as f64 / slices as f64 * b.share)
                .sum();
            assert!((passes - 1.0).abs() < 1e-12, "R = {slices}: {passes}");
        }
    }
}
