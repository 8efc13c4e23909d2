//! End-to-end tests: each writes a small spec, runs the real `sisa` binary, and checks its exit
//! code, output and files. One harness, so polars is linked once.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::{ParquetReader, SerReader};

/// Runs `sisa` with `args` in `dir`.
fn sisa(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the sisa binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `spec` as `name` in a new temporary folder.
fn workspace(name: &str, spec: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(name);
    fs::write(&path, spec).expect("spec written");
    (dir, path)
}

/// A results CSV as rows of column -> value.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let content = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = content.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(line.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

const TIMING: &[&str] = &[
    "sisa_retrain_cpu_s",
    "sisa_retrain_wall_s",
    "baseline_retrain_cpu_s",
    "baseline_retrain_wall_s",
    "speedup_time",
    "train_cpu_s",
    "train_wall_s",
];

fn without_timing(rows: Vec<BTreeMap<String, String>>) -> Vec<BTreeMap<String, String>> {
    rows.into_iter()
        .map(|mut row| {
            row.retain(|column, _| !TIMING.contains(&column.as_str()));
            row
        })
        .collect()
}

const SMALL_SWEEP: &str = "\
name: small
seed: 11
repeats: 2
dataset: {synthetic: blobs, samples: 600, features: 6, classes: 3, noise: 4.0}
model: {kind: logistic, alpha: 1.0, max_iterations: 30}
sisa: {slices: 3, aggregation: mean-proba}
unlearning: {requests: [1, 5, 20]}
sweep:
  sisa.shards: [1, 4]
";

#[test]
fn run_writes_tables_that_do_not_depend_on_the_number_of_jobs() {
    let (dir, spec) = workspace("small.yaml", SMALL_SWEEP);
    let spec = spec.to_str().unwrap();
    let one = sisa(dir.path(), &["run", spec, "--jobs", "1", "--out", "one"]);
    assert!(one.status.success(), "{}", text(&one.stderr));
    let two = sisa(dir.path(), &["run", spec, "--jobs", "2", "--out", "two"]);
    assert!(two.status.success(), "{}", text(&two.stderr));

    let rows_one = read_csv(&dir.path().join("one/steps.csv"));
    let rows_two = read_csv(&dir.path().join("two/steps.csv"));
    assert_eq!(rows_one.len(), 2 * 2 * 3, "trials x steps");
    assert_eq!(without_timing(rows_one.clone()), without_timing(rows_two));
    // The timing columns were there, and measured something.
    assert!(rows_one
        .iter()
        .all(|r| r["sisa_retrain_cpu_s"].parse::<f64>().unwrap() > 0.0));

    // Each trial was saved on its own, and the Parquet table holds the CSV's rows.
    let trial_files = fs::read_dir(dir.path().join("one/trials")).unwrap().count();
    assert_eq!(trial_files, 4);
    let file = fs::File::open(dir.path().join("one/steps.parquet")).unwrap();
    let frame = ParquetReader::new(file).finish().unwrap();
    assert_eq!(frame.height(), rows_one.len());
    let ids = frame.column("trial_id").unwrap().str().unwrap();
    let shards = frame.column("shards").unwrap().u64().unwrap();
    for (position, row) in rows_one.iter().enumerate() {
        assert_eq!(ids.get(position).unwrap(), row["trial_id"]);
        assert_eq!(shards.get(position).unwrap().to_string(), row["shards"]);
    }
    let summary = read_csv(&dir.path().join("one/summary.csv"));
    assert_eq!(summary.len(), 2 * 3, "sweep points x steps");
    assert!(summary.iter().all(|r| r["repeats"] == "2"));

    // The summary table reaches the terminal.
    let stdout = text(&one.stdout);
    assert!(stdout.contains("speed-up (points)"), "{stdout}");
    assert!(dir.path().join("one/spec.yaml").exists());
}

#[test]
fn sharded_batch_cost_matches_the_papers_equation_3() {
    // Uniform batches of K requests, S shards, no slicing: E[C] = N (1 - (1 - 1/S)^K) - K.
    let spec = "\
name: eq3
seed: 5
repeats: 30
dataset: {synthetic: blobs, samples: 2500, features: 3, classes: 2, test_fraction: 0.2}
model: {kind: logistic, max_iterations: 1}
baseline: none
unlearning: {requests: [1, 3, 10, 30]}
sweep:
  sisa.shards: [2, 5, 10]
";
    let (dir, path) = workspace("eq3.yaml", spec);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "--quiet prints nothing"
    );
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    let mut means: BTreeMap<(u32, u32), (f64, usize)> = BTreeMap::new();
    for row in &rows {
        let key = (
            row["shards"].parse().unwrap(),
            row["requests"].parse().unwrap(),
        );
        let entry = means.entry(key).or_default();
        entry.0 += row["sisa_retrain_points"].parse::<f64>().unwrap();
        entry.1 += 1;
        assert_eq!(row["baseline_accuracy"], "", "no baseline was run");
    }
    assert_eq!(means.len(), 12);
    let n = 2000.0;
    for ((shards, requests), (sum, count)) in means {
        assert_eq!(count, 30);
        let (s, k) = (f64::from(shards), f64::from(requests));
        let expected = n * (1.0 - (1.0 - 1.0 / s).powf(k)) - k;
        let measured = sum / count as f64;
        let error = (measured - expected).abs() / expected;
        assert!(
            error < 0.10,
            "S={shards} K={requests}: measured {measured:.1}, Eq. 3 gives {expected:.1}"
        );
    }
}

