//! The `count` best items of a stream, by a value per item: larger first, ties by the
//! smaller index — a strict order, so "the best `count`" is one set of items, the set a
//! selection (`select_nth_unstable_by`) with the same order picks.
//!
//! A bounded binary heap whose root is the worst item held: an item worse than the root is
//! turned away by one comparison, and after the first few hundred items of a large stream
//! almost every item is. So a pass costs about one comparison per item, where a selection
//! partitions a copy of the whole stream two or three times over.

/// The heap over a borrowed buffer (reserved by the caller, so nothing allocates).
pub(crate) struct BestItems<'a> {
    values: &'a [f64],
    heap: &'a mut Vec<usize>,
    count: usize,
}

impl<'a> BestItems<'a> {
    /// An empty heap that keeps the `count` best items by `values[item]`, in `heap`.
    pub(crate) fn new(values: &'a [f64], heap: &'a mut Vec<usize>, count: usize) -> Self {
        heap.clear();
        BestItems { values, heap, count }
    }

    /// Whether item `a` ranks after item `b`.
    #[inline]
    fn worse(&self, a: usize, b: usize) -> bool {
        self.values[a].total_cmp(&self.values[b]).then(b.cmp(&a)).is_lt()
    }

    /// Offers item `t`.
    #[inline]
    pub(crate) fn offer(&mut self, t: usize) {
        if self.heap.len() < self.count {
            self.push(t);
            return;
        }
        match self.heap.first() {
            // A value below the root's is worse under the total order too (the values are
            // finite); only an equal value needs the full comparison.
            Some(&root) if self.values[t] >= self.values[root] && self.worse(root, t) => self.replace_root(t),
            _ => {}
        }
    }

    /// The items held, in heap order.
    pub(crate) fn items(&self) -> &[usize] {
        self.heap
    }

    /// Sorts the items held best first and returns them (the heap is then spent).
    pub(crate) fn into_sorted(self) -> &'a [usize] {
        let values = self.values;
        self.heap.sort_unstable_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        self.heap
    }

    /// Sift up: the worst item rises to the root.
    fn push(&mut self, t: usize) {
        self.heap.push(t);
        let mut at = self.heap.len() - 1;
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.worse(self.heap[at], self.heap[parent]) {
                break;
            }
            self.heap.swap(at, parent);
            at = parent;
        }
    }

    /// Replaces the root by `t` and sifts it down.
    fn replace_root(&mut self, t: usize) {
        self.heap[0] = t;
        let len = self.heap.len();
        let mut at = 0;
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let mut worst = at;
            if left < len && self.worse(self.heap[left], self.heap[worst]) {
                worst = left;
            }
            if right < len && self.worse(self.heap[right], self.heap[worst]) {
                worst = right;
            }
            if worst == at {
                break;
            }
            self.heap.swap(at, worst);
            at = worst;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SplitMix64;

    /// The same set as a full sort cut at `count`, on streams with many ties, signed zeros,
    /// counts of 0, 1 and beyond the stream, and offers in shuffled order.
    #[test]
    fn keeps_the_same_items_as_a_sort() {
        let mut rng = SplitMix64::new(0xB357_17E5);
        for case in 0..400 {
            let n = 1 + rng.below(300);
            let levels = 1 + rng.below(20);
            let values: Vec<f64> = (0..n)
                .map(|_| match rng.below(10) {
                    0 => -0.0,
                    1 => 0.0,
                    _ => rng.below(levels) as f64 - (levels / 2) as f64,
                })
                .collect();
            let count = rng.below(n + 3);
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let mut heap = Vec::new();
            let mut best = BestItems::new(&values, &mut heap, count);
            for &t in &order {
                best.offer(t);
            }
            let mut sorted: Vec<usize> = (0..n).collect();
            sorted.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
            sorted.truncate(count);
            assert_eq!(best.into_sorted(), &sorted[..], "case {case}");
        }
    }
}
