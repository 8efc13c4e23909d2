//! What a report opens with: per request count, one sentence on the setting that unlearns with
//! the largest speed-up and what it costs in accuracy; and notes where the CPU speed-up and the
//! speed-up in points disagree, with the likely reason.

use super::format;
use crate::plot::data::{self, baseline_points};
use crate::results::{column, groups, Group, MissingColumn, Stat, Table};

/// Time and points speed-ups further apart than this factor get a note.
pub const DISAGREEMENT: f64 = 1.5;

/// SISA retraining under this much CPU time counts as a small fit, whose fixed costs weigh.
const SMALL_FIT_CPU_S: f64 = 0.05;

/// Notes shown at most; the rest are counted.
const MOST_NOTES: usize = 3;

/// One sweep point at one step, with the measures the headline and notes read.
struct Setting {
    requests: f64,
    label: String,
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
}

fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> Option<f64> {
    Some(numerator? / denominator?).filter(|r| r.is_finite() && *r > 0.0)
}

fn settings(table: &Table) -> Result<Vec<Setting>, MissingColumn> {
    let read = |name| table.numbers(name);
    let (requests, shards, slices, budget) = (
        read(column::REQUESTS)?,
        table.texts(column::SHARDS)?,
        table.texts(column::SLICES)?,
        read(column::BUDGET)?,
    );
    let (sisa_points, expected_points, baseline) = (
        read(column::SISA_RETRAIN_POINTS)?,
        read(column::EXPECTED_SISA_POINTS)?,
        baseline_points(table)?,
    );
    let (sisa_cpu, baseline_cpu) = (
        read(column::SISA_RETRAIN_CPU_S)?,
        read(column::BASELINE_RETRAIN_CPU_S)?,
    );
    let (sisa_passes, baseline_passes, measured_baseline) = (
        read(column::SISA_RETRAIN_PASSES)?,
        read(column::BASELINE_RETRAIN_PASSES)?,
        read(column::BASELINE_RETRAIN_POINTS)?,
    );
    let (sisa_accuracy, baseline_accuracy) = (
        read(column::SISA_ACCURACY)?,
        read(column::BASELINE_ACCURACY)?,
    );
    let others: Vec<String> = data::varying_keys(table, &["sisa.shards", "sisa.slices"]);
    let other_values: Vec<Vec<String>> = others
        .iter()
        .map(|key| table.texts(key))
        .collect::<Result<_, _>>()?;
    Ok(groups(table)?
        .iter()
        .map(|group: &Group| {
            let first = group.first();
            let mean = |values: &[Option<f64>]| group.stat_of(values).mean;
            let mut key = vec![
                ("shards".to_owned(), shards[first].clone()),
                ("slices".to_owned(), slices[first].clone()),
            ];
            key.extend(
                others
                    .iter()
                    .zip(&other_values)
                    .map(|(k, values)| (k.clone(), values[first].clone())),
            );
            Setting {
                requests: requests[first].unwrap_or(0.0),
                label: data::label(&key),
                points_speedup: ratio(mean(&baseline), mean(&sisa_points)),
                expected_speedup: ratio(mean(&baseline), mean(&expected_points)),
                time_speedup: ratio(mean(&baseline_cpu), mean(&sisa_cpu)),
                passes_speedup: ratio(mean(&baseline_passes), mean(&sisa_passes)),
                baseline_passes_per_point: ratio(mean(&baseline_passes), mean(&measured_baseline)),
                sisa_passes_per_point: ratio(mean(&sisa_passes), mean(&sisa_points)),
                sisa_cpu_s: mean(&sisa_cpu),
                budget: budget[first],
                sisa_accuracy: group.stat_of(&sisa_accuracy),
                baseline_accuracy: group.stat_of(&baseline_accuracy),
            }
        })
        .collect())
}

fn requests_phrase(requests: f64) -> String {
    if requests == 1.0 {
        "1 request".to_owned()
    } else {
        format!("{requests} requests")
    }
}

/// One sentence per request count, in increasing order: the setting with the largest speed-up
/// in points, the analytic and CPU speed-ups, and the accuracy it costs (means ± one standard
/// deviation over repeats).
pub fn headlines(table: &Table) -> Result<Vec<String>, MissingColumn> {
    let settings = settings(table)?;
    let mut counts: Vec<f64> = settings.iter().map(|s| s.requests).collect();
    counts.sort_by(f64::total_cmp);
    counts.dedup();
    Ok(counts
        .into_iter()
        .filter_map(|requests| {
            let best = settings
                .iter()
                .filter(|s| s.requests == requests && s.points_speedup.is_some())
                .max_by(|a, b| {
                    a.points_speedup
                        .partial_cmp(&b.points_speedup)
                        .expect("finite")
                })?;
            Some(sentence(best))
        })
        .collect())
}

fn sentence(setting: &Setting) -> String {
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
    let accuracy = match (setting.sisa_accuracy.mean, setting.baseline_accuracy.mean) {
        (Some(sisa), Some(baseline)) => format!(
            ", for {} points of accuracy (SISA {} against {} for the baseline)",
            format::points_change(sisa - baseline),
            format::percent_spread(Some(sisa), setting.sisa_accuracy.std),
            format::percent_spread(Some(baseline), setting.baseline_accuracy.std),
        ),
        (Some(sisa), None) => format!(
            ", with SISA at {} accuracy (no baseline was trained to compare with)",
            format::percent_spread(Some(sisa), setting.sisa_accuracy.std)
        ),
        _ => String::new(),
    };
    format!(
        "**{}**: at {}, unlearning retrains {cost} ({}){accuracy}.",
        requests_phrase(setting.requests),
        setting.label,
        context.join("; ")
    )
}

/// Notes on settings whose CPU speed-up and speed-up in points differ by more than
/// [`DISAGREEMENT`], the largest differences first, each saying why when the table tells: fits
/// that stopped before their budget (sample passes against points), or fits so small that fixed
/// costs weigh.
pub fn speedup_notes(table: &Table) -> Result<Vec<String>, MissingColumn> {
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
        "At {}, {}: the CPU speed-up ({time:.2}x) is far {direction} the speed-up in points \
         ({points:.2}x). ",
        setting.label,
        requests_phrase(setting.requests)
    );
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
            text.push_str(&format!(
                "Counted in sample passes actually made, it is {passes:.2}x: the baseline made \
                 {baseline:.1} passes per point and SISA's retraining {sisa:.1}{budget}. The fits \
                 stop early (L-BFGS at its tolerance) and {earlier}; points count the whole \
                 budget, so they do not see it."
            ));
        }
        _ if setting.sisa_cpu_s.is_some_and(|cpu| cpu < SMALL_FIT_CPU_S) => {
            text.push_str(&format!(
                "SISA's retraining took {:.3} s of CPU time: in fits this small, fixed costs \
                 (setting a fit up, evaluating it) weigh more than the points trained.",
                setting.sisa_cpu_s.unwrap_or(0.0)
            ));
        }
        _ => text.push_str(
            "Neither early stopping nor small fits explain it: CPU times also carry per-fit \
             overheads and the machine's load.",
        ),
    }
    text
}
