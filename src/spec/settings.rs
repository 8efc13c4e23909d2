//! Checked settings of one trial: every value resolved and validated, ready for the engine.
//!
//! These types are what the rest of the pipeline reads. They serialise canonically, and a trial's id
//! is the hash of that serialisation, so any change to a setting gives a new id.

use serde::{Deserialize, Serialize};

pub use crate::model::ModelSettings;

/// Everything one trial needs, after defaults, overrides and sweep values were applied and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Master seed of the experiment; each repeat derives its own seeds from it.
    pub seed: u64,
    /// Where the points come from and how they are split.
    pub dataset: DatasetSettings,
    /// The constituent model.
    pub model: ModelSettings,
    /// Shards, slices, partitioning and aggregation.
    pub sisa: SisaSettings,
    /// Which points are asked to be forgotten, and how requests are processed.
    pub unlearning: UnlearningSettings,
    /// What SISA is compared against.
    pub baseline: Baseline,
}

/// The dataset, how its test points are chosen, and how features are scaled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSettings {
    /// Where the points come from.
    pub source: DataSource,
    /// Which points are held out for testing.
    pub split: SplitSettings,
    /// Whether features are standardised (mean 0, standard deviation 1) with statistics fitted on
    /// each trial's training points only; default false.
    pub standardize: bool,
}

/// How the test points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SplitSettings {
    /// A seeded random fraction of the points, drawn per repeat.
    Random {
        /// Fraction of the points held out for testing, in (0, 1); default 0.2.
        test_fraction: f64,
        /// Whether each class is split in the same proportion (at least 2 points per class).
        stratify: bool,
    },
    /// The points of the source's own test file (`test_path`), the same in every repeat.
    TestFile,
}

/// A source of labelled points.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DataSource {
    /// Binary purchase-like records labelled by k-means (the paper's Purchase construction).
    Purchase(PurchaseSettings),
    /// Gaussian clusters, one per class.
    Blobs(BlobsSettings),
    /// A dataset read from files.
    File(FileSettings),
}

/// Settings of the synthetic purchase-like dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurchaseSettings {
    /// Number of points (training and test together).
    pub samples: usize,
    /// Number of binary features (items a customer may buy).
    pub features: usize,
    /// Number of k-means clusters, which become the classes.
    pub classes: usize,
    /// Number of Bernoulli prototypes (customer profiles) the records are drawn from.
    pub prototypes: usize,
    /// Fraction of the items each prototype favours, in (0, 1].
    pub density: f64,
}

/// Settings of the synthetic Gaussian-blobs dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlobsSettings {
    /// Number of points (training and test together).
    pub samples: usize,
    /// Number of real-valued features.
    pub features: usize,
    /// Number of clusters, one per class.
    pub classes: usize,
    /// Standard deviation of each cluster around its centre (centres lie in [-10, 10]^features).
    pub noise: f64,
}

/// A dataset read from files: the training file (and its labels file), an optional test file,
/// the format with its options, and what to do with missing values.
///
/// Paths are absolute (relative ones are resolved against the spec file's folder) and are part of
/// a trial's id; the files' contents are not, so editing a file in place keeps the ids.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSettings {
    /// The points (or the only file).
    pub train: DataFiles,
    /// A separate test file (`test_path`), in the same format with the same options.
    pub test: Option<DataFiles>,
    /// How the files are read.
    pub format: FileFormat,
    /// What to do with missing values.
    pub missing: MissingPolicy,
    /// Columns read apart from the features, for the request distribution that names them
    /// (`unlearning.column`); tables only.
    pub attributes: Vec<LabelColumn>,
    /// Which of a table's columns are features (`columns`, `drop`); default all but the label.
    #[serde(skip_serializing_if = "ColumnChoice::is_all")]
    pub columns: ColumnChoice,
    /// Whether a written row index (pandas' unnamed first column) is left out; tables only.
    #[serde(skip_serializing_if = "IndexColumn::is_auto")]
    pub index_column: IndexColumn,
    /// Whether labels that look continuous are refused.
    #[serde(skip_serializing_if = "LabelKind::is_auto")]
    pub label_kind: LabelKind,
}

