//! Checks of the `dataset` section: synthetic sources and their sizes, data files, their format
//! (named or detected from the file name), the options each format takes, and paths.

use std::path::{Component, Path, PathBuf};

use super::values::{at_least, fraction, non_negative, reject, reject_format, reject_option};
use super::Checked;
use crate::data::limits;
use crate::spec::error::Invalid;
use crate::spec::raw::RawDataset;
use crate::spec::settings::{
    BlobsSettings, ColumnChoice, DataFiles, DataSource, DatasetSettings, FileFormat, FileSettings,
    FormatName, LabelColumn, MissingPolicy, PurchaseSettings, SplitSettings, SyntheticKind,
};

/// Purchase: the number of customer profiles when the spec does not say.
const DEFAULT_PROTOTYPES: usize = 10;

pub(super) fn dataset(raw: RawDataset, base: &Path) -> Checked<DatasetSettings> {
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
        ("decimal", raw.decimal.is_some()),
        ("column_names", raw.column_names.is_some()),
        ("columns", raw.columns.is_some()),
        ("drop", raw.drop.is_some()),
        ("index_column", raw.index_column.is_some()),
        ("label_kind", raw.label_kind.is_some()),
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
                prototypes: prototypes(raw, classes)?,
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
    check_synthetic_size(raw, samples, features)?;
    if classes > samples {
        return Err(Invalid::new(
            "dataset.classes",
            format!("{classes} classes need at least {classes} samples, got {samples}"),
        ));
    }
    Ok(source)
}

/// Purchase: the number of customer profiles, at least one per class. When the spec leaves it
/// to the default, a shortfall is the classes' doing, and the message says so.
fn prototypes(raw: &RawDataset, classes: usize) -> Checked<usize> {
    match raw.prototypes {
        Some(prototypes) => at_least("dataset.prototypes", prototypes, classes),
        None if classes > DEFAULT_PROTOTYPES => Err(Invalid::new(
            "dataset.classes",
            format!(
                "{classes} classes need at least {classes} customer profiles to draw the \
                 records from, and `prototypes` is {DEFAULT_PROTOTYPES} by default; set \
                 `prototypes: {classes}` (or more), or use fewer classes"
            ),
        )),
        None => Ok(DEFAULT_PROTOTYPES),
    }
}

/// A synthetic dataset must fit [`limits::FEATURE_VALUES`]; the error names the size key the
/// spec writes (`samples`, else `features`).
fn check_synthetic_size(raw: &RawDataset, samples: usize, features: usize) -> Checked<()> {
    let key = if raw.samples.is_none() && raw.features.is_some() {
        "dataset.features"
    } else {
        "dataset.samples"
    };
    let limit = limits::FEATURE_VALUES;
    let allowed = limit
        .value()
        .map_err(|error| Invalid::new(key, error.to_string()))?;
    let values = (samples as u64).saturating_mul(features as u64);
    if values > allowed {
        return Err(Invalid::new(
            key,
            format!(
                "{samples} samples x {features} features make {values} values, more than the \
                 limit of {allowed} ({} as f32); use fewer, or raise the limit with the \
                 environment variable {}",
                crate::data::error::Bytes(allowed.saturating_mul(4)),
                limit.variable
            ),
        ));
    }
    Ok(())
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
    let table = matches!(
        format_name,
        FormatName::Csv | FormatName::Tsv | FormatName::Parquet
    );
    if !table {
        let applies = "csv, tsv or parquet";
        let name = format_name.name();
        reject_format("dataset.columns", raw.columns.is_some(), applies, name)?;
        reject_format("dataset.drop", raw.drop.is_some(), applies, name)?;
        reject_format(
            "dataset.index_column",
            raw.index_column.is_some(),
            applies,
            name,
        )?;
    }
    Ok(FileSettings {
        train,
        test,
        columns: column_choice(raw, has_names(&format))?,
        format,
        missing: raw.missing.unwrap_or(MissingPolicy::ERROR),
        attributes: Vec::new(),
        index_column: raw.index_column.unwrap_or_default(),
        label_kind: raw.label_kind.unwrap_or_default(),
    })
}

