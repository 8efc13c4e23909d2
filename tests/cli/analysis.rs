//! Measured costs against the paper's analysis: Eq. 3 for one batch, Eq. 2 one request at a time,
//! and distribution-aware sharding under a Pareto prior.

use std::collections::BTreeMap;

use super::harness::*;

#[test]
fn sharded_batch_cost_matches_the_papers_equation_3() {
    // Uniform batches of K requests, S shards, no slicing: E[C] = N (1 - (1 - 1/S)^K) - K.
    let spec = "\
name: eq3
seed: 5
repeats: 30
dataset: {synthetic: blobs, samples: 2500, features: 3, classes: 2, test_fraction: 0.2}
model: {kind: logistic, max_iterations: 1}
baseline: none
unlearning: {requests: [1, 3, 10, 30]}
sweep:
  sisa.shards: [2, 5, 10]
";
    let (dir, path) = workspace("eq3.yaml", spec);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // One iteration never converges: --quiet prints that warning, once, and nothing else.
    let stderr = text(&out.stderr);
    assert!(out.stdout.is_empty(), "--quiet prints no table");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: logistic stopped at its iteration limit"),
        "{stderr}"
    );
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    let mut means: BTreeMap<(u32, u32), (f64, usize)> = BTreeMap::new();
    for row in &rows {
        let key = (
            row["shards"].parse().unwrap(),
            row["requests"].parse().unwrap(),
        );
        let entry = means.entry(key).or_default();
        entry.0 += row["sisa_retrain_points"].parse::<f64>().unwrap();
        entry.1 += 1;
        assert_eq!(row["baseline_accuracy"], "", "no baseline was run");
    }
    assert_eq!(means.len(), 12);
    let n = 2000.0;
    for ((shards, requests), (sum, count)) in means {
        assert_eq!(count, 30);
        let (s, k) = (f64::from(shards), f64::from(requests));
        let expected = n * (1.0 - (1.0 - 1.0 / s).powf(k)) - k;
        let measured = sum / count as f64;
        let error = (measured - expected).abs() / expected;
        assert!(
            error < 0.10,
            "S={shards} K={requests}: measured {measured:.1}, Eq. 3 gives {expected:.1}"
        );
    }
}

#[test]
fn distribution_aware_sharding_retrains_fewer_points_under_a_pareto_prior() {
    // The cost of a few requests varies a lot between draws when shards are unequal: many
    // repeats keep the means stable. (A count is listed once: a count's batch is drawn from the
    // repeat's seed and the count, so listing it again gave the same rows, and is now an error.)
    let spec = "\
name: aware
seed: 2
repeats: 100
dataset: {synthetic: blobs, samples: 5000, features: 2, classes: 2, noise: 3.0}
model: {kind: logistic, max_iterations: 1}
sisa: {aggregation: weighted}
unlearning:
  distribution: pareto
  shape: 1.16
  requests: [1, 2, 5, 10]
baseline: none
zip:
  sisa.partition: [uniform, distribution-aware]
  sisa.shards: [17, null]
  sisa.capacity: [null, 0.6]
";
    let (dir, path) = workspace("aware.yaml", spec);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert!(rows
        .iter()
        .filter(|r| r["partition"] == "distribution-aware")
        .all(|r| r["shards"] == "17"));
    let points = means_by(&rows, "partition", "sisa_retrain_points");
    let expected = means_by(&rows, "partition", "expected_sisa_points");
    let passes = means_by(&rows, "partition", "sisa_retrain_passes");
    // Likely points sit in small shards: a few requests retrain far fewer points. (With many
    // requests every shard is hit either way and the advantage fades, as the paper notes.)
    for k in [1, 2] {
        let aware = points[&("distribution-aware".to_owned(), k)];
        let uniform = points[&("uniform".to_owned(), k)];
        assert!(
            aware < 0.85 * uniform,
            "K={k}: aware {aware:.0} vs uniform {uniform:.0} points"
        );
        let aware_passes = passes[&("distribution-aware".to_owned(), k)];
        let uniform_passes = passes[&("uniform".to_owned(), k)];
        assert!(
            aware_passes < uniform_passes,
            "K={k}: passes {aware_passes:.0} vs {uniform_passes:.0}"
        );
    }
    for partition in ["uniform", "distribution-aware"] {
        let errors: Vec<f64> = [1, 2, 5, 10]
            .iter()
            .map(|&k| {
                let key = (partition.to_owned(), k);
                (points[&key] - expected[&key]).abs() / expected[&key]
            })
            .collect();
        let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
        assert!(
            mean_error < 0.10,
            "{partition}: measured vs analytic off by {errors:?}"
        );
    }
}

#[test]
fn sequential_cost_matches_the_papers_equation_2() {
    // K requests one at a time over N points in S shards: E[C] = (N/S + 1/(2S) - 1) K - K^2/(2S).
    let spec = "\
name: sequential
seed: 4
repeats: 20
dataset: {synthetic: blobs, samples: 2500, features: 2, classes: 2, noise: 3.0}
model: {kind: logistic, max_iterations: 1}
unlearning: {mode: sequential, requests: [1, 5, 20, 40]}
baseline: none
sweep:
  sisa.shards: [2, 5, 10]
";
    let (dir, path) = workspace("sequential.yaml", spec);
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&dir.path().join("out/steps.csv"));
    assert!(rows.iter().all(|r| r["mode"] == "sequential"));
    let points = means_by(&rows, "shards", "sisa_retrain_points");
    let n = 2000.0;
    let mut errors = Vec::new();
    for ((shards, k), measured) in &points {
        let (s, k) = (shards.parse::<f64>().unwrap(), *k as f64);
        let equation_2 = (n / s + 1.0 / (2.0 * s) - 1.0) * k - k * k / (2.0 * s);
        errors.push((measured - equation_2).abs() / equation_2);
    }
    assert_eq!(errors.len(), 12);
    let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
    assert!(mean_error < 0.10, "mean error {mean_error:.3}: {errors:?}");
}
