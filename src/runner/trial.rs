//! One trial, end to end: data, split, request model, layout, initial SISA training, then the
//! requests (independent batches, or one cumulative sequence) with SISA's unlearning, the
//! baseline's retraining and an evaluation at each recorded count, each giving a [`StepRecord`].

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use std::sync::atomic::{AtomicUsize, Ordering};

use super::record::StepRecord;
use super::{Phase, TrialError};
use crate::cost::{self, Expectation, StepCost};
use crate::data::{ClassId, Dataset, DatasetCache, PointId, Split};
use crate::model::{self, Constituent, Progression, Rows};
use crate::requests::RequestModel;
use crate::seed::{Purpose, Seeds};
use crate::sisa::layout::ShardTarget;
use crate::sisa::{
    self, aggregate::argmax, CheckpointStore, Cost, Engine, Ensemble, Layout, Training,
};
use crate::spec::{
    check, Aggregation, Baseline, Distribution, Invalid, Mode, Partition, Settings, Trial,
};

/// A trial's data, split, request model, layout and model, ready to train.
pub struct Prepared {
    /// The dataset, shared with other trials.
    pub data: Arc<Dataset>,
    /// Training and test points.
    pub split: Split,
    /// Who asks to be forgotten.
    pub requests: RequestModel,
    /// Shards and slices of the training points.
    pub layout: Layout,
    /// The constituent model.
    pub model: Box<dyn Constituent>,
    /// The trial's settings.
    pub settings: Settings,
    /// The trial's seeds.
    pub seeds: Seeds,
}

impl Prepared {
    /// Loads (or reuses) the data and draws the split, request model and layout from the
    /// trial's seeds.
    pub fn new(trial: &Trial, cache: &DatasetCache) -> Result<Prepared, TrialError> {
        let settings = trial.settings.clone();
        let seeds = trial.seeds();
        let source = &settings.dataset.source;
        let mut data = cache.get(source, settings.seed)?;
        let split = Split::new(
            &data,
            &settings.dataset,
            &mut seeds.rng(Purpose::Split, &[]),
        )?;
        check::check_sizes(&settings, split.train.len())?;
        if settings.dataset.standardize {
            data = cache.standardized(source, settings.seed, &data, &split.train);
        }
        let requests = RequestModel::new(
            &settings.unlearning.distribution,
            &data,
            &split.train,
            &mut seeds.rng(Purpose::Requests, &[u64::MAX]),
        )?;
        let most = settings.unlearning.most_requests();
        if most > requests.requestable().saturating_sub(1) {
            return Err(Invalid::new(
                "unlearning.requests",
                format!(
                    "{most} requests, but only {} units can be requested without removing every \
                     one of them; use fewer",
                    requests.requestable()
                ),
            )
            .into());
        }
        let layout = build_layout(&settings, &split, &requests, seeds)?;
        let model = model::build(&settings.model, data.n_classes());
        // Fits read the dataset's sparse index; build it here, once per dataset and before any
        // fit is timed: shared preparation, like loading the data, is no trial's retraining cost.
        data.sparse();
        Ok(Prepared {
            data,
            split,
            requests,
            layout,
            model,
            settings,
            seeds,
        })
    }

