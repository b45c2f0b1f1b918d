//! A warm solver allocates nothing: after one solve, solving another problem of the same
//! or a smaller size (n, m, K) must not touch the heap. A counting global allocator
//! checks it for every rule class.

mod alloc_counter;
mod common;

use alloc_counter::allocations;
use common::{generate, Class, CLASSES};
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::Solver;

#[test]
fn warm_solves_allocate_nothing_for_every_rule_class() {
    for class in CLASSES {
        let mut solver = Solver::default();
        // Warm up on the largest problem, then solve others of the same or smaller size.
        let warm = generate(class, 12, 6, 3, 1000);
        let warm_rules = warm.rules();
        solver.solve(&warm.problem(&warm_rules)).unwrap();
        for seed in 0..20 {
            let data = generate(class, 12 - (seed % 3) as usize, 6, 3 - (seed % 2) as usize, seed);
            let rules = data.rules();
            let problem = data.problem(&rules);
            let mut status = None;
            let count = allocations(|| status = Some(solver.solve(&problem).unwrap().status()));
            assert_eq!(count, 0, "{class:?} seed {seed} ({status:?}) allocated {count} times");
        }
    }
}

#[test]
fn warm_solves_allocate_nothing_on_large_mixed_instances() {
    for mix in [RuleMix::Mixed, RuleMix::ExposureOnly] {
        let mut solver = Solver::default();
        let warm = random_mixed(1000, 50, 10, mix, 99);
        let warm_rules = warm.rules();
        solver.solve(&warm.problem(&warm_rules)).unwrap();
        for seed in 0..5 {
            let data = random_mixed(1000, 50, 10, mix, seed);
            let rules = data.rules();
            let problem = data.problem(&rules);
            let count = allocations(|| {
                solver.solve(&problem).unwrap();
            });
            assert_eq!(count, 0, "{mix:?} seed {seed} allocated {count} times");
        }
    }
    let _ = Class::Mixed;
}
