//! Summary over repeats: one row per sweep point and step, with the mean, standard deviation and
//! standard error of every measured column.

use polars::prelude::{Column, DataFrame, PolarsResult};

use super::table::{build, swept_columns, ColumnSpec, Field, Role, COLUMNS};
use crate::runner::StepRecord;

/// Mean and spread of one measure over repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean over the repeats that measured it (`None` if none did).
    pub mean: Option<f64>,
    /// Sample standard deviation (`None` with fewer than two values).
    pub std: Option<f64>,
    /// Standard error of the mean (`None` with fewer than two values).
    pub sem: Option<f64>,
}

impl Stat {
    /// The statistics of `values`, ignoring missing ones.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Stat {
        let values: Vec<f64> = values.into_iter().flatten().collect();
        let n = values.len() as f64;
        let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / n);
        let std = mean.filter(|_| values.len() > 1).map(|mean| {
            let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (squares / (n - 1.0)).sqrt()
        });
        Stat {
            mean,
            std,
            sem: std.map(|std| std / n.sqrt()),
        }
    }
}

/// The records of one sweep point at one step, across repeats.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The records, in plan order.
    pub records: Vec<&'a StepRecord>,
}

impl Group<'_> {
    /// The statistics of the measure `name` (a [`COLUMNS`] entry with role `Measure`).
    pub fn stat(&self, name: &str) -> Stat {
        let spec = COLUMNS
            .iter()
            .find(|spec| spec.name == name && spec.role == Role::Measure)
            .unwrap_or_else(|| panic!("`{name}` is not a measured column"));
        let Field::Real(read) = spec.field else {
            unreachable!("measures are real-valued")
        };
        Stat::of(self.records.iter().map(|r| read(r)))
    }

    /// The first record, for the columns that are equal across the group.
    pub fn first(&self) -> &StepRecord {
        self.records[0]
    }
}

/// Groups records by sweep point and step, in order of first appearance.
pub fn groups(records: &[StepRecord]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for record in records {
        let same = |group: &&mut Group<'_>| {
            let first = group.first();
            first.swept == record.swept && first.step == record.step
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(group) => group.records.push(record),
            None => groups.push(Group {
                records: vec![record],
            }),
        }
    }
    groups
}

/// The summary table: swept keys, configuration and step columns, `repeats`, then
/// `<measure>_mean`, `<measure>_std` and `<measure>_sem` for every measure.
pub fn to_frame(records: &[StepRecord]) -> PolarsResult<DataFrame> {
    let groups = groups(records);
    let firsts: Vec<StepRecord> = groups.iter().map(|g| g.first().clone()).collect();
    let mut columns = swept_columns(&firsts);
    let constant = |spec: &&ColumnSpec| matches!(spec.role, Role::Config | Role::Step);
    for spec in COLUMNS.iter().filter(constant) {
        columns.push(build(spec, &firsts));
    }
    let repeats: Vec<u64> = groups.iter().map(|g| g.records.len() as u64).collect();
    columns.push(Column::new("repeats".into(), repeats));
    for spec in COLUMNS.iter().filter(|spec| spec.role == Role::Measure) {
        let stats: Vec<Stat> = groups.iter().map(|g| g.stat(spec.name)).collect();
        let means = stats.iter().map(|s| s.mean).collect::<Vec<_>>();
        let stds = stats.iter().map(|s| s.std).collect::<Vec<_>>();
        let sems = stats.iter().map(|s| s.sem).collect::<Vec<_>>();
        for (suffix, values) in [("mean", means), ("std", stds), ("sem", sems)] {
            columns.push(Column::new(
                format!("{}_{suffix}", spec.name).into(),
                values,
            ));
        }
    }
    DataFrame::new(groups.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_ignore_missing_values() {
        let stat = Stat::of([Some(1.0), None, Some(3.0)]);
        assert_eq!(stat.mean, Some(2.0));
        assert!((stat.std.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        assert!((stat.sem.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(Stat::of([Some(5.0)]).std, None);
        assert_eq!(Stat::of([None]).mean, None);
    }
}
