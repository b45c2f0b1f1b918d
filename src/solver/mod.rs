//! The exact slate-LP solver: a Lagrangian dual method over the rule rows (docs/design.md F1)
//! with an exact inner ranking oracle and a cutting-plane master that makes it exact.
//!
//! ```text
//!   g(y) = Σ_k y_k b_k(y_k) + max_σ Σ_j c_y(σ(j), j)          (oracle: sort or assignment)
//!   LP optimum = min_y g(y)                                    (assignment polytope is integral)
//! ```
//!
//! Each iteration solves the master (the best lottery over the rankings found so far),
//! reads its duals `y`, and asks the oracle for the best ranking at `y`. `g(y)` is an upper
//! bound, the master's lottery a feasible lower bound; the loop stops when they meet within
//! `Settings::relative_gap`, or adds the ranking as a new column (it has positive reduced
//! cost whenever the gap is open). Phase 1 does the same without scores to find a lottery
//! meeting the hard rules, or a ray `y` with `g` unbounded below along it (F8).
//!
//! Each iteration is one `feasibility_step` or `optimality_step`; limits are checked in
//! one place, `check_termination`.

/// Lottery weights below this are dropped as floating-point residue (see `finish`).
const MIN_LOTTERY_WEIGHT: f64 = 1e-12;

/// Master solves in a row in which the newest column did not enter before the loop gives
/// up: rounding, not the method, is keeping the gap open then. (Each stall re-prices at
/// the same duals; more than a few never closed the gap on the fuzz corpus.)
const MAX_STALLS: u32 = 3;

/// [`Status::NumericalTrouble`] messages (see [`Solution::message`]).
const STALLED: &CStr =
    c"rounding kept the gap open: the newest ranking did not enter the master in 4 solves running";
const GAP_REOPENED: &CStr = c"the certificate computed at the end does not close the gap the loop stopped on";
const RULE_BROKEN: &CStr = c"the lottery breaks a hard rule beyond its tolerance (rounding at this scale cannot represent the probabilities the rule needs)";
const BOUND_BELOW_OBJECTIVE: &CStr =
    c"the certified bound is below the lottery's objective, so one of them is wrong by rounding";

/// The last check before an answer is trusted: every hard rule holds within its tolerance
/// (`feasibility_tolerance · max(1, |bound|)`, relative to the rule's own bound) and the
/// bound is not below the objective (beyond the rounding of `relative_gap`'s scale).
/// Returns what is wrong, if anything.
fn trust_check(model: &model::Model, sol: &Solution) -> Option<&'static CStr> {
    let broken =
        model.rules.iter().zip(&sol.rules).any(|(rule, out)| rule.is_hard() && !(out.violation <= rule.tol));
    if broken {
        return Some(RULE_BROKEN);
    }
    let slack = 1e-9 * sol.objective.abs().max(model.scale).max(f64::MIN_POSITIVE);
    if sol.bound.is_nan() || sol.objective.is_nan() || sol.bound < sol.objective - slack {
        return Some(BOUND_BELOW_OBJECTIVE);
    }
    None
}

/// Whether the master's lottery without its residue weights (below [`MIN_LOTTERY_WEIGHT`],
/// the rest renormalised) still meets every hard rule within its tolerance. `values` is
/// scratch.
fn residue_free_lottery_is_feasible(
    master: &master::Master,
    column_values: &[f64],
    model: &model::Model,
    values: &mut Vec<f64>,
) -> bool {
    let k = model.rules.len();
    let weight = |x: f64| if x >= MIN_LOTTERY_WEIGHT { x } else { 0.0 };
    let total: f64 = master.weights().map(|(_, x)| weight(x)).sum();
    if total <= 0.0 {
        return false;
    }
    values.clear();
    values.resize(k, 0.0);
    for (t, x) in master.weights() {
        let p = weight(x) / total;
        for (v, &c) in values.iter_mut().zip(&column_values[t * k..(t + 1) * k]) {
            *v += p * c;
        }
    }
    model
        .rules
        .iter()
        .zip(values.iter())
        .all(|(rule, &value)| !rule.is_hard() || rule.violation(value) <= rule.tol)
}

mod assignment;
pub(crate) mod certificate;
mod dual;
mod master;
mod memory;
mod model;
mod oracle;
mod oracle_assign;
mod oracle_patterns;
mod oracle_sort;
mod screen;
mod settings;
mod tuning;
mod workspace;

