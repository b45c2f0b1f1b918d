//! The edge master: the slate LP restricted to a generated set `E` of (item, slot) edges,
//! solved by a primal network simplex with side rows (primal partitioning).
//!
//! # The LP
//!
//! Items `i ∈ 0..n`, slots `j ∈ 0..m`, side rows `r ∈ 0..R`:
//!
//! ```text
//!     maximise   Σ_{e∈E} c_e x_e − Σ_r ρ_r e_r
//!     subject to Σ_{e=(i,j)} x_e + t_i        = 1     item i   (dual α_i ≥ 0)
//!                Σ_{e=(i,j)} x_e              = 1     slot j   (dual β_j, free)
//!                Σ_e D_re x_e + s_r − e_r     = b_r   row r    (dual λ_r, 0 ≤ λ_r ≤ ρ_r)
//!                x, t, s, e ≥ 0
//! ```
//!
//! `ρ_r = ∞` marks a hard row. Phase 1 ([`Phase::Feasibility`]) maximises `−Σ_{hard} e_r`
//! (edge values ignored); phase 2 ([`Phase::Optimality`]) holds the hard `e_r` at zero and
//! maximises the objective above.
//!
//! # The network and its tree
//!
//! Negating the slot rows makes the item and slot rows a network: a node per slot (demand
//! 1), a root (the dropped, redundant row) and a node per item (supply 1). An edge is
//! the arc item → slot (`+1` in its item row, `−1` in its slot row), the item slack `t_i`
//! the arc item → root. Any basis of the LP holds a spanning tree `T` of this network
//! (the network rows have full rank), so a basis is `T` plus `R` more basic columns `S`,
//! the *side* columns (edges, item slacks, `s_r` or `e_r`).
//!
//! Only items with edges get a node, when their first edge is added (hung from the root by
//! their slack, which carries their supply as before, so the basis stays valid and fresh).
//! An item without edges is just its row `t_i = 1`, basic and outside the tree (its
//! `α_i = 0`); so no step costs `O(n)` after `reset`, whatever the candidate count.
//!
//! For a column `a = (a_N, a_D)` the tree solve `N_T⁻¹ a_N` of an arc `u → w` is the unit
//! flow along the tree path from `u` to `w`: `+1` on the path's arcs that point along it,
//! `−1` on the others. Its *tree-reduced* side part is
//!
//! ```text
//!     h(a) = a_D − D_T N_T⁻¹ a_N,        h(arc u→w)_r = D_r,a − (p^r_u − p^r_w)
//! ```
//!
//! where `p^r` are the tree potentials of row `r` (each tree arc `u → w` has
//! `p^r_u − p^r_w = D_r,arc`, the root at 0). So with `R` potentials per node, `h` costs
//! `O(R)` per column instead of a path walk. The *working basis* is the `R × R` matrix
//! `W = [h(k)]_{k∈S}` (the Schur complement of `N_T` in the basis); we keep `W⁻¹` dense.
//!
//! Entering a column `q`: `y_S = W⁻¹ h(q)`, and on the tree
//! `y_T = N_T⁻¹ q_N − Σ_{k∈S} y_k N_T⁻¹ k_N` (the path of `q` minus the weighted paths of
//! the side arcs); the basic values move by `−θ y`. Duals: with `p⁰` the tree potentials of
//! the phase's costs, `d⁰(a) = c_a − (p⁰_u − p⁰_w)` (for `s_r`, `e_r`: their cost), the
//! side duals solve `λᵀ W = d⁰_S` and the network duals are `p = p⁰ − Σ_r λ_r p^r`
//! (`α_i = p_i`, `β_j = −p_j` at the slot's node). A column's reduced cost is
//! `d⁰(a) − λ·h(a)`; for an edge `(i, j)` that is `c_e − p_i + p_j − λ·D_e`, computed with
//! `p` cached per node and `D_e`'s non-zeros only.
//!
//! # A pivot
//!
//! - The leaving column is a side column: it is replaced in `S` by `q`; the tree is
//!   untouched and `W⁻¹` gets the usual product-form update on `y_S`.
//! - The leaving column is a tree arc `l`: cutting `l` splits the tree; some column of
//!   `S ∪ {q}` crosses the cut (its path holds `l`), since the new basis is nonsingular.
//!   If `q` crosses, `q` replaces `l` in the tree; otherwise a crossing side arc `k` moves
//!   into the tree and `q` takes its place in `S`. The subtree cut off is re-hung from the
//!   new arc and its potentials (all `R + 1` of them) shift by the new arc's reduced cost.
//!   `W⁻¹` is updated in `O(R²)`, with `ρ_k` the coefficient of `l` in side column `k`'s
//!   path, `y_l` the direction's entry at `l`:
//!   - `q` crosses: every `h(k)` loses `(ρ_k/ρ_q) h(q)` (the tree pivot's effect on
//!     tree-reduced columns), so `W' = W − h(q) tᵀ`, `t = ρ/ρ_q`, and by Sherman–Morrison
//!     `W'⁻¹ = W⁻¹ + y_S (tᵀW⁻¹) / (1 − tᵀ y_S)` with `1 − tᵀ y_S = y_l / ρ_q`;
//!   - side arc `k` crosses: first `k` and `l` trade places (same basis): `W' = W E` with
//!     `E` the identity but for row `k`, and `E⁻¹` is the identity with row `k` equal to
//!     `−ρᵀ`; so row `k` of `W⁻¹` becomes `−Σ_j ρ_j (row j of W⁻¹)` and entry `k` of `y_S`
//!     becomes `y_l`. Then `q` replaces `l` at position `k` by the product-form update.
//!
//! Everything is recomputed from the tree (potentials, flows, `W⁻¹`) every
//! [`EDGE_REFACTOR_EVERY`] pivots and before optimality is declared, so the duals handed
//! out carry no update drift.
//!
//! Pricing is Dantzig's rule on scaled reduced costs over a candidate list: the (at most
//! [`EDGE_CANDIDATES`]) best improving columns of the last full scan are re-priced first;
//! when none still improves, or the best of them has fallen below [`EDGE_RESCAN_FRACTION`]
//! times the last scan's best, a scan of every column picks the best and refills the list.
//! (Scanning in blocks that stop at the first improving one costs more pivots than it saves
//! pricing: the masters are small, a few hundred columns, and the combined potentials of all
//! nodes are computed in one pass before the scan, so each edge costs its few non-zeros.)
//! Optimality is declared only after a full scan finds nothing on a fresh refactorisation.
//! After [`DEGENERATE_RUN`] degenerate pivots in a row it switches to Bland's rule (the
//! first eligible column of the pricing order enters, the first in that order leaves among
//! ratio ties), which cannot cycle, until a pivot makes progress.
//!
//! # Use
//!
//! `reset(n, m, rows)`, then `add_edge` for the first ranking's `m` edges (one per slot,
//! distinct items: the first basis) and any others; `optimize(Phase::Feasibility, cap)`,
//! and when [`EdgeMaster::meets_hard_rows`] `optimize(Phase::Optimality, cap)`; read
//! `objective`, `x`, `item_duals`, `slot_duals`, `row_duals`. Add edges and optimize again:
//! the basis is kept, new edges enter non-basic at 0, so primal simplex goes on from there.
//!
//! # Scales and tolerances
//!
//! Flows are in `[0, 1]`; `s_r` and `e_r` are in the units of row `r`, whose magnitude
//! `M_r` is the largest `|b_r|`, `|D_re|` seen. Comparisons are made on scaled quantities:
//! a reduced cost of column `v` counts as positive above `DUAL_TOLERANCE · C / M_v` (`C` the
//! largest scaled cost of the phase), an entry of the direction as a pivot candidate above
//! `PIVOT_TOLERANCE · M_v / M_q`.

use super::dense::invert_in_place;
pub use super::master::Phase;
use super::tuning::{DEGENERATE_RUN, EDGE_CANDIDATES, EDGE_REFACTOR_EVERY, EDGE_RESCAN_FRACTION};
use super::workspace::{reserve, reset, resize};

/// Relative reduced cost above which a column may enter. The certificate built from the
/// duals needs them exact to ~1e-10 relative (a prototype at 1e-7 stalled at a gap of 7e-8).
const DUAL_TOLERANCE: f64 = 1e-11;
/// Smallest scaled direction entry the ratio test pivots on.
const PIVOT_TOLERANCE: f64 = 1e-9;
/// Scaled ratios closer than this are ties (broken by the larger pivot, or by index under
/// Bland's rule).
const RATIO_TIE: f64 = 1e-12;
/// Scaled primal infeasibility tolerated (the hard violation phase 2 accepts, the tests'
/// feasibility checks).
pub(crate) const PRIMAL_TOLERANCE: f64 = 1e-10;
/// Smallest pivot of the working basis inversion, relative to its largest entry.
const SINGULAR_TOLERANCE: f64 = 1e-12;

const NONE: u32 = u32::MAX;
/// The status of the slack of an item without edges: basic at 1, outside the tree and `S`
/// (its item has no node).
const DETACHED: u32 = u32::MAX - 1;
const SIDE: u32 = 1 << 31;

/// Why [`EdgeMaster::optimize`] (or [`EdgeMaster::add_edge`]) refused or stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeTrouble {
    /// The pivot cap was reached.
    PivotLimit,
    /// The basis became numerically singular (or rounding opened an unbounded ray).
    Singular,
    /// The first `m` edges are not one full ranking (one per slot, distinct items).
    NoStartingRanking,
    /// An edge with an item or slot out of range, the wrong number of coefficients or a
    /// non-finite number; or phase 2 asked for while the hard rows are violated.
    InvalidInput,
}

impl EdgeTrouble {
    /// The solve's status when the master stops with this trouble.
    pub fn status(self) -> crate::Status {
        match self {
            EdgeTrouble::PivotLimit => crate::Status::IterationLimit,
            EdgeTrouble::Singular | EdgeTrouble::NoStartingRanking | EdgeTrouble::InvalidInput => {
                crate::Status::NumericalTrouble
            }
        }
    }

    /// The one-sentence reason given in `Solution::message`.
    pub fn message(self) -> &'static std::ffi::CStr {
        match self {
            EdgeTrouble::PivotLimit => {
                c"the edge master reached max_master_pivots simplex pivots in one solve"
            }
            EdgeTrouble::Singular => c"the edge master's basis became numerically singular",
            EdgeTrouble::NoStartingRanking => c"the edge master's first edges are not a full ranking",
            EdgeTrouble::InvalidInput => c"the edge master was given an invalid edge or phase",
        }
    }
}

/// What a variable id stands for. Ids: item slacks `0..n`, `s_r` at `n + r`, `e_r` at
/// `n + R + r`, edges from `n + 2R` on (in the order added, so ids are stable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    ItemSlack(usize),
    Surplus(usize),
    Excess(usize),
    Edge(usize),
}

#[derive(Clone, Debug, Default)]
pub struct EdgeMaster {
    n: usize,
    m: usize,
    /// Side rows `R`.
    r: usize,
    rhs: Vec<f64>,
    penalty: Vec<f64>,
    /// `M_r`: the largest `|b_r|`, `|D_re|` (at least the smallest normal).
    row_scale: Vec<f64>,
    /// Largest `|c_e|`.
    value_scale: f64,
    edge_item: Vec<u32>,
    /// The edge's item node (its tail; the slot node is the slot).
    edge_node: Vec<u32>,
    edge_slot: Vec<u32>,
    /// The node of each item, `NONE` until its first edge: only items with edges are nodes,
    /// so no step costs `O(n)` once started.
    item_node: Vec<u32>,
    /// The item of node `m + 1 + k`.
    node_item: Vec<u32>,
    /// Per edge `R + 1` numbers: `c_e`, then `D_re`.
    edge_data: Vec<f64>,
    /// `c_e` again, contiguous for pricing.
    edge_value: Vec<f64>,
    /// The non-zero `D_re` of edge `e` are `nz_row/nz_value[nz_start[e]..nz_start[e + 1]]`:
    /// pricing reads only these (a rule touches few items' edges).
    nz_start: Vec<u32>,
    nz_row: Vec<u32>,
    nz_value: Vec<f64>,

