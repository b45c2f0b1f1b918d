//! Portable kernels: plain Rust that runs on every target and is the oracle the SIMD tiers
//! are tested against: the int8 matrix product, weight and activation-row quantization, and
//! the attention rows with their polynomial `exp`, and the f32 matrix product.
//!
//! The int8 product is exact integer arithmetic: `Σ x_k q_k` with 0 ≤ x_k ≤ 127 and
//! |q_k| ≤ 128 fits an i32 for any length below 2^17 (127 · 128 · 2^17 < 2^31), and the
//! scorer's widths are far smaller, so every tier returns bit-identical results.

use super::fused::fma;
use super::{ActivationRows, Dequant, Epilogue, Post, QuantizedRows, KC, K_GROUP, NR, NR_I8};

/// `q [rows, k_pad]` (row-major, `k_pad` a multiple of [`K_GROUP`]) repacked for
/// [`gemm_u8i8_f32`]: panels of [`NR_I8`] outputs, and in a panel, for each group of four `k`,
/// the four bytes of output 0, then of output 1, … (64 bytes per group; zero past `rows`).
pub(crate) fn pack_i8(q: &[i8], rows: usize, k_pad: usize) -> Vec<i8> {
    debug_assert_eq!(k_pad % K_GROUP, 0);
    let groups = k_pad / K_GROUP;
    let mut packed = vec![0i8; rows.div_ceil(NR_I8) * groups * NR_I8 * K_GROUP];
    for o in 0..rows {
        let (p, j) = (o / NR_I8, o % NR_I8);
        for g in 0..groups {
            let dst = ((p * groups + g) * NR_I8 + j) * K_GROUP;
            packed[dst..dst + K_GROUP].copy_from_slice(&q[o * k_pad + g * K_GROUP..][..K_GROUP]);
        }
    }
    packed
}

/// `Σ_k x[k] · q[o0 + j, k]` (exact, in i32) for the [`NR_I8`] outputs `j` of one panel
/// (zero past the matrix's last output) and one row `x` of unsigned 7-bit activations.
fn panel_row_sums(x: &[u8], panel: &[i8]) -> [i32; NR_I8] {
    let mut sum = [0i32; NR_I8];
    for (xg, wg) in x.chunks_exact(K_GROUP).zip(panel.chunks_exact(NR_I8 * K_GROUP)) {
        for (j, wj) in wg.chunks_exact(K_GROUP).enumerate() {
            for t in 0..K_GROUP {
                sum[j] += i32::from(xg[t]) * i32::from(wj[t]);
            }
        }
    }
    sum
}

/// `y[i·out + o] = ep(d[i, o])` with `d[i, o] = (acc[i, o] − z_i · r_o) as f32 · (s_o · t_i)`
/// and `acc[i, o] = Σ_k x[i·k_pad + k] · q[o, k]` (exact, in i32), for `rows` rows of
/// unsigned 7-bit activations `x` and the weights packed by [`pack_i8`]: the int8 product
/// dequantized (see `quant.rs`; `a − z·r` is exact in i32, converted with one rounding,
/// times the f32 product `s·t`) and finished by the epilogue, per element.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_u8i8_f32(
    x: &[u8],
    k_pad: usize,
    rows: usize,
    wp: &[i8],
    out: usize,
    dq: &Dequant<'_>,
    ep: &Epilogue<'_>,
    y: &mut [f32],
) {
    ep.check(rows, out);
    dq.check(rows, out);
    let groups = k_pad / K_GROUP;
    for p in 0..out.div_ceil(NR_I8) {
        let (o0, width) = (p * NR_I8, (out - p * NR_I8).min(NR_I8));
        let panel = &wp[p * groups * NR_I8 * K_GROUP..(p + 1) * groups * NR_I8 * K_GROUP];
        for i in 0..rows {
            let acc = panel_row_sums(&x[i * k_pad..(i + 1) * k_pad], panel);
            let (t, z) = (dq.scales[i], dq.zeros[i]);
            let mut d = [0f32; NR_I8];
            for j in 0..width {
                let (r, s) = (dq.row_sum[o0 + j], dq.wscale[o0 + j]);
                // Exact in i32: |acc| and |z · r_o| are below 127 · 128 · k_pad.
                d[j] = (acc[j] - z * r) as f32 * (s * t);
            }
            finish_run(&d[..width], o0, i * out + o0, ep, y);
        }
    }
}

/// Round half to even by adding and removing 1.5·2^23 (exact for |v| < 2^22): unlike
/// `f32::round`, which is a libm call on baseline x86-64, this vectorises, and it is the
/// rounding of `vcvtps2dq`.
#[inline(always)]
fn round_even(v: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (v + MAGIC) - MAGIC
}

