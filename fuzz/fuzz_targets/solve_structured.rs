//! The solver on small structured problems of every kind (ties, zeros, negative and real
//! coefficients, two-sided and soft rules, n < m, explicit weights with zeros): every
//! answer must verify (an infeasible one with a ray that proves it), and these small,
//! well-scaled problems must end optimal or infeasible.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use lprank::{Members, Problem, Rule, SlotProfile, Slots, Solver, Status};

struct Owned {
    scores: Vec<f64>,
    weights: Option<Vec<f64>>,
    slots: usize,
    items: Vec<Vec<usize>>,
    coefficients: Vec<Option<Vec<f64>>>,
    rules: Vec<(SlotProfile, Option<f64>, Option<f64>, Option<f64>)>,
}

fn small(u: &mut Unstructured<'_>) -> Result<f64> {
    // Quarters in [-4, 4): many ties and exact zeros.
    Ok(f64::from(u.int_in_range(-16i8..=15)?) / 4.0)
}

fn build(u: &mut Unstructured<'_>) -> Result<Owned> {
    let n = u.int_in_range(1usize..=10)?;
    let slots = u.int_in_range(1usize..=7)?;
    let scores = (0..n).map(|_| small(u)).collect::<Result<Vec<_>>>()?;
    let weights = if u.arbitrary::<bool>()? {
        let mut w =
            (0..slots).map(|_| Ok(f64::from(u.int_in_range(0u8..=8)?) / 8.0)).collect::<Result<Vec<_>>>()?;
        w.sort_by(|a, b| b.total_cmp(a));
        Some(w)
    } else {
        None
    };
    let k = u.int_in_range(0usize..=4)?;
    let (mut items, mut coefficients, mut rules) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..k {
        if u.arbitrary::<bool>()? {
            items.push((0..n).filter(|_| u.arbitrary::<bool>().unwrap_or(false)).collect());
            coefficients.push(None);
        } else {
            items.push(Vec::new());
            coefficients.push(Some((0..n).map(|_| small(u)).collect::<Result<Vec<_>>>()?));
        }
        let profile = match u.int_in_range(0u8..=2)? {
            0 => SlotProfile::Exposure,
            1 => SlotProfile::Top(u.int_in_range(1usize..=slots + 1)?),
            _ => SlotProfile::WholeSlate,
        };
        let (a, b) = (small(u)?, small(u)?);
        let (min, max) = match u.int_in_range(0u8..=2)? {
            0 => (Some(a.min(b)), None),
            1 => (None, Some(a.max(b))),
            _ => (Some(a.min(b)), Some(a.max(b))),
        };
        let penalty =
            if u.arbitrary::<bool>()? { Some(f64::from(u.int_in_range(0u8..=8)?) / 2.0) } else { None };
        rules.push((profile, min, max, penalty));
    }
    Ok(Owned { scores, weights, slots, items, coefficients, rules })
}

fuzz_target!(|data: &[u8]| {
    let Ok(owned) = build(&mut Unstructured::new(data)) else { return };
    let rules: Vec<Rule<'_>> = owned
        .rules
        .iter()
        .enumerate()
        .map(|(k, &(profile, min, max, penalty))| Rule {
            name: "",
            members: match &owned.coefficients[k] {
                Some(c) => Members::Coefficients(c),
                None => Members::Items(&owned.items[k]),
            },
            profile,
            max,
            min,
            penalty,
        })
        .collect();
    let slots = match &owned.weights {
        Some(w) => Slots::Weights(w),
        None => Slots::Count(owned.slots),
    };
    let problem = Problem::new(&owned.scores, slots).with_rules(&rules);
    let mut solver = Solver::default();
    let solution = solver.solve(&problem).expect("generated problems are valid");
    if let Err(e) = lprank::verify::verify(&problem, solution, 1e-9, 1e-9) {
        panic!("verification of a {} answer failed: {e}", solution.status());
    }
    if !matches!(solution.status(), Status::Optimal | Status::Infeasible) {
        panic!("small problems must finish: {} {:?} {problem:?}", solution.status(), solution.stats());
    }
});
