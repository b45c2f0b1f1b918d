//! The Solution API (sample, most_likely, statuses under limits), settings validation and
//! the solver on larger screened instances against HiGHS.

mod common;

use std::time::Duration;

use common::{check_solution, highs_objective};
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::{Members, Problem, Rule, Settings, SettingsError, SlotProfile, Slots, Solver, Status};
use proptest::prelude::*;

/// A problem whose optimum needs a lottery of two rankings: item 0 may sit in slot 0 with
/// probability 1/2 only.
fn half_problem() -> (Vec<f64>, Vec<usize>) {
    (vec![1.0, 0.5, 0.2], vec![0])
}

#[test]
fn sample_serves_each_ranking_with_its_probability() {
    let (scores, members) = half_problem();
    let rules = [Rule::at_most(Members::Items(&members), SlotProfile::Top(1), 0.5)];
    let problem = Problem::new(&scores, Slots::Count(2)).with_rules(&rules);
    let mut solver = Solver::default();
    let sol = solver.solve(&problem).unwrap();
    assert_eq!(sol.status(), Status::Optimal);
    assert_eq!(sol.lottery_len(), 2);
    let lottery: Vec<_> = sol.lottery().collect();
    // Count how often each ranking is served over a fine grid of u.
    let grid = 10_000;
    let mut served = vec![0usize; lottery.len()];
    for s in 0..grid {
        let u = (s as f64 + 0.5) / grid as f64;
        let r = sol.sample(u).unwrap();
        let t = lottery.iter().position(|l| l.items == r).unwrap();
        served[t] += 1;
    }
    for (t, l) in lottery.iter().enumerate() {
        assert!((served[t] as f64 / grid as f64 - l.probability).abs() < 1e-3);
    }
    // Out-of-range u is clamped, NaN reads as 0.
    assert_eq!(sol.sample(-3.0), sol.sample(0.0));
    assert_eq!(sol.sample(f64::NAN), sol.sample(0.0));
    assert_eq!(sol.sample(7.0), Some(lottery.last().unwrap().items));
    let best = lottery.iter().fold(lottery[0], |b, l| if l.probability > b.probability { *l } else { b });
    assert_eq!(sol.most_likely(), Some(best.items));
    assert!((sol.rules()[0].value - 0.5).abs() < 1e-12);
    assert!(sol.rules()[0].dual > 0.0, "the cap binds");
}

#[test]
fn infeasible_answers_serve_nothing() {
    let scores = [1.0, 0.5];
    let rules = [Rule::at_least(Members::Items(&[0]), SlotProfile::Top(1), 2.0)];
    let mut solver = Solver::default();
    let sol = solver.solve(&Problem::new(&scores, Slots::Count(2)).with_rules(&rules)).unwrap();
    assert_eq!(sol.status(), Status::Infeasible);
    assert_eq!(sol.sample(0.3), None);
    assert_eq!(sol.most_likely(), None);
    assert!(sol.objective().is_nan());
    assert!(sol.infeasibility_ray().unwrap()[0] < 0.0, "the min side proves it");
}

#[test]
fn settings_are_validated_once() {
    assert!(matches!(
        Solver::new(Settings::default().with_relative_gap(f64::NAN)),
        Err(SettingsError::RelativeGap(_))
    ));
    assert!(matches!(
        Solver::new(Settings::default().with_relative_gap(-1.0)),
        Err(SettingsError::RelativeGap(_))
    ));
    assert!(matches!(
        Solver::new(Settings::default().with_max_iterations(0)),
        Err(SettingsError::ZeroCap("max_iterations"))
    ));
    let bad = Settings { feasibility_tolerance: 0.0, ..Settings::default() };
    assert!(matches!(Solver::new(bad), Err(SettingsError::FeasibilityTolerance(_))));
    assert!(Solver::new(Settings::default()).is_ok());
}

