//! The terminal's observer of a run: a live status line (trials done, what the running trials are
//! doing, elapsed time, ETA) and a line per finished trial on stderr when it is a terminal; plain
//! lines only when it is not; the summary on stdout at the end. Trials' threads send events; the
//! reporter serialises what it prints.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::text;
use crate::report;
use crate::results::Table;
use crate::runner::{Event, Notice, Observer, Phase, RunStart};
use crate::spec::Trial;

/// How often the status line is redrawn at most.
const REDRAW: Duration = Duration::from_millis(200);

/// Prints a run's progress and outcome.
pub struct Reporter {
    quiet: bool,
    live: bool,
    started: Instant,
    state: Mutex<State>,
}

/// What the status line shows.
struct State {
    total: usize,
    done: usize,
    running: BTreeMap<usize, Phase>,
    drawn: Option<Instant>,
}

impl Reporter {
    /// A reporter; `quiet` keeps everything but failures and warnings off screen. The status
    /// line is shown only when stderr is a terminal.
    pub fn new(quiet: bool) -> Self {
        Reporter {
            quiet,
            live: !quiet && std::io::stderr().is_terminal(),
            started: Instant::now(),
            state: Mutex::new(State {
                total: 0,
                done: 0,
                running: BTreeMap::new(),
                drawn: None,
            }),
        }
    }

    /// Removes the status line (before other output).
    pub fn clear_status(&self) {
        if self.live {
            let _guard = self.state.lock().expect("not poisoned");
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    /// Reports a failed trial and why (always printed, even when quiet).
    fn failure(&self, trial: &Trial, why: &str) {
        let mut state = self.state.lock().expect("not poisoned");
        state.done += 1;
        state.running.remove(&trial.index);
        let message = format!(
            "error: trial {} ({}){} failed: {why}",
            trial.index,
            trial.id,
            text::swept(&trial.swept)
        );
        self.print_above_status(&mut state, &message);
    }

    fn update(&self, trial: usize, phase: Phase) {
        let mut state = self.state.lock().expect("not poisoned");
        state.running.insert(trial, phase);
        let due = state.drawn.is_none_or(|at| at.elapsed() >= REDRAW);
        if self.live && due {
            self.draw_status(&mut state);
        }
    }

    fn print_above_status(&self, state: &mut State, message: &str) {
        let mut stderr = std::io::stderr().lock();
        if self.live {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        let _ = writeln!(stderr, "{message}");
        drop(stderr);
        if self.live {
            self.draw_status(state);
        }
    }

    fn draw_status(&self, state: &mut State) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = (state.done > 0 && state.done < state.total)
            .then(|| elapsed / state.done as f64 * (state.total - state.done) as f64);
        let running: Vec<String> = state
            .running
            .iter()
            .take(4)
            .map(|(trial, phase)| format!("trial {trial}: {phase}"))
            .collect();
        let mut line = format!(
            "[{}/{}] {:.0}% · {} elapsed",
            state.done,
            state.total,
            100.0 * state.done as f64 / state.total.max(1) as f64,
            duration(elapsed)
        );
        if let Some(eta) = eta {
            line.push_str(&format!(" · ETA {}", duration(eta)));
        }
        if !running.is_empty() {
            line.push_str(&format!(" · {}", running.join(", ")));
        }
        let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{line}");
        state.drawn = Some(Instant::now());
    }

    fn line(&self, line: &str) {
        let mut state = self.state.lock().expect("not poisoned");
        self.print_above_status(&mut state, line);
    }
}

impl Observer for Reporter {
    fn started(&self, run: &RunStart<'_>) {
        self.state.lock().expect("not poisoned").total = run.pending;
        if self.quiet {
            return;
        }
        let threads = if run.jobs == 1 { "thread" } else { "threads" };
        let resumed = if run.reused > 0 {
            format!(
                " ({} more already saved, not run again; --force reruns them)",
                run.reused
            )
        } else {
            String::new()
        };
        self.line(&format!(
            "sisa: running {} trials of `{}` on {} {threads} -> {}{resumed}",
            run.pending,
            run.experiment,
            run.jobs,
            run.folder.display()
        ));
    }

    fn event(&self, event: &Event<'_>) {
        match event {
            Event::Started { trial } => self.update(trial.index, Phase::Preparing),
            Event::Phase { trial, phase } => self.update(trial.index, *phase),
            Event::Saved { trial, wall_s, .. } => {
                let mut state = self.state.lock().expect("not poisoned");
                state.done += 1;
                state.running.remove(&trial.index);
                if !self.quiet {
                    let message = format!(
                        "[{:>width$}/{}] trial {} ({}){} done in {wall_s:.2} s",
                        state.done,
                        state.total,
                        trial.index,
                        trial.id,
                        text::swept(&trial.swept),
                        width = state.total.to_string().len(),
                    );
                    self.print_above_status(&mut state, &message);
                }
            }
            Event::Failed { trial, message } => self.failure(trial, message),
        }
    }

    fn notice(&self, notice: &Notice) {
        match notice {
            Notice::Info(text) if !self.quiet => {
                self.clear_status();
                println!("{text}");
            }
            Notice::Info(_) => {}
            Notice::Warning(text) => self.line(&format!("warning: {text}")),
        }
    }

    fn published(&self, table: &Table, paths: &[PathBuf]) {
        self.clear_status();
        if self.quiet {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        self.line(&format!("sisa: finished in {elapsed:.1} s"));
        match summary_table(table) {
            Ok(summary) => print!("{summary}"),
            Err(error) => self.line(&format!("warning: no summary: {error}")),
        }
        for path in paths {
            println!("wrote {}", path.display());
        }
    }
}

/// `1h02m`, `3m05s` or `12s`.
fn duration(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    match seconds {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// The overview table as aligned text.
pub fn summary_table(table: &Table) -> Result<String, crate::results::MissingColumn> {
    let overview = report::overview(table)?;
    Ok(text::table(&overview.headers, &overview.rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(5.4), "5s");
        assert_eq!(duration(185.0), "3m05s");
        assert_eq!(duration(3720.0), "1h02m");
    }
}
