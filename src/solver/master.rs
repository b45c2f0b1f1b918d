//! The master problem of the cutting-plane method: the best lottery over the rankings
//! found so far (Dantzig–Wolfe form; its dual is Kelley's cutting-plane model of `g`).
//!
//! Rows are the rule rows — `+V_k ≤ max_k` and `−V_k ≤ −min_k`, one per bound — and the
//! convexity row. Variables are the rankings' weights `μ_t ≥ 0`, one slack `s_r ≥ 0` and
//! one violation `e_r ≥ 0` per rule row:
//!
//! ```text
//!     maximise   Σ_t f_t μ_t − Σ_r ρ_r e_r
//!     subject to Σ_t R_rt μ_t + s_r − e_r = b_r      (dual y_r, 0 ≤ y_r ≤ ρ_r)
//!                Σ_t μ_t = 1                         (dual θ, free)
//! ```
//!
//! Phase 1 (finding a lottery that meets the hard rules) maximises `−Σ_{hard} e_r` with
//! ranking scores ignored; phase 2 fixes hard violations at 0 (`e_r ≤ 0`) and maximises
//! the true objective. A basic optimal solution has at most `rows + 1` positive `μ`: that
//! is the lottery of docs/design.md F5.
//!
//! The method is a revised primal simplex with an explicit dense basis inverse (the basis
//! is at most `2K + 1` square), refactored from scratch every [`REFACTOR_EVERY`] pivots.
//! Dantzig pricing; after a run of degenerate pivots it switches to Bland's rule, which
//! cannot cycle.

use super::dense::invert_in_place;
use super::tuning::{DEGENERATE_RUN, REFACTOR_EVERY};
use super::workspace::reset;

/// Smallest |pivot element| the ratio test accepts.
const PIVOT_TOLERANCE: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Feasibility,
    Optimality,
}

/// Why [`Master::optimize`] stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MasterTrouble {
    /// The pivot cap was reached.
    PivotLimit,
    /// The basis became numerically singular.
    Singular,
}

impl MasterTrouble {
    /// The solve's status when the master stops with this trouble.
    pub(crate) fn status(self) -> crate::Status {
        match self {
            MasterTrouble::PivotLimit => crate::Status::IterationLimit,
            MasterTrouble::Singular => crate::Status::NumericalTrouble,
        }
    }

