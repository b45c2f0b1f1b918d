//! The dual certificate of DESIGN.md F6, built from the inner problem's duals at the best
//! rule duals `y` found.
//!
//! For any `y` (with `|y_k| ≤ ρ_k` on soft rules and the sign a rule's bounds allow), the
//! inner ranking's assignment duals give `α_i + β_j ≥ s_i w_j − Σ_k y_k a_ki v_kj` for all
//! items and slots, so `(α, β, y)` is feasible for the slate LP's dual and
//! `Σ α + Σ β + Σ_k y_k b_k(y_k) = g(y)` bounds every feasible objective. The solver drives
//! `g(y)` down to the lottery's objective; their difference is the certified gap.

use super::model::Model;
use super::oracle::Oracle;
use crate::solution::Certificate;

/// Fills `cert` from the oracle's duals (solved at `y` with scores and duals) and returns
/// the dual objective.
pub(crate) fn build(model: &Model, oracle: &Oracle, y: &[f64], cert: &mut Certificate) -> f64 {
    cert.item_duals.clear();
    cert.item_duals.resize(model.n, 0.0);
    for (t, &i) in model.kept.iter().enumerate() {
        cert.item_duals[i] = oracle.item_dual[t];
    }
    cert.slot_duals.clear();
    cert.slot_duals.extend_from_slice(&oracle.slot_dual);
    cert.rule_duals.clear();
    cert.rule_duals.extend_from_slice(y);
    let bound_terms: f64 = model.rules.iter().zip(y).map(|(rule, &yk)| rule.priced_bound(yk)).sum();
    cert.dual_objective =
        oracle.item_dual.iter().sum::<f64>() + oracle.slot_dual.iter().sum::<f64>() + bound_terms;
    cert.dual_objective
}
