//! `lprank`: solve slate LPs from JSON, or run the demo.
//!
//! ```text
//! lprank solve FILE.json [--repeat N]   solve a problem; JSON solution on stdout
//! lprank demo [--candidates N] [--slots M] [--seed S] [--repeat N]
//! lprank help
//! ```
//! Exit codes: 0 solved (any status), 2 invalid input or usage, 1 I/O failure.

use std::process::ExitCode;
use std::time::Instant;

use lprank::json::{solution_to_json, ProblemData, SolveTimes};
use lprank::synthetic::{feed_request, random_mixed, RuleMix, CONTENT_TYPES, CREATOR_GROUPS};
use lprank::{Problem, Solution, Solver, Status};

const USAGE: &str = "\
lprank — exact, certified ranking under business rules

USAGE:
    lprank solve FILE.json [--repeat N]
        Solve the problem in FILE.json (\"-\" reads stdin) and print the solution as JSON.
        --repeat N   solve N times (default 1) and report min, p50 and p99 solve time in ns
                     (solve only, not parsing) under stats.solve_ns.
    lprank demo [--candidates N] [--slots M] [--seed S] [--repeat N]
        Solve a synthetic feed request (default 1000 candidates, 50 slots, 10 rules) and
        print the slate, each rule's required vs achieved value, the objective against the
        unconstrained sort, the lottery and the solve time (median of --repeat, default 20).
    lprank generate [--kind feed|mixed|exposure] [--candidates N] [--slots M] [--rules K] [--seed S]
        Print a synthetic problem as JSON, for `solve`: the demo's feed request (feed, the
        default), or random group rules (mixed: top(d) and exposure; exposure: exposure only).
    lprank help
        This text.

EXIT CODES:
    0  solved (whatever the status: optimal, infeasible, time_limit, iteration_limit)
    1  the file could not be read
    2  invalid input or usage; one line on stderr names the field and the problem
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("solve") => solve(&args[1..]),
        Some("demo") => demo(&args[1..]),
        Some("generate") => generate(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!("unknown command {other:?}; try `lprank help`"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) | Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Io(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(String),
    Input(String),
    Io(String),
}

/// Parses `--flag VALUE` pairs after the positional arguments.
fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, Failure> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(p) => args.get(p + 1).and_then(|v| v.parse().ok()).ok_or_else(|| {
            Failure::Usage(format!("{name} needs a value of the right kind; try `lprank help`"))
        }),
    }
}

fn check_flags(args: &[String], known: &[&str], positional: usize) -> Result<(), Failure> {
    let mut i = positional;
    while i < args.len() {
        if !known.contains(&args[i].as_str()) {
            return Err(Failure::Usage(format!("unexpected argument {:?}; try `lprank help`", args[i])));
        }
        i += 2;
    }
    Ok(())
}

/// Solves `problem` `repeat` times; returns the times of each solve.
fn timed_solves(solver: &mut Solver, problem: &Problem<'_>, repeat: usize) -> Result<Vec<u64>, Failure> {
    let mut times = Vec::with_capacity(repeat);
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        solver.solve(problem).map_err(|e| Failure::Input(e.to_string()))?;
        times.push(start.elapsed().as_nanos() as u64);
    }
    Ok(times)
}

fn solve(args: &[String]) -> Result<(), Failure> {
    let path = args.first().ok_or_else(|| Failure::Usage("solve needs a FILE.json".into()))?;
    check_flags(args, &["--repeat"], 1)?;
    let repeat: usize = flag(args, "--repeat", 1)?;
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| Failure::Io(format!("stdin: {e}")))?
    } else {
        std::fs::read_to_string(path).map_err(|e| Failure::Io(format!("{path}: {e}")))?
    };
    let data = ProblemData::from_json(&text).map_err(|e| Failure::Input(e.to_string()))?;
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let mut times = timed_solves(&mut solver, &problem, repeat)?;
    let solution = solver.solve(&problem).map_err(|e| Failure::Input(e.to_string()))?;
    let out = solution_to_json(&data, solution, SolveTimes::from_samples(&mut times));
    println!("{}", serde_json::to_string_pretty(&out).expect("a JSON value always serialises"));
    Ok(())
}

