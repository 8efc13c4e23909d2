//! Checks a [`RawSpec`] into [`Settings`]: fills defaults, rejects values out of range, and names
//! the key path of each problem so the caller can point at the line.

use std::path::{Component, Path, PathBuf};

use super::error::Invalid;
use super::raw::{RawDataset, RawLogistic, RawModel, RawSisa, RawSpec, RawUnlearning};
use super::settings::{
    Activation, Aggregation, Baseline, BlobsSettings, DataFiles, DataSource, DatasetSettings,
    Distribution, DistributionKind, FileFormat, FileSettings, FormatName, Grouping, LabelColumn,
    LogisticSettings, LogisticSolver, MissingPolicy, MlpSettings, Mode, ModeKind, ModelSettings,
    NaiveBayesSettings, Partition, PartitionKind, PurchaseSettings, Settings, SisaSettings,
    SplitCriterion, SplitSettings, SyntheticKind, TreeSettings, UnlearningSettings,
};

type Checked<T> = Result<T, Invalid>;

/// Largest dataset a synthetic generator will build (features x samples), to fail early and clearly.
const MAX_SYNTHETIC_VALUES: usize = 2_000_000_000;

/// Checks the trial settings of a raw spec; relative data paths are resolved against `base`, the
/// (absolute) folder of the spec file.
pub fn settings(raw: &RawSpec, base: &Path) -> Checked<Settings> {
    let mut dataset = dataset(raw.dataset.clone().unwrap_or_default(), base)?;
    let unlearning = unlearning(raw.unlearning.clone().unwrap_or_default())?;
    request_column(&mut dataset, &unlearning)?;
    let settings = Settings {
        seed: raw.seed.unwrap_or(0),
        dataset,
        model: model(raw.model.clone())?,
        sisa: sisa(raw.sisa.clone().unwrap_or_default())?,
        unlearning,
        baseline: raw.baseline.unwrap_or(Baseline::Retrain),
    };
    if let Some((n_train, _)) = (settings.dataset.source.samples())
        .and_then(|samples| settings.dataset.split_sizes(samples))
    {
        check_sizes(&settings, n_train)?;
    }
    Ok(settings)
}

/// Checks what depends on the number of training points: every slice of every shard must get at
/// least one point, and every request count must leave at least one point.
pub fn check_sizes(settings: &Settings, n_train: usize) -> Checked<()> {
    let sisa = &settings.sisa;
    let fixed_shards = !matches!(
        sisa.partition,
        Partition::DistributionAware { capacity: Some(_) }
    );
    if fixed_shards && sisa.shards > n_train {
        return Err(Invalid::new(
            "sisa.shards",
            format!(
                "{} shards need at least {} training points, but the dataset has {n_train}",
                sisa.shards, sisa.shards
            ),
        ));
    }
    let smallest_shard = n_train / sisa.shards;
    if sisa.partition == Partition::Uniform && sisa.slices > smallest_shard {
        return Err(Invalid::new(
            "sisa.slices",
            format!(
                "{} slices are more than the {smallest_shard} points of a shard \
                 ({n_train} training points in {} shards); use at most {smallest_shard}",
                sisa.slices, sisa.shards
            ),
        ));
    }
    for (index, &count) in settings.unlearning.requests.iter().enumerate() {
        if count >= n_train {
            return Err(Invalid::new(
                format!("unlearning.requests[{index}]"),
                format!(
                    "{count} requests would remove every one of the {n_train} training points; \
                     use fewer than {n_train}"
                ),
            ));
        }
    }
    Ok(())
}

impl DatasetSettings {
    /// Training and test sizes of a random split of `samples` points:
    /// `round(samples * test_fraction)` test points. `None` for a source with its own test file.
    pub fn split_sizes(&self, samples: usize) -> Option<(usize, usize)> {
        match self.split {
            SplitSettings::Random { test_fraction, .. } => {
                let n_test = (samples as f64 * test_fraction).round() as usize;
                Some((samples.saturating_sub(n_test), n_test))
            }
            SplitSettings::TestFile => None,
        }
    }
}

