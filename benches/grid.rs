//! The solver's benchmark grid: every instance family × size, many seeds, HiGHS beside it.
//!
//! ```sh
//! cargo bench --bench grid                          # the whole grid (about 2 minutes)
//! cargo bench --bench grid -- 1000x50 partition     # the cells whose name contains every filter
//! LPRANK_GRID_SEEDS=5 cargo bench --bench grid      # fewer seeds per cell
//! LPRANK_GRID_HIGHS=0 cargo bench --bench grid      # lprank only
//! ```
//!
//! One cell is one family (see `lprank::synthetic::Family`; `mixed` is the older
//! `random_mixed`) at one size and rule mix, solved for seeds `1..=S` (`S = 20` unless
//! `LPRANK_GRID_SEEDS` says otherwise). Per seed, lprank's time is the median of
//! [`REPEATS`] warm solves (one reused `Solver`, one untimed solve first); the cell reports the
//! p50 and p99 of those per-seed times across seeds, so a cell's p99 is its slowest
//! instances, not timer noise. Inner solves are the per-seed counts' median and maximum.
//!
//! HiGHS (through good_lp, every option at its default) solves the same instance once per
//! seed, timed on its solve call only: the explicit LP is built and handed over
//! (`Highs_passLp`) outside the timed section, which covers `Highs_run` (presolve,
//! simplex, postsolve) and nothing else. Every HiGHS solve must end `Optimal` with
//! lprank's objective within `common::HIGHS_BENCH_TOLERANCE` of the scale; the run stops on
//! the first that does not. HiGHS runs on the sizes up to 1000×50 (at 10000×100 its LP has
//! a million variables; `LPRANK_GRID_HIGHS=all` includes it on the first three seeds).
//! The instances are feasible by construction, so a solve that ends short of `Optimal` hit
//! a limit: the cell counts those seeds (they are timed like the rest, and HiGHS is not run
//! on them).

use std::time::Instant;

use lprank::json::ProblemData;
use lprank::synthetic::{family_instance, random_mixed, Family, RuleMix};
use lprank::{Solver, Status};

/// The explicit-LP builder the HiGHS property tests use.
#[path = "../tests/common/mod.rs"]
mod common;

/// Warm solves timed per seed (their median is the seed's time).
const REPEATS: usize = 7;
/// Fewer at sizes where one solve takes long, so that the grid stays minutes.
const REPEATS_LARGE: usize = 3;
/// Seeds per cell unless `LPRANK_GRID_SEEDS` is set.
const DEFAULT_SEEDS: u64 = 20;

#[derive(Clone, Copy)]
struct Size {
    n: usize,
    m: usize,
    k: usize,
}

const SIZES: [Size; 4] = [
    Size { n: 200, m: 20, k: 5 },
    Size { n: 1000, m: 50, k: 10 },
    Size { n: 10_000, m: 100, k: 20 },
    Size { n: 100_000, m: 50, k: 10 },
];

/// Which generator a cell draws from.
#[derive(Clone, Copy)]
enum Source {
    Family(Family),
    /// `random_mixed`: 8 groups, rules over one to three of them.
    RandomMixed,
}

#[derive(Clone, Copy)]
struct Cell {
    source: Source,
    size: Size,
    mix: RuleMix,
}

impl Cell {
    fn name(&self) -> String {
        let family = match self.source {
            Source::Family(f) => f.name(),
            Source::RandomMixed => "random_mixed",
        };
        let mix = match (self.source, self.mix) {
            (Source::Family(Family::Feed), _) => "feed rules",
            (_, RuleMix::Mixed) => "mixed",
            (_, RuleMix::TopOnly) => "top(d) only",
            (_, RuleMix::ExposureOnly) => "exposure only",
        };
        let k = if matches!(self.source, Source::Family(Family::Feed)) { 10 } else { self.size.k };
        format!("{}x{} K={k} {family} {mix}", self.size.n, self.size.m)
    }

    fn instance(&self, seed: u64) -> ProblemData {
        let Size { n, m, k } = self.size;
        match self.source {
            Source::Family(f) => family_instance(f, n, m, k, self.mix, seed),
            Source::RandomMixed => random_mixed(n, m, k, self.mix, seed),
        }
    }
}

