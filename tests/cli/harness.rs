//! The one harness every end-to-end test uses: run the real `sisa` binary in a folder, write
//! specs and data files, read result tables back.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sisa::results::timing_columns;

/// Runs `sisa` with `args` in `dir`.
pub(crate) fn sisa(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the sisa binary runs")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `spec` as `name` in a new temporary folder.
pub(crate) fn workspace(name: &str, spec: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(name);
    fs::write(&path, spec).expect("spec written");
    (dir, path)
}

/// A results CSV as rows of column -> value.
pub(crate) fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let content = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = content.lines();
    let header = csv_fields(lines.next().expect("a header"));
    lines
        .map(|line| header.iter().cloned().zip(csv_fields(line)).collect())
        .collect()
}

/// The fields of one CSV line, `"quoted, with commas"` and `""` escapes included.
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

pub(crate) fn without_timing(rows: Vec<BTreeMap<String, String>>) -> Vec<BTreeMap<String, String>> {
    let timing: Vec<String> = timing_columns().map(|c| c.to_string()).collect();
    rows.into_iter()
        .map(|mut row| {
            row.retain(|column, _| !timing.contains(column));
            row
        })
        .collect()
}

/// The rows of a results CSV without the columns that measure time.
pub(crate) fn table_without_timing(path: &Path) -> Vec<BTreeMap<String, String>> {
    without_timing(read_csv(path))
}

/// Writes `files` (name, contents) into a new temporary folder, with `spec` as `spec.yaml`.
pub(crate) fn data_workspace(spec: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = workspace("spec.yaml", spec);
    for (name, contents) in files {
        fs::write(dir.path().join(name), contents).expect("data file written");
    }
    (dir, path)
}

/// Runs `sisa run` on a spec that must fail with exit code 2 and one message holding `expected`.
pub(crate) fn run_fails_with(spec: &str, files: &[(&str, &str)], expected: &[&str]) {
    let (dir, path) = data_workspace(spec, files);
    let out = sisa(dir.path(), &["run", path.to_str().unwrap(), "--out", "out"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for fragment in expected {
        assert!(stderr.contains(fragment), "`{fragment}` not in: {stderr}");
    }
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written when the data are bad"
    );
}

/// Mean of a numeric column per (group column, requests), from a results CSV.
pub(crate) fn means_by(
    rows: &[BTreeMap<String, String>],
    group: &str,
    column: &str,
) -> BTreeMap<(String, u64), f64> {
    let mut sums: BTreeMap<(String, u64), (f64, f64)> = BTreeMap::new();
    for row in rows {
        let key = (row[group].clone(), row["requests"].parse().unwrap());
        let entry = sums.entry(key).or_default();
        entry.0 += row[column].parse::<f64>().unwrap();
        entry.1 += 1.0;
    }
    sums.into_iter()
        .map(|(key, (sum, n))| (key, sum / n))
        .collect()
}

/// The trial files saved in a results folder's `trials/`, with their modification times, sorted;
/// temporaries (hidden, renamed into place when complete) are not saved trials.
pub(crate) fn saved_trials(folder: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut files: Vec<_> = fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                .map(|p| {
                    let modified = fs::metadata(&p).unwrap().modified().unwrap();
                    (p, modified)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Decodes standard base64 (with `=` padding), as report.html embeds its figures.
pub(crate) fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut buffer, mut bits) = (0u32, 0);
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte).expect("base64") as u32;
        buffer = buffer << 6 | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    bytes
}

/// The repository's root (where `examples/` and `python/` are).
pub(crate) fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python with numpy and scikit-learn, for the external-model tests, that imports the worker
/// helper (`from sisa import worker`) from this repository's `python/`: a small script that puts
/// that folder first on PYTHONPATH and runs `$SISA_TEST_PYTHON` when set, else a virtual
/// environment made once (under a file lock, so concurrent test processes wait for one another)
/// in the target's temporary folder with `python3 -m venv` and `pip install numpy scikit-learn`
/// from the package registry. The package itself is not installed there: the tests run the
/// helper as it is in the working tree.
pub(crate) fn python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let interpreter = match std::env::var_os("SISA_TEST_PYTHON") {
                Some(python) => PathBuf::from(python),
                None => test_venv(),
            };
            with_helper_on_path(&interpreter)
        })
        .clone()
}

/// A shell script in the target's temporary folder that runs `interpreter` with the repository's
/// `python/` first on PYTHONPATH (named after what it runs, written whole then renamed, so
/// concurrent test processes share it safely).
fn with_helper_on_path(interpreter: &Path) -> PathBuf {
    let quote = |path: &Path| format!("'{}'", path.display().to_string().replace('\'', r"'\''"));
    let script = format!(
        "#!/bin/sh\nPYTHONPATH={}${{PYTHONPATH:+:$PYTHONPATH}} exec {} \"$@\"\n",
        quote(&repository().join("python")),
        quote(interpreter)
    );
    let hash = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        script.hash(&mut hasher);
        hasher.finish()
    };
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(root).expect("the target's temporary folder");
    let path = root.join(format!("sisa-test-python-{hash:016x}"));
    let partial = root.join(format!(
        ".sisa-test-python-{hash:016x}.{}",
        std::process::id()
    ));
    fs::write(&partial, script).expect("python wrapper written");
    let mut permissions = fs::metadata(&partial).expect("written").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    fs::set_permissions(&partial, permissions).expect("made executable");
    fs::rename(&partial, &path).expect("python wrapper renamed into place");
    path
}