fn dataset(raw: RawDataset, base: &Path) -> Checked<DatasetSettings> {
    let test_path = raw.test_path.clone();
    let split = split(&raw, test_path.is_some())?;
    let source = match raw.path.clone() {
        Some(path) => DataSource::File(file(&raw, &path, base)?),
        None => synthetic(&raw)?,
    };
    let settings = DatasetSettings {
        source,
        split,
        standardize: raw.standardize.unwrap_or(false),
    };
    if let Some(samples) = settings.source.samples() {
        let (n_train, n_test) = settings.split_sizes(samples).unwrap_or_default();
        if n_train == 0 || n_test == 0 {
            let fraction = raw.test_fraction.unwrap_or(DEFAULT_TEST_FRACTION);
            return Err(Invalid::new(
                "dataset.test_fraction",
                format!("{fraction} of {samples} samples leaves an empty training or test set"),
            ));
        }
    }
    Ok(settings)
}

/// Default fraction of points held out for testing.
const DEFAULT_TEST_FRACTION: f64 = 0.2;

fn split(raw: &RawDataset, has_test_file: bool) -> Checked<SplitSettings> {
    if has_test_file {
        let why = "does not apply with `test_path`: the test points are that file's";
        reject("dataset.test_fraction", raw.test_fraction.is_some(), why)?;
        reject("dataset.stratify", raw.stratify.is_some(), why)?;
        return Ok(SplitSettings::TestFile);
    }
    Ok(SplitSettings::Random {
        test_fraction: fraction(
            "dataset.test_fraction",
            raw.test_fraction.unwrap_or(DEFAULT_TEST_FRACTION),
            false,
        )?,
        stratify: raw.stratify.unwrap_or(false),
    })
}

fn synthetic(raw: &RawDataset) -> Checked<DataSource> {
    let file_only = [
        ("format", raw.format.is_some()),
        ("label", raw.label.is_some()),
        ("header", raw.header.is_some()),
        ("separator", raw.separator.is_some()),
        ("missing", raw.missing.is_some()),
        ("test_path", raw.test_path.is_some()),
        ("labels_path", raw.labels_path.is_some()),
        ("test_labels_path", raw.test_labels_path.is_some()),
        ("features_key", raw.features_key.is_some()),
        ("labels_key", raw.labels_key.is_some()),
    ];
    for (option, given) in file_only {
        reject_option(
            &format!("dataset.{option}"),
            given,
            "a dataset read from a file (`path: ...`)",
        )?;
    }
    let kind = raw.synthetic.unwrap_or(SyntheticKind::Purchase);
    let samples = at_least("dataset.samples", raw.samples.unwrap_or(10_000), 4)?;
    let classes = at_least("dataset.classes", raw.classes.unwrap_or(2), 2)?;
    let (source, features) = match kind {
        SyntheticKind::Purchase => {
            reject_option("dataset.noise", raw.noise.is_some(), "`synthetic: blobs`")?;
            let features = at_least("dataset.features", raw.features.unwrap_or(600), 1)?;
            let source = DataSource::Purchase(PurchaseSettings {
                samples,
                features,
                classes,
                prototypes: at_least("dataset.prototypes", raw.prototypes.unwrap_or(10), classes)?,
                density: fraction("dataset.density", raw.density.unwrap_or(0.1), true)?,
            });
            (source, features)
        }
        SyntheticKind::Blobs => {
            let purchase = "`synthetic: purchase`";
            reject_option("dataset.prototypes", raw.prototypes.is_some(), purchase)?;
            reject_option("dataset.density", raw.density.is_some(), purchase)?;
            let features = at_least("dataset.features", raw.features.unwrap_or(10), 1)?;
            let source = DataSource::Blobs(BlobsSettings {
                samples,
                features,
                classes,
                noise: non_negative("dataset.noise", raw.noise.unwrap_or(1.0))?,
            });
            (source, features)
        }
    };
    if samples.saturating_mul(features) > MAX_SYNTHETIC_VALUES {
        return Err(Invalid::new(
            "dataset.samples",
            format!(
                "{samples} samples x {features} features is more than the \
                 {MAX_SYNTHETIC_VALUES} values a synthetic dataset may hold"
            ),
        ));
    }
    if classes > samples {
        return Err(Invalid::new(
            "dataset.classes",
            format!("{classes} classes need at least {classes} samples, got {samples}"),
        ));
    }
    Ok(source)
}

