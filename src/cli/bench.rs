//! What `sisa bench` prints after its runs, as hyperfine prints a benchmark: the mean with one
//! standard deviation, and the range, per measured time.

use std::fmt::Write as _;

use crate::results::Stat;

/// One measured quantity over the runs, in seconds.
pub struct Timing<'a> {
    /// What was measured (`CPU time`, `Wall time`).
    pub name: &'a str,
    /// One value per run.
    pub seconds: Vec<f64>,
}

/// The summary of a case: its title line, then for each timing `mean ± σ` and `min … max`,
/// then `extra` lines (accuracy, ...).
pub fn summary(title: &str, runs: usize, timings: &[Timing<'_>], extra: &[String]) -> String {
    let mut out = format!("{title} ({runs} run{})\n", if runs == 1 { "" } else { "s" });
    for timing in timings {
        let stat = Stat::of(timing.seconds.iter().copied().map(Some));
        let (min, max) = timing
            .seconds
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let Some(mean) = stat.mean else { continue };
        let unit = Unit::for_seconds(mean);
        let label = format!("{} (mean ± σ):", timing.name);
        let _ = writeln!(
            out,
            "  {label:<24}{} ± {}",
            unit.write(mean),
            unit.write(stat.std.unwrap_or(0.0))
        );
        let label = format!("{} (min … max):", timing.name);
        let _ = writeln!(
            out,
            "  {label:<24}{} … {}",
            unit.write(min),
            unit.write(max)
        );
    }
    for line in extra {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// The unit times of one case are written in, from their mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Milliseconds,
}

impl Unit {
    fn for_seconds(mean: f64) -> Unit {
        if mean < 1.0 {
            Unit::Milliseconds
        } else {
            Unit::Seconds
        }
    }

    fn write(self, seconds: f64) -> String {
        match self {
            Unit::Seconds => format!("{seconds:>8.3} s"),
            Unit::Milliseconds => format!("{:>8.1} ms", seconds * 1000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_give_mean_spread_and_range() {
        let timings = [Timing {
            name: "CPU time",
            seconds: vec![0.10, 0.12, 0.14],
        }];
        let text = summary(
            "Fit: logistic",
            3,
            &timings,
            &["Accuracy: 99.00%".to_owned()],
        );
        assert_eq!(
            text,
            "Fit: logistic (3 runs)\n  CPU time (mean ± σ):       120.0 ms ±     20.0 ms\n  \
             CPU time (min … max):      100.0 ms …    140.0 ms\n  Accuracy: 99.00%\n"
        );
    }
}
