//! lprank against HiGHS (through good_lp) on generated problems of every class: same
//! status, objectives within 1e-7 relative, and every answer verified by the independent
//! checker (lottery, rule values, certificate, infeasibility ray).

mod common;

use common::{check_solution, generate, highs_objective, objective_scale, Class};
use lprank::{Solver, Status};
use proptest::prelude::*;

fn compare(class: Class, n: usize, m: usize, k: usize, seed: u64) -> Result<(), TestCaseError> {
    let data = generate(class, n, m, k, seed);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let sol = solver.solve(&problem).map_err(|e| TestCaseError::fail(format!("rejected: {e}")))?;
    let expected = highs_objective(&data).map_err(TestCaseError::fail)?;
    match expected {
        None => {
            prop_assert_eq!(sol.status(), Status::Infeasible, "HiGHS says infeasible; problem {:?}", data)
        }
        Some(objective) => {
            prop_assert_eq!(sol.status(), Status::Optimal, "HiGHS found {}; problem {:?}", objective, data);
            let scale = objective.abs().max(objective_scale(&data)).max(1e-12);
            prop_assert!(
                (sol.objective() - objective).abs() <= 1e-7 * scale,
                "objective {} vs HiGHS {}; problem {:?}",
                sol.objective(),
                objective,
                data
            );
        }
    }
    check_solution(&data, sol);
    if class == Class::Infeasible {
        prop_assert_eq!(sol.status(), Status::Infeasible);
    }
    Ok(())
}

macro_rules! class_test {
    ($name:ident, $class:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]
            #[test]
            fn $name(n in 1usize..10, m in 1usize..7, k in 0usize..4, seed in any::<u64>()) {
                compare($class, n, m, k, seed)?;
            }
        }
    };
}

class_test!(no_rules, Class::NoRules);
class_test!(exposure_only, Class::ExposureOnly);
class_test!(top_only, Class::TopOnly);
class_test!(whole_slate, Class::WholeSlate);
class_test!(mixed, Class::Mixed);
class_test!(real_and_negative_coefficients, Class::RealCoefficients);
class_test!(two_sided, Class::TwoSided);
class_test!(soft, Class::Soft);
class_test!(tied_scores, Class::Ties);
class_test!(zero_position_weights, Class::ZeroWeights);
class_test!(fewer_items_than_slots, Class::FewerItemsThanSlots);
class_test!(infeasible, Class::Infeasible);

/// The generators must exercise binding rules and both statuses, or the comparisons above
/// would prove little.
#[test]
fn generated_classes_bind_and_mix_statuses() {
    let mut solver = Solver::default();
    for class in common::CLASSES {
        let (mut optimal, mut infeasible, mut binding) = (0, 0, 0);
        for seed in 0..200 {
            let data = generate(class, 8, 5, 3, seed);
            let rules = data.rules();
            let sol = solver.solve(&data.problem(&rules)).unwrap();
            match sol.status() {
                Status::Optimal => optimal += 1,
                Status::Infeasible => infeasible += 1,
                s => panic!("{class:?} seed {seed}: {s}"),
            }
            if sol.status() == Status::Optimal && sol.rules().iter().any(|r| r.dual != 0.0) {
                binding += 1;
            }
        }
        eprintln!("{class:?}: {optimal} optimal ({binding} with a binding rule), {infeasible} infeasible");
        match class {
            Class::Infeasible => assert_eq!(infeasible, 200),
            Class::NoRules => assert_eq!(optimal, 200),
            _ => {
                assert!(binding >= 25, "{class:?}: only {binding} of 200 have a binding rule");
                assert!(optimal >= 60, "{class:?}: only {optimal} of 200 are feasible");
            }
        }
    }
}
