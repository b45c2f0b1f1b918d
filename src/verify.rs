//! Checking a solution from the problem alone, without trusting the solver.
//!
//! [`verify`] rebuilds the expected assignment `x_ij = Σ_t p_t [σ_t(j) = i]` from the
//! lottery, recomputes every rule value, violation and the objective, and checks the
//! certificate of docs/design.md F6: with `α`, `β`, `y` from the solution, the worst violation
//! `ε = max(0, max_ij s_i w_j − Σ_k y_k a_ki v_kj − α_i − β_j)` of dual feasibility is
//! repaired by raising every `β_j` by `ε`, so `Σα + Σβ + m·ε + Σ_k y_k b_k(y_k)` is a
//! true upper bound whatever rounding did; its distance to the objective is the gap.
//! An infeasibility ray is checked the same way: a fresh inner solve of the problem at the
//! ray gives item and slot duals, checked pointwise, that bound every ranking's rule
//! values along the ray (see `verify_ray`).
//! The work is `O(n·m·K)` — meant for tests, fuzzing and audits, not for every request.

use crate::problem::{Members, Problem, SlotProfile};
use crate::solution::{relative_gap, Solution, Status};

/// Why a solution failed verification.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyError(pub String);

fn fail<T>(message: String) -> Result<T, VerifyError> {
    Err(VerifyError(message))
}

/// Checks `solution` against `problem` (see the module doc). For `Optimal`, the certified
/// gap must be within `relative_gap` (relative, as [`Solution::relative_gap`]) and hard
/// rules within `feasibility_tolerance · max(1, |bound|)`. For limits with a lottery, the
/// lottery must be feasible and the bound valid; for `Infeasible`, there must be no
/// lottery and a ray that proves it (see `verify_ray`: checked against a fresh inner solve
/// of the problem, beyond what the tolerances allow). `NumericalTrouble` promises nothing
/// but a message saying why, so that is all it is checked for.
pub fn verify(
    problem: &Problem<'_>,
    solution: &Solution,
    relative_gap_tolerance: f64,
    feasibility_tolerance: f64,
) -> Result<(), VerifyError> {
    let n = problem.item_count();
    let m = problem.slate_len();
    if problem.validate().is_err() {
        return fail("the problem itself is invalid".into());
    }
    let w: Vec<f64> = (0..m).map(|j| problem.position_weight(j)).collect();
    if solution.status() == Status::NumericalTrouble {
        return match solution.message() {
            Some(_) => Ok(()),
            None => fail("numerical trouble without a message".into()),
        };
    }
    if solution.status() == Status::Infeasible {
        if solution.lottery_len() != 0 {
            return fail("an infeasible answer offers a lottery".into());
        }
        return match solution.infeasibility_ray() {
            Some(ray) if ray.len() == problem.rules.len() => {
                verify_ray(problem, &w, ray, feasibility_tolerance)
            }
            _ => fail("an infeasible answer needs one ray entry per rule".into()),
        };
    }
    if solution.lottery_len() == 0 {
        return if solution.status() == Status::Optimal {
            fail("an optimal answer without a lottery".into())
        } else {
            Ok(())
        };
    }
    let mut x = vec![0.0; n * m];
    let mut total = 0.0;
    for r in solution.lottery() {
        if !(r.probability > 0.0 && r.probability <= 1.0 + 1e-12) || r.items.len() != m {
            return fail(format!("bad ranking: probability {} with {} items", r.probability, r.items.len()));
        }
        let mut seen = vec![false; n];
        for (j, &i) in r.items.iter().enumerate() {
            if i >= n || seen[i] {
                return fail(format!("ranking {:?} is not a slate of distinct items", r.items));
            }
            seen[i] = true;
            x[i * m + j] += r.probability;
        }
        total += r.probability;
    }
    if (total - 1.0).abs() > 1e-9 {
        return fail(format!("probabilities sum to {total}"));
    }
    let rows: usize =
        problem.rules.iter().map(|r| usize::from(r.max.is_some()) + usize::from(r.min.is_some())).sum();
    if solution.lottery_len() > rows + 1 {
        return fail(format!("{} rankings for {rows} rule rows", solution.lottery_len()));
    }

    let mut objective: f64 =
        (0..n).map(|i| (0..m).map(|j| problem.scores[i] * w[j] * x[i * m + j]).sum::<f64>()).sum();
    let mut reduced: Vec<f64> = (0..n * m).map(|c| problem.scores[c / m] * w[c % m]).collect();
    let cert = solution.certificate();
    let (alpha, beta, y) = (cert.item_duals(), cert.slot_duals(), cert.rule_duals());
    if alpha.len() != n || beta.len() != m || y.len() != problem.rules.len() {
        return fail("certificate has the wrong shape".into());
    }
    let mut dual_objective: f64 = alpha.iter().sum::<f64>() + beta.iter().sum::<f64>();
    for (k, rule) in problem.rules.iter().enumerate() {
        let (a, v) = dense_rule(rule, n, &w);
        let value: f64 = (0..n).map(|i| a[i] * (0..m).map(|j| v[j] * x[i * m + j]).sum::<f64>()).sum();
        let violation =
            rule.max.map_or(0.0, |b| (value - b).max(0.0)) + rule.min.map_or(0.0, |b| (b - value).max(0.0));
        let reported = solution.rules()[k];
        if (reported.value - value).abs() > 1e-9 * value.abs().max(1.0) {
            return fail(format!("rule {k}: value {value}, reported {}", reported.value));
        }
        match rule.penalty {
            None => {
                let scale = rule.max.unwrap_or(0.0).abs().max(rule.min.unwrap_or(0.0).abs()).max(1.0);
                if violation > feasibility_tolerance * scale {
                    return fail(format!("hard rule {k} violated by {violation}"));
                }
            }
            Some(rho) => {
                objective -= rho * violation;
                if y[k].abs() > rho * (1.0 + 1e-12) + 1e-300 {
                    return fail(format!("soft rule {k}: dual {} beyond penalty {rho}", y[k]));
                }
            }
        }
        dual_objective += priced_bound(rule, k, y[k])?;
        for i in 0..n {
            if a[i] != 0.0 {
                for j in 0..m {
                    reduced[i * m + j] -= y[k] * a[i] * v[j];
                }
            }
        }
    }
    let scale = objective_scale(problem, &w);
    if (objective - solution.objective()).abs() > 1e-9 * scale.max(objective.abs()).max(1e-300) {
        return fail(format!("objective {objective}, reported {}", solution.objective()));
    }
    let mut worst = 0.0f64;
    for i in 0..n {
        if alpha[i] < 0.0 {
            return fail(format!("item dual α[{i}] = {} < 0", alpha[i]));
        }
        for j in 0..m {
            worst = worst.max(reduced[i * m + j] - alpha[i] - beta[j]);
        }
    }
    let certified = dual_objective + m as f64 * worst;
    let gap = relative_gap(objective, certified, scale);
    if certified < objective - 1e-9 * scale.max(objective.abs()) {
        return fail(format!("bound {certified} below the objective {objective}"));
    }
    if solution.status() == Status::Optimal && gap > relative_gap_tolerance {
        return fail(format!("certified relative gap {gap:e} above {relative_gap_tolerance:e}"));
    }
    Ok(())
}

