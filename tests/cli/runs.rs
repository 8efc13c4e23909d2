//! Running specs: tables that do not depend on the thread count, plans, the exact-unlearning
//! certificate, the report, and the analytic model's command.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::{ParquetReader, SerReader};

use super::harness::*;

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
    assert_eq!(
        without_timing(rows_one.clone()),
        without_timing(rows_two.clone())
    );
    // Both shard counts remove the same points from the same training set: each distinct
    // baseline (repeat x request count) is trained once, whatever the number of jobs, and the
    // row that reuses it reports the cost of training it.
    for (rows, out) in [(&rows_one, &one), (&rows_two, &two)] {
        let trained = rows.iter().filter(|r| r["baseline_reused"] == "0").count();
        assert_eq!(trained, 2 * 3, "repeats x request counts");
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("baselines: 6 trained, 6 taken from another trial"),
            "{stdout}"
        );
        for row in rows.iter() {
            let twin = rows
                .iter()
                .find(|r| {
                    r["repeat"] == row["repeat"]
                        && r["requests"] == row["requests"]
                        && r["shards"] != row["shards"]
                })
                .unwrap();
            assert_ne!(row["baseline_reused"], twin["baseline_reused"]);
            for column in ["baseline_retrain_cpu_s", "baseline_accuracy"] {
                assert_eq!(row[column], twin[column], "{column}");
            }
        }
    }
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
fn steps_trained_together_equal_the_same_steps_run_alone() {
    // A trial's batch steps are trained as one set of jobs; batch requests are drawn by their
    // count, so each of its rows equals that of a trial asking for that count alone.
    let (dir, spec) = workspace("small.yaml", SMALL_SWEEP);
    let spec = spec.to_str().unwrap();
    let run = |out: &str, requests: &str| {
        let set = format!("unlearning.requests={requests}");
        let args = [
            "run",
            spec,
            "--set",
            "sisa.shards=4",
            "--set",
            &set,
            "--out",
            out,
        ];
        let output = sisa(dir.path(), &args);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let mut rows = table_without_timing(&dir.path().join(out).join("steps.csv"));
        rows.iter_mut().for_each(|row| {
            row.remove("trial_id");
        });
        rows
    };
    let together = run("together", "[1, 5, 20]");
    for (position, requests) in ["1", "5", "20"].into_iter().enumerate() {
        let alone = run(&format!("alone-{requests}"), &format!("[{requests}]"));
        let same_count: Vec<_> = together
            .iter()
            .filter(|row| row["requests"] == requests)
            .cloned()
            .collect();
        assert_eq!(same_count.len(), 2, "one row per repeat");
        assert_eq!(
            without_position(same_count),
            without_position(alone),
            "K = {requests} ({position})"
        );
    }
}

/// Rows without the column that says where their request count stands in the spec's list.
fn without_position(
    mut rows: Vec<std::collections::BTreeMap<String, String>>,
) -> Vec<std::collections::BTreeMap<String, String>> {
    rows.iter_mut().for_each(|row| {
        row.remove("step");
    });
    rows
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
    let prefix = "src=\"data:image/png;base64,";
    let embedded: Vec<Vec<u8>> = html
        .match_indices(prefix)
        .map(|(at, _)| {
            let data = &html[at + prefix.len()..];
            base64_decode(&data[..data.find('"').unwrap()])
        })
        .collect();
    for figure in &figures {
        let png = fs::read(figure).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{}", figure.display());
        assert!(embedded.contains(&png), "{} is embedded", figure.display());
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

/// The quickstart's table, timing columns aside, equals the one committed in
/// `tests/expected/quickstart-steps.csv`: refactoring must not change a single result. (Written
/// by the binary before the application layer was restructured; re-written, and checked column
/// by column, when batch requests came to be drawn by their count rather than their position.)
#[test]
fn the_quickstart_table_equals_the_committed_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let spec = root.join("experiments/quickstart.yaml");
    let out = sisa(
        dir.path(),
        &["run", spec.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected = read_csv(&root.join("tests/expected/quickstart-steps.csv"));
    let measured = table_without_timing(&dir.path().join("out/steps.csv"));
    assert_eq!(measured.len(), expected.len());
    for (row, (measured, expected)) in measured.iter().zip(&expected).enumerate() {
        assert_eq!(measured, expected, "row {row}");
    }
}