/// Whether the columns of a file of `format` have names (Parquet's schema, a header row, or
/// `column_names`).
fn has_names(format: &FileFormat) -> bool {
    match format {
        FileFormat::Delimited {
            header,
            column_names,
            ..
        } => *header || column_names.is_some(),
        _ => true,
    }
}

/// The columns `columns` keeps or `drop` leaves out (names need named columns).
fn column_choice(raw: &RawDataset, named: bool) -> Checked<ColumnChoice> {
    let (key, list) = match (&raw.columns, &raw.drop) {
        (Some(_), Some(_)) => {
            return Err(Invalid::new(
                "dataset.drop",
                "give either `columns` (the columns to keep) or `drop` (those to leave out), \
                 not both",
            ))
        }
        (Some(kept), None) => ("dataset.columns", kept),
        (None, Some(dropped)) => ("dataset.drop", dropped),
        (None, None) => return Ok(ColumnChoice::All),
    };
    if list.is_empty() {
        return Err(Invalid::new(
            key,
            "is empty; name columns, or leave the key out",
        ));
    }
    for column in list {
        if let (LabelColumn::Name(name), false) = (column, named) {
            return Err(Invalid::new(
                key,
                format!(
                    "names a column (`{name}`), but the file's columns have no names; set \
                     `header: true` or `column_names`, or give column indexes from 0"
                ),
            ));
        }
    }
    Ok(match raw.columns {
        Some(_) => ColumnChoice::Keep(list.clone()),
        None => ColumnChoice::Drop(list.clone()),
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
    if !text_table {
        reject_format("dataset.decimal", raw.decimal.is_some(), "csv or tsv", name)?;
        let column_names = raw.column_names.is_some();
        reject_format("dataset.column_names", column_names, "csv or tsv", name)?;
    }
    Ok(match format {
        FormatName::Csv | FormatName::Tsv => {
            let column_names = column_names(raw.column_names.as_deref(), header)?;
            if let (LabelColumn::Name(column), false, None) = (&label, header, &column_names) {
                return Err(Invalid::new(
                    "dataset.label",
                    format!(
                        "names a column (`{column}`), but the file has no header row; set \
                         `header: true` or `column_names`, or give `first`, `last` or a column \
                         index from 0"
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
                decimal: decimal(raw.decimal.as_deref(), separator)?,
                column_names,
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

/// The decimal mark: `.` (the default) or `,`, which must then not separate fields.
fn decimal(given: Option<&str>, separator: char) -> Checked<char> {
    match given {
        None | Some(".") => Ok('.'),
        Some(",") if separator == ',' => Err(Invalid::new(
            "dataset.decimal",
            "is `,`, which is also the field separator; files with decimal commas separate \
             fields with something else: set `separator` too (e.g. `separator: \";\"`)",
        )),
        Some(",") => Ok(','),
        Some(other) => Err(Invalid::new(
            "dataset.decimal",
            format!("must be `.` or `,`, got `{}`", other.escape_debug()),
        )),
    }
}

/// Names for the columns of a file without a header row: not empty, no two alike.
fn column_names(given: Option<&[String]>, header: bool) -> Checked<Option<Vec<String>>> {
    let key = "dataset.column_names";
    let Some(names) = given else {
        return Ok(None);
    };
    if header {
        return Err(Invalid::new(
            key,
            "does not apply with `header: true`: the header row names the columns",
        ));
    }
    if names.is_empty() {
        return Err(Invalid::new(key, "is empty; name every column of the file"));
    }
    for (index, name) in names.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(Invalid::new(
                format!("{key}[{index}]"),
                "is empty; give every column a name",
            ));
        }
        if names[..index].contains(name) {
            return Err(Invalid::new(
                format!("{key}[{index}]"),
                format!("names `{name}` a second time; column names must differ"),
            ));
        }
    }
    Ok(Some(names.to_vec()))
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
