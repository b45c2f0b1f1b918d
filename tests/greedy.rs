//! The greedy baseline: its slates are checked from the problem alone (rule values,
//! violations, objective recomputed here), against HiGHS's LP optimum when it meets the
//! rules, and on a case where its myopic check must fail a rule that the LP meets.

mod alloc_counter;
mod common;

use alloc_counter::allocations;
use common::{
    coefficients, generate, highs_objective, objective_scale, profile_weights, slate, Class, CLASSES,
};
use lprank::json::ProblemData;
use lprank::{Greedy, Members, Problem, Rule, SlotProfile, Slots, Solver, Status};

/// Recomputes a greedy slate's rule values, violations and objective from `data` alone and
/// compares them with what the builder reported; returns whether every hard rule holds.
fn check_slate(data: &ProblemData) -> (bool, f64) {
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut greedy = Greedy::new();
    let g = greedy.rank(&problem).expect("valid");
    let n = data.scores.len();
    let (m, w) = slate(data);
    assert_eq!(g.slate.len(), m);
    let mut seen = vec![false; n];
    for &i in g.slate {
        assert!(i < n && !seen[i], "{:?} is not a slate of distinct items", g.slate);
        seen[i] = true;
    }
    let mut objective: f64 = g.slate.iter().zip(&w).map(|(&i, wj)| data.scores[i] * wj).sum();
    let mut holds = true;
    for (k, r) in data.rules.iter().enumerate() {
        let a = coefficients(r, n);
        let v = profile_weights(r.profile, &w);
        let value: f64 = g.slate.iter().zip(&v).map(|(&i, vj)| a[i] * vj).sum();
        assert!((value - g.rule_values[k]).abs() <= 1e-9 * value.abs().max(1.0), "rule {k}");
        let violation =
            r.max.map_or(0.0, |b| (value - b).max(0.0)) + r.min.map_or(0.0, |b| (b - value).max(0.0));
        assert!((violation - g.violations[k]).abs() <= 1e-9 * violation.max(1.0), "rule {k}");
        match r.penalty {
            Some(rho) => objective -= rho * violation,
            None => {
                let scale = r.max.unwrap_or(0.0).abs().max(r.min.unwrap_or(0.0).abs()).max(1.0);
                holds &= violation <= 1e-9 * scale;
            }
        }
    }
    assert!((objective - g.objective).abs() <= 1e-9 * objective.abs().max(1.0));
    assert_eq!(holds, g.broken_hard_rules == 0);
    (holds, g.objective)
}

/// On every generated class: reported numbers are right, and a slate that meets the hard
/// rules is a feasible point of the LP, so it never beats HiGHS's optimum.
#[test]
fn slates_are_reported_truly_and_never_beat_the_lp() {
    let (mut held, mut broke) = (0, 0);
    for class in CLASSES {
        for seed in 0..40 {
            let data =
                generate(class, 4 + (seed % 7) as usize, 1 + (seed % 5) as usize, (seed % 4) as usize, seed);
            let (holds, objective) = check_slate(&data);
            if !holds {
                broke += 1;
                continue;
            }
            held += 1;
            let optimum =
                highs_objective(&data).expect("HiGHS solves it").expect("a held slate proves feasibility");
            let scale = optimum.abs().max(objective_scale(&data)).max(1e-12);
            assert!(
                objective <= optimum + 1e-7 * scale,
                "{class:?} seed {seed}: greedy {objective} > LP {optimum}"
            );
        }
    }
    eprintln!("slates meeting the hard rules: {held}, breaking one: {broke}");
    assert!(held > 100 && broke > 0, "held {held}, broke {broke}");
}

/// Without rules the greedy slate is the items sorted by score (ties by index), as the LP's.
#[test]
fn without_rules_it_is_the_sort() {
    let scores = [0.3, 0.9, 0.3, -1.0, 0.95];
    let mut greedy = Greedy::new();
    let g = greedy.rank(&Problem::new(&scores, Slots::Count(4))).unwrap();
    assert_eq!(g.slate, &[4, 1, 0, 2]);
    assert_eq!(g.broken_hard_rules, 0);
}

/// Two minimums that compete for the top two slots: each passes the myopic check at slot 0
/// (one slot is left for it), so slot 0 goes to the best item, and slot 1 can serve only
/// one of them. The LP meets both (items 4 and 5 in the top two). The failure is reported.
#[test]
fn competing_minimums_defeat_the_greedy_check_but_not_the_lp() {
    let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
    let rules = [
        Rule::at_least(Members::Items(&[4]), SlotProfile::Top(2), 1.0),
        Rule::at_least(Members::Items(&[5]), SlotProfile::Top(2), 1.0),
    ];
    let problem = Problem::new(&scores, Slots::Count(3)).with_rules(&rules);
    let mut greedy = Greedy::new();
    let g = greedy.rank(&problem).unwrap();
    assert_eq!(g.slate[0], 0);
    assert_eq!(g.broken_hard_rules, 1);
    assert_eq!(g.violations.iter().filter(|&&v| v == 1.0).count(), 1);
    let mut solver = Solver::default();
    let lp = solver.solve(&problem).unwrap();
    assert_eq!(lp.status(), Status::Optimal);
    assert!(lp.rules().iter().all(|r| r.violation <= 1e-9));
}

