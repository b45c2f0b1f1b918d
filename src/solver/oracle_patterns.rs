//! Inner ranking with top(d) rules (docs/design.md F3) by shortest augmenting paths over
//! coefficient patterns, touching a handful of items per step instead of every candidate.
//!
//! **Patterns.** Two kept items have the same *pattern* when every rule gives them the same
//! coefficient. Within a pattern `p` the reduced values differ only by the score:
//!
//! ```text
//!     c(i, j) = (s_i − o_p) w_j − q_p(band(j)),     o_p = Σ_{k exposure} y_k a_kp,
//! ```
//!
//! so, the weights being non-negative, a better-scored item of a pattern is worth at least
//! as much as a worse one in *every* slot. The items of each pattern are sorted once per
//! solve (score descending, ties by index).
//!
//! **The assignment.** Slots are rows, items columns, the cost `−c`: the rectangular
//! Jonker–Volgenant method of `assignment.rs`, started cold. Each row in turn is matched
//! along a shortest augmenting path (Dijkstra on reduced costs); an unmatched column keeps
//! potential 0 until a search ends at it. So among a pattern's unmatched items the first,
//! its *head*, is never farther than the others (same potential, cost no higher in any
//! row): with ties broken toward it, the search over every item settles exactly the
//! columns a search over the matched items and the heads settles. This *is* a run of the
//! method over all items, and everything it guarantees holds for the items no search
//! looked at: the potentials are optimal duals of the inner assignment LP, `v ≤ 0` on
//! matched columns and `v = 0` on the rest (the certificate's `α = −v`, `β = −u`). When a
//! head is matched, the next item of its pattern becomes the head.
//!
//! **Cost.** A cold search for row `j` settles about `j` columns (every slot wants the same
//! best items, so the path walks through the rows above), each relaxing the `≤ m + P`
//! open columns (`P` patterns): about `m³/6 + m²P/2` steps of a few flops, streamed from
//! contiguous arrays. The candidate path of `oracle_assign.rs` instead selects each slot's
//! `m + 1` best items (`O(m · t)`) and runs a warm square assignment over their union.
//! When the rules give nearly every item its own pattern (real-valued coefficients), `P`
//! approaches the kept items and the candidate path runs instead (see
//! [`super::tuning::MAX_PATTERNS_PER_SLOT`]).
//!
//! Warm starts were tried and dropped. From the previous call's potentials (the duals move
//! too far between calls) or the greedy ranking's (the bands make them poor), a search
//! that starts warm must handle unmatched columns below 0, either with the square
//! problem's filler rows or a sink; in both, the frontier items at 0 become cheap to pass
//! through and searches settled 300–1,300 columns, growing the column set to most kept
//! items: no fewer than the cold start's `m(m+1)/2`, and slower. A one-pass certificate
//! of a guessed ranking (the previous call's, or the greedy one, with potentials built
//! from the last slot up and checked against every slot above) was also tried: it
//! certified only 3–16 % of the calls of a solve (partition, feed and random_mixed
//! instances at 1000×50), too few to pay for itself, and was removed.

use super::assignment::{augment, Matching};
use super::model::Model;
use super::oracle::Oracle;
use super::relax::{relax, Step};
use super::workspace::{reserve, reset};

const NONE: usize = usize::MAX;

