//! The results folder: the one place that knows its layout. Every file is written to a temporary
//! name in the same folder and renamed into place, so a crash leaves the old file or the new one,
//! never half of one (DESIGN.md invariant 6).
//!
//! ```text
//! results/<name>/spec.yaml                   the resolved spec (overrides applied)
//! results/<name>/trials/<trial-id>.parquet   each finished trial's rows
//! results/<name>/steps.parquet, steps.csv    every row of the plan's trials
//! results/<name>/summary.csv                 mean, std and standard error over repeats
//! results/<name>/figures/<figure>.svg|.png   the figures
//! results/<name>/report.md, report.html      the report
//! results/<name>/provenance.json             how the results were produced
//! results/<name>/provenance/trial-<i>.json   the same, for a trial run apart (array task)
//! results/<name>/datasets.json               the run's datasets
//! results/<name>/manifest.tsv                the ordered trial list (`sisa plan --manifest`)
//! results/<name>/slurm/                      job scripts and logs (`sisa slurm`)
//! ```

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::{
    CsvWriter, DataFrame, KeyValueMetadata, ParquetReader, ParquetWriter, PolarsError, SerReader,
    SerWriter,
};

use super::record::StepRecord;
use super::summary;
use super::table::{ReadError, Table};
use crate::spec::{ExperimentName, TrialId};

/// A results file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// A file-system operation failed.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A table could not be built or encoded.
    #[error("cannot write table `{}`: {source}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// Why.
        source: PolarsError,
    },
}

type Result<T, E = ResultsError> = std::result::Result<T, E>;

/// The lock file of a results folder.
const LOCK_FILE: &str = ".lock";

/// The metadata key of the trial id in a trial's file.
const TRIAL_ID_KEY: &str = "sisa.trial_id";

/// The metadata key of the checksum of a trial's rows.
const CHECKSUM_KEY: &str = "sisa.rows_blake3";

/// A results folder that could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds the lock.
    #[error(
        "`{}` is in use by another sisa run{}; wait for it to end, or write elsewhere with --out",
        folder.display(),
        holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    Busy {
        /// The folder.
        folder: PathBuf,
        /// The process holding it, when it wrote its id.
        holder: Option<u32>,
    },
    /// The lock file could not be opened.
    #[error("cannot lock `{}`: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// A held lock on a results folder, released when dropped (or when the process ends, however).
/// A folder the lock created is removed again when nothing else was written into it, so a run
/// that stops at bad input leaves nothing behind.
#[derive(Debug)]
pub struct FolderLock {
    file: File,
    path: PathBuf,
    created: Option<PathBuf>,
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let Some(folder) = &self.created else {
            return;
        };
        let only_the_lock = fs::read_dir(folder).is_ok_and(|mut entries| {
            entries.all(|entry| entry.is_ok_and(|e| e.path() == self.path))
        });
        if only_the_lock {
            let _ = self.file.set_len(0);
            let _ = fs::remove_file(&self.path);
            let _ = fs::remove_dir(folder);
        }
    }
}

/// A BLAKE3 hash (hex) of a table's rows: of its CSV rendering, which reads back the same.
fn checksum(frame: &mut DataFrame) -> polars::prelude::PolarsResult<String> {
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv).finish(frame)?;
    Ok(blake3::hash(&csv).to_hex().to_string())
}

/// The files of a results folder that have one fixed name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// `spec.yaml`: the resolved spec.
    Spec,
    /// `provenance.json`: how the results were produced.
    Provenance,
    /// `datasets.json`: the run's datasets.
    Datasets,
    /// `manifest.tsv`: the ordered trial list.
    Manifest,
    /// `report.md`.
    ReportMarkdown,
    /// `report.html`.
    ReportHtml,
    /// `slurm/array.sbatch`: the job-array script.
    SlurmArray,
    /// `slurm/collect.sbatch`: the collect job's script.
    SlurmCollect,
}

