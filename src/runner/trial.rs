//! One trial, end to end: data, split, layout, initial SISA training, then for every request
//! count an unlearning, a baseline retrain and an evaluation, each giving a [`StepRecord`].

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use super::record::StepRecord;
use super::TrialError;
use crate::cost;
use crate::data::{ClassId, Dataset, DatasetCache, PointId, Split};
use crate::model::{self, Constituent, Rows};
use crate::requests;
use crate::seed::{Purpose, Seeds};
use crate::sisa::{
    self, aggregate::argmax, CheckpointStore, Cost, Engine, Ensemble, Layout, Training,
};
use crate::spec::{check, Aggregation, Baseline, Settings, Trial};

/// A trial's data, split, layout and model, ready to train.
pub struct Prepared {
    /// The dataset, shared with other trials.
    pub data: Arc<Dataset>,
    /// Training and test points.
    pub split: Split,
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
    /// Loads (or reuses) the data and draws the split and layout from the trial's seeds.
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
        let layout = Layout::uniform(
            &split.train,
            settings.sisa.shards,
            settings.sisa.slices,
            &mut seeds.rng(Purpose::Layout, &[]),
        );
        let model = model::build(&settings.model, data.n_classes());
        Ok(Prepared {
            data,
            split,
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

    /// The points of request batch `step` (of `count` points).
    pub fn draw_requests(&self, step: usize, count: usize) -> Vec<PointId> {
        let mut rng = self.seeds.rng(Purpose::Requests, &[step as u64]);
        requests::draw(
            self.settings.unlearning.distribution,
            &self.split.train,
            count,
            &mut rng,
        )
    }

    /// The analytic expectation of unlearning `count` requests in this trial's layout.
    pub fn expected_cost(&self, count: usize) -> cost::Expectation {
        let sisa = &self.settings.sisa;
        cost::Layout::uniform(self.split.train.len(), sisa.shards, sisa.slices).batch(count)
    }

    /// The test points.
    pub fn test_rows(&self) -> Rows<'_> {
        Rows::new(&self.data, &self.split.test)
    }

    /// Retrains the baseline from scratch without `removed`: one shard, one slice, full budget.
    fn retrain_baseline(&self, removed: &HashSet<PointId>) -> Result<Training, TrialError> {
        let layout = Layout::single(&self.split.train);
        let engine = Engine::new(
            &self.data,
            &layout,
            &*self.model,
            &self.settings.model,
            self.seeds,
            Purpose::Baseline,
        );
        Ok(engine.train(removed, &mut CheckpointStore::new())?)
    }
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
                let predicted = sisa::aggregate(aggregation, &probas);
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

/// Runs one trial of experiment `experiment`; one record per request count.
pub fn run_trial(
    trial: &Trial,
    experiment: &str,
    cache: &DatasetCache,
) -> Result<Vec<StepRecord>, TrialError> {
    let prepared = Prepared::new(trial, cache)?;
    let engine = prepared.engine();
    let mut store = CheckpointStore::new();
    let initial = engine.train(&HashSet::new(), &mut store)?;
    let requests = &prepared.settings.unlearning.requests;
    requests
        .par_iter()
        .enumerate()
        .map(|(step, &count)| {
            let removed: HashSet<PointId> =
                prepared.draw_requests(step, count).into_iter().collect();
            let unlearned = engine.train(&removed, &mut store.clone())?;
            let quality = Quality::of(&unlearned.ensemble, &prepared);
            let baseline = match prepared.settings.baseline {
                Baseline::Retrain => {
                    let training = prepared.retrain_baseline(&removed)?;
                    let accuracy = Quality::of(&training.ensemble, &prepared).lone;
                    Some((training.cost, accuracy))
                }
                Baseline::None => None,
            };
            Ok(record(
                trial,
                experiment,
                &prepared,
                Step {
                    index: step,
                    requests: count,
                    initial: &initial,
                    checkpoint_bytes: store.bytes(),
                    unlearned: &unlearned,
                    quality: &quality,
                    baseline,
                    expected: prepared.expected_cost(count),
                },
            ))
        })
        .collect()
}

/// What one step measured, gathered for [`record`].
struct Step<'a> {
    index: usize,
    requests: usize,
    initial: &'a Training,
    checkpoint_bytes: usize,
    unlearned: &'a Training,
    quality: &'a Quality,
    baseline: Option<(Cost, f64)>,
    expected: cost::Expectation,
}

fn record(trial: &Trial, experiment: &str, prepared: &Prepared, step: Step<'_>) -> StepRecord {
    let settings = &prepared.settings;
    let sisa_cost = step.unlearned.cost;
    let baseline_cost = step.baseline.map(|(cost, _)| cost);
    let baseline_accuracy = step.baseline.map(|(_, accuracy)| accuracy);
    let sisa_accuracy = step.quality.accuracy(settings.sisa.aggregation);
    StepRecord {
        experiment: experiment.to_owned(),
        trial_id: trial.id.to_string(),
        trial_index: trial.index as u32,
        repeat: trial.repeat,
        seed: settings.seed,
        swept: trial.swept.clone(),
        dataset: prepared.data.name.clone(),
        n_train: prepared.split.train.len() as u64,
        n_test: prepared.split.test.len() as u64,
        n_features: prepared.data.n_features() as u64,
        n_classes: prepared.data.n_classes() as u64,
        model: settings.model.name().to_owned(),
        budget: u64::from(settings.model.budget()),
        shards: settings.sisa.shards as u64,
        slices: settings.sisa.slices as u64,
        partition: settings.sisa.partition.name().to_owned(),
        aggregation: settings.sisa.aggregation.name().to_owned(),
        distribution: settings.unlearning.distribution.name().to_owned(),
        mode: settings.unlearning.mode.name().to_owned(),
        step: step.index as u32,
        requests: step.requests as u64,
        removed_total: step.requests as u64,
        sisa_retrain_cpu_s: sisa_cost.cpu_s,
        sisa_retrain_wall_s: sisa_cost.wall_s,
        sisa_retrain_points: sisa_cost.points,
        sisa_retrain_passes: sisa_cost.passes,
        shards_retrained: step.unlearned.shards_retrained() as u64,
        baseline_retrain_cpu_s: baseline_cost.map(|c| c.cpu_s),
        baseline_retrain_wall_s: baseline_cost.map(|c| c.wall_s),
        baseline_retrain_points: baseline_cost.map(|c| c.points),
        baseline_retrain_passes: baseline_cost.and_then(|c| c.passes),
        speedup_time: baseline_cost.and_then(|c| ratio(c.cpu_s, sisa_cost.cpu_s)),
        speedup_points: baseline_cost.and_then(|c| ratio(c.points, sisa_cost.points)),
        expected_sisa_points: step.expected.sisa,
        expected_speedup_points: step.expected.speedup(),
        sisa_accuracy,
        sisa_accuracy_majority: step.quality.accuracy(Aggregation::Majority),
        sisa_accuracy_mean_proba: step.quality.accuracy(Aggregation::MeanProba),
        baseline_accuracy,
        lone_shard_accuracy: step.quality.lone,
        accuracy_gap: baseline_accuracy.map(|baseline| baseline - sisa_accuracy),
        train_cpu_s: step.initial.cost.cpu_s,
        train_wall_s: step.initial.cost.wall_s,
        train_points: step.initial.cost.points,
        checkpoint_bytes: step.checkpoint_bytes as u64,
    }
}

/// `numerator / denominator`, or `None` when the denominator is not positive.
fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}
