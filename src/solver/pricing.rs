//! Pricing: the rule duals read from the master, the dual function evaluated at a point
//! (one inner solve), and the rankings it finds added to the master as columns, with a few
//! one-swap neighbours of each (docs/design.md F1, F5).

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

/// Multiple pricing (after an assignment): besides the oracle's ranking, add up to `count` rankings one swap
/// away from it — two neighbouring slots exchanged, or the last slot given to the best
/// item left out — that change some rule value and lose the least reduced value. Near the
/// optimum the lottery's rankings are exactly such ties of the inner problem, so these
/// columns let the master reach them without one oracle call each.
pub(super) fn add_neighbor_columns(ws: &mut Workspace, count: usize) {
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
