//! Shared by the integration tests: the HiGHS oracle, the lottery/certificate checker and
//! generators of small problems of every class. Nothing here calls lprank's solver
//! internals: the checker rebuilds `x` from the lottery alone.
#![allow(dead_code)]
// The explicit LP indexes `x[i][j]` over items and slots as the formulas do.
#![allow(clippy::needless_range_loop)]

use good_lp::solvers::highs::{highs, HighsProblem};
use good_lp::{variable, Expression, ProblemVariables, Solution as _, SolverModel, Variable};
use lprank::json::{MembersData, ProblemData, RuleData};

#[path = "../../src/solver/highs_retry.rs"]
mod highs_retry;
use highs_retry::optimum_or_infeasible;
use lprank::synthetic::SplitMix64;
use lprank::{default_position_weight, SlotProfile, Solution, Status};

/// The slate of `data`: `(m, w_0..w_{m-1})` with `m = min(slots, n)`.
pub fn slate(data: &ProblemData) -> (usize, Vec<f64>) {
    let n = data.scores.len();
    let w: Vec<f64> = match (&data.position_weights, data.slots) {
        (Some(w), Some(m)) => w[..m].to_vec(),
        (Some(w), None) => w.clone(),
        (None, Some(m)) => (0..m).map(default_position_weight).collect(),
        (None, None) => unreachable!("parser requires one"),
    };
    let m = w.len().min(n);
    (m, w[..m].to_vec())
}

/// Dense coefficients of rule `r` over `n` items.
pub fn coefficients(r: &RuleData, n: usize) -> Vec<f64> {
    match &r.members {
        MembersData::Items(items) => {
            let mut a = vec![0.0; n];
            for &i in items {
                a[i] = 1.0;
            }
            a
        }
        MembersData::Coefficients(c) => c.clone(),
    }
}

/// `v_j` of a rule's profile on a slate with weights `w`.
pub fn profile_weights(profile: SlotProfile, w: &[f64]) -> Vec<f64> {
    let m = w.len();
    match profile {
        SlotProfile::Exposure => w.to_vec(),
        SlotProfile::Top(d) => (0..m).map(|j| f64::from(j < d)).collect(),
        SlotProfile::WholeSlate => vec![1.0; m],
    }
}

/// The explicit LP (x_ij variables, one violation variable per soft bound) solved by HiGHS,
/// asked again with the primal simplex when the default run fails (see `highs_retry`).
/// `Ok(None)` means HiGHS proved it infeasible.
pub fn highs_objective(data: &ProblemData) -> Result<Option<f64>, String> {
    optimum_or_infeasible(|strategy| {
        let (model, objective) = highs_model(data);
        let model = match strategy {
            Some(s) => model.set_option("simplex_strategy", s),
            None => model,
        };
        model.solve().map(|sol| sol.eval(&objective))
    })
}

/// The explicit LP for HiGHS as the test oracle uses it, ready to solve, and its objective
/// expression: feasibility tolerances tightened to 1e-10 (HiGHS's default is 1e-7) so that
/// its optimum is a reference for 1e-7 relative comparisons, on one thread.
pub fn highs_model(data: &ProblemData) -> (HighsProblem, Expression) {
    let (model, objective) = highs_model_with_default_options(data);
    let model = model
        .set_option("primal_feasibility_tolerance", 1e-10)
        .set_option("dual_feasibility_tolerance", 1e-10)
        .set_threads(1);
    (model, objective)
}

