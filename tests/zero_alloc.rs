//! A warm solver allocates nothing: once `Solver::reserve_for` has reserved for the largest
//! shape (n, m, K), solving any problem within it must not touch the heap, and without it
//! neither must solving a problem the solver has solved before. A counting global
//! allocator checks it for every rule class; `allocations` first checks that it sees a
//! known allocation, and the first test below that a cold solve is counted.

mod alloc_counter;
mod common;

use alloc_counter::allocations;
use common::{generate, CLASSES};
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::{Members, Rule, SlotProfile, Slots, Solver, Status};

/// The counter counts what matters here: a cold solver's first solve allocates its buffers.
/// (Without this, every zero below could come from a counter that sees nothing.)
#[test]
fn the_counter_sees_a_cold_solve_allocate() {
    assert_eq!(allocations(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(64)))), 1);
    let data = random_mixed(300, 20, 6, RuleMix::Mixed, 1);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let cold = allocations(|| {
        solver.solve(&problem).unwrap();
    });
    assert!(cold > 0, "a cold solve made no allocation the counter saw");
}

/// `k` two-sided rules: the most rule bounds `k` rules can have, for `Solver::reserve_for`.
fn two_sided_rules(k: usize) -> Vec<Rule<'static>> {
    (0..k).map(|_| Rule::between(Members::Items(&[0]), SlotProfile::Top(1), Some(0.0), Some(1.0))).collect()
}

/// Reserved for the largest shape (`Solver::reserve_for`), a solver allocates nothing for
/// any problem within it, from the first solve on; unreserved, it allocates nothing the
/// second time it solves a problem (its buffers have grown to that problem's work).
#[test]
fn warm_solves_allocate_nothing_for_every_rule_class() {
    for class in CLASSES {
        let mut reserved = Solver::default();
        reserved.reserve_for(12, Slots::Count(6), &two_sided_rules(3)).unwrap();
        let mut grown = Solver::default();
        let mut statuses = Vec::new();
        for seed in 0..20 {
            let data = generate(class, 12 - (seed % 3) as usize, 6, 3 - (seed % 2) as usize, seed);
            let rules = data.rules();
            let problem = data.problem(&rules);
            let mut status = None;
            let count = allocations(|| status = Some(reserved.solve(&problem).unwrap().status()));
            assert_eq!(
                count, 0,
                "{class:?} seed {seed} ({status:?}) allocated {count} times after reserve_for"
            );
            statuses.extend(status);
            grown.solve(&problem).unwrap();
            let count = allocations(|| {
                grown.solve(&problem).unwrap();
            });
            assert_eq!(count, 0, "{class:?} seed {seed}: solving it again allocated {count} times");
        }
        // The statuses the zeros were measured on (infeasible answers take other paths).
        eprintln!("{class:?}: {statuses:?}");
    }
}

#[test]
fn warm_solves_allocate_nothing_on_large_mixed_instances() {
    for mix in [RuleMix::Mixed, RuleMix::ExposureOnly] {
        let mut solver = Solver::default();
        solver.reserve_for(1000, Slots::Count(50), &two_sided_rules(10)).unwrap();
        for seed in 0..5 {
            let data = random_mixed(1000 - 100 * seed as usize, 50, 10, mix, seed);
            let rules = data.rules();
            let problem = data.problem(&rules);
            let mut status = None;
            let count = allocations(|| status = Some(solver.solve(&problem).unwrap().status()));
            assert_eq!(status, Some(Status::Optimal), "{mix:?} seed {seed}");
            assert_eq!(count, 0, "{mix:?} seed {seed} allocated {count} times after reserve_for");
        }
    }
}

/// Through the C ABI too: once warm, a solve and reading its results allocate nothing.
#[test]
fn warm_c_abi_solves_allocate_nothing() {
    use lprank::ffi::lprank_status;
    use lprank::ffi::solver::*;
    let scores: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64 / 100.0).collect();
    let members: Vec<usize> = (0..200).step_by(3).collect();
    let rule = lprank_rule {
        name: c"cap".as_ptr(),
        items: members.as_ptr(),
        items_len: members.len(),
        coefficients: std::ptr::null(),
        coefficients_len: 0,
        profile: LPRANK_PROFILE_TOP,
        top: 5,
        has_max: 1,
        has_min: 0,
        has_penalty: 0,
        max: 1.5,
        min: 0.0,
        penalty: 0.0,
    };
    let problem = lprank_problem {
        scores: scores.as_ptr(),
        scores_len: scores.len(),
        slots: 10,
        position_weights: std::ptr::null(),
        position_weights_len: 0,
        rules: &rule,
        rules_len: 1,
    };
    let mut summary = lprank_summary::default();
    let mut probabilities = [0.0; 8];
    let mut rankings = [0usize; 80];
    // SAFETY: NULL settings; every pointer below covers its stated length.
    unsafe {
        let solver = lprank_solver_new(std::ptr::null());
        assert_eq!(lprank_solver_solve(solver, &problem, &mut summary), lprank_status::LPRANK_OK);
        let count = allocations(|| {
            assert_eq!(lprank_solver_solve(solver, &problem, &mut summary), lprank_status::LPRANK_OK);
            let (p, r) = (probabilities.as_mut_ptr(), rankings.as_mut_ptr());
            assert_eq!(lprank_solver_lottery(solver, p, 8, r, 80), lprank_status::LPRANK_OK);
        });
        assert_eq!(count, 0, "{count} allocations");
        lprank_solver_free(solver);
    }
}
