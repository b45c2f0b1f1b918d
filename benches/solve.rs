//! lprank's solve against HiGHS (through good_lp) on the same instances, in one run.
//!
//! ```sh
//! cargo bench --bench solve                 # everything (a few minutes)
//! cargo bench --bench solve -- scaling      # only the scaling series
//! LPRANK_BENCH_BUDGET=1 cargo bench --bench solve -- budget   # time-budget overshoot only
//! ```
//!
//! Instances come from `lprank::synthetic::random_mixed` (8 item groups, rules over one to
//! three groups, bounds calibrated so that every rule binds and the instance is feasible);
//! the same instance is `lprank generate --kind mixed|exposure --candidates N --slots M
//! --rules K --seed 1`, so `lprank solve --repeat` can be compared with these numbers.
//! lprank is timed warm (one reused `Solver`). HiGHS runs with every option at its default
//! (feasibility tolerances 1e-7; the tests' oracle tightens them, this baseline does not)
//! and is timed on its solve call only: the explicit LP (x_ij variables) is built with
//! good_lp and handed over to HiGHS (good_lp's `HighsProblem::into_inner`: row-to-column
//! conversion and `Highs_passLp`) outside the timed section, which then covers
//! `highs::Model::solve` (`Highs_run`: presolve, simplex, postsolve) and nothing else; the
//! copy of the solution back to Rust is not timed either. Every timed HiGHS solve must end
//! `Optimal` with lprank's objective (see `common::HIGHS_BENCH_TOLERANCE`). After the run, a
//! table of medians and ratios is printed from criterion's estimates.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use lprank::json::ProblemData;
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::{Solver, Status};

/// The explicit-LP builder the HiGHS property tests use.
#[path = "../tests/common/mod.rs"]
mod common;

struct Case {
    name: &'static str,
    n: usize,
    m: usize,
    k: usize,
    mix: RuleMix,
    highs: bool,
}

const CASES: [Case; 5] = [
    Case { name: "100x10_K2_mixed", n: 100, m: 10, k: 2, mix: RuleMix::Mixed, highs: true },
    Case { name: "1000x50_K10_exposure", n: 1000, m: 50, k: 10, mix: RuleMix::ExposureOnly, highs: true },
    Case { name: "1000x50_K10_mixed", n: 1000, m: 50, k: 10, mix: RuleMix::Mixed, highs: true },
    Case { name: "10000x100_K20_mixed", n: 10_000, m: 100, k: 20, mix: RuleMix::Mixed, highs: false },
    Case { name: "100000x50_K10_mixed", n: 100_000, m: 50, k: 10, mix: RuleMix::Mixed, highs: false },
];

const SCALING: [usize; 7] = [100, 300, 1_000, 3_000, 10_000, 30_000, 100_000];

fn instance(n: usize, m: usize, k: usize, mix: RuleMix) -> ProblemData {
    random_mixed(n, m, k, mix, 1)
}

fn bench_cases(c: &mut Criterion) {
    let mut group = c.benchmark_group("solve");
    group.warm_up_time(Duration::from_millis(500));
    for case in &CASES {
        let data = instance(case.n, case.m, case.k, case.mix);
        let rules = data.rules();
        let problem = data.problem(&rules);
        let mut solver = Solver::default();
        assert_eq!(solver.solve(&problem).unwrap().status(), Status::Optimal, "{}", case.name);
        group.sample_size(if case.n >= 10_000 { 10 } else { 30 });
        group.measurement_time(Duration::from_secs(3));
        group.bench_function(BenchmarkId::new("lprank", case.name), |b| {
            b.iter(|| solver.solve(&problem).unwrap().objective())
        });
        if case.highs {
            let ours = solver.solve(&problem).unwrap().objective();
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(if case.n >= 1000 { 15 } else { 3 }));
            group.bench_function(BenchmarkId::new("highs", case.name), |b| {
                b.iter_custom(|iters| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        timed += common::timed_highs_solve(&data, ours, case.name);
                    }
                    timed
                })
            });
        }
    }
    group.finish();
}

fn bench_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(10);
    for &n in &SCALING {
        let data = instance(n, 50, 10, RuleMix::Mixed);
        let rules = data.rules();
        let problem = data.problem(&rules);
        let mut solver = Solver::default();
        solver.solve(&problem).unwrap();
        group.bench_function(BenchmarkId::new("lprank_m50_K10_mixed", n), |b| {
            b.iter(|| solver.solve(&problem).unwrap().objective())
        });
    }
    group.finish();
}

/// Median (ns) of one benchmark from criterion's saved estimates.
fn median_ns(group: &str, function: &str, parameter: &str) -> Option<f64> {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
    let path = dir.join("criterion").join(group).join(function).join(parameter).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn print_tables() {
    println!("\n| instance (n×m, K, rules) | lprank median | HiGHS median | HiGHS / lprank |");
    println!("|---|---|---|---|");
    for case in &CASES {
        let ours = median_ns("solve", "lprank", case.name);
        let theirs = if case.highs { median_ns("solve", "highs", case.name) } else { None };
        let show = |v: Option<f64>| v.map_or("–".to_string(), common::human_ns);
        let ratio = match (ours, theirs) {
            (Some(a), Some(b)) => format!("{:.0}×", b / a),
            _ => "–".to_string(),
        };
        println!("| {} | {} | {} | {} |", case.name, show(ours), show(theirs), ratio);
    }
    println!("\n| n (m = 50, K = 10, mixed) | lprank median | per item |");
    println!("|---|---|---|");
    for &n in &SCALING {
        if let Some(t) = median_ns("scaling", "lprank_m50_K10_mixed", &n.to_string()) {
            println!("| {n} | {} | {:.1} ns |", common::human_ns(t), t / n as f64);
        }
    }
}

/// How far past its time budget a solve returns (the loop checks the clock once per
/// iteration, and the certificate costs one more inner solve after it stops).
fn budget_overshoot() {
    println!("\n| instance | budget | solves | p50 overshoot | p99 overshoot | max |");
    println!("|---|---|---|---|---|---|");
    for (name, n, m, k) in
        [("10000x100_K20_mixed", 10_000, 100, 20), ("100000x50_K10_mixed", 100_000, 50, 10)]
    {
        let data = instance(n, m, k, RuleMix::Mixed);
        let rules = data.rules();
        let problem = data.problem(&rules);
        for budget_ms in [1u64, 5, 20] {
            let budget = Duration::from_millis(budget_ms);
            let mut solver = Solver::new(lprank::Settings::default().with_time_limit(budget)).unwrap();
            solver.solve(&problem).unwrap();
            let mut over: Vec<f64> = (0..100)
                .map(|_| {
                    let start = std::time::Instant::now();
                    solver.solve(&problem).unwrap();
                    start.elapsed().as_secs_f64() * 1e9 - budget.as_nanos() as f64
                })
                .collect();
            over.sort_by(f64::total_cmp);
            let at = |q: f64| common::human_ns(over[((over.len() - 1) as f64 * q).round() as usize].max(0.0));
            println!(
                "| {name} | {budget_ms} ms | {} | {} | {} | {} |",
                over.len(),
                at(0.5),
                at(0.99),
                at(1.0)
            );
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_cases(&mut c);
    bench_scaling(&mut c);
    c.final_summary();
    print_tables();
    if std::env::args().any(|a| a == "--budget") || std::env::var_os("LPRANK_BENCH_BUDGET").is_some() {
        budget_overshoot();
    }
}
