//! The one executor of request schedules: trains the ensemble, then runs each step of the
//! trial's schedule (SISA's unlearning and the baseline's retraining side by side) and measures
//! the steps that are recorded.

use std::collections::HashSet;

use super::prepare::Prepared;
use super::quality::Quality;
use super::shared::{BaselineFit, BaselineKey, Claim, SharedBaselines};
use crate::data::PointId;
use crate::model::ModelError;
use crate::requests::{Schedule, Start};
use crate::runner::{Phase, TrialError};
use crate::sisa::{train_together, CheckpointStore, Cost, Run, Training};
use crate::spec::Baseline;
use crate::workers::Workers;

/// What one recorded step measured.
pub struct StepOutcome {
    /// Position of its request count in the spec's list.
    pub position: usize,
    /// Requests unlearned (K).
    pub requests: usize,
    /// Points removed in all.
    pub removed: usize,
    /// SISA's retraining cost (summed over the steps it continues).
    pub sisa_cost: Cost,
    /// Shards retrained (over the steps it continues).
    pub shards_retrained: usize,
    /// The ensemble's accuracies after unlearning.
    pub quality: Quality,
    /// The baseline's cost (summed like SISA's) and test accuracy, when the spec asks for one.
    pub baseline: Option<(Cost, f64)>,
    /// Baseline fits summed into `baseline` that another trial of the run had trained (same
    /// inputs), reused rather than trained again.
    pub baseline_reused: usize,
    /// Fits that stopped at their iteration limit: the initial training's, SISA's and the
    /// baseline's up to this step (see [`Training::fits_at_limit`]).
    pub fits_at_limit: usize,
}

/// A trial's initial training and its recorded steps.
pub struct Executed {
    /// The initial SISA training.
    pub initial: Training,
    /// Bytes of checkpoints kept after it.
    pub checkpoint_bytes: usize,
    /// The recorded steps, in schedule order.
    pub steps: Vec<StepOutcome>,
}

/// Trains `prepared`'s ensemble and runs `schedule` on `workers`, taking baselines other trials
/// trained from `shared`, telling `progress` as it moves between phases.
pub fn execute(
    prepared: &Prepared,
    schedule: &Schedule,
    workers: &Workers,
    shared: &SharedBaselines,
    progress: &(dyn Fn(Phase) + Sync),
) -> Result<Executed, TrialError> {
    let engine = prepared.engine();
    let baseline_layout = prepared.baseline_layout();
    let baseline_engine = prepared.baseline_engine(&baseline_layout);
    let with_baseline = prepared.settings.baseline == Baseline::Retrain;
    progress(Phase::Training);
    let mut trained = CheckpointStore::new();
    let initial = engine.train(workers, &HashSet::new(), &mut trained)?;
    let checkpoint_bytes = trained.bytes();

    let mut running = trained.clone();
    let mut removed: HashSet<PointId> = HashSet::new();
    let mut sisa_cost = Cost::zero();
    let mut shards_hit: HashSet<usize> = HashSet::new();
    let mut baseline_cost: Option<Cost> = None;
    let mut baseline_reused = 0;
    let mut fits_at_limit = initial.fits_at_limit;
    let mut steps = Vec::with_capacity(schedule.recorded());
    let empty = CheckpointStore::new();
    for (index, step) in schedule.steps.iter().enumerate() {
        if crate::interrupt::requested() {
            return Err(ModelError::interrupted().into());
        }
        progress(Phase::Unlearning {
            step: index + 1,
            steps: schedule.steps.len(),
        });
        if step.start == Start::Trained {
            removed.clear();
            sisa_cost = Cost::zero();
            shards_hit.clear();
            baseline_cost = None;
            baseline_reused = 0;
            fits_at_limit = initial.fits_at_limit;
        }
        removed.extend(step.points(&prepared.requests));
        let store = match step.start {
            Start::Trained => &trained,
            Start::Previous => &running,
        };
        let claim = with_baseline
            .then(|| shared.claim(BaselineKey::of(prepared, &baseline_engine, &removed)));
        let mut runs = vec![Run {
            engine: &engine,
            removed: &removed,
            store,
        }];
        if let Some(Claim::Train(_)) = claim {
            runs.push(Run {
                engine: &baseline_engine,
                removed: &removed,
                store: &empty,
            });
        }
        let mut results = train_together(workers, &runs).into_iter();
        let unlearned = results.next().expect("SISA's run")?;
        let baseline = match claim {
            None => None,
            Some(Claim::Reuse(fit)) => {
                baseline_reused += 1;
                Some(fit)
            }
            Some(Claim::Train(promise)) => {
                let training = results.next().expect("the baseline's run")?;
                let fit = BaselineFit {
                    cost: training.cost,
                    accuracy: Quality::of(&training.ensemble, prepared, workers)?.lone,
                    fits_at_limit: training.fits_at_limit,
                };
                promise.keep(fit);
                Some(fit)
            }
        };
        if step.start == Start::Previous {
            unlearned.store_into(&mut running);
            running.retain(&unlearned.keys);
        }
        sisa_cost += unlearned.cost;
        fits_at_limit += unlearned.fits_at_limit;
        fits_at_limit += baseline.as_ref().map_or(0, |b| b.fits_at_limit);
        shards_hit.extend(unlearned.retrained_shards());
        if let Some(baseline) = &baseline {
            let total = baseline_cost.get_or_insert_with(Cost::zero);
            *total += baseline.cost;
        }
        let Some(position) = step.record else {
            continue;
        };
        let baseline = baseline
            .zip(baseline_cost)
            .map(|(fit, cost)| (cost, fit.accuracy));
        steps.push(StepOutcome {
            position,
            requests: step.requests,
            removed: removed.len(),
            sisa_cost,
            shards_retrained: shards_hit.len(),
            quality: Quality::of(&unlearned.ensemble, prepared, workers)?,
            baseline,
            baseline_reused,
            fits_at_limit,
        });
    }
    Ok(Executed {
        initial,
        checkpoint_bytes,
        steps,
    })
}
