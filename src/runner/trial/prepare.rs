//! A trial made ready to train: its data, split, request model, layout, model, schedule of
//! requests and the analytic model of their cost, all drawn from the trial's seeds.

use std::collections::HashSet;
use std::sync::Arc;

use super::quality::Quality;
use crate::cost::{StepCost, TrialModel, UniformSizes};
use crate::data::{Dataset, DatasetCache, PointId, Split};
use crate::model::external::Runtime;
use crate::model::{self, Constituent, Progression, Rows};
use crate::requests::{RequestModel, Schedule};
use crate::runner::TrialError;
use crate::seed::{Purpose, Seeds};
use crate::sisa::layout::ShardTarget;
use crate::sisa::{CheckpointStore, Engine, Layout, ShardId, Training};
use crate::spec::{Distribution, Invalid, Partition, Settings, Trial};
use crate::workers::Workers;

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
    /// trial's seeds. The sizes the settings need were checked against the data before any trial
    /// ran (`runner::precheck`). An external model gets its workers from `runtime` and keeps its
    /// checkpoints in the trial's folder there.
    pub fn new(
        trial: &Trial,
        cache: &DatasetCache,
        runtime: Option<&Arc<Runtime>>,
    ) -> Result<Prepared, TrialError> {
        let settings = trial.settings.clone();
        let seeds = trial.seeds();
        let source = &settings.dataset.source;
        let mut data = cache.get(source, settings.seed)?;
        let split = Split::new(
            &data,
            &settings.dataset,
            &mut seeds.rng(Purpose::Split, &[]),
        )?;
        data = cache.for_training(&settings.dataset, settings.seed, data, &split.train);
        let requests = RequestModel::new(
            &settings.unlearning.distribution,
            &data,
            &split.train,
            &mut seeds.rng(Purpose::Requests, &[u64::MAX]),
        )?;
        let most = settings.unlearning.most_requests();
        if most > requests.requestable().saturating_sub(1) {
            let message = format!(
                "{most} requests, but only {} units can be requested without removing every one \
                 of them; use fewer",
                requests.requestable()
            );
            return Err(Invalid::new("unlearning.requests", message).into());
        }
        let layout = build_layout(&settings, &split, &requests, seeds)?;
        let model = model::build_in(&settings.model, &data, runtime, &trial.id.to_string())?;
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
        self.engine_of(&*self.model)
    }

    /// The SISA engine over this trial's layout, training `model` (one built like the trial's).
    pub fn engine_of<'a>(&'a self, model: &'a dyn Constituent) -> Engine<'a> {
        Engine::new(
            &self.data,
            &self.layout,
            model,
            self.seeds,
            Purpose::Training,
        )
    }

    /// The baseline's layout: every training point in one shard of one slice, full budget.
    pub fn baseline_layout(&self) -> Layout {
        Layout::single(&self.split.train)
    }

    /// The baseline's engine over `layout` (from [`Prepared::baseline_layout`]).
    pub fn baseline_engine<'a>(&'a self, layout: &'a Layout) -> Engine<'a> {
        Engine::new(
            &self.data,
            layout,
            &*self.model,
            self.seeds,
            Purpose::Baseline,
        )
    }

    /// Retrains the baseline from scratch without `removed`; returns the training and the
    /// model's test accuracy.
    pub fn fit_baseline(
        &self,
        workers: &Workers,
        removed: &HashSet<PointId>,
    ) -> Result<(Training, f64), TrialError> {
        let layout = self.baseline_layout();
        let engine = self.baseline_engine(&layout);
        let training = engine.train(workers, removed, &mut CheckpointStore::new())?;
        let accuracy = Quality::of(&training.ensemble, self, workers)?.lone;
        Ok((training, accuracy))
    }

    /// The schedule of the trial's requests.
    pub fn schedule(&self) -> Schedule {
        Schedule::new(&self.settings.unlearning, &self.requests, self.seeds)
    }

    /// The points of an independent batch `step` of `count` requests (what batch mode's step
    /// `step` unlearns).
    pub fn draw_requests(&self, step: usize, count: usize) -> Vec<PointId> {
        let mut rng = self.seeds.rng(Purpose::Requests, &[step as u64]);
        self.requests.draw(count, &mut rng)
    }

    /// The test points.
    pub fn test_rows(&self) -> Rows<'_> {
        Rows::new(&self.data, &self.split.test)
    }

    /// The analytic model of this trial's unlearning cost (`cost.rs`).
    pub fn cost_model(&self) -> TrialModel<'_> {
        let sisa = &self.settings.sisa;
        let progression = self.model.progression();
        let uniform = self.settings.unlearning.distribution == Distribution::Uniform
            && sisa.partition == Partition::Uniform
            && progression == Progression::Iterative;
        let slice_sizes: Vec<Vec<usize>> = (0..self.layout.n_shards())
            .map(|s| {
                self.layout
                    .slices(ShardId(s))
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
                let place = |p: &PointId| locations[p];
                points.iter().map(place).map(|(s, r)| (s.0, r.0)).collect()
            })
            .collect();
        let n = self.split.train.len();
        TrialModel::new(
            slice_sizes,
            positions,
            &self.requests,
            StepCost::of(progression, sisa.slices),
            uniform.then(|| UniformSizes::uniform(n, sisa.shards, sisa.slices)),
        )
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