use std::ffi::CStr;
use std::time::Instant;

use self::master::Phase;
use self::workspace::Workspace;
use crate::problem::{check_rule_count, Problem, ProblemError, Rule, Slots};
use crate::solution::{relative_gap, RuleOutcome, Solution, Stats, Status};
pub use memory::{memory_formula, peak_memory_bound};
pub use settings::{Settings, SettingsError, DEFAULT_MAX_MEMORY_BYTES};

/// Solves slate LPs, reusing its buffers from one solve to the next. One per thread.
#[derive(Clone, Debug, Default)]
pub struct Solver {
    settings: Settings,
    ws: Workspace,
    solution: Solution,
}

/// What the loop decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
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

    /// The dual loop; returns the final status and leaves the state in the workspace.
    fn run(&mut self, start: Instant) -> Status {
        let settings = self.settings;
        let ws = &mut self.ws;
        let model = &ws.model;
        let k = model.rules.len();
        let mut stats = Stats { screened_items: model.n - model.kept_len(), ..Stats::default() };

        ws.rows.clear();
        for (r, rule) in model.rules.iter().enumerate() {
            if rule.max.is_some() {
                ws.rows.push((r, 1.0));
            }
            if rule.min.is_some() {
                ws.rows.push((r, -1.0));
            }
        }
        let rows = &ws.rows;
        ws.master.reset(rows.iter().map(|&(r, sign)| {
            let rule = &model.rules[r];
            let bound = if sign > 0.0 { rule.max } else { rule.min };
            (sign * bound.unwrap_or(0.0), rule.penalty)
        }));
        ws.column_values.clear();
        ws.column_rankings.clear();
        ws.values.clear();
        ws.values.resize(k, 0.0);
        ws.y.clear();
        ws.y.resize(k, 0.0);
        ws.best_y.clear();
        ws.best_y.resize(k, 0.0);
        init_working_set(ws);
        ws.purges = 0;
        ws.oracle.forget_warm_start();

        // The unconstrained best ranking: the first column, and g(0) the first bound.
        let first = ws.oracle.solve(&ws.model, &ws.working, &ws.y, true, false);
        stats.inner_solves += 1;
        let best_bound = first.value;
        add_column(ws);
        let ws = &mut self.ws;
        let model = &ws.model;
        if let Err(trouble) = ws.master.start_from_first_column() {
            self.solution.stats = stats;
            return self.stop_on(trouble);
        }
        let mut state = LoopState {
            start,
            hard_tol: model.rules.iter().filter(|r| r.is_hard()).map(|r| r.tol).fold(f64::INFINITY, f64::min),
            optimality_tol: (1e-3 * settings.relative_gap * model.scale).max(1e-30),
            phase: if ws.master.hard_violation() > 0.0 { Phase::Feasibility } else { Phase::Optimality },
            best_bound,
            center_g: f64::INFINITY,
            have_center: false,
        };
        ws.row_rhs.clear();
        for &(r, sign) in &ws.rows {
            let rule = &ws.model.rules[r];
            ws.row_rhs.push(sign * if sign > 0.0 { rule.max } else { rule.min }.unwrap_or(0.0));
        }

        let mut stalls = 0;
        let status = loop {
            if let Verdict::Stop(status) = check_termination(&settings, &stats, start) {
                break status;
            }
            stats.iterations += 1;
            let pivots_before = ws.master.pivots;
            let tol = if state.phase == Phase::Feasibility { 1e-12 } else { state.optimality_tol };
            if let Err(trouble) = ws.master.optimize(state.phase, tol, settings.max_master_pivots) {
                self.solution.message = Some(trouble.message());
                break trouble.status();
            }
            if stats.iterations > 1 && ws.master.pivots == pivots_before {
                // The last column did not enter: rounding keeps the gap open. Give it a few
                // chances, then stop with the certified gap we have.
                stalls += 1;
                if stalls > MAX_STALLS {
                    self.solution.message = Some(STALLED);
                    break Status::NumericalTrouble;
                }
            }
            let verdict = match state.phase {
                Phase::Feasibility => feasibility_step(ws, &mut state, &mut stats),
                Phase::Optimality => optimality_step(ws, &settings, &mut state, &mut stats),
            };
            if let Verdict::Stop(status) = verdict {
                break status;
            }
        };
        stats.master_pivots = self.ws.master.pivots;
        stats.column_purges = self.ws.purges;
        stats.dynamically_screened_items = self.ws.all_kept.len() - self.ws.working.len();
        self.solution.stats = stats;
        // A limit hit while still looking for a feasible lottery leaves none to offer.
        self.ws.has_lottery = status != Status::Infeasible && state.phase == Phase::Optimality;
        status
    }

    /// Writes the solution for `status` from the workspace.
    fn finish(&mut self, status: Status) {
        let ws = &mut self.ws;
        let model = &ws.model;
        let sol = &mut self.solution;
        let k = model.rules.len();
        let m = model.m;
        sol.slate_len = m;
        sol.scale = model.scale;
        sol.probabilities.clear();
        sol.rankings.clear();
        sol.rules.clear();
        sol.rules.resize(k, RuleOutcome::default());
        sol.infeasibility_ray.clear();
        sol.status = status;
        sol.objective = f64::NAN;
        sol.bound = f64::NAN;

        if status == Status::Infeasible {
            sol.infeasibility_ray.extend_from_slice(&ws.best_y);
            return;
        }
        if !ws.has_lottery {
            return;
        }
        if let Err(trouble) = ws.master.polish() {
            sol.status = trouble.status();
            sol.message = Some(trouble.message());
            return;
        }
        // A basic column of the master may sit at a weight of a few ulps (a degenerate
        // basis): residue of floating point, not a ranking anyone should serve. Weights
        // below `MIN_LOTTERY_WEIGHT` are dropped and the rest renormalised — unless that
        // would take a hard rule past its tolerance (huge coefficients), then all stay.
        let feasible = residue_free_lottery_is_feasible(&ws.master, &ws.column_values, model, &mut ws.values);
        let floor = if feasible { MIN_LOTTERY_WEIGHT } else { 0.0 };
        let kept_weight = |x: f64| if x >= floor { x.max(0.0) } else { 0.0 };
        let total: f64 = ws.master.weights().map(|(_, x)| kept_weight(x)).sum();
        ws.values.clear();
        ws.values.resize(k, 0.0);
        let mut score = 0.0;
        for (t, x) in ws.master.weights() {
            let p = kept_weight(x) / total;
            if p <= 0.0 {
                continue;
            }
            sol.probabilities.push(p);
            sol.rankings.extend(ws.column_rankings[t * m..(t + 1) * m].iter().map(|&c| model.kept[c]));
            score += p * model.ranking_score(&ws.column_rankings[t * m..(t + 1) * m]);
            for (v, &c) in ws.values.iter_mut().zip(&ws.column_values[t * k..(t + 1) * k]) {
                *v += p * c;
            }
        }
        let mut penalty = 0.0;
        for (r, (out, &value)) in sol.rules.iter_mut().zip(&ws.values).enumerate() {
            let rule = &model.rules[r];
            out.value = value;
            out.violation = rule.violation(value);
            out.dual = ws.best_y[r];
            if !rule.is_hard() {
                penalty += rule.penalty * out.violation;
            }
        }
        sol.objective = score - penalty;

        let inner = ws.oracle.solve(model, &ws.all_kept, &ws.best_y, true, true);
        count_inner(&mut sol.stats, inner);
        sol.bound = certificate::build(model, &ws.oracle, &ws.best_y, &mut sol.certificate);
        if let Some(message) = trust_check(model, sol) {
            sol.status = Status::NumericalTrouble;
            sol.message = Some(message);
        } else if status == Status::Optimal && sol.relative_gap() > self.settings.relative_gap * (1.0 + 1e-6)
        {
            sol.status = Status::NumericalTrouble;
            sol.message = Some(GAP_REOPENED);
        }
    }

    /// Ends a solve on master trouble before the loop starts: the status and message it
    /// maps to, recorded in the solution.
    fn stop_on(&mut self, trouble: master::MasterTrouble) -> Status {
        self.solution.message = Some(trouble.message());
        trouble.status()
    }
}

