//! Pricing for the ranking loop: the rule duals read from the ranking master, the dual
//! function evaluated at a point (one inner solve), and the rankings it finds added to the
//! master as columns (docs/design.md F1, F5).

use super::master::Phase;
use super::oracle;
use super::workspace::Workspace;
use crate::solution::Stats;

pub(super) fn count_inner(stats: &mut Stats, inner: oracle::Inner) {
    stats.inner_solves += 1;
    stats.assignment_solves += u32::from(inner.assignment);
    stats.warm_started_assignments += u32::from(inner.warm);
    stats.pattern_assignments += u32::from(inner.patterns);
}

/// Row duals `λ` (into `ws.lambda`) and signed rule duals `y_k = λ_max − λ_min` (into
/// `ws.y`) from the master, clamped to the dual domain of `phase` so that `g` is a valid
/// bound whatever the rounding.
pub(super) fn rule_duals(ws: &mut Workspace, phase: Phase) {
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
pub(super) fn evaluate(ws: &mut Workspace, lambda: &[f64], stats: &mut Stats, best_bound: &mut f64) -> f64 {
    ws.y.fill(0.0);
    for (&(r, sign), &l) in ws.rows.iter().zip(lambda) {
        ws.y[r] += sign * l;
    }
    let inner = ws.oracle.solve(&ws.model, &ws.working, &ws.y, true, false);
    count_inner(stats, inner);
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

/// Adds the oracle's last ranking to the master as a column.
pub(super) fn add_column(ws: &mut Workspace) {
    let ranking = std::mem::take(&mut ws.oracle.ranking);
    push_column(ws, &ranking);
    ws.oracle.ranking = ranking;
}

pub(super) fn push_column(ws: &mut Workspace, ranking: &[usize]) {
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
