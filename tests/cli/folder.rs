//! A results folder never silently loses or mixes anything: trial files carry their id and a
//! checksum, one run at a time writes a folder, another spec's run is refused, every invocation
//! stays in the provenance, and a write failure stops the run saying what was saved.

use std::fs;
use std::process::{Command, Stdio};

use polars::prelude::{IntoSeries, KeyValueMetadata, ParquetReader, ParquetWriter, SerReader};

use super::harness::*;

const SMALL: &str = "\
name: folder
seed: 4
dataset: {synthetic: blobs, samples: 300, features: 4}
unlearning: {requests: [1, 3]}
sweep:
  sisa.shards: [1, 2, 3]
";

/// Runs SMALL into `out` and returns the workspace and the spec's path.
fn ran() -> (tempfile::TempDir, String) {
    let (dir, path) = workspace("folder.yaml", SMALL);
    let spec = path.to_str().unwrap().to_owned();
    let out = sisa(dir.path(), &["run", &spec, "--out", "out", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (dir, spec)
}

#[test]
fn a_trial_file_copied_over_another_or_edited_is_refused() {
    let (dir, spec) = ran();
    let trials: Vec<_> = saved_trials(&dir.path().join("out/trials"));
    assert_eq!(trials.len(), 3);
    // One trial's file under another's name.
    let (first, second) = (&trials[0].0, &trials[1].0);
    let original = fs::read(second).unwrap();
    fs::copy(first, second).unwrap();
    let out = sisa(dir.path(), &["collect", "out"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let name = second.file_name().unwrap().to_string_lossy();
    assert!(
        stderr.contains(&*name) && stderr.contains("holds the rows of trial"),
        "{stderr}"
    );
    // One stored number changed, the file's id and checksum kept: an edit by another tool.
    fs::write(second, &original).unwrap();
    let mut reader = ParquetReader::new(fs::File::open(second).unwrap());
    let metadata = reader.get_metadata().unwrap().key_value_metadata().clone();
    let mut frame = reader.finish().unwrap();
    let doubled = frame.column("sisa_retrain_points").unwrap().f64().unwrap() * 2.0;
    frame
        .replace("sisa_retrain_points", doubled.into_series().into())
        .unwrap();
    let pairs: Vec<(String, String)> = metadata
        .unwrap()
        .into_iter()
        .map(|pair| (pair.key, pair.value.unwrap_or_default()))
        .collect();
    ParquetWriter::new(fs::File::create(second).unwrap())
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(pairs)))
        .finish(&mut frame)
        .unwrap();
    let out = sisa(dir.path(), &["collect", "out"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&*name) && stderr.contains("differ from those it was saved with"),
        "{stderr}"
    );
    // --force recomputes every trial, and the folder is whole again.
    let forced = sisa(
        dir.path(),
        &["run", &spec, "--out", "out", "--quiet", "--force"],
    );
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    let collected = sisa(dir.path(), &["collect", "out"]);
    assert!(collected.status.success(), "{}", text(&collected.stderr));
}

#[test]
fn a_run_with_other_settings_into_the_same_folder_is_refused_and_nothing_changes() {
    let (dir, spec) = ran();
    let before = fs::read(dir.path().join("out/steps.csv")).unwrap();
    let out = sisa(
        dir.path(),
        &["run", &spec, "--out", "out", "--set", "seed=5", "--quiet"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("holds the results of other settings"),
        "{stderr}"
    );
    assert!(stderr.contains("--out"), "{stderr}");
    assert_eq!(fs::read(dir.path().join("out/steps.csv")).unwrap(), before);
    // The same spec again resumes, and the provenance keeps both invocations.
    let again = sisa(dir.path(), &["run", &spec, "--out", "out", "--quiet"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let log: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/provenance.json")).unwrap())
            .unwrap();
    let invocations = log["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 2, "{log}");
    assert_eq!(invocations[0]["trials"].as_array().unwrap().len(), 3);
    assert_eq!(
        invocations[1]["trials"].as_array().unwrap().len(),
        0,
        "nothing rerun"
    );
    assert!(invocations.iter().all(|i| i["finished"].is_string()));
}

#[test]
fn a_second_run_into_a_folder_in_use_stops_naming_the_holder() {
    let slow = "name: busy\ndataset: {synthetic: purchase, samples: 4000, features: 200}\n\
                model: {kind: mlp, hidden: [64], epochs: 400}\nbaseline: none\n";
    let (dir, path) = workspace("busy.yaml", slow);
    let spec = path.to_str().unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(["run", spec, "--out", "out", "--quiet", "--jobs", "1"])
        .current_dir(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join("out/.lock");
    let started = std::time::Instant::now();
    while fs::read_to_string(&lock)
        .unwrap_or_default()
        .trim()
        .is_empty()
    {
        assert!(
            started.elapsed().as_secs() < 60,
            "the first run never locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second = sisa(dir.path(), &["run", spec, "--out", "out"]);
    let running = first.try_wait().unwrap().is_none();
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(running, "the first run was still running");
    let stderr = text(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    let holder = format!("in use by another sisa run (process {})", first.id());
    assert!(stderr.contains(&holder), "{stderr}");
}

#[test]
fn a_write_failure_stops_the_run_saying_how_many_trials_were_saved() {
    let (dir, path) = workspace("folder.yaml", SMALL);
    fs::create_dir_all(dir.path().join("out")).unwrap();
    // `trials` is a file, so no trial can be saved.
    fs::write(dir.path().join("out/trials"), "not a folder").unwrap();
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--jobs", "1"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the run stopped there, with 0 of 3 trials saved"),
        "{stderr}"
    );
    let failed = stderr.matches("failed: cannot write").count();
    assert_eq!(failed, 1, "stopped at the first failing trial: {stderr}");
}

#[test]
fn temporaries_of_an_interrupted_run_are_removed_by_the_next() {
    let (dir, spec) = ran();
    let stale = dir
        .path()
        .join("out/trials/.0123456789abcdef.parquet.99999.tmp.parquet");
    fs::write(&stale, "").unwrap();
    let again = sisa(dir.path(), &["run", &spec, "--out", "out"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(!stale.exists());
    assert!(text(&again.stdout).contains("removed 1 partly written file"));
}
