//! LIBSVM / SVMlight text (`label index:value index:value ... # comment`), optionally
//! gzip-compressed, into dense [`RawTable`]s: the label first, then one column per feature index.
//!
//! Indices count from 1 as the format specifies, unless some index in the training or test file
//! is 0, in which case they count from 0 (scikit-learn's `zero_based="auto"`). Absent entries are
//! 0. Indices must increase along a line; `qid:` entries are ignored.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use super::error::{At, DataError, Result};
use super::input;
use super::limits;
use super::raw_table::{not_a_float, Block, Column, Places, RawTable, Text, Values};

/// What an entry of a sparse row costs while a file is read, in values (4 bytes each) counted
/// against [`limits::FEATURE_VALUES`]: its index and value.
const ENTRY_VALUES: u64 = 4;

/// What a row costs besides its entries, in values: its line, label and end, and the bookkeeping
/// every table row has ([`limits::ROW_OVERHEAD_VALUES`]).
const ROW_VALUES: u64 = 12 + limits::ROW_OVERHEAD_VALUES;

/// The rows of one LIBSVM file, still sparse.
#[derive(Debug, Clone, PartialEq)]
pub struct Sparse {
    path: PathBuf,
    lines: Vec<u64>,
    labels: Vec<String>,
    /// Per row, the end of its entries in `entries` (rows are consecutive).
    ends: Vec<usize>,
    entries: Vec<(u64, f64)>,
}

