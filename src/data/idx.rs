//! IDX files (the MNIST format), optionally gzip-compressed: a features file (N x d1 x ... ,
//! flattened to N rows) and a labels file (N values).
//!
//! The header (two zero bytes, a type byte, the number of dimensions, then each dimension as a
//! big-endian u32) is checked against the bytes actually present before any allocation.

use std::io::Read;
use std::path::Path;

use super::binary::{self, Element, Features, Kind, Order};
use super::error::{DataError, Result};
use super::input;
use super::raw_table::{RawTable, Values};

/// Reads a features file and its labels file into one table (labels last).
pub fn read(path: &Path, labels_path: &Path) -> Result<RawTable> {
    let features = read_features(path)?;
    let labels = read_labels(labels_path)?;
    let count = labels.len();
    binary::table(path, features, labels_path, Values::Numbers(labels), count)
}

/// An IDX header: the element type and the dimensions.
struct Header {
    element: Element,
    dims: Vec<u64>,
}

impl Header {
    /// Bytes the header takes in the file.
    fn bytes(&self) -> u64 {
        4 + 4 * self.dims.len() as u64
    }
}

/// The features file: N x d1 x ... values, flattened to N rows.
fn read_features(path: &Path) -> Result<Features> {
    let (mut reader, length) = input::reader(path)?;
    let header = parse_header(path, &mut reader)?;
    let (element, dims) = (header.element, &header.dims);
    check(path, &header, length)?;
    let rows = dims[0] as usize;
    let width = dims[1..].iter().product::<u64>() as usize;
    let features = binary::read_features(
        path,
        &mut reader,
        element,
        (rows, width),
        Order::RowMajor,
        |held| binary::truncated(path, dims, element.size, held),
    )?;
    ensure_ended(path, &mut reader, &header)?;
    Ok(features)
}

/// The labels file: N values.
fn read_labels(path: &Path) -> Result<Vec<f64>> {
    let (mut reader, length) = input::reader(path)?;
    let header = parse_header(path, &mut reader)?;
    if header.dims.len() != 1 {
        return Err(DataError::invalid(
            path,
            format!(
                "has {} dimensions; a labels file has one (N labels)",
                header.dims.len()
            ),
        ));
    }
    let expected = check(path, &header, length)?;
    let mut bytes = Vec::new();
    input::reserve_exact(&mut bytes, expected as usize, || {
        format!("the labels of `{}`", path.display())
    })?;
    (&mut reader)
        .take(expected)
        .read_to_end(&mut bytes)
        .map_err(|error| input::read_error(path, error))?;
    if (bytes.len() as u64) < expected {
        let size = header.element.size;
        return Err(binary::truncated(
            path,
            &header.dims,
            size,
            bytes.len() as u64,
        ));
    }
    ensure_ended(path, &mut reader, &header)?;
    Ok(binary::decode(&bytes, header.element))
}

/// Checks the header's size against the limits and, for a plain file, its length (`length`);
/// returns the declared data bytes.
fn check(path: &Path, header: &Header, length: Option<u64>) -> Result<u64> {
    let available = length.map(|length| length.saturating_sub(header.bytes()));
    binary::check_size(path, &header.dims, header.element.size, available)
}

/// A compressed file must end where its header says.
fn ensure_ended(path: &Path, reader: &mut impl Read, header: &Header) -> Result<()> {
    let mut extra = [0u8; 1];
    let more = binary::fill(reader, &mut extra).map_err(|error| input::read_error(path, error))?;
    if more > 0 {
        return Err(too_long(path, &header.dims, header.element));
    }
    Ok(())
}

/// Parses an IDX header from the start of a stream.
fn parse_header(path: &Path, reader: &mut impl Read) -> Result<Header> {
    let mut magic = [0u8; 4];
    read_exact(path, reader, &mut magic)?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(DataError::invalid(
            path,
            format!(
                "is not an IDX file: it starts with bytes {:02x} {:02x}, not 00 00",
                magic[0], magic[1]
            ),
        ));
    }
    let element = element(path, magic[2])?;
    let ndim = usize::from(magic[3]);
    if ndim == 0 {
        return Err(DataError::invalid(path, "declares 0 dimensions"));
    }
    let mut header = vec![0u8; 4 * ndim];
    read_exact(path, reader, &mut header)?;
    let dims = header
        .chunks_exact(4)
        .map(|chunk| u64::from(u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])))
        .collect();
    Ok(Header { element, dims })
}

