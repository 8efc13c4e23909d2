//! The shared intermediate of every file format: named columns of numbers or text, and where
//! each row came from (a line of a text file, or a row number), so later steps can name it.
//!
//! Readers only parse; [`super::features`] turns a table into a [`super::Dataset`] (labels,
//! one-hot encoding, missing values), the same way for every format. Large numeric columns
//! (features) are kept as f32 in one row-major [`Block`], the layout of the dataset's feature
//! matrix, so a table of numbers becomes the matrix in place rather than by a copy.

use std::collections::{HashMap, TryReserveError};
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
    /// The numbers of the [`Values::Block`] columns, row after row.
    pub block: Block,
    /// What reading found worth a warning (none is an error).
    pub warnings: Vec<String>,
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
    /// The name from a header row, the spec's `column_names`, or the file's schema.
    pub name: Option<String>,
    /// The values, one per row.
    pub values: Values,
}

/// The values of a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Numbers, exactly as read (labels, request columns, small tables); a missing value is NaN.
    Numbers(Vec<f64>),
    /// Text, interned: one code per row into the distinct values.
    Text(Text),
    /// Numbers in the table's [`Block`], at this position of each of its rows: finite f32, or
    /// NaN for a missing value.
    Block(usize),
    /// A column that was not read (left out by `columns` or `drop`).
    Skipped,
}

/// Numbers of several columns, row-major: `width` values per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// Values per row.
    pub width: usize,
    /// The values, row after row.
    pub values: Vec<f32>,
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
        self.try_push(value)
            .expect("memory for one more code of a small column");
    }

    /// Appends a value like [`Text::push`], reporting a failed allocation instead of aborting.
    pub fn try_push(&mut self, value: &str) -> Result<(), TryReserveError> {
        self.codes.try_reserve(1)?;
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
        Ok(())
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

impl RawTable {
    /// A table of `columns` without a block and without warnings.
    pub fn new(path: PathBuf, places: Places, columns: Vec<Column>) -> RawTable {
        RawTable {
            path,
            places,
            columns,
            block: Block::default(),
            warnings: Vec::new(),
        }
    }

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

    /// The number in row `row` of a numeric column (NaN when missing); `None` for text and
    /// columns not read.
    pub fn number(&self, column: usize, row: usize) -> Option<f64> {
        match &self.columns[column].values {
            Values::Numbers(numbers) => Some(numbers[row]),
            Values::Block(position) => Some(f64::from(
                self.block.values[row * self.block.width + position],
            )),
            Values::Text(_) | Values::Skipped => None,
        }
    }

    /// Whether row `row` of `column` is missing (never for a column not read).
    pub fn is_missing(&self, column: usize, row: usize) -> bool {
        match &self.columns[column].values {
            Values::Text(text) => text.codes[row] == Text::MISSING,
            _ => self.number(column, row).is_some_and(f64::is_nan),
        }
    }

    /// Row `row` of `column` as text: numbers in their shortest form (`3`, `0.5`), `None` when
    /// missing or not read.
    pub fn text(&self, column: usize, row: usize) -> Option<String> {
        match &self.columns[column].values {
            Values::Text(text) => text.get(row).map(str::to_owned),
            _ => {
                let value = self.number(column, row)?;
                (!value.is_nan()).then(|| number_name(value))
            }
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

/// Why `value` (infinite, or finite but beyond f32's range) cannot be a feature, for messages.
pub fn not_a_float(value: f64) -> String {
    if value.is_finite() {
        format!("{value:e} is too large for a 32-bit float")
    } else {
        format!("{value} is not a finite number")
    }
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
    fn numbers_have_short_names_in_exact_and_block_columns() {
        assert_eq!(number_name(3.0), "3");
        assert_eq!(number_name(-0.0), "0");
        assert_eq!(number_name(0.5), "0.5");
        let mut table = RawTable::new(
            PathBuf::from("t"),
            Places::Rows(2),
            vec![
                Column {
                    name: None,
                    values: Values::Numbers(vec![2.0, f64::NAN]),
                },
                Column {
                    name: None,
                    values: Values::Block(1),
                },
            ],
        );
        table.block = Block {
            width: 2,
            values: vec![0.0, 1.5, 0.0, f32::NAN],
        };
        assert_eq!(table.text(0, 0).as_deref(), Some("2"));
        assert!(table.is_missing(0, 1));
        assert_eq!(table.text(1, 0).as_deref(), Some("1.5"));
        assert!(table.is_missing(1, 1));
    }
}
