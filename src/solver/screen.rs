//! Static safe screening (docs/design.md F7): drop items that provably never need a slot.
//!
//! Item `k` dominates item `i` (`k ≻ i`) when `s_k ≥ s_i` and, for every rule, `a_k` is at
//! least as favourable as `a_i` for every dual value the rule can take: smaller for a rule
//! with only a max (its dual is `≥ 0`), larger for one with only a min, equal for a
//! two-sided rule. Ties in both score and pattern break by index, so `≻` is a strict order.
//! For every dual `y` the inner values then satisfy `c(k, j) ≥ c(i, j)` in every slot.
//!
//! If `i` has at least `m` dominators, some optimal `x` has `x_i· = 0`: mass of `i` in slot
//! `j` can move to a dominator with spare capacity, which does not lower the objective nor
//! break a rule. We drop items with at least `m + 1` dominators: then each dropped item has
//! a kept dominator that the inner ranking leaves out, whose item dual is 0, so the
//! certificate (F6) holds for dropped items with `α_i = 0` without looking at them. (If `i`
//! has `m + 1` dominators, a `≻`-maximal dropped one among them has all of its own — at
//! least `m + 1` — kept, and they dominate `i` too: so every dropped item keeps `m + 1` kept
//! dominators.)
//!
//! The work is linear in `n·K`: items are grouped by coefficient pattern with a hash table,
//! each group keeps its `m + 1` best scores (a selection, not a sort), and then groups
//! are compared pairwise — there are few when rules are about groups of items.

use std::cmp::Ordering;

use super::best_items::BestItems;
use super::coefficients::Coefficients;
use super::tuning::{
    INITIAL_TABLE_SLOTS, MAX_PATTERNS_COMPARED, MIN_ITEMS_PER_PATTERN_COMPARED, SCREEN_HEAP_FACTOR,
    SCREEN_SAMPLE, SCREEN_SAMPLE_MIN_ITEMS, SCREEN_SAMPLE_REPEAT_DIVISOR,
};

/// Slots of the pattern hash table reserved for `n` items: a power of two at least `2n`, so
/// that probes stay short even if every item has its own pattern.
fn table_len(n: usize) -> usize {
    n.saturating_mul(2).checked_next_power_of_two().unwrap_or(usize::MAX)
}

/// How the rules' possible dual signs order coefficients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Favour {
    /// Only a max bound: smaller coefficients are better.
    Smaller,
    /// Only a min bound: larger coefficients are better.
    Larger,
    /// Both bounds: only equal coefficients compare.
    Equal,
}

/// Scratch buffers for [`Screen::keep_undominated`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Screen {
    pattern_hash: Vec<u64>,
    group_of: Vec<u32>,
    /// Open-addressing table of `(hash, group + 1)`; 0 marks an empty slot.
    table: Vec<(u64, u32)>,
    /// First item of each group (its pattern's representative).
    representative: Vec<usize>,
    group_start: Vec<usize>,
    order: Vec<usize>,
    /// Kept items of each group, best first, and where each group's list starts.
    kept_start: Vec<usize>,
    kept_by_group: Vec<usize>,
    /// The patterns that dominate pattern `q` are `dominators[dominator_start[q]..
    /// dominator_start[q + 1]]` (pattern ids fit in `u16`: at most `MAX_PATTERNS_COMPARED`).
    dominators: Vec<u16>,
    dominator_start: Vec<usize>,
    /// The representatives' coefficients, `groups × K` row-major, for the comparison.
    representative_coef: Vec<f64>,
    /// How many coefficient patterns the last [`Screen::keep_undominated`] kept items of
    /// (`None` when it kept every item without grouping them).
    kept_patterns: Option<usize>,
}