#[test]
fn verify_certifies_exact_unlearning_with_slices_for_every_model() {
    let spec = "\
name: exact
dataset: {synthetic: purchase, samples: 1500, features: 40, classes: 3, prototypes: 6}
model: {kind: logistic, max_iterations: 40}
sisa: {shards: 6, slices: 5}
unlearning: {requests: [12]}
";
    let (dir, path) = workspace("exact.yaml", spec);
    let models = [
        "{kind: logistic, max_iterations: 40}",
        "{kind: logistic, max_iterations: 40, solver: linfa}",
        "{kind: mlp, hidden: [16], epochs: 6, learning_rate: 0.05}",
        "{kind: naive-bayes}",
        "{kind: decision-tree, max_depth: 6}",
    ];
    for (model, seed) in models.iter().flat_map(|m| ["1", "2"].map(|s| (m, s))) {
        let (set_seed, set_model) = (format!("seed={seed}"), format!("model={model}"));
        let args = [
            "verify",
            path.to_str().unwrap(),
            "--json",
            "--set",
            &set_seed,
            "--set",
            &set_model,
        ];
        let out = sisa(dir.path(), &args);
        assert!(out.status.success(), "{model}: {}", text(&out.stderr));
        let certificate: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(certificate["identical"], true, "{model}");
        assert_eq!(certificate["removed"].as_array().unwrap().len(), 12);
        let verdicts = certificate["shard_verdicts"].as_array().unwrap();
        assert_eq!(verdicts.len(), 6);
        for verdict in verdicts {
            assert_eq!(verdict["parameters_identical"], true, "{model}");
            let hit = verdict["removed_points"].as_u64().unwrap() > 0;
            assert_eq!(hit, !verdict["restarted_at_slice"].is_null(), "{verdict}");
        }
    }
    let human = sisa(dir.path(), &["verify", path.to_str().unwrap()]);
    assert!(human.status.success());
    let stdout = text(&human.stdout);
    assert!(stdout.contains("Result: EXACT"), "{stdout}");
}

#[test]
fn plan_lists_trials_with_stable_ids() {
    let (dir, path) = workspace("small.yaml", SMALL_SWEEP);
    let path = path.to_str().unwrap();
    let first = sisa(dir.path(), &["plan", path]);
    assert!(first.status.success());
    let listing = text(&first.stdout);
    assert_eq!(listing.lines().count(), 2 + 4, "header, rule, 4 trials");
    assert!(listing.lines().next().unwrap().contains("sisa.shards"));
    assert_eq!(listing, text(&sisa(dir.path(), &["plan", path]).stdout));
    let swept = sisa(dir.path(), &["plan", path, "--sweep", "sisa.shards=2,3,5"]);
    assert_eq!(text(&swept.stdout).lines().count(), 2 + 6);
}

