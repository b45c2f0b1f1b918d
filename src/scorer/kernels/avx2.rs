//! AVX2 + FMA kernels behind a capability token; each returns exactly what its portable
//! twin returns (the tests compare them bit for bit).
//!
//! - f32 products: an [`MR_F32`] × [`NR`] tile of sums in twelve registers, one `vfmadd`
//!   per eight multiply-adds (the portable kernel's `f32::mul_add`, the same single
//!   rounding), finished in registers by the epilogue.
//! - int8 products: an [`MR`] × [`NR_I8`] tile of i32 sums in eight registers; per group
//!   of four `k`, each row's four activation bytes are broadcast and `vpmaddubsw` (unsigned
//!   × signed bytes, adjacent pairs summed to i16, exact for 7-bit activations) then
//!   `vpmaddwd` with ones (pairs to i32) and `vpaddd` accumulate them. Two multiplies per 32
//!   multiply-adds: on two multiply pipes (Zen 3) 32 MAC per cycle at most, which the loop
//!   nearly reaches. The tile is then dequantized and finished in registers.
//! - Activation quantization: min and max with `vminps`/`vmaxps`, then scale, `vcvtps2dq`
//!   (round to nearest even, as the portable kernel rounds), zero point, clamp and two
//!   saturating packs.
//! - Attention: eight rows of the attention matrix per vector (the portable kernel's lane
//!   layout), [`ATTN_GROUPS`] such groups per pass over the columns, with the same
//!   polynomial `exp` operation for operation; the range of k, the row maxima and the final
//!   `num / den + v` are vector operations too (exact min/max, per-lane IEEE multiply,
//!   select and division: the portable scalar results), and a whole block of candidates is
//!   one call. The exponent `s_a k_b − m_a`, the polynomial's Horner steps and the
//!   numerator's `num + e·v_b` are fused multiply-adds, as in the portable kernel; every
//!   other operation (the epilogues, the sums of the denominator) is a single IEEE
//!   operation on both tiers.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::super::quant::{padded, K_ALIGN};
use super::{
    ActivationRows, Dequant, Epilogue, Post, QuantizedRows, ATTN_GROUPS, KC, K_GROUP, MR, MR_F32, NR, NR_I8,
    ROW_CHUNK,
};

/// Proof that the running CPU supports AVX2 and FMA: only [`Avx2::new`] makes one, and it
/// returns `None` where either feature is missing (or off x86-64), so holding an `Avx2`
/// makes the `#[target_feature(enable = "avx2,fma")]` helpers sound to call.
#[derive(Clone, Copy, Debug)]
pub struct Avx2 {
    _private: (),
}

impl Avx2 {
    /// `Some` iff the CPU supports AVX2 and FMA (detected at run time; every AVX2 CPU made
    /// so far has FMA too).
    pub fn new() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Some(Self { _private: () });
            }
        }
        None
    }

    /// Like [`super::portable::quantize_rows_u7`] (bit-identical: the same parameters, the
    /// same round-half-to-even and the same clamp), sixteen values at a time, the tail of a
    /// row through masked loads, so a row of any width has no scalar loop.
    pub(crate) fn quantize_rows_u7(self, src: ActivationRows<'_>, dst: &mut QuantizedRows<'_>) {
        let (rows, width, k_pad) = (src.rows, src.width, dst.k_pad);
        assert_eq!(k_pad, padded(width), "rows are padded to a multiple of K_ALIGN");
        assert!(rows == 0 || src.x.len() >= (rows - 1) * src.stride + src.offset + width);
        assert!(dst.q.len() >= rows * k_pad && dst.scales.len() >= rows && dst.zeros.len() >= rows);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: AVX2 and FMA are present (the token exists); the asserts put every row's `width`
        // values within x, its k_pad bytes within q, and its scale and zero point within
        // scales and zeros.
        unsafe {
            quantize_rows_u7_avx2(src, dst)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::quantize_rows_u7(src, dst)
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
        ep: &Epilogue<'_>,
        y: &mut [f32],
    ) {
        assert!(rows == 0 || x.len() >= (rows - 1) * stride + offset + inp);
        assert!(wp.len() >= out.div_ceil(NR) * inp * NR && y.len() >= rows * out);
        ep.check(rows, out);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: AVX2 and FMA are present (the token exists); the asserts bound every read of x,
            // wp and the epilogue's operands and every write of y.
            unsafe { gemm_f32_avx2(x, stride, offset, rows, wp, inp, out, ep, y) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::gemm_f32(x, stride, offset, rows, wp, inp, out, ep, y)
        }
    }

    /// Like [`super::portable::gemm_u8i8_f32`] (bit-identical: exact integer sums, then
    /// the same dequantization and epilogue, one IEEE operation per lane).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gemm_u8i8_f32(
        self,
        x: &[u8],
        k_pad: usize,
        rows: usize,
        wp: &[i8],
        out: usize,
        dq: &Dequant<'_>,
        ep: &Epilogue<'_>,
        y: &mut [f32],
    ) {
        assert!(k_pad % K_GROUP == 0 && x.len() >= rows * k_pad && y.len() >= rows * out);
        assert!(wp.len() >= out.div_ceil(NR_I8) * k_pad * NR_I8);
        ep.check(rows, out);
        dq.check(rows, out);
        #[cfg(target_arch = "x86_64")]
        {
            let g = GemmI8 { x: x.as_ptr(), k_pad, rows, wp: wp.as_ptr(), out, dq, ep, y: y.as_mut_ptr() };
            // SAFETY: AVX2 and FMA are present (the token exists); the asserts bound every read of x,
            // wp, the factors and the epilogue's operands and every write of y.
            unsafe { gemm_u8i8_f32_avx2(&g) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            super::portable::gemm_u8i8_f32(x, k_pad, rows, wp, out, dq, ep, y)
        }
    }
}

