//! From tables to a [`Dataset`], the same for every file format: find the label column, map
//! labels to a sorted class list, keep numeric columns as they are, one-hot encode text columns
//! (categories from the training file), and apply the missing-value policy.

use std::collections::HashMap;
use std::path::Path;

use ndarray::Array2;

use super::dataset::{ClassId, Dataset};
use super::error::{At, DataError, Result};
use super::input;
use super::raw_table::{number_name, RawTable, Values};
use crate::spec::{LabelColumn, MissingPolicy};

/// Most categories a text column may have before one-hot encoding refuses it.
pub const MAX_CATEGORIES: usize = 1_000;

/// How many places a missing-values error lists.
const SHOWN_PLACES: usize = 5;

/// Builds a dataset from a training table and an optional test table (rows appended after the
/// training rows, see [`Dataset::test_start`]).
///
/// - Labels: the `label` column. Numbers are named in their shortest form (`3`, `0.5`); text is
///   trimmed and loses one trailing `.` (so adult's test labels `>50K.` match `>50K`). Classes are
///   the distinct names of both files, sorted numerically when all are numbers, else as text.
/// - Features: every other column. Numbers stay as they are (stored as f32); text columns are
///   one-hot encoded into `column=value` features, with the categories of the training file
///   (sorted); a test value the training file does not have encodes as all zeros.
/// - Missing values (NaN, or text `?`, empty, `NA`, `NaN`): an error listing how many rows and
///   where, or those rows are dropped, as `missing` says. Infinite numbers are always an error.
/// - Attributes: the `attributes` columns (those a request distribution reads) are kept apart
///   from the features, their values as text, in [`Dataset::attributes`].
pub fn encode(
    name: &str,
    train: &RawTable,
    test: Option<&RawTable>,
    label: &LabelColumn,
    attributes: &[LabelColumn],
    missing: MissingPolicy,
) -> Result<Dataset> {
    let label_index = label_column(train, label, "label")?;
    let mut excluded = vec![label_index];
    for attribute in attributes {
        let index = label_column(train, attribute, "unlearning.column")?;
        if excluded.contains(&index) {
            return Err(DataError::invalid(
                &train.path,
                format!(
                    "{} is the label column, so `unlearning.column` cannot read it",
                    train.describe_column(index)
                ),
            ));
        }
        excluded.push(index);
    }
    if let Some(test) = test {
        check_same_columns(train, test)?;
    }
    let tables: Vec<&RawTable> = std::iter::once(train).chain(test).collect();
    let mut kept: Vec<Vec<usize>> = Vec::new();
    for table in &tables {
        check_finite(table)?;
        kept.push(kept_rows(table, missing)?);
    }
    let (classes, labels) = classes(&tables, &kept, label_index);
    let plan = feature_plan(train, &kept[0], &excluded)?;
    let n_rows: usize = kept.iter().map(Vec::len).sum();
    let width: usize = plan.iter().map(Feature::width).sum();
    input::check_matrix(&train.path, n_rows as u64, width as u64)?;
    let mut features = Array2::<f32>::zeros((n_rows, width));
    let mut at = 0;
    for feature in &plan {
        let mut first_row = 0;
        for (table, rows) in tables.iter().zip(&kept) {
            let mut out = features.slice_mut(ndarray::s![first_row..first_row + rows.len(), ..]);
            fill(&mut out, at, feature, table, rows)?;
            first_row += rows.len();
        }
        at += feature.width();
    }
    let feature_names = plan
        .iter()
        .flat_map(|feature| feature.names(train))
        .collect();
    let attributes = excluded[1..]
        .iter()
        .zip(attributes)
        .map(|(&index, attribute)| {
            let name = attribute.reference();
            let values = tables
                .iter()
                .zip(&kept)
                .flat_map(|(table, rows)| {
                    let column = &table.columns[index].values;
                    rows.iter()
                        .map(move |&row| column.text(row).unwrap_or_default())
                })
                .collect();
            (name, values)
        })
        .collect();
    Ok(Dataset {
        name: name.to_owned(),
        features,
        feature_names,
        labels,
        classes,
        test_start: test.map(|_| kept[0].len()),
        attributes,
        sparse: Default::default(),
    })
}

