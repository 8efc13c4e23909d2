//! Data files: tables read and encoded, request columns, separate test files, and data errors
//! that exit with code 2 naming the file and line.

use std::fs;

use super::harness::*;

/// 12 points, 3 features (one of them text), 2 classes; header row.
const POINTS_CSV: &str = "\
size,colour,weight,class
1.0,red,3,small
1.5,red,2.5,small
0.8,blue,3.1,small
1.2,blue,2.9,small
1.1,red,3.3,small
0.9,blue,2.7,small
5.0,green,9,large
5.5,green,8.5,large
4.8,red,9.1,large
5.2,green,8.9,large
4.9,green,9.3,large
5.1,red,8.7,large
";

#[test]
fn a_csv_file_runs_and_its_dataset_is_recorded() {
    let spec = "\
name: points
dataset:
  path: data/points.csv
  header: true
  label: class
  stratify: true
  standardize: true
  test_fraction: 0.25
model: {kind: logistic, max_iterations: 20}
sisa: {shards: 2}
unlearning: {requests: [1, 2]}
";
    let (dir, path) = workspace("spec.yaml", spec);
    fs::create_dir(dir.path().join("data")).unwrap();
    fs::write(dir.path().join("data/points.csv"), POINTS_CSV).unwrap();
    // Run from another folder: the data path is relative to the spec file.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = sisa(
        elsewhere.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&elsewhere.path().join("out/steps.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["dataset"], "points");
    assert_eq!(rows[0]["n_train"], "9");
    assert_eq!(rows[0]["n_test"], "3");
    assert_eq!(
        rows[0]["n_features"], "5",
        "size, weight and 3 one-hot colours"
    );
    assert_eq!(rows[0]["n_classes"], "2");
    let datasets: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(elsewhere.path().join("out/datasets.json")).unwrap(),
    )
    .unwrap();
    let dataset = &datasets[0];
    assert_eq!(dataset["name"], "points");
    assert_eq!(dataset["rows"], 12);
    assert!(dataset["path"]
        .as_str()
        .unwrap()
        .ends_with("data/points.csv"));
    assert_eq!(
        dataset["classes"],
        serde_json::json!([{"name": "large", "count": 6}, {"name": "small", "count": 6}])
    );
    assert_eq!(
        dataset["feature_names"],
        serde_json::json!([
            "size",
            "colour=blue",
            "colour=green",
            "colour=red",
            "weight"
        ])
    );
}

/// 24 points of 6 users: `user` and `propensity` are request columns, not features.
fn people_csv() -> String {
    let mut csv = String::from("user,propensity,size,weight,class\n");
    for row in 0..24 {
        let user = ["ann", "bob", "cy", "dee", "eve", "fay"][row % 6];
        let large = row % 2 == 0;
        let size = if large { 5.0 } else { 1.0 } + (row % 5) as f64 * 0.1;
        let propensity = if row % 3 == 0 {
            0.0
        } else {
            1.0 + (row % 4) as f64
        };
        let class = if large { "large" } else { "small" };
        csv += &format!("{user},{propensity},{size},{},{class}\n", size * 2.0);
    }
    csv
}

