//! The one executor of request schedules: trains the ensemble, then runs each step of the
//! trial's schedule (SISA's unlearning and the baseline's retraining side by side) and measures
//! the steps that are recorded.
//!
//! [`Executor`] holds what carries from step to step: the trained checkpoints, the checkpoints
//! the last continuing step left, the points removed so far and the [`Totals`] since the last
//! step that started from the trained ensemble. [`execute`] walks the schedule group by group.

use std::collections::HashSet;
use std::ops::Range;

use super::prepare::Prepared;
use super::quality::Quality;
use super::shared::{BaselineFit, BaselineKey, Claim, Promise, SharedBaselines};
use crate::data::PointId;
use crate::model::ModelError;
use crate::requests::{Schedule, Start, Step};
use crate::runner::{Phase, TrialError};
use crate::sisa::{train_together, CheckpointStore, Cost, Engine, Layout, Run, Training};
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
    let baseline_layout = prepared.baseline_layout();
    progress(Phase::Training);
    let (mut executor, initial) = Executor::start(prepared, &baseline_layout, workers, shared)?;
    let checkpoint_bytes = executor.trained.bytes();
    let mut steps = Vec::with_capacity(schedule.recorded());
    for group in groups(&schedule.steps) {
        if crate::interrupt::requested() {
            return Err(ModelError::interrupted().into());
        }
        progress(Phase::Unlearning {
            first: group.start + 1,
            last: group.end,
            steps: schedule.steps.len(),
        });
        steps.extend(executor.run_group(&schedule.steps[group])?);
    }
    Ok(Executed {
        initial,
        checkpoint_bytes,
        steps,
    })
}

/// The groups of steps trained together, in order: each run of steps that start from the
/// trained ensemble, and each step that continues the previous one on its own.
fn groups(steps: &[Step]) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut first = 0;
    while first < steps.len() {
        let rest = &steps[first..];
        let length = match rest[0].start {
            Start::Trained => rest
                .iter()
                .take_while(|step| step.start == Start::Trained)
                .count(),
            Start::Previous => 1,
        };
        groups.push(first..first + length);
        first += length;
    }
    groups
}

/// What the steps since the last one that started from the trained ensemble add up to: a step
/// from the trained ensemble starts them afresh, a continuing step adds to them.
#[derive(Debug, Clone, PartialEq)]
struct Totals {
    /// SISA's retraining cost.
    sisa: Cost,
    /// The shards SISA retrained.
    shards_hit: HashSet<usize>,
    /// The baseline's cost, once a baseline was trained or taken.
    baseline: Option<Cost>,
    /// Baselines taken from other trials.
    baseline_reused: usize,
    /// Fits that stopped at their iteration limit, the initial training's included.
    fits_at_limit: usize,
}

impl Totals {
    /// Nothing unlearned since the initial training, whose `initial_at_limit` fits stopped at
    /// their limit.
    fn fresh(initial_at_limit: usize) -> Totals {
        Totals {
            sisa: Cost::zero(),
            shards_hit: HashSet::new(),
            baseline: None,
            baseline_reused: 0,
            fits_at_limit: initial_at_limit,
        }
    }

