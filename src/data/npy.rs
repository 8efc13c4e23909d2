//! NumPy `.npy` arrays: a features file and a labels file (`labels_path`), as `np.save` writes
//! them. Also parses the arrays inside `.npz` archives (see [`super::npz`]).
//!
//! Supported element types: booleans, integers and floats (`f4`, `f8`) of either byte order, and
//! for labels also text (`U`, `S`). Object arrays hold pickled Python objects and are refused
//! with a hint: the paper's released code saves a pickled dict `{'X': ..., 'y': ...}` that way.
//! The header's shape and type are checked against the bytes present before any allocation.

use std::path::Path;

use super::binary::{self, Kind, Matrix};
use super::error::{DataError, Result};
use super::input;
use super::raw_table::{RawTable, Text, Values};

/// Longest text element read (characters): labels are short.
const MAX_TEXT_CHARS: usize = 1 << 16;

/// The magic string every `.npy` file starts with.
const MAGIC: &[u8] = b"\x93NUMPY";

/// A parsed array.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// Its dimensions.
    pub shape: Vec<u64>,
    /// Its values, in C (row-major) order.
    pub data: Data,
}

/// The values of an array.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Numbers (booleans as 0 and 1).
    Numbers(Vec<f64>),
    /// Text.
    Text(Vec<String>),
}

/// Reads a features `.npy` file and its labels `.npy` file into one table (labels last).
pub fn read(path: &Path, labels_path: &Path) -> Result<RawTable> {
    let features = parse(path, &input::read_plain(path, "NumPy")?, None)?;
    let labels = parse(labels_path, &input::read_plain(labels_path, "NumPy")?, None)?;
    table(path, None, features, labels_path, None, labels)
}

/// A table of a features array and a labels array; `*_entry` name arrays inside an archive.
pub fn table(
    path: &Path,
    features_entry: Option<&str>,
    features: Array,
    labels_path: &Path,
    labels_entry: Option<&str>,
    labels: Array,
) -> Result<RawTable> {
    let where_features = prefix(features_entry);
    let where_labels = prefix(labels_entry);
    let Data::Numbers(values) = features.data else {
        return Err(DataError::invalid(
            path,
            format!("{where_features}holds text; features must be numbers"),
        ));
    };
    let rows = features.shape[0] as usize;
    let width = features.shape[1..].iter().product::<u64>() as usize;
    let label_width: u64 = labels.shape[1..].iter().product();
    if label_width != 1 {
        return Err(DataError::invalid(
            labels_path,
            format!(
                "{where_labels}has shape {}; labels are one value per point",
                shape_text(&labels.shape)
            ),
        ));
    }
    let labels = match labels.data {
        Data::Numbers(numbers) => Values::Numbers(numbers),
        Data::Text(text) => Values::Text(text.into_iter().collect::<Text>()),
    };
    let matrix = Matrix {
        rows,
        width,
        values,
    };
    binary::table(path, matrix, labels_path, labels).map_err(|e| prefix_error(e, &where_labels))
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

/// Parses the bytes of one `.npy` array; `entry` names it inside an archive, for messages.
pub fn parse(path: &Path, bytes: &[u8], entry: Option<&str>) -> Result<Array> {
    let here = prefix(entry);
    let fail = |message: String| DataError::invalid(path, format!("{here}{message}"));
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        return Err(fail(
            "is not a NumPy .npy array (no \\x93NUMPY magic)".to_owned(),
        ));
    }
    let major = bytes[6];
    let (header_length, header_start) = match major {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => {
            return Err(fail(format!(
                "has .npy format version {major}, not 1, 2 or 3"
            )))
        }
    };
    let data_start = header_start + header_length;
    let Some(header) = bytes.get(header_start..data_start) else {
        return Err(fail("ends inside its header".to_owned()));
    };
    let header = String::from_utf8_lossy(header);
    let descr = dict_value(&header, "descr")
        .and_then(quoted)
        .ok_or_else(|| {
            fail(format!(
                "has no readable `descr` in its header `{}`",
                header.trim()
            ))
        })?;
    let fortran = match dict_value(&header, "fortran_order") {
        Some(value) if value.starts_with("True") => true,
        Some(value) if value.starts_with("False") => false,
        _ => {
            return Err(fail(
                "has no readable `fortran_order` in its header".to_owned(),
            ))
        }
    };
    let shape = dict_value(&header, "shape")
        .and_then(shape)
        .ok_or_else(|| {
            fail(format!(
                "has no readable `shape` in its header `{}`",
                header.trim()
            ))
        })?;
    if shape.is_empty() {
        return Err(fail(
            "holds a single value (shape ()), not an array".to_owned(),
        ));
    }
    let element = element(descr).map_err(fail)?;
    let available = (bytes.len() - data_start) as u64;
    let item = element.item_size();
    binary::check_size(path, &shape, item, Some(available))
        .map_err(|error| prefix_error(error, &here))?;
    if fortran && shape.len() > 2 {
        return Err(fail(format!(
            "is a Fortran-ordered array of {} dimensions; save it with \
             np.save(f, np.ascontiguousarray(a))",
            shape.len()
        )));
    }
    let payload = &bytes[data_start..];
    let data = match element {
        Element::Number(element) => {
            let mut values = binary::decode(payload, element);
            if fortran && shape.len() == 2 {
                values = transpose(&values, shape[1] as usize, shape[0] as usize);
            }
            Data::Numbers(values)
        }
        Element::Text {
            chars,
            wide,
            big_endian,
        } => {
            if fortran && shape.len() == 2 && shape[1] != 1 {
                return Err(fail(
                    "is a Fortran-ordered text array; save it in C order".to_owned(),
                ));
            }
            Data::Text(
                payload
                    .chunks_exact(item)
                    .map(|chunk| text(chunk, chars, wide, big_endian))
                    .collect(),
            )
        }
    };
    Ok(Array { shape, data })
}

