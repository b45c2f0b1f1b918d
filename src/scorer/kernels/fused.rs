//! `fma(a, b, c)`: the f32 fused multiply-add `a·b + c` rounded once, for the portable tier.
//!
//! Where the target has a fused multiply-add instruction at compile time (aarch64 always,
//! x86-64 built with `+fma`) this is `f32::mul_add`, one instruction. On x86-64 without it,
//! `f32::mul_add` is a call to `fmaf` for every term (Rust's own, which runs the FMA
//! instruction when the CPU has one and a software fallback when not): correct, but a call
//! per multiply-add keeps the portable kernels out of registers and vectors (feed-dcn's
//! portable f32 pass went from 3.4 to about 73 µs per candidate when the kernels were
//! fused, on a CPU with FMA). There the same correctly rounded result is computed inline in
//! f64 by rounding to odd
//! (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms
//! using rounding to odd", IEEE Trans. Computers 57(4), 2008):
//!
//! ```text
//!   p = a·b                 exact in f64: two 24-bit significands make at most 48 bits
//!   s = fl64(p + c)         rounded to nearest, and its exact error e = (p + c) − s (TwoSum)
//!   o = s                   if e = 0 or the last bit of s is 1
//!     = s stepped one ulp toward e, otherwise   (o is p + c rounded to odd, 53 bits)
//!   result = fl32(o)
//! ```
//!
//! Rounding `p + c` to odd at 53 bits and then to nearest at 24 bits gives `p + c` rounded
//! to nearest at 24 bits, because 53 ≥ 24 + 2: an inexact odd result is never a point with
//! 25 or fewer significant bits, so it sits on the same side of every f32 midpoint (and of
//! the overflow threshold) as the exact sum. Rounding `p + c` to nearest in f64 directly and
//! then to f32 would round twice and miss ties (the test below keeps such a case).
//!
//! Range: `|p| ≤ 2^256` and the smallest non-zero `|p|`, `|c|` and error are above
//! `2^−350`, far inside f64's normal range, so `p` is exact, TwoSum's error is exact and
//! nothing overflows or underflows in f64. Infinities and NaN pass through `s`, as in `fmaf`.

/// `a·b + c` with one rounding, bit-identical to a hardware FMA and to any correct `fmaf`.
#[inline(always)]
pub(crate) fn fma(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "fma")))]
    {
        fma_by_round_to_odd(a, b, c)
    }
    #[cfg(not(all(target_arch = "x86_64", not(target_feature = "fma"))))]
    {
        a.mul_add(b, c)
    }
}

