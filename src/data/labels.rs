//! Labels to classes: each kept row's label is named (numbers in their shortest form, text
//! trimmed of one trailing `.`), the names of both files become the sorted class list, and a
//! label column that does not look like classes is an error unless the spec says it is one
//! (`label_kind: classes`): numbers that are not whole, or very many distinct values (a
//! continuous quantity, an identifier). One class only is always an error.

use std::collections::HashMap;

use super::dataset::ClassId;
use super::error::{DataError, Result};
use super::raw_table::{number_name, RawTable, Values};
use crate::spec::LabelKind;

/// More classes than this are taken for a continuous quantity or an identifier.
pub const MAX_CLASSES: usize = 1_000;

/// With more classes than this, a label column where fewer than two rows share each class on
/// average is taken for a continuous quantity or an identifier too.
pub const MANY_CLASSES: usize = 100;

/// The class list over both files and each kept row's class.
pub fn classes(
    tables: &[&RawTable],
    kept: &[Vec<usize>],
    label: usize,
    kind: LabelKind,
) -> Result<(Vec<String>, Vec<ClassId>)> {
    let named: Vec<Named> = tables
        .iter()
        .zip(kept)
        .map(|(table, rows)| Named::of(table, label, rows))
        .collect();
    let mut classes: Vec<String> = named
        .iter()
        .flat_map(|named| named.names.iter().cloned())
        .collect();
    classes.sort_unstable();
    classes.dedup();
    let numbers: Option<Vec<f64>> = classes.iter().map(|name| name.parse().ok()).collect();
    if let Some(numbers) = &numbers {
        let mut pairs: Vec<(f64, String)> = numbers.iter().copied().zip(classes).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        classes = pairs.into_iter().map(|(_, name)| name).collect();
    }
    let train = tables[0];
    let rows: usize = kept.iter().map(Vec::len).sum();
    if kind == LabelKind::Auto {
        check_whole_numbers(tables, kept, &named, label)?;
        check_not_too_many(train, label, classes.len(), rows)?;
    }
    if classes.len() < 2 {
        return Err(DataError::invalid(
            &train.path,
            format!(
                "the label, {}, holds one class only (`{}`); a classifier needs at least two \
                 (is `label` the right column?)",
                train.describe_column(label),
                classes.first().map(String::as_str).unwrap_or_default()
            ),
        ));
    }
    let index: HashMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i as u32))
        .collect();
    let labels = named
        .iter()
        .flat_map(|named| {
            let ids: Vec<ClassId> = named
                .names
                .iter()
                .map(|name| ClassId(index[name.as_str()]))
                .collect();
            named.rows.iter().map(move |&local| ids[local as usize])
        })
        .collect();
    Ok((classes, labels))
}

/// The labels of one table's kept rows: the distinct names, and each row's index into them.
struct Named {
    names: Vec<String>,
    rows: Vec<u32>,
}

impl Named {
    fn of(table: &RawTable, label: usize, kept: &[usize]) -> Named {
        let mut names: Vec<String> = Vec::new();
        let mut by_name: HashMap<String, u32> = HashMap::new();
        let mut intern = |name: String| -> u32 {
            let next = by_name.len() as u32;
            *by_name.entry(name.clone()).or_insert_with(|| {
                names.push(name);
                next
            })
        };
        let rows = match &table.columns[label].values {
            Values::Text(text) => {
                // One name per level, so each distinct text is named once.
                let mut level_ids: Vec<Option<u32>> = vec![None; text.levels.len()];
                kept.iter()
                    .map(|&row| {
                        let code = text.codes[row] as usize;
                        *level_ids[code]
                            .get_or_insert_with(|| intern(text_label_name(&text.levels[code])))
                    })
                    .collect()
            }
            _ => {
                let mut by_bits: HashMap<u64, u32> = HashMap::new();
                kept.iter()
                    .map(|&row| {
                        let value = table.number(label, row).expect("a label is read");
                        *by_bits
                            .entry(value.to_bits())
                            .or_insert_with(|| intern(number_name(value)))
                    })
                    .collect()
            }
        };
        Named { names, rows }
    }
}

/// A text label's class name: trimmed, without one trailing `.` (adult's test file writes
/// `>50K.`), and a number in its shortest form.
fn text_label_name(text: &str) -> String {
    let trimmed = text.strip_suffix('.').unwrap_or(text).trim();
    match trimmed.parse::<f64>() {
        Ok(number) if number.is_finite() => number_name(number),
        _ => trimmed.to_owned(),
    }
}

