//! The exact-unlearning certificate (DESIGN.md invariant 1): train, unlearn a random batch through
//! the checkpoint store, train again from scratch on the remaining points with the same layout and
//! seeds, and compare every constituent bit for bit and the ensemble's test predictions.

use std::collections::HashSet;

use serde::Serialize;

use super::trial::Prepared;
use super::TrialError;
use crate::data::{DatasetCache, PointId};
use crate::model::{self, external::Scratch};
use crate::sisa::{self, CheckpointStore};
use crate::spec::{Invalid, Trial};
use crate::workers::Workers;

/// What `sisa verify` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    /// The trial that was verified.
    pub trial_id: String,
    /// Model kind.
    pub model: String,
    /// Shards S.
    pub shards: usize,
    /// Slices R.
    pub slices: usize,
    /// Training points before unlearning.
    pub n_train: usize,
    /// The ids (dataset rows) of the points removed.
    pub removed: Vec<u32>,
    /// One verdict per shard.
    pub shard_verdicts: Vec<ShardVerdict>,
    /// Test points whose ensemble prediction was compared.
    pub test_points: usize,
    /// Whether every test prediction was equal.
    pub predictions_identical: bool,
    /// Whether every constituent's parameters and every prediction were equal.
    pub identical: bool,
}

/// How one shard fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardVerdict {
    /// Shard index.
    pub shard: usize,
    /// Removed points that were in this shard.
    pub removed_points: usize,
    /// The slice unlearning restarted from (`None`: the shard was not retrained).
    pub restarted_at_slice: Option<usize>,
    /// Whether its parameters after unlearning equal those trained from scratch, bit for bit.
    pub parameters_identical: bool,
}

/// Verifies exact unlearning of `count` uniformly drawn points for `trial`.
pub fn verify(
    trial: &Trial,
    count: usize,
    cache: &DatasetCache,
    workers: &Workers,
) -> Result<Certificate, TrialError> {
    let scratch = Scratch::for_model(&trial.settings.model, workers.jobs());
    let runtime = scratch.as_ref().map(|scratch| &scratch.runtime);
    let prepared = workers.install(|| Prepared::new(trial, cache, runtime))?;
    let n_train = prepared.split.train.len();
    if count >= n_train {
        let message = format!("{count} points cannot be unlearned from {n_train} training points");
        return Err(Invalid::new("--requests", message).into());
    }
    let engine = prepared.engine();
    let mut store = CheckpointStore::new();
    engine.train(workers, &HashSet::new(), &mut store)?;
    let removed_points = prepared.draw_requests(0, count);
    let removed: HashSet<PointId> = removed_points.iter().copied().collect();
    let unlearned = engine.train(workers, &removed, &mut store)?;
    // Trained from scratch by a model of its own: an external one keeps its checkpoints apart,
    // so none written while unlearning can stand in for one trained here.
    let scratch_model =
        model::build_in(&prepared.settings.model, &prepared.data, runtime, "scratch")?;
    let scratch_engine = prepared.engine_of(&*scratch_model);
    let scratch = scratch_engine.train(workers, &removed, &mut CheckpointStore::new())?;

    let locations = prepared.layout.locations();
    let unlearned_bytes = unlearned.ensemble.parameter_bytes();
    let scratch_bytes = scratch.ensemble.parameter_bytes();
    let shard_verdicts: Vec<ShardVerdict> = (0..prepared.layout.n_shards())
        .map(|shard| ShardVerdict {
            shard,
            removed_points: removed_points
                .iter()
                .filter(|point| locations[point].0 .0 == shard)
                .count(),
            restarted_at_slice: unlearned.retrained_from[shard].map(|slice| slice.0),
            parameters_identical: unlearned_bytes[shard] == scratch_bytes[shard],
        })
        .collect();

    let rows = prepared.test_rows();
    let aggregation = prepared.settings.sisa.aggregation;
    let predicted =
        |ensemble: &sisa::Ensemble| ensemble.predict(workers, &*prepared.model, rows, aggregation);
    let predictions_identical = predicted(&unlearned.ensemble)? == predicted(&scratch.ensemble)?;
    let identical = predictions_identical
        && shard_verdicts
            .iter()
            .all(|verdict| verdict.parameters_identical);
    Ok(Certificate {
        trial_id: trial.id.to_string(),
        model: prepared.settings.model.name().to_owned(),
        shards: prepared.layout.n_shards(),
        slices: prepared.layout.n_slices(),
        n_train: prepared.split.train.len(),
        removed: removed_points.iter().map(|point| point.0).collect(),
        shard_verdicts,
        test_points: rows.len(),
        predictions_identical,
        identical,
    })
}
