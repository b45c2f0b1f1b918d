//! The rules' coefficients `a_k[i]` over all `n` items, read where they already are instead
//! of copied into a dense `K × n` matrix.
//!
//! A rule given by member indices has coefficient 1 on its members and 0 elsewhere. Those
//! rules are stored as membership bits, one bit per (rule, item), word-major: word `w` of
//! every item holds the bits of the item-list rules `64w .. 64w + 63`. A rule given by one
//! coefficient per item is read from the caller's slice, with `-0.0` read as `0.0` so that
//! equal coefficients have equal bits.
//!
//! Why: at 100,000 items and 10 rules about groups, the dense matrix was 8 MB written (zeros,
//! then the members) and read again by screening, about a third of the whole solve. The bits
//! are one word per item, set in `O(members)`, and an item's bits are its pattern over those
//! rules exactly, so screening can group items by them without hashing values.

use crate::problem::{Members, Rule};

/// Where rule `k`'s coefficients are.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// Membership bit `mask` of word `word`.
    Bit { word: usize, mask: u64 },
    /// The rule's own coefficient slice.
    Slice,
}

/// The membership bits of the item-list rules, and where every rule's coefficients are.
#[derive(Clone, Debug, Default)]
pub(crate) struct ItemCoefficients {
    n: usize,
    /// Words of membership bits per item.
    words: usize,
    /// `bits[w * n + i]`: word `w` of item `i`'s membership bits.
    bits: Vec<u64>,
    source: Vec<Source>,
}

/// Words of membership bits per item for `rules` item-list rules (at most).
pub(crate) fn words_for(rules: usize) -> usize {
    rules.div_ceil(64)
}

impl ItemCoefficients {
    /// Reserves the buffers for `n` items and `k` rules.
    pub(crate) fn reserve(&mut self, n: usize, k: usize) {
        use super::workspace::reserve;
        reserve(&mut self.bits, n.saturating_mul(words_for(k)));
        reserve(&mut self.source, k);
    }

    /// The bytes [`ItemCoefficients::reserve`] reserves (see `memory.rs`).
    pub(crate) fn reserved_bytes(n: usize, k: usize) -> usize {
        use std::mem::size_of;
        n.saturating_mul(words_for(k))
            .saturating_mul(size_of::<u64>())
            .saturating_add(k.saturating_mul(size_of::<Source>()))
    }

    /// Sets the membership bits of `rules` over `n` items (validated: member indices are in
    /// range and distinct).
    pub(crate) fn build(&mut self, n: usize, rules: &[Rule<'_>]) {
        self.n = n;
        self.source.clear();
        let mut listed = 0;
        for rule in rules {
            self.source.push(match rule.members {
                Members::Items(_) => {
                    listed += 1;
                    Source::Bit { word: (listed - 1) / 64, mask: 1 << ((listed - 1) % 64) }
                }
                Members::Coefficients(_) => Source::Slice,
            });
        }
        self.words = words_for(listed);
        self.bits.clear();
        self.bits.resize(self.words * n, 0);
        for (rule, source) in rules.iter().zip(&self.source) {
            if let (Members::Items(items), Source::Bit { word, mask }) = (rule.members, *source) {
                let row = &mut self.bits[word * n..(word + 1) * n];
                for &i in items {
                    row[i] |= mask;
                }
            }
        }
    }

    /// The view of the coefficients of `rules`, the rules [`ItemCoefficients::build`] was
    /// last given.
    pub(crate) fn view<'a>(&'a self, rules: &'a [Rule<'a>]) -> Coefficients<'a> {
        debug_assert_eq!(rules.len(), self.source.len());
        Coefficients { table: self, rules }
    }
}

/// Read access to `a_k[i]` for every rule `k` and item `i`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Coefficients<'a> {
    table: &'a ItemCoefficients,
    rules: &'a [Rule<'a>],
}

impl<'a> Coefficients<'a> {
    /// Number of rules.
    pub(crate) fn rules(&self) -> usize {
        self.rules.len()
    }

    /// Number of items.
    pub(crate) fn items(&self) -> usize {
        self.table.n
    }

    /// `a_k[i]`, with `-0.0` read as `0.0`.
    #[inline]
    pub(crate) fn get(&self, k: usize, i: usize) -> f64 {
        match self.table.source[k] {
            Source::Bit { word, mask } => {
                if self.table.bits[word * self.table.n + i] & mask != 0 {
                    1.0
                } else {
                    0.0
                }
            }
            Source::Slice => self.slice(k)[i] + 0.0,
        }
    }

