//! The JSON problem parser and the solver on arbitrary bytes: never a panic; an accepted
//! problem either is rejected by validation with a message, or solves to an answer that
//! `lprank::verify` accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lprank::json::ProblemData;
use lprank::{Settings, Solver, Status};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(problem) = ProblemData::from_json(text) else { return };
    let rules = problem.rules();
    let problem = problem.problem(&rules);
    // Keep each input cheap: the fuzzer should explore, not wait.
    if problem.item_count() > 200 || problem.rules.len() > 8 {
        return;
    }
    let mut solver = Solver::new(Settings::default().with_max_iterations(300)).unwrap();
    let Ok(solution) = solver.solve(&problem) else { return };
    if matches!(solution.status(), Status::Optimal | Status::Infeasible) {
        if let Err(e) = lprank::verify::verify(&problem, solution, 1e-9, 1e-9) {
            panic!("verification failed: {e}");
        }
    }
});
