//! The everyday tools: `sisa init`'s starter spec validates and runs.

use std::fs;

use super::harness::*;

#[test]
fn init_writes_a_starter_spec_that_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = sisa(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let spec = fs::read_to_string(dir.path().join("experiment.yaml")).unwrap();
    assert!(spec.contains("\nname: experiment "), "{spec}");
    assert!(text(&out.stdout).contains("sisa run experiment.yaml"));

    let out = sisa(dir.path(), &["validate", "experiment.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sisa(
        dir.path(),
        &["run", "experiment.yaml", "--quiet", "--out", "results"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary = read_csv(&dir.path().join("results/summary.csv"));
    // Four shard counts, four request counts.
    assert_eq!(summary.len(), 16);
    assert!(dir.path().join("results/report.html").exists());

    // An existing file is kept unless --force.
    let out = sisa(dir.path(), &["init", "experiment.yaml"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`experiment.yaml` exists") && stderr.contains("--force"));
    fs::write(dir.path().join("experiment.yaml"), "edited").unwrap();
    let out = sisa(dir.path(), &["init", "experiment.yaml", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        fs::read_to_string(dir.path().join("experiment.yaml")).unwrap(),
        spec
    );
}

#[test]
fn init_names_the_experiment_after_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = sisa(dir.path(), &["init", "2024.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sisa(dir.path(), &["plan", "2024.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let spec = fs::read_to_string(dir.path().join("2024.yaml")).unwrap();
    assert!(spec.contains("\nname: '2024' "), "{spec}");
}
