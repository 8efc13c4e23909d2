//! From tables to a [`Dataset`], the same for every file format: find the label, request and
//! feature columns ([`super::columns`]), leave out a written row index, apply the missing-value
//! policy ([`super::missing`]), map labels to a sorted class list ([`super::labels`]), keep
//! numeric columns as they are and one-hot encode text columns (categories from the training
//! file). A table of numbers in its block becomes the feature matrix in place, without a copy.

use std::collections::HashMap;
use std::path::Path;

use ndarray::Array2;

use super::columns::{Role, Roles, Selection};
use super::dataset::Dataset;
use super::error::{DataError, Result};
use super::impute::{Fill, Imputation};
use super::input;
use super::labels;
use super::missing::{self, Treatment, Use};
use super::raw_table::{not_a_float, number_name, Block, RawTable, Text, Values};
use crate::spec::{
    ColumnChoice, IndexColumn, LabelKind, MissingNumbers, MissingPolicy, MissingText,
};

/// Most categories a text column may have before one-hot encoding refuses it.
pub const MAX_CATEGORIES: usize = 1_000;

/// A text column with more categories than this gets a warning: it adds that many features.
pub const MANY_CATEGORIES: usize = 100;

/// The category of a missing value under `missing: {text: category}`.
pub const MISSING_CATEGORY: &str = "(missing)";

/// Header cells of a written row index: empty (pandas' `df.to_csv()`), or what pandas names it
/// when such a file is read and written again.
const INDEX_NAMES: [&str; 2] = ["", "Unnamed: 0"];

/// How tables become a dataset: which columns are what, and what to do with missing values,
/// row indexes and labels.
#[derive(Debug, Clone, Copy)]
pub struct Encoding<'a> {
    /// The label, request and feature columns.
    pub selection: Selection<'a>,
    /// What to do with missing values.
    pub missing: MissingPolicy,
    /// Whether a written row index is left out.
    pub index_column: IndexColumn,
    /// Whether labels that look continuous are refused.
    pub label_kind: LabelKind,
}

/// Builds a dataset from a training table and an optional test table (rows appended after the
/// training rows, see [`Dataset::test_start`]).
///
/// - Labels: see [`labels::classes`].
/// - Features: every feature column. Numbers stay as they are (stored as f32); text columns are
///   one-hot encoded into `column=value` features, with the categories of the training file
///   (sorted); a test value the training file does not have encodes as all zeros. A first
///   column that is a written row index (an empty header cell over 0, 1, ..., n - 1) is left out
///   with a warning, unless `index_column: keep`.
/// - Missing values (NaN, or text `?`, empty, `NA`, `NaN`): an error listing how many rows and
///   where, or those rows are dropped, or they stay to be filled in per trial (NaN in the
///   features, listed in [`Dataset::imputations`]) or taken as the category `(missing)`, as the
///   policy says for numbers and for text. Infinite numbers are always an error.
/// - Attributes: the request columns are kept apart from the features, their values as text, in
///   [`Dataset::attributes`].
pub fn encode(
    name: &str,
    train: RawTable,
    test: Option<RawTable>,
    encoding: &Encoding<'_>,
) -> Result<Dataset> {
    let names: Vec<Option<String>> = train.columns.iter().map(|c| c.name.clone()).collect();
    let mut roles = encoding.selection.resolve(&train.path, &names)?;
    if let Some(test) = &test {
        check_same_columns(&train, test)?;
    }
    let mut warnings = train.warnings.clone();
    warnings.extend(test.iter().flat_map(|test| test.warnings.iter().cloned()));
    warnings.extend(leave_out_row_index(&train, &mut roles, encoding));
    let tables: Vec<&RawTable> = std::iter::once(&train).chain(&test).collect();
    let read = read_columns(&train, &roles, encoding.missing);
    let mut kept: Vec<Vec<usize>> = Vec::new();
    let mut kept_missing = vec![false; read.len()];
    for table in &tables {
        check_finite(table, &read)?;
        let (rows, missing) = missing::kept_rows(table, &read, encoding.missing)?;
        kept.push(rows);
        for (any, this) in kept_missing.iter_mut().zip(missing) {
            *any |= this;
        }
    }
    let (classes, labels) = labels::classes(&tables, &kept, roles.label, encoding.label_kind)?;
    let plan = feature_plan(
        &train,
        &kept[0],
        &roles.features,
        encoding.missing,
        &mut warnings,
    )?;
    let n_rows: usize = kept.iter().map(Vec::len).sum();
    let width: usize = plan.iter().map(Feature::width).sum();
    input::check_matrix(&train.path, n_rows as u64, width as u64)?;
    let feature_names = plan
        .iter()
        .flat_map(|feature| feature.names(&train))
        .collect();
    let filled: Vec<usize> = read
        .iter()
        .zip(&kept_missing)
        .filter(|(_, &missing)| missing)
        .map(|(&(column, ..), _)| column)
        .collect();
    let imputations = imputations(&plan, &filled, encoding.missing);
    let attributes = attributes(&tables, &kept, &roles, encoding.selection.attributes);
    let test_start = test.as_ref().map(|_| kept[0].len());
    let features = matrix(train, test, &kept, &plan, (n_rows, width))?;
    Ok(Dataset {
        name: name.to_owned(),
        features,
        feature_names,
        labels,
        classes,
        test_start,
        attributes,
        imputations,
        warnings,
        sparse: Default::default(),
    })
}