/// Which columns of a table are features (the label and request columns are read either way).
/// Not serialised when it is [`ColumnChoice::All`], so trial ids of specs without it stay as
/// they were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnChoice {
    /// Every column but the label and request columns (the default).
    #[default]
    All,
    /// Only these columns (`columns: [...]`), in the file's order.
    Keep(Vec<LabelColumn>),
    /// Every column but these (`drop: [...]`).
    Drop(Vec<LabelColumn>),
}

impl ColumnChoice {
    /// Whether every column is a feature.
    pub fn is_all(&self) -> bool {
        *self == ColumnChoice::All
    }
}

/// What becomes of a first column that holds a written row index: an empty header cell (or
/// pandas' `Unnamed: 0`) over the values 0, 1, ..., n - 1, as `df.to_csv()` writes by default.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum IndexColumn {
    /// Left out of the features, with a warning (the default).
    #[default]
    Auto,
    /// Read like any other column.
    Keep,
}

impl IndexColumn {
    /// Whether it is the default.
    pub fn is_auto(&self) -> bool {
        *self == IndexColumn::Auto
    }
}

/// How label values are taken.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum LabelKind {
    /// Labels must look like classes (the default): numbers must be whole, and there must not be
    /// very many distinct values (see [`crate::data::labels::MAX_CLASSES`]).
    #[schemars(
        description = "Labels must look like classes (the default): numbers must be whole, and there must not be very many distinct values."
    )]
    #[default]
    Auto,
    /// Every distinct value is a class, however many there are and whatever they look like.
    Classes,
}

impl LabelKind {
    /// Whether it is the default.
    pub fn is_auto(&self) -> bool {
        *self == LabelKind::Auto
    }
}

/// One file of points and, for formats that keep them apart (IDX, `.npy`), its labels file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataFiles {
    /// Features (and, for tables, labels); absolute.
    pub path: std::path::PathBuf,
    /// Labels, for IDX and `.npy`; absolute.
    pub labels_path: Option<std::path::PathBuf>,
}

/// A file format and the options that apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FileFormat {
    /// Delimited text (CSV, TSV), optionally gzip-compressed.
    Delimited {
        /// Field separator: `,` for CSV, a tab for TSV, or the spec's `separator`.
        separator: char,
        /// Whether the first row names the columns; default false.
        header: bool,
        /// Which column holds the labels; default the last.
        label: LabelColumn,
        /// The decimal mark of numbers: `.` (the default) or `,`.
        #[serde(skip_serializing_if = "is_decimal_point")]
        decimal: char,
        /// Names of the columns of a file without a header row (`column_names`).
        #[serde(skip_serializing_if = "Option::is_none")]
        column_names: Option<Vec<String>>,
    },
    /// Apache Parquet, read with polars.
    Parquet {
        /// Which column holds the labels; default the last.
        label: LabelColumn,
    },
    /// LIBSVM / SVMlight text (`label index:value ...`), optionally gzip-compressed.
    Libsvm,
    /// IDX (MNIST): a features file and a labels file, optionally gzip-compressed.
    Idx,
    /// NumPy `.npy`: a features array and a labels array in two files.
    Npy,
    /// NumPy `.npz`: both arrays in one archive.
    Npz {
        /// Name of the features array; default the one named `x` or `X`.
        features_key: Option<String>,
        /// Name of the labels array; default the one named `y` or `Y`.
        labels_key: Option<String>,
    },
}

/// The column that holds the labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelColumn {
    /// The first column.
    First,
    /// The last column (the default).
    Last,
    /// The column with this name in the header.
    Name(String),
    /// The column at this position, counted from 0.
    Index(usize),
}

impl LabelColumn {
    /// The column as a spec names it: `first`, `last`, its name or its index.
    pub fn reference(&self) -> String {
        match self {
            LabelColumn::First => "first".to_owned(),
            LabelColumn::Last => "last".to_owned(),
            LabelColumn::Name(name) => name.clone(),
            LabelColumn::Index(index) => index.to_string(),
        }
    }
}

impl schemars::JsonSchema for LabelColumn {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LabelColumn".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`first`, `last`, a column name, or a column index from 0.",
            "anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]
        })
    }
}

