//! Delimited text (CSV, TSV, any one-byte separator), optionally gzip-compressed, into a
//! [`RawTable`], streamed: the file is never held in memory whole.
//!
//! Fields may be quoted with `"` (a quoted field may hold separators, line breaks and `""` for a
//! quote); unquoted fields are trimmed of spaces and tabs (unless the separator is one), so
//! adult's `, ` separators need no option. Lines end with `\n`, `\r\n` or a lone `\r` (old Mac
//! files); blank lines are skipped; a UTF-8 byte-order mark is ignored. Every row must have as
//! many fields as the first.
//!
//! A column is numeric when every value in it (missing ones aside) is a number, text otherwise;
//! feature columns of numbers go straight into the table's f32 [`Block`], the label and request
//! columns are kept exactly. Values that are probably mistakes stop the reading with the place to
//! look: one word among numbers (`abc` in a column of weights), numbers written with a decimal
//! comma when `decimal` is `.`, a header row read as data.

use std::io::{self, BufRead};
use std::path::Path;

use super::columns::{describe, Role, Selection};
use super::error::{At, DataError, Result};
use super::input;
use super::limits;
use super::raw_table::{is_missing, not_a_float, Block, Column, Places, RawTable, Text, Values};

/// At most one text cell per this many numbers in a feature column is taken for a mistake (an
/// error naming the first), not for a column of categories.
const NUMBERS_PER_STRAY_TEXT: u64 = 100;

/// How a delimited text file is written.
#[derive(Debug, Clone, Copy)]
pub struct CsvOptions<'a> {
    /// The field separator (one ASCII byte).
    pub separator: u8,
    /// Whether the first row names the columns.
    pub header: bool,
    /// The decimal mark of numbers, `.` or `,` (with `,`, a `.` is still read as one too).
    pub decimal: u8,
    /// The columns' names for a file without a header row.
    pub column_names: Option<&'a [String]>,
}

/// Reads a delimited text file; `selection` says which columns are read and as what, and
/// `text_columns` which columns are text whatever they hold (a test file's columns that are text
/// in the training file).
pub fn read(
    path: &Path,
    options: &CsvOptions<'_>,
    selection: &Selection<'_>,
    text_columns: &[usize],
) -> Result<RawTable> {
    let mut records = Records::open(path, options.separator)?;
    let first_line = records.next()?.ok_or_else(|| {
        let what = if options.header {
            "is empty"
        } else {
            "holds no rows of data"
        };
        DataError::invalid(path, what)
    })?;
    let n = records.len();
    let semicolon_first = records.has_stray_semicolon();
    let names: Vec<Option<String>> = if options.header {
        (0..n)
            .map(|i| records.field(i).map(|name| Some(name.to_owned())))
            .collect::<Result<_>>()?
    } else if let Some(names) = options.column_names {
        if names.len() != n {
            return Err(DataError::at(
                path,
                At::Line(first_line),
                format!(
                    "has {n} fields, but `column_names` names {} columns",
                    names.len()
                ),
            ));
        }
        names.iter().cloned().map(Some).collect()
    } else {
        vec![None; n]
    };
    if n < 2 {
        let hint = if semicolon_first {
            semicolon_hint()
        } else {
            String::new()
        };
        return Err(DataError::at(
            path,
            At::Line(first_line),
            format!("has {n} field; a label and at least one feature are needed{hint}"),
        ));
    }
    let roles = selection.resolve(path, &names)?;
    let mut table = TableReader::new(path, options, &roles.roles, text_columns, names)?;
    let reference = if options.header {
        "the header".to_owned()
    } else {
        table.take_row(&records, first_line)?;
        format!("line {first_line}")
    };
    let mut semicolon_lines = u64::from(semicolon_first);
    let mut lines = 1u64;
    while let Some(line) = records.next()? {
        lines += 1;
        semicolon_lines += u64::from(records.has_stray_semicolon());
        if records.len() != n {
            let hint = if semicolon_first || records.has_stray_semicolon() {
                semicolon_hint()
            } else {
                String::new()
            };
            return Err(DataError::at(
                path,
                At::Line(line),
                format!(
                    "has {} fields, but {reference} has {n} (separator `{}`){hint}",
                    records.len(),
                    (options.separator as char).escape_default()
                ),
            ));
        }
        table.take_row(&records, line)?;
    }
    if semicolon_lines == lines {
        table.warnings.push(format!(
            "{}: every line holds a `;` in a field{}",
            path.display(),
            semicolon_hint()
        ));
    }
    table.finish()
}