/// Leaves a written row index out of the features (returns the warning saying so): the first
/// column, a feature, named by an empty header cell (or pandas' `Unnamed: 0`), holding exactly
/// 0, 1, ..., n - 1. Kept when the spec keeps it (`index_column: keep`) or lists the columns to
/// read itself (`columns`).
fn leave_out_row_index(
    train: &RawTable,
    roles: &mut Roles,
    encoding: &Encoding<'_>,
) -> Option<String> {
    let listed = matches!(encoding.selection.choice, ColumnChoice::Keep(_));
    if encoding.index_column == IndexColumn::Keep || listed || roles.features.len() < 2 {
        return None;
    }
    let name = train.columns[0].name.as_deref()?;
    let n = train.n_rows();
    let counts = (0..n).all(|row| train.number(0, row) == Some(row as f64));
    if roles.features[0] != 0 || !INDEX_NAMES.contains(&name.trim()) || n < 2 || !counts {
        return None;
    }
    roles.features.remove(0);
    roles.roles[0] = Role::Skipped;
    let what = if name.is_empty() {
        "column 0 (no name".to_owned()
    } else {
        format!("column 0 (`{name}`")
    };
    Some(format!(
        "{}: {what}, holding 0, 1, ..., {}) is the row index pandas writes with `df.to_csv()`; \
         it is left out of the features (set `index_column: keep` to keep it)",
        train.path.display(),
        n - 1
    ))
}

/// The columns read (label, request columns, features), in the file's order, each with whether
/// it holds numbers, what it is used as, and what a missing value in it leads to.
fn read_columns(
    train: &RawTable,
    roles: &Roles,
    policy: MissingPolicy,
) -> Vec<(usize, bool, Use, Treatment)> {
    let usage = |column: usize| {
        if column == roles.label {
            Some(Use::Label)
        } else if roles.attributes.contains(&column) {
            Some(Use::Attribute)
        } else if roles.features.contains(&column) {
            Some(Use::Feature)
        } else {
            None
        }
    };
    (0..train.columns.len())
        .filter_map(|column| {
            let usage = usage(column)?;
            let numeric = !matches!(train.columns[column].values, Values::Text(_));
            Some((
                column,
                numeric,
                usage,
                missing::treatment(policy, numeric, usage),
            ))
        })
        .collect()
}

