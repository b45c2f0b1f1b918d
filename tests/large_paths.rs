//! The paths only larger problems take — edge generation over hundreds of edges, the
//! masters' pivots, the warm-started assignment, dynamic screening with working-set growth — each on an instance
//! where the solver's own counters show it ran, answered as HiGHS answers it and verified
//! from the problem alone. (A test of a path that never runs proves nothing about it.)

mod common;

use common::{check_solution, highs_objective, objective_scale};
use lprank::json::ProblemData;
use lprank::synthetic::{family_instance, feed_request, Family, RuleMix, SplitMix64};
use lprank::{Solver, Stats, Status};

/// Solves `data`, checks it against HiGHS and the independent checker, returns the stats.
fn solve_and_compare(data: &ProblemData) -> Stats {
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let solution = solver.solve(&problem).expect("valid");
    assert_eq!(solution.status(), Status::Optimal);
    let expected = highs_objective(data).expect("HiGHS solves it").expect("feasible");
    let scale = expected.abs().max(objective_scale(data));
    assert!(
        (solution.objective() - expected).abs() <= 1e-7 * scale,
        "objective {} vs HiGHS {expected}",
        solution.objective()
    );
    check_solution(data, solution);
    *solution.stats()
}

/// 1000 × 50 with 10 rules: edge generation grows the edge master over hundreds of
/// edges and pivots, and the final lottery comes from the flow's rankings. Overlapping
/// groups give the items more coefficient patterns than two per slot, so the assignment
/// runs over candidate lists, every one warm-started (m ≥ 32). (The ranking master's
/// column purge, which only the exposure-only ranking loop can reach, is covered by
/// `master.rs`'s unit test.)
#[test]
fn edge_generation_and_warm_assignments_run_and_stay_exact() {
    for seed in [2u64, 3] {
        let data = family_instance(Family::Overlapping, 1000, 50, 10, RuleMix::Mixed, seed);
        let stats = solve_and_compare(&data);
        eprintln!("overlapping seed {seed}: {stats:?}");
        assert!(stats.edges > 50 * 2, "seed {seed}: {} edges", stats.edges);
        assert!(stats.master_pivots > 50, "seed {seed}: {} pivots", stats.master_pivots);
        assert!(stats.assignment_solves > 0);
        assert_eq!(
            stats.pattern_assignments, 0,
            "seed {seed}: overlapping groups should take the candidate path"
        );
        assert_eq!(stats.warm_started_assignments, stats.assignment_solves, "m = 50 starts every one warm");
    }
    let feed = feed_request(1000, 50, 1).problem;
    let stats = solve_and_compare(&feed);
    eprintln!("feed: {stats:?}");
    assert!(stats.edges > 50, "feed: {} edges", stats.edges);
}

/// Groups that partition the items: ten coefficient patterns, so every assignment runs
/// over patterns (cold: the pattern path never starts warm), and the answer is HiGHS's.
#[test]
fn pattern_assignments_run_and_stay_exact() {
    for seed in [1u64, 4] {
        let data = family_instance(Family::Partition, 1000, 50, 10, RuleMix::Mixed, seed);
        let stats = solve_and_compare(&data);
        eprintln!("partition seed {seed}: {stats:?}");
        assert!(stats.assignment_solves > 0);
        assert_eq!(
            stats.pattern_assignments, stats.assignment_solves,
            "seed {seed}: every assignment over patterns"
        );
        assert_eq!(stats.warm_started_assignments, 0);
    }
}

/// Below 32 slots the candidate path's assignment starts cold; the counter says so.
#[test]
fn short_slates_start_the_assignment_cold() {
    let stats = solve_and_compare(&family_instance(Family::Overlapping, 300, 20, 8, RuleMix::Mixed, 1));
    assert!(stats.assignment_solves > stats.pattern_assignments, "some assignment over candidates");
    assert_eq!(stats.warm_started_assignments, 0);
}

/// Every item its own coefficient pattern (real coefficients), so static screening keeps
/// them all and far more than 16·(m + 1): the solver prices over a working set, grows it
/// when the final check finds a better ranking outside, and leaves most items unseen.
#[test]
fn dynamic_screening_runs_grows_and_stays_exact() {
    let mut grew = 0;
    for seed in 0..4u64 {
        let mut rng = SplitMix64::new(seed);
        let n = 2000;
        let scores: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let rule = |rng: &mut SplitMix64, profile: &str, side: &str, bound: f64| {
            let coefficients: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
            format!(r#"{{"coefficients": {coefficients:?}, {profile}, "{side}": {bound}}}"#)
        };
        let rules =
            [rule(&mut rng, r#""exposure": true"#, "max", 2.0), rule(&mut rng, r#""top": 3"#, "min", 2.2)];
        let data = ProblemData::from_json(&format!(
            r#"{{"scores": {scores:?}, "slots": 10, "constraints": [{}]}}"#,
            rules.join(", ")
        ))
        .unwrap();
        let stats = solve_and_compare(&data);
        eprintln!("seed {seed}: {stats:?}");
        assert_eq!(stats.screened_items, 0, "real coefficients leave nothing to screen statically");
        assert!(stats.dynamically_screened_items > n / 2, "seed {seed}: {stats:?}");
        grew += stats.working_set_growths;
    }
    assert!(grew > 0, "the working set never grew");
}

/// Past 8,192 items with real coefficients screening samples the patterns, sees nearly
/// all distinct and keeps every item without grouping them (its statistic stays 0 though
/// a shared pattern of 45 items would have lost 34 to grouping); the answer is HiGHS's.
/// With a tenth of the items sharing that pattern, grouping runs and drops them.
#[test]
fn screening_by_sample_keeps_real_coefficient_items_and_stays_exact() {
    let n = 9000;
    for (every, grouped) in [(200, false), (10, true)] {
        let mut rng = SplitMix64::new(every as u64);
        let scores: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let shared = |i: usize| i % every == 0;
        let real: Vec<f64> = (0..n).map(|i| if shared(i) { 0.0 } else { rng.next_f64() }).collect();
        let members: Vec<usize> = (0..n).filter(|&i| !shared(i) && rng.below(4) == 0).collect();
        let data = ProblemData::from_json(&format!(
            r#"{{"scores": {scores:?}, "slots": 10, "constraints": [
                {{"coefficients": {real:?}, "top": 4, "max": 1.5, "min": 0.5}},
                {{"items": {members:?}, "exposure": true, "max": 0.8}}]}}"#
        ))
        .unwrap();
        let stats = solve_and_compare(&data);
        if grouped {
            assert!(
                stats.screened_items > 0,
                "every {every}: grouping should drop the shared tail: {stats:?}"
            );
        } else {
            assert_eq!(stats.screened_items, 0, "every {every}: the sample should skip grouping: {stats:?}");
        }
    }
}