impl Screen {
    /// Writes into `kept` (ascending) the items that are not dominated by `keep` others.
    /// `coef` holds the rules' coefficients over the `scores.len()` items.
    pub(crate) fn keep_undominated(
        &mut self,
        scores: &[f64],
        coef: &Coefficients<'_>,
        favour: &[Favour],
        keep: usize,
        kept: &mut Vec<usize>,
    ) {
        let n = scores.len();
        debug_assert_eq!(coef.items(), n);
        debug_assert_eq!(coef.rules(), favour.len());
        kept.clear();
        self.kept_patterns = None;
        if n <= keep {
            kept.extend(0..n);
            return;
        }
        if let Some(distinct) = self.nearly_all_distinct(coef, n) {
            // Every group of one item keeps it: grouping would find next to nothing to
            // drop. Keeping an item is always safe; the distinct patterns of the sample
            // are a lower bound on the kept items' patterns, all the oracle's choice of
            // path reads (`kept_patterns`).
            kept.extend(0..n);
            self.kept_patterns = Some(distinct);
            return;
        }
        let groups = self.group_by_pattern(coef, n);

        // Within a group: keep the `keep` best (score, then index), best first: through a
        // bounded heap in a large group (most items turned away by one comparison), by a
        // selection in place in a small one (where the heap would take in most items).
        // `kept` is free until the end, so it holds each group's heap.
        self.kept_start.clear();
        self.kept_by_group.clear();
        let best_first = |&a: &usize, &b: &usize| scores[b].total_cmp(&scores[a]).then(a.cmp(&b));
        for g in 0..groups {
            self.kept_start.push(self.kept_by_group.len());
            let members = &mut self.order[self.group_start[g]..self.group_start[g + 1]];
            if let [only] = members {
                // With real coefficients most patterns have one item.
                self.kept_by_group.push(*only);
            } else if members.len() > SCREEN_HEAP_FACTOR.saturating_mul(keep) {
                let mut best = BestItems::new(scores, kept, keep);
                for &i in members.iter() {
                    best.offer(i);
                }
                self.kept_by_group.extend_from_slice(best.into_sorted());
            } else {
                if members.len() > keep {
                    members.select_nth_unstable_by(keep - 1, best_first);
                }
                let count = keep.min(members.len());
                let best = &mut members[..count];
                best.sort_unstable_by(best_first);
                self.kept_by_group.extend_from_slice(best);
            }
        }
        kept.clear();
        self.kept_start.push(self.kept_by_group.len());

        // Patterns are compared when there are few of them, and items enough per pattern
        // on average for the comparison (`groups²·K`) to pay (`tuning.rs`).
        if groups > 1 && groups <= MAX_PATTERNS_COMPARED && groups * MIN_ITEMS_PER_PATTERN_COMPARED <= n {
            self.compare_patterns(coef, favour, groups);
            let mut kept_patterns = 0;
            for q in 0..groups {
                let before = kept.len();
                let own = &self.kept_by_group[self.kept_start[q]..self.kept_start[q + 1]];
                // Best first, an item has at least the dominators of the one before it (the
                // same patterns dominate both, its score is no higher, and one more of its
                // own group ranks before it): from the first dropped item on, every item of
                // the group is dropped, so the counting stops there.
                for (better_in_own, &i) in own.iter().enumerate() {
                    if self.dominator_count(scores, q, i, better_in_own, keep) >= keep {
                        break;
                    }
                    kept.push(i);
                }
                kept_patterns += usize::from(kept.len() > before);
            }
            self.kept_patterns = Some(kept_patterns);
        } else {
            // Every group keeps its best items, so every pattern is among the kept.
            kept.extend_from_slice(&self.kept_by_group);
            self.kept_patterns = Some(groups);
        }
        self.sort_items(kept, n);
    }

    /// With real-valued coefficients nearly every item has a pattern of its own, and
    /// screening, which only drops items of groups larger than `keep` or dominated by few
    /// patterns, pays a hash table of `2n` slots to drop next to none (100,000 items,
    /// real coefficients: 65M instructions to drop 61). So first the patterns of an evenly
    /// spaced sample of [`SCREEN_SAMPLE`] items are hashed and the hashes sorted: when at
    /// most one in [`SCREEN_SAMPLE_REPEAT_DIVISOR`] of them repeats a hash of the sample,
    /// the count of distinct hashes is returned and screening keeps every item. Equal
    /// patterns hash equal, so that count is a lower bound on the patterns, and a collision
    /// only makes keeping everything less likely. Only from [`SCREEN_SAMPLE_MIN_ITEMS`]
    /// items on. (Sorting the sample by the patterns themselves cost 2.6–3.5M instructions
    /// per solve on 100,000 items in 10–30 groups, where comparisons of equal patterns read
    /// all `K` rules, and hashing them item by item through `Coefficients::get` 1.6M.)
    fn nearly_all_distinct(&mut self, coef: &Coefficients<'_>, n: usize) -> Option<usize> {
        if n < SCREEN_SAMPLE_MIN_ITEMS || coef.rules() == 0 {
            return None;
        }
        // `order` and `pattern_hash` are free until grouping: they hold the sample and its
        // hashes, computed a row at a time as `group_by_pattern` does.
        let (sample, hashes) = (&mut self.order, &mut self.pattern_hash);
        sample.clear();
        sample.extend((0..SCREEN_SAMPLE).map(|s| s * n / SCREEN_SAMPLE));
        hashes.clear();
        hashes.resize(SCREEN_SAMPLE, FNV_OFFSET);
        for row in coef.bit_rows() {
            for (h, &i) in hashes.iter_mut().zip(sample.iter()) {
                *h = (*h ^ row[i]).wrapping_mul(FNV_PRIME);
            }
        }
        for row in coef.slice_rows() {
            for (h, &i) in hashes.iter_mut().zip(sample.iter()) {
                *h = (*h ^ (row[i] + 0.0).to_bits()).wrapping_mul(FNV_PRIME);
            }
        }
        hashes.sort_unstable();
        let distinct = 1 + hashes.windows(2).filter(|w| w[0] != w[1]).count();
        let repeats = SCREEN_SAMPLE - distinct;
        (repeats * SCREEN_SAMPLE_REPEAT_DIVISOR <= SCREEN_SAMPLE).then_some(distinct)
    }