    /// The SISA engine over this trial's layout.
    pub fn engine(&self) -> Engine<'_> {
        Engine::new(
            &self.data,
            &self.layout,
            &*self.model,
            &self.settings.model,
            self.seeds,
            Purpose::Training,
        )
    }

    /// The points of an independent batch `step` of `count` requests.
    pub fn draw_requests(&self, step: usize, count: usize) -> Vec<PointId> {
        let mut rng = self.seeds.rng(Purpose::Requests, &[step as u64]);
        self.requests.draw(count, &mut rng)
    }

    /// The test points.
    pub fn test_rows(&self) -> Rows<'_> {
        Rows::new(&self.data, &self.split.test)
    }

    /// Retrains the baseline from scratch without `removed`: one shard, one slice, full budget;
    /// returns the training and the model's test accuracy.
    pub fn retrain_baseline(
        &self,
        removed: &HashSet<PointId>,
    ) -> Result<(Training, f64), TrialError> {
        let layout = Layout::single(&self.split.train);
        let engine = Engine::new(
            &self.data,
            &layout,
            &*self.model,
            &self.settings.model,
            self.seeds,
            Purpose::Baseline,
        );
        let training = engine.train(removed, &mut CheckpointStore::new())?;
        let accuracy = Quality::of(&training.ensemble, self).lone;
        Ok((training, accuracy))
    }

    /// The analytic expectation of the cost of the first `count` requests under the trial's
    /// mode (cumulative for sequential and stream processing).
    pub fn expected_cost(&self, count: usize) -> Expectation {
        let sisa = &self.settings.sisa;
        let unlearning = &self.settings.unlearning;
        let progression = self.model.progression();
        let exact_uniform = unlearning.distribution == Distribution::Uniform
            && sisa.partition == Partition::Uniform
            && progression == Progression::Iterative;
        let n = self.split.train.len();
        if exact_uniform {
            let layout = cost::Layout::uniform(n, sisa.shards, sisa.slices);
            match unlearning.mode {
                Mode::Batch => return layout.batch(count),
                Mode::Sequential => return layout.sequential(count),
                Mode::Stream { .. } => {}
            }
        }
        let batch = unlearning.mode.batch_size().unwrap_or(count);
        let slice_sizes: Vec<Vec<usize>> = (0..self.layout.n_shards())
            .map(|s| {
                self.layout
                    .slices(sisa::ShardId(s))
                    .iter()
                    .map(Vec::len)
                    .collect()
            })
            .collect();
        let locations = self.layout.locations();
        let positions: Vec<Vec<(usize, usize)>> = self
            .requests
            .units()
            .map(|(points, _)| {
                points
                    .iter()
                    .map(|p| locations[p])
                    .map(|(s, r)| (s.0, r.0))
                    .collect()
            })
            .collect();
        let boundaries: Vec<usize> = (0..=count).step_by(batch).collect();
        let process = self.requests.expected_process(&boundaries);
        let mut total = Expectation {
            sisa: 0.0,
            baseline: 0.0,
        };
        for (window, survival) in boundaries.windows(2).zip(process.survival.windows(2)) {
            let batch_cost = cost::batch_general(
                &slice_sizes,
                StepCost::of(progression, sisa.slices),
                &positions,
                &process,
                (window[0], window[1]),
                (&survival[0], &survival[1]),
            );
            total.sisa += batch_cost.sisa;
            total.baseline += batch_cost.baseline;
        }
        total
    }
}

/// The layout the settings ask for: uniform, or distribution-aware over the request units.
fn build_layout(
    settings: &Settings,
    split: &Split,
    requests: &RequestModel,
    seeds: Seeds,
) -> Result<Layout, TrialError> {
    let sisa = &settings.sisa;
    let mut rng = seeds.rng(Purpose::Layout, &[]);
    let Partition::DistributionAware { capacity } = sisa.partition else {
        return Ok(Layout::uniform(
            &split.train,
            sisa.shards,
            sisa.slices,
            &mut rng,
        ));
    };
    let most = settings.unlearning.most_requests();
    let expected = requests.inclusion(most);
    let units: Vec<(&[PointId], f64)> = requests
        .units()
        .map(|(points, _)| points)
        .zip(expected)
        .collect();
    let target = match capacity {
        Some(capacity) => ShardTarget::Capacity(capacity),
        None if sisa.shards > units.len() => {
            let message = format!(
                "{} shards need at least as many request units; there are {}",
                sisa.shards,
                units.len()
            );
            return Err(Invalid::new("sisa.shards", message).into());
        }
        None => ShardTarget::Shards(sisa.shards),
    };
    let layout = Layout::distribution_aware(&units, target, sisa.slices, &mut rng);
    let smallest = layout.shard_sizes().into_iter().min().unwrap_or(0);
    if smallest < sisa.slices {
        let message = format!(
            "the distribution-aware partition made a shard of {smallest} points, fewer than the {} \
             slices; use fewer slices, or {}",
            sisa.slices,
            if capacity.is_some() { "a larger sisa.capacity" } else { "fewer shards" }
        );
        return Err(Invalid::new("sisa.slices", message).into());
    }
    Ok(layout)
}

/// Test accuracies of an ensemble.
struct Quality {
    /// Accuracy under each aggregation, in [`Aggregation::ALL`] order.
    by_aggregation: Vec<(Aggregation, f64)>,
    /// Mean accuracy of the constituents alone.
    lone: f64,
}

impl Quality {
    fn of(ensemble: &Ensemble, prepared: &Prepared) -> Quality {
        let rows = prepared.test_rows();
        let truth: Vec<ClassId> = rows.labels();
        let probas = ensemble.predict_proba(&*prepared.model, rows);
        let by_aggregation = Aggregation::ALL
            .iter()
            .map(|&aggregation| {
                let predicted = sisa::aggregate(aggregation, &probas, &ensemble.shard_sizes);
                (aggregation, sisa::accuracy(&predicted, &truth))
            })
            .collect();
        let lone: Vec<f64> = probas
            .iter()
            .flatten()
            .map(|proba| {
                let predicted: Vec<ClassId> = proba.rows().into_iter().map(argmax).collect();
                sisa::accuracy(&predicted, &truth)
            })
            .collect();
        Quality {
            by_aggregation,
            lone: lone.iter().sum::<f64>() / lone.len().max(1) as f64,
        }
    }