impl<'de> Deserialize<'de> for LabelColumn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = LabelColumn;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`first`, `last`, a column name or a column index from 0")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<LabelColumn, E> {
                Ok(match text {
                    "first" => LabelColumn::First,
                    "last" => LabelColumn::Last,
                    name => LabelColumn::Name(name.to_owned()),
                })
            }

            fn visit_u64<E: serde::de::Error>(self, index: u64) -> Result<LabelColumn, E> {
                usize::try_from(index)
                    .map(LabelColumn::Index)
                    .map_err(|_| E::custom(format!("column index {index} is too large")))
            }

            fn visit_i64<E: serde::de::Error>(self, index: i64) -> Result<LabelColumn, E> {
                match u64::try_from(index) {
                    Ok(index) => self.visit_u64(index),
                    Err(_) => Err(E::custom(format!(
                        "column index {index} is negative; columns count from 0 \
                         (use `last` for the last column)"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn is_decimal_point(decimal: &char) -> bool {
    *decimal == '.'
}

/// What to do with missing values (`?`, an empty field, `NA` or `NaN`, in any case; a NaN in a
/// binary array or a null in Parquet), for numeric columns and for text columns.
///
/// A spec writes one word for both (`missing: drop-rows`; `mean` and `median` set the numbers'
/// policy only) or a mapping (`missing: {numbers: median, text: category}`). It serialises as
/// that one word when both are `error` or both `drop-rows` (so trial ids of specs written before
/// the mapping existed are unchanged), and as the mapping otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingPolicy {
    /// For numeric columns.
    pub numbers: MissingNumbers,
    /// For text (categorical) columns.
    pub text: MissingText,
}

/// What to do with a missing value in a numeric column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MissingNumbers {
    /// Stop with an error that says how many rows have one, and the first few lines (default).
    Error,
    /// Leave those rows out.
    DropRows,
    /// The mean of the trial's training points.
    Mean,
    /// The median of the trial's training points.
    Median,
    /// The most frequent value among the trial's training points (the smallest on a tie).
    MostFrequent,
}

/// What to do with a missing value in a text (categorical) column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MissingText {
    /// Stop with an error that says how many rows have one, and the first few lines (default).
    Error,
    /// Leave those rows out.
    DropRows,
    /// The most frequent category among the trial's training points (the first in sorted order
    /// on a tie).
    MostFrequent,
    /// A category of its own, `(missing)`.
    Category,
}

impl MissingNumbers {
    /// The name used in specs.
    pub fn name(self) -> &'static str {
        match self {
            MissingNumbers::Error => "error",
            MissingNumbers::DropRows => "drop-rows",
            MissingNumbers::Mean => "mean",
            MissingNumbers::Median => "median",
            MissingNumbers::MostFrequent => "most-frequent",
        }
    }
}

impl MissingText {
    /// The name used in specs.
    pub fn name(self) -> &'static str {
        match self {
            MissingText::Error => "error",
            MissingText::DropRows => "drop-rows",
            MissingText::MostFrequent => "most-frequent",
            MissingText::Category => "category",
        }
    }
}

impl MissingPolicy {
    /// Missing values are errors (the default).
    pub const ERROR: MissingPolicy = MissingPolicy {
        numbers: MissingNumbers::Error,
        text: MissingText::Error,
    };

    /// Rows with a missing value are left out.
    pub const DROP_ROWS: MissingPolicy = MissingPolicy {
        numbers: MissingNumbers::DropRows,
        text: MissingText::DropRows,
    };

    /// The policy one word names: `error`, `drop-rows`, `mean`, `median` or `most-frequent`.
    fn from_word(word: &str) -> Option<MissingPolicy> {
        let numbers_only = |numbers| MissingPolicy {
            numbers,
            text: MissingText::Error,
        };
        match word {
            "error" => Some(MissingPolicy::ERROR),
            "drop-rows" => Some(MissingPolicy::DROP_ROWS),
            "mean" => Some(numbers_only(MissingNumbers::Mean)),
            "median" => Some(numbers_only(MissingNumbers::Median)),
            "most-frequent" => Some(MissingPolicy {
                numbers: MissingNumbers::MostFrequent,
                text: MissingText::MostFrequent,
            }),
            _ => None,
        }
    }
}

impl Serialize for MissingPolicy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match *self {
            MissingPolicy::ERROR => serializer.serialize_str("error"),
            MissingPolicy::DROP_ROWS => serializer.serialize_str("drop-rows"),
            MissingPolicy { numbers, text } => {
                let mut map = serializer.serialize_struct("MissingPolicy", 2)?;
                map.serialize_field("numbers", &numbers)?;
                map.serialize_field("text", &text)?;
                map.end()
            }
        }
    }
}

