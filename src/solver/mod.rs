//! The exact slate-LP solver: a Lagrangian dual method over the rule rows (docs/design.md F1)
//! with an exact inner ranking oracle, and a master LP that makes it exact.
//!
//! ```text
//!   g(y) = Σ_k y_k b_k(y_k) + max_σ Σ_j c_y(σ(j), j)          (oracle: sort or assignment)
//!   LP optimum = min_y g(y)                                    (assignment polytope is integral)
//! ```
//!
//! Each iteration solves a master, reads its rule duals `y`, and asks the oracle for the
//! best ranking at `y`. `g(y)` is an upper bound, the master's objective a feasible lower
//! bound; the loop stops when they meet within `Settings::relative_gap`. Phase 1 does the
//! same without scores to meet the hard rules, or finds a ray `y` with `g < 0` (F8).
//!
//! Two masters, by what the rules ask (`run`):
//! - **Edge generation** when some rule counts leading slots (docs/design.md §2.12): the
//!   master is the slate LP itself over the (item, slot) edges generated so far, solved by
//!   a network simplex with side rows; each oracle ranking adds its edges. The master
//!   recombines pieces of different rankings, so it closes in about ten oracle calls where
//!   a master over whole rankings needed 50–100. Its flow is split into rankings and the
//!   lottery is a basic solution over them.
//! - **The ranking loop** when every rule weighs exposure (the oracle is a sort, far
//!   cheaper than a master pivot): the master is the best lottery over the rankings found
//!   so far, priced at smoothed duals with a capped line search (F4, F5).
//!
//! The method, step by step, and the file of each:
//!
//! | step | file |
//! |---|---|
//! | the problem in solver form; static screening (F7) | `model.rs`, `screen.rs` |
//! | every buffer, sized once; the peak-memory cap | `workspace.rs`, `memory.rs` |
//! | the inner ranking: sort (F2), assignment over patterns or candidates (F3) | `oracle*.rs`, `assignment.rs`, `relax.rs` |
//! | edge generation: the edge set, its growth, both phases | `edge_generation.rs` |
//! | the edge master's first basis: a ranking built to keep the rules | `start_ranking.rs` |
//! | the edge master: network simplex with side rows | `edge_master.rs` |
//! | the flow split into rankings (Birkhoff–von Neumann) | `flow_lottery.rs` |
//! | the master LP over ranking columns (F5): the final lottery, and the ranking loop | `master.rs` |
//! | the ranking loop's pricing: duals, `g` at a point, columns | `pricing.rs` |
//! | the ranking loop's phase 1 (F8) and phase 2: smoothing, the capped line search (F4) | `feasibility.rs`, `optimality.rs`, `line_search.rs` |
//! | dynamic screening: the working set and its check (F7) | `working_set.rs` |
//! | the best `k` items of a stream (a bounded heap; the working set and the candidates) | `best_items.rs` |
//! | the answer: lottery, rule outcomes, certificate, trust check (F6) | `lottery.rs`, `certificate.rs` |
//! | every tuning constant and the measurement behind it | `tuning.rs` |
//!
//! Limits are checked in one place, `check_termination`.

mod assignment;
mod best_items;
pub(crate) mod certificate;
mod coefficients;
mod dense;
mod edge_generation;
// Public (hidden) only so that `benches/edge_master.rs` can drive it.
#[doc(hidden)]
pub mod edge_master;
mod feasibility;
mod flow_lottery;
#[cfg(test)]
pub(crate) mod highs_retry;
mod line_search;
mod lottery;
mod master;
mod memory;
mod model;
mod optimality;
mod oracle;
mod oracle_assign;
mod oracle_patterns;
mod oracle_sort;
mod pricing;
mod relax;
mod screen;
mod settings;
mod start_ranking;
mod tuning;
mod working_set;
mod workspace;

use std::ffi::CStr;
use std::time::Instant;

use self::feasibility::feasibility_step;
use self::master::Phase;
use self::optimality::optimality_step;
use self::pricing::{add_column, count_inner};
use self::tuning::MAX_STALLS;
use self::working_set::init_working_set;
use self::workspace::reset;
use self::workspace::Workspace;
use crate::problem::{check_rule_count, Problem, ProblemError, Rule, Slots};
use crate::solution::{Solution, Stats, Status};
pub use memory::{memory_formula, peak_memory_bound};
pub use settings::{Settings, SettingsError, DEFAULT_MAX_MEMORY_BYTES};

/// [`Status::NumericalTrouble`] when rounding keeps the loop from closing the gap.
const STALLED: &CStr =
    c"rounding kept the gap open: the newest ranking did not enter the master in 4 solves running";

/// Solves slate LPs, reusing its buffers from one solve to the next. One per thread.
#[derive(Clone, Debug, Default)]
pub struct Solver {
    settings: Settings,
    ws: Workspace,
    solution: Solution,
}

