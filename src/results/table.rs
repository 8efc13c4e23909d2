//! The results table: one row per trial x step (DESIGN.md §5) as a polars DataFrame, built from
//! records or read back from a results folder, with typed access to its columns. Asking for a
//! column the table does not have is an error that names it, never a silent empty column.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{
    Column, DataFrame, DataType, IdxSize, ParquetReader, PolarsError, PolarsResult, SerReader,
};

use super::record::{
    swept_column, ColumnSpec, Field, Role, StepRecord, COLUMNS, EMPTY_WHEN_ABSENT,
};
use crate::spec::{yaml, Spec};

/// A results table that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a results table.
    #[error("`{}` is not a sisa results table: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        source: PolarsError,
    },
    /// A trial's file is not what was saved for that trial.
    #[error("`{}` cannot be trusted: {reason}; delete it, or run with --force to recompute every trial", path.display())]
    Tampered {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file lacks a column this version of sisa writes (or the spec sweeps).
    #[error("`{}` is not a results table of this spec: {source}", path.display())]
    Column {
        /// The file.
        path: PathBuf,
        /// The column it lacks.
        source: MissingColumn,
    },
}

/// A column asked for that the table does not have.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the results table has no column `{name}`{}", hint(closest))]
pub struct MissingColumn {
    /// The name asked for.
    pub name: String,
    /// The table's column with the closest name, if any is close.
    pub closest: Option<String>,
}

fn hint(closest: &Option<String>) -> String {
    closest
        .as_ref()
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default()
}

/// The rows of a results table, and which of its columns are swept keys.
#[derive(Debug, Clone)]
pub struct Table {
    frame: DataFrame,
    swept: Vec<String>,
}

/// The names of the swept columns of `spec`'s tables, in axis order.
pub fn swept_columns(spec: &Spec) -> Vec<String> {
    spec.axes()
        .iter()
        .map(|axis| swept_column(&axis.key))
        .collect()
}

impl Table {
    /// The table of `records`. Swept keys get a text column each, after the identity columns;
    /// all records must come from one experiment, so they share the swept keys.
    pub fn from_records(records: &[StepRecord]) -> PolarsResult<Table> {
        let swept: Vec<String> = records
            .first()
            .map(|first| {
                first
                    .swept
                    .iter()
                    .map(|(key, _)| swept_column(key))
                    .collect()
            })
            .unwrap_or_default();
        let mut columns: Vec<Column> = Vec::with_capacity(COLUMNS.len() + swept.len());
        for (index, spec) in COLUMNS.iter().enumerate() {
            if index == first_config_position() {
                for (position, name) in swept.iter().enumerate() {
                    let values: Vec<&str> = records
                        .iter()
                        .map(|r| r.swept[position].1.as_str())
                        .collect();
                    columns.push(Column::new(name.as_str().into(), values));
                }
            }
            columns.push(build(spec, records));
        }
        Ok(Table {
            frame: DataFrame::new(records.len(), columns)?,
            swept,
        })
    }

    /// Reads a table file of `spec`'s results (a trial's file or `steps.parquet`), checking it
    /// has every column this version writes and one per swept key.
    pub fn read(path: &Path, swept: &[String]) -> Result<Table, ReadError> {
        let file = File::open(path).map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
        let frame = ParquetReader::new(file)
            .finish()
            .map_err(|source| ReadError::Format {
                path: path.to_owned(),
                source,
            })?;
        Table::from_frame(frame, swept).map_err(|source| ReadError::Column {
            path: path.to_owned(),
            source,
        })
    }

    /// The table of a frame read back, checking it has every column this version writes and
    /// one per swept key.
    pub fn from_frame(mut frame: DataFrame, swept: &[String]) -> Result<Table, MissingColumn> {
        let absent: Vec<&str> = EMPTY_WHEN_ABSENT
            .iter()
            .map(|name| name.as_str())
            .filter(|name| frame.column(name).is_err())
            .collect();
        if !absent.is_empty() {
            let height = frame.height();
            for name in absent {
                let empty = Column::full_null(name.into(), height, &DataType::Float64);
                frame
                    .with_column(empty)
                    .expect("a column of the frame's height");
            }
            // In this version's order, so that the table stacks onto those it writes.
            let order = column_order(swept);
            if order.iter().all(|name| frame.column(name).is_ok()) {
                frame = frame.select(order).expect("every column is there");
            }
        }
        let table = Table {
            frame,
            swept: swept.to_vec(),
        };
        let expected = COLUMNS.iter().map(|c| c.name.as_str());
        for name in expected.chain(swept.iter().map(String::as_str)) {
            table.column(name)?;
        }
        Ok(table)
    }

    /// The rows of several tables of one experiment, one after the other.
    pub fn concat(tables: Vec<Table>) -> PolarsResult<Table> {
        let mut tables = tables.into_iter();
        let Some(first) = tables.next() else {
            return Ok(Table {
                frame: DataFrame::empty(),
                swept: Vec::new(),
            });
        };
        let (mut frame, swept) = (first.frame, first.swept);
        for table in tables {
            frame.vstack_mut_owned(table.frame)?;
        }
        frame.rechunk_mut();
        Ok(Table { frame, swept })
    }

