//! Binary arrays of numbers, shared by the IDX and NumPy readers: element types and byte order,
//! sizes computed from a header (checked for overflow and against the limits before anything is
//! allocated), features streamed from the file straight into the table's f32 block (never held
//! as bytes or f64 first), and the table of a features array and a labels array.

use std::io::{self, Read};
use std::path::Path;

use super::error::{At, DataError, Result};
use super::input;
use super::raw_table::{not_a_float, Block, Column, Places, RawTable, Values};

/// Bytes read from the file at a time.
const CHUNK_BYTES: usize = 1 << 16;

/// How one element of an array is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    /// What the bytes mean.
    pub kind: Kind,
    /// Bytes per element: 1, 2, 4 or 8.
    pub size: usize,
    /// Most significant byte first.
    pub big_endian: bool,
}

/// The meaning of an element's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Unsigned integer.
    Unsigned,
    /// Signed (two's complement) integer.
    Signed,
    /// IEEE 754 float (4 or 8 bytes).
    Float,
    /// One byte, 0 or not.
    Bool,
}

/// The order of an array's elements in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Row after row (C order).
    RowMajor,
    /// Column after column (Fortran order, two dimensions).
    ColumnMajor,
}

/// A features array: `rows` x `width` values in a row-major block.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Number of rows (the first dimension).
    pub rows: usize,
    /// Values per row (the product of the other dimensions).
    pub width: usize,
    /// The values, row after row.
    pub values: Vec<f32>,
}

/// The number of bytes an array of `dims` elements of `size` bytes takes, if it fits in u64.
pub fn byte_size(dims: &[u64], size: usize) -> Option<u64> {
    dims.iter()
        .try_fold(size as u64, |product, &dim| product.checked_mul(dim))
}

/// Checks a header's dimensions of elements of `size` bytes against the limits and, when known,
/// the bytes actually there (`available`, after the header), before anything is allocated;
/// returns the declared byte count.
pub fn check_size(path: &Path, dims: &[u64], size: usize, available: Option<u64>) -> Result<u64> {
    let describe = || describe(dims, size);
    let Some(bytes) = byte_size(dims, size) else {
        return Err(DataError::invalid(
            path,
            format!("declares {}, more than any file can hold", describe()),
        ));
    };
    let rows = dims.first().copied().unwrap_or(1);
    let width = dims.iter().skip(1).product::<u64>();
    input::check_matrix(path, rows, width)?;
    match available {
        Some(available) if available != bytes => Err(truncated(path, dims, size, available)),
        _ => Ok(bytes),
    }
}

/// An array whose header declares `dims` elements of `size` bytes, but `held` bytes follow it.
pub fn truncated(path: &Path, dims: &[u64], size: usize, held: u64) -> DataError {
    let bytes = byte_size(dims, size).unwrap_or(u64::MAX);
    DataError::invalid(
        path,
        format!(
            "declares {} ({bytes} bytes) but holds {held} bytes after its header; the file is \
             truncated or not what its header says",
            describe(dims, size)
        ),
    )
}

/// `dims` elements of `size` bytes, in words: "60000 x 28 x 28 values of 1 bytes".
pub fn describe(dims: &[u64], size: usize) -> String {
    let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
    format!("{} values of {size} bytes", dims.join(" x "))
}

/// Decodes one element (exactly `element.size` bytes).
fn decode_one(bytes: &[u8], element: Element) -> f64 {
    let size = element.size;
    let mut buffer = [0u8; 8];
    if element.big_endian {
        buffer[8 - size..].copy_from_slice(bytes);
        buffer.reverse();
    } else {
        buffer[..size].copy_from_slice(bytes);
    }
    // `buffer` now holds the element little-endian in its first `size` bytes.
    let raw = u64::from_le_bytes(buffer);
    match (element.kind, size) {
        (Kind::Bool, _) => f64::from(u8::from(raw != 0)),
        (Kind::Unsigned, _) => raw as f64,
        (Kind::Signed, _) => {
            let shift = 64 - 8 * size as u32;
            (((raw << shift) as i64) >> shift) as f64
        }
        (Kind::Float, 4) => f64::from(f32::from_bits(raw as u32)),
        (Kind::Float, _) => f64::from_bits(raw),
    }
}

/// Decodes `bytes` (whole elements) into numbers.
pub fn decode(bytes: &[u8], element: Element) -> Vec<f64> {
    bytes
        .chunks_exact(element.size)
        .map(|chunk| decode_one(chunk, element))
        .collect()
}

/// Reads `rows` x `width` elements from `reader` into f32 features (NaN is a missing value; an
/// infinite value, or one too large for f32, is an error naming its row and column). Fails if the
/// reader ends early, with the message `short` gives for the bytes read.
pub fn read_features(
    path: &Path,
    reader: &mut impl Read,
    element: Element,
    (rows, width): (usize, usize),
    order: Order,
    short: impl FnOnce(u64) -> DataError,
) -> Result<Features> {
    let count = rows * width;
    let mut values: Vec<f32> = Vec::new();
    // The header's size was checked against the limits and, for plain files, against the file:
    // reserving it does not touch the memory, which only data actually read fill.
    input::reserve_exact(&mut values, count, || {
        format!("the features of `{}`", path.display())
    })?;
    let mut chunk = vec![0u8; CHUNK_BYTES - CHUNK_BYTES % element.size];
    let mut read = 0usize;
    while read < count {
        let wanted = ((count - read) * element.size).min(chunk.len());
        let got = fill(reader, &mut chunk[..wanted]).map_err(|e| input::read_error(path, e))?;
        let whole = got - got % element.size;
        for bytes in chunk[..whole].chunks_exact(element.size) {
            let value = decode_one(bytes, element);
            if !value.is_nan() && !(value as f32).is_finite() {
                let (row, column) = match order {
                    Order::RowMajor => (read / width, read % width),
                    Order::ColumnMajor => (read % rows, read / rows),
                };
                return Err(not_finite(path, row, column, value));
            }
            values.push(value as f32);
            read += 1;
        }
        if got < wanted {
            return Err(short((read * element.size + got % element.size) as u64));
        }
    }
    if order == Order::ColumnMajor {
        // A copy, for Fortran-ordered arrays only (np.save of a transposed array).
        values = transpose(&values, width, rows);
    }
    Ok(Features {
        rows,
        width,
        values,
    })
}

