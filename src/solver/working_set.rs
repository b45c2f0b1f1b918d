//! Dynamic screening (docs/design.md F7): the oracle prices over a working set of the kept
//! items, and before a status is trusted a check over all kept items confirms that the
//! items left out could not have done better (or grows the set).

use super::best_items::BestItems;
use super::pricing::count_inner;
use super::tuning::WORKING_SET_MIN_FACTOR;
use super::workspace::Workspace;
use crate::solution::Stats;

/// Dynamic screening, start: the working set holds the best `2(m + 1)` kept items by
/// score and, for each rule, the best `m + 1` with a positive and with a negative
/// coefficient. Small problems keep everything.
///
/// "Best" is score descending, ties by index (a strict order, so each list is a set of
/// items, whatever the method). One pass keeps the best `WORKING_SET_MIN_FACTOR·(m + 1)`
/// items, sorted: each rule's lists are the first items of that prefix with the sign, when
/// it holds `m + 1` of them (every item outside the prefix ranks after every item in it).
/// Only a list the prefix cannot fill takes a pass over all items. At 100,000 kept items
/// with real coefficients this replaced `2K + 1` selections over filtered copies of the
/// items, about a fifth of the solve.
pub(super) fn init_working_set(ws: &mut Workspace) {
    let model = &ws.model;
    let (kept, m) = (model.kept_len(), model.m);
    ws.all_kept.clear();
    ws.all_kept.extend(0..kept);
    ws.in_working.clear();
    ws.in_working.resize(kept, false);
    ws.working.clear();
    let prefix = WORKING_SET_MIN_FACTOR * (m + 1);
    if kept <= prefix {
        ws.working.extend(0..kept);
        ws.in_working.fill(true);
        return;
    }
    let scores = &model.scores;
    let mut best = BestItems::new(scores, &mut ws.order, prefix);
    for t in 0..kept {
        best.offer(t);
    }
    let prefix = best.into_sorted();
    // The prefix is sorted best first; the first 2(m + 1) are the best overall.
    for &t in &prefix[..2 * (m + 1)] {
        ws.in_working[t] = true;
    }
    for k in 0..model.rules.len() {
        let a = model.rule_coef(k);
        for positive in [true, false] {
            let eligible = |c: f64| if positive { c > 0.0 } else { c < 0.0 };
            let mut found = 0;
            for &t in prefix {
                if found == m + 1 {
                    break;
                }
                if eligible(a[t]) {
                    ws.in_working[t] = true;
                    found += 1;
                }
            }
            if found < m + 1 {
                // `working` is borrowed as scratch until the end.
                let mut rest = BestItems::new(scores, &mut ws.working, m + 1);
                for (t, &c) in a.iter().enumerate() {
                    if eligible(c) {
                        rest.offer(t);
                    }
                }
                for &t in rest.items() {
                    ws.in_working[t] = true;
                }
            }
        }
    }
    ws.working.clear();
    ws.working.extend((0..kept).filter(|&t| ws.in_working[t]));
}

