//! `sisa slurm` with hostile values: options Slurm would not take, or that could escape their
//! line, are refused with exit 2; paths and overrides full of shell syntax reach the job as the
//! very words the user gave, and nothing in them runs. (`.ci/slurm-test` runs the scripts on a
//! real one-node Slurm cluster.)

use std::fs;
use std::path::Path;
use std::process::Command;

use super::harness::*;

const SPEC: &str = "\
name: hostile
dataset: {synthetic: blobs, samples: 200, features: 3}
model: {kind: logistic, max_iterations: 5}
unlearning: {requests: [1]}
sweep:
  sisa.shards: [1, 2]
";

/// A folder name holding every kind of shell syntax a path may.
const NASTY: &str = "a b'c\"d$(touch pwned)`touch pwned2`;e&&f|g>h\\i*j";

#[test]
fn hostile_options_are_refused_before_anything_is_written() {
    let (dir, spec) = workspace("hostile.yaml", SPEC);
    let spec = spec.to_str().unwrap();
    let refused = [
        vec!["--partition", "x\ntouch /tmp/p"],
        vec!["--partition", "a b --uid=0"],
        vec!["--partition", ""],
        vec!["--time", ""],
        vec!["--time", "banana"],
        vec!["--time", "1:00\n#SBATCH --uid=0"],
        vec!["--out", "out\ntouch p"],
        vec!["--set", "seed=1\ntouch p"],
        vec!["--checkpoints", "ck\ntouch p"],
    ];
    for extra in refused {
        let mut args = vec!["slurm", spec];
        args.extend(&extra);
        if !extra.contains(&"--out") {
            args.extend(["--out", "out"]);
        }
        let out = sisa(dir.path(), &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{extra:?}: {stderr}");
        let scripts = dir.path().join("out/slurm/array.sbatch");
        assert!(!scripts.exists(), "{extra:?} wrote a script");
    }
}

#[test]
fn paths_and_overrides_full_of_shell_syntax_reach_the_job_word_for_word() {
    let dir = tempfile::tempdir().unwrap();
    let nasty = dir.path().join(NASTY);
    fs::create_dir(&nasty).unwrap();
    let spec = nasty.join("spec.yaml");
    fs::write(&spec, SPEC).unwrap();
    let out_dir = nasty.join("results");
    let checkpoints = nasty.join("checkpoints");
    let set = "unlearning.requests=[1, 2] # $(touch pwned3)";
    let out = sisa(
        dir.path(),
        &[
            "slurm",
            spec.to_str().unwrap(),
            "--set",
            set,
            "--out",
            out_dir.to_str().unwrap(),
            "--partition",
            "gpu,debug",
            "--time",
            "2-12:30",
            "--checkpoints",
            checkpoints.to_str().unwrap(),
            "--keep-checkpoints",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    for script in ["array.sbatch", "collect.sbatch"] {
        let path = out_dir.join("slurm").join(script);
        let text = fs::read_to_string(&path).unwrap();
        let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
        assert!(
            syntax.status.success(),
            "{script}: {}",
            self::text(&syntax.stderr)
        );
        // Outside `#SBATCH` comments only fixed lines and the one `exec` line.
        for line in text.lines() {
            let fixed = ["#!/bin/bash", "set -euo pipefail"].contains(&line);
            assert!(
                fixed || line.starts_with("#SBATCH --") || line.starts_with("exec '"),
                "{script}: {line}"
            );
        }
        // The words the job runs are exactly the user's, and nothing in them ran.
        let words = job_words(&path, dir.path());
        let expected_path = |p: &Path| fs::canonicalize(p).unwrap().to_string_lossy().into_owned();
        if script == "array.sbatch" {
            assert_eq!(words[1..3], ["run".to_owned(), expected_path(&spec)]);
            assert_eq!(words[3..5], ["--set".to_owned(), set.to_owned()]);
            let out_at = words.iter().position(|w| w == "--out").unwrap();
            assert_eq!(words[out_at + 1], expected_path(&out_dir));
            let at = words.iter().position(|w| w == "--checkpoints").unwrap();
            let folder = Path::new(&expected_path(&nasty)).join("checkpoints");
            assert_eq!(words[at + 1], folder.to_string_lossy());
            assert!(words.contains(&"--keep-checkpoints".to_owned()));
            assert_eq!(
                words.last().unwrap(),
                "3",
                "the task index, from Slurm's variable"
            );
        } else {
            assert_eq!(words[1..], ["collect".to_owned(), expected_path(&out_dir)]);
        }
        for file in ["pwned", "pwned2", "pwned3"] {
            assert!(
                !dir.path().join(file).exists(),
                "{script} ran `touch {file}`"
            );
            assert!(!nasty.join(file).exists(), "{script} ran `touch {file}`");
        }
    }
}

/// The words a job script's `exec` line runs, read by bash itself with `exec` replaced by a
/// function that prints them, as a task of the array (index 3) would see them.
fn job_words(script: &Path, cwd: &Path) -> Vec<String> {
    let run = "exec() { printf '%s\\0' \"$@\"; }; source \"$1\"";
    let output = Command::new("bash")
        .args(["-c", run, "bash"])
        .arg(script)
        .env("SLURM_ARRAY_TASK_ID", "3")
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end_matches('\0')
        .split('\0')
        .map(str::to_owned)
        .collect()
}
