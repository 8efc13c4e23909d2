//! What a report opens with: a few sentences a reader can use. The largest speed-up at the fewest
//! requests and the accuracy it costs; the number of requests at which each setting's speed-up
//! falls under [`GAIN_GONE`]; the Pareto front of speed-up against accuracy lost. Accuracy lost
//! is always baseline minus SISA, as in the `accuracy_gap` column and the trade-off figure. With
//! one repeat there is no spread, and the sentences say so instead of presenting a difference as
//! a finding. Then notes where the CPU speed-up and the speed-up in points disagree, with the
//! likely reason.

use super::format;
use crate::plot::data::{self, baseline_points};
use crate::plot::figures::trade_off::pareto_front;
use crate::results::{column, groups, Group, MissingColumn, Stat, Table};

/// Time and points speed-ups further apart than this factor get a note.
pub(crate) const DISAGREEMENT: f64 = 1.5;

/// A speed-up in points under this counts as the gain being gone.
pub(crate) const GAIN_GONE: f64 = 1.5;

/// SISA retraining under this much CPU time counts as a small fit, whose fixed costs weigh.
const SMALL_FIT_CPU_S: f64 = 0.05;

/// Notes shown at most; the rest are counted.
const MOST_NOTES: usize = 3;

/// Settings named at most in the sentence on where the gain is gone.
const MOST_NAMED: usize = 8;

/// One sweep point at one step, with the measures the headline and notes read.
struct Setting {
    requests: f64,
    /// Its swept values, the request count aside (`S = 5, R = 1`).
    label: String,
    repeats: usize,
    points_speedup: Option<f64>,
    expected_speedup: Option<f64>,
    time_speedup: Option<f64>,
    passes_speedup: Option<f64>,
    baseline_passes_per_point: Option<f64>,
    sisa_passes_per_point: Option<f64>,
    sisa_cpu_s: Option<f64>,
    budget: Option<f64>,
    sisa_accuracy: Stat,
    baseline_accuracy: Stat,
    /// Accuracy lost: baseline minus SISA.
    accuracy_lost: Stat,
}

fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> Option<f64> {
    Some(numerator? / denominator?).filter(|r| r.is_finite() && *r > 0.0)
}

/// Every column a setting reads, once per table.
struct Columns {
    requests: Vec<Option<f64>>,
    budget: Vec<Option<f64>>,
    sisa_points: Vec<Option<f64>>,
    expected_points: Vec<Option<f64>>,
    baseline_points: Vec<Option<f64>>,
    sisa_cpu: Vec<Option<f64>>,
    baseline_cpu: Vec<Option<f64>>,
    sisa_passes: Vec<Option<f64>>,
    baseline_passes: Vec<Option<f64>>,
    measured_baseline: Vec<Option<f64>>,
    sisa_accuracy: Vec<Option<f64>>,
    baseline_accuracy: Vec<Option<f64>>,
    accuracy_gap: Vec<Option<f64>>,
    /// The swept keys that tell settings apart (not the request counts), and their values.
    keys: Vec<(String, Vec<String>)>,
}

impl Columns {
    fn of(table: &Table) -> Result<Columns, MissingColumn> {
        let read = |name| table.numbers(name);
        let keys = data::varying_keys(table, &["unlearning.requests"])
            .into_iter()
            .map(|key| Ok((key.clone(), table.texts(&key)?)))
            .collect::<Result<_, MissingColumn>>()?;
        Ok(Columns {
            requests: read(column::REQUESTS)?,
            budget: read(column::BUDGET)?,
            sisa_points: read(column::SISA_RETRAIN_POINTS)?,
            expected_points: read(column::EXPECTED_SISA_POINTS)?,
            baseline_points: baseline_points(table)?,
            sisa_cpu: read(column::SISA_RETRAIN_CPU_S)?,
            baseline_cpu: read(column::BASELINE_RETRAIN_CPU_S)?,
            sisa_passes: read(column::SISA_RETRAIN_PASSES)?,
            baseline_passes: read(column::BASELINE_RETRAIN_PASSES)?,
            measured_baseline: read(column::BASELINE_RETRAIN_POINTS)?,
            sisa_accuracy: read(column::SISA_ACCURACY)?,
            baseline_accuracy: read(column::BASELINE_ACCURACY)?,
            accuracy_gap: read(column::ACCURACY_GAP)?,
            keys,
        })
    }

