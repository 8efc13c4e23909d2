//! Test accuracies of an ensemble: under each aggregation, and of its constituents alone.

use super::prepare::Prepared;
use crate::data::ClassId;
use crate::model::ModelError;
use crate::sisa::{self, aggregate::argmax, Ensemble};
use crate::spec::Aggregation;
use crate::workers::Workers;

/// Test accuracies of an ensemble.
pub struct Quality {
    /// Accuracy under each aggregation, in [`Aggregation::ALL`] order.
    by_aggregation: Vec<(Aggregation, f64)>,
    /// Mean accuracy of the constituents alone.
    pub lone: f64,
}

impl Quality {
    /// The accuracies of `ensemble` on the trial's test points, predicting on `workers`.
    pub fn of(
        ensemble: &Ensemble,
        prepared: &Prepared,
        workers: &Workers,
    ) -> Result<Quality, ModelError> {
        let rows = prepared.test_rows();
        let truth: Vec<ClassId> = rows.labels();
        let probas = ensemble.predict_proba(workers, &*prepared.model, rows)?;
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
        Ok(Quality {
            by_aggregation,
            lone: lone.iter().sum::<f64>() / lone.len().max(1) as f64,
        })
    }

    /// The accuracy under `aggregation`.
    pub fn accuracy(&self, aggregation: Aggregation) -> f64 {
        self.by_aggregation
            .iter()
            .find(|(a, _)| *a == aggregation)
            .map(|(_, accuracy)| *accuracy)
            .expect("every aggregation is evaluated")
    }
}
