//! The dual function in row space and the capped bracketing line search on it (docs/design.md F1, F4).
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
//! changes. The line search keeps a bracket `[lo, hi]` with slopes `φ'(lo) < 0 < φ'(hi)`
//! and evaluates where the two outer affine pieces meet: either `φ` equals that piece value
//! there (the minimum is found: it is the kink between the two pieces) or the evaluation
//! reveals a new piece and the bracket shrinks. Each evaluation finds a new piece, so run to
//! the end the search is finite and exact; no step-size rule is needed.
//!
//! It is **not** run to the end: [`bracketing_search`] stops after a fixed number of
//! evaluations (`MAX_LINE_SEARCH_STEPS` in `tuning.rs`), or when the time budget is gone,
//! and returns the best point seen. The cap is a trade: near the optimum `g` has many
//! pieces along a segment, and each evaluation is an inner solve, while the outer loop only
//! needs a better stabilisation center, not the segment's exact minimum. So the search is
//! exact when it closes within its cap ([`Search::closed`]) and a descent step otherwise;
//! either way every point it evaluates is a valid bound and its ranking a valid column.

use super::pricing::{add_column, evaluate};
use super::tuning::MAX_LINE_SEARCH_STEPS;
use super::workspace::Workspace;
use crate::solution::Stats;

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
fn model_value(lo: Piece, hi: Piece, t: f64) -> f64 {
    (lo.value + lo.slope * (t - lo.t)).max(hi.value + hi.slope * (t - hi.t))
}

/// What a [`bracketing_search`] found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Search {
    /// The point of least value seen (an end of the segment if nothing better was found).
    pub best: Piece,
    /// Evaluations spent (inner solves).
    pub evaluations: usize,
    /// Whether the search closed (found the segment's minimum, or the ends already
    /// bracket nothing) rather than stopping at its cap or on `evaluate`'s `None`.
    pub closed: bool,
}

/// The capped bracketing line search of the module doc on `φ` over `[lo.t, hi.t]`, from
/// its two ends. `evaluate(t)` returns `φ(t)` and the slope of the piece there, or `None`
/// to stop (the time budget). At most `max_steps` evaluations; `tolerance` is the absolute
/// slack under which a point counts as on the bracket's model (rounding).
pub(crate) fn bracketing_search(
    lo: Piece,
    hi: Piece,
    max_steps: usize,
    tolerance: f64,
    mut evaluate: impl FnMut(f64) -> Option<Piece>,
) -> Search {
    let (mut lo, mut hi) = (lo, hi);
    let mut best = if hi.value < lo.value { hi } else { lo };
    let mut evaluations = 0;
    if !(lo.slope < 0.0 && hi.slope > 0.0) {
        // Monotone on the segment: the better end is the minimum.
        return Search { best, evaluations, closed: true };
    }
    while evaluations < max_steps {
        let Some(t) = next_trial(lo, hi) else {
            return Search { best, evaluations, closed: true };
        };
        let Some(p) = evaluate(t) else { break };
        evaluations += 1;
        if p.value < best.value {
            best = p;
        }
        if p.value <= model_value(lo, hi, t) + tolerance {
            return Search { best, evaluations, closed: true };
        }
        if p.slope < 0.0 {
            lo = p;
        } else {
            hi = p;
        }
    }
    Search { best, evaluations, closed: false }
}

