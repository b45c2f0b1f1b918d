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
use lprank::synthetic::{random_mixed, RuleMix, CONTENT_TYPES, CREATOR_GROUPS};
use lprank::{Problem, Solution, Solver, Status};

const USAGE: &str = "\
lprank — exact, certified ranking under business rules

USAGE:
    lprank solve FILE.json [--repeat N]
        Solve the problem in FILE.json (\"-\" reads stdin) and print the solution as JSON.
        --repeat N   solve N times (default 1) and report min, p50 and p99 solve time in ns
                     (solve only, not parsing) under stats.solve_ns.
    lprank demo [--candidates N] [--slots M] [--seed S] [--repeat N] [--model DIR] [--precision f32|int8]
        Rank a synthetic feed request end to end: score its candidates with the bundled
        click model, solve the slate LP under ten feed rules, and print the top of the slate
        (with each item's content type and creator group), each rule's required vs achieved
        value, the objective against the unconstrained order, the lottery and the latency
        of scoring, solving and both (p50 and p99 over --repeat requests).
        --candidates N   candidates in the request (default 1000)
        --slots M        slots on the slate (default 50)
        --seed S         seed of the synthetic request (default 7)
        --repeat N       requests timed (default 20)
        --model DIR      model directory (default: the bundled ranking-models/feed-dcn)
        --precision P    scorer precision: f32 (default) or int8
    lprank generate [--kind K] [--mix mixed|top|exposure] [--candidates N] [--slots M] [--rules K] [--seed S]
        Print a synthetic problem as JSON, for `solve`. --kind picks the instance family:
          feed         the demo's feed request, its ten rules (the default)
          partition    --rules groups partitioning the items, one rule per group
          overlapping  --rules groups, each item in 0 to 3 of them, one rule per group
          real         real coefficients of both signs, each rule over half the items
          mixed        random_mixed: 8 groups, rules over 1 to 3 of them (the older generator)
          exposure     random_mixed with exposure rules only
        --mix picks the rules' profiles for partition, overlapping and real: top(d) and
        exposure alternating (mixed, the default), top(d) only, or exposure only.
        These are the benchmark grid's families (`cargo bench --bench grid`).
    lprank score MODEL_DIR REQUEST.json [--int8] [--portable]
        Score the candidates of one request with the model in MODEL_DIR (config.json +
        model.safetensors; see ranking-models/FORMAT.md) and print, as JSON, per candidate:
        the ranking logit, the calibrated logit, the probability and each head's logit.
        --int8       int8 towers (per-channel weights, per-row activations); default f32
        --portable   with --int8, force the portable kernels (default: AVX2 when available)
        REQUEST.json (\"-\" reads stdin), every list in the model's config order:
          { \"request_dense\": [0.3, 1.2, ...],        // Dr numbers (may be omitted if Dr = 0)
            \"request_ids\":   [3, 17, 1],             // Sr ids, integers in [0, 2^64)
            \"item_dense\":    [[0.5, 2.0, ...], ...], // n rows of Di numbers
            \"item_ids\":      [[2, 0, 5, 912873, 40], ...] }  // n rows of Si ids
        Output: {\"model\", \"precision\", \"kernels\", \"logit\": [n], \"calibrated_logit\": [n],
                 \"probability\": [n], \"head_logits\": {HEAD_NAME: [n], ...}}
    lprank help
        This text.

EXIT CODES:
    0  solved (whatever the status: optimal, infeasible, time_limit, iteration_limit,
       numerical_trouble)
    1  the file could not be read
    2  invalid input or usage; one line on stderr names the field and the problem
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("solve") => solve(&args[1..]),
        Some("demo") => demo(&args[1..]),
        Some("generate") => generate(&args[1..]),
        Some("score") => score(&args[1..]),
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
    use lprank::synthetic::{family_instance, Family};
    check_flags(args, &["--kind", "--mix", "--candidates", "--slots", "--rules", "--seed"], 0)?;
    let n: usize = flag(args, "--candidates", 1000)?;
    let m: usize = flag(args, "--slots", 50)?;
    let k: usize = flag(args, "--rules", 10)?;
    let seed: u64 = flag(args, "--seed", 1)?;
    let kind: String = flag(args, "--kind", "feed".to_string())?;
    let mix: String = flag(args, "--mix", "mixed".to_string())?;
    if n == 0 || m == 0 {
        return Err(Failure::Usage("--candidates and --slots must be at least 1".into()));
    }
    let mix = match mix.as_str() {
        "mixed" => RuleMix::Mixed,
        "top" => RuleMix::TopOnly,
        "exposure" => RuleMix::ExposureOnly,
        other => return Err(Failure::Usage(format!("--mix {other:?}: expected mixed, top or exposure"))),
    };
    let data = match kind.as_str() {
        "mixed" => random_mixed(n, m, k, RuleMix::Mixed, seed),
        "exposure" => random_mixed(n, m, k, RuleMix::ExposureOnly, seed),
        other => match Family::from_name(other) {
            Some(family) => family_instance(family, n, m, k, mix, seed),
            None => {
                return Err(Failure::Usage(format!(
                    "--kind {other:?}: expected feed, partition, overlapping, real, mixed or exposure"
                )))
            }
        },
    };
    println!("{}", data.to_json());
    Ok(())
}

/// The bundled model, found from the source tree the binary was built in.
const BUNDLED_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ranking-models/feed-dcn");

fn demo(args: &[String]) -> Result<(), Failure> {
    use lprank::ranker::{RankRequest, Ranker};
    use lprank::scorer::{Model, ScorerSettings};
    use lprank::synthetic::{feed_candidates, feed_features, feed_rules};

    check_flags(args, &["--candidates", "--slots", "--seed", "--repeat", "--model", "--precision"], 0)?;
    let n: usize = flag(args, "--candidates", 1000)?;
    let m: usize = flag(args, "--slots", 50)?;
    let seed: u64 = flag(args, "--seed", 7)?;
    let repeat: usize = flag(args, "--repeat", 20)?;
    let model_dir: String = flag(args, "--model", BUNDLED_MODEL.to_string())?;
    // f32 by default: on the bundled model it is the reference and, with the fused GEMM
    // epilogues, also faster than int8 (1.04 against 1.16 µs per candidate at 1,000
    // candidates; `cargo bench --bench score`). int8 pays on wider models.
    let precision: String = flag(args, "--precision", "f32".to_string())?;
    if n == 0 || m == 0 {
        return Err(Failure::Usage("--candidates and --slots must be at least 1".into()));
    }
    let scorer = match precision.as_str() {
        "int8" => ScorerSettings::int8(),
        "f32" => ScorerSettings::f32(),
        other => return Err(Failure::Usage(format!("--precision {other:?}: expected int8 or f32"))),
    };
    let model = Model::load(&model_dir).map_err(|e| Failure::Input(format!("--model {model_dir}: {e}")))?;
    let candidates = feed_candidates(n, seed);
    let features = feed_features(&candidates, seed);
    let rule_data = feed_rules(&candidates, m);
    let data = ProblemData { scores: Vec::new(), slots: Some(m), position_weights: None, rules: rule_data };
    let rules = data.rules();
    let request = RankRequest {
        features: lprank::scorer::Request {
            request_dense: &features.request_dense,
            request_ids: &features.request_ids,
            item_dense: &features.item_dense,
            item_ids: &features.item_ids,
        },
        candidates: n,
        slots: lprank::Slots::Count(m),
        rules: &rules,
        u: 0.5,
    };
    let mut ranker =
        Ranker::new(scorer, lprank::Settings::default()).map_err(|e| Failure::Usage(e.to_string()))?;
    let (mut score_ns, mut solve_ns, mut total_ns) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let t = ranker.rank(&model, &request).map_err(|e| Failure::Input(e.to_string()))?.timing;
        total_ns.push(start.elapsed().as_nanos() as u64);
        score_ns.push(t.score_ns);
        solve_ns.push(t.solve_ns);
    }
    let ranked = ranker.rank(&model, &request).map_err(|e| Failure::Input(e.to_string()))?;
    let (scores, sol) = (ranked.scores.to_vec(), ranked.solution);
    let plain_problem = lprank::Problem::new(&scores, lprank::Slots::Count(m));
    let plain_objective =
        Solver::default().solve(&plain_problem).map_err(|e| Failure::Input(e.to_string()))?.objective();

    println!(
        "lprank demo: {n} candidates scored by {} ({precision}), {} slots, {} rules (seed {seed})\n",
        model.config().name,
        plain_problem.slate_len(),
        rules.len()
    );
    println!("status      {}", sol.status());
    if sol.status() == Status::Infeasible {
        println!("the rules cannot all hold; infeasibility ray: {:?}", sol.infeasibility_ray());
        return Ok(());
    }
    print_slate(&candidates, &scores, sol);
    println!("\n{:<46} {:>10} {:>10} {:>10}", "rule", "min", "max", "achieved");
    for (r, o) in data.rules.iter().zip(sol.rules()) {
        let show = |b: Option<f64>| b.map_or("-".to_string(), |v| format!("{v:.3}"));
        println!("{:<46} {:>10} {:>10} {:>10.3}", r.name, show(r.min), show(r.max), o.value);
    }
    println!(
        "\nobjective   {:.6} expected position-weighted clicks   (unconstrained sort {:.6}: the rules cost {:.2}%)",
        sol.objective(),
        plain_objective,
        100.0 * (plain_objective - sol.objective()) / plain_objective.abs().max(f64::MIN_POSITIVE)
    );
    println!("bound       {:.6}   relative gap {:.1e} (certified)", sol.bound(), sol.relative_gap());
    println!("\nlottery: {} rankings (served: the one for u = 0.5)", sol.lottery_len());
    for (t, r) in sol.lottery().enumerate() {
        let head: Vec<String> = r.items.iter().take(10).map(|i| i.to_string()).collect();
        println!("  #{t:<2} p = {:.6}   top 10: {}", r.probability, head.join(" "));
    }
    let p50 = |v: &mut Vec<u64>| SolveTimes::from_samples(v);
    let (sc, so, to) = (p50(&mut score_ns), p50(&mut solve_ns), p50(&mut total_ns));
    println!("\nlatency over {repeat} requests (p50 / p99):");
    println!("  score  {:>9.1} µs / {:>9.1} µs", sc.p50 as f64 / 1e3, sc.p99 as f64 / 1e3);
    println!("  solve  {:>9.1} µs / {:>9.1} µs", so.p50 as f64 / 1e3, so.p99 as f64 / 1e3);
    println!("  total  {:>9.1} µs / {:>9.1} µs", to.p50 as f64 / 1e3, to.p99 as f64 / 1e3);
    let s = sol.stats();
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

/// `lprank score MODEL_DIR REQUEST.json [--int8] [--portable]`: scores one request.
///
/// The request is a JSON object whose lists follow the model's `config.json` order
/// (FORMAT.md §3): `request_dense` (Dr numbers), `request_ids` (Sr integer ids in
/// `[0, 2^64)`), `item_dense` (n arrays of Di numbers) and `item_ids` (n arrays of Si ids);
/// a list whose width is 0 may be omitted, and n is the number of rows (the longer of the
/// two item lists when one is empty). Any other key is an error. The output is a JSON
/// object with `logit`, `calibrated_logit`, `probability` (n numbers each) and
/// `head_logits` (one array of n numbers per head, by head name).
fn score(args: &[String]) -> Result<(), Failure> {
    use lprank::scorer::{KernelTier, Model, ModelError, Output, Request, ScorerSettings, ScorerWorkspace};
    use serde_json::{json, Value};

    let (dir, path) = match (args.first(), args.get(1)) {
        (Some(d), Some(p)) if !d.starts_with("--") && !p.starts_with("--") => (d, p),
        _ => return Err(Failure::Usage("score needs MODEL_DIR and REQUEST.json; try `lprank help`".into())),
    };
    let (mut int8, mut portable) = (false, false);
    for a in &args[2..] {
        match a.as_str() {
            "--int8" => int8 = true,
            "--portable" => portable = true,
            other => return Err(Failure::Usage(format!("unexpected argument {other:?}; try `lprank help`"))),
        }
    }
    if portable && !int8 {
        return Err(Failure::Usage("--portable selects int8 kernels: use it with --int8".into()));
    }
    let model = Model::load(dir).map_err(|e| match e {
        ModelError::Io { .. } => Failure::Io(e.to_string()),
        _ => Failure::Input(format!("{dir}: {e}")),
    })?;
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| Failure::Io(format!("stdin: {e}")))?
    } else {
        std::fs::read_to_string(path).map_err(|e| Failure::Io(format!("{path}: {e}")))?
    };
    let bad = |field: &str, problem: &str| Failure::Input(format!("{field}: {problem}"));
    let root: Value =
        serde_json::from_str(&text).map_err(|e| Failure::Input(format!("not valid JSON: {e}")))?;
    let obj = root.as_object().ok_or_else(|| bad("(root)", "must be a JSON object"))?;
    for key in obj.keys() {
        if !["request_dense", "request_ids", "item_dense", "item_ids"].contains(&key.as_str()) {
            return Err(bad(key, "unknown key"));
        }
    }
    let empty = Value::Array(Vec::new());
    let list = |key: &str| -> Result<&Vec<Value>, Failure> {
        obj.get(key).unwrap_or(&empty).as_array().ok_or_else(|| bad(key, "must be an array"))
    };
    let number = |v: &Value, field: String| -> Result<f32, Failure> {
        v.as_f64().map(|x| x as f32).ok_or_else(|| bad(&field, "must be a number"))
    };
    let id = |v: &Value, field: String| -> Result<u64, Failure> {
        v.as_u64().ok_or_else(|| bad(&field, "must be an integer id in [0, 2^64)"))
    };
    let request_dense = list("request_dense")?
        .iter()
        .enumerate()
        .map(|(i, v)| number(v, format!("request_dense[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let request_ids = list("request_ids")?
        .iter()
        .enumerate()
        .map(|(i, v)| id(v, format!("request_ids[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let (dense_rows, id_rows) = (list("item_dense")?, list("item_ids")?);
    let n = dense_rows.len().max(id_rows.len());
    let inputs = &model.config().inputs;
    let (di, si) = (inputs.item_dense.len(), inputs.item_sparse.len());
    let mut item_dense = Vec::with_capacity(n * di);
    let mut item_ids = Vec::with_capacity(n * si);
    for (rows, width, key) in [(dense_rows, di, "item_dense"), (id_rows, si, "item_ids")] {
        if rows.len() != n && !(rows.is_empty() && width == 0) {
            return Err(bad(key, &format!("has {} rows, but the request has {n} candidates", rows.len())));
        }
        for (c, row) in rows.iter().enumerate() {
            let row = row.as_array().ok_or_else(|| bad(&format!("{key}[{c}]"), "must be an array"))?;
            if row.len() != width {
                return Err(bad(
                    &format!("{key}[{c}]"),
                    &format!("has {} values, the model expects {width}", row.len()),
                ));
            }
            for (j, v) in row.iter().enumerate() {
                if key == "item_dense" {
                    item_dense.push(number(v, format!("{key}[{c}][{j}]"))?);
                } else {
                    item_ids.push(id(v, format!("{key}[{c}][{j}]"))?);
                }
            }
        }
    }
    let settings = match (int8, portable) {
        (false, _) => ScorerSettings::f32(),
        (true, false) => ScorerSettings::int8(),
        (true, true) => ScorerSettings::int8().with_kernels(KernelTier::Portable),
    };
    let mut ws = ScorerWorkspace::new(settings).map_err(|e| Failure::Usage(e.to_string()))?;
    let request = Request {
        request_dense: &request_dense,
        request_ids: &request_ids,
        item_dense: &item_dense,
        item_ids: &item_ids,
    };
    let mut calibrated = vec![0f32; n];
    model
        .score(&mut ws, &request, Output::CalibratedLogit, &mut calibrated)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let mut probability = vec![0f32; n];
    model
        .score(&mut ws, &request, Output::Probability, &mut probability)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let h = model.heads();
    let head_logits: serde_json::Map<String, Value> = model
        .config()
        .heads
        .iter()
        .enumerate()
        .map(|(k, head)| {
            (head.name.clone(), json!(ws.head_logits().iter().skip(k).step_by(h).collect::<Vec<_>>()))
        })
        .collect();
    let out = json!({
        "model": model.config().name,
        "precision": if int8 { "int8" } else { "f32" },
        "kernels": if int8 { format!("{:?}", ws.kernel_tier()).to_lowercase() } else { "portable".to_string() },
        "logit": ws.logits(),
        "calibrated_logit": calibrated,
        "probability": probability,
        "head_logits": head_logits,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("a JSON value always serialises"));
    Ok(())
}
