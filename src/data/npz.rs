//! NumPy `.npz` archives (`np.savez`, stored; `np.savez_compressed`, deflated): a zip file of
//! `.npy` arrays. The features and labels arrays are found by name (`features_key`,
//! `labels_key`; by default the arrays named `x` and `y` in either case, as the paper's code
//! names them `X` and `y`).
//!
//! The zip structure is read here (end record, central directory, ZIP64 sizes as numpy writes
//! them): every offset and size is checked against the archive's length, and a deflated entry is
//! inflated only up to its declared size.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::read::DeflateDecoder;

use super::binary;
use super::error::{DataError, Result};
use super::input;
use super::limits;
use super::npy;
use super::raw_table::RawTable;

/// Signature of the end-of-central-directory record.
const END_SIGNATURE: u32 = 0x0605_4b50;
/// Signature of a central directory entry.
const ENTRY_SIGNATURE: u32 = 0x0201_4b50;
/// Signature of a local file header.
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
/// Signature of the ZIP64 end-of-central-directory record.
const END64_SIGNATURE: u32 = 0x0606_4b50;
/// Signature of the ZIP64 end-of-central-directory locator.
const LOCATOR64_SIGNATURE: u32 = 0x0706_4b50;

/// Reads the features and labels arrays of an archive into one table (labels last), streaming
/// each member from the file into the table (never the archive or an inflated member whole).
pub fn read(path: &Path, features_key: Option<&str>, labels_key: Option<&str>) -> Result<RawTable> {
    let archive = Archive::open(path)?;
    let features_entry = archive.find(features_key, "x", "features_key")?;
    let labels_entry = archive.find(labels_key, "y", "labels_key")?;
    let features = archive.read(features_entry, |mut reader, total| {
        npy::features(path, &mut reader, Some(&features_entry.name), total)
    })?;
    let (labels, count) = archive.read(labels_entry, |mut reader, total| {
        npy::labels(path, &mut reader, Some(&labels_entry.name), total)
    })?;
    binary::table(path, features, path, labels, count)
        .map_err(|error| npy::in_entry(error, &labels_entry.name))
}

/// One member of the archive.
#[derive(Debug, Clone)]
struct Entry {
    /// The array name (the member name without `.npy`).
    name: String,
    /// 0: stored; 8: deflated.
    method: u16,
    compressed_size: u64,
    size: u64,
    local_offset: u64,
}

/// A zip archive: the file and its central directory.
struct Archive<'a> {
    path: &'a Path,
    file: File,
    length: u64,
    entries: Vec<Entry>,
}

