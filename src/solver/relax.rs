//! One step of the shortest-augmenting-path searches of both inner assignments (over
//! candidate columns, `assignment.rs`, and over patterns, `oracle_patterns.rs`): every open
//! column's distance through the row just reached,
//!
//! ```text
//!     d_c = ((base + q_c) − u_c·w) − v_c,     kept where below the column's distance,
//! ```
//!
//! with the row as its predecessor, and the least distance with its first position. A
//! settled column carries `v = −∞`, so its `d` is `+∞` and the pass needs no branch for it.
//! The candidate path passes its cost row as `q` with `u = 0`, `w = 0` (then `d` is
//! `(base + cost) − v` to the bit). On x86-64 with AVX2 the vector kernel is chosen at run
//! time; it does the portable twin's operations in the same order in every lane and the
//! same finish, so the two give the same bits.

/// One relaxation step of a search: every open column's distance through the row just
/// reached (`base + q − u·w − v`, the row's reduced cost on it), kept where smaller, with the
/// row as predecessor; returns the least distance and its position (the first, on ties).
/// On x86-64 with AVX2, [`relax_avx2`] is chosen at run time: it does the portable twin's
/// operations in the same order in every lane (no fused multiply-add) and the same finish,
/// so both give the same bits.
#[inline]
pub(crate) fn relax(step: &Step<'_>, dist: &mut [f64], pred: &mut [usize]) -> (f64, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { relax_avx2(step, dist, pred) };
        }
    }
    relax_lanes(step, dist, pred)
}

/// [`relax_lanes`] with AVX2 intrinsics, four columns per step. Each lane performs the
/// portable code's operations in its order (`((base + q) − u·w) − v`, no fused
/// multiply-add; strict `<` for both comparisons; the first position among equal minima),
/// so the two give the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn relax_avx2(step: &Step<'_>, dist: &mut [f64], pred: &mut [usize]) -> (f64, usize) {
    use std::arch::x86_64::*;
    let Step { base, w, row, q, u, v } = *step;
    let n = dist.len();
    assert!(q.len() >= n && u.len() >= n && v.len() >= n && pred.len() >= n);
    let chunks = n / 4 * 4;
    let (vbase, vw) = (_mm256_set1_pd(base), _mm256_set1_pd(w));
    let vrow = _mm256_castsi256_pd(_mm256_set1_epi64x(row as i64));
    let mut least = _mm256_set1_pd(f64::INFINITY);
    let mut at = _mm256_castsi256_pd(_mm256_setzero_si256());
    let mut index = _mm256_castsi256_pd(_mm256_set_epi64x(3, 2, 1, 0));
    let four = _mm256_set1_epi64x(4);
    let mut i = 0;
    while i < chunks {
        // SAFETY: i + 4 ≤ chunks ≤ n ≤ every slice's length (asserted above).
        let d = _mm256_sub_pd(
            _mm256_sub_pd(
                _mm256_add_pd(vbase, _mm256_loadu_pd(q.as_ptr().add(i))),
                _mm256_mul_pd(_mm256_loadu_pd(u.as_ptr().add(i)), vw),
            ),
            _mm256_loadu_pd(v.as_ptr().add(i)),
        );
        let old = _mm256_loadu_pd(dist.as_ptr().add(i));
        let closer = _mm256_cmp_pd::<_CMP_LT_OQ>(d, old);
        // `min(d, old)` is `d < old ? d : old` (the second operand on ties and NaN): the
        // blend by `closer`, to the bit, without a blend of a loaded value that the
        // compiler would turn into a masked store (see `opaque`).
        let new = _mm256_min_pd(d, old);
        _mm256_storeu_pd(dist.as_mut_ptr().add(i), new);
        let pred_ptr = pred.as_mut_ptr().add(i) as *mut f64;
        let old_pred = opaque(_mm256_loadu_pd(pred_ptr));
        _mm256_storeu_pd(pred_ptr, _mm256_blendv_pd(old_pred, vrow, closer));
        let nearer = _mm256_cmp_pd::<_CMP_LT_OQ>(new, least);
        least = _mm256_blendv_pd(least, new, nearer);
        at = _mm256_blendv_pd(at, index, nearer);
        index = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(index), four));
        i += 4;
    }
    let mut lanes = [0.0f64; LANES];
    let mut lanes_at = [0usize; LANES];
    _mm256_storeu_pd(lanes.as_mut_ptr(), least);
    _mm256_storeu_si256(lanes_at.as_mut_ptr() as *mut __m256i, _mm256_castpd_si256(at));
    step.finish(chunks, dist, pred, &lanes, &lanes_at)
}