    fn accuracy(&self, aggregation: Aggregation) -> f64 {
        self.by_aggregation
            .iter()
            .find(|(a, _)| *a == aggregation)
            .map(|(_, accuracy)| *accuracy)
            .expect("every aggregation is evaluated")
    }
}

/// Runs one trial of experiment `experiment`, telling `progress` as it moves between phases; one
/// record per request count.
pub fn run_trial(
    trial: &Trial,
    experiment: &str,
    cache: &DatasetCache,
    progress: &(dyn Fn(Phase) + Sync),
) -> Result<Vec<StepRecord>, TrialError> {
    progress(Phase::Preparing);
    let prepared = Prepared::new(trial, cache)?;
    let engine = prepared.engine();
    let mut store = CheckpointStore::new();
    progress(Phase::Training);
    let initial = engine.train(&HashSet::new(), &mut store)?;
    let context = Context {
        trial,
        experiment,
        prepared: &prepared,
        initial: &initial,
        checkpoint_bytes: store.bytes(),
        progress,
    };
    match prepared.settings.unlearning.mode.batch_size() {
        None => independent_batches(&context, &engine, &store),
        Some(batch) => cumulative(&context, &engine, store, batch),
    }
}

/// Batch mode: every count is its own batch, unlearned from the trained state.
fn independent_batches(
    context: &Context<'_>,
    engine: &Engine<'_>,
    store: &CheckpointStore,
) -> Result<Vec<StepRecord>, TrialError> {
    let prepared = context.prepared;
    let requests = &prepared.settings.unlearning.requests;
    let started = AtomicUsize::new(0);
    requests
        .par_iter()
        .enumerate()
        .map(|(step, &count)| {
            let step_number = started.fetch_add(1, Ordering::SeqCst) + 1;
            (context.progress)(Phase::Unlearning {
                step: step_number,
                steps: requests.len(),
            });
            let removed: HashSet<PointId> =
                prepared.draw_requests(step, count).into_iter().collect();
            let unlearned = engine.train(&removed, &mut store.clone())?;
            let baseline = prepared.run_baseline(&removed)?;
            Ok(context.record(
                step,
                count,
                &removed,
                &unlearned.ensemble,
                unlearned.cost,
                unlearned.shards_retrained(),
                baseline,
            ))
        })
        .collect()
}

/// Sequential and stream modes: requests arrive in one order and are unlearned `batch` at a time,
/// each batch from the state the previous left; costs add up, and the counts listed in the spec
/// are the points at which they are recorded.
fn cumulative(
    context: &Context<'_>,
    engine: &Engine<'_>,
    mut store: CheckpointStore,
    batch: usize,
) -> Result<Vec<StepRecord>, TrialError> {
    let prepared = context.prepared;
    let counts = &prepared.settings.unlearning.requests;
    let most = prepared.settings.unlearning.most_requests();
    let order = prepared
        .requests
        .arrival_order(&mut prepared.seeds.rng(Purpose::Requests, &[0]));
    let mut removed: HashSet<PointId> = HashSet::new();
    let mut sisa_cost = Cost {
        passes: Some(0.0),
        ..Cost::default()
    };
    let mut shards_retrained: HashSet<usize> = HashSet::new();
    let mut baseline: Option<(Cost, f64)> = None;
    let mut records = Vec::new();
    let batches = most.div_ceil(batch);
    for (index, start) in (0..most).step_by(batch).enumerate() {
        (context.progress)(Phase::Unlearning {
            step: index + 1,
            steps: batches,
        });
        let end = (start + batch).min(most);
        for &unit in &order[start..end] {
            removed.extend(prepared.requests.points(unit));
        }
        let unlearned = engine.train(&removed, &mut store)?;
        store.retain(&unlearned.keys);
        sisa_cost += unlearned.cost;
        shards_retrained.extend(unlearned.retrained_shards());
        if let Some((cost, accuracy)) = prepared.run_baseline(&removed)? {
            let total = baseline.map_or(cost, |(mut total, _): (Cost, f64)| {
                total += cost;
                total
            });
            baseline = Some((total, accuracy));
        }
        if let Some(step) = counts.iter().position(|&c| c == end) {
            records.push(context.record(
                step,
                end,
                &removed,
                &unlearned.ensemble,
                sisa_cost,
                shards_retrained.len(),
                baseline,
            ));
        }
    }
    Ok(records)
}

