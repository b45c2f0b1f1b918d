//! Edge generation: the outer loop solves the slate LP restricted to a growing set `E` of
//! (item, slot) edges, and the exact inner assignment says which edges to add.
//!
//! ```text
//!   master(E):  max Σ_{e∈E} c_e x_e − Σ_r ρ_r e_r
//!               s.t. Σ_t x_tj = 1 (β_j),  Σ_j x_tj ≤ 1 (α_t ≥ 0),  R x + s − e = b (λ ≥ 0)
//!   oracle(λ):  g(λ) = Σ_r λ_r b_r + max_σ Σ_j c_λ(σ(j), j),   c_λ(t, j) = c_tj − Σ_r λ_r R_r,tj
//! ```
//!
//! The master's optimum `obj_E` is a feasible value of the full LP (a lower bound) and
//! `g(λ)` an upper bound for any `λ ≥ 0` (weak duality). At the master's duals `λ_E` the
//! loop stops when `g(λ_E) − obj_E` is within the gap: `(α, β, λ_E)` from the oracle is
//! then the certificate. Otherwise some edge of the oracle's ranking `σ` is not in `E` (if
//! all were, the master's duals would price `σ` at most `obj_E`), so every open round adds
//! at least one edge and the loop is finite. The master recombines the edges of different
//! rankings; a master over whole rankings cannot, which is why it needs several times
//! more oracle calls (docs/design.md §2.12).
//!
//! The master starts from a ranking built slot by slot to keep the rules
//! (`start_ranking.rs`), not from the sorted ranking of the first oracle call, which breaks
//! most of them: its edges alone are the first `E`, and the sorted ranking gives only the
//! first bound `g(0)`.
//!
//! Only `σ`'s own edges are added. Adding as well the edges of `σ`'s items (and of the
//! best item left out) that are tight under the oracle's duals (`c_λ(t, j) = α_t + β_j`)
//! within one slot of where `σ` put them saved one or two oracle calls per solve but cost
//! more master pivots than that saved: `cargo bench --bench grid`, three interleaved runs
//! each, median p50s without/with those edges 0.80–0.97 on every cell with top(d) rules
//! but 200×20 real (1.07), with medians of 10–13 inner solves at K = 10 instead of 8–11
//! (callgrind over seeds 1–4 of the five families at 1000×50 K=10: 916.7 M instructions
//! against 962.3 M, and 1,019.3 M with a window of two slots; the best left-out item's
//! edge alone changed nothing: 10,116 pivots against 10,117).
//!
//! Phase 1 is the same loop without scores and with only the hard rows' elastic
//! violations priced: it ends with a flow meeting the hard rules, or with duals `λ` whose
//! `g(λ) < 0` proves that no lottery can (the ray of F8).

use std::ffi::CStr;

use super::edge_master::{EdgeMaster, EdgeTrouble};
use super::lottery::build_lottery;
use super::master::Phase;
use super::model::Model;
use super::oracle::Oracle;
use super::pricing::count_inner;
use super::tuning::{EDGES_PER_NODE, MAX_STALLS};
use super::working_set::confirm_working_set;
use super::workspace::{reserve, reset, Workspace};
use super::{check_termination, LoopState, Settings, Solver, Verdict};
use crate::solution::{relative_gap, Stats, Status};

/// [`Status::IterationLimit`] when the edge pool is full.
const POOL_FULL: &CStr =
    c"the edge master holds as many edges as its pool allows (EDGES_PER_NODE per slot and rule row)";
/// [`Status::NumericalTrouble`] when rounding keeps the loop from closing the gap.
const STALLED: &CStr =
    c"rounding kept the gap open: the inner ranking added no edge to the edge master in 4 solves running";