/// The explicit LP (x_ij variables, one violation variable per soft bound) for HiGHS with
/// every HiGHS option at its default, and its objective expression.
pub fn highs_model_with_default_options(data: &ProblemData) -> (HighsProblem, Expression) {
    let n = data.scores.len();
    let (m, w) = slate(data);
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<Variable>> =
        (0..n).map(|_| (0..m).map(|_| vars.add(variable().min(0.0).max(1.0))).collect()).collect();
    let mut objective = Expression::from(0.0);
    for i in 0..n {
        for j in 0..m {
            objective.add_mul(data.scores[i] * w[j], x[i][j]);
        }
    }
    let mut constraints = Vec::new();
    for j in 0..m {
        let slot: Expression = (0..n).map(|i| x[i][j]).sum();
        constraints.push(slot.eq(1.0));
    }
    for xi in &x {
        let item: Expression = xi.iter().copied().sum();
        constraints.push(item.leq(1.0));
    }
    for r in &data.rules {
        let a = coefficients(r, n);
        let v = profile_weights(r.profile, &w);
        let mut value = Expression::from(0.0);
        for i in 0..n {
            for j in 0..m {
                if a[i] * v[j] != 0.0 {
                    value.add_mul(a[i] * v[j], x[i][j]);
                }
            }
        }
        for (bound, is_max) in [(r.max, true), (r.min, false)] {
            let Some(b) = bound else { continue };
            let mut lhs = value.clone();
            if let Some(rho) = r.penalty {
                let e = vars.add(variable().min(0.0));
                objective.add_mul(-rho, e);
                lhs.add_mul(if is_max { -1.0 } else { 1.0 }, e);
            }
            constraints.push(if is_max { lhs.leq(b) } else { lhs.geq(b) });
        }
    }
    let mut model = vars.maximise(objective.clone()).using(highs);
    for c in constraints {
        model = model.with(c);
    }
    (model, objective)
}

/// `min_x Σ_k δ_k V_k(x)` over the assignment polytope (no rules), by HiGHS.
pub fn highs_min_ray_value(data: &ProblemData, ray: &[f64]) -> f64 {
    let n = data.scores.len();
    let (m, w) = slate(data);
    let mut c = vec![vec![0.0; m]; n];
    for (r, &d) in data.rules.iter().zip(ray) {
        let a = coefficients(r, n);
        let v = profile_weights(r.profile, &w);
        for i in 0..n {
            for j in 0..m {
                c[i][j] += d * a[i] * v[j];
            }
        }
    }
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<Variable>> =
        (0..n).map(|_| (0..m).map(|_| vars.add(variable().min(0.0).max(1.0))).collect()).collect();
    let mut objective = Expression::from(0.0);
    for i in 0..n {
        for j in 0..m {
            objective.add_mul(c[i][j], x[i][j]);
        }
    }
    let mut model = vars.minimise(objective.clone()).using(highs).set_threads(1);
    for j in 0..m {
        model = model.with((0..n).map(|i| x[i][j]).sum::<Expression>().eq(1.0));
    }
    for xi in &x {
        model = model.with(xi.iter().copied().sum::<Expression>().leq(1.0));
    }
    let sol = model.solve().expect("the assignment polytope is never empty");
    sol.eval(&objective)
}

/// The scale of relative comparisons, as `Solution::relative_gap` documents it:
/// `Σ_j w_j · max_i |s_i|`, plus for each soft rule `ρ · (its largest value + its largest
/// bound)`, where the largest value is `max |a_i|` times the rule's slots (its depth, or
/// `Σ w` for exposure).
pub fn objective_scale(data: &ProblemData) -> f64 {
    let (m, w) = slate(data);
    let n = data.scores.len();
    let total_weight: f64 = w.iter().sum();
    let scores = total_weight * data.scores.iter().fold(0.0f64, |a, s| a.max(s.abs()));
    let penalties: f64 = data
        .rules
        .iter()
        .filter_map(|r| r.penalty.map(|rho| (r, rho)))
        .map(|(r, rho)| {
            let slots = match r.profile {
                SlotProfile::Top(d) => d.min(m) as f64,
                SlotProfile::WholeSlate => m as f64,
                SlotProfile::Exposure => total_weight,
            };
            let coef = coefficients(r, n).iter().fold(0.0f64, |a, c| a.max(c.abs()));
            let bound = r.max.unwrap_or(0.0).abs().max(r.min.unwrap_or(0.0).abs());
            rho * (slots * coef + bound)
        })
        .sum();
    scores + penalties
}

