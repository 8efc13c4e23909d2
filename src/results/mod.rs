//! Results: the tidy table (one row per trial x step), the summary over repeats, and the results
//! folder they are written to.

pub mod folder;
pub mod provenance;
pub mod read;
pub mod summary;
pub mod table;

pub use folder::{ResultsError, ResultsFolder};
pub use provenance::Provenance;
pub use read::{ReadError, Table};
pub use summary::{groups, Group, Stat};
pub use table::{to_frame, COLUMNS, TIMING_COLUMNS};
