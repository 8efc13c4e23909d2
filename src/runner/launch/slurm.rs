//! A Slurm job array that runs every trial of a spec into one shared results folder (each task:
//! `sisa run --trial-index $SLURM_ARRAY_TASK_ID`), and a collect job that runs after all of them
//! succeeded (`afterok`) and merges the trials into the tables, figures and report.
//!
//! Every value written into a script is checked first: partition names and time limits must have
//! Slurm's forms, and no value or path may hold a control character (a newline would end the
//! `#SBATCH` comment and put the rest on a line of its own, which the shell would run). Shell
//! words are single-quoted.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Launcher;
use crate::error::Error;
use crate::results::{Document, ResultsError};
use crate::runner::observer::{Notice, Observer};
use crate::runner::session::Session;

/// The variable Slurm sets in each task of a job array to the task's index.
pub const ARRAY_TASK_VARIABLE: &str = "SLURM_ARRAY_TASK_ID";

/// The index of this process's task, when it runs as a task of a Slurm job array.
pub fn array_task_index() -> Result<Option<usize>, Error> {
    let Ok(text) = std::env::var(ARRAY_TASK_VARIABLE) else {
        return Ok(None);
    };
    text.trim().parse().map(Some).map_err(|_| {
        Error::Usage(format!(
            "{ARRAY_TASK_VARIABLE} is `{text}`, not a trial index"
        ))
    })
}