impl Solver {
    /// Edge generation, from the unconstrained best ranking's edges to a certified flow,
    /// then the lottery from the flow (`lottery.rs`).
    pub(super) fn run_edges(&mut self, state: &mut LoopState, stats: &mut Stats) -> Status {
        let settings = self.settings;
        let ws = &mut self.ws;
        let (m, kept) = (ws.model.m, ws.model.kept_len());
        let penalties = ws.rows.iter().map(|&(r, _)| ws.model.rules[r].penalty);
        ws.edge_master.reset(kept, m, ws.row_rhs.iter().copied().zip(penalties));
        ws.edge_set.clear(kept, m, ws.rows.len());
        state.phase =
            if ws.model.rules.iter().any(|r| r.is_hard()) { Phase::Feasibility } else { Phase::Optimality };
        // The first basis: a ranking built to keep the rules (`start_ranking.rs`).
        ws.start_ranking.build(&ws.model, &ws.working);
        for (j, &t) in ws.start_ranking.ranking.iter().enumerate() {
            if let Err(trouble) = ws.edge_set.add(&ws.model, &ws.rows, &mut ws.edge_master, t, j) {
                state.message = Some(trouble.message());
                return trouble.status();
            }
        }
        // The unconstrained best ranking gives g(0), the first bound. Its edges are not
        // added: it breaks most rules, and the master did better without them (module doc).
        let first = ws.oracle.solve(&ws.model, &ws.working, &ws.y, true, false);
        count_inner(stats, first);
        state.best_bound = first.value;
        let mut status = loop {
            if let Verdict::Stop(status) = check_termination(&settings, stats, state.start) {
                break status;
            }
            stats.iterations += 1;
            if let Err(trouble) = ws.edge_master.optimize(state.phase, settings.max_master_pivots) {
                state.message = Some(trouble.message());
                break trouble.status();
            }
            let verdict = match state.phase {
                Phase::Feasibility => feasibility_step(ws, state, stats),
                Phase::Optimality => optimality_step(ws, &settings, state, stats),
            };
            if let Verdict::Stop(status) = verdict {
                break status;
            }
        };
        stats.edges = ws.edge_set.len();
        // A flow that meets the hard rules (phase 2 reached, whatever stopped the loop: the
        // primal simplex keeps its flow feasible even when it stops early) becomes the
        // lottery, as in the ranking loop; `finish`'s trust check still vets it. The first
        // reason the solve stopped stays its message.
        if status != Status::Infeasible && state.phase == Phase::Optimality {
            match build_lottery(ws, &settings, state.hard_tol) {
                Ok(()) => ws.has_lottery = true,
                Err((trouble, message)) => {
                    // A loop that had already stopped short keeps its status and message.
                    if status == Status::Optimal {
                        status = trouble;
                    }
                    state.message.get_or_insert(message);
                }
            }
        }
        stats.master_pivots = ws.edge_master.pivots + ws.master.pivots;
        status
    }
}

/// Adds the oracle's edges to the master (see [`EdgeSet::grow`]). A call that adds none
/// while the gap is open can only be rounding: after [`MAX_STALLS`] in a row the loop
/// stops with the certified gap it has.
fn grow(ws: &mut Workspace, state: &mut LoopState) -> Verdict {
    match ws.edge_set.grow(&ws.model, &ws.rows, &mut ws.edge_master, &ws.oracle) {
        Err(trouble) => {
            state.message = Some(trouble.message());
            Verdict::Stop(trouble.status())
        }
        Ok(0) => {
            state.stalls += 1;
            if state.stalls > MAX_STALLS {
                state.message = Some(STALLED);
                return Verdict::Stop(Status::NumericalTrouble);
            }
            Verdict::Continue
        }
        Ok(_) => {
            state.stalls = 0;
            Verdict::Continue
        }
    }
}