    /// The underlying DataFrame, for writing.
    pub fn frame_mut(&mut self) -> &mut DataFrame {
        &mut self.frame
    }

    /// The columns of the swept keys, in axis order.
    pub fn swept_columns(&self) -> &[String] {
        &self.swept
    }

    /// The values of `column` at the given rows, as a column of the same name and type.
    pub fn column_at(&self, column: &str, rows: &[usize]) -> Result<Column, MissingColumn> {
        let indices: Vec<IdxSize> = rows.iter().map(|&row| row as IdxSize).collect();
        let taken = self.column(column)?.take_slice(&indices);
        Ok(taken.expect("row positions come from this table"))
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// Whether the table has a column.
    pub fn has(&self, column: impl AsRef<str>) -> bool {
        self.frame.column(column.as_ref()).is_ok()
    }

    /// A column as numbers (integers converted), `None` where empty or not a number.
    pub fn numbers(&self, column: impl AsRef<str>) -> Result<Vec<Option<f64>>, MissingColumn> {
        let converted = self
            .column(column.as_ref())?
            .cast(&DataType::Float64)
            .and_then(|c| c.f64().map(|values| values.iter().collect::<Vec<_>>()));
        Ok(converted.unwrap_or_else(|_| vec![None; self.height()]))
    }

    /// A column as text (numbers formatted), empty where missing.
    pub fn texts(&self, column: impl AsRef<str>) -> Result<Vec<String>, MissingColumn> {
        let converted = self
            .column(column.as_ref())?
            .cast(&DataType::String)
            .and_then(|c| {
                c.str().map(|values| {
                    values
                        .iter()
                        .map(|v| v.unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
            });
        Ok(converted.unwrap_or_else(|_| vec![String::new(); self.height()]))
    }

    /// The distinct values of a column as text, in order of first appearance.
    pub fn distinct(&self, column: impl AsRef<str>) -> Result<Vec<String>, MissingColumn> {
        let mut seen: Vec<String> = Vec::new();
        for value in self.texts(column)? {
            if !seen.contains(&value) {
                seen.push(value);
            }
        }
        Ok(seen)
    }

    /// The names of every column, in table order.
    pub fn column_names(&self) -> Vec<String> {
        let names = self.frame.get_column_names();
        names.into_iter().map(|name| name.to_string()).collect()
    }

    fn column(&self, name: &str) -> Result<&Column, MissingColumn> {
        self.frame.column(name).map_err(|_| {
            let names = self.column_names();
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            MissingColumn {
                name: name.to_owned(),
                closest: yaml::closest(name, &candidates).map(str::to_owned),
            }
        })
    }
}

/// Where the swept columns go: just before the first configuration column.
/// The names of the table's columns in the order this version writes them: the identity
/// columns, the swept keys', then the rest.
fn column_order(swept: &[String]) -> Vec<String> {
    let names = COLUMNS.iter().map(|spec| spec.name.as_str().to_owned());
    let mut order: Vec<String> = names.collect();
    let at = first_config_position();
    order.splice(at..at, swept.iter().cloned());
    order
}

fn first_config_position() -> usize {
    COLUMNS
        .iter()
        .position(|spec| spec.role == Role::Config)
        .expect("the table has configuration columns")
}

/// One column of the table.
fn build(spec: &ColumnSpec, records: &[StepRecord]) -> Column {
    let name = spec.name.as_str().into();
    match spec.field {
        Field::Text(read) => Column::new(name, records.iter().map(read).collect::<Vec<_>>()),
        Field::Count(read) => Column::new(name, records.iter().map(read).collect::<Vec<_>>()),
        Field::Real(read) => Column::new(name, records.iter().map(read).collect::<Vec<_>>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture::record;
    use crate::results::record::column;

    #[test]
    fn a_trial_file_without_the_device_columns_reads_with_them_empty_and_stacks() {
        let written = Table::from_records(&[record(2, 1, 1, 0), record(2, 1, 2, 0)]).unwrap();
        let mut older = written.frame.clone();
        for name in EMPTY_WHEN_ABSENT {
            older = older.drop(name.as_str()).unwrap();
        }
        let read = Table::from_frame(older, &written.swept).unwrap();
        assert_eq!(
            read.frame.get_column_names(),
            written.frame.get_column_names()
        );
        let device = read.frame.column(column::TRAIN_DEVICE_S.as_str()).unwrap();
        assert_eq!(device.null_count(), 2, "nothing was measured");
        let both = Table::concat(vec![written, read]).unwrap();
        assert_eq!(both.height(), 4);
        // Any other missing column is still an error that names it.
        let mut broken = both.frame.clone();
        broken = broken.drop(column::TRAIN_CPU_S.as_str()).unwrap();
        let error = Table::from_frame(broken, &[]).err().unwrap();
        assert!(error.to_string().contains("train_cpu_s"), "{error}");
    }
}