/// Labels that are numbers must be whole: a fraction means a continuous quantity.
fn check_whole_numbers(
    tables: &[&RawTable],
    kept: &[Vec<usize>],
    named: &[Named],
    label: usize,
) -> Result<()> {
    for ((table, rows), named) in tables.iter().zip(kept).zip(named) {
        let fractional = named.names.iter().position(|name| {
            name.parse::<f64>()
                .is_ok_and(|number| number.is_finite() && number.fract() != 0.0)
        });
        if let Some(local) = fractional {
            let at = named.rows.iter().position(|&id| id as usize == local);
            let row = rows[at.expect("a name comes from a row")];
            return Err(DataError::at(
                &table.path,
                table.place(row),
                format!(
                    "the label, {}, holds `{}`, which is not a whole number: sisa learns \
                     classes, not continuous values. Is `label` the right column? If these \
                     numbers are classes, set `label_kind: classes`",
                    table.describe_column(label),
                    named.names[local]
                ),
            ));
        }
    }
    Ok(())
}

/// Very many distinct labels mean a continuous quantity or an identifier, not classes.
fn check_not_too_many(table: &RawTable, label: usize, classes: usize, rows: usize) -> Result<()> {
    let too_many = classes > MAX_CLASSES || (classes > MANY_CLASSES && classes * 2 > rows);
    if too_many {
        return Err(DataError::invalid(
            &table.path,
            format!(
                "the label, {}, holds {classes} distinct values in {rows} rows: too many to be \
                 classes (sisa takes more than {MAX_CLASSES}, or more than {MANY_CLASSES} with \
                 fewer than 2 rows per class, for a continuous quantity or an identifier). Is \
                 `label` the right column? If these are classes, set `label_kind: classes`",
                table.describe_column(label)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::raw_table::{Column, Places, Text};
    use std::path::PathBuf;

    fn table(values: Values) -> RawTable {
        let rows = match &values {
            Values::Numbers(numbers) => numbers.len(),
            Values::Text(text) => text.codes.len(),
            _ => 0,
        };
        RawTable::new(
            PathBuf::from("t.csv"),
            Places::Lines((1..=rows as u64).collect()),
            vec![Column {
                name: Some("y".into()),
                values,
            }],
        )
    }

    fn classes_of(values: Values, kind: LabelKind) -> Result<(Vec<String>, Vec<ClassId>)> {
        let table = table(values);
        let kept: Vec<usize> = (0..table.n_rows()).collect();
        classes(&[&table], &[kept], 0, kind)
    }

    #[test]
    fn numbers_sort_numerically_and_text_loses_a_trailing_dot() {
        let (classes, labels) =
            classes_of(Values::Numbers(vec![10.0, 9.0, 10.0]), LabelKind::Auto).unwrap();
        assert_eq!(classes, ["9", "10"]);
        assert_eq!(labels, [ClassId(1), ClassId(0), ClassId(1)]);
        let text: Text = [">50K.", "<=50K", ">50K"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (classes, labels) = classes_of(Values::Text(text), LabelKind::Auto).unwrap();
        assert_eq!(classes, ["<=50K", ">50K"]);
        assert_eq!(labels, [ClassId(1), ClassId(0), ClassId(1)]);
    }

    #[test]
    fn labels_that_look_continuous_are_refused_unless_declared_classes() {
        let prices = Values::Numbers(vec![1.0, 2.5, 1.0, 3.0]);
        let error = classes_of(prices.clone(), LabelKind::Auto)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "t.csv:2: the label, column 0 (`y`), holds `2.5`, which is not a whole number"
            ),
            "{error}"
        );
        assert!(error.contains("`label_kind: classes`"), "{error}");
        assert_eq!(classes_of(prices, LabelKind::Classes).unwrap().0.len(), 3);
        let distinct = Values::Numbers((0..300).map(f64::from).collect());
        let error = classes_of(distinct.clone(), LabelKind::Auto)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("holds 300 distinct values in 300 rows"),
            "{error}"
        );
        assert!(classes_of(distinct, LabelKind::Classes).is_ok());
    }

    #[test]
    fn one_class_is_refused() {
        let error = classes_of(Values::Numbers(vec![1.0, 1.0]), LabelKind::Classes)
            .unwrap_err()
            .to_string();
        assert!(error.contains("holds one class only (`1`)"), "{error}");
    }
}
