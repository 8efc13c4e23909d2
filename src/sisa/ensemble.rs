//! Training and unlearning of the constituents, slice by slice, through the checkpoint store.
//!
//! There is one code path: [`Engine::train`] trains every shard without a given set of removed
//! points, reusing every checkpoint whose inputs did not change. Training from scratch is that
//! with an empty store; unlearning is that with the trained store, so a shard restarts from the
//! checkpoint before its lowest affected slice and shards without removed points are untouched.
//! Exactness follows: the result equals training from scratch on the remaining points.

use std::collections::HashSet;
use std::ops::AddAssign;
use std::sync::Arc;
use std::time::Instant;

use ndarray::Array2;

use super::budget::{schedule, StepBudget};
use super::checkpoint::{CheckpointKey, CheckpointStore};
use super::layout::{Layout, ShardId, SliceId};
use crate::clock::Stopwatch;
use crate::cost::StepCost;
use crate::data::{ClassId, Dataset, PointId};
use crate::model::{Budget, Constituent, FitStep, ModelError, ModelState, Rows};
use crate::seed::{Purpose, Seeds};
use crate::spec::Aggregation;
use crate::workers::Workers;

/// Everything needed to train the constituents of one layout.
pub struct Engine<'a> {
    data: &'a Dataset,
    layout: &'a Layout,
    model: &'a dyn Constituent,
    schedule: Vec<StepBudget>,
    step_cost: StepCost,
    seeds: Seeds,
    purpose: Purpose,
}

/// One training an engine is asked for: which points are removed, and the checkpoints it may
/// reuse (an empty store trains from scratch).
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The engine.
    pub engine: &'a Engine<'a>,
    /// Points left out.
    pub removed: &'a HashSet<PointId>,
    /// Checkpoints it may reuse.
    pub store: &'a CheckpointStore,
}

/// The trained constituents, one per shard; `None` for a shard with no points left.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble {
    /// Final state of each shard's constituent, in shard order.
    pub constituents: Vec<Option<Arc<dyn ModelState>>>,
    /// Training points left in each shard (the weight of its vote under `weighted`).
    pub shard_sizes: Vec<usize>,
}

/// Work done by a training or retraining (DESIGN.md invariant 3).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    /// CPU seconds of the training steps, each measured on its own thread (or reported by the
    /// process that trained), summed.
    pub cpu_s: f64,
    /// Wall-clock seconds from the start of the first step to the end of the last.
    pub wall_s: f64,
    /// The paper's cost C: per retrained step, its training points x its share of the unsliced
    /// budget (2/(R+1)), summed; for models that add slices (naive Bayes) a step's own slice's
    /// points, for models that refit (trees) all of the step's points. Independent of early
    /// stopping.
    pub points: f64,
    /// Sample passes actually run (points x passes over them), when the model reports them.
    pub passes: Option<f64>,
    /// Seconds an accelerator (GPU) spent, summed over the steps whose worker reported them;
    /// `None` when none did.
    pub device_s: Option<f64>,
}

impl Cost {
    /// No work yet, with passes counted from zero.
    pub fn zero() -> Cost {
        Cost {
            passes: Some(0.0),
            ..Cost::default()
        }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, other: Cost) {
        self.cpu_s += other.cpu_s;
        self.wall_s += other.wall_s;
        self.points += other.points;
        self.passes = self.passes.zip(other.passes).map(|(a, b)| a + b);
        self.device_s = match (self.device_s, other.device_s) {
            (Some(a), Some(b)) => Some(a + b),
            (reported, None) | (None, reported) => reported,
        };
    }
}

/// The outcome of training an engine's shards.
#[derive(Debug, Clone)]
pub struct Training {
    /// The constituents after training.
    pub ensemble: Ensemble,
    /// What the (re)training cost.
    pub cost: Cost,
    /// For each shard, the first slice that had to be trained (`None`: fully reused).
    pub retrained_from: Vec<Option<SliceId>>,
    /// The keys of the checkpoints the ensemble stands on, every step of every shard.
    pub keys: Vec<CheckpointKey>,
    /// The checkpoints trained, to add to a store.
    pub checkpoints: Vec<(CheckpointKey, Arc<dyn ModelState>)>,
    /// Shards retrained whose final fit stopped at its iteration limit rather than converging
    /// (intermediate slice steps get a share of the budget by design and are not counted).
    pub fits_at_limit: usize,
}