/// What the dual loop carries from one iteration to the next.
struct LoopState {
    start: Instant,
    /// The smallest hard-rule tolerance: phase 1 is done when the master's total hard
    /// violation is below it, and a ray proves infeasibility when `g` drops below
    /// `−max(hard_tol, Σ_k |y_k| tol_k)`.
    hard_tol: f64,
    /// Reduced cost below which the master counts as optimal (far below the gap we certify).
    optimality_tol: f64,
    phase: Phase,
    /// The lowest `g(y)` found: a valid upper bound on the optimum.
    best_bound: f64,
    /// Stabilisation center (row duals in `ws.center`) and `g` there.
    center_g: f64,
    have_center: bool,
}

impl LoopState {
    fn out_of_time(&self, settings: &Settings) -> bool {
        settings.time_limit.is_some_and(|limit| self.start.elapsed() >= limit)
    }
}

/// Phase 1: once the master meets the hard rules, move on; otherwise price a ranking
/// without scores, and stop if `g` along the master's duals proves infeasibility.
fn feasibility_step(ws: &mut Workspace, state: &mut LoopState, stats: &mut Stats) -> Verdict {
    stats.phase1_iterations += 1;
    if ws.master.hard_violation() <= state.hard_tol {
        state.phase = Phase::Optimality;
        return Verdict::Continue;
    }
    rule_duals(ws, Phase::Feasibility);
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
    }
    add_column(ws);
    Verdict::Continue
}

