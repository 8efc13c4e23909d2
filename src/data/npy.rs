//! NumPy `.npy` arrays: a features file and a labels file (`labels_path`), as `np.save` writes
//! them. Also parses the arrays inside `.npz` archives (see [`super::npz`]).
//!
//! Supported element types: booleans, integers and floats (`f4`, `f8`) of either byte order, and
//! for labels also text (`U`, `S`). Object arrays hold pickled Python objects and are refused
//! with a hint: the paper's released code saves a pickled dict `{'X': ..., 'y': ...}` that way.
//! The header's shape and type are checked against the bytes present before any allocation.

use std::io::{BufReader, Read};
use std::path::Path;

use super::binary::{self, Features, Kind, Order};
use super::error::{DataError, Result};
use super::input;
use super::raw_table::{RawTable, Text, Values};

/// Longest text element read (characters): labels are short.
const MAX_TEXT_CHARS: usize = 1 << 16;

/// Longest header read; numpy writes a few hundred bytes.
const MAX_HEADER_BYTES: usize = 1 << 20;

/// The magic string every `.npy` file starts with.
const MAGIC: &[u8] = b"\x93NUMPY";

/// Reads a features `.npy` file and its labels `.npy` file into one table (labels last).
pub fn read(path: &Path, labels_path: &Path) -> Result<RawTable> {
    let (file, length) = input::open(path)?;
    let features = features(path, &mut BufReader::new(file), None, Some(length))?;
    let (file, length) = input::open(labels_path)?;
    let (labels, count) = labels(labels_path, &mut BufReader::new(file), None, Some(length))?;
    binary::table(path, features, labels_path, labels, count)
}

/// The features array of one `.npy` stream, whose size is `total` bytes when known; `entry` names
/// the array inside an archive, for messages.
pub fn features(
    path: &Path,
    reader: &mut impl Read,
    entry: Option<&str>,
    total: Option<u64>,
) -> Result<Features> {
    let here = prefix(entry);
    let fail = |message: String| DataError::invalid(path, format!("{here}{message}"));
    let header = Header::read(path, reader, entry, total)?;
    let Element::Number(element) = header.element else {
        return Err(fail("holds text; features must be numbers".to_owned()));
    };
    let rows = header.shape[0] as usize;
    let width = header.shape[1..].iter().product::<u64>() as usize;
    let order = if header.fortran && header.shape.len() == 2 {
        Order::ColumnMajor
    } else {
        Order::RowMajor
    };
    // Every error, the short read's too, is prefixed once, here.
    binary::read_features(path, reader, element, (rows, width), order, |held| {
        binary::truncated(path, &header.shape, element.size, held)
    })
    .map_err(|error| prefix_error(error, &here))
}

/// The labels array of one `.npy` stream (one value per point), with the number of labels.
pub fn labels(
    path: &Path,
    reader: &mut impl Read,
    entry: Option<&str>,
    total: Option<u64>,
) -> Result<(Values, usize)> {
    let here = prefix(entry);
    let header = Header::read(path, reader, entry, total)?;
    let label_width: u64 = header.shape[1..].iter().product();
    if label_width != 1 {
        return Err(DataError::invalid(
            path,
            format!(
                "{here}has shape {}; labels are one value per point",
                shape_text(&header.shape)
            ),
        ));
    }
    let item = header.element.item_size();
    let expected = header.shape[0] * item as u64;
    let mut bytes = Vec::new();
    input::reserve_exact(&mut bytes, expected as usize, || {
        format!("the labels of `{}`", path.display())
    })?;
    reader
        .take(expected)
        .read_to_end(&mut bytes)
        .map_err(|error| input::read_error(path, error))?;
    if (bytes.len() as u64) < expected {
        let error = binary::truncated(path, &header.shape, item, bytes.len() as u64);
        return Err(prefix_error(error, &here));
    }
    let count = header.shape[0] as usize;
    let values = match header.element {
        Element::Number(element) => Values::Numbers(binary::decode(&bytes, element)),
        Element::Text {
            chars,
            wide,
            big_endian,
        } => Values::Text(
            bytes
                .chunks_exact(item)
                .map(|chunk| text(chunk, chars, wide, big_endian))
                .collect::<Text>(),
        ),
    };
    Ok((values, count))
}

fn prefix(entry: Option<&str>) -> String {
    entry
        .map(|name| format!("array `{name}`: "))
        .unwrap_or_default()
}

