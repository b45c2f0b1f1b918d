//! Inner ranking with top(d) rules (docs/design.md F3): a slots × items assignment over the
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
//!
//! Cost. Selecting each slot's list is a selection over the items per slot; a per-band
//! prefilter ([`band_survivors`]) first drops the items that no slot of the band can rank
//! in its top `m + 1`, so that the selections run over far fewer. The assignment itself
//! starts warm (see `assignment.rs`): from the greedy ranking's potentials, or from the
//! previous inner solve's, whichever fits the new costs better — within one solve only,
//! so that a solve's answer never depends on what the solver solved before.

use super::best_items::BestItems;
use super::model::Model;
use super::oracle::Oracle;
use super::tuning::{BAND_FILTER_MIN_SLOTS, SURVIVORS_TAKEN_WHOLE, WARM_START_MIN_SLOTS};
use super::workspace::{reset, resize};

/// Buffers of the assignment path.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    values: Vec<f64>,
    values_low: Vec<f64>,
    band_items: Vec<usize>,
    in_union: Vec<bool>,
    candidates: Vec<usize>,
    cost: Vec<f64>,
    row_col: Vec<usize>,
    assignment: super::assignment::Assignment,
    /// Each kept item's column potential after the last assignment of this solve (0 for
    /// items outside it), the next assignment's warm start; `warm` is empty until then.
    previous_potential: Vec<f64>,
    /// The slot each kept item had in the previous assignment (`usize::MAX`: none), and its
    /// cost there.
    previous_slot: Vec<usize>,
    previous_cost: Vec<f64>,
    /// The candidates of the assignment that wrote the `previous_*` entries: the only
    /// entries not at their neutral value, cleared before the next writes them.
    previous_items: Vec<usize>,
    warm: Vec<f64>,
    warm_previous: Vec<f64>,
}

impl Scratch {
    /// Reserves every buffer for `m` slots and `kept` items.
    pub(crate) fn reserve(&mut self, m: usize, kept: usize) {
        use super::workspace::reserve;
        // The candidates are the union of m lists of m + 1 (or all items when fewer).
        let cols = kept.min(m * (m + 1)).max(m + 1);
        reserve(&mut self.values, kept);
        reserve(&mut self.values_low, kept);
        reserve(&mut self.band_items, kept);
        reserve(&mut self.in_union, kept);
        reserve(&mut self.candidates, kept);
        reserve(&mut self.cost, m * cols);
        reserve(&mut self.row_col, m);
        reserve(&mut self.previous_potential, kept);
        reserve(&mut self.previous_slot, kept);
        reserve(&mut self.previous_cost, kept);
        reserve(&mut self.previous_items, cols);
        reserve(&mut self.warm, cols);
        reserve(&mut self.warm_previous, cols);
        self.assignment.reserve(m, cols);
    }

    /// Starts the next assignment cold: called when a solve begins, so that its answer
    /// depends on the problem alone, never on what the solver solved before.
    pub(crate) fn forget_warm_start(&mut self) {
        self.previous_potential.clear();
    }
}