fn file(raw: &RawDataset, path: &str, base: &Path) -> Checked<FileSettings> {
    if raw.synthetic.is_some() {
        return Err(Invalid::new(
            "dataset.path",
            "give either `synthetic` or `path`, not both",
        ));
    }
    let synthetic_only = [
        ("samples", raw.samples.is_some()),
        ("features", raw.features.is_some()),
        ("classes", raw.classes.is_some()),
        ("prototypes", raw.prototypes.is_some()),
        ("density", raw.density.is_some()),
        ("noise", raw.noise.is_some()),
    ];
    for (option, given) in synthetic_only {
        reject(
            &format!("dataset.{option}"),
            given,
            "applies only to synthetic datasets; a file's size comes from the file",
        )?;
    }
    let train_path = resolve("dataset.path", path, base)?;
    let format_name = file_format(raw.format, path)?;
    let format = format_options(raw, format_name)?;
    let paired = matches!(format_name, FormatName::Idx | FormatName::Npy);
    let labels_path = labels_file(
        "dataset.labels_path",
        raw.labels_path.as_deref(),
        paired,
        format_name,
        base,
    )?;
    let train = DataFiles {
        path: train_path,
        labels_path,
    };
    let test = match raw.test_path.as_deref() {
        Some(test_path) => Some(DataFiles {
            path: resolve("dataset.test_path", test_path, base)?,
            labels_path: labels_file(
                "dataset.test_labels_path",
                raw.test_labels_path.as_deref(),
                paired,
                format_name,
                base,
            )?,
        }),
        None => {
            reject(
                "dataset.test_labels_path",
                raw.test_labels_path.is_some(),
                "names the labels file of `test_path`, which is not given",
            )?;
            None
        }
    };
    Ok(FileSettings {
        train,
        test,
        format,
        missing: raw.missing.unwrap_or(MissingPolicy::Error),
        attributes: Vec::new(),
    })
}

/// The format named in the spec, or else the one the file name implies.
fn file_format(given: Option<FormatName>, path: &str) -> Checked<FormatName> {
    let name = Path::new(path)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or(path)
        .to_ascii_lowercase();
    let (stem, compressed) = match name.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (name.as_str(), false),
    };
    let format = match given {
        Some(format) => format,
        None => format_of_name(stem).ok_or_else(|| {
            let names: Vec<&str> = FormatName::ALL.iter().map(|f| f.name()).collect();
            Invalid::new(
                "dataset.path",
                format!(
                    "cannot tell the format of `{path}` from its name; add `format:` with one of \
                     {}",
                    names.join(", ")
                ),
            )
        })?,
    };
    if compressed
        && matches!(
            format,
            FormatName::Parquet | FormatName::Npy | FormatName::Npz
        )
    {
        return Err(Invalid::new(
            "dataset.path",
            format!(
                "`{path}` is gzip-compressed, which sisa reads only for CSV, TSV, LIBSVM and IDX \
                 files; decompress it first (a {} file is read as it is)",
                format.name()
            ),
        ));
    }
    Ok(format)
}

/// The format a file name (without `.gz`) implies: its extension, or MNIST's `...-ubyte` names.
fn format_of_name(name: &str) -> Option<FormatName> {
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    match extension {
        Some("csv") => Some(FormatName::Csv),
        Some("tsv" | "tab") => Some(FormatName::Tsv),
        Some("parquet" | "pq") => Some(FormatName::Parquet),
        Some("libsvm" | "svm" | "svmlight") => Some(FormatName::Libsvm),
        Some("idx") => Some(FormatName::Idx),
        Some("npy") => Some(FormatName::Npy),
        Some("npz") => Some(FormatName::Npz),
        _ if name.ends_with("-ubyte") || name.ends_with(".ubyte") => Some(FormatName::Idx),
        _ => None,
    }
}

