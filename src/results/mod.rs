//! Results: the row a trial step produces and the table's columns, the tidy table (one row per
//! trial x step), the summary over repeats, provenance, and the results folder they are written to.

#[cfg(test)]
pub(crate) mod fixture;
pub mod folder;
pub mod provenance;
pub mod record;
pub mod summary;
pub mod table;

pub use folder::{Document, FolderLock, LockError, ResultsError, ResultsFolder};
pub use provenance::{Provenance, ProvenanceLog};
pub use record::{column, swept_column, timing_columns, ColumnName, StepRecord, COLUMNS};
pub use summary::{groups, Group, Stat};
pub use table::{swept_columns, MissingColumn, ReadError, Table};
