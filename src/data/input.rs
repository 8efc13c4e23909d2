//! Reading data files into memory: opening with the path in every error, transparent gzip
//! (recognised by its magic bytes, not the name), and a size limit so a crafted or runaway file
//! fails clearly instead of exhausting memory.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::error::{At, DataError, Result};

/// Largest (decompressed) file sisa reads: 16 GiB.
pub const MAX_FILE_BYTES: u64 = 16 << 30;

/// Largest dense feature matrix a file may produce (rows x features): 2^30 values, 4 GiB as f32
/// (and twice that while a table is converted).
pub const MAX_VALUES: u64 = 1 << 30;

/// The first two bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The whole contents of a file, decompressed if it is gzip.
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    let (reader, length) = reader(path)?;
    read_limited(path, reader, length)
}

/// A file's contents as a stream, decompressed if it is gzip; with the file's length when it is
/// not compressed.
pub fn reader(path: &Path) -> Result<(Box<dyn Read>, Option<u64>)> {
    let (file, length) = open(path)?;
    let mut reader = BufReader::new(file);
    let mut start = [0u8; 2];
    let peeked = peek(&mut reader, &mut start).map_err(|e| DataError::read(path, e))?;
    let head = Cursor::new(start).take(peeked as u64);
    if start[..peeked] == GZIP_MAGIC {
        Ok((Box::new(MultiGzDecoder::new(head.chain(reader))), None))
    } else {
        Ok((Box::new(head.chain(reader)), Some(length)))
    }
}

/// The whole contents of a file that must not be compressed (Parquet, NumPy); `format` names the
/// format in the message when it is gzip.
pub fn read_plain(path: &Path, format: &str) -> Result<Vec<u8>> {
    let (file, length) = open(path)?;
    let bytes = read_limited(path, BufReader::new(file), Some(length))?;
    if bytes.starts_with(&GZIP_MAGIC) {
        return Err(DataError::invalid(
            path,
            format!(
                "is gzip-compressed; sisa reads {format} files uncompressed: decompress it first"
            ),
        ));
    }
    Ok(bytes)
}

/// A text file's bytes as UTF-8 text without a byte-order mark; an error names the line of the
/// first byte that is not UTF-8.
pub fn text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Err(DataError::at(
                path,
                At::Line(line),
                "is not UTF-8 text (is it a binary file? give its `format`)",
            ))
        }
    }
}

/// Reads at most `limit` bytes (never more than [`MAX_FILE_BYTES`]) from `reader`, growing the
/// buffer with the data that actually arrives, so a size declared in a header never decides an
/// allocation. Fails if more than `limit` bytes are there.
pub fn read_at_most(path: &Path, reader: impl Read, limit: u64) -> Result<Vec<u8>> {
    let limit = limit.min(MAX_FILE_BYTES);
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::read(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(DataError::invalid(
            path,
            format!("holds more than the {limit} bytes expected"),
        ));
    }
    Ok(bytes)
}

/// Opens a file for reading; returns it with its length.
pub fn open(path: &Path) -> Result<(File, u64)> {
    let file = File::open(path).map_err(|e| DataError::read(path, e))?;
    let metadata = file.metadata().map_err(|e| DataError::read(path, e))?;
    if metadata.is_dir() {
        return Err(DataError::read(path, "it is a folder, not a file"));
    }
    Ok((file, metadata.len()))
}

fn read_limited(path: &Path, reader: impl Read, length: Option<u64>) -> Result<Vec<u8>> {
    if length.is_some_and(|length| length > MAX_FILE_BYTES) {
        return Err(too_large(path));
    }
    let mut bytes = Vec::with_capacity(length.unwrap_or(0) as usize);
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::read(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(bytes)
}

fn too_large(path: &Path) -> DataError {
    DataError::invalid(
        path,
        format!("is larger than the {} GiB sisa reads", MAX_FILE_BYTES >> 30),
    )
}

/// Fills `buffer` as far as the reader allows; returns how many bytes were read.
fn peek(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Checks that a matrix of `rows` x `columns` values fits [`MAX_VALUES`].
pub fn check_matrix(path: &Path, rows: u64, columns: u64) -> Result<()> {
    match rows.checked_mul(columns) {
        Some(values) if values <= MAX_VALUES => Ok(()),
        _ => Err(DataError::invalid(
            path,
            format!(
                "{rows} rows x {columns} features is more than the {MAX_VALUES} values sisa \
                 holds in memory"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_plain_and_gzip_files_alike() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, b"1,2\n3,4\n").unwrap();
        let zipped = dir.path().join("a.csv.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"1,2\n3,4\n").unwrap();
        std::fs::write(&zipped, encoder.finish().unwrap()).unwrap();
        assert_eq!(read_all(&plain).unwrap(), b"1,2\n3,4\n");
        assert_eq!(read_all(&zipped).unwrap(), b"1,2\n3,4\n");
        let error = read_plain(&zipped, "npy").unwrap_err().to_string();
        assert!(error.contains("gzip-compressed"), "{error}");
    }

    #[test]
    fn missing_files_and_folders_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_all(&dir.path().join("nope.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("nope.csv") && error.contains("cannot read"),
            "{error}"
        );
        let error = read_all(dir.path()).unwrap_err().to_string();
        assert!(error.contains("folder"), "{error}");
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let path = Path::new("x");
        assert_eq!(read_at_most(path, &b"abc"[..], 3).unwrap(), b"abc");
        assert!(read_at_most(path, &b"abcd"[..], 3).is_err());
        assert!(check_matrix(path, u64::MAX, 2).is_err());
        assert!(check_matrix(path, 10, 10).is_ok());
    }
}
