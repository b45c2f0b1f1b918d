//! The dual function in row space and the exact line search on it (DESIGN.md F1, F4).
//!
//! With one multiplier `λ_r ≥ 0` per rule row (`+V_k ≤ max_k` or `−V_k ≤ −min_k`),
//!
//! ```text
//!     g(λ) = Σ_r λ_r b_r + max_σ Σ_j c_y(σ(j), j),     y_k = λ_{max row of k} − λ_{min row of k},
//! ```
//!
//! is convex and piecewise affine; the ranking `σ_λ` that attains the max gives a
//! subgradient `b − R(σ_λ)`. Along a segment `λ(t) = λ_c + t·d`, `φ(t) = g(λ(t))` is a convex
//! piecewise-affine function of one variable whose breakpoints are where the best ranking
//! changes. The exact line search keeps a bracket `[lo, hi]` with slopes `φ'(lo) < 0 <
//! φ'(hi)` and evaluates where the two outer affine pieces meet: either `φ` equals that
//! piece value there (the minimum is found: it is the kink between the two pieces) or the
//! evaluation reveals a new piece and the bracket shrinks. Each evaluation finds a new piece,
//! so the search is finite; no step-size rule is needed.

/// One point of `φ`: where, the value, and the slope of the affine piece found there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Piece {
    pub t: f64,
    pub value: f64,
    pub slope: f64,
}

/// Where the next evaluation of the bracket `(lo, hi)` goes, or `None` when the two pieces
/// meet at a point already known to be the minimum. Requires `lo.slope < 0 < hi.slope`.
pub(crate) fn next_trial(lo: Piece, hi: Piece) -> Option<f64> {
    // lo.value + lo.slope (t − lo.t) = hi.value + hi.slope (t − hi.t)
    let t = (hi.value - lo.value + lo.slope * lo.t - hi.slope * hi.t) / (lo.slope - hi.slope);
    if !t.is_finite() || t <= lo.t || t >= hi.t {
        return None;
    }
    Some(t)
}

/// The value of the lower model of the bracket at `t` (the larger of the two pieces).
pub(crate) fn model_value(lo: Piece, hi: Piece, t: f64) -> f64 {
    (lo.value + lo.slope * (t - lo.t)).max(hi.value + hi.slope * (t - hi.t))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line search against a known convex piecewise-affine function.
    #[test]
    fn finds_the_kink_of_a_piecewise_affine_function() {
        let pieces = [(-3.0, 2.0), (-1.0, 1.2), (0.5, 0.3), (2.0, -0.5)]; // slope, intercept
        let f = |t: f64| pieces.iter().map(|&(s, c)| s * t + c).fold(f64::NEG_INFINITY, f64::max);
        let slope = |t: f64| {
            pieces.iter().copied().max_by(|a, b| (a.0 * t + a.1).total_cmp(&(b.0 * t + b.1))).unwrap().0
        };
        let piece = |t: f64| Piece { t, value: f(t), slope: slope(t) };
        let (mut lo, mut hi) = (piece(0.0), piece(1.0));
        let mut evaluations = 0;
        while let Some(t) = next_trial(lo, hi) {
            let p = piece(t);
            evaluations += 1;
            if p.value <= model_value(lo, hi, t) + 1e-12 {
                lo = p;
                break;
            }
            if p.slope < 0.0 {
                lo = p;
            } else {
                hi = p;
            }
        }
        let best = if lo.value <= hi.value { lo } else { hi };
        // The true minimum over [0, 1]: at an endpoint or where two pieces cross.
        let mut points = vec![0.0, 1.0];
        for (a, &(s1, c1)) in pieces.iter().enumerate() {
            for &(s2, c2) in &pieces[a + 1..] {
                let t = (c2 - c1) / (s1 - s2);
                if (0.0..=1.0).contains(&t) {
                    points.push(t);
                }
            }
        }
        let brute = points.iter().map(|&t| f(t)).fold(f64::INFINITY, f64::min);
        assert!((best.value - brute).abs() < 1e-9, "{} vs {brute}", best.value);
        assert!(evaluations <= pieces.len());
    }
}
