//! Delimited text (CSV, TSV, any one-byte separator), optionally gzip-compressed, into a
//! [`RawTable`].
//!
//! Fields may be quoted with `"` (a quoted field may hold separators, line breaks and `""` for a
//! quote); unquoted fields are trimmed of spaces and tabs (unless the separator is one), so
//! adult's `, ` separators need no option. Blank lines are skipped. Every row must have as many
//! fields as the first. A column is numeric when every value in it (missing ones aside) is a
//! number, otherwise text.

use std::borrow::Cow;
use std::path::Path;

use super::error::{At, DataError, Result};
use super::input;
use super::raw_table::{is_missing, Column, Places, RawTable, Text, Values};

/// Reads a delimited text file; `header` says whether its first row names the columns.
pub fn read(path: &Path, separator: char, header: bool) -> Result<RawTable> {
    let bytes = input::read_all(path)?;
    let text = input::text(path, &bytes)?;
    parse(path, text, separator as u8, header)
}

/// Parses delimited text into a table (two passes: the first finds each column's kind and keeps
/// the numbers, the second collects the text columns, if any).
fn parse(path: &Path, text: &str, separator: u8, header: bool) -> Result<RawTable> {
    let mut records = Records::new(text, separator);
    let mut fields: Vec<Cow<'_, str>> = Vec::new();
    let mut names: Option<Vec<String>> = None;
    if header {
        match records.next(&mut fields).map_err(|e| e.into_error(path))? {
            Some(_) => names = Some(fields.iter().map(|f| f.to_string()).collect()),
            None => return Err(DataError::invalid(path, "is empty")),
        }
    }
    // The field count every row must have, and where it was set.
    let mut expected: Option<(usize, String)> = names
        .as_ref()
        .map(|names| (names.len(), "the header".to_owned()));
    let mut lines: Vec<u64> = Vec::new();
    let mut numbers: Vec<Vec<f64>> = Vec::new();
    // Per column: the first row whose value is not a number, and how many such rows.
    let mut not_numbers: Vec<(usize, usize)> = Vec::new();
    while let Some(line) = records.next(&mut fields).map_err(|e| e.into_error(path))? {
        let (n, reference) = expected.get_or_insert_with(|| (fields.len(), format!("line {line}")));
        let n = *n;
        if fields.len() != n {
            return Err(DataError::at(
                path,
                At::Line(line),
                format!(
                    "has {} fields, but {reference} has {n} (separator `{}`)",
                    fields.len(),
                    (separator as char).escape_default()
                ),
            ));
        }
        if numbers.is_empty() {
            numbers = vec![Vec::new(); n];
            not_numbers = vec![(usize::MAX, 0); n];
        }
        let row = lines.len();
        lines.push(line);
        for (column, field) in fields.iter().enumerate() {
            let (first, count) = &mut not_numbers[column];
            if *count > 0 {
                *count += usize::from(!is_number_or_missing(field));
                continue;
            }
            if is_missing(field) {
                numbers[column].push(f64::NAN);
            } else if let Ok(value) = field.parse::<f64>() {
                numbers[column].push(value);
            } else {
                *first = row;
                *count = 1;
                numbers[column] = Vec::new();
            }
        }
    }
    if lines.is_empty() {
        return Err(DataError::invalid(path, "holds no rows of data"));
    }
    if !header && lines.len() > 1 {
        if let Some(column) = not_numbers
            .iter()
            .position(|&(first, count)| first == 0 && count == 1)
        {
            return Err(DataError::at(
                path,
                At::Line(lines[0]),
                format!(
                    "column {column} holds `{}` here but a number on every other line: is this \
                     line a header? Set `header: true`",
                    first_field(text, separator, column).unwrap_or_default()
                ),
            ));
        }
    }
    let text_columns: Vec<bool> = not_numbers.iter().map(|&(_, count)| count > 0).collect();
    let mut texts: Vec<Option<Text>> = text_columns
        .iter()
        .map(|&is_text| is_text.then(Text::default))
        .collect();
    if text_columns.iter().any(|&t| t) {
        let mut records = Records::new(text, separator);
        if header {
            records.next(&mut fields).map_err(|e| e.into_error(path))?;
        }
        while records
            .next(&mut fields)
            .map_err(|e| e.into_error(path))?
            .is_some()
        {
            for (text, field) in texts.iter_mut().zip(&fields) {
                if let Some(text) = text {
                    text.push(field);
                }
            }
        }
    }
    let columns = numbers
        .into_iter()
        .zip(texts)
        .enumerate()
        .map(|(index, (numbers, text))| Column {
            name: names.as_ref().map(|names| names[index].clone()),
            values: match text {
                Some(text) => Values::Text(text),
                None => Values::Numbers(numbers),
            },
        })
        .collect();
    Ok(RawTable {
        path: path.to_owned(),
        places: Places::Lines(lines),
        columns,
    })
}