    /// Sorts distinct items `0..n` ascending: by a sort when there are few, by marking them
    /// and sweeping `0..n` when a sort's `k·log₂ k` would exceed the sweep's `n` (with real
    /// coefficients nearly every item is its own pattern and kept, and sorting 100,000
    /// kept items cost 15M instructions).
    fn sort_items(&mut self, items: &mut Vec<usize>, n: usize) {
        let k = items.len();
        let log2 = (usize::BITS - k.leading_zeros()) as usize;
        if k.saturating_mul(log2) <= n {
            items.sort_unstable();
            return;
        }
        // `pattern_hash` is free once the items are grouped: it holds the marks.
        let marks = &mut self.pattern_hash;
        marks.clear();
        marks.resize(n, 0);
        for &i in items.iter() {
            marks[i] = 1;
        }
        items.clear();
        items.extend(marks.iter().enumerate().filter(|&(_, &mark)| mark != 0).map(|(i, _)| i));
    }

    /// The number of distinct coefficient patterns (bit for bit) among the items the last
    /// [`Screen::keep_undominated`] kept, when it grouped them (`O(1)`; the oracle's choice of
    /// path needs it, and counting again would cost a sort of the kept items).
    pub(crate) fn kept_patterns(&self) -> Option<usize> {
        self.kept_patterns
    }

    /// Reserves every buffer for `n` items.
    pub(crate) fn reserve(&mut self, n: usize, k: usize) {
        use super::workspace::reserve;
        reserve(&mut self.pattern_hash, n);
        reserve(&mut self.group_of, n);
        reserve(&mut self.table, table_len(n));
        reserve(&mut self.representative, n);
        reserve(&mut self.group_start, n + 1);
        reserve(&mut self.order, n);
        reserve(&mut self.kept_start, n + 1);
        reserve(&mut self.kept_by_group, n);
        let compared = n.min(MAX_PATTERNS_COMPARED);
        reserve(&mut self.dominators, compared * compared);
        reserve(&mut self.dominator_start, compared + 1);
        reserve(&mut self.representative_coef, compared.saturating_mul(k));
    }

    /// The bytes [`Screen::reserve`] reserves for `n` items (see `memory.rs`).
    pub(crate) fn reserved_bytes(n: usize, k: usize) -> usize {
        use std::mem::size_of;
        let compared = n.min(MAX_PATTERNS_COMPARED);
        let words = n.saturating_mul(6).saturating_add(2);
        [
            words.saturating_mul(size_of::<usize>()),
            n.saturating_mul(size_of::<u32>()),
            table_len(n).saturating_mul(size_of::<(u64, u32)>()),
            compared * compared * size_of::<u16>(),
            (compared + 1) * size_of::<usize>(),
            compared.saturating_mul(k).saturating_mul(size_of::<f64>()),
        ]
        .iter()
        .fold(0usize, |a, &b| a.saturating_add(b))
    }