/// The index of the column `label` names, for the spec key `key` (`label`, `unlearning.column`).
fn label_column(table: &RawTable, label: &LabelColumn, key: &str) -> Result<usize> {
    let n = table.columns.len();
    if n < 2 {
        return Err(DataError::invalid(
            &table.path,
            format!("has {n} column; a label and at least one feature are needed"),
        ));
    }
    match label {
        LabelColumn::First => Ok(0),
        LabelColumn::Last => Ok(n - 1),
        LabelColumn::Index(index) if *index < n => Ok(*index),
        LabelColumn::Index(index) => Err(DataError::invalid(
            &table.path,
            format!(
                "has no column {index} for `{key}`: its {n} columns are numbered 0 to {}",
                n - 1
            ),
        )),
        LabelColumn::Name(wanted) => {
            let names: Vec<&str> = table
                .columns
                .iter()
                .filter_map(|column| column.name.as_deref())
                .collect();
            let matches: Vec<usize> = table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, column)| column.name.as_deref() == Some(wanted.as_str()))
                .map(|(index, _)| index)
                .collect();
            match matches.as_slice() {
                [index] => Ok(*index),
                [] => {
                    let hint = crate::spec::yaml::closest(wanted, &names)
                        .map(|name| format!("; did you mean `{name}`?"))
                        .unwrap_or_default();
                    let shown: Vec<String> =
                        names.iter().take(20).map(|n| format!("`{n}`")).collect();
                    let more = if names.len() > 20 { ", ..." } else { "" };
                    Err(DataError::invalid(
                        &table.path,
                        format!(
                            "has no column named `{wanted}` for `{key}`{hint} (columns: {}{more})",
                            shown.join(", ")
                        ),
                    ))
                }
                _ => Err(DataError::invalid(
                    &table.path,
                    format!(
                        "has {} columns named `{wanted}`; give the `{key}` column by index",
                        matches.len()
                    ),
                )),
            }
        }
    }
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

