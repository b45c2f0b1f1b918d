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
//!   layout), with the same polynomial `exp` operation for operation; the range of k, the
//!   row maxima and the final `num / den + v` are vector operations too (exact min/max,
//!   per-lane IEEE multiply, select and division: the portable scalar results), and a
//!   whole block of candidates is one call. No FMA is used
//!   anywhere: a fused multiply-add rounds once where the portable code rounds twice.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::{KC, K_GROUP, MR, NR, NR_I8};

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

    /// Like [`super::portable::quantize_row_u7`] (bit-identical: the same parameters, the
    /// same round-half-to-even and the same clamp), sixteen values at a time.
    pub(crate) fn quantize_row_u7(self, x: &[f32], q: &mut [u8]) -> (f32, i32) {
        assert_eq!(x.len(), q.len());
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `self` exists only if AVX2 was detected, and the lengths are equal.
            unsafe { quantize_row_u7_avx2(x, q) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::quantize_row_u7(x, q)
        }
    }

    /// Like [`super::portable::attend_rows`] (bit-identical: the same operations in the
    /// same order, eight rows `a` of a candidate's attention matrix per vector).
    pub(crate) fn attend_rows(self, proj: &[f32], p: usize, r: usize, rows: usize, tau: f32, h: &mut [f32]) {
        assert!(p >= 3 * r && h.len() >= rows * r);
        assert!(rows == 0 || proj.len() >= (rows - 1) * p + 3 * r);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `self` exists only if AVX2 was detected; the asserts make every
            // candidate's three slices and its output row lie within `proj` and `h`.
            unsafe { attend_rows_avx2(proj, p, r, rows, tau, h) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::attend_rows(proj, p, r, rows, tau, h)
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

    /// Like [`super::portable::gemm_u8i8`] (exact integer sums: the same result).
    pub(crate) fn gemm_u8i8(self, x: &[u8], k_pad: usize, wp: &[i8], out: usize, acc: &mut [i32]) {
        if out == 0 {
            return;
        }
        let rows = acc.len() / out;
        assert!(k_pad % K_GROUP == 0 && x.len() >= rows * k_pad);
        assert!(wp.len() >= out.div_ceil(NR_I8) * k_pad * NR_I8);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: AVX2 is present (the token exists) and the asserts bound every read of
            // x and wp; acc is written through slices.
            unsafe { gemm_u8i8_avx2(x, k_pad, wp, out, acc) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::gemm_u8i8(x, k_pad, wp, out, acc)
        }
    }
}

/// # Safety
/// The CPU must support AVX2, and `x`, `wp` must be as [`Avx2::gemm_u8i8`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gemm_u8i8_avx2(x: &[u8], k_pad: usize, wp: &[i8], out: usize, acc: &mut [i32]) {
    let rows = acc.len() / out;
    let groups = k_pad / K_GROUP;
    // Panel by panel (a panel, 16·k_pad bytes, is 16 KiB at k = 1024: it stays in L1 while
    // every row tile of the block reads it), MR rows at a time.
    for p in 0..out.div_ceil(NR_I8) {
        let (o0, width) = (p * NR_I8, (out - p * NR_I8).min(NR_I8));
        // SAFETY: the panel holds groups·64 bytes (caller's bound on wp).
        let w = unsafe { wp.as_ptr().add(p * groups * NR_I8 * K_GROUP) };
        let mut i = 0;
        while i + MR <= rows {
            // SAFETY: rows i .. i+MR of x hold k_pad bytes each (caller's bound).
            let sums = unsafe { tile_u8i8::<MR>(x.as_ptr().add(i * k_pad), k_pad, w, groups) };
            store_tile_i32(&sums, acc, i, out, o0, width);
            i += MR;
        }
        while i < rows {
            // SAFETY: as above, one row.
            let sums = unsafe { tile_u8i8::<1>(x.as_ptr().add(i * k_pad), k_pad, w, groups) };
            store_tile_i32(&sums, acc, i, out, o0, width);
            i += 1;
        }
    }
}