/// Verifies a solution from the lottery alone (and the certificate), panicking with a
/// description of the first thing that is wrong.
pub fn check_solution(data: &ProblemData, sol: &Solution) {
    let n = data.scores.len();
    let (m, w) = slate(data);
    let scale = objective_scale(data).max(f64::MIN_POSITIVE);
    let rows: usize =
        data.rules.iter().map(|r| usize::from(r.max.is_some()) + usize::from(r.min.is_some())).sum();
    match sol.status() {
        Status::Infeasible => {
            assert_eq!(sol.lottery_len(), 0, "an infeasible answer offers no lottery");
            let ray = sol.infeasibility_ray().expect("infeasible answers carry a ray");
            let mut rhs = 0.0;
            for (r, &d) in data.rules.iter().zip(ray) {
                assert!(r.penalty.is_none() || d == 0.0, "soft rules take no part in an infeasibility proof");
                if d > 0.0 {
                    rhs += d * r.max.expect("positive ray entry needs a max");
                } else if d < 0.0 {
                    rhs += d * r.min.expect("negative ray entry needs a min");
                }
            }
            let lhs = highs_min_ray_value(data, ray);
            assert!(lhs > rhs + 1e-9, "ray does not prove infeasibility: min δ·V = {lhs} ≤ δ·b = {rhs}");
            let rules = data.rules();
            lprank::verify::verify(&data.problem(&rules), sol, 1e-9, 1e-9)
                .expect("lprank::verify accepts it too");
            return;
        }
        Status::Optimal => {}
        other => panic!("unexpected status {other}"),
    }

    // The lottery: valid slates, a probability distribution, at most rows + 1 rankings.
    assert_eq!(sol.slate_len(), m);
    assert!(
        sol.lottery_len() >= 1 && sol.lottery_len() <= rows + 1,
        "{} rankings for {rows} rows",
        sol.lottery_len()
    );
    let mut x = vec![vec![0.0; m]; n];
    let mut total = 0.0;
    for r in sol.lottery() {
        assert!(r.probability > 0.0 && r.probability <= 1.0 + 1e-12, "probability {}", r.probability);
        assert_eq!(r.items.len(), m);
        let mut seen = vec![false; n];
        for (j, &i) in r.items.iter().enumerate() {
            assert!(i < n && !seen[i], "ranking {:?} is not a slate of distinct items", r.items);
            seen[i] = true;
            x[i][j] += r.probability;
        }
        total += r.probability;
    }
    assert!((total - 1.0).abs() <= 1e-12, "probabilities sum to {total}");

    // Rule values, violations and the objective, recomputed from x.
    let mut objective: f64 =
        (0..n).map(|i| (0..m).map(|j| data.scores[i] * w[j] * x[i][j]).sum::<f64>()).sum();
    for (k, r) in data.rules.iter().enumerate() {
        let a = coefficients(r, n);
        let v = profile_weights(r.profile, &w);
        let value: f64 = (0..n).map(|i| (0..m).map(|j| a[i] * v[j] * x[i][j]).sum::<f64>()).sum();
        let reported = sol.rules()[k];
        assert!(
            (value - reported.value).abs() <= 1e-9 * value.abs().max(1.0),
            "rule {k}: value {value} vs {}",
            reported.value
        );
        let violation =
            r.max.map_or(0.0, |b| (value - b).max(0.0)) + r.min.map_or(0.0, |b| (b - value).max(0.0));
        match r.penalty {
            None => {
                let magnitude = r.max.unwrap_or(0.0).abs().max(r.min.unwrap_or(0.0).abs()).max(1.0);
                assert!(violation <= 1e-9 * magnitude, "hard rule {k} violated by {violation}");
            }
            Some(rho) => objective -= rho * violation,
        }
    }
    assert!(
        (objective - sol.objective()).abs() <= 1e-9 * scale.max(objective.abs()),
        "objective {} reported, {objective} rebuilt",
        sol.objective()
    );

    // The certificate: dual feasibility (repaired by the worst violation) and the gap.
    let cert = sol.certificate();
    let (alpha, beta, y) = (cert.item_duals(), cert.slot_duals(), cert.rule_duals());
    assert_eq!((alpha.len(), beta.len(), y.len()), (n, m, data.rules.len()));
    let mut reduced = vec![vec![0.0; m]; n];
    for i in 0..n {
        for j in 0..m {
            reduced[i][j] = data.scores[i] * w[j];
        }
    }
    let mut dual_objective: f64 = alpha.iter().sum::<f64>() + beta.iter().sum::<f64>();
    for (k, r) in data.rules.iter().enumerate() {
        let yk = y[k];
        if let Some(rho) = r.penalty {
            assert!(yk.abs() <= rho * (1.0 + 1e-12), "soft rule {k}: |dual| {yk} exceeds penalty {rho}");
        }
        if yk > 0.0 {
            dual_objective += yk * r.max.expect("positive dual needs a max");
        } else if yk < 0.0 {
            dual_objective += yk * r.min.expect("negative dual needs a min");
        }
        let a = coefficients(r, n);
        let v = profile_weights(r.profile, &w);
        for i in 0..n {
            for j in 0..m {
                reduced[i][j] -= yk * a[i] * v[j];
            }
        }
    }
    let mut worst = 0.0f64;
    for i in 0..n {
        assert!(alpha[i] >= 0.0, "α[{i}] = {} < 0", alpha[i]);
        for j in 0..m {
            worst = worst.max(reduced[i][j] - alpha[i] - beta[j]);
        }
    }
    let certified_bound = dual_objective + m as f64 * worst;
    let gap = certified_bound - sol.objective();
    assert!(
        gap <= 1e-9 * scale.max(sol.objective().abs()),
        "certified gap {gap} (dual {dual_objective}, worst dual violation {worst}) is above 1e-9 relative"
    );
    assert!(
        gap >= -1e-9 * scale.max(sol.objective().abs()),
        "bound {certified_bound} below objective {}",
        sol.objective()
    );

    // The library's own verifier must agree with this independent one.
    let rules = data.rules();
    lprank::verify::verify(&data.problem(&rules), sol, 1e-9, 1e-9).expect("lprank::verify accepts it too");
}