fn test_venv() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(root).expect("the target's temporary folder");
    let venv = root.join("sisa-test-venv");
    let ready = venv.join("sisa-ready");
    let lock = fs::File::create(root.join("sisa-test-venv.lock")).expect("lock file");
    // SAFETY: flock on a file descriptor we own; the lock ends when `lock` is closed.
    let locked = unsafe {
        use std::os::fd::AsRawFd;
        libc::flock(lock.as_raw_fd(), libc::LOCK_EX)
    };
    assert_eq!(locked, 0, "cannot lock the test venv");
    let python = venv.join("bin").join("python");
    if !ready.exists() {
        let _ = fs::remove_dir_all(&venv);
        let steps: [(&str, Vec<&str>); 2] = [
            ("python3", vec!["-m", "venv", venv.to_str().unwrap()]),
            (
                python.to_str().unwrap(),
                vec!["-m", "pip", "install", "--quiet", "numpy", "scikit-learn"],
            ),
        ];
        for (program, args) in steps {
            let out = Command::new(program)
                .args(&args)
                .output()
                .unwrap_or_else(|e| panic!("{program} {args:?}: {e} (set SISA_TEST_PYTHON to a Python with numpy and scikit-learn)"));
            assert!(
                out.status.success(),
                "{program} {args:?} failed (set SISA_TEST_PYTHON to a Python with numpy and \
                 scikit-learn): {}",
                text(&out.stderr)
            );
        }
        fs::write(&ready, "").expect("marker written");
    }
    drop(lock);
    python
}

/// Runs `sisa` with `args` in `dir`, with the environment variables `env` set and, when
/// `memory` is given, its address space limited to that many bytes (`prlimit --as`), so running
/// out of memory shows as an abort (134) or a kill rather than passing unnoticed.
pub(crate) fn sisa_limited(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    memory: Option<u64>,
) -> Output {
    let binary = env!("CARGO_BIN_EXE_sisa");
    let mut command = match memory {
        Some(bytes) => {
            let mut command = Command::new("prlimit");
            command.arg(format!("--as={bytes}")).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("the sisa binary runs")
}

/// `contents` gzip-compressed `copies` times, one gzip member after another (which readers
/// decompress as one stream): a small file that inflates to `copies` x `contents`.
pub(crate) fn gzip_members(contents: &[u8], copies: usize) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(contents).expect("in memory");
    encoder.finish().expect("in memory").repeat(copies)
}

/// A NumPy `.npy` array: the version 1 header for `descr` and `shape`, then `data`.
pub(crate) fn npy(descr: &str, shape: &[u64], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}

/// A zip archive (as `np.savez_compressed` writes) of deflated `members` (name, contents); each
/// member's declared size is its real size unless `declared` gives one.
pub(crate) fn npz(members: &[(&str, &[u8], Option<u32>)]) -> Vec<u8> {
    use std::io::Write;
    let mut archive = Vec::new();
    let mut directory = Vec::new();
    for &(name, contents, declared) in members {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(contents).expect("in memory");
        let deflated = encoder.finish().expect("in memory");
        let size = declared.unwrap_or(contents.len() as u32);
        let sizes = [(deflated.len() as u32).to_le_bytes(), size.to_le_bytes()].concat();
        let offset = archive.len() as u32;
        // Local header: signature, version, flags, method 8 (deflate), time, date, crc (unchecked).
        archive.extend(0x0403_4b50u32.to_le_bytes());
        archive.extend([20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        archive.extend(&sizes);
        archive.extend((name.len() as u16).to_le_bytes());
        archive.extend([0, 0]);
        archive.extend(name.as_bytes());
        archive.extend(&deflated);
        directory.extend(0x0201_4b50u32.to_le_bytes());
        directory.extend([20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        directory.extend(&sizes);
        directory.extend((name.len() as u16).to_le_bytes());
        directory.extend([0u8; 12]);
        directory.extend(offset.to_le_bytes());
        directory.extend(name.as_bytes());
    }
    let directory_offset = archive.len() as u32;
    archive.extend(&directory);
    archive.extend(0x0605_4b50u32.to_le_bytes());
    archive.extend([0, 0, 0, 0]);
    let count = (members.len() as u16).to_le_bytes();
    archive.extend(count);
    archive.extend(count);
    archive.extend((directory.len() as u32).to_le_bytes());
    archive.extend(directory_offset.to_le_bytes());
    archive.extend([0, 0]);
    archive
}

/// The values of a little-endian f32 `.npy` file (as `sisa export` writes), row after row.
pub(crate) fn read_npy_f32(path: &Path) -> Vec<f32> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    bytes[10 + header..]
        .chunks_exact(4)
        .map(|chunk| f32::from_le_bytes(chunk.try_into().unwrap()))
        .collect()
}
