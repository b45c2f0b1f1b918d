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

/// Reusable buffers for [`Assignment::solve`]; they grow to the largest problem seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct Assignment {
    /// `u`, indexed 1..=R (0 is the virtual row that starts each search).
    row_potential: Vec<f64>,
    /// `v`, indexed 1..=C (0 is the virtual column where each search starts).
    col_potential: Vec<f64>,
    /// Row matched to each column, 0 for none.
    col_row: Vec<usize>,
    /// Predecessor column on the current shortest-path tree.
    way: Vec<usize>,
    /// Tentative distance of each column in the current search.
    min_reduced: Vec<f64>,
    used: Vec<bool>,
}

impl Assignment {
    /// Solves the assignment for `cost` (`rows × cols`, row-major, finite) and writes the
    /// column of each row into `row_col`. Requires `rows ≤ cols`.
    pub(crate) fn solve(&mut self, rows: usize, cols: usize, cost: &[f64], row_col: &mut [usize]) {
        debug_assert!(rows <= cols && cost.len() == rows * cols && row_col.len() == rows);
        reset(&mut self.row_potential, rows + 1, 0.0);
        reset(&mut self.col_potential, cols + 1, 0.0);
        reset(&mut self.col_row, cols + 1, 0);
        reset(&mut self.way, cols + 1, 0);
        for row in 1..=rows {
            self.add_row(row, cols, cost);
        }
        for c in 1..=cols {
            let r = self.col_row[c];
            if r != 0 {
                row_col[r - 1] = c - 1;
            }
        }
    }

    /// Grows the matching by `row` along a shortest augmenting path.
    fn add_row(&mut self, row: usize, cols: usize, cost: &[f64]) {
        reset(&mut self.min_reduced, cols + 1, f64::INFINITY);
        reset(&mut self.used, cols + 1, false);
        self.col_row[0] = row;
        let mut col = 0;
        loop {
            self.used[col] = true;
            let r = self.col_row[col];
            let cost_row = &cost[(r - 1) * cols..r * cols];
            let u_r = self.row_potential[r];
            let mut delta = f64::INFINITY;
            let mut next = 0;
            for c in 1..=cols {
                if self.used[c] {
                    continue;
                }
                let reduced = cost_row[c - 1] - u_r - self.col_potential[c];
                if reduced < self.min_reduced[c] {
                    self.min_reduced[c] = reduced;
                    self.way[c] = col;
                }
                if self.min_reduced[c] < delta {
                    delta = self.min_reduced[c];
                    next = c;
                }
            }
            // Shift potentials so the tree's edges stay tight and `next` becomes reachable.
            for c in 0..=cols {
                if self.used[c] {
                    self.row_potential[self.col_row[c]] += delta;
                    self.col_potential[c] -= delta;
                } else {
                    self.min_reduced[c] -= delta;
                }
            }
            col = next;
            if self.col_row[col] == 0 {
                break;
            }
        }
        // Flip the matching along the path back to the virtual column.
        while col != 0 {
            let prev = self.way[col];
            self.col_row[col] = self.col_row[prev];
            col = prev;
        }
    }

    /// `u_r` for row `r` (0-based) after [`Assignment::solve`].
    pub(crate) fn row_potential(&self, r: usize) -> f64 {
        self.row_potential[r + 1]
    }

    /// `v_c` for column `c` (0-based) after [`Assignment::solve`]; 0 for unmatched columns.
    pub(crate) fn col_potential(&self, c: usize) -> f64 {
        self.col_potential[c + 1]
    }
}

/// `v = [value; len]` without giving back capacity.
pub(crate) fn reset<T: Copy>(v: &mut Vec<T>, len: usize, value: T) {
    v.clear();
    v.resize(len, value);
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