/// The format's options, rejecting those that do not apply to it.
fn format_options(raw: &RawDataset, format: FormatName) -> Checked<FileFormat> {
    let name = format.name();
    let table = matches!(
        format,
        FormatName::Csv | FormatName::Tsv | FormatName::Parquet
    );
    if !table {
        let why = match format {
            FormatName::Libsvm => "the label is the first item of each line",
            FormatName::Npz => "the labels are the array named by `labels_key`",
            _ => "the labels are read from `labels_path`",
        };
        let message = format!("does not apply to `format: {name}`: {why}");
        reject("dataset.label", raw.label.is_some(), &message)?;
    }
    let text_table = matches!(format, FormatName::Csv | FormatName::Tsv);
    if !text_table {
        reject_format("dataset.header", raw.header.is_some(), "csv or tsv", name)?;
    }
    if format != FormatName::Csv {
        let why = if format == FormatName::Tsv {
            "does not apply to `format: tsv`, whose fields are separated by tabs; use \
             `format: csv` with a `separator`"
                .to_owned()
        } else {
            format!("applies only to `format: csv`, not `{name}`")
        };
        reject("dataset.separator", raw.separator.is_some(), &why)?;
    }
    if format != FormatName::Npz {
        reject_format(
            "dataset.features_key",
            raw.features_key.is_some(),
            "npz",
            name,
        )?;
        reject_format("dataset.labels_key", raw.labels_key.is_some(), "npz", name)?;
    }
    let label = raw.label.clone().unwrap_or(LabelColumn::Last);
    let header = raw.header.unwrap_or(false);
    Ok(match format {
        FormatName::Csv | FormatName::Tsv => {
            if let (LabelColumn::Name(column), false) = (&label, header) {
                return Err(Invalid::new(
                    "dataset.label",
                    format!(
                        "names a column (`{column}`), but the file has no header row; set \
                         `header: true`, or give `first`, `last` or a column index from 0"
                    ),
                ));
            }
            let separator = match (&raw.separator, format) {
                (Some(text), _) => separator(text)?,
                (None, FormatName::Tsv) => '\t',
                (None, _) => ',',
            };
            FileFormat::Delimited {
                separator,
                header,
                label,
            }
        }
        FormatName::Parquet => FileFormat::Parquet { label },
        FormatName::Libsvm => FileFormat::Libsvm,
        FormatName::Idx => FileFormat::Idx,
        FormatName::Npy => FileFormat::Npy,
        FormatName::Npz => {
            let features_key = raw.features_key.clone();
            let labels_key = raw.labels_key.clone();
            for (key, value) in [
                ("dataset.features_key", &features_key),
                ("dataset.labels_key", &labels_key),
            ] {
                if value.as_deref().is_some_and(str::is_empty) {
                    return Err(Invalid::new(key, "is empty; name an array of the archive"));
                }
            }
            if features_key.is_some() && features_key == labels_key {
                return Err(Invalid::new(
                    "dataset.labels_key",
                    "names the same array as `features_key`",
                ));
            }
            FileFormat::Npz {
                features_key,
                labels_key,
            }
        }
    })
}

/// A CSV separator: one ASCII character other than a quote or a line break.
fn separator(text: &str) -> Checked<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() && !matches!(c, '"' | '\n' | '\r') => Ok(c),
        _ => Err(Invalid::new(
            "dataset.separator",
            format!(
                "must be one ASCII character other than a quote or a line break, got `{}` \
                 (write a tab as \"\\t\", or use `format: tsv`)",
                text.escape_debug()
            ),
        )),
    }
}

/// A labels file: required for IDX and `.npy`, rejected for other formats.
fn labels_file(
    key: &str,
    given: Option<&str>,
    required: bool,
    format: FormatName,
    base: &Path,
) -> Checked<Option<PathBuf>> {
    match (given, required) {
        (Some(path), true) => resolve(key, path, base).map(Some),
        (None, true) => {
            let file = if key.ends_with("test_labels_path") {
                "the labels of `test_path`"
            } else {
                "the labels"
            };
            Err(Invalid::new(
                key,
                format!(
                    "is required for `format: {}`: the file that holds {file}",
                    format.name()
                ),
            ))
        }
        (given, false) => {
            reject_format(key, given.is_some(), "idx or npy", format.name())?;
            Ok(None)
        }
    }
}

/// A path from the spec, resolved against the spec file's folder `base` (itself absolute) and
/// normalised (`.` and `..` removed), so equal files get equal settings.
pub(crate) fn resolve(key: &str, text: &str, base: &Path) -> Checked<PathBuf> {
    if text.trim().is_empty() {
        return Err(Invalid::new(key, "is empty; give a file path"));
    }
    let mut resolved = PathBuf::new();
    for component in base.join(text).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    Ok(resolved)
}