/// Checks a Farkas ray `y` from the problem alone. If every hard rule held within its
/// tolerance `τ_k = feasibility_tolerance · max(1, |bounds|)`, every lottery would have
/// `Σ_k y_k V_k ≤ Σ_k y_k b_k(y_k) + Σ_k |y_k| τ_k`; and every ranking, hence every
/// lottery, has `−Σ_k y_k V_k ≤ Σα + Σβ + m·ε` for any `α ≥ 0`, `β` (with `ε` their worst
/// violation of `α_i + β_j ≥ −Σ_k y_k a_ki v_kj`). So the ray proves that no lottery meets
/// the rules when `g = Σ_k y_k b_k(y_k) + Σα + Σβ + m·ε < −Σ_k |y_k| τ_k`. `(α, β)` come
/// from a fresh inner solve of the problem at `y`; the inequalities are checked here one
/// by one, so a wrong inner solve can only make a true ray fail, never a false one pass.
/// The signs must be ones the rules allow (`y_k > 0` needs a max, `y_k < 0` a min, soft
/// rules `0`) and `y ≠ 0`.
fn verify_ray(
    problem: &Problem<'_>,
    w: &[f64],
    y: &[f64],
    feasibility_tolerance: f64,
) -> Result<(), VerifyError> {
    let (n, m) = (problem.item_count(), w.len());
    if y.iter().all(|&v| v == 0.0) || y.iter().any(|v| !v.is_finite()) {
        return fail(format!("the ray {y:?} is zero or not finite"));
    }
    let mut bound_terms = 0.0;
    let mut tolerated = 0.0;
    let mut c = vec![0.0; n * m];
    for (k, rule) in problem.rules.iter().enumerate() {
        if rule.penalty.is_some() && y[k] != 0.0 {
            return fail(format!("ray: soft rule {k} has a non-zero entry {}", y[k]));
        }
        bound_terms += priced_bound(rule, k, y[k])?;
        let magnitude = rule.max.unwrap_or(0.0).abs().max(rule.min.unwrap_or(0.0).abs()).max(1.0);
        tolerated += y[k].abs() * feasibility_tolerance * magnitude;
        let (a, v) = dense_rule(rule, n, w);
        for i in (0..n).filter(|&i| a[i] != 0.0) {
            for j in 0..m {
                c[i * m + j] -= y[k] * a[i] * v[j];
            }
        }
    }
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    crate::solver::certificate::ray_duals(problem, y, &mut alpha, &mut beta);
    let mut worst = 0.0f64;
    for i in 0..n {
        if !(alpha[i] >= 0.0) {
            return fail(format!("ray: item dual α[{i}] = {} < 0", alpha[i]));
        }
        for j in 0..m {
            worst = worst.max(c[i * m + j] - alpha[i] - beta[j]);
        }
    }
    let g = bound_terms + alpha.iter().sum::<f64>() + beta.iter().sum::<f64>() + m as f64 * worst;
    // Rounding in g's sums, far below the tolerance the proof must beat.
    let rounding =
        1e-12 * problem.rules.iter().zip(y).map(|(r, &yk)| yk.abs() * rule_magnitude(r)).sum::<f64>();
    if g + tolerated >= rounding {
        return fail(format!(
            "the ray does not prove infeasibility: g = {g:e} along it, not below -{tolerated:e} (what the rules' tolerances allow)"
        ));
    }
    Ok(())
}

