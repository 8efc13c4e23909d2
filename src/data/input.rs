//! Reading data files: opening with the path in every error (regular files only, so a device such
//! as `/dev/zero` is refused rather than read forever), transparent gzip (recognised by its magic
//! bytes, not the name), the byte limit counted while streaming (so a compression bomb stops as
//! soon as it passes it), and allocations that report running out of memory as an error instead
//! of aborting.

use std::collections::TryReserveError;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::error::{At, DataError, Result};
use super::limits::{self, Limit};

/// The first two bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The UTF-8 byte-order mark some editors write at the start of a text file.
const BYTE_ORDER_MARK: [u8; 3] = [0xef, 0xbb, 0xbf];

/// Size of the read buffer of text files.
const BUFFER_BYTES: usize = 1 << 16;

/// A file's contents as a stream, decompressed if it is gzip, with at most
/// [`limits::DATA_BYTES`] bytes (after decompression) readable: reading past them fails with an
/// error that [`read_error`] turns into [`DataError::Limit`]. Returns the file's length too when
/// it is not compressed.
pub fn reader(path: &Path) -> Result<(Box<dyn Read>, Option<u64>)> {
    let limit = limits::DATA_BYTES.value()?;
    let (file, length) = open(path)?;
    if length > limit {
        return Err(too_many_bytes(path, limit));
    }
    let mut reader = BufReader::new(file);
    let mut start = [0u8; 2];
    let peeked = peek(&mut reader, &mut start).map_err(|e| DataError::read(path, e))?;
    let head = Cursor::new(start).take(peeked as u64);
    if start[..peeked] == GZIP_MAGIC {
        let inflated = MultiGzDecoder::new(head.chain(reader));
        Ok((Box::new(Bounded::new(inflated, limit)), None))
    } else {
        Ok((
            Box::new(Bounded::new(head.chain(reader), limit)),
            Some(length),
        ))
    }
}

/// A text file as a buffered stream (decompressed if it is gzip, bounded like [`reader`]), without
/// a UTF-8 byte-order mark.
pub fn text_reader(path: &Path) -> Result<impl BufRead> {
    let (mut reader, _) = reader(path)?;
    let mut start = [0u8; 3];
    let peeked = peek(&mut reader, &mut start).map_err(|e| read_error(path, e))?;
    let kept = if start[..peeked] == BYTE_ORDER_MARK {
        &start[..0]
    } else {
        &start[..peeked]
    };
    let head = Cursor::new(kept.to_vec());
    Ok(BufReader::with_capacity(BUFFER_BYTES, head.chain(reader)))
}

/// The whole contents of a file, decompressed if it is gzip, within the limits.
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    let (reader, length) = reader(path)?;
    read_to_end(path, reader, length)
}

/// The whole contents of a file that must not be compressed (Parquet); `format` names the format
/// in the message when it is gzip.
pub fn read_plain(path: &Path, format: &str) -> Result<Vec<u8>> {
    let (file, length) = open(path)?;
    let limit = limits::DATA_BYTES.value()?;
    if length > limit {
        return Err(too_many_bytes(path, limit));
    }
    let bytes = read_to_end(path, BufReader::new(file), Some(length))?;
    refuse_gzip(path, &bytes, format)?;
    Ok(bytes)
}

/// An error when `start`, the first bytes of a file, are gzip's magic: `format` (Parquet, NumPy)
/// is read uncompressed.
pub fn refuse_gzip(path: &Path, start: &[u8], format: &str) -> Result<()> {
    if start.starts_with(&GZIP_MAGIC) {
        return Err(DataError::invalid(
            path,
            format!(
                "is gzip-compressed; sisa reads {format} files uncompressed: decompress it first"
            ),
        ));
    }
    Ok(())
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

/// Opens a regular file for reading; returns it with its length. Folders, devices, pipes and
/// sockets are refused: they have no length to check, and a device such as `/dev/zero` never
/// ends.
pub fn open(path: &Path) -> Result<(File, u64)> {
    let file = File::open(path).map_err(|e| DataError::read(path, e))?;
    let metadata = file.metadata().map_err(|e| DataError::read(path, e))?;
    if metadata.is_dir() {
        return Err(DataError::read(path, "it is a folder, not a file"));
    }
    if !metadata.is_file() {
        return Err(DataError::read(
            path,
            "it is not a regular file (a device, pipe or socket); sisa reads data from files",
        ));
    }
    Ok((file, metadata.len()))
}

/// A failed read as a data error: the byte limit passed (see [`reader`]), or what the operating
/// system or the decompressor said.
pub fn read_error(path: &Path, error: io::Error) -> DataError {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitPassed>())
    {
        Some(LimitPassed(limit)) => too_many_bytes(path, *limit),
        None => DataError::read(path, error),
    }
}

/// Reads everything from `reader` (whose size is `length` when known), growing the buffer with
/// the data that actually arrive and reporting a failed allocation as an error.
fn read_to_end(path: &Path, mut reader: impl Read, length: Option<u64>) -> Result<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new();
    let what = || format!("the contents of `{}`", path.display());
    if let Some(length) = length {
        reserve(&mut bytes, length as usize, what)?;
    }
    let mut chunk = vec![0u8; BUFFER_BYTES];
    loop {
        let read = match reader.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read_error(path, error)),
        };
        reserve(&mut bytes, read, what)?;
        bytes.extend_from_slice(&chunk[..read]);
    }
}