impl schemars::JsonSchema for MissingPolicy {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MissingPolicy".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "What to do with missing values: one word for numbers and text columns alike (`mean`, `median`: numbers only), or a mapping such as `{numbers: median, text: category}`.",
            "anyOf": [
                {"enum": ["error", "drop-rows", "mean", "median", "most-frequent"]},
                {
                    "type": "object",
                    "properties": {
                        "numbers": generator.subschema_for::<MissingNumbers>(),
                        "text": generator.subschema_for::<MissingText>(),
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for MissingPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const WORDS: &[&str] = &["error", "drop-rows", "mean", "median", "most-frequent"];
        const FIELDS: &[&str] = &["numbers", "text"];
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MissingPolicy;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "one of `error`, `drop-rows`, `mean`, `median`, `most-frequent`, or a \
                     mapping such as `{numbers: median, text: category}`",
                )
            }

            fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<MissingPolicy, E> {
                MissingPolicy::from_word(word).ok_or_else(|| E::unknown_variant(word, WORDS))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MissingPolicy, A::Error> {
                let mut policy = MissingPolicy::ERROR;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "numbers" => policy.numbers = map.next_value()?,
                        "text" => policy.text = map.next_value()?,
                        other => return Err(serde::de::Error::unknown_field(other, FIELDS)),
                    }
                }
                Ok(policy)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl DataSource {
    /// A short name of the kind of source (`purchase`, `blobs`, `file`).
    pub fn name(&self) -> &'static str {
        match self {
            DataSource::Purchase(_) => "purchase",
            DataSource::Blobs(_) => "blobs",
            DataSource::File(_) => "file",
        }
    }

    /// The seed the data depend on: the master seed for generated data, none for files.
    pub fn seed(&self, master_seed: u64) -> Option<u64> {
        match self {
            DataSource::File(_) => None,
            _ => Some(master_seed),
        }
    }

    /// The number of points, when known without loading the data.
    pub fn samples(&self) -> Option<usize> {
        match self {
            DataSource::Purchase(settings) => Some(settings.samples),
            DataSource::Blobs(settings) => Some(settings.samples),
            DataSource::File(_) => None,
        }
    }
}

/// How training data is sharded, sliced and aggregated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SisaSettings {
    /// Number of shards S, at least 1.
    pub shards: usize,
    /// Number of slices R per shard, at least 1.
    pub slices: usize,
    /// How points are assigned to shards.
    pub partition: Partition,
    /// How constituents' predictions are combined into `sisa_accuracy`.
    pub aggregation: Aggregation,
}

/// How training points are assigned to shards.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Partition {
    /// Uniformly at random, shards of equal size (within one point).
    Uniform,
    /// The paper's Algorithm 1: points sorted by request probability fill shards in turn; a
    /// shard closes when its expected number of requests reaches `capacity` (so the number of
    /// shards follows from it), or, without a capacity, when it holds 1/S of the expected
    /// requests (S fixed by `sisa.shards`).
    DistributionAware {
        /// Expected requests per shard, C, for the largest request count of the spec.
        capacity: Option<f64>,
    },
}

/// The partition strategies a spec can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionKind {
    /// See [`Partition::Uniform`].
    #[schemars(description = "Points assigned to shards uniformly at random.")]
    Uniform,
    /// See [`Partition::DistributionAware`].
    #[schemars(
        description = "Shards filled in order of expected requests, most likely first (the paper's Algorithm 1), up to `capacity` or into `shards` equal shares."
    )]
    DistributionAware,
}

/// How the constituents' predictions are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregation {
    /// Each constituent votes its most likely label; most votes wins, ties go to the lowest class.
    Majority,
    /// The mean of the constituents' probability vectors; its most likely label wins.
    MeanProba,
    /// Majority voting with each vote weighted by its shard's size, fairer when shards are unequal.
    Weighted,
}

impl Aggregation {
    /// Every aggregation, in the order tables list them.
    pub const ALL: [Aggregation; 3] = [
        Aggregation::Majority,
        Aggregation::MeanProba,
        Aggregation::Weighted,
    ];

