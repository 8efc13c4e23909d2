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

/// `y += a * x`, elementwise (the slices of equal length).
///
/// Eight at a time, then the rest: slices as short as a softmax's classes still fill whole
/// vectors, where the compiler's own loop would leave them to its scalar tail.
#[inline(always)]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    let (mut y_chunks, mut x_chunks) = (y.chunks_exact_mut(8), x.chunks_exact(8));
    for (y, x) in (&mut y_chunks).zip(&mut x_chunks) {
        let (y, x): (&mut [f32; 8], &[f32; 8]) = (y.try_into().unwrap(), x.try_into().unwrap());
        let mut sums = *y;
        for lane in 0..8 {
            sums[lane] += a * x[lane];
        }
        *y = sums;
    }
    let rest = y_chunks
        .into_remainder()
        .iter_mut()
        .zip(x_chunks.remainder());
    rest.for_each(|(y, &x)| *y += a * x);
}

/// Whether this CPU has AVX2. Kernels compiled for it (twice the lanes, three-operand
/// instructions) run the same IEEE operations in the same order, with no fused multiply-add, so
/// their results are the same bit for bit, only sooner.
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Outputs per block of [`sum_weighted_rows`]: 64 f32 accumulators fill 8 of AVX's 16
/// registers, leaving room for the operands, so a block's sums never leave the registers, and
/// each entry's index and bounds are worked out once for 64 outputs. (SSE2 holds them in all 16
/// of its registers: enough when rows are added, a spill or two when they are multiplied.)
const WIDE_BLOCK: usize = 64;

/// Outputs per block of the narrow kernels, and of [`sum_weighted_rows`] once fewer than
/// [`WIDE_BLOCK`] outputs are left.
const NARROW_BLOCK: usize = 8;

/// `out = start + sum of value * row(index)` over `entries`, row `i` of `rows` being
/// `rows[i * width..(i + 1) * width]` with `width = out.len()`.
///
/// Each output adds the entries in their order, exactly as `axpy` would row after row, so the
/// result is the same bit for bit; but blocks of outputs are summed in registers, each block
/// reading the entries once, which the compiler turns into SIMD on any x86-64.
#[inline(always)]
pub fn sum_weighted_rows<I>(start: &[f32], entries: I, rows: &[f32], out: &mut [f32])
where
    I: Iterator<Item = (usize, f32)> + Clone,
{
    let width = out.len();
    weighted_row_sums(Some(start), entries, rows, width, &mut Store(out));
}

/// `axpy(a, g, y)` with `g = 0 + sum of value * row(index)` (as [`sum_weighted_rows`] computes
/// it from zeros), without storing g: an SGD step with a gradient summed from rows.
#[inline(always)]
pub fn axpy_weighted_rows<I>(a: f32, entries: I, rows: &[f32], y: &mut [f32])
where
    I: Iterator<Item = (usize, f32)> + Clone,
{
    let width = y.len();
    weighted_row_sums(None, entries, rows, width, &mut AddScaled(a, y));
}

/// What becomes of a block of sums (a trait, not a closure, so that it is always inlined, into
/// the AVX2 code too).
trait FinishSums {
    /// Takes the sums of outputs `offset..offset + N`.
    fn finish<const N: usize>(&mut self, offset: usize, sums: &[f32; N]);
}

/// Sums stored into the slice.
struct Store<'a>(&'a mut [f32]);

impl FinishSums for Store<'_> {
    #[inline(always)]
    fn finish<const N: usize>(&mut self, offset: usize, sums: &[f32; N]) {
        self.0[offset..offset + N].copy_from_slice(sums);
    }
}

/// Sums times the factor added to the slice.
struct AddScaled<'a>(f32, &'a mut [f32]);

impl FinishSums for AddScaled<'_> {
    #[inline(always)]
    fn finish<const N: usize>(&mut self, offset: usize, sums: &[f32; N]) {
        let y: &mut [f32; N] = (&mut self.1[offset..offset + N])
            .try_into()
            .expect("N values");
        axpy(self.0, sums, y);
    }
}

/// The sums of [`sum_weighted_rows`] for outputs `0..width`, from `start` or from zeros
/// (which then need no loads), handed to `finish` block by block.
#[inline(always)]
fn weighted_row_sums<I>(
    start: Option<&[f32]>,
    entries: I,
    rows: &[f32],
    width: usize,
    finish: &mut impl FinishSums,
) where
    I: Iterator<Item = (usize, f32)> + Clone,
{
    let blocks = (start, rows, width);
    let done = weighted_row_sum_blocks::<WIDE_BLOCK, _>(0, blocks, entries.clone(), finish);
    let done = weighted_row_sum_blocks::<NARROW_BLOCK, _>(done, blocks, entries.clone(), finish);
    weighted_row_sum_blocks::<1, _>(done, blocks, entries, finish);
}

