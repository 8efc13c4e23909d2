//! Reading a results table back, for figures and reports: `sisa report` re-renders from the files
//! without re-running anything.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{
    Column, DataFrame, DataType, IdxSize, ParquetReader, PolarsError, PolarsResult, SerReader,
};

use super::table;
use crate::runner::StepRecord;

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
}

/// The rows of a results table, with typed access to columns by name.
#[derive(Debug, Clone)]
pub struct Table {
    frame: DataFrame,
}

impl Table {
    /// The table of `records`.
    pub fn from_records(records: &[StepRecord]) -> Result<Table, PolarsError> {
        Ok(Table {
            frame: table::to_frame(records)?,
        })
    }

    /// Reads a `steps.parquet` file.
    pub fn read(path: &Path) -> Result<Table, ReadError> {
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
        let table = Table { frame };
        for required in ["experiment", "trial_id", "requests", "sisa_accuracy"] {
            if !table.has(required) {
                let source = PolarsError::ColumnNotFound(required.into());
                return Err(ReadError::Format {
                    path: path.to_owned(),
                    source,
                });
            }
        }
        Ok(table)
    }

    /// The rows of several tables of one experiment, one after the other.
    pub fn concat(tables: Vec<Table>) -> PolarsResult<Table> {
        let mut tables = tables.into_iter();
        let Some(first) = tables.next() else {
            return Ok(Table {
                frame: DataFrame::empty(),
            });
        };
        let mut frame = first.frame;
        for table in tables {
            frame.vstack_mut_owned(table.frame)?;
        }
        frame.rechunk_mut();
        Ok(Table { frame })
    }

    /// The underlying DataFrame, for writing.
    pub fn frame_mut(&mut self) -> &mut DataFrame {
        &mut self.frame
    }

    /// The values of `column` at the given rows, as a column of the same name and type.
    pub fn column_at(&self, column: &str, rows: &[usize]) -> PolarsResult<Column> {
        let indices: Vec<IdxSize> = rows.iter().map(|&row| row as IdxSize).collect();
        self.frame.column(column)?.take_slice(&indices)
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// Whether the table has a column.
    pub fn has(&self, column: &str) -> bool {
        self.frame.column(column).is_ok()
    }

    /// A column as numbers (integers converted), `None` where empty; all `None` if absent.
    pub fn numbers(&self, column: &str) -> Vec<Option<f64>> {
        let converted = self
            .frame
            .column(column)
            .and_then(|c| c.cast(&DataType::Float64))
            .and_then(|c| c.f64().map(|values| values.iter().collect::<Vec<_>>()));
        converted.unwrap_or_else(|_| vec![None; self.height()])
    }

    /// A column as text (numbers formatted), empty where missing; all empty if absent.
    pub fn texts(&self, column: &str) -> Vec<String> {
        let converted = self
            .frame
            .column(column)
            .and_then(|c| c.cast(&DataType::String))
            .and_then(|c| {
                c.str().map(|values| {
                    values
                        .iter()
                        .map(|v| v.unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
            });
        converted.unwrap_or_else(|_| vec![String::new(); self.height()])
    }

    /// The swept keys, in column order (their columns are named by the dotted key).
    pub fn swept_keys(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .into_iter()
            .filter(|name| name.contains('.'))
            .map(|name| name.to_string())
            .collect()
    }

    /// The distinct values of a text column, in order of first appearance.
    pub fn distinct(&self, column: &str) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for value in self.texts(column) {
            if !seen.contains(&value) {
                seen.push(value);
            }
        }
        seen
    }
}