fn shape_text(shape: &[u64]) -> String {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    format!("({})", dims.join(", "))
}

/// What a `.npy` header says.
#[derive(Debug, Clone, PartialEq)]
struct Header {
    shape: Vec<u64>,
    element: Element,
    fortran: bool,
}

impl Header {
    /// Reads and checks the header at the start of a stream of `total` bytes (when known): the
    /// array it declares must fit the limits, and the bytes after it.
    fn read(
        path: &Path,
        reader: &mut impl Read,
        entry: Option<&str>,
        total: Option<u64>,
    ) -> Result<Header> {
        let here = prefix(entry);
        let fail = |message: String| DataError::invalid(path, format!("{here}{message}"));
        let mut start = [0u8; 8];
        let got = binary::fill(reader, &mut start).map_err(|e| input::read_error(path, e))?;
        input::refuse_gzip(path, &start[..got], "NumPy")?;
        if got < start.len() || !start.starts_with(MAGIC) {
            return Err(fail(
                "is not a NumPy .npy array (no \\x93NUMPY magic)".to_owned(),
            ));
        }
        let major = start[6];
        let length_bytes = match major {
            1 => 2,
            2 | 3 => 4,
            _ => {
                return Err(fail(format!(
                    "has .npy format version {major}, not 1, 2 or 3"
                )))
            }
        };
        let mut length = [0u8; 4];
        let ends_inside = || fail("ends inside its header".to_owned());
        let got = binary::fill(reader, &mut length[..length_bytes])
            .map_err(|e| input::read_error(path, e))?;
        if got < length_bytes {
            return Err(ends_inside());
        }
        let header_length = u32::from_le_bytes(length) as usize;
        if header_length > MAX_HEADER_BYTES {
            return Err(fail(format!(
                "has a header of {header_length} bytes; a .npy header takes a few hundred"
            )));
        }
        let mut header = vec![0u8; header_length];
        let got = binary::fill(reader, &mut header).map_err(|e| input::read_error(path, e))?;
        if got < header_length {
            return Err(ends_inside());
        }
        let header_bytes = (8 + length_bytes + header_length) as u64;
        let header = String::from_utf8_lossy(&header);
        let parsed = Header::parse(&header).map_err(fail)?;
        let available = total.map(|total| total.saturating_sub(header_bytes));
        binary::check_size(path, &parsed.shape, parsed.element.item_size(), available)
            .map_err(|error| prefix_error(error, &here))?;
        if parsed.fortran && parsed.shape.len() > 2 {
            return Err(fail(format!(
                "is a Fortran-ordered array of {} dimensions; save it with \
                 np.save(f, np.ascontiguousarray(a))",
                parsed.shape.len()
            )));
        }
        if parsed.fortran && matches!(parsed.element, Element::Text { .. }) {
            let column = parsed.shape.get(1).copied().unwrap_or(1);
            if column != 1 {
                return Err(fail(
                    "is a Fortran-ordered text array; save it in C order".to_owned(),
                ));
            }
        }
        Ok(parsed)
    }

    /// Parses the header's Python dict: `descr`, `fortran_order`, `shape`.
    fn parse(header: &str) -> std::result::Result<Header, String> {
        let descr = dict_value(header, "descr")
            .and_then(quoted)
            .ok_or_else(|| format!("has no readable `descr` in its header `{}`", header.trim()))?;
        let fortran = match dict_value(header, "fortran_order") {
            Some(value) if value.starts_with("True") => true,
            Some(value) if value.starts_with("False") => false,
            _ => return Err("has no readable `fortran_order` in its header".to_owned()),
        };
        let shape = dict_value(header, "shape")
            .and_then(shape)
            .ok_or_else(|| format!("has no readable `shape` in its header `{}`", header.trim()))?;
        if shape.is_empty() {
            return Err("holds a single value (shape ()), not an array".to_owned());
        }
        Ok(Header {
            shape,
            element: element(descr)?,
            fortran,
        })
    }
}

/// `error` about the array `entry` of an archive.
pub fn in_entry(error: DataError, entry: &str) -> DataError {
    prefix_error(error, &prefix(Some(entry)))
}

