//! The everyday tools: `sisa init`'s starter spec validates and runs, completions are generated
//! for each shell, and `sisa schema` accepts every shipped spec and refuses bad ones.

use std::fs;
use std::path::{Path, PathBuf};

use super::harness::*;
use super::json_schema::{errors, yaml_to_json};

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

#[test]
fn completions_are_generated_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _sisa"),
        ("zsh", "#compdef sisa"),
        ("fish", "complete -c sisa"),
    ] {
        let out = sisa(dir.path(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["run", "validate", "compare", "init", "schema", "--sweep"] {
            assert!(script.contains(word), "{shell}: `{word}` not completed");
        }
    }
    let out = sisa(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `sisa schema`'s output, parsed; it is the committed `docs/spec.schema.json`.
fn schema() -> serde_json::Value {
    let out = sisa(Path::new(env!("CARGO_MANIFEST_DIR")), &["schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/spec.schema.json");
    assert_eq!(
        fs::read_to_string(&committed).unwrap(),
        text(&out.stdout),
        "docs/spec.schema.json is out of date: sisa schema > docs/spec.schema.json"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn schema_errors(schema: &serde_json::Value, yaml: &str) -> Vec<String> {
    let document: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    errors(schema, &yaml_to_json(&document))
}

/// Every `.yaml` under `folder`, recursively.
fn yaml_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_shipped_spec_and_the_starter_match_the_schema() {
    let schema = schema();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut specs = yaml_files(&root.join("experiments"));
    specs.extend(yaml_files(&root.join("bench")));
    assert!(specs.len() >= 15, "{specs:?}");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sisa(dir.path(), &["init"]).status.code(), Some(0));
    specs.push(dir.path().join("experiment.yaml"));
    for spec in &specs {
        let found = schema_errors(&schema, &fs::read_to_string(spec).unwrap());
        assert!(found.is_empty(), "{}: {found:#?}", spec.display());
    }
    // A name sisa takes besides the one it writes.
    let alias = "name: x\ndataset: {path: points.txt, format: svmlight}\n";
    assert_eq!(schema_errors(&schema, alias), Vec::<String>::new());
}

#[test]
fn the_schema_refuses_what_sisa_refuses() {
    let schema = schema();
    for (spec, at) in [
        ("seed: 1\n", ": the key \"name\" is required"),
        ("name: x\nsisa: {shard: 5}\n", "/sisa"),
        ("name: x\nsisa: {shards: five}\n", "/sisa"),
        ("name: x\nmodel: {kind: mlp, alpha: 1.0}\n", "/model"),
        ("name: x\nmodel: {kind: svm}\n", "/model"),
        ("name: x\nsweep: {sisa.shards: 5}\n", "/sweep/sisa.shards"),
        ("name: x\nfigures: {formats: [jpg]}\n", "/figures"),
        ("name: x\nfigures: [{x: shards}]\n", "/figures"),
        ("name: x\nunlearning: {requests: [-1]}\n", "/unlearning"),
    ] {
        let found = schema_errors(&schema, spec);
        assert!(
            found.iter().any(|error| error.contains(at)),
            "{spec}: {found:?}"
        );
        let (dir, path) = workspace("bad.yaml", spec);
        let out = sisa(
            dir.path(),
            &["validate", path.to_str().unwrap(), "--no-data"],
        );
        assert_eq!(out.status.code(), Some(2), "{spec}: {}", text(&out.stderr));
    }
}