/// [`weighted_row_sums`] for outputs from `from` on, in blocks of `N` while a whole block is
/// left; returns where it stopped.
#[inline(always)]
fn weighted_row_sum_blocks<const N: usize, I>(
    from: usize,
    (start, rows, width): (Option<&[f32]>, &[f32], usize),
    entries: I,
    finish: &mut impl FinishSums,
) -> usize
where
    I: Iterator<Item = (usize, f32)> + Clone,
{
    let mut offset = from;
    while offset + N <= width {
        let mut sums: [f32; N] = start.map_or([0.0; N], |start| block(start, offset));
        for (index, value) in entries.clone() {
            let row: [f32; N] = block(rows, index * width + offset);
            for (sum, weight) in sums.iter_mut().zip(row) {
                *sum += value * weight;
            }
        }
        finish.finish(offset, &sums);
        offset += N;
    }
    offset
}

/// `out = x w` for a block of dense rows: `out[r * width + c]` is the sum over j of
/// `x[r * inputs + j] * w[j * width + c]`, in j order from zero, zero x skipped.
///
/// Bit-identical to [`axpy`] of each non-zero x_rj times row j of w, row after row, but tiled:
/// four rows by sixteen outputs are summed in eight vector registers, so sums do not go through
/// memory between inputs, and four rows share each load of w.
#[inline(always)]
pub fn rows_times_matrix(x: &[f32], inputs: usize, w: &[f32], out: &mut [f32]) {
    let width = w.len() / inputs.max(1);
    let tiles = x
        .chunks(TILE * inputs.max(1))
        .zip(out.chunks_mut(TILE * width.max(1)));
    for (x, out) in tiles {
        if out.len() == TILE * width {
            product_tile::<TILE>(x, inputs, w, out);
        } else {
            let rows = x.chunks(inputs.max(1)).zip(out.chunks_mut(width.max(1)));
            rows.for_each(|(x, out)| product_tile::<1>(x, inputs, w, out));
        }
    }
}

/// Rows, or inputs, per tile of [`rows_times_matrix`] and [`add_transposed_product`].
const TILE: usize = 4;

/// [`rows_times_matrix`] for exactly `R` rows: sixteen outputs at a time, then eight, then one.
#[inline(always)]
fn product_tile<const R: usize>(x: &[f32], inputs: usize, w: &[f32], out: &mut [f32]) {
    let done = product_tile_columns::<R, 16>(0, x, inputs, w, out);
    let done = product_tile_columns::<R, 8>(done, x, inputs, w, out);
    product_tile_columns::<R, 1>(done, x, inputs, w, out);
}

/// [`product_tile`] for outputs from `from` on, `C` at a time while whole; returns where it
/// stopped.
#[inline(always)]
fn product_tile_columns<const R: usize, const C: usize>(
    from: usize,
    x: &[f32],
    inputs: usize,
    w: &[f32],
    out: &mut [f32],
) -> usize {
    let width = out.len() / R;
    let mut column = from;
    while column + C <= width {
        let mut sums = [[0f32; C]; R];
        for j in 0..inputs {
            let weights: [f32; C] = block(w, j * width + column);
            for (r, sums) in sums.iter_mut().enumerate() {
                let value = x[r * inputs + j];
                if value != 0.0 {
                    sums.iter_mut()
                        .zip(weights)
                        .for_each(|(sum, weight)| *sum += value * weight);
                }
            }
        }
        for (r, sums) in sums.iter().enumerate() {
            out[r * width + column..][..C].copy_from_slice(sums);
        }
        column += C;
    }
    column
}

/// `g += x^T y` for a block of dense rows: `g[j * width + c]` gains `x[r * inputs + j] *
/// y[r * width + c]` for each row r in order, zero x skipped.
///
/// Bit-identical to [`axpy`] of each non-zero x_rj times row r of y into row j of g, row after
/// row, but tiled: four inputs by sixteen outputs stay in vector registers over all the rows.
#[inline(always)]
pub fn add_transposed_product(x: &[f32], inputs: usize, y: &[f32], g: &mut [f32]) {
    let width = g.len() / inputs.max(1);
    let mut first = 0;
    while first + TILE <= inputs {
        transposed_tile::<TILE>(first, x, inputs, y, &mut g[first * width..]);
        first += TILE;
    }
    for j in first..inputs {
        transposed_tile::<1>(j, x, inputs, y, &mut g[j * width..]);
    }
}

