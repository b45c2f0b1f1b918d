//! The dual certificate of docs/design.md F6, built from the inner problem's duals at the best
//! rule duals `y` found.
//!
//! For any `y` (with `|y_k| ≤ ρ_k` on soft rules and the sign a rule's bounds allow), the
//! inner ranking's assignment duals give `α_i + β_j ≥ s_i w_j − Σ_k y_k a_ki v_kj` for all
//! items and slots, so `(α, β, y)` is feasible for the slate LP's dual and
//! `Σ α + Σ β + Σ_k y_k b_k(y_k) = g(y)` bounds every feasible objective. The solver drives
//! `g(y)` down to the lottery's objective; their difference is the certified gap.

use super::model::Model;
use super::oracle::Oracle;
use crate::problem::Problem;
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

/// For an infeasibility ray `y` (one signed number per rule), item and slot duals `(α, β)`
/// with `α ≥ 0` and `α_i + β_j ≥ −Σ_k y_k a_ki v_kj` for every item and slot, built from
/// `problem` alone (a fresh model and inner solve, scores left out as in phase 1), so that
/// [`crate::verify`] can check the ray without trusting the solve that produced it:
/// `Σα + Σβ ≥ max_σ −Σ_k y_k V_k(σ)` once it has checked the inequalities pointwise.
/// `problem` must be valid and `y` of its rules' length.
pub(crate) fn ray_duals(problem: &Problem<'_>, y: &[f64], alpha: &mut Vec<f64>, beta: &mut Vec<f64>) {
    let mut model = Model::default();
    model.build(problem, 0.0);
    let mut oracle = Oracle::default();
    oracle.reserve(model.m, model.kept_len(), model.rules.len(), true);
    let items: Vec<usize> = (0..model.kept_len()).collect();
    oracle.solve(&model, &items, y, false, true);
    alpha.clear();
    alpha.resize(model.n, 0.0);
    for (t, &i) in model.kept.iter().enumerate() {
        alpha[i] = oracle.item_dual[t];
    }
    beta.clear();
    beta.extend_from_slice(&oracle.slot_dual);
}
