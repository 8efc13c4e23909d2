//! What a spec file says: serde types that mirror the YAML, with every field optional so that
//! defaults, overrides and sweep values can be merged before [`super::check`] validates them.
//! Unknown keys are errors everywhere.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;

use std::collections::BTreeMap;

use super::settings::{
    Aggregation, Baseline, DistributionKind, FormatName, IndexColumn, LabelColumn, LabelKind,
    MissingPolicy, ModeKind, PartitionKind, SyntheticKind,
};
use super::yaml::{Mapping, Value};
pub use crate::model::RawModel;

/// A whole spec as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// Experiment name; results go to `results/<name>/`.
    pub name: String,
    /// Master seed (default 0).
    pub seed: Option<u64>,
    /// Independent repetitions (default 1).
    pub repeats: Option<u32>,
    /// The dataset.
    pub dataset: Option<RawDataset>,
    /// The constituent model.
    pub model: Option<RawModel>,
    /// SISA layout and aggregation.
    pub sisa: Option<RawSisa>,
    /// The deletion requests.
    pub unlearning: Option<RawUnlearning>,
    /// The comparison baseline.
    pub baseline: Option<Baseline>,
    /// Dotted key -> list of values; the trials are their cartesian product.
    #[schemars(with = "Option<BTreeMap<String, Vec<serde_json::Value>>>")]
    pub sweep: Option<Mapping>,
    /// Dotted key -> list of values, all lists as long: the i-th values go together, as one more
    /// dimension of the sweep.
    #[schemars(with = "Option<BTreeMap<String, Vec<serde_json::Value>>>")]
    pub zip: Option<Mapping>,
    /// Figures to draw (default: those that what the sweep varies calls for), and how they are
    /// written.
    pub figures: Option<RawFigures>,
}

/// The `dataset` section.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDataset {
    /// Which synthetic generator to use.
    pub synthetic: Option<SyntheticKind>,
    /// Number of points.
    pub samples: Option<usize>,
    /// Number of features.
    pub features: Option<usize>,
    /// Number of classes.
    pub classes: Option<usize>,
    /// Purchase: number of prototypes.
    pub prototypes: Option<usize>,
    /// Purchase: fraction of items a prototype favours.
    pub density: Option<f64>,
    /// Blobs: cluster standard deviation.
    pub noise: Option<f64>,
    /// Fraction of points held out for testing.
    pub test_fraction: Option<f64>,
    /// Split each class in the same proportion.
    pub stratify: Option<bool>,
    /// Standardise features with statistics of the training points.
    pub standardize: Option<bool>,
    /// A data file (instead of `synthetic`), relative to the spec file's folder.
    pub path: Option<String>,
    /// The file's format (default: from its name).
    pub format: Option<FormatName>,
    /// CSV/TSV/Parquet: the label column.
    pub label: Option<LabelColumn>,
    /// CSV/TSV: whether the first row names the columns.
    pub header: Option<bool>,
    /// CSV: the field separator.
    pub separator: Option<String>,
    /// What to do with missing values: one word, or `{numbers: ..., text: ...}`.
    pub missing: Option<MissingPolicy>,
    /// CSV/TSV: the decimal mark, `.` or `,`.
    pub decimal: Option<String>,
    /// CSV/TSV without a header row: the columns' names.
    pub column_names: Option<Vec<String>>,
    /// Tables: the only columns to read as features.
    pub columns: Option<Vec<LabelColumn>>,
    /// Tables: columns to leave out.
    pub drop: Option<Vec<LabelColumn>>,
    /// Tables: what becomes of a written row index.
    pub index_column: Option<IndexColumn>,
    /// Whether labels that look continuous are taken as classes anyway.
    pub label_kind: Option<LabelKind>,
    /// A separate test file in the same format.
    pub test_path: Option<String>,
    /// IDX, `.npy`: the labels file.
    pub labels_path: Option<String>,
    /// IDX, `.npy`: the labels file of `test_path`.
    pub test_labels_path: Option<String>,
    /// `.npz`: name of the features array.
    pub features_key: Option<String>,
    /// `.npz`: name of the labels array.
    pub labels_key: Option<String>,
}

/// The `sisa` section.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSisa {
    /// Number of shards.
    pub shards: Option<usize>,
    /// Number of slices per shard.
    pub slices: Option<usize>,
    /// Shard assignment.
    pub partition: Option<PartitionKind>,
    /// Distribution-aware partition: expected requests per shard.
    pub capacity: Option<f64>,
    /// Aggregation of constituent predictions.
    pub aggregation: Option<Aggregation>,
}