    /// Adds a step: SISA's unlearning, and its baseline (`true`: taken from another trial).
    fn add(&mut self, unlearned: &Training, baseline: Option<&(BaselineFit, bool)>) {
        self.sisa += unlearned.cost;
        self.fits_at_limit += unlearned.fits_at_limit;
        self.shards_hit.extend(unlearned.retrained_shards());
        if let Some(&(fit, reused)) = baseline {
            self.fits_at_limit += fit.fits_at_limit;
            self.baseline_reused += usize::from(reused);
            *self.baseline.get_or_insert_with(Cost::zero) += fit.cost;
        }
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

/// What carries from one step of a trial's schedule to the next.
struct Executor<'a> {
    prepared: &'a Prepared,
    workers: &'a Workers,
    shared: &'a SharedBaselines,
    /// SISA's engine.
    engine: Engine<'a>,
    /// The baseline's engine (one shard, one slice).
    baseline: Engine<'a>,
    /// Whether the spec asks for a baseline.
    with_baseline: bool,
    /// The checkpoints of the initial training, where steps from the trained ensemble start.
    trained: CheckpointStore,
    /// The checkpoints the ensemble stands on after the last continuing step.
    running: CheckpointStore,
    /// No checkpoints: what baselines train from.
    empty: CheckpointStore,
    /// The points the last step left out.
    removed: HashSet<PointId>,
    /// Fits of the initial training that stopped at their limit.
    initial_at_limit: usize,
    /// Since the last step from the trained ensemble.
    totals: Totals,
}

impl<'a> Executor<'a> {
    /// Trains `prepared`'s ensemble, the state the schedule starts from; the baseline trains on
    /// `baseline_layout`. Returns the executor and the initial training.
    fn start(
        prepared: &'a Prepared,
        baseline_layout: &'a Layout,
        workers: &'a Workers,
        shared: &'a SharedBaselines,
    ) -> Result<(Self, Training), TrialError> {
        let engine = prepared.engine();
        let mut trained = CheckpointStore::new();
        let initial = engine.train(workers, &HashSet::new(), &mut trained)?;
        let executor = Executor {
            prepared,
            workers,
            shared,
            engine,
            baseline: prepared.baseline_engine(baseline_layout),
            with_baseline: prepared.settings.baseline == Baseline::Retrain,
            running: trained.clone(),
            trained,
            empty: CheckpointStore::new(),
            removed: HashSet::new(),
            initial_at_limit: initial.fits_at_limit,
            totals: Totals::fresh(initial.fits_at_limit),
        };
        Ok((executor, initial))
    }

    /// Runs a group of steps (see [`groups`]) and returns the outcomes of those recorded.
    fn run_group(&mut self, group: &[Step]) -> Result<Vec<StepOutcome>, TrialError> {
        let removed = self.removed_sets(group);
        let trained = self.train_group(group, &removed)?;
        let mut recorded = Vec::new();
        for ((step, removed), (unlearned, baseline)) in group.iter().zip(removed).zip(trained) {
            recorded.extend(self.finish_step(step, removed, &unlearned, baseline)?);
        }
        Ok(recorded)
    }

    /// What each step of `group` leaves out: its own points, after its start's.
    fn removed_sets(&self, group: &[Step]) -> Vec<HashSet<PointId>> {
        let requests = &self.prepared.requests;
        group
            .iter()
            .map(|step| {
                let mut set = match step.start {
                    Start::Trained => HashSet::new(),
                    Start::Previous => self.removed.clone(),
                };
                set.extend(step.points(requests));
                set
            })
            .collect()
    }

    /// Trains a group's unlearning and the baselines it claims as one set of jobs. Every
    /// promise is kept before waiting for another trial's baseline (in
    /// [`Executor::finish_step`]), so that no two trials wait for each other.
    fn train_group(
        &self,
        group: &[Step],
        removed: &[HashSet<PointId>],
    ) -> Result<Vec<(Training, StepBaseline)>, TrialError> {
        let claims: Vec<Option<Claim<'_>>> = removed
            .iter()
            .map(|set| {
                let key = || BaselineKey::of(self.prepared, &self.baseline, set);
                self.with_baseline.then(|| self.shared.claim_now(key()))
            })
            .collect();
        let mut runs = Vec::new();
        for ((step, set), claim) in group.iter().zip(removed).zip(&claims) {
            let store = match step.start {
                Start::Trained => &self.trained,
                Start::Previous => &self.running,
            };
            runs.push(self.run(&self.engine, set, store));
            if let Some(Claim::Train(_)) = claim {
                runs.push(self.run(&self.baseline, set, &self.empty));
            }
        }
        let mut results = train_together(self.workers, &runs).into_iter();
        let mut trained = Vec::with_capacity(group.len());
        for claim in claims {
            let unlearned = results.next().expect("SISA's run")?;
            let baseline = match claim {
                None => StepBaseline::None,
                Some(Claim::Reuse(fit)) => StepBaseline::Fit { fit, reused: true },
                Some(Claim::Train(promise)) => {
                    let training = results.next().expect("the baseline's run")?;
                    let fit = self.keep(promise, &training)?;
                    StepBaseline::Fit { fit, reused: false }
                }
                Some(Claim::Wait(key)) => StepBaseline::Pending(key),
            };
            trained.push((unlearned, baseline));
        }
        Ok(trained)
    }

