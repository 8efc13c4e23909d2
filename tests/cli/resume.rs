//! Runs that survive and scale out: a killed sweep resumes, trials run apart are collected, a
//! failing trial does not stop the others.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use polars::prelude::{ParquetReader, SerReader};

use super::harness::*;

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
    let started = std::time::Instant::now();
    while saved_trials(&trials).len() < 2 {
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
    let before = saved_trials(&trials);
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
    let after = saved_trials(&trials);
    assert_eq!(after.len(), 9);
    for file in &before {
        assert!(after.contains(file), "{} was rewritten", file.0.display());
    }
    let provenance: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("killed/provenance.json")).unwrap(),
    )
    .unwrap();
    let invocations = provenance["invocations"].as_array().unwrap();
    let last = invocations.last().unwrap();
    assert_eq!(last["trials"].as_array().unwrap().len(), 9 - before.len());
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
    assert!(saved_trials(&trials)
        .iter()
        .all(|file| !before.contains(file)));
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
    let collect = &provenance["invocations"].as_array().unwrap()[0];
    assert_eq!(
        collect["trials"].as_array().unwrap().len(),
        9,
        "{provenance}"
    );
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

/// Four fast trials and a slow one (a long fit, last in the plan), on two threads: each fast
/// trial's file is complete and readable, and its line printed, while the slow trial is still
/// running. (Saving from inside the worker pool left three of them as empty temporaries until the
/// slow one ended.)
const ONE_SLOW: &str = "\
name: one-slow
seed: 5
dataset: {synthetic: purchase, samples: 4000, features: 200, classes: 2}
model: {kind: mlp, hidden: [64], epochs: 1}
baseline: none
unlearning: {requests: [1]}
sweep:
  model.epochs: [2, 1, 3, 4, 3000]
";

#[test]
fn finished_trials_are_saved_and_reported_while_a_slow_one_runs() {
    let (dir, path) = workspace("one-slow.yaml", ONE_SLOW);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(["run", path.to_str().unwrap(), "--out", "out", "--jobs", "2"])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let stderr = child.stderr.take().unwrap();
    let reader = {
        let lines = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        })
    };
    let trials = dir.path().join("out/trials");
    let started = std::time::Instant::now();
    while saved_trials(&trials).len() < 4 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the slow trial ended too soon"
        );
        assert!(
            started.elapsed().as_secs() < 120,
            "fast trials not saved in two minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Each line is printed just after its file is renamed into place: give the last one a moment
    // to travel through the pipe.
    let done = |lines: &[String]| {
        lines
            .iter()
            .filter(|line| line.contains(" done in "))
            .count()
    };
    let waited = std::time::Instant::now();
    while done(&lines.lock().unwrap()) < 4 && waited.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let still_running = child.try_wait().unwrap().is_none();
    let saved = saved_trials(&trials);
    let printed = lines.lock().unwrap().clone();
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    assert!(
        still_running,
        "the slow trial was still running when the fast ones were checked"
    );
    assert_eq!(saved.len(), 4, "{saved:?}");
    for (file, _) in &saved {
        let frame = ParquetReader::new(fs::File::open(file).unwrap()).finish();
        assert_eq!(
            frame.unwrap().height(),
            1,
            "{} complete and readable",
            file.display()
        );
    }
    assert_eq!(
        done(&printed),
        4,
        "a line per saved trial, printed as it was saved: {printed:?}"
    );
    assert!(
        !printed.iter().any(|line| line.contains("trial 4 ")),
        "{printed:?}"
    );
}

#[test]
fn ctrl_c_stops_cleanly_and_the_same_command_resumes() {
    let (dir, path) = workspace("resumable.yaml", RESUMABLE);
    let spec = path.to_str().unwrap();
    let complete = sisa(dir.path(), &["run", spec, "--out", "complete", "--quiet"]);
    assert!(complete.status.success(), "{}", text(&complete.stderr));
    let child = Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(["run", spec, "--out", "stopped", "--jobs", "1", "--quiet"])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let trials = dir.path().join("stopped/trials");
    let started = std::time::Instant::now();
    while saved_trials(&trials).is_empty() {
        assert!(
            started.elapsed().as_secs() < 120,
            "no trial saved in two minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let stopped = child.wait_with_output().unwrap();
    let stderr = text(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(130), "{stderr}");
    let saved = saved_trials(&trials).len();
    assert!(saved < 9, "stopped part-way: {saved} saved");
    assert!(
        stderr.contains(&format!(
            "interrupted: {saved} of 9 trials were saved this run"
        )) && stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    let leftovers: Vec<_> = fs::read_dir(&trials)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no partial file: {leftovers:?}");
    let resumed = sisa(dir.path(), &["run", spec, "--out", "stopped"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stderr).contains(&format!("{saved} more already saved")));
    assert_eq!(
        table_without_timing(&dir.path().join("stopped/steps.csv")),
        table_without_timing(&dir.path().join("complete/steps.csv"))
    );
}
