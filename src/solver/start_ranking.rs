//! The edge master's first basis: a ranking built slot by slot to keep the rules.
//!
//! Edge generation starts its master from a full ranking (`edge_master.rs`). The ranking of
//! the first oracle call, the items sorted by score (`y = 0`), breaks most of the rules, so
//! phase 1 and the first rounds of phase 2 spend pivots and oracle calls moving the flow
//! away from it. This ranking is built first instead, and its edges alone form the first
//! basis: the sorted ranking's edges are not added (that call still gives the first bound,
//! `g(0)`; adding its edges too cost more than it saved, see below).
//!
//! It fills slots `j = 0, 1, …, m − 1` in turn. Slot `j` takes the best-scored unused item
//! of the working set (ties by index) whose placement keeps every rule satisfiable as far as
//! a myopic check can tell. With `V_k` the rule's value so far, `c = a_kt v_kj` what item `t`
//! adds in slot `j`, and the most the later slots can still add or take away,
//!
//! ```text
//!     hi_k(j) = Σ_{j' > j} v_kj' · max(0, max_t a_kt),   lo_k(j) = Σ_{j' > j} v_kj' · min(0, min_t a_kt)
//!     (max and min over the working set), it requires
//!     V_k + c + lo_k(j) ≤ max_k + tol_k   and   V_k + c + hi_k(j) ≥ min_k − tol_k,
//! ```
//!
//! soft rules as hard ones. This is the check of the baseline greedy (`crate::greedy`),
//! here over the kept items' coefficients. When no unused item passes, the slot takes the
//! best unused item. The rule that failed last is checked first: the items turned away
//! from a slot mostly fail the same rule.
//!
//! Nothing rests on the ranking being feasible or good: any ranking of distinct working
//! items is a valid first basis, the master stays exact whatever edges it holds, and the
//! certificate comes from the oracle as before. It only moves where the simplex starts.
//!
//! Cost: a sort of the working set by score, then per slot a scan from the best unused
//! item to the first that passes, `O(K)` per item (at worst every working item in every
//! slot, when none passes).
//!
//! **Measured** (callgrind, `Solver::solve` inclusive, `lprank solve --repeat 1`, against
//! the first basis being the sorted ranking):
//!
//! | instances | before | with this start | inner solves | master pivots |
//! |---|---|---|---|---|
//! | 1000×50 K=10, seeds 1–4 of the five families | 922.7 M | 771.5 M | 235 → 223 | 10,116 → 8,469 |
//! | 200×20 K=5 seeds 1–2 and 10000×100 K=20 seed 1, five families | 1,560.3 M | 1,297.1 M | 164 → 142 | 9,017 → 6,954 |
//!
//! Per instance the change ranges from 0.46× to 1.10× (the path the simplex takes moves
//! with its start); at 100000×50 seed 1, where screening weighs more: feed 0.92, mixed
//! 0.82, overlapping 1.09, partition 1.05, real 0.98. Variants measured on the 1000×50 set:
//! - the sorted ranking's edges added as well, after these: 805.3 M; before them (the
//!   sorted ranking the first basis, these edges added): 853.2 M;
//! - giving up on a slot after 16, 64 or 256 failed items: 893.0 M, 841.2 M (both with the
//!   sorted ranking's edges) and 797.0 M: the further the scan finds an item that keeps
//!   the rules, the better the start;
//! - checking the rule that failed last first cut the ranking's own cost at 10000×100 real
//!   coefficients (every item its own pattern, few pass) from 26.5 M to 8.3 M instructions
//!   of a 470 M solve.

use super::model::Model;
use super::workspace::{reserve, reset};

/// Buffers of the start ranking, reused across solves.
#[derive(Clone, Debug, Default)]
pub(crate) struct StartRanking {
    /// The working set, best score first.
    order: Vec<usize>,
    /// Whether each position of `order` has a slot.
    used: Vec<bool>,
    /// `V_k` per rule.
    value: Vec<f64>,
    /// `max(0, max_t a_kt)` and `min(0, min_t a_kt)` per rule, over the working set.
    most: Vec<f64>,
    least: Vec<f64>,
    /// `Σ_{j' ≥ j} w_j'`, for `j ∈ 0..=m`.
    weight_after: Vec<f64>,
    /// The kept item of each slot.
    pub(crate) ranking: Vec<usize>,
    /// The rule that failed the last check.
    first_failing: usize,
}