/// The operands of one int8 product (bounds checked by [`Avx2::gemm_u8i8_f32`]).
struct GemmI8<'a, 'b> {
    x: *const u8,
    k_pad: usize,
    rows: usize,
    wp: *const i8,
    out: usize,
    dq: &'a Dequant<'b>,
    ep: &'a Epilogue<'b>,
    y: *mut f32,
}

/// # Safety
/// The CPU must support AVX2 and FMA, and `g` must be as [`Avx2::gemm_u8i8_f32`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_u8i8_f32_avx2(g: &GemmI8<'_, '_>) {
    // SAFETY: the caller's bounds.
    unsafe {
        match post_kind(g.ep).0 {
            STORE => gemm_u8i8_post::<STORE>(g),
            RELU => gemm_u8i8_post::<RELU>(g),
            GATE => gemm_u8i8_post::<GATE>(g),
            _ => gemm_u8i8_post::<RESIDUAL>(g),
        }
    }
}

/// The int8 product with the epilogue `P`: panel by panel (a panel, 16·k_pad bytes, is
/// 16 KiB at k = 1024: it stays in L1 while every row tile of the block reads it), MR rows
/// at a time, each tile's sums dequantized and finished in registers.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `g` is within the bounds [`Avx2::gemm_u8i8_f32`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_u8i8_post<const P: u8>(g: &GemmI8<'_, '_>) {
    let (rows, k_pad, out) = (g.rows, g.k_pad, g.out);
    let groups = k_pad / K_GROUP;
    for p in 0..out.div_ceil(NR_I8) {
        let (o0, width) = (p * NR_I8, (out - p * NR_I8).min(NR_I8));
        // The panel's r_o and s_o, zero past its last output (those lanes are not stored).
        let (mut r, mut s) = ([0i32; NR_I8], [0f32; NR_I8]);
        r[..width].copy_from_slice(&g.dq.row_sum[o0..o0 + width]);
        s[..width].copy_from_slice(&g.dq.wscale[o0..o0 + width]);
        // SAFETY (the whole block): `r` and `s` hold 16 values; the panel holds groups·64
        // bytes and rows i .. i+MR (or one row) of x hold k_pad bytes each (caller's bounds).
        unsafe {
            let f = PanelFactors {
                r: [
                    _mm256_loadu_si256(r.as_ptr() as *const __m256i),
                    _mm256_loadu_si256(r.as_ptr().add(8) as *const __m256i),
                ],
                s: [_mm256_loadu_ps(s.as_ptr()), _mm256_loadu_ps(s.as_ptr().add(8))],
            };
            let w = g.wp.add(p * groups * NR_I8 * K_GROUP);
            let mut i = 0;
            while i + MR <= rows {
                let acc = tile_u8i8::<MR>(g.x.add(i * k_pad), k_pad, w, groups);
                for (k, a) in acc.iter().enumerate() {
                    finish_row_i8::<P>(a, &f, g, i + k, o0, width);
                }
                i += MR;
            }
            while i < rows {
                let acc = tile_u8i8::<1>(g.x.add(i * k_pad), k_pad, w, groups);
                finish_row_i8::<P>(&acc[0], &f, g, i, o0, width);
                i += 1;
            }
        }
    }
}

