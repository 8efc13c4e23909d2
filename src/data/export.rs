//! Writing a trial's split as NumPy `.npy` files, so peers (scikit-learn) and other tools can run
//! on exactly the points `sisa` uses.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Dataset, PointId};

/// Writes `X_train.npy`, `y_train.npy`, `X_test.npy`, `y_test.npy` (features as little-endian
/// f32, labels as i64 class indices) and `classes.txt` into `folder`; returns the paths.
pub fn write_split(
    data: &Dataset,
    train: &[PointId],
    test: &[PointId],
    folder: &Path,
) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(folder)?;
    let mut written = Vec::new();
    for (name, ids) in [("train", train), ("test", test)] {
        let features: Vec<f32> = ids.iter().flat_map(|&id| data.row(id).to_vec()).collect();
        let labels: Vec<i64> = ids.iter().map(|&id| i64::from(data.label(id).0)).collect();
        let x = folder.join(format!("X_{name}.npy"));
        write_npy(
            &x,
            "<f4",
            &[ids.len(), data.n_features()],
            bytes_of_f32(&features),
        )?;
        let y = folder.join(format!("y_{name}.npy"));
        write_npy(
            &y,
            "<i8",
            &[ids.len()],
            labels.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )?;
        written.extend([x, y]);
    }
    let classes = folder.join("classes.txt");
    fs::write(&classes, data.classes.join("\n") + "\n")?;
    written.push(classes);
    Ok(written)
}

fn bytes_of_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// An NPY version 1.0 file: magic, header padded so the data starts at a multiple of 64 bytes.
pub fn write_npy(path: &Path, dtype: &str, shape: &[usize], data: Vec<u8>) -> io::Result<()> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut file = io::BufWriter::new(fs::File::create(path)?);
    file.write_all(b"\x93NUMPY\x01\x00")?;
    file.write_all(&(header.len() as u16).to_le_bytes())?;
    file.write_all(header.as_bytes())?;
    file.write_all(&data)?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ClassId;
    use ndarray::array;

    #[test]
    fn npy_headers_are_aligned_and_describe_the_data() {
        let features = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let labels = vec![ClassId(0), ClassId(1), ClassId(0)];
        let data = Dataset::new("t", features, labels, vec!["a".into(), "b".into()]);
        let folder = tempfile::tempdir().unwrap();
        write_split(
            &data,
            &[PointId(0), PointId(2)],
            &[PointId(1)],
            folder.path(),
        )
        .unwrap();
        let bytes = fs::read(folder.path().join("X_train.npy")).unwrap();
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(
            header.contains("'shape': (2, 2)") && header.contains("'<f4'"),
            "{header}"
        );
        let values: Vec<f32> = bytes[10 + header_len..]
            .chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(values, vec![1.0, 2.0, 5.0, 6.0]);
        let labels = fs::read(folder.path().join("y_test.npy")).unwrap();
        assert_eq!(labels.len() % 64, 8, "one i64 after an aligned header");
    }
}
