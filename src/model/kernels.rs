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

/// Outputs per block of [`sum_weighted_rows`]: 32 f32 accumulators fill 8 SSE registers (4 AVX
/// ones), leaving registers for the operands, so a block's sums never leave the registers.
const WIDE_BLOCK: usize = 32;

/// Outputs per block of the narrow kernels, and of [`sum_weighted_rows`] once fewer than
/// [`WIDE_BLOCK`] outputs are left.
const NARROW_BLOCK: usize = 8;

/// `out = start + sum of value * row(index)` over `entries`, row `i` of `rows` being
/// `rows[i * width..(i + 1) * width]` with `width = out.len()`.
///
/// Each output adds the entries in their order, exactly as `axpy` would row after row, so the
/// result is the same bit for bit; but blocks of outputs are summed in registers, each block
/// reading the entries once, which the compiler turns into SIMD on any x86-64.
pub fn sum_weighted_rows<I>(start: &[f32], entries: I, rows: &[f32], out: &mut [f32])
where
    I: Iterator<Item = (usize, f32)> + Clone,
{
    let done = sum_weighted_rows_blocks::<WIDE_BLOCK, _>(0, start, entries.clone(), rows, out);
    let done = sum_weighted_rows_blocks::<NARROW_BLOCK, _>(done, start, entries.clone(), rows, out);
    sum_weighted_rows_blocks::<1, _>(done, start, entries, rows, out);
}

/// [`sum_weighted_rows`] for outputs from `from` on, in blocks of `N` while a whole block is
/// left; returns where it stopped.
#[inline(always)]
fn sum_weighted_rows_blocks<const N: usize, I>(
    from: usize,
    start: &[f32],
    entries: I,
    rows: &[f32],
    out: &mut [f32],
) -> usize
where
    I: Iterator<Item = (usize, f32)> + Clone,
{
    let width = out.len();
    let mut offset = from;
    while offset + N <= width {
        let mut sums: [f32; N] = block(start, offset);
        for (index, value) in entries.clone() {
            let row: [f32; N] = block(rows, index * width + offset);
            for (sum, weight) in sums.iter_mut().zip(row) {
                *sum += value * weight;
            }
        }
        out[offset..offset + N].copy_from_slice(&sums);
        offset += N;
    }
    offset
}

/// The `N` values of `values` from `at` on.
#[inline(always)]
fn block<const N: usize>(values: &[f32], at: usize) -> [f32; N] {
    values[at..at + N].try_into().expect("a block of N values")
}

/// `out[i] = dot(row i, x)` for the `out.len()` rows of a matrix given transposed (`columns[k *
/// out.len() + i]` is row i's value k, `x.len()` values a row).
///
/// Bit-identical to calling [`dot`] on each row (the same eight partial sums and the same final
/// additions), but vectorised across rows: each step adds one value of several rows at once.
pub fn dot_transposed_rows(columns: &[f32], x: &[f32], out: &mut [f32]) {
    let done = dot_transposed_rows_blocks::<NARROW_BLOCK>(0, columns, x, out);
    dot_transposed_rows_blocks::<1>(done, columns, x, out);
}

/// [`dot_transposed_rows`] for rows from `from` on, `N` rows at a time while a whole block is
/// left; returns where it stopped.
#[inline(always)]
fn dot_transposed_rows_blocks<const N: usize>(
    from: usize,
    columns: &[f32],
    x: &[f32],
    out: &mut [f32],
) -> usize {
    let rows = out.len();
    let whole = x.len() - x.len() % 8;
    let mut first = from;
    while first + N <= rows {
        let column = |k: usize| -> [f32; N] { block(columns, k * rows + first) };
        let mut partial = [[0f32; N]; 8];
        for chunk in (0..whole).step_by(8) {
            for (lane, sums) in partial.iter_mut().enumerate() {
                let (values, factor) = (column(chunk + lane), x[chunk + lane]);
                sums.iter_mut()
                    .zip(values)
                    .for_each(|(sum, v)| *sum += v * factor);
            }
        }
        // The rest is summed like `Iterator::sum`, which starts from -0.0.
        let mut rest = [-0f32; N];
        for (k, &factor) in x.iter().enumerate().skip(whole) {
            let values = column(k);
            rest.iter_mut()
                .zip(values)
                .for_each(|(sum, v)| *sum += v * factor);
        }
        let p = &partial;
        for i in 0..N {
            out[first + i] = ((p[0][i] + p[4][i]) + (p[1][i] + p[5][i]))
                + ((p[2][i] + p[6][i]) + (p[3][i] + p[7][i]))
                + rest[i];
        }
        first += N;
    }
    first
}

/// `out[j * rows + i] = matrix[i * columns + j]` for the `rows x columns` row-major `matrix`.
pub fn transpose(matrix: &[f32], rows: usize, columns: usize, out: &mut [f32]) {
    for (i, row) in matrix.chunks_exact(columns).take(rows).enumerate() {
        for (j, &value) in row.iter().enumerate() {
            out[j * rows + i] = value;
        }
    }
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

    /// Appends the non-zero (feature, value) entries of row `row` to `out`, by feature.
    pub fn extend_entries(&self, row: usize, out: &mut Vec<(u32, f32)>) {
        match self.index {
            Some(index) => out.extend_from_slice(index.row(self.rows.ids[row])),
            None => self.for_each(row, |j, value| out.push((j as u32, value))),
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

    /// Values of every sign and scale, some zero, so the order of additions shows in the bits.
    fn awkward(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32)
            .map(|i| {
                let x = (i.wrapping_mul(2_654_435_761) ^ seed) % 1000;
                if x.is_multiple_of(7) {
                    0.0
                } else {
                    (x as f32 - 500.0) * 10f32.powi((x % 9) as i32 - 4)
                }
            })
            .collect()
    }

    #[test]
    fn sum_weighted_rows_is_axpy_row_after_row_bit_for_bit() {
        for width in [1, 2, 7, 8, 31, 32, 45, 128] {
            let rows = awkward(20 * width, 3);
            let start = awkward(width, 5);
            let entries: Vec<(usize, f32)> = [3, 0, 17, 4, 4, 19, 8]
                .into_iter()
                .zip(awkward(7, 9))
                .collect();
            let mut expected = start.clone();
            for &(j, value) in &entries {
                axpy(value, &rows[j * width..(j + 1) * width], &mut expected);
            }
            let mut out = vec![f32::NAN; width];
            sum_weighted_rows(&start, entries.iter().copied(), &rows, &mut out);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&out), bits(&expected), "width {width}");
        }
    }

    #[test]
    fn dot_transposed_rows_is_dot_bit_for_bit() {
        for (rows, width) in [(1, 1), (5, 2), (9, 8), (17, 13), (128, 2), (40, 64)] {
            let matrix = awkward(rows * width, 7);
            let x = awkward(width, 11);
            let mut columns = vec![0.0; rows * width];
            transpose(&matrix, rows, width, &mut columns);
            let mut out = vec![f32::NAN; rows];
            dot_transposed_rows(&columns, &x, &mut out);
            for (i, &value) in out.iter().enumerate() {
                let expected = dot(&matrix[i * width..(i + 1) * width], &x);
                assert_eq!(
                    value.to_bits(),
                    expected.to_bits(),
                    "{rows} x {width}, row {i}"
                );
            }
        }
    }
}
