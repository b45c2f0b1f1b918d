//! Dynamic screening (docs/design.md F7): the oracle prices over a working set of the kept
//! items, and before a status is trusted a check over all kept items confirms that the
//! items left out could not have done better (or grows the set).

use super::pricing::count_inner;
use super::tuning::WORKING_SET_MIN_FACTOR;
use super::workspace::Workspace;
use crate::solution::Stats;

/// Dynamic screening, start: the working set holds the best `2(m + 1)` kept items by
/// score and, for each rule, the best `m + 1` with a positive and with a negative
/// coefficient. Small problems keep everything.
pub(super) fn init_working_set(ws: &mut Workspace) {
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
pub(super) fn confirm_working_set(
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
