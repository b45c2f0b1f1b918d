//! Static safe screening (DESIGN.md F7): drop items that provably never need a slot.
//!
//! Item `k` dominates item `i` when `s_k ≥ s_i` and `a_kr = a_ir` for every rule `r`
//! (same coefficient pattern), ties broken by index. If `i` has at least `m` dominators,
//! some optimal `x` has `x_i· = 0`: any mass of `i` in slot `j` can move to a dominator with
//! spare capacity (there is one, since `m` slots cannot fill `m` dominators and `i` too),
//! which changes no rule value and does not lower the objective.
//!
//! We keep `m + 1` items per pattern rather than `m`: then every dropped item has a kept
//! dominator that the inner ranking leaves out, whose item dual is 0, and the certificate
//! (DESIGN.md F6) holds for the dropped items with `α_i = 0` without ever looking at them.
//!
//! Identical patterns are the common case (group membership). Dominance across different
//! patterns (a coefficient that is "at least as favourable" for every rule) is left to the
//! dynamic screening of the light-speed work.

use std::cmp::Ordering;

/// Scratch buffers for [`Screen::keep_undominated`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Screen {
    order: Vec<usize>,
    pattern_hash: Vec<u64>,
}

impl Screen {
    /// Writes into `kept` (ascending) the items that are not dominated by `keep` others.
    /// `coef` holds `rules` rows of `scores.len()` coefficients each.
    pub(crate) fn keep_undominated(
        &mut self,
        scores: &[f64],
        coef: &[f64],
        rules: usize,
        keep: usize,
        kept: &mut Vec<usize>,
    ) {
        let n = scores.len();
        kept.clear();
        if n <= keep {
            kept.extend(0..n);
            return;
        }
        self.pattern_hash.clear();
        self.pattern_hash.extend((0..n).map(|i| hash_pattern(coef, rules, n, i)));
        self.order.clear();
        self.order.extend(0..n);
        let hash = &self.pattern_hash;
        let same_pattern =
            |a: usize, b: usize| (0..rules).all(|r| coef[r * n + a].to_bits() == coef[r * n + b].to_bits());
        self.order.sort_unstable_by(|&a, &b| {
            hash[a]
                .cmp(&hash[b])
                .then_with(|| compare_pattern(coef, rules, n, a, b))
                .then_with(|| scores[b].total_cmp(&scores[a]))
                .then(a.cmp(&b))
        });
        let mut run = 0;
        for (pos, &item) in self.order.iter().enumerate() {
            if pos > 0 && same_pattern(self.order[pos - 1], item) {
                run += 1;
            } else {
                run = 0;
            }
            if run < keep {
                kept.push(item);
            }
        }
        kept.sort_unstable();
    }
}

/// FNV-1a over the bits of item `i`'s coefficients.
fn hash_pattern(coef: &[f64], rules: usize, n: usize, i: usize) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for r in 0..rules {
        h ^= coef[r * n + i].to_bits();
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn compare_pattern(coef: &[f64], rules: usize, n: usize, a: usize, b: usize) -> Ordering {
    (0..rules)
        .map(|r| coef[r * n + a].to_bits().cmp(&coef[r * n + b].to_bits()))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_best_of_each_pattern() {
        // Two patterns (member / not), keep 2 of each.
        let scores = [0.1, 0.9, 0.5, 0.9, 0.3, 0.7];
        let coef = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let mut kept = Vec::new();
        Screen::default().keep_undominated(&scores, &coef, 1, 2, &mut kept);
        // Pattern 1: items 0, 2, 4 → keep 2 (0.5) and 4 (0.3). Pattern 0: items 1, 3, 5 →
        // 1 and 3 tie at 0.9 and both beat 5.
        assert_eq!(kept, vec![1, 2, 3, 4]);
    }

    #[test]
    fn ties_break_by_index_and_small_inputs_are_kept_whole() {
        let scores = [0.5; 5];
        let mut kept = Vec::new();
        let mut s = Screen::default();
        s.keep_undominated(&scores, &[], 0, 3, &mut kept);
        assert_eq!(kept, vec![0, 1, 2]);
        s.keep_undominated(&scores[..2], &[], 0, 3, &mut kept);
        assert_eq!(kept, vec![0, 1]);
    }
}