impl StartRanking {
    /// Reserves every buffer for `kept` items, `m` slots and `rules` rules.
    pub(crate) fn reserve(&mut self, kept: usize, m: usize, rules: usize) {
        reserve(&mut self.order, kept);
        reserve(&mut self.used, kept);
        for v in [&mut self.value, &mut self.most, &mut self.least] {
            reserve(v, rules);
        }
        reserve(&mut self.weight_after, m + 1);
        reserve(&mut self.ranking, m);
    }

    /// The bytes [`StartRanking::reserve`] reserves (see `memory.rs`).
    pub(crate) fn reserved_bytes(kept: usize, m: usize, rules: usize) -> usize {
        let word = std::mem::size_of::<usize>();
        kept.saturating_mul(word + 1)
            .saturating_add(rules.saturating_mul(3 * word))
            .saturating_add(m.saturating_add(1).saturating_mul(word))
            .saturating_add(m.saturating_mul(word))
    }

    /// Builds the ranking over `working` (distinct kept items, at least `m` of them) into
    /// [`StartRanking::ranking`].
    pub(crate) fn build(&mut self, model: &Model, working: &[usize]) {
        let (m, k) = (model.m, model.rules.len());
        let scores = &model.scores;
        self.order.clear();
        self.order.extend_from_slice(working);
        self.order.sort_unstable_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        reset(&mut self.used, self.order.len(), false);
        reset(&mut self.value, k, 0.0);
        self.most.clear();
        self.least.clear();
        for r in 0..k {
            let a = model.rule_coef(r);
            let (most, least) =
                working.iter().fold((0.0f64, 0.0f64), |(hi, lo), &t| (hi.max(a[t]), lo.min(a[t])));
            self.most.push(most);
            self.least.push(least);
        }
        reset(&mut self.weight_after, m + 1, 0.0);
        for j in (0..m).rev() {
            self.weight_after[j] = self.weight_after[j + 1] + model.w[j];
        }
        self.ranking.clear();
        self.first_failing = 0;
        // Positions before `first` in `order` are all used.
        let mut first = 0;
        for j in 0..m {
            // Fewer working items than slots leaves the ranking short, and the master
            // refuses to start from it (`EdgeTrouble::NoStartingRanking`); callers pass `m`.
            let Some(unused) = (first..self.order.len()).find(|&pos| !self.used[pos]) else { break };
            first = unused;
            let chosen = (first..self.order.len())
                .find(|&pos| !self.used[pos] && self.keeps_rules(model, self.order[pos], j))
                .unwrap_or(first);
            self.used[chosen] = true;
            let t = self.order[chosen];
            for (r, rule) in model.rules.iter().enumerate() {
                self.value[r] += model.rule_coef(r)[t] * profile(model, rule.depth, j);
            }
            self.ranking.push(t);
        }
    }

    /// The myopic check of the module doc for item `t` in slot `j`. The rule that failed
    /// last is checked first: the items turned away from a slot mostly fail the same rule.
    fn keeps_rules(&mut self, model: &Model, t: usize, j: usize) -> bool {
        let k = model.rules.len();
        let hot = self.first_failing.min(k.saturating_sub(1));
        for r in std::iter::once(hot).chain((0..k).filter(|&r| r != hot)) {
            if !self.keeps_rule(model, r, t, j) {
                self.first_failing = r;
                return false;
            }
        }
        true
    }

    /// The check for rule `r` alone.
    fn keeps_rule(&self, model: &Model, r: usize, t: usize, j: usize) -> bool {
        let rule = &model.rules[r];
        let later = match rule.depth {
            Some(d) => d.saturating_sub(j + 1) as f64,
            None => self.weight_after[j + 1],
        };
        let value = self.value[r] + model.rule_coef(r)[t] * profile(model, rule.depth, j);
        // Written so that a NaN fails the check.
        let under_max = rule.max.is_none_or(|max| value + later * self.least[r] <= max + rule.tol);
        let over_min = rule.min.is_none_or(|min| value + later * self.most[r] >= min - rule.tol);
        under_max && over_min
    }
}