fn model(raw: Option<RawModel>) -> Checked<ModelSettings> {
    Ok(
        match raw.unwrap_or(RawModel::Logistic(RawLogistic::default())) {
            RawModel::Logistic(options) => ModelSettings::Logistic(LogisticSettings {
                alpha: non_negative("model.alpha", options.alpha.unwrap_or(1.0))?,
                max_iterations: at_least(
                    "model.max_iterations",
                    options.max_iterations.unwrap_or(100),
                    1,
                )?,
                tolerance: positive("model.tolerance", options.tolerance.unwrap_or(1e-4))?,
                solver: options.solver.unwrap_or(LogisticSolver::Lbfgs),
            }),
            RawModel::Mlp(options) => {
                let hidden = options.hidden.unwrap_or_else(|| vec![128]);
                for (index, &width) in hidden.iter().enumerate() {
                    at_least(&format!("model.hidden[{index}]"), width, 1)?;
                }
                let momentum = options.momentum.unwrap_or(0.0);
                if !(0.0..1.0).contains(&momentum) {
                    return Err(Invalid::new(
                        "model.momentum",
                        format!("must be in [0, 1), got {momentum}"),
                    ));
                }
                ModelSettings::Mlp(MlpSettings {
                    hidden,
                    activation: options.activation.unwrap_or(Activation::Tanh),
                    learning_rate: positive(
                        "model.learning_rate",
                        options.learning_rate.unwrap_or(0.001),
                    )?,
                    batch_size: at_least("model.batch_size", options.batch_size.unwrap_or(16), 1)?,
                    epochs: at_least("model.epochs", options.epochs.unwrap_or(20), 1)?,
                    momentum,
                    l2: non_negative("model.l2", options.l2.unwrap_or(0.0))?,
                })
            }
            RawModel::NaiveBayes(options) => ModelSettings::NaiveBayes(NaiveBayesSettings {
                var_smoothing: non_negative(
                    "model.var_smoothing",
                    options.var_smoothing.unwrap_or(1e-9),
                )?,
            }),
            RawModel::DecisionTree(options) => ModelSettings::DecisionTree(TreeSettings {
                max_depth: options
                    .max_depth
                    .map(|d| at_least("model.max_depth", d, 1))
                    .transpose()?,
                min_samples_split: at_least(
                    "model.min_samples_split",
                    options.min_samples_split.unwrap_or(2),
                    2,
                )?,
                min_samples_leaf: at_least(
                    "model.min_samples_leaf",
                    options.min_samples_leaf.unwrap_or(1),
                    1,
                )?,
                criterion: options.criterion.unwrap_or(SplitCriterion::Gini),
            }),
        },
    )
}

fn sisa(raw: RawSisa) -> Checked<SisaSettings> {
    let aware = "`partition: distribution-aware`";
    let partition = match raw.partition.unwrap_or(PartitionKind::Uniform) {
        PartitionKind::Uniform => {
            reject_option("sisa.capacity", raw.capacity.is_some(), aware)?;
            Partition::Uniform
        }
        PartitionKind::DistributionAware => {
            if raw.capacity.is_some() && raw.shards.is_some() {
                return Err(Invalid::new(
                    "sisa.capacity",
                    "give either sisa.shards (a fixed number of shards, each with an equal share \
                     of the expected requests) or sisa.capacity (expected requests per shard, \
                     the number of shards follows), not both",
                ));
            }
            let capacity = raw
                .capacity
                .map(|c| positive("sisa.capacity", c))
                .transpose()?;
            Partition::DistributionAware { capacity }
        }
    };
    Ok(SisaSettings {
        shards: at_least("sisa.shards", raw.shards.unwrap_or(1), 1)?,
        slices: at_least("sisa.slices", raw.slices.unwrap_or(1), 1)?,
        partition,
        aggregation: raw.aggregation.unwrap_or(Aggregation::Majority),
    })
}

fn distribution(raw: &RawUnlearning) -> Checked<Distribution> {
    let kind = raw.distribution.unwrap_or(DistributionKind::Uniform);
    let only = |key: &str, given: bool, wanted: DistributionKind, name: &str| {
        reject_option(
            key,
            given && kind != wanted,
            &format!("`distribution: {name}`"),
        )
    };
    only(
        "unlearning.rate",
        raw.rate.is_some(),
        DistributionKind::Exponential,
        "exponential",
    )?;
    only(
        "unlearning.shape",
        raw.shape.is_some(),
        DistributionKind::Pareto,
        "pareto",
    )?;
    only(
        "unlearning.class_weights",
        raw.class_weights.is_some(),
        DistributionKind::Class,
        "class",
    )?;
    only(
        "unlearning.group_size",
        raw.group_size.is_some(),
        DistributionKind::Groups,
        "groups",
    )?;
    reject_option(
        "unlearning.column",
        raw.column.is_some()
            && !matches!(kind, DistributionKind::Groups | DistributionKind::Column),
        "`distribution: groups` or `distribution: column`",
    )?;
    Ok(match kind {
        DistributionKind::Uniform => Distribution::Uniform,
        DistributionKind::Exponential => Distribution::Exponential {
            rate: positive("unlearning.rate", raw.rate.unwrap_or(10.0))?,
        },
        DistributionKind::Pareto => {
            let shape = raw.shape.unwrap_or(1.16);
            if !(shape.is_finite() && shape > 1.0) {
                return Err(Invalid::new(
                    "unlearning.shape",
                    format!(
                        "must be a number > 1, got {shape} (at 1 or below the likeliest point \
                         would take all of the request probability)"
                    ),
                ));
            }
            Distribution::Pareto { shape }
        }
        DistributionKind::Class => {
            let Some(weights) = raw.class_weights.as_ref().filter(|w| !w.is_empty()) else {
                return Err(Invalid::new(
                    "unlearning.class_weights",
                    "`distribution: class` needs the classes requests come from, with weights, \
                     e.g. class_weights: {3: 0.7, 5: 0.3}",
                ));
            };
            let mut checked = Vec::new();
            for (class, &weight) in weights {
                let key = format!("unlearning.class_weights.{}", class.0);
                checked.push((class.0.clone(), non_negative(&key, weight)?));
            }
            if checked.iter().all(|(_, w)| *w == 0.0) {
                return Err(Invalid::new(
                    "unlearning.class_weights",
                    "every weight is 0",
                ));
            }
            Distribution::Class { weights: checked }
        }
        DistributionKind::Groups => Distribution::Groups {
            groups: grouping(raw)?,
        },
        DistributionKind::Column => {
            let Some(column) = raw.column.clone() else {
                return Err(Invalid::new(
                    "unlearning.column",
                    "`distribution: column` needs the dataset column that holds each point's \
                     request weight, e.g. column: propensity",
                ));
            };
            Distribution::Column { column }
        }
    })
}