    /// Per variable: `NONE` (non-basic, at 0), a node id (the tree arc above that node),
    /// or `SIDE | position` in `S`.
    status: Vec<u32>,
    /// Per variable; non-basic ones are 0.
    value: Vec<f64>,

    // The tree over nodes: slots `0..m`, the root `m`, then the items with edges.
    parent: Vec<u32>,
    /// The variable of the arc to the parent.
    parent_arc: Vec<u32>,
    /// `+1` when the node is the tail of its parent arc, `−1` when it is the head.
    dir: Vec<f64>,
    depth: Vec<u32>,
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    prev_sibling: Vec<u32>,
    /// Per node `R + 1` potentials: `p⁰` (phase costs) then `p^r`.
    pot: Vec<f64>,

    /// The side columns, `R` of them.
    side: Vec<u32>,
    /// The combined potential `p⁰ − Σ_r λ_r p^r` of a node, valid when its stamp is
    /// `stamp` (bumped whenever `λ` or the potentials change): pricing computes it once per
    /// node rather than once per edge.
    combined: Vec<f64>,
    combined_stamp: Vec<u32>,
    stamp: u32,
    /// The best columns that priced as improving in the last full scan (`EDGE_CANDIDATES`
    /// at most) and their scaled reduced costs then.
    candidates: Vec<u32>,
    candidate_value: Vec<f64>,
    /// The largest scaled reduced cost of the last full scan, and `λ` saved before a
    /// refactorisation (`drift_bound`).
    scan_max: f64,
    /// The best scaled reduced cost of the last full scan.
    scan_best: f64,
    old_lambda: Vec<f64>,
    /// `Some(phase)` while the state is a fresh refactorisation for `phase` (no pivot since).
    fresh: Option<Phase>,
    /// `W⁻¹`, row-major: `winv[k·R + r]`, `k` a position in `S`.
    winv: Vec<f64>,
    lambda: Vec<f64>,

    // Scratch.
    h: Vec<f64>,
    y_side: Vec<f64>,
    /// Direction entry of the tree arc above each node (`y_T`), valid at `touched` nodes.
    y_tree: Vec<f64>,
    touched: Vec<u32>,
    stack: Vec<u32>,
    order: Vec<u32>,
    flow: Vec<f64>,
    aug: Vec<f64>,
    side_d0: Vec<f64>,
    rho: Vec<f64>,
    u_row: Vec<f64>,

    alpha: Vec<f64>,
    beta: Vec<f64>,

    phase: Option<Phase>,
    started: bool,
    pivots_since_refactor: u32,
    /// Pivots since `reset`.
    pub pivots: u32,
    /// Reduced costs computed since `reset` (a measure of pricing work, for the bench).
    pub priced: u64,
    /// Recomputations from scratch since `reset`.
    pub refactors: u64,
    /// `reset` was given a non-finite `b_r` or a `ρ_r` that is NaN or negative.
    invalid_rows: bool,
    /// Tests: after every pivot, compare the updated state with a refactored copy.
    #[cfg(test)]
    check_updates: bool,
}

impl EdgeMaster {
    /// Clears the master for `items` items, `slots` slots and side rows `(b_r, ρ_r)`.
    pub fn reset(&mut self, items: usize, slots: usize, rows: impl Iterator<Item = (f64, f64)>) {
        self.n = items;
        self.m = slots;
        self.rhs.clear();
        self.penalty.clear();
        self.row_scale.clear();
        self.invalid_rows = false;
        for (b, rho) in rows {
            self.invalid_rows |= !b.is_finite() || rho.is_nan() || rho < 0.0;
            self.rhs.push(b);
            self.penalty.push(rho);
            self.row_scale.push(b.abs().max(f64::MIN_POSITIVE));
        }
        self.r = self.rhs.len();
        self.value_scale = 0.0;
        self.edge_item.clear();
        self.edge_node.clear();
        self.edge_slot.clear();
        reset(&mut self.item_node, items, NONE);
        self.node_item.clear();
        self.edge_data.clear();
        self.edge_value.clear();
        self.nz_start.clear();
        self.nz_start.push(0);
        self.nz_row.clear();
        self.nz_value.clear();
        self.fresh = None;
        reset(&mut self.status, items + 2 * self.r, NONE);
        reset(&mut self.value, items + 2 * self.r, 0.0);
        self.status[..items].fill(DETACHED);
        self.value[..items].fill(1.0);
        reset(&mut self.alpha, items, 0.0);
        reset(&mut self.beta, slots, 0.0);
        self.phase = None;
        self.started = false;
        self.pivots = 0;
        self.pivots_since_refactor = 0;
        self.priced = 0;
        self.refactors = 0;
    }

    /// Reserves every buffer for `items`, `slots`, `rows` side rows and `edges` edges, so
    /// that solving within those sizes allocates nothing.
    pub fn reserve(&mut self, items: usize, slots: usize, rows: usize, edges: usize) {
        let nodes = items + slots + 1;
        let vars = items + 2 * rows + edges;
        reserve(&mut self.rhs, rows);
        reserve(&mut self.penalty, rows);
        reserve(&mut self.row_scale, rows);
        reserve(&mut self.edge_item, edges);
        reserve(&mut self.edge_node, edges);
        reserve(&mut self.item_node, items);
        reserve(&mut self.node_item, items);
        reserve(&mut self.edge_slot, edges);
        reserve(&mut self.edge_data, edges * (rows + 1));
        reserve(&mut self.nz_start, edges + 1);
        reserve(&mut self.edge_value, edges);
        reserve(&mut self.nz_row, edges * rows);
        reserve(&mut self.nz_value, edges * rows);
        reserve(&mut self.combined, nodes);
        reserve(&mut self.combined_stamp, nodes);
        reserve(&mut self.status, vars);
        reserve(&mut self.value, vars);
        for v in [&mut self.parent, &mut self.parent_arc, &mut self.depth] {
            reserve(v, nodes);
        }
        for v in [&mut self.first_child, &mut self.next_sibling, &mut self.prev_sibling] {
            reserve(v, nodes);
        }
        reserve(&mut self.dir, nodes);
        reserve(&mut self.pot, nodes * (rows + 1));
        reserve(&mut self.side, rows);
        reserve(&mut self.winv, rows * rows);
        reserve(&mut self.lambda, rows);
        reserve(&mut self.h, rows);
        reserve(&mut self.y_side, rows);
        reserve(&mut self.y_tree, nodes);
        reserve(&mut self.touched, nodes);
        reserve(&mut self.stack, nodes);
        reserve(&mut self.order, nodes);
        reserve(&mut self.flow, nodes);
        reserve(&mut self.aug, 2 * rows * rows);
        reserve(&mut self.side_d0, rows + 1);
        reserve(&mut self.rho, rows);
        reserve(&mut self.old_lambda, rows);
        reserve(&mut self.candidates, EDGE_CANDIDATES);
        reserve(&mut self.candidate_value, EDGE_CANDIDATES);
        reserve(&mut self.u_row, rows);
        reserve(&mut self.alpha, items);
        reserve(&mut self.beta, slots);
    }

    /// The bytes [`EdgeMaster::reserve`] reserves for these sizes (the memory formula's
    /// part, `memory.rs`): keep the two in step.
    pub(crate) fn reserved_bytes(items: usize, slots: usize, rows: usize, edges: usize) -> usize {
        let nodes = items.saturating_add(slots).saturating_add(1);
        let vars = items.saturating_add(2 * rows).saturating_add(edges);
        let er = edges.saturating_mul(rows);
        let words32 = [
            edges.saturating_mul(3),
            items.saturating_mul(2),
            edges.saturating_add(1),
            er,
            vars,
            nodes.saturating_mul(10),
            rows,
            EDGE_CANDIDATES,
        ];
        let floats = [
            rows.saturating_mul(10).saturating_add(1),
            edges.saturating_mul(rows + 2),
            er,
            vars,
            nodes.saturating_mul(rows + 5),
            rows.saturating_mul(rows).saturating_mul(3),
            EDGE_CANDIDATES,
            items.saturating_add(slots),
        ];
        let sum = |parts: &[usize]| parts.iter().fold(0usize, |a, &b| a.saturating_add(b));
        sum(&words32)
            .saturating_mul(std::mem::size_of::<u32>())
            .saturating_add(sum(&floats).saturating_mul(8))
    }

    /// Adds edge `(item, slot)` with value `c_e` and side coefficients `D_·e`; returns its
    /// index (edges are numbered in the order added). It enters non-basic at 0, so the
    /// current basis stays primal feasible and the next optimize continues from it.
    pub fn add_edge(
        &mut self,
        item: usize,
        slot: usize,
        value: f64,
        coefficients: &[f64],
    ) -> Result<usize, EdgeTrouble> {
        if item >= self.n
            || slot >= self.m
            || coefficients.len() != self.r
            || !value.is_finite()
            || coefficients.iter().any(|d| !d.is_finite())
        {
            return Err(EdgeTrouble::InvalidInput);
        }
        if self.item_node[item] == NONE {
            self.new_item_node(item);
        }
        self.edge_item.push(item as u32);
        self.edge_node.push(self.item_node[item]);
        self.edge_slot.push(slot as u32);
        self.edge_data.push(value);
        self.edge_value.push(value);
        self.edge_data.extend_from_slice(coefficients);
        for (row, &d) in coefficients.iter().enumerate() {
            if d != 0.0 {
                self.nz_row.push(row as u32);
                self.nz_value.push(d);
            }
        }
        self.nz_start.push(self.nz_row.len() as u32);
        self.value_scale = self.value_scale.max(value.abs());
        for (scale, d) in self.row_scale.iter_mut().zip(coefficients) {
            *scale = scale.max(d.abs());
        }
        self.status.push(NONE);
        self.value.push(0.0);
        Ok(self.edge_item.len() - 1)
    }

    /// Gives `item` a node. Once started it hangs from the root by its slack, which carries
    /// the item's unit supply as before: the basis, its values and potentials (0 at the
    /// node) stay as they were.
    fn new_item_node(&mut self, item: usize) {
        let node = self.nodes();
        self.item_node[item] = node as u32;
        self.node_item.push(item as u32);
        if !self.started {
            return;
        }
        let w = self.r + 1;
        self.parent.push(NONE);
        self.parent_arc.push(NONE);
        self.dir.push(0.0);
        self.depth.push(1);
        self.first_child.push(NONE);
        self.next_sibling.push(NONE);
        self.prev_sibling.push(NONE);
        self.pot.extend(std::iter::repeat_n(0.0, w));
        self.combined.push(0.0);
        self.combined_stamp.push(0);
        self.y_tree.push(0.0);
        self.link(node, self.root(), item, 1.0);
    }

    pub fn edge_count(&self) -> usize {
        self.edge_item.len()
    }

    fn nodes(&self) -> usize {
        self.m + 1 + self.node_item.len()
    }

    fn root(&self) -> usize {
        self.m
    }

    /// Columns priced: the slacks of items with nodes, `s_r`, `e_r`, the edges.
    fn priced_count(&self) -> usize {
        self.node_item.len() + 2 * self.r + self.edge_count()
    }

    /// The variable at position `u` of the pricing order (and of Bland's rule).
    fn var_at(&self, u: usize) -> usize {
        let seen = self.node_item.len();
        if u < seen {
            self.node_item[u] as usize
        } else {
            self.n + (u - seen)
        }
    }

    /// The position of variable `v` in the pricing order.
    fn rank(&self, v: usize) -> usize {
        if v < self.n {
            self.item_node[v] as usize - self.m - 1
        } else {
            self.node_item.len() + (v - self.n)
        }
    }