#[test]
fn requests_can_delete_a_users_points_or_follow_a_weight_column() {
    let spec = "\
name: people
seed: 3
repeats: 4
dataset: {path: people.csv, header: true, label: class, test_fraction: 0.25}
model: {kind: logistic, max_iterations: 20}
sisa: {shards: 2}
unlearning:
  distribution: groups
  column: user
  requests: [1, 2]
";
    let csv = people_csv();
    let (dir, path) = data_workspace(spec, &[("people.csv", &csv)]);
    let run = |args: &[&str]| {
        let mut all = vec!["run", path.to_str().unwrap(), "--quiet"];
        all.extend(args);
        let out = sisa(dir.path(), &all);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    run(&["--out", "groups"]);
    let rows = read_csv(&dir.path().join("groups/steps.csv"));
    assert_eq!(rows.len(), 8);
    for row in &rows {
        assert_eq!(row["distribution"], "groups(user)");
        assert_eq!(
            row["n_features"], "3",
            "propensity, size, weight: user is no feature"
        );
        // Each user has 4 points in all; one request deletes every training point of one user.
        let removed: usize = row["removed_total"].parse().unwrap();
        let requests: usize = row["requests"].parse().unwrap();
        assert!(removed >= requests && removed <= 4 * requests, "{row:?}");
    }
    assert!(rows
        .iter()
        .any(|row| row["removed_total"] != row["requests"]));
    run(&[
        "--out",
        "weights",
        "--set",
        "unlearning.distribution=column",
        "--set",
        "unlearning.column=propensity",
    ]);
    let rows = read_csv(&dir.path().join("weights/steps.csv"));
    assert!(rows
        .iter()
        .all(|row| row["distribution"] == "column(propensity)"
            && row["removed_total"] == row["requests"]
            && row["n_features"] == "8"));

    let bad = csv.replace("ann,0,", "ann,high,");
    run_fails_with(
        &spec
            .replace("distribution: groups", "distribution: column")
            .replace("column: user", "column: propensity"),
        &[("people.csv", &bad)],
        &[
            "unlearning.column",
            "column `propensity` must hold request weights",
            "`high`",
        ],
    );
}

#[test]
fn a_separate_test_file_is_the_test_set() {
    let spec = "\
name: split
dataset: {path: train.csv, test_path: test.csv, header: true, label: class}
model: {kind: logistic, max_iterations: 20}
";
    let test_csv = "size,colour,weight,class\n1.0,purple,3,small.\n5.0,green,9,large.\n";
    let (dir, path) = data_workspace(spec, &[("train.csv", POINTS_CSV), ("test.csv", test_csv)]);
    let out = sisa(dir.path(), &["run", path.to_str().unwrap(), "--out", "out"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert_eq!(
        (rows[0]["n_train"].as_str(), rows[0]["n_test"].as_str()),
        ("12", "2")
    );
    assert_eq!(rows[0]["n_classes"], "2", "`small.` is the class `small`");
    let datasets = fs::read_to_string(dir.path().join("out/datasets.json")).unwrap();
    assert!(datasets.contains("\"test_rows\": 2"), "{datasets}");
}

#[test]
fn data_file_errors_exit_2_and_name_the_file_and_line() {
    let spec = "name: bad\ndataset: {path: points.csv, header: true}\n";
    run_fails_with(
        "name: bad\ndataset: {path: nowhere.csv}\n",
        &[],
        &["cannot read `", "nowhere.csv`: No such file"],
    );
    let short_row = POINTS_CSV.replace("0.8,blue,3.1,small", "0.8,blue,small");
    run_fails_with(
        spec,
        &[("points.csv", &short_row)],
        &["points.csv:4: has 3 fields, but the header has 4 (separator `,`)"],
    );
    let infinite = POINTS_CSV.replace("1.5,red,2.5", "1.5,red,1e999");
    run_fails_with(
        spec,
        &[("points.csv", &infinite)],
        &["points.csv:3: column 2 (`weight`): inf is not a finite number"],
    );
    let missing = POINTS_CSV
        .replace("1.5,red", "?,red")
        .replace("5.5,green", "NA,green");
    run_fails_with(
        spec,
        &[("points.csv", &missing)],
        &[
            "points.csv:3: 2 of 12 rows have a missing value",
            "on lines 3, 9;",
            "missing: drop-rows",
        ],
    );
    run_fails_with(
        "name: bad\ndataset: {path: points.csv, header: true, label: kind}\n",
        &[("points.csv", POINTS_CSV)],
        &[
            "points.csv: has no column named `kind` for `label`",
            "`class`",
        ],
    );
}

#[test]
fn too_few_points_or_classes_exit_2_before_running() {
    let spec = "\
name: bad
dataset:
  path: points.csv
  header: true
sisa:
  shards: 3
  slices: 4
";
    run_fails_with(
        spec,
        &[("points.csv", POINTS_CSV)],
        &[
            "spec.yaml:7:3: sisa.slices: 4 slices are more than the 3 points of a shard",
            "(the training points come from `",
            "points.csv`",
        ],
    );
    let one_tiny_class = format!("{POINTS_CSV}1.0,red,3,tiny\n");
    run_fails_with(
        "name: bad\ndataset: {path: points.csv, header: true, stratify: true}\n",
        &[("points.csv", &one_tiny_class)],
        &["points.csv: dataset.stratify: a stratified split needs at least 2 points in every class", "`tiny` (1)"],
    );
}

#[test]
fn validate_reads_the_data_as_run_would_unless_told_not_to() {
    let spec = "name: t\ndataset: {path: points.csv, header: true, label: class}\n";
    let (dir, path) = data_workspace(spec, &[]);
    let path = path.to_str().unwrap();
    let missing = sisa(dir.path(), &["validate", path]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stdout));
    assert!(text(&missing.stderr).contains("points.csv"));
    let skipped = sisa(dir.path(), &["validate", path, "--no-data"]);
    assert!(skipped.status.success(), "{}", text(&skipped.stderr));
    assert!(text(&skipped.stdout).contains("data not checked (--no-data)"));
    // A value missing without a `missing:` policy is found by validate, with its line.
    let gap = POINTS_CSV.replacen("1.5", "", 1);
    fs::write(dir.path().join("points.csv"), gap).unwrap();
    let incomplete = sisa(dir.path(), &["validate", path]);
    assert_eq!(incomplete.status.code(), Some(2));
    assert!(
        text(&incomplete.stderr).contains("missing value"),
        "{}",
        text(&incomplete.stderr)
    );
    fs::write(dir.path().join("points.csv"), POINTS_CSV).unwrap();
    let whole = sisa(dir.path(), &["validate", path]);
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    assert!(text(&whole.stdout).contains("data read and checked"));
}
