//! Specs: bad ones exit with code 2 and name their key and line; shipped ones are valid.

use std::fs;
use std::path::Path;

use super::harness::*;

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

#[test]
fn shipped_experiments_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let experiments = root.join("experiments");
    let mut checked = 0;
    let folders = [
        experiments.clone(),
        experiments.join("paper"),
        root.join("bench"),
    ];
    let specs = folders
        .iter()
        .flat_map(|folder| fs::read_dir(folder).unwrap())
        .map(|entry| entry.unwrap().path());
    for path in specs {
        if path.extension().is_some_and(|e| e == "yaml") {
            // An external model's worker needs its own Python (tests/cli/external.rs starts the
            // scikit-learn one), and the paper's and the benchmarks' synthetic sets take long to
            // build: for those only the spec is checked.
            let external = fs::read_to_string(&path)
                .unwrap()
                .contains("kind: external");
            let mut args = vec!["validate", path.to_str().unwrap()];
            if external || path.parent() != Some(experiments.as_path()) {
                args.push("--no-data");
            }
            let out = sisa(&experiments, &args);
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                text(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} specs");
}

const SWEEPS: &str = "\
name: sweeps
seed: 1
dataset: {synthetic: blobs, samples: 300, features: 4}
unlearning: {requests: [1, 3]}
sweep:
  sisa.shards: [1, 3]
";

#[test]
fn any_key_can_be_swept_seed_and_whole_sections_included() {
    let (dir, path) = workspace("sweeps.yaml", SWEEPS);
    let spec = path.to_str().unwrap();
    let model = "--sweep=model={kind: logistic, max_iterations: 20},{kind: naive-bayes}";
    let out = sisa(
        dir.path(),
        &[
            "run", spec, "--sweep", "seed=1,2", model, "--out", "out", "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert_eq!(
        rows.len(),
        2 * 2 * 2 * 2,
        "shards x seeds x models x request counts"
    );
    let seeds: std::collections::BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r["seed"].as_str(), r["sweep.seed"].as_str()))
        .collect();
    assert_eq!(
        seeds.into_iter().collect::<Vec<_>>(),
        [("1", "1"), ("2", "2")]
    );
    let models: std::collections::BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r["model"].as_str(), r["sweep.model"].as_str()))
        .collect();
    let expected = [
        ("logistic", r#"{"kind":"logistic","max_iterations":20}"#),
        ("naive-bayes", r#"{"kind":"naive-bayes"}"#),
    ];
    assert_eq!(models.into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(
        fs::read_dir(dir.path().join("out/trials")).unwrap().count(),
        8
    );
}

#[test]
fn set_on_a_swept_key_pins_it() {
    let (dir, path) = workspace("sweeps.yaml", SWEEPS);
    let spec = path.to_str().unwrap();
    let plan = sisa(dir.path(), &["plan", spec, "--set", "sisa.shards=3"]);
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    let stderr = text(&plan.stderr);
    assert!(
        stderr.contains("`--set sisa.shards=3` pins a swept key: the spec's `sweep.sisa.shards`"),
        "{stderr}"
    );
    let listed = text(&plan.stdout);
    assert_eq!(
        listed.lines().count(),
        3,
        "header, rule, one trial: {listed}"
    );
    assert!(!listed.contains("sisa.shards"), "{listed}");
    let verify = sisa(
        dir.path(),
        &["verify", spec, "--set", "sisa.shards=3", "--json"],
    );
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(text(&verify.stdout).contains("\"shards\": 3"));
}

#[test]
fn a_spec_with_a_byte_order_mark_reads_like_one_without() {
    let (dir, path) = workspace("bom.yaml", &format!("\u{feff}{SWEEPS}"));
    let out = sisa(dir.path(), &["validate", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