/// Reads one LIBSVM file, streamed line by line: a line may take at most
/// [`limits::LINE_BYTES`], and the rows and entries together at most [`limits::FEATURE_VALUES`].
pub fn read(path: &Path) -> Result<Sparse> {
    let mut reader = input::text_reader(path)?;
    let line_limit = limits::LINE_BYTES.value()?;
    let budget = limits::FEATURE_VALUES.value()?;
    let mut sparse = Sparse::new(path);
    let mut bytes = Vec::new();
    for number in 1u64.. {
        bytes.clear();
        (&mut reader)
            .take(line_limit + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(|error| input::read_error(path, error))?;
        if bytes.is_empty() {
            break;
        }
        if bytes.len() as u64 > line_limit {
            let what = format!("line {number} runs on without a line break");
            return Err(input::limit_error(
                path,
                &limits::LINE_BYTES,
                line_limit,
                what,
            ));
        }
        let line = std::str::from_utf8(&bytes).map_err(|_| {
            DataError::at(
                path,
                At::Line(number),
                "is not UTF-8 text (is it a binary file? give its `format`)",
            )
        })?;
        sparse.parse_line(number, line)?;
        sparse.check_budget(number, budget)?;
    }
    sparse.finish()
}

#[cfg(test)]
fn parse(path: &Path, text: &str) -> Result<Sparse> {
    let mut sparse = Sparse::new(path);
    for (number, line) in text.lines().enumerate() {
        sparse.parse_line(number as u64 + 1, line)?;
    }
    sparse.finish()
}

impl Sparse {
    fn new(path: &Path) -> Sparse {
        Sparse {
            path: path.to_owned(),
            lines: Vec::new(),
            labels: Vec::new(),
            ends: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// The rows and entries read by line `number` must fit `budget` values, bookkeeping included.
    fn check_budget(&self, number: u64, budget: u64) -> Result<()> {
        let (rows, entries) = (self.lines.len() as u64, self.entries.len() as u64);
        let used = rows * ROW_VALUES + entries * ENTRY_VALUES;
        if used <= budget {
            return Ok(());
        }
        let what = format!(
            "holds {rows} rows and {entries} entries by line {number}, {used} values with their \
             bookkeeping (each row counts as {ROW_VALUES}, each entry as {ENTRY_VALUES})"
        );
        Err(input::limit_error(
            &self.path,
            &limits::FEATURE_VALUES,
            budget,
            what,
        ))
    }

    /// The rows read, unless there are none.
    fn finish(self) -> Result<Sparse> {
        if self.lines.is_empty() {
            return Err(DataError::invalid(&self.path, "holds no rows of data"));
        }
        Ok(self)
    }

    /// Adds line `line_number` (`line`, with or without its line break), unless it is blank.
    fn parse_line(&mut self, line_number: u64, line: &str) -> Result<()> {
        let Sparse {
            path,
            lines,
            labels,
            ends,
            entries,
        } = self;
        let path: &Path = path;
        let content = line.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            return Ok(());
        }
        let error = |message: String| DataError::at(path, At::Line(line_number), message);
        let mut items = content.split_ascii_whitespace();
        let label = items.next().expect("a non-empty line has an item");
        if label.contains(':') {
            return Err(error(format!(
                "starts with `{label}`; a line starts with its label, then index:value pairs"
            )));
        }
        let mut previous: Option<u64> = None;
        for item in items {
            let Some((index, value)) = item.split_once(':') else {
                return Err(error(format!("`{item}` is not an index:value pair")));
            };
            if index == "qid" {
                continue;
            }
            let index: u64 = index
                .parse()
                .map_err(|_| error(format!("`{item}`: the index is not a whole number >= 0")))?;
            let value: f64 = value
                .parse()
                .map_err(|_| error(format!("`{item}`: the value is not a number")))?;
            if previous.is_some_and(|p| index <= p) {
                return Err(error(format!(
                    "index {index} follows index {}; indices must increase along a line",
                    previous.unwrap_or_default()
                )));
            }
            previous = Some(index);
            input::reserve(entries, 1, || {
                format!("the entries of `{}`", path.display())
            })?;
            entries.push((index, value));
        }
        lines.push(line_number);
        labels.push(label.to_owned());
        ends.push(entries.len());
        Ok(())
    }
}

/// Dense tables of the training file and the optional test file, with the same features.
pub fn to_tables(train: Sparse, test: Option<Sparse>) -> Result<(RawTable, Option<RawTable>)> {
    let files: Vec<&Sparse> = std::iter::once(&train).chain(test.as_ref()).collect();
    let zero_based = files
        .iter()
        .any(|file| file.entries.iter().any(|&(index, _)| index == 0));
    let largest = files
        .iter()
        .flat_map(|file| file.entries.iter().map(|&(index, _)| index))
        .max()
        .unwrap_or(0);
    let width = if zero_based { largest + 1 } else { largest };
    let rows: u64 = files.iter().map(|file| file.lines.len() as u64).sum();
    input::check_matrix(&train.path, rows, width.max(1))?;
    let dense = |file| dense(file, width.max(1) as usize, zero_based);
    Ok((dense(train)?, test.map(dense).transpose()?))
}

/// The table of one file: the label, then one feature column per index (in the block).
fn dense(file: Sparse, width: usize, zero_based: bool) -> Result<RawTable> {
    let rows = file.lines.len();
    let first = usize::from(!zero_based);
    let mut values: Vec<f32> = Vec::new();
    input::reserve_exact(&mut values, rows * width, || {
        format!("the features of `{}`", file.path.display())
    })?;
    values.resize(rows * width, 0.0);
    let mut start = 0;
    for (row, &end) in file.ends.iter().enumerate() {
        for &(index, value) in &file.entries[start..end] {
            let column = (index as usize) - first;
            if !value.is_nan() && !(value as f32).is_finite() {
                let what = not_a_float(value);
                return Err(DataError::at(
                    &file.path,
                    At::Line(file.lines[row]),
                    format!("column {} (`{index}`): {what}", column + 1),
                ));
            }
            values[row * width + column] = value as f32;
        }
        start = end;
    }
    let label = Column {
        name: Some("label".to_owned()),
        values: Values::Text(file.labels.into_iter().collect::<Text>()),
    };
    let features = (0..width).map(|column| Column {
        name: Some((column + first).to_string()),
        values: Values::Block(column),
    });
    let mut table = RawTable::new(
        file.path,
        Places::Lines(file.lines),
        std::iter::once(label).chain(features).collect(),
    );
    table.block = Block { width, values };
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(table: &RawTable, column: usize) -> Vec<f64> {
        (0..table.n_rows())
            .map(|row| table.number(column, row).expect("numbers"))
            .collect()
    }

    #[test]
    fn reads_sparse_rows_into_dense_columns() {
        let train = parse(
            Path::new("a.svm"),
            "+1 1:0.5 3:2 # comment\n\n-1 qid:3 2:1\n",
        )
        .unwrap();
        let test = parse(Path::new("b.svm"), "1 4:7\n").unwrap();
        let (train, test) = to_tables(train, Some(test)).unwrap();
        let test = test.unwrap();
        assert_eq!(train.columns.len(), 1 + 4, "label + indices 1..=4");
        assert_eq!(numbers(&train, 1), vec![0.5, 0.0]);
        assert_eq!(numbers(&train, 3), vec![2.0, 0.0]);
        assert_eq!(numbers(&test, 4), vec![7.0]);
        assert_eq!(train.places, Places::Lines(vec![1, 3]));
        assert_eq!(train.columns[1].name.as_deref(), Some("1"));
    }

    #[test]
    fn an_index_of_zero_makes_indices_count_from_zero() {
        let train = parse(Path::new("a.svm"), "0 0:1 2:3\n").unwrap();
        let (train, _) = to_tables(train, None).unwrap();
        assert_eq!(train.columns.len(), 1 + 3);
        assert_eq!(numbers(&train, 1), vec![1.0]);
        assert_eq!(train.columns[1].name.as_deref(), Some("0"));
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "1 1:2\n1 3:x\n",
                "a.svm:2: `3:x`: the value is not a number",
            ),
            ("1 1:2\n1 2:1 2:3\n", "a.svm:2: index 2 follows index 2"),
            ("1 1:2 5\n", "a.svm:1: `5` is not an index:value pair"),
            ("1:2 3:4\n", "a.svm:1: starts with `1:2`"),
        ];
        for (text, expected) in cases {
            let error = parse(Path::new("a.svm"), text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
        let huge = parse(Path::new("a.svm"), "1 4000000000:1\n").unwrap();
        let error = to_tables(huge, None).unwrap_err().to_string();
        assert!(error.contains("more than the limit"), "{error}");
        let infinite = parse(Path::new("a.svm"), "1 1:2\n1 2:1e999\n").unwrap();
        let error = to_tables(infinite, None).unwrap_err().to_string();
        assert_eq!(error, "a.svm:2: column 2 (`2`): inf is not a finite number");
    }
}
