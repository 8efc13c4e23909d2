//! Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright, Algorithms 7.4, 3.5 and
//! 3.6), the method scikit-learn's `LogisticRegression(solver="lbfgs")` uses through SciPy.
//!
//! Stopping follows SciPy's L-BFGS-B as scikit-learn calls it: the largest gradient component at
//! most `gradient_tolerance`, or a relative decrease of the objective below 64 machine epsilons, or
//! `max_iterations` iterations. Sequential and deterministic.

/// A smooth function to minimise.
pub trait Objective {
    /// Number of parameters.
    fn dimension(&self) -> usize;

    /// The value at `x`; writes the gradient into `gradient`.
    fn evaluate(&mut self, x: &[f64], gradient: &mut [f64]) -> f64;
}

/// When to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// Most iterations (each one line search).
    pub max_iterations: u32,
    /// Stop when every gradient component is at most this in absolute value.
    pub gradient_tolerance: f64,
}

/// The result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The parameters reached.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Iterations run.
    pub iterations: u32,
    /// Objective evaluations (each one pass over the data).
    pub evaluations: u32,
    /// Whether it stopped because it ran out of iterations, its gradient still above the
    /// tolerance (what scikit-learn warns about with a `ConvergenceWarning`).
    pub at_limit: bool,
}

/// Correction pairs kept (SciPy's default `maxcor`).
const MEMORY: usize = 10;
/// Sufficient-decrease and curvature constants of the Wolfe conditions.
const C1: f64 = 1e-4;
const C2: f64 = 0.9;
/// Most evaluations in one line search.
const MAX_LINE_SEARCH: u32 = 25;
/// Relative decrease of the objective below which iteration stops (SciPy's `ftol` as
/// scikit-learn sets it).
const F_TOLERANCE: f64 = 64.0 * f64::EPSILON;

/// Minimises `objective` from `x0`.
pub fn minimize(objective: &mut impl Objective, x0: Vec<f64>, stopping: Stopping) -> Outcome {
    let n = objective.dimension();
    let mut x = x0;
    let mut gradient = vec![0.0; n];
    let mut value = objective.evaluate(&x, &mut gradient);
    let mut evaluations = 1;
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY);
    let mut iterations = 0;
    while iterations < stopping.max_iterations && max_abs(&gradient) > stopping.gradient_tolerance {
        let direction = two_loop(&gradient, &history);
        let slope = dot(&gradient, &direction);
        let (direction, slope) = if slope < 0.0 {
            (direction, slope)
        } else {
            // Not a descent direction (curvature information gone stale): restart from -gradient.
            history.clear();
            let steepest: Vec<f64> = gradient.iter().map(|g| -g).collect();
            let slope = -dot(&gradient, &gradient);
            (steepest, slope)
        };
        let initial_step = if history.is_empty() {
            (1.0 / norm(&direction)).min(1.0)
        } else {
            1.0
        };
        let search = line_search(objective, &x, value, slope, &direction, initial_step);
        evaluations += search.evaluations;
        iterations += 1;
        let Some(step) = search.accepted else {
            break;
        };
        let s: Vec<f64> = direction.iter().map(|d| step.step * d).collect();
        let y: Vec<f64> = step
            .gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        let previous = value;
        x.iter_mut().zip(&s).for_each(|(xi, si)| *xi += si);
        value = step.value;
        gradient = step.gradient;
        let curvature = dot(&s, &y);
        if curvature > f64::EPSILON * dot(&y, &y) {
            if history.len() == MEMORY {
                history.remove(0);
            }
            history.push((s, y, 1.0 / curvature));
        }
        let scale = previous.abs().max(value.abs()).max(1.0);
        if (previous - value) <= F_TOLERANCE * scale {
            break;
        }
    }
    let at_limit =
        iterations >= stopping.max_iterations && max_abs(&gradient) > stopping.gradient_tolerance;
    Outcome {
        x,
        value,
        iterations,
        evaluations,
        at_limit,
    }
}

/// The L-BFGS direction -H g from the stored pairs (s, y, 1 / s.y).
fn two_loop(gradient: &[f64], history: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let mut q: Vec<f64> = gradient.to_vec();
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.iter().rev() {
        let alpha = rho * dot(s, &q);
        q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= alpha * yi);
        alphas.push(alpha);
    }
    if let Some((s, y, _)) = history.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|qi| *qi *= gamma);
    }
    for ((s, y, rho), alpha) in history.iter().zip(alphas.iter().rev()) {
        let beta = rho * dot(y, &q);
        q.iter_mut()
            .zip(s)
            .for_each(|(qi, si)| *qi += (alpha - beta) * si);
    }
    q.iter_mut().for_each(|qi| *qi = -*qi);
    q
}

/// A point tried by the line search.
struct Trial {
    step: f64,
    value: f64,
    gradient: Vec<f64>,
    slope: f64,
}

struct Search {
    accepted: Option<Trial>,
    evaluations: u32,
}