/// The `unlearning` section.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUnlearning {
    /// Request distribution.
    pub distribution: Option<DistributionKind>,
    /// Exponential: decay rate over the random ranking.
    pub rate: Option<f64>,
    /// Pareto: shape.
    pub shape: Option<f64>,
    /// Class: class name -> weight.
    pub class_weights: Option<BTreeMap<ClassName, f64>>,
    /// Groups: mean group size.
    pub group_size: Option<f64>,
    /// Groups, column: the dataset column that holds group ids or weights.
    pub column: Option<LabelColumn>,
    /// Request processing mode.
    pub mode: Option<ModeKind>,
    /// Stream mode: requests per batch.
    pub batch_size: Option<usize>,
    /// Request counts.
    pub requests: Option<Vec<usize>>,
}

/// A class name as a mapping key: written as text or as a number (`3: 0.5`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClassName(pub String);

impl<'de> Deserialize<'de> for ClassName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(ClassName(text)),
            Value::Number(number) => Ok(ClassName(number.to_string())),
            Value::Bool(flag) => Ok(ClassName(flag.to_string())),
            _ => Err(serde::de::Error::custom("a class name is text or a number")),
        }
    }
}

/// The `figures` key: a list of figures, or a section with that list and how figures are written.
#[derive(Debug, Clone, PartialEq)]
pub enum RawFigures {
    /// `figures: [speedup-vs-requests, {x: shards, y: accuracy_gap}]`.
    List(Vec<RawFigure>),
    /// `figures: {draw: [...], style: paper, width: 3.3in, font_size: 8, formats: [pdf, svg]}`.
    Section(RawFigureSection),
}

