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
    /// Tentative distance of each column in the current search.
    dist: Vec<f64>,
    /// Columns not yet settled in the current search, and the settled ones.
    unsettled: Vec<usize>,
    settled: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Assignment {
    /// Solves the assignment for `cost` (`rows × cols`, row-major, finite) and writes the
    /// column of each row into `row_col`. Requires `rows ≤ cols`.
    pub(crate) fn solve(&mut self, rows: usize, cols: usize, cost: &[f64], row_col: &mut [usize]) {
        debug_assert!(rows <= cols && cost.len() == rows * cols && row_col.len() == rows);
        reset(&mut self.row_potential, rows, 0.0);
        reset(&mut self.col_potential, cols, 0.0);
        reset(&mut self.col_row, cols, NONE);
        reset(&mut self.pred_row, cols, NONE);
        reset(&mut self.row_col, rows, NONE);
        reset(&mut self.dist, cols, 0.0);
        for row in 0..rows {
            // Row reduction: the cheapest reduced cost of the new row becomes 0.
            let cost_row = &cost[row * cols..(row + 1) * cols];
            self.row_potential[row] =
                cost_row.iter().zip(&self.col_potential).map(|(c, v)| c - v).fold(f64::INFINITY, f64::min);
            self.add_row(row, cols, cost);
        }
        row_col.copy_from_slice(&self.row_col);
    }

    /// Matches `row` along a shortest augmenting path (Dijkstra on reduced costs, which
    /// the potentials keep non-negative), then updates the potentials so that every
    /// matched edge stays tight and every reduced cost stays non-negative.
    fn add_row(&mut self, row: usize, cols: usize, cost: &[f64]) {
        self.unsettled.clear();
        self.unsettled.extend(0..cols);
        self.settled.clear();
        self.dist.fill(f64::INFINITY);
        let (mut current, mut current_dist) = (row, 0.0);
        let free_col = loop {
            let cost_row = &cost[current * cols..(current + 1) * cols];
            let base = current_dist - self.row_potential[current];
            let mut best_pos = 0;
            let mut best = f64::INFINITY;
            for (pos, &c) in self.unsettled.iter().enumerate() {
                let d = base + cost_row[c] - self.col_potential[c];
                if d < self.dist[c] {
                    self.dist[c] = d;
                    self.pred_row[c] = current;
                }
                if self.dist[c] < best {
                    best = self.dist[c];
                    best_pos = pos;
                }
            }
            let c = self.unsettled.swap_remove(best_pos);
            self.settled.push(c);
            if self.col_row[c] == NONE {
                break c;
            }
            current = self.col_row[c];
            current_dist = best;
        };
        // Potentials: settled columns (and the rows behind them) move by D − dist.
        let total = self.dist[free_col];
        for &c in &self.settled {
            let shift = total - self.dist[c];
            self.col_potential[c] -= shift;
            if self.col_row[c] != NONE {
                self.row_potential[self.col_row[c]] += shift;
            }
        }
        self.row_potential[row] += total;
        // Flip the matching along the path.
        let mut c = free_col;
        loop {
            let r = self.pred_row[c];
            let previous = self.row_col[r];
            self.col_row[c] = r;
            self.row_col[r] = c;
            if r == row {
                break;
            }
            c = previous;
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
        reserve(&mut self.unsettled, cols);
        reserve(&mut self.settled, cols);
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

    #[test]
    fn matches_brute_force_and_duals_certify() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // A few distinct values so that ties are common.
            ((state % 7) as f64) - 3.0
        };
        let mut a = Assignment::default();
        for rows in 1..=5 {
            for cols in rows..=7 {
                for _ in 0..20 {
                    let cost: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
                    let mut row_col = vec![0; rows];
                    a.solve(rows, cols, &cost, &mut row_col);
                    let mut seen = vec![false; cols];
                    let mut total = 0.0;
                    for (r, &c) in row_col.iter().enumerate() {
                        assert!(!seen[c], "column used twice");
                        seen[c] = true;
                        total += cost[r * cols + c];
                    }
                    assert_eq!(total, brute_force(rows, cols, &cost));
                    // Dual feasibility and zero duality gap.
                    let mut dual = 0.0;
                    for r in 0..rows {
                        dual += a.row_potential(r);
                        for c in 0..cols {
                            assert!(a.row_potential(r) + a.col_potential(c) <= cost[r * cols + c] + 1e-12);
                        }
                    }
                    for c in 0..cols {
                        assert!(a.col_potential(c) <= 0.0);
                        if !seen[c] {
                            assert_eq!(a.col_potential(c), 0.0);
                        }
                        dual += a.col_potential(c);
                    }
                    assert!((dual - total).abs() < 1e-9);
                }
            }
        }
    }
}
