//! External models end to end, with real Python workers: the scikit-learn worker trains, verifies
//! EXACT and resumes a killed trial from its checkpoints; misbehaving workers fail their trial
//! only, with the worker's stderr; handshake failures are spec errors; devices reach the workers.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::harness::*;

/// A spec for `worker` (the argv after the Python) with `options`, on small blobs.
fn spec(name: &str, worker: &[&str], options: &str, extra: &str) -> String {
    let mut command = vec![python().display().to_string()];
    command.extend(worker.iter().map(|w| w.to_string()));
    let command: Vec<String> = command.iter().map(|c| format!("'{c}'")).collect();
    format!(
        "name: {name}\nseed: 4\n\
         dataset: {{synthetic: blobs, samples: 600, features: 5, classes: 3, noise: 4.0}}\n\
         model:\n  kind: external\n  command: [{}]\n  options: {options}\n{extra}\
         sisa: {{shards: 3, slices: 2}}\nunlearning: {{requests: [1, 6]}}\n",
        command.join(", ")
    )
}

fn example(name: &str) -> String {
    repository()
        .join("examples/workers")
        .join(name)
        .display()
        .to_string()
}

fn sklearn_spec(name: &str) -> String {
    spec(name, &[&example("sklearn_sgd.py")], "{epochs: 6}", "")
}

/// A worker script beside the spec that runs the scikit-learn worker, sleeping `delay` seconds
/// per fit and noting its pid in `pids.txt`.
fn slow_sklearn_worker(dir: &Path, delay: f64) -> PathBuf {
    let pids = dir.join("pids.txt").display().to_string();
    let fit = format!(
        "with open({pids:?}, 'a') as f: f.write(f'{{os.getpid()}}\\n')\n\
         def fit(warm, X, y, step):\n    time.sleep({delay})\n    return sklearn_sgd.fit(warm, X, y, step)\n"
    );
    wrapped_sklearn_worker(dir, "slow_sklearn", &fit)
}

/// A worker script `NAME.py` beside the spec: the scikit-learn worker with `fit` defined by
/// `definitions` (Python, with `os`, `sys`, `time`, `sklearn_sgd` and `sisa_worker` imported).
fn wrapped_sklearn_worker(dir: &Path, name: &str, definitions: &str) -> PathBuf {
    let script = dir.join(format!("{name}.py"));
    let source = format!(
        "import os, sys, time\n\
         sys.path.insert(0, {workers:?})\n\
         import sklearn_sgd, sisa_worker\n\
         {definitions}\
         sisa_worker.run(fit=fit, predict=sklearn_sgd.predict, name={name:?}, \
         parse_options=sklearn_sgd.parse_options)\n",
        workers = repository().join("examples/workers").display().to_string(),
    );
    fs::write(&script, source).unwrap();
    script
}

fn alive(pid: i32) -> bool {
    // A zombie has no state other than `Z`; once reaped, /proc has no entry.
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.split_whitespace()
                .nth(2)
                .is_none_or(|state| state != "Z")
        })
        .unwrap_or(false)
}

fn pids(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("pids.txt"))
        .unwrap_or_default()
        .lines()
        .map(|line| line.trim().parse().unwrap())
        .collect()
}

