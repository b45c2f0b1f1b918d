//! Checking a solution from the problem alone, without trusting the solver.
//!
//! [`verify`] rebuilds the expected assignment `x_ij = Σ_t p_t [σ_t(j) = i]` from the
//! lottery, recomputes every rule value, violation and the objective, and checks the
//! certificate of DESIGN.md F6: with `α`, `β`, `y` from the solution, the worst violation
//! `ε = max(0, max_ij s_i w_j − Σ_k y_k a_ki v_kj − α_i − β_j)` of dual feasibility is
//! repaired by raising every `β_j` by `ε`, so `Σα + Σβ + m·ε + Σ_k y_k b_k(y_k)` is a
//! true upper bound whatever rounding did; its distance to the objective is the gap.
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
/// lottery and a ray.
pub fn verify(
    problem: &Problem<'_>,
    solution: &Solution,
    relative_gap_tolerance: f64,
    feasibility_tolerance: f64,
) -> Result<(), VerifyError> {
    let n = problem.item_count();
    let m = problem.slate_len();
    if solution.status() == Status::Infeasible {
        if solution.lottery_len() != 0 {
            return fail("an infeasible answer offers a lottery".into());
        }
        if solution.infeasibility_ray().is_none_or(|r| r.len() != problem.rules.len()) {
            return fail("an infeasible answer needs one ray entry per rule".into());
        }
        return Ok(());
    }
    if solution.lottery_len() == 0 {
        return if solution.status() == Status::Optimal {
            fail("an optimal answer without a lottery".into())
        } else {
            Ok(())
        };
    }
    let w: Vec<f64> = (0..m).map(|j| problem.position_weight(j)).collect();
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
    let mut a = vec![0.0; n];
    for (k, rule) in problem.rules.iter().enumerate() {
        match rule.members {
            Members::Items(items) => {
                a.fill(0.0);
                for &i in items {
                    a[i] = 1.0;
                }
            }
            Members::Coefficients(c) => a.copy_from_slice(c),
        }
        let v: Vec<f64> = (0..m)
            .map(|j| match rule.profile {
                SlotProfile::Exposure => w[j],
                SlotProfile::Top(d) => f64::from(j < d),
                SlotProfile::WholeSlate => 1.0,
            })
            .collect();
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
        let bound = if y[k] > 0.0 {
            rule.max.map(|b| y[k] * b)
        } else if y[k] < 0.0 {
            rule.min.map(|b| y[k] * b)
        } else {
            Some(0.0)
        };
        let Some(bound) = bound else {
            return fail(format!("rule {k}: dual {} prices a bound the rule does not have", y[k]));
        };
        dual_objective += bound;
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
}