    fn setting(&self, group: &Group) -> Setting {
        let first = group.first();
        let mean = |values: &[Option<f64>]| group.stat_of(values).mean;
        let key: Vec<(String, String)> = self
            .keys
            .iter()
            .map(|(key, values)| (key.clone(), values[first].clone()))
            .collect();
        Setting {
            requests: self.requests[first].unwrap_or(0.0),
            label: data::label(&key),
            repeats: group.rows.len(),
            points_speedup: ratio(mean(&self.baseline_points), mean(&self.sisa_points)),
            expected_speedup: ratio(mean(&self.baseline_points), mean(&self.expected_points)),
            time_speedup: ratio(mean(&self.baseline_cpu), mean(&self.sisa_cpu)),
            passes_speedup: ratio(mean(&self.baseline_passes), mean(&self.sisa_passes)),
            baseline_passes_per_point: ratio(
                mean(&self.baseline_passes),
                mean(&self.measured_baseline),
            ),
            sisa_passes_per_point: ratio(mean(&self.sisa_passes), mean(&self.sisa_points)),
            sisa_cpu_s: mean(&self.sisa_cpu),
            budget: self.budget[first],
            sisa_accuracy: group.stat_of(&self.sisa_accuracy),
            baseline_accuracy: group.stat_of(&self.baseline_accuracy),
            accuracy_lost: group.stat_of(&self.accuracy_gap),
        }
    }
}

fn settings(table: &Table) -> Result<Vec<Setting>, MissingColumn> {
    let columns = Columns::of(table)?;
    Ok(groups(table)?
        .iter()
        .map(|group| columns.setting(group))
        .collect())
}

fn requests_phrase(requests: f64) -> String {
    if requests == 1.0 {
        "1 request".to_owned()
    } else {
        format!("{requests} requests")
    }
}

/// `at S = 5, R = 1` for a setting with a label, nothing without.
fn at(setting: &Setting) -> String {
    if setting.label.is_empty() {
        String::new()
    } else {
        format!(" at {}", setting.label)
    }
}

/// The headline: a few sentences, each led by a few words in bold.
pub(crate) fn headlines(table: &Table) -> Result<Vec<String>, MissingColumn> {
    let settings = settings(table)?;
    let fewest = settings
        .iter()
        .map(|s| s.requests)
        .fold(f64::INFINITY, f64::min);
    let at_fewest: Vec<&Setting> = settings.iter().filter(|s| s.requests == fewest).collect();
    let mut sentences: Vec<String> = best(&at_fewest).into_iter().collect();
    sentences.extend(gain_gone(&settings));
    sentences.extend(front(&at_fewest));
    Ok(sentences)
}

/// The setting with the largest speed-up in points at the fewest requests, and what it costs.
fn best(at_fewest: &[&Setting]) -> Option<String> {
    let setting = at_fewest
        .iter()
        .filter(|s| s.points_speedup.is_some())
        .max_by(|a, b| {
            a.points_speedup
                .partial_cmp(&b.points_speedup)
                .expect("finite")
        })?;
    let speedup = setting.points_speedup.unwrap_or(1.0);
    let cost = if speedup >= 1.0 {
        format!("{speedup:.2}x fewer points than retraining from scratch")
    } else {
        format!(
            "{:.2}x more points than retraining from scratch",
            1.0 / speedup
        )
    };
    let mut context = vec![format!(
        "analytic {}",
        format::ratio(setting.expected_speedup)
    )];
    if let Some(time) = setting.time_speedup {
        context.push(format!("CPU time {}", format::ratio(Some(time))));
    }
    Some(format!(
        "**Largest speed-up at {}**: unlearning{} retrains {cost} ({}). {}",
        requests_phrase(setting.requests),
        at(setting),
        context.join("; "),
        accuracy_cost(setting)
    ))
}

/// What a setting costs in accuracy, with its spread or the lack of one.
fn accuracy_cost(setting: &Setting) -> String {
    let (Some(sisa), Some(baseline), Some(lost)) = (
        setting.sisa_accuracy.mean,
        setting.baseline_accuracy.mean,
        setting.accuracy_lost.mean,
    ) else {
        return match setting.sisa_accuracy.mean {
            Some(sisa) => format!(
                "SISA's test accuracy is {} (no baseline was trained to compare with).",
                format::percent(Some(sisa))
            ),
            None => String::new(),
        };
    };
    let both = format!(
        "baseline {} against SISA {}",
        format::percent(Some(baseline)),
        format::percent(Some(sisa))
    );
    let amount = format!("{} points", lost_points(lost));
    let Some(half) = setting.accuracy_lost.ci95 else {
        return format!(
            "Accuracy lost (baseline minus SISA): {amount} ({both}); one repeat, so there is no \
             spread estimate and this difference may be noise."
        );
    };
    let verdict = if lost.abs() <= half {
        "within the spread: not distinguishable from no difference"
    } else if lost > 0.0 {
        "a real loss"
    } else {
        "SISA is more accurate"
    };
    format!(
        "Accuracy lost (baseline minus SISA): {amount} ± {:.2} (95% confidence interval over {} \
         repeats; {both}), {verdict}.",
        half * 100.0,
        setting.repeats
    )
}

