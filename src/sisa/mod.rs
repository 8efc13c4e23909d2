//! The SISA engine: layout of shards and slices, per-step budgets, the content-keyed checkpoint
//! store, training and unlearning of the constituents, and aggregation of their predictions.

pub mod aggregate;
pub mod budget;
pub mod checkpoint;
pub mod ensemble;
pub mod layout;

pub use aggregate::{accuracy, aggregate};
pub use budget::{schedule, StepBudget};
pub use checkpoint::{CheckpointKey, CheckpointStore};
pub use ensemble::{train_together, Cost, Engine, Ensemble, Run, Training};
pub use layout::{Layout, ShardId, SliceId};