/// Every spec under `tests/specs/bad/` must fail validation with exit code 2 and a message that
/// contains each `# expect:` line of the file; `# args:` lines add command-line arguments.
#[test]
fn bad_specs_are_rejected_with_exit_code_2_and_their_key() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/bad");
    let mut checked = 0;
    for entry in fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        let content = fs::read_to_string(&path).unwrap();
        let directive = |prefix: &str| -> Vec<String> {
            content
                .lines()
                .filter_map(|line| line.strip_prefix(prefix))
                .map(|rest| rest.trim().to_owned())
                .collect()
        };
        let expected = directive("# expect:");
        assert!(
            !expected.is_empty(),
            "{} has no `# expect:` line",
            path.display()
        );
        let extra: Vec<String> = directive("# args:")
            .iter()
            .flat_map(|args| {
                args.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        for command in ["validate", "run"] {
            let mut args = vec![command, path.to_str().unwrap()];
            args.extend(extra.iter().map(String::as_str));
            let dir = tempfile::tempdir().unwrap();
            let out = sisa(dir.path(), &args);
            let stderr = text(&out.stderr);
            let name = path.file_name().unwrap().to_string_lossy();
            assert_eq!(out.status.code(), Some(2), "{name} ({command}): {stderr}");
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{name}: one message: {stderr}");
            for fragment in &expected {
                assert!(
                    stderr.contains(fragment),
                    "{name}: `{fragment}` not in: {stderr}"
                );
            }
            assert!(
                stderr.contains(&*name),
                "{name}: the message names the file: {stderr}"
            );
            assert!(
                fs::read_dir(dir.path()).unwrap().next().is_none(),
                "{name}: nothing written for a bad spec"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "the corpus has {checked} specs");
}

#[test]
fn a_missing_spec_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = sisa(dir.path(), &["validate", "nowhere.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read spec `nowhere.yaml`"));
    let out = sisa(dir.path(), &["run"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2 too");
}

/// Mean of a numeric column per (group column, requests), from a results CSV.
fn means_by(
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

#[test]
fn distribution_aware_sharding_retrains_fewer_points_under_a_pareto_prior() {
    // The cost of a few requests varies a lot between draws when shards are unequal: many
    // repeats, and each count drawn several times (independent batches), keep the means stable.
    let spec = "\
name: aware
seed: 2
repeats: 100
dataset: {synthetic: blobs, samples: 5000, features: 2, classes: 2, noise: 3.0}
model: {kind: logistic, max_iterations: 1}
sisa: {aggregation: weighted}
unlearning:
  distribution: pareto
  shape: 1.16
  requests: [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 5, 5, 5, 10, 10, 10]
baseline: none
zip:
  sisa.partition: [uniform, distribution-aware]
  sisa.shards: [17, null]
  sisa.capacity: [null, 0.6]
";
    let (dir, path) = workspace("aware.yaml", spec);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert!(rows
        .iter()
        .filter(|r| r["partition"] == "distribution-aware")
        .all(|r| r["shards"] == "17"));
    let points = means_by(&rows, "partition", "sisa_retrain_points");
    let expected = means_by(&rows, "partition", "expected_sisa_points");
    let passes = means_by(&rows, "partition", "sisa_retrain_passes");
    // Likely points sit in small shards: a few requests retrain far fewer points. (With many
    // requests every shard is hit either way and the advantage fades, as the paper notes.)
    for k in [1, 2] {
        let aware = points[&("distribution-aware".to_owned(), k)];
        let uniform = points[&("uniform".to_owned(), k)];
        assert!(
            aware < 0.85 * uniform,
            "K={k}: aware {aware:.0} vs uniform {uniform:.0} points"
        );
        let aware_passes = passes[&("distribution-aware".to_owned(), k)];
        let uniform_passes = passes[&("uniform".to_owned(), k)];
        assert!(
            aware_passes < uniform_passes,
            "K={k}: passes {aware_passes:.0} vs {uniform_passes:.0}"
        );
    }
    for partition in ["uniform", "distribution-aware"] {
        let errors: Vec<f64> = [1, 2, 5, 10]
            .iter()
            .map(|&k| {
                let key = (partition.to_owned(), k);
                (points[&key] - expected[&key]).abs() / expected[&key]
            })
            .collect();
        let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
        assert!(
            mean_error < 0.10,
            "{partition}: measured vs analytic off by {errors:?}"
        );
    }
}

#[test]
fn sequential_cost_matches_the_papers_equation_2() {
    // K requests one at a time over N points in S shards: E[C] = (N/S + 1/(2S) - 1) K - K^2/(2S).
    let spec = "\
name: sequential
seed: 4
repeats: 20
dataset: {synthetic: blobs, samples: 2500, features: 2, classes: 2, noise: 3.0}
model: {kind: logistic, max_iterations: 1}
unlearning: {mode: sequential, requests: [1, 5, 20, 40]}
baseline: none
sweep:
  sisa.shards: [2, 5, 10]
";
    let (dir, path) = workspace("sequential.yaml", spec);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert!(rows.iter().all(|r| r["mode"] == "sequential"));
    let points = means_by(&rows, "shards", "sisa_retrain_points");
    let n = 2000.0;
    let mut errors = Vec::new();
    for ((shards, k), measured) in &points {
        let (s, k) = (shards.parse::<f64>().unwrap(), *k as f64);
        let equation_2 = (n / s + 1.0 / (2.0 * s) - 1.0) * k - k * k / (2.0 * s);
        errors.push((measured - equation_2).abs() / equation_2);
    }
    assert_eq!(errors.len(), 12);
    let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
    assert!(mean_error < 0.10, "mean error {mean_error:.3}: {errors:?}");
}

/// Writes `files` (name, contents) into a new temporary folder, with `spec` as `spec.yaml`.
fn data_workspace(spec: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = workspace("spec.yaml", spec);
    for (name, contents) in files {
        fs::write(dir.path().join(name), contents).expect("data file written");
    }
    (dir, path)
}

/// Runs `sisa run` on a spec that must fail with exit code 2 and one message holding `expected`.
fn run_fails_with(spec: &str, files: &[(&str, &str)], expected: &[&str]) {
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
fn shipped_experiments_are_valid() {
    let experiments = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut checked = 0;
    for entry in fs::read_dir(&experiments).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let out = sisa(&experiments, &["validate", path.to_str().unwrap()]);
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                text(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} specs");
}

/// The rows of a results CSV without the columns that measure time.
fn table_without_timing(path: &Path) -> Vec<BTreeMap<String, String>> {
    without_timing(read_csv(path))
}

const RESUMABLE: &str = "\
name: resumable
seed: 3
repeats: 3
dataset: {synthetic: purchase, samples: 6000, features: 200, classes: 2}
model: {kind: logistic, max_iterations: 60}
sisa: {slices: 2}
unlearning: {requests: [1, 8]}
sweep:
  sisa.shards: [1, 2, 4]
";

#[test]
fn a_killed_sweep_resumes_without_recomputing_finished_trials() {
    let (dir, path) = workspace("resumable.yaml", RESUMABLE);
    let spec = path.to_str().unwrap();
    let complete = sisa(dir.path(), &["run", spec, "--out", "complete", "--quiet"]);
    assert!(complete.status.success(), "{}", text(&complete.stderr));

    // Start the same sweep on one thread and kill it (SIGKILL) once a few trials are saved.
    let trials = dir.path().join("killed/trials");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(["run", spec, "--out", "killed", "--jobs", "1", "--quiet"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let saved = |folder: &Path| -> Vec<(PathBuf, std::time::SystemTime)> {
        let mut files: Vec<_> = fs::read_dir(folder)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                    // Temporaries (hidden, renamed into place when complete) are not saved trials.
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
    };
    let started = std::time::Instant::now();
    while saved(&trials).len() < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it was killed"
        );
        assert!(
            started.elapsed().as_secs() < 120,
            "no trial saved in two minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = saved(&trials);
    assert!(
        before.len() < 9,
        "killed part-way: {} of 9 trials saved",
        before.len()
    );
    assert!(
        !dir.path().join("killed/steps.csv").exists(),
        "no merged table from the killed run"
    );

    let resumed = sisa(dir.path(), &["run", spec, "--out", "killed"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let stderr = text(&resumed.stderr);
    let expected = format!("running {} trials", 9 - before.len());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("already saved"), "{stderr}");
    // The trials saved before the kill were not recomputed: same files, untouched.
    let after = saved(&trials);
    assert_eq!(after.len(), 9);
    for file in &before {
        assert!(after.contains(file), "{} was rewritten", file.0.display());
    }
    let provenance: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("killed/provenance.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        provenance["trials"].as_array().unwrap().len(),
        9 - before.len()
    );
    assert_eq!(
        table_without_timing(&dir.path().join("killed/steps.csv")),
        table_without_timing(&dir.path().join("complete/steps.csv"))
    );
    // --force runs everything again.
    let forced = sisa(
        dir.path(),
        &["run", spec, "--out", "killed", "--force", "--quiet"],
    );
    assert!(forced.status.success());
    assert!(saved(&trials).iter().all(|file| !before.contains(file)));
}

#[test]
fn single_trials_run_apart_and_collect_into_the_same_table() {
    let (dir, path) = workspace("resumable.yaml", RESUMABLE);
    let spec = path.to_str().unwrap();
    let plan = sisa(dir.path(), &["plan", spec, "--manifest", "--out", "apart"]);
    assert!(plan.status.success());
    let manifest = fs::read_to_string(dir.path().join("apart/manifest.tsv")).unwrap();
    assert_eq!(manifest.lines().count(), 1 + 9);
    assert!(
        manifest.starts_with("index\tid\trepeat\tsisa.shards\n"),
        "{manifest}"
    );

    // Trial 0 by option, the others as a job array would: by SLURM_ARRAY_TASK_ID.
    let first = sisa(
        dir.path(),
        &[
            "run",
            spec,
            "--out",
            "apart",
            "--trial-index",
            "0",
            "--quiet",
        ],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let early = sisa(dir.path(), &["collect", "apart"]);
    assert_eq!(
        early.status.code(),
        Some(2),
        "collect refuses an incomplete folder"
    );
    assert!(
        text(&early.stderr).contains("8 of 9 trials have no results"),
        "{}",
        text(&early.stderr)
    );
    for index in 1..9 {
        let out = Command::new(env!("CARGO_BIN_EXE_sisa"))
            .args(["run", spec, "--out", "apart", "--quiet"])
            .env("SLURM_ARRAY_TASK_ID", index.to_string())
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert!(
        !dir.path().join("apart/steps.csv").exists(),
        "array tasks do not merge"
    );
    let beyond = sisa(
        dir.path(),
        &["run", spec, "--out", "apart", "--trial-index", "9"],
    );
    assert_eq!(beyond.status.code(), Some(2));

    let collected = sisa(dir.path(), &["collect", "apart"]);
    assert!(collected.status.success(), "{}", text(&collected.stderr));
    let whole = sisa(dir.path(), &["run", spec, "--out", "whole", "--quiet"]);
    assert!(whole.status.success());
    assert_eq!(
        table_without_timing(&dir.path().join("apart/steps.csv")),
        table_without_timing(&dir.path().join("whole/steps.csv"))
    );
    let provenance: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("apart/provenance.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(provenance["trials"].as_array().unwrap().len(), 9);
    assert!(dir.path().join("apart/report.html").exists());
}

#[test]
fn a_failing_trial_is_reported_and_the_others_go_on_unless_fail_fast() {
    let spec_text = "\
name: failing
dataset: {synthetic: blobs, samples: 400, features: 2, classes: 3}
model: {kind: logistic, max_iterations: 5}
unlearning: {distribution: class, class_weights: {0: 1}, requests: [150]}
sweep:
  unlearning.class_weights: [{0: 1}, {0: 1, 1: 1}, {0: 1, 2: 1}]
";
    let (dir, path) = workspace("failing.yaml", spec_text);
    let spec = path.to_str().unwrap();
    // A class the data lack fails every trial alike: found before anything runs.
    let unknown_class = spec_text.replace("[{0: 1},", "[{9: 1},");
    let (unknown_dir, unknown_spec) = workspace("unknown.yaml", &unknown_class);
    let unknown = sisa(
        unknown_dir.path(),
        &["run", unknown_spec.to_str().unwrap(), "--out", "unknown"],
    );
    let stderr = text(&unknown.stderr);
    assert_eq!(unknown.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unlearning.class_weights.9: the dataset has no class `9`"),
        "{stderr}"
    );
    assert!(!unknown_dir.path().join("unknown").exists());
    let out = sisa(dir.path(), &["run", spec, "--out", "on", "--jobs", "1"]);
    assert_eq!(out.status.code(), Some(2), "every failure was the spec's");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("trial 0 ("), "{stderr}");
    // Class 0 has about 107 of the 320 training points: too few for 150 requests.
    assert!(stderr.contains("150 requests, but only"), "{stderr}");
    assert!(stderr.contains("1 of 3 trials failed"), "{stderr}");
    assert_eq!(
        fs::read_dir(dir.path().join("on/trials")).unwrap().count(),
        2
    );
    assert_eq!(read_csv(&dir.path().join("on/steps.csv")).len(), 2);

    let out = sisa(
        dir.path(),
        &["run", spec, "--out", "fast", "--jobs", "1", "--fail-fast"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !dir.path().join("fast/trials").exists()
            || fs::read_dir(dir.path().join("fast/trials"))
                .unwrap()
                .count()
                == 0
    );
}

#[test]
fn the_html_report_embeds_every_figure_and_needs_no_other_file() {
    let (dir, path) = workspace("small.yaml", SMALL_SWEEP);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let figures: Vec<PathBuf> = fs::read_dir(dir.path().join("out/figures"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "png"))
        .collect();
    assert!(
        figures.len() >= 2,
        "the sweep varies shards and requests: {figures:?}"
    );
    let html = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert_eq!(html.matches("<img ").count(), figures.len());
    assert_eq!(
        html.matches("src=\"data:image/png;base64,").count(),
        figures.len()
    );
    // Nothing outside the page: every src or href is inline data.
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            assert!(
                html[at + attribute.len()..].starts_with("data:"),
                "external reference at {at}"
            );
        }
    }
    assert!(!html.contains("<link") && !html.contains("<script"));
    // The PNGs are embedded byte for byte.
    for figure in &figures {
        let png = fs::read(figure).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{}", figure.display());
    }
    let markdown = fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(markdown.contains("![") && markdown.contains("figures/"));
    // `sisa report` redraws from the saved tables alone.
    fs::remove_dir_all(dir.path().join("out/figures")).unwrap();
    let redrawn = sisa(dir.path(), &["report", "out"]);
    assert!(redrawn.status.success(), "{}", text(&redrawn.stderr));
    assert_eq!(
        fs::read_dir(dir.path().join("out/figures"))
            .unwrap()
            .count(),
        2 * figures.len()
    );
}

#[test]
fn cost_prints_the_analytic_model_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "cost",
        "--samples",
        "250000",
        "--shards",
        "20",
        "--slices",
        "50",
        "--requests",
        "4,8,18,39",
        "--json",
    ];
    let out = sisa(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let speedups: Vec<f64> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["expected_speedup"].as_f64().unwrap())
        .collect();
    for (speedup, paper) in speedups.iter().zip([7.86, 4.23, 2.24, 1.42]) {
        assert!((speedup - paper).abs() <= 0.02, "{speedups:?}");
    }
    assert!(
        lines[0]["paper_sisa_points"].is_null(),
        "no closed form with slices"
    );
    let unsliced = sisa(
        dir.path(),
        &[
            "cost",
            "--samples",
            "1000",
            "--shards",
            "5",
            "--requests",
            "3",
            "--json",
        ],
    );
    let line: serde_json::Value = serde_json::from_slice(&unsliced.stdout).unwrap();
    assert!(
        (line[0]["paper_sisa_points"].as_f64().unwrap() - 485.0).abs() < 1e-6,
        "Eq. 3"
    );
    let bad = sisa(
        dir.path(),
        &[
            "cost",
            "--samples",
            "10",
            "--shards",
            "5",
            "--requests",
            "10",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
}