    fn var_count(&self) -> usize {
        self.status.len()
    }

    fn kind(&self, v: usize) -> Var {
        let (n, r) = (self.n, self.r);
        if v < n {
            Var::ItemSlack(v)
        } else if v < n + r {
            Var::Surplus(v - n)
        } else if v < n + 2 * r {
            Var::Excess(v - n - r)
        } else {
            Var::Edge(v - n - 2 * r)
        }
    }

    /// `(tail, head)` of a variable's network arc, `None` for `s_r`, `e_r`.
    fn arc(&self, v: usize) -> Option<(usize, usize)> {
        match self.kind(v) {
            Var::ItemSlack(i) => Some((self.item_node[i] as usize, self.root())),
            Var::Edge(e) => Some((self.edge_node[e] as usize, self.edge_slot[e] as usize)),
            Var::Surplus(_) | Var::Excess(_) => None,
        }
    }

    fn is_hard(&self, row: usize) -> bool {
        self.penalty[row].is_infinite()
    }

    /// The cost of `e_r` in `phase`.
    fn excess_cost(&self, row: usize, phase: Phase) -> f64 {
        match (phase, self.is_hard(row)) {
            (Phase::Feasibility, true) => -1.0,
            (Phase::Feasibility, false) | (Phase::Optimality, true) => 0.0,
            (Phase::Optimality, false) => -self.penalty[row],
        }
    }

    fn cost(&self, v: usize, phase: Phase) -> f64 {
        match self.kind(v) {
            Var::ItemSlack(_) | Var::Surplus(_) => 0.0,
            Var::Excess(row) => self.excess_cost(row, phase),
            Var::Edge(e) => match phase {
                Phase::Feasibility => 0.0,
                Phase::Optimality => self.edge_data[e * (self.r + 1)],
            },
        }
    }

    /// A hard row's violation, which phase 2 holds at zero.
    fn fixed(&self, v: usize, phase: Phase) -> bool {
        phase == Phase::Optimality && matches!(self.kind(v), Var::Excess(row) if self.is_hard(row))
    }

    /// The magnitude of a variable's values: 1 for flows, `M_r` for `s_r`, `e_r`.
    fn scale(&self, v: usize) -> f64 {
        match self.kind(v) {
            Var::ItemSlack(_) | Var::Edge(_) => 1.0,
            Var::Surplus(row) | Var::Excess(row) => self.row_scale[row],
        }
    }

    /// The largest scaled cost of `phase` (`C` of the module doc), at least 1e-300.
    fn cost_scale(&self, phase: Phase) -> f64 {
        let mut c: f64 = match phase {
            Phase::Feasibility => 0.0,
            Phase::Optimality => self.value_scale,
        };
        for row in 0..self.r {
            c = c.max(self.excess_cost(row, phase).abs() * self.row_scale[row]);
        }
        if c > 0.0 {
            c
        } else {
            1.0
        }
    }

    /// `d⁰(v)` and, into `h`, `h(v)` (module doc).
    fn column(&self, v: usize, phase: Phase, h: &mut [f64]) -> f64 {
        let w = self.r + 1;
        match self.kind(v) {
            Var::Surplus(row) | Var::Excess(row) => {
                h.fill(0.0);
                let surplus = matches!(self.kind(v), Var::Surplus(_));
                h[row] = if surplus { 1.0 } else { -1.0 };
                self.cost(v, phase)
            }
            Var::ItemSlack(i) => {
                let i = self.item_node[i] as usize;
                let p = &self.pot[i * w..(i + 1) * w];
                for (hr, &pr) in h.iter_mut().zip(&p[1..]) {
                    *hr = -pr;
                }
                -p[0]
            }
            Var::Edge(e) => {
                let i = self.edge_node[e] as usize;
                let j = self.edge_slot[e] as usize;
                let data = &self.edge_data[e * w..(e + 1) * w];
                let pi = &self.pot[i * w..(i + 1) * w];
                let pj = &self.pot[j * w..(j + 1) * w];
                for (k, hr) in h.iter_mut().enumerate() {
                    *hr = data[k + 1] - pi[k + 1] + pj[k + 1];
                }
                let c = if phase == Phase::Optimality { data[0] } else { 0.0 };
                c - pi[0] + pj[0]
            }
        }
    }

    /// `d⁰(v)` alone, the number [`EdgeMaster::column`] returns, without `h(v)`: `λ` needs
    /// only these for the side columns at every pivot, and `h` would cost `O(R)` each.
    fn tree_reduced_cost(&self, v: usize, phase: Phase) -> f64 {
        let w = self.r + 1;
        match self.kind(v) {
            Var::Surplus(_) | Var::Excess(_) => self.cost(v, phase),
            Var::ItemSlack(i) => -self.pot[self.item_node[i] as usize * w],
            Var::Edge(e) => {
                let (i, j) = (self.edge_node[e] as usize, self.edge_slot[e] as usize);
                let c = if phase == Phase::Optimality { self.edge_data[e * w] } else { 0.0 };
                c - self.pot[i * w] + self.pot[j * w]
            }
        }
    }

    /// The combined potential `p⁰ − Σ_r λ_r p^r` of `node` (cached per stamp).
    #[inline(always)]
    fn node_price(&mut self, node: usize) -> f64 {
        if self.combined_stamp[node] == self.stamp {
            return self.combined[node];
        }
        let w = self.r + 1;
        let p = &self.pot[node * w..(node + 1) * w];
        let mut combined = p[0];
        for (l, pr) in self.lambda.iter().zip(&p[1..]) {
            combined -= l * pr;
        }
        self.combined[node] = combined;
        self.combined_stamp[node] = self.stamp;
        combined
    }

    /// The combined potentials of an edge's two ends, `(p_i, p_j)` (cached per stamp). When
    /// both are stale they are computed in one loop: each is still the serial sum
    /// [`EdgeMaster::node_price`] forms (so the same number to the bit), but the two
    /// dependency chains of `R` multiply-subtracts overlap instead of running one after
    /// the other, and these chains are most of the pricing time.
    #[inline(always)]
    fn edge_prices(&mut self, i: usize, j: usize) -> (f64, f64) {
        let (fresh_i, fresh_j) = (self.combined_stamp[i] == self.stamp, self.combined_stamp[j] == self.stamp);
        if fresh_i || fresh_j {
            return (self.node_price(i), self.node_price(j));
        }
        let w = self.r + 1;
        let (pi, pj) = (&self.pot[i * w..(i + 1) * w], &self.pot[j * w..(j + 1) * w]);
        let (mut ci, mut cj) = (pi[0], pj[0]);
        for ((l, a), b) in self.lambda.iter().zip(&pi[1..]).zip(&pj[1..]) {
            ci -= l * a;
            cj -= l * b;
        }
        self.combined[i] = ci;
        self.combined[j] = cj;
        self.combined_stamp[i] = self.stamp;
        self.combined_stamp[j] = self.stamp;
        (ci, cj)
    }

    /// Brings every node's cached combined potential up to date, the numbers
    /// [`EdgeMaster::node_price`] would give. One pass over the nodes before a full scan
    /// rather than on demand per edge: the nodes' chains of `R` multiply-subtracts are
    /// independent, so they overlap, and the scan then only reads them.
    fn refresh_prices(&mut self) {
        let w = self.r + 1;
        let nodes = self.nodes();
        let stamp = self.stamp;
        let lambda = &self.lambda[..w - 1];
        for ((p, c), s) in self.pot[..nodes * w]
            .chunks_exact(w)
            .zip(&mut self.combined[..nodes])
            .zip(&mut self.combined_stamp[..nodes])
        {
            if *s != stamp {
                let mut combined = p[0];
                for (l, pr) in lambda.iter().zip(&p[1..]) {
                    combined -= l * pr;
                }
                *c = combined;
                *s = stamp;
            }
        }
    }

