//! The cross tower: low-rank DCNv2 layers with optional LiRank attention (FORMAT.md §6).
//!
//! For l = 0 … L−1, with `x_0 = x0` and the stored `V, Q, K ∈ R^{r×d}`, `U ∈ R^{d×r}`:
//!
//! ```text
//!   v = V x_l,  q = Q x_l,  k = K x_l                         (∈ R^r)
//!   S[a, b] = q_a k_b / τ;   A[a, :] = softmax(S[a, :])          (attention only)
//!   h = A v + v   (attention)   or   h = v
//!   x_{l+1} = x0 ⊙ (U h + b) + x_l
//! ```
//!
//! q, k, v read the current `x_l`; the Hadamard factor is always the original `x0`.
//!
//! Implementation: `V`, `Q` and `K` of a layer are stacked into one `[3r, d]` projection
//! (`[r, d]` without attention), so each layer is two matrix products; the second's epilogue
//! (`kernels/mod.rs`) adds `b` and applies `x ← x + x0 ⊙ t` in place, on sums still in
//! registers (the order of the operations as written above, so nothing changes). For layer 0,
//! `x_0 = x0` whose first `d_req` columns are the request-scope block, identical for every
//! candidate: the projection is split by columns and `P[:, :d_req] x0[:d_req]` is computed
//! once per request ([`CrossTower::first_request`]); per candidate only
//! `P[:, d_req:] x0[d_req:]` remains ([`CrossTower::first_item`]).
//!
//! The softmax subtracts each row's maximum, `exp(S[a,b] − max_c S[a,c])`, so the
//! `attention-sharp` variant (scores in the thousands) cannot overflow. It is computed in
//! base 2: `exp(S[a,b] − m_a) = 2^(s_a k_b − m'_a)` with `s_a = q_a · (log2(e) / τ)` (one
//! multiply per row; the constant once per candidate) and `m'_a = max_b s_a k_b`, which is
//! `s_a · max(k)` for `s_a ≥ 0` and `s_a · min(k)` otherwise (the product rounded to f32).
//! Each exponent `s_a k_b − m'_a` is one fused multiply-add, rounded once: since
//! `s_a k_b ≤ s_a · max(k)` exactly (or `min` for `s_a < 0`), it exceeds 0 by at most the
//! rounding error of `m'_a`, `|m'_a| · 2⁻²⁴`, so the row's largest term is 1 to within that
//! relative amount and the denominator is at least about 1. S is S's reference value
//! `(q_a k_b) / τ` times log2(e) up to a few ulps (the product is regrouped): a relative
//! error ρ ≈ 2e-7 of an exponent t shifts its term by `|t|·ρ·ln 2` relatively, and
//! `|t|·2^t ≤ 0.54` bounds what that moves the softmax average, so it stays near f32
//! rounding even for `attention-sharp`; the golden files confirm it. `2^t` is a
//! vectorisable polynomial (relative error 1.5e-7, `exp2_nonpositive` in
//! `kernels/portable.rs`): base 2 needs no ln 2 range reduction, so each of the r² terms
//! costs about 15 vector operations (5 of them fused multiply-adds) against about 25 for
//! `exp`. The softmax row is a kernel (`kernels/portable.rs`, `kernels/avx2.rs`,
//! bit-identical).

use super::linear::{take, Linear, Mode, Post, QuantScratch};

/// One cross layer.
#[derive(Clone, Debug)]
pub(crate) struct CrossLayer {
    /// `[V; Q; K]` (or `V` alone) as one `[3r or r, d]` map without bias.
    pub(crate) proj: Linear,
    /// `U` `[d, r]` with bias `b`.
    pub(crate) u: Linear,
}

/// The whole tower; empty `layers` is the identity.
#[derive(Clone, Debug)]
pub(crate) struct CrossTower {
    pub(crate) layers: Vec<CrossLayer>,
    pub(crate) rank: usize,
    pub(crate) attention: bool,
    pub(crate) temperature: f32,
    /// Layer 0's projection restricted to the request columns `[0, d_req)` (once per request).
    pub(crate) first_request: Option<Linear>,
    /// Layer 0's projection restricted to the item columns `[d_req, d)` (per candidate).
    pub(crate) first_item: Option<Linear>,
    pub(crate) d_req: usize,
}

/// Buffers of one block of rows.
#[derive(Clone, Debug, Default)]
pub(crate) struct CrossBuffers {
    pub(crate) proj: Vec<f32>,
    pub(crate) h: Vec<f32>,
}