/// `r_o` and `s_o` of the 16 outputs of one panel, in two vectors each.
#[cfg(target_arch = "x86_64")]
struct PanelFactors {
    r: [__m256i; 2],
    s: [__m256; 2],
}

/// Row `i` of a tile: `d = (acc − z_i·r) as f32 · (s·t_i)` lane by lane (`vpmulld`, `vpsubd`
/// exact; `vcvtdq2ps` rounds to nearest even as `as f32` does; `vmulps` twice, in the
/// portable order), then the epilogue into `y[i·out + o0 ..][..width]`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; row `i` of y, of the factors and of the epilogue's operands
/// exists.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn finish_row_i8<const P: u8>(
    acc: &[__m256i; 2],
    f: &PanelFactors,
    g: &GemmI8<'_, '_>,
    i: usize,
    o0: usize,
    width: usize,
) {
    // SAFETY: row i of the factors exists (caller's bound).
    let (t, z) = unsafe { (*g.dq.scales.get_unchecked(i), *g.dq.zeros.get_unchecked(i)) };
    let (vt, vz) = (_mm256_set1_ps(t), _mm256_set1_epi32(z));
    let d = |h: usize| {
        let exact = _mm256_sub_epi32(acc[h], _mm256_mullo_epi32(vz, f.r[h]));
        _mm256_mul_ps(_mm256_cvtepi32_ps(exact), _mm256_mul_ps(f.s[h], vt))
    };
    // SAFETY: the caller's bounds.
    unsafe { finish16::<P>(d(0), d(1), o0, i * g.out + o0, width, g.ep, g.y) }
}

/// The exact sums of `R` rows × [`NR_I8`] outputs over `groups` groups of four `k`: per
/// group, the row's four bytes broadcast to every i32 lane, `vpmaddubsw` with the panel's
/// 32 bytes (unsigned × signed, adjacent pairs summed to i16: at most 2 · 127 · 128 = 32512
/// in magnitude, so never saturated — the reason activations have 7 bits), then `vpmaddwd`
/// with ones to sum the pairs into i32.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `R` rows of `groups · 4` bytes at `x` (stride `k_pad`) and
/// `groups · 64` bytes at `w` are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn tile_u8i8<const R: usize>(
    x: *const u8,
    k_pad: usize,
    w: *const i8,
    groups: usize,
) -> [[__m256i; 2]; R] {
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
    acc
}

/// [`Avx2::quantize_rows_u7`]'s loop, compiled with AVX2 so that the row kernel is inlined.
///
/// # Safety
/// The CPU must support AVX2 and FMA; the operands are as [`Avx2::quantize_rows_u7`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn quantize_rows_u7_avx2(src: ActivationRows<'_>, dst: &mut QuantizedRows<'_>) {
    for i in 0..src.rows {
        // SAFETY: the caller's bounds.
        (dst.scales[i], dst.zeros[i]) = unsafe {
            quantize_row_u7_avx2(
                src.x.as_ptr().add(i * src.stride + src.offset),
                src.width,
                dst.q.as_mut_ptr().add(i * dst.k_pad),
            )
        };
    }
}

// The quantizer's 16-byte steps end within a row only while rows are padded to 16 bytes.
const _: () = assert!(K_ALIGN == 16);
// `row_tiles_f32` has one arm per remainder of the f32 tile's height, up to 5.
const _: () = assert!(MR_F32 == 6);
// Both GEMMs' panels are the sixteen outputs `finish16` finishes.
const _: () = assert!(NR == 16 && NR_I8 == 16);

/// `lanes < n` of eight, as a mask (all bits set where true).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn lanes_below(n: usize) -> __m256i {
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
}

