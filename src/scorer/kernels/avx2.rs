//! AVX2 kernels behind a capability token; each returns exactly what its portable twin
//! returns (the tests compare them bit for bit).
//!
//! - int8 products: 16 bytes of each operand are widened to i16 (`vpmovsxbw`) and multiplied
//!   pairwise into i32 lanes (`vpmaddwd`); a pair sum is at most 2 · 128² = 2^15 in
//!   magnitude, so every sum is exact. The matrix product works on 2 rows × 4 columns at a time (eight
//!   accumulators: each widened load serves several products, one horizontal sum per four
//!   columns); rows are padded to 16 by the quantizer, and any other tail is scalar.
//! - Activation quantization: max |x| with `vmaxps`, then scale, clamp and `vcvtps2dq`
//!   (round to nearest even, as the portable kernel rounds) and two saturating packs.
//! - Attention: eight rows of the attention matrix per vector (the portable kernel's lane
//!   layout), with the same polynomial `exp` operation for operation. No FMA is used
//!   anywhere: a fused multiply-add rounds once where the portable code rounds twice.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::{KC, MR, NR};

/// Proof that the running CPU supports AVX2: only [`Avx2::new`] makes one, and it returns
/// `None` where the feature is missing (or off x86-64), so holding an `Avx2` makes the
/// `#[target_feature(enable = "avx2")]` helpers sound to call.
#[derive(Clone, Copy, Debug)]
pub struct Avx2 {
    _private: (),
}

impl Avx2 {
    /// `Some` iff the CPU supports AVX2 (detected at run time).
    pub fn new() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                return Some(Self { _private: () });
            }
        }
        None
    }

    /// `Σ_i a[i] · b[i]` in i32; the same result as the portable kernel.
    #[cfg(test)]
    pub(crate) fn dot_i8(self, a: &[i8], b: &[i8]) -> i32 {
        assert_eq!(a.len(), b.len());
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `self` exists only if AVX2 was detected, and the lengths are equal.
            unsafe { dot_i8_avx2(a, b) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::dot_i8(a, b)
        }
    }

    /// Like [`super::portable::quantize_row`] (bit-identical: the same clamp and the same
    /// round-half-to-even), eight or sixteen values at a time.
    pub(crate) fn quantize_row(self, x: &[f32], q: &mut [i8]) -> f32 {
        assert_eq!(x.len(), q.len());
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `self` exists only if AVX2 was detected, and the lengths are equal.
            unsafe { quantize_row_avx2(x, q) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::quantize_row(x, q)
        }
    }

    /// Like [`super::portable::attend`] (bit-identical: the same operations in the same
    /// order, eight rows `a` per vector).
    pub(crate) fn attend(self, v: &[f32], q: &[f32], k: &[f32], tau: f32, h: &mut [f32]) {
        let r = k.len();
        assert!(v.len() == r && q.len() == r && h.len() == r);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `self` exists only if AVX2 was detected, and all four lengths are r.
            unsafe { attend_avx2(v, q, k, tau, h) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::attend(v, q, k, tau, h)
        }
    }

    /// Like [`super::portable::gemm_f32`] (bit-identical: every output is the same running
    /// sum over `k`, in the same order, restarted at the same [`KC`] boundaries).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gemm_f32(
        self,
        x: &[f32],
        stride: usize,
        offset: usize,
        rows: usize,
        wp: &[f32],
        inp: usize,
        out: usize,
        y: &mut [f32],
    ) {
        assert!(rows == 0 || x.len() >= (rows - 1) * stride + offset + inp);
        assert!(wp.len() >= out.div_ceil(NR) * inp * NR && y.len() >= rows * out);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: AVX2 is present (the token exists); the asserts bound every read of x
            // and wp and every write of y.
            unsafe { gemm_f32_avx2(x, stride, offset, rows, wp, inp, out, y) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::gemm_f32(x, stride, offset, rows, wp, inp, out, y)
        }
    }

    /// Like [`super::portable::matmul_i8`], with the AVX2 dot product.
    pub(crate) fn matmul_i8(self, x: &[i8], w: &[i8], k_len: usize, cols: usize, out: &mut [i32]) {
        if cols == 0 {
            return;
        }
        let rows = out.len() / cols;
        assert!(x.len() >= rows * k_len && w.len() >= cols * k_len);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: AVX2 is present (the token exists) and the assert above bounds every
            // row of `x` and `w` the helper reads.
            unsafe { matmul_i8_avx2(x, w, k_len, cols, out) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::matmul_i8(x, w, k_len, cols, out)
        }
    }
}