    /// Assigns each item a group id by exact coefficient pattern; fills `order` with the
    /// items grouped (`group_start` delimits the groups). Returns the group count.
    ///
    /// Two things keep this `O(n·K)` with a small constant at 100,000 items: the patterns
    /// are read a row at a time (a word of membership bits for up to 64 item-list rules, or
    /// one coefficient rule, streaming through memory as it is laid out), and the table in
    /// use is a prefix of the reserved one, sized for the groups found so far and doubled
    /// (rehashed) when half full, so that with few patterns its probes stay in the
    /// first-level cache instead of missing in a table of `2n` slots. When every pattern is
    /// one word (item-list rules only, at most 64 of them), the word itself is the key
    /// ([`Screen::group_by_word`]); otherwise the patterns are hashed and the groups
    /// checked ([`Screen::group_by_hashed_pattern`]).
    fn group_by_pattern(&mut self, coef: &Coefficients<'_>, n: usize) -> usize {
        if coef.pattern_is_one_word() {
            self.group_by_word(coef.bit_rows().next(), n);
        } else {
            self.group_by_hashed_pattern(coef, n);
        }
        let groups = self.representative.len();
        // Counting sort of the items by group.
        self.group_start.clear();
        self.group_start.resize(groups + 1, 0);
        for &g in &self.group_of {
            self.group_start[g as usize + 1] += 1;
        }
        for g in 0..groups {
            self.group_start[g + 1] += self.group_start[g];
        }
        self.order.clear();
        self.order.resize(n, 0);
        let mut next = std::mem::take(&mut self.table);
        next.clear();
        next.extend(self.group_start[..groups].iter().map(|&s| (s as u64, 0)));
        for (i, &g) in self.group_of.iter().enumerate() {
            let pos = &mut next[g as usize].0;
            self.order[*pos as usize] = i;
            *pos += 1;
        }
        self.table = next;
        groups
    }

    /// [`Screen::group_by_pattern`]'s grouping when an item's whole pattern is one word of
    /// membership bits (`None`: no rule, every pattern empty): the word is its own key, so
    /// the table holds words, not hashes, and there is neither a hash pass nor a check of
    /// the groups afterwards. A word's slot is its top bits after a multiplication by
    /// 2⁶⁴/φ (Fibonacci hashing), which mixes every bit of the word into them. (callgrind,
    /// `Solver::solve` of `lprank solve --repeat 1`, 100,000×50 K=10 feed: 54.7 M
    /// instructions per solve when the words were hashed and the hashes grouped, 51.3 M.)
    fn group_by_word(&mut self, words: Option<&[u64]>, n: usize) {
        const FIBONACCI: u64 = 0x9e37_79b9_7f4a_7c15;
        let (reserved, mut capacity) = self.start_grouping(n);
        let Some(words) = words else {
            // Every item has the empty pattern: one group.
            self.representative.push(0);
            self.group_of.resize(n, 0);
            return;
        };
        let slot_of = |word: u64, capacity: usize| {
            (word.wrapping_mul(FIBONACCI) >> (64 - capacity.trailing_zeros())) as usize
        };
        for (i, &word) in words[..n].iter().enumerate() {
            let mut slot = slot_of(word, capacity);
            let group = loop {
                let (tw, tg) = self.table[slot];
                if tg == 0 {
                    break self.new_word_group(words, i, slot, &mut capacity, reserved, &slot_of);
                }
                if tw == word {
                    break tg - 1;
                }
                slot = (slot + 1) & (capacity - 1);
            };
            self.group_of.push(group);
        }
    }

    /// Opens a group for item `i`'s word at the empty `slot`; doubles the table in use and
    /// re-inserts every group's word when it is half full. Returns the group.
    #[cold]
    fn new_word_group(
        &mut self,
        words: &[u64],
        i: usize,
        slot: usize,
        capacity: &mut usize,
        reserved: usize,
        slot_of: &impl Fn(u64, usize) -> usize,
    ) -> u32 {
        let g = self.representative.len() as u32;
        self.representative.push(i);
        self.table[slot] = (words[i], g + 1);
        if 2 * self.representative.len() > *capacity && *capacity < reserved {
            *capacity *= 2;
            self.table.clear();
            self.table.resize(*capacity, (0, 0));
            for (g, &rep) in self.representative.iter().enumerate() {
                let word = words[rep];
                let mut slot = slot_of(word, *capacity);
                while self.table[slot].1 != 0 {
                    slot = (slot + 1) & (*capacity - 1);
                }
                self.table[slot] = (word, g as u32 + 1);
            }
        }
        g
    }

