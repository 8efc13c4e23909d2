//! Builds the dataset a spec describes: a synthetic generator, or the file reader of the
//! format, followed by the shared table-to-dataset step ([`super::features::encode`]).

use rand::SeedableRng;

use super::columns::Selection;
use super::csv::{self, CsvOptions};
use super::dataset::Dataset;
use super::error::Result;
use super::features::{self, Encoding};
use super::raw_table::{RawTable, Values};
use super::{idx, libsvm, npy, npz, parquet, synthetic};
use crate::seed::{Rng, Seeds};
use crate::spec::{DataFiles, DataSource, FileFormat, FileSettings, LabelColumn};

/// Builds the dataset of `source`; synthetic data depend on the master seed only, files on
/// nothing else.
pub fn load(source: &DataSource, master_seed: u64) -> Result<Dataset> {
    let mut rng = Rng::seed_from_u64(Seeds::dataset(master_seed));
    match source {
        DataSource::Purchase(purchase) => synthetic::try_purchase(purchase, &mut rng),
        DataSource::Blobs(blobs) => synthetic::try_blobs(blobs, &mut rng),
        DataSource::File(file) => read(file),
    }
}

/// Reads a dataset from its files.
fn read(settings: &FileSettings) -> Result<Dataset> {
    let name = features::dataset_name(&settings.train.path);
    let label = label_column(&settings.format);
    let selection = Selection {
        label: &label,
        attributes: &settings.attributes,
        choice: &settings.columns,
    };
    let (train, test) = tables(settings, &selection)?;
    let encoding = Encoding {
        selection,
        missing: settings.missing,
        index_column: settings.index_column,
        label_kind: settings.label_kind,
    };
    features::encode(&name, train, test, &encoding)
}

/// The label column of a format: the spec's for tables, fixed for the others.
fn label_column(format: &FileFormat) -> LabelColumn {
    match format {
        FileFormat::Delimited { label, .. } | FileFormat::Parquet { label } => label.clone(),
        FileFormat::Libsvm => LabelColumn::First,
        FileFormat::Idx | FileFormat::Npy | FileFormat::Npz { .. } => LabelColumn::Last,
    }
}

/// The tables of the training file and, if there is one, the test file, read the same way.
fn tables(
    settings: &FileSettings,
    selection: &Selection<'_>,
) -> Result<(RawTable, Option<RawTable>)> {
    let test = settings.test.as_ref();
    let both = |read: &dyn Fn(&DataFiles) -> Result<RawTable>| {
        Ok((read(&settings.train)?, test.map(read).transpose()?))
    };
    match &settings.format {
        FileFormat::Delimited {
            separator,
            header,
            decimal,
            column_names,
            ..
        } => {
            let options = CsvOptions {
                separator: *separator as u8,
                header: *header,
                decimal: *decimal as u8,
                column_names: column_names.as_deref(),
            };
            let train = csv::read(&settings.train.path, &options, selection, &[])?;
            // The test file's columns that are text in the training file are text there too,
            // whatever they hold, so their categories are compared as written.
            let text_columns: Vec<usize> = (0..train.columns.len())
                .filter(|&c| matches!(train.columns[c].values, Values::Text(_)))
                .collect();
            let test = test
                .map(|files| csv::read(&files.path, &options, selection, &text_columns))
                .transpose()?;
            Ok((train, test))
        }
        FileFormat::Parquet { .. } => both(&|files| parquet::read(&files.path)),
        FileFormat::Libsvm => {
            let train = libsvm::read(&settings.train.path)?;
            let test = test.map(|files| libsvm::read(&files.path)).transpose()?;
            libsvm::to_tables(train, test)
        }
        FileFormat::Idx => both(&|files| idx::read(&files.path, labels_path(files))),
        FileFormat::Npy => both(&|files| npy::read(&files.path, labels_path(files))),
        FileFormat::Npz {
            features_key,
            labels_key,
        } => both(&|files| npz::read(&files.path, features_key.as_deref(), labels_key.as_deref())),
    }
}

fn labels_path(files: &DataFiles) -> &std::path::Path {
    files
        .labels_path
        .as_deref()
        .expect("checked: IDX and .npy datasets name their labels file")
}

#[cfg(test)]
mod tests {
    //! Loads the real datasets shipped in `experiments/data` (see its README) through the whole
    //! path a spec takes. They are part of the repository, so these tests always run.

    use std::path::{Path, PathBuf};
    use std::time::Instant;

    use super::*;
    use crate::spec::raw::RawSpec;
    use crate::spec::{check, yaml, DatasetSettings};