/// The emulation of the module doc, in f64 arithmetic only (any target with IEEE f64).
#[inline(always)]
#[cfg_attr(not(all(target_arch = "x86_64", not(target_feature = "fma"))), allow(dead_code))]
pub(crate) fn fma_by_round_to_odd(a: f32, b: f32, c: f32) -> f32 {
    let p = f64::from(a) * f64::from(b);
    let c = f64::from(c);
    let s = p + c;
    // TwoSum: the exact error of `s`, whatever the magnitudes of `p` and `c`.
    let c_part = s - p;
    let p_part = s - c_part;
    let e = (p - p_part) + (c - c_part);
    let bits = s.to_bits();
    // Inexact and even: step one ulp toward the exact sum: toward larger magnitude (bits + 1)
    // when `e` has the sign of `s`, toward smaller (bits − 1) when the signs differ. `s` is
    // not zero here (a non-zero exact sum rounds to non-zero without underflow). A
    // non-finite `s` (an infinite or NaN input) is the answer as it is; its `e` is NaN.
    // Integer arithmetic rather than branches, so that the kernels' loops stay vectorised.
    let step = u64::from(s.is_finite() && e != 0.0) & !bits;
    let signs_differ = (e.to_bits() ^ bits) >> 63;
    let odd = f64::from_bits(bits.wrapping_add(step).wrapping_sub(2 * (step & signs_differ)));
    odd as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SplitMix64;

    /// `f32::mul_add`: the FMA instruction, or a correctly rounded `fmaf` where the CPU
    /// has none: the independent reference.
    fn reference(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }

    fn same(x: f32, y: f32) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }

    fn check(a: f32, b: f32, c: f32) {
        let ours = fma_by_round_to_odd(a, b, c);
        let theirs = reference(a, b, c);
        assert!(same(ours, theirs), "fma({a:e}, {b:e}, {c:e}): {ours:e} against mul_add's {theirs:e}");
    }

    /// A sum that lands just below an f32 midpoint by less than f64's half ulp: rounding it
    /// to nearest in f64 and then to f32 gives the wrong neighbour; rounding to odd does not.
    #[test]
    fn a_double_rounding_case() {
        let a = (1.0 + 2f32.powi(-18)) * 2f32.powi(-24);
        let b = 1.0 - 2f32.powi(-18);
        let c = 1.0 + 2f32.powi(-23);
        // a·b + c = 1 + 2^-23 + 2^-24 − 2^-60: just under the midpoint above c.
        let twice_rounded = (f64::from(a) * f64::from(b) + f64::from(c)) as f32;
        assert_eq!(twice_rounded, 1.0 + 2f32.powi(-22));
        assert_eq!(reference(a, b, c), c);
        assert_eq!(fma_by_round_to_odd(a, b, c), c);
        check(-a, b, -c);
    }

    #[test]
    fn special_values() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x8000_0001),
            f32::MAX,
            -f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::EPSILON,
            1.0 + f32::EPSILON,
        ];
        for &a in &specials {
            for &b in &specials {
                for &c in &specials {
                    check(a, b, c);
                }
            }
        }
    }

    /// Random triples from distributions that favour the hard cases: cancellation
    /// (`c ≈ −a·b`), ties (`c` a power of two far above `a·b`, short significands), sums
    /// within f64's half ulp of an f32 midpoint, subnormal and overflowing results, and
    /// plain random bits.
    #[test]
    fn agrees_with_mul_add_on_many_triples() {
        let mut rng = SplitMix64::new(0x0f3a);
        let short = |rng: &mut SplitMix64| {
            // A significand of a few random bits at a random exponent near 1.
            let bits = 1 + rng.below(8) as i32;
            let m = (1u32 << bits) | rng.below(1 << bits) as u32;
            m as f32 * 2f32.powi(-bits - rng.below(40) as i32 + 20)
        };
        for round in 0..2_000_000u64 {
            let any = |rng: &mut SplitMix64| f32::from_bits(rng.next_u64() as u32);
            let (a, b, c) = match round % 7 {
                0 => (any(&mut rng), any(&mut rng), any(&mut rng)),
                1 => {
                    let (a, b) = (short(&mut rng), short(&mut rng));
                    let near = -(a * b);
                    let c = f32::from_bits(near.to_bits().wrapping_add(rng.below(5) as u32).wrapping_sub(2));
                    (a, b, c)
                }
                2 => {
                    let (a, b) = (short(&mut rng), short(&mut rng));
                    let c = 2f32.powi(rng.below(60) as i32 - 10) * if rng.below(2) == 0 { 1.0 } else { -1.0 };
                    (a, b, c)
                }
                3 => {
                    let a = f32::from_bits(0x3f80_0000 | (rng.next_u64() as u32 & 0x007f_ffff));
                    let b = f32::from_bits(0x3f80_0000 | (rng.next_u64() as u32 & 0x007f_ffff));
                    let c = -f32::from_bits(0x4000_0000 | (rng.next_u64() as u32 & 0x00ff_ffff));
                    (a, b, c)
                }
                4 => {
                    // Results near and below f32's smallest normal.
                    let a = f32::from_bits(0x0080_0000 + (rng.next_u64() as u32 & 0x03ff_ffff));
                    let b = short(&mut rng) * 2f32.powi(-20);
                    let c = f32::from_bits(rng.next_u64() as u32 & 0x80ff_ffff);
                    (a, b, c)
                }
                5 => {
                    // a·b = ±h(1 − t²), h half an ulp of c and t = 2^-j: c ± h ∓ h t² lies
                    // within f64's half ulp of an f32 midpoint, where rounding twice fails.
                    let c = f32::from_bits(0x3000_0000 + (rng.next_u64() as u32 & 0x1fff_ffff));
                    let h = (f32::from_bits(c.to_bits() + 1) - c) / 2.0;
                    let t = 2f32.powi(-15 - rng.below(9) as i32);
                    let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
                    let c_sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
                    (sign * h * (1.0 + t), 1.0 - t, c_sign * c)
                }
                _ => {
                    // Results near f32::MAX.
                    let a = f32::from_bits(0x5f00_0000 + (rng.next_u64() as u32 & 0x00ff_ffff));
                    let b = f32::from_bits(0x5f00_0000 + (rng.next_u64() as u32 & 0x00ff_ffff));
                    let c = -f32::MAX * (rng.below(3) as f32 - 1.0);
                    (a, b, c)
                }
            };
            check(a, b, c);
        }
    }
}