/// A test table must have the training table's columns.
fn check_same_columns(train: &RawTable, test: &RawTable) -> Result<()> {
    if train.columns.len() != test.columns.len() {
        return Err(DataError::invalid(
            &test.path,
            format!(
                "has {} columns, but the training file `{}` has {}",
                test.columns.len(),
                train.path.display(),
                train.columns.len()
            ),
        ));
    }
    for (index, (a, b)) in train.columns.iter().zip(&test.columns).enumerate() {
        if let (Some(a), Some(b)) = (&a.name, &b.name) {
            if a != b {
                return Err(DataError::invalid(
                    &test.path,
                    format!(
                        "names column {index} `{b}`, but the training file `{}` names it `{a}`",
                        train.path.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Infinite numbers (or numbers too large for f32) in the exactly read columns are errors
/// whatever the missing policy (readers refuse them in the block as they read it).
fn check_finite(table: &RawTable, read: &[(usize, bool, Use, Treatment)]) -> Result<()> {
    for &(index, ..) in read {
        if let Values::Numbers(numbers) = &table.columns[index].values {
            if let Some(row) = numbers
                .iter()
                .position(|&v| !v.is_nan() && !(v as f32).is_finite())
            {
                let value = numbers[row];
                let what = not_a_float(value);
                return Err(DataError::at(
                    &table.path,
                    table.place(row),
                    format!("{}: {what}", table.describe_column(index)),
                ));
            }
        }
    }
    Ok(())
}

/// One input column's features.
struct Feature {
    column: usize,
    kind: Kind,
}

enum Kind {
    Number,
    /// Category -> position among this column's features, and what a missing value encodes as.
    OneHot(HashMap<String, usize>, MissingCategory),
}

/// What a missing value of a text column encodes as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MissingCategory {
    /// All zeros (no missing value is kept in the training file).
    Zeros,
    /// The category `(missing)`, at this position.
    Own(usize),
    /// NaN in every feature of the column, filled in per trial.
    Filled,
}

impl Feature {
    fn width(&self) -> usize {
        match &self.kind {
            Kind::Number => 1,
            Kind::OneHot(categories, _) => categories.len(),
        }
    }

    fn names(&self, table: &RawTable) -> Vec<String> {
        let column = table.columns[self.column]
            .name
            .clone()
            .unwrap_or_else(|| self.column.to_string());
        match &self.kind {
            Kind::Number => vec![column],
            Kind::OneHot(categories, _) => {
                let mut names = vec![String::new(); categories.len()];
                for (category, &position) in categories {
                    names[position] = format!("{column}={category}");
                }
                names
            }
        }
    }
}

/// The features of the feature columns of the training table (its `kept` rows).
fn feature_plan(
    train: &RawTable,
    kept: &[usize],
    columns: &[usize],
    policy: MissingPolicy,
    warnings: &mut Vec<String>,
) -> Result<Vec<Feature>> {
    let mut plan = Vec::with_capacity(columns.len());
    for &index in columns {
        let kind = match &train.columns[index].values {
            Values::Text(text) => one_hot(train, index, text, kept, policy, warnings)?,
            _ => Kind::Number,
        };
        plan.push(Feature {
            column: index,
            kind,
        });
    }
    Ok(plan)
}

/// The one-hot encoding of text column `index`: its categories among the `kept` training rows.
fn one_hot(
    train: &RawTable,
    index: usize,
    text: &Text,
    kept: &[usize],
    policy: MissingPolicy,
    warnings: &mut Vec<String>,
) -> Result<Kind> {
    let mut present = vec![false; text.levels.len()];
    let mut any_missing = false;
    for &row in kept {
        match text.codes[row] {
            Text::MISSING => any_missing = true,
            code => present[code as usize] = true,
        }
    }
    let mut categories: Vec<&str> = text
        .levels
        .iter()
        .zip(&present)
        .filter(|(_, &p)| p)
        .map(|(level, _)| level.as_str())
        .collect();
    let own_category = any_missing && policy.text == MissingText::Category;
    if own_category {
        categories.push(MISSING_CATEGORY);
    }
    let describe = train.describe_column(index);
    if categories.len() > MAX_CATEGORIES {
        return Err(DataError::invalid(
            &train.path,
            format!(
                "{describe} holds {} distinct text values, more than the {MAX_CATEGORIES} sisa \
                 one-hot encodes; is it an identifier or free text? Leave it out with `drop`",
                categories.len()
            ),
        ));
    }
    if categories.len() > MANY_CATEGORIES {
        warnings.push(format!(
            "{}: {describe} has {} categories, so one-hot encoding adds {} features; if it is \
             an identifier or free text, leave it out with `drop`",
            train.path.display(),
            categories.len(),
            categories.len()
        ));
    }
    categories.sort_unstable();
    let positions: HashMap<String, usize> = categories
        .iter()
        .enumerate()
        .map(|(position, category)| ((*category).to_owned(), position))
        .collect();
    let missing = if own_category {
        MissingCategory::Own(positions[MISSING_CATEGORY])
    } else if policy.text == MissingText::MostFrequent {
        MissingCategory::Filled
    } else {
        MissingCategory::Zeros
    };
    Ok(Kind::OneHot(positions, missing))
}

/// What is filled in per trial: the features of the `filled` columns (those with a missing value
/// kept) whose policy fills them in.
fn imputations(plan: &[Feature], filled: &[usize], policy: MissingPolicy) -> Vec<Imputation> {
    let mut imputations = Vec::new();
    let mut at = 0;
    for feature in plan {
        let width = feature.width();
        let fill = match &feature.kind {
            _ if !filled.contains(&feature.column) => None,
            Kind::Number => match policy.numbers {
                MissingNumbers::Mean => Some(Fill::Mean),
                MissingNumbers::Median => Some(Fill::Median),
                MissingNumbers::MostFrequent => Some(Fill::MostFrequent),
                MissingNumbers::Error | MissingNumbers::DropRows => None,
            },
            Kind::OneHot(_, MissingCategory::Filled) => Some(Fill::MostFrequent),
            Kind::OneHot(..) => None,
        };
        if let Some(fill) = fill {
            imputations.push(Imputation {
                features: at..at + width,
                fill,
            });
        }
        at += width;
    }
    imputations
}

/// The request columns' values as text, per kept row (empty when missing).
fn attributes(
    tables: &[&RawTable],
    kept: &[Vec<usize>],
    roles: &Roles,
    attributes: &[crate::spec::LabelColumn],
) -> Vec<(String, Vec<String>)> {
    roles
        .attributes
        .iter()
        .zip(attributes)
        .map(|(&index, attribute)| {
            let values = tables
                .iter()
                .zip(kept)
                .flat_map(|(table, rows)| {
                    rows.iter()
                        .map(move |&row| table.text(index, row).unwrap_or_default())
                })
                .collect();
            (attribute.reference(), values)
        })
        .collect()
}

/// The feature matrix of the kept rows of both tables: made in place from the tables' blocks
/// when every feature is a number there, else filled into a new matrix.
fn matrix(
    train: RawTable,
    test: Option<RawTable>,
    kept: &[Vec<usize>],
    plan: &[Feature],
    shape: (usize, usize),
) -> Result<Array2<f32>> {
    let in_block = |table: &RawTable| -> Option<Vec<usize>> {
        plan.iter()
            .map(
                |feature| match (&feature.kind, &table.columns[feature.column].values) {
                    (Kind::Number, Values::Block(position)) => Some(*position),
                    _ => None,
                },
            )
            .collect()
    };
    let train_positions = in_block(&train);
    let test_positions = test.as_ref().map(in_block);
    let values = match (train_positions, test_positions) {
        (Some(positions), None) => compact(train.block, &kept[0], &positions),
        (Some(positions), Some(Some(test_positions))) => {
            let mut values = compact(train.block, &kept[0], &positions);
            let test = test.expect("positions come from the test table");
            let test_values = compact(test.block, &kept[1], &test_positions);
            input::reserve_exact(&mut values, test_values.len(), || {
                format!("the features of `{}`", test.path.display())
            })?;
            values.extend_from_slice(&test_values);
            values
        }
        _ => return filled_matrix(&train, test.as_ref(), kept, plan, shape),
    };
    Ok(Array2::from_shape_vec(shape, values).expect("one value per kept row and feature"))
}

/// Moves the values at `positions` of the `rows` of a block to its front, in place (every value
/// moves to an index at most its own, so none is overwritten before it moved), and returns them:
/// the block's memory becomes the feature matrix's.
fn compact(block: Block, rows: &[usize], positions: &[usize]) -> Vec<f32> {
    let Block { width, mut values } = block;
    let mut out = 0;
    for &row in rows {
        for &position in positions {
            values[out] = values[row * width + position];
            out += 1;
        }
    }
    values.truncate(out);
    values.shrink_to_fit();
    values
}

/// A new feature matrix filled from the tables, feature by feature.
fn filled_matrix(
    train: &RawTable,
    test: Option<&RawTable>,
    kept: &[Vec<usize>],
    plan: &[Feature],
    (rows, width): (usize, usize),
) -> Result<Array2<f32>> {
    let mut values: Vec<f32> = Vec::new();
    input::reserve_exact(&mut values, rows * width, || {
        format!("the features of `{}`", train.path.display())
    })?;
    values.resize(rows * width, 0.0);
    let mut features =
        Array2::from_shape_vec((rows, width), values).expect("one value per row and feature");
    let mut at = 0;
    for feature in plan {
        let mut first_row = 0;
        for (table, rows) in std::iter::once(train).chain(test).zip(kept) {
            let mut out = features.slice_mut(ndarray::s![first_row..first_row + rows.len(), ..]);
            fill(&mut out, at, feature, table, rows)?;
            first_row += rows.len();
        }
        at += feature.width();
    }
    Ok(features)
}

/// Writes one input column's features (from column `at` on) for the kept `rows` of `table`.
fn fill(
    out: &mut ndarray::ArrayViewMut2<'_, f32>,
    at: usize,
    feature: &Feature,
    table: &RawTable,
    rows: &[usize],
) -> Result<()> {
    let values = &table.columns[feature.column].values;
    match (&feature.kind, values) {
        (Kind::Number, Values::Text(text)) => {
            // Numbers in the training file, text here (a test file): each must still be a number.
            for (out_row, &row) in rows.iter().enumerate() {
                let Some(value) = text.get(row) else {
                    out[[out_row, at]] = f32::NAN;
                    continue;
                };
                match value.parse::<f64>() {
                    Ok(number) if (number as f32).is_finite() => out[[out_row, at]] = number as f32,
                    _ => {
                        return Err(DataError::at(
                            &table.path,
                            table.place(row),
                            format!(
                                "{} holds `{value}`, but it holds numbers in the training file",
                                table.describe_column(feature.column)
                            ),
                        ))
                    }
                }
            }
        }
        (Kind::Number, _) => {
            for (out_row, &row) in rows.iter().enumerate() {
                let number = table.number(feature.column, row).expect("a numeric column");
                out[[out_row, at]] = number as f32;
            }
        }
        (Kind::OneHot(categories, missing), Values::Text(text)) => {
            let position: Vec<Option<usize>> = text
                .levels
                .iter()
                .map(|level| categories.get(level).copied())
                .collect();
            for (out_row, &row) in rows.iter().enumerate() {
                match text.codes[row] {
                    Text::MISSING => encode_missing(out, out_row, at, categories.len(), *missing),
                    code => {
                        if let Some(p) = position[code as usize] {
                            out[[out_row, at + p]] = 1.0;
                        }
                    }
                }
            }
        }
        (Kind::OneHot(categories, missing), _) => {
            for (out_row, &row) in rows.iter().enumerate() {
                let number = table.number(feature.column, row).unwrap_or(f64::NAN);
                if number.is_nan() {
                    encode_missing(out, out_row, at, categories.len(), *missing);
                } else if let Some(&p) = categories.get(&number_name(number)) {
                    out[[out_row, at + p]] = 1.0;
                }
            }
        }
    }
    Ok(())
}

/// Writes a missing value of a one-hot encoded column of `width` features.
fn encode_missing(
    out: &mut ndarray::ArrayViewMut2<'_, f32>,
    row: usize,
    at: usize,
    width: usize,
    missing: MissingCategory,
) {
    match missing {
        MissingCategory::Zeros => {}
        MissingCategory::Own(position) => out[[row, at + position]] = 1.0,
        MissingCategory::Filled => {
            for feature in at..at + width {
                out[[row, feature]] = f32::NAN;
            }
        }
    }
}

/// A short dataset name from a file: its name without `.gz` and the extension.
pub fn dataset_name(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".to_owned());
    let file = file.strip_suffix(".gz").unwrap_or(&file);
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::raw_table::{Column, Places};
    use crate::data::ClassId;
    use crate::spec::LabelColumn;
    use std::path::PathBuf;

    fn numbers(name: &str, values: &[f64]) -> Column {
        Column {
            name: Some(name.into()),
            values: Values::Numbers(values.to_vec()),
        }
    }

    fn text(name: &str, values: &[&str]) -> Column {
        Column {
            name: Some(name.into()),
            values: Values::Text(values.iter().map(|v| v.to_string()).collect::<Text>()),
        }
    }

    fn table(file: &str, rows: usize, columns: Vec<Column>) -> RawTable {
        RawTable::new(
            PathBuf::from(file),
            Places::Lines((1..=rows as u64).collect()),
            columns,
        )
    }

    /// A table whose first `block_columns` columns are numbers in a block (row-major `values`).
    fn block_table(names: &[&str], values: &[f32], label: Column) -> RawTable {
        let width = names.len();
        let rows = values.len() / width;
        let mut columns: Vec<Column> = names
            .iter()
            .enumerate()
            .map(|(position, name)| Column {
                name: Some(name.to_string()),
                values: Values::Block(position),
            })
            .collect();
        columns.push(label);
        let mut table = table("b.csv", rows, columns);
        table.block = Block {
            width,
            values: values.to_vec(),
        };
        table
    }

    fn encode_with(
        train: RawTable,
        test: Option<RawTable>,
        missing: MissingPolicy,
        index_column: IndexColumn,
    ) -> Result<Dataset> {
        let encoding = Encoding {
            selection: Selection {
                label: &LabelColumn::Last,
                attributes: &[],
                choice: &ColumnChoice::All,
            },
            missing,
            index_column,
            label_kind: LabelKind::Auto,
        };
        encode("t", train, test, &encoding)
    }

    fn encode_plain(train: RawTable, test: Option<RawTable>) -> Result<Dataset> {
        encode_with(train, test, MissingPolicy::ERROR, IndexColumn::Auto)
    }

    #[test]
    fn one_hot_encodes_text_and_sorts_numeric_classes_numerically() {
        let train = table(
            "train.csv",
            3,
            vec![
                numbers("age", &[30.0, 40.0, 50.0]),
                text("colour", &["red", "blue", "red"]),
                numbers("class", &[10.0, 9.0, 10.0]),
            ],
        );
        let data = encode_plain(train, None).unwrap();
        assert_eq!(data.classes, vec!["9", "10"]);
        assert_eq!(data.labels, vec![ClassId(1), ClassId(0), ClassId(1)]);
        assert_eq!(data.feature_names, vec!["age", "colour=blue", "colour=red"]);
        assert_eq!(data.features.row(1).to_vec(), vec![40.0, 1.0, 0.0]);
        assert_eq!(data.test_start, None);
        assert!(data.warnings.is_empty() && data.imputations.is_empty());
    }

    #[test]
    fn a_test_table_uses_training_categories_and_strips_label_dots() {
        let train = table(
            "train.csv",
            3,
            vec![
                text("w", &["a", "b", "a"]),
                text("y", &["<=50K", ">50K", "<=50K"]),
            ],
        );
        let test = table(
            "test.csv",
            2,
            vec![text("w", &["b", "zzz"]), text("y", &[">50K.", "<=50K."])],
        );
        let data = encode_plain(train, Some(test)).unwrap();
        assert_eq!(data.classes, vec!["<=50K", ">50K"]);
        assert_eq!(data.n_points(), 5);
        assert_eq!(data.test_start, Some(3));
        assert_eq!(data.labels[3..], [ClassId(1), ClassId(0)]);
        assert_eq!(data.features.row(3).to_vec(), vec![0.0, 1.0]);
        assert_eq!(
            data.features.row(4).to_vec(),
            vec![0.0, 0.0],
            "unseen: all zero"
        );
    }

    #[test]
    fn blocks_of_numbers_become_the_features_in_place() {
        let train = block_table(
            &["x", "y"],
            &[1.0, 2.0, f32::NAN, 4.0, 5.0, 6.0],
            numbers("class", &[0.0, 1.0, 1.0]),
        );
        let test = block_table(&["x", "y"], &[7.0, 8.0], numbers("class", &[0.0]));
        let data = encode_with(
            train,
            Some(test),
            MissingPolicy::DROP_ROWS,
            IndexColumn::Auto,
        )
        .unwrap();
        assert_eq!(
            data.features.as_slice().unwrap(),
            [1.0, 2.0, 5.0, 6.0, 7.0, 8.0]
        );
        assert_eq!(data.test_start, Some(2));
    }

    #[test]
    fn a_written_row_index_is_left_out_with_a_warning() {
        let index = || {
            block_table(
                &["", "size"],
                &[0.0, 5.0, 1.0, 6.0, 2.0, 5.5, 3.0, 1.0],
                numbers("class", &[1.0, 1.0, 1.0, 0.0]),
            )
        };
        let data = encode_plain(index(), None).unwrap();
        assert_eq!(data.feature_names, ["size"]);
        assert_eq!(data.warnings.len(), 1);
        assert!(
            data.warnings[0].contains("column 0 (no name, holding 0, 1, ..., 3) is the row index"),
            "{:?}",
            data.warnings
        );
        assert!(data.warnings[0].contains("`index_column: keep`"));
        let kept = encode_with(index(), None, MissingPolicy::ERROR, IndexColumn::Keep).unwrap();
        assert_eq!(kept.feature_names, ["", "size"]);
        assert!(kept.warnings.is_empty());
    }

    #[test]
    fn missing_values_are_counted_with_their_lines_or_dropped() {
        let train = || {
            table(
                "train.csv",
                4,
                vec![
                    numbers("x", &[1.0, f64::NAN, 3.0, 4.0]),
                    text("y", &["a", "b", "?", "b"]),
                ],
            )
        };
        let error = encode_plain(train(), None).unwrap_err().to_string();
        assert!(
            error.starts_with("train.csv:2: 2 of 4 rows have a missing value"),
            "{error}"
        );
        assert!(error.contains("on lines 2, 3;"), "{error}");
        let data = encode_with(train(), None, MissingPolicy::DROP_ROWS, IndexColumn::Auto).unwrap();
        assert_eq!(data.n_points(), 2);
        assert_eq!(data.classes, vec!["a", "b"]);
    }

    #[test]
    fn missing_values_can_stay_to_be_filled_in_or_become_a_category() {
        let train = || {
            table(
                "train.csv",
                4,
                vec![
                    numbers("x", &[1.0, f64::NAN, 3.0, 4.0]),
                    text("c", &["u", "?", "v", "u"]),
                    text("y", &["a", "b", "a", "b"]),
                ],
            )
        };
        let policy = |numbers, text| MissingPolicy { numbers, text };
        let data = encode_with(
            train(),
            None,
            policy(MissingNumbers::Median, MissingText::Category),
            IndexColumn::Auto,
        )
        .unwrap();
        assert_eq!(data.feature_names, ["x", "c=(missing)", "c=u", "c=v"]);
        assert_eq!(data.features.row(1)[0].to_bits(), f32::NAN.to_bits());
        assert_eq!(data.features.row(1).to_vec()[1..], [1.0, 0.0, 0.0]);
        assert_eq!(
            data.imputations,
            [Imputation {
                features: 0..1,
                fill: Fill::Median
            }]
        );
        let data = encode_with(
            train(),
            None,
            policy(MissingNumbers::DropRows, MissingText::MostFrequent),
            IndexColumn::Auto,
        )
        .unwrap();
        assert_eq!(data.n_points(), 3, "the row missing x is dropped");
        assert!(data.features.row(0).iter().all(|v| !v.is_nan()));
        assert!(data.imputations.is_empty(), "no kept row misses c");
        let error = encode_with(
            train(),
            None,
            policy(MissingNumbers::Mean, MissingText::Error),
            IndexColumn::Auto,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("here in column 1 (`c`)"), "{error}");
        assert!(
            error.contains("`missing: {numbers: mean, text: category}`"),
            "{error}"
        );
    }

    #[test]
    fn many_categories_are_warned_about() {
        let levels: Vec<String> = (0..150).map(|i| format!("city{i}")).collect();
        let cities: Vec<&str> = levels.iter().map(String::as_str).collect();
        let labels: Vec<f64> = (0..150).map(|i| f64::from(i % 2)).collect();
        let train = table(
            "train.csv",
            150,
            vec![text("city", &cities), numbers("y", &labels)],
        );
        let data = encode_plain(train, None).unwrap();
        assert_eq!(data.n_features(), 150);
        assert!(
            data.warnings[0].contains(
                "column 0 (`city`) has 150 categories, so one-hot encoding adds 150 features"
            ),
            "{:?}",
            data.warnings
        );
    }

    #[test]
    fn bad_label_columns_and_infinities_are_named() {
        let train = || {
            table(
                "train.csv",
                2,
                vec![
                    numbers("x", &[1.0, f64::INFINITY]),
                    numbers("y", &[0.0, 1.0]),
                ],
            )
        };
        let error = encode_plain(train(), None).unwrap_err().to_string();
        assert_eq!(
            error,
            "train.csv:2: column 0 (`x`): inf is not a finite number"
        );
        let encoding = |label| Encoding {
            selection: Selection {
                label,
                attributes: &[],
                choice: &ColumnChoice::All,
            },
            missing: MissingPolicy::ERROR,
            index_column: IndexColumn::Auto,
            label_kind: LabelKind::Auto,
        };
        let named = LabelColumn::Name("z".into());
        let error = encode("t", train(), None, &encoding(&named))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no column named `z`"), "{error}");
        let fifth = LabelColumn::Index(5);
        let error = encode("t", train(), None, &encoding(&fifth))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no column 5"), "{error}");
    }

    #[test]
    fn dataset_names_drop_compression_and_extension() {
        assert_eq!(dataset_name(Path::new("/d/letter.data.gz")), "letter");
        assert_eq!(
            dataset_name(Path::new("t10k-images-idx3-ubyte.gz")),
            "t10k-images-idx3-ubyte"
        );
        assert_eq!(dataset_name(Path::new("x.csv")), "x");
    }
}