/// The classes of generated problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    NoRules,
    ExposureOnly,
    TopOnly,
    WholeSlate,
    Mixed,
    RealCoefficients,
    TwoSided,
    Soft,
    Ties,
    ZeroWeights,
    FewerItemsThanSlots,
    Infeasible,
}

pub const CLASSES: [Class; 12] = [
    Class::NoRules,
    Class::ExposureOnly,
    Class::TopOnly,
    Class::WholeSlate,
    Class::Mixed,
    Class::RealCoefficients,
    Class::TwoSided,
    Class::Soft,
    Class::Ties,
    Class::ZeroWeights,
    Class::FewerItemsThanSlots,
    Class::Infeasible,
];

/// A random problem of `class` with about `n` items and `m` slots and `k` rules,
/// deterministic in `seed`. Bounds are drawn around the values random rankings reach, so
/// many rules bind and some combinations are infeasible.
pub fn generate(class: Class, n: usize, m: usize, k: usize, seed: u64) -> ProblemData {
    let mut rng = SplitMix64::new(seed);
    let n = n.max(1);
    let (n, m) = match class {
        Class::FewerItemsThanSlots => (n.min(m.max(2) - 1).max(1), m.max(2)),
        _ => (n, m.max(1)),
    };
    let scores: Vec<f64> = (0..n)
        .map(|_| match class {
            Class::Ties => [0.0, 0.5, 0.5, 1.0][rng.below(4)],
            _ if rng.below(10) == 0 => 0.0,
            _ => (rng.normal() * 100.0).round() / 100.0,
        })
        .collect();
    let position_weights = match class {
        Class::ZeroWeights => {
            let zeros = 1 + rng.below(m);
            let mut w: Vec<f64> = (0..m).map(default_position_weight).collect();
            for x in &mut w[m - zeros.min(m)..] {
                *x = 0.0;
            }
            Some(w)
        }
        _ if rng.below(4) == 0 => {
            let mut w: Vec<f64> = (0..m).map(|_| (rng.next_f64() * 4.0).round() / 4.0).collect();
            w.sort_by(|a, b| b.total_cmp(a));
            Some(w)
        }
        _ => None,
    };
    let k = match class {
        Class::NoRules => 0,
        Class::Infeasible => k.max(1),
        _ => k.max(1),
    };
    let probe = ProblemData {
        scores: scores.clone(),
        slots: Some(m),
        position_weights: position_weights.clone(),
        rules: vec![],
    };
    let (ms, w) = slate(&probe);
    let mut rules = Vec::new();
    for r in 0..k {
        let profile = match class {
            Class::ExposureOnly => SlotProfile::Exposure,
            Class::TopOnly | Class::Ties => SlotProfile::Top(1 + rng.below(ms + 1)),
            Class::WholeSlate => SlotProfile::WholeSlate,
            _ => match rng.below(3) {
                0 => SlotProfile::Exposure,
                1 => SlotProfile::Top(1 + rng.below(ms + 1)),
                _ => SlotProfile::WholeSlate,
            },
        };
        let members = if class == Class::RealCoefficients || (class == Class::Mixed && rng.below(4) == 0) {
            MembersData::Coefficients((0..n).map(|_| ((rng.normal()) * 4.0).round() / 4.0).collect())
        } else {
            let mut items: Vec<usize> = (0..n).filter(|_| rng.below(3) == 0).collect();
            if items.is_empty() {
                items.push(rng.below(n));
            }
            // Shuffle the member list: order must not matter.
            for i in (1..items.len()).rev() {
                items.swap(i, rng.below(i + 1));
            }
            MembersData::Items(items)
        };
        let a = coefficients(
            &RuleData {
                name: String::new(),
                members: members.clone(),
                profile,
                max: None,
                min: None,
                penalty: None,
            },
            n,
        );
        let v = profile_weights(profile, &w);
        // The value of a random ranking: a bound that some lotteries meet.
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            perm.swap(i, rng.below(i + 1));
        }
        let value: f64 = (0..ms).map(|j| a[perm[j]] * v[j]).sum();
        let jitter = (rng.next_f64() - 0.5) * 2.0;
        let bound = if matches!(profile, SlotProfile::Exposure) {
            value + 0.3 * jitter
        } else {
            (value + jitter).round()
        };
        let (min, max) = match (class, rng.below(3)) {
            (Class::TwoSided, _) => (Some(bound - rng.below(2) as f64), Some(bound + rng.below(2) as f64)),
            (Class::Infeasible, _) if r == 0 => {
                // More than any ranking can reach: Σ_j v_j max(a, 0) + 1.
                let mut best: Vec<f64> = a.iter().map(|x| x.max(0.0)).collect();
                best.sort_by(|p, q| q.total_cmp(p));
                let cap: f64 = (0..ms).map(|j| best[j] * v[j]).sum();
                (Some(cap + 1.0), None)
            }
            (_, 0) => (Some(bound), None),
            (_, 1) => (None, Some(bound)),
            (_, _) => (Some(bound - 1.0), Some(bound + 0.5)),
        };
        let penalty = match class {
            Class::Soft => Some((rng.next_f64() * 4.0).round() / 2.0),
            Class::Mixed if rng.below(4) == 0 => Some(rng.next_f64()),
            _ => None,
        };
        rules.push(RuleData { name: format!("r{r}"), members, profile, max, min, penalty });
    }
    let slots = if position_weights.is_some() && rng.below(2) == 0 { None } else { Some(m) };
    ProblemData { scores, slots, position_weights, rules }
}