    /// Groups the items by hashes of their patterns (any rules): [`Screen::group_by_pattern`]
    /// when a pattern is more than one word.
    fn group_by_hashed_pattern(&mut self, coef: &Coefficients<'_>, n: usize) {
        self.pattern_hash.clear();
        self.pattern_hash.resize(n, FNV_OFFSET);
        for row in coef.bit_rows() {
            for (h, &b) in self.pattern_hash.iter_mut().zip(row) {
                *h = (*h ^ b).wrapping_mul(FNV_PRIME);
            }
        }
        for row in coef.slice_rows() {
            for (h, &c) in self.pattern_hash.iter_mut().zip(row) {
                *h = (*h ^ (c + 0.0).to_bits()).wrapping_mul(FNV_PRIME);
            }
        }
        // The table indexes by the low bits, and FNV's low bits see only the low bits of
        // what it hashed: for coefficients like 0.0 and 1.0 (whose low 52 bits are zero)
        // every pattern got the same low bits, and probes walked ~4.5 slots per item on a
        // partition of 100,000 items into 10 groups (when membership words were hashed
        // here too). A finaliser mixes the high bits down.
        for h in &mut self.pattern_hash {
            *h = mix(*h);
        }
        // Group by hash alone, then check every item against its group's representative a
        // row at a time; only a hash collision (two patterns, one hash) makes the grouping
        // start over comparing patterns item by item.
        if !(self.group_by_hash(coef, n, false) && self.groups_are_exact(coef)) {
            self.group_by_hash(coef, n, true);
        }
    }

    /// Empties the groups and the table for grouping `n` items; returns the table's reserved
    /// length and the prefix of it in use at first (see [`Screen::group_by_pattern`]).
    fn start_grouping(&mut self, n: usize) -> (usize, usize) {
        let reserved = table_len(n);
        let capacity = reserved.min(INITIAL_TABLE_SLOTS);
        self.table.clear();
        self.table.resize(capacity, (0, 0));
        self.representative.clear();
        self.group_of.clear();
        (reserved, capacity)
    }

    /// Groups the items by `pattern_hash` into `group_of` and `representative`, comparing
    /// the patterns themselves on equal hashes only when `exact`. Returns `true`.
    fn group_by_hash(&mut self, coef: &Coefficients<'_>, n: usize, exact: bool) -> bool {
        let (reserved, mut capacity) = self.start_grouping(n);
        for i in 0..n {
            let h = self.pattern_hash[i];
            let mut slot = (h as usize) & (capacity - 1);
            let group = loop {
                let (th, tg) = self.table[slot];
                if tg == 0 {
                    let g = self.representative.len();
                    self.representative.push(i);
                    self.table[slot] = (h, g as u32 + 1);
                    break g;
                }
                let g = tg as usize - 1;
                if th == h && (!exact || compare_pattern(coef, self.representative[g], i) == Ordering::Equal)
                {
                    break g;
                }
                slot = (slot + 1) & (capacity - 1);
            };
            self.group_of.push(group as u32);
            if 2 * self.representative.len() > capacity && capacity < reserved {
                // Half full: double the prefix in use and re-insert every group.
                capacity *= 2;
                self.table.clear();
                self.table.resize(capacity, (0, 0));
                for (g, &rep) in self.representative.iter().enumerate() {
                    let h = self.pattern_hash[rep];
                    let mut slot = (h as usize) & (capacity - 1);
                    while self.table[slot].1 != 0 {
                        slot = (slot + 1) & (capacity - 1);
                    }
                    self.table[slot] = (h, g as u32 + 1);
                }
            }
        }
        true
    }

    /// Whether every item's pattern equals its group representative's (bit for bit), read
    /// a row at a time. Each row's representative values are gathered first (into the
    /// hash table's buffer, free until the counting sort), so the pass over the items reads
    /// one small array instead of a second indirection into the row.
    fn groups_are_exact(&mut self, coef: &Coefficients<'_>) -> bool {
        let mut values = std::mem::take(&mut self.table);
        let exact = coef.bit_rows().all(|row| self.row_is_exact(&mut values, |i| row[i]))
            && coef.slice_rows().all(|row| self.row_is_exact(&mut values, |i| (row[i] + 0.0).to_bits()));
        self.table = values;
        exact
    }

    /// Whether every item's value `bits(i)` of one row equals its group representative's.
    fn row_is_exact(&self, values: &mut Vec<(u64, u32)>, bits: impl Fn(usize) -> u64) -> bool {
        values.clear();
        values.extend(self.representative.iter().map(|&rep| (bits(rep), 0)));
        self.group_of.iter().enumerate().all(|(i, &g)| bits(i) == values[g as usize].0)
    }

