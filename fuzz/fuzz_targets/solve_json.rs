//! The JSON problem parser and the solver on arbitrary bytes: never a panic; an accepted
//! problem either is rejected by validation with a message, or solves to an answer that
//! `lprank::verify` accepts, whatever its status (optimal, infeasible with a ray that
//! proves it, the iteration or time limit with a feasible lottery and a valid bound,
//! numerical trouble with its message). One input in four runs with a tiny time budget so
//! that limits are reached and checked too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lprank::json::ProblemData;
use lprank::{Settings, Solver};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(problem) = ProblemData::from_json(text) else { return };
    let rules = problem.rules();
    let problem = problem.problem(&rules);
    // Keep each input cheap: the fuzzer should explore, not wait.
    if problem.item_count() > 200 || problem.rules.len() > 8 {
        return;
    }
    let mut settings = Settings::default().with_max_iterations(300);
    if data.len() % 4 == 0 {
        settings = settings.with_time_limit(std::time::Duration::from_micros(20));
    }
    let mut solver = Solver::new(settings).unwrap();
    let Ok(solution) = solver.solve(&problem) else { return };
    if let Err(e) = lprank::verify::verify(&problem, solution, 1e-9, 1e-9) {
        panic!("verification of a {} answer failed: {e}", solution.status());
    }
});