    /// Marks the cached combined potentials stale.
    fn bump_stamp(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.combined_stamp.fill(0);
            self.stamp = 1;
        }
    }

    /// The reduced cost `d⁰(v) − λ·h(v)` of a non-basic variable; for an edge
    /// `c_e − p_i + p_j − λ·D_e` with the combined potentials `p`.
    fn reduced_cost(&mut self, v: usize, phase: Phase) -> f64 {
        match self.kind(v) {
            Var::Surplus(row) => -self.lambda[row],
            Var::Excess(row) => self.excess_cost(row, phase) + self.lambda[row],
            Var::ItemSlack(i) => -self.node_price(self.item_node[i] as usize),
            Var::Edge(e) => {
                let i = self.edge_node[e] as usize;
                let j = self.edge_slot[e] as usize;
                let c = if phase == Phase::Optimality { self.edge_data[e * (self.r + 1)] } else { 0.0 };
                let mut rc = c - self.node_price(i) + self.node_price(j);
                for k in self.nz_start[e] as usize..self.nz_start[e + 1] as usize {
                    rc -= self.lambda[self.nz_row[k] as usize] * self.nz_value[k];
                }
                rc
            }
        }
    }

    /// Builds the first basis: the first `m` edges (a full ranking) and every item slack
    /// in the tree, and per side row its slack or its violation, whichever is ≥ 0.
    fn start(&mut self) -> Result<(), EdgeTrouble> {
        let (n, m) = (self.n, self.m);
        if self.edge_count() < m {
            return Err(EdgeTrouble::NoStartingRanking);
        }
        let nodes = self.nodes();
        let root = self.root();
        reset(&mut self.parent, nodes, NONE);
        reset(&mut self.parent_arc, nodes, NONE);
        reset(&mut self.dir, nodes, 0.0);
        reset(&mut self.depth, nodes, 0);
        reset(&mut self.first_child, nodes, NONE);
        reset(&mut self.next_sibling, nodes, NONE);
        reset(&mut self.prev_sibling, nodes, NONE);
        self.status.fill(NONE);
        self.value.fill(0.0);
        for i in 0..n {
            if self.item_node[i] == NONE {
                self.status[i] = DETACHED;
                self.value[i] = 1.0;
            }
        }
        self.touched.clear();
        reset(&mut self.y_tree, nodes, 0.0);
        reset(&mut self.combined, nodes, 0.0);
        reset(&mut self.combined_stamp, nodes, 0);
        reset(&mut self.pot, nodes * (self.r + 1), 0.0);
        self.stamp = 1;
        self.fresh = None;
        self.candidates.clear();
        self.candidate_value.clear();
        self.scan_best = 0.0;
        for k in 0..self.node_item.len() {
            self.link(m + 1 + k, root, self.node_item[k] as usize, 1.0);
        }
        for e in 0..m {
            let (i, j) = (self.edge_node[e] as usize, self.edge_slot[e] as usize);
            // Each slot once (so each slot node is still unattached) and distinct items.
            if self.parent[j] != NONE || self.first_child[i] != NONE {
                return Err(EdgeTrouble::NoStartingRanking);
            }
            self.link(j, i, n + 2 * self.r + e, -1.0);
        }
        let w = self.r + 1;
        self.side.clear();
        for row in 0..self.r {
            let used: f64 = (0..m).map(|e| self.edge_data[e * w + 1 + row]).sum();
            let v = if self.rhs[row] - used >= 0.0 { n + row } else { n + self.r + row };
            self.status[v] = SIDE | row as u32;
            self.side.push(v as u32);
        }
        self.started = true;
        Ok(())
    }

    /// Makes `node` a child of `parent` through arc variable `var`.
    fn link(&mut self, node: usize, parent: usize, var: usize, dir: f64) {
        self.parent[node] = parent as u32;
        self.parent_arc[node] = var as u32;
        self.dir[node] = dir;
        self.status[var] = node as u32;
        let first = self.first_child[parent];
        self.next_sibling[node] = first;
        self.prev_sibling[node] = NONE;
        if first != NONE {
            self.prev_sibling[first as usize] = node as u32;
        }
        self.first_child[parent] = node as u32;
    }

    /// Removes `node` from its parent's children (its parent fields are left as they are).
    fn unlink(&mut self, node: usize) {
        let (prev, next) = (self.prev_sibling[node], self.next_sibling[node]);
        if prev == NONE {
            self.first_child[self.parent[node] as usize] = next;
        } else {
            self.next_sibling[prev as usize] = next;
        }
        if next != NONE {
            self.prev_sibling[next as usize] = prev;
        }
        self.next_sibling[node] = NONE;
        self.prev_sibling[node] = NONE;
    }

    /// The nodes of the subtree under `top`, `top` first, parents before children.
    fn preorder(&mut self, top: usize) {
        self.order.clear();
        self.stack.clear();
        self.stack.push(top as u32);
        while let Some(v) = self.stack.pop() {
            self.order.push(v);
            let mut c = self.first_child[v as usize];
            while c != NONE {
                self.stack.push(c);
                c = self.next_sibling[c as usize];
            }
        }
    }

    /// Recomputes depths, potentials, `W⁻¹`, `λ` and the basic values from the tree and
    /// `S` alone.
    fn refactor(&mut self, phase: Phase) -> Result<(), EdgeTrouble> {
        let w = self.r + 1;
        let nodes = self.nodes();
        let root = self.root();
        self.preorder(root);
        if self.order.len() != nodes {
            return Err(EdgeTrouble::Singular);
        }
        // Every node but the root is in `order`, so the loop below writes its row: only the
        // root's row (all zeros) needs setting.
        resize(&mut self.pot, nodes * w);
        self.pot[root * w..(root + 1) * w].fill(0.0);
        self.depth[root] = 0;
        for idx in 1..self.order.len() {
            let v = self.order[idx] as usize;
            let p = self.parent[v] as usize;
            self.depth[v] = self.depth[p] + 1;
            let arc = self.parent_arc[v] as usize;
            let sign = self.dir[v];
            // The arc's tail potential minus its head's equals its coefficient: from the
            // parent's side, the node's potential is the parent's plus (tail) or minus
            // (head) the coefficient.
            let (c0, e) = match self.kind(arc) {
                Var::Edge(e) => (self.cost(arc, phase), Some(e)),
                _ => (0.0, None),
            };
            let (parent, child) = parent_and_child(&mut self.pot, w, p, v);
            child[0] = parent[0] + sign * c0;
            match e {
                Some(e) => {
                    let data = &self.edge_data[e * w + 1..(e + 1) * w];
                    for ((c, &pp), &d) in child[1..].iter_mut().zip(&parent[1..]).zip(data) {
                        *c = pp + sign * d;
                    }
                }
                None => {
                    // `+ sign · 0` is not a no-op: it turns a parent's −0.0 into +0.0 when
                    // `sign` is positive, as the side part `D = 0` of a non-edge arc does.
                    for (c, &pp) in child[1..].iter_mut().zip(&parent[1..]) {
                        *c = pp + sign * 0.0;
                    }
                }
            }
        }
        self.factor_working_basis()?;
        self.compute_lambda(phase);

        // Basic values: tree flows of the supplies with S at zero, then x_S, then the tree
        // flows corrected by the side arcs' paths.
        reset(&mut self.flow, nodes, 0.0);
        self.flow[..root].fill(-1.0);
        self.flow[root + 1..].fill(1.0);
        reset(&mut self.h, self.r, 0.0);
        self.h.copy_from_slice(&self.rhs);
        for idx in (1..self.order.len()).rev() {
            let v = self.order[idx] as usize;
            let sub = self.flow[v];
            let p = self.parent[v] as usize;
            self.flow[p] += sub;
        }
        // Now flow[v] is the subtree's net supply; the arc above carries dir · supply.
        for idx in 1..self.order.len() {
            let v = self.order[idx] as usize;
            self.flow[v] *= self.dir[v];
            if let Var::Edge(e) = self.kind(self.parent_arc[v] as usize) {
                let x = self.flow[v];
                for k in 0..self.r {
                    self.h[k] -= self.edge_data[e * w + 1 + k] * x;
                }
            }
        }
        for k in 0..self.r {
            let xk: f64 = (0..self.r).map(|c| self.winv[k * self.r + c] * self.h[c]).sum();
            let v = self.side[k] as usize;
            self.value[v] = xk;
            if let Some((u, t)) = self.arc(v) {
                self.walk_path(u, t, |master, node, coef| master.flow[node] -= xk * coef);
            }
        }
        for idx in 1..self.order.len() {
            let v = self.order[idx] as usize;
            self.value[self.parent_arc[v] as usize] = self.flow[v];
        }
        self.pivots_since_refactor = 0;
        self.fresh = Some(phase);
        self.refactors += 1;
        Ok(())
    }

    /// Calls `f(self, node, coefficient)` for each tree arc (named by its lower node) on the
    /// path from `u` to `t`, with `+1` when the arc points along the path, `−1` otherwise.
    fn walk_path(&mut self, u: usize, t: usize, mut f: impl FnMut(&mut Self, usize, f64)) {
        let (mut a, mut b) = (u, t);
        while a != b {
            if self.depth[a] >= self.depth[b] {
                let c = self.dir[a];
                f(self, a, c);
                a = self.parent[a] as usize;
            } else {
                let c = -self.dir[b];
                f(self, b, c);
                b = self.parent[b] as usize;
            }
        }
    }

    /// Adds `weight` times the path from `u` to `t` (as [`EdgeMaster::walk_path`] walks it)
    /// to `y_tree`, recording newly touched nodes. A loop of its own rather than a closure
    /// passed to `walk_path`: the path walks of a pivot's direction are its largest cost,
    /// and the closure was not inlined.
    ///
    /// The walk's order is [`EdgeMaster::walk_path`]'s (the deeper end steps; `u`'s end on
    /// equal depths), with each end's depth counted down instead of read at every step.
    #[inline]
    fn add_path(&mut self, u: usize, t: usize, weight: f64) {
        let (mut a, mut b) = (u, t);
        let (mut depth_a, mut depth_b) = (self.depth[a], self.depth[b]);
        while a != b {
            let (node, coef) = if depth_a >= depth_b {
                let arc = (a, self.dir[a]);
                a = self.parent[a] as usize;
                depth_a -= 1;
                arc
            } else {
                let arc = (b, -self.dir[b]);
                b = self.parent[b] as usize;
                depth_b -= 1;
                arc
            };
            let y = self.y_tree[node];
            if y == 0.0 {
                self.touched.push(node as u32);
            }
            let y = y + weight * coef;
            // Kept non-zero so that the node is not pushed twice.
            self.y_tree[node] = if y == 0.0 { f64::MIN_POSITIVE } else { y };
        }
    }

    /// The coefficient of the tree arc above `node` in the path of `v` (0 when `v` has no
    /// arc or its path avoids it): `±1` when exactly one end of `v` is under `node`.
    fn path_coefficient(&self, v: usize, node: usize) -> f64 {
        let Some((u, t)) = self.arc(v) else { return 0.0 };
        let (u_in, t_in) = (self.is_under(u, node), self.is_under(t, node));
        if u_in == t_in {
            0.0
        } else if u_in {
            // The path leaves the subtree through the arc: along it when the node is its tail.
            self.dir[node]
        } else {
            -self.dir[node]
        }
    }

    fn is_under(&self, mut v: usize, top: usize) -> bool {
        let d = self.depth[top];
        while self.depth[v] > d {
            v = self.parent[v] as usize;
        }
        v == top
    }

    /// `W = [h(k)]_{k∈S}` from the potentials, inverted by Gauss–Jordan with partial pivoting.
    fn factor_working_basis(&mut self) -> Result<(), EdgeTrouble> {
        let r = self.r;
        let width = 2 * r;
        let mut aug = std::mem::take(&mut self.aug);
        let mut h = std::mem::take(&mut self.h);
        reset(&mut aug, r * width, 0.0);
        reset(&mut h, r, 0.0);
        for k in 0..r {
            // Phase does not matter for h.
            self.column(self.side[k] as usize, Phase::Feasibility, &mut h);
            for row in 0..r {
                aug[row * width + k] = h[row];
            }
            aug[k * width + r + k] = 1.0;
        }
        self.h = h;
        let largest = aug.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
        let result = if invert_in_place(&mut aug, r, SINGULAR_TOLERANCE * largest) {
            Ok(())
        } else {
            Err(EdgeTrouble::Singular)
        };
        if result.is_ok() {
            reset(&mut self.winv, r * r, 0.0);
            for k in 0..r {
                self.winv[k * r..(k + 1) * r].copy_from_slice(&aug[k * width + r..(k + 1) * width]);
            }
        }
        self.aug = aug;
        result
    }

    /// `λ` from `λᵀ W = d⁰_S`.
    fn compute_lambda(&mut self, phase: Phase) {
        let r = self.r;
        reset(&mut self.side_d0, r, 0.0);
        for k in 0..r {
            self.side_d0[k] = self.tree_reduced_cost(self.side[k] as usize, phase);
        }
        self.bump_stamp();
        reset(&mut self.lambda, r, 0.0);
        for (&d, row) in self.side_d0.iter().zip(self.winv.chunks_exact(r.max(1))) {
            if d != 0.0 {
                for (l, &w) in self.lambda.iter_mut().zip(row) {
                    *l += d * w;
                }
            }
        }
    }

    /// Total violation of the hard rows in the current basic solution.
    pub fn hard_violation(&self) -> f64 {
        (0..self.r)
            .filter(|&row| self.is_hard(row))
            .map(|row| self.value[self.n + self.r + row].max(0.0))
            .sum()
    }

    /// Whether every hard row's violation is within `PRIMAL_TOLERANCE · M_r`: the test phase
    /// 2 applies before it starts (call it after phase 1 to choose the next phase).
    pub fn meets_hard_rows(&self) -> bool {
        (0..self.r).all(|row| {
            !self.is_hard(row) || self.value[self.n + self.r + row] <= PRIMAL_TOLERANCE * self.row_scale[row]
        })
    }

    /// The objective of `phase` at the current basic solution. Item slacks cost nothing, so
    /// the sum starts after them: `O(R + edges)`, not `O(n)` (at 100,000 kept items the
    /// slacks made this 4 % of a solve).
    pub fn objective(&self, phase: Phase) -> f64 {
        (self.n..self.var_count())
            .filter(|&v| self.status[v] != NONE)
            .map(|v| self.cost(v, phase) * self.value[v])
            .sum()
    }

    /// `x_e` per edge, in the order added.
    pub fn x(&self) -> &[f64] {
        &self.value[self.n + 2 * self.r..]
    }

    /// `β_j` of the last optimize.
    pub fn slot_duals(&self) -> &[f64] {
        &self.beta
    }

    /// `α_i` of the last optimize.
    pub fn item_duals(&self) -> &[f64] {
        &self.alpha
    }

    /// `λ_r` of the last optimize.
    pub fn row_duals(&self) -> &[f64] {
        &self.lambda
    }

    /// Runs the primal simplex for `phase` from the current basis (the first ranking's on
    /// the first call after `reset`), at most `max_pivots` pivots. On `Ok` the basis is
    /// optimal for `phase`, freshly refactored, and the duals are set.
    pub fn optimize(&mut self, phase: Phase, max_pivots: u32) -> Result<(), EdgeTrouble> {
        if self.invalid_rows {
            return Err(EdgeTrouble::InvalidInput);
        }
        if !self.started {
            self.start()?;
        }
        self.phase = Some(phase);
        // New edges leave a fresh state fresh (they enter non-basic at 0).
        if self.fresh != Some(phase) {
            self.refactor(phase)?;
        }
        if phase == Phase::Optimality && !self.meets_hard_rows() {
            return Err(EdgeTrouble::InvalidInput);
        }
        let cost_scale = self.cost_scale(phase);
        let mut degenerate_run = 0;
        let mut done = 0;
        loop {
            let bland = degenerate_run >= DEGENERATE_RUN;
            let Some(q) = self.price(phase, cost_scale, bland) else {
                if self.fresh == Some(phase) {
                    break;
                }
                // A full scan found nothing at updated duals. Declare optimality only on a
                // fresh factorisation: refactor, and scan again unless the refactor moved no
                // reduced cost by more than the scan's margin below the tolerance.
                let old_stamp = self.stamp;
                reset(&mut self.old_lambda, self.r, 0.0);
                self.old_lambda.copy_from_slice(&self.lambda);
                let scan_max = self.scan_max;
                self.refactor(phase)?;
                if scan_max + self.drift_bound(old_stamp) <= DUAL_TOLERANCE * cost_scale {
                    break;
                }
                continue;
            };
            if done >= max_pivots {
                return Err(EdgeTrouble::PivotLimit);
            }
            self.fresh = None;
            let step = self.pivot(q, phase, bland)?;
            done += 1;
            self.pivots += 1;
            self.pivots_since_refactor += 1;
            degenerate_run = if step > 0.0 { 0 } else { degenerate_run + 1 };
            #[cfg(test)]
            if self.check_updates {
                self.assert_consistent(phase);
            }
            if self.pivots_since_refactor >= EDGE_REFACTOR_EVERY {
                self.refactor(phase)?;
            }
        }
        self.set_duals();
        Ok(())
    }

    /// The scaled reduced cost of a non-basic variable (`−∞` for one phase 2 holds at 0).
    #[inline(always)]
    fn scaled_reduced_cost(&mut self, v: usize, phase: Phase) -> f64 {
        let edge_base = self.n + 2 * self.r;
        if v >= edge_base {
            // Edges, most of the columns, inline; the rest through `reduced_cost`.
            let e = v - edge_base;
            let i = self.edge_node[e] as usize;
            let j = self.edge_slot[e] as usize;
            let mut rc = if phase == Phase::Optimality { self.edge_value[e] } else { 0.0 };
            let (price_i, price_j) = self.edge_prices(i, j);
            rc += price_j - price_i;
            for k in self.nz_start[e] as usize..self.nz_start[e + 1] as usize {
                rc -= self.lambda[self.nz_row[k] as usize] * self.nz_value[k];
            }
            rc
        } else if self.fixed(v, phase) {
            f64::NEG_INFINITY
        } else {
            self.reduced_cost(v, phase) * self.scale(v)
        }
    }

    /// The entering variable: Dantzig's rule on scaled reduced costs over a short list of
    /// candidates kept from the last full scan (re-priced at the current duals), then,
    /// when none of them improves, a full scan that refills the list; under Bland's rule
    /// the eligible variable first in the pricing order.
    fn price(&mut self, phase: Phase, cost_scale: f64, bland: bool) -> Option<usize> {
        let count = self.priced_count();
        let tolerance = DUAL_TOLERANCE * cost_scale;
        if !bland {
            let mut best = None;
            let mut best_value = tolerance;
            let mut kept = 0;
            for idx in 0..self.candidates.len() {
                let v = self.candidates[idx] as usize;
                if self.status[v] != NONE {
                    continue;
                }
                let rc = self.scaled_reduced_cost(v, phase);
                self.priced += 1;
                if rc > tolerance {
                    self.candidates[kept] = v as u32;
                    self.candidate_value[kept] = rc;
                    kept += 1;
                    if rc > best_value {
                        best_value = rc;
                        best = Some(v);
                    }
                }
            }
            self.candidates.truncate(kept);
            self.candidate_value.truncate(kept);
            // A list whose best has fallen far below the last scan's best is stale: the
            // columns the duals have moved to since are likely better.
            if best.is_some() && best_value >= EDGE_RESCAN_FRACTION * self.scan_best {
                return best;
            }
        }
        if bland {
            let mut scan_max = f64::NEG_INFINITY;
            for u in 0..count {
                let v = self.var_at(u);
                if self.status[v] == NONE {
                    let rc = self.scaled_reduced_cost(v, phase);
                    self.priced += 1;
                    if rc > tolerance {
                        return Some(v);
                    }
                    scan_max = scan_max.max(rc);
                }
            }
            self.scan_max = scan_max;
            return None;
        }
        self.full_scan(phase, tolerance)
    }

    /// Prices every non-basic column (in the pricing order), refills the candidate list
    /// with the best [`EDGE_CANDIDATES`] improving ones and returns the best of all.
    fn full_scan(&mut self, phase: Phase, tolerance: f64) -> Option<usize> {
        let mut scan = Scan::new(
            tolerance,
            std::mem::take(&mut self.candidates),
            std::mem::take(&mut self.candidate_value),
        );
        // The combined potentials of every node brought up to date first; then the columns
        // in the pricing order, each the same number `scaled_reduced_cost` gives. Item
        // slacks: `−p_i` (no cost, no side part, scale 1).
        self.refresh_prices();
        for &item in &self.node_item {
            let v = item as usize;
            if self.status[v] == NONE {
                scan.consider(v, -self.combined[self.item_node[v] as usize]);
            }
        }
        // `s_r` and `e_r`: few, through the general path.
        for v in self.n..self.n + 2 * self.r {
            if self.status[v] == NONE {
                let rc = self.scaled_reduced_cost(v, phase);
                scan.consider(v, rc);
            }
        }
        // Edges, most of the columns: `c_e + p_j − p_i − λ·D_e`, over slices zipped to the
        // edge count so that the loop indexes only where it must.
        let edge_base = self.n + 2 * self.r;
        let edges = self.edge_count();
        let optimality = phase == Phase::Optimality;
        let (combined, lambda) = (&self.combined[..], &self.lambda[..self.r]);
        let (nz_row, nz_value) = (&self.nz_row[..], &self.nz_value[..]);
        let columns = self.status[edge_base..edge_base + edges]
            .iter()
            .zip(&self.edge_node[..edges])
            .zip(&self.edge_slot[..edges])
            .zip(&self.edge_value[..edges])
            .zip(self.nz_start[..edges + 1].windows(2));
        for (e, ((((&status, &i), &j), &value), nz)) in columns.enumerate() {
            if status != NONE {
                continue;
            }
            let mut rc = if optimality { value } else { 0.0 };
            rc += combined[j as usize] - combined[i as usize];
            let (start, end) = (nz[0] as usize, nz[1] as usize);
            for (&row, &coef) in nz_row[start..end].iter().zip(&nz_value[start..end]) {
                rc -= lambda[row as usize] * coef;
            }
            scan.consider(edge_base + e, rc);
        }
        self.priced += scan.priced;
        self.scan_max = scan.scan_max;
        self.scan_best = scan.best_value;
        self.candidates = scan.candidates;
        self.candidate_value = scan.candidate_value;
        scan.best
    }

    /// A bound on how much any column's scaled reduced cost moved between the duals of
    /// stamp `old_stamp` (whose combined potentials are still cached, and `old_lambda`)
    /// and the current ones: an edge's moves by at most `|Δp_i| + |Δp_j| + Σ_r |Δλ_r| M_r`,
    /// an item slack's by `|Δp_i|`, an `s_r` or `e_r`'s by `|Δλ_r| M_r`. Every node with a
    /// non-basic column was priced in the last full scan, so its old potential is cached.
    fn drift_bound(&mut self, old_stamp: u32) -> f64 {
        let mut node_drift: f64 = 0.0;
        for node in 0..self.nodes() {
            if self.combined_stamp[node] == old_stamp && node != self.root() {
                let old = self.combined[node];
                node_drift = node_drift.max((self.node_price(node) - old).abs());
            }
        }
        let rows: f64 =
            (0..self.r).map(|k| (self.lambda[k] - self.old_lambda[k]).abs() * self.row_scale[k]).sum();
        2.0 * node_drift + rows
    }

    /// One pivot with entering variable `q`; returns the step `θ`.
    fn pivot(&mut self, q: usize, phase: Phase, bland: bool) -> Result<f64, EdgeTrouble> {
        let r = self.r;
        // y_S = W⁻¹ h(q).
        let mut h = std::mem::take(&mut self.h);
        reset(&mut h, r, 0.0);
        self.column(q, phase, &mut h);
        reset(&mut self.y_side, r, 0.0);
        for k in 0..r {
            self.y_side[k] = self.winv[k * r..(k + 1) * r].iter().zip(&h).map(|(w, h)| w * h).sum();
        }
        self.h = h;
        // y_T: the path of q minus the side arcs' paths weighted by y_S.
        for &node in &self.touched {
            self.y_tree[node as usize] = 0.0;
        }
        self.touched.clear();
        let nodes = self.nodes();
        if self.y_tree.len() != nodes {
            reset(&mut self.y_tree, nodes, 0.0);
        }
        if let Some((u, t)) = self.arc(q) {
            self.add_path(u, t, 1.0);
        }
        for k in 0..r {
            let yk = self.y_side[k];
            if yk == 0.0 {
                continue;
            }
            if let Some((u, t)) = self.arc(self.side[k] as usize) {
                self.add_path(u, t, -yk);
            }
        }

        // Ratio test over the side columns and the touched tree arcs.
        let q_scale = self.scale(q);
        let mut leave: Option<(usize, bool, usize)> = None; // (var, is_tree, node or position)
        let mut step = f64::INFINITY;
        let mut leave_pivot = 0.0;
        // Tree arcs are flows (scale 1, never fixed) and most entering columns are edges
        // (scale 1): those divisions by 1 are skipped, which leaves every number as it was.
        let mut consider = |master: &Self, v: usize, y: f64, is_tree: bool, at: usize| {
            let scaled = if is_tree { y * q_scale } else { y * q_scale / master.scale(v) };
            let limit = if scaled > PIVOT_TOLERANCE {
                master.value[v].max(0.0) / y
            } else if !is_tree && scaled.abs() > PIVOT_TOLERANCE && master.fixed(v, phase) {
                0.0
            } else {
                return;
            };
            let (scaled_limit, scaled_step) =
                if q_scale == 1.0 { (limit, step) } else { (limit / q_scale, step / q_scale) };
            let better = match leave {
                None => true,
                Some((lv, _, _)) => {
                    scaled_limit < scaled_step - RATIO_TIE
                        || (scaled_limit <= scaled_step + RATIO_TIE
                            && if bland {
                                master.rank(v) < master.rank(lv)
                            } else {
                                scaled.abs() > leave_pivot
                            })
                }
            };
            if better {
                leave = Some((v, is_tree, at));
                step = limit;
                leave_pivot = scaled.abs();
            }
        };
        for k in 0..r {
            consider(self, self.side[k] as usize, self.y_side[k], false, k);
        }
        for idx in 0..self.touched.len() {
            let node = self.touched[idx] as usize;
            let y = self.y_tree[node];
            // `consider`'s own first test for a tree arc, here so that the arcs the step
            // does not decrease (about half) skip the call.
            if y * q_scale > PIVOT_TOLERANCE {
                consider(self, self.parent_arc[node] as usize, y, true, node);
            }
        }
        // The LP is bounded, so an unblocked direction only comes from rounding.
        let Some((l, is_tree, at)) = leave else { return Err(EdgeTrouble::Singular) };
        let step = step.max(0.0);

        // Values.
        if step > 0.0 {
            for k in 0..r {
                let v = self.side[k] as usize;
                self.value[v] -= step * self.y_side[k];
            }
            for idx in 0..self.touched.len() {
                let node = self.touched[idx] as usize;
                let v = self.parent_arc[node] as usize;
                self.value[v] -= step * self.y_tree[node];
            }
        }
        self.value[q] = step;
        self.value[l] = 0.0;

        // Basis.
        if !is_tree {
            self.replace_side(at, q, l);
            self.compute_lambda(phase);
            return Ok(step);
        }
        self.status[l] = NONE;
        let node = at;
        // ρ_l(k): the leaving arc's coefficient in each side column's path (module doc).
        let mut rho = std::mem::take(&mut self.rho);
        reset(&mut rho, r, 0.0);
        for (k, rk) in rho.iter_mut().enumerate() {
            *rk = self.path_coefficient(self.side[k] as usize, node);
        }
        let rho_q = self.path_coefficient(q, node);
        let y_l = self.y_tree[node];
        let result = if rho_q != 0.0 {
            // q replaces l in the tree: W' = W − h_q tᵀ with t = ρ/ρ_q, and by
            // Sherman–Morrison W'⁻¹ = W⁻¹ + y (tᵀ W⁻¹) / (1 − tᵀ y), where 1 − tᵀ y = y_l/ρ_q.
            reset(&mut self.u_row, r, 0.0);
            for (k, &rk) in rho.iter().enumerate() {
                let t = rk / rho_q;
                if t != 0.0 {
                    for (u, w) in self.u_row.iter_mut().zip(&self.winv[k * r..(k + 1) * r]) {
                        *u += t * w;
                    }
                }
            }
            let scale = rho_q / y_l;
            for k in 0..r {
                let f = self.y_side[k] * scale;
                if f != 0.0 {
                    for (w, u) in self.winv[k * r..(k + 1) * r].iter_mut().zip(&self.u_row) {
                        *w += f * u;
                    }
                }
            }
            self.rehang(node, q, phase);
            Ok(())
        } else if let Some(k) = (0..r)
            .filter(|&k| rho[k] != 0.0)
            .max_by(|&a, &b| self.y_side[a].abs().total_cmp(&self.y_side[b].abs()))
        {
            // A side arc k crossing the cut moves into the tree in place of l, then q takes
            // k's place in S. The exchange (l to S at k's position) multiplies W⁻¹ on the
            // left by the identity with row k replaced by −ρᵀ; it maps y to y with entry k
            // −ρ·y = y_l (ρ_q = 0); then the usual product-form update on that y.
            reset(&mut self.u_row, r, 0.0);
            for (j, &rj) in rho.iter().enumerate() {
                if rj != 0.0 {
                    for c in 0..r {
                        self.u_row[c] -= rj * self.winv[j * r + c];
                    }
                }
            }
            self.winv[k * r..(k + 1) * r].copy_from_slice(&self.u_row);
            self.y_side[k] = y_l;
            let moved = self.side[k] as usize;
            self.status[moved] = NONE;
            self.replace_side(k, q, moved);
            self.rehang(node, moved, phase);
            Ok(())
        } else {
            Err(EdgeTrouble::Singular)
        };
        self.rho = rho;
        result?;
        self.compute_lambda(phase);
        Ok(step)
    }

    /// `q` replaces the side column at position `p` (leaving variable `l`); the product-form
    /// update of `W⁻¹` on `y_S`.
    fn replace_side(&mut self, p: usize, q: usize, l: usize) {
        let r = self.r;
        self.status[l] = NONE;
        self.status[q] = SIDE | p as u32;
        self.side[p] = q as u32;
        let yp = self.y_side[p];
        for w in &mut self.winv[p * r..(p + 1) * r] {
            *w /= yp;
        }
        // Split W⁻¹ around row p so that the other rows can borrow it.
        let (before, rest) = self.winv[..r * r].split_at_mut(p * r);
        let (pivot_row, after) = rest.split_at_mut(r);
        for (i, row) in before
            .chunks_exact_mut(r)
            .enumerate()
            .chain(after.chunks_exact_mut(r).enumerate().map(|(i, row)| (i + p + 1, row)))
        {
            let yi = self.y_side[i];
            if yi != 0.0 {
                for (w, pw) in row.iter_mut().zip(pivot_row.iter()) {
                    *w -= yi * pw;
                }
            }
        }
    }

    /// Cuts the tree arc above `cut` and hangs the cut-off subtree back by arc variable `a`
    /// (which joins it to the rest), shifting its potentials so that `a` prices at zero.
    fn rehang(&mut self, cut: usize, a: usize, phase: Phase) {
        let w = self.r + 1;
        let Some((tail, head)) = self.arc(a) else { return };
        let tail_in = self.is_under(tail, cut);
        let (inside, outside) = if tail_in { (tail, head) } else { (head, tail) };
        // The shift: a's reduced coefficient per channel, signed by which end moves.
        reset(&mut self.side_d0, w, 0.0);
        let c0 = match self.kind(a) {
            Var::Edge(_) => self.cost(a, phase),
            _ => 0.0,
        };
        for k in 0..w {
            let coef = if k == 0 {
                c0
            } else {
                match self.kind(a) {
                    Var::Edge(e) => self.edge_data[e * w + k],
                    _ => 0.0,
                }
            };
            let reduced = coef - (self.pot[tail * w + k] - self.pot[head * w + k]);
            self.side_d0[k] = if tail_in { reduced } else { -reduced };
        }
        // Reverse the parent links on the path inside → cut.
        self.unlink(cut);
        let mut prev = outside;
        let mut prev_arc = a;
        let mut cur = inside;
        loop {
            let next = self.parent[cur] as usize;
            let next_arc = self.parent_arc[cur] as usize;
            if cur != cut {
                self.unlink(cur);
            }
            let (arc_tail, _) = self.arc(prev_arc).unwrap_or((cur, cur));
            self.link(cur, prev, prev_arc, if arc_tail == cur { 1.0 } else { -1.0 });
            if cur == cut {
                break;
            }
            prev = cur;
            prev_arc = next_arc;
            cur = next;
        }
        // Depths and potentials of the re-hung subtree.
        self.preorder(inside);
        for idx in 0..self.order.len() {
            let v = self.order[idx] as usize;
            self.depth[v] = self.depth[self.parent[v] as usize] + 1;
            for (p, d) in self.pot[v * w..(v + 1) * w].iter_mut().zip(&self.side_d0) {
                *p += d;
            }
        }
    }

    /// Panics unless the incrementally updated potentials, `W⁻¹`, `λ` and values match
    /// those recomputed from the tree and `S`.
    #[cfg(test)]
    fn assert_consistent(&self, phase: Phase) {
        let mut fresh = self.clone();
        fresh.refactor(phase).expect("the updated basis is nonsingular");
        let close = |a: &[f64], b: &[f64], what: &str| {
            for (k, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())),
                    "{what}[{k}]: updated {x}, fresh {y}"
                );
            }
        };
        assert_eq!(self.depth, fresh.depth, "depths");
        close(&self.pot, &fresh.pot, "potentials");
        close(&self.winv, &fresh.winv, "W⁻¹");
        close(&self.lambda, &fresh.lambda, "λ");
        close(&self.value, &fresh.value, "values");
        for (v, &s) in self.status.iter().enumerate() {
            if s == DETACHED {
                assert!(v < self.n && self.item_node[v] == NONE && self.value[v] == 1.0, "detached {v}");
            } else if s == NONE {
                assert_eq!(self.value[v], 0.0, "non-basic {v} has a value");
            } else if s & SIDE == 0 {
                assert_eq!(self.parent_arc[s as usize] as usize, v, "tree arc {v} misplaced");
            } else {
                assert_eq!(self.side[(s & !SIDE) as usize] as usize, v, "side column {v} misplaced");
            }
        }
    }

    /// `α`, `β` from the potentials and `λ`.
    fn set_duals(&mut self) {
        let w = self.r + 1;
        for node in 0..self.nodes() {
            if node == self.root() {
                continue;
            }
            let p = &self.pot[node * w..(node + 1) * w];
            let mut combined = p[0];
            for (l, pr) in self.lambda.iter().zip(&p[1..]) {
                combined -= l * pr;
            }
            if node < self.m {
                self.beta[node] = -combined;
            } else {
                self.alpha[self.node_item[node - self.m - 1] as usize] = combined;
            }
        }
    }
}