/// Strong-Wolfe line search along `direction` from `x` (Nocedal & Wright, Algorithm 3.5).
fn line_search(
    objective: &mut impl Objective,
    x: &[f64],
    value: f64,
    slope: f64,
    direction: &[f64],
    initial_step: f64,
) -> Search {
    let mut evaluations = 0;
    let mut try_step = |step: f64, evaluations: &mut u32| {
        let point: Vec<f64> = x
            .iter()
            .zip(direction)
            .map(|(xi, di)| xi + step * di)
            .collect();
        let mut gradient = vec![0.0; x.len()];
        let value = objective.evaluate(&point, &mut gradient);
        *evaluations += 1;
        let slope = dot(&gradient, direction);
        Trial {
            step,
            value,
            gradient,
            slope,
        }
    };
    let origin = Trial {
        step: 0.0,
        value,
        gradient: Vec::new(),
        slope,
    };
    let mut previous = origin;
    let mut step = initial_step;
    for attempt in 0..MAX_LINE_SEARCH {
        let current = try_step(step, &mut evaluations);
        let armijo_fails = current.value > value + C1 * step * slope;
        // Zoom between the last two trials, the one that keeps the lower value first.
        let zoom_from_current = if !current.value.is_finite()
            || armijo_fails
            || (attempt > 0 && current.value >= previous.value)
        {
            Some(false)
        } else if current.slope.abs() <= -C2 * slope {
            return Search {
                accepted: Some(current),
                evaluations,
            };
        } else if current.slope >= 0.0 {
            Some(true)
        } else {
            None
        };
        if let Some(from_current) = zoom_from_current {
            let (low, high) = if from_current {
                (current, previous)
            } else {
                (previous, current)
            };
            let accepted = zoom(
                low,
                high,
                value,
                slope,
                &mut |s, e| try_step(s, e),
                &mut evaluations,
            );
            return Search {
                accepted,
                evaluations,
            };
        }
        step *= 2.0;
        previous = current;
    }
    Search {
        accepted: Some(previous).filter(|p| p.step > 0.0),
        evaluations,
    }
}

/// Narrows [lo, hi] to a step meeting the strong Wolfe conditions (Algorithm 3.6), trying the
/// minimiser of the cubic through both ends, safeguarded to the middle of the interval.
fn zoom(
    mut lo: Trial,
    mut hi: Trial,
    value: f64,
    slope: f64,
    try_step: &mut impl FnMut(f64, &mut u32) -> Trial,
    evaluations: &mut u32,
) -> Option<Trial> {
    for _ in 0..MAX_LINE_SEARCH {
        let step = interpolate(&lo, &hi);
        let current = try_step(step, evaluations);
        if !current.value.is_finite()
            || current.value > value + C1 * step * slope
            || current.value >= lo.value
        {
            hi = current;
        } else {
            if current.slope.abs() <= -C2 * slope {
                return Some(current);
            }
            if current.slope * (hi.step - lo.step) >= 0.0 {
                hi = lo;
            }
            lo = current;
        }
        if (hi.step - lo.step).abs() <= 1e-12 * lo.step.abs().max(1e-12) {
            break;
        }
    }
    // The best point found still decreases the objective: accept it rather than stall.
    (lo.step > 0.0 && lo.value < value).then_some(lo)
}

/// The cubic interpolation step between two trials, kept within the middle 80% of the interval.
fn interpolate(a: &Trial, b: &Trial) -> f64 {
    let (low, high) = (a.step.min(b.step), a.step.max(b.step));
    let d1 = a.slope + b.slope - 3.0 * (a.value - b.value) / (a.step - b.step);
    let radicand = d1 * d1 - a.slope * b.slope;
    let cubic = if radicand >= 0.0 && b.value.is_finite() {
        let d2 = radicand.sqrt().copysign(b.step - a.step);
        b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2)
    } else {
        f64::NAN
    };
    let margin = 0.1 * (high - low);
    if cubic.is_finite() && cubic > low + margin && cubic < high - margin {
        cubic
    } else {
        0.5 * (low + high)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock function in `n` dimensions: a curved valley, minimum 0 at (1, ..., 1).
    struct Rosenbrock(usize);

    impl Objective for Rosenbrock {
        fn dimension(&self) -> usize {
            self.0
        }

        fn evaluate(&mut self, x: &[f64], gradient: &mut [f64]) -> f64 {
            gradient.iter_mut().for_each(|g| *g = 0.0);
            let mut value = 0.0;
            for i in 0..self.0 - 1 {
                let a = x[i + 1] - x[i] * x[i];
                let b = 1.0 - x[i];
                value += 100.0 * a * a + b * b;
                gradient[i] += -400.0 * a * x[i] - 2.0 * b;
                gradient[i + 1] += 200.0 * a;
            }
            value
        }
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let stopping = Stopping {
            max_iterations: 500,
            gradient_tolerance: 1e-8,
        };
        let outcome = minimize(&mut Rosenbrock(10), vec![-1.2; 10], stopping);
        assert!(outcome.value < 1e-12, "{outcome:?}");
        assert!(
            outcome.x.iter().all(|x| (x - 1.0).abs() < 1e-5),
            "{outcome:?}"
        );
        assert!(
            outcome.evaluations < 3 * outcome.iterations + 10,
            "{outcome:?}"
        );
    }

    #[test]
    fn respects_the_iteration_budget_and_is_deterministic() {
        let stopping = Stopping {
            max_iterations: 3,
            gradient_tolerance: 0.0,
        };
        let a = minimize(&mut Rosenbrock(4), vec![0.0; 4], stopping);
        let b = minimize(&mut Rosenbrock(4), vec![0.0; 4], stopping);
        assert_eq!(a.iterations, 3);
        assert_eq!(a, b);
    }
}