/// The range of one activation row: `(t, inv, z)` with `lo = min(0, min x)`,
/// `hi = max(0, max x)`, `t = (hi − lo) / 127`, `inv = 127 / (hi − lo)` and the zero point
/// `z = round(−lo · inv)` ∈ [0, 127]; `(0, 0, 0)` when the row is all zero. Every tier
/// calls this (the AVX2 one after its own min/max, which is exact).
#[inline]
pub(crate) fn u7_params(lo: f32, hi: f32) -> (f32, f32, i32) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let range = hi - lo;
    let inv = 127.0 / range;
    // A zero range, or one so small (below about 4e-37) that `127 / range` overflows: the
    // row quantizes to zeros with scale 0 (its values are that small anyway), rather than
    // multiplying by infinity.
    if range == 0.0 || !inv.is_finite() {
        return (0.0, 0.0, 0);
    }
    (range / 127.0, inv, (round_even(-lo * inv) as i32).clamp(0, 127))
}

/// Quantizes one activation row to unsigned 7 bits with a zero point (see `quant.rs`):
/// `p = clamp(round(x · inv) + z, 0, 127)`, so `x ≈ t · (p − z)`; returns `(t, z)`.
pub(crate) fn quantize_row_u7(x: &[f32], q: &mut [u8]) -> (f32, i32) {
    debug_assert_eq!(x.len(), q.len());
    let (lo, hi) = x.iter().fold((0f32, 0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (t, inv, z) = u7_params(lo, hi);
    quantize_tail_u7(x, q, inv, z);
    (t, z)
}

/// Quantizes the activation rows `src` into `dst`: [`quantize_row_u7`] row by row, the pad
/// past each row zero.
pub(crate) fn quantize_rows_u7(src: ActivationRows<'_>, dst: &mut QuantizedRows<'_>) {
    let (width, k_pad) = (src.width, dst.k_pad);
    for i in 0..src.rows {
        let row = &mut dst.q[i * k_pad..(i + 1) * k_pad];
        (dst.scales[i], dst.zeros[i]) = quantize_row_u7(src.row(i), &mut row[..width]);
        row[width..].fill(0);
    }
}

/// `q = clamp(round(x · inv) + z, 0, 127)` value by value.
#[inline]
pub(crate) fn quantize_tail_u7(x: &[f32], q: &mut [u8], inv: f32, z: i32) {
    for (qi, &xi) in q.iter_mut().zip(x) {
        *qi = to_i32_like_cvtps(round_even(xi * inv)).wrapping_add(z).clamp(0, 127) as u8;
    }
}

/// `v` (already rounded) as AVX2's `vcvtps2dq` converts it: `i32::MIN`, the "integer
/// indefinite", for NaN and for values outside the `i32` range, where `as i32` would give 0
/// or saturate. Only non-finite activations reach those cases; the tiers then still agree.
#[inline]
fn to_i32_like_cvtps(v: f32) -> i32 {
    if (-2_147_483_648.0..2_147_483_648.0).contains(&v) {
        v as i32
    } else {
        i32::MIN
    }
}

/// Quantizes one weight row symmetrically: `scale = max|x| / 127`, `q = round(x / scale)` in
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
    for (qi, &xi) in q.iter_mut().zip(x) {
        // |xi · inv| ≤ 127 up to rounding, and the clamp keeps it so.
        *qi = round_even((xi * inv).clamp(-127.0, 127.0)) as i8;
    }
    scale
}

/// `h = softmax_rows(q kᵀ / τ) v + v` for one candidate (the math: `cross.rs`).
///
/// Vectorised over the rows `a` of the attention matrix, eight at a time: each of the eight
/// lanes holds one row and walks `b = 0 … r−1` in order, so there is no horizontal sum and
/// one division per row. The AVX2 kernel performs the same operations in the same order
/// and is bit-identical. (Lanes past the last row compute `2^0` and are discarded.)
#[inline]
pub(crate) fn attend(v: &[f32], q: &[f32], k: &[f32], tau: f32, h: &mut [f32]) {
    let r = k.len();
    let (kmin, kmax) = k_range(k);
    let c = std::f32::consts::LOG2_E / tau;
    for a0 in (0..r).step_by(8) {
        let (sa, max) = row_setup(q, a0, c, kmin, kmax);
        let (mut den, mut num) = ([0f32; 8], [0f32; 8]);
        for (&kb, &vb) in k.iter().zip(v) {
            for j in 0..8 {
                let e = exp2_nonpositive(fma(sa[j], kb, -max[j]));
                den[j] += e;
                num[j] = fma(e, vb, num[j]);
            }
        }
        for j in 0..(r - a0).min(8) {
            // den ≳ 1 (the row's maximum term is 2^t with 0 ≤ t ≤ |max|·2⁻²⁴, cross.rs): the
            // division is safe.
            h[a0 + j] = num[j] / den[j] + v[a0 + j];
        }
    }
}

/// [`attend`] for `rows` candidates whose `v`, `q`, `k` are columns `[0, r)`, `[r, 2r)` and
/// `[2r, 3r)` of `proj`'s rows (stride `p ≥ 3r`), into `h` (`rows × r`).
pub(crate) fn attend_rows(proj: &[f32], p: usize, r: usize, rows: usize, tau: f32, h: &mut [f32]) {
    for (pi, hi) in proj.chunks(p).zip(h.chunks_exact_mut(r)).take(rows) {
        attend(&pi[..r], &pi[r..2 * r], &pi[2 * r..3 * r], tau, hi);
    }
}

/// `(min k, max k)`.
#[inline]
pub(crate) fn k_range(k: &[f32]) -> (f32, f32) {
    k.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

/// For rows `a0 .. a0 + 8` (zero past the end): `s_a = q_a · c` (`c = log2(e) / τ`) and the
/// row maximum of `s_a · k_b`, which is `s_a · max(k)` when `s_a ≥ 0`, else `s_a · min(k)`
/// (one of the computed products exactly, since rounding is monotone).
#[inline]
pub(crate) fn row_setup(q: &[f32], a0: usize, c: f32, kmin: f32, kmax: f32) -> ([f32; 8], [f32; 8]) {
    let (mut sa, mut max) = ([0f32; 8], [0f32; 8]);
    for (j, &qj) in q[a0..].iter().take(8).enumerate() {
        sa[j] = qj * c;
        max[j] = if sa[j] >= 0.0 { sa[j] * kmax } else { sa[j] * kmin };
    }
    (sa, max)
}

/// 1.5 · 2^23 + 127: adding it to `t ∈ [−126, ½]` rounds `t` to an integer `n` and leaves
/// `n + 127` (the biased exponent of `2^n`) in the low mantissa bits.
pub(crate) const EXP2_SHIFT: f32 = 12_583_039.0;
/// `2^f ≈ 1 + f·(P[0] + f·(P[1] + f·(P[2] + f·(P[3] + f·P[4]))))` on `f ∈ [−½, ½]`: a
/// degree-5 polynomial fitted for least maximum relative error with the constant term fixed
/// at 1 (so `2^0 = 1` exactly); relative error 9e-8 in exact arithmetic, 1.5e-7 evaluated
/// in f32 by Horner's rule with fused multiply-adds (1.8e-7 unfused). (The first
/// coefficient is the fit's, near ln 2 but not ln 2.)
#[allow(clippy::approx_constant)]
pub(crate) const EXP2_POLY: [f32; 5] =
    [0.693_147, 0.240_222_42, 0.055_507_34, 0.009_671_509, 0.001_326_469_8];

/// `2^t` for `t ≤ ½` (inputs below −126 give 2^−126, negligible next to the row's maximum
/// term 1), relative error ≤ 2e-7, branch-free so that the softmax loops vectorise. The
/// callers' exponents are ≤ 0 up to one rounding error of a fused multiply-add (`cross.rs`),
/// so the small positive side matters too.
///
/// `n = round(t)` from a float add of [`EXP2_SHIFT`] (exact: the sum lies in [2^23, 2^24),
/// where floats are the integers), `f = t − n ∈ [−½, ½]` (exact), `2^f` by [`EXP2_POLY`],
/// and `2^n` by shifting the low bits of the sum, `n + 127`, into the exponent field
/// (`n ≥ −126`: a normal float). Working in base 2 (the caller folds log2(e) into `q`)
/// saves the split-ln2 range reduction of `exp`, and the degree-5 polynomial on
/// `[−½, ½]` one multiply-add of the degree-6 one `exp` needed on `[−ln2/2, ln2/2]`.
#[inline(always)]
pub(crate) fn exp2_nonpositive(t: f32) -> f32 {
    let t = t.max(-126.0);
    let shifted = t + EXP2_SHIFT;
    let f = t - (shifted - EXP2_SHIFT);
    let [p1, p2, p3, p4, p5] = EXP2_POLY;
    let p = fma(f, fma(f, fma(f, fma(f, fma(f, p5, p4), p3), p2), p1), 1.0);
    p * f32::from_bits(shifted.to_bits() << 23)
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

/// `W [out, inp]` (row-major) repacked into panels of [`NR`] outputs for [`gemm_f32`]:
/// panel `p` holds `W[p·NR + j, k]` at `(p·inp + k)·NR + j`, zero for outputs past `out`.
/// One step of `k` then reads the `NR` weights of a panel as one contiguous run.
pub(crate) fn pack_f32(w: &[f32], out: usize, inp: usize) -> Vec<f32> {
    debug_assert_eq!(w.len(), out * inp);
    let panels = out.div_ceil(NR);
    let mut packed = vec![0f32; panels * inp * NR];
    for o in 0..out {
        let (p, j) = (o / NR, o % NR);
        for k in 0..inp {
            packed[(p * inp + k) * NR + j] = w[o * inp + k];
        }
    }
    packed
}

/// `y[i·out + o] = Σ_k W[o, k] · x[i·stride + offset + k]` for `rows` rows, `W` packed by
/// [`pack_f32`] (see the module doc of `kernels` for the summation order, which every tier
/// repeats: each output is its own running sum over `k`, restarted every [`KC`] values and
/// added into `y`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_f32(
    x: &[f32],
    stride: usize,
    offset: usize,
    rows: usize,
    wp: &[f32],
    inp: usize,
    out: usize,
    ep: &Epilogue<'_>,
    y: &mut [f32],
) {
    ep.check(rows, out);
    for p in 0..out.div_ceil(NR) {
        let (o0, width) = (p * NR, (out - p * NR).min(NR));
        let panel = &wp[p * inp * NR..(p + 1) * inp * NR];
        for i in 0..rows {
            let xi = &x[i * stride + offset..i * stride + offset + inp];
            let mut sum = [0f32; NR];
            for k0 in (0..inp).step_by(KC) {
                let k1 = (k0 + KC).min(inp);
                let mut acc = [0f32; NR];
                for (&xk, wk) in xi[k0..k1].iter().zip(panel[k0 * NR..k1 * NR].chunks_exact(NR)) {
                    for j in 0..NR {
                        acc[j] = fma(xk, wk[j], acc[j]);
                    }
                }
                for j in 0..NR {
                    sum[j] += acc[j];
                }
            }
            finish_run(&sum[..width], o0, i * out + o0, ep, y);
        }
    }
}

/// [`finish_run`] on every row: `y[i·out + o] = ep(sums[i·out + o])` (the tests' statement
/// of the epilogue alone).
#[cfg(test)]
pub(crate) fn epilogue(sums: &[f32], rows: usize, out: usize, ep: &Epilogue<'_>, y: &mut [f32]) {
    ep.check(rows, out);
    for i in 0..rows {
        for o0 in (0..out).step_by(NR) {
            let idx = i * out + o0;
            finish_run(&sums[idx..idx + NR.min(out - o0)], o0, idx, ep, y);
        }
    }
}

/// The epilogue of the finished sums `s` of outputs `o0 .. o0 + s.len()` (at most [`NR`]) of
/// one row, into `y[idx ..]` (`idx = i·out + o0`): per element `t = (s + b_o) + a_o`, then
/// the post-op. The reference every tier repeats operation for operation (kernels module
/// doc); one `match` per run, so each loop is plain element-wise code that vectorises.
#[inline]
pub(crate) fn finish_run(s: &[f32], o0: usize, idx: usize, ep: &Epilogue<'_>, y: &mut [f32]) {
    let n = s.len();
    let mut t = [0f32; NR];
    let t = &mut t[..n];
    t.copy_from_slice(s);
    if let Some(b) = ep.bias {
        t.iter_mut().zip(&b[o0..o0 + n]).for_each(|(t, b)| *t += b);
    }
    if let Some(a) = ep.add {
        t.iter_mut().zip(&a[o0..o0 + n]).for_each(|(t, a)| *t += a);
    }
    let y = &mut y[idx..idx + n];
    match ep.post {
        Post::Store => y.copy_from_slice(t),
        // `vmaxps(t, 0)`: t when t > 0, else 0 (also for NaN and −0).
        Post::Relu => y.iter_mut().zip(&*t).for_each(|(y, &t)| *y = if t > 0.0 { t } else { 0.0 }),
        Post::Gate(h) => {
            y.iter_mut().zip(&*t).zip(&h[idx..idx + n]).for_each(|((y, &t), &h)| *y = h * gate_sigmoid(t))
        }
        Post::Residual(x0) => {
            y.iter_mut().zip(&*t).zip(&x0[idx..idx + n]).for_each(|((y, &t), &x0)| *y += x0 * t)
        }
    }
}

/// `1 / (1 + exp(−x))`, branch-free (the math: `deep.rs`).
#[inline(always)]
pub(crate) fn gate_sigmoid(x: f32) -> f32 {
    let e = exp2_nonpositive(-x.abs() * std::f32::consts::LOG2_E);
    let inv = 1.0 / (1.0 + e);
    if x >= 0.0 {
        inv
    } else {
        e * inv
    }
}