fn grouping(raw: &RawUnlearning) -> Checked<Grouping> {
    if let Some(column) = raw.column.clone() {
        reject(
            "unlearning.group_size",
            raw.group_size.is_some(),
            "does not apply with `column`: the column's values make the groups",
        )?;
        return Ok(Grouping::Column { column });
    }
    let mean_size = raw.group_size.unwrap_or(5.0);
    if !(mean_size.is_finite() && mean_size >= 1.0) {
        return Err(Invalid::new(
            "unlearning.group_size",
            format!("must be a number >= 1, got {mean_size}"),
        ));
    }
    Ok(Grouping::Random { mean_size })
}

/// Has the dataset read the column the request distribution names, apart from the features;
/// only tables have named or numbered columns.
fn request_column(dataset: &mut DatasetSettings, unlearning: &UnlearningSettings) -> Checked<()> {
    let Some(column) = unlearning.distribution.column() else {
        return Ok(());
    };
    let key = "unlearning.column";
    let DataSource::File(file) = &mut dataset.source else {
        return Err(Invalid::new(
            key,
            "reads a dataset column, but synthetic datasets have none; read a table \
             (csv, tsv, parquet) with `dataset.path`",
        ));
    };
    let (label, header) = match &file.format {
        FileFormat::Delimited { label, header, .. } => (label, *header),
        FileFormat::Parquet { label } => (label, true),
        _ => {
            return Err(Invalid::new(
                key,
                "reads a dataset column, but only tables (csv, tsv, parquet) have columns \
                 apart from the features",
            ))
        }
    };
    if label == column {
        return Err(Invalid::new(
            key,
            "is the label column; to draw requests by class use `distribution: class`",
        ));
    }
    if let (LabelColumn::Name(name), false) = (column, header) {
        return Err(Invalid::new(
            key,
            format!(
                "names a column (`{name}`), but the file has no header row; set \
                 `dataset.header: true`, or give a column index from 0"
            ),
        ));
    }
    file.attributes = vec![column.clone()];
    Ok(())
}

fn mode(raw: &RawUnlearning) -> Checked<Mode> {
    let kind = raw.mode.unwrap_or(ModeKind::Batch);
    if kind != ModeKind::Stream {
        reject_option(
            "unlearning.batch_size",
            raw.batch_size.is_some(),
            "`mode: stream`",
        )?;
    }
    Ok(match kind {
        ModeKind::Batch => Mode::Batch,
        ModeKind::Sequential => Mode::Sequential,
        ModeKind::Stream => {
            let Some(batch_size) = raw.batch_size else {
                return Err(Invalid::new(
                    "unlearning.batch_size",
                    "`mode: stream` needs the number of requests per batch, e.g. batch_size: 10",
                ));
            };
            Mode::Stream {
                batch_size: at_least("unlearning.batch_size", batch_size, 1)?,
            }
        }
    })
}