/// The error for a record (from `line` on) longer than [`limits::LINE_BYTES`].
fn line_too_long(path: &Path, line: u64, limit: u64) -> DataError {
    input::limit_error(
        path,
        &limits::LINE_BYTES,
        limit,
        format!("line {line} runs on without a line break (is it a text table?)"),
    )
}

/// The hint for a file whose lines hold semicolons that are not separators.
fn semicolon_hint() -> String {
    "; is the file `;`-separated? Then set `separator: \";\"` (and `decimal: \",\"` if its \
     numbers are written like 1,5)"
        .to_owned()
}

/// A number in a field, with `decimal` as the decimal mark; `None` when it is not one.
fn parse_number(field: &str, decimal: u8) -> Option<f64> {
    if decimal == b',' && field.contains(',') {
        return field.replacen(',', ".", 1).parse().ok();
    }
    field.parse().ok()
}

/// Whether a field reads as a number once a comma in it is taken for the decimal mark (`1,5`,
/// `-0,25`).
fn has_decimal_comma(field: &str) -> bool {
    let unsigned = field.strip_prefix(['-', '+']).unwrap_or(field);
    match unsigned.split_once(',') {
        Some((whole, fraction)) => {
            let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
            !fraction.is_empty() && digits(whole) && digits(fraction)
        }
        None => false,
    }
}

/// A table as it is read, row by row.
struct TableReader<'a> {
    path: &'a Path,
    options: &'a CsvOptions<'a>,
    names: Vec<Option<String>>,
    columns: Vec<ColumnReader>,
    block: Block,
    lines: Vec<u64>,
    /// Most rows before the table passes [`limits::FEATURE_VALUES`].
    max_rows: u64,
    value_limit: u64,
    warnings: Vec<String>,
}

/// One column as it is read.
#[derive(Debug, Default)]
struct ColumnReader {
    role: Option<Role>,
    /// For a feature column: its position in each row of the block.
    position: Option<usize>,
    /// For the label and request columns, while they hold numbers: the numbers.
    exact: Option<Vec<f64>>,
    /// For a column of text from its first value on (or declared text): the text.
    text: Option<Text>,
    /// Text came after numbers: the column's text is read in a second pass over the file.
    reread: bool,
    /// Cells that are numbers.
    numbers: u64,
    /// Cells that are neither numbers nor missing.
    texts: u64,
    /// Of those, the ones that read as numbers with a decimal comma.
    decimal_commas: u64,
    /// The first text cell: its row, line and value.
    first_text: Option<(usize, u64, String)>,
    /// The first number too large for f32 (or infinite): its line and value.
    first_infinite: Option<(u64, f64)>,
}

impl<'a> TableReader<'a> {
    fn new(
        path: &'a Path,
        options: &'a CsvOptions<'a>,
        roles: &[Role],
        text_columns: &[usize],
        names: Vec<Option<String>>,
    ) -> Result<Self> {
        let mut width = 0;
        let columns: Vec<ColumnReader> = roles
            .iter()
            .enumerate()
            .map(|(index, &role)| {
                let mut column = ColumnReader {
                    role: Some(role),
                    ..ColumnReader::default()
                };
                match role {
                    Role::Skipped => column.role = None,
                    _ if text_columns.contains(&index) => column.text = Some(Text::default()),
                    Role::Feature => {
                        column.position = Some(width);
                        width += 1;
                    }
                    Role::Label | Role::Attribute => column.exact = Some(Vec::new()),
                }
                column
            })
            .collect();
        let read = columns.iter().filter(|c| c.role.is_some()).count() as u64;
        let value_limit = limits::FEATURE_VALUES.value()?;
        Ok(TableReader {
            path,
            options,
            names,
            columns,
            block: Block {
                width,
                values: Vec::new(),
            },
            lines: Vec::new(),
            max_rows: value_limit / (read + limits::ROW_OVERHEAD_VALUES),
            value_limit,
            warnings: Vec::new(),
        })
    }