/// [`add_transposed_product`] for the `J` inputs from `first` on, whose rows of g start `g`:
/// sixteen outputs at a time, then eight, then one.
#[inline(always)]
fn transposed_tile<const J: usize>(
    first: usize,
    x: &[f32],
    inputs: usize,
    y: &[f32],
    g: &mut [f32],
) {
    let done = transposed_tile_columns::<J, 16>(0, first, (x, inputs), y, g);
    let done = transposed_tile_columns::<J, 8>(done, first, (x, inputs), y, g);
    transposed_tile_columns::<J, 1>(done, first, (x, inputs), y, g);
}

/// [`transposed_tile`] for outputs from `from` on, `C` at a time while whole; returns where it
/// stopped.
#[inline(always)]
fn transposed_tile_columns<const J: usize, const C: usize>(
    from: usize,
    first: usize,
    (x, inputs): (&[f32], usize),
    y: &[f32],
    g: &mut [f32],
) -> usize {
    let rows = x.len() / inputs;
    let width = y.len() / rows.max(1);
    let mut column = from;
    while column + C <= width {
        let mut sums: [[f32; C]; J] = std::array::from_fn(|j| block(g, j * width + column));
        for r in 0..rows {
            let residuals: [f32; C] = block(y, r * width + column);
            for (j, sums) in sums.iter_mut().enumerate() {
                let value = x[r * inputs + first + j];
                if value != 0.0 {
                    sums.iter_mut()
                        .zip(residuals)
                        .for_each(|(sum, residual)| *sum += value * residual);
                }
            }
        }
        for (j, sums) in sums.iter().enumerate() {
            g[j * width + column..][..C].copy_from_slice(sums);
        }
        column += C;
    }
    column
}

/// `out[i * width + k] = start[k] + sum over j of x_ij * weights[j * width + k]`, skipping the
/// x_ij that are zero, for the `rows` rows of a matrix x given transposed (`columns[j * rows +
/// i]` is x_ij), `width = start.len()`.
///
/// Bit-identical to [`sum_weighted_rows`] on each row's non-zero values, but vectorised across
/// rows, which pays when the outputs are too few to fill a register (a network's output layer).
#[inline(always)]
pub fn sum_weighted_rows_transposed(
    start: &[f32],
    columns: &[f32],
    rows: usize,
    weights: &[f32],
    out: &mut [f32],
) {
    let done =
        weighted_rows_transposed_blocks::<NARROW_BLOCK>(0, start, columns, rows, weights, out);
    weighted_rows_transposed_blocks::<1>(done, start, columns, rows, weights, out);
}

/// [`sum_weighted_rows_transposed`] for rows from `from` on, `N` rows at a time while a whole
/// block is left; returns where it stopped.
#[inline(always)]
fn weighted_rows_transposed_blocks<const N: usize>(
    from: usize,
    start: &[f32],
    columns: &[f32],
    rows: usize,
    weights: &[f32],
    out: &mut [f32],
) -> usize {
    let width = start.len();
    // Input j's values are row j of `columns`, its weights row j of `weights`. (Made once:
    // making a chunks_exact divides.)
    let inputs = columns
        .chunks_exact(rows.max(1))
        .zip(weights.chunks_exact(width.max(1)));
    let mut first = from;
    while first + N <= rows {
        for (k, &initial) in start.iter().enumerate() {
            let mut sums = [initial; N];
            for (column, weight_row) in inputs.clone() {
                let (x, weight): ([f32; N], f32) = (block(column, first), weight_row[k]);
                for (sum, x) in sums.iter_mut().zip(x) {
                    // Adding -0.0 changes no value: the zeros are skipped without a branch.
                    *sum += if x != 0.0 { x * weight } else { -0.0 };
                }
            }
            for (i, sum) in sums.into_iter().enumerate() {
                out[(first + i) * width + k] = sum;
            }
        }
        first += N;
    }
    first
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
#[inline(always)]
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
    // Column k is row k of `columns`: whole chunks of 8 columns, then the rest.
    let (chunked, rest_columns) = columns[..x.len() * rows].split_at(whole * rows);
    let (x_chunked, x_rest) = x.split_at(whole);
    // Made once: making a chunks_exact divides.
    let chunks = chunked
        .chunks_exact(8 * rows.max(1))
        .zip(x_chunked.chunks_exact(8));
    let rest_chunks = rest_columns.chunks_exact(rows.max(1)).zip(x_rest);
    let mut first = from;
    while first + N <= rows {
        let mut partial = [[0f32; N]; 8];
        for (chunk, factors) in chunks.clone() {
            for (lane, (sums, &factor)) in partial.iter_mut().zip(factors).enumerate() {
                let values: [f32; N] = block(chunk, lane * rows + first);
                sums.iter_mut()
                    .zip(values)
                    .for_each(|(sum, v)| *sum += v * factor);
            }
        }
        // The rest is summed like `Iterator::sum`, which starts from -0.0.
        let mut rest = [-0f32; N];
        for (column, &factor) in rest_chunks.clone() {
            let values: [f32; N] = block(column, first);
            rest.iter_mut()
                .zip(values)
                .for_each(|(sum, v)| *sum += v * factor);
        }
        let p = &partial;
        for i in 0..N {
            // Without whole chunks the partial sums are all +0.0, and so is their total.
            let partial_total = if whole == 0 {
                0.0
            } else {
                ((p[0][i] + p[4][i]) + (p[1][i] + p[5][i]))
                    + ((p[2][i] + p[6][i]) + (p[3][i] + p[7][i]))
            };
            out[first + i] = partial_total + rest[i];
        }
        first += N;
    }
    first
}

