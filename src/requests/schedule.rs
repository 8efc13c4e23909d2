//! Request schedules: every processing mode turns into a list of steps that one executor runs
//! (`runner::trial`). A step either starts afresh from the trained ensemble with its requests (an
//! independent batch) or continues from the state the previous step left with more requests
//! (sequential and stream processing); some steps are recorded as rows of the table.

use super::RequestModel;
use crate::data::PointId;
use crate::seed::{Purpose, Seeds};
use crate::spec::{Mode, UnlearningSettings};

/// Where a step starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From the trained ensemble: nothing unlearned before; costs start from zero.
    Trained,
    /// From the state the previous step left: its requests stay unlearned, costs add up.
    Previous,
}

/// One step of a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Where it starts.
    pub start: Start,
    /// The request units it adds to what its start has unlearned, in arrival order.
    pub units: Vec<usize>,
    /// Requests unlearned once it is done, counting its start's (K).
    pub requests: usize,
    /// The position of K in the spec's request counts when this step is recorded as a row.
    pub record: Option<usize>,
}

/// The steps a trial's requests are processed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The mode it was made for.
    pub mode: Mode,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Schedule {
    /// The schedule of `unlearning`'s mode and counts over `requests`, drawn from `seeds`:
    /// batch mode gives one independent step per count, drawn with the count (so a count's
    /// requests are the same whatever else the list holds, e.g. across a shard sweep whose lists
    /// differ; a count listed again draws another batch);
    /// sequential and stream modes draw one arrival order and unlearn it one request or one
    /// batch at a time, recording the steps that reach a listed count.
    pub fn new(unlearning: &UnlearningSettings, requests: &RequestModel, seeds: Seeds) -> Self {
        let counts = &unlearning.requests;
        let steps = match unlearning.mode.batch_size() {
            None => counts
                .iter()
                .enumerate()
                .map(|(position, &count)| {
                    let mut rng = seeds.rng(Purpose::Requests, &batch_draw(counts, position));
                    Step {
                        start: Start::Trained,
                        units: requests.arrival_order(&mut rng)[..count].to_vec(),
                        requests: count,
                        record: Some(position),
                    }
                })
                .collect(),
            Some(batch) => {
                let order = requests.arrival_order(&mut seeds.rng(Purpose::Requests, &[0]));
                let most = unlearning.most_requests();
                (0..most)
                    .step_by(batch)
                    .map(|start| {
                        let end = (start + batch).min(most);
                        Step {
                            start: Start::Previous,
                            units: order[start..end].to_vec(),
                            requests: end,
                            record: counts.iter().position(|&count| count == end),
                        }
                    })
                    .collect()
            }
        };
        Schedule {
            mode: unlearning.mode,
            steps,
        }
    }

    /// How many steps are recorded.
    pub fn recorded(&self) -> usize {
        self.steps
            .iter()
            .filter(|step| step.record.is_some())
            .count()
    }
}

/// Where the batch of `counts[position]` requests is drawn: at the count, and for a count listed
/// again, at the count and how many times it came before (another, independent batch).
fn batch_draw(counts: &[usize], position: usize) -> Vec<u64> {
    let count = counts[position];
    match counts[..position].iter().filter(|&&c| c == count).count() {
        0 => vec![count as u64],
        earlier => vec![count as u64, earlier as u64],
    }
}

impl Step {
    /// The points its units delete.
    pub fn points<'a>(&'a self, requests: &'a RequestModel) -> impl Iterator<Item = PointId> + 'a {
        self.units
            .iter()
            .flat_map(|&unit| requests.points(unit).iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;
    use crate::seed::Rng;
    use crate::spec::{BlobsSettings, Distribution};
    use rand::SeedableRng;

    fn requests() -> RequestModel {
        let settings = BlobsSettings {
            samples: 50,
            features: 2,
            classes: 2,
            noise: 1.0,
        };
        let data = synthetic::blobs(&settings, &mut Rng::seed_from_u64(1));
        let ids = data.ids();
        RequestModel::new(
            &Distribution::Uniform,
            &data,
            &ids,
            &mut Rng::seed_from_u64(2),
        )
        .unwrap()
    }

    fn unlearning(mode: Mode, requests: Vec<usize>) -> UnlearningSettings {
        UnlearningSettings {
            distribution: Distribution::Uniform,
            mode,
            requests,
        }
    }

    #[test]
    fn batch_mode_gives_independent_recorded_steps() {
        let model = requests();
        let schedule = Schedule::new(
            &unlearning(Mode::Batch, vec![1, 4]),
            &model,
            Seeds::new(3, 0),
        );
        assert_eq!(schedule.steps.len(), 2);
        assert!(schedule.steps.iter().all(|s| s.start == Start::Trained));
        assert_eq!(schedule.steps[1].units.len(), 4);
        assert_eq!(schedule.steps[1].record, Some(1));
        // Each count draws its own requests: the first request of each is drawn apart.
        let again = Schedule::new(
            &unlearning(Mode::Batch, vec![1, 4]),
            &model,
            Seeds::new(3, 0),
        );
        assert_eq!(schedule, again, "drawn from the seeds alone");
        let other_list = Schedule::new(
            &unlearning(Mode::Batch, vec![2, 4, 8]),
            &model,
            Seeds::new(3, 0),
        );
        assert_eq!(
            other_list.steps[1].units, schedule.steps[1].units,
            "a count's requests do not depend on the other counts"
        );
        let listed_twice = Schedule::new(
            &unlearning(Mode::Batch, vec![4, 4]),
            &model,
            Seeds::new(3, 0),
        );
        assert_eq!(listed_twice.steps[0].units, schedule.steps[1].units);
        assert_ne!(
            listed_twice.steps[0].units, listed_twice.steps[1].units,
            "a count listed again draws another batch"
        );
    }

    #[test]
    fn stream_mode_continues_and_records_listed_counts() {
        let model = requests();
        let mode = Mode::Stream { batch_size: 2 };
        let schedule = Schedule::new(&unlearning(mode, vec![2, 6]), &model, Seeds::new(3, 0));
        let shape: Vec<(usize, usize, Option<usize>)> = schedule
            .steps
            .iter()
            .map(|s| (s.units.len(), s.requests, s.record))
            .collect();
        assert_eq!(shape, vec![(2, 2, Some(0)), (2, 4, None), (2, 6, Some(1))]);
        assert!(schedule.steps.iter().all(|s| s.start == Start::Previous));
        assert_eq!(schedule.recorded(), 2);
        let all: std::collections::HashSet<usize> = schedule
            .steps
            .iter()
            .flat_map(|s| s.units.clone())
            .collect();
        assert_eq!(all.len(), 6, "every request arrives once");
    }
}