/// Makes room for `additional` more items in `vec`; running out of memory is an error naming
/// `what` the memory was for, instead of an abort.
pub fn reserve<T>(
    vec: &mut Vec<T>,
    additional: usize,
    what: impl FnOnce() -> String,
) -> Result<()> {
    vec.try_reserve(additional)
        .map_err(|error| out_of_memory(error, vec.len() + additional, size_of::<T>(), what))
}

/// Like [`reserve`], without room to spare: for a size known in advance.
pub fn reserve_exact<T>(
    vec: &mut Vec<T>,
    additional: usize,
    what: impl FnOnce() -> String,
) -> Result<()> {
    vec.try_reserve_exact(additional)
        .map_err(|error| out_of_memory(error, vec.len() + additional, size_of::<T>(), what))
}

fn out_of_memory(
    _: TryReserveError,
    items: usize,
    item_bytes: usize,
    what: impl FnOnce() -> String,
) -> DataError {
    DataError::OutOfMemory {
        what: what(),
        bytes: (items as u64).saturating_mul(item_bytes as u64),
    }
}

fn too_many_bytes(path: &Path, limit: u64) -> DataError {
    limit_error(
        path,
        &limits::DATA_BYTES,
        limit,
        "holds (decompressed) more bytes".to_owned(),
    )
}

/// `path` passes `limit`, whose value in effect is `value`: `what` says how.
pub fn limit_error(path: &Path, limit: &Limit, value: u64, what: String) -> DataError {
    DataError::Limit {
        path: path.to_owned(),
        what,
        limit: value,
        unit: limit.unit,
        variable: limit.variable,
    }
}

/// Fills `buffer` as far as the reader allows; returns how many bytes were read.
pub fn peek(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Checks that a matrix of `rows` x `columns` values fits [`limits::FEATURE_VALUES`].
pub fn check_matrix(path: &Path, rows: u64, columns: u64) -> Result<()> {
    let limit = limits::FEATURE_VALUES.value()?;
    match rows.checked_mul(columns) {
        Some(values) if values <= limit => Ok(()),
        _ => Err(limit_error(
            path,
            &limits::FEATURE_VALUES,
            limit,
            format!(
                "{rows} rows x {columns} columns make {} values",
                rows.saturating_mul(columns)
            ),
        )),
    }
}

/// The error a [`Bounded`] reader fails with once its limit is passed.
#[derive(Debug)]
struct LimitPassed(u64);

impl std::fmt::Display for LimitPassed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} bytes", self.0)
    }
}

impl std::error::Error for LimitPassed {}

/// A reader that fails once more than `limit` bytes came through it.
struct Bounded<R> {
    inner: R,
    limit: u64,
    read: u64,
}

impl<R> Bounded<R> {
    fn new(inner: R, limit: u64) -> Self {
        Bounded {
            inner,
            limit,
            read: 0,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.read += read as u64;
        if self.read > self.limit {
            return Err(io::Error::other(LimitPassed(self.limit)));
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn reads_plain_and_gzip_files_alike() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, b"1,2\n3,4\n").unwrap();
        let zipped = dir.path().join("a.csv.gz");
        std::fs::write(&zipped, gzip(b"1,2\n3,4\n")).unwrap();
        assert_eq!(read_all(&plain).unwrap(), b"1,2\n3,4\n");
        assert_eq!(read_all(&zipped).unwrap(), b"1,2\n3,4\n");
        let error = read_plain(&zipped, "npy").unwrap_err().to_string();
        assert!(error.contains("gzip-compressed"), "{error}");
    }

    #[test]
    fn text_streams_lose_their_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv.gz");
        std::fs::write(&path, gzip(b"\xef\xbb\xbfx,y\n")).unwrap();
        let mut text = String::new();
        text_reader(&path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "x,y\n");
    }

    #[test]
    fn missing_files_folders_and_devices_are_named() {
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
        let error = read_all(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
    }

    #[test]
    fn bounded_readers_stop_at_the_limit() {
        let path = Path::new("x");
        let mut bytes = Vec::new();
        let error = Bounded::new(&[7u8; 100][..], 10)
            .read_to_end(&mut bytes)
            .unwrap_err();
        let error = read_error(path, error).to_string();
        assert!(error.contains("more than the limit of 10 bytes"), "{error}");
        assert!(error.contains("SISA_MAX_DATA_BYTES"), "{error}");
        assert!(check_matrix(path, u64::MAX, 2).is_err());
        assert!(check_matrix(path, 10, 10).is_ok());
    }

    #[test]
    fn failed_allocations_are_errors() {
        let mut vec: Vec<u64> = Vec::new();
        let error = reserve(&mut vec, usize::MAX / 16, || "a test".to_owned()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("not enough memory for a test"),
            "{error}"
        );
    }
}