/// One row of `n` values at `x` quantized into `padded(n)` bytes at `q` (zero past `n`);
/// returns `(t, z)`. Sixteen values per step: `padded` rounds to a multiple of
/// [`K_ALIGN`] = 16, so the last step's 16-byte store stays within the row.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `n` floats at `x` are readable and `padded(n)` bytes at `q`
/// writable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn quantize_row_u7_avx2(x: *const f32, n: usize, q: *mut u8) -> (f32, i32) {
    // min and max (both start at 0, as the portable fold does; min/max are exact, so the
    // order does not matter). `vminps(v, lo)` returns lo when v is NaN, as `f32::min` skips
    // it; the tail's masked-off lanes load 0, which changes neither.
    let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 ≤ n: the 32-byte load is in bounds (unaligned).
        let v = unsafe { _mm256_loadu_ps(x.add(i)) };
        (lo, hi) = (_mm256_min_ps(v, lo), _mm256_max_ps(v, hi));
        i += 8;
    }
    if i < n {
        // SAFETY: lanes below n − i are within the row; the others are not read (masked).
        let v = unsafe { _mm256_maskload_ps(x.add(i), lanes_below(n - i)) };
        (lo, hi) = (_mm256_min_ps(v, lo), _mm256_max_ps(v, hi));
    }
    // Fold the eight lanes (exact: any order gives the portable result).
    let lo = _mm256_min_ps(lo, _mm256_permute2f128_ps(lo, lo, 1));
    let hi = _mm256_max_ps(hi, _mm256_permute2f128_ps(hi, hi, 1));
    let lo = _mm256_min_ps(lo, _mm256_shuffle_ps(lo, lo, 0b01_00_11_10));
    let hi = _mm256_max_ps(hi, _mm256_shuffle_ps(hi, hi, 0b01_00_11_10));
    let lo = _mm256_cvtss_f32(_mm256_min_ps(lo, _mm256_shuffle_ps(lo, lo, 0b10_11_00_01)));
    let hi = _mm256_cvtss_f32(_mm256_max_ps(hi, _mm256_shuffle_ps(hi, hi, 0b10_11_00_01)));
    let (t, inv, z) = super::portable::u7_params(lo, hi);
    let (vinv, vz) = (_mm256_set1_ps(inv), _mm256_set1_epi32(z));
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 ≤ n: two 32-byte loads and one 16-byte store in bounds.
        unsafe {
            let bytes = u7_bytes16(_mm256_loadu_ps(x.add(i)), _mm256_loadu_ps(x.add(i + 8)), vinv, vz);
            _mm_storeu_si128(q.add(i) as *mut __m128i, bytes);
        }
        i += 16;
    }
    let rest = n - i;
    if rest > 0 {
        // SAFETY: lanes below `rest` are within the row (the others masked off); the 16-byte
        // store ends at i + 16 = the padded width (caller's bound).
        unsafe {
            let b = if rest > 8 {
                _mm256_maskload_ps(x.add(i + 8), lanes_below(rest - 8))
            } else {
                _mm256_setzero_ps()
            };
            let a = _mm256_maskload_ps(x.add(i), lanes_below(rest.min(8)));
            // The pad past the row is zero (the lanes there hold z).
            let keep = _mm_cmpgt_epi8(
                _mm_set1_epi8(rest as i8),
                _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            );
            _mm_storeu_si128(q.add(i) as *mut __m128i, _mm_and_si128(u7_bytes16(a, b, vinv, vz), keep));
        }
    }
    (t, z)
}

/// Sixteen values (`a` then `b`) quantized: `clamp(round(x · inv) + z, 0, 127)` as bytes.
/// The conversion rounds with the default mode (to nearest, ties to even: the portable
/// rounding).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn u7_bytes16(a: __m256, b: __m256, vinv: __m256, vz: __m256i) -> __m128i {
    let (zero, vhi) = (_mm256_setzero_si256(), _mm256_set1_epi32(127));
    let a = _mm256_cvtps_epi32(_mm256_mul_ps(a, vinv));
    let b = _mm256_cvtps_epi32(_mm256_mul_ps(b, vinv));
    let a = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(a, vz), zero), vhi);
    let b = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(b, vz), zero), vhi);
    // packs works within 128-bit halves: [a0..3 b0..3 | a4..7 b4..7]; restore the order.
    let ab = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0b11_01_10_00);
    _mm_packus_epi16(_mm256_castsi256_si128(ab), _mm256_extracti128_si256(ab, 1))
}