    /// Takes the current record of `records`, which starts on `line`, as the next row.
    fn take_row<R: BufRead>(&mut self, records: &Records<R>, line: u64) -> Result<()> {
        let row = self.lines.len();
        if row as u64 >= self.max_rows {
            let read = self.columns.iter().filter(|c| c.role.is_some()).count();
            return Err(input::limit_error(
                self.path,
                &limits::FEATURE_VALUES,
                self.value_limit,
                format!(
                    "has more than {} rows of {read} columns (each row counts as {} values more, \
                     for its bookkeeping)",
                    self.max_rows,
                    limits::ROW_OVERHEAD_VALUES
                ),
            ));
        }
        let what = || format!("the rows of `{}`", self.path.display());
        input::reserve(&mut self.lines, 1, what)?;
        input::reserve(&mut self.block.values, self.block.width, what)?;
        for (index, column) in self.columns.iter_mut().enumerate() {
            if column.role.is_some() {
                let field = records.field(index)?;
                column
                    .take(
                        field,
                        row,
                        line,
                        self.options.decimal,
                        &mut self.block.values,
                    )
                    .map_err(|_| DataError::OutOfMemory {
                        what: what(),
                        bytes: (row as u64 + 1) * 4,
                    })?;
            }
        }
        self.lines.push(line);
        Ok(())
    }

    /// Checks what the first pass found, reads the text of columns that need a second pass, and
    /// builds the table.
    fn finish(mut self) -> Result<RawTable> {
        if self.lines.is_empty() {
            return Err(DataError::invalid(self.path, "holds no rows of data"));
        }
        if !self.options.header && self.options.column_names.is_none() && self.lines.len() > 1 {
            self.check_header_row()?;
        }
        for index in 0..self.columns.len() {
            self.check_column(index)?;
        }
        if self.columns.iter().any(|column| column.reread) {
            self.reread_text()?;
        }
        let columns = self
            .columns
            .into_iter()
            .zip(self.names)
            .map(|(column, name)| Column {
                name,
                values: column.values(),
            })
            .collect();
        Ok(RawTable {
            path: self.path.to_owned(),
            places: Places::Lines(self.lines),
            columns,
            block: self.block,
            warnings: self.warnings,
        })
    }