/// Phase 1: once the master's flow meets the hard rules, move on; otherwise price the
/// master's duals without scores, stop if `g` there proves infeasibility (docs/design.md
/// F8), else add edges.
fn feasibility_step(ws: &mut Workspace, state: &mut LoopState, stats: &mut Stats) -> Verdict {
    stats.phase1_iterations += 1;
    if ws.edge_master.meets_hard_rows() {
        state.phase = Phase::Optimality;
        return Verdict::Continue;
    }
    rule_duals(
        &ws.model,
        &ws.rows,
        ws.edge_master.row_duals(),
        Phase::Feasibility,
        &mut ws.lambda,
        &mut ws.y,
    );
    // No duals: the working set's check and the ray's certificate solve again with them.
    let inner = ws.oracle.solve(&ws.model, &ws.working, &ws.y, false, false);
    count_inner(stats, inner);
    let bound: f64 = ws.model.rules.iter().zip(&ws.y).map(|(r, &y)| r.priced_bound(y)).sum();
    // What the rules' tolerances could explain: the ray proves infeasibility only beyond
    // it (the same test `verify` applies to the ray).
    let tolerated: f64 = ws.model.rules.iter().zip(&ws.y).map(|(r, &y)| y.abs() * r.tol).sum();
    if bound + inner.value < -tolerated.max(state.hard_tol) {
        ws.check_y.clone_from(&ws.y);
        if confirm_working_set(ws, false, stats, None) {
            ws.best_y.copy_from_slice(&ws.y);
            return Verdict::Stop(Status::Infeasible);
        }
        // The check grew the working set and left the full ranking: its edges are added.
    }
    grow(ws, state)
}

/// Phase 2: evaluate `g` at the master's duals; stop when the best bound meets the
/// master's objective (after the working-set check), else add the oracle's edges.
fn optimality_step(
    ws: &mut Workspace,
    settings: &Settings,
    state: &mut LoopState,
    stats: &mut Stats,
) -> Verdict {
    rule_duals(&ws.model, &ws.rows, ws.edge_master.row_duals(), Phase::Optimality, &mut ws.lambda, &mut ws.y);
    let objective = ws.edge_master.objective(Phase::Optimality);
    // With duals: when this call closes the gap over every kept item, the certificate
    // reuses them (`Oracle::holds_full_solve`) instead of solving again.
    let inner = ws.oracle.solve(&ws.model, &ws.working, &ws.y, true, true);
    count_inner(stats, inner);
    let g = ws.model.rules.iter().zip(&ws.y).map(|(r, &y)| r.priced_bound(y)).sum::<f64>() + inner.value;
    if g < state.best_bound {
        state.best_bound = g;
        ws.best_y.copy_from_slice(&ws.y);
    }
    if relative_gap(objective, state.best_bound, ws.model.scale) <= settings.relative_gap {
        ws.check_y.clone_from(&ws.best_y);
        if confirm_working_set(ws, true, stats, Some(&mut state.best_bound)) {
            return Verdict::Stop(Status::Optimal);
        }
        // The check grew the working set and left the full ranking: its edges are added.
    }
    grow(ws, state)
}

/// The edges generated so far, in the order the master numbers them.
#[derive(Clone, Debug, Default)]
pub(crate) struct EdgeSet {
    /// `(kept item, slot)` of each edge.
    pub(crate) edges: Vec<(usize, usize)>,
    /// Membership bits, item-major (`kept × m`).
    bits: Vec<u64>,
    slots: usize,
    /// One edge's row coefficients (scratch).
    coefficients: Vec<f64>,
    /// The most edges this solve may generate ([`EdgeSet::capacity`]).
    capacity: usize,
}

/// Why edges could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GrowTrouble {
    Master(EdgeTrouble),
    /// The pool holds [`EdgeSet::capacity`] edges.
    Full,
}

impl GrowTrouble {
    fn status(self) -> Status {
        match self {
            GrowTrouble::Master(trouble) => trouble.status(),
            GrowTrouble::Full => Status::IterationLimit,
        }
    }

    fn message(self) -> &'static CStr {
        match self {
            GrowTrouble::Master(trouble) => trouble.message(),
            GrowTrouble::Full => POOL_FULL,
        }
    }
}

impl EdgeSet {
    /// The most edges a solve of `kept` items, `slots` slots and `rows` rule rows may
    /// generate: every (item, slot) pair, or [`EDGES_PER_NODE`] per slot and rule row.
    pub(crate) fn capacity(kept: usize, slots: usize, rows: usize) -> usize {
        kept.saturating_mul(slots)
            .min(EDGES_PER_NODE.saturating_mul(slots.saturating_add(rows).saturating_add(1)))
    }