/// # Safety
/// The CPU must support AVX2 and FMA; `proj` and `h` are as [`Avx2::attend_rows`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_rows_avx2(proj: &[f32], p: usize, r: usize, rows: usize, tau: f32, h: &mut [f32]) {
    for i in 0..rows {
        let pi = &proj[i * p..i * p + 3 * r];
        // SAFETY: AVX2 and FMA are present; the four slices are r long.
        unsafe { attend_avx2(&pi[..r], &pi[r..2 * r], &pi[2 * r..], tau, &mut h[i * r..(i + 1) * r]) };
    }
}

/// # Safety
/// The CPU must support AVX2 and FMA; `v`, `q`, `k` and `h` have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn attend_avx2(v: &[f32], q: &[f32], k: &[f32], tau: f32, h: &mut [f32]) {
    let r = k.len();
    // SAFETY: AVX2 and FMA are present; k is r long.
    let (kmin, kmax) = unsafe { k_range_avx2(k) };
    let c = std::f32::consts::LOG2_E / tau;
    let mut a0 = 0;
    // ATTN_GROUPS full groups of eight rows per pass over b while they last (more than one
    // only pays when each 2^t is a long enough chain: see ATTN_GROUPS), then one group at
    // a time, the last one partial.
    while a0 + 8 * ATTN_GROUPS <= r {
        // SAFETY: rows a0 .. a0 + 8·ATTN_GROUPS exist in q, v and h.
        unsafe {
            let setup: [_; ATTN_GROUPS] =
                std::array::from_fn(|g| row_setup_x8(q.as_ptr().add(a0 + 8 * g), c, kmin, kmax));
            let ratio = softmax_ratios(setup.map(|s| s.0), setup.map(|s| s.1), k, v);
            for (g, ratio) in ratio.iter().enumerate() {
                let at = a0 + 8 * g;
                let hv = _mm256_add_ps(*ratio, _mm256_loadu_ps(v.as_ptr().add(at)));
                _mm256_storeu_ps(h.as_mut_ptr().add(at), hv);
            }
        }
        a0 += 8 * ATTN_GROUPS;
    }
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
        let [ratio] = softmax_ratios([sa], [m], k, v);
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

/// `num / den` of `G` groups of eight rows (setups `sa`, `m`): for each `b` in order,
/// `e = 2^(s_a k_b − m_a)`, `den += e`, `num += e · v_b`, lane by lane as the portable
/// [`super::portable::attend`] (each lane's operations and their order do not depend on
/// `G`, which only interleaves independent lanes).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn softmax_ratios<const G: usize>(
    sa: [__m256; G],
    m: [__m256; G],
    k: &[f32],
    v: &[f32],
) -> [__m256; G] {
    let (mut den, mut num) = ([_mm256_setzero_ps(); G], [_mm256_setzero_ps(); G]);
    for (&kb, &vb) in k.iter().zip(v) {
        let (kb, vb) = (_mm256_set1_ps(kb), _mm256_set1_ps(vb));
        for g in 0..G {
            let e = exp2x8_nonpositive(_mm256_fmsub_ps(sa[g], kb, m[g]));
            den[g] = _mm256_add_ps(den[g], e);
            num[g] = _mm256_fmadd_ps(e, vb, num[g]);
        }
    }
    std::array::from_fn(|g| _mm256_div_ps(num[g], den[g]))
}

/// `(min k, max k)` as [`super::portable::k_range`]: min and max are exact, so any order
/// gives its result; a NaN of `k` is skipped as `f32::min` skips it (`vminps` returns its
/// second operand, the running value, when either is NaN).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
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
/// The CPU must support AVX2 and FMA; eight f32 at `q` are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
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
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn exp2x8_nonpositive(t: __m256) -> __m256 {
    use super::portable::{EXP2_POLY, EXP2_SHIFT};
    let c = |v: f32| _mm256_set1_ps(v);
    let t = _mm256_max_ps(t, c(-126.0));
    let shifted = _mm256_add_ps(t, c(EXP2_SHIFT));
    let f = _mm256_sub_ps(t, _mm256_sub_ps(shifted, c(EXP2_SHIFT)));
    let [p1, p2, p3, p4, p5] = EXP2_POLY;
    let mut p = _mm256_fmadd_ps(f, c(p5), c(p4));
    p = _mm256_fmadd_ps(f, p, c(p3));
    p = _mm256_fmadd_ps(f, p, c(p2));
    p = _mm256_fmadd_ps(f, p, c(p1));
    p = _mm256_fmadd_ps(f, p, c(1.0));
    _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_castps_si256(shifted))))
}