/// `max(1, |min|, |max|, Σ|a|·max v)`: the size a rule's row can reach.
fn rule_magnitude(rule: &crate::problem::Rule<'_>) -> f64 {
    let coef = match rule.members {
        Members::Items(items) => items.len() as f64,
        Members::Coefficients(c) => c.iter().map(|x| x.abs()).sum(),
    };
    coef.max(rule.max.unwrap_or(0.0).abs()).max(rule.min.unwrap_or(0.0).abs()).max(1.0)
}

/// `y_k b_k(y_k)`: the bound a signed dual prices, or an error when the rule lacks it.
fn priced_bound(rule: &crate::problem::Rule<'_>, k: usize, y: f64) -> Result<f64, VerifyError> {
    let bound = if y > 0.0 {
        rule.max.map(|b| y * b)
    } else if y < 0.0 {
        rule.min.map(|b| y * b)
    } else {
        Some(0.0)
    };
    bound.map_or_else(|| fail(format!("rule {k}: dual {y} prices a bound the rule does not have")), Ok)
}

/// A rule's coefficients over the `n` items and its slot profile over the slate `w`, dense.
fn dense_rule(rule: &crate::problem::Rule<'_>, n: usize, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut a = vec![0.0; n];
    match rule.members {
        Members::Items(items) => {
            for &i in items {
                a[i] = 1.0;
            }
        }
        Members::Coefficients(c) => a.copy_from_slice(c),
    }
    let v = (0..w.len())
        .map(|j| match rule.profile {
            SlotProfile::Exposure => w[j],
            SlotProfile::Top(d) => f64::from(j < d),
            SlotProfile::WholeSlate => 1.0,
        })
        .collect();
    (a, v)
}

