//! A step record for tests: one repeat of a layout, with costs and accuracies that follow from
//! it, so the tests of the table and of everything built on it (figures, reports) share one
//! fixture from below them.

use super::StepRecord;

/// A record of one repeat at shards `s`, slices `r`, `k` requests, with costs and
/// accuracies that follow from them.
pub(crate) fn record(s: u64, r: u64, k: u64, repeat: u32) -> StepRecord {
    let n = 1000.0;
    let sisa_points = (k as f64).min(s as f64) * n / s as f64 * 2.0 / (r as f64 + 1.0);
    let jitter = f64::from(repeat) * 0.001;
    let sisa_accuracy = 0.95 - 0.002 * s as f64 + jitter;
    StepRecord {
        experiment: "fixture".to_owned(),
        trial_id: format!("{s}-{r}-{repeat}"),
        trial_index: 0,
        repeat,
        seed: 1,
        swept: vec![
            ("sisa.shards".to_owned(), s.to_string()),
            ("sisa.slices".to_owned(), r.to_string()),
        ],
        dataset: "blobs".to_owned(),
        n_train: 1000,
        n_test: 200,
        n_features: 5,
        n_classes: 2,
        model: "logistic".to_owned(),
        budget: 30,
        shards: s,
        slices: r,
        partition: "uniform".to_owned(),
        shard_sizes: String::new(),
        aggregation: "majority".to_owned(),
        distribution: "uniform".to_owned(),
        mode: "batch".to_owned(),
        step: u32::try_from(k - 1).expect("a small request count"),
        requests: k,
        removed_total: k,
        sisa_retrain_cpu_s: sisa_points * 1e-4,
        sisa_retrain_wall_s: sisa_points * 1e-4,
        sisa_retrain_device_s: None,
        sisa_retrain_points: sisa_points,
        sisa_retrain_passes: Some(sisa_points * 20.0),
        shards_retrained: k.min(s),
        baseline_retrain_cpu_s: Some(0.1),
        baseline_retrain_wall_s: Some(0.1),
        baseline_retrain_device_s: None,
        baseline_retrain_points: Some(n),
        baseline_retrain_passes: Some(n * 20.0),
        speedup_time: Some(0.1 / (sisa_points * 1e-4)),
        speedup_points: Some(n / sisa_points),
        expected_sisa_points: sisa_points,
        expected_speedup_points: n / sisa_points,
        sisa_accuracy,
        sisa_accuracy_majority: sisa_accuracy,
        sisa_accuracy_mean_proba: sisa_accuracy + 0.001,
        sisa_accuracy_weighted: sisa_accuracy,
        baseline_accuracy: Some(0.95 + jitter),
        lone_shard_accuracy: sisa_accuracy - 0.01,
        accuracy_gap: Some(0.002 * s as f64),
        train_cpu_s: 0.1,
        train_wall_s: 0.1,
        train_device_s: None,
        train_points: n,
        checkpoint_bytes: 0,
        fits_at_limit: 0,
        baseline_reused: 0,
    }
}