/// Buffers of the pattern path, reused across calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct Patterns {
    /// Whether `sorted` and `start` describe the current solve's kept items.
    ready: bool,
    /// Kept items grouped by pattern, each group best score first.
    sorted: Vec<usize>,
    /// Pattern `p` is `sorted[start[p]..start[p + 1]]`.
    start: Vec<usize>,
    /// Per pattern, the position in `sorted` of its head (its first working item not yet
    /// matched).
    cursor: Vec<usize>,
    /// Whether each kept item is in the working set of this call.
    in_items: Vec<bool>,
    /// `q_p(b)` per pattern and band, band-major (`bands × P`), for this call's duals.
    penalty: Vec<f64>,
    /// Each column's `q` per band, band-major with stride `stride = m + P` (the most
    /// columns a call can have), so that a search step reads one band contiguously.
    col_penalty: Vec<f64>,
    stride: usize,
    /// Per column (the matched items and the heads): its kept item, pattern, `u`,
    /// potential `v` and matched row.
    col_item: Vec<usize>,
    col_pattern: Vec<usize>,
    col_u: Vec<f64>,
    col_v: Vec<f64>,
    col_row: Vec<usize>,
    /// Per column, its distance and predecessor row in the current search.
    dist: Vec<f64>,
    pred_row: Vec<usize>,
    /// Columns settled by the current search.
    settled: Vec<usize>,
    /// Per column, what the current search relaxes: its potential (−∞ once settled), its
    /// tentative distance (+∞ once settled) and predecessor row.
    open_pred: Vec<usize>,
    open_v: Vec<f64>,
    open_dist: Vec<f64>,
    /// Per row (slot): potential `u_r` and matched column.
    row_potential: Vec<f64>,
    row_col: Vec<usize>,
}

impl Patterns {
    /// Reserves every buffer for `m` slots, `kept` items and `bands` bands.
    pub(crate) fn reserve(&mut self, m: usize, kept: usize, bands: usize) {
        reserve(&mut self.sorted, kept);
        reserve(&mut self.start, kept + 1);
        reserve(&mut self.cursor, kept);
        reserve(&mut self.in_items, kept);
        reserve(&mut self.penalty, kept * bands);
        reserve(&mut self.col_penalty, (m + kept) * bands);
        // Columns: the matched items and one head per pattern.
        let cols = m + kept;
        for v in [
            &mut self.col_item,
            &mut self.col_pattern,
            &mut self.col_row,
            &mut self.pred_row,
            &mut self.settled,
            &mut self.open_pred,
        ] {
            reserve(v, cols);
        }
        for v in [&mut self.col_u, &mut self.col_v, &mut self.dist, &mut self.open_v, &mut self.open_dist] {
            reserve(v, cols);
        }
        reserve(&mut self.row_potential, m);
        reserve(&mut self.row_col, m);
    }

    /// The bytes [`Patterns::reserve`] reserves (see `memory.rs`).
    pub(crate) fn reserved_bytes(m: usize, kept: usize, bands: usize) -> usize {
        let word = std::mem::size_of::<usize>();
        // sorted, start, cursor (words), in_items (bytes), the penalties, eleven column
        // vectors and two row vectors (words).
        kept.saturating_mul(3 * word + 1)
            .saturating_add(word)
            .saturating_add(kept.saturating_mul(bands).saturating_mul(word))
            .saturating_add(m.saturating_add(kept).saturating_mul(11 * word))
            .saturating_add(m.saturating_add(kept).saturating_mul(bands).saturating_mul(word))
            .saturating_add(m.saturating_mul(2 * word))
    }

    /// Called when a solve begins: the kept items changed, so the patterns must be rebuilt.
    pub(crate) fn forget(&mut self) {
        self.ready = false;
    }

    /// The number of patterns among the kept items (building them if needed).
    pub(crate) fn count(&mut self, model: &Model) -> usize {
        self.build(model);
        self.start.len() - 1
    }

    /// Groups the kept items by pattern, each group sorted by score (descending, ties by
    /// index), unless already done for this solve. `O(t log t · K)`.
    fn build(&mut self, model: &Model) {
        if self.ready {
            return;
        }
        let kept = model.kept_len();
        let k = model.rules.len();
        let coef = &model.coef;
        let scores = &model.scores;
        self.sorted.clear();
        self.sorted.extend(0..kept);
        self.sorted.sort_unstable_by(|&a, &b| {
            for r in 0..k {
                let ord = coef[r * kept + a].total_cmp(&coef[r * kept + b]);
                if ord.is_ne() {
                    return ord;
                }
            }
            scores[b].total_cmp(&scores[a]).then(a.cmp(&b))
        });
        self.start.clear();
        for (pos, &t) in self.sorted.iter().enumerate() {
            // Bit for bit, as screening groups them (`Model::kept_patterns` counts these).
            let same = pos > 0 && {
                let prev = self.sorted[pos - 1];
                (0..k).all(|r| coef[r * kept + t].to_bits() == coef[r * kept + prev].to_bits())
            };
            if !same {
                self.start.push(pos);
            }
        }
        self.start.push(kept);
        self.ready = true;
    }
}