fn is_number_or_missing(field: &str) -> bool {
    is_missing(field) || field.parse::<f64>().is_ok()
}

/// Field `column` of the first record, for messages.
fn first_field(text: &str, separator: u8, column: usize) -> Option<String> {
    let mut fields = Vec::new();
    Records::new(text, separator).next(&mut fields).ok()??;
    fields.get(column).map(|f| f.to_string())
}

/// A syntax error at a line.
struct SyntaxError {
    line: u64,
    message: String,
}

impl SyntaxError {
    fn into_error(self, path: &Path) -> DataError {
        DataError::at(path, At::Line(self.line), self.message)
    }
}

/// The records of delimited text, one at a time.
struct Records<'a> {
    text: &'a str,
    position: usize,
    /// The line `position` is on, from 1.
    line: u64,
    separator: u8,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, separator: u8) -> Self {
        Records {
            text,
            position: 0,
            line: 1,
            separator,
        }
    }

    fn is_padding(&self, byte: u8) -> bool {
        (byte == b' ' || byte == b'\t' || byte == b'\r') && byte != self.separator
    }

    /// Reads the next non-blank record into `fields`; returns the line it starts on.
    fn next(&mut self, fields: &mut Vec<Cow<'a, str>>) -> Result<Option<u64>, SyntaxError> {
        fields.clear();
        let bytes = self.text.as_bytes();
        // Skip blank lines.
        loop {
            let mut end = self.position;
            while end < bytes.len() && bytes[end] != b'\n' && matches!(bytes[end], b' ' | b'\r') {
                end += 1;
            }
            if end >= bytes.len() {
                return Ok(None);
            }
            if bytes[end] == b'\n' {
                self.position = end + 1;
                self.line += 1;
            } else {
                break;
            }
        }
        let start_line = self.line;
        loop {
            while self.position < bytes.len() && self.is_padding(bytes[self.position]) {
                self.position += 1;
            }
            let field = if bytes.get(self.position) == Some(&b'"') {
                self.quoted(start_line)?
            } else {
                let start = self.position;
                while self.position < bytes.len()
                    && bytes[self.position] != self.separator
                    && bytes[self.position] != b'\n'
                {
                    self.position += 1;
                }
                let mut end = self.position;
                while end > start && self.is_padding(bytes[end - 1]) {
                    end -= 1;
                }
                Cow::Borrowed(&self.text[start..end])
            };
            fields.push(field);
            match bytes.get(self.position) {
                Some(&b) if b == self.separator => self.position += 1,
                Some(b'\n') => {
                    self.position += 1;
                    self.line += 1;
                    return Ok(Some(start_line));
                }
                None => return Ok(Some(start_line)),
                Some(_) => unreachable!("fields end at a separator, a line break or the end"),
            }
        }
    }

    /// A quoted field, from its opening quote; leaves `position` after the closing quote and any
    /// padding.
    fn quoted(&mut self, start_line: u64) -> Result<Cow<'a, str>, SyntaxError> {
        let bytes = self.text.as_bytes();
        let opened_on = self.line;
        self.position += 1;
        let start = self.position;
        let mut owned: Option<String> = None;
        loop {
            match bytes.get(self.position) {
                None => {
                    return Err(SyntaxError {
                        line: opened_on,
                        message: "a quoted field is never closed (a `\"` is missing)".to_owned(),
                    })
                }
                Some(b'"') if bytes.get(self.position + 1) == Some(&b'"') => {
                    let text = owned.get_or_insert_with(String::new);
                    if text.is_empty() {
                        text.push_str(&self.text[start..self.position]);
                    }
                    text.push('"');
                    self.position += 2;
                }
                Some(b'"') => break,
                Some(&b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    if let Some(text) = &mut owned {
                        // Copy the whole UTF-8 character.
                        let width = utf8_width(b);
                        text.push_str(&self.text[self.position..self.position + width]);
                        self.position += width;
                    } else {
                        self.position += 1;
                    }
                }
            }
        }
        let field = match owned {
            Some(text) => Cow::Owned(text),
            None => Cow::Borrowed(&self.text[start..self.position]),
        };
        self.position += 1;
        while self.position < bytes.len() && self.is_padding(bytes[self.position]) {
            self.position += 1;
        }
        match bytes.get(self.position) {
            None | Some(b'\n') => Ok(field),
            Some(&b) if b == self.separator => Ok(field),
            Some(_) => Err(SyntaxError {
                line: self.line.max(start_line),
                message: format!(
                    "unexpected text after the closing quote of `{}`; quote the whole field",
                    field
                ),
            }),
        }
    }
}