/// What every answer cut short by a limit must be, against HiGHS's `optimum`: a limit status
/// (or optimal); any bound given is a true one (before phase 1 has found a feasible lottery
/// there is none: NaN); with a lottery, the bound is a number, the objective is below the
/// optimum and every rule holds; without one, no objective.
fn check_limited_answer(sol: &lprank::Solution, data: &lprank::json::ProblemData, optimum: f64) {
    // HiGHS's optimum is exact to its tolerances, not to the last bit.
    let tol = 1e-7 * optimum.abs().max(1.0);
    assert!(matches!(sol.status(), Status::IterationLimit | Status::Optimal), "{}", sol.status());
    assert!(
        sol.bound().is_nan() || sol.bound() >= optimum - tol,
        "bound {} below HiGHS's optimum {optimum}",
        sol.bound()
    );
    if sol.lottery_len() > 0 {
        assert!(sol.bound() >= optimum - tol, "bound {} with a lottery", sol.bound());
        assert!(sol.objective() <= optimum + tol, "{} above HiGHS's optimum {optimum}", sol.objective());
        for (o, r) in sol.rules().iter().zip(&data.rules) {
            assert!(
                o.value <= r.max.unwrap_or(f64::INFINITY) + 1e-9
                    && o.value >= r.min.unwrap_or(f64::NEG_INFINITY) - 1e-9
            );
        }
    } else {
        assert!(sol.objective().is_nan(), "no lottery, no objective");
    }
}

#[test]
fn limits_are_statuses_with_an_honest_gap() {
    let data = random_mixed(300, 20, 8, RuleMix::Mixed, 3);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let optimum = highs_objective(&data).unwrap().expect("random_mixed is feasible by construction");
    let mut with_lottery = 0;
    for iterations in [1, 2, 5, 10] {
        let mut solver = Solver::new(Settings::default().with_max_iterations(iterations)).unwrap();
        let sol = solver.solve(&problem).unwrap();
        eprintln!(
            "{iterations} iterations: {} with {} rankings, bound {}",
            sol.status(),
            sol.lottery_len(),
            sol.bound()
        );
        assert!(sol.stats().iterations <= iterations);
        check_limited_answer(sol, &data, optimum);
        with_lottery += usize::from(sol.lottery_len() > 0);
    }
    assert!(with_lottery > 0, "no iteration cap reached a lottery: the checks above tested only its absence");
    let mut hurried = Solver::new(Settings::default().with_time_limit(Duration::ZERO)).unwrap();
    let sol = hurried.solve(&problem).unwrap();
    assert_eq!(sol.status(), Status::TimeLimit);
    assert_eq!(sol.stats().iterations, 0);
}

/// A pivot cap that stops the edge master mid-solve is `iteration_limit` with its message;
/// once phase 2 was reached the flow it stopped at still becomes a lottery that meets the
/// rules, below HiGHS's optimum, and any bound given is a true one.
#[test]
fn a_pivot_cap_is_a_status_with_an_honest_gap() {
    let data = random_mixed(300, 20, 8, RuleMix::Mixed, 3);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let optimum = highs_objective(&data).unwrap().expect("random_mixed is feasible by construction");
    let mut capped_with_lottery = 0;
    for cap in [5, 20, 40, 60, 100, 150] {
        let settings = Settings { max_master_pivots: cap, ..Settings::default() };
        let mut solver = Solver::new(settings).unwrap();
        let sol = solver.solve(&problem).unwrap();
        eprintln!("{cap} pivots: {} with {} rankings, {:?}", sol.status(), sol.lottery_len(), sol.message());
        if sol.status() == Status::IterationLimit {
            let message = sol.message().expect("a pivot cap says so");
            assert!(message.contains("max_master_pivots"), "{message}");
        }
        check_limited_answer(sol, &data, optimum);
        capped_with_lottery += u32::from(sol.lottery_len() > 0 && sol.status() == Status::IterationLimit);
    }
    assert!(capped_with_lottery > 0, "no pivot cap stopped phase 2: the lottery after a cap went untested");
}

#[test]
fn one_solver_serves_problems_of_changing_shape() {
    let mut solver = Solver::default();
    for (n, m, k, seed) in [(300, 20, 8, 1), (5, 10, 2, 2), (1000, 50, 10, 3), (50, 5, 0, 4), (300, 20, 8, 1)]
    {
        let data = random_mixed(n, m, k, RuleMix::Mixed, seed);
        let rules = data.rules();
        let sol = solver.solve(&data.problem(&rules)).unwrap();
        assert_eq!(sol.status(), Status::Optimal, "{n}x{m} K={k}");
        check_solution(&data, sol);
    }
}