/// Hides where `x` came from. LLVM turns "load a vector, blend it, store it back" into a
/// masked store (`vmaskmovpd`), which AMD's Zen cores execute as microcode, many cycles
/// each: perf put about 70 % of this kernel's samples on the two masked stores (a
/// 1000×50 K=10 feed solve, AMD EPYC). An empty `asm!` that passes the vector through a
/// register costs no instruction and leaves the compiler nothing to fold.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
fn opaque(mut x: std::arch::x86_64::__m256d) -> std::arch::x86_64::__m256d {
    // SAFETY: the template is empty: nothing is executed, nothing read or written.
    unsafe {
        std::arch::asm!("/* {0} */", inout(ymm_reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

/// The portable twin of [`relax_avx2`]: four independent lanes over groups of four
/// columns, each doing the same operations in the same order, then the same finish.
#[inline(always)]
fn relax_lanes(step: &Step<'_>, dist: &mut [f64], pred: &mut [usize]) -> (f64, usize) {
    let Step { base, w, row, q, u, v } = *step;
    let n = dist.len();
    let (q, u, v, pred) = (&q[..n], &u[..n], &v[..n], &mut pred[..n]);
    let mut least = [f64::INFINITY; LANES];
    let mut at = [0usize; LANES];
    let chunks = n / LANES * LANES;
    for start in (0..chunks).step_by(LANES) {
        for l in 0..LANES {
            let i = start + l;
            let d = base + q[i] - u[i] * w - v[i];
            let closer = d < dist[i];
            dist[i] = if closer { d } else { dist[i] };
            pred[i] = if closer { row } else { pred[i] };
            let nearer = dist[i] < least[l];
            least[l] = if nearer { dist[i] } else { least[l] };
            at[l] = if nearer { i } else { at[l] };
        }
    }
    step.finish(chunks, dist, pred, &least, &at)
}

/// What one relaxation step reads: the row's distance less its potential, its weight, the
/// row itself, and the open columns' penalties, `u` and potentials.
#[derive(Clone, Copy)]
pub(crate) struct Step<'a> {
    pub base: f64,
    pub w: f64,
    pub row: usize,
    pub q: &'a [f64],
    pub u: &'a [f64],
    pub v: &'a [f64],
}

impl Step<'_> {
    /// Shared by both tiers, so that they end alike: the columns from `from` on (after the
    /// last whole group of lanes) one at a time, then the lanes' winners combined into the
    /// least distance and its first position.
    #[inline(always)]
    fn finish(
        &self,
        from: usize,
        dist: &mut [f64],
        pred: &mut [usize],
        lanes: &[f64; LANES],
        lanes_at: &[usize; LANES],
    ) -> (f64, usize) {
        let (mut best, mut best_at) = (f64::INFINITY, 0);
        for i in from..dist.len() {
            let d = self.base + self.q[i] - self.u[i] * self.w - self.v[i];
            if d < dist[i] {
                dist[i] = d;
                pred[i] = self.row;
            }
            if dist[i] < best {
                (best, best_at) = (dist[i], i);
            }
        }
        for l in 0..LANES {
            if lanes[l] < best || (lanes[l] == best && lanes_at[l] < best_at) {
                (best, best_at) = (lanes[l], lanes_at[l]);
            }
        }
        (best, best_at)
    }
}

/// Lanes of [`relax_lanes`]: one AVX2 register of `f64`, as [`relax_avx2`] has.
const LANES: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SplitMix64;

    /// The AVX2 relaxation gives the portable one's bits: distances, predecessors, the
    /// least distance and its position, on lengths around the vector width, with ties,
    /// signed zeros and settled (poisoned) columns.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_relaxation_is_bit_identical_to_the_portable_one() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            assert!(
                std::env::var("LPRANK_REQUIRE_AVX2").map_or(true, |v| v != "1"),
                "LPRANK_REQUIRE_AVX2=1 but this CPU has no AVX2"
            );
            return;
        }
        let mut rng = SplitMix64::new(42);
        for n in 1..40 {
            for trial in 0..20 {
                // Small integers (ties), normals, and signed zeros: on `d == dist` with
                // different bits the kernel must keep `dist`'s, as the portable code does.
                let pick = |rng: &mut SplitMix64| match trial % 3 {
                    0 => rng.below(3) as f64 - 1.0,
                    1 => rng.normal(),
                    _ => [0.0, -0.0][rng.below(2)],
                };
                let q: Vec<f64> = (0..n).map(|_| pick(&mut rng)).collect();
                let u: Vec<f64> = (0..n).map(|_| pick(&mut rng)).collect();
                let mut v: Vec<f64> = (0..n).map(|_| -pick(&mut rng).abs()).collect();
                let mut dist: Vec<f64> =
                    (0..n).map(|_| if rng.below(3) == 0 { f64::INFINITY } else { pick(&mut rng) }).collect();
                for i in 0..n {
                    if rng.below(5) == 0 {
                        (dist[i], v[i]) = (f64::INFINITY, f64::NEG_INFINITY);
                    }
                }
                if dist.iter().all(|d| d.is_infinite()) {
                    dist[0] = 0.5;
                    v[0] = 0.0;
                }
                let pred: Vec<usize> = (0..n).map(|i| i * 3).collect();
                let (base, w) = (pick(&mut rng), 0.3 + rng.next_f64());
                let (mut d1, mut p1, mut d2, mut p2) =
                    (dist.clone(), pred.clone(), dist.clone(), pred.clone());
                let step = Step { base, w, row: 77, q: &q, u: &u, v: &v };
                let portable = relax_lanes(&step, &mut d1, &mut p1);
                // SAFETY: AVX2 was detected above.
                let vector = unsafe { relax_avx2(&step, &mut d2, &mut p2) };
                assert_eq!(portable.0.to_bits(), vector.0.to_bits(), "n {n}");
                assert_eq!(portable.1, vector.1, "n {n}");
                assert_eq!(p1, p2);
                assert!(d1.iter().zip(&d2).all(|(a, b)| a.to_bits() == b.to_bits()));
            }
        }
    }
}