/// `out[j * rows + i] = matrix[i * columns + j]` for the `rows x columns` row-major `matrix`.
#[inline(always)]
pub fn transpose(matrix: &[f32], rows: usize, columns: usize, out: &mut [f32]) {
    for (i, row) in matrix.chunks_exact(columns).take(rows).enumerate() {
        for (j, &value) in row.iter().enumerate() {
            out[j * rows + i] = value;
        }
    }
}

/// `values[i] = tanh(values[i])`, bit for bit what fdlibm's single-precision `tanhf` returns
/// (glibc's up to 2.40), in blocks the compiler vectorises: calling the C library once per value
/// cost a third of a network's training, most of it in mispredicted branches, and made the
/// results depend on the C library's version (glibc 2.41 returns correctly rounded values
/// instead, which sometimes differ in the last bit).
#[inline(always)]
pub fn tanh_in_place(values: &mut [f32]) {
    let mut blocks = values.chunks_exact_mut(NARROW_BLOCK);
    for block in &mut blocks {
        let mut lanes = [0f32; NARROW_BLOCK];
        for (lane, &x) in lanes.iter_mut().zip(block.iter()) {
            *lane = tanh_common(x);
        }
        let mut common = true;
        for &x in block.iter() {
            common &= is_common(x);
        }
        if common {
            block.copy_from_slice(&lanes);
        } else {
            block.iter_mut().for_each(|v| *v = tanh(*v));
        }
    }
    blocks
        .into_remainder()
        .iter_mut()
        .for_each(|v| *v = tanh(*v));
}

/// Whether [`tanh_common`] handles `x`: |x| >= 2^-25, not NaN (fdlibm's paths below are for
/// values too small to reach in training).
#[inline(always)]
fn is_common(x: f32) -> bool {
    (0x3300_0000..=0x7f80_0000).contains(&(x.to_bits() & 0x7fff_ffff))
}

/// fdlibm's `tanhf` (see [`tanh`]) on its common paths, without branches so that blocks of
/// values vectorise: every formula those paths need is computed and the answer selected
/// (for |x| < 1, k is -3..=0; for |x| >= 1, 3..=64). Garbage outside [`is_common`].
#[inline(always)]
fn tanh_common(x: f32) -> f32 {
    let magnitude = x.to_bits() & 0x7fff_ffff;
    let abs = f32::from_bits(magnitude);
    let at_least_one = abs >= 1.0;
    let twice = 2.0 * abs;
    let u = if at_least_one { twice } else { -twice };
    // expm1(u): u = k ln2 + r, k = 0 below ln2 / 2, -1 below 1.5 ln2 (u < 0 there), else
    // u / ln2 rounded half away from zero; with k = 0, r = u and the reduction changes nothing.
    let reduced = twice.to_bits() > 0x3eb1_7218;
    let near = twice.to_bits() < 0x3f85_1592;
    let nearest = INV_LN2 * u + if at_least_one { 0.5 } else { -0.5 };
    // Not `clamp`, which keeps NaN: max and min turn a garbage lane's NaN into a bound.
    #[allow(clippy::manual_clamp)]
    let nearest = nearest.max(-256.0).min(256.0);
    // SAFETY: finite and within i32 after the clamp (|nearest| < 64 for the arguments taken);
    // unlike `as`, the conversion needs no saturation checks, so it vectorises.
    let nearest: i32 = unsafe { nearest.to_int_unchecked() };
    let k = match (reduced, near) {
        (false, _) => 0,
        (true, true) => -1,
        (true, false) => nearest,
    };
    let (r, c) = reduce(u, k);
    let (unreduced, e) = expm1_reduced(r, c);
    let minus_one = 0.5 * (r - e) - 0.5;
    // k in 2..=22 and k <= -2 or > 56 share a formula but for its first and last terms.
    let small_k = (2..=22).contains(&k);
    let top = if small_k { one_less_2_to_minus(k) } else { 1.0 };
    let y = scale(top - (e - r), k);
    let shifted = if small_k { y } else { y - 1.0 };
    let large = scale((r - (e + two_to_minus(k))) + 1.0, k);
    let t = match k {
        0 => unreduced,
        -1 => minus_one,
        23..=56 => large,
        _ => shifted,
    };
    let q = if at_least_one { 2.0 } else { -t } / (t + 2.0);
    let z = if at_least_one { 1.0 - q } else { q };
    let z = if magnitude >= 0x41b0_0000 { 1.0 } else { z };
    f32::from_bits(z.to_bits() ^ (x.to_bits() & 0x8000_0000))
}