impl Document {
    /// Its path inside the results folder.
    fn relative(self) -> &'static str {
        match self {
            Document::Spec => "spec.yaml",
            Document::Provenance => "provenance.json",
            Document::Datasets => "datasets.json",
            Document::Manifest => "manifest.tsv",
            Document::ReportMarkdown => "report.md",
            Document::ReportHtml => "report.html",
            Document::SlurmArray => "slurm/array.sbatch",
            Document::SlurmCollect => "slurm/collect.sbatch",
        }
    }
}

/// An experiment's results folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsFolder {
    root: PathBuf,
}

impl ResultsFolder {
    /// `out` if given, else `results/<name>` under the current directory.
    pub fn new(out: Option<&Path>, name: &ExperimentName) -> Self {
        let root = match out {
            Some(out) => out.to_owned(),
            None => Path::new("results").join(name.as_str()),
        };
        ResultsFolder { root }
    }

    /// An existing results folder.
    pub fn at(root: &Path) -> Self {
        ResultsFolder {
            root: root.to_owned(),
        }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a document is kept.
    pub fn path(&self, document: Document) -> PathBuf {
        self.root.join(document.relative())
    }

    /// Saves a document's text.
    pub fn save(&self, document: Document, text: &str) -> Result<PathBuf> {
        let path = self.path(document);
        write_atomically(&path, |file| file.write_all(text.as_bytes()))?;
        Ok(path)
    }

    /// The folder of finished trials' rows.
    pub fn trials_folder(&self) -> PathBuf {
        self.root.join("trials")
    }

    /// Where a finished trial's rows are kept.
    pub fn trial_path(&self, id: &TrialId) -> PathBuf {
        self.trials_folder().join(format!("{id}.parquet"))
    }

    /// The folder of the datasets handed to external workers (`.npy` files, one folder per
    /// dataset).
    pub fn worker_data_folder(&self) -> PathBuf {
        self.root.join("worker-data")
    }

    /// The folder of external models' checkpoints, one folder per trial, when not set apart
    /// (`--checkpoints DIR`).
    pub fn checkpoints_folder(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// The folder of the provenance of trials run apart (cluster array tasks).
    pub fn trial_provenance_folder(&self) -> PathBuf {
        self.root.join("provenance")
    }

    /// Saves the provenance of trial `index` run apart.
    pub fn save_trial_provenance(&self, index: usize, json: &str) -> Result<PathBuf> {
        let path = self
            .trial_provenance_folder()
            .join(format!("trial-{index}.json"));
        write_atomically(&path, |file| file.write_all(json.as_bytes()))?;
        Ok(path)
    }

    /// The folder of cluster job logs, created.
    pub fn slurm_logs(&self) -> Result<PathBuf> {
        let logs = self.root.join("slurm").join("logs");
        fs::create_dir_all(&logs).map_err(|source| ResultsError::Io {
            path: logs.clone(),
            source,
        })?;
        Ok(logs)
    }

    /// Saves one finished trial's rows, with its id and a checksum of the rows in the file's
    /// metadata (checked when the file is read back).
    pub fn save_trial(&self, id: &TrialId, records: &[StepRecord]) -> Result<PathBuf> {
        let path = self.trial_path(id);
        let mut table = frame(&path, Table::from_records(records))?;
        let checksum = frame(&path, checksum(table.frame_mut()))?;
        let metadata = KeyValueMetadata::from_static(vec![
            (TRIAL_ID_KEY.to_owned(), id.to_string()),
            (CHECKSUM_KEY.to_owned(), checksum),
        ]);
        write_table(&path, |file| {
            let writer = ParquetWriter::new(file).with_key_value_metadata(Some(metadata));
            writer.finish(table.frame_mut()).map(drop)
        })?;
        Ok(path)
    }

    /// Reads trial `id`'s saved rows (with the `swept` columns), checking that the file is the
    /// one saved for this id and that its rows are those it was saved with.
    pub fn read_trial(&self, id: &TrialId, swept: &[String]) -> Result<Table, ReadError> {
        let path = self.trial_path(id);
        let tampered = |reason: String| ReadError::Tampered {
            path: path.clone(),
            reason,
        };
        let format = |source| ReadError::Format {
            path: path.clone(),
            source,
        };
        let file = File::open(&path).map_err(|source| ReadError::Io {
            path: path.clone(),
            source,
        })?;
        let mut reader = ParquetReader::new(file);
        let metadata = reader.get_metadata().map_err(format)?;
        let value = |key: &str| {
            let pairs = metadata.key_value_metadata().as_ref()?;
            pairs.iter().find(|pair| pair.key == key)?.value.clone()
        };
        let (saved_id, saved_checksum) = (value(TRIAL_ID_KEY), value(CHECKSUM_KEY));
        let (Some(saved_id), Some(saved_checksum)) = (saved_id, saved_checksum) else {
            return Err(tampered(
                "it records no trial id or checksum (written by hand, or by \
                                 an older sisa)"
                    .to_owned(),
            ));
        };
        if saved_id != id.as_str() {
            return Err(tampered(format!("it holds the rows of trial {saved_id}")));
        }
        let mut frame = reader.finish().map_err(format)?;
        if checksum(&mut frame).map_err(format)? != saved_checksum {
            return Err(tampered(
                "its rows differ from those it was saved with (edited or damaged)".to_owned(),
            ));
        }
        Table::from_frame(frame, swept).map_err(|source| ReadError::Column { path, source })
    }

    /// Removes the temporaries an interrupted run left in `trials/` (a run killed while it was
    /// writing a file); returns how many. Call it only while holding the folder's lock.
    pub fn remove_temporaries(&self) -> usize {
        let Ok(entries) = fs::read_dir(self.trials_folder()) else {
            return 0;
        };
        entries
            .flatten()
            .filter(|entry| is_temporary(&entry.file_name().to_string_lossy()))
            .filter(|entry| fs::remove_file(entry.path()).is_ok())
            .count()
    }

    /// Takes the folder's lock: `exclusive` for a run that writes the whole folder (others wait
    /// or stop), shared for the single trials of a cluster array (they write apart). Released
    /// when the returned guard is dropped.
    pub fn lock(&self, exclusive: bool) -> std::result::Result<FolderLock, LockError> {
        let path = self.root.join(LOCK_FILE);
        let created = !self.root.exists();
        fs::create_dir_all(&self.root).map_err(|source| LockError::Io {
            path: self.root.clone(),
            source,
        })?;
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| LockError::Io {
                path: path.clone(),
                source,
            })?;
        let mode = if exclusive {
            libc::LOCK_EX
        } else {
            libc::LOCK_SH
        };
        // SAFETY: flock on a file descriptor this process owns; no memory is shared.
        let locked =
            unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), mode | libc::LOCK_NB) }
                == 0;
        if !locked {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            return Err(LockError::Busy {
                folder: self.root.clone(),
                holder: holder.trim().parse().ok(),
            });
        }
        if exclusive {
            let _ = file.set_len(0);
            let _ = (&file).write_all(std::process::id().to_string().as_bytes());
        }
        Ok(FolderLock {
            file,
            path,
            created: created.then(|| self.root.clone()),
        })
    }

    /// Where figure `name` is kept, in format `extension` (`svg`, `png`).
    pub fn figure_path(&self, name: &str, extension: &str) -> PathBuf {
        self.root
            .join("figures")
            .join(format!("{name}.{extension}"))
    }

    /// The saved rows of the trials `ids` (whose tables have the `swept` columns), in that order,
    /// and the ids that have no file yet.
    pub fn read_trials(
        &self,
        ids: &[TrialId],
        swept: &[String],
    ) -> Result<(Option<Table>, Vec<TrialId>), ReadError> {
        let mut tables = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            if self.trial_path(id).exists() {
                tables.push(self.read_trial(id, swept)?);
            } else {
                missing.push(id.clone());
            }
        }
        if tables.is_empty() {
            return Ok((None, missing));
        }
        let table = Table::concat(tables).map_err(|source| ReadError::Format {
            path: self.trials_folder(),
            source,
        })?;
        Ok((Some(table), missing))
    }

    /// Where the full table is kept.
    pub fn steps_path(&self) -> PathBuf {
        self.root.join("steps.parquet")
    }

    /// Whether the folder holds a results spec (a run wrote into it before).
    pub fn has_spec(&self) -> bool {
        self.path(Document::Spec).exists()
    }

    /// Saves the full table (Parquet and CSV) and the summary over repeats; returns the paths.
    pub fn save_tables(&self, table: &mut Table) -> Result<Vec<PathBuf>> {
        let steps_parquet = self.steps_path();
        let steps_csv = self.root.join("steps.csv");
        let summary_csv = self.root.join("summary.csv");
        let mut summary = frame(&summary_csv, summary::to_frame(table))?;
        write_parquet(&steps_parquet, table.frame_mut())?;
        write_csv(&steps_csv, table.frame_mut())?;
        write_csv(&summary_csv, &mut summary)?;
        Ok(vec![steps_parquet, steps_csv, summary_csv])
    }

    /// Saves the summary over repeats of `table` alone; returns its path.
    pub(crate) fn save_summary(&self, table: &Table) -> Result<PathBuf> {
        let summary_csv = self.root.join("summary.csv");
        let mut summary = frame(&summary_csv, summary::to_frame(table))?;
        write_csv(&summary_csv, &mut summary)?;
        Ok(summary_csv)
    }

    /// Writes a file through a function that needs a path (e.g. a plotting backend), atomically:
    /// `write` gets a temporary path beside `path`, which is renamed into place if it succeeds.
    pub fn write_through_path(
        &self,
        path: &Path,
        write: impl FnOnce(&Path) -> std::result::Result<(), String>,
    ) -> Result<()> {
        let folder = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(folder).map_err(|source| ResultsError::Io {
            path: folder.to_owned(),
            source,
        })?;
        let temporary = temporary_beside(path);
        if let Err(message) = write(&temporary) {
            let _ = fs::remove_file(&temporary);
            return Err(ResultsError::Io {
                path: path.to_owned(),
                source: io::Error::other(message),
            });
        }
        fs::rename(&temporary, path).map_err(|source| ResultsError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

fn frame<T>(path: &Path, built: polars::prelude::PolarsResult<T>) -> Result<T> {
    built.map_err(|source| ResultsError::Table {
        path: path.to_owned(),
        source,
    })
}

fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    write_table(path, |file| {
        ParquetWriter::new(file).finish(frame).map(drop)
    })
}

fn write_csv(path: &Path, frame: &mut DataFrame) -> Result<()> {
    write_table(path, |file| CsvWriter::new(file).finish(frame))
}

/// Writes a table through `encode`, atomically.
fn write_table(
    path: &Path,
    encode: impl FnOnce(&mut BufWriter<File>) -> polars::prelude::PolarsResult<()>,
) -> Result<()> {
    let mut failure = None;
    write_atomically(path, |file| {
        encode(file).map_err(|error| {
            let message = error.to_string();
            failure = Some(error);
            io::Error::other(message)
        })
    })
    .map_err(|error| match failure.take() {
        Some(source) => ResultsError::Table {
            path: path.to_owned(),
            source,
        },
        None => error,
    })
}

/// Writes `path` by writing a temporary file beside it, syncing, and renaming it into place.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<()> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| ResultsError::Io { path, source }
    };
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(io_error(folder))?;
    let temporary = temporary_beside(path);
    let result = (|| {
        let mut writer = BufWriter::new(File::create(&temporary)?);
        write(&mut writer)?;
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.sync_all()
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&temporary);
        return Err(ResultsError::Io {
            path: path.to_owned(),
            source,
        });
    }
    fs::rename(&temporary, path).map_err(io_error(path))?;
    // The rename is durable only once the folder's entry is on disk too.
    File::open(folder)
        .and_then(|folder| folder.sync_all())
        .map_err(io_error(folder))
}

/// Whether `name` is one of this module's temporary names.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp")
}

/// A temporary name in the same folder as `path` (so the rename is atomic), keeping its extension
/// for writers that choose a format by it.
fn temporary_beside(path: &Path) -> PathBuf {
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{file_name}.{}.tmp{extension}",
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporaries() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a/b/file.txt");
        write_atomically(&path, |f| f.write_all(b"first")).unwrap();
        write_atomically(&path, |f| f.write_all(b"second")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        let failed = write_atomically(&path, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "second",
            "old file kept"
        );
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary left behind");
    }
}