/// [`Post`] as a constant, so that each epilogue is compiled into its own copy of the
/// product (no per-row `match`).
const STORE: u8 = 0;
const RELU: u8 = 1;
const GATE: u8 = 2;
const RESIDUAL: u8 = 3;

/// `ep.post` as a [`STORE`]…[`RESIDUAL`] constant and its `rows × out` operand (null if none).
fn post_kind(ep: &Epilogue<'_>) -> (u8, *const f32) {
    match ep.post {
        Post::Store => (STORE, std::ptr::null()),
        Post::Relu => (RELU, std::ptr::null()),
        Post::Gate(h) => (GATE, h.as_ptr()),
        Post::Residual(x0) => (RESIDUAL, x0.as_ptr()),
    }
}

/// # Safety
/// The CPU must support AVX2 and FMA, and `x`, `wp`, `ep`, `y` must be as [`Avx2::gemm_f32`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_f32_avx2(
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
    let g = Gemm { x: x.as_ptr(), stride, offset, rows, wp: wp.as_ptr(), inp, out, ep, y: y.as_mut_ptr() };
    // SAFETY: the caller's bounds, carried into `g`.
    unsafe {
        match post_kind(ep).0 {
            STORE => gemm_f32_post::<STORE>(&g),
            RELU => gemm_f32_post::<RELU>(&g),
            GATE => gemm_f32_post::<GATE>(&g),
            _ => gemm_f32_post::<RESIDUAL>(&g),
        }
    }
}

/// The operands of one f32 product (bounds checked by [`Avx2::gemm_f32`]).
struct Gemm<'a, 'b> {
    x: *const f32,
    stride: usize,
    offset: usize,
    rows: usize,
    wp: *const f32,
    inp: usize,
    out: usize,
    ep: &'a Epilogue<'b>,
    y: *mut f32,
}

/// The product with the epilogue `P` ([`post_kind`] of `g.ep`).
///
/// Panel by panel. With one k-slice (`inp ≤ KC`, every layer of feed-dcn) a tile of rows at a
/// time, each tile's sums going from the registers through the epilogue into y. With more, chunks
/// of [`ROW_CHUNK`] rows, k-slice by k-slice (a slice of a panel, NR·KC floats, stays in L1
/// while every row tile of the chunk reads it), the partial sums waiting in `partial`
/// between slices (y cannot hold them: the residual epilogue reads y's old value).
/// `inp = 0` is one empty slice: sums of zero, as in the portable kernel.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `g` is within the bounds [`Avx2::gemm_f32`] asserts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_f32_post<const P: u8>(g: &Gemm<'_, '_>) {
    let (rows, inp, out) = (g.rows, g.inp, g.out);
    let slices = inp.div_ceil(KC).max(1);
    let zero = [_mm256_setzero_ps(); 2];
    for p in 0..out.div_ceil(NR) {
        let (o0, width) = (p * NR, (out - p * NR).min(NR));
        if slices == 1 {
            // SAFETY (the whole block): rows i .. i+MR (or one row), columns offset ..
            // offset + inp of x, the panel's inp·NR floats of wp, and row i of y and of the
            // epilogue's operands are within the caller's bounds.
            unsafe {
                let w = g.wp.add(p * inp * NR);
                row_tiles_f32(g.x.add(g.offset), g.stride, w, inp, 0, rows, |i, a| {
                    finish_row::<P>(&zero, a, g, i, o0, width)
                });
            }
            continue;
        }
        let mut partial = [[_mm256_setzero_ps(); 2]; ROW_CHUNK];
        for c0 in (0..rows).step_by(ROW_CHUNK) {
            let c1 = (c0 + ROW_CHUNK).min(rows);
            for s in 0..slices {
                let k0 = s * KC;
                let kn = KC.min(inp - k0);
                // SAFETY (the whole block): as above, for the slice's kn columns.
                unsafe {
                    let w = g.wp.add((p * inp + k0) * NR);
                    let row = |i: usize, a: &[__m256; 2]| {
                        let pr = &mut partial[i - c0];
                        let base = if s == 0 { zero } else { *pr };
                        if s + 1 == slices {
                            finish_row::<P>(&base, a, g, i, o0, width);
                        } else {
                            *pr = [_mm256_add_ps(base[0], a[0]), _mm256_add_ps(base[1], a[1])];
                        }
                    };
                    row_tiles_f32(g.x.add(g.offset + k0), g.stride, w, kn, c0, c1, row);
                }
            }
        }
    }
}