/// fdlibm's `tanhf`: for |x| < 1, -t / (t + 2) with t = expm1(-2|x|); for 1 <= |x| < 22,
/// 1 - 2 / (t + 2) with t = expm1(2|x|); sign restored; +-1 beyond 22; x (1 + x) below 2^-55;
/// NaN stays NaN.
///
/// The method and its constants are fdlibm's: Copyright (C) 1993 by Sun Microsystems, Inc. All
/// rights reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use,
/// copy, modify, and distribute this software is freely granted, provided that this notice is
/// preserved.
fn tanh(x: f32) -> f32 {
    let magnitude = x.to_bits() & 0x7fff_ffff;
    if magnitude > 0x7f80_0000 {
        return x + x;
    }
    if magnitude < 0x2400_0000 {
        return x * (1.0 + x);
    }
    let abs = f32::from_bits(magnitude);
    let z = if magnitude >= 0x41b0_0000 {
        1.0
    } else if abs >= 1.0 {
        1.0 - 2.0 / (expm1_for_tanh(2.0 * abs) + 2.0)
    } else {
        let t = expm1_for_tanh(-(2.0 * abs));
        -t / (t + 2.0)
    };
    if x.is_sign_negative() {
        -z
    } else {
        z
    }
}

/// 1 / ln2 and ln2 in two parts (the high part has trailing zeros, so k ln2_hi is exact).
const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b);
const LN2_HI: f32 = f32::from_bits(0x3f31_7180);
const LN2_LO: f32 = f32::from_bits(0x3717_f7d1);

/// fdlibm's `expm1f` for the arguments [`tanh`] passes (-2 <= x < 44): x = k ln2 + r,
/// |r| <= ln2 / 2, with r rounded into r + c; expm1(r) from a rational fit; then scaled by 2^k by
/// adding k to the exponent, the formula chosen by k as fdlibm chooses it.
fn expm1_for_tanh(x: f32) -> f32 {
    let magnitude = x.to_bits() & 0x7fff_ffff;
    if magnitude < 0x3300_0000 {
        return x;
    }
    let k = if magnitude <= 0x3eb1_7218 {
        0
    } else if magnitude < 0x3f85_1592 {
        if x < 0.0 {
            -1
        } else {
            1
        }
    } else {
        (INV_LN2 * x + if x < 0.0 { -0.5 } else { 0.5 }) as i32
    };
    let (r, c) = reduce(x, k);
    let (unreduced, e) = expm1_reduced(r, c);
    match k {
        0 => unreduced,
        -1 => 0.5 * (r - e) - 0.5,
        1 if r < -0.25 => -2.0 * (e - (r + 0.5)),
        1 => 1.0 + 2.0 * (r - e),
        2..=22 => scale(one_less_2_to_minus(k) - (e - r), k),
        23..=56 => scale((r - (e + two_to_minus(k))) + 1.0, k),
        _ => scale(1.0 - (e - r), k) - 1.0,
    }
}

/// `x - k ln2` as `r + c`, r rounded and c the rounding error (r = x, c = 0 for k = 0).
#[inline(always)]
fn reduce(x: f32, k: i32) -> (f32, f32) {
    let hi = x - k as f32 * LN2_HI;
    let lo = k as f32 * LN2_LO;
    let r = hi - lo;
    (r, (hi - r) - lo)
}

/// For |r| <= ln2 / 2 and its rounding error c: fdlibm's expm1(r) when nothing was reduced,
/// and the correction term `e` the scaled formulas use otherwise.
#[inline(always)]
fn expm1_reduced(r: f32, c: f32) -> (f32, f32) {
    const Q: [f32; 5] = [
        f32::from_bits(0xbd08_8889),
        f32::from_bits(0x3ad0_0d01),
        f32::from_bits(0xb8a6_70cd),
        f32::from_bits(0x3686_7e54),
        f32::from_bits(0xb457_edbb),
    ];
    let half = 0.5 * r;
    let square_half = r * half;
    let q = Q[3] + square_half * Q[4];
    let q = Q[2] + square_half * q;
    let q = Q[1] + square_half * q;
    let q = Q[0] + square_half * q;
    let r1 = 1.0 + square_half * q;
    let t = 3.0 - r1 * half;
    let e = square_half * ((r1 - t) / (6.0 - r * t));
    let unreduced = r - (r * e - square_half);
    (unreduced, (r * (e - c) - c) - square_half)
}