/// # Safety
/// The CPU must support AVX2, and `x` must hold `out.len() / cols` rows of `k_len` values,
/// `w` `cols` rows of `k_len` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn matmul_i8_avx2(x: &[i8], w: &[i8], k_len: usize, cols: usize, out: &mut [i32]) {
    let rows = out.len() / cols;
    let mut i = 0;
    // Two rows × four columns per step: each widened load of x serves four columns and
    // each load of w two rows (8 accumulators, 11 of the 16 ymm registers).
    while i + 2 <= rows {
        let xs = [&x[i * k_len..(i + 1) * k_len], &x[(i + 1) * k_len..(i + 2) * k_len]];
        // SAFETY: AVX2 is present (caller's contract); every slice has length k_len.
        unsafe { row_block(xs, w, k_len, cols, &mut out[i * cols..(i + 2) * cols]) };
        i += 2;
    }
    if i < rows {
        let xs = [&x[i * k_len..(i + 1) * k_len]];
        // SAFETY: as above.
        unsafe { row_block(xs, w, k_len, cols, &mut out[i * cols..(i + 1) * cols]) };
    }
}

/// `out[r·cols + o] = xs[r] · w_o` for the `R` rows `xs` and every column `o`.
///
/// # Safety
/// The CPU must support AVX2; every `xs[r]` has length `k_len`, `w` holds `cols` rows of
/// `k_len` values and `out` has `R · cols` elements.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn row_block<const R: usize>(xs: [&[i8]; R], w: &[i8], k_len: usize, cols: usize, out: &mut [i32]) {
    let mut o = 0;
    while o + 4 <= cols {
        let ws = [
            &w[o * k_len..(o + 1) * k_len],
            &w[(o + 1) * k_len..(o + 2) * k_len],
            &w[(o + 2) * k_len..(o + 3) * k_len],
            &w[(o + 3) * k_len..(o + 4) * k_len],
        ];
        // SAFETY: AVX2 is present (caller's contract); all slices have length k_len.
        let sums = unsafe { dot_rx4_i8_avx2(xs, ws) };
        for (r, s) in sums.iter().enumerate() {
            out[r * cols + o..r * cols + o + 4].copy_from_slice(s);
        }
        o += 4;
    }
    while o < cols {
        for (r, xr) in xs.iter().enumerate() {
            // SAFETY: AVX2 is present (caller's contract); both slices have length k_len.
            out[r * cols + o] = unsafe { dot_i8_avx2(xr, &w[o * k_len..(o + 1) * k_len]) };
        }
        o += 1;
    }
}

/// `[[x_r·w_0, x_r·w_1, x_r·w_2, x_r·w_3] for each row r]` in i32.
///
/// # Safety
/// The CPU must support AVX2, and every `x_r` and `w_j` must have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dot_rx4_i8_avx2<const R: usize>(xs: [&[i8]; R], w: [&[i8]; 4]) -> [[i32; 4]; R] {
    let n = w[0].len();
    let mut acc = [[_mm256_setzero_si256(); 4]; R];
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 ≤ n and every slice has length n: the 16-byte loads are in bounds.
        unsafe {
            let wv = [
                widen16(w[0].as_ptr().add(i)),
                widen16(w[1].as_ptr().add(i)),
                widen16(w[2].as_ptr().add(i)),
                widen16(w[3].as_ptr().add(i)),
            ];
            for r in 0..R {
                let xv = widen16(xs[r].as_ptr().add(i));
                for j in 0..4 {
                    acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(xv, wv[j]));
                }
            }
        }
        i += 16;
    }
    let mut sums = [[0i32; 4]; R];
    for r in 0..R {
        // hadd pairs lanes within each 128-bit half: after two rounds lane j of each half
        // holds half of column j's sum; adding the halves finishes it.
        let s01 = _mm256_hadd_epi32(acc[r][0], acc[r][1]);
        let s23 = _mm256_hadd_epi32(acc[r][2], acc[r][3]);
        let s = _mm256_hadd_epi32(s01, s23);
        let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        // SAFETY: `sums[r]` is 16 writable bytes; the store is unaligned.
        unsafe { _mm_storeu_si128(sums[r].as_mut_ptr() as *mut __m128i, s) };
        for k in i..n {
            let xk = i32::from(xs[r][k]);
            for j in 0..4 {
                sums[r][j] += xk * i32::from(w[j][k]);
            }
        }
    }
    sums
}

