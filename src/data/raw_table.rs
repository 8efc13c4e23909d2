//! The shared intermediate of every file format: named columns of numbers or text, and where
//! each row came from (a line of a text file, or a row number), so later steps can name it.
//!
//! Readers only parse; [`super::features`] turns a table into a [`super::Dataset`] (labels,
//! one-hot encoding, missing values), the same way for every format.

use std::collections::HashMap;
use std::path::PathBuf;

use super::error::At;

/// Columns read from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTable {
    /// The file the rows came from (for messages).
    pub path: PathBuf,
    /// Where each row came from.
    pub places: Places,
    /// The columns, all of the same length.
    pub columns: Vec<Column>,
}

/// Where the rows of a table came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Places {
    /// The line of a text file each row starts on.
    Lines(Vec<u64>),
    /// Rows of a binary file or array, numbered from 1; holds the number of rows.
    Rows(usize),
}

/// One column: its name, when the file names it, and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name from a header row or the file's schema.
    pub name: Option<String>,
    /// The values, one per row.
    pub values: Values,
}

/// The values of a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Numbers; a missing value is NaN.
    Numbers(Vec<f64>),
    /// Text, interned: one code per row into the distinct values.
    Text(Text),
}

/// An interned text column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    /// One code per row: an index into `levels`, or [`Text::MISSING`].
    pub codes: Vec<u32>,
    /// The distinct values, in the order they first appear.
    pub levels: Vec<String>,
    index: HashMap<String, u32>,
}

impl Text {
    /// The code of a missing value.
    pub const MISSING: u32 = u32::MAX;

    /// Appends a value (already trimmed); missing-value markers become [`Text::MISSING`].
    pub fn push(&mut self, value: &str) {
        let code = if is_missing(value) {
            Text::MISSING
        } else if let Some(&code) = self.index.get(value) {
            code
        } else {
            let code = self.levels.len() as u32;
            self.levels.push(value.to_owned());
            self.index.insert(value.to_owned(), code);
            code
        };
        self.codes.push(code);
    }

    /// The value of row `row`, or `None` when it is missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.codes[row] {
            Text::MISSING => None,
            code => Some(&self.levels[code as usize]),
        }
    }
}

impl FromIterator<String> for Text {
    fn from_iter<I: IntoIterator<Item = String>>(values: I) -> Self {
        let mut text = Text::default();
        for value in values {
            text.push(value.trim());
        }
        text
    }
}

impl Values {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::Numbers(numbers) => numbers.len(),
            Values::Text(text) => text.codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `row` is missing.
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Values::Numbers(numbers) => numbers[row].is_nan(),
            Values::Text(text) => text.codes[row] == Text::MISSING,
        }
    }

    /// Row `row` as text: numbers in their shortest form (`3`, `0.5`), `None` when missing.
    pub fn text(&self, row: usize) -> Option<String> {
        match self {
            Values::Numbers(numbers) => {
                let value = numbers[row];
                (!value.is_nan()).then(|| number_name(value))
            }
            Values::Text(text) => text.get(row).map(str::to_owned),
        }
    }
}

impl RawTable {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        match &self.places {
            Places::Lines(lines) => lines.len(),
            Places::Rows(rows) => *rows,
        }
    }

    /// Where row `row` (from 0) came from.
    pub fn place(&self, row: usize) -> At {
        match &self.places {
            Places::Lines(lines) => At::Line(lines[row]),
            Places::Rows(_) => At::Row(row as u64 + 1),
        }
    }

    /// How messages name column `index`: `column 3` or `column 3 (`age`)`.
    pub fn describe_column(&self, index: usize) -> String {
        match &self.columns[index].name {
            Some(name) => format!("column {index} (`{name}`)"),
            None => format!("column {index}"),
        }
    }
}

/// Whether a field marks a missing value: empty, `?`, `NA` or `NaN` (any case).
pub fn is_missing(value: &str) -> bool {
    value.is_empty()
        || value == "?"
        || value.eq_ignore_ascii_case("na")
        || value.eq_ignore_ascii_case("nan")
}

/// A number in its shortest text form, as class names and one-hot categories show it.
pub fn number_name(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_intern_values_and_mark_missing_ones() {
        let text: Text = ["b", "a", "?", "b", "NA", "nan", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(text.levels, vec!["b", "a"]);
        assert_eq!(text.codes[..4], [0, 1, Text::MISSING, 0]);
        assert!(text.codes[4..].iter().all(|&c| c == Text::MISSING));
        assert_eq!(text.get(1), Some("a"));
    }

    #[test]
    fn numbers_have_short_names() {
        assert_eq!(number_name(3.0), "3");
        assert_eq!(number_name(-0.0), "0");
        assert_eq!(number_name(0.5), "0.5");
        let values = Values::Numbers(vec![2.0, f64::NAN]);
        assert_eq!(values.text(0).as_deref(), Some("2"));
        assert!(values.is_missing(1));
    }
}