/// The size the objective's terms can reach (the same definition as the solver's, computed
/// here independently): `Σ_j w_j · max_i |s_i|` plus, per soft rule, `ρ_k · (Σ_j v_kj ·
/// max_i |a_ki| + max(|min_k|, |max_k|))`.
fn objective_scale(problem: &Problem<'_>, w: &[f64]) -> f64 {
    let total: f64 = w.iter().sum();
    let mut scale = total * problem.scores.iter().fold(0.0f64, |acc, s| acc.max(s.abs()));
    for rule in problem.rules {
        let Some(rho) = rule.penalty else { continue };
        let slots = match rule.profile {
            SlotProfile::Exposure => total,
            SlotProfile::Top(d) => d.min(w.len()) as f64,
            SlotProfile::WholeSlate => w.len() as f64,
        };
        let coef = match rule.members {
            Members::Items(items) => f64::from(u8::from(!items.is_empty())),
            Members::Coefficients(c) => c.iter().fold(0.0f64, |acc, x| acc.max(x.abs())),
        };
        let bound = rule.max.unwrap_or(0.0).abs().max(rule.min.unwrap_or(0.0).abs());
        scale += rho * (slots * coef + bound);
    }
    scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Rule, Slots};
    use crate::solver::Solver;

    #[test]
    fn accepts_the_solver_and_rejects_tampering() {
        let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
        let rules = [Rule::at_most(Members::Items(&[0, 1, 2]), SlotProfile::Top(3), 1.5)];
        let problem = Problem::new(&scores, Slots::Count(4)).with_rules(&rules);
        let mut solver = Solver::default();
        let good = solver.solve(&problem).unwrap().clone();
        assert_eq!(good.status(), Status::Optimal);
        verify(&problem, &good, 1e-9, 1e-9).unwrap();

        let mut bad = good.clone();
        bad.objective += 1e-3;
        assert!(verify(&problem, &bad, 1e-9, 1e-9).unwrap_err().0.contains("objective"));
        let mut bad = good.clone();
        bad.certificate.rule_duals[0] *= 0.5;
        assert!(verify(&problem, &bad, 1e-9, 1e-9).unwrap_err().0.contains("gap"));
        let mut bad = good.clone();
        bad.probabilities[0] *= 0.9;
        assert!(verify(&problem, &bad, 1e-9, 1e-9).is_err());
        let mut bad = good.clone();
        bad.rankings.swap(0, 1);
        bad.rankings[1] = bad.rankings[0];
        assert!(verify(&problem, &bad, 1e-9, 1e-9).unwrap_err().0.contains("distinct"));
        let mut bad = good;
        bad.rules[0].value += 0.1;
        assert!(verify(&problem, &bad, 1e-9, 1e-9).unwrap_err().0.contains("rule 0"));
    }

    /// A ray must prove infeasibility from the problem alone: the solver's does; a ray that
    /// is zero, flipped, priced on a bound the rule lacks, or too weak for the tolerances
    /// does not.
    #[test]
    fn checks_infeasibility_rays() {
        let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
        // The top 2 must hold at least 1.5 of items {4, 5} and at most 0.2 of item 4.
        let rules = [
            Rule::at_least(Members::Items(&[4, 5]), SlotProfile::Top(2), 1.5),
            Rule::at_most(Members::Items(&[4]), SlotProfile::Top(2), 0.2),
        ];
        let problem = Problem::new(&scores, Slots::Count(3)).with_rules(&rules);
        let mut solver = Solver::default();
        let good = solver.solve(&problem).unwrap().clone();
        assert_eq!(good.status(), Status::Infeasible);
        verify(&problem, &good, 1e-9, 1e-9).unwrap();

        let with_ray = |ray: &[f64]| {
            let mut bad = good.clone();
            bad.infeasibility_ray.clear();
            bad.infeasibility_ray.extend_from_slice(ray);
            verify(&problem, &bad, 1e-9, 1e-9)
        };
        let ray = good.infeasibility_ray().unwrap().to_vec();
        assert!(ray[0] < 0.0 && ray[1] > 0.0, "{ray:?}");
        assert!(with_ray(&[0.0, 0.0]).unwrap_err().0.contains("zero"));
        assert!(with_ray(&[-ray[0], ray[1]]).unwrap_err().0.contains("bound the rule does not have"));
        // Only the min rule priced: a top 2 can hold both items, so it proves nothing.
        assert!(with_ray(&[ray[0], 0.0]).unwrap_err().0.contains("does not prove"));
        assert!(with_ray(&[ray[0]]).unwrap_err().0.contains("one ray entry per rule"));
        // A relaxed max (0.5 + 1.0 = 1.5 fits in the top 2): the same ray proves nothing.
        let relaxed = [rules[0], Rule::at_most(Members::Items(&[4]), SlotProfile::Top(2), 0.5)];
        let feasible = Problem::new(&scores, Slots::Count(3)).with_rules(&relaxed);
        assert!(verify(&feasible, &good, 1e-9, 1e-9).unwrap_err().0.contains("does not prove"));
    }
}