/// Fills `oracle.ranking`, `oracle.runner_up` (and the duals if asked) and returns the
/// ranking's value. `oracle.band_*` and `oracle.reduced_score` are set up for the call.
pub(crate) fn best_ranking(oracle: &mut Oracle, model: &Model, items: &[usize], duals: bool) -> f64 {
    let m = model.m;
    let kept = model.kept_len();
    let mut s = std::mem::take(&mut oracle.patterns);
    s.build(model);
    let patterns = s.start.len() - 1;
    let bands = oracle.band_end.len();
    reset(&mut s.in_items, kept, false);
    for &t in items {
        s.in_items[t] = true;
    }
    // Every item of a pattern has the same penalties: read them from its first working
    // item (the oracle set up the working items' bands only). A pattern without one never
    // has a column, so its row is never read.
    reset(&mut s.penalty, bands * patterns, 0.0);
    for p in 0..patterns {
        let group = &s.sorted[s.start[p]..s.start[p + 1]];
        if let Some(&t) = group.iter().find(|&&t| s.in_items[t]) {
            for b in 0..bands {
                s.penalty[b * patterns + p] = oracle.band_penalty[t * bands + b];
            }
        }
    }
    let u = &oracle.reduced_score;
    // At most one column per pattern and one per matched head.
    s.stride = m + patterns;
    reset(&mut s.col_penalty, bands * s.stride, 0.0);
    s.col_item.clear();
    s.col_pattern.clear();
    s.col_u.clear();
    s.col_v.clear();
    s.col_row.clear();
    s.cursor.clear();
    s.cursor.extend_from_slice(&s.start[..patterns]);
    for p in 0..patterns {
        s.push_head(p, u);
    }
    reset(&mut s.row_potential, m, 0.0);
    reset(&mut s.row_col, m, NONE);
    let slots = Slots { w: &model.w, band_of_slot: &oracle.band_of_slot, patterns };
    for row in 0..m {
        s.add_row(row, &slots, u);
    }
    let mut value = 0.0;
    for j in 0..m {
        let c = s.row_col[j];
        oracle.ranking[j] = s.col_item[c];
        value -= s.cost(&slots, j, c);
    }
    // The best item left out, for the last slot: some pattern's head.
    oracle.runner_up = None;
    let mut runner_up_value = f64::NEG_INFINITY;
    for c in 0..s.col_item.len() {
        if s.col_row[c] != NONE {
            continue;
        }
        let (t, v) = (s.col_item[c], -s.cost(&slots, m - 1, c));
        if v > runner_up_value || (v == runner_up_value && oracle.runner_up.is_some_and(|r| t < r)) {
            runner_up_value = v;
            oracle.runner_up = Some(t);
        }
    }
    if duals {
        for j in 0..m {
            oracle.slot_dual[j] = -s.row_potential[j];
        }
        for c in 0..s.col_item.len() {
            if s.col_row[c] != NONE {
                oracle.set_item_dual(s.col_item[c], (-s.col_v[c]).max(0.0));
            }
        }
    }
    oracle.patterns = s;
    value
}

/// What the costs read about the slots.
struct Slots<'a> {
    w: &'a [f64],
    band_of_slot: &'a [usize],
    patterns: usize,
}