    /// Lists, for each pattern `q`, the patterns `p ≠ q` at least as favourable as `q` for
    /// every rule. The representatives' coefficients are gathered first: the comparison
    /// reads each `groups` times.
    fn compare_patterns(&mut self, coef: &Coefficients<'_>, favour: &[Favour], groups: usize) {
        debug_assert!(groups <= MAX_PATTERNS_COMPARED && MAX_PATTERNS_COMPARED <= 1 << 16);
        let k = favour.len();
        self.representative_coef.clear();
        for &rep in &self.representative[..groups] {
            self.representative_coef.extend((0..k).map(|r| coef.get(r, rep)));
        }
        self.dominators.clear();
        self.dominator_start.clear();
        for q in 0..groups {
            self.dominator_start.push(self.dominators.len());
            let b = &self.representative_coef[q * k..(q + 1) * k];
            for p in 0..groups {
                let a = &self.representative_coef[p * k..(p + 1) * k];
                let dominates = p != q
                    && favour.iter().zip(a.iter().zip(b)).all(|(f, (&x, &y))| match f {
                        Favour::Smaller => x <= y,
                        Favour::Larger => x >= y,
                        Favour::Equal => x == y,
                    });
                if dominates {
                    self.dominators.push(p as u16);
                }
            }
        }
        self.dominator_start.push(self.dominators.len());
    }

    /// How many kept items dominate item `i` of group `q`, counting up to `limit`, when
    /// `better_in_own` items of its own group rank before it.
    fn dominator_count(
        &self,
        scores: &[f64],
        q: usize,
        i: usize,
        better_in_own: usize,
        limit: usize,
    ) -> usize {
        // Same pattern: better score, or equal score and smaller index.
        let mut count = better_in_own;
        for &p in &self.dominators[self.dominator_start[q]..self.dominator_start[q + 1]] {
            if count >= limit {
                break;
            }
            // Strictly better pattern: score at least as high suffices.
            let list = &self.kept_by_group[self.kept_start[p as usize]..self.kept_start[p as usize + 1]];
            count += list.partition_point(|&k| scores[k] >= scores[i]);
        }
        count
    }
}