/// Rows `i0 .. i1` of `x` (stride `stride`) times `kn` values of a panel at `w`, in register
/// tiles: [`MR_F32`] rows while they last, then one tile of the 1 to 5 rows left; `each(i,
/// sums)` receives row `i`'s sixteen sums. The tile's height does not change any sum (each
/// output is its own running sum over `k`), only how many rows share a weight load.
///
/// # Safety
/// The CPU must support AVX2 and FMA; rows `i0 .. i1` of `kn` floats at `x` and `kn · NR`
/// floats at `w` are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn row_tiles_f32(
    x: *const f32,
    stride: usize,
    w: *const f32,
    kn: usize,
    i0: usize,
    i1: usize,
    mut each: impl FnMut(usize, &[__m256; 2]),
) {
    /// One tile of `R` rows from row `i`, handed to `each` row by row.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn tile<const R: usize>(
        x: *const f32,
        stride: usize,
        w: *const f32,
        kn: usize,
        i: usize,
        each: &mut impl FnMut(usize, &[__m256; 2]),
    ) {
        // SAFETY: rows i .. i + R are within the caller's rows.
        let acc = unsafe { tile_f32::<R>(x.add(i * stride), stride, w, kn) };
        for (r, a) in acc.iter().enumerate() {
            each(i + r, a);
        }
    }
    let mut i = i0;
    // SAFETY (every call): the tiles cover rows i0 .. i1 exactly, within the caller's bounds.
    unsafe {
        while i + MR_F32 <= i1 {
            tile::<MR_F32>(x, stride, w, kn, i, &mut each);
            i += MR_F32;
        }
        match i1 - i {
            0 => {}
            1 => tile::<1>(x, stride, w, kn, i, &mut each),
            2 => tile::<2>(x, stride, w, kn, i, &mut each),
            3 => tile::<3>(x, stride, w, kn, i, &mut each),
            4 => tile::<4>(x, stride, w, kn, i, &mut each),
            _ => tile::<5>(x, stride, w, kn, i, &mut each),
        }
    }
}

/// The last k-slice of row `i`: `total = base + acc` (`base` zero for the first slice, as
/// the portable total starts at zero: `0 + (−0) = +0` included), then the epilogue into
/// `y[i·out + o0 ..][..width]`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; row `i` of y and of the epilogue's operands exists.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn finish_row<const P: u8>(
    base: &[__m256; 2],
    acc: &[__m256; 2],
    g: &Gemm<'_, '_>,
    i: usize,
    o0: usize,
    width: usize,
) {
    let (t0, t1) = (_mm256_add_ps(base[0], acc[0]), _mm256_add_ps(base[1], acc[1]));
    // SAFETY: the caller's bounds.
    unsafe { finish16::<P>(t0, t1, o0, i * g.out + o0, width, g.ep, g.y) }
}

/// The epilogue `P` on a panel row's sixteen sums `t0`, `t1` of outputs `o0 ..`, stored at
/// `y[idx ..][..width]`: two full vectors, or masked ones at a panel's partial edge. Both
/// GEMMs (f32 and int8) end their tiles here.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `1 ≤ width ≤ 16`, `o0 + width ≤ out` and `idx + width ≤
/// rows·out`; finish8 touches `width` lanes at most.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn finish16<const P: u8>(
    t0: __m256,
    t1: __m256,
    o0: usize,
    idx: usize,
    width: usize,
    ep: &Epilogue<'_>,
    y: *mut f32,
) {
    // SAFETY: the caller's bounds.
    unsafe {
        if width == 16 {
            finish8::<P>(t0, o0, idx, ep, y);
            finish8::<P>(t1, o0 + 8, idx + 8, ep, y);
        } else {
            finish8_masked::<P>(t0, o0, idx, width.min(8), ep, y);
            if width > 8 {
                finish8_masked::<P>(t1, o0 + 8, idx + 8, width - 8, ep, y);
            }
        }
    }
}

