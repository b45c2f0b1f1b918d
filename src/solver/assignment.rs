//! Rectangular min-cost assignment by shortest augmenting paths (the Hungarian method in
//! its Jonker–Volgenant form).
//!
//! Rows `r = 0..R` (slots) must each get a distinct column `c = 0..C` (items), `R ≤ C`,
//! minimising `Σ cost[r][c]`. The method keeps potentials `u_r` (rows) and `v_c` (columns)
//! with `u_r + v_c ≤ cost[r][c]` for every pair, equality on matched pairs, and adds one row
//! at a time along a shortest augmenting path in reduced costs (Dijkstra without a heap,
//! `O(R·C)` per row, `O(R²·C)` in all).
//!
//! Two facts the certificate relies on: a column that is never matched keeps `v_c = 0`,
//! and matched columns have `v_c ≤ 0`. So `(u, v)` is an optimal solution of the dual
//! `max Σ u + Σ v  s.t.  u_r + v_c ≤ cost[r][c], v ≤ 0` — in the slate LP's maximisation
//! form, `β_j = −u_j` and `α_i = −v_i ≥ 0`.
//!
//! **Warm start.** Started from zero potentials, each new row's search first settles every
//! column a previous row holds whose reduced cost is below the free column's, and on
//! nearly sorted costs (every slot prefers the same best items; deep slots have nearly
//! equal weights) that is most of them: `O(R²·C)` in practice, not only in theory. Column
//! potentials close to the final ones ([`Assignment::greedy_potentials`], or the previous
//! inner solve's when the duals moved little) let most rows reach a free column at once
//! (counted once with a temporary counter on 1000×50 instances: 3–11 columns settled per
//! row instead of about 25). But a warm start may give `v_c < 0`
//! to a column that ends up unmatched, which the rectangular method above cannot undo, so
//! the warm path solves the *square* problem with `C − R` dummy rows of cost 0: any
//! potentials are a valid start there. Its optimal duals map back exactly: every dummy
//! row ends with the same potential `δ`, and `(u − δ, v + δ)` satisfies both facts above.

use super::relax::{relax, Step};
use super::workspace::{reserve, reset};

/// Reusable buffers for [`Assignment::solve`]; they grow to the largest problem seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct Assignment {
    /// `u_r` per row.
    row_potential: Vec<f64>,
    /// `v_c` per column.
    col_potential: Vec<f64>,
    /// Row matched to each column, `NONE` for none.
    col_row: Vec<usize>,
    /// Predecessor row of each column on the shortest-path tree.
    pred_row: Vec<usize>,
    /// Column matched to each row (`NONE` while the row waits).
    row_col: Vec<usize>,
    /// Final distance of each column settled in the current search.
    dist: Vec<f64>,
    /// Tentative distance of each column in the current search (`+∞` once settled).
    open_dist: Vec<f64>,
    /// Each column's potential while it is open, `−∞` once settled: its reduced cost from
    /// any row is then `+∞`, so the dense relaxation loop skips it without a branch.
    open_v: Vec<f64>,
    /// The columns settled in the current search, in order.
    settled: Vec<usize>,
    /// Each row's class of identical cost rows ([`Assignment::classify_rows`]).
    row_class: Vec<u32>,
    /// Per class, the search (`stamp`) that last relaxed one of its rows.
    class_stamp: Vec<u32>,
    stamp: u32,
    /// The cost row of every dummy row of the square problem (all zeros).
    zeros: Vec<f64>,
}

const NONE: usize = usize::MAX;

impl Assignment {
    /// Solves the assignment for `cost` (`rows × cols`, row-major, finite) and writes the
    /// column of each row into `row_col`. Requires `rows ≤ cols`.
    #[cfg(test)]
    pub(crate) fn solve(&mut self, rows: usize, cols: usize, cost: &[f64], row_col: &mut [usize]) {
        self.solve_from(rows, cols, cost, None, row_col);
    }