/// Infinite numbers (or numbers too large for f32) are errors whatever the missing policy.
fn check_finite(table: &RawTable) -> Result<()> {
    for (index, column) in table.columns.iter().enumerate() {
        if let Values::Numbers(numbers) = &column.values {
            if let Some(row) = numbers
                .iter()
                .position(|&v| !v.is_nan() && !(v as f32).is_finite())
            {
                let value = numbers[row];
                let what = if value.is_finite() {
                    format!("{value} is too large for a 32-bit float")
                } else {
                    format!("{value} is not a finite number")
                };
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

/// The rows to keep under the missing-value policy.
fn kept_rows(table: &RawTable, policy: MissingPolicy) -> Result<Vec<usize>> {
    let mut kept = Vec::with_capacity(table.n_rows());
    let mut dropped: Vec<usize> = Vec::new();
    for row in 0..table.n_rows() {
        if table.columns.iter().any(|c| c.values.is_missing(row)) {
            dropped.push(row);
        } else {
            kept.push(row);
        }
    }
    if policy == MissingPolicy::Error && !dropped.is_empty() {
        let places: Vec<String> = dropped
            .iter()
            .take(SHOWN_PLACES)
            .map(|&row| place_number(table.place(row)))
            .collect();
        let first = table.place(dropped[0]);
        let unit = match first {
            At::Line(_) => "lines",
            At::Row(_) => "rows",
        };
        let more = if dropped.len() > SHOWN_PLACES {
            ", ..."
        } else {
            ""
        };
        let column = table
            .columns
            .iter()
            .position(|c| c.values.is_missing(dropped[0]))
            .expect("a dropped row has a missing value");
        return Err(DataError::at(
            &table.path,
            first,
            format!(
                "{} of {} rows have a missing value (`?`, empty, `NA` or `NaN`; here in {}), \
                 on {unit} {}{more}; set `missing: drop-rows` to leave them out",
                dropped.len(),
                table.n_rows(),
                table.describe_column(column),
                places.join(", ")
            ),
        ));
    }
    if kept.is_empty() {
        return Err(DataError::invalid(
            &table.path,
            format!(
                "has no rows left: all {} have a missing value",
                table.n_rows()
            ),
        ));
    }
    Ok(kept)
}

fn place_number(at: At) -> String {
    match at {
        At::Line(n) | At::Row(n) => n.to_string(),
    }
}

/// The class list over both files and each kept row's class.
fn classes(tables: &[&RawTable], kept: &[Vec<usize>], label: usize) -> (Vec<String>, Vec<ClassId>) {
    let names: Vec<String> = tables
        .iter()
        .zip(kept)
        .flat_map(|(table, rows)| rows.iter().map(move |&row| label_name(table, label, row)))
        .collect();
    let mut classes: Vec<String> = names.clone();
    classes.sort_unstable();
    classes.dedup();
    let numbers: Option<Vec<f64>> = classes.iter().map(|name| name.parse().ok()).collect();
    if let Some(numbers) = numbers {
        let mut pairs: Vec<(f64, String)> = numbers.into_iter().zip(classes).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        classes = pairs.into_iter().map(|(_, name)| name).collect();
    }
    let index: HashMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i as u32))
        .collect();
    let labels = names
        .iter()
        .map(|name| ClassId(index[name.as_str()]))
        .collect();
    (classes, labels)
}

/// A label's class name: a number in its shortest form, or text without one trailing `.`.
fn label_name(table: &RawTable, label: usize, row: usize) -> String {
    let values = &table.columns[label].values;
    let name = values
        .text(row)
        .expect("rows with a missing label were dropped");
    match values {
        Values::Numbers(_) => name,
        Values::Text(_) => {
            let trimmed = name.strip_suffix('.').unwrap_or(&name).trim();
            match trimmed.parse::<f64>() {
                Ok(number) if number.is_finite() => number_name(number),
                _ => trimmed.to_owned(),
            }
        }
    }
}

/// One input column's features.
struct Feature {
    column: usize,
    kind: Kind,
}

enum Kind {
    Number,
    /// Category -> position among this column's features.
    OneHot(HashMap<String, usize>),
}

impl Feature {
    fn width(&self) -> usize {
        match &self.kind {
            Kind::Number => 1,
            Kind::OneHot(categories) => categories.len(),
        }
    }

    fn names(&self, table: &RawTable) -> Vec<String> {
        let column = table.columns[self.column]
            .name
            .clone()
            .unwrap_or_else(|| self.column.to_string());
        match &self.kind {
            Kind::Number => vec![column],
            Kind::OneHot(categories) => {
                let mut names = vec![String::new(); categories.len()];
                for (category, &position) in categories {
                    names[position] = format!("{column}={category}");
                }
                names
            }
        }
    }
}

/// The features of every non-label column of the training table.
fn feature_plan(train: &RawTable, kept: &[usize], excluded: &[usize]) -> Result<Vec<Feature>> {
    let mut plan = Vec::new();
    for (index, column) in train.columns.iter().enumerate() {
        if excluded.contains(&index) {
            continue;
        }
        let kind = match &column.values {
            Values::Numbers(_) => Kind::Number,
            Values::Text(text) => {
                let mut present = vec![false; text.levels.len()];
                for &row in kept {
                    present[text.codes[row] as usize] = true;
                }
                let mut categories: Vec<&String> = text
                    .levels
                    .iter()
                    .zip(&present)
                    .filter(|(_, &p)| p)
                    .map(|(level, _)| level)
                    .collect();
                if categories.len() > MAX_CATEGORIES {
                    return Err(DataError::invalid(
                        &train.path,
                        format!(
                            "{} holds {} distinct text values, more than the {MAX_CATEGORIES} \
                             sisa one-hot encodes; is it an identifier or free text? Leave it \
                             out of the file",
                            train.describe_column(index),
                            categories.len()
                        ),
                    ));
                }
                categories.sort_unstable();
                Kind::OneHot(
                    categories
                        .into_iter()
                        .enumerate()
                        .map(|(position, category)| (category.clone(), position))
                        .collect(),
                )
            }
        };
        plan.push(Feature {
            column: index,
            kind,
        });
    }
    Ok(plan)
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
        (Kind::Number, Values::Numbers(numbers)) => {
            for (out_row, &row) in rows.iter().enumerate() {
                out[[out_row, at]] = numbers[row] as f32;
            }
        }
        (Kind::Number, Values::Text(text)) => {
            // Numbers in the training file, text here (a test file): each must still be a number.
            for (out_row, &row) in rows.iter().enumerate() {
                let value = text.get(row).unwrap_or_default();
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
        (Kind::OneHot(categories), Values::Text(text)) => {
            let position: Vec<Option<usize>> = text
                .levels
                .iter()
                .map(|level| categories.get(level).copied())
                .collect();
            for (out_row, &row) in rows.iter().enumerate() {
                if let Some(p) = position[text.codes[row] as usize] {
                    out[[out_row, at + p]] = 1.0;
                }
            }
        }
        (Kind::OneHot(categories), Values::Numbers(numbers)) => {
            for (out_row, &row) in rows.iter().enumerate() {
                if let Some(&p) = categories.get(&number_name(numbers[row])) {
                    out[[out_row, at + p]] = 1.0;
                }
            }
        }
    }
    Ok(())
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
    use crate::data::raw_table::{Column, Places, Text};
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

    fn table(file: &str, columns: Vec<Column>) -> RawTable {
        let rows = columns[0].values.len();
        RawTable {
            path: PathBuf::from(file),
            places: Places::Lines((1..=rows as u64).collect()),
            columns,
        }
    }

    #[test]
    fn one_hot_encodes_text_and_sorts_numeric_classes_numerically() {
        let train = table(
            "train.csv",
            vec![
                numbers("age", &[30.0, 40.0, 50.0]),
                text("colour", &["red", "blue", "red"]),
                numbers("class", &[10.0, 9.0, 10.0]),
            ],
        );
        let data = encode(
            "t",
            &train,
            None,
            &LabelColumn::Last,
            &[],
            MissingPolicy::Error,
        )
        .unwrap();
        assert_eq!(data.classes, vec!["9", "10"]);
        assert_eq!(data.labels, vec![ClassId(1), ClassId(0), ClassId(1)]);
        assert_eq!(data.feature_names, vec!["age", "colour=blue", "colour=red"]);
        assert_eq!(data.features.row(1).to_vec(), vec![40.0, 1.0, 0.0]);
        assert_eq!(data.test_start, None);
    }

    #[test]
    fn a_test_table_uses_training_categories_and_strips_label_dots() {
        let train = table(
            "train.csv",
            vec![
                text("w", &["a", "b", "a"]),
                text("y", &["<=50K", ">50K", "<=50K"]),
            ],
        );
        let test = table(
            "test.csv",
            vec![text("w", &["b", "zzz"]), text("y", &[">50K.", "<=50K."])],
        );
        let data = encode(
            "t",
            &train,
            Some(&test),
            &LabelColumn::Last,
            &[],
            MissingPolicy::Error,
        )
        .unwrap();
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
    fn missing_values_are_counted_with_their_lines_or_dropped() {
        let train = table(
            "train.csv",
            vec![
                numbers("x", &[1.0, f64::NAN, 3.0, 4.0]),
                text("y", &["a", "b", "?", "a"]),
            ],
        );
        let error = encode(
            "t",
            &train,
            None,
            &LabelColumn::Last,
            &[],
            MissingPolicy::Error,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("train.csv:2: 2 of 4 rows have a missing value"),
            "{error}"
        );
        assert!(error.contains("on lines 2, 3;"), "{error}");
        let data = encode(
            "t",
            &train,
            None,
            &LabelColumn::Last,
            &[],
            MissingPolicy::DropRows,
        )
        .unwrap();
        assert_eq!(data.n_points(), 2);
        assert_eq!(data.classes, vec!["a"]);
    }

    #[test]
    fn bad_label_columns_and_infinities_are_named() {
        let train = table(
            "train.csv",
            vec![
                numbers("x", &[1.0, f64::INFINITY]),
                numbers("y", &[0.0, 1.0]),
            ],
        );
        let error = encode(
            "t",
            &train,
            None,
            &LabelColumn::Last,
            &[],
            MissingPolicy::Error,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "train.csv:2: column 0 (`x`): inf is not a finite number"
        );
        let error = encode(
            "t",
            &train,
            None,
            &LabelColumn::Name("z".into()),
            &[],
            MissingPolicy::Error,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("no column named `z`"), "{error}");
        let error = encode(
            "t",
            &train,
            None,
            &LabelColumn::Index(5),
            &[],
            MissingPolicy::Error,
        )
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