/// `y * 2^k`, by adding k to y's exponent.
#[inline(always)]
fn scale(y: f32, k: i32) -> f32 {
    f32::from_bits((y.to_bits() as i32).wrapping_add(k.wrapping_shl(23)) as u32)
}

/// 2^-k for 23 <= k <= 56 (garbage otherwise).
#[inline(always)]
fn two_to_minus(k: i32) -> f32 {
    f32::from_bits(0x7f_i32.wrapping_sub(k).wrapping_shl(23) as u32)
}

/// 1 - 2^-k for 2 <= k <= 22 (garbage otherwise).
#[inline(always)]
fn one_less_2_to_minus(k: i32) -> f32 {
    f32::from_bits(0x3f80_0000 - 0x0100_0000u32.wrapping_shr(k as u32))
}

/// `exp` of every value, the same bit for bit on every machine and instruction set.
///
/// fdlibm's `exp` (error below one ulp; against 200-bit arithmetic on 20,000 points in
/// [-700, 700], at most 0.79 ulp and 90% correctly rounded, where glibc 2.36 rounds 99.9%
/// correctly): x = k ln2 + r with |r| <= ln2 / 2, exp(r) from a
/// rational fit, scaled by 2^k. Blocks of values between -708 and 708 (every result a normal
/// number) take one branch-free formula, which vectorises (four lanes with AVX2); blocks with a
/// value outside, NaN or infinite go value by value. Written out rather than calling the C
/// library so that a block of exponentials vectorises, which calls cannot, and so that its bits
/// do not depend on the C library's version or on which of its variants (FMA or not) the
/// machine picks.
#[inline(always)]
pub fn exp_in_place(values: &mut [f64]) {
    let mut blocks = values.chunks_exact_mut(EXP_BLOCK);
    for block in &mut blocks {
        let mut lanes = [0f64; EXP_BLOCK];
        let mut common = true;
        for (lane, &x) in lanes.iter_mut().zip(block.iter()) {
            *lane = exp_common(x);
            common &= x.abs() <= EXP_COMMON_BOUND;
        }
        if common {
            block.copy_from_slice(&lanes);
        } else {
            block.iter_mut().for_each(|v| *v = exp(*v));
        }
    }
    blocks
        .into_remainder()
        .iter_mut()
        .for_each(|v| *v = exp(*v));
}

/// Values per block of [`exp_in_place`]: two AVX2 vectors.
const EXP_BLOCK: usize = 8;
/// The arguments [`exp_common`] takes: k stays within -1021..=1021, so 2^k is a normal number.
const EXP_COMMON_BOUND: f64 = 708.0;

/// fdlibm's `exp`: +inf above ln(f64::MAX), 0 below ln of the least subnormal, NaN for NaN;
/// otherwise `exp_reduced(x) * 2^k`, in two steps where 2^k would be subnormal.
///
/// The method and its constants are fdlibm's: Copyright (C) 2004 by Sun Microsystems, Inc. All
/// rights reserved. Permission to use, copy, modify, and distribute this software is freely
/// granted, provided that this notice is preserved.
pub fn exp(x: f64) -> f64 {
    const OVERFLOW: f64 = f64::from_bits(0x4086_2e42_fefa_39ef);
    const UNDERFLOW: f64 = f64::from_bits(0xc087_4910_d52d_3051);
    if x.is_nan() {
        return x + x;
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    if x < UNDERFLOW {
        return 0.0;
    }
    let (kf, _, y) = exp_reduced(x);
    let k = kf as i64;
    if k == 1024 {
        y * 2.0 * f64::from_bits(0x7fe0_0000_0000_0000)
    } else if k >= -1021 {
        y * two_to(k)
    } else {
        y * two_to(k + 1000) * f64::from_bits(0x0170_0000_0000_0000)
    }
}

/// [`exp`] for |x| <= [`EXP_COMMON_BOUND`], without branches (garbage outside).
#[inline(always)]
fn exp_common(x: f64) -> f64 {
    let (_, shifted, y) = exp_reduced(x);
    // k sits in the low bits of `shifted` above bits 0..12 that are zero; with 1023 added, the
    // low twelve bits are k's biased exponent.
    y * f64::from_bits(shifted.wrapping_add(1023).wrapping_shl(52))
}

/// x = k ln2 + r with k = x / ln2 rounded to nearest; returns k, the bits of k + 1.5 * 2^52
/// (k in the low bits) and fdlibm's exp(r), 1 - ((lo - r c / (2 - c)) - hi), where `r = hi - lo`
/// and c = r - r^2 P(r^2).
#[inline(always)]
fn exp_reduced(x: f64) -> (f64, u64, f64) {
    const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const P: [f64; 5] = [
        f64::from_bits(0x3fc5_5555_5555_553e),
        f64::from_bits(0xbf66_c16c_16be_bd93),
        f64::from_bits(0x3f11_566a_af25_de2c),
        f64::from_bits(0xbebb_bd41_c5d2_6bf1),
        f64::from_bits(0x3e66_3769_72be_a4d0),
    ];
    // Adding 1.5 * 2^52 rounds to the nearest integer, which lands in the low bits of the sum.
    const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000);
    let shifted = x * INV_LN2 + SHIFT;
    let kf = shifted - SHIFT;
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let t = r * r;
    let c = r - t * (P[0] + t * (P[1] + t * (P[2] + t * (P[3] + t * P[4]))));
    (
        kf,
        shifted.to_bits(),
        1.0 - ((lo - (r * c) / (2.0 - c)) - hi),
    )
}