/// Writes (and with `submit`, submits) the job-array and collect scripts.
#[derive(Debug, Clone)]
pub struct SlurmArray {
    /// The spec file each task runs.
    pub spec_path: PathBuf,
    /// The command-line overrides, passed on to every task: (`--set` or `--sweep`, value).
    pub overrides: Vec<(&'static str, String)>,
    /// Partition to submit to; the cluster's default when `None`.
    pub partition: Option<String>,
    /// Time limit per task, in one of Slurm's formats.
    pub time: String,
    /// CPUs per task (also the task's `--jobs`).
    pub cpus_per_task: u16,
    /// Most tasks running at once.
    pub max_parallel: Option<u32>,
    /// GPUs per task (`#SBATCH --gpus-per-task`), for external models.
    pub gpus_per_task: Option<u16>,
    /// External models' checkpoint folder, passed on to every task (`--checkpoints`).
    pub checkpoints: Option<PathBuf>,
    /// Whether tasks keep a trial's checkpoints after saving it (`--keep-checkpoints`).
    pub keep_checkpoints: bool,
    /// Whether to submit the scripts with `sbatch`.
    pub submit: bool,
}

impl SlurmArray {
    /// Checks every value that goes into a script: exit code 2 for one Slurm would not take or
    /// that could escape its line.
    pub fn check(&self) -> Result<(), Error> {
        if let Some(partition) = &self.partition {
            let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.,".contains(c);
            if partition.is_empty() || !partition.chars().all(allowed) {
                return Err(Error::Usage(format!(
                    "--partition `{}`: a partition name is letters, digits, `_`, `-` and `.` \
                     (several separated by `,`)",
                    partition.escape_debug()
                )));
            }
        }
        if !is_time_limit(&self.time) {
            return Err(Error::Usage(format!(
                "--time `{}`: use one of Slurm's forms: MINUTES, MINUTES:SECONDS, \
                 HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES, DAYS-HOURS:MINUTES:SECONDS \
                 or UNLIMITED",
                self.time.escape_debug()
            )));
        }
        for (flag, value) in &self.overrides {
            no_control_characters(flag, value)?;
        }
        no_control_characters("spec", &self.spec_path.to_string_lossy())?;
        Ok(())
    }
}

impl Launcher for SlurmArray {
    fn launch(&self, session: &Session, observer: &dyn Observer) -> Result<(), Error> {
        self.check()?;
        let folder = session.folder();
        let root = absolute(folder.root())?;
        no_control_characters("--out", &root.to_string_lossy())?;
        let logs = absolute(&folder.slurm_logs()?)?;
        let binary = std::env::current_exe()
            .map_err(|e| Error::Usage(format!("cannot find the sisa binary: {e}")))?;
        no_control_characters("the sisa binary's path", &binary.to_string_lossy())?;
        let spec_path = absolute(&self.spec_path)?;
        let mut run = vec![quote(&binary), "run".into(), quote(&spec_path)];
        for (flag, value) in &self.overrides {
            run.extend([(*flag).to_owned(), quote(Path::new(value))]);
        }
        run.extend(["--out".to_owned(), quote(&root), "--quiet".into()]);
        run.extend(["--jobs".to_owned(), self.cpus_per_task.to_string()]);
        if let Some(checkpoints) = &self.checkpoints {
            let checkpoints = absolute(checkpoints)?;
            no_control_characters("--checkpoints", &checkpoints.to_string_lossy())?;
            run.extend(["--checkpoints".to_owned(), quote(&checkpoints)]);
        }
        if self.keep_checkpoints {
            run.push("--keep-checkpoints".to_owned());
        }
        run.push(format!("--trial-index \"${ARRAY_TASK_VARIABLE}\""));
        let last = session.trials().len() - 1;
        let limit = self
            .max_parallel
            .map(|k| format!("%{k}"))
            .unwrap_or_default();
        let name = session.spec().name().as_str();
        let mut directives = vec![
            format!("--array=0-{last}{limit}"),
            format!("--cpus-per-task={}", self.cpus_per_task),
            format!("--output={}", directive_path(&logs.join("trial-%a.out"))),
        ];
        if let Some(gpus) = self.gpus_per_task {
            directives.push(format!("--gpus-per-task={gpus}"));
        }
        let array = self.script(&format!("sisa-{name}"), &directives, &run.join(" "));
        let collect = self.script(
            &format!("sisa-{name}-collect"),
            &[format!(
                "--output={}",
                directive_path(&logs.join("collect.out"))
            )],
            &format!("{} collect {}", quote(&binary), quote(&root)),
        );
        let array_path = folder.save(Document::SlurmArray, &array)?;
        let collect_path = folder.save(Document::SlurmCollect, &collect)?;
        let tell = |text: String| observer.notice(&Notice::Info(text));
        let tasks = session.trials().len();
        tell(format!(
            "wrote {} ({tasks} array tasks)",
            array_path.display()
        ));
        tell(format!("wrote {}", collect_path.display()));
        if !self.submit {
            tell(format!("submit with: sbatch {}", array_path.display()));
            tell(format!(
                "then:        sbatch --dependency=afterok:<array job id> {}",
                collect_path.display()
            ));
            return Ok(());
        }
        let array_job = sbatch(&[&array_path.to_string_lossy()])?;
        let dependency = format!("--dependency=afterok:{array_job}");
        let collect_job = sbatch(&[&dependency, &collect_path.to_string_lossy()])?;
        tell(format!(
            "submitted job array {array_job} and collect job {collect_job} (runs after it succeeds)"
        ));
        tell(format!("results will be in {}", root.display()));
        Ok(())
    }
}

impl SlurmArray {
    /// An sbatch script: the job name, its own directives, the shared ones, then the command.
    fn script(&self, job: &str, directives: &[String], command: &str) -> String {
        let mut lines = vec![
            "#!/bin/bash".to_owned(),
            format!("#SBATCH --job-name={job}"),
        ];
        lines.extend(directives.iter().map(|d| format!("#SBATCH {d}")));
        lines.push(format!("#SBATCH --time={}", self.time));
        if let Some(partition) = &self.partition {
            lines.push(format!("#SBATCH --partition={partition}"));
        }
        lines.push("set -euo pipefail".into());
        lines.push(format!("exec {command}"));
        lines.join("\n") + "\n"
    }
}

/// Whether `text` is a time limit in one of Slurm's forms.
fn is_time_limit(text: &str) -> bool {
    if matches!(text, "UNLIMITED" | "INFINITE" | "unlimited" | "infinite") {
        return true;
    }
    let number = |part: &str| {
        !part.is_empty() && part.len() <= 6 && part.bytes().all(|b| b.is_ascii_digit())
    };
    let clock = |part: &str, most: usize| {
        let fields: Vec<&str> = part.split(':').collect();
        fields.len() <= most && fields.iter().all(|f| number(f))
    };
    match text.split_once('-') {
        Some((days, rest)) => number(days) && clock(rest, 3),
        None => clock(text, 3),
    }
}

/// An error unless `value` is free of control characters (newlines, carriage returns, ...).
fn no_control_characters(what: &str, value: &str) -> Result<(), Error> {
    if value.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "{what} `{}` holds a control character (a newline?), which cannot go into a job script",
            value.escape_debug()
        )));
    }
    Ok(())
}

/// A path for a `#SBATCH` directive: double-quoted when it holds spaces.
fn directive_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text.contains([' ', '"', '\'', '\\']) {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.into_owned()
    }
}

/// Submits with `sbatch --parsable`; returns the job id.
fn sbatch(arguments: &[&str]) -> Result<String, Error> {
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
fn absolute(path: &Path) -> Result<PathBuf, Error> {
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

    #[test]
    fn time_limits_take_slurms_forms_only() {
        for good in [
            "30",
            "30:00",
            "1:00:00",
            "2-0",
            "2-12:30",
            "2-12:30:00",
            "UNLIMITED",
        ] {
            assert!(is_time_limit(good), "{good}");
        }
        for bad in [
            "",
            "banana",
            "1:2:3:4",
            "1:00:00\ntouch /tmp/p",
            "-1",
            "1-",
            "1 h",
        ] {
            assert!(!is_time_limit(bad), "{bad:?}");
        }
    }
}