/// [`finish8`] on the first `n` lanes only (`1 ≤ n ≤ 8`, the edge of a panel): every load
/// and the store are masked (`vmaskmovps`: masked-off lanes are neither read nor written),
/// and each stored lane has had [`finish8`]'s operations.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `o + n ≤ out` and `idx + n ≤ rows·out`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn finish8_masked<const P: u8>(
    t: __m256,
    o: usize,
    idx: usize,
    n: usize,
    ep: &Epilogue<'_>,
    y: *mut f32,
) {
    let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    // SAFETY (every masked load and the masked store): only lanes below n are accessed,
    // within the caller's bounds.
    unsafe {
        let v = epilogue8::<P>(t, o, idx, ep, y, |p| _mm256_maskload_ps(p, mask));
        _mm256_maskstore_ps(y.add(idx), mask, v);
    }
}

/// [`super::portable::finish_run`] on the eight lanes `o .. o + 8` at `y[idx ..]`, with the
/// epilogue `P`: the same operations per lane (add, add, then `vmaxps` with 0, the vector
/// sigmoid, or multiply and add).
///
/// # Safety
/// The CPU must support AVX2 and FMA; `o + 8 ≤ out` and `idx + 8 ≤ rows·out` (y and the epilogue's
/// operands, checked by [`Epilogue::check`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn finish8<const P: u8>(t: __m256, o: usize, idx: usize, ep: &Epilogue<'_>, y: *mut f32) {
    // SAFETY (every unaligned load and the store): the caller's bounds.
    unsafe {
        let v = epilogue8::<P>(t, o, idx, ep, y, |p| _mm256_loadu_ps(p));
        _mm256_storeu_ps(y.add(idx), v);
    }
}

/// The epilogue `P` on eight sums `t` of outputs `o ..` at `y[idx ..]`, every operand read
/// through `load` (unaligned, or masked at a panel's edge): what [`finish8`] and
/// [`finish8_masked`] store.
///
/// # Safety
/// The CPU must support AVX2 and FMA, and `load` must be sound at `bias[o]`, `add[o]`, `y[idx]` and
/// the post-op's operand at `idx` (the callers' bounds).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn epilogue8<const P: u8>(
    t: __m256,
    o: usize,
    idx: usize,
    ep: &Epilogue<'_>,
    y: *mut f32,
    load: impl Fn(*const f32) -> __m256,
) -> __m256 {
    // SAFETY: pointer offsets within the callers' bounds; `load` as the caller promises.
    unsafe {
        let mut t = t;
        if let Some(b) = ep.bias {
            t = _mm256_add_ps(t, load(b.as_ptr().add(o)));
        }
        if let Some(a) = ep.add {
            t = _mm256_add_ps(t, load(a.as_ptr().add(o)));
        }
        let py = y.add(idx);
        let m = post_kind(ep).1;
        match P {
            STORE => t,
            RELU => _mm256_max_ps(t, _mm256_setzero_ps()),
            GATE => _mm256_mul_ps(load(m.add(idx)), gate_sigmoid8(t)),
            _ => _mm256_add_ps(load(py), _mm256_mul_ps(load(m.add(idx)), t)),
        }
    }
}

/// [`super::portable::gate_sigmoid`] on eight lanes, operation for operation: `|x|` by
/// clearing the sign bit (exact, as `f32::abs`), the same `2^t`, an IEEE division, and the
/// `x ≥ 0` select (false for NaN, as the portable comparison).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn gate_sigmoid8(x: __m256) -> __m256 {
    let abs = _mm256_andnot_ps(_mm256_set1_ps(-0.0), x);
    let neg = _mm256_xor_ps(abs, _mm256_set1_ps(-0.0));
    let e = exp2x8_nonpositive(_mm256_mul_ps(neg, _mm256_set1_ps(std::f32::consts::LOG2_E)));
    let inv = _mm256_div_ps(_mm256_set1_ps(1.0), _mm256_add_ps(_mm256_set1_ps(1.0), e));
    let nonneg = _mm256_cmp_ps::<_CMP_GE_OQ>(x, _mm256_setzero_ps());
    _mm256_blendv_ps(_mm256_mul_ps(e, inv), inv, nonneg)
}

/// The running sums over one k-slice of `R` rows × `NR` outputs: row `r` reads
/// `x[r·stride .. r·stride + kn]`, the panel slice `w[k·NR + j]`. One fused multiply-add
/// per term, as the portable `acc[j] = xk.mul_add(wk[j], acc[j])`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; those `R` rows of `kn` floats and `kn·NR` floats at `w` are
/// readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
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
                a[0] = _mm256_fmadd_ps(b, w0, a[0]);
                a[1] = _mm256_fmadd_ps(b, w1, a[1]);
            }
        }
    }
    acc
}
