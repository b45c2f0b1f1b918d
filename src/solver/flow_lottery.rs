//! From the edge master's flow to a lottery of rankings: a Birkhoff–von Neumann
//! decomposition of a slot-filling, item-substochastic flow.
//!
//! The edge master ends with a flow `x` over (item, slot) edges with
//!
//! ```text
//!     Σ_t x_tj = 1 for every slot j,     Σ_j x_tj ≤ 1 for every item t,     x ≥ 0.
//! ```
//!
//! That polytope is integral (a bipartite matching polytope with every slot covered), so
//! `x` is a convex combination of rankings. The decomposition peels them off one at a time
//! from the residual flow `r` of total weight `W` (at first `r = x`, `W = 1`):
//!
//! 1. Find a ranking inside the support of `r` that fills every slot and uses every *tight*
//!    item (`Σ_j r_tj = W`: such an item is in every ranking of what is left, so it must be
//!    in this one). A matching covering the slots is grown by augmenting paths; a tight
//!    item left out then takes a slot along an alternating path that ends by freeing a
//!    non-tight item. Both exist while `r / W` is in the polytope (Mendelsohn–Dulmage).
//! 2. Its weight `θ` is the largest that keeps `r − θ·σ` a flow of weight `W − θ` in the
//!    polytope: `θ = min(min_{(t,j)∈σ} r_tj, min_{t∉σ} (W − Σ_j r_tj), W)`.
//! 3. Subtract. Each step empties an edge, makes an item tight (it stays tight) or ends the
//!    flow, so there are at most `edges + items + 1` steps.
//!
//! Values within [`ZERO_FLOW`] of zero count as zero: the flow comes out of a simplex
//! with residue of that size. The rankings' weights are only a starting point: the solver
//! re-solves the ranking master over them, which gives a basic lottery of at most
//! `rows + 1` rankings with the flow's objective.

use super::workspace::reset;

/// Flows (and slack `W − Σ_j r_tj`) at most this are zero. The master's feasibility
/// tolerance is 1e-10 on rows of value 1, so residue is far below this.
const ZERO_FLOW: f64 = 1e-9;

const NONE: usize = usize::MAX;

/// Buffers of the decomposition, reused across solves.
#[derive(Clone, Debug, Default)]
pub(crate) struct FlowLottery {
    /// Residual flow per edge.
    residual: Vec<f64>,
    /// `Σ_j r_tj` per item.
    item_flow: Vec<f64>,
    /// The items with flow, ascending: the only ones a step looks at (at 100,000 kept
    /// items, a pass over all of them per step was a tenth of the solve).
    flow_items: Vec<usize>,
    /// Edges by slot and by item (compressed rows of edge indices).
    slot_start: Vec<usize>,
    slot_edges: Vec<usize>,
    item_start: Vec<usize>,
    item_edges: Vec<usize>,
    /// Matching: the edge matched at each slot, the slot matched at each item.
    slot_match: Vec<usize>,
    item_match: Vec<usize>,
    /// Search state: visit stamps per slot and item, the edge a search reached each by.
    slot_seen: Vec<u32>,
    item_seen: Vec<u32>,
    reached_by: Vec<usize>,
    stamp: u32,
    queue: Vec<usize>,
    /// The rankings found (`count × m` items) and their weights.
    pub(crate) rankings: Vec<usize>,
    pub(crate) weights: Vec<f64>,
}

impl FlowLottery {
    /// The bytes [`FlowLottery::reserve`] reserves (see `memory.rs`).
    pub(crate) fn reserved_bytes(items: usize, slots: usize, edges: usize, rankings: usize) -> usize {
        let word = std::mem::size_of::<usize>();
        // residual, item_flow and weights (f64); the two bucket lists and offsets, the
        // matchings, reached_by, the queue, the rankings and the items with flow (words); the
        // stamps (u32).
        let words = edges
            .saturating_mul(2)
            .saturating_add(items.saturating_add(1).saturating_mul(2))
            .saturating_add(slots.saturating_add(1))
            .saturating_add(slots.saturating_add(items).saturating_mul(2))
            .saturating_add(items.max(slots))
            .saturating_add(rankings.saturating_mul(slots))
            .saturating_add(items.min(edges));
        let floats = edges.saturating_add(items).saturating_add(rankings);
        words
            .saturating_mul(word)
            .saturating_add(floats.saturating_mul(8))
            .saturating_add(slots.saturating_add(items).saturating_mul(4))
    }