/// The exact sums of `R` rows × [`NR_I8`] outputs over `groups` groups of four `k`: per
/// group, the row's four bytes broadcast to every i32 lane, `vpmaddubsw` with the panel's
/// 32 bytes (unsigned × signed, adjacent pairs summed to i16: at most 2 · 127 · 128 = 32512
/// in magnitude, so never saturated — the reason activations have 7 bits), then `vpmaddwd`
/// with ones to sum the pairs into i32.
///
/// # Safety
/// The CPU must support AVX2; `R` rows of `groups · 4` bytes at `x` (stride `k_pad`) and
/// `groups · 64` bytes at `w` are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn tile_u8i8<const R: usize>(
    x: *const u8,
    k_pad: usize,
    w: *const i8,
    groups: usize,
) -> [[i32; NR_I8]; R] {
    let ones = _mm256_set1_epi16(1);
    let mut acc = [[_mm256_setzero_si256(); 2]; R];
    for g in 0..groups {
        // SAFETY: g < groups: within the panel and within every row (caller's contract).
        unsafe {
            let w0 = _mm256_loadu_si256(w.add(g * 64) as *const __m256i);
            let w1 = _mm256_loadu_si256(w.add(g * 64 + 32) as *const __m256i);
            for (r, a) in acc.iter_mut().enumerate() {
                let b = _mm256_set1_epi32((x.add(r * k_pad + g * K_GROUP) as *const i32).read_unaligned());
                a[0] = _mm256_add_epi32(a[0], _mm256_madd_epi16(_mm256_maddubs_epi16(b, w0), ones));
                a[1] = _mm256_add_epi32(a[1], _mm256_madd_epi16(_mm256_maddubs_epi16(b, w1), ones));
            }
        }
    }
    let mut sums = [[0i32; NR_I8]; R];
    for (s, a) in sums.iter_mut().zip(&acc) {
        // SAFETY: `s` holds 16 i32; the stores are unaligned.
        unsafe {
            _mm256_storeu_si256(s.as_mut_ptr() as *mut __m256i, a[0]);
            _mm256_storeu_si256(s.as_mut_ptr().add(8) as *mut __m256i, a[1]);
        }
    }
    sums
}

/// `acc[(i + r)·out + o0 + j] = sums[r][j]` for `j < width`.
#[inline]
fn store_tile_i32<const R: usize>(
    sums: &[[i32; NR_I8]; R],
    acc: &mut [i32],
    i: usize,
    out: usize,
    o0: usize,
    width: usize,
) {
    for (r, s) in sums.iter().enumerate() {
        acc[(i + r) * out + o0..(i + r) * out + o0 + width].copy_from_slice(&s[..width]);
    }
}

/// # Safety
/// The CPU must support AVX2 and `x.len() == q.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_row_u7_avx2(x: &[f32], q: &mut [u8]) -> (f32, i32) {
    let n = x.len();
    let px = x.as_ptr();
    // min and max (both start at 0, as the portable fold does; min/max are exact, so the
    // order does not matter).
    let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 ≤ n: the 32-byte load is in bounds (unaligned).
        let v = unsafe { _mm256_loadu_ps(px.add(i)) };
        lo = _mm256_min_ps(lo, v);
        hi = _mm256_max_ps(hi, v);
        i += 8;
    }
    // Fold the eight lanes (min and max are exact: any order gives the portable result),
    // then the scalar tail.
    let lo = _mm256_min_ps(lo, _mm256_permute2f128_ps(lo, lo, 1));
    let hi = _mm256_max_ps(hi, _mm256_permute2f128_ps(hi, hi, 1));
    let lo = _mm256_min_ps(lo, _mm256_shuffle_ps(lo, lo, 0b01_00_11_10));
    let hi = _mm256_max_ps(hi, _mm256_shuffle_ps(hi, hi, 0b01_00_11_10));
    let mut lo = _mm256_cvtss_f32(_mm256_min_ps(lo, _mm256_shuffle_ps(lo, lo, 0b10_11_00_01)));
    let mut hi = _mm256_cvtss_f32(_mm256_max_ps(hi, _mm256_shuffle_ps(hi, hi, 0b10_11_00_01)));
    for &v in &x[i..] {
        (lo, hi) = (lo.min(v), hi.max(v));
    }
    let (t, inv, z) = super::portable::u7_params(lo, hi);
    let (vinv, vz, vhi) = (_mm256_set1_ps(inv), _mm256_set1_epi32(z), _mm256_set1_epi32(127));
    let zero = _mm256_setzero_si256();
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 ≤ n = q.len(): two 32-byte loads and one 16-byte store in bounds.
        unsafe {
            // Convert with the default rounding (to nearest, ties to even: the portable
            // rounding), add the zero point, clamp to [0, 127].
            let a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(px.add(i)), vinv));
            let b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(px.add(i + 8)), vinv));
            let a = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(a, vz), zero), vhi);
            let b = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(b, vz), zero), vhi);
            // packs works within 128-bit halves: [a0..3 b0..3 | a4..7 b4..7]; restore the order.
            let ab = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0b11_01_10_00);
            let bytes = _mm_packus_epi16(_mm256_castsi256_si128(ab), _mm256_extracti128_si256(ab, 1));
            _mm_storeu_si128(q.as_mut_ptr().add(i) as *mut __m128i, bytes);
        }
        i += 16;
    }
    super::portable::quantize_tail_u7(&x[i..], &mut q[i..], inv, z);
    (t, z)
}

/// # Safety
/// The CPU must support AVX2; `proj` and `h` are as [`Avx2::attend_rows`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn attend_rows_avx2(proj: &[f32], p: usize, r: usize, rows: usize, tau: f32, h: &mut [f32]) {
    for i in 0..rows {
        let pi = &proj[i * p..i * p + 3 * r];
        // SAFETY: AVX2 is present; the four slices are r long.
        unsafe { attend_avx2(&pi[..r], &pi[r..2 * r], &pi[2 * r..], tau, &mut h[i * r..(i + 1) * r]) };
    }
}