/// Phase 2: stop when the bound meets the master's objective (after the working-set
/// check); otherwise price at the smoothed point, falling back to the master's duals with
/// a capped line search from the center when the smoothed point finds nothing.
fn optimality_step(
    ws: &mut Workspace,
    settings: &Settings,
    state: &mut LoopState,
    stats: &mut Stats,
) -> Verdict {
    rule_duals(ws, Phase::Optimality);
    let theta = ws.master.duals().1;
    let objective = ws.master.objective(Phase::Optimality);
    if let Some(verdict) = converged(ws, settings, state, stats, objective) {
        return verdict;
    }
    let lambda = std::mem::take(&mut ws.lambda);
    let neighbors = settings.neighbor_columns_per_row * ws.rows.len();
    let mut priced = false;
    if state.have_center && settings.smoothing > 0.0 {
        // Wentges smoothing: price at a point between the center and the master's duals.
        let mut trial = std::mem::take(&mut ws.trial);
        trial.clear();
        trial.extend(ws.center.iter().zip(&lambda).map(|(c, l)| c + (1.0 - settings.smoothing) * (l - c)));
        let value = evaluate(ws, &trial, stats, &mut state.best_bound);
        let score = ws.model.ranking_score(&ws.oracle.ranking);
        let reduced = score - ws.row_values.iter().zip(&lambda).map(|(v, l)| v * l).sum::<f64>() - theta;
        if value < state.center_g {
            // The center moves to the trial point: its row values (the slope of `g` there,
            // which the next line search starts from) move with it.
            state.center_g = value;
            ws.center.copy_from_slice(&trial);
            ws.center_row_values.clear();
            ws.center_row_values.extend_from_slice(&ws.row_values);
        }
        ws.trial = trial;
        if reduced > state.optimality_tol {
            add_column(ws);
            add_neighbor_columns(ws, neighbors);
            priced = true;
        } else {
            stats.mispricings += 1;
        }
    }
    if !priced && state.out_of_time(settings) {
        // The smoothed point found nothing and the budget is gone: stop before the second
        // inner solve of this iteration.
        ws.lambda = lambda;
        return Verdict::Stop(Status::TimeLimit);
    }
    if !priced {
        let at_master = evaluate(ws, &lambda, stats, &mut state.best_bound);
        add_column(ws);
        add_neighbor_columns(ws, neighbors);
        if state.have_center {
            let out_of_time = || state.out_of_time(settings);
            let center_g = state.center_g;
            let mut best_bound = state.best_bound;
            state.center_g =
                line_search(ws, &lambda, center_g, at_master, stats, &mut best_bound, out_of_time);
            state.best_bound = best_bound;
        } else {
            ws.center.clear();
            ws.center.extend_from_slice(&lambda);
            ws.center_row_values.clear();
            ws.center_row_values.extend_from_slice(&ws.row_values);
            state.center_g = at_master;
            state.have_center = true;
        }
    }
    ws.lambda = lambda;
    converged(ws, settings, state, stats, objective).unwrap_or(Verdict::Continue)
}

