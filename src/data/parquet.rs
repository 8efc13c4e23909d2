//! Apache Parquet files, read with polars, into a [`RawTable`]: numeric columns as numbers (nulls
//! are missing values), text and boolean columns as text; other column types are refused with
//! the column's name.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::{DataType, ParquetReader, SerReader};

use super::error::{DataError, Result};
use super::input;
use super::raw_table::{Column, Places, RawTable, Text, Values};

/// Reads a Parquet file.
pub fn read(path: &Path) -> Result<RawTable> {
    let bytes = input::read_plain(path, "Parquet")?;
    let frame = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|error| {
            DataError::invalid(path, format!("is not a readable Parquet file: {error}"))
        })?;
    let rows = frame.height();
    if rows == 0 {
        return Err(DataError::invalid(path, "holds no rows of data"));
    }
    let mut columns = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let name = column.name().to_string();
        let dtype = column.dtype();
        let failed = |error: polars::prelude::PolarsError| {
            DataError::invalid(path, format!("column `{name}`: {error}"))
        };
        let values = if dtype.is_numeric() {
            let numbers = column.cast(&DataType::Float64).map_err(failed)?;
            Values::Numbers(
                numbers
                    .f64()
                    .map_err(failed)?
                    .iter()
                    .map(|value| value.unwrap_or(f64::NAN))
                    .collect(),
            )
        } else if dtype.is_string() {
            let mut text = Text::default();
            for value in column.str().map_err(failed)?.iter() {
                text.push(value.map(str::trim).unwrap_or_default());
            }
            Values::Text(text)
        } else if dtype.is_bool() {
            let mut text = Text::default();
            for value in column.bool().map_err(failed)?.iter() {
                text.push(match value {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "",
                });
            }
            Values::Text(text)
        } else {
            return Err(DataError::invalid(
                path,
                format!(
                    "column `{name}` has type {dtype}; sisa reads numbers, text and booleans \
                     (cast or drop it before writing the file)"
                ),
            ));
        };
        columns.push(Column {
            name: Some(name),
            values,
        });
    }
    Ok(RawTable::new(path.to_owned(), Places::Rows(rows), columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{df, ParquetWriter};

    #[test]
    fn reads_numbers_text_booleans_and_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut frame = df!(
            "age" => [Some(30i64), None, Some(50)],
            "colour" => ["red", "blue", "red"],
            "member" => [true, false, true],
            "class" => [1.5f64, 2.0, 1.5],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut frame)
            .unwrap();
        let table = read(&path).unwrap();
        assert_eq!(table.n_rows(), 3);
        assert_eq!(table.columns[0].name.as_deref(), Some("age"));
        assert!(table.is_missing(0, 1));
        assert_eq!(table.text(1, 1).as_deref(), Some("blue"));
        assert_eq!(table.text(2, 0).as_deref(), Some("true"));
        assert_eq!(
            table.columns[3].values,
            Values::Numbers(vec![1.5, 2.0, 1.5])
        );
    }

    #[test]
    fn broken_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, b"PAR1 not really").unwrap();
        let error = read(&path).unwrap_err().to_string();
        assert!(error.contains("is not a readable Parquet file"), "{error}");
    }
}
