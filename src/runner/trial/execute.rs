//! The one executor of request schedules: trains the ensemble, then runs each step of the
//! trial's schedule (SISA's unlearning and the baseline's retraining side by side) and measures
//! the steps that are recorded.

use std::collections::HashSet;

use super::prepare::Prepared;
use super::quality::Quality;
use super::shared::{BaselineFit, BaselineKey, Claim, Promise, SharedBaselines};
use crate::data::PointId;
use crate::model::ModelError;
use crate::requests::{Schedule, Start, Step};
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
///
/// Steps that start from the trained ensemble do not depend on one another, so each run of them
/// is trained together (SISA's retraining and the baselines of all of them as one set of jobs),
/// which keeps every worker busy while one long baseline trains; a step that continues the
/// previous one runs alone. Either way each step's numbers are the same as when run by itself.
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
    let mut first = 0;
    while first < schedule.steps.len() {
        if crate::interrupt::requested() {
            return Err(ModelError::interrupted().into());
        }
        let group = &schedule.steps[first..first + together(&schedule.steps[first..])];
        progress(Phase::Unlearning {
            first: first + 1,
            last: first + group.len(),
            steps: schedule.steps.len(),
        });
        // What each step of the group leaves out: its own points, after its start's.
        let removed_sets: Vec<HashSet<PointId>> = group
            .iter()
            .map(|step| {
                let mut set = match step.start {
                    Start::Trained => HashSet::new(),
                    Start::Previous => removed.clone(),
                };
                set.extend(step.points(&prepared.requests));
                set
            })
            .collect();
        let claims: Vec<Option<Claim>> = removed_sets
            .iter()
            .map(|set| {
                with_baseline
                    .then(|| shared.claim_now(BaselineKey::of(prepared, &baseline_engine, set)))
            })
            .collect();
        let mut runs = Vec::new();
        for ((step, set), claim) in group.iter().zip(&removed_sets).zip(&claims) {
            let store = match step.start {
                Start::Trained => &trained,
                Start::Previous => &running,
            };
            runs.push(Run {
                engine: &engine,
                removed: set,
                store,
            });
            if let Some(Claim::Train(_)) = claim {
                runs.push(Run {
                    engine: &baseline_engine,
                    removed: set,
                    store: &empty,
                });
            }
        }
        let mut results = train_together(workers, &runs).into_iter();
        // Every promise is kept before waiting for another trial's baseline, so that no two
        // trials wait for each other.
        let mut trained_steps = Vec::with_capacity(group.len());
        for claim in claims {
            let unlearned = results.next().expect("SISA's run")?;
            let baseline = match claim {
                None => StepBaseline::None,
                Some(Claim::Reuse(fit)) => StepBaseline::Fit { fit, reused: true },
                Some(Claim::Train(promise)) => {
                    let training = results.next().expect("the baseline's run")?;
                    let fit = keep(promise, &training, prepared, workers)?;
                    StepBaseline::Fit { fit, reused: false }
                }
                Some(Claim::Wait(key)) => StepBaseline::Pending(key),
            };
            trained_steps.push((unlearned, baseline));
        }
        let group_steps = group.iter().zip(removed_sets).zip(trained_steps);
        for ((step, step_removed), (unlearned, baseline)) in group_steps {
            if step.start == Start::Trained {
                sisa_cost = Cost::zero();
                shards_hit.clear();
                baseline_cost = None;
                baseline_reused = 0;
                fits_at_limit = initial.fits_at_limit;
            }
            removed = step_removed;
            let baseline = match baseline {
                StepBaseline::None => None,
                StepBaseline::Fit { fit, reused } => {
                    baseline_reused += usize::from(reused);
                    Some(fit)
                }
                StepBaseline::Pending(key) => {
                    let run = Run {
                        engine: &baseline_engine,
                        removed: &removed,
                        store: &empty,
                    };
                    let (fit, reused) = wait_or_train(shared, key, run, prepared, workers)?;
                    baseline_reused += usize::from(reused);
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
        first += group.len();
    }
    Ok(Executed {
        initial,
        checkpoint_bytes,
        steps,
    })
}

/// How many steps from the first of `steps` are trained together: a run of steps that each
/// start from the trained ensemble, or one step that continues the previous one.
fn together(steps: &[Step]) -> usize {
    match steps.first() {
        Some(step) if step.start == Start::Trained => steps
            .iter()
            .take_while(|step| step.start == Start::Trained)
            .count(),
        _ => 1,
    }
}

/// A step's baseline once its group is trained.
enum StepBaseline {
    /// The spec asks for none.
    None,
    /// Trained in the group, or taken from another trial.
    Fit { fit: BaselineFit, reused: bool },
    /// Another trial was training it.
    Pending(BaselineKey),
}

/// The baseline fit of `training`, promised to the other trials and now given to them.
fn keep(
    promise: Promise<'_>,
    training: &Training,
    prepared: &Prepared,
    workers: &Workers,
) -> Result<BaselineFit, TrialError> {
    let fit = BaselineFit {
        cost: training.cost,
        accuracy: Quality::of(&training.ensemble, prepared, workers)?.lone,
        fits_at_limit: training.fits_at_limit,
    };
    promise.keep(fit);
    Ok(fit)
}

/// The baseline under `key` another trial was training: taken once it is done (`true`: reused),
/// or trained by `run` here if that trial gave it up.
fn wait_or_train(
    shared: &SharedBaselines,
    key: BaselineKey,
    run: Run<'_>,
    prepared: &Prepared,
    workers: &Workers,
) -> Result<(BaselineFit, bool), TrialError> {
    match shared.claim(key) {
        Claim::Reuse(fit) => Ok((fit, true)),
        Claim::Train(promise) => {
            let training = train_together(workers, &[run]).pop().expect("one run")?;
            Ok((keep(promise, &training, prepared, workers)?, false))
        }
        Claim::Wait(_) => unreachable!("claim waits"),
    }
}