fn unlearning(raw: RawUnlearning) -> Checked<UnlearningSettings> {
    let requests = raw.requests.clone().unwrap_or_else(|| vec![1]);
    if requests.is_empty() {
        return Err(Invalid::new(
            "unlearning.requests",
            "the list is empty; give at least one request count, e.g. [1, 10]",
        ));
    }
    let mode = mode(&raw)?;
    let cumulative = mode.batch_size().is_some();
    for (index, &count) in requests.iter().enumerate() {
        let key = format!("unlearning.requests[{index}]");
        at_least(&key, count, 1)?;
        if cumulative && index > 0 && count <= requests[index - 1] {
            return Err(Invalid::new(
                key,
                format!(
                    "in `mode: {}` the counts are cumulative and must increase, got {count} after {}",
                    mode.name(),
                    requests[index - 1]
                ),
            ));
        }
        if let Some(batch) = mode.batch_size().filter(|&b| count % b != 0) {
            return Err(Invalid::new(
                key,
                format!("{count} is not a multiple of the batch size {batch}"),
            ));
        }
    }
    Ok(UnlearningSettings {
        distribution: distribution(&raw)?,
        mode,
        requests,
    })
}

fn at_least<T: PartialOrd + std::fmt::Display>(key: &str, value: T, minimum: T) -> Checked<T> {
    if value < minimum {
        Err(Invalid::new(
            key,
            format!("must be at least {minimum}, got {value}"),
        ))
    } else {
        Ok(value)
    }
}

fn non_negative(key: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be a finite number >= 0, got {value}"),
        ))
    }
}

fn positive(key: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be a finite number > 0, got {value}"),
        ))
    }
}

fn fraction(key: &str, value: f64, one_allowed: bool) -> Checked<f64> {
    let upper_ok = if one_allowed {
        value <= 1.0
    } else {
        value < 1.0
    };
    if value > 0.0 && upper_ok {
        Ok(value)
    } else {
        let range = if one_allowed { "(0, 1]" } else { "(0, 1)" };
        Err(Invalid::new(
            key,
            format!("must be in {range}, got {value}"),
        ))
    }
}

fn reject_option(key: &str, given: bool, applies_to: &str) -> Checked<()> {
    reject(key, given, &format!("applies only to {applies_to}"))
}

/// An option given for a format it does not apply to (`applies_to` lists the formats it does).
fn reject_format(key: &str, given: bool, applies_to: &str, format: &str) -> Checked<()> {
    reject(
        key,
        given,
        &format!("applies only to `format:` {applies_to}, not `{format}`"),
    )
}