impl<'a> Archive<'a> {
    /// Opens an archive and reads its central directory (from the end of the file).
    fn open(path: &'a Path) -> Result<Archive<'a>> {
        let (file, length) = input::open(path)?;
        let mut start = [0u8; 2];
        let got = binary::fill(&mut &file, &mut start).map_err(|e| input::read_error(path, e))?;
        input::refuse_gzip(path, &start[..got], "NumPy")?;
        let fail = |message: &str| DataError::invalid(path, message.to_owned());
        let not_zip = || fail("is not a NumPy .npz archive (no zip end record)");
        // The end record is 22 bytes plus a comment of at most 65535 bytes.
        let tail_start = length.saturating_sub(22 + 65_535);
        let tail = read_at(path, &file, tail_start, (length - tail_start) as usize)?;
        let end = (0..=tail.len().saturating_sub(22))
            .rev()
            .find(|&at| read_u32(&tail, at) == Some(END_SIGNATURE))
            .ok_or_else(not_zip)?;
        let mut count = u64::from(read_u16(&tail, end + 10).ok_or_else(not_zip)?);
        let mut directory_size = u64::from(read_u32(&tail, end + 12).ok_or_else(not_zip)?);
        let mut directory_offset = u64::from(read_u32(&tail, end + 16).ok_or_else(not_zip)?);
        if count == 0xffff || directory_size == 0xffff_ffff || directory_offset == 0xffff_ffff {
            // ZIP64: a locator just before the end record points at the ZIP64 end record.
            let broken = || fail("has a broken ZIP64 end record");
            let locator = end.checked_sub(20).ok_or_else(not_zip)?;
            if read_u32(&tail, locator) != Some(LOCATOR64_SIGNATURE) {
                return Err(broken());
            }
            let end64 = read_u64(&tail, locator + 8).ok_or_else(not_zip)?;
            if end64.checked_add(56).is_none_or(|end| end > length) {
                return Err(broken());
            }
            let record = read_at(path, &file, end64, 56)?;
            if read_u32(&record, 0) != Some(END64_SIGNATURE) {
                return Err(broken());
            }
            count = read_u64(&record, 32).ok_or_else(broken)?;
            directory_size = read_u64(&record, 40).ok_or_else(broken)?;
            directory_offset = read_u64(&record, 48).ok_or_else(broken)?;
        }
        let directory_end = directory_offset.checked_add(directory_size);
        if directory_end.is_none_or(|end| end > length) {
            return Err(fail("has a central directory outside the file"));
        }
        // Each entry takes at least 46 bytes, so `count` cannot exceed what is there.
        if count > directory_size / 46 + 1 {
            return Err(fail("declares more members than its directory holds"));
        }
        let directory = read_at(path, &file, directory_offset, directory_size as usize)?;
        let mut entries = Vec::with_capacity(count as usize);
        let mut at = 0;
        for _ in 0..count {
            entries.push(entry(path, &directory, &mut at)?);
        }
        Ok(Archive {
            path,
            file,
            length,
            entries,
        })
    }

    /// The array named `given` (exactly, else ignoring case), or by default the one named
    /// `default` in either case.
    fn find(&self, given: Option<&str>, default: &str, option: &str) -> Result<&Entry> {
        let wanted = given.unwrap_or(default);
        let exact = self.entries.iter().find(|e| e.name == wanted);
        let folded: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.name.eq_ignore_ascii_case(wanted))
            .collect();
        match (exact, folded.as_slice()) {
            (Some(entry), _) => Ok(entry),
            (None, [entry]) => Ok(entry),
            _ => {
                let names: Vec<String> = self
                    .entries
                    .iter()
                    .map(|e| format!("`{}`", e.name))
                    .collect();
                let how = if given.is_some() {
                    format!("`{option}` names `{wanted}`")
                } else {
                    format!("by default the array is `{wanted}` (set `{option}`)")
                };
                Err(DataError::invalid(
                    self.path,
                    format!(
                        "has no array `{wanted}`: {how}; the archive holds {}",
                        if names.is_empty() {
                            "nothing".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                ))
            }
        }
    }

    /// Reads member `entry` with `parse`, which is given the member's contents as a stream and
    /// their size when it is known for certain (a stored member; a deflated one declares its
    /// size, which is checked as it is inflated). The member must hold exactly what it declares.
    fn read<T>(
        &self,
        entry: &Entry,
        parse: impl FnOnce(&mut dyn Read, Option<u64>) -> Result<T>,
    ) -> Result<T> {
        let name = &entry.name;
        let fail =
            |message: String| DataError::invalid(self.path, format!("array `{name}`: {message}"));
        let limit = limits::DATA_BYTES.value()?;
        if entry.size > limit {
            return Err(input::limit_error(
                self.path,
                &limits::DATA_BYTES,
                limit,
                format!("array `{name}` declares {} bytes", entry.size),
            ));
        }
        let start = self.data_start(entry).map_err(fail)?;
        let mut file = &self.file;
        file.seek(SeekFrom::Start(start))
            .map_err(|error| input::read_error(self.path, error))?;
        let stored = BufReader::new(file.take(entry.compressed_size));
        let (member, known): (Box<dyn Read + '_>, Option<u64>) = match entry.method {
            0 if entry.compressed_size == entry.size => (Box::new(stored), Some(entry.size)),
            0 => {
                return Err(fail(format!(
                    "is stored in {} bytes but declares {}",
                    entry.compressed_size, entry.size
                )))
            }
            8 => (Box::new(DeflateDecoder::new(stored)), None),
            other => {
                return Err(fail(format!(
                    "is compressed with zip method {other}; sisa reads stored (np.savez) and \
                     deflated (np.savez_compressed) members"
                )))
            }
        };
        let mut counted = Counting {
            inner: member.take(entry.size.saturating_add(1)),
            read: 0,
        };
        let value = parse(&mut counted, known)?;
        let mut extra = [0u8; 1];
        let more = binary::fill(&mut counted, &mut extra)
            .map_err(|error| input::read_error(self.path, error))?;
        if more > 0 {
            return Err(fail(format!(
                "inflates to more than its declared {} bytes",
                entry.size
            )));
        }
        if counted.read != entry.size {
            return Err(fail(format!(
                "holds {} bytes, but the archive declares {}",
                counted.read, entry.size
            )));
        }
        Ok(value)
    }

    /// Where the data of member `entry` start, from its local header.
    fn data_start(&self, entry: &Entry) -> std::result::Result<u64, String> {
        let header = read_at(self.path, &self.file, entry.local_offset, 30)
            .map_err(|_| "its local header is missing".to_owned())?;
        if read_u32(&header, 0) != Some(LOCAL_SIGNATURE) {
            return Err("its local header is missing".to_owned());
        }
        let name_length = read_u16(&header, 26).ok_or("truncated")?;
        let extra_length = read_u16(&header, 28).ok_or("truncated")?;
        let start = entry.local_offset + 30 + u64::from(name_length) + u64::from(extra_length);
        match start.checked_add(entry.compressed_size) {
            Some(end) if end <= self.length => Ok(start),
            _ => Err("its data lie outside the file".to_owned()),
        }
    }
}

/// A reader that counts the bytes that came through it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.read += read as u64;
        Ok(read)
    }
}