/// # Safety
/// The CPU must support AVX2 and `x.len() == q.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_row_avx2(x: &[f32], q: &mut [i8]) -> f32 {
    let n = x.len();
    let px = x.as_ptr();
    // max |x|: clear the sign bit, take lane-wise maxima, then reduce.
    let sign = _mm256_set1_ps(-0.0);
    let mut m = _mm256_setzero_ps();
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 ≤ n: the 32-byte load is in bounds (unaligned).
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, unsafe { _mm256_loadu_ps(px.add(i)) }));
        i += 8;
    }
    let mut lanes = [0f32; 8];
    // SAFETY: `lanes` is 32 writable bytes; the store is unaligned.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), m) };
    let max = x[i..].iter().fold(lanes.iter().fold(0f32, |a, &b| a.max(b)), |a, v| a.max(v.abs()));
    if max == 0.0 {
        q.fill(0);
        return 0.0;
    }
    let scale = max / 127.0;
    let inv = 127.0 / max;
    let (vinv, lo, hi) = (_mm256_set1_ps(inv), _mm256_set1_ps(-127.0), _mm256_set1_ps(127.0));
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 ≤ n = q.len(): two 32-byte loads and one 16-byte store in bounds.
        unsafe {
            // Clamp, then convert with the default rounding (to nearest, ties to even): the
            // portable kernel's clamp and rounding exactly.
            let a = _mm256_loadu_ps(px.add(i));
            let b = _mm256_loadu_ps(px.add(i + 8));
            let a = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(a, vinv), lo), hi));
            let b = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(b, vinv), lo), hi));
            // packs works within 128-bit halves: [a0..3 b0..3 | a4..7 b4..7]; restore the order.
            let ab = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0b11_01_10_00);
            let bytes = _mm_packs_epi16(_mm256_castsi256_si128(ab), _mm256_extracti128_si256(ab, 1));
            _mm_storeu_si128(q.as_mut_ptr().add(i) as *mut __m128i, bytes);
        }
        i += 16;
    }
    const MAGIC: f32 = 12_582_912.0;
    for (qi, &xi) in q[i..].iter_mut().zip(&x[i..]) {
        *qi = (((xi * inv).clamp(-127.0, 127.0) + MAGIC) - MAGIC) as i8;
    }
    scale
}

/// # Safety
/// The CPU must support AVX2; `v`, `q`, `k` and `h` have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn attend_avx2(v: &[f32], q: &[f32], k: &[f32], tau: f32, h: &mut [f32]) {
    use super::portable::{k_range, row_setup};
    let r = k.len();
    let (kmin, kmax) = k_range(k);
    let c = std::f32::consts::LOG2_E / tau;
    for a0 in (0..r).step_by(8) {
        let (sa, max) = row_setup(q, a0, c, kmin, kmax);
        // SAFETY: both arrays hold eight f32; loadu has no alignment demand.
        let (sa, max) = unsafe { (_mm256_loadu_ps(sa.as_ptr()), _mm256_loadu_ps(max.as_ptr())) };
        let (mut den, mut num) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for (&kb, &vb) in k.iter().zip(v) {
            let e = exp2x8_nonpositive(_mm256_sub_ps(_mm256_mul_ps(sa, _mm256_set1_ps(kb)), max));
            den = _mm256_add_ps(den, e);
            num = _mm256_add_ps(num, _mm256_mul_ps(e, _mm256_set1_ps(vb)));
        }
        let (mut d, mut n) = ([0f32; 8], [0f32; 8]);
        // SAFETY: both arrays are 32 writable bytes; the stores are unaligned.
        unsafe {
            _mm256_storeu_ps(d.as_mut_ptr(), den);
            _mm256_storeu_ps(n.as_mut_ptr(), num);
        }
        for j in 0..(r - a0).min(8) {
            h[a0 + j] = n[j] / d[j] + v[a0 + j];
        }
    }
}