impl CrossTower {
    /// Width of the stacked projection (`3r` with attention, else `r`).
    pub(crate) fn proj_width(&self) -> usize {
        if self.attention {
            3 * self.rank
        } else {
            self.rank
        }
    }

    /// `pre = P_0[:, :d_req] x0[:d_req]`, once per request (`pre` is `proj_width` long).
    pub(crate) fn precompute(&self, x_req: &[f32], pre: &mut [f32]) {
        if let Some(first) = &self.first_request {
            first.apply_row_f32(x_req, pre);
        }
    }

    /// Runs the tower on `rows` rows: `x0` and `x` are `rows × d`; on return `x` holds x_L.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn forward(
        &self,
        mode: Mode,
        x0: &[f32],
        x: &mut [f32],
        d: usize,
        rows: usize,
        pre: &[f32],
        buf: &mut CrossBuffers,
        scratch: &mut QuantScratch,
    ) {
        x[..rows * d].copy_from_slice(&x0[..rows * d]);
        let (r, p) = (self.rank, self.proj_width());
        let proj = take(&mut buf.proj, rows * p);
        let h = take(&mut buf.h, rows * r);
        for (l, layer) in self.layers.iter().enumerate() {
            match (l, &self.first_item) {
                (0, Some(first)) => {
                    first.apply(mode, x0, d, self.d_req, rows, Some(pre), Post::Store, proj, scratch)
                }
                _ => layer.proj.apply(mode, x, d, 0, rows, None, Post::Store, proj, scratch),
            }
            if self.attention {
                mode.kernels.attend_rows(proj, p, r, rows, self.temperature, h);
            } else {
                h.copy_from_slice(proj);
            }
            // x_{l+1} = x0 ⊙ (U h + b) + x_l, in the product's epilogue, in place.
            layer.u.apply(mode, h, r, 0, rows, None, Post::Residual(x0), x, scratch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::kernels::portable::{attend, exp2_nonpositive};

    #[test]
    fn fast_exp2_is_accurate_on_its_whole_range() {
        let mut worst = 0f64;
        // [−126, 0] in steps of 1e-4, then the small positive exponents a fused exponent can
        // give (up to ½).
        let positive = (0..=5_000).map(|i| i as f32 * 1e-4);
        for x in (0..=1_260_000).map(|i| -(i as f32) * 1e-4).chain(positive) {
            let want = f64::from(x).exp2();
            let got = f64::from(exp2_nonpositive(x));
            worst = worst.max((got - want).abs() / want);
        }
        assert!(worst < 2e-7, "worst relative error {worst:e}");
        assert_eq!(exp2_nonpositive(0.0), 1.0);
        assert_eq!(exp2_nonpositive(-0.0), 1.0);
        assert_eq!(exp2_nonpositive(-3.0), 0.125);
        assert!(exp2_nonpositive(-1e30) >= 0.0 && exp2_nonpositive(-1e30) < 1e-37);
    }

    fn naive(v: &[f64], q: &[f64], k: &[f64], tau: f64) -> Vec<f64> {
        let r = v.len();
        (0..r)
            .map(|a| {
                let s: Vec<f64> = (0..r).map(|b| q[a] * k[b] / tau).collect();
                let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = s.iter().map(|x| (x - m).exp()).collect();
                let z: f64 = e.iter().sum();
                (0..r).map(|b| e[b] / z * v[b]).sum::<f64>() + v[a]
            })
            .collect()
    }

    #[test]
    fn attention_matches_a_naive_f64_softmax_even_when_scores_are_huge() {
        for (tau, scale) in [(1.0f32, 1.0f32), (4.0, 3.0), (0.01, 40.0)] {
            for r in 1..=9 {
                let v: Vec<f32> = (0..r).map(|i| (i as f32 * 0.7).sin()).collect();
                let q: Vec<f32> = (0..r).map(|i| (i as f32 * 1.3).cos() * scale).collect();
                let k: Vec<f32> = (0..r).map(|i| (i as f32 * 0.4 + 1.0).sin() * scale).collect();
                let mut h = vec![0f32; r];
                attend(&v, &q, &k, tau, &mut h);
                let f = |x: &[f32]| x.iter().map(|&y| f64::from(y)).collect::<Vec<_>>();
                let want = naive(&f(&v), &f(&q), &f(&k), f64::from(tau));
                for a in 0..r {
                    assert!(h[a].is_finite());
                    assert!(
                        (f64::from(h[a]) - want[a]).abs() < 1e-4,
                        "tau {tau} r {r} a {a}: {} vs {}",
                        h[a],
                        want[a]
                    );
                }
            }
        }
    }
}
