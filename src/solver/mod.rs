//! The exact slate-LP solver: a Lagrangian dual method over the rule rows (DESIGN.md F1)
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
//! Why stop is decided in one place, [`Solver::check_termination`].

mod assignment;
mod certificate;
mod master;
mod model;
mod oracle;
mod oracle_assign;
mod oracle_sort;
mod screen;
mod settings;

use std::time::Instant;

use self::master::{Master, Phase};
use self::model::Model;
use self::oracle::Oracle;
use crate::problem::{Problem, ProblemError};
use crate::solution::{relative_gap, RuleOutcome, Solution, Stats, Status};
pub use settings::{Settings, SettingsError};

/// Solves slate LPs, reusing its buffers from one solve to the next. One per thread.
#[derive(Clone, Debug, Default)]
pub struct Solver {
    settings: Settings,
    ws: Workspace,
    solution: Solution,
}

/// Every buffer of a solve, grown to the largest problem seen and then reused.
#[derive(Clone, Debug, Default)]
struct Workspace {
    seen: Vec<u64>,
    model: Model,
    oracle: Oracle,
    master: Master,
    /// `(rule, sign)` of each master row: `+1` for `V ≤ max`, `-1` for `−V ≤ −min`.
    rows: Vec<(usize, f64)>,
    /// Rule values `V_k` of each ranking column (`columns × rules`).
    column_values: Vec<f64>,
    /// Kept-item rankings of the columns (`columns × m`).
    column_rankings: Vec<usize>,
    values: Vec<f64>,
    y: Vec<f64>,
    best_y: Vec<f64>,
    /// Whether the master holds a lottery that meets the hard rules.
    has_lottery: bool,
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

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Solves `problem`. `Err` only for invalid input; infeasible rules and exhausted
    /// budgets are statuses of the returned [`Solution`], which lives until the next solve.
    pub fn solve(&mut self, problem: &Problem<'_>) -> Result<&Solution, ProblemError> {
        let start = Instant::now();
        problem.validate_with(&mut self.ws.seen)?;
        self.ws.model.build(problem, self.settings.feasibility_tolerance);
        self.ws.has_lottery = false;
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

        // The unconstrained best ranking: the first column, and g(0) the first bound.
        let first = ws.oracle.solve(model, &ws.y, true, false);
        stats.inner_solves += 1;
        let mut best_bound = first.value;
        add_column(ws);
        let ws = &mut self.ws;
        let model = &ws.model;
        if ws.master.start_from_first_column().is_err() {
            self.solution.stats = stats;
            return Status::IterationLimit;
        }
        let hard_tol =
            model.rules.iter().filter(|r| r.is_hard()).map(|r| r.tol).fold(f64::INFINITY, f64::min);
        let mut phase = if ws.master.hard_violation() > 0.0 { Phase::Feasibility } else { Phase::Optimality };
        let optimality_tol = (1e-3 * settings.relative_gap * model.scale).max(1e-30);
        let mut stalls = 0;

        let status = loop {
            if let Verdict::Stop(status) = check_termination(&settings, &stats, start) {
                break status;
            }
            stats.iterations += 1;
            let pivots_before = ws.master.pivots;
            let tol = if phase == Phase::Feasibility { 1e-12 } else { optimality_tol };
            if ws.master.optimize(phase, tol, settings.max_master_pivots).is_err() {
                break Status::IterationLimit;
            }
            if stats.iterations > 1 && ws.master.pivots == pivots_before {
                // The last column did not enter: rounding keeps the gap open. Give it a few
                // chances, then stop with the certified gap we have.
                stalls += 1;
                if stalls > 3 {
                    break Status::IterationLimit;
                }
            }
            if phase == Phase::Feasibility {
                stats.phase1_iterations += 1;
                if ws.master.hard_violation() <= hard_tol {
                    phase = Phase::Optimality;
                    continue;
                }
                rule_duals(ws, phase);
                let inner = ws.oracle.solve(&ws.model, &ws.y, false, false);
                count_inner(&mut stats, inner.assignment);
                let bound: f64 = ws.model.rules.iter().zip(&ws.y).map(|(r, &y)| r.priced_bound(y)).sum();
                if bound + inner.value < -hard_tol {
                    ws.best_y.copy_from_slice(&ws.y);
                    break Status::Infeasible;
                }
            } else {
                rule_duals(ws, phase);
                let model = &ws.model;
                let inner = ws.oracle.solve(model, &ws.y, true, false);
                count_inner(&mut stats, inner.assignment);
                let g =
                    model.rules.iter().zip(&ws.y).map(|(r, &y)| r.priced_bound(y)).sum::<f64>() + inner.value;
                if g < best_bound {
                    best_bound = g;
                    ws.best_y.copy_from_slice(&ws.y);
                }
                let objective = ws.master.objective(Phase::Optimality);
                if relative_gap(objective, best_bound, model.scale) <= settings.relative_gap {
                    break Status::Optimal;
                }
            }
            add_column(ws);
        };
        stats.master_pivots = self.ws.master.pivots;
        self.solution.stats = stats;
        // A limit hit while still looking for a feasible lottery leaves none to offer.
        self.ws.has_lottery = status != Status::Infeasible && phase == Phase::Optimality;
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
        if ws.master.polish().is_err() {
            sol.status = Status::IterationLimit;
            return;
        }
        let total: f64 = ws.master.weights().map(|(_, x)| x.max(0.0)).sum();
        ws.values.clear();
        ws.values.resize(k, 0.0);
        let mut score = 0.0;
        for (t, x) in ws.master.weights() {
            let p = x.max(0.0) / total;
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

        let inner = ws.oracle.solve(model, &ws.best_y, true, true);
        sol.stats.inner_solves += 1;
        if inner.assignment {
            sol.stats.assignment_solves += 1;
        }
        sol.bound = certificate::build(model, &ws.oracle, &ws.best_y, &mut sol.certificate);
        if status == Status::Optimal && sol.relative_gap() > self.settings.relative_gap * (1.0 + 1e-6) {
            sol.status = Status::IterationLimit;
        }
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

fn count_inner(stats: &mut Stats, assignment: bool) {
    stats.inner_solves += 1;
    if assignment {
        stats.assignment_solves += 1;
    }
}

/// Signed rule duals `y_k = λ_max − λ_min` from the master's row duals, clamped to the
/// dual domain of `phase` so that `g(y)` is a valid bound whatever the rounding.
fn rule_duals(ws: &mut Workspace, phase: Phase) {
    let (row_duals, _) = ws.master.duals();
    ws.y.fill(0.0);
    for (&(r, sign), &lambda) in ws.rows.iter().zip(row_duals) {
        let rule = &ws.model.rules[r];
        let cap = match phase {
            Phase::Feasibility if rule.is_hard() => 1.0,
            Phase::Feasibility => 0.0,
            Phase::Optimality => rule.penalty,
        };
        let lambda = if lambda.is_finite() { lambda.clamp(0.0, cap) } else { 0.0 };
        ws.y[r] += sign * lambda;
    }
}

/// Adds the oracle's last ranking to the master as a column.
fn add_column(ws: &mut Workspace) {
    let model = &ws.model;
    let ranking = &ws.oracle.ranking;
    model.rule_values(ranking, &mut ws.values);
    let score = model.ranking_score(ranking);
    ws.column_values.extend_from_slice(&ws.values);
    ws.column_rankings.extend_from_slice(ranking);
    let values = &ws.values;
    ws.master.add_column(ws.rows.iter().map(|&(r, sign)| sign * values[r]), score);
}
