//! Binary arrays of numbers, shared by the IDX and NumPy readers: element types and byte order,
//! sizes computed from a header (checked for overflow before anything is allocated), and the
//! conversion of a features array and a labels array into a [`RawTable`].

use std::path::Path;

use super::error::{DataError, Result};
use super::input;
use super::raw_table::{Column, Places, RawTable, Values};

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

/// A row-major array read from a file: `rows` x `width` numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows (the first dimension).
    pub rows: usize,
    /// Values per row (the product of the other dimensions).
    pub width: usize,
    /// The values, row after row.
    pub values: Vec<f64>,
}

/// The number of bytes an array of `dims` elements of `size` bytes takes, if it fits in u64.
pub fn byte_size(dims: &[u64], size: usize) -> Option<u64> {
    dims.iter()
        .try_fold(size as u64, |product, &dim| product.checked_mul(dim))
}

/// Checks a header's dimensions of elements of `size` bytes against the matrix limit and, when
/// known, the bytes actually there (`available`, after the header), before anything is allocated;
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
        Some(available) if available != bytes => Err(DataError::invalid(
            path,
            format!(
                "declares {} ({bytes} bytes) but holds {available} bytes after its header; \
                 the file is truncated or not what its header says",
                describe()
            ),
        )),
        _ => Ok(bytes),
    }
}

/// `dims` elements of `size` bytes, in words: "60000 x 28 x 28 values of 1 bytes".
pub fn describe(dims: &[u64], size: usize) -> String {
    let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
    format!("{} values of {size} bytes", dims.join(" x "))
}

/// Decodes `bytes` (whole elements) into numbers.
pub fn decode(bytes: &[u8], element: Element) -> Vec<f64> {
    let size = element.size;
    bytes
        .chunks_exact(size)
        .map(|chunk| {
            let mut buffer = [0u8; 8];
            if element.big_endian {
                buffer[8 - size..].copy_from_slice(chunk);
                buffer.reverse();
            } else {
                buffer[..size].copy_from_slice(chunk);
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
        })
        .collect()
}

/// A table of a features matrix (columns named by index) and its labels as the last column;
/// `labels_path` names the labels' file in messages.
pub fn table(
    path: &Path,
    features: Matrix,
    labels_path: &Path,
    labels: Values,
) -> Result<RawTable> {
    if labels.len() != features.rows {
        return Err(DataError::invalid(
            labels_path,
            format!(
                "holds {} labels, but `{}` holds {} rows",
                labels.len(),
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
    let Matrix {
        rows,
        width,
        values,
    } = features;
    let mut columns: Vec<Column> = (0..width)
        .map(|column| Column {
            name: Some(column.to_string()),
            values: Values::Numbers(Vec::with_capacity(rows)),
        })
        .collect();
    for row in values.chunks_exact(width) {
        for (column, &value) in columns.iter_mut().zip(row) {
            if let Values::Numbers(numbers) = &mut column.values {
                numbers.push(value);
            }
        }
    }
    columns.push(Column {
        name: Some("label".to_owned()),
        values: labels,
    });
    Ok(RawTable {
        path: path.to_owned(),
        places: Places::Rows(rows),
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_element_type() {
        let element = |kind, size, big_endian| Element {
            kind,
            size,
            big_endian,
        };
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
    fn sizes_are_checked_before_allocating() {
        let path = Path::new("x");
        let byte = Element {
            kind: Kind::Unsigned,
            size: 1,
            big_endian: true,
        };
        assert_eq!(check_size(path, &[2, 3], byte.size, Some(6)).unwrap(), 6);
        let error = check_size(path, &[2, 3], byte.size, Some(5))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("declares 2 x 3 values of 1 bytes (6 bytes) but holds 5"),
            "{error}"
        );
        let error = check_size(path, &[u64::MAX, 4], byte.size, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than any file"), "{error}");
        let error = check_size(path, &[1 << 20, 1 << 20], byte.size, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("1048576 rows x 1048576 features"), "{error}");
    }
}