fn generate(args: &[String]) -> Result<(), Failure> {
    check_flags(args, &["--kind", "--candidates", "--slots", "--rules", "--seed"], 0)?;
    let n: usize = flag(args, "--candidates", 1000)?;
    let m: usize = flag(args, "--slots", 50)?;
    let k: usize = flag(args, "--rules", 10)?;
    let seed: u64 = flag(args, "--seed", 1)?;
    let kind: String = flag(args, "--kind", "feed".to_string())?;
    if n == 0 || m == 0 {
        return Err(Failure::Usage("--candidates and --slots must be at least 1".into()));
    }
    let data = match kind.as_str() {
        "feed" => feed_request(n, m, seed).problem,
        "mixed" => random_mixed(n, m, k, RuleMix::Mixed, seed),
        "exposure" => random_mixed(n, m, k, RuleMix::ExposureOnly, seed),
        other => return Err(Failure::Usage(format!("--kind {other:?}: expected feed, mixed or exposure"))),
    };
    println!("{}", data.to_json());
    Ok(())
}

fn demo(args: &[String]) -> Result<(), Failure> {
    check_flags(args, &["--candidates", "--slots", "--seed", "--repeat"], 0)?;
    let n: usize = flag(args, "--candidates", 1000)?;
    let m: usize = flag(args, "--slots", 50)?;
    let seed: u64 = flag(args, "--seed", 7)?;
    let repeat: usize = flag(args, "--repeat", 20)?;
    if n == 0 || m == 0 {
        return Err(Failure::Usage("--candidates and --slots must be at least 1".into()));
    }
    let request = feed_request(n, m, seed);
    let data = &request.problem;
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let mut times = timed_solves(&mut solver, &problem, repeat)?;
    let t = SolveTimes::from_samples(&mut times);
    let sol = solver.solve(&problem).map_err(|e| Failure::Input(e.to_string()))?;

    let mut unconstrained = Solver::default();
    let plain = unconstrained.solve(&problem.with_rules(&[])).map_err(|e| Failure::Input(e.to_string()))?;
    let plain_objective = plain.objective();

    println!(
        "lprank demo: {n} candidates, {} slots, {} rules (seed {seed})\n",
        problem.slate_len(),
        rules.len()
    );
    println!("status      {}", sol.status());
    if sol.status() == Status::Infeasible {
        println!("the rules cannot all hold; infeasibility ray: {:?}", sol.infeasibility_ray());
        return Ok(());
    }
    print_slate(&request.candidates, &data.scores, sol);
    println!("\n{:<46} {:>10} {:>10} {:>10}", "rule", "min", "max", "achieved");
    for (r, o) in data.rules.iter().zip(sol.rules()) {
        let show = |b: Option<f64>| b.map_or("-".to_string(), |v| format!("{v:.3}"));
        println!("{:<46} {:>10} {:>10} {:>10.3}", r.name, show(r.min), show(r.max), o.value);
    }
    println!(
        "\nobjective   {:.6}   (unconstrained sort {:.6}: the rules cost {:.2}%)",
        sol.objective(),
        plain_objective,
        100.0 * (plain_objective - sol.objective()) / plain_objective.abs().max(f64::MIN_POSITIVE)
    );
    println!("bound       {:.6}   relative gap {:.1e} (certified)", sol.bound(), sol.relative_gap());
    println!("\nlottery: {} rankings", sol.lottery_len());
    for (t, r) in sol.lottery().enumerate() {
        let head: Vec<String> = r.items.iter().take(10).map(|i| i.to_string()).collect();
        println!("  #{t:<2} p = {:.4}   top 10: {}", r.probability, head.join(" "));
    }
    let s = sol.stats();
    println!(
        "\nsolve time  p50 {:.1} µs, min {:.1} µs, p99 {:.1} µs over {repeat} solves",
        t.p50 as f64 / 1e3,
        t.min as f64 / 1e3,
        t.p99 as f64 / 1e3
    );
    println!(
        "work        {} iterations ({} in phase 1), {} inner solves ({} assignments), {} pivots, {} items screened",
        s.iterations, s.phase1_iterations, s.inner_solves, s.assignment_solves, s.master_pivots, s.screened_items
    );
    Ok(())
}

fn print_slate(candidates: &[lprank::synthetic::Candidate], scores: &[f64], sol: &Solution) {
    let Some(slate) = sol.most_likely() else { return };
    println!("\ntop of the most likely slate:");
    println!("  {:>4} {:>6} {:>7}  {:<8} {:<14} fresh", "slot", "item", "score", "type", "creators");
    for (j, &i) in slate.iter().take(15).enumerate() {
        let c = candidates[i];
        println!(
            "  {:>4} {:>6} {:>7.4}  {:<8} {:<14} {}",
            j + 1,
            i,
            scores[i],
            CONTENT_TYPES[c.content_type],
            CREATOR_GROUPS[c.creator_group],
            if c.fresh { "yes" } else { "" }
        );
    }
}