impl Patterns {
    /// The assignment's cost `−c(t, j) = q_p(band(j)) − u_t w_j` of column `c` in row `j`.
    fn cost(&self, slots: &Slots<'_>, j: usize, c: usize) -> f64 {
        self.penalty[slots.band_of_slot[j] * slots.patterns + self.col_pattern[c]]
            - self.col_u[c] * slots.w[j]
    }

    /// Makes pattern `p`'s next working item (from its cursor on) a column, if it has one.
    fn push_head(&mut self, p: usize, u: &[f64]) {
        let patterns = self.start.len() - 1;
        let bands = self.penalty.len() / patterns;
        let end = self.start[p + 1];
        let mut pos = self.cursor[p];
        while pos < end && !self.in_items[self.sorted[pos]] {
            pos += 1;
        }
        self.cursor[p] = pos;
        if pos < end {
            let t = self.sorted[pos];
            self.col_item.push(t);
            self.col_pattern.push(p);
            self.col_u.push(u[t]);
            self.col_v.push(0.0);
            self.col_row.push(NONE);
            let c = self.col_item.len() - 1;
            for b in 0..bands {
                self.col_penalty[b * self.stride + c] = self.penalty[b * patterns + p];
            }
        }
    }

    /// Matches `row` along a shortest augmenting path over the matched columns and the
    /// heads, updates the potentials, flips the path, and makes the next item of the newly
    /// matched head's pattern a head.
    fn add_row(&mut self, row: usize, slots: &Slots<'_>, u: &[f64]) {
        let cols = self.col_item.len();
        self.open_v.clear();
        self.open_v.extend_from_slice(&self.col_v);
        reset(&mut self.open_dist, cols, f64::INFINITY);
        reset(&mut self.open_pred, cols, NONE);
        reset(&mut self.pred_row, cols, NONE);
        reset(&mut self.dist, cols, 0.0);
        self.settled.clear();
        // Row reduction: the row's cheapest reduced cost becomes 0.
        self.row_potential[row] =
            (0..cols).map(|c| self.cost(slots, row, c) - self.col_v[c]).fold(f64::INFINITY, f64::min);
        let (mut current, mut current_dist) = (row, 0.0);
        let free_col = loop {
            let base = current_dist - self.row_potential[current];
            let w = slots.w[current];
            let band = slots.band_of_slot[current];
            let q = &self.col_penalty[band * self.stride..band * self.stride + cols];
            let step = Step { base, w, row: current, q, u: &self.col_u[..cols], v: &self.open_v };
            let (best, c) = relax(&step, &mut self.open_dist, &mut self.open_pred);
            self.dist[c] = best;
            self.pred_row[c] = self.open_pred[c];
            self.settled.push(c);
            // Settled: at +∞ and with potential −∞, no later step relaxes or picks it.
            self.open_dist[c] = f64::INFINITY;
            self.open_v[c] = f64::NEG_INFINITY;
            if self.col_row[c] == NONE {
                break c;
            }
            current = self.col_row[c];
            current_dist = best;
        };
        augment(
            row,
            free_col,
            &self.settled,
            &self.dist,
            &self.pred_row,
            Matching {
                row_potential: &mut self.row_potential,
                col_potential: &mut self.col_v,
                row_col: &mut self.row_col,
                col_row: &mut self.col_row,
            },
        );
        // The matched head's pattern gets its next item as a head.
        let p = self.col_pattern[free_col];
        self.cursor[p] += 1;
        self.push_head(p, u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{family_instance, random_mixed, Family, RuleMix, SplitMix64};

    /// The pattern path against the candidate path (`oracle_assign.rs`, an independent
    /// method) on random duals: the same optimal value, and duals that certify it for
    /// every kept item (`α ≥ 0`, `α_i + β_j ≥ c(i, j)`, `Σ α + Σ β` = the value).
    fn compare(model: &Model, items: &[usize], y: &[f64], label: &str) {
        let mut oracle = Oracle::default();
        oracle.reserve(model.m, model.kept_len(), model.rules.len(), true);
        let kept = model.kept_len();
        reset(&mut oracle.item_dual, kept, 0.0);
        reset(&mut oracle.slot_dual, model.m, 0.0);
        reset(&mut oracle.ranking, model.m, 0);
        reset(&mut oracle.reduced_score, kept, 0.0);
        oracle.reduced_score.copy_from_slice(&model.scores);
        for (k, rule) in model.rules.iter().enumerate() {
            if rule.depth.is_none() {
                for (u, &a) in oracle.reduced_score.iter_mut().zip(model.rule_coef(k)) {
                    *u -= y[k] * a;
                }
            }
        }
        oracle.build_bands(model, y, items);
        let ours = best_ranking(&mut oracle, model, items, true);
        let ranking = oracle.ranking.clone();
        let check: f64 = ranking.iter().enumerate().map(|(j, &t)| oracle.reduced_value(model, t, j)).sum();
        assert!(
            (ours - check).abs() <= 1e-9 * (1.0 + ours.abs()),
            "{label}: value {ours} vs ranking {check}"
        );
        let mut seen = vec![false; kept];
        for &t in &ranking {
            assert!(items.contains(&t), "{label}: item {t} outside the working set");
            assert!(!seen[t], "{label}: item {t} twice");
            seen[t] = true;
        }
        let mut dual_sum: f64 = oracle.slot_dual.iter().sum();
        for &t in items {
            let alpha = oracle.item_dual[t];
            assert!(alpha >= 0.0);
            dual_sum += alpha;
            for j in 0..model.m {
                let slack = alpha + oracle.slot_dual[j] - oracle.reduced_value(model, t, j);
                assert!(
                    slack >= -1e-9 * (1.0 + ours.abs()),
                    "{label}: dual infeasible at ({t}, {j}): {slack}"
                );
            }
        }
        assert!((dual_sum - ours).abs() <= 1e-9 * (1.0 + ours.abs()), "{label}: dual {dual_sum} vs {ours}");
        let (theirs, _) = super::super::oracle_assign::best_ranking(&mut oracle, model, items, false);
        assert!(
            (theirs - ours).abs() <= 1e-9 * (1.0 + ours.abs()),
            "{label}: patterns {ours}, candidates {theirs}"
        );
    }

    #[test]
    fn matches_the_candidate_path_and_its_duals_certify() {
        let mut rng = SplitMix64::new(0xBADD_CAFE);
        let mut cases = 0;
        for seed in 1..=12u64 {
            for (n, m, k) in [(12, 4, 3), (40, 10, 4), (120, 20, 6)] {
                let instances = [
                    family_instance(Family::Partition, n, m, k, RuleMix::Mixed, seed),
                    family_instance(Family::Overlapping, n, m, k, RuleMix::TopOnly, seed),
                    family_instance(Family::Feed, n, m, k, RuleMix::Mixed, seed),
                    random_mixed(n, m, k, RuleMix::Mixed, seed),
                ];
                for data in instances {
                    let rules = data.rules();
                    let problem = data.problem(&rules);
                    let mut model = Model::default();
                    model.build(&problem, 1e-9);
                    let kept = model.kept_len();
                    let all: Vec<usize> = (0..kept).collect();
                    // A working set: every other item beyond the first m, or all.
                    let some: Vec<usize> = (0..kept).filter(|&t| t < model.m + 1 || t % 2 == 0).collect();
                    for trial in 0..4 {
                        // Duals of both signs, some zero, some tied (ties are where a
                        // tie-break could go wrong).
                        let y: Vec<f64> = (0..model.rules.len())
                            .map(|_| match rng.below(4) {
                                0 => 0.0,
                                1 => 0.5,
                                _ => 2.0 * rng.normal(),
                            })
                            .collect();
                        let items = if trial % 2 == 0 { &all } else { &some };
                        compare(&model, items, &y, &format!("seed {seed}, {n}x{m}, trial {trial}"));
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 12 * 3 * 4 * 4);
    }
}