    /// [`Assignment::solve`] started from the column potentials `warm` (one per column,
    /// any finite values; see the module doc). The answer is as exact as a cold start's and
    /// the potentials satisfy the same facts; only the work differs.
    pub(crate) fn solve_from(
        &mut self,
        rows: usize,
        cols: usize,
        cost: &[f64],
        warm: Option<&[f64]>,
        row_col: &mut [usize],
    ) {
        debug_assert!(rows <= cols && cost.len() == rows * cols && row_col.len() == rows);
        debug_assert!(warm.is_none_or(|w| w.len() == cols && w.iter().all(|v| v.is_finite())));
        // The warm path adds the dummy rows `rows..cols` of the square problem.
        let all_rows = if warm.is_some() { cols } else { rows };
        reset(&mut self.row_potential, all_rows, 0.0);
        reset(&mut self.col_potential, cols, 0.0);
        if let Some(w) = warm {
            self.col_potential.copy_from_slice(w);
        }
        reset(&mut self.zeros, cols, 0.0);
        reset(&mut self.col_row, cols, NONE);
        reset(&mut self.pred_row, cols, NONE);
        reset(&mut self.row_col, all_rows, NONE);
        reset(&mut self.dist, cols, 0.0);
        self.classify_rows(rows, all_rows, cols, cost);
        // Dummy rows first: they take the columns the warm potentials price lowest.
        for row in (rows..all_rows).chain(0..rows) {
            // Row reduction: the cheapest reduced cost of the new row becomes 0.
            let cost_row = self.cost_row(row, rows, cols, cost);
            let cheapest =
                cost_row.iter().zip(&self.col_potential).map(|(c, v)| c - v).fold(f64::INFINITY, f64::min);
            self.row_potential[row] = cheapest;
            self.add_row(row, rows, cols, cost);
        }
        if warm.is_some() {
            // Back to the rectangular dual: shift by the dummy rows' common potential (with
            // no dummy row, every column is matched and the shift only has to make v ≤ 0).
            let delta = if rows < cols {
                self.row_potential[rows..].iter().copied().fold(f64::NEG_INFINITY, f64::max)
            } else {
                -self.col_potential.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            };
            self.row_potential.truncate(rows);
            self.row_col.truncate(rows);
            for r in 0..rows {
                self.row_potential[r] -= delta;
            }
            for c in 0..cols {
                if self.col_row[c] >= rows {
                    // Matched to a dummy row: unmatched in the real problem.
                    self.col_row[c] = NONE;
                    self.col_potential[c] = 0.0;
                } else {
                    self.col_potential[c] = (self.col_potential[c] + delta).min(0.0);
                }
            }
        }
        row_col.copy_from_slice(&self.row_col);
    }

    /// Column potentials for a warm start, from the costs alone: a greedy pass gives each
    /// row in turn its cheapest free column, then, from the last row up, each greedy column
    /// gets the potential that makes its row weakly prefer it to every column given to a
    /// later row or to none. On sorted costs this is the optimal dual; near them, close.
    /// All potentials are ≤ 0 and columns left out get 0. `O(R·C)`.
    pub(crate) fn greedy_potentials(&mut self, rows: usize, cols: usize, cost: &[f64], out: &mut [f64]) {
        debug_assert!(rows <= cols && out.len() == cols);
        out.fill(0.0);
        reset(&mut self.col_row, cols, NONE);
        reset(&mut self.row_col, rows, NONE);
        for row in 0..rows {
            let cost_row = &cost[row * cols..(row + 1) * cols];
            let mut best = NONE;
            for (c, &x) in cost_row.iter().enumerate() {
                if self.col_row[c] == NONE && (best == NONE || x < cost_row[best]) {
                    best = c;
                }
            }
            self.col_row[best] = row;
            self.row_col[row] = best;
        }
        for row in (0..rows).rev() {
            let cost_row = &cost[row * cols..(row + 1) * cols];
            // The cheapest reduced cost among columns of later rows and free columns.
            let mut cheapest = f64::INFINITY;
            for (c, (&x, &v)) in cost_row.iter().zip(out.iter()).enumerate() {
                let owner = self.col_row[c];
                if owner == NONE || owner > row {
                    cheapest = cheapest.min(x - v);
                }
            }
            let own = self.row_col[row];
            out[own] = if cheapest.is_finite() { (cost_row[own] - cheapest).min(0.0) } else { 0.0 };
        }
    }