fn too_long(path: &Path, dims: &[u64], element: Element) -> DataError {
    DataError::invalid(
        path,
        format!(
            "holds more data than its header declares ({})",
            binary::describe(dims, element.size)
        ),
    )
}

/// The element type of an IDX type byte.
fn element(path: &Path, code: u8) -> Result<Element> {
    let (kind, size) = match code {
        0x08 => (Kind::Unsigned, 1),
        0x09 => (Kind::Signed, 1),
        0x0B => (Kind::Signed, 2),
        0x0C => (Kind::Signed, 4),
        0x0D => (Kind::Float, 4),
        0x0E => (Kind::Float, 8),
        other => {
            return Err(DataError::invalid(
                path,
                format!("has IDX type byte 0x{other:02x}, not one of 08 09 0b 0c 0d 0e"),
            ))
        }
    };
    Ok(Element {
        kind,
        size,
        big_endian: true,
    })
}

fn read_exact(path: &Path, reader: &mut impl Read, buffer: &mut [u8]) -> Result<()> {
    reader.read_exact(buffer).map_err(|error| {
        if error.kind() == std::io::ErrorKind::UnexpectedEof {
            DataError::invalid(path, "ends inside its IDX header")
        } else {
            input::read_error(path, error)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An IDX file of u8 values with the given dimensions.
    fn idx_bytes(dims: &[u32], values: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
        for dim in dims {
            bytes.extend(dim.to_be_bytes());
        }
        bytes.extend(values);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn reads_images_and_labels_plain_or_gzipped() {
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join("images-idx3-ubyte");
        let labels = dir.path().join("labels-idx1-ubyte.gz");
        std::fs::write(
            &images,
            idx_bytes(&[3, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]),
        )
        .unwrap();
        std::fs::write(&labels, gzip(&idx_bytes(&[3], &[7, 1, 7]))).unwrap();
        let table = read(&images, &labels).unwrap();
        assert_eq!(table.columns.len(), 4 + 1);
        assert_eq!(table.n_rows(), 3);
        let column: Vec<f64> = (0..3).map(|row| table.number(3, row).unwrap()).collect();
        assert_eq!(column, [3.0, 7.0, 255.0]);
        assert_eq!(
            table.columns[4].values,
            Values::Numbers(vec![7.0, 1.0, 7.0])
        );
    }

    #[test]
    fn crafted_headers_fail_before_allocating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad-idx3-ubyte");
        // 4 billion x 4 billion values declared, 3 bytes present.
        std::fs::write(&path, idx_bytes(&[u32::MAX, u32::MAX], &[1, 2, 3])).unwrap();
        let error = read_features(&path).unwrap_err().to_string();
        assert!(
            error.contains("4294967295 rows x 4294967295 columns"),
            "{error}"
        );
        let zipped = dir.path().join("bad-idx3-ubyte.gz");
        std::fs::write(&zipped, gzip(&idx_bytes(&[1000, 1000], &[1, 2, 3]))).unwrap();
        let error = read_features(&zipped).unwrap_err().to_string();
        assert!(
            error.contains("(1000000 bytes) but holds 3 bytes"),
            "{error}"
        );
        // Truncated, and too long.
        std::fs::write(&path, idx_bytes(&[2, 2], &[1, 2, 3])).unwrap();
        assert!(read_features(&path)
            .unwrap_err()
            .to_string()
            .contains("truncated"));
        std::fs::write(&zipped, gzip(&idx_bytes(&[2, 2], &[1, 2, 3, 4, 5]))).unwrap();
        let error = read_features(&zipped).unwrap_err().to_string();
        assert!(error.contains("more data than its header"), "{error}");
        std::fs::write(&path, [0u8, 0, 8]).unwrap();
        assert!(read_features(&path)
            .unwrap_err()
            .to_string()
            .contains("header"));
        std::fs::write(&path, b"PK\x03\x04").unwrap();
        assert!(read_features(&path)
            .unwrap_err()
            .to_string()
            .contains("not an IDX file"));
    }

    #[test]
    fn label_counts_must_match() {
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join("i-ubyte");
        let labels = dir.path().join("l-ubyte");
        std::fs::write(&images, idx_bytes(&[2, 1], &[0, 1])).unwrap();
        std::fs::write(&labels, idx_bytes(&[3], &[0, 1, 1])).unwrap();
        let error = read(&images, &labels).unwrap_err().to_string();
        assert!(error.contains("holds 3 labels, but"), "{error}");
    }
}