/// `length` bytes of `file` from `offset` (fewer where the file ends).
fn read_at(path: &Path, file: &File, offset: u64, length: usize) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input::reserve_exact(&mut bytes, length, || {
        format!("the zip directory of `{}`", path.display())
    })?;
    let mut file = file;
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.take(length as u64).read_to_end(&mut bytes))
        .map_err(|error| input::read_error(path, error))?;
    Ok(bytes)
}

/// Reads the central directory entry at `at`, advancing past it.
fn entry(path: &Path, bytes: &[u8], at: &mut usize) -> Result<Entry> {
    let broken = || DataError::invalid(path, "has a broken central directory");
    let start = *at;
    if read_u32(bytes, start) != Some(ENTRY_SIGNATURE) {
        return Err(broken());
    }
    let method = read_u16(bytes, start + 10).ok_or_else(broken)?;
    let mut compressed_size = u64::from(read_u32(bytes, start + 20).ok_or_else(broken)?);
    let mut size = u64::from(read_u32(bytes, start + 24).ok_or_else(broken)?);
    let name_length = usize::from(read_u16(bytes, start + 28).ok_or_else(broken)?);
    let extra_length = usize::from(read_u16(bytes, start + 30).ok_or_else(broken)?);
    let comment_length = usize::from(read_u16(bytes, start + 32).ok_or_else(broken)?);
    let mut local_offset = u64::from(read_u32(bytes, start + 42).ok_or_else(broken)?);
    let name_start = start + 46;
    let name = bytes
        .get(name_start..name_start + name_length)
        .ok_or_else(broken)?;
    let name = String::from_utf8_lossy(name);
    let extra_start = name_start + name_length;
    let mut extra = bytes
        .get(extra_start..extra_start + extra_length)
        .ok_or_else(broken)?;
    // ZIP64 extra field (id 1): the 64-bit values of whichever fields are saturated, in order.
    while extra.len() >= 4 {
        let id = u16::from_le_bytes([extra[0], extra[1]]);
        let length = usize::from(u16::from_le_bytes([extra[2], extra[3]]));
        let Some(data) = extra.get(4..4 + length) else {
            break;
        };
        if id == 1 {
            let mut values = data
                .chunks_exact(8)
                .map(|chunk| u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
            if size == 0xffff_ffff {
                size = values.next().ok_or_else(broken)?;
            }
            if compressed_size == 0xffff_ffff {
                compressed_size = values.next().ok_or_else(broken)?;
            }
            if local_offset == 0xffff_ffff {
                local_offset = values.next().ok_or_else(broken)?;
            }
        }
        extra = &extra[4 + length..];
    }
    *at = extra_start + extra_length + comment_length;
    Ok(Entry {
        name: name.strip_suffix(".npy").unwrap_or(&name).to_owned(),
        method,
        compressed_size,
        size,
        local_offset,
    })
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::raw_table::Values;
    use std::path::PathBuf;

    /// Archives written by numpy (see `tests/data/make_fixtures.py`).
    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name)
    }

    /// The numbers of column `column` of `table`.
    fn numbers(table: &RawTable, column: usize) -> Vec<f64> {
        (0..table.n_rows())
            .map(|row| table.number(column, row).unwrap())
            .collect()
    }

    #[test]
    fn reads_stored_and_deflated_archives_written_by_numpy() {
        for name in ["small.npz", "small-compressed.npz"] {
            let table = read(&fixture(name), None, None).unwrap();
            assert_eq!(table.n_rows(), 4, "{name}");
            assert_eq!(table.columns.len(), 3 + 1, "{name}");
            assert_eq!(numbers(&table, 1), [1.0, 4.0, 7.0, 10.0]);
            assert_eq!(
                table.columns[3].values,
                Values::Numbers(vec![0.0, 1.0, 1.0, 2.0])
            );
        }
        let named = read(&fixture("named.npz"), Some("images"), Some("targets")).unwrap();
        assert_eq!(named.n_rows(), 3);
        match &named.columns.last().unwrap().values {
            Values::Text(text) => assert_eq!(text.levels, vec!["dog", "cat"]),
            other => panic!("labels are text: {other:?}"),
        }
    }

    #[test]
    fn missing_arrays_are_listed() {
        let error = read(&fixture("named.npz"), None, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("has no array `x`"), "{error}");
        assert!(error.contains("`images`, `targets`"), "{error}");
    }

    #[test]
    fn broken_archives_are_clear_errors() {
        let good = std::fs::read(fixture("small-compressed.npz")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npz");
        std::fs::write(&path, &good[..good.len() / 2]).unwrap();
        assert!(read(&path, None, None).is_err());
        // Declare a huge uncompressed size for the first member: inflating stops at the data.
        let mut lying = good.clone();
        let directory = (0..lying.len())
            .find(|&at| read_u32(&lying, at) == Some(ENTRY_SIGNATURE))
            .unwrap();
        lying[directory + 24..directory + 28].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        std::fs::write(&path, &lying).unwrap();
        let error = read(&path, None, None).unwrap_err().to_string();
        assert!(
            error.contains("but the archive declares 4294967280"),
            "{error}"
        );
    }
}