/// How far HiGHS's objective may be from lprank's in the benchmarks, relative to the scale
/// (`max(|objective|, objective_scale)`): at its default options HiGHS's feasibility
/// tolerances are 1e-7 absolute per row, lprank's certified gap is 1e-9.
pub const HIGHS_BENCH_TOLERANCE: f64 = 1e-6;

/// The benchmarks' HiGHS peer: builds and hands over the explicit LP at HiGHS's default
/// options (not timed), times `Highs_run` alone, and panics, naming `label`, unless it ends
/// `Optimal` with lprank's objective `ours` within [`HIGHS_BENCH_TOLERANCE`] of the scale.
pub fn timed_highs_solve(data: &ProblemData, ours: f64, label: &str) -> std::time::Duration {
    let model = highs_model_with_default_options(data).0.into_inner();
    let start = std::time::Instant::now();
    let solved = model.solve();
    let elapsed = start.elapsed();
    // good_lp does not re-export the `highs` crate, so its status enum cannot be named
    // here: compare its Debug name.
    let status = format!("{:?}", solved.status());
    assert_eq!(status, "Optimal", "{label}: HiGHS ended {status}");
    let theirs = solved.objective_value();
    let scale = ours.abs().max(objective_scale(data));
    assert!(
        (theirs - ours).abs() <= HIGHS_BENCH_TOLERANCE * scale,
        "{label}: HiGHS objective {theirs}, lprank {ours} (scale {scale})"
    );
    elapsed
}

/// Nanoseconds as the benchmarks' tables show them (µs, ms or s).
pub fn human_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}