impl Prepared {
    /// The baseline retrained without `removed` (its cost and test accuracy), if the spec asks.
    fn run_baseline(&self, removed: &HashSet<PointId>) -> Result<Option<(Cost, f64)>, TrialError> {
        match self.settings.baseline {
            Baseline::Retrain => {
                let (training, accuracy) = self.retrain_baseline(removed)?;
                Ok(Some((training.cost, accuracy)))
            }
            Baseline::None => Ok(None),
        }
    }
}

/// What every record of a trial shares.
struct Context<'a> {
    progress: &'a (dyn Fn(Phase) + Sync),
    trial: &'a Trial,
    experiment: &'a str,
    prepared: &'a Prepared,
    initial: &'a Training,
    checkpoint_bytes: usize,
}

impl Context<'_> {
    #[expect(
        clippy::too_many_arguments,
        reason = "one record gathers every measurement of a step"
    )]
    fn record(
        &self,
        step: usize,
        requests: usize,
        removed: &HashSet<PointId>,
        ensemble: &Ensemble,
        sisa_cost: Cost,
        shards_retrained: usize,
        baseline: Option<(Cost, f64)>,
    ) -> StepRecord {
        let prepared = self.prepared;
        let settings = &prepared.settings;
        let quality = Quality::of(ensemble, prepared);
        let expected = prepared.expected_cost(requests);
        let baseline_cost = baseline.map(|(cost, _)| cost);
        let baseline_accuracy = baseline.map(|(_, accuracy)| accuracy);
        let sisa_accuracy = quality.accuracy(settings.sisa.aggregation);
        let shard_sizes: Vec<String> = prepared
            .layout
            .shard_sizes()
            .iter()
            .map(usize::to_string)
            .collect();
        StepRecord {
            experiment: self.experiment.to_owned(),
            trial_id: self.trial.id.to_string(),
            trial_index: self.trial.index as u32,
            repeat: self.trial.repeat,
            seed: settings.seed,
            swept: self.trial.swept.clone(),
            dataset: prepared.data.name.clone(),
            n_train: prepared.split.train.len() as u64,
            n_test: prepared.split.test.len() as u64,
            n_features: prepared.data.n_features() as u64,
            n_classes: prepared.data.n_classes() as u64,
            model: settings.model.name().to_owned(),
            budget: u64::from(settings.model.budget()),
            shards: prepared.layout.n_shards() as u64,
            slices: settings.sisa.slices as u64,
            partition: settings.sisa.partition.name().to_owned(),
            shard_sizes: shard_sizes.join(" "),
            aggregation: settings.sisa.aggregation.name().to_owned(),
            distribution: settings.unlearning.distribution.name(),
            mode: settings.unlearning.mode.name(),
            step: step as u32,
            requests: requests as u64,
            removed_total: removed.len() as u64,
            sisa_retrain_cpu_s: sisa_cost.cpu_s,
            sisa_retrain_wall_s: sisa_cost.wall_s,
            sisa_retrain_points: sisa_cost.points,
            sisa_retrain_passes: sisa_cost.passes,
            shards_retrained: shards_retrained as u64,
            baseline_retrain_cpu_s: baseline_cost.map(|c| c.cpu_s),
            baseline_retrain_wall_s: baseline_cost.map(|c| c.wall_s),
            baseline_retrain_points: baseline_cost.map(|c| c.points),
            baseline_retrain_passes: baseline_cost.and_then(|c| c.passes),
            speedup_time: baseline_cost.and_then(|c| ratio(c.cpu_s, sisa_cost.cpu_s)),
            speedup_points: baseline_cost.and_then(|c| ratio(c.points, sisa_cost.points)),
            expected_sisa_points: expected.sisa,
            expected_speedup_points: expected.speedup(),
            sisa_accuracy,
            sisa_accuracy_majority: quality.accuracy(Aggregation::Majority),
            sisa_accuracy_mean_proba: quality.accuracy(Aggregation::MeanProba),
            sisa_accuracy_weighted: quality.accuracy(Aggregation::Weighted),
            baseline_accuracy,
            lone_shard_accuracy: quality.lone,
            accuracy_gap: baseline_accuracy.map(|baseline| baseline - sisa_accuracy),
            train_cpu_s: self.initial.cost.cpu_s,
            train_wall_s: self.initial.cost.wall_s,
            train_points: self.initial.cost.points,
            checkpoint_bytes: self.checkpoint_bytes as u64,
        }
    }
}

/// `numerator / denominator`, or `None` when the denominator is not positive.
fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}