/// What the loop decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Continue,
    Stop(Status),
}

impl Solver {
    /// A solver with these settings.
    pub fn new(settings: Settings) -> Result<Self, SettingsError> {
        settings.validate()?;
        Ok(Solver { settings, ..Solver::default() })
    }

    /// The solution of the last successful solve (a default, status-less one before any).
    pub fn last_solution(&self) -> &Solution {
        &self.solution
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Reserves every buffer for the largest problem this solver will be given, so that
    /// from now on no solve of a problem with at most `items` items, `slots` slots, as
    /// many rules and as many rule bounds as `rules` allocates (whatever screening keeps
    /// and whatever its rules' profiles). Without it the buffers grow to the work of the
    /// largest problem solved so far: the same guarantee once every kind of request has
    /// been seen. `Err(TooLarge)` when that worst case is over `Settings::max_memory_bytes`
    /// (nothing is reserved then); the rules' other fields are not read.
    pub fn reserve_for(
        &mut self,
        items: usize,
        slots: Slots<'_>,
        rules: &[Rule<'_>],
    ) -> Result<(), ProblemError> {
        check_rule_count(rules.len())?;
        let shape = memory::Shape { assignment: true, ..memory::Shape::new(items, slots, rules) };
        memory::check(&shape, memory::peak(&shape, shape.items), self.settings.max_memory_bytes)?;
        self.ws.model.reserve(shape.items, shape.slots, shape.rules);
        self.ws.model.reserve_kept(shape.items, shape.rules);
        self.ws.reserve(&shape, shape.items, &mut self.solution);
        Ok(())
    }

    /// `Err(TooLarge)` if a problem of `items` items, these slots and these rules could need
    /// more memory than `Settings::max_memory_bytes` even before screening: O(K), for
    /// callers (the ranker) that must refuse a request before sizing their own buffers.
    pub(crate) fn check_shape(
        &self,
        items: usize,
        slots: Slots<'_>,
        rules: &[Rule<'_>],
    ) -> Result<(), ProblemError> {
        check_rule_count(rules.len())?;
        let shape = memory::Shape::new(items, slots, rules);
        memory::check(&shape, memory::before_screening(&shape), self.settings.max_memory_bytes)
    }

    /// Solves `problem`. `Err` only for invalid input; infeasible rules and exhausted
    /// budgets are statuses of the returned [`Solution`], which lives until the next solve.
    pub fn solve(&mut self, problem: &Problem<'_>) -> Result<&Solution, ProblemError> {
        let start = Instant::now();
        let shape = memory::Shape::of(problem);
        let limit = self.settings.max_memory_bytes;
        // The shape's part before anything is sized; the kept items' part once screening
        // has counted them, before their buffers are sized.
        memory::check(&shape, memory::before_screening(&shape), limit)?;
        problem.validate_with(&mut self.ws.seen)?;
        self.ws.model.screen(problem);
        memory::check(&shape, memory::peak(&shape, self.ws.model.kept_len()), limit)?;
        self.ws.model.build_kept(problem, self.settings.feasibility_tolerance);
        self.ws.reserve(&shape, self.ws.model.kept_len(), &mut self.solution);
        self.ws.has_lottery = false;
        self.solution.message = None;
        let status = self.run(start);
        self.finish(status);
        Ok(&self.solution)
    }

    /// The solve after screening: the rule rows, then edge generation when some rule counts
    /// leading slots (the inner problem is an assignment), the ranking loop when every rule
    /// weighs exposure (the inner problem is a sort). Returns the final status and leaves
    /// the state in the workspace.
    fn run(&mut self, start: Instant) -> Status {
        let ws = &mut self.ws;
        let model = &ws.model;
        let k = model.rules.len();
        ws.rows.clear();
        for (r, rule) in model.rules.iter().enumerate() {
            if rule.max.is_some() {
                ws.rows.push((r, 1.0));
            }
            if rule.min.is_some() {
                ws.rows.push((r, -1.0));
            }
        }
        ws.row_rhs.clear();
        for &(r, sign) in &ws.rows {
            let rule = &model.rules[r];
            ws.row_rhs.push(sign * if sign > 0.0 { rule.max } else { rule.min }.unwrap_or(0.0));
        }
        let penalties = ws.rows.iter().map(|&(r, _)| model.rules[r].penalty);
        ws.master.reset(ws.row_rhs.iter().copied().zip(penalties));
        ws.column_values.clear();
        ws.column_rankings.clear();
        reset(&mut ws.values, k, 0.0);
        reset(&mut ws.y, k, 0.0);
        reset(&mut ws.best_y, k, 0.0);
        init_working_set(ws);
        ws.purges = 0;
        ws.oracle.forget_warm_start();
        let model = &ws.model;
        let mut state = LoopState {
            start,
            hard_tol: model.rules.iter().filter(|r| r.is_hard()).map(|r| r.tol).fold(f64::INFINITY, f64::min),
            optimality_tol: (1e-3 * self.settings.relative_gap * model.scale).max(1e-30),
            phase: Phase::Optimality,
            best_bound: f64::INFINITY,
            center_g: f64::INFINITY,
            have_center: false,
            stalls: 0,
            message: None,
        };
        let mut stats = Stats { screened_items: model.n - model.kept_len(), ..Stats::default() };
        let status = if model.rules.iter().any(|r| r.depth.is_some()) {
            self.run_edges(&mut state, &mut stats)
        } else {
            self.run_rankings(&mut state, &mut stats)
        };
        stats.dynamically_screened_items = self.ws.all_kept.len() - self.ws.working.len();
        self.solution.message = state.message;
        self.solution.stats = stats;
        status
    }

    /// The ranking loop (exposure rules only): a master over whole rankings, priced by
    /// sorts at smoothed duals with a capped line search.
    fn run_rankings(&mut self, state: &mut LoopState, stats: &mut Stats) -> Status {
        let settings = self.settings;
        let ws = &mut self.ws;
        // The unconstrained best ranking: the first column, and g(0) the first bound.
        let first = ws.oracle.solve(&ws.model, &ws.working, &ws.y, true, false);
        count_inner(stats, first);
        state.best_bound = first.value;
        add_column(ws);
        if let Err(trouble) = ws.master.start_from_first_column() {
            state.message = Some(trouble.message());
            return trouble.status();
        }
        state.phase = if ws.master.hard_violation() > 0.0 { Phase::Feasibility } else { Phase::Optimality };
        let status = loop {
            if let Verdict::Stop(status) = check_termination(&settings, stats, state.start) {
                break status;
            }
            stats.iterations += 1;
            let pivots_before = ws.master.pivots;
            let tol = if state.phase == Phase::Feasibility { 1e-12 } else { state.optimality_tol };
            if let Err(trouble) = ws.master.optimize(state.phase, tol, settings.max_master_pivots) {
                state.message = Some(trouble.message());
                break trouble.status();
            }
            if stats.iterations > 1 && ws.master.pivots == pivots_before {
                // The last column did not enter: rounding keeps the gap open. Give it a few
                // chances, then stop with the certified gap we have.
                state.stalls += 1;
                if state.stalls > MAX_STALLS {
                    state.message = Some(STALLED);
                    break Status::NumericalTrouble;
                }
            }
            let verdict = match state.phase {
                Phase::Feasibility => feasibility_step(ws, state, stats),
                Phase::Optimality => optimality_step(ws, &settings, state, stats),
            };
            if let Verdict::Stop(status) = verdict {
                break status;
            }
        };
        stats.master_pivots = ws.master.pivots;
        stats.column_purges = ws.purges;
        // A limit hit while still looking for a feasible lottery leaves none to offer.
        ws.has_lottery = status != Status::Infeasible && state.phase == Phase::Optimality;
        status
    }
}

/// What the loop carries from one iteration to the next.
pub(super) struct LoopState {
    pub(super) start: Instant,
    /// The smallest hard-rule tolerance: phase 1 is done when the master's total hard
    /// violation is below it, and a ray proves infeasibility when `g` drops below
    /// `−max(hard_tol, Σ_k |y_k| tol_k)`.
    pub(super) hard_tol: f64,
    /// Reduced cost below which the ranking master counts as optimal (far below the gap we
    /// certify).
    pub(super) optimality_tol: f64,
    pub(super) phase: Phase,
    /// The lowest `g(y)` found: a valid upper bound on the optimum.
    pub(super) best_bound: f64,
    /// The ranking loop's stabilisation center (row duals in `ws.center`) and `g` there.
    pub(super) center_g: f64,
    pub(super) have_center: bool,
    /// Master solves (ranking loop) or oracle calls (edge generation) in a row that made
    /// no progress: rounding, not the method, is keeping the gap open then.
    pub(super) stalls: u32,
    /// Why the loop stopped early, for `Solution::message`.
    pub(super) message: Option<&'static CStr>,
}

impl LoopState {
    pub(super) fn out_of_time(&self, settings: &Settings) -> bool {
        settings.time_limit.is_some_and(|limit| self.start.elapsed() >= limit)
    }
}

/// The one place that decides whether the loop may go on (besides convergence, which the
/// loop checks where the numbers are).
fn check_termination(settings: &Settings, stats: &Stats, start: Instant) -> Verdict {
    if stats.iterations >= settings.max_iterations {
        return Verdict::Stop(Status::IterationLimit);
    }
    if let Some(limit) = settings.time_limit {
        if start.elapsed() >= limit {
            return Verdict::Stop(Status::TimeLimit);
        }
    }
    Verdict::Continue
}
