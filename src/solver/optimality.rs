//! Phase 2 of the loop: close the gap between the master's lottery (a lower bound) and the
//! best `g` found (an upper bound), pricing at a smoothed point and falling back to a capped
//! line search (docs/design.md F1, F4, §2.9).

use super::line_search::line_search;
use super::master::Phase;
use super::pricing::{add_column, evaluate, rule_duals};
use super::working_set::confirm_working_set;
use super::workspace::Workspace;
use super::{LoopState, Settings, Verdict};
use crate::solution::{relative_gap, Stats, Status};

/// Phase 2: stop when the bound meets the master's objective (after the working-set
/// check); otherwise price at the smoothed point, falling back to the master's duals with
/// a capped line search from the center when the smoothed point finds nothing.
pub(super) fn optimality_step(
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
pub(super) fn converged(
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