    /// A training of `engine` without `removed` from `store`.
    fn run<'r>(
        &'r self,
        engine: &'r Engine<'a>,
        removed: &'r HashSet<PointId>,
        store: &'r CheckpointStore,
    ) -> Run<'r> {
        Run {
            engine,
            removed,
            store,
        }
    }

    /// Takes in a trained step: its unlearning becomes the running state when it continues the
    /// previous step, its costs go into the totals, and a recorded step gives its outcome.
    fn finish_step(
        &mut self,
        step: &Step,
        removed: HashSet<PointId>,
        unlearned: &Training,
        baseline: StepBaseline,
    ) -> Result<Option<StepOutcome>, TrialError> {
        if step.start == Start::Trained {
            self.totals = Totals::fresh(self.initial_at_limit);
        }
        self.removed = removed;
        let baseline = self.baseline_fit(baseline)?;
        if step.start == Start::Previous {
            unlearned.store_into(&mut self.running);
            self.running.retain(&unlearned.keys);
        }
        self.totals.add(unlearned, baseline.as_ref());
        let Some(position) = step.record else {
            return Ok(None);
        };
        let totals = &self.totals;
        Ok(Some(StepOutcome {
            position,
            requests: step.requests,
            removed: self.removed.len(),
            sisa_cost: totals.sisa,
            shards_retrained: totals.shards_hit.len(),
            quality: Quality::of(&unlearned.ensemble, self.prepared, self.workers)?,
            baseline: baseline
                .zip(totals.baseline)
                .map(|((fit, _), cost)| (cost, fit.accuracy)),
            baseline_reused: totals.baseline_reused,
            fits_at_limit: totals.fits_at_limit,
        }))
    }

    /// The step's baseline fit and whether it was taken from another trial; one another trial
    /// was training is waited for, or trained here if that trial gave it up.
    fn baseline_fit(
        &self,
        baseline: StepBaseline,
    ) -> Result<Option<(BaselineFit, bool)>, TrialError> {
        let key = match baseline {
            StepBaseline::None => return Ok(None),
            StepBaseline::Fit { fit, reused } => return Ok(Some((fit, reused))),
            StepBaseline::Pending(key) => key,
        };
        match self.shared.claim(key) {
            Claim::Reuse(fit) => Ok(Some((fit, true))),
            Claim::Train(promise) => {
                let run = self.run(&self.baseline, &self.removed, &self.empty);
                let training = train_together(self.workers, &[run])
                    .pop()
                    .expect("one run")?;
                Ok(Some((self.keep(promise, &training)?, false)))
            }
            Claim::Wait(_) => unreachable!("claim waits"),
        }
    }

    /// The baseline fit of `training`, promised to the other trials and now given to them.
    fn keep(&self, promise: Promise<'_>, training: &Training) -> Result<BaselineFit, TrialError> {
        let fit = BaselineFit {
            cost: training.cost,
            accuracy: Quality::of(&training.ensemble, self.prepared, self.workers)?.lone,
            fits_at_limit: training.fits_at_limit,
        };
        promise.keep(fit);
        Ok(fit)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::io::Write;

    use super::*;
    use crate::data::DatasetCache;
    use crate::sisa::ShardId;
    use crate::spec::{plan, Aggregation, Spec};

    /// Every trial of a spec over 150 blobs with the toy kind (a nearest-centroid model whose
    /// steps cost their slice's points: unlearning a point retrains its shard from its slice on),
    /// 3 shards of 2 slices, with `unlearning` and `more` lines, prepared.
    fn prepared(unlearning: &str, more: &str) -> Vec<Prepared> {
        let text = format!(
            "name: t\nseed: 3\ndataset: {{synthetic: blobs, samples: 150, features: 2, classes: 3}}\n\
             model: {{kind: toy}}\nsisa: {{shards: 3, slices: 2}}\nunlearning: {unlearning}\n{more}"
        );
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let spec = Spec::load(file.path(), &[]).unwrap();
        let cache = DatasetCache::new();
        let trials = plan(&spec).unwrap();
        trials
            .iter()
            .map(|trial| Prepared::new(trial, &cache, None).unwrap())
            .collect()
    }

    fn workers() -> Workers {
        Workers::new(2).unwrap()
    }

    fn run(prepared: &Prepared, shared: &SharedBaselines) -> Executed {
        let schedule = prepared.schedule();
        execute(prepared, &schedule, &workers(), shared, &|_| {}).unwrap()
    }

    /// What a recorded step should measure, worked out from the layout alone.
    #[derive(Debug, PartialEq)]
    struct Expected {
        requests: usize,
        removed: BTreeMap<PointId, ()>,
        sisa_points: f64,
        shards: usize,
        baseline_points: f64,
    }

    /// Walks the schedule as the paper describes it: a step from the trained ensemble starts
    /// over; each step retrains every shard with a newly removed point from that point's slice
    /// on (each retrained slice costs its remaining points), and the baseline retrains all the
    /// remaining points.
    fn expected(prepared: &Prepared) -> Vec<Expected> {
        let locations = prepared.layout.locations();
        let n_train = prepared.split.train.len();
        let mut removed: BTreeMap<PointId, ()> = BTreeMap::new();
        let (mut sisa_points, mut baseline_points) = (0.0, 0.0);
        let mut shards: HashSet<usize> = HashSet::new();
        let mut recorded = Vec::new();
        for step in &prepared.schedule().steps {
            if step.start == Start::Trained {
                (removed, sisa_points, baseline_points) = (BTreeMap::new(), 0.0, 0.0);
                shards.clear();
            }
            let new: Vec<PointId> = step.points(&prepared.requests).collect();
            removed.extend(new.iter().map(|&point| (point, ())));
            let mut lowest: HashMap<usize, usize> = HashMap::new();
            for (shard, slice) in new.iter().map(|point| locations[point]) {
                let from = lowest.entry(shard.0).or_insert(slice.0);
                *from = (*from).min(slice.0);
            }
            for (shard, from) in lowest {
                shards.insert(shard);
                let retrained = prepared.layout.slices(ShardId(shard))[from..]
                    .iter()
                    .flatten();
                let remaining = retrained.filter(|point| !removed.contains_key(point));
                sisa_points += remaining.count() as f64;
            }
            baseline_points += (n_train - removed.len()) as f64;
            if step.record.is_some() {
                recorded.push(Expected {
                    requests: step.requests,
                    removed: removed.clone(),
                    sisa_points,
                    shards: shards.len(),
                    baseline_points,
                });
            }
        }
        recorded
    }

    /// Checks each recorded step against [`expected`]: requests, points removed, SISA's and the
    /// baseline's points and passes, shards retrained; the ensemble's accuracies are those of
    /// one trained from scratch without the removed points (unlearning is exact), and the
    /// baseline's that of a baseline retrained without them.
    fn check(prepared: &Prepared, executed: &Executed, with_baseline: bool) {
        let expected = expected(prepared);
        assert_eq!(executed.steps.len(), expected.len());
        assert!(executed.steps.iter().any(|step| step.shards_retrained > 1));
        let workers = workers();
        for (step, expected) in executed.steps.iter().zip(&expected) {
            let label = format!("{} requests", expected.requests);
            assert_eq!(step.requests, expected.requests, "{label}");
            assert_eq!(step.removed, expected.removed.len(), "{label}");
            assert_eq!(step.sisa_cost.points, expected.sisa_points, "{label}");
            assert_eq!(step.sisa_cost.passes, Some(expected.sisa_points), "{label}");
            assert_eq!(step.shards_retrained, expected.shards, "{label}");
            assert_eq!(step.fits_at_limit, 0, "{label}");
            let removed: HashSet<PointId> = expected.removed.keys().copied().collect();
            let scratch = prepared
                .engine()
                .train(&workers, &removed, &mut CheckpointStore::new())
                .unwrap();
            let scratch = Quality::of(&scratch.ensemble, prepared, &workers).unwrap();
            for aggregation in Aggregation::ALL {
                let accuracy = step.quality.accuracy(aggregation);
                assert_eq!(accuracy, scratch.accuracy(aggregation), "{label}");
            }
            assert_eq!(step.quality.lone, scratch.lone, "{label}");
            match step.baseline {
                Some((cost, accuracy)) => {
                    assert!(with_baseline, "{label}");
                    assert_eq!(cost.points, expected.baseline_points, "{label}");
                    assert_eq!(cost.passes, Some(expected.baseline_points), "{label}");
                    let retrained = prepared.fit_baseline(&workers, &removed).unwrap();
                    assert_eq!(accuracy, retrained.1, "{label}");
                }
                None => assert!(!with_baseline, "{label}"),
            }
        }
        let n_train = prepared.split.train.len() as f64;
        assert_eq!(executed.initial.cost.points, n_train);
        assert_eq!(executed.initial.shards_retrained(), 3);
        // Three shards of two slices, each checkpoint three class sums of two features and
        // three counts.
        assert_eq!(executed.checkpoint_bytes, 6 * (3 * 2 + 3) * 8);
    }

    #[test]
    fn steps_are_grouped_by_where_they_start() {
        let step = |start| Step {
            start,
            units: Vec::new(),
            requests: 1,
            record: None,
        };
        let (trained, previous) = (step(Start::Trained), step(Start::Previous));
        let steps = [
            trained.clone(),
            trained.clone(),
            previous.clone(),
            previous,
            trained,
        ];
        assert_eq!(groups(&steps), [0..2, 2..3, 3..4, 4..5]);
        assert!(groups(&[]).is_empty());
    }

    #[test]
    fn a_batch_schedule_unlearns_each_count_from_the_trained_ensemble() {
        for (baseline, with_baseline) in [("", true), ("baseline: none\n", false)] {
            let prepared = &prepared("{requests: [1, 4, 12, 4]}", baseline)[0];
            let shared = SharedBaselines::new();
            let executed = run(prepared, &shared);
            check(prepared, &executed, with_baseline);
            let positions: Vec<usize> = executed.steps.iter().map(|s| s.position).collect();
            assert_eq!(positions, [0, 1, 2, 3]);
            // The second batch of 4 is another draw, unlearned from the trained ensemble too.
            let (first, again) = (&executed.steps[1], &executed.steps[3]);
            assert_eq!((first.removed, again.removed), (4, 4));
            let trained = if with_baseline { (4, 0) } else { (0, 0) };
            assert_eq!(shared.counts(), trained);
        }
    }

    #[test]
    fn sequential_and_stream_schedules_add_up_their_steps() {
        for unlearning in [
            "{mode: sequential, requests: [2, 5]}",
            "{mode: stream, batch_size: 3, requests: [3, 9]}",
        ] {
            for (baseline, with_baseline) in [("", true), ("baseline: none\n", false)] {
                let prepared = &prepared(unlearning, baseline)[0];
                let shared = SharedBaselines::new();
                let executed = run(prepared, &shared);
                check(prepared, &executed, with_baseline);
                let steps = prepared.schedule().steps.len();
                let trained = if with_baseline { steps } else { 0 };
                assert_eq!(shared.counts(), (trained, 0), "{unlearning}");
            }
        }
    }

    #[test]
    fn a_baseline_another_trial_trained_is_reused_at_its_cost() {
        for unlearning in ["{requests: [2, 6]}", "{mode: sequential, requests: [2, 4]}"] {
            // Two shard counts, one training set and one request draw: the same baselines.
            let trials = prepared(unlearning, "sweep: {sisa.shards: [3, 2]}\n");
            let shared = SharedBaselines::new();
            let first = run(&trials[0], &shared);
            check(&trials[0], &first, true);
            let trained = shared.counts().0;
            let second = run(&trials[1], &shared);
            assert_eq!(shared.counts(), (trained, trained), "{unlearning}");
            for (step, before) in second.steps.iter().zip(&first.steps) {
                assert_eq!(step.baseline, before.baseline, "{unlearning}");
                assert_eq!(before.baseline_reused, 0, "{unlearning}");
            }
            let reused: Vec<usize> = second.steps.iter().map(|s| s.baseline_reused).collect();
            let expected = if unlearning.contains("sequential") {
                [2, 4]
            } else {
                [1, 1]
            };
            assert_eq!(reused, expected, "{unlearning}");
        }
    }
}
