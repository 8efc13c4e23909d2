//! The points: the [`Dataset`] type, its train/test [`Split`], and the sources it is built from
//! (synthetic generators and file readers, one file per format), memoised so trials that share a
//! dataset load it once.

pub mod binary;
pub mod cache;
pub mod columns;
pub mod csv;
pub mod dataset;
pub mod error;
pub mod export;
pub mod features;
pub mod idx;
pub mod impute;
pub mod input;
pub mod kmeans;
pub mod labels;
pub mod libsvm;
pub mod limits;
pub mod missing;
pub mod npy;
pub mod npz;
pub mod parquet;
pub mod raw_table;
pub mod source;
pub mod sparse;
pub mod split;
pub mod standardize;
pub mod summary;
pub mod synthetic;

pub use cache::DatasetCache;
pub use dataset::{ClassId, Dataset, PointId};
pub use error::{At, DataError};
pub use source::load;
pub use sparse::SparseIndex;
pub use split::Split;
pub use summary::DatasetSummary;