impl Training {
    /// The shards that had at least one step trained.
    pub fn retrained_shards(&self) -> impl Iterator<Item = usize> + '_ {
        self.retrained_from
            .iter()
            .enumerate()
            .filter(|(_, from)| from.is_some())
            .map(|(shard, _)| shard)
    }

    /// How many shards had at least one step trained.
    pub fn shards_retrained(&self) -> usize {
        self.retrained_shards().count()
    }

    /// Adds the checkpoints trained to `store`.
    pub fn store_into(&self, store: &mut CheckpointStore) {
        for (key, state) in &self.checkpoints {
            store.insert(*key, Arc::clone(state));
        }
    }
}

/// One shard's training: its final state, cost, first retrained slice and new checkpoints, and
/// when its work started and ended (for the wall time of the whole).
struct ShardTraining {
    state: Option<Arc<dyn ModelState>>,
    points: usize,
    keys: Vec<CheckpointKey>,
    cost: Cost,
    retrained_from: Option<SliceId>,
    checkpoints: Vec<(CheckpointKey, Arc<dyn ModelState>)>,
    span: Option<(Instant, Instant)>,
    /// Whether the shard's last fit stopped at its iteration limit.
    at_limit: bool,
}

impl<'a> Engine<'a> {
    /// An engine for `layout`, training `model` with its unsliced budget; `purpose` separates the
    /// seeds of SISA's constituents from the baseline's.
    pub fn new(
        data: &'a Dataset,
        layout: &'a Layout,
        model: &'a dyn Constituent,
        seeds: Seeds,
        purpose: Purpose,
    ) -> Self {
        Engine {
            data,
            layout,
            model,
            schedule: schedule(model.budget(), layout.n_slices()),
            step_cost: StepCost::of(model.progression(), layout.n_slices()),
            seeds,
            purpose,
        }
    }

    /// Trains every shard without the `removed` points, one job per shard on `workers`. Steps
    /// whose checkpoint is in `store` are reused; the new checkpoints are added to it.
    pub fn train(
        &self,
        workers: &Workers,
        removed: &HashSet<PointId>,
        store: &mut CheckpointStore,
    ) -> Result<Training, ModelError> {
        let run = Run {
            engine: self,
            removed,
            store,
        };
        let training = train_together(workers, &[run]).pop().expect("one run")?;
        training.store_into(store);
        Ok(training)
    }

    /// Trains one shard step by step on the calling thread (no parallelism inside: it is timed).
    fn train_shard(
        &self,
        shard: ShardId,
        removed: &HashSet<PointId>,
        store: &CheckpointStore,
    ) -> Result<ShardTraining, ModelError> {
        let mut result = ShardTraining {
            state: None,
            points: 0,
            keys: Vec::with_capacity(self.layout.n_slices()),
            cost: Cost::zero(),
            retrained_from: None,
            checkpoints: Vec::new(),
            span: None,
            at_limit: false,
        };
        let mut prefix: Vec<PointId> = Vec::new();
        for (r, (key, remaining)) in self.steps(shard, removed).into_iter().enumerate() {
            result.keys.push(key);
            prefix.extend_from_slice(&remaining);
            if let Some(cached) = store.get(&key) {
                result.state = Some(Arc::clone(cached));
                continue;
            }
            result.retrained_from.get_or_insert(SliceId(r));
            if crate::interrupt::requested() {
                return Err(ModelError::interrupted());
            }
            if prefix.is_empty() {
                result.state = None;
                continue;
            }
            let budget = self.schedule[r];
            let step_seed = self.seeds.seed(self.purpose, &[shard.0 as u64, r as u64]);
            let started = Instant::now();
            let watch = Stopwatch::start();
            let fitted = self.model.fit(FitStep {
                warm: result.state.as_deref(),
                rows: Rows::new(self.data, &prefix),
                new_from: prefix.len() - remaining.len(),
                budget: Budget {
                    iterations: budget.iterations,
                    epochs: budget.exact,
                },
                seed: step_seed,
            })?;
            let elapsed = watch.elapsed();
            let step = self.step_cost;
            result.cost += Cost {
                cpu_s: fitted
                    .measured
                    .map_or(elapsed.cpu_s, |measured| measured.cpu_s),
                wall_s: 0.0,
                points: step.prefix * prefix.len() as f64 + step.slice * remaining.len() as f64,
                passes: fitted.sample_passes,
                device_s: fitted.measured.and_then(|measured| measured.device_s),
            };
            result.at_limit = fitted.at_limit;
            let first = result.span.map_or(started, |(first, _)| first);
            result.span = Some((first, Instant::now()));
            let state = fitted.state;
            result.checkpoints.push((key, Arc::clone(&state)));
            result.state = Some(state);
        }
        result.points = prefix.len();
        Ok(result)
    }

