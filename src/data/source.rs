//! Builds the dataset a spec describes: a synthetic generator, or the file reader of the
//! format, followed by the shared table-to-dataset step ([`super::features::encode`]).

use rand::SeedableRng;

use super::dataset::Dataset;
use super::error::Result;
use super::features;
use super::table::Table;
use super::{csv, idx, libsvm, npy, npz, parquet, synthetic};
use crate::seed::{Rng, Seeds};
use crate::spec::{DataFiles, DataSource, FileFormat, FileSettings, LabelColumn};

/// Builds the dataset of `source`; synthetic data depend on the master seed only, files on
/// nothing else.
pub fn load(source: &DataSource, master_seed: u64) -> Result<Dataset> {
    let mut rng = Rng::seed_from_u64(Seeds::dataset(master_seed));
    match source {
        DataSource::Purchase(purchase) => Ok(synthetic::purchase(purchase, &mut rng)),
        DataSource::Blobs(blobs) => Ok(synthetic::blobs(blobs, &mut rng)),
        DataSource::File(file) => read(file),
    }
}

/// Reads a dataset from its files.
fn read(settings: &FileSettings) -> Result<Dataset> {
    let name = features::dataset_name(&settings.train.path);
    let test = settings.test.as_ref();
    let (label, train, test): (LabelColumn, Table, Option<Table>) = match &settings.format {
        FileFormat::Delimited {
            separator,
            header,
            label,
        } => {
            let read = |files: &DataFiles| csv::read(&files.path, *separator, *header);
            (
                label.clone(),
                read(&settings.train)?,
                test.map(read).transpose()?,
            )
        }
        FileFormat::Parquet { label } => {
            let read = |files: &DataFiles| parquet::read(&files.path);
            (
                label.clone(),
                read(&settings.train)?,
                test.map(read).transpose()?,
            )
        }
        FileFormat::Libsvm => {
            let train = libsvm::read(&settings.train.path)?;
            let test = test.map(|files| libsvm::read(&files.path)).transpose()?;
            let (train, test) = libsvm::to_tables(train, test)?;
            (LabelColumn::First, train, test)
        }
        FileFormat::Idx => {
            let read = |files: &DataFiles| idx::read(&files.path, labels_path(files));
            (
                LabelColumn::Last,
                read(&settings.train)?,
                test.map(read).transpose()?,
            )
        }
        FileFormat::Npy => {
            let read = |files: &DataFiles| npy::read(&files.path, labels_path(files));
            (
                LabelColumn::Last,
                read(&settings.train)?,
                test.map(read).transpose()?,
            )
        }
        FileFormat::Npz {
            features_key,
            labels_key,
        } => {
            let read = |files: &DataFiles| {
                npz::read(&files.path, features_key.as_deref(), labels_key.as_deref())
            };
            (
                LabelColumn::Last,
                read(&settings.train)?,
                test.map(read).transpose()?,
            )
        }
    };
    features::encode(&name, &train, test.as_ref(), &label, settings.missing)
}

fn labels_path(files: &DataFiles) -> &std::path::Path {
    files
        .labels_path
        .as_deref()
        .expect("checked: IDX and .npy datasets name their labels file")
}