fn prefix_error(error: DataError, here: &str) -> DataError {
    match error {
        DataError::Invalid { path, at, message } => DataError::Invalid {
            path,
            at,
            message: format!("{here}{message}"),
        },
        DataError::Limit {
            path,
            what,
            limit,
            unit,
            variable,
        } => DataError::Limit {
            path,
            what: format!("{here}{what}"),
            limit,
            unit,
            variable,
        },
        other => other,
    }
}

/// An array's element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    Number(binary::Element),
    /// `chars` characters, each 4 bytes (`U`, UTF-32) or 1 byte (`S`).
    Text {
        chars: usize,
        wide: bool,
        big_endian: bool,
    },
}

impl Element {
    fn item_size(self) -> usize {
        match self {
            Element::Number(element) => element.size,
            Element::Text { chars, wide, .. } => chars * if wide { 4 } else { 1 },
        }
    }
}

/// Parses a NumPy type string such as `<f8`, `|u1` or `<U5`.
fn element(descr: &str) -> std::result::Result<Element, String> {
    let unsupported = |why: &str| format!("has element type `{descr}`: {why}");
    let mut chars = descr.chars();
    let (big_endian, rest) = match chars.next() {
        Some('>') => (true, chars.as_str()),
        Some('<' | '|' | '=') => (false, chars.as_str()),
        _ => (false, descr),
    };
    let mut rest = rest.chars();
    let code = rest.next().unwrap_or_default();
    let size = rest.as_str();
    if code == 'O' {
        return Err(unsupported(
            "an object array holds pickled Python objects, which sisa does not load (a \
             dict saved with np.save, as the paper's code does, is one); save plain arrays, \
             e.g. d = np.load(f, allow_pickle=True).item(); np.savez(out, X=d['X'], y=d['y'])",
        ));
    }
    let size: usize = size
        .parse()
        .map_err(|_| unsupported("not a NumPy type sisa reads"))?;
    if matches!(code, 'U' | 'S') && size > MAX_TEXT_CHARS {
        return Err(unsupported("text elements that long are not labels"));
    }
    let number = |kind, size| {
        Ok(Element::Number(binary::Element {
            kind,
            size,
            big_endian,
        }))
    };
    match (code, size) {
        ('b', 1) => number(Kind::Bool, 1),
        ('u', 1 | 2 | 4 | 8) => number(Kind::Unsigned, size),
        ('i', 1 | 2 | 4 | 8) => number(Kind::Signed, size),
        ('f', 4 | 8) => number(Kind::Float, size),
        ('U', 1..) => Ok(Element::Text {
            chars: size,
            wide: true,
            big_endian,
        }),
        ('S', 1..) => Ok(Element::Text {
            chars: size,
            wide: false,
            big_endian,
        }),
        _ => Err(unsupported(
            "sisa reads booleans, integers, float32, float64 and text (U, S)",
        )),
    }
}

/// Decodes one fixed-width text element, dropping trailing NULs.
fn text(chunk: &[u8], chars: usize, wide: bool, big_endian: bool) -> String {
    if wide {
        (0..chars)
            .map(|i| {
                let bytes = [
                    chunk[4 * i],
                    chunk[4 * i + 1],
                    chunk[4 * i + 2],
                    chunk[4 * i + 3],
                ];
                let code = if big_endian {
                    u32::from_be_bytes(bytes)
                } else {
                    u32::from_le_bytes(bytes)
                };
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect::<String>()
            .trim_end_matches('\0')
            .to_owned()
    } else {
        String::from_utf8_lossy(chunk)
            .trim_end_matches('\0')
            .to_owned()
    }
}

/// The text after `'key':` in a Python dict literal.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    for quote in ['\'', '"'] {
        let pattern = format!("{quote}{key}{quote}");
        if let Some(at) = header.find(&pattern) {
            let rest = header[at + pattern.len()..].trim_start();
            return rest.strip_prefix(':').map(str::trim_start);
        }
    }
    None
}

/// The contents of a quoted Python string at the start of `text`.
fn quoted(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let rest = &text[1..];
    rest.find(quote).map(|end| &rest[..end])
}

