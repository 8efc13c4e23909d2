//! Numeric kernels the models share: vectorisable `dot` and `axpy` whose results do not depend on
//! the instruction set (no fused multiply-add, a fixed order of additions), and training rows in
//! the form the kernels read fastest.

use super::Rows;
use crate::data::{ClassId, SparseIndex};

/// `a . b` with eight partial sums in a fixed order: the loop vectorises, and the result is the
/// same on every x86-64 machine.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut partial = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            partial[lane] += x[lane] * y[lane];
        }
    }
    let rest: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    ((partial[0] + partial[4]) + (partial[1] + partial[5]))
        + ((partial[2] + partial[6]) + (partial[3] + partial[7]))
        + rest
}

/// `y += a * x`, elementwise.
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    y.iter_mut().zip(x).for_each(|(y, &x)| *y += a * x);
}

/// Softmax over the present classes; absent classes get probability 0.
pub fn softmax_into(scores: &[f64], present: &[ClassId], out: &mut [f64]) {
    let max = present
        .iter()
        .map(|c| scores[c.index()])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for class in present {
        let e = (scores[class.index()] - max).exp();
        out[class.index()] = e;
        total += e;
    }
    for class in present {
        out[class.index()] /= total;
    }
}

/// Training rows as their non-zero features: purchase-like records are mostly zeros, and reading
/// only the rest moves a fraction of the memory. Read from the dataset's shared index when it has
/// one; otherwise each row is scanned for its non-zero values, in the same feature order.
#[derive(Debug, Clone, Copy)]
pub struct SparseRows<'a> {
    rows: Rows<'a>,
    index: Option<&'a SparseIndex>,
}

impl<'a> SparseRows<'a> {
    /// The non-zero features of `rows`.
    pub fn of(rows: Rows<'a>) -> Self {
        SparseRows {
            rows,
            index: rows.data.sparse(),
        }
    }

    /// Calls `visit(feature, value)` for each non-zero feature of row `row`, by feature.
    #[inline]
    pub fn for_each(&self, row: usize, mut visit: impl FnMut(usize, f32)) {
        let id = self.rows.ids[row];
        match self.index {
            Some(index) => {
                for &(j, v) in index.row(id) {
                    visit(j as usize, v);
                }
            }
            None => {
                let values = self.rows.data.row(id);
                let values = values.as_slice().expect("rows are contiguous");
                for (j, &v) in values.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                    visit(j, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_axpy_match_their_definitions() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.25).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
        let mut y = b.clone();
        axpy(2.0, &a, &mut y);
        assert!(y
            .iter()
            .zip(&a)
            .zip(&b)
            .all(|((y, a), b)| (y - (b + 2.0 * a)).abs() < 1e-6));
    }
}