fn cells() -> Vec<Cell> {
    let mut out = Vec::new();
    for size in SIZES {
        for family in Family::all() {
            out.push(Cell { source: Source::Family(family), size, mix: RuleMix::Mixed });
        }
        out.push(Cell { source: Source::RandomMixed, size, mix: RuleMix::Mixed });
        if size.n == 200 || size.n == 1000 {
            for mix in [RuleMix::TopOnly, RuleMix::ExposureOnly] {
                out.push(Cell { source: Source::Family(Family::Partition), size, mix });
            }
        }
    }
    out
}

struct Row {
    name: String,
    p50: f64,
    p99: f64,
    inner_median: u32,
    inner_max: u32,
    highs_p50: Option<f64>,
    ratio_p50: Option<f64>,
    /// Seeds whose solve ended short of optimal (a limit), out of the cell's seeds.
    not_optimal: u32,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn run_cell(cell: &Cell, seeds: u64, highs: &str) -> Row {
    let name = cell.name();
    let large = cell.size.n >= 10_000;
    let repeats = if large { REPEATS_LARGE } else { REPEATS };
    let highs_seeds = match highs {
        "0" => 0,
        "all" if large => seeds.min(3),
        _ if large => 0,
        _ => seeds,
    };
    let mut times = Vec::new();
    let mut inner = Vec::new();
    let mut ratios = Vec::new();
    let mut highs_times = Vec::new();
    let mut not_optimal = 0;
    let mut solver = Solver::default();
    for seed in 1..=seeds {
        let data = cell.instance(seed);
        let rules = data.rules();
        let problem = data.problem(&rules);
        let first = solver.solve(&problem).expect("generated instances are valid");
        if first.status() != Status::Optimal {
            // Feasible by construction, so any other status is a limit the solver hit:
            // counted and shown, timed like the rest, never compared with HiGHS.
            eprintln!("{name} seed {seed}: {:?} ({:?})", first.status(), first.message());
            not_optimal += 1;
        }
        let optimal = first.status() == Status::Optimal;
        inner.push(first.stats().inner_solves);
        let ours = first.objective();
        let mut samples: Vec<f64> = (0..repeats)
            .map(|_| {
                let start = Instant::now();
                let sol = solver.solve(&problem).unwrap();
                std::hint::black_box(sol.objective());
                start.elapsed().as_secs_f64() * 1e9
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        let t = quantile(&samples, 0.5);
        times.push(t);
        if seed <= highs_seeds && optimal {
            let h =
                common::timed_highs_solve(&data, ours, &format!("{name} seed {seed}")).as_secs_f64() * 1e9;
            highs_times.push(h);
            ratios.push(h / t);
        }
    }
    times.sort_by(f64::total_cmp);
    inner.sort_unstable();
    highs_times.sort_by(f64::total_cmp);
    ratios.sort_by(f64::total_cmp);
    Row {
        name,
        p50: quantile(&times, 0.5),
        p99: quantile(&times, 0.99),
        inner_median: inner[inner.len() / 2],
        inner_max: *inner.last().unwrap(),
        highs_p50: (!highs_times.is_empty()).then(|| quantile(&highs_times, 0.5)),
        ratio_p50: (!ratios.is_empty()).then(|| quantile(&ratios, 0.5)),
        not_optimal,
    }
}

fn main() {
    // cargo bench passes `--bench`; any other argument is a filter on the cell names.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let seeds: u64 =
        std::env::var("LPRANK_GRID_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEEDS).max(1);
    let highs = std::env::var("LPRANK_GRID_HIGHS").unwrap_or_default();
    let start = Instant::now();
    println!("| cell (n×m, K, family, rules) | lprank p50 | lprank p99 | inner solves (median, max) | not optimal | HiGHS p50 | HiGHS / lprank (median per seed) |");
    println!("|---|---|---|---|---|---|---|");
    for cell in cells() {
        let name = cell.name();
        if !filters.iter().all(|f| name.contains(f.as_str())) {
            continue;
        }
        let row = run_cell(&cell, seeds, &highs);
        println!(
            "| {} | {} | {} | {}, {} | {} | {} | {} |",
            row.name,
            common::human_ns(row.p50),
            common::human_ns(row.p99),
            row.inner_median,
            row.inner_max,
            row.not_optimal,
            row.highs_p50.map_or("–".into(), common::human_ns),
            row.ratio_p50.map_or("–".into(), |r| format!("{r:.0}×")),
        );
    }
    println!("\n{seeds} seeds per cell; {:.0} s in all", start.elapsed().as_secs_f64());
}
