//! Checkpoints of external models on disk, one file per training step named by the step's key,
//! with a small JSON sidecar recording what the fit cost. The worker writes a temporary file sisa
//! names; sisa renames it into place and writes the sidecar after it, so a sidecar always stands
//! beside a complete checkpoint. A run that finds both for a step it is about to train (because
//! an earlier run of the trial was killed) takes the checkpoint and its recorded cost instead.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::ExternalState;
use super::{Failure, WorkerError};

/// What one fit cost, as recorded beside its checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// CPU seconds (the worker's, else the call's wall time).
    pub cpu_s: f64,
    /// Wall seconds of the call.
    pub wall_s: f64,
    /// Sample passes the worker reported.
    pub passes: Option<f64>,
    /// Points the step trained on.
    pub points: usize,
    /// Accelerator seconds the worker reported.
    pub device_s: Option<f64>,
}

/// The sidecar: the cost and the checkpoint's size and digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Sidecar {
    cost: Recorded,
    bytes: u64,
    blake3: String,
}

/// A folder of checkpoints.
#[derive(Debug)]
pub struct DiskStore {
    dir: PathBuf,
    resume: bool,
    temporaries: AtomicU64,
}

impl DiskStore {
    /// Checkpoints in `dir` (created on first use); with `resume`, checkpoints found there are
    /// taken instead of training again.
    pub fn new(dir: PathBuf, resume: bool) -> DiskStore {
        DiskStore {
            dir,
            resume,
            temporaries: AtomicU64::new(0),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A fresh temporary path in the folder, for a worker to write `what` to.
    pub fn temporary(&self, what: &str) -> Result<PathBuf, WorkerError> {
        fs::create_dir_all(&self.dir).map_err(|error| io_failure(&self.dir, &error))?;
        let count = self.temporaries.fetch_add(1, Ordering::Relaxed);
        let name = format!(".{what}-{}-{count}.tmp", std::process::id());
        Ok(self.dir.join(name))
    }

    /// Moves the checkpoint a worker wrote at `temporary` into place under `key`, with its
    /// recorded cost.
    pub fn commit(
        &self,
        temporary: &Path,
        key: &str,
        cost: Recorded,
    ) -> Result<ExternalState, WorkerError> {
        let bytes = match fs::metadata(temporary) {
            Ok(meta) if meta.is_file() && meta.len() > 0 => meta.len(),
            _ => {
                let _ = fs::remove_file(temporary);
                return Err(WorkerError::new(Failure::NoCheckpoint {
                    op: "fit",
                    path: temporary.to_path_buf(),
                }));
            }
        };
        let digest = digest(temporary)?;
        let path = self.dir.join(format!("{key}.ckpt"));
        fs::rename(temporary, &path).map_err(|error| io_failure(&path, &error))?;
        let sidecar = Sidecar {
            cost,
            bytes,
            blake3: hex(&digest),
        };
        let json = serde_json::to_string_pretty(&sidecar).expect("sidecars serialise");
        let staged = self.temporary("sidecar")?;
        let sidecar_path = self.dir.join(format!("{key}.json"));
        fs::write(&staged, json)
            .and_then(|()| fs::rename(&staged, &sidecar_path))
            .map_err(|error| io_failure(&sidecar_path, &error))?;
        Ok(ExternalState {
            path,
            bytes,
            digest,
        })
    }

    /// The checkpoint and recorded cost of `key` left by an earlier run, when resuming and both
    /// are there and the checkpoint is the one the sidecar describes.
    pub fn recall(&self, key: &str) -> Option<(ExternalState, Recorded)> {
        if !self.resume {
            return None;
        }
        let text = fs::read_to_string(self.dir.join(format!("{key}.json"))).ok()?;
        let sidecar: Sidecar = serde_json::from_str(&text).ok()?;
        let path = self.dir.join(format!("{key}.ckpt"));
        let digest = digest(&path).ok()?;
        let bytes = fs::metadata(&path).ok()?.len();
        (bytes == sidecar.bytes && hex(&digest) == sidecar.blake3).then_some((
            ExternalState {
                path,
                bytes,
                digest,
            },
            sidecar.cost,
        ))
    }
}

/// The BLAKE3 digest of a file's contents.
fn digest(path: &Path) -> Result<[u8; 32], WorkerError> {
    let mut file = fs::File::open(path).map_err(|error| io_failure(path, &error))?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|error| io_failure(path, &error))?;
        if read == 0 {
            return Ok(*hasher.finalize().as_bytes());
        }
        hasher.update(&buffer[..read]);
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A file sisa could not read or write.
pub fn io_failure(path: &Path, error: &std::io::Error) -> WorkerError {
    WorkerError::new(Failure::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost() -> Recorded {
        Recorded {
            cpu_s: 1.5,
            wall_s: 2.0,
            passes: Some(10.0),
            points: 5,
            device_s: None,
        }
    }

    #[test]
    fn a_committed_checkpoint_is_recalled_only_when_resuming_and_intact() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskStore::new(dir.path().join("c"), true);
        let temporary = store.temporary("fit").unwrap();
        fs::write(&temporary, b"weights").unwrap();
        let state = store.commit(&temporary, "ab", cost()).unwrap();
        assert!(!temporary.exists());
        assert_eq!(state.bytes, 7);
        assert_eq!(state.digest, *blake3::hash(b"weights").as_bytes());
        let (recalled, recorded) = store.recall("ab").unwrap();
        assert_eq!(recalled, state);
        assert_eq!(recorded, cost());
        assert!(DiskStore::new(dir.path().join("c"), false)
            .recall("ab")
            .is_none());
        fs::write(&state.path, b"changed").unwrap();
        assert!(store.recall("ab").is_none(), "a changed file is not taken");
        assert!(store.recall("cd").is_none());
    }

    #[test]
    fn an_empty_or_missing_checkpoint_is_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskStore::new(dir.path().to_path_buf(), true);
        let temporary = store.temporary("fit").unwrap();
        let error = store.commit(&temporary, "ab", cost()).unwrap_err();
        assert!(matches!(error.failure, Failure::NoCheckpoint { .. }));
        fs::write(&temporary, b"").unwrap();
        assert!(store.commit(&temporary, "ab", cost()).is_err());
        assert!(!temporary.exists(), "an empty file is removed");
    }
}