/// `v_kj`: 1 in the first `d` slots of a top(d) rule, `w_j` for an exposure rule.
fn profile(model: &Model, depth: Option<usize>, j: usize) -> f64 {
    match depth {
        Some(d) => f64::from(u8::from(j < d)),
        None => model.w[j],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Members, Problem, Rule, SlotProfile, Slots};
    use crate::synthetic::{family_instance, random_mixed, Family, RuleMix};

    /// The start ranking of `problem` over every kept item, as original item indices.
    fn start(problem: &Problem<'_>) -> Vec<usize> {
        let mut model = Model::default();
        model.build(problem, 1e-9);
        let working: Vec<usize> = (0..model.kept_len()).collect();
        let mut start = StartRanking::default();
        start.build(&model, &working);
        start.ranking.iter().map(|&t| model.kept[t]).collect()
    }

    const SCORES: [f64; 8] = [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0];

    /// A cap the sorted ranking breaks (the four best items are in the group, at most one
    /// may be in the top 3): the first slot takes the best, the next two skip the group.
    #[test]
    fn keeps_a_cap_the_sorted_ranking_breaks() {
        let group = [0, 1, 2, 3];
        let rules = [Rule::at_most(Members::Items(&group), SlotProfile::Top(3), 1.0)];
        let problem = Problem::new(&SCORES, Slots::Count(3)).with_rules(&rules);
        assert_eq!(start(&problem), vec![0, 4, 5]);
    }

    /// A minimum the sorted ranking misses (two of the three worst items in the top 3): the
    /// first slot can still take the best, since two later slots could meet it; then only
    /// group items pass.
    #[test]
    fn meets_a_minimum_as_soon_as_it_must() {
        let group = [5, 6, 7];
        let rules = [Rule::at_least(Members::Items(&group), SlotProfile::Top(3), 2.0)];
        let problem = Problem::new(&SCORES, Slots::Count(3)).with_rules(&rules);
        assert_eq!(start(&problem), vec![0, 5, 6]);
    }

    /// An exposure share counts the later slots by their weights: with weights 3, 2, 1 and
    /// the group's exposure at least 3, the best item (outside it) may take slot 0 only if
    /// slots 1 and 2 can still bring 3, which they can (2 + 1); slot 1 must then go to the
    /// group (1 alone is short of 3), and so must slot 2.
    #[test]
    fn weighs_later_slots_for_exposure_rules() {
        let group = [6, 7];
        let weights = [3.0, 2.0, 1.0];
        let rules = [Rule::at_least(Members::Items(&group), SlotProfile::Exposure, 3.0)];
        let problem = Problem::new(&SCORES, Slots::Weights(&weights)).with_rules(&rules);
        assert_eq!(start(&problem), vec![0, 6, 7]);
    }

    /// When no item passes, the slot takes the best unused item (an infeasible cap of 0 on
    /// every item): the sorted ranking.
    #[test]
    fn falls_back_to_the_best_unused_item() {
        let all: Vec<usize> = (0..SCORES.len()).collect();
        let rules = [Rule::at_most(Members::Items(&all), SlotProfile::Top(2), 0.0)];
        let problem = Problem::new(&SCORES, Slots::Count(3)).with_rules(&rules);
        assert_eq!(start(&problem), vec![0, 1, 2]);
    }

    /// On every family, a full ranking of distinct working items (a valid first basis), the
    /// same on a second build with the same buffers.
    #[test]
    fn ranks_distinct_working_items_deterministically() {
        for seed in 1..=4u64 {
            for (n, m, k) in [(30, 5, 3), (200, 20, 5), (1000, 50, 10)] {
                for data in [
                    family_instance(Family::Partition, n, m, k, RuleMix::Mixed, seed),
                    family_instance(Family::Overlapping, n, m, k, RuleMix::TopOnly, seed),
                    family_instance(Family::RealCoefficients, n, m, k, RuleMix::Mixed, seed),
                    family_instance(Family::Feed, n, m, k, RuleMix::Mixed, seed),
                    random_mixed(n, m, k, RuleMix::Mixed, seed),
                ] {
                    let rules = data.rules();
                    let problem = data.problem(&rules);
                    let mut model = Model::default();
                    model.build(&problem, 1e-9);
                    // Every other kept item beyond the first 2m, as a working set.
                    let working: Vec<usize> =
                        (0..model.kept_len()).filter(|&t| t < 2 * model.m || t % 2 == 0).collect();
                    let mut start = StartRanking::default();
                    start.build(&model, &working);
                    let first = start.ranking.clone();
                    assert_eq!(first.len(), model.m);
                    let mut seen = vec![false; model.kept_len()];
                    for &t in &first {
                        assert!(working.contains(&t), "item {t} outside the working set");
                        assert!(!seen[t], "item {t} twice");
                        seen[t] = true;
                    }
                    start.build(&model, &working);
                    assert_eq!(start.ranking, first, "seed {seed}, {n}x{m}");
                }
            }
        }
    }
}