/// Rows `p` (read) and `v` (written) of the `w`-wide potentials, `p ≠ v`.
fn parent_and_child(pot: &mut [f64], w: usize, p: usize, v: usize) -> (&[f64], &mut [f64]) {
    if p < v {
        let (low, high) = pot.split_at_mut(v * w);
        (&low[p * w..(p + 1) * w], &mut high[..w])
    } else {
        let (low, high) = pot.split_at_mut(p * w);
        (&high[..w], &mut low[v * w..(v + 1) * w])
    }
}

/// The running state of a full pricing scan ([`EdgeMaster::full_scan`]): the best improving
/// column, the largest reduced cost, and the candidate list being refilled.
struct Scan {
    tolerance: f64,
    best: Option<usize>,
    best_value: f64,
    scan_max: f64,
    /// Below it a column cannot join the full candidate list (its weakest value).
    floor: f64,
    /// The position of that weakest value once the list is full.
    weakest: usize,
    priced: u64,
    candidates: Vec<u32>,
    candidate_value: Vec<f64>,
}

impl Scan {
    /// A scan that refills `candidates` and `candidate_value` (cleared here, capacity kept).
    fn new(tolerance: f64, mut candidates: Vec<u32>, mut candidate_value: Vec<f64>) -> Self {
        candidates.clear();
        candidate_value.clear();
        Scan {
            tolerance,
            best: None,
            best_value: tolerance,
            scan_max: f64::NEG_INFINITY,
            floor: f64::NEG_INFINITY,
            weakest: 0,
            priced: 0,
            candidates,
            candidate_value,
        }
    }

