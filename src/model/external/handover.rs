//! The dataset as workers get it: `features.npy` (float32, C order, `(N, d)`) and `labels.npy`
//! (int64, `(N,)`), written once per distinct dataset into a folder named by its fingerprint, and
//! reused by every worker, trial and later run.

use std::fs;
use std::path::{Path, PathBuf};

use super::store::{hex, io_failure};
use super::WorkerError;
use crate::data::export::write_npy;
use crate::data::Dataset;

/// A dataset written for workers.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    /// `features.npy`.
    pub features: PathBuf,
    /// `labels.npy`.
    pub labels: PathBuf,
    /// The per-point shape, when not flat.
    pub shape: Option<Vec<usize>>,
    /// Number of classes.
    pub classes: usize,
    /// Hex BLAKE3 of the features, labels and classes.
    pub fingerprint: String,
}

impl Handover {
    /// Writes `data` under `root` unless an earlier call or run did.
    pub fn write(
        root: &Path,
        data: &Dataset,
        shape: Option<Vec<usize>>,
    ) -> Result<Handover, WorkerError> {
        let features: Vec<u8> = data.features.iter().flat_map(|v| v.to_le_bytes()).collect();
        let labels: Vec<u8> = (data.labels.iter())
            .flat_map(|label| i64::from(label.0).to_le_bytes())
            .collect();
        let fingerprint = fingerprint(data, &features, &labels);
        let dir = root.join(&fingerprint[..16]);
        let handover = Handover {
            features: dir.join("features.npy"),
            labels: dir.join("labels.npy"),
            shape,
            classes: data.n_classes(),
            fingerprint,
        };
        if handover.features.is_file() && handover.labels.is_file() {
            return Ok(handover);
        }
        fs::create_dir_all(&dir).map_err(|error| io_failure(&dir, &error))?;
        let shape = [data.n_points(), data.n_features()];
        write_atomically(&handover.features, "<f4", &shape, features)?;
        write_atomically(&handover.labels, "<i8", &shape[..1], labels)?;
        Ok(handover)
    }
}

/// Writes an `.npy` file beside `path` and renames it into place, so a reader never sees half.
fn write_atomically(
    path: &Path,
    dtype: &str,
    shape: &[usize],
    data: Vec<u8>,
) -> Result<(), WorkerError> {
    let staged = path.with_extension(format!("npy.{}.tmp", std::process::id()));
    write_npy(&staged, dtype, shape, data)
        .and_then(|()| fs::rename(&staged, path))
        .map_err(|error| io_failure(path, &error))
}

/// What identifies a dataset's points for workers.
fn fingerprint(data: &Dataset, features: &[u8], labels: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"sisa-handover-v1");
    for count in [data.n_points(), data.n_features(), data.n_classes()] {
        hasher.update(&(count as u64).to_le_bytes());
    }
    hasher.update(features);
    hasher.update(labels);
    hex(hasher.finalize().as_bytes())
}