    /// The folder of the shipped real datasets.
    fn shipped_data() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/data")
    }

    /// The dataset settings of a spec's `dataset` section (paths relative to `base`).
    fn settings(base: &Path, dataset: &str) -> DatasetSettings {
        let text = format!("name: t\ndataset:\n{dataset}");
        let raw: RawSpec = yaml::from_text(&text).expect("parses");
        check::settings(&raw, base).expect("valid").dataset
    }

    fn load_with(base: &Path, dataset: &str) -> Result<Dataset> {
        load(&settings(base, dataset).source, 0)
    }

    fn counts(data: &Dataset) -> Vec<(String, usize)> {
        data.classes
            .iter()
            .cloned()
            .zip(data.class_counts())
            .collect()
    }

    #[test]
    fn letter_recognition() {
        let data_folder = shipped_data();
        let data = load_with(
            &data_folder,
            "  path: letter-recognition.data.gz\n  format: csv\n  label: first\n",
        )
        .unwrap();
        assert_eq!(data.name, "letter-recognition");
        assert_eq!(data.features.dim(), (20_000, 16));
        assert_eq!(data.n_classes(), 26);
        assert_eq!(data.classes[0], "A");
        assert_eq!(data.classes[25], "Z");
        assert_eq!(counts(&data)[0], ("A".to_owned(), 789));
        // First line: T,2,8,3,5,1,8,13,0,6,6,10,8,0,8,0,8
        assert_eq!(data.classes[data.labels[0].index()], "T");
        assert_eq!(data.features.row(0).to_vec()[..4], [2.0, 8.0, 3.0, 5.0]);
        assert_eq!(data.features.row(0)[15], 8.0);
    }

    #[test]
    fn location30() {
        let data_folder = shipped_data();
        let data = load_with(&data_folder, "  path: location30.csv.gz\n  label: first\n").unwrap();
        assert_eq!(data.features.dim(), (5_010, 446));
        assert_eq!(data.n_classes(), 30);
        // Quoted numeric labels "1".."30", sorted as numbers.
        assert_eq!(data.classes[..3], ["1", "2", "3"]);
        assert_eq!(data.classes[29], "30");
        assert_eq!(data.classes[data.labels[0].index()], "13");
        assert!(data.features.iter().all(|&v| v == 0.0 || v == 1.0));
        assert_eq!(data.features.row(0).to_vec()[..4], [0.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn adult_with_its_test_file_and_categories() {
        let data_folder = shipped_data();
        let dataset = "  path: adult.data.gz\n  format: csv\n  \
                       test_path: adult.test.gz\n";
        let error = load_with(&data_folder, dataset).unwrap_err().to_string();
        assert!(
            error.contains("adult.data.gz:15: 2399 of 32561 rows have a missing value"),
            "{error}"
        );
        assert!(error.contains("missing: drop-rows"), "{error}");
        let data = load_with(&data_folder, &format!("{dataset}  missing: drop-rows\n")).unwrap();
        // 30,162 complete training rows and 15,060 complete test rows.
        assert_eq!(data.test_start, Some(30_162));
        assert_eq!(data.n_points(), 30_162 + 15_060);
        assert_eq!(
            data.classes,
            vec!["<=50K", ">50K"],
            "test labels lose their `.`"
        );
        assert_eq!(
            counts(&data),
            vec![
                ("<=50K".to_owned(), 22_654 + 11_360),
                (">50K".to_owned(), 7_508 + 3_700)
            ]
        );
        // 6 numeric columns and 8 one-hot encoded ones.
        assert_eq!(data.feature_names[0], "0");
        assert!(data.feature_names.contains(&"1=Private".to_owned()));
        assert!(data.feature_names.contains(&"9=Male".to_owned()));
        let numeric = data
            .feature_names
            .iter()
            .filter(|n| !n.contains('='))
            .count();
        assert_eq!(numeric, 6);
        assert_eq!(data.n_features(), 104);
        // First line: 39, State-gov, 77516, Bachelors, 13, ...
        let state_gov = data
            .feature_names
            .iter()
            .position(|n| n == "1=State-gov")
            .unwrap();
        assert_eq!(data.features[[0, 0]], 39.0);
        assert_eq!(data.features[[0, state_gov]], 1.0);
    }

    #[test]
    fn mnist_test_set() {
        let data_folder = shipped_data();
        let data = load_with(
            &data_folder,
            "  path: t10k-images-idx3-ubyte.gz\n  \
             labels_path: t10k-labels-idx1-ubyte.gz\n",
        )
        .unwrap();
        assert_eq!(data.features.dim(), (10_000, 784));
        assert_eq!(
            data.classes,
            (0..10).map(|c| c.to_string()).collect::<Vec<_>>()
        );
        // The published test-set label counts.
        let expected = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
        assert_eq!(data.class_counts(), expected);
        assert_eq!(data.classes[data.labels[0].index()], "7");
        assert!(data.features.iter().all(|&v| (0.0..=255.0).contains(&v)));
        // The first image (a 7): 116 inked pixels summing to 18,454 (checked with numpy).
        assert_eq!(
            data.features.row(0).iter().filter(|&&v| v > 0.0).count(),
            116
        );
        assert_eq!(data.features.row(0).sum(), 18_454.0);
    }

    /// Benchmark, not a check: `cargo test --release --lib data::source -- --ignored --nocapture`
    /// prints how long the 20,000-row letter CSV takes to load.
    #[test]
    #[ignore = "a benchmark; prints timings"]
    fn benchmark_loading_a_20000_row_csv() {
        let data_folder = shipped_data();
        let source = settings(
            &data_folder,
            "  path: letter-recognition.data.gz\n  format: csv\n  label: first\n",
        )
        .source;
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let data = load(&source, 0).unwrap();
            times.push(start.elapsed().as_secs_f64());
            assert_eq!(data.n_points(), 20_000);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "letter-recognition.data.gz (20,000 x 17, gzip): median {:.1} ms, best {:.1} ms \
             over 5 loads",
            times[2] * 1e3,
            times[0] * 1e3
        );
    }
}