/// [`super::portable::exp2_nonpositive`] on eight lanes, operation for operation.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn exp2x8_nonpositive(t: __m256) -> __m256 {
    use super::portable::{EXP2_POLY, EXP2_SHIFT};
    let c = |v: f32| _mm256_set1_ps(v);
    let t = _mm256_max_ps(t, c(-126.0));
    let shifted = _mm256_add_ps(t, c(EXP2_SHIFT));
    let f = _mm256_sub_ps(t, _mm256_sub_ps(shifted, c(EXP2_SHIFT)));
    let [p1, p2, p3, p4, p5] = EXP2_POLY;
    let mut p = _mm256_add_ps(c(p4), _mm256_mul_ps(f, c(p5)));
    p = _mm256_add_ps(c(p3), _mm256_mul_ps(f, p));
    p = _mm256_add_ps(c(p2), _mm256_mul_ps(f, p));
    p = _mm256_add_ps(c(p1), _mm256_mul_ps(f, p));
    p = _mm256_add_ps(c(1.0), _mm256_mul_ps(f, p));
    _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_castps_si256(shifted))))
}

/// # Safety
/// The CPU must support AVX2, and `x`, `wp`, `y` must be as [`Avx2::gemm_f32`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_f32_avx2(
    x: &[f32],
    stride: usize,
    offset: usize,
    rows: usize,
    wp: &[f32],
    inp: usize,
    out: usize,
    y: &mut [f32],
) {
    // Panel by panel, k-slice by k-slice (a slice of a panel, NR·KC floats, stays in L1
    // while every row tile of the block reads it), MR rows at a time.
    for p in 0..out.div_ceil(NR) {
        let (o0, width) = (p * NR, (out - p * NR).min(NR));
        for k0 in (0..inp).step_by(KC) {
            let kn = KC.min(inp - k0);
            // SAFETY: the panel slice holds kn·NR floats (caller's bound on wp).
            let w = unsafe { wp.as_ptr().add((p * inp + k0) * NR) };
            let mut i = 0;
            while i + MR <= rows {
                // SAFETY: rows i .. i+MR, columns offset+k0 .. +kn are within x (caller's bound).
                let acc = unsafe { tile_f32::<MR>(x.as_ptr().add(i * stride + offset + k0), stride, w, kn) };
                // SAFETY: AVX2 is present; rows i .. i+MR of y exist.
                unsafe { add_tile(&acc, y, i, out, o0, width, k0 == 0) };
                i += MR;
            }
            while i < rows {
                // SAFETY: as above, one row.
                let acc = unsafe { tile_f32::<1>(x.as_ptr().add(i * stride + offset + k0), stride, w, kn) };
                // SAFETY: as above.
                unsafe { add_tile(&acc, y, i, out, o0, width, k0 == 0) };
                i += 1;
            }
        }
    }
}

/// The running sums over one k-slice of `R` rows × `NR` outputs: row `r` reads
/// `x[r·stride .. r·stride + kn]`, the panel slice `w[k·NR + j]`. Multiply, then add: two
/// roundings, as the portable `acc[j] += xk * wk[j]` (no FMA).
///
/// # Safety
/// The CPU must support AVX2; those `R` rows of `kn` floats and `kn·NR` floats at `w` are
/// readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn tile_f32<const R: usize>(x: *const f32, stride: usize, w: *const f32, kn: usize) -> [[__m256; 2]; R] {
    let mut acc = [[_mm256_setzero_ps(); 2]; R];
    for k in 0..kn {
        // SAFETY: k < kn: within the panel slice and within every row (caller's contract).
        unsafe {
            let w0 = _mm256_loadu_ps(w.add(k * NR));
            let w1 = _mm256_loadu_ps(w.add(k * NR + 8));
            for (r, a) in acc.iter_mut().enumerate() {
                let b = _mm256_broadcast_ss(&*x.add(r * stride + k));
                a[0] = _mm256_add_ps(a[0], _mm256_mul_ps(b, w0));
                a[1] = _mm256_add_ps(a[1], _mm256_mul_ps(b, w1));
            }
        }
    }
    acc
}