    /// The bytes [`EdgeSet::reserve`] reserves (see `memory.rs`).
    pub(crate) fn reserved_bytes(kept: usize, slots: usize, rows: usize, edges: usize) -> usize {
        edges
            .saturating_mul(std::mem::size_of::<(usize, usize)>())
            .saturating_add(kept.saturating_mul(slots).div_ceil(64).saturating_mul(8))
            .saturating_add(rows.saturating_mul(8))
    }

    pub(crate) fn reserve(&mut self, kept: usize, slots: usize, rows: usize, edges: usize) {
        reserve(&mut self.edges, edges);
        reserve(&mut self.bits, (kept * slots).div_ceil(64));
        reserve(&mut self.coefficients, rows);
    }

    /// Empties the set for `kept` items and `slots` slots.
    pub(crate) fn clear(&mut self, kept: usize, slots: usize, rows: usize) {
        self.edges.clear();
        self.capacity = Self::capacity(kept, slots, rows);
        reset(&mut self.bits, (kept * slots).div_ceil(64), 0);
        self.slots = slots;
    }

    pub(crate) fn len(&self) -> usize {
        self.edges.len()
    }

    fn contains(&self, t: usize, j: usize) -> bool {
        let bit = t * self.slots + j;
        self.bits[bit / 64] >> (bit % 64) & 1 == 1
    }

    /// Adds edge `(t, j)` to the set and the master (value `s_t w_j`, row coefficients
    /// `sign · a_kt · v_kj`); `false` when it was there already.
    pub(crate) fn add(
        &mut self,
        model: &Model,
        rows: &[(usize, f64)],
        master: &mut EdgeMaster,
        t: usize,
        j: usize,
    ) -> Result<bool, GrowTrouble> {
        if self.contains(t, j) {
            return Ok(false);
        }
        if self.edges.len() >= self.capacity {
            return Err(GrowTrouble::Full);
        }
        let bit = t * self.slots + j;
        self.bits[bit / 64] |= 1 << (bit % 64);
        self.edges.push((t, j));
        self.coefficients.clear();
        for &(k, sign) in rows {
            let rule = &model.rules[k];
            let profile = match rule.depth {
                None => model.w[j],
                Some(d) => f64::from(u8::from(j < d)),
            };
            self.coefficients.push(sign * model.rule_coef(k)[t] * profile);
        }
        master
            .add_edge(t, j, model.scores[t] * model.w[j], &self.coefficients)
            .map_err(GrowTrouble::Master)?;
        Ok(true)
    }

    /// Adds the oracle's ranking's edges. Returns how many were new.
    pub(crate) fn grow(
        &mut self,
        model: &Model,
        rows: &[(usize, f64)],
        master: &mut EdgeMaster,
        oracle: &Oracle,
    ) -> Result<usize, GrowTrouble> {
        let before = self.len();
        for (j, &t) in oracle.ranking.iter().enumerate() {
            self.add(model, rows, master, t, j)?;
        }
        Ok(self.len() - before)
    }
}

/// Signed rule duals `y_k = λ_max − λ_min` (into `y`) and row duals (into `lambda`) from
/// the edge master, clamped to the dual domain of `phase` so that `g` is a valid bound
/// whatever the rounding.
pub(crate) fn rule_duals(
    model: &Model,
    rows: &[(usize, f64)],
    row_duals: &[f64],
    phase: Phase,
    lambda: &mut Vec<f64>,
    y: &mut [f64],
) {
    y.fill(0.0);
    lambda.clear();
    for (&(r, sign), &l) in rows.iter().zip(row_duals) {
        let rule = &model.rules[r];
        let cap = match phase {
            Phase::Feasibility if rule.is_hard() => 1.0,
            Phase::Feasibility => 0.0,
            Phase::Optimality => rule.penalty,
        };
        let l = if l.is_finite() { l.clamp(0.0, cap) } else { 0.0 };
        lambda.push(l);
        y[r] += sign * l;
    }
}
