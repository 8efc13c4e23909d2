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

/// `POINTS_CSV` as pandas' `df.to_csv()` writes it: an unnamed first column holding the row
/// index 0, 1, ..., n - 1.
fn pandas_csv() -> String {
    let mut lines = POINTS_CSV.lines();
    let mut csv = format!(",{}\n", lines.next().unwrap());
    for (index, line) in lines.enumerate() {
        csv += &format!("{index},{line}\n");
    }
    csv
}

/// `POINTS_CSV` as a European spreadsheet writes it: `;` between fields, decimal commas.
fn european_csv() -> String {
    POINTS_CSV.replace(',', ";").replace('.', ",")
}

/// The feature names `run` records in `datasets.json`, and what it wrote on stderr.
fn recorded_features(dir: &std::path::Path, spec: &std::path::Path) -> (Vec<String>, String) {
    let out = sisa(
        dir,
        &["run", spec.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let datasets: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("out/datasets.json")).unwrap()).unwrap();
    let names = datasets[0]["feature_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap().to_owned())
        .collect();
    fs::remove_dir_all(dir.join("out")).unwrap();
    (names, stderr)
}

const SMALL_RUN: &str = "model: {kind: logistic, max_iterations: 20}\nsisa: {shards: 2}\n\
                         unlearning: {requests: [1]}\n";

#[test]
fn a_pandas_index_column_is_left_out_with_a_notice() {
    let spec =
        format!("name: t\ndataset: {{path: points.csv, header: true, label: class}}\n{SMALL_RUN}");
    let csv = pandas_csv();
    let (dir, path) = data_workspace(&spec, &[("points.csv", &csv)]);
    let (names, stderr) = recorded_features(dir.path(), &path);
    assert_eq!(
        names,
        [
            "size",
            "colour=blue",
            "colour=green",
            "colour=red",
            "weight"
        ]
    );
    assert!(
        stderr.contains(
            "points.csv: column 0 (no name, holding 0, 1, ..., 11) is the row index pandas \
             writes with `df.to_csv()`; it is left out of the features (set `index_column: keep` \
             to keep it)"
        ),
        "{stderr}"
    );
    // validate says it too; `index_column: keep` keeps it, silently.
    let validated = sisa(dir.path(), &["validate", path.to_str().unwrap()]);
    assert!(validated.status.success());
    assert!(
        text(&validated.stderr).contains("warning: "),
        "{}",
        text(&validated.stderr)
    );
    let keep = spec.replace("label: class", "label: class, index_column: keep");
    fs::write(&path, keep).unwrap();
    let (names, stderr) = recorded_features(dir.path(), &path);
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(!stderr.contains("row index"), "{stderr}");
}

#[test]
fn decimal_commas_are_read_with_decimal_or_named_in_the_error() {
    let european = european_csv();
    let spec = |options: &str| {
        format!("name: t\ndataset: {{path: points.csv, header: true, label: class{options}}}\n")
    };
    // Read with the defaults, the `;` file is one column: the error says to set the separator.
    run_fails_with(
        &spec(""),
        &[("points.csv", &european)],
        &[
            "points.csv:1: has 1 field; a label and at least one feature are needed",
            "is the file `;`-separated? Then set `separator: \";\"`",
            "`decimal: \",\"`",
        ],
    );
    // With the separator but not the decimal mark, numbers would be text: an error, not 555
    // one-hot features.
    run_fails_with(
        &spec(", separator: \";\""),
        &[("points.csv", &european)],
        &[
            "points.csv:2: column 0 (`size`) holds `1,0`: numbers written with a decimal comma \
             are read as text; set `decimal: \",\"`",
        ],
    );
    // Both set: exactly the features of the same data written with `,` and `.`.
    let (dir, path) = data_workspace(
        &spec(", separator: \";\", decimal: \",\""),
        &[("points.csv", &european)],
    );
    let out = sisa(
        dir.path(),
        &["export", path.to_str().unwrap(), "--out", "eu"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    fs::write(dir.path().join("points.csv"), POINTS_CSV).unwrap();
    fs::write(&path, spec("")).unwrap();
    let out = sisa(
        dir.path(),
        &["export", path.to_str().unwrap(), "--out", "plain"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in ["X_train.npy", "X_test.npy", "y_train.npy", "y_test.npy"] {
        let read = |folder: &str| fs::read(dir.path().join(folder).join(file)).unwrap();
        assert_eq!(read("eu"), read("plain"), "{file}");
    }
    assert_eq!(
        read_npy_f32(&dir.path().join("plain/X_train.npy")).len() % 5,
        0
    );
}

#[test]
fn a_label_that_is_not_classes_is_an_error_unless_declared() {
    let mut prices = String::from("size,price\n");
    let mut ids = String::from("size,id\n");
    for row in 0..300 {
        prices += &format!("{row},{}.{}\n", 100 + row % 7, row % 10);
        ids += &format!("{},{row}\n", row % 5);
    }
    let spec = |label: &str, kind: &str| {
        format!("name: t\ndataset: {{path: d.csv, header: true, label: {label}{kind}}}\n")
    };
    run_fails_with(
        &spec("price", ""),
        &[("d.csv", &prices)],
        &[
            "d.csv:3: the label, column 1 (`price`), holds `101.1`, which is not a whole number",
            "Is `label` the right column?",
            "`label_kind: classes`",
        ],
    );
    run_fails_with(
        &spec("id", ""),
        &[("d.csv", &ids)],
        &["the label, column 1 (`id`), holds 300 distinct values in 300 rows: too many to be classes"],
    );
    let (dir, path) = data_workspace(&spec("id", ", label_kind: classes"), &[("d.csv", &ids)]);
    let out = sisa(
        dir.path(),
        &[
            "validate",
            path.to_str().unwrap(),
            "--set",
            "dataset.test_fraction=0.5",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // One class only is never a classification task.
    run_fails_with(
        &spec("class", ""),
        &[("d.csv", "size,class\n1,a\n2,a\n3,a\n")],
        &["d.csv: the label, column 1 (`class`), holds one class only (`a`)"],
    );
}

#[test]
fn a_text_column_with_many_levels_is_named_in_a_warning() {
    let mut csv = String::from("city,size,class\n");
    for row in 0..240 {
        csv += &format!("town{},{},{}\n", row % 120, row % 9, row % 2);
    }
    let spec =
        format!("name: t\ndataset: {{path: d.csv, header: true, label: class}}\n{SMALL_RUN}");
    let (dir, path) = data_workspace(&spec, &[("d.csv", &csv)]);
    let out = sisa(dir.path(), &["validate", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("warning: "));
    assert!(
        text(&out.stderr).contains(
            "d.csv: column 0 (`city`) has 120 categories, so one-hot encoding adds 120 \
             features; if it is an identifier or free text, leave it out with `drop`"
        ),
        "{}",
        text(&out.stderr)
    );
    // Dropped, it is gone, and so is the warning.
    fs::write(
        &path,
        spec.replace("label: class", "label: class, drop: [city]"),
    )
    .unwrap();
    let (names, stderr) = recorded_features(dir.path(), &path);
    assert_eq!(names, ["size"]);
    assert!(!stderr.contains("categories"), "{stderr}");
}

#[test]
fn columns_are_kept_dropped_or_named_by_the_spec() {
    let headerless: String = POINTS_CSV
        .lines()
        .skip(1)
        .map(|line| format!("{line}\n"))
        .collect();
    let spec = |options: &str| {
        format!(
            "name: t\ndataset: {{path: d.csv, column_names: [size, colour, weight, class], \
             label: class{options}}}\n{SMALL_RUN}"
        )
    };
    let (dir, path) = data_workspace(&spec(""), &[("d.csv", &headerless)]);
    let features = |options: &str| {
        fs::write(&path, spec(options)).unwrap();
        recorded_features(dir.path(), &path).0
    };
    assert_eq!(
        features(""),
        [
            "size",
            "colour=blue",
            "colour=green",
            "colour=red",
            "weight"
        ]
    );
    assert_eq!(features(", drop: [colour]"), ["size", "weight"]);
    assert_eq!(features(", columns: [weight, 0]"), ["size", "weight"]);
    run_fails_with(
        &spec(", drop: [colour, klass]"),
        &[("d.csv", &headerless)],
        &["d.csv: has no column named `klass` for `drop`; did you mean `class`?"],
    );
    run_fails_with(
        &spec(", drop: [class]"),
        &[("d.csv", &headerless)],
        &["`drop` names column 3 (`class`), the label column; it cannot be left out"],
    );
    run_fails_with(
        &spec(", columns: [size], drop: [colour]"),
        &[("d.csv", &headerless)],
        &["dataset.drop: give either `columns` (the columns to keep) or `drop`"],
    );
}

/// A training file and a test file with missing values; the test file's values are extreme, so
/// statistics that saw them would differ.
const TRAIN_WITH_GAPS: &str =
    "size,colour,class\n1,red,a\n2,blue,b\n3,red,a\n?,?,b\n6,red,b\n0,blue,a\n";
const TEST_WITH_GAPS: &str = "size,colour,class\n?,?,a\n1000,blue,b\n1000,blue,a\n";

#[test]
fn missing_values_are_filled_in_from_the_training_points_only() {
    let spec = |missing: &str| {
        format!(
            "name: t\ndataset: {{path: train.csv, test_path: test.csv, header: true, label: class, \
             missing: {missing}}}\n"
        )
    };
    let files = [("train.csv", TRAIN_WITH_GAPS), ("test.csv", TEST_WITH_GAPS)];
    let (dir, path) = data_workspace(&spec("error"), &files);
    let export = |missing: &str| -> (Vec<f32>, Vec<f32>) {
        fs::write(&path, spec(missing)).unwrap();
        let out = sisa(
            dir.path(),
            &["export", path.to_str().unwrap(), "--out", "x"],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let read = |file: &str| read_npy_f32(&dir.path().join("x").join(file));
        (read("X_train.npy"), read("X_test.npy"))
    };
    // Features: size, colour=(missing), colour=blue, colour=red. Training sizes 1, 2, 3, 6, 0.
    let (train, test) = export("{numbers: mean, text: category}");
    assert_eq!(train[3 * 4..4 * 4], [2.4, 1.0, 0.0, 0.0]);
    assert_eq!(
        test[..4],
        [2.4, 1.0, 0.0, 0.0],
        "the test points' 1000s are not in the mean"
    );
    let (_, test) = export("{numbers: median, text: most-frequent}");
    // Features: size, colour=blue, colour=red; red is the most frequent training colour.
    assert_eq!(test[..3], [2.0, 0.0, 1.0]);
    let (_, test) = export("most-frequent");
    assert_eq!(
        test[..3],
        [0.0, 0.0, 1.0],
        "a tie between sizes goes to the smallest"
    );
    // `error` says what to set, with the lines.
    run_fails_with(
        &spec("error"),
        &files,
        &[
            "train.csv:5: 1 of 6 rows have a missing value",
            "`missing: {numbers: median}` (or `mean`, `most-frequent`)",
        ],
    );
}

#[test]
fn adult_runs_with_its_missing_values_filled_in() {
    // UCI adult, unscaled, '?' in three text columns: a category of their own keeps every row.
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/data");
    let spec = format!(
        "name: adult\ndataset:\n  path: {0}/adult.data.gz\n  test_path: {0}/adult.test.gz\n  \
         format: csv\n  missing: {{numbers: median, text: category}}\n",
        data.display()
    );
    let (dir, path) = workspace("spec.yaml", &spec);
    let out = sisa(
        dir.path(),
        &["export", path.to_str().unwrap(), "--out", "x"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let train = read_npy_f32(&dir.path().join("x/X_train.npy"));
    let test = read_npy_f32(&dir.path().join("x/X_test.npy"));
    // Every row kept (32,561 and 16,281, against 30,162 and 15,060 with drop-rows); 14 columns
    // give 105 features with the three `(missing)` categories.
    assert_eq!(train.len(), 32_561 * 108);
    assert_eq!(test.len(), 16_281 * 108);
    assert!(train.iter().chain(&test).all(|v| v.is_finite()));
}

/// Address space the hostile-file tests allow the binary: far less than the files inflate to.
const MEMORY_CEILING: u64 = 1 << 30;

/// Runs `sisa validate` on a spec reading `data` (written as `file`) under [`MEMORY_CEILING`]
/// with the environment `env`; it must exit 2 with one message holding every `expected`.
fn hostile(file: &str, data: &[u8], dataset: &str, env: &[(&str, &str)], expected: &[&str]) {
    let spec = format!("name: t\ndataset: {{path: {file}, {dataset}}}\n");
    let (dir, path) = workspace("spec.yaml", &spec);
    fs::write(dir.path().join(file), data).unwrap();
    let started = std::time::Instant::now();
    let out = sisa_limited(
        dir.path(),
        &["validate", path.to_str().unwrap()],
        env,
        Some(MEMORY_CEILING),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    for fragment in expected {
        assert!(stderr.contains(fragment), "`{fragment}` not in: {stderr}");
    }
    assert!(started.elapsed().as_secs() < 30, "{file}: refused early");
}

#[test]
fn compression_bombs_stop_at_the_limits_within_memory() {
    // 1 GiB of `0,1` lines in about 1 MB: the decompressed bytes are counted as they stream.
    let lines = gzip_members(&b"0,1\n".repeat(1 << 20), 256);
    assert!(lines.len() < 2 << 20);
    hostile(
        "bomb.csv.gz",
        &lines,
        "format: csv",
        &[("SISA_MAX_DATA_BYTES", "64000000")],
        &[
            "bomb.csv.gz: holds (decompressed) more bytes, more than the limit of 64000000 bytes; \
             if that is meant, raise it with the environment variable SISA_MAX_DATA_BYTES",
        ],
    );
    // So are the values, with each row's bookkeeping.
    hostile(
        "bomb.csv.gz",
        &lines,
        "format: csv",
        &[("SISA_MAX_FEATURE_VALUES", "8000000")],
        &[
            "has more than 1000000 rows of 2 columns",
            "SISA_MAX_FEATURE_VALUES",
        ],
    );
    // 1 GiB without a line break stops at the line limit (64 MiB), whatever the other limits.
    let endless = gzip_members(&[b'7'; 1 << 22], 256);
    hostile(
        "line.csv.gz",
        &endless,
        "format: csv",
        &[],
        &[
            "line.csv.gz: line 1 runs on without a line break",
            "more than the limit of 67108864 bytes",
            "SISA_MAX_LINE_BYTES",
        ],
    );
    // LIBSVM is streamed too: its rows and entries count against the value limit.
    let svm = gzip_members(&b"1 1:0 2:1\n".repeat(1 << 19), 200);
    hostile(
        "bomb.svm.gz",
        &svm,
        "format: libsvm",
        &[("SISA_MAX_FEATURE_VALUES", "1000000")],
        &[
            "bomb.svm.gz: holds 38462 rows and 76924 entries by line 38462, 1000012 values",
            "SISA_MAX_FEATURE_VALUES",
        ],
    );
    // An .npz member of 64 MiB of zeros declaring 64 KiB: inflating stops just past the declared
    // size (and a member may declare no more than SISA_MAX_DATA_BYTES).
    let labels = npy("<i8", &[2], &[0; 16]);
    let features = npy("<f8", &[1 << 20, 8], &vec![0u8; 1 << 26]);
    let archive = npz(&[
        ("x.npy", &features, Some(1 << 16)),
        ("y.npy", &labels, None),
    ]);
    assert!(archive.len() < 1 << 20);
    hostile(
        "bomb.npz",
        &archive,
        "format: npz",
        &[],
        &[
            "bomb.npz: array `x`: declares 1048576 x 8 values of 8 bytes (67108864 bytes) but \
             holds 65409 bytes after its header",
        ],
    );
    // Declared honestly, the member passes the value limit when it is lowered: refused from
    // its header, before anything is inflated.
    let archive = npz(&[("x.npy", &features, None), ("y.npy", &labels, None)]);
    hostile(
        "bomb.npz",
        &archive,
        "format: npz",
        &[("SISA_MAX_FEATURE_VALUES", "1000000")],
        &[
            "1048576 rows x 8 columns make 8388608 values",
            "SISA_MAX_FEATURE_VALUES",
        ],
    );
}

#[test]
fn devices_and_oversized_synthetic_data_are_refused_before_reading() {
    hostile_spec(
        "name: t\ndataset: {path: /dev/zero, format: csv}\n",
        &["cannot read `/dev/zero`: it is not a regular file (a device, pipe or socket)"],
    );
    // A device as the spec: refused after 1 MiB, not read until memory runs out.
    let dir = tempfile::tempdir().unwrap();
    let out = sisa_limited(
        dir.path(),
        &["validate", "/dev/zero"],
        &[],
        Some(MEMORY_CEILING),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/dev/zero: is larger than 1048576 bytes (1 MiB)"),
        "{}",
        text(&out.stderr)
    );
    // 40M x 50 values: refused at validate, not an allocation abort at run.
    hostile_spec(
        "name: t\ndataset: {synthetic: blobs, samples: 40000000, features: 50}\n",
        &[
            "spec.yaml:2:",
            "dataset.samples: 40000000 samples x 50 features make 2000000000 values, more than \
             the limit of 1073741824",
            "SISA_MAX_FEATURE_VALUES",
        ],
    );
    // Purchase with more classes than its default profiles blames the key the user wrote.
    hostile_spec(
        "name: t\ndataset: {synthetic: purchase, classes: 50}\n",
        &[
            "dataset.classes: 50 classes need at least 50 customer profiles",
            "`prototypes: 50`",
        ],
    );
}

/// Runs `sisa run` on `spec` under [`MEMORY_CEILING`]: exit 2 with one message holding
/// every `expected`, and no results folder.
fn hostile_spec(spec: &str, expected: &[&str]) {
    let (dir, path) = workspace("spec.yaml", spec);
    let out = sisa_limited(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out"],
        &[],
        Some(MEMORY_CEILING),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    for fragment in expected {
        assert!(stderr.contains(fragment), "`{fragment}` not in: {stderr}");
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn csv_files_with_old_line_endings_a_bom_or_a_stray_word_read_or_say_where() {
    // A byte-order mark and CR-only line endings (old Mac exports) read like any file.
    let mac = format!("\u{feff}{}", POINTS_CSV.replace('\n', "\r"));
    let spec =
        format!("name: t\ndataset: {{path: points.csv, header: true, label: class}}\n{SMALL_RUN}");
    let (dir, path) = data_workspace(&spec, &[("points.csv", &mac)]);
    let (names, _) = recorded_features(dir.path(), &path);
    assert_eq!(names.len(), 5);
    // One word among numbers is a typo, named with its line, not 12 categories.
    let typo = POINTS_CSV.replacen("2.5", "2.5x", 1);
    run_fails_with(
        &spec,
        &[("points.csv", &typo)],
        &["points.csv:3: column 2 (`weight`) holds `2.5x` on line 3, while its other values are numbers"],
    );
}