/// How many items have at least m + 1 better-scored items with the same coefficient in every
/// rule (ties broken by index, as screening breaks them): Σ over classes of equal
/// coefficients of max(0, size − (m + 1)), with m the slate length.
fn same_pattern_surplus(data: &lprank::json::ProblemData) -> usize {
    let n = data.scores.len();
    let (m, _) = common::slate(data);
    let columns: Vec<Vec<f64>> = data.rules.iter().map(|r| common::coefficients(r, n)).collect();
    let mut classes = std::collections::HashMap::<Vec<u64>, usize>::new();
    for i in 0..n {
        *classes.entry(columns.iter().map(|c| c[i].to_bits()).collect()).or_default() += 1;
    }
    classes.values().map(|&size| size.saturating_sub(m + 1)).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]
    /// Larger instances, where screening removes items and the assignment runs on a
    /// candidate subset: still HiGHS's optimum, still certified.
    ///
    /// Screening must remove at least what its documented rule guarantees: items with the
    /// same coefficients in every rule dominate one another by score, so of each such class
    /// only the m + 1 best can stay. random_mixed's rules are over 8 item groups, so there
    /// are at most 8 classes, and n ≥ 8(m + 2) puts more than m + 1 items in one of them:
    /// every case must screen something.
    #[test]
    fn larger_screened_instances_match_highs(m in 2usize..16, extra in 0usize..160, k in 1usize..7, seed in any::<u64>(), exposure in any::<bool>()) {
        let n = 8 * (m + 2) + extra;
        let mix = if exposure { RuleMix::ExposureOnly } else { RuleMix::Mixed };
        let data = random_mixed(n, m, k, mix, seed);
        let rules = data.rules();
        let mut solver = Solver::default();
        let sol = solver.solve(&data.problem(&rules)).unwrap();
        let expected = highs_objective(&data).map_err(TestCaseError::fail)?.expect("random_mixed is feasible by construction");
        prop_assert_eq!(sol.status(), Status::Optimal);
        prop_assert!((sol.objective() - expected).abs() <= 1e-7 * expected.abs().max(1.0), "{} vs {}", sol.objective(), expected);
        let must_drop = same_pattern_surplus(&data);
        prop_assert!(must_drop > 0, "n = {} should leave a class of more than m + 1 = {} items", n, m + 1);
        prop_assert!(sol.stats().screened_items >= must_drop, "screening removed {} items, at least {} are dominated within their class", sol.stats().screened_items, must_drop);
        check_solution(&data, sol);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]
    /// Long slates (32 slots and more). With real coefficients (more coefficient patterns
    /// than two per slot) the inner assignment runs over candidate lists and starts warm
    /// (square problem, greedy or previous potentials), and bands of 8+ slots prefilter
    /// the candidates; the feed request's few patterns take the pattern path. Either way:
    /// still HiGHS's optimum, still certified, the same answer from a solver that solved
    /// something else first (no warm start outlives a solve), and bit-identical to a fresh
    /// solver's.
    #[test]
    fn long_slates_with_warm_started_assignments_match_highs(n in 100usize..160, m in 32usize..44, k in 2usize..7, seed in any::<u64>(), group in 2usize..5) {
        let real = group != 2;
        let data = if real {
            // Four rules or more, so that few items share the all-zero pattern and the
            // kept items fall into more than 2m patterns.
            lprank::synthetic::family_instance(lprank::synthetic::Family::RealCoefficients, n, m, k.max(4), RuleMix::Mixed, seed)
        } else {
            lprank::synthetic::feed_request(n, m, seed).problem
        };
        let rules = data.rules();
        let mut solver = Solver::default();
        let sol = solver.solve(&data.problem(&rules)).unwrap().clone();
        match highs_objective(&data).map_err(TestCaseError::fail)? {
            None => prop_assert_eq!(sol.status(), Status::Infeasible),
            Some(expected) => {
                prop_assert_eq!(sol.status(), Status::Optimal);
                prop_assert!((sol.objective() - expected).abs() <= 1e-7 * expected.abs().max(1.0), "{} vs {}", sol.objective(), expected);
                check_solution(&data, &sol);
            }
        }
        let stats = sol.stats();
        if real {
            // The path this test is for: candidate lists, every one warm (m ≥ 32).
            prop_assert_eq!(stats.pattern_assignments, 0, "{:?}", stats);
            prop_assert_eq!(stats.warm_started_assignments, stats.assignment_solves, "{:?}", stats);
        } else {
            prop_assert_eq!(stats.pattern_assignments, stats.assignment_solves, "{:?}", stats);
        }
        // A solver that solved something else first gives the same bits: another problem
        // (of another size), then this very problem, whose last assignment would be the
        // ideal warm start if one leaked from one solve into the next.
        let other = random_mixed(n + 7, m, k, RuleMix::Mixed, seed ^ 0xABCD);
        let other_rules = other.rules();
        let mut reused = Solver::default();
        reused.solve(&other.problem(&other_rules)).unwrap();
        for _ in 0..2 {
            let again = reused.solve(&data.problem(&rules)).unwrap();
            prop_assert_eq!(again.objective().to_bits(), sol.objective().to_bits());
            prop_assert_eq!(again.lottery_len(), sol.lottery_len());
            for (a, b) in again.lottery().zip(sol.lottery()) {
                prop_assert_eq!(a.items, b.items);
                prop_assert_eq!(a.probability.to_bits(), b.probability.to_bits());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]
    /// Real coefficients defeat pattern screening, so many items stay and the dual method
    /// works on a working set that a final check must confirm (or grow): still HiGHS's
    /// status and optimum, still certified over every item.
    #[test]
    fn working_set_instances_match_highs(n in 150usize..400, m in 2usize..8, k in 1usize..4, seed in any::<u64>()) {
        let mut data = common::generate(common::Class::RealCoefficients, n, m, k, seed);
        // Continuous coefficients: every item its own pattern, so pattern screening can
        // only compare them pairwise and leaves most items.
        let mut rng = lprank::synthetic::SplitMix64::new(seed ^ 1);
        for r in &mut data.rules {
            if let lprank::json::MembersData::Coefficients(c) = &mut r.members {
                for x in c.iter_mut() {
                    *x += 0.01 * rng.normal();
                }
                // A loose second bound makes the rule two-sided: then no coefficient is
                // more favourable than another and cross-pattern dominance drops nothing.
                let loose = c.iter().map(|x| x.abs()).sum::<f64>() * m as f64 + 1.0;
                r.min = r.min.or(Some(-loose));
                r.max = r.max.or(Some(loose));
            }
        }
        let rules = data.rules();
        let mut solver = Solver::default();
        let sol = solver.solve(&data.problem(&rules)).unwrap();
        match highs_objective(&data).map_err(TestCaseError::fail)? {
            None => prop_assert_eq!(sol.status(), Status::Infeasible),
            Some(expected) => {
                prop_assert_eq!(sol.status(), Status::Optimal);
                prop_assert!((sol.objective() - expected).abs() <= 1e-7 * expected.abs().max(1.0), "{} vs {}", sol.objective(), expected);
                prop_assert!(sol.stats().dynamically_screened_items > 0, "the working set should have left items out");
            }
        }
        check_solution(&data, sol);
    }
}

/// A working set that starts without the items the optimum needs: every coefficient is
/// positive, so the start holds only the best scores, but a tight exposure cap favours
/// low-coefficient items far down the score order. The final check must find them.
#[test]
fn working_set_grows_when_the_optimum_needs_outsiders() {
    let n = 600;
    let m = 5;
    let mut rng = lprank::synthetic::SplitMix64::new(42);
    let scores: Vec<f64> = (0..n).map(|i| 1.0 - i as f64 / n as f64 + 0.001 * rng.next_f64()).collect();
    // Good scores come with large coefficients, poor ones with tiny coefficients.
    let coefficients: Vec<f64> =
        (0..n).map(|i| 1.0 - 0.99 * i as f64 / n as f64 + 0.001 * rng.next_f64()).collect();
    let exposure: f64 = (0..m).map(lprank::default_position_weight).sum();
    let data = lprank::json::ProblemData {
        scores,
        slots: Some(m),
        position_weights: None,
        rules: vec![lprank::json::RuleData {
            name: "cap".into(),
            members: lprank::json::MembersData::Coefficients(coefficients),
            profile: SlotProfile::Exposure,
            max: Some(0.05 * exposure),
            min: Some(-1.0), // loose: makes the rule two-sided, so nothing is screened statically
            penalty: None,
        }],
    };
    let rules = data.rules();
    let mut solver = Solver::default();
    let sol = solver.solve(&data.problem(&rules)).unwrap();
    assert_eq!(sol.status(), Status::Optimal);
    assert!(sol.stats().working_set_growths > 0, "{:?}", sol.stats());
    let expected = highs_objective(&data).unwrap().unwrap();
    assert!(
        (sol.objective() - expected).abs() <= 1e-7 * expected.abs().max(1.0),
        "{} vs {expected}",
        sol.objective()
    );
    check_solution(&data, sol);
}

/// A budget far below what the solve needs: the answer is `time_limit` with, when phase 1
/// finished, a feasible lottery whose bound is still a true bound. (No timing is asserted:
/// a very fast machine may finish, and then the answer must be optimal.)
#[test]
fn a_time_budget_returns_the_best_lottery_so_far() {
    let data = random_mixed(3000, 60, 14, RuleMix::Mixed, 11);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let optimum = highs_objective(&data).unwrap().expect("random_mixed is feasible by construction");
    let tol = 1e-7 * optimum.abs().max(1.0);
    let mut solver = Solver::new(Settings::default().with_time_limit(Duration::from_millis(15))).unwrap();
    let sol = solver.solve(&problem).unwrap();
    eprintln!(
        "{} with {} rankings after {} iterations",
        sol.status(),
        sol.lottery_len(),
        sol.stats().iterations
    );
    match sol.status() {
        Status::Optimal => {
            assert!((sol.objective() - optimum).abs() <= tol, "{} vs {optimum}", sol.objective())
        }
        Status::TimeLimit if sol.lottery_len() > 0 => {
            assert!(
                sol.objective() <= optimum + tol && sol.bound() >= optimum - tol,
                "objective {} and bound {} should bracket HiGHS's optimum {optimum}",
                sol.objective(),
                sol.bound()
            );
            for (o, r) in sol.rules().iter().zip(&data.rules) {
                let (lo, hi) = (r.min.unwrap_or(f64::NEG_INFINITY), r.max.unwrap_or(f64::INFINITY));
                assert!(o.value >= lo - 1e-9 && o.value <= hi + 1e-9, "rule {} at {}", r.name, o.value);
            }
        }
        Status::TimeLimit => assert!(sol.objective().is_nan()),
        other => panic!("{other}"),
    }
}

/// Found by fuzzing (solve_structured): with every position weight 0 the scores contribute
/// nothing, so the objective's scale must come from the soft rule's penalty, or no gap
/// could ever count as small and the solve stopped as `iteration_limit` after 2 iterations.
#[test]
fn zero_weights_with_a_soft_rule_still_solve_to_optimality() {
    let scores = [-4.0, -4.0, -1.0, -4.0, 1.0, 0.5, -4.0, -4.0, 1.25, -4.0];
    let c1 = [-0.5, -4.0, -3.5, -2.5, 0.0, -4.0, -3.0, 1.25, -3.0, 1.25];
    let c2 = [-4.0; 10];
    let rules = [
        Rule::between(Members::Coefficients(&c1), SlotProfile::WholeSlate, Some(-1.5), Some(2.5)).soft(1.5),
        Rule::at_least(Members::Coefficients(&c2), SlotProfile::Exposure, -4.0),
        Rule::at_least(Members::Coefficients(&c2), SlotProfile::Exposure, -4.0),
    ];
    let problem = Problem::new(&scores, Slots::Weights(&[0.0])).with_rules(&rules);
    let mut solver = Solver::default();
    let sol = solver.solve(&problem).unwrap();
    assert_eq!(sol.status(), Status::Optimal, "{:?}", sol.stats());
    lprank::verify::verify(&problem, sol, 1e-9, 1e-9).unwrap();
}
