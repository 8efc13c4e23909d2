//! Seeded k-means (k-means++ start, then Lloyd's iterations), used to label synthetic purchase
//! records the way the paper labelled Purchase. Runs on the current rayon pool and gives the same
//! clusters for a seed whatever the thread count: rows are assigned independently, and centre sums
//! are added up per fixed block of rows, blocks in order.

use ndarray::{Array2, ArrayView2};
use rand::Rng as _;
use rayon::prelude::*;

use crate::seed::Rng;

/// Lloyd's iterations stop here if assignments keep changing.
const MAX_ITERATIONS: usize = 100;

/// Rows per block of the centre sums: the unit of parallel work, fixed so sums never depend on
/// the thread count.
const BLOCK_ROWS: usize = 1024;

/// Clusters the rows of `points` into `k` clusters; returns each row's cluster, numbered so that
/// cluster 0 is the largest (ties by lowest first row), which keeps class ids independent of the
/// order centres were found in.
pub fn cluster(points: ArrayView2<'_, f32>, k: usize, rng: &mut Rng) -> Vec<u32> {
    let mut centres = plus_plus_start(points, k, rng);
    let mut assignment = vec![0u32; points.nrows()];
    for iteration in 0..MAX_ITERATIONS {
        let changed = assign(points, centres.view(), &mut assignment);
        if changed == 0 && iteration > 0 {
            break;
        }
        centres = update_centres(points, &assignment, k, &centres);
    }
    renumber_by_size(&assignment, k)
}

fn plus_plus_start(points: ArrayView2<'_, f32>, k: usize, rng: &mut Rng) -> Array2<f32> {
    let n = points.nrows();
    let mut centres = Array2::zeros((k, points.ncols()));
    centres.row_mut(0).assign(&points.row(rng.gen_range(0..n)));
    let mut nearest = vec![f64::INFINITY; n];
    lower_to_centre(points, centres.row(0).as_slice().unwrap(), &mut nearest);
    for c in 1..k {
        let total: f64 = nearest.iter().sum();
        let chosen = if total > 0.0 {
            let mut target = rng.gen::<f64>() * total;
            nearest
                .iter()
                .position(|&d| {
                    target -= d;
                    target < 0.0
                })
                .unwrap_or(n - 1)
        } else {
            rng.gen_range(0..n)
        };
        centres.row_mut(c).assign(&points.row(chosen));
        lower_to_centre(points, centres.row(c).as_slice().unwrap(), &mut nearest);
    }
    centres
}

/// Lowers each row's `nearest` squared distance to its distance from `centre`.
fn lower_to_centre(points: ArrayView2<'_, f32>, centre: &[f32], nearest: &mut [f64]) {
    rows(points)
        .zip(nearest.par_iter_mut())
        .for_each(|(row, best)| *best = best.min(squared_distance(row, centre)));
}

/// The rows of `points` as slices, in parallel.
fn rows<'a>(points: ArrayView2<'a, f32>) -> rayon::slice::Chunks<'a, f32> {
    values(points).par_chunks(points.ncols().max(1))
}

fn values<'a>(points: ArrayView2<'a, f32>) -> &'a [f32] {
    points
        .to_slice()
        .expect("k-means points are in standard layout")
}

/// Assigns each row to its nearest centre; returns how many assignments changed.
fn assign(
    points: ArrayView2<'_, f32>,
    centres: ArrayView2<'_, f32>,
    assignment: &mut [u32],
) -> usize {
    rows(points)
        .zip(assignment.par_iter_mut())
        .map(|(row, assigned)| {
            let best = (0..centres.nrows())
                .map(|c| (squared_distance(row, centres.row(c).as_slice().unwrap()), c))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c as u32)
                .unwrap_or(0);
            let changed = *assigned != best;
            *assigned = best;
            usize::from(changed)
        })
        .sum()
}

/// Means of the assigned rows; an empty cluster keeps its previous centre.
fn update_centres(
    points: ArrayView2<'_, f32>,
    assignment: &[u32],
    k: usize,
    previous: &Array2<f32>,
) -> Array2<f32> {
    let width = points.ncols().max(1);
    let blocks: Vec<(Array2<f64>, Vec<usize>)> = values(points)
        .par_chunks(BLOCK_ROWS * width)
        .zip(assignment.par_chunks(BLOCK_ROWS))
        .map(|(block, assigned)| cluster_sums(block, width, assigned, k))
        .collect();
    let mut sums = Array2::<f64>::zeros((k, points.ncols()));
    let mut counts = vec![0usize; k];
    for (block_sums, block_counts) in &blocks {
        sums += block_sums;
        counts
            .iter_mut()
            .zip(block_counts)
            .for_each(|(n, m)| *n += m);
    }
    let mut centres = previous.clone();
    for (c, &count) in counts.iter().enumerate() {
        if count > 0 {
            for (centre, sum) in centres.row_mut(c).iter_mut().zip(sums.row(c)) {
                *centre = (sum / count as f64) as f32;
            }
        }
    }
    centres
}

/// Per-cluster sums of the rows of one block, and how many rows each cluster got.
fn cluster_sums(
    block: &[f32],
    width: usize,
    assignment: &[u32],
    k: usize,
) -> (Array2<f64>, Vec<usize>) {
    let mut sums = Array2::<f64>::zeros((k, width));
    let mut counts = vec![0usize; k];
    for (row, &cluster) in block.chunks(width).zip(assignment) {
        let cluster = cluster as usize;
        counts[cluster] += 1;
        for (sum, &value) in sums.row_mut(cluster).iter_mut().zip(row) {
            *sum += f64::from(value);
        }
    }
    (sums, counts)
}

fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = f64::from(x - y);
            d * d
        })
        .sum()
}

fn renumber_by_size(assignment: &[u32], k: usize) -> Vec<u32> {
    let mut sizes: Vec<(usize, usize, usize)> = (0..k).map(|c| (0, usize::MAX, c)).collect();
    for (i, &cluster) in assignment.iter().enumerate() {
        let entry = &mut sizes[cluster as usize];
        entry.0 += 1;
        entry.1 = entry.1.min(i);
    }
    sizes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut new_id = vec![0u32; k];
    for (rank, &(_, _, cluster)) in sizes.iter().enumerate() {
        new_id[cluster] = rank as u32;
    }
    assignment.iter().map(|&c| new_id[c as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn separates_two_obvious_groups_with_the_larger_first() {
        let mut rows = Vec::new();
        for i in 0..30 {
            let base = if i < 20 { 0.0 } else { 10.0 };
            rows.extend([base + (i % 3) as f32 * 0.1, base]);
        }
        let points = Array2::from_shape_vec((30, 2), rows).unwrap();
        let labels = cluster(points.view(), 2, &mut Rng::seed_from_u64(1));
        assert!(labels[..20].iter().all(|&c| c == 0));
        assert!(labels[20..].iter().all(|&c| c == 1));
    }

    #[test]
    fn clusters_do_not_depend_on_the_thread_count() {
        let mut rng = Rng::seed_from_u64(3);
        let points = Array2::from_shape_fn((3 * BLOCK_ROWS + 17, 5), |_| rng.gen::<f32>());
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| cluster(points.view(), 4, &mut Rng::seed_from_u64(9)))
        };
        let one = on(1);
        assert_eq!(one, on(3));
        assert!((0..4).all(|c| one.contains(&c)));
    }
}
