//! Portable kernels: plain Rust that runs on every target and is the oracle the SIMD tiers
//! are tested against: the int8 dot and matrix products, activation-row quantization, and
//! the attention rows with their polynomial `exp`.
//!
//! The int8 dot product is exact integer arithmetic: `Σ a_i b_i` with |a_i|, |b_i| ≤ 128 fits
//! an i32 for any length below 2^17 (128² · (2^17 − 1) < 2^31), and the scorer's widths are
//! far smaller, so every tier returns bit-identical results.

/// `Σ_i a[i] · b[i]` in i32. `a` and `b` have the same length.
#[inline]
pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    debug_assert_eq!(a.len(), b.len());
    // Four independent sums let the compiler vectorise the loop without a SIMD tier.
    let mut acc = [0i32; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..4 {
            acc[k] += i32::from(x[k]) * i32::from(y[k]);
        }
    }
    let mut sum = acc[0] + acc[1] + acc[2] + acc[3];
    for (&x, &y) in ca.remainder().iter().zip(cb.remainder()) {
        sum += i32::from(x) * i32::from(y);
    }
    sum
}

/// `out[i·cols + o] = Σ_k x[i·k_len + k] · w[o·k_len + k]` for every row `i` of `x`
/// (`x.len() / k_len` rows, or `out.len() / cols` when `k_len = 0`) and `o < cols`.
pub(crate) fn matmul_i8(x: &[i8], w: &[i8], k_len: usize, cols: usize, out: &mut [i32]) {
    if cols == 0 {
        return;
    }
    let rows = out.len() / cols;
    for i in 0..rows {
        let xi = &x[i * k_len..(i + 1) * k_len];
        let oi = &mut out[i * cols..(i + 1) * cols];
        for (o, slot) in oi.iter_mut().enumerate() {
            *slot = dot_i8(xi, &w[o * k_len..(o + 1) * k_len]);
        }
    }
}

/// Quantizes one row symmetrically: `scale = max|x| / 127`, `q = round(x / scale)` in
/// [−127, 127]; returns `scale` (0 for an all-zero row, which then quantizes to zeros).
pub(crate) fn quantize_row(x: &[f32], q: &mut [i8]) -> f32 {
    debug_assert_eq!(x.len(), q.len());
    let max = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        q.fill(0);
        return 0.0;
    }
    let scale = max / 127.0;
    let inv = 127.0 / max;
    // Round half to even by adding and removing 1.5·2^23 (exact for |v| < 2^22): unlike
    // `f32::round`, which is a libm call on baseline x86-64, this vectorises.
    const MAGIC: f32 = 12_582_912.0;
    for (qi, &xi) in q.iter_mut().zip(x) {
        // |xi · inv| ≤ 127 up to rounding, and the clamp keeps it so.
        *qi = (((xi * inv).clamp(-127.0, 127.0) + MAGIC) - MAGIC) as i8;
    }
    scale
}

/// `h = softmax_rows(q kᵀ / τ) v + v` for one candidate (the math: `cross.rs`).
///
/// Vectorised over the rows `a` of the attention matrix, eight at a time: each of the eight
/// lanes holds one row and walks `b = 0 … r−1` in order, so there is no horizontal sum and
/// one division per row. The AVX2 kernel performs the same operations in the same order
/// and is bit-identical. (Lanes past the last row compute `exp(0)` and are discarded.)
#[inline]
pub(crate) fn attend(v: &[f32], q: &[f32], k: &[f32], tau: f32, h: &mut [f32]) {
    let r = k.len();
    let (kmin, kmax) = k_range(k);
    for a0 in (0..r).step_by(8) {
        let (qa, max) = row_setup(q, a0, tau, kmin, kmax);
        let (mut den, mut num) = ([0f32; 8], [0f32; 8]);
        for (&kb, &vb) in k.iter().zip(v) {
            for j in 0..8 {
                let e = exp_nonpositive(qa[j] * kb - max[j]);
                den[j] += e;
                num[j] += e * vb;
            }
        }
        for j in 0..(r - a0).min(8) {
            // den ≥ 1 − rounding (the row's maximum term is exp(0)): the division is safe.
            h[a0 + j] = num[j] / den[j] + v[a0 + j];
        }
    }
}

/// `(min k, max k)`.
#[inline]
pub(crate) fn k_range(k: &[f32]) -> (f32, f32) {
    k.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

/// For rows `a0 .. a0 + 8` (zero past the end): `q_a / τ` and the row maximum of
/// `(q_a / τ) · k_b`, which is `(q_a / τ) · max(k)` when `q_a ≥ 0`, else `(q_a / τ) · min(k)`
/// (one of the computed products exactly, since rounding is monotone).
#[inline]
pub(crate) fn row_setup(q: &[f32], a0: usize, tau: f32, kmin: f32, kmax: f32) -> ([f32; 8], [f32; 8]) {
    let (mut qa, mut max) = ([0f32; 8], [0f32; 8]);
    for (j, &qj) in q[a0..].iter().take(8).enumerate() {
        qa[j] = qj / tau;
        max[j] = if qa[j] >= 0.0 { qa[j] * kmax } else { qa[j] * kmin };
    }
    (qa, max)
}

/// ln 2 = LN2_HI + LN2_LO, with LN2_HI short enough that `n · LN2_HI` is exact for |n| ≤ 127.
pub(crate) const LN2_HI: f32 = 0.693_145_75;
pub(crate) const LN2_LO: f32 = 1.428_606_8e-6;

/// `exp(x)` for `x ≤ 0` (inputs below −87 give ≈ exp(−87), negligible next to the row's
/// maximum term 1), relative error ≈ 2e-7, branch-free so that the softmax loops vectorise
/// (the libm call was a third of the scorer's time).
///
/// `exp(x) = 2^n · exp(r)` with `n = round(x / ln 2)` (taken from the bits of a float add of
/// 1.5·2^23, which rounds to nearest), `r = x − n ln 2 ∈ [−ln2/2, ln2/2]` (ln 2 split in two
/// parts so that `n ln 2` is exact), `exp(r)` by its degree-6 Taylor polynomial (truncation
/// error `r^7/7! ≤ 1.2e-7`), and `2^n` built from its exponent bits (`n ≥ −126`: normal).
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
    let x = x.clamp(-87.0, 0.0);
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let ni = shifted.to_bits() as i32 - MAGIC.to_bits() as i32;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    p * f32::from_bits(((ni + 127) << 23) as u32)
}

/// `Σ a_j b_j` in f32 with eight independent partial sums (vectorisable, and no slower to
/// round than a single running sum). The order is part of the contract (the AVX2 kernel
/// repeats it): lane `k` sums `a_j b_j` for `j ≡ k (mod 8)` over the full chunks of eight,
/// the tail is summed on its own, and the result is
/// `((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)) + tail`.
#[inline]
pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `y[i·out + o] = Σ_j w[o·inp + j] · x[i·stride + offset + j]` ([`dot_f32`] per output)
/// for `rows` rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_f32(
    x: &[f32],
    stride: usize,
    offset: usize,
    rows: usize,
    w: &[f32],
    inp: usize,
    out: usize,
    y: &mut [f32],
) {
    for i in 0..rows {
        let xi = &x[i * stride + offset..i * stride + offset + inp];
        let yi = &mut y[i * out..(i + 1) * out];
        for (o, yo) in yi.iter_mut().enumerate() {
            *yo = dot_f32(&w[o * inp..(o + 1) * inp], xi);
        }
    }
}
