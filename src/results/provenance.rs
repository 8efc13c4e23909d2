//! How a results folder was produced: for every invocation that wrote into it, the command (with
//! its overrides), the tool and compiler versions, the git commit, the machine, when it started and
//! ended, and each trial it saved, with its seed and wall time. `provenance.json` beside the tables
//! keeps every invocation, appended; a re-run never replaces an earlier one's record.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::folder::{Document, ResultsError, ResultsFolder};

/// Provenance of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `sisa` version.
    pub sisa_version: String,
    /// Git commit the binary was built from, when known.
    pub git_commit: Option<String>,
    /// Compiler that built it.
    pub rustc: String,
    /// The command line, as typed.
    pub command: Vec<String>,
    /// Worker threads.
    pub jobs: usize,
    /// Start of the run, UTC (ISO 8601).
    pub started: String,
    /// End of the run, UTC (ISO 8601), once finished.
    pub finished: Option<String>,
    /// The machine it ran on.
    pub machine: Machine,
    /// The process that ran it (with `started`, what tells invocations apart).
    #[serde(default)]
    pub process: u32,
    /// One entry per trial that finished in this run.
    pub trials: Vec<TrialProvenance>,
}

/// `provenance.json`: every invocation that wrote into a results folder, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProvenanceLog {
    /// The invocations.
    pub invocations: Vec<Provenance>,
}

impl ProvenanceLog {
    /// The log of `folder` (empty when none is saved; a file from before logs were kept reads as
    /// one invocation).
    pub fn read(folder: &ResultsFolder) -> ProvenanceLog {
        let Ok(text) = fs::read_to_string(folder.path(Document::Provenance)) else {
            return ProvenanceLog::default();
        };
        serde_json::from_str(&text)
            .or_else(|_| {
                serde_json::from_str(&text).map(|single| ProvenanceLog {
                    invocations: vec![single],
                })
            })
            .unwrap_or_default()
    }

    /// Records `invocation` in `folder`'s log: appended, or replacing its own earlier entry (an
    /// invocation writes one when it starts and again when it ends).
    pub fn record(folder: &ResultsFolder, invocation: &Provenance) -> Result<(), ResultsError> {
        let mut log = ProvenanceLog::read(folder);
        let same = |entry: &Provenance| {
            entry.started == invocation.started && entry.process == invocation.process
        };
        match log.invocations.iter_mut().find(|entry| same(entry)) {
            Some(entry) => *entry = invocation.clone(),
            None => log.invocations.push(invocation.clone()),
        }
        let json = serde_json::to_string_pretty(&log).expect("provenance serialises");
        folder.save(Document::Provenance, &format!("{json}\n"))?;
        Ok(())
    }
}

/// The machine a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Physical memory, GiB.
    pub memory_gib: f64,
    /// Operating system.
    pub os: String,
    /// Kernel release.
    pub kernel: String,
}

/// One trial's seed and duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialProvenance {
    /// Position in the plan.
    pub index: usize,
    /// Trial id.
    pub id: String,
    /// Master seed.
    pub seed: u64,
    /// Repeat.
    pub repeat: u32,
    /// Wall seconds.
    pub wall_s: f64,
}

impl Provenance {
    /// Provenance of a run starting now on this machine.
    pub fn start(jobs: usize) -> Provenance {
        let commit = env!("SISA_GIT_COMMIT");
        Provenance {
            sisa_version: env!("CARGO_PKG_VERSION").to_owned(),
            git_commit: (!commit.is_empty()).then(|| commit.to_owned()),
            rustc: env!("SISA_RUSTC_VERSION").to_owned(),
            command: std::env::args().collect(),
            jobs,
            started: utc_now(),
            finished: None,
            machine: Machine::this(),
            process: std::process::id(),
            trials: Vec::new(),
        }
    }

    /// Marks the run finished now.
    pub fn finish(&mut self) {
        self.finished = Some(utc_now());
    }

    /// The provenance of a results folder in one record, for reports: the latest invocation's
    /// command and machine, with every trial of every invocation (and of single trials run apart,
    /// as cluster array tasks) once, the earliest start and the latest end. `None` when there is
    /// none.
    pub fn merged(folder: &ResultsFolder) -> Option<Provenance> {
        let read = |path: &Path| -> Option<Provenance> {
            serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
        };
        let mut parts: Vec<Provenance> = ProvenanceLog::read(folder).invocations;
        parts.reverse();
        if let Ok(entries) = fs::read_dir(folder.trial_provenance_folder()) {
            let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            parts.extend(paths.iter().filter_map(|p| read(p)));
        }
        let mut parts = parts.into_iter();
        let mut merged = parts.next()?;
        let mut seen: HashSet<String> = merged.trials.iter().map(|t| t.id.clone()).collect();
        for part in parts {
            for trial in part.trials {
                if seen.insert(trial.id.clone()) {
                    merged.trials.push(trial);
                }
            }
            merged.started = merged.started.min(part.started);
            merged.finished = merged.finished.max(part.finished);
        }
        merged.trials.sort_by_key(|trial| trial.index);
        Some(merged)
    }

    /// As pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("provenance serialises")
    }
}

impl Machine {
    /// The machine this process runs on (fields it cannot read say `unknown`).
    pub fn this() -> Machine {
        let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|line| {
                line.strip_prefix("model name")
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let memory_kib: f64 = read("/proc/meminfo")
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        let os = read("/etc/os-release")
            .lines()
            .find_map(|line| line.strip_prefix("PRETTY_NAME="))
            .map(|name| name.trim_matches('"').to_owned())
            .unwrap_or_else(|| std::env::consts::OS.to_owned());
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_gib: (memory_kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
            os,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        }
    }
}

/// The current time, UTC, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(seconds)
}

/// Seconds since the Unix epoch as an ISO 8601 UTC time (Howard Hinnant's civil-from-days).
fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let time = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_795_950_245), "2026-11-29T11:04:05Z");
    }

    #[test]
    fn reads_this_machine() {
        let machine = Machine::this();
        assert!(machine.cores >= 1);
        assert!(machine.memory_gib > 0.0, "{machine:?}");
    }
}