    /// How many distinct columns are some row's cheapest at potentials `v`: rows whose
    /// cheapest column no other row shares are matched in one step by the shortest paths,
    /// so this ranks candidate warm starts. `O(R·C)`.
    pub(crate) fn distinct_cheapest(&mut self, rows: usize, cols: usize, cost: &[f64], v: &[f64]) -> usize {
        reset(&mut self.col_row, cols, NONE);
        let mut distinct = 0;
        for row in 0..rows {
            let cost_row = &cost[row * cols..(row + 1) * cols];
            let (mut best, mut best_col) = (f64::INFINITY, 0);
            for (c, (&x, &vc)) in cost_row.iter().zip(v).enumerate() {
                if x - vc < best {
                    (best, best_col) = (x - vc, c);
                }
            }
            if self.col_row[best_col] == NONE {
                self.col_row[best_col] = row;
                distinct += 1;
            }
        }
        distinct
    }

    /// Row `row`'s costs: a row of `cost`, or the zeros of a dummy row (`row ≥ rows`).
    fn cost_row<'a>(&'a self, row: usize, rows: usize, cols: usize, cost: &'a [f64]) -> &'a [f64] {
        if row < rows {
            &cost[row * cols..(row + 1) * cols]
        } else {
            &self.zeros[..cols]
        }
    }

