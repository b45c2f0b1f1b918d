//! Every buffer of a solve, sized once from the problem's shape and then reused, so
//! that a warm solver allocates nothing (a test with a counting allocator holds us to it).
//!
//! Sizes are bounded by the shape and by what screening kept (`memory.rs` has the formula
//! and the cap), never by the path the solve takes: the pool of ranking columns is capped
//! at [`COLUMNS_PER_ROW`]` · (R + 1)` and purged of non-basic columns when full, and the
//! assignment's buffers exist only when some rule counts leading slots.

use super::edge_generation::EdgeSet;
use super::edge_master::EdgeMaster;
use super::flow_lottery::FlowLottery;
use super::master::Master;
use super::memory::Shape;
use super::model::Model;
use super::oracle::Oracle;
use super::start_ranking::StartRanking;
use crate::solution::Solution;

use super::tuning::COLUMNS_PER_ROW;

/// `v = [value; len]` without giving back capacity.
pub(crate) fn reset<T: Copy>(v: &mut Vec<T>, len: usize, value: T) {
    v.clear();
    v.resize(len, value);
}

/// Makes `v` `len` long without rewriting the entries it keeps (new ones are the default):
/// for buffers whose callers write every entry they later read.
pub(crate) fn resize<T: Copy + Default>(v: &mut Vec<T>, len: usize) {
    v.resize(len, T::default());
}

/// Makes `v` at least `len` long, never shorter, without rewriting the entries it keeps:
/// for buffers whose length follows something that varies from call to call (the oracle's
/// band penalties, `kept × bands`), so that a call with more bands than the last does not
/// zero the difference again (at 100,000 kept items that was 7.6M instructions per solve
/// of memset as the band count went up and down).
pub(crate) fn grow<T: Copy + Default>(v: &mut Vec<T>, len: usize) {
    if v.len() < len {
        v.resize(len, T::default());
    }
}

/// Makes sure `v` can hold `capacity` elements without reallocating, and no more than
/// that when it must grow (exact, so that `memory.rs` can count it).
pub(crate) fn reserve<T>(v: &mut Vec<T>, capacity: usize) {
    v.reserve_exact(capacity.saturating_sub(v.len()));
}

/// Every buffer of a solve, grown to the largest problem seen and then reused.
#[derive(Clone, Debug, Default)]
pub(super) struct Workspace {
    pub(super) seen: Vec<u64>,
    pub(super) model: Model,
    pub(super) oracle: Oracle,
    /// The ranking master: the final lottery over the flow's rankings.
    pub(super) master: Master,
    /// The slate LP over the generated edges, the edges, and the flow's decomposition.
    pub(super) edge_master: EdgeMaster,
    pub(super) edge_set: EdgeSet,
    /// The edge master's first ranking.
    pub(super) start_ranking: StartRanking,
    pub(super) flow_lottery: FlowLottery,
    /// `(rule, sign)` of each master row: `+1` for `V ≤ max`, `-1` for `−V ≤ −min`.
    pub(super) rows: Vec<(usize, f64)>,
    /// Rule values `V_k` of each ranking column (`columns × rules`).
    pub(super) column_values: Vec<f64>,
    /// Kept-item rankings of the columns (`columns × m`).
    pub(super) column_rankings: Vec<usize>,
    pub(super) values: Vec<f64>,
    pub(super) y: Vec<f64>,
    pub(super) best_y: Vec<f64>,
    /// `b_r` of each row (signed like the row).
    pub(super) row_rhs: Vec<f64>,
    /// Row duals of the master (clamped), the line-search center and a trial point.
    pub(super) lambda: Vec<f64>,
    pub(super) center: Vec<f64>,
    pub(super) center_row_values: Vec<f64>,
    pub(super) trial: Vec<f64>,
    /// `R_r(σ)` of the last evaluated ranking.
    pub(super) row_values: Vec<f64>,
    pub(super) best_row_values: Vec<f64>,
    /// Dynamic screening: the kept items the oracle looks at (ascending), membership
    /// flags, all kept items, and a scratch list.
    pub(super) working: Vec<usize>,
    pub(super) in_working: Vec<bool>,
    pub(super) all_kept: Vec<usize>,
    pub(super) order: Vec<usize>,
    pub(super) check_y: Vec<f64>,
    /// Whether the master holds a lottery that meets the hard rules.
    pub(super) has_lottery: bool,
    /// Old → new column index after a purge.
    pub(super) column_map: Vec<usize>,
    /// Purges in the current solve.
    pub(super) purges: u32,
}

impl Workspace {
    /// The column pool's capacity for the current rows.
    pub(super) fn column_capacity(&self) -> usize {
        COLUMNS_PER_ROW * (self.rows.len() + 1)
    }

    /// Reserves every buffer for the model just built (`rules` rules, `rows` rule rows,
    /// `assignment` when some rule counts leading slots) and the solution: exactly what
    /// `memory::peak` counts.
    pub(super) fn reserve(&mut self, shape: &Shape, kept: usize, solution: &mut Solution) {
        let (n, m, rules, rows) = (shape.items, shape.slots, shape.rules, shape.rows);
        let assignment = shape.assignment;
        let columns = COLUMNS_PER_ROW * (rows + 1);
        reserve(&mut self.seen, n.div_ceil(64));
        self.oracle.reserve(m, kept, rules, assignment);
        self.master.reserve(rows, columns);
        if assignment {
            // Edge generation runs only when some rule counts leading slots.
            let edges = EdgeSet::capacity(kept, m, rows);
            self.edge_master.reserve(kept, m, rows, edges);
            self.edge_set.reserve(kept, m, rows, edges);
            self.start_ranking.reserve(kept, m, rules);
            self.flow_lottery.reserve(kept, m, edges, columns);
        }
        reserve(&mut self.rows, rows);
        reserve(&mut self.column_values, columns * rules);
        reserve(&mut self.column_rankings, columns * m);
        reserve(&mut self.column_map, columns);
        for v in [&mut self.values, &mut self.y, &mut self.best_y, &mut self.check_y] {
            reserve(v, rules);
        }
        for v in [
            &mut self.row_rhs,
            &mut self.lambda,
            &mut self.center,
            &mut self.center_row_values,
            &mut self.trial,
            &mut self.row_values,
            &mut self.best_row_values,
        ] {
            reserve(v, rows);
        }
        reserve(&mut self.working, kept);
        reserve(&mut self.in_working, kept);
        reserve(&mut self.all_kept, kept);
        reserve(&mut self.order, kept);
        solution.reserve(n, m, rules, rows + 1);
    }

    /// Drops non-basic columns (keeping the newest half of the pool) from the master and
    /// from the column data kept here.
    pub(super) fn purge_columns(&mut self) {
        self.purges += 1;
        let keep_recent = self.column_capacity() / 2;
        let mut map = std::mem::take(&mut self.column_map);
        self.master.purge(keep_recent, &mut map);
        let (k, m) = (self.model.rules.len(), self.model.m);
        let mut next = 0;
        for (t, &to) in map.iter().enumerate() {
            if to == usize::MAX {
                continue;
            }
            if to != t {
                self.column_values.copy_within(t * k..(t + 1) * k, to * k);
                self.column_rankings.copy_within(t * m..(t + 1) * m, to * m);
            }
            next = to + 1;
        }
        self.column_values.truncate(next * k);
        self.column_rankings.truncate(next * m);
        self.column_map = map;
    }
}