/// Fills `oracle.ranking` (and the duals if asked) and returns the ranking's value and
/// whether the assignment started warm.
pub(crate) fn best_ranking(oracle: &mut Oracle, model: &Model, items: &[usize], duals: bool) -> (f64, bool) {
    let m = model.m;
    let kept = model.kept_len();
    let mut s = std::mem::take(&mut oracle.scratch);
    // Every call leaves `in_union` all false (below), so only a new length resets it: the
    // per-call work stays in the working set's size, not `kept`'s.
    if s.in_union.len() != kept {
        reset(&mut s.in_union, kept, false);
    }
    if items.len() <= m + 1 {
        for &t in items {
            s.in_union[t] = true;
        }
    } else {
        // Written for the items before they are read.
        resize(&mut s.values, kept);
        resize(&mut s.values_low, kept);
        let mut start = 0;
        let mut band_items = std::mem::take(&mut s.band_items);
        for b in 0..oracle.band_end.len() {
            let end = oracle.band_end[b];
            band_survivors(oracle, model, items, &mut s, start, end, &mut band_items);
            if band_items.len() <= SURVIVORS_TAKEN_WHOLE * (m + 1) {
                // Few survivors: every slot's list would be most of them. They hold every
                // slot's `m + 1` best, so taking them all keeps the union's guarantee.
                for &t in &band_items {
                    s.in_union[t] = true;
                }
            } else {
                for j in start..end {
                    slot_candidates(oracle, model, &band_items, &mut s, j);
                }
            }
            start = end;
        }
        s.band_items = band_items;
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
    // Warm start (see assignment.rs): the greedy ranking's potentials, or the previous
    // assignment's when the duals moved little since and they fit the costs better.
    let warm_start = m >= WARM_START_MIN_SLOTS;
    let warm = if warm_start {
        reset(&mut s.warm, cols, 0.0);
        s.assignment.greedy_potentials(m, cols, &s.cost, &mut s.warm);
        if s.previous_potential.len() == kept {
            reset(&mut s.warm_previous, cols, 0.0);
            for (c, (w, &t)) in s.warm_previous.iter_mut().zip(&s.candidates).enumerate() {
                // A column that kept its slot moves with its cost, so that the slot's
                // reduced cost on it stays what it was (0: tight).
                let j = s.previous_slot[t];
                *w = s.previous_potential[t];
                if j != usize::MAX {
                    *w += s.cost[j * cols + c] - s.previous_cost[t];
                }
            }
            let greedy = s.assignment.distinct_cheapest(m, cols, &s.cost, &s.warm);
            let previous = s.assignment.distinct_cheapest(m, cols, &s.cost, &s.warm_previous);
            if previous > greedy {
                std::mem::swap(&mut s.warm, &mut s.warm_previous);
            }
        }
        Some(&s.warm[..])
    } else {
        None
    };
    s.assignment.solve_from(m, cols, &s.cost, warm, &mut s.row_col);
    if warm_start {
        // What the next assignment of this solve starts from.
        if s.previous_potential.len() == kept {
            for &t in &s.previous_items {
                s.previous_potential[t] = 0.0;
                s.previous_slot[t] = usize::MAX;
                s.previous_cost[t] = 0.0;
            }
        } else {
            reset(&mut s.previous_potential, kept, 0.0);
            reset(&mut s.previous_slot, kept, usize::MAX);
            reset(&mut s.previous_cost, kept, 0.0);
        }
        s.previous_items.clear();
        s.previous_items.extend_from_slice(&s.candidates);
        for (c, &t) in s.candidates.iter().enumerate() {
            s.previous_potential[t] = s.assignment.col_potential(c);
        }
        for (j, &c) in s.row_col.iter().enumerate() {
            let t = s.candidates[c];
            s.previous_slot[t] = j;
            s.previous_cost[t] = s.cost[j * cols + c];
        }
    }
    let mut value = 0.0;
    // Every flag set is a candidate's.
    for &t in &s.candidates {
        s.in_union[t] = false;
    }
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
    // Leave every flag false for the next call.
    for &t in &oracle.ranking {
        s.in_union[t] = false;
    }
    if duals {
        for j in 0..m {
            oracle.slot_dual[j] = -s.assignment.row_potential(j);
        }
        for (c, &t) in s.candidates.iter().enumerate() {
            oracle.set_item_dual(t, (-s.assignment.col_potential(c)).max(0.0));
        }
    }
    oracle.scratch = s;
    (value, warm_start)
}

/// The items of `items` in slot `j`'s top `m + 1` (by `c(·, j)`; ties by index), marked in
/// `s.in_union`. Skips `j` when slot `j − 1` is in the same band with the same weight, as it
/// ranks items identically.
fn slot_candidates(oracle: &mut Oracle, model: &Model, items: &[usize], s: &mut Scratch, j: usize) {
    let m = model.m;
    if j > 0 && model.w[j] == model.w[j - 1] && oracle.band_of_slot[j] == oracle.band_of_slot[j - 1] {
        return;
    }
    for &t in items {
        s.values[t] = oracle.reduced_value(model, t, j);
    }
    let mut best = BestItems::new(&s.values, &mut oracle.order, m + 1);
    for &t in items {
        best.offer(t);
    }
    for &t in best.items() {
        s.in_union[t] = true;
    }
}

/// The items that can be in the top `m + 1` of some slot of the band `start..end`, into
/// `out`, so that the selection per slot runs over them rather than over all items.
///
/// Let `S` be the `m + 1` best items at the first slot `a`, `F_a` the least value of `S`
/// there and `F_b` the least value of `S` at the last slot `b`. An item `t` worth less than
/// `F_a` at `a` and less than `F_b` at `b` is worth less than every `s ∈ S` at both ends;
/// `c(t, j) − c(s, j) = (u_t − u_s) w_j − (q_t − q_s)` is affine in `w_j`, so it stays
/// below zero at every slot between. So in exact arithmetic at least `m + 1` survivors
/// (`S`) are worth at least `c(t, j)` at every slot of the band, dropping `t` leaves each
/// slot's `(m + 1)`-th best value as it was, and that value is what the duals need (`β_j`
/// covers every item outside the union: module doc). In floating point the computed values
/// carry a few ulps of rounding each (`fl(fl(u·w) − q)`), so a dropped item can exceed an
/// item of `S` at an inner slot by that much: the duals then cover it to within rounding,
/// far inside the certificate's 1e-9 relative gap. (The looser test below is exact even
/// in floating point, since each item's own computed value is monotone in `w_j`; it keeps
/// too many items to pay.)
///
/// An earlier, looser test dropped `t` only when both its end values were below the least
/// value of `S` at either end; on 100,000 items with real coefficients it kept 16,248 of
/// them in a 9-slot band where this one keeps far fewer.
fn band_survivors(
    oracle: &mut Oracle,
    model: &Model,
    items: &[usize],
    s: &mut Scratch,
    start: usize,
    end: usize,
    out: &mut Vec<usize>,
) {
    let m = model.m;
    out.clear();
    if end - start < BAND_FILTER_MIN_SLOTS {
        out.extend_from_slice(items);
        return;
    }
    for &t in items {
        s.values[t] = oracle.reduced_value(model, t, start);
        s.values_low[t] = oracle.reduced_value(model, t, end - 1);
    }
    let (high, low) = (&s.values, &s.values_low);
    let mut best = BestItems::new(high, &mut oracle.order, m + 1);
    for &t in items {
        best.offer(t);
    }
    let best = best.items();
    let floor_first = best.iter().map(|&t| high[t]).fold(f64::INFINITY, f64::min);
    let floor_last = best.iter().map(|&t| low[t]).fold(f64::INFINITY, f64::min);
    out.extend(items.iter().copied().filter(|&t| high[t] >= floor_first || low[t] >= floor_last));
}