    /// Reserves for `items` items, `slots` slots, `edges` edges and `rankings` rankings.
    pub(crate) fn reserve(&mut self, items: usize, slots: usize, edges: usize, rankings: usize) {
        use super::workspace::reserve;
        reserve(&mut self.residual, edges);
        reserve(&mut self.item_flow, items);
        reserve(&mut self.flow_items, items.min(edges));
        reserve(&mut self.slot_start, slots + 1);
        reserve(&mut self.slot_edges, edges);
        reserve(&mut self.item_start, items + 1);
        reserve(&mut self.item_edges, edges);
        reserve(&mut self.slot_match, slots);
        reserve(&mut self.item_match, items);
        reserve(&mut self.slot_seen, slots);
        reserve(&mut self.item_seen, items);
        reserve(&mut self.reached_by, items.max(slots));
        reserve(&mut self.queue, items + slots);
        reserve(&mut self.rankings, rankings * slots);
        reserve(&mut self.weights, rankings);
    }

    /// Decomposes the flow `x` over edges `(item, slot)` (`items` items, `slots` slots)
    /// into at most `max_rankings` rankings and their weights. `false` when no ranking fits
    /// the residual support, which only rounding can cause (the flow was not in the
    /// polytope), or when it takes more rankings.
    pub(crate) fn decompose(
        &mut self,
        edges: &[(usize, usize)],
        x: &[f64],
        items: usize,
        slots: usize,
        max_rankings: usize,
    ) -> bool {
        self.rankings.clear();
        self.weights.clear();
        reset(&mut self.residual, edges.len(), 0.0);
        reset(&mut self.item_flow, items, 0.0);
        self.flow_items.clear();
        for (e, (&(t, _), &v)) in edges.iter().zip(x).enumerate() {
            if v > ZERO_FLOW {
                if self.item_flow[t] == 0.0 {
                    self.flow_items.push(t);
                }
                self.residual[e] = v;
                self.item_flow[t] += v;
            }
        }
        // In item order, as a pass over all items would meet them (items without flow are
        // never tight while weight is left, and bound no step).
        self.flow_items.sort_unstable();
        bucket(edges.iter().map(|&(_, j)| j), slots, &mut self.slot_start, &mut self.slot_edges);
        bucket(edges.iter().map(|&(t, _)| t), items, &mut self.item_start, &mut self.item_edges);
        reset(&mut self.slot_match, slots, NONE);
        reset(&mut self.item_match, items, NONE);
        reset(&mut self.slot_seen, slots, 0);
        reset(&mut self.item_seen, items, 0);
        reset(&mut self.reached_by, items.max(slots), NONE);
        self.stamp = 0;
        let mut weight = 1.0;
        let max_steps = max_rankings.min(edges.len() + items + 1);
        while weight > ZERO_FLOW {
            if self.weights.len() >= max_steps {
                return false;
            }
            // Edges emptied by the last step leave the matching.
            for j in 0..slots {
                let e = self.slot_match[j];
                if e != NONE && self.residual[e] <= ZERO_FLOW {
                    self.slot_match[j] = NONE;
                    self.item_match[edges[e].0] = NONE;
                }
            }
            for j in 0..slots {
                if self.slot_match[j] == NONE && !self.cover_slot(edges, j) {
                    return false;
                }
            }
            for idx in 0..self.flow_items.len() {
                let t = self.flow_items[idx];
                let tight = weight - self.item_flow[t] <= ZERO_FLOW;
                if tight && self.item_match[t] == NONE && !self.seat_tight_item(edges, t, weight) {
                    return false;
                }
            }
            let mut theta = weight;
            for &e in &self.slot_match {
                theta = theta.min(self.residual[e]);
            }
            for &t in &self.flow_items {
                if self.item_match[t] == NONE && self.item_flow[t] > 0.0 {
                    theta = theta.min(weight - self.item_flow[t]);
                }
            }
            if theta <= 0.0 {
                return false;
            }
            for j in 0..slots {
                let e = self.slot_match[j];
                self.residual[e] -= theta;
                self.item_flow[edges[e].0] -= theta;
                self.rankings.push(edges[e].0);
            }
            self.weights.push(theta);
            weight -= theta;
        }
        true
    }

    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slot_seen.fill(0);
            self.item_seen.fill(0);
            self.stamp = 1;
        }
        self.stamp
    }

    /// Matches slot `j0` by a breadth-first augmenting path over live edges (a slot reaches
    /// the items of its edges; a matched item leads on to its slot).
    fn cover_slot(&mut self, edges: &[(usize, usize)], j0: usize) -> bool {
        let stamp = self.next_stamp();
        self.queue.clear();
        self.queue.push(j0);
        self.slot_seen[j0] = stamp;
        let mut head = 0;
        while head < self.queue.len() {
            let j = self.queue[head];
            head += 1;
            for idx in self.slot_start[j]..self.slot_start[j + 1] {
                let e = self.slot_edges[idx];
                let t = edges[e].0;
                if self.residual[e] <= ZERO_FLOW || self.item_seen[t] == stamp {
                    continue;
                }
                self.item_seen[t] = stamp;
                self.reached_by[t] = e;
                let next = self.item_match[t];
                if next == NONE {
                    self.flip_from_item(edges, t, j0);
                    return true;
                }
                let j2 = edges[next].1;
                if self.slot_seen[j2] != stamp {
                    self.slot_seen[j2] = stamp;
                    self.queue.push(j2);
                }
            }
        }
        false
    }

    /// Augments along the path that reached free item `t`: each item on it takes the edge
    /// it was reached by, back to slot `j0`.
    fn flip_from_item(&mut self, edges: &[(usize, usize)], mut t: usize, j0: usize) {
        loop {
            let e = self.reached_by[t];
            let j = edges[e].1;
            let previous = self.slot_match[j];
            self.slot_match[j] = e;
            self.item_match[t] = e;
            if j == j0 {
                return;
            }
            t = edges[previous].0;
        }
    }

    /// Gives tight unmatched item `t0` a slot: an alternating path `t0 → j1 (its holder t1)
    /// → j2 (its holder t2) → …` over live edges, until a holder that is not tight, which
    /// gives its slot up. Every slot stays matched.
    fn seat_tight_item(&mut self, edges: &[(usize, usize)], t0: usize, weight: f64) -> bool {
        let stamp = self.next_stamp();
        self.queue.clear();
        self.queue.push(t0);
        self.item_seen[t0] = stamp;
        let mut head = 0;
        while head < self.queue.len() {
            let t = self.queue[head];
            head += 1;
            for idx in self.item_start[t]..self.item_start[t + 1] {
                let e = self.item_edges[idx];
                let j = edges[e].1;
                if self.residual[e] <= ZERO_FLOW || self.slot_seen[j] == stamp {
                    continue;
                }
                self.slot_seen[j] = stamp;
                let holder = edges[self.slot_match[j]].0;
                if self.item_seen[holder] == stamp {
                    continue;
                }
                self.item_seen[holder] = stamp;
                self.reached_by[holder] = e;
                if weight - self.item_flow[holder] > ZERO_FLOW {
                    // `holder` is not tight: it leaves, and each item on the path moves to
                    // the slot it reached the next one through.
                    let mut u = holder;
                    self.item_match[u] = NONE;
                    while u != t0 {
                        let e = self.reached_by[u];
                        let (from, slot) = edges[e];
                        self.slot_match[slot] = e;
                        self.item_match[from] = e;
                        u = from;
                    }
                    return true;
                }
                self.queue.push(holder);
            }
        }
        false
    }

    /// The number of rankings found.
    pub(crate) fn len(&self) -> usize {
        self.weights.len()
    }
}

