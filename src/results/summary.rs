//! Summary over repeats: one row per sweep point and step, with the mean, standard deviation and
//! standard error of every measured column.

use polars::prelude::{Column, DataFrame, PolarsResult};

use super::record::{column, COLUMNS};
use super::table::{MissingColumn, Table};

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

/// The rows of one sweep point at one step, across repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Row positions in the table, in table order.
    pub rows: Vec<usize>,
}

impl Group {
    /// The statistics of a numeric column over the group.
    pub fn stat(&self, table: &Table, column: impl AsRef<str>) -> Result<Stat, MissingColumn> {
        Ok(self.stat_of(&table.numbers(column)?))
    }

    /// The statistics over the group of a column already read (`values`, one per table row).
    pub fn stat_of(&self, values: &[Option<f64>]) -> Stat {
        Stat::of(self.rows.iter().map(|&row| values[row]))
    }

    /// The first row, for the columns that are equal across the group.
    pub fn first(&self) -> usize {
        self.rows[0]
    }
}

/// Groups rows by their swept values and step, in order of first appearance.
pub fn groups(table: &Table) -> Result<Vec<Group>, MissingColumn> {
    let mut keys: Vec<Vec<String>> = table
        .swept_columns()
        .iter()
        .map(|column| table.texts(column))
        .collect::<Result<_, _>>()?;
    keys.push(table.texts(column::STEP)?);
    let key_of =
        |row: usize| -> Vec<&str> { keys.iter().map(|column| column[row].as_str()).collect() };
    let mut seen: Vec<Vec<&str>> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    for row in 0..table.height() {
        let key = key_of(row);
        match seen.iter().position(|k| *k == key) {
            Some(index) => groups[index].rows.push(row),
            None => {
                seen.push(key);
                groups.push(Group { rows: vec![row] });
            }
        }
    }
    Ok(groups)
}

/// The summary table: swept keys, configuration and step columns, `repeats`, then
/// `<measure>_mean`, `<measure>_std` and `<measure>_sem` for every measure.
pub fn to_frame(table: &Table) -> PolarsResult<DataFrame> {
    let missing = |error: MissingColumn| {
        polars::prelude::PolarsError::ColumnNotFound(error.to_string().into())
    };
    let groups = groups(table).map_err(missing)?;
    let firsts: Vec<usize> = groups.iter().map(Group::first).collect();
    let mut columns = Vec::new();
    let constant = table.swept_columns().iter().cloned().chain(
        COLUMNS
            .iter()
            .filter(|spec| !spec.is_measured() && spec.role != super::record::Role::Identity)
            .map(|spec| spec.name.as_str().to_owned()),
    );
    for name in constant {
        columns.push(table.column_at(&name, &firsts).map_err(missing)?);
    }
    let repeats: Vec<u64> = groups.iter().map(|g| g.rows.len() as u64).collect();
    columns.push(Column::new("repeats".into(), repeats));
    for spec in COLUMNS.iter().filter(|spec| spec.is_measured()) {
        let values = table.numbers(spec.name).map_err(missing)?;
        let stats: Vec<Stat> = groups.iter().map(|g| g.stat_of(&values)).collect();
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