    /// Each step of `shard` without the `removed` points: its checkpoint key and its slice's
    /// remaining points, in slice order.
    fn steps(
        &self,
        shard: ShardId,
        removed: &HashSet<PointId>,
    ) -> Vec<(CheckpointKey, Vec<PointId>)> {
        let shard_seed = self.seeds.seed(self.purpose, &[shard.0 as u64]);
        let mut key = CheckpointKey::root(
            self.model.fingerprint(),
            self.layout.n_slices(),
            shard,
            shard_seed,
        );
        self.layout
            .slices(shard)
            .iter()
            .enumerate()
            .map(|(r, slice)| {
                let remaining: Vec<PointId> = slice
                    .iter()
                    .filter(|point| !removed.contains(point))
                    .copied()
                    .collect();
                key = key.then(SliceId(r), &remaining);
                (key, remaining)
            })
            .collect()
    }

    /// The key of each shard's last checkpoint without the `removed` points, computed without
    /// training: two trainings of the same dataset with equal final keys are the same training.
    pub fn final_keys(&self, removed: &HashSet<PointId>) -> Vec<CheckpointKey> {
        (0..self.n_shards())
            .filter_map(|shard| {
                self.steps(ShardId(shard), removed)
                    .last()
                    .map(|(key, _)| *key)
            })
            .collect()
    }

    fn n_shards(&self) -> usize {
        self.layout.n_shards()
    }
}