    /// Matches `row` along a shortest augmenting path (Dijkstra on reduced costs, which
    /// the potentials keep non-negative), then updates the potentials so that every
    /// matched edge stays tight and every reduced cost stays non-negative.
    ///
    /// Every column is relaxed at every step, settled ones included (their `open_v` is
    /// −∞), by the vector kernel both assignment paths share (`relax.rs`, AVX2 chosen at
    /// run time). A gather through a list of the open columns ran about 37 instructions per
    /// column (callgrind, 1000×50 real coefficients), a scalar dense pass that preferred a
    /// free column among equally near ones about 26; the kernel takes the first of equally
    /// near columns, so a free column tied with a matched one can cost one more pass, and
    /// the search work of 10000×100 K=20 real coefficients fell from 207M to 58M
    /// instructions per two solves.
    ///
    /// **Identical rows.** Two matched rows with the same costs have the same potential
    /// (each equals its row's least reduced cost), so once the search has relaxed one of
    /// them, reaching another (at a distance at least as large) relaxes nothing. The search
    /// then settles at once every column at the current distance whose row's class was
    /// relaxed, instead of one pass per column. The dummy rows of the warm start are all
    /// alike, and phase 1's rows (no scores) are alike across a band: a search that reached
    /// one dummy row used to walk all of them, a full pass each (1000×50 real coefficients,
    /// phase 1: 71 such passes in some rows' searches). The settled set, the distances and
    /// the predecessors are the ones the one-at-a-time search reaches (columns it would not
    /// have settled are at the final distance, and `augment` moves them by 0).
    fn add_row(&mut self, row: usize, rows: usize, cols: usize, cost: &[f64]) {
        self.settled.clear();
        reset(&mut self.open_dist, cols, f64::INFINITY);
        self.open_v.clear();
        self.open_v.extend_from_slice(&self.col_potential[..cols]);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.class_stamp.fill(0);
            self.stamp = 1;
        }
        let stamp = self.stamp;
        let zeros = std::mem::take(&mut self.zeros);
        let cost_row = |r: usize| if r < rows { &cost[r * cols..(r + 1) * cols] } else { &zeros[..cols] };
        self.class_stamp[self.row_class[row] as usize] = stamp;
        let base = -self.row_potential[row];
        let mut pick = self.relax_row(cols, cost_row(row), &zeros, base, row);
        let free_col = loop {
            let (best, best_col) = pick;
            // An open column is always left (a free one: rows ≤ cols). Only distances
            // that overflowed to +∞ leave `best_col` unset: then the first open column.
            let c = if best_col == NONE {
                self.open_v.iter().position(|&v| v != f64::NEG_INFINITY).unwrap_or(0)
            } else {
                best_col
            };
            self.settle(c, best);
            let r = self.col_row[c];
            if r == NONE {
                break c;
            }
            let class = self.row_class[r] as usize;
            pick = if self.class_stamp[class] == stamp {
                self.settle_relaxed_ties(best, cols)
            } else {
                self.class_stamp[class] = stamp;
                let base = best - self.row_potential[r];
                self.relax_row(cols, cost_row(r), &zeros, base, r)
            };
        };
        self.zeros = zeros;
        augment(
            row,
            free_col,
            &self.settled,
            &self.dist,
            &self.pred_row,
            Matching {
                row_potential: &mut self.row_potential,
                col_potential: &mut self.col_potential,
                row_col: &mut self.row_col,
                col_row: &mut self.col_row,
            },
        );
    }

    /// One step of the search through `row` ([`relax`]; a cost row is `q` with `u = w = 0`):
    /// the nearest open column and its distance, the first on ties, `NONE` when every open
    /// distance overflowed to +∞.
    fn relax_row(
        &mut self,
        cols: usize,
        cost_row: &[f64],
        zeros: &[f64],
        base: f64,
        row: usize,
    ) -> (f64, usize) {
        let step = Step { base, w: 0.0, row, q: cost_row, u: &zeros[..cols], v: &self.open_v[..cols] };
        let (best, c) = relax(&step, &mut self.open_dist[..cols], &mut self.pred_row[..cols]);
        if best == f64::INFINITY {
            (best, NONE)
        } else {
            (best, c)
        }
    }

    /// Column `c` is settled at distance `d`.
    fn settle(&mut self, c: usize, d: f64) {
        self.dist[c] = d;
        self.open_dist[c] = f64::INFINITY;
        self.open_v[c] = f64::NEG_INFINITY;
        self.settled.push(c);
    }

    /// Settles every open column at distance `best` whose row's class this search has
    /// relaxed (see [`Assignment::add_row`]), and picks the nearest of the others without
    /// relaxing (a free one among equally near ones, as it ends the search).
    fn settle_relaxed_ties(&mut self, best: f64, cols: usize) -> (f64, usize) {
        let stamp = self.stamp;
        let mut pick = (f64::INFINITY, NONE);
        let mut pick_free = false;
        for c in 0..cols {
            let d = self.open_dist[c];
            let owner = self.col_row[c];
            if d == best && owner != NONE && self.class_stamp[self.row_class[owner] as usize] == stamp {
                self.settle(c, best);
                continue;
            }
            let free = owner == NONE;
            if d < pick.0 || (d == pick.0 && free && !pick_free) {
                pick = (d, c);
                pick_free = free;
            }
        }
        pick
    }

    /// Each row's class: rows with the same costs (bit for bit) share one, the first such
    /// row's index; the dummy rows and any real row of zeros share class `rows`. Rows alike
    /// are neighbours in the slate (slots of a band with one weight), so each row is
    /// compared with the one before.
    fn classify_rows(&mut self, rows: usize, all_rows: usize, cols: usize, cost: &[f64]) {
        self.row_class.clear();
        let same = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        for r in 0..rows {
            let row = &cost[r * cols..(r + 1) * cols];
            let class = if row.iter().all(|x| x.to_bits() == 0) {
                rows
            } else if r > 0 && same(row, &cost[(r - 1) * cols..r * cols]) {
                self.row_class[r - 1] as usize
            } else {
                r
            };
            self.row_class.push(class as u32);
        }
        self.row_class.extend(std::iter::repeat_n(rows as u32, all_rows - rows));
        // Class ids are below `rows + 1`; stamps of an earlier, larger problem may remain.
        if self.class_stamp.len() < rows + 1 {
            reset(&mut self.class_stamp, rows + 1, 0);
        }
    }

    /// Reserves every buffer for `rows × cols` problems.
    pub(crate) fn reserve(&mut self, rows: usize, cols: usize) {
        reserve(&mut self.row_potential, rows);
        reserve(&mut self.col_potential, cols);
        reserve(&mut self.col_row, cols);
        reserve(&mut self.pred_row, cols);
        reserve(&mut self.row_col, rows);
        reserve(&mut self.dist, cols);
        reserve(&mut self.open_dist, cols);
        reserve(&mut self.open_v, cols);
        reserve(&mut self.row_class, cols);
        reserve(&mut self.class_stamp, rows + 1);
        reserve(&mut self.settled, cols);
        reserve(&mut self.zeros, cols);
        // The warm path's square problem has a row per column.
        reserve(&mut self.row_potential, cols);
        reserve(&mut self.row_col, cols);
    }

    /// The bytes [`Assignment::reserve`] reserves (see `memory.rs`): ten vectors of `cols`
    /// numbers (the warm path's square problem has a row per column, and `rows ≤ cols`),
    /// and the `u32` row classes (one per row) and class stamps (`rows + 1`).
    pub(crate) fn reserved_bytes(rows: usize, cols: usize) -> usize {
        cols.max(rows).saturating_mul(10 * std::mem::size_of::<f64>()).saturating_add(
            cols.saturating_add(rows).saturating_add(1).saturating_mul(std::mem::size_of::<u32>()),
        )
    }

    /// `u_r` for row `r` after [`Assignment::solve`].
    pub(crate) fn row_potential(&self, r: usize) -> f64 {
        self.row_potential[r]
    }

    /// `v_c` for column `c` after [`Assignment::solve`]; 0 for unmatched columns.
    pub(crate) fn col_potential(&self, c: usize) -> f64 {
        self.col_potential[c]
    }
}