/// Deterministic, and allocation-free once warm on a problem at least as large.
#[test]
fn deterministic_and_allocation_free_when_warm() {
    let big = generate(Class::Mixed, 60, 10, 4, 7);
    let big_rules = big.rules();
    let mut greedy = Greedy::new();
    let first = greedy.rank(&big.problem(&big_rules)).unwrap().slate.to_vec();
    for seed in 0..10 {
        let data = generate(Class::Mixed, 40 + seed as usize, 10, 4, seed);
        let rules = data.rules();
        let problem = data.problem(&rules);
        let count = allocations(|| {
            greedy.rank(&problem).unwrap();
        });
        assert_eq!(count, 0, "seed {seed}");
    }
    assert_eq!(greedy.rank(&big.problem(&big_rules)).unwrap().slate, &first[..]);
}

/// Bad input is refused with the solver's messages.
#[test]
fn bad_input_names_the_field() {
    let mut greedy = Greedy::new();
    let err = greedy.rank(&Problem::new(&[0.1, f64::NAN], Slots::Count(1))).unwrap_err();
    assert!(err.to_string().starts_with("scores[1]"), "{err}");
}

/// Through the C ABI: the same slate, outcomes and result as the Rust builder; short
/// buffers, NULLs and bad input are statuses with nothing written.
#[test]
fn the_c_abi_builds_the_same_slate_and_reports_errors() {
    use lprank::ffi::greedy::*;
    use lprank::ffi::lprank_status::*;
    use lprank::ffi::solver::{lprank_problem, lprank_rule, lprank_rule_outcome, LPRANK_PROFILE_TOP};
    let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
    let (four, five) = ([4usize], [5usize]);
    let c_rule = |items: &[usize]| lprank_rule {
        name: std::ptr::null(),
        items: items.as_ptr(),
        items_len: 1,
        coefficients: std::ptr::null(),
        coefficients_len: 0,
        profile: LPRANK_PROFILE_TOP,
        top: 2,
        has_max: 0,
        has_min: 1,
        has_penalty: 0,
        max: 0.0,
        min: 1.0,
        penalty: 0.0,
    };
    let rules = [c_rule(&four), c_rule(&five)];
    let problem = lprank_problem {
        scores: scores.as_ptr(),
        scores_len: 6,
        slots: 3,
        position_weights: std::ptr::null(),
        position_weights_len: 0,
        rules: rules.as_ptr(),
        rules_len: 2,
    };
    let rust_rules = [
        Rule::at_least(Members::Items(&four), SlotProfile::Top(2), 1.0),
        Rule::at_least(Members::Items(&five), SlotProfile::Top(2), 1.0),
    ];
    let mut greedy = Greedy::new();
    let expected = greedy.rank(&Problem::new(&scores, Slots::Count(3)).with_rules(&rust_rules)).unwrap();
    // SAFETY: every pointer covers its length; the handle is freed at the end.
    unsafe {
        let h = lprank_greedy_new();
        let mut slate = [usize::MAX; 3];
        let mut outcomes = [lprank_rule_outcome::default(); 2];
        let mut out = lprank_greedy_result::default();
        let status =
            lprank_greedy_rank(h, &problem, slate.as_mut_ptr(), 3, outcomes.as_mut_ptr(), 2, &mut out);
        assert_eq!(status, LPRANK_OK);
        assert_eq!(&slate[..], expected.slate);
        assert_eq!((out.slate_len, out.objective, out.broken_hard_rules), (3, expected.objective, 1));
        for (o, (&v, &x)) in outcomes.iter().zip(expected.rule_values.iter().zip(expected.violations)) {
            assert_eq!((o.value, o.violation), (v, x));
        }
        // Outcomes are optional.
        assert_eq!(
            lprank_greedy_rank(h, &problem, slate.as_mut_ptr(), 3, std::ptr::null_mut(), 0, &mut out),
            LPRANK_OK
        );
        // A short slate or outcome buffer: nothing written.
        let mut short = [usize::MAX; 2];
        let status =
            lprank_greedy_rank(h, &problem, short.as_mut_ptr(), 2, std::ptr::null_mut(), 0, &mut out);
        assert_eq!(status, LPRANK_BUFFER_TOO_SMALL);
        assert_eq!(short, [usize::MAX; 2]);
        let status =
            lprank_greedy_rank(h, &problem, slate.as_mut_ptr(), 3, outcomes.as_mut_ptr(), 1, &mut out);
        assert_eq!(status, LPRANK_BUFFER_TOO_SMALL);
        assert_eq!(
            lprank_greedy_rank(
                std::ptr::null_mut(),
                &problem,
                slate.as_mut_ptr(),
                3,
                std::ptr::null_mut(),
                0,
                &mut out
            ),
            LPRANK_NULL_POINTER
        );
        assert_eq!(
            lprank_greedy_rank(h, &problem, std::ptr::null_mut(), 0, std::ptr::null_mut(), 0, &mut out),
            LPRANK_BUFFER_TOO_SMALL
        );
        assert_eq!(
            lprank_greedy_rank(h, &problem, std::ptr::null_mut(), 3, std::ptr::null_mut(), 0, &mut out),
            LPRANK_NULL_POINTER
        );
        let bad = [0.5, f64::NAN];
        let bad_problem = lprank_problem {
            scores: bad.as_ptr(),
            scores_len: 2,
            rules: std::ptr::null(),
            rules_len: 0,
            ..problem
        };
        assert_eq!(
            lprank_greedy_rank(h, &bad_problem, slate.as_mut_ptr(), 3, std::ptr::null_mut(), 0, &mut out),
            LPRANK_INVALID_INPUT
        );
        let message = std::ffi::CStr::from_ptr(lprank::ffi::lprank_last_error()).to_str().unwrap();
        assert!(message.starts_with("scores[1]"), "{message}");
        lprank_greedy_free(h);
        lprank_greedy_free(std::ptr::null_mut());
    }
}
