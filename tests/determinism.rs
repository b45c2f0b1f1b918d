//! Identical inputs give bit-identical outputs: across repeated solves on one solver,
//! across fresh solvers, and across 8 threads solving at once with their own solvers.

use lprank::json::ProblemData;
use lprank::synthetic::{feed_request, random_mixed, RuleMix};
use lprank::{Solution, Solver};

/// Every number of a solution, as bits, in a fixed order.
fn fingerprint(s: &Solution) -> Vec<u64> {
    let mut out =
        vec![s.status() as u64, s.objective().to_bits(), s.bound().to_bits(), s.lottery_len() as u64];
    for r in s.lottery() {
        out.push(r.probability.to_bits());
        out.extend(r.items.iter().map(|&i| i as u64));
    }
    for o in s.rules() {
        out.extend([o.value.to_bits(), o.dual.to_bits(), o.violation.to_bits()]);
    }
    let c = s.certificate();
    out.extend(c.item_duals().iter().chain(c.slot_duals()).chain(c.rule_duals()).map(|x| x.to_bits()));
    let st = s.stats();
    out.extend([u64::from(st.iterations), u64::from(st.inner_solves), u64::from(st.master_pivots)]);
    out
}

fn problems() -> Vec<ProblemData> {
    vec![
        feed_request(1000, 50, 7).problem,
        random_mixed(1000, 50, 10, RuleMix::Mixed, 2),
        random_mixed(1000, 50, 10, RuleMix::ExposureOnly, 3),
        random_mixed(300, 20, 6, RuleMix::Mixed, 4),
    ]
}

fn solve_all(solver: &mut Solver, data: &[ProblemData]) -> Vec<Vec<u64>> {
    data.iter()
        .map(|d| {
            let rules = d.rules();
            fingerprint(solver.solve(&d.problem(&rules)).unwrap())
        })
        .collect()
}

#[test]
fn repeated_and_fresh_solves_are_bit_identical() {
    let data = problems();
    let reference = solve_all(&mut Solver::default(), &data);
    let mut warm = Solver::default();
    for _ in 0..3 {
        assert_eq!(solve_all(&mut warm, &data), reference);
    }
    // In reverse order: what a previous solve left in the workspace must not matter.
    let mut reversed: Vec<_> = data.iter().rev().cloned().collect();
    let mut got = solve_all(&mut warm, &reversed);
    got.reverse();
    reversed.reverse();
    assert_eq!(got, reference);
}

#[test]
fn eight_threads_with_their_own_solvers_match_one_thread() {
    let data = problems();
    let reference = solve_all(&mut Solver::default(), &data);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let data = &data;
                scope.spawn(move || {
                    let mut solver = Solver::default();
                    // Each thread starts at a different problem, then does them all twice.
                    let mut out = vec![Vec::new(); data.len()];
                    for round in 0..2 * data.len() {
                        let i = (t + round) % data.len();
                        let rules = data[i].rules();
                        out[i] = fingerprint(solver.solve(&data[i].problem(&rules)).unwrap());
                    }
                    out
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), reference);
        }
    });
}
