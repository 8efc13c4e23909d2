//! Numeric kernels the models share: vectorisable `dot` and `axpy` whose results do not depend on
//! the instruction set (no fused multiply-add, a fixed order of additions), and training rows in
//! the form the kernels read fastest.

use super::Rows;

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

/// Training rows as their non-zero features, gathered once per fit: purchase-like records are
/// mostly zeros, and reading only the rest moves a fraction of the memory.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRows {
    /// Row r's entries are `entries[offsets[r]..offsets[r + 1]]`: (feature, value).
    entries: Vec<(u32, f32)>,
    offsets: Vec<usize>,
}

impl SparseRows {
    /// The non-zero features of `rows`.
    pub fn of(rows: Rows<'_>) -> Self {
        let mut entries = Vec::new();
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        for &id in rows.ids {
            let row = rows.data.row(id);
            let values = row.as_slice().expect("rows are contiguous");
            entries.extend(
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0.0)
                    .map(|(j, &v)| (j as u32, v)),
            );
            offsets.push(entries.len());
        }
        SparseRows { entries, offsets }
    }

    /// The non-zero (feature, value) pairs of row `row`.
    pub fn row(&self, row: usize) -> &[(u32, f32)] {
        &self.entries[self.offsets[row]..self.offsets[row + 1]]
    }

    /// Fraction of the values that are not zero.
    pub fn density(&self, features: usize) -> f64 {
        let cells = (self.offsets.len() - 1) * features;
        if cells == 0 {
            1.0
        } else {
            self.entries.len() as f64 / cells as f64
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