/// An option that must not be given here, and why.
fn reject(key: &str, given: bool, message: &str) -> Checked<()> {
    if given {
        Err(Invalid::new(key, message))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::yaml;

    fn check(text: &str) -> Checked<Settings> {
        settings(
            &yaml::from_text::<RawSpec>(text).expect("parses"),
            Path::new("/specs"),
        )
    }

    #[test]
    fn defaults_fill_a_minimal_spec() {
        let settings = check("name: x\n").unwrap();
        assert_eq!(settings.sisa.shards, 1);
        assert_eq!(settings.unlearning.requests, vec![1]);
        let ModelSettings::Logistic(logistic) = &settings.model else {
            panic!("the default model is logistic");
        };
        assert_eq!(logistic.max_iterations, 100);
        assert_eq!(settings.dataset.split_sizes(10_000), Some((8_000, 2_000)));
    }

    #[test]
    fn out_of_range_values_name_their_key() {
        let cases = [
            ("sisa: {shards: 0}", "sisa.shards"),
            ("unlearning: {requests: []}", "unlearning.requests"),
            ("unlearning: {requests: [1, 0]}", "unlearning.requests[1]"),
            ("model: {kind: logistic, alpha: -1}", "model.alpha"),
            ("dataset: {test_fraction: 1.0}", "dataset.test_fraction"),
            (
                "dataset: {synthetic: blobs, density: 0.5}",
                "dataset.density",
            ),
            (
                "dataset: {samples: 100}\nsisa: {shards: 10, slices: 9}",
                "sisa.slices",
            ),
            (
                "dataset: {samples: 100}\nunlearning: {requests: [80]}",
                "unlearning.requests[0]",
            ),
        ];
        for (body, key) in cases {
            let error = check(&format!("name: x\n{body}\n")).unwrap_err();
            assert_eq!(error.key, key, "{body}: {error:?}");
        }
    }

    fn file_source(body: &str) -> FileSettings {
        match check(&format!("name: x\ndataset:\n{body}"))
            .unwrap()
            .dataset
            .source
        {
            DataSource::File(file) => file,
            other => panic!("not a file: {other:?}"),
        }
    }

    #[test]
    fn file_datasets_resolve_paths_and_formats() {
        let file = file_source("  path: ../data/letter.csv.gz\n  label: first\n");
        assert_eq!(file.train.path, Path::new("/data/letter.csv.gz"));
        assert_eq!(
            file.format,
            FileFormat::Delimited {
                separator: ',',
                header: false,
                label: LabelColumn::First
            }
        );
        assert_eq!(file.missing, MissingPolicy::Error);
        let file = file_source("  path: /abs/./t.tsv\n  header: true\n  label: income\n");
        assert_eq!(file.train.path, Path::new("/abs/t.tsv"));
        assert!(matches!(
            file.format,
            FileFormat::Delimited { separator: '\t', header: true, label: LabelColumn::Name(ref n) } if n == "income"
        ));
        let file = file_source(
            "  path: m/t10k-images-idx3-ubyte.gz\n  labels_path: m/t10k-labels-idx1-ubyte.gz\n",
        );
        assert_eq!(file.format, FileFormat::Idx);
        assert_eq!(
            file.train.labels_path.as_deref(),
            Some(Path::new("/specs/m/t10k-labels-idx1-ubyte.gz"))
        );
        let file = file_source("  path: a.data\n  format: csv\n  separator: ';'\n  label: 3\n");
        assert!(matches!(
            file.format,
            FileFormat::Delimited {
                separator: ';',
                label: LabelColumn::Index(3),
                ..
            }
        ));
        let settings =
            check("name: x\ndataset: {path: a.npz, test_path: b.npz, standardize: true}\n")
                .unwrap();
        assert_eq!(settings.dataset.split, SplitSettings::TestFile);
        assert!(settings.dataset.standardize);
        let stratified = check("name: x\ndataset: {path: a.csv, stratify: true}\n").unwrap();
        assert_eq!(
            stratified.dataset.split,
            SplitSettings::Random {
                test_fraction: 0.2,
                stratify: true
            }
        );
    }

    #[test]
    fn options_that_do_not_apply_name_their_key() {
        let cases = [
            (
                "{synthetic: blobs, path: a.csv}",
                "dataset.path",
                "not both",
            ),
            ("{path: a.data}", "dataset.path", "cannot tell the format"),
            (
                "{path: a.npy.gz, labels_path: b.npy}",
                "dataset.path",
                "gzip",
            ),
            (
                "{path: a.csv, samples: 100}",
                "dataset.samples",
                "synthetic",
            ),
            ("{format: csv}", "dataset.format", "read from a file"),
            (
                "{path: a.npz, header: true}",
                "dataset.header",
                "csv or tsv, not `npz`",
            ),
            (
                "{path: a.idx, labels_path: l.idx, label: 0}",
                "dataset.label",
                "labels_path",
            ),
            ("{path: a.svm, label: first}", "dataset.label", "first item"),
            (
                "{path: a.csv, label: income}",
                "dataset.label",
                "header: true",
            ),
            ("{path: a.tsv, separator: ','}", "dataset.separator", "tabs"),
            (
                "{path: a.csv, separator: ';;'}",
                "dataset.separator",
                "one ASCII",
            ),
            ("{path: a.idx}", "dataset.labels_path", "required"),
            (
                "{path: a.csv, labels_path: b.csv}",
                "dataset.labels_path",
                "idx or npy",
            ),
            (
                "{path: a.npy, labels_path: b.npy, test_path: c.npy}",
                "dataset.test_labels_path",
                "required",
            ),
            (
                "{path: a.npy, labels_path: b.npy, test_labels_path: c.npy}",
                "dataset.test_labels_path",
                "not given",
            ),
            (
                "{path: a.csv, test_path: b.csv, test_fraction: 0.3}",
                "dataset.test_fraction",
                "test_path",
            ),
            (
                "{path: a.csv, test_path: b.csv, stratify: true}",
                "dataset.stratify",
                "test_path",
            ),
            (
                "{path: a.csv, features_key: X}",
                "dataset.features_key",
                "npz",
            ),
            (
                "{path: a.npz, features_key: d, labels_key: d}",
                "dataset.labels_key",
                "same array",
            ),
            ("{path: ''}", "dataset.path", "empty"),
        ];
        for (dataset, key, fragment) in cases {
            let error = check(&format!("name: x\ndataset: {dataset}\n")).unwrap_err();
            assert_eq!(error.key, key, "{dataset}: {error:?}");
            assert!(error.message.contains(fragment), "{dataset}: {error:?}");
        }
    }
}