fn prefix_error(error: DataError, here: &str) -> DataError {
    match error {
        DataError::Invalid { path, at, message } => DataError::Invalid {
            path,
            at,
            message: format!("{here}{message}"),
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

/// Row-major from column-major: `values` holds `columns` columns of `rows` values each.
fn transpose(values: &[f64], columns: usize, rows: usize) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    for column in 0..columns {
        for row in 0..rows {
            out[row * columns + column] = values[column * rows + row];
        }
    }
    out
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

    #[test]
    fn parses_numbers_in_c_and_fortran_order() {
        let path = Path::new("x.npy");
        let c = npy_bytes(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &f32s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        );
        let array = parse(path, &c, None).unwrap();
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(
            array.data,
            Data::Numbers(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        );
        let f = npy_bytes(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
            &f32s(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
        );
        assert_eq!(parse(path, &f, None).unwrap(), array);
        let big = npy_bytes(
            "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }",
            &[0xff, 0xfe, 0, 5],
        );
        assert_eq!(
            parse(path, &big, None).unwrap().data,
            Data::Numbers(vec![-2.0, 5.0])
        );
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
        let array = parse(Path::new("y.npy"), &bytes, None).unwrap();
        assert_eq!(
            array.data,
            Data::Text(vec!["ab".into(), "".into(), "c".into()])
        );
        let bytes = npy_bytes(
            "{'descr': '|S2', 'fortran_order': False, 'shape': (2,), }",
            b"x\0yz",
        );
        let array = parse(Path::new("y.npy"), &bytes, None).unwrap();
        assert_eq!(array.data, Data::Text(vec!["x".into(), "yz".into()]));
    }

    #[test]
    fn crafted_and_unsupported_headers_are_clear_errors() {
        let path = Path::new("x.npy");
        let cases = [
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000), }",
                "rows x 100000 features is more than",
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
        ];
        for (header, expected) in cases {
            let error = parse(path, &npy_bytes(header, &[0, 0]), Some("X"))
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{header}: {error}");
            assert!(error.starts_with("x.npy: array `X`: "), "{error}");
        }
        assert!(parse(path, b"PK\x03\x04", None)
            .unwrap_err()
            .to_string()
            .contains("magic"));
        let mut truncated = npy_bytes(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
            &[],
        );
        truncated.truncate(20);
        assert!(parse(path, &truncated, None)
            .unwrap_err()
            .to_string()
            .contains("header"));
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
        assert_eq!(table.columns[3].values, Values::Numbers(vec![4.0, 8.0]));
        assert_eq!(table.columns[4].values, Values::Numbers(vec![3.0, 1.0]));
        let error = read(&y, &x).unwrap_err().to_string();
        assert!(error.contains("labels are one value per point"), "{error}");
    }
}