/// Waits up to five seconds for every pid to be gone.
fn assert_all_gone(pids: &[i32]) {
    let started = Instant::now();
    while pids.iter().any(|&pid| alive(pid)) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "worker processes outlived sisa: {:?}",
            pids.iter().filter(|&&pid| alive(pid)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn device_seconds_a_worker_reports_are_summed_into_the_rows() {
    // Every fit says its accelerator ran a quarter of a second.
    let dir = tempfile::tempdir().unwrap();
    let fit = "def fit(warm, X, y, step):\n    \
               state, info = sklearn_sgd.fit(warm, X, y, step)\n    \
               return state, {**info, 'device_s': 0.25}\n";
    let worker = wrapped_sklearn_worker(dir.path(), "device_sklearn", fit);
    let path = dir.path().join("device.yaml");
    fs::write(
        &path,
        spec("device", &[worker.to_str().unwrap()], "{epochs: 2}", ""),
    )
    .unwrap();
    let out = sisa(dir.path(), &["run", path.to_str().unwrap(), "--out", "out"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    let seconds = |row: &std::collections::BTreeMap<String, String>, column: &str| {
        row[column].parse::<f64>().unwrap()
    };
    for row in &rows {
        // 3 shards x 2 slices, each slice one fit.
        assert_eq!(seconds(row, "train_device_s"), 6.0 * 0.25, "{row:?}");
        // The baseline: one shard, one slice.
        assert_eq!(seconds(row, "baseline_retrain_device_s"), 0.25, "{row:?}");
        let retrained = seconds(row, "sisa_retrain_device_s") / 0.25;
        assert!(
            retrained >= 1.0 && retrained == retrained.round(),
            "a quarter second per retrained step: {row:?}"
        );
    }
}

#[test]
fn the_sklearn_worker_runs_a_trial_and_verify_certifies_it_exact() {
    let (dir, path) = workspace("sk.yaml", &sklearn_spec("sk"));
    let spec = path.to_str().unwrap();
    let out = sisa(dir.path(), &["run", spec, "--out", "out", "--jobs", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("training steps"),
        "a first run reuses no steps: {}",
        text(&out.stdout)
    );
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert_eq!(rows.len(), 2, "one row per request count");
    for row in &rows {
        assert_eq!(row["model"], "external");
        let bytes: f64 = row["checkpoint_bytes"].parse().unwrap();
        assert!(bytes > 0.0, "checkpoints on disk have sizes: {row:?}");
        let accuracy: f64 = row["sisa_accuracy"].parse().unwrap();
        assert!(accuracy > 0.5, "the worker learns the blobs: {accuracy}");
        let cpu: f64 = row["train_cpu_s"].parse().unwrap();
        assert!(cpu > 0.0, "the worker's CPU seconds are recorded: {row:?}");
        for column in [
            "train_device_s",
            "sisa_retrain_device_s",
            "baseline_retrain_device_s",
        ] {
            assert_eq!(
                row[column], "",
                "the worker reports no device time: {row:?}"
            );
        }
    }
    let features = fs::read_dir(dir.path().join("out/worker-data"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path().join("features.npy"))
        .next()
        .unwrap();
    assert!(features.is_file(), "the dataset is handed over as .npy");
    let checkpoints = dir.path().join("out/checkpoints");
    let left: Vec<_> = fs::read_dir(&checkpoints)
        .map(|entries| entries.flatten().collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "a saved trial's checkpoints are removed: {left:?}"
    );

    // Run again in another folder, on one thread, keeping the checkpoints: same table.
    let kept = sisa(
        dir.path(),
        &[
            "run",
            spec,
            "--out",
            "kept",
            "--jobs",
            "1",
            "--keep-checkpoints",
            "--quiet",
        ],
    );
    assert!(kept.status.success(), "{}", text(&kept.stderr));
    assert_eq!(
        table_without_timing(&dir.path().join("out/steps.csv")),
        table_without_timing(&dir.path().join("kept/steps.csv")),
        "external results do not depend on the number of jobs"
    );
    let trial_folders: Vec<_> = fs::read_dir(dir.path().join("kept/checkpoints"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(trial_folders.len(), 1);
    let files: Vec<PathBuf> = fs::read_dir(trial_folders[0].path())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .collect();
    assert!(files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "ckpt")));
    assert!(files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "json")));

    let verified = sisa(dir.path(), &["verify", spec]);
    let stdout = text(&verified.stdout);
    assert!(
        verified.status.success(),
        "{stdout}{}",
        text(&verified.stderr)
    );
    assert!(stdout.contains("Result: EXACT"), "{stdout}");
}

#[test]
fn a_killed_external_trial_resumes_from_its_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let worker = slow_sklearn_worker(dir.path(), 0.15);
    let text_spec = spec("resume", &[worker.to_str().unwrap()], "{epochs: 4}", "");
    fs::write(dir.path().join("resume.yaml"), text_spec).unwrap();
    let uninterrupted = sisa(
        dir.path(),
        &["run", "resume.yaml", "--out", "whole", "--quiet"],
    );
    assert!(
        uninterrupted.status.success(),
        "{}",
        text(&uninterrupted.stderr)
    );
    fs::remove_file(dir.path().join("pids.txt")).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args([
            "run",
            "resume.yaml",
            "--out",
            "killed",
            "--jobs",
            "1",
            "--quiet",
        ])
        .current_dir(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let checkpoints = dir.path().join("killed/checkpoints");
    let sidecars = || -> usize {
        let Ok(trials) = fs::read_dir(&checkpoints) else {
            return 0;
        };
        trials
            .flatten()
            .flat_map(|trial| fs::read_dir(trial.path()).into_iter().flatten().flatten())
            .filter(|file| file.path().extension().is_some_and(|e| e == "json"))
            .count()
    };
    let started = Instant::now();
    while sidecars() < 4 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the trial ended before it was killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoints in two minutes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(saved_trials(&dir.path().join("killed/trials")).is_empty());
    assert_all_gone(&pids(dir.path()));

    let resumed = sisa(dir.path(), &["run", "resume.yaml", "--out", "killed"]);
    let stderr = text(&resumed.stdout) + &text(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    let reused: usize = stderr
        .split("reused ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no `reused N training steps` in: {stderr}"));
    assert!(reused >= 4, "{stderr}");
    assert!(stderr.contains("training steps"), "{stderr}");
    assert_eq!(
        table_without_timing(&dir.path().join("whole/steps.csv")),
        table_without_timing(&dir.path().join("killed/steps.csv")),
        "a resumed trial's rows equal an uninterrupted run's"
    );
}

#[test]
fn misbehaving_workers_fail_their_trial_only_with_the_workers_stderr() {
    let extra = "  timeout: 3\nsweep:\n  model.options.mode: ['', crash, hang, garbage, \
                 no-checkpoint, fit-error]\n";
    let text_spec = spec(
        "misbehaving",
        &[&example("misbehaving.py")],
        "{mode: ''}",
        extra,
    );
    let (dir, path) = workspace("misbehaving.yaml", &text_spec);
    let started = Instant::now();
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--jobs", "2"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "no hang: {stderr}"
    );
    assert!(stderr.contains("5 of 6 trials failed"), "{stderr}");
    for expected in [
        "misbehaving worker (crash): crashing mid-fit",
        "the worker exited during `fit` (exit status: 3)",
        "misbehaving worker (hang): hanging in fit",
        "did not answer `fit` within 3 s",
        "not a JSON reply",
        "misbehaving worker (garbage): replying with garbage",
        "without writing the checkpoint",
        "misbehaving worker (no-checkpoint)",
        "misbehaving worker: fit-error mode",
    ] {
        assert!(stderr.contains(expected), "`{expected}` not in: {stderr}");
    }
    assert_eq!(
        saved_trials(&dir.path().join("out/trials")).len(),
        1,
        "the well-behaved trial is saved"
    );
}

#[test]
fn a_worker_that_cannot_start_or_greet_is_a_spec_error() {
    let cases = [
        (
            vec!["/nonexistent/worker".to_owned()],
            "{}",
            "model.command",
            "cannot start the worker program",
        ),
        (
            vec![python().display().to_string(), example("misbehaving.py")],
            "{mode: bad-hello}",
            "model.options",
            "bad-hello mode",
        ),
        (
            vec![python().display().to_string(), example("misbehaving.py")],
            "{mode: wrong-protocol}",
            "model.command",
            "speaks protocol 2",
        ),
    ];
    for (command, options, key, message) in cases {
        let command: Vec<String> = command.iter().map(|c| format!("'{c}'")).collect();
        let text_spec = format!(
            "name: bad\ndataset: {{synthetic: blobs, samples: 100}}\nmodel:\n  kind: external\n  \
             command: [{}]\n  options: {options}\n",
            command.join(", ")
        );
        let (dir, path) = workspace("bad.yaml", &text_spec);
        for args in [vec!["validate"], vec!["run", "--out", "out"]] {
            let mut args = args.clone();
            args.insert(1, path.to_str().unwrap());
            let out = sisa(dir.path(), &args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("bad.yaml:"), "{stderr}");
            assert!(stderr.contains(key), "{key} not in: {stderr}");
            assert!(stderr.contains(message), "{message} not in: {stderr}");
            assert!(
                !dir.path().join("out").exists(),
                "nothing written: {stderr}"
            );
        }
    }
}

#[test]
fn each_worker_gets_its_own_device_and_workers_follow_the_devices() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("devices.txt");
    let script = dir.path().join("device_worker.py");
    fs::write(
        &script,
        format!(
            "import os, runpy, sys\n\
             with open({log:?}, 'a') as f: \
             f.write(f\"{{os.getpid()}} {{os.environ.get('CUDA_VISIBLE_DEVICES')}}\\n\")\n\
             sys.argv = [{worker:?}]\n\
             runpy.run_path({worker:?}, run_name='__main__')\n",
            log = log.display().to_string(),
            worker = example("misbehaving.py"),
        ),
    )
    .unwrap();
    let text_spec =
        spec("devices", &[script.to_str().unwrap()], "{}", "").replace("shards: 3", "shards: 6");
    fs::write(dir.path().join("devices.yaml"), text_spec).unwrap();
    let out = sisa(
        dir.path(),
        &[
            "run",
            "devices.yaml",
            "--out",
            "out",
            "--jobs",
            "4",
            "--devices",
            "0,1",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = fs::read_to_string(&log).unwrap();
    // One line from the precheck's handshake, then one per pooled worker.
    let devices: BTreeMap<String, String> = lines
        .lines()
        .skip(1)
        .map(|line| {
            let (pid, device) = line.split_once(' ').unwrap();
            (pid.to_owned(), device.to_owned())
        })
        .collect();
    let distinct: BTreeSet<&String> = devices.values().collect();
    assert!(
        (1..=2).contains(&devices.len()),
        "at most one worker per device with 4 jobs: {lines}"
    );
    assert_eq!(
        distinct.len(),
        devices.len(),
        "each worker its own device: {lines}"
    );
    assert!(
        distinct.iter().all(|d| *d == "0" || *d == "1"),
        "CUDA_VISIBLE_DEVICES reaches the worker: {lines}"
    );
    let first = lines.lines().next().unwrap();
    assert!(
        first.ends_with(" None"),
        "no devices in the spec, none at handshake: {first}"
    );
}

#[test]
fn slurm_asks_for_gpus_per_task() {
    let (dir, path) = workspace("sk.yaml", &sklearn_spec("gpus"));
    let spec = path.to_str().unwrap();
    let out = sisa(
        dir.path(),
        &["slurm", spec, "--out", "out", "--gpus-per-task", "2"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = fs::read_to_string(dir.path().join("out/slurm/array.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --gpus-per-task=2\n"), "{script}");
    let zero = sisa(
        dir.path(),
        &["slurm", spec, "--out", "o2", "--gpus-per-task", "0"],
    );
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn external_settings_are_checked_with_their_key_and_line() {
    let base = "name: bad\ndataset: {synthetic: blobs, samples: 100, features: 4}\nmodel:\n  \
                kind: external\n";
    let worker = format!(
        "  command: ['{}', '{}']\n",
        python().display(),
        example("misbehaving.py")
    );
    let cases = [
        (String::new(), "model.command", "give the worker's command"),
        (
            format!("{worker}  options: {{epochs: 2.5}}\n"),
            "model.options.epochs",
            "whole number",
        ),
        (format!("{worker}  timeout: 0\n"), "model.timeout", "> 0"),
        (
            format!("{worker}  devices: ['a b']\n"),
            "model.devices[0]",
            "a device is",
        ),
        (
            format!("{worker}  shape: [3, 3]\n"),
            "model.shape",
            "9 values per point",
        ),
    ];
    for (keys, key, message) in cases {
        let spec = format!("{base}{keys}");
        let (dir, path) = workspace("bad.yaml", &spec);
        let out = sisa(dir.path(), &["validate", path.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec}: {stderr}");
        assert!(stderr.contains("bad.yaml:"), "{stderr}");
        assert!(
            stderr.contains(key) && stderr.contains(message),
            "{key}, {message}: {stderr}"
        );
    }
}

#[test]
fn the_shipped_sklearn_experiment_validates_with_its_worker() {
    // `python3` in the spec is found on PATH: put the test Python first.
    let bin = tempfile::tempdir().unwrap();
    let wrapper = bin.path().join("python3");
    fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", python().display()),
    )
    .unwrap();
    let mut permissions = fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    fs::set_permissions(&wrapper, permissions).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sisa"))
        .args(["validate", "experiments/external-sklearn.yaml"])
        .current_dir(repository())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}