/// The byte length of the UTF-8 character that starts with `first`.
fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str, separator: u8, header: bool) -> Result<RawTable> {
        parse(Path::new("t.csv"), text, separator, header)
    }

    fn numbers(table: &RawTable, column: usize) -> &[f64] {
        match &table.columns[column].values {
            Values::Numbers(numbers) => numbers,
            Values::Text(_) => panic!("column {column} is text"),
        }
    }

    fn text(table: &RawTable, column: usize) -> Vec<Option<&str>> {
        match &table.columns[column].values {
            Values::Text(text) => (0..text.codes.len()).map(|row| text.get(row)).collect(),
            Values::Numbers(_) => panic!("column {column} is numbers"),
        }
    }

    #[test]
    fn reads_numbers_text_quotes_and_blank_lines() {
        let input = "A,1,2.5\r\n\n\"B\", 3 ,-4e1\n\"C,\"\"x\"\"\",?,7\n";
        let table = table(input, b',', false).unwrap();
        assert_eq!(table.places, Places::Lines(vec![1, 3, 4]));
        assert_eq!(text(&table, 0), vec![Some("A"), Some("B"), Some("C,\"x\"")]);
        assert_eq!(numbers(&table, 1)[..2], [1.0, 3.0]);
        assert!(numbers(&table, 1)[2].is_nan());
        assert_eq!(numbers(&table, 2), &[2.5, -40.0, 7.0]);
        assert!(table.columns[0].name.is_none());
    }

    #[test]
    fn quoted_numbers_are_numbers_and_headers_name_columns() {
        let table = table("label\tx\n\"13\"\t0\n\"2\"\t1\n", b'\t', true).unwrap();
        assert_eq!(numbers(&table, 0), &[13.0, 2.0]);
        assert_eq!(table.columns[1].name.as_deref(), Some("x"));
        assert_eq!(table.places, Places::Lines(vec![2, 3]));
    }

    #[test]
    fn quoted_fields_may_span_lines_and_hold_any_text() {
        let table = table("\"a\nb\",1\n\"é\"\"ü\",2\nc,3\n", b',', false).unwrap();
        assert_eq!(text(&table, 0), vec![Some("a\nb"), Some("é\"ü"), Some("c")]);
        assert_eq!(table.places, Places::Lines(vec![1, 3, 4]));
    }

    #[test]
    fn errors_name_the_line() {
        let error = table("1,2,3\n4,5,6\n7,8\n", b',', false)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "t.csv:3: has 2 fields, but line 1 has 3 (separator `,`)"
        );
        let error = table("1,2\n\"3,4\n", b',', false).unwrap_err().to_string();
        assert!(
            error.starts_with("t.csv:2: a quoted field is never closed"),
            "{error}"
        );
        let error = table("1,\"2\"x\n", b',', false).unwrap_err().to_string();
        assert!(error.contains("after the closing quote"), "{error}");
        let error = table("age,y\n1,0\n2,1\n", b',', false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("is this line a header? Set `header: true`"),
            "{error}"
        );
        let error = parse_bytes(b"1,2\n\xff,3\n").unwrap_err().to_string();
        assert!(error.starts_with("t.csv:2: is not UTF-8"), "{error}");
        assert!(table("\n\n", b',', false).is_err());
    }

    fn parse_bytes(bytes: &[u8]) -> Result<RawTable> {
        let text = input::text(Path::new("t.csv"), bytes)?;
        table(text, b',', false)
    }
}