/// The solver's use of [`bracketing_search`]: the segment from the stabilisation center to
/// the master's duals, each evaluation an inner solve whose ranking joins the master.
/// The capped bracketing line search of `g` on the segment from the center to the master's
/// duals `lambda` (see [`bracketing_search`]: exact when it closes within [`MAX_LINE_SEARCH_STEPS`]
/// evaluations, the best point it saw otherwise), adding every ranking it meets as a
/// column; moves the center to the best point found and returns `g` there. `at_master` is
/// `g(lambda)`, just evaluated, with its row values in `ws.row_values`.
pub(super) fn line_search(
    ws: &mut Workspace,
    lambda: &[f64],
    center_g: f64,
    at_master: f64,
    stats: &mut Stats,
    best_bound: &mut f64,
    out_of_time: impl Fn() -> bool,
) -> f64 {
    let mut center = std::mem::take(&mut ws.center);
    let mut trial = std::mem::take(&mut ws.trial);
    let mut best_values = std::mem::take(&mut ws.best_row_values);
    // φ'(t) along the segment: the subgradient b − R(σ) of the ranking found, times d.
    let slope = |row_rhs: &[f64], values: &[f64], center: &[f64]| -> f64 {
        let d = center.iter().zip(lambda).map(|(c, l)| l - c);
        row_rhs.iter().zip(values).zip(d).map(|((b, v), d)| d * (b - v)).sum()
    };
    let lo = Piece { t: 0.0, value: center_g, slope: slope(&ws.row_rhs, &ws.center_row_values, &center) };
    let hi = Piece { t: 1.0, value: at_master, slope: slope(&ws.row_rhs, &ws.row_values, &center) };
    // The row values at the best point, chosen as `bracketing_search` chooses it.
    let mut best_value = lo.value.min(hi.value);
    best_values.clear();
    best_values.extend_from_slice(if hi.value < lo.value { &ws.row_values } else { &ws.center_row_values });
    let tolerance = 1e-12 * ws.model.scale.max(f64::MIN_POSITIVE);
    let search = bracketing_search(lo, hi, MAX_LINE_SEARCH_STEPS, tolerance, |t| {
        if out_of_time() {
            return None;
        }
        trial.clear();
        trial.extend(center.iter().zip(lambda).map(|(c, l)| c + t * (l - c)));
        let value = evaluate(ws, &trial, stats, best_bound);
        add_column(ws);
        if value < best_value {
            best_value = value;
            best_values.clear();
            best_values.extend_from_slice(&ws.row_values);
        }
        Some(Piece { t, value, slope: slope(&ws.row_rhs, &ws.row_values, &center) })
    });
    stats.line_search_evaluations += search.evaluations as u32;
    if !search.closed {
        stats.line_search_cutoffs += 1;
    }
    for (c, l) in center.iter_mut().zip(lambda) {
        *c += search.best.t * (l - *c);
    }
    ws.center_row_values.clear();
    ws.center_row_values.extend_from_slice(&best_values);
    ws.center = center;
    ws.trial = trial;
    ws.best_row_values = best_values;
    search.best.value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A convex piecewise-affine function of `t` given by its pieces `(slope, intercept)`,
    /// evaluated as the solver's `evaluate` would: value and the slope of the active piece.
    fn piecewise(pieces: &[(f64, f64)]) -> impl Fn(f64) -> Piece + '_ {
        move |t| {
            let (slope, c) =
                pieces.iter().copied().max_by(|a, b| (a.0 * t + a.1).total_cmp(&(b.0 * t + b.1))).unwrap();
            Piece { t, value: slope * t + c, slope }
        }
    }

    /// The true minimum over [0, 1]: at an end or where two pieces cross.
    fn brute_minimum(pieces: &[(f64, f64)]) -> f64 {
        let f = piecewise(pieces);
        let mut points = vec![0.0, 1.0];
        for (a, &(s1, c1)) in pieces.iter().enumerate() {
            for &(s2, c2) in &pieces[a + 1..] {
                let t = (c2 - c1) / (s1 - s2);
                if (0.0..=1.0).contains(&t) {
                    points.push(t);
                }
            }
        }
        points.iter().map(|&t| f(t).value).fold(f64::INFINITY, f64::min)
    }

    /// Given enough steps, the search the solver runs closes on the exact minimum of a
    /// known function, with at most one evaluation per piece.
    #[test]
    fn closes_on_the_kink_of_a_piecewise_affine_function() {
        let pieces = [(-3.0, 2.0), (-1.0, 1.2), (0.5, 0.3), (2.0, -0.5)];
        let f = piecewise(&pieces);
        let search = bracketing_search(f(0.0), f(1.0), 100, 1e-12, |t| Some(f(t)));
        assert!(search.closed);
        assert!((search.best.value - brute_minimum(&pieces)).abs() < 1e-9, "{search:?}");
        assert!(search.evaluations <= pieces.len());
    }

    /// With many pieces and a cap of 2 it stops early, says so, and returns the best point
    /// it evaluated (no worse than the ends), not the minimum.
    #[test]
    fn a_capped_search_says_it_did_not_close() {
        // Tangents of the parabola (t − 0.37)² at 40 points: 40 pieces.
        let pieces: Vec<(f64, f64)> = (0..40)
            .map(|i| {
                let a = f64::from(i) / 39.0;
                (2.0 * (a - 0.37), (a - 0.37) * (a - 0.37) - 2.0 * (a - 0.37) * a)
            })
            .collect();
        let f = piecewise(&pieces);
        let (lo, hi) = (f(0.0), f(1.0));
        let capped = bracketing_search(lo, hi, 2, 1e-12, |t| Some(f(t)));
        assert!(!capped.closed);
        assert_eq!(capped.evaluations, 2);
        assert!(capped.best.value <= lo.value.min(hi.value));
        let exact = bracketing_search(lo, hi, 1000, 1e-12, |t| Some(f(t)));
        assert!(exact.closed);
        assert!((exact.best.value - brute_minimum(&pieces)).abs() < 1e-12);
        assert!(capped.best.value > exact.best.value, "{capped:?} vs {exact:?}");
        // `None` (the time budget) stops it at once.
        let stopped = bracketing_search(lo, hi, 1000, 1e-12, |_| None);
        assert!(!stopped.closed && stopped.evaluations == 0);
    }
}
