//! Phase 1 of the loop: find a lottery that meets the hard rules, or a ray that proves
//! there is none (docs/design.md F8).

use super::master::Phase;
use super::pricing::{add_column, count_inner, rule_duals};
use super::working_set::confirm_working_set;
use super::workspace::Workspace;
use super::{LoopState, Verdict};
use crate::solution::{Stats, Status};

/// Phase 1: once the master meets the hard rules, move on; otherwise price a ranking
/// without scores, and stop if `g` along the master's duals proves infeasibility.
pub(super) fn feasibility_step(ws: &mut Workspace, state: &mut LoopState, stats: &mut Stats) -> Verdict {
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