    #[inline(always)]
    fn consider(&mut self, v: usize, rc: f64) {
        self.priced += 1;
        self.scan_max = self.scan_max.max(rc);
        if rc > self.tolerance {
            if rc > self.floor {
                self.floor = self.keep_candidate(v, rc);
            }
            if rc > self.best_value {
                self.best_value = rc;
                self.best = Some(v);
            }
        }
    }

    /// Adds `v` (scaled reduced cost `rc`, above `floor`) to the candidate list, in place
    /// of the weakest (the first of the least values) when the list is full.
    /// Returns the value a column must beat to join the list from now on (the weakest
    /// value once it is full), and keeps the weakest's position for the next call.
    fn keep_candidate(&mut self, v: usize, rc: f64) -> f64 {
        if self.candidates.len() < EDGE_CANDIDATES {
            self.candidates.push(v as u32);
            self.candidate_value.push(rc);
            if self.candidates.len() < EDGE_CANDIDATES {
                return f64::NEG_INFINITY;
            }
        } else {
            self.candidates[self.weakest] = v as u32;
            self.candidate_value[self.weakest] = rc;
        }
        // The values are reduced costs above the tolerance: finite, so `<` orders them.
        let mut weakest = 0;
        for (k, &value) in self.candidate_value.iter().enumerate().skip(1) {
            if value < self.candidate_value[weakest] {
                weakest = k;
            }
        }
        self.weakest = weakest;
        self.candidate_value[weakest]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::highs_retry::optimum_or_infeasible;
    use crate::synthetic::SplitMix64;
    use good_lp::solvers::highs::highs;
    use good_lp::{variable, Expression, ProblemVariables, ResolutionError, Solution as _, SolverModel};

    /// A restricted master: edges `(item, slot, c, D)` and rows `(b, ρ)`.
    #[derive(Clone, Debug)]
    struct Instance {
        n: usize,
        m: usize,
        rows: Vec<(f64, f64)>,
        edges: Vec<(usize, usize, f64, Vec<f64>)>,
    }

    #[derive(Clone, Copy, Debug)]
    struct Shape {
        n: usize,
        m: usize,
        r: usize,
        rankings: usize,
        extra: usize,
        /// Coefficients and values drawn from a few integers (ties, zeros, equal rows).
        degenerate: bool,
        /// Right-hand sides that most rankings violate.
        tight: bool,
    }

    fn random_ranking(rng: &mut SplitMix64, n: usize, m: usize) -> Vec<usize> {
        let mut items: Vec<usize> = (0..n).collect();
        for j in 0..m {
            let k = j + rng.below(n - j);
            items.swap(j, k);
        }
        items.truncate(m);
        items
    }

    fn generate(shape: Shape, seed: u64) -> Instance {
        let Shape { n, m, r, rankings, extra, degenerate, tight } = shape;
        let mut rng = SplitMix64::new(seed);
        let draw = |rng: &mut SplitMix64| {
            if degenerate {
                rng.below(5) as f64 - 2.0
            } else {
                rng.next_f64() * 2.0 - 1.0
            }
        };
        // Rule-like rows: a_ri · v_rj (a top-d or exposure profile), or dense noise; some
        // rows a copy or the negation of the previous one (a two-sided rule).
        let mut a = vec![vec![0.0; n]; r];
        let mut v = vec![vec![0.0; m]; r];
        let mut dense = vec![false; r];
        let mut copy_of = vec![None; r];
        for row in 0..r {
            if row > 0 && rng.below(4) == 0 {
                copy_of[row] = Some((row - 1, if rng.below(2) == 0 { 1.0 } else { -1.0 }));
                continue;
            }
            dense[row] = rng.below(4) == 0;
            for ai in a[row].iter_mut() {
                *ai = if degenerate { rng.below(3) as f64 } else { draw(&mut rng).abs() };
            }
            let depth = 1 + rng.below(m);
            let exposure = rng.below(2) == 0;
            for (j, vj) in v[row].iter_mut().enumerate() {
                *vj = if exposure {
                    1.0 / (j as f64 + 2.0).log2()
                } else if j < depth {
                    1.0
                } else {
                    0.0
                };
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut edges = Vec::new();
        let mut value = vec![vec![0.0; m]; n];
        let mut coef = vec![vec![vec![0.0; r]; m]; n];
        for i in 0..n {
            for j in 0..m {
                value[i][j] = draw(&mut rng) * 10.0 + if degenerate { 0.0 } else { 5.0 / (j as f64 + 1.0) };
                for row in 0..r {
                    coef[i][j][row] = match copy_of[row] {
                        Some((src, sign)) => sign * coef[i][j][src],
                        None if dense[row] => draw(&mut rng),
                        None => a[row][i] * v[row][j] * if rng.below(8) == 0 { -1.0 } else { 1.0 },
                    };
                }
            }
        }
        let mut add = |i: usize, j: usize, edges: &mut Vec<(usize, usize, f64, Vec<f64>)>| {
            if seen.insert((i, j)) {
                edges.push((i, j, value[i][j], coef[i][j].clone()));
            }
        };
        let mut ranking_values = Vec::new();
        for t in 0..rankings.max(1) {
            let ranking = random_ranking(&mut rng, n, m);
            let mut totals = vec![0.0; r];
            for (j, &i) in ranking.iter().enumerate() {
                add(i, j, &mut edges);
                for row in 0..r {
                    totals[row] += coef[i][j][row];
                }
            }
            if t == 0 {
                assert_eq!(edges.len(), m);
            }
            ranking_values.push(totals);
        }
        for _ in 0..extra {
            add(rng.below(n), rng.below(m), &mut edges);
        }
        let rows = (0..r)
            .map(|row| {
                let lo = ranking_values.iter().map(|t| t[row]).fold(f64::INFINITY, f64::min);
                let hi = ranking_values.iter().map(|t| t[row]).fold(f64::NEG_INFINITY, f64::max);
                let b = if tight {
                    lo - rng.next_f64() * (hi - lo + 1.0)
                } else {
                    lo + rng.next_f64() * (hi - lo)
                };
                let b = if degenerate { b.round() } else { b };
                let rho = if rng.below(3) == 0 { 0.1 + 10.0 * rng.next_f64() } else { f64::INFINITY };
                (b, rho)
            })
            .collect();
        Instance { n, m, rows, edges }
    }

    /// HiGHS on the restricted LP: `min Σ_hard e_r` when `feasibility`, else the phase-2
    /// optimum (`None` when the hard rows cannot be met), with the primal simplex asked
    /// again when the default run fails (`highs_retry.rs`).
    fn highs_optimum(inst: &Instance, feasibility: bool) -> Option<f64> {
        optimum_or_infeasible(|strategy| highs_run(inst, feasibility, strategy))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn highs_run(inst: &Instance, feasibility: bool, strategy: Option<i32>) -> Result<f64, ResolutionError> {
        let mut vars = ProblemVariables::new();
        let x: Vec<_> = inst.edges.iter().map(|_| vars.add(variable().min(0.0))).collect();
        let mut objective = Expression::from(0.0);
        if !feasibility {
            for (e, edge) in inst.edges.iter().enumerate() {
                objective.add_mul(edge.2, x[e]);
            }
        }
        let mut constraints = Vec::new();
        for j in 0..inst.m {
            let s: Expression = inst.edges.iter().zip(&x).filter(|(e, _)| e.1 == j).map(|(_, &v)| v).sum();
            constraints.push(s.eq(1.0));
        }
        for i in 0..inst.n {
            let s: Expression = inst.edges.iter().zip(&x).filter(|(e, _)| e.0 == i).map(|(_, &v)| v).sum();
            constraints.push(s.leq(1.0));
        }
        for (row, &(b, rho)) in inst.rows.iter().enumerate() {
            let mut lhs = Expression::from(0.0);
            for (edge, &v) in inst.edges.iter().zip(&x) {
                if edge.3[row] != 0.0 {
                    lhs.add_mul(edge.3[row], v);
                }
            }
            let penalised = if feasibility { rho.is_infinite() } else { rho.is_finite() };
            if penalised || (feasibility && rho.is_finite()) {
                let e = vars.add(variable().min(0.0));
                if penalised {
                    objective.add_mul(if feasibility { -1.0 } else { -rho }, e);
                }
                lhs.add_mul(-1.0, e);
            }
            constraints.push(lhs.leq(b));
        }
        let mut model = vars
            .maximise(objective.clone())
            .using(highs)
            .set_option("primal_feasibility_tolerance", 1e-10)
            .set_option("dual_feasibility_tolerance", 1e-10)
            .set_threads(1);
        if let Some(strategy) = strategy {
            model = model.set_option("simplex_strategy", strategy);
        }
        for c in constraints {
            model = model.with(c);
        }
        model.solve().map(|sol| sol.eval(&objective))
    }

    fn load(master: &mut EdgeMaster, inst: &Instance, edges: std::ops::Range<usize>) {
        for e in edges {
            let (i, j, c, d) = &inst.edges[e];
            assert_eq!(master.add_edge(*i, *j, *c, d), Ok(e));
        }
    }

    /// Phase 1, then phase 2 when the hard rows can be met, as the caller runs them.
    fn solve(master: &mut EdgeMaster) -> Result<Phase, EdgeTrouble> {
        master.optimize(Phase::Feasibility, 100_000)?;
        if !master.meets_hard_rows() {
            return Ok(Phase::Feasibility);
        }
        master.optimize(Phase::Optimality, 100_000)?;
        Ok(Phase::Optimality)
    }

    /// Primal feasibility of `x`, dual feasibility of `(α, β, λ)` and strong duality, all
    /// recomputed from the instance; returns the objective recomputed from `x`.
    fn check(master: &EdgeMaster, inst: &Instance, phase: Phase, label: &str) -> f64 {
        let x = master.x();
        assert_eq!(x.len(), inst.edges.len());
        let (alpha, beta, lambda) = (master.item_duals(), master.slot_duals(), master.row_duals());
        let scale = inst.edges.iter().map(|e| e.2.abs()).fold(1.0, f64::max);
        let tol = 1e-9;
        let mut slot = vec![0.0; inst.m];
        let mut item = vec![0.0; inst.n];
        let mut row_value = vec![0.0; inst.rows.len()];
        let mut value = 0.0;
        for (e, (i, j, c, d)) in inst.edges.iter().enumerate() {
            assert!(x[e] >= -tol, "{label}: x[{e}] = {}", x[e]);
            slot[*j] += x[e];
            item[*i] += x[e];
            value += c * x[e];
            for (rv, dr) in row_value.iter_mut().zip(d) {
                *rv += dr * x[e];
            }
        }
        for (j, s) in slot.iter().enumerate() {
            assert!((s - 1.0).abs() <= tol, "{label}: slot {j} holds {s}");
        }
        for (i, s) in item.iter().enumerate() {
            assert!(*s <= 1.0 + tol, "{label}: item {i} holds {s}");
        }
        let mut violation = 0.0;
        let mut objective = value;
        for (row, &(b, rho)) in inst.rows.iter().enumerate() {
            let row_scale = inst.edges.iter().map(|e| e.3[row].abs()).fold(b.abs(), f64::max).max(1.0);
            let excess = (row_value[row] - b).max(0.0);
            if rho.is_infinite() {
                violation += excess;
                if phase == Phase::Optimality {
                    assert!(excess <= tol * row_scale, "{label}: hard row {row} exceeded by {excess}");
                }
            } else {
                objective -= rho * excess;
            }
        }
        // Dual feasibility.
        let (costs, dual_scale) = match phase {
            Phase::Feasibility => (false, 1.0),
            Phase::Optimality => (true, scale),
        };
        for (i, &a) in alpha.iter().enumerate() {
            assert!(a >= -tol * dual_scale, "{label}: α[{i}] = {a}");
        }
        for (row, &l) in lambda.iter().enumerate() {
            let (_, rho) = inst.rows[row];
            let cap = match phase {
                Phase::Feasibility => {
                    if rho.is_infinite() {
                        1.0
                    } else {
                        0.0
                    }
                }
                Phase::Optimality => rho,
            };
            assert!(
                l >= -tol * dual_scale && l <= cap + tol * dual_scale,
                "{label}: λ[{row}] = {l}, cap {cap}"
            );
        }
        for (e, (i, j, c, d)) in inst.edges.iter().enumerate() {
            let c = if costs { *c } else { 0.0 };
            let reduced = c - alpha[*i] - beta[*j] - d.iter().zip(lambda).map(|(d, l)| d * l).sum::<f64>();
            assert!(reduced <= tol * dual_scale, "{label}: edge {e} has reduced cost {reduced}");
        }
        let dual_objective: f64 = alpha.iter().sum::<f64>()
            + beta.iter().sum::<f64>()
            + lambda.iter().zip(&inst.rows).map(|(l, (b, _))| l * b).sum::<f64>();
        let primal = match phase {
            Phase::Feasibility => -violation,
            Phase::Optimality => objective,
        };
        let reported = master.objective(phase);
        let gap_scale = dual_scale * (1.0 + inst.m as f64);
        assert!(
            (reported - primal).abs() <= 1e-9 * gap_scale,
            "{label}: objective {reported} vs x's {primal}"
        );
        assert!(
            (dual_objective - primal).abs() <= 1e-9 * gap_scale,
            "{label}: dual objective {dual_objective} vs primal {primal}"
        );
        primal
    }

    /// Solves `inst` cold and checks it against HiGHS; returns the phase it ended in.
    fn solve_and_compare(inst: &Instance, label: &str) -> Phase {
        let mut master = EdgeMaster { check_updates: inst.edges.len() < 2000, ..EdgeMaster::default() };
        master.reset(inst.n, inst.m, inst.rows.iter().copied());
        load(&mut master, inst, 0..inst.edges.len());
        let phase = solve(&mut master).unwrap_or_else(|t| panic!("{label}: {t:?}"));
        let ours = check(&master, inst, phase, label);
        let scale = inst.edges.iter().map(|e| e.2.abs()).fold(1.0, f64::max) * (1.0 + inst.m as f64);
        match phase {
            Phase::Feasibility => {
                assert_eq!(highs_optimum(inst, false), None, "{label}: HiGHS meets the hard rows");
                let theirs = highs_optimum(inst, true).expect("phase 1 is always feasible");
                assert!(
                    (ours - theirs).abs() <= 1e-9 * (1.0 + theirs.abs()),
                    "{label}: violation {ours} vs {theirs}"
                );
            }
            Phase::Optimality => {
                let theirs =
                    highs_optimum(inst, false).unwrap_or_else(|| panic!("{label}: HiGHS infeasible"));
                assert!((ours - theirs).abs() <= 1e-9 * scale, "{label}: objective {ours} vs HiGHS {theirs}");
            }
        }
        phase
    }

    fn shape(rng: &mut SplitMix64, max_n: usize, max_m: usize, max_r: usize) -> Shape {
        let m = 1 + rng.below(max_m);
        let n = m + rng.below(max_n - m + 1);
        Shape {
            n,
            m,
            r: rng.below(max_r + 1),
            rankings: 1 + rng.below(6),
            extra: rng.below(3 * n + 1),
            degenerate: rng.below(3) == 0,
            tight: rng.below(4) == 0,
        }
    }

    #[test]
    fn matches_highs_on_small_masters() {
        let (mut optimal, mut infeasible) = (0, 0);
        for seed in 0..400u64 {
            let mut rng = SplitMix64::new(1000 + seed);
            let shape = shape(&mut rng, 12, 6, 5);
            let inst = generate(shape, seed);
            match solve_and_compare(&inst, &format!("seed {seed} {shape:?}")) {
                Phase::Optimality => optimal += 1,
                Phase::Feasibility => infeasible += 1,
            }
        }
        assert!(optimal > 100 && infeasible > 20, "{optimal} optimal, {infeasible} infeasible");
    }

    #[test]
    fn matches_highs_on_large_masters() {
        for seed in 0..12u64 {
            let mut rng = SplitMix64::new(7000 + seed);
            let m = 20 + rng.below(41);
            let shape = Shape {
                n: m + rng.below(300 - m),
                m,
                r: 5 + rng.below(16),
                rankings: 2 + rng.below(8),
                extra: 200 + rng.below(800),
                degenerate: seed % 3 == 0,
                tight: seed % 4 == 1,
            };
            let inst = generate(shape, seed);
            solve_and_compare(&inst, &format!("seed {seed} {shape:?}"));
        }
    }

    /// Edges added between solves: the warm master reaches the cold master's optimum.
    #[test]
    fn warm_start_matches_a_cold_solve() {
        for seed in 0..60u64 {
            let mut rng = SplitMix64::new(5000 + seed);
            let shape = shape(&mut rng, 60, 15, 8);
            let inst = generate(shape, seed);
            let label = format!("seed {seed} {shape:?}");
            let mut master = EdgeMaster { check_updates: true, ..EdgeMaster::default() };
            master.reset(inst.n, inst.m, inst.rows.iter().copied());
            let total = inst.edges.len();
            let cuts = [inst.m, inst.m + (total - inst.m) / 3, inst.m + 2 * (total - inst.m) / 3, total];
            let mut phase = Phase::Feasibility;
            let mut loaded = 0;
            for &cut in &cuts {
                load(&mut master, &inst, loaded..cut);
                loaded = cut;
                phase = solve(&mut master).unwrap_or_else(|t| panic!("{label}: {t:?}"));
            }
            let mut part = inst.clone();
            part.edges.truncate(loaded);
            let warm = check(&master, &part, phase, &label);
            let mut cold = EdgeMaster::default();
            cold.reset(inst.n, inst.m, inst.rows.iter().copied());
            load(&mut cold, &inst, 0..total);
            let cold_phase = solve(&mut cold).unwrap();
            assert_eq!(phase, cold_phase, "{label}");
            let cold_value = cold.objective(cold_phase);
            assert!(
                (warm - cold_value).abs() <= 1e-9 * (1.0 + cold_value.abs()),
                "{label}: {warm} vs {cold_value}"
            );
        }
    }

    #[test]
    fn refuses_bad_input_without_panicking() {
        let mut master = EdgeMaster::default();
        master.reset(3, 2, [(1.0, f64::INFINITY)].into_iter());
        assert_eq!(master.add_edge(3, 0, 1.0, &[0.0]), Err(EdgeTrouble::InvalidInput));
        assert_eq!(master.add_edge(0, 2, 1.0, &[0.0]), Err(EdgeTrouble::InvalidInput));
        assert_eq!(master.add_edge(0, 0, 1.0, &[]), Err(EdgeTrouble::InvalidInput));
        assert_eq!(master.add_edge(0, 0, f64::NAN, &[0.0]), Err(EdgeTrouble::InvalidInput));
        // Two edges on slot 0: not a ranking.
        master.add_edge(0, 0, 1.0, &[0.0]).unwrap();
        master.add_edge(1, 0, 1.0, &[0.0]).unwrap();
        assert_eq!(master.optimize(Phase::Feasibility, 10), Err(EdgeTrouble::NoStartingRanking));
        master.reset(3, 2, [(1.0, f64::INFINITY)].into_iter());
        assert_eq!(master.optimize(Phase::Feasibility, 10), Err(EdgeTrouble::NoStartingRanking));
        assert_eq!(EdgeTrouble::NoStartingRanking.status(), crate::Status::NumericalTrouble);
        assert!(!EdgeTrouble::InvalidInput.message().is_empty());
        // Invalid rows.
        master.reset(3, 1, [(f64::NAN, f64::INFINITY)].into_iter());
        master.add_edge(0, 0, 1.0, &[0.0]).unwrap();
        assert_eq!(master.optimize(Phase::Feasibility, 10), Err(EdgeTrouble::InvalidInput));
        master.reset(3, 1, [(1.0, -1.0)].into_iter());
        master.add_edge(0, 0, 1.0, &[0.0]).unwrap();
        assert_eq!(master.optimize(Phase::Feasibility, 10), Err(EdgeTrouble::InvalidInput));
        // Phase 2 while a hard row is violated.
        master.reset(2, 1, [(0.0, f64::INFINITY)].into_iter());
        master.add_edge(0, 0, 1.0, &[1.0]).unwrap();
        assert_eq!(master.optimize(Phase::Optimality, 10), Err(EdgeTrouble::InvalidInput));
        master.optimize(Phase::Feasibility, 10).unwrap();
        assert_eq!(master.hard_violation(), 1.0);
        assert!(!master.meets_hard_rows());
        // The pivot cap.
        master.add_edge(1, 0, 1.0, &[0.0]).unwrap();
        assert_eq!(master.optimize(Phase::Feasibility, 0), Err(EdgeTrouble::PivotLimit));
        master.optimize(Phase::Feasibility, 1).unwrap();
        assert_eq!(master.hard_violation(), 0.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 64, failure_persistence: None, ..Default::default()
        })]
        /// Random shapes up to 300 items, 60 slots and 20 rows, edges added in three
        /// batches with a solve after each (warm starts), the last one checked against HiGHS
        /// and the duals checked as a certificate.
        #[test]
        fn warm_masters_match_highs(
            m in 1usize..60,
            extra_items in 0usize..240,
            r in 0usize..20,
            rankings in 1usize..8,
            extra_edges in 0usize..900,
            degenerate in proptest::bool::ANY,
            tight in proptest::bool::ANY,
            seed in proptest::num::u64::ANY,
        ) {
            let shape = Shape { n: m + extra_items, m, r, rankings, extra: extra_edges, degenerate, tight };
            let inst = generate(shape, seed);
            let label = format!("{shape:?} seed {seed}");
            let mut master = EdgeMaster::default();
            master.reset(inst.n, inst.m, inst.rows.iter().copied());
            let total = inst.edges.len();
            let mut loaded = 0;
            let mut phase = Phase::Feasibility;
            for cut in [inst.m, (inst.m + total) / 2, total] {
                load(&mut master, &inst, loaded..cut);
                loaded = cut;
                phase = solve(&mut master).unwrap_or_else(|t| panic!("{label}: {t:?}"));
            }
            let ours = check(&master, &inst, phase, &label);
            let theirs = match phase {
                Phase::Feasibility => {
                    proptest::prop_assert_eq!(highs_optimum(&inst, false), None, "{}", label);
                    highs_optimum(&inst, true).expect("phase 1 is always feasible")
                }
                Phase::Optimality => highs_optimum(&inst, false).expect("HiGHS meets the hard rows too"),
            };
            let scale = inst.edges.iter().map(|e| e.2.abs()).fold(1.0, f64::max) * (1.0 + inst.m as f64);
            proptest::prop_assert!((ours - theirs).abs() <= 1e-9 * scale, "{}: {} vs HiGHS {}", label, ours, theirs);
        }
    }

    /// A master whose hard rows cannot be met, found by `warm_masters_match_highs`: HiGHS's
    /// dual simplex ends with status Unknown on its phase-2 LP, and the oracle must still
    /// give HiGHS's answer (infeasible, through the primal simplex) and its phase-1 optimum.
    #[test]
    fn highs_reports_a_degenerate_infeasible_master() {
        let shape = Shape { n: 81, m: 20, r: 17, rankings: 7, extra: 782, degenerate: true, tight: true };
        let inst = generate(shape, 8879567822761551254);
        assert!(highs_run(&inst, false, None).is_err_and(|e| !matches!(e, ResolutionError::Infeasible)));
        let mut master = EdgeMaster::default();
        master.reset(inst.n, inst.m, inst.rows.iter().copied());
        load(&mut master, &inst, 0..inst.edges.len());
        assert_eq!(solve(&mut master), Ok(Phase::Feasibility));
        let ours = check(&master, &inst, Phase::Feasibility, "degenerate infeasible");
        assert_eq!(highs_optimum(&inst, false), None);
        let theirs = highs_optimum(&inst, true).expect("phase 1 is always feasible");
        assert!((ours - theirs).abs() <= 1e-9 * (1.0 + ours.abs()), "{ours} vs HiGHS {theirs}");
    }

    /// Once reserved for a size, solving within it grows no buffer.
    #[test]
    fn reserve_covers_a_solve() {
        let inst = generate(
            Shape { n: 80, m: 20, r: 12, rankings: 4, extra: 300, degenerate: false, tight: false },
            3,
        );
        let mut master = EdgeMaster::default();
        master.reserve(inst.n, inst.m, inst.rows.len(), inst.edges.len());
        let capacities = |m: &EdgeMaster| {
            [
                m.rhs.capacity(),
                m.edge_node.capacity(),
                m.item_node.capacity(),
                m.node_item.capacity(),
                m.combined.capacity(),
                m.combined_stamp.capacity(),
                m.nz_start.capacity(),
                m.nz_row.capacity(),
                m.rhs.capacity(),
                m.penalty.capacity(),
                m.row_scale.capacity(),
                m.edge_item.capacity(),
                m.edge_slot.capacity(),
                m.edge_data.capacity(),
                m.status.capacity(),
                m.value.capacity(),
                m.parent.capacity(),
                m.parent_arc.capacity(),
                m.dir.capacity(),
                m.depth.capacity(),
                m.first_child.capacity(),
                m.next_sibling.capacity(),
                m.prev_sibling.capacity(),
                m.pot.capacity(),
                m.side.capacity(),
                m.winv.capacity(),
                m.lambda.capacity(),
                m.h.capacity(),
                m.y_side.capacity(),
                m.y_tree.capacity(),
                m.touched.capacity(),
                m.stack.capacity(),
                m.order.capacity(),
                m.flow.capacity(),
                m.aug.capacity(),
                m.side_d0.capacity(),
                m.candidates.capacity(),
                m.candidate_value.capacity(),
                m.edge_value.capacity(),
                m.old_lambda.capacity(),
                m.alpha.capacity(),
                m.beta.capacity(),
            ]
        };
        let before = capacities(&master);
        master.reset(inst.n, inst.m, inst.rows.iter().copied());
        load(&mut master, &inst, 0..inst.edges.len());
        solve(&mut master).unwrap();
        assert!(master.pivots > 0);
        assert_eq!(before, capacities(&master));
    }
}
