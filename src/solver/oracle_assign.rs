//! Inner ranking with top(d) rules (DESIGN.md F3): a slots × items assignment over the
//! values `c(i, j) = u_i w_j − q_i(band(j))`.
//!
//! Candidate reduction. For each slot `j` only its `m + 1` best items (by `c(·, j)`) can
//! matter: if an optimal ranking put any other item `i` in slot `j`, one of the `m + 1`
//! would be unused and at least as good there. The assignment runs on the union of these
//! lists, which is usually a few times `m`, not `n`.
//!
//! Why `m + 1` and not `m`: one of the `m + 1` is always unassigned, so its dual is 0 and
//! `β_j ≥ c(k, j) ≥ c(i, j)` holds for every item `i` outside the union — the assignment's
//! duals certify the full item set.

use super::model::Model;
use super::oracle::Oracle;
use super::workspace::reset;

/// Buffers of the assignment path.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    values: Vec<f64>,
    in_union: Vec<bool>,
    candidates: Vec<usize>,
    cost: Vec<f64>,
    row_col: Vec<usize>,
    assignment: super::assignment::Assignment,
}

impl Scratch {
    /// Reserves every buffer for `m` slots and `kept` items.
    pub(crate) fn reserve(&mut self, m: usize, kept: usize) {
        use super::workspace::reserve;
        // The candidates are the union of m lists of m + 1 (or all items when fewer).
        let cols = kept.min(m * (m + 1)).max(m + 1);
        reserve(&mut self.values, kept);
        reserve(&mut self.in_union, kept);
        reserve(&mut self.candidates, kept);
        reserve(&mut self.cost, m * cols);
        reserve(&mut self.row_col, m);
        self.assignment.reserve(m, cols);
    }
}

/// Fills `oracle.ranking` (and the duals if asked) and returns the ranking's value.
pub(crate) fn best_ranking(oracle: &mut Oracle, model: &Model, items: &[usize], duals: bool) -> f64 {
    let m = model.m;
    let kept = model.kept_len();
    let mut s = std::mem::take(&mut oracle.scratch);
    reset(&mut s.in_union, kept, false);
    if items.len() <= m + 1 {
        for &t in items {
            s.in_union[t] = true;
        }
    } else {
        reset(&mut s.values, kept, 0.0);
        for j in 0..m {
            // Slots with the same weight in the same band rank items identically.
            if j > 0 && model.w[j] == model.w[j - 1] && oracle.band_of_slot[j] == oracle.band_of_slot[j - 1] {
                continue;
            }
            for &t in items {
                s.values[t] = oracle.reduced_value(model, t, j);
            }
            let values = &s.values;
            oracle.order.clear();
            oracle.order.extend_from_slice(items);
            oracle.order.select_nth_unstable_by(m, |a, b| values[*b].total_cmp(&values[*a]).then(a.cmp(b)));
            for &t in &oracle.order[..=m] {
                s.in_union[t] = true;
            }
        }
    }
    s.candidates.clear();
    s.candidates.extend(items.iter().copied().filter(|&t| s.in_union[t]));
    let cols = s.candidates.len();
    reset(&mut s.cost, m * cols, 0.0);
    for j in 0..m {
        for (c, &t) in s.candidates.iter().enumerate() {
            s.cost[j * cols + c] = -oracle.reduced_value(model, t, j);
        }
    }
    reset(&mut s.row_col, m, 0);
    s.assignment.solve(m, cols, &s.cost, &mut s.row_col);
    let mut value = 0.0;
    s.in_union.fill(false);
    for j in 0..m {
        let c = s.row_col[j];
        oracle.ranking[j] = s.candidates[c];
        s.in_union[s.candidates[c]] = true;
        value -= s.cost[j * cols + c];
    }
    // The best candidate left out, for the last slot.
    oracle.runner_up = None;
    let mut runner_up_value = f64::NEG_INFINITY;
    for (c, &t) in s.candidates.iter().enumerate() {
        let v = -s.cost[(m - 1) * cols + c];
        if !s.in_union[t] && v > runner_up_value {
            runner_up_value = v;
            oracle.runner_up = Some(t);
        }
    }
    if duals {
        for j in 0..m {
            oracle.slot_dual[j] = -s.assignment.row_potential(j);
        }
        for (c, &t) in s.candidates.iter().enumerate() {
            oracle.item_dual[t] = (-s.assignment.col_potential(c)).max(0.0);
        }
    }
    oracle.scratch = s;
    value
}