/// # Safety
/// The CPU must support AVX2; `v`, `q`, `k` and `h` have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn attend_avx2(v: &[f32], q: &[f32], k: &[f32], tau: f32, h: &mut [f32]) {
    let r = k.len();
    // SAFETY: AVX2 is present; k is r long.
    let (kmin, kmax) = unsafe { k_range_avx2(k) };
    let c = std::f32::consts::LOG2_E / tau;
    let mut a0 = 0;
    while a0 < r {
        let full = a0 + 8 <= r;
        // SAFETY: a full group reads q[a0 .. a0 + 8]; a partial one goes through the
        // portable setup (zero lanes past r) on the stack.
        let (sa, m) = unsafe {
            if full {
                row_setup_x8(q.as_ptr().add(a0), c, kmin, kmax)
            } else {
                let (sa, m) = super::portable::row_setup(q, a0, c, kmin, kmax);
                (_mm256_loadu_ps(sa.as_ptr()), _mm256_loadu_ps(m.as_ptr()))
            }
        };
        let (mut den, mut num) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for (&kb, &vb) in k.iter().zip(v) {
            let e = exp2x8_nonpositive(_mm256_sub_ps(_mm256_mul_ps(sa, _mm256_set1_ps(kb)), m));
            den = _mm256_add_ps(den, e);
            num = _mm256_add_ps(num, _mm256_mul_ps(e, _mm256_set1_ps(vb)));
        }
        let ratio = _mm256_div_ps(num, den);
        if full {
            // SAFETY: rows a0 .. a0 + 8 exist in v and h.
            unsafe {
                let hv = _mm256_add_ps(ratio, _mm256_loadu_ps(v.as_ptr().add(a0)));
                _mm256_storeu_ps(h.as_mut_ptr().add(a0), hv);
            }
        } else {
            let mut d = [0f32; 8];
            // SAFETY: `d` is 32 writable bytes; the store is unaligned.
            unsafe { _mm256_storeu_ps(d.as_mut_ptr(), ratio) };
            for j in 0..r - a0 {
                h[a0 + j] = d[j] + v[a0 + j];
            }
        }
        a0 += 8;
    }
}

/// `(min k, max k)` as [`super::portable::k_range`]: min and max are exact, so any order
/// gives its result; a NaN of `k` is skipped as `f32::min` skips it (`vminps` returns its
/// second operand, the running value, when either is NaN).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn k_range_avx2(k: &[f32]) -> (f32, f32) {
    let (mut lo, mut hi) = (_mm256_set1_ps(f32::INFINITY), _mm256_set1_ps(f32::NEG_INFINITY));
    let mut chunks = k.chunks_exact(8);
    for c in &mut chunks {
        // SAFETY: `c` holds eight f32; the load is unaligned.
        let x = unsafe { _mm256_loadu_ps(c.as_ptr()) };
        lo = _mm256_min_ps(x, lo);
        hi = _mm256_max_ps(x, hi);
    }
    let (mut l, mut u) = ([0f32; 8], [0f32; 8]);
    // SAFETY: both arrays are 32 writable bytes; the stores are unaligned.
    unsafe {
        _mm256_storeu_ps(l.as_mut_ptr(), lo);
        _mm256_storeu_ps(u.as_mut_ptr(), hi);
    }
    let (mut kmin, mut kmax) = (f32::INFINITY, f32::NEG_INFINITY);
    for j in 0..8 {
        (kmin, kmax) = (kmin.min(l[j]), kmax.max(u[j]));
    }
    for &x in chunks.remainder() {
        (kmin, kmax) = (kmin.min(x), kmax.max(x));
    }
    (kmin, kmax)
}

/// [`super::portable::row_setup`] for eight rows that all exist: `s_a = q_a · c` and the row
/// maximum `s_a · max(k)` where `s_a ≥ 0`, else `s_a · min(k)` (a NaN `s_a` takes the
/// second, as the portable `if` does).
///
/// # Safety
/// The CPU must support AVX2; eight f32 at `q` are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn row_setup_x8(q: *const f32, c: f32, kmin: f32, kmax: f32) -> (__m256, __m256) {
    // SAFETY: the caller's bound.
    let sa = _mm256_mul_ps(unsafe { _mm256_loadu_ps(q) }, _mm256_set1_ps(c));
    let up = _mm256_mul_ps(sa, _mm256_set1_ps(kmax));
    let down = _mm256_mul_ps(sa, _mm256_set1_ps(kmin));
    let nonneg = _mm256_cmp_ps::<_CMP_GE_OQ>(sa, _mm256_setzero_ps());
    (sa, _mm256_blendv_ps(down, up, nonneg))
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
unsafe fn tile_f32<const R: usize>(
    x: *const f32,
    stride: usize,
    w: *const f32,
    kn: usize,
) -> [[__m256; 2]; R] {
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
