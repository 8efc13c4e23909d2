//! The one owner of the terminal during a run: progress lines on stderr as trials end, and the
//! summary on stdout at the end. Workers send events; the reporter serialises what it prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::text;
use crate::report;
use crate::results::Table;
use crate::runner::Event;
use crate::spec::Trial;

/// Prints a run's progress and outcome.
pub struct Reporter {
    quiet: bool,
    total: usize,
    done: AtomicUsize,
    started: Instant,
    terminal: Mutex<()>,
}

impl Reporter {
    /// A reporter for a run of `total` trials; `quiet` keeps everything but failures off screen.
    pub fn new(quiet: bool, total: usize) -> Self {
        Reporter {
            quiet,
            total,
            done: AtomicUsize::new(0),
            started: Instant::now(),
            terminal: Mutex::new(()),
        }
    }

    /// Announces the run.
    pub fn start(&self, experiment: &str, folder: &Path, jobs: usize) {
        if !self.quiet {
            let threads = if jobs == 1 { "thread" } else { "threads" };
            self.line(&format!(
                "sisa: running {} trials of `{experiment}` on {jobs} {threads} -> {}",
                self.total,
                folder.display()
            ));
        }
    }

    /// Reports one event.
    pub fn event(&self, event: &Event<'_>) {
        match event {
            Event::Started { .. } => {}
            Event::Finished { trial, wall_s, .. } => {
                let _guard = self.terminal.lock().expect("not poisoned");
                let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
                if !self.quiet {
                    print_line(&format!(
                        "[{done:>width$}/{}] trial {} ({}){} done in {wall_s:.2} s",
                        self.total,
                        trial.index,
                        trial.id,
                        text::swept(&trial.swept),
                        width = self.total.to_string().len(),
                    ));
                }
            }
            Event::Failed { trial, error } => {
                self.failure(trial, &error.to_string());
            }
        }
    }

    /// Reports a failed trial and why (always printed, even when quiet).
    pub fn failure(&self, trial: &Trial, why: &str) {
        let _guard = self.terminal.lock().expect("not poisoned");
        self.done.fetch_add(1, Ordering::SeqCst);
        print_line(&format!(
            "error: trial {} ({}){} failed: {why}",
            trial.index,
            trial.id,
            text::swept(&trial.swept)
        ));
    }

    /// Prints the summary table and where the files are.
    pub fn finish(&self, table: &Table, paths: &[PathBuf]) {
        if self.quiet {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        self.line(&format!("sisa: finished in {elapsed:.1} s"));
        print!("{}", summary_table(table));
        for path in paths {
            println!("wrote {}", path.display());
        }
    }

    fn line(&self, line: &str) {
        let _guard = self.terminal.lock().expect("not poisoned");
        print_line(line);
    }
}

/// One line on stderr, where progress goes so stdout stays clean for tables.
fn print_line(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// The overview table as aligned text.
pub fn summary_table(table: &Table) -> String {
    let overview = report::overview(table);
    text::table(&overview.headers, &overview.rows)
}
