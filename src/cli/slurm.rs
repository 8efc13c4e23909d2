//! `sisa slurm`: a Slurm job array that runs every trial of a spec into one shared results folder
//! (`sisa run --trial-index $SLURM_ARRAY_TASK_ID`), and a collect job that runs after all of them
//! succeeded (`afterok`) and merges the trials into the tables, figures and report.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::SlurmArgs;
use crate::error::{Error, Result, EXIT_OK};
use crate::results::{ResultsError, ResultsFolder};

/// Writes (and with `--submit`, submits) the job-array and collect scripts.
pub fn slurm(args: &SlurmArgs) -> Result<u8> {
    let (spec, trials) = args.spec.spec_and_plan()?;
    let folder = ResultsFolder::new(args.out.as_deref(), spec.name());
    let root = absolute(folder.root())?;
    let logs = root.join("slurm").join("logs");
    std::fs::create_dir_all(&logs).map_err(|source| ResultsError::Io {
        path: logs.clone(),
        source,
    })?;
    let binary = std::env::current_exe()
        .map_err(|e| Error::Usage(format!("cannot find the sisa binary: {e}")))?;
    let spec_path = absolute(&args.spec.spec)?;
    let mut run = vec![quote(&binary), "run".into(), quote(&spec_path)];
    for item in &args.spec.set {
        run.extend(["--set".to_owned(), quote(Path::new(item))]);
    }
    for item in &args.spec.sweep {
        run.extend(["--sweep".to_owned(), quote(Path::new(item))]);
    }
    run.extend(["--out".to_owned(), quote(&root), "--quiet".into()]);
    run.extend(["--jobs".to_owned(), args.cpus_per_task.to_string()]);
    run.push("--trial-index \"$SLURM_ARRAY_TASK_ID\"".into());
    let last = trials.len() - 1;
    let limit = args
        .max_parallel
        .map(|k| format!("%{k}"))
        .unwrap_or_default();
    let name = spec.name().as_str();
    let array = script(
        &format!("sisa-{name}"),
        &[
            format!("--array=0-{last}{limit}"),
            format!("--cpus-per-task={}", args.cpus_per_task),
            format!("--output={}", logs.join("trial-%a.out").display()),
        ],
        args,
        &run.join(" "),
    );
    let collect = script(
        &format!("sisa-{name}-collect"),
        &[format!("--output={}", logs.join("collect.out").display())],
        args,
        &format!("{} collect {}", quote(&binary), quote(&root)),
    );
    let array_path = folder.save_text("slurm/array.sbatch", &array)?;
    let collect_path = folder.save_text("slurm/collect.sbatch", &collect)?;
    println!(
        "wrote {} ({} array tasks)",
        array_path.display(),
        trials.len()
    );
    println!("wrote {}", collect_path.display());
    if !args.submit {
        println!("submit with: sbatch {}", array_path.display());
        println!(
            "then:        sbatch --dependency=afterok:<array job id> {}",
            collect_path.display()
        );
        return Ok(EXIT_OK);
    }
    let array_job = sbatch(&[&array_path.to_string_lossy()])?;
    let dependency = format!("--dependency=afterok:{array_job}");
    let collect_job = sbatch(&[&dependency, &collect_path.to_string_lossy()])?;
    println!(
        "submitted job array {array_job} and collect job {collect_job} (runs after it succeeds)"
    );
    println!("results will be in {}", root.display());
    Ok(EXIT_OK)
}

/// An sbatch script: the job name, its own directives, the shared ones, then the command.
fn script(job: &str, directives: &[String], args: &SlurmArgs, command: &str) -> String {
    let mut lines = vec![
        "#!/bin/bash".to_owned(),
        format!("#SBATCH --job-name={job}"),
    ];
    lines.extend(directives.iter().map(|d| format!("#SBATCH {d}")));
    lines.push(format!("#SBATCH --time={}", args.time));
    if let Some(partition) = &args.partition {
        lines.push(format!("#SBATCH --partition={partition}"));
    }
    lines.push("set -euo pipefail".into());
    lines.push(format!("exec {command}"));
    lines.join("\n") + "\n"
}

/// Submits with `sbatch --parsable`; returns the job id.
fn sbatch(arguments: &[&str]) -> Result<String> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(arguments)
        .output()
        .map_err(|e| {
            Error::External(format!("cannot run sbatch: {e}; is Slurm installed here?"))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::External(format!("sbatch failed: {}", stderr.trim())));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let id = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    if id.is_empty() {
        return Err(Error::External("sbatch printed no job id".into()));
    }
    Ok(id)
}

/// `path` made absolute (the jobs may start in another folder), creating nothing.
fn absolute(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .map_err(|source| {
            Error::Results(ResultsError::Io {
                path: path.to_owned(),
                source,
            })
        })
}

/// A shell word: single-quoted, with embedded single quotes escaped.
fn quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_survive_quotes_and_spaces() {
        assert_eq!(quote(Path::new("a b")), "'a b'");
        assert_eq!(quote(Path::new("it's")), r"'it'\''s'");
    }
}
