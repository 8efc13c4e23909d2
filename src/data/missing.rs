//! Missing values, row by row: each column read has a treatment under the spec's `missing`
//! policy (by its kind, numbers or text): a missing value there is an error, drops its row, or
//! stays, to be filled in per trial ([`super::impute`]) or taken as a category of its own.
//! Labels are never filled in.

use super::error::{At, DataError, Result};
use super::raw_table::RawTable;
use crate::spec::{MissingNumbers, MissingPolicy, MissingText};

/// How many places a missing-values error lists.
const SHOWN_PLACES: usize = 5;

/// What a missing value in a column leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// An error.
    Error,
    /// Its row is left out.
    DropRow,
    /// It stays (filled in later, or a category).
    Keep,
}

/// What a column read is, for the missing-value policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The label: never filled in.
    Label,
    /// A request column: a missing value stays empty when the policy fills in values.
    Attribute,
    /// A feature.
    Feature,
}

/// The treatment of a missing value in a column of numbers (`numeric`) or text used as `usage`.
pub fn treatment(policy: MissingPolicy, numeric: bool, usage: Use) -> Treatment {
    let (error, drop) = if numeric {
        (
            policy.numbers == MissingNumbers::Error,
            policy.numbers == MissingNumbers::DropRows,
        )
    } else {
        (
            policy.text == MissingText::Error,
            policy.text == MissingText::DropRows,
        )
    };
    match (error, drop, usage) {
        (true, _, _) => Treatment::Error,
        (_, true, _) => Treatment::DropRow,
        (_, _, Use::Label) => Treatment::Error,
        _ => Treatment::Keep,
    }
}

/// The rows of a table kept under the treatments of its columns (`(column, numeric, usage,
/// treatment)`), and for each of those columns whether a kept row misses its value.
pub fn kept_rows(
    table: &RawTable,
    columns: &[(usize, bool, Use, Treatment)],
    policy: MissingPolicy,
) -> Result<(Vec<usize>, Vec<bool>)> {
    let mut kept = Vec::with_capacity(table.n_rows());
    let mut refused: Vec<usize> = Vec::new();
    // The column of the first refused row's missing value.
    let mut refused_column = None;
    let mut kept_missing = vec![false; columns.len()];
    for row in 0..table.n_rows() {
        let mut drop = false;
        let mut error = None;
        for (at, &(column, _, _, treatment)) in columns.iter().enumerate() {
            if !table.is_missing(column, row) {
                continue;
            }
            match treatment {
                Treatment::Error => {
                    error.get_or_insert(at);
                }
                Treatment::DropRow => drop = true,
                Treatment::Keep => {}
            }
        }
        if let Some(at) = error {
            refused_column.get_or_insert(at);
            refused.push(row);
        } else if !drop {
            for (at, &(column, ..)) in columns.iter().enumerate() {
                kept_missing[at] |= table.is_missing(column, row);
            }
            kept.push(row);
        }
    }
    if let Some(at) = refused_column {
        return Err(refused_rows(table, &refused, columns[at], policy));
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
    Ok((kept, kept_missing))
}

/// The error for the rows with a missing value the policy does not allow: how many, where, and
/// what to set instead.
fn refused_rows(
    table: &RawTable,
    refused: &[usize],
    (column, numeric, usage, _): (usize, bool, Use, Treatment),
    policy: MissingPolicy,
) -> DataError {
    let places: Vec<String> = refused
        .iter()
        .take(SHOWN_PLACES)
        .map(|&row| place_number(table.place(row)))
        .collect();
    let first = table.place(refused[0]);
    let unit = match first {
        At::Line(_) => "lines",
        At::Row(_) => "rows",
    };
    let more = if refused.len() > SHOWN_PLACES {
        ", ..."
    } else {
        ""
    };
    let remedy = match (usage, numeric) {
        (Use::Label, _) => {
            "labels are never filled in: set `missing: drop-rows` to leave them out".to_owned()
        }
        (_, true) => format!(
            "set `missing: drop-rows` to leave them out, or fill them in with `missing: {}` (or \
             `mean`, `most-frequent`)",
            with_policy(policy, Some(MissingNumbers::Median), None)
        ),
        (_, false) => format!(
            "set `missing: drop-rows` to leave them out, or `missing: {}` (or `most-frequent`) \
             to fill them in",
            with_policy(policy, None, Some(MissingText::Category))
        ),
    };
    DataError::at(
        &table.path,
        first,
        format!(
            "{} of {} rows have a missing value (`?`, empty, `NA` or `NaN`; here in {}), on \
             {unit} {}{more}; {remedy}",
            refused.len(),
            table.n_rows(),
            table.describe_column(column),
            places.join(", ")
        ),
    )
}

/// The `missing` mapping of `policy` with `numbers` or `text` changed, naming only the kinds that
/// are not `error`.
fn with_policy(
    policy: MissingPolicy,
    numbers: Option<MissingNumbers>,
    text: Option<MissingText>,
) -> String {
    let numbers = numbers.unwrap_or(policy.numbers);
    let text = text.unwrap_or(policy.text);
    let mut items = Vec::new();
    if numbers != MissingNumbers::Error {
        items.push(format!("numbers: {}", numbers.name()));
    }
    if text != MissingText::Error {
        items.push(format!("text: {}", text.name()));
    }
    format!("{{{}}}", items.join(", "))
}

fn place_number(at: At) -> String {
    match at {
        At::Line(n) | At::Row(n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treatments_follow_the_policy_of_the_columns_kind() {
        let policy = MissingPolicy {
            numbers: MissingNumbers::Median,
            text: MissingText::DropRows,
        };
        assert_eq!(treatment(policy, true, Use::Feature), Treatment::Keep);
        assert_eq!(treatment(policy, true, Use::Label), Treatment::Error);
        assert_eq!(treatment(policy, false, Use::Label), Treatment::DropRow);
        assert_eq!(treatment(policy, false, Use::Feature), Treatment::DropRow);
        assert_eq!(
            treatment(MissingPolicy::ERROR, false, Use::Attribute),
            Treatment::Error
        );
    }

    #[test]
    fn suggestions_keep_the_rest_of_the_policy() {
        let median = MissingPolicy {
            numbers: MissingNumbers::Median,
            text: MissingText::Error,
        };
        let category = Some(MissingText::Category);
        assert_eq!(
            with_policy(median, None, category),
            "{numbers: median, text: category}"
        );
        assert_eq!(
            with_policy(MissingPolicy::ERROR, None, category),
            "{text: category}"
        );
    }
}