fn not_finite(path: &Path, row: usize, column: usize, value: f64) -> DataError {
    let what = not_a_float(value);
    DataError::at(
        path,
        At::Row(row as u64 + 1),
        format!("column {column} (`{column}`): {what}"),
    )
}

/// Reads `bytes` fully unless the reader ends first; returns how many bytes were read.
pub fn fill(reader: &mut impl Read, bytes: &mut [u8]) -> io::Result<usize> {
    input::peek(reader, bytes)
}

/// Row-major from column-major: `values` holds `columns` columns of `rows` values each.
fn transpose(values: &[f32], columns: usize, rows: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for column in 0..columns {
        for row in 0..rows {
            out[row * columns + column] = values[column * rows + row];
        }
    }
    out
}

/// A table of a features array (columns named by index, in the table's block) and its labels as
/// the last column; `labels_path` names the labels' file in messages.
pub fn table(
    path: &Path,
    features: Features,
    labels_path: &Path,
    labels: Values,
    label_count: usize,
) -> Result<RawTable> {
    if label_count != features.rows {
        return Err(DataError::invalid(
            labels_path,
            format!(
                "holds {label_count} labels, but `{}` holds {} rows",
                path.display(),
                features.rows
            ),
        ));
    }
    if features.rows == 0 {
        return Err(DataError::invalid(
            path,
            "holds no rows (its first dimension is 0)",
        ));
    }
    if features.width == 0 {
        return Err(DataError::invalid(
            path,
            "has no features (a dimension is 0)",
        ));
    }
    let mut columns: Vec<Column> = (0..features.width)
        .map(|column| Column {
            name: Some(column.to_string()),
            values: Values::Block(column),
        })
        .collect();
    columns.push(Column {
        name: Some("label".to_owned()),
        values: labels,
    });
    let mut table = RawTable::new(path.to_owned(), Places::Rows(features.rows), columns);
    table.block = Block {
        width: features.width,
        values: features.values,
    };
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(kind: Kind, size: usize, big_endian: bool) -> Element {
        Element {
            kind,
            size,
            big_endian,
        }
    }

    #[test]
    fn decodes_every_element_type() {
        assert_eq!(
            decode(&[1, 255], element(Kind::Unsigned, 1, false)),
            vec![1.0, 255.0]
        );
        assert_eq!(decode(&[255], element(Kind::Signed, 1, false)), vec![-1.0]);
        assert_eq!(
            decode(&[0xff, 0xfe], element(Kind::Signed, 2, true)),
            vec![-2.0]
        );
        assert_eq!(
            decode(&1.5f32.to_be_bytes(), element(Kind::Float, 4, true)),
            vec![1.5]
        );
        assert_eq!(
            decode(&(-2.25f64).to_le_bytes(), element(Kind::Float, 8, false)),
            vec![-2.25]
        );
        assert_eq!(
            decode(&(-7i64).to_le_bytes(), element(Kind::Signed, 8, false)),
            vec![-7.0]
        );
        assert_eq!(
            decode(&[0, 3], element(Kind::Bool, 1, false)),
            vec![0.0, 1.0]
        );
    }

    #[test]
    fn features_stream_in_either_order_and_refuse_infinities() {
        let path = Path::new("x");
        let byte = element(Kind::Unsigned, 1, false);
        let short = |read| DataError::invalid(Path::new("x"), format!("short at {read}"));
        let rows = read_features(
            path,
            &mut &[1u8, 2, 3, 4, 5, 6][..],
            byte,
            (2, 3),
            Order::RowMajor,
            short,
        )
        .unwrap();
        assert_eq!(rows.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let columns = read_features(
            path,
            &mut &[1u8, 4, 2, 5, 3, 6][..],
            byte,
            (2, 3),
            Order::ColumnMajor,
            short,
        )
        .unwrap();
        assert_eq!(columns, rows);
        let error = read_features(
            path,
            &mut &[1u8, 2][..],
            byte,
            (2, 3),
            Order::RowMajor,
            short,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "x: short at 2");
        let double = element(Kind::Float, 8, false);
        let bytes: Vec<u8> = [1.0, 1e300]
            .iter()
            .flat_map(|v: &f64| v.to_le_bytes())
            .collect();
        let error = read_features(
            path,
            &mut &bytes[..],
            double,
            (1, 2),
            Order::RowMajor,
            short,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "x: row 1: column 1 (`1`): 1e300 is too large for a 32-bit float"
        );
    }

    #[test]
    fn sizes_are_checked_before_allocating() {
        let path = Path::new("x");
        assert_eq!(check_size(path, &[2, 3], 1, Some(6)).unwrap(), 6);
        let error = check_size(path, &[2, 3], 1, Some(5))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("declares 2 x 3 values of 1 bytes (6 bytes) but holds 5"),
            "{error}"
        );
        let error = check_size(path, &[u64::MAX, 4], 1, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than any file"), "{error}");
        let error = check_size(path, &[1 << 20, 1 << 20], 1, None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("1048576 rows x 1048576 columns make 1099511627776 values"),
            "{error}"
        );
    }
}