    /// The name used in specs and tables.
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Majority => "majority",
            Aggregation::MeanProba => "mean-proba",
            Aggregation::Weighted => "weighted",
        }
    }
}

impl Partition {
    /// The name used in specs and tables.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Uniform => "uniform",
            Partition::DistributionAware { .. } => "distribution-aware",
        }
    }
}

/// Which points are asked to be forgotten, and how requests are processed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnlearningSettings {
    /// How requested points are drawn.
    pub distribution: Distribution,
    /// How requests are processed.
    pub mode: Mode,
    /// Request counts K, one step of the trial each; each at least 1 and below the training size.
    pub requests: Vec<usize>,
}

impl UnlearningSettings {
    /// The largest request count of the trial (1 when none is listed).
    pub fn most_requests(&self) -> usize {
        self.requests.iter().copied().max().unwrap_or(1)
    }
}

/// Who asks to be forgotten. Every distribution gives each request unit (a point, or a group of
/// points) a weight; requests are drawn without replacement with probability proportional to the
/// weights of the units not yet drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Distribution {
    /// Every training point equally likely.
    Uniform,
    /// Points ranked at random; the point at relative rank r in [0, 1) has weight exp(-rate r).
    Exponential {
        /// Decay over the ranking; default 10 (the top 10% of points carry 63% of the weight).
        rate: f64,
    },
    /// Points ranked at random; the point at relative rank r has the Pareto quantile weight
    /// (r + 1/2N)^(-1/shape): the top 20% of points carry about 80% of the weight at 1.16.
    Pareto {
        /// Pareto shape alpha; default 1.16 (the 80/20 rule).
        shape: f64,
    },
    /// Requests come from the listed classes with the given weights, uniformly within a class.
    Class {
        /// (class name, weight) pairs, by class name.
        weights: Vec<(String, f64)>,
    },
    /// A request deletes a whole group (say, one user's points); groups are drawn uniformly.
    Groups {
        /// How the points are grouped.
        groups: Grouping,
    },
    /// Each point's weight is its value in a dataset column (a propensity to ask, say).
    Column {
        /// The column, kept out of the features.
        column: LabelColumn,
    },
}

/// How the `groups` distribution groups training points.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Grouping {
    /// At random, group sizes geometric with mean `mean_size`.
    Random {
        /// Mean group size, at least 1.
        mean_size: f64,
    },
    /// Points with the same value in a dataset column (a user id) form a group.
    Column {
        /// The column, kept out of the features.
        column: LabelColumn,
    },
}

impl Distribution {
    /// The dataset column the distribution reads, if any.
    pub fn column(&self) -> Option<&LabelColumn> {
        match self {
            Distribution::Column { column }
            | Distribution::Groups {
                groups: Grouping::Column { column },
            } => Some(column),
            _ => None,
        }
    }
}

impl Distribution {
    /// The name used in tables, with its parameter (`pareto(1.16)`).
    pub fn name(&self) -> String {
        match self {
            Distribution::Uniform => "uniform".to_owned(),
            Distribution::Exponential { rate } => format!("exponential({rate})"),
            Distribution::Pareto { shape } => format!("pareto({shape})"),
            Distribution::Class { weights } => {
                let items: Vec<String> = weights.iter().map(|(c, w)| format!("{c}:{w}")).collect();
                format!("class({})", items.join(","))
            }
            Distribution::Groups {
                groups: Grouping::Random { mean_size },
            } => format!("groups({mean_size})"),
            Distribution::Groups {
                groups: Grouping::Column { column },
            } => format!("groups({})", column.reference()),
            Distribution::Column { column } => format!("column({})", column.reference()),
        }
    }
}

/// The distributions a spec can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DistributionKind {
    /// See [`Distribution::Uniform`].
    #[schemars(description = "Every training point equally likely.")]
    Uniform,
    /// See [`Distribution::Exponential`].
    #[schemars(
        description = "Points ranked at random; the point at relative rank r has weight exp(-rate r) (`rate`)."
    )]
    Exponential,
    /// See [`Distribution::Pareto`].
    #[schemars(description = "Points ranked at random with Pareto weights (`shape`, above 1).")]
    Pareto,
    /// See [`Distribution::Class`].
    #[schemars(
        description = "Requests come from the classes of `class_weights`, with those weights."
    )]
    Class,
    /// See [`Distribution::Groups`].
    #[schemars(
        description = "A request deletes a whole group: random groups of mean `group_size`, or the points sharing a value of `column`."
    )]
    Groups,
    /// See [`Distribution::Column`].
    #[schemars(description = "Each point's weight is its value in `column` of a table file.")]
    Column,
}