    /// A file without a header whose first line holds the only text of a numeric column probably
    /// has a header.
    fn check_header_row(&self) -> Result<()> {
        for (index, column) in self.columns.iter().enumerate() {
            if let (Some((0, line, value)), 1, 1..) =
                (&column.first_text, column.texts, column.numbers)
            {
                return Err(DataError::at(
                    self.path,
                    At::Line(*line),
                    format!(
                        "column {index} holds `{value}` here but a number on every other line: \
                         is this line a header? Set `header: true`"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Stops on a column whose values look like mistakes: numbers with a decimal comma, a few
    /// words among numbers, numbers too large for f32.
    fn check_column(&self, index: usize) -> Result<()> {
        let column = &self.columns[index];
        let describe = || describe(&self.names, index);
        let is_feature = column.role == Some(Role::Feature);
        if let Some((_, line, value)) = &column.first_text {
            let label_or_feature = matches!(column.role, Some(Role::Feature | Role::Label));
            let comma_numbers = column.decimal_commas == column.texts
                && self.options.decimal == b'.'
                && self.options.separator != b',';
            if label_or_feature && comma_numbers {
                return Err(DataError::at(
                    self.path,
                    At::Line(*line),
                    format!(
                        "{} holds `{value}`: numbers written with a decimal comma are read as \
                         text; set `decimal: \",\"`",
                        describe()
                    ),
                ));
            }
            let stray = column.numbers > 0
                && column.texts <= (column.numbers / NUMBERS_PER_STRAY_TEXT).max(1);
            if is_feature && column.position.is_some() && stray {
                let others = match column.texts - 1 {
                    0 => String::new(),
                    more => format!(" (and {more} more text cells)"),
                };
                return Err(DataError::at(
                    self.path,
                    At::Line(*line),
                    format!(
                        "{} holds `{value}` on line {line}{others}, while its other values are \
                         numbers; correct it, or write a missing value as an empty field, `?`, \
                         `NA` or `NaN`",
                        describe()
                    ),
                ));
            }
        } else if let Some((line, value)) = column.first_infinite {
            let what = not_a_float(value);
            return Err(DataError::at(
                self.path,
                At::Line(line),
                format!("{}: {what}", describe()),
            ));
        }
        Ok(())
    }

    /// Reads the file again for the text of the columns where text came after numbers.
    fn reread_text(&mut self) -> Result<()> {
        let mut records = Records::open(self.path, self.options.separator)?;
        if self.options.header {
            records.next()?;
        }
        let mut texts: Vec<Option<Text>> = self
            .columns
            .iter()
            .map(|column| column.reread.then(Text::default))
            .collect();
        while records.next()?.is_some() {
            for (index, text) in texts.iter_mut().enumerate() {
                if let Some(text) = text {
                    text.try_push(records.field(index)?)
                        .map_err(|_| DataError::OutOfMemory {
                            what: format!("the text of `{}`", self.path.display()),
                            bytes: text.codes.len() as u64 * 4,
                        })?;
                }
            }
        }
        for (column, text) in self.columns.iter_mut().zip(texts) {
            if text.is_some() {
                column.text = text;
            }
        }
        Ok(())
    }
}

impl ColumnReader {
    /// Takes the field of row `row` (on `line`).
    fn take(
        &mut self,
        field: &str,
        row: usize,
        line: u64,
        decimal: u8,
        block: &mut Vec<f32>,
    ) -> std::result::Result<(), std::collections::TryReserveError> {
        let missing = is_missing(field);
        let number = if missing {
            None
        } else {
            parse_number(field, decimal)
        };
        match number {
            Some(value) => {
                self.numbers += 1;
                if self.position.is_some()
                    && !(value as f32).is_finite()
                    && self.first_infinite.is_none()
                {
                    self.first_infinite = Some((line, value));
                }
            }
            None if !missing => {
                self.texts += 1;
                self.decimal_commas += u64::from(has_decimal_comma(field));
                if self.first_text.is_none() {
                    self.first_text = Some((row, line, field.to_owned()));
                }
            }
            None => {}
        }
        if self.position.is_some() {
            // Text cells of a feature column leave NaN: the column is then read as text.
            block.push(number.map_or(f32::NAN, |value| value as f32));
        }
        if let Some(text) = &mut self.text {
            return text.try_push(field);
        }
        let is_text = number.is_none() && !missing;
        if is_text && !self.reread {
            if self.numbers == 0 {
                // Nothing but missing values before: a column of text.
                let mut text = Text::default();
                for _ in 0..row {
                    text.try_push("")?;
                }
                text.try_push(field)?;
                self.text = Some(text);
                self.exact = None;
                return Ok(());
            }
            self.reread = true;
            self.exact = None;
        }
        if let Some(exact) = &mut self.exact {
            exact.try_reserve(1)?;
            exact.push(number.unwrap_or(f64::NAN));
        }
        Ok(())
    }

    fn values(self) -> Values {
        match (self.role, self.text, self.exact, self.position) {
            (None, ..) => Values::Skipped,
            (_, Some(text), _, _) => Values::Text(text),
            (_, None, Some(numbers), _) => Values::Numbers(numbers),
            (_, None, None, Some(position)) => Values::Block(position),
            (_, None, None, None) => unreachable!("a column read is text, exact or in the block"),
        }
    }
}

/// Where a record reader is in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a field (skipping its leading padding).
    FieldStart,
    /// In a field without quotes.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a `"` in a quoted field: a second `"` is an escaped quote, anything else ends
    /// the field.
    QuoteInQuoted,
    /// After the closing quote of a field (skipping padding until a separator or line break).
    AfterQuote,
}

/// The records of delimited text, one at a time, from a stream.
struct Records<R> {
    path: std::path::PathBuf,
    reader: R,
    separator: u8,
    fields: Fields,
    /// The line the next byte is on, from 1.
    line: u64,
    /// The last line break was a `\r`: a `\n` right after it belongs to it.
    after_cr: bool,
    /// The line the current record starts on.
    record_line: u64,
    /// Most bytes a record may take ([`limits::LINE_BYTES`]).
    line_limit: u64,
}

/// The fields of the current record: their bytes one after another, where each ends, and whether
/// it was quoted.
#[derive(Default)]
struct Fields {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    quoted: Vec<bool>,
    /// Where the field being read starts in `bytes`.
    start: usize,
}

/// Bytes a record's bookkeeping takes per field (its end and whether it was quoted), counted
/// against [`limits::LINE_BYTES`] with its text.
const FIELD_OVERHEAD_BYTES: usize = std::mem::size_of::<usize>() + 1;

impl Fields {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.quoted.clear();
        self.start = 0;
    }

    /// Ends the field being read; an unquoted one loses its trailing padding.
    fn end(&mut self, quoted: bool, is_padding: impl Fn(u8) -> bool) {
        if !quoted {
            while self.bytes.len() > self.start && is_padding(self.bytes[self.bytes.len() - 1]) {
                self.bytes.pop();
            }
        }
        self.ends.push(self.bytes.len());
        self.quoted.push(quoted);
        self.start = self.bytes.len();
    }

    /// The memory the current record takes, about.
    fn footprint(&self) -> u64 {
        (self.bytes.len() + self.ends.len() * FIELD_OVERHEAD_BYTES) as u64
    }

    fn extend(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        input::reserve(&mut self.bytes, bytes.len(), || {
            format!("a line of `{}`", path.display())
        })?;
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }
}

impl Records<Box<dyn BufRead>> {
    /// The records of the file at `path`.
    fn open(path: &Path, separator: u8) -> Result<Self> {
        Ok(Records {
            path: path.to_owned(),
            reader: Box::new(input::text_reader(path)?),
            separator,
            fields: Fields::default(),
            line: 1,
            after_cr: false,
            record_line: 1,
            line_limit: limits::LINE_BYTES.value()?,
        })
    }
}

impl<R: BufRead> Records<R> {
    /// The number of fields of the current record.
    fn len(&self) -> usize {
        self.fields.ends.len()
    }

    /// Field `index` of the current record.
    fn field(&self, index: usize) -> Result<&str> {
        let start = match index {
            0 => 0,
            _ => self.fields.ends[index - 1],
        };
        let bytes = &self.fields.bytes[start..self.fields.ends[index]];
        std::str::from_utf8(bytes).map_err(|_| {
            DataError::at(
                &self.path,
                At::Line(self.record_line),
                "is not UTF-8 text (is it a binary file? give its `format`)",
            )
        })
    }

    /// Whether an unquoted field of the current record holds a `;` that is not the separator.
    fn has_stray_semicolon(&self) -> bool {
        self.separator != b';'
            && (0..self.len()).any(|index| {
                let start = if index == 0 {
                    0
                } else {
                    self.fields.ends[index - 1]
                };
                !self.fields.quoted[index]
                    && self.fields.bytes[start..self.fields.ends[index]].contains(&b';')
            })
    }

    fn is_padding(separator: u8, byte: u8) -> bool {
        (byte == b' ' || byte == b'\t') && byte != separator
    }

    /// Reads the next record that is not blank; returns the line it starts on.
    fn next(&mut self) -> Result<Option<u64>> {
        let Records {
            path,
            reader,
            separator,
            fields,
            line,
            after_cr,
            record_line,
            line_limit,
        } = self;
        let path: &Path = path;
        let separator = *separator;
        let is_padding = |byte| Self::is_padding(separator, byte);
        let syntax = |line: u64, message: String| DataError::at(path, At::Line(line), message);
        fields.clear();
        let mut state = State::FieldStart;
        let mut start_line = *line;
        // Only spaces so far: a line of nothing else is blank.
        let mut blank = true;
        let mut quote_opened_on = 0;
        // The last byte of a quoted field was a `\r` (so a `\n` after it is the same line break).
        let mut quoted_cr = false;
        loop {
            let buffer = match reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(input::read_error(path, error)),
            };
            if buffer.is_empty() {
                return match state {
                    State::Quoted => Err(syntax(
                        quote_opened_on,
                        "a quoted field is never closed (a `\"` is missing)".to_owned(),
                    )),
                    State::FieldStart if fields.ends.is_empty() && blank => Ok(None),
                    _ => {
                        fields.end(state != State::Unquoted, is_padding);
                        *record_line = start_line;
                        Ok(Some(start_line))
                    }
                };
            }
            let mut at = 0;
            let mut finished = false;
            while at < buffer.len() && !finished {
                let byte = buffer[at];
                if std::mem::take(after_cr) && byte == b'\n' {
                    at += 1;
                    continue;
                }
                if byte == 0 {
                    return Err(syntax(
                        *line,
                        "holds a NUL byte: it is not text (is it a binary file? give its \
                         `format`)"
                            .to_owned(),
                    ));
                }
                let line_break = byte == b'\n' || byte == b'\r';
                match state {
                    State::FieldStart => {
                        if line_break {
                            at += 1;
                            *line += 1;
                            *after_cr = byte == b'\r';
                            if fields.ends.is_empty() && blank {
                                start_line = *line;
                                continue;
                            }
                            fields.end(false, is_padding);
                            finished = true;
                            continue;
                        }
                        blank &= byte == b' ';
                        if is_padding(byte) {
                            at += 1;
                        } else if byte == b'"' {
                            state = State::Quoted;
                            quote_opened_on = *line;
                            at += 1;
                        } else if byte == separator {
                            fields.end(false, is_padding);
                            at += 1;
                        } else {
                            state = State::Unquoted;
                        }
                    }
                    State::Unquoted => {
                        let run = buffer[at..]
                            .iter()
                            .position(|&b| b == separator || b == b'\n' || b == b'\r' || b == 0)
                            .unwrap_or(buffer.len() - at);
                        fields.extend(path, &buffer[at..at + run])?;
                        at += run;
                        match buffer.get(at) {
                            Some(&b) if b == separator => {
                                fields.end(false, is_padding);
                                state = State::FieldStart;
                                at += 1;
                            }
                            Some(&b) if b == b'\n' || b == b'\r' => {
                                at += 1;
                                *line += 1;
                                *after_cr = b == b'\r';
                                fields.end(false, is_padding);
                                finished = true;
                            }
                            _ => {}
                        }
                    }
                    State::Quoted => {
                        let run = buffer[at..]
                            .iter()
                            .position(|&b| b == b'"' || b == b'\n' || b == b'\r' || b == 0)
                            .unwrap_or(buffer.len() - at);
                        if run > 0 {
                            quoted_cr = false;
                        }
                        fields.extend(path, &buffer[at..at + run])?;
                        at += run;
                        match buffer.get(at) {
                            Some(b'"') => {
                                state = State::QuoteInQuoted;
                                at += 1;
                            }
                            Some(&b) if b == b'\n' || b == b'\r' => {
                                // Line breaks inside quotes are part of the field.
                                if b == b'\r' || !quoted_cr {
                                    *line += 1;
                                }
                                quoted_cr = b == b'\r';
                                fields.extend(path, &[b])?;
                                at += 1;
                            }
                            _ => {}
                        }
                    }
                    State::QuoteInQuoted => {
                        if byte == b'"' {
                            fields.extend(path, b"\"")?;
                            state = State::Quoted;
                            at += 1;
                        } else {
                            state = State::AfterQuote;
                        }
                    }
                    State::AfterQuote => {
                        if is_padding(byte) {
                            at += 1;
                        } else if byte == separator {
                            fields.end(true, is_padding);
                            state = State::FieldStart;
                            at += 1;
                        } else if line_break {
                            at += 1;
                            *line += 1;
                            *after_cr = byte == b'\r';
                            fields.end(true, is_padding);
                            finished = true;
                        } else {
                            let field = String::from_utf8_lossy(&fields.bytes[fields.start..]);
                            return Err(syntax(
                                (*line).max(start_line),
                                format!(
                                    "unexpected text after the closing quote of `{field}`; quote \
                                     the whole field"
                                ),
                            ));
                        }
                    }
                }
            }
            reader.consume(at);
            if finished {
                *record_line = start_line;
                return Ok(Some(start_line));
            }
            if fields.footprint() > *line_limit {
                return Err(line_too_long(path, start_line, *line_limit));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ColumnChoice, LabelColumn};

    const PLAIN: CsvOptions<'static> = CsvOptions {
        separator: b',',
        header: false,
        decimal: b'.',
        column_names: None,
    };

    fn read_with(text: &[u8], options: &CsvOptions<'_>, label: LabelColumn) -> Result<RawTable> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let selection = Selection {
            label: &label,
            attributes: &[],
            choice: &ColumnChoice::All,
        };
        read(&path, options, &selection, &[]).map(|mut table| {
            table.path = "t.csv".into();
            table
        })
    }

    fn table(text: &str, separator: u8, header: bool) -> Result<RawTable> {
        let options = CsvOptions {
            separator,
            header,
            ..PLAIN
        };
        read_with(text.as_bytes(), &options, LabelColumn::Last)
    }

    /// The error's message, without the temporary folder.
    fn message(result: Result<RawTable>) -> String {
        let message = result.unwrap_err().to_string();
        match message.find("t.csv") {
            Some(at) => message[at..].to_owned(),
            None => message,
        }
    }

    fn numbers(table: &RawTable, column: usize) -> Vec<f64> {
        (0..table.n_rows())
            .map(|row| table.number(column, row).expect("numbers"))
            .collect()
    }

    fn text(table: &RawTable, column: usize) -> Vec<Option<&str>> {
        match &table.columns[column].values {
            Values::Text(text) => (0..text.codes.len()).map(|row| text.get(row)).collect(),
            other => panic!("column {column} is not text: {other:?}"),
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
        assert_eq!(numbers(&table, 2), [2.5, -40.0, 7.0]);
        assert_eq!(table.columns[1].values, Values::Block(1));
        assert_eq!(
            table.columns[2].values,
            Values::Numbers(vec![2.5, -40.0, 7.0])
        );
        assert!(table.columns[0].name.is_none());
    }

    #[test]
    fn quoted_numbers_are_numbers_and_headers_name_columns() {
        let table = table("label\tx\n\"13\"\t0\n\"2\"\t1\n", b'\t', true).unwrap();
        assert_eq!(numbers(&table, 0), [13.0, 2.0]);
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
    fn old_mac_line_endings_and_byte_order_marks_are_read() {
        let cr = table("\u{feff}size,class\r1,a\r2,b\r\r3,a\r", b',', true).unwrap();
        assert_eq!(cr.columns[0].name.as_deref(), Some("size"));
        assert_eq!(numbers(&cr, 0), [1.0, 2.0, 3.0]);
        assert_eq!(cr.places, Places::Lines(vec![2, 3, 5]));
        let crlf = table("size,class\r\n1,a\r\n2,b\r\n", b',', true).unwrap();
        assert_eq!(crlf.places, Places::Lines(vec![2, 3]));
    }

    #[test]
    fn decimal_commas_are_read_when_asked_and_named_when_not() {
        let input = "w;class\n1,5;a\n2;b\n-0,25;a\n";
        let error = message(table(input, b';', true));
        assert!(
            error.starts_with(
                "t.csv:2: column 0 (`w`) holds `1,5`: numbers written with a decimal comma"
            ),
            "{error}"
        );
        assert!(error.contains("`decimal: \",\"`"), "{error}");
        let options = CsvOptions {
            separator: b';',
            header: true,
            decimal: b',',
            column_names: None,
        };
        let table = read_with(input.as_bytes(), &options, LabelColumn::Last).unwrap();
        assert_eq!(numbers(&table, 0), [1.5, 2.0, -0.25]);
    }

    #[test]
    fn semicolon_files_read_with_commas_get_a_hint() {
        let error = message(table("a;b;c\n1;2;3\n", b',', false));
        assert!(error.contains("has 1 field"), "{error}");
        assert!(error.contains("`separator: \";\"`"), "{error}");
        let error = message(table("x;1,5\ny;2,5,3\n", b',', false));
        assert!(error.contains("has 3 fields, but line 1 has 2"), "{error}");
        assert!(error.contains("`;`-separated"), "{error}");
    }

    #[test]
    fn a_word_among_numbers_is_named_with_its_line() {
        let mut input = String::from("id,weight,class\n");
        for row in 0..300 {
            let weight = if row == 15 {
                "abc".to_owned()
            } else {
                format!("{}.5", row % 7)
            };
            input += &format!("{row},{weight},{}\n", row % 2);
        }
        let error = message(table(&input, b',', true));
        assert_eq!(
            error,
            "t.csv:17: column 1 (`weight`) holds `abc` on line 17, while its other values are \
             numbers; correct it, or write a missing value as an empty field, `?`, `NA` or `NaN`"
        );
    }

    #[test]
    fn columns_of_mixed_text_and_numbers_are_text() {
        let table = table("1,x\n2,y\na,x\nb,y\n", b',', false).unwrap();
        assert_eq!(
            text(&table, 0),
            vec![Some("1"), Some("2"), Some("a"), Some("b")]
        );
    }

    #[test]
    fn columns_left_out_are_not_read() {
        let options = CsvOptions {
            header: true,
            ..PLAIN
        };
        let selection = Selection {
            label: &LabelColumn::Last,
            attributes: &[],
            choice: &ColumnChoice::Drop(vec![LabelColumn::Name("notes".into())]),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, b"x,notes,y\n1,\xff free text,0\n2,more,1\n").unwrap();
        let table = read(&path, &options, &selection, &[]).unwrap();
        assert_eq!(table.columns[1].values, Values::Skipped);
        assert_eq!(table.block.width, 1);
    }

    #[test]
    fn headerless_files_take_names_from_the_spec() {
        let names = ["size".to_owned(), "class".to_owned()];
        let options = CsvOptions {
            column_names: Some(&names),
            ..PLAIN
        };
        let table = read_with(b"1,a\n2,b\n", &options, LabelColumn::Name("class".into())).unwrap();
        assert_eq!(table.columns[0].name.as_deref(), Some("size"));
        let short = ["size".to_owned()];
        let options = CsvOptions {
            column_names: Some(&short),
            ..PLAIN
        };
        let error = message(read_with(b"1,a\n", &options, LabelColumn::Last));
        assert!(
            error.contains("has 2 fields, but `column_names` names 1"),
            "{error}"
        );
    }

    #[test]
    fn a_line_longer_than_the_limit_stops_the_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let endless = "0".repeat(200_000);
        std::fs::write(&path, format!("1,2\n{endless}")).unwrap();
        let mut records = Records::open(&path, b',').unwrap();
        records.line_limit = 100_000;
        assert_eq!(records.next().unwrap(), Some(1));
        let error = records.next().unwrap_err().to_string();
        assert!(
            error.contains("line 2 runs on without a line break"),
            "{error}"
        );
        assert!(error.contains("SISA_MAX_LINE_BYTES"), "{error}");
        // Separators count too: a field's bookkeeping outweighs its text.
        std::fs::write(&path, ",".repeat(200_000)).unwrap();
        let mut records = Records::open(&path, b',').unwrap();
        records.line_limit = 1_000_000;
        assert!(records.next().is_err());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            message(table("1,2,3\n4,5,6\n7,8\n", b',', false)),
            "t.csv:3: has 2 fields, but line 1 has 3 (separator `,`)"
        );
        let error_text = message(table("1,2\n\"3,4\n", b',', false));
        assert!(
            error_text.starts_with("t.csv:2: a quoted field is never closed"),
            "{error_text}"
        );
        let error_text = message(table("1,\"2\"x\n", b',', false));
        assert!(
            error_text.contains("after the closing quote"),
            "{error_text}"
        );
        let error_text = message(table("age,y\n1,0\n2,1\n", b',', false));
        assert!(
            error_text.contains("is this line a header? Set `header: true`"),
            "{error_text}"
        );
        let error_text = message(read_with(b"1,2\n\xff,3\n", &PLAIN, LabelColumn::Last));
        assert!(
            error_text.starts_with("t.csv:2: is not UTF-8"),
            "{error_text}"
        );
        let error_text = message(read_with(b"1,2\n\0\0,3\n", &PLAIN, LabelColumn::Last));
        assert!(error_text.contains("NUL byte"), "{error_text}");
        assert_eq!(
            message(table("1e999,1\n2,3\n", b',', false)),
            "t.csv:1: column 0: inf is not a finite number"
        );
        assert!(table("\n\n", b',', false).is_err());
    }
}