/// The potentials and the matching a search ends by updating (see [`augment`]).
pub(crate) struct Matching<'a> {
    pub row_potential: &'a mut [f64],
    pub col_potential: &'a mut [f64],
    pub row_col: &'a mut [usize],
    pub col_row: &'a mut [usize],
}

/// The end of a shortest-augmenting-path search from `row` that reached the free column
/// `free_col`: every settled column (and the row matched to it) moves by `D − dist`, so
/// that the path's arcs become tight and every reduced cost stays non-negative, and the
/// matching is flipped along the path (each column to its predecessor row, whose old
/// column comes next). Shared by this method and the pattern path (`oracle_patterns.rs`).
pub(crate) fn augment(
    row: usize,
    free_col: usize,
    settled: &[usize],
    dist: &[f64],
    pred_row: &[usize],
    m: Matching<'_>,
) {
    let total = dist[free_col];
    for &c in settled {
        let shift = total - dist[c];
        m.col_potential[c] -= shift;
        if m.col_row[c] != NONE {
            m.row_potential[m.col_row[c]] += shift;
        }
    }
    m.row_potential[row] += total;
    let mut c = free_col;
    loop {
        let r = pred_row[c];
        let previous = m.row_col[r];
        m.col_row[c] = r;
        m.row_col[r] = c;
        if r == row {
            break;
        }
        c = previous;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every injective map rows → cols, by recursion: the naive oracle.
    fn brute_force(rows: usize, cols: usize, cost: &[f64]) -> f64 {
        fn go(r: usize, rows: usize, cols: usize, cost: &[f64], used: &mut Vec<bool>) -> f64 {
            if r == rows {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    best = best.min(cost[r * cols + c] + go(r + 1, rows, cols, cost, used));
                    used[c] = false;
                }
            }
            best
        }
        go(0, rows, cols, cost, &mut vec![false; cols])
    }

    /// A small xorshift stream of a few distinct values, so that ties are common.
    fn stream(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state % 7) as f64) - 3.0
        }
    }

    /// The answer is optimal (brute force) and the potentials certify it: dual feasible,
    /// `v ≤ 0`, `v = 0` on unmatched columns, and no duality gap.
    fn check(a: &Assignment, rows: usize, cols: usize, cost: &[f64], row_col: &[usize]) {
        let mut seen = vec![false; cols];
        let mut total = 0.0;
        for (r, &c) in row_col.iter().enumerate() {
            assert!(!seen[c], "column used twice");
            seen[c] = true;
            total += cost[r * cols + c];
        }
        assert_eq!(total, brute_force(rows, cols, cost));
        let mut dual = 0.0;
        for r in 0..rows {
            dual += a.row_potential(r);
            for c in 0..cols {
                assert!(a.row_potential(r) + a.col_potential(c) <= cost[r * cols + c] + 1e-12);
            }
        }
        for (c, &seen) in seen.iter().enumerate().take(cols) {
            assert!(a.col_potential(c) <= 0.0);
            if !seen {
                assert_eq!(a.col_potential(c), 0.0);
            }
            dual += a.col_potential(c);
        }
        assert!((dual - total).abs() < 1e-9, "duality gap {}", dual - total);
    }

    #[test]
    fn matches_brute_force_and_duals_certify() {
        let mut next = stream(0x9E37_79B9_7F4A_7C15);
        let mut a = Assignment::default();
        for rows in 1..=5 {
            for cols in rows..=7 {
                for _ in 0..20 {
                    let cost: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
                    let mut row_col = vec![0; rows];
                    a.solve(rows, cols, &cost, &mut row_col);
                    check(&a, rows, cols, &cost, &row_col);
                }
            }
        }
    }

    /// Any warm start, good or bad, positive or negative, gives an optimal answer whose
    /// potentials certify it exactly like a cold start's.
    #[test]
    fn warm_starts_are_exact_whatever_the_potentials() {
        let mut next = stream(0x2545_F491_4F6C_DD1D);
        let mut a = Assignment::default();
        for rows in 1..=5 {
            for cols in rows..=7 {
                for trial in 0..30 {
                    let cost: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
                    let mut warm = vec![0.0; cols];
                    match trial % 3 {
                        0 => a.greedy_potentials(rows, cols, &cost, &mut warm),
                        1 => warm.iter_mut().for_each(|v| *v = next() * 1.5),
                        _ => warm.iter_mut().for_each(|v| *v = next().abs() * 10.0),
                    }
                    let mut row_col = vec![0; rows];
                    a.solve_from(rows, cols, &cost, Some(&warm), &mut row_col);
                    check(&a, rows, cols, &cost, &row_col);
                }
            }
        }
    }

    /// Rows in runs of identical costs (the slots of a band, as in phase 1), some of them
    /// all zeros like the dummy rows, few distinct values: the searches settle ties of
    /// rows already relaxed at once, and stay exact, cold and warm.
    #[test]
    fn identical_rows_settle_together_and_stay_exact() {
        let mut next = stream(0x0DDB_A11C_AFE0_F00D);
        let mut a = Assignment::default();
        for rows in 1..=6 {
            for cols in rows..=8 {
                for trial in 0..25 {
                    let bands = 1 + (trial % 3);
                    let band_cost: Vec<Vec<f64>> = (0..bands)
                        .map(|b| (0..cols).map(|_| if (b + trial) % 4 == 0 { 0.0 } else { next() }).collect())
                        .collect();
                    let cost: Vec<f64> =
                        (0..rows).flat_map(|r| band_cost[r * bands / rows].clone()).collect();
                    let mut row_col = vec![0; rows];
                    if trial % 2 == 0 {
                        a.solve(rows, cols, &cost, &mut row_col);
                    } else {
                        let mut warm = vec![0.0; cols];
                        a.greedy_potentials(rows, cols, &cost, &mut warm);
                        a.solve_from(rows, cols, &cost, Some(&warm), &mut row_col);
                    }
                    check(&a, rows, cols, &cost, &row_col);
                }
            }
        }
    }

    /// On sorted costs (`cost = −w_r u_c`, `w` and `u` decreasing) the greedy potentials
    /// are already optimal: every row's cheapest reduced cost is on its own greedy column,
    /// so each row of the warm start settles one column.
    #[test]
    fn greedy_potentials_are_optimal_on_sorted_costs() {
        let (rows, cols) = (6, 9);
        let w: Vec<f64> = (0..rows).map(|j| 1.0 / ((j as f64) + 2.0).log2()).collect();
        let u: Vec<f64> = (0..cols).map(|c| 10.0 - 1.3 * c as f64).collect();
        let cost: Vec<f64> = (0..rows * cols).map(|k| -w[k / cols] * u[k % cols]).collect();
        let mut a = Assignment::default();
        let mut v = vec![0.0; cols];
        a.greedy_potentials(rows, cols, &cost, &mut v);
        for r in 0..rows {
            let reduced = |c: usize| cost[r * cols + c] - v[c];
            let cheapest = (0..cols).map(reduced).fold(f64::INFINITY, f64::min);
            assert!(reduced(r) <= cheapest + 1e-12, "row {r} prefers another column");
        }
        assert!(v[rows..].iter().all(|&x| x == 0.0));
        assert_eq!(a.distinct_cheapest(rows, cols, &cost, &v), rows);
    }
}