/// Where each setting's speed-up in points falls under [`GAIN_GONE`] as requests grow (when
/// they vary).
fn gain_gone(settings: &[Setting]) -> Option<String> {
    let mut labels: Vec<&str> = Vec::new();
    for setting in settings {
        if !labels.contains(&setting.label.as_str()) {
            labels.push(&setting.label);
        }
    }
    let course = |label: &str| {
        let mut points: Vec<(f64, f64)> = settings
            .iter()
            .filter(|s| s.label == label)
            .filter_map(|s| Some((s.requests, s.points_speedup?)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points
    };
    if labels.iter().all(|label| course(label).len() < 2) {
        return None;
    }
    let phrases: Vec<String> = labels
        .iter()
        .take(MOST_NAMED)
        .filter_map(|&label| {
            let points = course(label);
            let (first, last) = (points.first()?, points.last()?);
            let named = if label.is_empty() {
                String::new()
            } else {
                format!(" for {label}")
            };
            Some(
                match points.iter().find(|(_, speedup)| *speedup < GAIN_GONE) {
                    Some(_) if first.1 < GAIN_GONE => format!("never above it{named}"),
                    Some((requests, _)) => format!("from K = {requests}{named}"),
                    None => format!("not up to K = {}, the most run,{named}", last.0),
                },
            )
        })
        .collect();
    let more = labels.len().saturating_sub(MOST_NAMED);
    let rest = if more > 0 {
        format!(" ({more} more settings in the summary table)")
    } else {
        String::new()
    };
    Some(format!(
        "**Where the gain is gone** (the speed-up in points under {GAIN_GONE}x): {}{rest}.",
        list(&phrases)
    ))
}

/// Accuracy lost in percentage points, signed only when SISA gains (`0.40`, `-0.12`).
fn lost_points(lost: f64) -> String {
    format::points_change(lost)
        .trim_start_matches('+')
        .to_owned()
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The settings on the Pareto front of speed-up against accuracy lost, at the fewest requests.
fn front(at_fewest: &[&Setting]) -> Option<String> {
    let measured: Vec<&Setting> = at_fewest
        .iter()
        .copied()
        .filter(|s| s.points_speedup.is_some() && s.accuracy_lost.mean.is_some())
        .collect();
    if measured.len() < 2 || measured.iter().all(|s| s.label.is_empty()) {
        return None;
    }
    let points: Vec<(f64, f64)> = measured
        .iter()
        .map(|s| {
            (
                s.accuracy_lost.mean.unwrap_or(0.0),
                s.points_speedup.unwrap_or(0.0),
            )
        })
        .collect();
    let mut on_front: Vec<usize> = pareto_front(&points);
    on_front.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    let named: Vec<String> = on_front
        .iter()
        .map(|&i| {
            let lost = lost_points(points[i].0);
            format!(
                "{} ({:.2}x, {lost} pt lost)",
                measured[i].label, points[i].1
            )
        })
        .collect();
    let spread = if measured.iter().all(|s| s.repeats < 2) {
        " One repeat: the accuracies carry no spread estimate."
    } else {
        ""
    };
    Some(format!(
        "**Pareto front at {}** (no other setting is faster and loses no more accuracy): {}.{spread}",
        requests_phrase(measured[0].requests),
        named.join("; ")
    ))
}

/// Notes on settings whose CPU speed-up and speed-up in points differ by more than
/// [`DISAGREEMENT`], the largest differences first, each saying why when the table tells: fits
/// that stopped before their budget (sample passes against points), or fits so small that fixed
/// costs weigh.
pub(crate) fn speedup_notes(table: &Table) -> Result<Vec<String>, MissingColumn> {
    let mut disagreeing: Vec<(f64, Setting)> = settings(table)?
        .into_iter()
        .filter_map(|s| {
            let gap = (s.time_speedup? / s.points_speedup?).ln().abs();
            (gap > DISAGREEMENT.ln()).then_some((gap, s))
        })
        .collect();
    disagreeing.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut notes: Vec<String> = disagreeing
        .iter()
        .take(MOST_NOTES)
        .map(|(_, setting)| note(setting))
        .collect();
    if disagreeing.len() > MOST_NOTES {
        notes.push(format!(
            "{} more settings differ by more than {DISAGREEMENT}x (see the summary table).",
            disagreeing.len() - MOST_NOTES
        ));
    }
    Ok(notes)
}

fn note(setting: &Setting) -> String {
    let (time, points) = (
        setting.time_speedup.unwrap_or(1.0),
        setting.points_speedup.unwrap_or(1.0),
    );
    let direction = if time < points { "below" } else { "above" };
    let mut text = format!(
        "At{}, {}: the CPU speed-up ({time:.2}x) is far {direction} the speed-up in points \
         ({points:.2}x). ",
        at(setting),
        requests_phrase(setting.requests)
    );
    text.push_str(&reason(setting, time, points));
    text
}

/// Why a setting's CPU speed-up and speed-up in points disagree, when the table tells.
fn reason(setting: &Setting, time: f64, points: f64) -> String {
    let passes = (
        setting.passes_speedup,
        setting.baseline_passes_per_point,
        setting.sisa_passes_per_point,
    );
    let explained_by_passes = |passes: f64| (passes / time).ln().abs() < (points / time).ln().abs();
    match passes {
        (Some(passes), Some(baseline), Some(sisa)) if explained_by_passes(passes) => {
            let earlier = if baseline < sisa {
                "the baseline stopped earlier"
            } else {
                "SISA's retraining stopped earlier"
            };
            let budget = setting
                .budget
                .map_or_else(String::new, |e| format!(", against a budget of E = {e}"));
            format!(
                "Counted in sample passes actually made, it is {passes:.2}x: the baseline made \
                 {baseline:.1} passes per point and SISA's retraining {sisa:.1}{budget}. The fits \
                 stop early (L-BFGS at its tolerance) and {earlier}; points count the whole \
                 budget, so they do not see it."
            )
        }
        _ if setting.sisa_cpu_s.is_some_and(|cpu| cpu < SMALL_FIT_CPU_S) => format!(
            "SISA's retraining took {:.3} s of CPU time: in fits this small, fixed costs \
             (setting a fit up, evaluating it) weigh more than the points trained.",
            setting.sisa_cpu_s.unwrap_or(0.0)
        ),
        _ => "Neither early stopping nor small fits explain it: CPU times also carry per-fit \
              overheads and the machine's load."
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture::record;

    fn table(repeats: u32) -> Table {
        let mut records = Vec::new();
        for s in [1, 2, 5] {
            for repeat in 0..repeats {
                for k in [1, 2, 4, 8] {
                    records.push(record(s, 1, k, repeat));
                }
            }
        }
        Table::from_records(&records).unwrap()
    }

    #[test]
    fn a_few_sentences_with_one_sign_convention() {
        let sentences = headlines(&table(3)).unwrap();
        assert_eq!(sentences.len(), 3, "{sentences:#?}");
        assert!(
            sentences[0].starts_with("**Largest speed-up at 1 request**: unlearning at S = 5"),
            "{}",
            sentences[0]
        );
        // The fixture's gap is 0.002 S: 1.00 point lost at S = 5, a positive number.
        assert!(
            sentences[0].contains("Accuracy lost (baseline minus SISA): 1.00 points ±"),
            "{}",
            sentences[0]
        );
        assert!(
            sentences[1].starts_with("**Where the gain is gone**"),
            "{}",
            sentences[1]
        );
        assert!(
            sentences[1].contains("never above it for S = 1"),
            "{}",
            sentences[1]
        );
        assert!(
            sentences[1].contains("from K = 2 for S = 2"),
            "{}",
            sentences[1]
        );
        assert!(
            sentences[1].contains("from K = 4 for S = 5"),
            "{}",
            sentences[1]
        );
        assert!(
            sentences[2].starts_with("**Pareto front at 1 request**"),
            "{}",
            sentences[2]
        );
        assert!(
            sentences[2].contains("S = 5 (5.00x, 1.00 pt lost)"),
            "{}",
            sentences[2]
        );
    }

    #[test]
    fn one_repeat_says_there_is_no_spread() {
        let sentences = headlines(&table(1)).unwrap();
        assert!(
            sentences[0].contains("one repeat, so there is no spread estimate"),
            "{}",
            sentences[0]
        );
        assert!(sentences[2].contains("One repeat"), "{}", sentences[2]);
    }
}