/// Dynamic screening, check: the items left out of the working set could not improve the
/// inner problem at `ws.check_y`? First the working set's solve, with its duals: when they
/// are feasible for every item left out too (`Oracle::duals_cover`, `O(t·K)` with a small
/// constant), the answer is yes and the oracle holds a solve valid over all kept items.
/// Otherwise it solves over all kept items; if that beats the working set, the items of
/// the better ranking join the set, `best_bound` (phase 2) becomes the now valid
/// `g(check_y)`, the full ranking stays in the oracle to be added as a column, and the
/// answer is no. (The duals' check replaced a solve over every kept item on each call:
/// at 100,000 kept items with real coefficients that solve was a quarter of the time.)
pub(super) fn confirm_working_set(
    ws: &mut Workspace,
    with_scores: bool,
    stats: &mut Stats,
    best_bound: Option<&mut f64>,
) -> bool {
    if ws.working.len() == ws.all_kept.len() {
        return true;
    }
    let y = std::mem::take(&mut ws.check_y);
    let part = ws.oracle.solve(&ws.model, &ws.working, &y, with_scores, true);
    count_inner(stats, part);
    let tolerance = 1e-12 * ws.model.scale.max(1.0);
    if ws.oracle.duals_cover(&ws.model, &ws.working, &y, with_scores, tolerance) {
        // `finish` reuses this solve for the certificate (`Oracle::holds_full_solve`).
        ws.check_y = y;
        return true;
    }
    // With scores (phase 2), the full solve also keeps its duals: when the check confirms
    // the best `y`, the certificate needs exactly this solve, and `finish` reuses it
    // (`Oracle::holds_full_solve`) instead of running it again over every kept item.
    let full = ws.oracle.solve(&ws.model, &ws.all_kept, &y, with_scores, with_scores);
    count_inner(stats, full);
    let confirmed = full.value <= part.value + tolerance;
    if !confirmed {
        let joining = ws.oracle.ranking.iter().copied().chain(ws.oracle.runner_up);
        for t in joining {
            if !ws.in_working[t] {
                ws.in_working[t] = true;
                ws.working.push(t);
            }
        }
        ws.working.sort_unstable();
        stats.working_set_growths += 1;
        if let Some(bound) = best_bound {
            *bound =
                ws.model.rules.iter().zip(&y).map(|(r, &yk)| r.priced_bound(yk)).sum::<f64>() + full.value;
        }
    }
    ws.check_y = y;
    confirmed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Members, Problem, Rule, SlotProfile, Slots};
    use crate::synthetic::SplitMix64;

    /// The lists the working set must hold, by a different method: every list sorted in
    /// full, score descending and ties by index, and cut.
    fn reference(ws: &Workspace) -> Vec<bool> {
        let model = &ws.model;
        let (kept, m) = (model.kept_len(), model.m);
        let scores = &model.scores;
        let mut marked = vec![false; kept];
        let mut take = |mut list: Vec<usize>, count: usize| {
            list.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap().then(a.cmp(&b)));
            for &t in list.iter().take(count) {
                marked[t] = true;
            }
        };
        take((0..kept).collect(), 2 * (m + 1));
        for k in 0..model.rules.len() {
            let a = model.rule_coef(k);
            take((0..kept).filter(|&t| a[t] > 0.0).collect(), m + 1);
            take((0..kept).filter(|&t| a[t] < 0.0).collect(), m + 1);
        }
        marked
    }

    /// `c(t, j)` at `y` from the model's numbers, independently of the oracle.
    fn reduced_value(
        model: &crate::solver::model::Model,
        y: &[f64],
        with_scores: bool,
        t: usize,
        j: usize,
    ) -> f64 {
        let mut value = if with_scores { model.scores[t] * model.w[j] } else { 0.0 };
        for (r, rule) in model.rules.iter().enumerate() {
            let a = model.rule_coef(r)[t];
            match rule.depth {
                None => value -= y[r] * a * model.w[j],
                Some(d) if j < d => value -= y[r] * a,
                Some(_) => {}
            }
        }
        value
    }

    /// The check without a full solve is sound: whenever `Oracle::duals_cover` says the
    /// working set's duals cover the items left out, those duals (with `α = 0` outside) are
    /// feasible for every kept item and slot, recomputed here from the problem's numbers,
    /// and the full solve finds nothing better; and a `β` lowered below one item's value
    /// in any one slot is seen. Both answers occur, with and without scores, over top(d)
    /// and exposure rules of real coefficients.
    #[test]
    fn covering_duals_are_feasible_for_every_kept_item() {
        let mut rng = SplitMix64::new(0xC0FE_12D5);
        let (mut covered, mut refused) = (0, 0);
        for case in 0..40 {
            let m = 2 + rng.below(10);
            let n = WORKING_SET_MIN_FACTOR * (m + 1) + 1 + rng.below(1500);
            let scores: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let k = 1 + rng.below(4);
            let coefficients: Vec<Vec<f64>> =
                (0..k).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
            let depths: Vec<Option<usize>> =
                (0..k).map(|_| if rng.below(3) == 0 { None } else { Some(1 + rng.below(m)) }).collect();
            let rules: Vec<Rule<'_>> = coefficients
                .iter()
                .zip(&depths)
                .map(|(c, d)| {
                    let profile = d.map_or(SlotProfile::Exposure, SlotProfile::Top);
                    Rule::between(Members::Coefficients(c), profile, Some(-1.0), Some(1.0))
                })
                .collect();
            let problem = Problem::new(&scores, Slots::Count(m)).with_rules(&rules);
            let mut ws = Workspace::default();
            ws.model.build(&problem, 1e-9);
            let kept = ws.model.kept_len();
            ws.oracle.reserve(m, kept, k, true);
            init_working_set(&mut ws);
            assert!(ws.working.len() < kept, "case {case}: the working set holds every item");
            let tolerance = 1e-12 * ws.model.scale.max(1.0);
            for trial in 0..6 {
                let spread = [0.1, 1.0, 5.0][trial % 3];
                let y: Vec<f64> = (0..k).map(|_| spread * rng.normal()).collect();
                let with_scores = trial % 2 == 0;
                let part = ws.oracle.solve(&ws.model, &ws.working, &y, with_scores, true);
                let covers = ws.oracle.duals_cover(&ws.model, &ws.working, &y, with_scores, tolerance);
                let (alpha, beta) = (ws.oracle.item_dual.clone(), ws.oracle.slot_dual.clone());
                if covers {
                    // Lowered below one item's value in one slot, the duals no longer cover
                    // it: the check must see that whichever slot of its band it is.
                    let t = (0..kept).find(|&t| !ws.in_working[t]).expect("an item outside");
                    let j = rng.below(m);
                    let value = reduced_value(&ws.model, &y, with_scores, t, j);
                    ws.oracle.slot_dual[j] = value - 1e-6 * ws.model.scale.max(1.0);
                    assert!(
                        !ws.oracle.duals_cover(&ws.model, &ws.working, &y, with_scores, tolerance),
                        "case {case}/{trial}: item {t} over β in slot {j} passed"
                    );
                    ws.oracle.slot_dual.copy_from_slice(&beta);
                }
                let in_working = &ws.in_working;
                let full = ws.oracle.solve(&ws.model, &ws.all_kept, &y, with_scores, false);
                if !covers {
                    refused += 1;
                    continue;
                }
                covered += 1;
                assert!(
                    full.value <= part.value + tolerance,
                    "case {case}/{trial}: {} > {}",
                    full.value,
                    part.value
                );
                let model = &ws.model;
                for t in 0..kept {
                    let alpha_t = if in_working[t] { alpha[t] } else { 0.0 };
                    assert!(in_working[t] || alpha[t] == 0.0, "case {case}/{trial}: α outside the set");
                    for (j, &beta_j) in beta.iter().enumerate().take(m) {
                        let value = reduced_value(model, &y, with_scores, t, j);
                        assert!(
                            value <= alpha_t + beta_j + 1e-9 * model.scale.max(1.0),
                            "case {case}/{trial}: item {t} slot {j}: {value} > {alpha_t} + {beta_j}"
                        );
                    }
                }
            }
        }
        assert!(
            covered > 40 && refused > 10,
            "covered {covered}, refused {refused}: both answers should occur"
        );
    }

    /// Scores with many ties, and rules whose lists the sorted prefix fills, rules with
    /// fewer eligible items than a list holds (or none of one sign), and rules whose
    /// eligible items all score low (so the prefix holds none of them).
    #[test]
    fn working_set_holds_each_list_best_first() {
        let mut rng = SplitMix64::new(0x5EED_0F5E7);
        for case in 0..60 {
            let m = 2 + rng.below(12);
            let n = WORKING_SET_MIN_FACTOR * (m + 1) + 1 + rng.below(2000);
            let levels = 1 + rng.below(40);
            let scores: Vec<f64> = (0..n).map(|_| rng.below(levels) as f64 / 7.0).collect();
            // Rule 0 has real coefficients of both signs, so that every item is its own pattern
            // and screening keeps them all.
            let k = 2 + rng.below(4);
            let coefficients: Vec<Vec<f64>> = (0..k)
                .map(|r| {
                    (0..n)
                        .map(|i| match if r == 0 { 0 } else { (r + case) % 4 } {
                            // Both signs, real-valued: every item its own pattern.
                            0 => rng.normal(),
                            // A few positive items only.
                            1 => f64::from(u8::from(rng.below(n) < m)) * (1.0 + rng.next_f64()),
                            // Positive items among the lowest scores only.
                            2 => {
                                f64::from(u8::from(scores[i] == 0.0)) * rng.next_f64() - 0.01 * rng.next_f64()
                            }
                            // No negative item.
                            _ => rng.next_f64(),
                        })
                        .collect()
                })
                .collect();
            // Two-sided rules: only equal patterns compare in screening.
            let rules: Vec<Rule<'_>> = coefficients
                .iter()
                .map(|c| Rule::between(Members::Coefficients(c), SlotProfile::Top(m), Some(-1e6), Some(1e6)))
                .collect();
            let problem = Problem::new(&scores, Slots::Count(m)).with_rules(&rules);
            let mut ws = Workspace::default();
            ws.model.build(&problem, 1e-9);
            assert!(
                ws.model.kept_len() > WORKING_SET_MIN_FACTOR * (m + 1),
                "case {case}: screening kept too few"
            );
            init_working_set(&mut ws);
            let want = reference(&ws);
            assert_eq!(ws.in_working, want, "case {case}: n {n}, m {m}, k {k}");
            let listed: Vec<usize> = (0..ws.model.kept_len()).filter(|&t| want[t]).collect();
            assert_eq!(ws.working, listed, "case {case}");
        }
    }
}