/// `y[(i + r)·out + o0 + j] (+)= acc[r][j]` for `j < width`: the first k-slice adds its sums
/// to zero, later ones to the running value (the portable `sum[j] += acc[j]`).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn add_tile<const R: usize>(
    acc: &[[__m256; 2]; R],
    y: &mut [f32],
    i: usize,
    out: usize,
    o0: usize,
    width: usize,
    first: bool,
) {
    for (r, a) in acc.iter().enumerate() {
        let dst = &mut y[(i + r) * out + o0..(i + r) * out + o0 + width];
        if width == NR {
            // A full panel: straight from and to y (the first slice adds to zero, as the
            // portable total starts at zero).
            let p = dst.as_mut_ptr();
            // SAFETY: dst holds NR = 16 floats; the loads and stores are unaligned.
            unsafe {
                let (s0, s1) = if first {
                    (_mm256_setzero_ps(), _mm256_setzero_ps())
                } else {
                    (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)))
                };
                _mm256_storeu_ps(p, _mm256_add_ps(s0, a[0]));
                _mm256_storeu_ps(p.add(8), _mm256_add_ps(s1, a[1]));
            }
            continue;
        }
        let mut sum = [0f32; NR];
        if !first {
            sum[..width].copy_from_slice(dst);
        }
        // SAFETY: `sum` holds NR = 16 floats; the loads and stores are unaligned.
        unsafe {
            let s0 = _mm256_add_ps(_mm256_loadu_ps(sum.as_ptr()), a[0]);
            let s1 = _mm256_add_ps(_mm256_loadu_ps(sum.as_ptr().add(8)), a[1]);
            _mm256_storeu_ps(sum.as_mut_ptr(), s0);
            _mm256_storeu_ps(sum.as_mut_ptr().add(8), s1);
        }
        dst.copy_from_slice(&sum[..width]);
    }
}

/// Sixteen i8 at `p` (unaligned) widened to sixteen i16.
///
/// # Safety
/// The CPU must support AVX2 and `p .. p + 16` must be readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn widen16(p: *const i8) -> __m256i {
    // SAFETY: the caller guarantees 16 readable bytes at p; loadu has no alignment demand.
    _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(p as *const __m128i) })
}

/// # Safety
/// The CPU must support AVX2 and `a.len() == b.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len();
    let pa = a.as_ptr();
    let pb = b.as_ptr();
    let mut acc0 = _mm256_setzero_si256();
    let mut acc1 = _mm256_setzero_si256();
    let mut i = 0;
    while i + 32 <= n {
        // SAFETY: i + 32 ≤ n = a.len() = b.len(): four 16-byte loads in bounds (unaligned).
        unsafe {
            let a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pa.add(i) as *const __m128i));
            let b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(i) as *const __m128i));
            let a1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pa.add(i + 16) as *const __m128i));
            let b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(i + 16) as *const __m128i));
            acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, b0));
            acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(a1, b1));
        }
        i += 32;
    }
    if i + 16 <= n {
        // SAFETY: i + 16 ≤ n: two 16-byte loads in bounds.
        unsafe {
            let a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pa.add(i) as *const __m128i));
            let b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(i) as *const __m128i));
            acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, b0));
        }
        i += 16;
    }
    let acc = _mm256_add_epi32(acc0, acc1);
    // Horizontal sum of the eight i32 lanes.
    let lo = _mm256_castsi256_si128(acc);
    let hi = _mm256_extracti128_si256(acc, 1);
    let s = _mm_add_epi32(lo, hi);
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
    let mut sum = _mm_cvtsi128_si32(s);
    while i < n {
        sum += i32::from(a[i]) * i32::from(b[i]);
        i += 1;
    }
    sum
}