    /// The one-sentence reason given in `Solution::message`.
    pub(crate) fn message(self) -> &'static std::ffi::CStr {
        match self {
            MasterTrouble::PivotLimit => c"the master reached max_master_pivots simplex pivots in one solve",
            MasterTrouble::Singular => c"the master's basis became numerically singular",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Master {
    /// Rule rows `R`; the convexity row is row `R`.
    rule_rows: usize,
    rhs: Vec<f64>,
    /// `ρ_r`, `+∞` for hard rows.
    penalty: Vec<f64>,
    /// Ranking columns, `R + 1` entries each (`R_rt` then 1).
    columns: Vec<f64>,
    /// `f_t`.
    column_score: Vec<f64>,
    phase: Option<Phase>,
    basis: Vec<usize>,
    is_basic: Vec<bool>,
    basis_inverse: Vec<f64>,
    basic_value: Vec<f64>,
    /// Simplex multipliers `c_B B⁻¹`.
    dual: Vec<f64>,
    direction: Vec<f64>,
    column_scratch: Vec<f64>,
    factor_scratch: Vec<f64>,
    pivots_since_refactor: u32,
    pub pivots: u32,
}

impl Master {
    /// Clears the master for rule rows with these right-hand sides and penalties.
    pub(crate) fn reset(&mut self, rhs: impl Iterator<Item = (f64, f64)>) {
        self.rhs.clear();
        self.penalty.clear();
        for (b, rho) in rhs {
            self.rhs.push(b);
            self.penalty.push(rho);
        }
        self.rule_rows = self.rhs.len();
        self.rhs.push(1.0);
        self.columns.clear();
        self.column_score.clear();
        self.is_basic.clear();
        self.is_basic.resize(2 * self.rule_rows, false);
        self.phase = None;
        self.pivots = 0;
        self.pivots_since_refactor = 0;
    }

    fn rows(&self) -> usize {
        self.rule_rows + 1
    }

    /// Adds a ranking column with rule-row entries `rows` and score `score`; returns its index.
    pub(crate) fn add_column(&mut self, rows: impl Iterator<Item = f64>, score: f64) -> usize {
        let start = self.columns.len();
        self.columns.extend(rows);
        debug_assert_eq!(self.columns.len() - start, self.rule_rows);
        self.columns.push(1.0);
        self.column_score.push(score);
        self.is_basic.push(false);
        self.column_score.len() - 1
    }

    pub(crate) fn column_count(&self) -> usize {
        self.column_score.len()
    }

    /// Makes room by dropping non-basic ranking columns, keeping the newest `keep_recent`;
    /// writes into `map` the new index of each old column (`usize::MAX` for dropped ones).
    /// Basic columns are never dropped, so the basis and its inverse stay as they are.
    pub(crate) fn purge(&mut self, keep_recent: usize, map: &mut Vec<usize>) {
        let r = self.rule_rows;
        let count = self.column_count();
        let width = r + 1;
        map.clear();
        let mut next = 0;
        for t in 0..count {
            let keep = self.is_basic[2 * r + t] || t + keep_recent >= count;
            if keep {
                if next != t {
                    self.columns.copy_within(t * width..(t + 1) * width, next * width);
                    self.column_score[next] = self.column_score[t];
                    self.is_basic[2 * r + next] = self.is_basic[2 * r + t];
                }
                map.push(next);
                next += 1;
            } else {
                map.push(usize::MAX);
            }
        }
        self.columns.truncate(next * width);
        self.column_score.truncate(next);
        self.is_basic.truncate(2 * r + next);
        for v in &mut self.basis {
            if *v >= 2 * r {
                *v = 2 * r + map[*v - 2 * r];
            }
        }
    }

    /// Reserves every buffer for `rule_rows` rows and `columns` ranking columns.
    pub(crate) fn reserve(&mut self, rule_rows: usize, columns: usize) {
        let nr = rule_rows + 1;
        use super::workspace::reserve;
        reserve(&mut self.rhs, nr);
        reserve(&mut self.penalty, rule_rows);
        reserve(&mut self.columns, columns * nr);
        reserve(&mut self.column_score, columns);
        reserve(&mut self.basis, nr);
        reserve(&mut self.is_basic, 2 * rule_rows + columns);
        reserve(&mut self.basis_inverse, nr * nr);
        reserve(&mut self.basic_value, nr);
        reserve(&mut self.dual, nr);
        reserve(&mut self.direction, nr);
        reserve(&mut self.column_scratch, nr);
        reserve(&mut self.factor_scratch, 2 * nr * nr);
    }

    /// The basis made of ranking column 0 and, per row, its slack (when the ranking meets
    /// the row) or its violation (when it does not).
    pub(crate) fn start_from_first_column(&mut self) -> Result<(), MasterTrouble> {
        let r = self.rule_rows;
        self.basis.clear();
        for row in 0..r {
            let slack = self.rhs[row] - self.columns[row];
            self.basis.push(if slack >= 0.0 { row } else { r + row });
        }
        self.basis.push(2 * r);
        self.is_basic.fill(false);
        for &v in &self.basis {
            self.is_basic[v] = true;
        }
        self.refactor()
    }

    /// Total hard-row violation of the current basic solution.
    pub(crate) fn hard_violation(&self) -> f64 {
        let r = self.rule_rows;
        self.basis
            .iter()
            .zip(&self.basic_value)
            .filter(|(&v, _)| v >= r && v < 2 * r && self.penalty[v - r].is_infinite())
            .map(|(_, &x)| x.max(0.0))
            .sum()
    }

    fn cost(&self, var: usize, phase: Phase) -> f64 {
        let r = self.rule_rows;
        if var < r {
            return 0.0;
        }
        if var < 2 * r {
            let rho = self.penalty[var - r];
            return match (phase, rho.is_infinite()) {
                (Phase::Feasibility, true) => -1.0,
                (Phase::Feasibility, false) | (Phase::Optimality, true) => 0.0,
                (Phase::Optimality, false) => -rho,
            };
        }
        match phase {
            Phase::Feasibility => 0.0,
            Phase::Optimality => self.column_score[var - 2 * r],
        }
    }

    /// A variable that phase 2 holds at zero (the violation of a hard row).
    fn fixed_at_zero(&self, var: usize, phase: Phase) -> bool {
        let r = self.rule_rows;
        phase == Phase::Optimality && var >= r && var < 2 * r && self.penalty[var - r].is_infinite()
    }

    /// Writes the dense column of `var` into `out`.
    fn column_into(&self, var: usize, out: &mut [f64]) {
        let r = self.rule_rows;
        if var < 2 * r {
            out.fill(0.0);
            out[var % r] = if var < r { 1.0 } else { -1.0 };
        } else {
            let t = var - 2 * r;
            out.copy_from_slice(&self.columns[t * (r + 1)..(t + 1) * (r + 1)]);
        }
    }

    /// `y · a_var`.
    fn priced(&self, var: usize) -> f64 {
        let r = self.rule_rows;
        if var < r {
            self.dual[var]
        } else if var < 2 * r {
            -self.dual[var - r]
        } else {
            let t = var - 2 * r;
            self.columns[t * (r + 1)..(t + 1) * (r + 1)].iter().zip(&self.dual).map(|(a, y)| a * y).sum()
        }
    }

    /// Runs the primal simplex to optimality for `phase` from the current basis.
    pub(crate) fn optimize(
        &mut self,
        phase: Phase,
        tolerance: f64,
        max_pivots: u32,
    ) -> Result<(), MasterTrouble> {
        self.phase = Some(phase);
        let nr = self.rows();
        let vars = 2 * self.rule_rows + self.column_count();
        let mut degenerate_run = 0;
        for _ in 0..max_pivots {
            self.compute_duals(phase);
            let bland = degenerate_run >= DEGENERATE_RUN;
            let mut entering = None;
            let mut best = tolerance;
            for var in 0..vars {
                if self.is_basic[var] || self.fixed_at_zero(var, phase) {
                    continue;
                }
                let reduced = self.cost(var, phase) - self.priced(var);
                if reduced > best {
                    entering = Some(var);
                    best = reduced;
                    if bland {
                        break;
                    }
                }
            }
            let Some(q) = entering else { return Ok(()) };

            let mut column = std::mem::take(&mut self.column_scratch);
            reset(&mut column, nr, 0.0);
            self.column_into(q, &mut column);
            reset(&mut self.direction, nr, 0.0);
            for i in 0..nr {
                let row = &self.basis_inverse[i * nr..(i + 1) * nr];
                self.direction[i] = row.iter().zip(&column).map(|(b, a)| b * a).sum();
            }
            self.column_scratch = column;

            // Ratio test: basic variables stay ≥ 0, and ≤ 0 when phase 2 fixes them.
            let mut leave = None;
            let mut step = f64::INFINITY;
            let mut leave_pivot = 0.0;
            for i in 0..nr {
                let d = self.direction[i];
                let limit = if d > PIVOT_TOLERANCE {
                    self.basic_value[i].max(0.0) / d
                } else if d < -PIVOT_TOLERANCE && self.fixed_at_zero(self.basis[i], phase) {
                    0.0
                } else {
                    continue;
                };
                let better = limit < step - 1e-12 || (limit <= step + 1e-12 && d.abs() > leave_pivot);
                if leave.is_none() || better {
                    leave = Some(i);
                    step = limit;
                    leave_pivot = d.abs();
                }
            }
            // The master is bounded (Σμ = 1, penalties ≥ 0), so an unblocked ray only comes
            // from rounding: treat it like a singular basis.
            let Some(p) = leave else { return Err(MasterTrouble::Singular) };
            degenerate_run = if step <= 0.0 { degenerate_run + 1 } else { 0 };
            self.pivot(p, q, step)?;
        }
        Err(MasterTrouble::PivotLimit)
    }

    fn pivot(&mut self, p: usize, q: usize, step: f64) -> Result<(), MasterTrouble> {
        let nr = self.rows();
        for i in 0..nr {
            self.basic_value[i] -= step * self.direction[i];
        }
        self.basic_value[p] = step;
        self.is_basic[self.basis[p]] = false;
        self.is_basic[q] = true;
        self.basis[p] = q;
        self.pivots += 1;
        self.pivots_since_refactor += 1;
        if self.pivots_since_refactor >= REFACTOR_EVERY {
            return self.refactor();
        }
        let dp = self.direction[p];
        for c in 0..nr {
            self.basis_inverse[p * nr + c] /= dp;
        }
        for i in 0..nr {
            let d = self.direction[i];
            if i == p || d == 0.0 {
                continue;
            }
            for c in 0..nr {
                self.basis_inverse[i * nr + c] -= d * self.basis_inverse[p * nr + c];
            }
        }
        Ok(())
    }

    fn compute_duals(&mut self, phase: Phase) {
        let nr = self.rows();
        reset(&mut self.dual, nr, 0.0);
        for i in 0..nr {
            let c = self.cost(self.basis[i], phase);
            if c != 0.0 {
                for col in 0..nr {
                    self.dual[col] += c * self.basis_inverse[i * nr + col];
                }
            }
        }
    }

    /// Recomputes `B⁻¹` by Gauss–Jordan elimination with partial pivoting, and the basic
    /// values from it.
    fn refactor(&mut self) -> Result<(), MasterTrouble> {
        let nr = self.rows();
        let width = 2 * nr;
        let mut a = std::mem::take(&mut self.factor_scratch);
        reset(&mut a, nr * width, 0.0);
        let mut column = std::mem::take(&mut self.column_scratch);
        reset(&mut column, nr, 0.0);
        for (c, &var) in self.basis.iter().enumerate() {
            self.column_into(var, &mut column);
            for i in 0..nr {
                a[i * width + c] = column[i];
            }
        }
        self.column_scratch = column;
        for i in 0..nr {
            a[i * width + nr + i] = 1.0;
        }
        let result = if invert_in_place(&mut a, nr, 1e-12) { Ok(()) } else { Err(MasterTrouble::Singular) };
        if result.is_ok() {
            reset(&mut self.basis_inverse, nr * nr, 0.0);
            for i in 0..nr {
                self.basis_inverse[i * nr..(i + 1) * nr].copy_from_slice(&a[i * width + nr..(i + 1) * width]);
            }
            reset(&mut self.basic_value, nr, 0.0);
            for i in 0..nr {
                self.basic_value[i] =
                    self.basis_inverse[i * nr..(i + 1) * nr].iter().zip(&self.rhs).map(|(b, r)| b * r).sum();
            }
            self.pivots_since_refactor = 0;
        }
        self.factor_scratch = a;
        result
    }

    /// Refactors before the final answer is read, so it carries no drift from updates.
    pub(crate) fn polish(&mut self) -> Result<(), MasterTrouble> {
        self.refactor()?;
        if let Some(phase) = self.phase {
            self.compute_duals(phase);
        }
        Ok(())
    }

    /// `y_r` for the rule rows and `θ` for the convexity row, of the last optimize.
    pub(crate) fn duals(&self) -> (&[f64], f64) {
        (&self.dual[..self.rule_rows], self.dual[self.rule_rows])
    }

    /// Objective of the current basic solution in `phase`.
    pub(crate) fn objective(&self, phase: Phase) -> f64 {
        self.basis.iter().zip(&self.basic_value).map(|(&v, &x)| self.cost(v, phase) * x).sum()
    }

    /// `(ranking column, weight)` for the basic ranking columns.
    pub(crate) fn weights(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        let offset = 2 * self.rule_rows;
        self.basis
            .iter()
            .zip(&self.basic_value)
            .filter(move |(&v, _)| v >= offset)
            .map(move |(&v, &x)| (v - offset, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SplitMix64;

    /// The best lottery over columns `(R_t, f_t)` under one hard row `Σ R_t μ_t ≤ b`, by
    /// enumeration: a basic solution mixes at most two columns, one on each side of `b`.
    fn brute_force(columns: &[(f64, f64)], b: f64) -> Option<f64> {
        let mut best: Option<f64> = None;
        let mut offer = |v: f64| best = Some(best.map_or(v, |x: f64| x.max(v)));
        for &(r, f) in columns {
            if r <= b {
                offer(f);
            }
        }
        for &(rs, fs) in columns {
            for &(rt, ft) in columns {
                if rs < b && b < rt {
                    let mu = (b - rs) / (rt - rs);
                    offer(fs + mu * (ft - fs));
                }
            }
        }
        best
    }

    /// Phase 1 then phase 2 as the solver runs them.
    fn solve(master: &mut Master) -> Result<(), MasterTrouble> {
        master.start_from_first_column()?;
        master.optimize(Phase::Feasibility, 1e-12, 1000)?;
        if master.hard_violation() > 1e-9 {
            return Ok(());
        }
        master.optimize(Phase::Optimality, 1e-12, 1000)
    }

    /// The simplex against enumeration on random one-row masters, its duals dual-feasible
    /// and complementary, and a purge that keeps the basis and the optimum.
    #[test]
    fn matches_enumeration_and_keeps_its_basis_through_a_purge() {
        let mut optimal = 0;
        for seed in 0..300u64 {
            let mut rng = SplitMix64::new(seed);
            let count = 1 + rng.below(12);
            let columns: Vec<(f64, f64)> =
                (0..count).map(|_| ((rng.below(9) as f64) * 0.5, rng.next_f64() * 4.0 - 2.0)).collect();
            let b = rng.below(9) as f64 * 0.5 - 0.25;
            let mut master = Master::default();
            master.reset(std::iter::once((b, f64::INFINITY)));
            for &(r, f) in &columns {
                master.add_column(std::iter::once(r), f);
            }
            solve(&mut master).unwrap();
            let expected = brute_force(&columns, b);
            let feasible = master.hard_violation() <= 1e-9;
            assert_eq!(feasible, expected.is_some(), "seed {seed}: {columns:?} b = {b}");
            let Some(expected) = expected else { continue };
            optimal += 1;
            let objective = master.objective(Phase::Optimality);
            assert!((objective - expected).abs() < 1e-9, "seed {seed}: {objective} vs {expected}");
            // The lottery: weights sum to 1 and meet the row.
            let (total, row): (f64, f64) =
                master.weights().fold((0.0, 0.0), |(t, v), (c, x)| (t + x, v + x * columns[c].0));
            assert!((total - 1.0).abs() < 1e-9 && row <= b + 1e-9, "seed {seed}");
            // Duals: y ≥ 0 prices every column at most its score (optimality), exactly on
            // basic columns (complementarity).
            let (y, theta) = master.duals();
            let y = y[0];
            assert!(y >= -1e-12, "seed {seed}: y = {y}");
            for (t, &(r, f)) in columns.iter().enumerate() {
                assert!(f - y * r - theta <= 1e-9, "seed {seed}: column {t} prices above its score");
            }
            for (t, x) in master.weights() {
                if x > 1e-12 {
                    assert!((columns[t].1 - y * columns[t].0 - theta).abs() < 1e-9, "seed {seed}");
                }
            }
            // A purge keeps every basic column (renumbered) and so the optimum.
            let mut map = Vec::new();
            master.purge(0, &mut map);
            let kept: Vec<usize> = map.iter().filter(|&&to| to != usize::MAX).copied().collect();
            assert_eq!(master.column_count(), kept.len());
            assert!((master.objective(Phase::Optimality) - expected).abs() < 1e-9, "seed {seed}");
            for (t, _) in master.weights() {
                let old = map.iter().position(|&to| to == t).unwrap();
                let score = master.column_score[t];
                assert_eq!(score, columns[old].1, "seed {seed}: column {old} → {t} lost its data");
            }
        }
        assert!(optimal > 150, "only {optimal} feasible masters");
    }

    /// A soft row: the master pays ρ per unit of violation rather than refusing it.
    #[test]
    fn a_soft_row_is_paid_for() {
        let mut master = Master::default();
        // Σ R μ ≤ 1 with penalty 0.5; columns (R, f): (3, 4) and (0, 1).
        master.reset(std::iter::once((1.0, 0.5)));
        master.add_column(std::iter::once(3.0), 4.0);
        master.add_column(std::iter::once(0.0), 1.0);
        solve(&mut master).unwrap();
        // All on (3, 4): 4 − 0.5·(3 − 1) = 3, better than any mix (which meets the row at
        // best 1 + (4 − 1)/3 = 2).
        assert!((master.objective(Phase::Optimality) - 3.0).abs() < 1e-12);
        assert!((master.duals().0[0] - 0.5).abs() < 1e-12);
    }
}