impl<'de> Deserialize<'de> for RawFigures {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawFigures;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of figures, or a mapping with `draw`, `style`, `formats` and options such as `width`")
            }
            // Handing the sequence and mapping accesses on keeps key paths and line numbers.
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<RawFigures, A::Error> {
                let access = serde::de::value::SeqAccessDeserializer::new(seq);
                Vec::deserialize(access).map(RawFigures::List)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawFigures, A::Error> {
                let access = serde::de::value::MapAccessDeserializer::new(map);
                RawFigureSection::deserialize(access).map(RawFigures::Section)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Declares the two mappings of `figures` (the section, whose options are every figure's
/// defaults, and an entry of its list, whose options are that figure's), each with its own
/// fields and then the same options of how a figure looks, declared once here; the options also
/// make [`RawLook`], which both hand to the checks (`look()`). Every field is optional.
macro_rules! figure_mappings {
    (look $look:tt $($(#[$meta:meta])* struct $name:ident $fields:tt)*) => {
        figure_mappings!(@look $look);
        $(figure_mappings!(@mapping $look $(#[$meta])* $name $fields);)*
    };
    (@look { $($(#[$look_meta:meta])* $look:ident: $look_type:ty,)* }) => {
        /// How a figure looks and its size: the options a `figures` section sets for every
        /// figure and an entry of its list for its own.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct RawLook {
            $($(#[$look_meta])* pub $look: Option<$look_type>,)*
        }
    };
    (
        @mapping { $($(#[$look_meta:meta])* $look:ident: $look_type:ty,)* }
        $(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $type:ty,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: Option<$type>,)*
            $($(#[$look_meta])* pub $look: Option<$look_type>,)*
        }

        impl $name {
            /// The options of how the figure looks.
            pub fn look(&self) -> RawLook {
                RawLook { $($look: self.$look.clone(),)* }
            }
        }
    };
}

figure_mappings! {
    look {
        /// Width: a number of CSS pixels (1/96 inch), or a length with its unit: `3.3in`,
        /// `8.4cm`, `84mm`, `240pt`, `640px` (default 1000 px; `style: paper` 3.3in).
        width: RawLength,
        /// Height, as `width` (default 640 px; `style: paper` 2.2in).
        height: RawLength,
        /// PNG resolution in dots per inch, 48 to 1200: the PNG is width x dpi / 96 pixels wide
        /// (default 96; `style: paper` 300).
        dpi: u32,
        /// Base font size in points (1/72 inch), for tick labels and the legend; titles are set
        /// larger, notes smaller, and line widths and markers scale with it (default 11;
        /// `style: paper` 8).
        font_size: f64,
        /// The title: text, `true` for the figure's own, `false` for none (default `true`;
        /// `style: paper` none).
        title: RawTitle,
        /// Whether the grey footer line is drawn (experiment, data, model, repeats, what the
        /// error bars show; default `true`, `style: paper` and `slides` `false`).
        footer: bool,
        /// Where the legend goes (default `best`: a corner of the plot that covers no data, else
        /// beside or below it).
        legend: LegendPosition,
        /// What error bars show (default `std`).
        error_bars: ErrorBars,
        /// The x axis title, instead of the figure's own.
        x_label: String,
        /// The y axis title, instead of the figure's own.
        y_label: String,
    }

    /// The mapping form of `figures`: the list under `draw`, the files written, and how every
    /// figure looks (an entry of `draw` may change its own).
    struct RawFigureSection {
        /// Figures to draw (default: those that what the sweep varies calls for).
        draw: Vec<RawFigure>,
        /// A preset the other options start from: `screen` (default), `paper` (a journal
        /// column: 3.3 x 2.2 in, 8 pt, no title or footer, PDF and SVG) or `slides`.
        style: FigurePreset,
        /// File formats to write (default `[svg, png]`; `style: paper` `[pdf, svg]`).
        formats: Vec<FigureFormat>,
    }

    /// An entry of the figure list given as a mapping: a built-in figure with options
    /// (`{figure: trade-off, legend: below}`), or a figure of any columns
    /// (`{x: shards, y: accuracy_gap, by: sisa.slices}`).
    struct RawFigureEntry {
        /// A built-in figure, by name.
        figure: String,
        /// A custom figure: the column along x.
        x: String,
        /// A custom figure: the column along y (numbers).
        y: String,
        /// A custom figure: columns whose values tell the lines apart (default: the swept keys
        /// that vary, but x).
        by: Columns,
        /// A custom figure: how the rows at one x of one line (the repeats) are combined
        /// (default: mean).
        aggregate: FigureAggregate,
        /// A custom figure: keep only the rows whose column holds one of the given values.
        #[serde(rename = "where")]
        filter: BTreeMap<String, OneOrMore>,
        /// The file name, without extension (default: the built-in figure's name, or
        /// `<y>-vs-<x>` then `-by-<column>` for each).
        name: String,
        /// A custom figure: a logarithmic x axis (default: chosen from the values, logarithmic
        /// when they are a few geometric counts such as 1, 2, 4, 8).
        log_x: bool,
        /// A custom figure: a logarithmic y axis.
        log_y: bool,
    }
}

/// A length: CSS pixels, or a number with its unit.
#[derive(Debug, Clone, PartialEq)]
pub enum RawLength {
    /// A plain number: CSS pixels.
    Pixels(f64),
    /// Text such as `3.3in`, checked by the figure checks.
    Text(String),
}

impl<'de> Deserialize<'de> for RawLength {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Number(number) => RawLength::Pixels(number.as_f64().unwrap_or(f64::NAN)),
            Value::String(text) => RawLength::Text(text),
            _ => {
                return Err(serde::de::Error::custom(
                    "a length is a number of CSS pixels or text such as `3.3in`",
                ))
            }
        })
    }
}

/// A title: text, or whether to draw the figure's own.
#[derive(Debug, Clone, PartialEq)]
pub enum RawTitle {
    /// `true` for the figure's own title, `false` for none.
    Shown(bool),
    /// This text.
    Text(String),
}

impl<'de> Deserialize<'de> for RawTitle {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Bool(shown) => RawTitle::Shown(shown),
            Value::String(text) => RawTitle::Text(text),
            Value::Number(number) => RawTitle::Text(number.to_string()),
            _ => {
                return Err(serde::de::Error::custom(
                    "a title is text, `true` (the figure's own) or `false` (none)",
                ))
            }
        })
    }
}

/// Where a figure's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LegendPosition {
    /// A corner of the plot where it covers no data, else beside the plot, else below it.
    Best,
    /// Beside the plot, on the right.
    OutsideRight,
    /// Below the plot, its entries in columns.
    Below,
    /// No legend.
    None,
    /// Inside the plot, top left.
    UpperLeft,
    /// Inside the plot, top right.
    UpperRight,
    /// Inside the plot, bottom left.
    LowerLeft,
    /// Inside the plot, bottom right.
    LowerRight,
}

/// What error bars show, over the repeats of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorBars {
    /// One standard deviation either side of the mean.
    Std,
    /// One standard error of the mean either side.
    Sem,
    /// The 95% confidence interval of the mean (Student t).
    Ci95,
    /// None.
    None,
}

/// A preset of figure options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FigurePreset {
    /// For reading on a screen: 1000 x 640 px, 11 pt, title and footer, SVG and PNG.
    Screen,
    /// For a journal column: 3.3 x 2.2 in, 8 pt, no title, no footer, PDF and SVG.
    Paper,
    /// For slides: 10 x 5.625 in, 16 pt, a title, no footer, SVG and a 192 dpi PNG.
    Slides,
}

/// A file format of figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FigureFormat {
    /// `svg`.
    Svg,
    /// `png`.
    Png,
    /// `pdf`.
    Pdf,
}

/// One figure: a built-in one by name, or a mapping (a built-in figure with options, or one
/// drawn from any columns).
#[derive(Debug, Clone, PartialEq)]
pub enum RawFigure {
    /// A built-in figure, e.g. `speedup-vs-requests`.
    Named(String),
    /// `{figure: trade-off, legend: below}` or `{x: shards, y: accuracy_gap, by: sisa.slices}`.
    Entry(Box<RawFigureEntry>),
}

impl<'de> Deserialize<'de> for RawFigure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawFigure;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a figure name, or a mapping such as {x: shards, y: accuracy_gap}")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<RawFigure, E> {
                Ok(RawFigure::Named(name.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawFigure, A::Error> {
                let access = serde::de::value::MapAccessDeserializer::new(map);
                RawFigureEntry::deserialize(access).map(|entry| RawFigure::Entry(Box::new(entry)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// How the rows at one point are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FigureAggregate {
    /// The mean, with a bar of one standard deviation.
    Mean,
    /// The median.
    Median,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

/// One column name or a list of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns(pub Vec<String>);

impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Columns;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a column name or a list of them")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Columns, E> {
                Ok(Columns(vec![name.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Columns, A::Error> {
                let access = serde::de::value::SeqAccessDeserializer::new(seq);
                Vec::deserialize(access).map(Columns)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One value or a list of them, each a YAML scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMore(pub Vec<Value>);

impl<'de> Deserialize<'de> for OneOrMore {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Sequence(values) => OneOrMore(values),
            value => OneOrMore(vec![value]),
        })
    }
}

// The JSON Schemas of the types above that are read by hand: each says what its `Deserialize`
// accepts.

impl JsonSchema for ClassName {
    fn schema_name() -> Cow<'static, str> {
        "ClassName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "A class name, as text or a number.", "type": ["string", "number", "boolean"]})
    }
}

impl JsonSchema for RawFigures {
    fn schema_name() -> Cow<'static, str> {
        "Figures".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Figures to draw (default: those that what the sweep varies calls for): a list, or a mapping with the list under `draw` and how figures are written.",
            "anyOf": [
                {"type": "array", "items": generator.subschema_for::<RawFigure>()},
                generator.subschema_for::<RawFigureSection>(),
            ]
        })
    }
}

/// The name of a built-in figure; [`super::schema`] lists the names.
pub struct FigureName;

impl JsonSchema for FigureName {
    fn schema_name() -> Cow<'static, str> {
        "FigureName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "A built-in figure.", "type": "string"})
    }
}

impl JsonSchema for RawFigure {
    fn schema_name() -> Cow<'static, str> {
        "Figure".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let reference = generator.subschema_for::<RawFigureEntry>().to_value();
        let entry = |required: &[&str]| {
            let mut entry = reference.clone();
            entry["required"] = serde_json::json!(required);
            entry
        };
        json_schema!({
            "description": "A built-in figure by name, a built-in figure with options (`figure` names it), or a figure of any columns of the results table (`x` and `y` name them).",
            "anyOf": [
                generator.subschema_for::<FigureName>(),
                entry(&["figure"]),
                entry(&["x", "y"]),
            ]
        })
    }
}

impl JsonSchema for RawLength {
    fn schema_name() -> Cow<'static, str> {
        "Length".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number of CSS pixels (1/96 inch), or a length with its unit: `3.3in`, `8.4cm`, `84mm`, `240pt`, `640px`.",
            "type": ["number", "string"]
        })
    }
}

impl JsonSchema for RawTitle {
    fn schema_name() -> Cow<'static, str> {
        "Title".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A title: text, `true` for the figure's own, `false` for none.",
            "type": ["string", "number", "boolean"]
        })
    }
}

impl JsonSchema for Columns {
    fn schema_name() -> Cow<'static, str> {
        "Columns".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A column name or a list of them.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        })
    }
}

impl JsonSchema for OneOrMore {
    fn schema_name() -> Cow<'static, str> {
        "OneOrMore".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let scalar = json_schema!({"type": ["string", "number", "boolean", "null"]});
        json_schema!({
            "description": "One value or a list of them.",
            "anyOf": [scalar.clone(), {"type": "array", "items": scalar}]
        })
    }
}