/// Trains several runs at once, one job per shard of each on `workers`, so that (say) SISA's
/// unlearning and the baseline's retraining of one step run side by side. Each run's wall time
/// spans its own jobs, from the first start to the last end.
pub fn train_together(workers: &Workers, runs: &[Run<'_>]) -> Vec<Result<Training, ModelError>> {
    let jobs: Vec<(usize, ShardId)> = runs
        .iter()
        .enumerate()
        .flat_map(|(run, r)| (0..r.engine.n_shards()).map(move |shard| (run, ShardId(shard))))
        .collect();
    let mut results = workers
        .map(jobs.len(), |job| {
            let (run, shard) = jobs[job];
            let Run {
                engine,
                removed,
                store,
            } = runs[run];
            engine.train_shard(shard, removed, store)
        })
        .into_iter();
    runs.iter()
        .map(|run| {
            let shards: Vec<Result<ShardTraining, ModelError>> =
                results.by_ref().take(run.engine.n_shards()).collect();
            assemble(shards.into_iter().collect::<Result<_, _>>()?)
        })
        .collect()
}

/// One run's training from its shards'.
fn assemble(shards: Vec<ShardTraining>) -> Result<Training, ModelError> {
    let mut cost = Cost::zero();
    let mut constituents = Vec::with_capacity(shards.len());
    let mut shard_sizes = Vec::with_capacity(shards.len());
    let mut retrained_from = Vec::with_capacity(shards.len());
    let (mut keys, mut checkpoints) = (Vec::new(), Vec::new());
    let mut fits_at_limit = 0;
    let mut span: Option<(Instant, Instant)> = None;
    for shard in shards {
        keys.extend(shard.keys);
        checkpoints.extend(shard.checkpoints);
        cost += shard.cost;
        fits_at_limit += usize::from(shard.at_limit);
        if let Some((start, end)) = shard.span {
            span = Some(span.map_or((start, end), |(s, e)| (s.min(start), e.max(end))));
        }
        constituents.push(shard.state);
        shard_sizes.push(shard.points);
        retrained_from.push(shard.retrained_from);
    }
    cost.wall_s = span.map_or(0.0, |(start, end)| (end - start).as_secs_f64());
    Ok(Training {
        ensemble: Ensemble {
            constituents,
            shard_sizes,
        },
        cost,
        retrained_from,
        keys,
        checkpoints,
        fits_at_limit,
    })
}

impl Ensemble {
    /// The ensemble's labels for `rows` under `aggregation`.
    pub fn predict(
        &self,
        workers: &Workers,
        model: &dyn Constituent,
        rows: Rows<'_>,
        aggregation: Aggregation,
    ) -> Result<Vec<ClassId>, ModelError> {
        let probas = self.predict_proba(workers, model, rows)?;
        Ok(super::aggregate(aggregation, &probas, &self.shard_sizes))
    }

    /// Each constituent's class probabilities for `rows` (`None` for empty constituents), one
    /// job per constituent.
    pub fn predict_proba(
        &self,
        workers: &Workers,
        model: &dyn Constituent,
        rows: Rows<'_>,
    ) -> Result<Vec<Option<Array2<f64>>>, ModelError> {
        workers
            .map(self.constituents.len(), |shard| {
                self.constituents[shard]
                    .as_ref()
                    .map(|state| model.predict_proba(&**state, rows))
                    .transpose()
            })
            .into_iter()
            .collect()
    }

    /// The exact bytes of every constituent's parameters, in shard order.
    pub fn parameter_bytes(&self) -> Vec<Option<Vec<u8>>> {
        self.constituents
            .iter()
            .map(|state| state.as_ref().map(|state| state.to_bytes()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;
    use crate::model;
    use crate::model::logistic::{LogisticSettings, LogisticSolver};
    use crate::model::ModelSettings;
    use crate::seed::Rng;
    use crate::spec::BlobsSettings;
    use rand::seq::SliceRandom;
    use rand::SeedableRng;

    fn fixture() -> (Dataset, Layout, ModelSettings) {
        let settings = BlobsSettings {
            samples: 240,
            features: 4,
            classes: 3,
            noise: 6.0,
        };
        let data = synthetic::blobs(&settings, &mut Rng::seed_from_u64(1));
        let layout = Layout::uniform(&data.ids(), 3, 4, &mut Rng::seed_from_u64(2));
        let model = ModelSettings::Logistic(LogisticSettings {
            alpha: 0.5,
            max_iterations: 20,
            tolerance: 1e-8,
            solver: LogisticSolver::Lbfgs,
        });
        (data, layout, model)
    }

    /// The engine that trains `layout` with the seeds of master seed `seed`, repeat 0.
    fn training_engine<'a>(
        data: &'a Dataset,
        layout: &'a Layout,
        model: &'a dyn Constituent,
        seed: u64,
    ) -> Engine<'a> {
        Engine::new(data, layout, model, Seeds::new(seed, 0), Purpose::Training)
    }

    fn workers() -> Workers {
        Workers::new(2).unwrap()
    }
    #[test]
    fn unlearning_equals_training_from_scratch_bit_for_bit() {
        let workers = workers();
        let (data, layout, settings) = fixture();
        let model = model::build_in(&settings, &data, None, "test").unwrap();
        let engine = training_engine(&data, &layout, &*model, 3);
        let mut trained = CheckpointStore::new();
        let initial = engine
            .train(&workers, &HashSet::new(), &mut trained)
            .unwrap();
        assert_eq!(initial.shards_retrained(), 3);
        let mut rng = Rng::seed_from_u64(4);
        for count in [1, 2, 5, 13, 40] {
            let removed: HashSet<PointId> = data
                .ids()
                .choose_multiple(&mut rng, count)
                .copied()
                .collect();
            let unlearned = engine
                .train(&workers, &removed, &mut trained.clone())
                .unwrap();
            let scratch = engine
                .train(&workers, &removed, &mut CheckpointStore::new())
                .unwrap();
            assert_eq!(
                unlearned.ensemble.parameter_bytes(),
                scratch.ensemble.parameter_bytes(),
                "{count} removed"
            );
            // Only shards holding removed points were retrained, each from its lowest affected
            // slice, and that costs no more than training from scratch.
            let locations = layout.locations();
            for shard in 0..layout.n_shards() {
                let lowest = removed
                    .iter()
                    .map(|p| locations[p])
                    .filter(|(s, _)| s.0 == shard)
                    .map(|(_, slice)| slice)
                    .min();
                assert_eq!(unlearned.retrained_from[shard], lowest, "shard {shard}");
            }
            assert!(unlearned.cost.points <= scratch.cost.points);
            // The comparison can fail: the removed points did change the hit shards.
            for (shard, before) in initial.ensemble.parameter_bytes().iter().enumerate() {
                let changed = unlearned.ensemble.parameter_bytes()[shard] != *before;
                assert_eq!(
                    changed,
                    unlearned.retrained_from[shard].is_some(),
                    "shard {shard}"
                );
            }
        }
    }

    #[test]
    fn a_rare_class_missing_from_most_shards_is_never_mislabelled() {
        let workers = workers();
        let (mut data, _, _) = fixture();
        // Class 2 keeps 3 of 240 points: at most 3 of the 10 shards see it.
        let mut kept = 0;
        for (index, label) in data.labels.iter_mut().enumerate() {
            if label.0 == 2 {
                if kept < 3 {
                    kept += 1;
                } else {
                    *label = ClassId(index as u32 % 2);
                }
            }
        }
        let rare: Vec<PointId> = data
            .ids()
            .into_iter()
            .filter(|&p| data.label(p).0 == 2)
            .collect();
        assert_eq!(rare.len(), 3);
        let layout = Layout::uniform(&data.ids(), 10, 2, &mut Rng::seed_from_u64(8));
        let models = [
            "{kind: logistic}",
            "{kind: mlp, hidden: [8], epochs: 5, learning_rate: 0.05}",
            "{kind: naive-bayes}",
            "{kind: decision-tree, max_depth: 4}",
        ];
        for text in models {
            let settings = model::tests::settings_of(text);
            let model = model::build_in(&settings, &data, None, "test").unwrap();
            let engine = training_engine(&data, &layout, &*model, 1);
            let training = engine
                .train(&workers, &HashSet::new(), &mut CheckpointStore::new())
                .unwrap();
            let ids = data.ids();
            let rows = Rows::new(&data, &ids);
            let locations = layout.locations();
            for (shard, proba) in training
                .ensemble
                .predict_proba(&workers, &*model, rows)
                .unwrap()
                .iter()
                .enumerate()
            {
                let proba = proba.as_ref().expect("every shard has points");
                let sees_rare = rare.iter().any(|p| locations[p].0 .0 == shard);
                for row in proba.rows() {
                    assert!((row.sum() - 1.0).abs() < 1e-5, "{text}");
                    if !sees_rare && !text.contains("mlp") {
                        assert!(
                            row[2] < 1e-6,
                            "{text}: shard {shard} never saw class 2: {row}"
                        );
                    }
                }
            }
            for aggregation in Aggregation::ALL {
                let labels = training
                    .ensemble
                    .predict(&workers, &*model, rows, aggregation)
                    .unwrap();
                assert!(labels.iter().all(|c| c.index() < 3), "{text}");
            }
        }
    }

    #[test]
    fn points_cost_follows_the_budget_shares() {
        let workers = workers();
        let (data, layout, settings) = fixture();
        let model = model::build_in(&settings, &data, None, "test").unwrap();
        let engine = training_engine(&data, &layout, &*model, 3);
        let training = engine
            .train(&workers, &HashSet::new(), &mut CheckpointStore::new())
            .unwrap();
        // Sliced training costs what unsliced training costs: every point once, in budget units.
        assert!((training.cost.points - data.n_points() as f64).abs() < 1e-9);
        // A point in the last slice of a shard costs only the last step: (R/R) * D * 2/(R+1).
        let last = layout.slices(ShardId(0))[3][0];
        let mut store = CheckpointStore::new();
        engine.train(&workers, &HashSet::new(), &mut store).unwrap();
        let unlearned = engine
            .train(&workers, &HashSet::from([last]), &mut store)
            .unwrap();
        let shard_points = layout.shard_sizes()[0] as f64 - 1.0;
        assert!((unlearned.cost.points - shard_points * 2.0 / 5.0).abs() < 1e-9);
    }
}
