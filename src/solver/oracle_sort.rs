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
//!
//! Selection with a hint. Only the best `m + 1` items matter (the ranking and the
//! runner-up). For any `m + 1` distinct items, the least of their `u` is at most the
//! `(m + 1)`-th largest `u` (were all `m + 1` above it, it would not be the `(m + 1)`-th),
//! so every item of the best `m + 1` has `u ≥ τ` with `τ` that least value. The ranking
//! loop calls the sort about 80 times per solve with duals that move a little each time:
//! the last call's ranking and runner-up, at the new `u`, give a `τ` that leaves little more
//! than `m + 1` items, and one pass keeps those before the selection, which then runs over
//! them instead of every kept item. The hint needs only to be `m + 1` distinct items the
//! call covers, not the right ones, so it is used when the call covers every kept item;
//! the result is the same either way.

use super::model::Model;
use super::oracle::Oracle;

/// Fills `oracle.ranking` (and the duals if asked) and returns the ranking's value.
pub(crate) fn best_ranking(oracle: &mut Oracle, model: &Model, items: &[usize], duals: bool) -> f64 {
    let m = model.m;
    let u = &oracle.reduced_score;
    let order = &mut oracle.order;
    order.clear();
    let kept = model.kept_len();
    let hint = &oracle.sort_hint;
    if items.len() == kept && items.len() > m + 1 && hint.len() == m + 1 && hint.iter().all(|&t| t < kept) {
        // τ as the least under `total_cmp`; `!(u < τ)` also keeps every NaN (and a NaN τ
        // keeps everything), so the kept set is never smaller than the module doc's.
        let tau = hint.iter().map(|&t| u[t]).min_by(f64::total_cmp).unwrap_or(f64::NEG_INFINITY);
        order.extend(items.iter().copied().filter(|&t| !(u[t] < tau)));
    } else {
        order.extend_from_slice(items);
    }
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
    oracle.sort_hint.clear();
    if let Some(r) = oracle.runner_up {
        oracle.sort_hint.extend_from_slice(order);
        oracle.sort_hint.push(r);
    }
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

#[cfg(test)]
mod tests {
    use super::super::workspace::reset;
    use super::*;
    use crate::synthetic::{family_instance, Family, RuleMix, SplitMix64};

    /// The same ranking, runner-up and value with the hint as without: one oracle called
    /// again and again (its hint from the call before, or from another problem), against a
    /// fresh oracle each time. The values `u` are set directly: small multiples of ¼, so
    /// ties (where `τ` sits right at the `(m + 1)`-th value) are everywhere, and between
    /// calls a few of them move, as the ranking loop's duals move them, so that the hint is
    /// tight (a hint of fresh random values would keep nearly every item and test little).
    #[test]
    fn the_hint_changes_nothing() {
        let mut rng = SplitMix64::new(0x5EED_0F50);
        let models: Vec<Model> = [(60, 8, 3, 1), (200, 20, 5, 2), (31, 30, 2, 3)]
            .iter()
            .map(|&(n, m, k, seed)| {
                let data = family_instance(Family::Partition, n, m, k, RuleMix::ExposureOnly, seed);
                let rules = data.rules();
                let mut model = Model::default();
                model.build(&data.problem(&rules), 1e-9);
                model
            })
            .collect();
        let spreads = [3, 12, 1000];
        let mut values: Vec<Vec<f64>> =
            models.iter().map(|m| (0..m.kept_len()).map(|_| rng.below(12) as f64 * 0.25).collect()).collect();
        let mut oracle = Oracle::default();
        let (mut calls, mut hinted) = (0, 0);
        for round in 0..3000 {
            let which = if round % 50 < 40 { 1 } else { round % 3 };
            let model = &models[which];
            let (kept, m) = (model.kept_len(), model.m);
            let u = &mut values[which];
            for _ in 0..1 + rng.below(4) {
                u[rng.below(kept)] = rng.below(spreads[round / 1000]) as f64 * 0.25;
            }
            if round % 7 == 0 {
                u[rng.below(kept)] = -0.0;
            }
            let items: Vec<usize> = (0..kept).collect();
            oracle.reserve(m, kept, model.rules.len(), false);
            reset(&mut oracle.reduced_score, kept, 0.0);
            oracle.reduced_score.copy_from_slice(u);
            let usable =
                oracle.sort_hint.len() == m + 1 && kept > m + 1 && oracle.sort_hint.iter().all(|&t| t < kept);
            hinted += usize::from(usable);
            reset(&mut oracle.ranking, m, 0);
            let ours = best_ranking(&mut oracle, model, &items, false);
            let mut fresh = Oracle::default();
            fresh.reserve(m, kept, model.rules.len(), false);
            fresh.reduced_score = u.clone();
            reset(&mut fresh.ranking, m, 0);
            let theirs = best_ranking(&mut fresh, model, &items, false);
            assert_eq!(oracle.ranking, fresh.ranking, "round {round}");
            assert_eq!(oracle.runner_up, fresh.runner_up, "round {round}");
            assert_eq!(ours.to_bits(), theirs.to_bits(), "round {round}");
            calls += 1;
        }
        assert_eq!(calls, 3000);
        assert!(hinted > 2000, "the hint was usable in only {hinted} of {calls} calls");
    }
}