/// Counting sort of edge indices by `key` into `start` (`buckets + 1` offsets) and `list`.
fn bucket(
    keys: impl Iterator<Item = usize> + Clone,
    buckets: usize,
    start: &mut Vec<usize>,
    list: &mut Vec<usize>,
) {
    reset(start, buckets + 1, 0);
    for k in keys.clone() {
        start[k + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    reset(list, start[buckets], 0);
    let mut fill = std::mem::take(start);
    // `fill[b]` walks bucket `b`; rebuilt to offsets afterwards.
    for (e, k) in keys.enumerate() {
        list[fill[k]] = e;
        fill[k] += 1;
    }
    for b in (1..=buckets).rev() {
        fill[b] = fill[b - 1];
    }
    fill[0] = 0;
    *start = fill;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rebuilds the flow from the rankings and weights and compares.
    fn recompose(lottery: &FlowLottery, edges: &[(usize, usize)], x: &[f64], slots: usize) {
        let total: f64 = lottery.weights.iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "weights sum to {total}");
        let mut flow = vec![0.0; edges.len()];
        for (r, &w) in lottery.weights.iter().enumerate() {
            assert!(w > 0.0);
            let ranking = &lottery.rankings[r * slots..(r + 1) * slots];
            let mut seen = std::collections::HashSet::new();
            for (j, &t) in ranking.iter().enumerate() {
                assert!(seen.insert(t), "item {t} twice in a ranking");
                let e =
                    edges.iter().position(|&edge| edge == (t, j)).expect("ranking uses an edge of the flow");
                flow[e] += w;
            }
        }
        for (e, (&f, &v)) in flow.iter().zip(x).enumerate() {
            assert!((f - v).abs() < 1e-9, "edge {e}: {f} vs {v}");
        }
    }

    /// A random lottery's flow, merged over equal edges.
    fn lottery_flow(
        seed: u64,
        items: usize,
        slots: usize,
        rankings: usize,
    ) -> (Vec<(usize, usize)>, Vec<f64>) {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut raw: Vec<f64> = (0..rankings).map(|_| (next() % 1000 + 1) as f64).collect();
        let total: f64 = raw.iter().sum();
        raw.iter_mut().for_each(|w| *w /= total);
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut x = Vec::new();
        for &w in &raw {
            let mut pool: Vec<usize> = (0..items).collect();
            for j in 0..slots {
                let t = pool.swap_remove(next() % pool.len());
                match edges.iter().position(|&e| e == (t, j)) {
                    Some(e) => x[e] += w,
                    None => {
                        edges.push((t, j));
                        x.push(w);
                    }
                }
            }
        }
        (edges, x)
    }

    #[test]
    fn random_lotteries_recompose() {
        let mut lottery = FlowLottery::default();
        for seed in 0..300 {
            let items = 2 + (seed as usize % 9);
            let slots = 1 + (seed as usize / 9) % items;
            let count = 1 + (seed as usize % 7);
            let (edges, x) = lottery_flow(seed, items, slots, count);
            assert!(lottery.decompose(&edges, &x, items, slots, usize::MAX), "seed {seed}");
            recompose(&lottery, &edges, &x, slots);
            assert!(lottery.len() <= edges.len() + items + 1);
        }
    }

    #[test]
    fn a_tight_item_is_in_every_ranking() {
        // Item 0 carries weight 1 over two slots, items 1 and 2 half each: slot 0 = {0: ½,
        // 1: ½}, slot 1 = {0: ½, 2: ½}. A slot-covering matching {1→0, 2→1} leaves item 0
        // out, which would strand it; the tight item must be seated.
        let edges = [(1, 0), (2, 1), (0, 0), (0, 1)];
        let x = [0.5, 0.5, 0.5, 0.5];
        let mut lottery = FlowLottery::default();
        assert!(lottery.decompose(&edges, &x, 3, 2, usize::MAX));
        recompose(&lottery, &edges, &x, 2);
        for r in 0..lottery.len() {
            assert!(lottery.rankings[r * 2..r * 2 + 2].contains(&0));
        }
    }

    #[test]
    fn a_flow_outside_the_polytope_is_refused() {
        // Slot 1 has no edge at all.
        let mut lottery = FlowLottery::default();
        assert!(!lottery.decompose(&[(0, 0)], &[1.0], 2, 2, usize::MAX));
    }
}