/// 2^k for -1022 <= k <= 1023, from its exponent bits.
#[inline(always)]
fn two_to(k: i64) -> f64 {
    f64::from_bits((k.wrapping_add(1023) as u64).wrapping_shl(52))
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
    /// Whether every non-zero value is 1.0.
    binary: bool,
}

impl<'a> SparseRows<'a> {
    /// The non-zero features of `rows`.
    pub fn of(rows: Rows<'a>) -> Self {
        let mut sparse = SparseRows {
            rows,
            index: rows.data.sparse(),
            binary: false,
        };
        let mut entries = (0..rows.len()).flat_map(|row| sparse.entries(row));
        sparse.binary = entries.all(|(_, value)| value == 1.0);
        sparse
    }

    /// Whether every non-zero value is 1.0 (binary records, such as purchase histories).
    pub fn is_binary(&self) -> bool {
        self.binary
    }

    /// The non-zero (feature, value) entries of row `row`, by feature, read in place.
    #[inline(always)]
    pub fn entries(&self, row: usize) -> RowEntries<'a> {
        let id = self.rows.ids[row];
        match self.index {
            Some(index) => RowEntries::Indexed(index.row(id).iter()),
            None => {
                let values = self.rows.data.features.row(id.index()).to_slice();
                RowEntries::Scanned(values.expect("rows are contiguous").iter().enumerate())
            }
        }
    }
}

