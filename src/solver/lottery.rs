//! The answer: the master's lottery cleaned of floating-point residue, each rule's value,
//! violation and dual, the certificate's bound from one last inner solve over every kept
//! item (docs/design.md F5, F6, §2.10), and the trust check every answer passes.

use std::ffi::CStr;

use super::master::Phase;
use super::pricing::{count_inner, push_column};
use super::workspace::Workspace;
use super::{certificate, master, model, Settings, Solver};
use crate::solution::{RuleOutcome, Solution, Status};

/// Lottery weights below this are dropped as floating-point residue (see `finish`).
const MIN_LOTTERY_WEIGHT: f64 = 1e-12;

/// [`Status::NumericalTrouble`] messages (see [`Solution::message`]).
const GAP_REOPENED: &CStr = c"the certificate computed at the end does not close the gap the loop stopped on";
const RULE_BROKEN: &CStr = c"the lottery breaks a hard rule beyond its tolerance (rounding at this scale cannot represent the probabilities the rule needs)";
const BOUND_BELOW_OBJECTIVE: &CStr =
    c"the certified bound is below the lottery's objective, so one of them is wrong by rounding";

const FLOW_NOT_SPLIT: &CStr = c"the edge master's flow could not be split into rankings (rounding took it out of the assignment polytope)";
const TOO_MANY_RANKINGS: &CStr =
    c"the edge master's flow split into more rankings than the column pool holds";
const LOTTERY_OFF_FLOW: &CStr = c"the lottery over the flow's rankings breaks a hard rule the flow met";

/// The lottery from the edge master's flow: its rankings (a Birkhoff–von Neumann
/// decomposition, `flow_lottery.rs`) become the ranking master's columns, and the ranking
/// master's basic optimum is a lottery of at most `rows + 1` of them with the flow's
/// objective (the flow is one of its feasible points). `Err` with the status and reason when
/// a step fails: rounding (`NumericalTrouble`), or the ranking master's pivot cap.
pub(super) fn build_lottery(
    ws: &mut Workspace,
    settings: &Settings,
    hard_tol: f64,
) -> Result<(), (Status, &'static CStr)> {
    let (kept, m) = (ws.model.kept_len(), ws.model.m);
    let capacity = ws.column_capacity();
    if !ws.flow_lottery.decompose(&ws.edge_set.edges, ws.edge_master.x(), kept, m, capacity) {
        let message = if ws.flow_lottery.len() >= capacity { TOO_MANY_RANKINGS } else { FLOW_NOT_SPLIT };
        return Err((Status::NumericalTrouble, message));
    }
    let lottery = std::mem::take(&mut ws.flow_lottery);
    for r in 0..lottery.len() {
        push_column(ws, &lottery.rankings[r * m..(r + 1) * m]);
    }
    ws.flow_lottery = lottery;
    let trouble = |t: master::MasterTrouble| (t.status(), t.message());
    ws.master.start_from_first_column().map_err(trouble)?;
    ws.master.optimize(Phase::Feasibility, 1e-12, settings.max_master_pivots).map_err(trouble)?;
    if ws.master.hard_violation() > hard_tol {
        return Err((Status::NumericalTrouble, LOTTERY_OFF_FLOW));
    }
    let optimality_tol = (1e-3 * settings.relative_gap * ws.model.scale).max(1e-30);
    ws.master.optimize(Phase::Optimality, optimality_tol, settings.max_master_pivots).map_err(trouble)?;
    Ok(())
}

/// The last check before an answer is trusted: every hard rule holds within its tolerance
/// (`feasibility_tolerance · max(1, |bound|)`, relative to the rule's own bound) and the
/// bound is not below the objective (beyond the rounding of `relative_gap`'s scale).
/// Returns what is wrong, if anything.
pub(super) fn trust_check(model: &model::Model, sol: &Solution) -> Option<&'static CStr> {
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

impl Solver {
    /// Writes the solution for `status` from the workspace.
    pub(super) fn finish(&mut self, status: Status) {
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

        // The working-set check may have just solved exactly this; otherwise solve it.
        if !ws.oracle.holds_full_solve(&ws.best_y) {
            let inner = ws.oracle.solve(model, &ws.all_kept, &ws.best_y, true, true);
            count_inner(&mut sol.stats, inner);
        }
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
}
