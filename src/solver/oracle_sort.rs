//! Inner ranking when every priced rule is an exposure rule (docs/design.md F2): the values are
//! `c(i, j) = u_i w_j` with `w` non-increasing and non-negative, so by the rearrangement
//! inequality the best ranking puts the `m` largest `u` in decreasing order.
//!
//! Duals in closed form. With `u_(0) ≥ … ≥ u_(m-1)` the ranked values,
//!
//! ```text
//!     α_(j) = Σ_{l=j}^{m-2} (u_(l) − u_(l+1)) · w_l ≥ 0,     β_j = u_(j) w_j − α_(j),
//! ```
//!
//! and `α_i = 0` for unranked items. Then `α_(i) + β_j ≥ u_(i) w_j` for all ranked pairs
//! (the sums telescope against `w_l ≥ w_j` for `l < j` and `w_l ≤ w_j` for `l ≥ j`), and for
//! an unranked item `β_j ≥ u_(m-1) w_j ≥ u_i w_j`. So the duals are feasible for every item,
//! screened ones included, and `Σ α + Σ β = Σ_j u_(j) w_j`: zero gap.

use super::model::Model;
use super::oracle::Oracle;

/// Fills `oracle.ranking` (and the duals if asked) and returns the ranking's value.
pub(crate) fn best_ranking(oracle: &mut Oracle, model: &Model, items: &[usize], duals: bool) -> f64 {
    let m = model.m;
    let u = &oracle.reduced_score;
    let order = &mut oracle.order;
    order.clear();
    order.extend_from_slice(items);
    // Larger u first; equal values in index order, so the result is deterministic.
    let better = |a: &usize, b: &usize| u[*b].total_cmp(&u[*a]).then(a.cmp(b));
    oracle.runner_up = None;
    if order.len() > m {
        order.select_nth_unstable_by(m - 1, better);
        oracle.runner_up = order[m..].iter().copied().min_by(better);
        order.truncate(m);
    }
    order.sort_unstable_by(better);
    oracle.ranking.copy_from_slice(order);
    let value = order.iter().zip(&model.w).map(|(&t, &w)| u[t] * w).sum();
    if duals {
        let mut alpha = 0.0;
        for j in (0..m).rev() {
            let (t, u) = (oracle.order[j], &oracle.reduced_score);
            if j + 1 < m {
                alpha += (u[t] - u[oracle.order[j + 1]]) * model.w[j];
            }
            oracle.slot_dual[j] = u[t] * model.w[j] - alpha;
            oracle.set_item_dual(t, alpha);
        }
    }
    value
}