/// How requests are processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Mode {
    /// Each count K is an independent batch, unlearned at once from the trained state.
    Batch,
    /// One request at a time, each unlearned before the next, cumulative; the counts are the
    /// points at which the cumulative cost and accuracy are recorded. The baseline retrains after
    /// every request.
    Sequential,
    /// Cumulative batches of `batch_size` requests, each unlearned before the next; counts are
    /// multiples of the batch size.
    Stream {
        /// Requests per batch.
        batch_size: usize,
    },
}

impl Mode {
    /// The name used in tables (`stream(10)`).
    pub fn name(self) -> String {
        match self {
            Mode::Batch => "batch".to_owned(),
            Mode::Sequential => "sequential".to_owned(),
            Mode::Stream { batch_size } => format!("stream({batch_size})"),
        }
    }

    /// Requests unlearned together: the whole count in batch mode, else 1 or the batch size.
    pub fn batch_size(self) -> Option<usize> {
        match self {
            Mode::Batch => None,
            Mode::Sequential => Some(1),
            Mode::Stream { batch_size } => Some(batch_size),
        }
    }
}

/// The processing modes a spec can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ModeKind {
    /// See [`Mode::Batch`].
    #[schemars(description = "K requests unlearned at once, from the trained state.")]
    Batch,
    /// See [`Mode::Sequential`].
    #[schemars(
        description = "Requests unlearned one at a time, each from the state the previous left."
    )]
    Sequential,
    /// See [`Mode::Stream`].
    #[schemars(
        description = "Requests unlearned in batches of `batch_size`, each from the state the previous left."
    )]
    Stream,
}

/// What SISA's unlearning is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Baseline {
    /// One model of the same kind and budget, retrained from scratch on the remaining points.
    Retrain,
    /// No baseline (its columns stay empty); faster when only SISA's own cost matters.
    None,
}

/// The file formats a spec can name in `dataset.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = format_aliases)]
pub enum FormatName {
    /// Comma-separated values.
    Csv,
    /// Tab-separated values.
    Tsv,
    /// Apache Parquet.
    Parquet,
    /// LIBSVM / SVMlight text.
    #[serde(alias = "svmlight")]
    Libsvm,
    /// IDX (MNIST).
    Idx,
    /// One NumPy array per file.
    Npy,
    /// NumPy archive of arrays.
    Npz,
}

/// Adds the names serde also accepts (its aliases, which the derived schema leaves out) to the
/// schema of [`FormatName`].
fn format_aliases(schema: &mut schemars::Schema) {
    let alias = serde_json::json!({
        "const": "svmlight",
        "description": "LIBSVM / SVMlight text (another name for `libsvm`).",
        "type": "string"
    });
    if let Some(serde_json::Value::Array(names)) = schema.get_mut("oneOf") {
        names.push(alias);
    }
}

impl FormatName {
    /// Every format, in the order messages list them.
    pub const ALL: [FormatName; 7] = [
        FormatName::Csv,
        FormatName::Tsv,
        FormatName::Parquet,
        FormatName::Libsvm,
        FormatName::Idx,
        FormatName::Npy,
        FormatName::Npz,
    ];

    /// The name used in specs.
    pub fn name(self) -> &'static str {
        match self {
            FormatName::Csv => "csv",
            FormatName::Tsv => "tsv",
            FormatName::Parquet => "parquet",
            FormatName::Libsvm => "libsvm",
            FormatName::Idx => "idx",
            FormatName::Npy => "npy",
            FormatName::Npz => "npz",
        }
    }
}

/// The kinds of synthetic dataset a spec can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SyntheticKind {
    /// See [`PurchaseSettings`].
    #[schemars(
        description = "Binary purchase-like records drawn from customer profiles, labelled by k-means (the paper's Purchase)."
    )]
    Purchase,
    /// See [`BlobsSettings`].
    #[schemars(description = "One Gaussian cluster per class.")]
    Blobs,
}