/// The non-zero entries of one row (see [`SparseRows::entries`]).
#[derive(Debug, Clone)]
pub enum RowEntries<'a> {
    /// From the dataset's sparse index.
    Indexed(std::slice::Iter<'a, (u32, f32)>),
    /// Scanned from the dense row.
    Scanned(std::iter::Enumerate<std::slice::Iter<'a, f32>>),
}

impl Iterator for RowEntries<'_> {
    type Item = (usize, f32);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, f32)> {
        match self {
            RowEntries::Indexed(entries) => entries.next().map(|&(j, v)| (j as usize, v)),
            RowEntries::Scanned(values) => values.find(|(_, &v)| v != 0.0).map(|(j, &v)| (j, v)),
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

    /// The bits of each value, to compare results exactly.
    fn bits(values: &[f32]) -> Vec<u32> {
        values.iter().map(|x| x.to_bits()).collect()
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
            assert_eq!(bits(&out), bits(&expected), "width {width}");
        }
    }

    #[test]
    fn transposed_and_fused_sums_match_sum_weighted_rows_bit_for_bit() {
        for (rows, inputs, width) in [(1, 1, 1), (16, 128, 2), (9, 13, 3), (20, 7, 10)] {
            let x = awkward(rows * inputs, 13);
            let weights = awkward(inputs * width, 17);
            let start = awkward(width, 19);
            let mut columns = vec![0.0; rows * inputs];
            transpose(&x, rows, inputs, &mut columns);
            let mut out = vec![f32::NAN; rows * width];
            sum_weighted_rows_transposed(&start, &columns, rows, &weights, &mut out);
            for (i, row) in x.chunks_exact(inputs).enumerate() {
                let non_zero = row.iter().copied().enumerate().filter(|&(_, v)| v != 0.0);
                let mut expected = vec![f32::NAN; width];
                sum_weighted_rows(&start, non_zero, &weights, &mut expected);
                assert_eq!(bits(&out[i * width..(i + 1) * width]), bits(&expected));
            }
            let entries = (0..inputs).map(|j| (j, x[j]));
            let zeros = vec![0.0; width];
            let mut summed = vec![f32::NAN; width];
            sum_weighted_rows(&zeros, entries.clone(), &weights, &mut summed);
            let (mut expected, mut fused) = (start.clone(), start.clone());
            axpy(-0.3, &summed, &mut expected);
            axpy_weighted_rows(-0.3, entries, &weights, &mut fused);
            assert_eq!(bits(&fused), bits(&expected));
        }
    }

    #[test]
    fn tanh_blocks_match_the_scalar_method_and_glibc_2_36() {
        // Spread over every exponent and sign, NaN and infinities included.
        let mut inputs: Vec<f32> = (0..u32::MAX / 997)
            .map(|i| f32::from_bits(i * 997))
            .collect();
        let mut expected: Vec<f32> = inputs.iter().map(|&x| tanh(x)).collect();
        tanh_in_place(&mut inputs);
        for (got, want) in inputs.iter().zip(&expected) {
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
        }
        // fdlibm's answers (glibc 2.36's tanhf, which agrees with `tanh_in_place` on all 2^32
        // inputs), at the edges of its paths.
        let known: [(u32, u32); 13] = [
            (0x3300_0000, 0x3300_0000),
            (0x3a83_126f, 0x3a83_126c),
            (0x3e80_0000, 0x3e7a_cbf5),
            (0x3eb1_7218, 0x3eaa_aaab),
            (0x3f3f_ffff, 0x3f22_991f),
            (0x3f7f_ffff, 0x3f42_f7d5),
            (0x3f80_0000, 0x3f42_f7d6),
            (0x3fc0_0001, 0x3f67_b7cc),
            (0x4040_0000, 0x3f7e_bbe9),
            (0x40ef_ffff, 0x3f7f_fff6),
            (0x4120_0000, 0x3f80_0000),
            (0x41b0_0000, 0x3f80_0000),
            (0x0000_0001, 0x0000_0001),
        ];
        for (x, y) in known {
            for sign in [0, 0x8000_0000] {
                expected = vec![f32::from_bits(x | sign); 9];
                tanh_in_place(&mut expected);
                assert!(
                    expected.iter().all(|v| v.to_bits() == y | sign),
                    "tanh({x:#x})"
                );
            }
        }
    }

    #[test]
    fn exp_blocks_match_the_scalar_method_within_one_ulp_of_the_c_library() {
        // Spread over every exponent and sign, NaN and infinities included.
        let mut inputs: Vec<f64> = (0..1_000_003u64)
            .map(|i| f64::from_bits(i.wrapping_mul(18_446_744_073_709)))
            .collect();
        // And densely over the range with finite non-zero results, subnormal ones included.
        inputs.extend((0..2_000_000).map(|i| -745.2 + 1455.0 * f64::from(i) / 2e6));
        let expected: Vec<f64> = inputs.iter().map(|&x| exp(x)).collect();
        let mut blocks = inputs.clone();
        exp_in_place(&mut blocks);
        for ((x, got), want) in inputs.iter().zip(&blocks).zip(&expected) {
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
            let libm = x.exp();
            if libm.is_nan() {
                assert!(got.is_nan(), "exp({x:e})");
                continue;
            }
            let ulps = got.to_bits().abs_diff(libm.to_bits());
            assert!(
                ulps <= 1,
                "exp({x:e}) = {got:e}, the C library says {libm:e}"
            );
        }
        let edges = [
            (0.0, 1.0),
            (-0.0, 1.0),
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
            (710.0, f64::INFINITY),
            (-746.0, 0.0),
        ];
        for (x, want) in edges {
            assert_eq!(exp(x), want, "exp({x})");
        }
        assert!(exp(709.78).is_finite() && exp(-745.0) > 0.0);
    }

    #[test]
    fn tiled_products_are_axpy_row_after_row_bit_for_bit() {
        for (rows, inputs, width) in [(1, 1, 1), (3, 5, 8), (4, 16, 32), (9, 7, 26), (130, 16, 40)]
        {
            let x = awkward(rows * inputs, 3);
            let w = awkward(inputs * width, 5);
            let mut expected = vec![0.0; rows * width];
            for (x, out) in x.chunks(inputs).zip(expected.chunks_mut(width)) {
                for (j, &value) in x.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                    axpy(value, &w[j * width..(j + 1) * width], out);
                }
            }
            let mut out = vec![f32::NAN; rows * width];
            rows_times_matrix(&x, inputs, &w, &mut out);
            assert_eq!(bits(&out), bits(&expected), "{rows} x {inputs} x {width}");

            let y = awkward(rows * width, 11);
            let mut expected = awkward(inputs * width, 13);
            let mut g = expected.clone();
            for (x, y) in x.chunks(inputs).zip(y.chunks(width)) {
                for (j, &value) in x.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                    axpy(value, y, &mut expected[j * width..(j + 1) * width]);
                }
            }
            add_transposed_product(&x, inputs, &y, &mut g);
            assert_eq!(bits(&g), bits(&expected), "{rows} x {inputs} x {width}");
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
