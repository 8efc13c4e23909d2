//! One trial, end to end: prepared from its seeds ([`prepare`]), its schedule of requests run by
//! one executor ([`execute`]) with the accuracies of each recorded step ([`quality`]), and each
//! recorded step turned into a row ([`row`]).

pub mod execute;
pub mod prepare;
pub mod quality;
pub mod row;
pub mod shared;

pub use prepare::Prepared;
pub use shared::SharedBaselines;

use super::{Phase, TrialError};
use crate::data::DatasetCache;
use crate::results::StepRecord;
use crate::spec::Trial;
use crate::workers::Workers;

/// Runs one trial of experiment `experiment` on `workers`, taking baselines other trials of the
/// run trained from `baselines`, telling `progress` as it moves between phases; one record per request count, in the order of the spec's counts (sequential and stream
/// modes require them increasing).
pub fn run_trial(
    trial: &Trial,
    experiment: &str,
    cache: &DatasetCache,
    workers: &Workers,
    baselines: &SharedBaselines,
    progress: &(dyn Fn(Phase) + Sync),
) -> Result<Vec<StepRecord>, TrialError> {
    progress(Phase::Preparing);
    let prepared = workers.install(|| Prepared::new(trial, cache))?;
    let schedule = prepared.schedule();
    let executed = execute::execute(&prepared, &schedule, workers, baselines, progress)?;
    let expected = prepared.cost_model().expect(&schedule);
    let rows = row::TrialRows {
        trial,
        experiment,
        prepared: &prepared,
        executed: &executed,
    };
    let mut expected = expected.into_iter().flatten();
    Ok(executed
        .steps
        .iter()
        .map(|step| {
            rows.row(
                step,
                expected.next().expect("one expectation per recorded step"),
            )
        })
        .collect())
}