/// FNV-1a over the bits of an item's coefficients, rule by rule.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// MurmurHash3's 64-bit finaliser: every output bit depends on every input bit.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn compare_pattern(coef: &Coefficients<'_>, a: usize, b: usize) -> Ordering {
    (0..coef.rules())
        .map(|r| coef.get(r, a).to_bits().cmp(&coef.get(r, b).to_bits()))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Members, Rule, SlotProfile};
    use crate::solver::coefficients::ItemCoefficients;

    fn rule(members: Members<'_>) -> Rule<'_> {
        Rule::at_most(members, SlotProfile::Exposure, 1.0)
    }

    /// A hash collision (every item given the same hash) is caught by the row check, and
    /// the exact grouping separates the patterns again.
    #[test]
    fn hash_collisions_fall_back_to_exact_grouping() {
        // Three items, two rules: patterns (1, 0), (0, 1), (1, 0), given as coefficients
        // (read from the rules' slices) and as member lists (read from membership bits).
        let n = 3;
        let (first, second) = ([1.0, 0.0, 1.0], [0.0, 1.0, 0.0]);
        let by_coefficients = [rule(Members::Coefficients(&first)), rule(Members::Coefficients(&second))];
        let by_members = [rule(Members::Items(&[0, 2])), rule(Members::Items(&[1]))];
        for rules in [&by_coefficients, &by_members] {
            let mut table = ItemCoefficients::default();
            table.build(n, rules);
            let coef = table.view(rules);
            let mut s = Screen { pattern_hash: vec![7; n], ..Screen::default() };
            assert!(s.group_by_hash(&coef, n, false));
            assert_eq!(s.representative.len(), 1, "one hash, one group");
            assert!(!s.groups_are_exact(&coef));
            s.group_by_hash(&coef, n, true);
            assert_eq!(s.representative.len(), 2);
            assert_eq!(s.group_of, vec![0, 1, 0]);
            assert!(s.groups_are_exact(&coef));
        }
    }

    /// One-word patterns group by the word itself: equal words share a group, different
    /// words never do, groups are numbered by first appearance with that item as their
    /// representative. Thousands of distinct words make the table double several times;
    /// words that differ only in their low or high bits probe past each other.
    #[test]
    fn one_word_patterns_group_by_the_word() {
        use crate::synthetic::SplitMix64;
        let mut rng = SplitMix64::new(11);
        for distinct in [1usize, 2, 7, 600, 3000] {
            let palette: Vec<u64> = (0..distinct as u64)
                .map(|d| match d % 3 {
                    0 => d,
                    1 => d << 54,
                    _ => (rng.next_u64() & !0xff) | (d & 0xff),
                })
                .collect();
            let n = 4 * distinct + 5;
            let words: Vec<u64> = (0..n).map(|_| palette[rng.below(distinct)]).collect();
            let mut s = Screen::default();
            s.group_by_word(Some(&words), n);
            let mut first: Vec<(u64, usize)> = Vec::new();
            for (i, &w) in words.iter().enumerate() {
                let g = match first.iter().position(|&(fw, _)| fw == w) {
                    Some(g) => g,
                    None => {
                        first.push((w, i));
                        first.len() - 1
                    }
                };
                assert_eq!(s.group_of[i] as usize, g, "item {i} ({distinct} words)");
            }
            assert_eq!(s.representative, first.iter().map(|&(_, i)| i).collect::<Vec<_>>());
        }
        let mut s = Screen::default();
        s.group_by_word(None, 9);
        assert_eq!((s.representative.len(), s.group_of.clone()), (1, vec![0; 9]), "no rule: one group");
    }

    /// Screens with `rules` given as member lists over the items of `scores`.
    fn screen(scores: &[f64], rules: &[Rule<'_>], favour: &[Favour], keep: usize) -> Vec<usize> {
        let mut table = ItemCoefficients::default();
        table.build(scores.len(), rules);
        let mut kept = Vec::new();
        Screen::default().keep_undominated(scores, &table.view(rules), favour, keep, &mut kept);
        kept
    }

    /// Against the definition, counted by brute force: an item is kept exactly when fewer
    /// than `keep` items dominate it. Groups of every size (so both the heap and the
    /// selection keep a group's best), ties in score, signed zeros, coefficient rules beside
    /// member lists, and patterns beyond `MAX_PATTERNS_COMPARED` or fewer than
    /// `MIN_ITEMS_PER_PATTERN_COMPARED` items per pattern (no cross-pattern counting).
    #[test]
    fn keeps_exactly_the_items_with_fewer_than_keep_dominators() {
        use crate::synthetic::SplitMix64;
        let mut rng = SplitMix64::new(0x5C4E_E41D);
        for case in 0..300 {
            let n = 1 + rng.below(if case % 10 == 0 { 1500 } else { 400 });
            let keep = 1 + rng.below(8);
            let levels = 1 + rng.below(30);
            let scores: Vec<f64> =
                (0..n).map(|_| if rng.below(10) == 0 { -0.0 } else { rng.below(levels) as f64 }).collect();
            let k = rng.below(4);
            let lists: Vec<Vec<usize>> =
                (0..k).map(|_| (0..n).filter(|_| rng.below(3) == 0).collect()).collect();
            let values: Vec<Vec<f64>> = (0..k)
                .map(|_| {
                    let distinct = 1 + rng.below(if case % 7 == 0 { 1000 } else { 3 });
                    (0..n).map(|_| [-0.0, 0.0][rng.below(2)] + rng.below(distinct) as f64 - 1.0).collect()
                })
                .collect();
            let rules: Vec<Rule<'_>> = (0..k)
                .map(|r| {
                    if rng.below(2) == 0 {
                        rule(Members::Items(&lists[r]))
                    } else {
                        rule(Members::Coefficients(&values[r]))
                    }
                })
                .collect();
            let favour: Vec<Favour> =
                (0..k).map(|_| [Favour::Smaller, Favour::Larger, Favour::Equal][rng.below(3)]).collect();
            let mut table = ItemCoefficients::default();
            table.build(n, &rules);
            let coef = table.view(&rules);
            let mut patterns: Vec<Vec<u64>> =
                (0..n).map(|i| (0..k).map(|r| coef.get(r, i).to_bits()).collect()).collect();
            let groups = {
                patterns.sort();
                patterns.dedup();
                patterns.len()
            };
            let compared =
                groups > 1 && groups <= MAX_PATTERNS_COMPARED && groups * MIN_ITEMS_PER_PATTERN_COMPARED <= n;
            let dominates = |d: usize, i: usize| {
                let same = (0..k).all(|r| coef.get(r, d).to_bits() == coef.get(r, i).to_bits());
                if same {
                    // Within a pattern the order is the heap's: `total_cmp` (0.0 before
                    // -0.0, which are equal scores either way), then the index.
                    scores[d].total_cmp(&scores[i]).then(i.cmp(&d)).is_gt()
                } else {
                    compared
                        && scores[d] >= scores[i]
                        && favour.iter().enumerate().all(|(r, f)| {
                            let (x, y) = (coef.get(r, d), coef.get(r, i));
                            match f {
                                Favour::Smaller => x <= y,
                                Favour::Larger => x >= y,
                                Favour::Equal => x == y,
                            }
                        })
                }
            };
            let expected: Vec<usize> = if n <= keep {
                (0..n).collect()
            } else {
                (0..n).filter(|&i| (0..n).filter(|&d| d != i && dominates(d, i)).count() < keep).collect()
            };
            assert_eq!(
                screen(&scores, &rules, &favour, keep),
                expected,
                "case {case}: n {n}, keep {keep}, k {k}, {groups} patterns"
            );
        }
    }

    /// From `SCREEN_SAMPLE_MIN_ITEMS` items on, a sample nearly all of distinct patterns
    /// keeps every item (and reports a lower bound on the patterns); a sample with more
    /// repeats than the divisor allows groups as before and drops the big group's tail.
    #[test]
    fn a_sample_of_distinct_patterns_keeps_every_item() {
        let n = SCREEN_SAMPLE_MIN_ITEMS + 808;
        let keep = 11;
        let scores: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64).collect();
        // Every `every`-th item has coefficient 0 (one shared pattern), the others their own.
        let coefficients = |every: usize| -> Vec<f64> {
            (0..n).map(|i| if i % every == 0 { 0.0 } else { 1.0 + i as f64 }).collect()
        };
        for (every, skipped) in [(200, true), (10, false)] {
            let values = coefficients(every);
            let rules = [rule(Members::Coefficients(&values))];
            let mut table = ItemCoefficients::default();
            table.build(n, &rules);
            let mut screen = Screen::default();
            let mut kept = Vec::new();
            screen.keep_undominated(&scores, &table.view(&rules), &[Favour::Equal], keep, &mut kept);
            let shared: Vec<usize> = (0..n).step_by(every).collect();
            let distinct = n - shared.len() + 1;
            let patterns = screen.kept_patterns().expect("counted or bounded");
            if skipped {
                assert_eq!(kept, (0..n).collect::<Vec<_>>(), "every {every}: all kept");
                assert!(patterns <= distinct && patterns > SCREEN_SAMPLE / 2, "every {every}: {patterns}");
            } else {
                // The shared pattern keeps its `keep` best (score, then index); the rest stay.
                let mut best = shared.clone();
                best.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
                let dropped = &best[keep..];
                let expected: Vec<usize> = (0..n).filter(|i| !dropped.contains(i)).collect();
                assert_eq!(kept, expected, "every {every}: grouped");
                assert_eq!(patterns, distinct, "every {every}");
            }
        }
    }

    #[test]
    fn keeps_the_best_of_each_pattern() {
        // Two patterns (member / not) of a two-sided rule, keep 2 of each.
        let scores = [0.1, 0.9, 0.5, 0.9, 0.3, 0.7];
        let rules = [rule(Members::Items(&[0, 2, 4]))];
        let kept = screen(&scores, &rules, &[Favour::Equal], 2);
        // Pattern 1: items 0, 2, 4 → keep 2 (0.5) and 4 (0.3). Pattern 0: items 1, 3, 5 →
        // 1 and 3 tie at 0.9 and both beat 5.
        assert_eq!(kept, vec![1, 2, 3, 4]);
    }

    #[test]
    fn favourable_patterns_dominate_across_groups() {
        // A cap (max only) on members {0, 2, 4}: non-members are favourable. Items 1 and 3
        // (non-members, 0.9) dominate member 4 (0.3) and member 0 (0.1), but not member
        // 2 (0.95). With keep = 2, members 0 and 4 have ≥ 2 dominators and go.
        let scores = [0.1, 0.9, 0.95, 0.9, 0.3, 0.7];
        let rules = [rule(Members::Items(&[0, 2, 4]))];
        let kept = screen(&scores, &rules, &[Favour::Smaller], 2);
        assert_eq!(kept, vec![1, 2, 3]);
        // With a minimum instead, members are favourable. Members keep 2 and 4; among
        // non-members, 1 has one dominator (member 2), 3 has two (item 1 and member 2) and
        // goes, as does 5 (within its own pattern already).
        let kept = screen(&scores, &rules, &[Favour::Larger], 2);
        assert_eq!(kept, vec![1, 2, 4]);
    }

    #[test]
    fn ties_break_by_index_and_small_inputs_are_kept_whole() {
        let scores = [0.5; 5];
        assert_eq!(screen(&scores, &[], &[], 3), vec![0, 1, 2]);
        assert_eq!(screen(&scores[..2], &[], &[], 3), vec![0, 1]);
    }
}