/// `Some(Stop(Optimal))` when the best bound meets `objective` and the working set is
/// confirmed; `Some(Continue)` when the check grew the working set (its ranking joins the
/// master); `None` while the gap is open.
fn converged(
    ws: &mut Workspace,
    settings: &Settings,
    state: &mut LoopState,
    stats: &mut Stats,
    objective: f64,
) -> Option<Verdict> {
    if relative_gap(objective, state.best_bound, ws.model.scale) > settings.relative_gap {
        return None;
    }
    ws.check_y.clone_from(&ws.best_y);
    if confirm_working_set(ws, true, stats, Some(&mut state.best_bound)) {
        return Some(Verdict::Stop(Status::Optimal));
    }
    add_column(ws);
    Some(Verdict::Continue)
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

fn count_inner(stats: &mut Stats, inner: oracle::Inner) {
    stats.inner_solves += 1;
    stats.assignment_solves += u32::from(inner.assignment);
    stats.warm_started_assignments += u32::from(inner.warm);
    stats.pattern_assignments += u32::from(inner.patterns);
}

/// Row duals `λ` (into `ws.lambda`) and signed rule duals `y_k = λ_max − λ_min` (into
/// `ws.y`) from the master, clamped to the dual domain of `phase` so that `g` is a valid
/// bound whatever the rounding.
fn rule_duals(ws: &mut Workspace, phase: Phase) {
    let (row_duals, _) = ws.master.duals();
    ws.y.fill(0.0);
    ws.lambda.clear();
    for (&(r, sign), &lambda) in ws.rows.iter().zip(row_duals) {
        let rule = &ws.model.rules[r];
        let cap = match phase {
            Phase::Feasibility if rule.is_hard() => 1.0,
            Phase::Feasibility => 0.0,
            Phase::Optimality => rule.penalty,
        };
        let lambda = if lambda.is_finite() { lambda.clamp(0.0, cap) } else { 0.0 };
        ws.lambda.push(lambda);
        ws.y[r] += sign * lambda;
    }
}

/// `g` at row duals `lambda` (phase 2): returns `g(λ)` in row space, lowers the best bound
/// (netted per rule) when it can, and leaves the ranking in the oracle and its row values
/// `R_r(σ)` in `ws.row_values`.
fn evaluate(ws: &mut Workspace, lambda: &[f64], stats: &mut Stats, best_bound: &mut f64) -> f64 {
    ws.y.fill(0.0);
    for (&(r, sign), &l) in ws.rows.iter().zip(lambda) {
        ws.y[r] += sign * l;
    }
    let inner = ws.oracle.solve(&ws.model, &ws.working, &ws.y, true, false);
    count_inner(stats, inner);
    ws.last_was_assignment = inner.assignment;
    let netted: f64 =
        ws.model.rules.iter().zip(&ws.y).map(|(r, &y)| r.priced_bound(y)).sum::<f64>() + inner.value;
    if netted < *best_bound {
        *best_bound = netted;
        ws.best_y.copy_from_slice(&ws.y);
    }
    ws.model.rule_values(&ws.oracle.ranking, &mut ws.values);
    ws.row_values.clear();
    ws.row_values.extend(ws.rows.iter().map(|&(r, sign)| sign * ws.values[r]));
    ws.row_rhs.iter().zip(lambda).map(|(b, l)| b * l).sum::<f64>() + inner.value
}

/// Dynamic screening pays only when static screening left many more items than slots:
/// below this many times `m + 1` kept items the oracle looks at all of them. (Measured on
/// group rules, where static screening leaves a few `m + 1` per pattern, the working set
/// cost more in confirmation solves than it saved.)
const WORKING_SET_MIN_FACTOR: usize = 16;

/// Dynamic screening, start: the working set holds the best `2(m + 1)` kept items by
/// score and, for each rule, the best `m + 1` with a positive and with a negative
/// coefficient. Small problems keep everything.
fn init_working_set(ws: &mut Workspace) {
    let model = &ws.model;
    let (kept, m) = (model.kept_len(), model.m);
    ws.all_kept.clear();
    ws.all_kept.extend(0..kept);
    ws.in_working.clear();
    ws.in_working.resize(kept, false);
    ws.working.clear();
    if kept <= WORKING_SET_MIN_FACTOR * (m + 1) {
        ws.working.extend(0..kept);
        ws.in_working.fill(true);
        return;
    }
    let scores = &model.scores;
    let better = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
    let mark = |order: &mut Vec<usize>, count: usize, in_working: &mut Vec<bool>| {
        if order.len() > count {
            order.select_nth_unstable_by(count - 1, better);
            order.truncate(count);
        }
        for &t in order.iter() {
            in_working[t] = true;
        }
    };
    ws.order.clear();
    ws.order.extend(0..kept);
    mark(&mut ws.order, 2 * (m + 1), &mut ws.in_working);
    for k in 0..model.rules.len() {
        let a = model.rule_coef(k);
        for positive in [true, false] {
            ws.order.clear();
            ws.order.extend((0..kept).filter(|&t| if positive { a[t] > 0.0 } else { a[t] < 0.0 }));
            mark(&mut ws.order, m + 1, &mut ws.in_working);
        }
    }
    ws.working.extend((0..kept).filter(|&t| ws.in_working[t]));
}

/// Dynamic screening, check: the items left out of the working set could not improve the
/// inner problem at `ws.check_y`? Solves it over all kept items; if that beats the working
/// set, the items of the better ranking join the set, `best_bound` (phase 2) becomes the
/// now valid `g(check_y)`, the full ranking stays in the oracle to be added as a column,
/// and the answer is no.
fn confirm_working_set(
    ws: &mut Workspace,
    with_scores: bool,
    stats: &mut Stats,
    best_bound: Option<&mut f64>,
) -> bool {
    if ws.working.len() == ws.all_kept.len() {
        return true;
    }
    let y = std::mem::take(&mut ws.check_y);
    let part = ws.oracle.solve(&ws.model, &ws.working, &y, with_scores, false);
    let full = ws.oracle.solve(&ws.model, &ws.all_kept, &y, with_scores, false);
    count_inner(stats, part);
    count_inner(stats, full);
    let tolerance = 1e-12 * ws.model.scale.max(1.0);
    let confirmed = full.value <= part.value + tolerance;
    if !confirmed {
        let joining = ws.oracle.ranking.iter().copied().chain(ws.oracle.runner_up);
        for t in joining {
            if !ws.in_working[t] {
                ws.in_working[t] = true;
                ws.working.push(t);
            }
        }
        ws.working.sort_unstable();
        stats.working_set_growths += 1;
        if let Some(bound) = best_bound {
            *bound =
                ws.model.rules.iter().zip(&y).map(|(r, &yk)| r.priced_bound(yk)).sum::<f64>() + full.value;
        }
    }
    ws.check_y = y;
    confirmed
}

/// The capped bracketing line search of `g` on the segment from the center to the master's
/// duals `lambda` (see [`dual`]: exact when it closes within [`MAX_LINE_SEARCH_STEPS`]
/// evaluations, the best point it saw otherwise), adding every ranking it meets as a
/// column; moves the center to the best point found and returns `g` there. `at_master` is
/// `g(lambda)`, just evaluated, with its row values in `ws.row_values`.
fn line_search(
    ws: &mut Workspace,
    lambda: &[f64],
    center_g: f64,
    at_master: f64,
    stats: &mut Stats,
    best_bound: &mut f64,
    out_of_time: impl Fn() -> bool,
) -> f64 {
    let mut center = std::mem::take(&mut ws.center);
    let mut trial = std::mem::take(&mut ws.trial);
    let mut best_values = std::mem::take(&mut ws.best_row_values);
    // φ'(t) along the segment: the subgradient b − R(σ) of the ranking found, times d.
    let slope = |row_rhs: &[f64], values: &[f64], center: &[f64]| -> f64 {
        let d = center.iter().zip(lambda).map(|(c, l)| l - c);
        row_rhs.iter().zip(values).zip(d).map(|((b, v), d)| d * (b - v)).sum()
    };
    let lo =
        dual::Piece { t: 0.0, value: center_g, slope: slope(&ws.row_rhs, &ws.center_row_values, &center) };
    let hi = dual::Piece { t: 1.0, value: at_master, slope: slope(&ws.row_rhs, &ws.row_values, &center) };
    // The row values at the best point, chosen as `bracketing_search` chooses it.
    let mut best_value = lo.value.min(hi.value);
    best_values.clear();
    best_values.extend_from_slice(if hi.value < lo.value { &ws.row_values } else { &ws.center_row_values });
    let tolerance = 1e-12 * ws.model.scale.max(f64::MIN_POSITIVE);
    let search = dual::bracketing_search(lo, hi, MAX_LINE_SEARCH_STEPS, tolerance, |t| {
        if out_of_time() {
            return None;
        }
        trial.clear();
        trial.extend(center.iter().zip(lambda).map(|(c, l)| c + t * (l - c)));
        let value = evaluate(ws, &trial, stats, best_bound);
        add_column(ws);
        if value < best_value {
            best_value = value;
            best_values.clear();
            best_values.extend_from_slice(&ws.row_values);
        }
        Some(dual::Piece { t, value, slope: slope(&ws.row_rhs, &ws.row_values, &center) })
    });
    stats.line_search_evaluations += search.evaluations as u32;
    if !search.closed {
        stats.line_search_cutoffs += 1;
    }
    for (c, l) in center.iter_mut().zip(lambda) {
        *c += search.best.t * (l - *c);
    }
    ws.center_row_values.clear();
    ws.center_row_values.extend_from_slice(&best_values);
    ws.center = center;
    ws.trial = trial;
    ws.best_row_values = best_values;
    search.best.value
}

/// Evaluations one line search may spend before it stops with the best point it saw (see
/// [`dual`]). Each is an inner solve; near the optimum a segment of `g` has many pieces,
/// and the outer loop needs a better center, not the segment's exact minimum.
const MAX_LINE_SEARCH_STEPS: usize = 6;

/// Adds the oracle's last ranking to the master as a column.
fn add_column(ws: &mut Workspace) {
    let ranking = std::mem::take(&mut ws.oracle.ranking);
    push_column(ws, &ranking);
    ws.oracle.ranking = ranking;
}

fn push_column(ws: &mut Workspace, ranking: &[usize]) {
    if ws.master.column_count() >= ws.column_capacity() {
        ws.purge_columns();
    }
    let model = &ws.model;
    model.rule_values(ranking, &mut ws.values);
    let score = model.ranking_score(ranking);
    ws.column_values.extend_from_slice(&ws.values);
    ws.column_rankings.extend_from_slice(ranking);
    let values = &ws.values;
    ws.master.add_column(ws.rows.iter().map(|&(r, sign)| sign * values[r]), score);
}

/// Multiple pricing (after an assignment): besides the oracle's ranking, add up to `count` rankings one swap
/// away from it — two neighbouring slots exchanged, or the last slot given to the best
/// item left out — that change some rule value and lose the least reduced value. Near the
/// optimum the lottery's rankings are exactly such ties of the inner problem, so these
/// columns let the master reach them without one oracle call each.
fn add_neighbor_columns(ws: &mut Workspace, count: usize) {
    if !ws.last_was_assignment {
        // A sort costs less than the master work the extra columns would add.
        return;
    }
    let m = ws.model.m;
    let oracle = &ws.oracle;
    let model = &ws.model;
    let ranking = &oracle.ranking;
    ws.swaps.clear();
    let changes_a_rule = |a: usize, b: usize, j: usize, j2: usize| {
        model.rules.iter().enumerate().any(|(k, rule)| {
            let coef = model.rule_coef(k);
            if coef[a] == coef[b] {
                return false;
            }
            match rule.depth {
                None => model.w[j] != model.w[j2],
                Some(d) => (j < d) != (j2 < d),
            }
        })
    };
    for j in 0..m.saturating_sub(1) {
        let (a, b) = (ranking[j], ranking[j + 1]);
        if !changes_a_rule(a, b, j, j + 1) {
            continue;
        }
        let loss = oracle.reduced_value(model, a, j) + oracle.reduced_value(model, b, j + 1)
            - oracle.reduced_value(model, a, j + 1)
            - oracle.reduced_value(model, b, j);
        ws.swaps.push((loss, j));
    }
    if let Some(r) = oracle.runner_up {
        let a = ranking[m - 1];
        let differs = (0..model.rules.len()).any(|k| model.rule_coef(k)[a] != model.rule_coef(k)[r]);
        if differs {
            let loss = oracle.reduced_value(model, a, m - 1) - oracle.reduced_value(model, r, m - 1);
            ws.swaps.push((loss, m - 1));
        }
    }
    ws.swaps.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let mut neighbor = std::mem::take(&mut ws.neighbor);
    let mut swaps = std::mem::take(&mut ws.swaps);
    for &(_, j) in swaps.iter().take(count) {
        neighbor.clear();
        neighbor.extend_from_slice(&ws.oracle.ranking);
        if j + 1 < m {
            neighbor.swap(j, j + 1);
        } else if let Some(r) = ws.oracle.runner_up {
            neighbor[j] = r;
        }
        push_column(ws, &neighbor);
    }
    swaps.clear();
    ws.swaps = swaps;
    ws.neighbor = neighbor;
}