/// A Python tuple of integers at the start of `text`: `()`, `(3,)`, `(3, 28, 28)`.
fn shape(text: &str) -> Option<Vec<u64>> {
    let inner = text.strip_prefix('(')?;
    let inner = &inner[..inner.find(')')?];
    inner
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.trim_end_matches('L').parse().ok())
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The bytes of a version 1 `.npy` file with this header dict and payload.
    pub(crate) fn npy_bytes(header: &str, payload: &[u8]) -> Vec<u8> {
        let mut header = header.to_owned();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend([1, 0]);
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(payload);
        bytes
    }

    fn f32s(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn features_of(bytes: &[u8], entry: Option<&str>) -> Result<Features> {
        features(
            Path::new("x.npy"),
            &mut &bytes[..],
            entry,
            Some(bytes.len() as u64),
        )
    }

    fn labels_of(bytes: &[u8]) -> Result<Values> {
        labels(
            Path::new("y.npy"),
            &mut &bytes[..],
            None,
            Some(bytes.len() as u64),
        )
        .map(|(values, _)| values)
    }

    #[test]
    fn parses_numbers_in_c_and_fortran_order() {
        let c = npy_bytes(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &f32s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        );
        let array = features_of(&c, None).unwrap();
        assert_eq!((array.rows, array.width), (2, 3));
        assert_eq!(array.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let f = npy_bytes(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
            &f32s(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
        );
        assert_eq!(features_of(&f, None).unwrap(), array);
        let big = npy_bytes(
            "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }",
            &[0xff, 0xfe, 0, 5],
        );
        assert_eq!(labels_of(&big).unwrap(), Values::Numbers(vec![-2.0, 5.0]));
    }

    #[test]
    fn parses_text_labels() {
        let mut payload = Vec::new();
        for c in "ab\0\0c\0".chars() {
            payload.extend((c as u32).to_le_bytes());
        }
        let bytes = npy_bytes(
            "{'descr': '<U2', 'fortran_order': False, 'shape': (3,), }",
            &payload,
        );
        let expected: Text = ["ab", "", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(labels_of(&bytes).unwrap(), Values::Text(expected));
        let bytes = npy_bytes(
            "{'descr': '|S2', 'fortran_order': False, 'shape': (2,), }",
            b"x\0yz",
        );
        let expected: Text = ["x", "yz"].iter().map(|s| s.to_string()).collect();
        assert_eq!(labels_of(&bytes).unwrap(), Values::Text(expected));
    }

    #[test]
    fn crafted_and_unsupported_headers_are_clear_errors() {
        let cases = [
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000), }",
                "rows x 100000 columns make",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999, 99999999999999), }",
                "more than any file can hold",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                "(24 bytes) but holds 2 bytes",
            ),
            ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "pickled"),
            ("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", "`<c16`"),
            ("{'descr': '<\u{e9}4', 'fortran_order': False, 'shape': (1,), }", "type"),
            ("{'descr': '<U4611686018427387904', 'fortran_order': False, 'shape': (1,), }", "that long"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", "single value"),
            ("{'descr': '<f8', 'shape': (1,), }", "fortran_order"),
            ("{'descr': '|S2', 'fortran_order': False, 'shape': (1,), }", "features must be numbers"),
        ];
        for (header, expected) in cases {
            let error = features_of(&npy_bytes(header, &[0, 0]), Some("X"))
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{header}: {error}");
            assert!(error.starts_with("x.npy: array `X`: "), "{error}");
        }
        assert!(features_of(b"PK\x03\x04", None)
            .unwrap_err()
            .to_string()
            .contains("magic"));
        let mut truncated = npy_bytes(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
            &[],
        );
        truncated.truncate(20);
        assert!(features_of(&truncated, None)
            .unwrap_err()
            .to_string()
            .contains("header"));
        let error = features_of(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0], None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("gzip-compressed"), "{error}");
    }

    #[test]
    fn features_and_labels_make_a_table() {
        let dir = tempfile::tempdir().unwrap();
        let x = dir.path().join("x.npy");
        let y = dir.path().join("y.npy");
        std::fs::write(
            &x,
            npy_bytes(
                "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 2), }",
                &[1, 2, 3, 4, 5, 6, 7, 8],
            ),
        )
        .unwrap();
        std::fs::write(
            &y,
            npy_bytes(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                &[3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            ),
        )
        .unwrap();
        let table = read(&x, &y).unwrap();
        assert_eq!(table.columns.len(), 5);
        assert_eq!(table.columns[3].values, Values::Block(3));
        assert_eq!(table.block.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(table.columns[4].values, Values::Numbers(vec![3.0, 1.0]));
        let error = read(&y, &x).unwrap_err().to_string();
        assert!(error.contains("labels are one value per point"), "{error}");
    }
}