    /// Appends `a_k[i]` for each item of `items` to `out` (what [`Coefficients::get`] reads,
    /// with the source chosen once per rule rather than per item). `items` lists distinct
    /// items in ascending order (the kept items), so as many as there are items is all of
    /// them in order: then the row is read straight through (with real coefficients
    /// screening keeps every item, and the gather through the list cost 9M instructions
    /// per solve at 100,000 items and 10 rules).
    pub(crate) fn gather(&self, k: usize, items: &[usize], out: &mut Vec<f64>) {
        let n = self.table.n;
        debug_assert!(items.len() != n || items.iter().enumerate().all(|(p, &i)| p == i));
        match self.table.source[k] {
            Source::Bit { word, mask } => {
                let row = &self.table.bits[word * n..(word + 1) * n];
                let bit = |b: u64| if b & mask != 0 { 1.0 } else { 0.0 };
                if items.len() == n {
                    out.extend(row.iter().map(|&b| bit(b)));
                } else {
                    out.extend(items.iter().map(|&i| bit(row[i])));
                }
            }
            Source::Slice => {
                let row = self.slice(k);
                if items.len() == n {
                    out.extend(row.iter().map(|&c| c + 0.0));
                } else {
                    out.extend(items.iter().map(|&i| row[i] + 0.0));
                }
            }
        }
    }

    /// `max_i |a_k[i]|`.
    pub(crate) fn max_abs(&self, k: usize) -> f64 {
        match self.rules[k].members {
            Members::Items(items) => f64::from(u8::from(!items.is_empty())),
            Members::Coefficients(c) => c.iter().fold(0.0f64, |a, c| a.max(c.abs())),
        }
    }

    /// The membership-bit rows, one per word (each of [`Coefficients::items`] words).
    pub(crate) fn bit_rows(&self) -> impl Iterator<Item = &'a [u64]> + 'a {
        let n = self.table.n;
        self.table.bits.chunks_exact(n.max(1)).take(self.table.words)
    }

    /// The coefficient slices of the rules given one coefficient per item (raw: `-0.0` is
    /// not normalised here).
    pub(crate) fn slice_rows(&self) -> impl Iterator<Item = &'a [f64]> + 'a {
        self.rules.iter().filter_map(|rule| match rule.members {
            Members::Coefficients(c) => Some(c),
            Members::Items(_) => None,
        })
    }

    /// Whether an item's pattern over all rules is determined by one word: no rule is given
    /// by coefficients and at most 64 by members.
    pub(crate) fn pattern_is_one_word(&self) -> bool {
        self.table.words <= 1 && self.slice_rows().next().is_none()
    }

    fn slice(&self, k: usize) -> &'a [f64] {
        match self.rules[k].members {
            Members::Coefficients(c) => c,
            Members::Items(_) => unreachable!("rule {k} is stored as membership bits"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::SlotProfile;

    /// Every coefficient read through the view equals the dense fill, over more than 64
    /// item-list rules (two words) mixed with coefficient rules, negative zero included.
    #[test]
    fn view_matches_the_dense_coefficients() {
        let n = 7;
        let lists: Vec<Vec<usize>> =
            (0..70).map(|r| (0..n).filter(|i| (i * 31 + r * 7) % 5 < 2).collect()).collect();
        let dense = [0.5, -0.0, 2.0, 0.0, -1.5, 3.0, 0.25];
        let mut rules = Vec::new();
        for (r, list) in lists.iter().enumerate() {
            if r % 20 == 3 {
                rules.push(Rule::at_most(Members::Coefficients(&dense), SlotProfile::Exposure, 1.0));
            }
            rules.push(Rule::at_most(Members::Items(list), SlotProfile::Top(3), 1.0));
        }
        let mut table = ItemCoefficients::default();
        table.build(n, &rules);
        let view = table.view(&rules);
        assert_eq!(view.bit_rows().count(), 2);
        assert!(!view.pattern_is_one_word());
        let mut expected = vec![0.0; n];
        for (k, rule) in rules.iter().enumerate() {
            expected.iter_mut().for_each(|e| *e = 0.0);
            rule.coefficient_fill(&mut expected);
            for (i, e) in expected.iter().enumerate() {
                assert_eq!(view.get(k, i).to_bits(), e.to_bits(), "rule {k} item {i}");
            }
            let mut gathered = vec![-1.0];
            let items = [6, 0, 3, 3];
            view.gather(k, &items, &mut gathered);
            let want: Vec<u64> =
                [-1.0].iter().chain(items.iter().map(|&i| &expected[i])).map(|v| v.to_bits()).collect();
            assert_eq!(gathered.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want, "rule {k}");
            // Every item, in order: the straight read.
            let all: Vec<usize> = (0..n).collect();
            let mut gathered = Vec::new();
            view.gather(k, &all, &mut gathered);
            let want: Vec<u64> = expected.iter().map(|v| v.to_bits()).collect();
            assert_eq!(gathered.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want, "rule {k}: all");
            let max_abs = expected.iter().fold(0.0f64, |a, c| a.max(c.abs()));
            assert_eq!(view.max_abs(k), max_abs, "rule {k}");
        }
        // One word and no coefficient rule: the word is the whole pattern.
        table.build(n, &rules[..3]);
        assert!(table.view(&rules[..3]).pattern_is_one_word());
    }
}
