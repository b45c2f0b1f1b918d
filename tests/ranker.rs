//! The ranker end to end on the bundled model: it scores exactly as the scorer does,
//! solves exactly as the solver does on those scores, serves `sample(u)`, allocates
//! nothing when warm, and gives bit-identical answers on 8 threads sharing one model.

mod alloc_counter;

use std::sync::Arc;

use alloc_counter::allocations;
use lprank::json::ProblemData;
use lprank::ranker::{RankError, RankRequest, Ranker};
use lprank::scorer::{Model, Output, Request, ScorerSettings, ScorerWorkspace};
use lprank::synthetic::{feed_candidates, feed_features, feed_rules, FeedFeatures};
use lprank::{Rule, Settings, Slots, Solver};

fn model() -> Model {
    Model::load(concat!(env!("CARGO_MANIFEST_DIR"), "/ranking-models/feed-dcn")).unwrap()
}

struct Feed {
    features: FeedFeatures,
    rules: ProblemData,
    n: usize,
}

fn feed(n: usize, m: usize, seed: u64) -> Feed {
    let candidates = feed_candidates(n, seed);
    let rules = ProblemData {
        scores: vec![],
        slots: Some(m),
        position_weights: None,
        rules: feed_rules(&candidates, m),
    };
    Feed { features: feed_features(&candidates, seed), rules, n }
}

fn request<'a>(f: &'a Feed, rules: &'a [Rule<'a>], u: f64) -> RankRequest<'a> {
    RankRequest {
        features: Request {
            request_dense: &f.features.request_dense,
            request_ids: &f.features.request_ids,
            item_dense: &f.features.item_dense,
            item_ids: &f.features.item_ids,
        },
        candidates: f.n,
        slots: Slots::Count(f.rules.slots.unwrap()),
        rules,
        u,
    }
}

/// Every number of a ranked answer, as bits.
fn fingerprint(scores: &[f64], s: &lprank::Solution, slate: Option<&[usize]>) -> Vec<u64> {
    let mut out: Vec<u64> = scores.iter().map(|x| x.to_bits()).collect();
    out.extend([s.status() as u64, s.objective().to_bits(), s.bound().to_bits()]);
    for r in s.lottery() {
        out.push(r.probability.to_bits());
        out.extend(r.items.iter().map(|&i| i as u64));
    }
    out.extend(slate.unwrap_or(&[]).iter().map(|&i| i as u64));
    out
}

#[test]
fn ranking_is_scoring_then_solving_then_sampling() {
    let model = model();
    let f = feed(400, 30, 3);
    let rules = f.rules.rules();
    let mut ranker = Ranker::new(ScorerSettings::int8(), Settings::default()).unwrap();
    let ranked = ranker.rank(&model, &request(&f, &rules, 0.7)).unwrap();

    let mut ws = ScorerWorkspace::new(ScorerSettings::int8()).unwrap();
    let mut scores32 = vec![0.0f32; f.n];
    model.score(&mut ws, &request(&f, &rules, 0.7).features, Output::Probability, &mut scores32).unwrap();
    let scores: Vec<f64> = scores32.iter().map(|&s| f64::from(s)).collect();
    assert_eq!(ranked.scores, &scores[..]);
    let mut solver = Solver::default();
    let direct = solver.solve(&lprank::Problem::new(&scores, Slots::Count(30)).with_rules(&rules)).unwrap();
    assert_eq!(
        fingerprint(ranked.scores, ranked.solution, ranked.slate),
        fingerprint(&scores, direct, direct.sample(0.7))
    );
    assert_eq!(ranked.solution.status(), lprank::Status::Optimal);
    lprank::verify::verify(
        &lprank::Problem::new(&scores, Slots::Count(30)).with_rules(&rules),
        ranked.solution,
        1e-9,
        1e-9,
    )
    .unwrap();
}

#[test]
fn bad_features_and_bad_rules_are_errors_naming_the_field() {
    let model = model();
    let f = feed(50, 10, 4);
    let rules = f.rules.rules();
    let mut ranker = Ranker::new(ScorerSettings::f32(), Settings::default()).unwrap();
    let mut bad = request(&f, &rules, 0.5);
    bad.candidates = 49; // item features hold 50 rows
    let err = ranker.rank(&model, &bad).unwrap_err();
    assert!(matches!(err, RankError::Features(_)) && err.to_string().starts_with("item_dense"), "{err}");
    // A huge candidate count is refused before any buffer is sized by it.
    bad.candidates = usize::MAX;
    let err = ranker.rank(&model, &bad).unwrap_err();
    assert!(matches!(err, RankError::Features(_)) && err.to_string().starts_with("item_dense"), "{err}");
    let out_of_range = [Rule::at_most(lprank::Members::Items(&[50]), lprank::SlotProfile::Top(3), 1.0)];
    let err = ranker.rank(&model, &request(&f, &out_of_range, 0.5)).unwrap_err();
    assert!(
        matches!(err, RankError::Problem(_)) && err.to_string().starts_with("constraints[0].items[0]"),
        "{err}"
    );
}

#[test]
fn a_warm_ranker_allocates_nothing() {
    let model = model();
    let big = feed(1000, 50, 5);
    let big_rules = big.rules.rules();
    let mut ranker = Ranker::new(ScorerSettings::int8(), Settings::default()).unwrap();
    ranker.rank(&model, &request(&big, &big_rules, 0.5)).unwrap();
    // The solver sizes its buffers by the work a request needs; reserving for the largest
    // request makes every smaller one allocation-free at once.
    ranker.reserve_for(1000, lprank::Slots::Count(50), &big_rules).unwrap();
    for seed in 0..3 {
        let f = feed(1000 - 100 * seed as usize, 50, seed);
        let rules = f.rules.rules();
        let req = request(&f, &rules, 0.3);
        let count = allocations(|| {
            ranker.rank(&model, &req).unwrap();
        });
        assert_eq!(count, 0, "seed {seed}: {count} allocations");
    }
}

#[test]
fn eight_threads_sharing_one_model_match_one_thread() {
    let model = Arc::new(model());
    let feeds: Vec<Feed> = (0..4).map(|s| feed(600, 40, 10 + s)).collect();
    let run = |ranker: &mut Ranker, f: &Feed| {
        let rules = f.rules.rules();
        let r = ranker.rank(&model, &request(f, &rules, 0.25)).unwrap();
        fingerprint(r.scores, r.solution, r.slate)
    };
    let mut single = Ranker::new(ScorerSettings::int8(), Settings::default()).unwrap();
    let reference: Vec<_> = feeds.iter().map(|f| run(&mut single, f)).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let (feeds, run) = (&feeds, &run);
                scope.spawn(move || {
                    let mut ranker = Ranker::new(ScorerSettings::int8(), Settings::default()).unwrap();
                    let mut out = vec![Vec::new(); feeds.len()];
                    for k in 0..2 * feeds.len() {
                        let i = (t + k) % feeds.len();
                        out[i] = run(&mut ranker, &feeds[i]);
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

/// The lottery holds no floating-point residue: on the demo's requests (seed 7, and a few
/// others) the master's basis once carried a ranking of weight ~1e-17, served as "p = 0".
/// Every ranking now has a real probability, and the answer still verifies.
#[test]
fn lotteries_carry_no_residue_rankings() {
    let model = model();
    let mut ranker = Ranker::new(ScorerSettings::int8(), Settings::default()).unwrap();
    for seed in [7, 1, 2, 3] {
        let f = feed(1000, 50, seed);
        let rules = f.rules.rules();
        let ranked = ranker.rank(&model, &request(&f, &rules, 0.5)).unwrap();
        let s = ranked.solution;
        assert!(s.lottery().all(|r| r.probability >= 1e-12), "seed {seed}: a residue ranking");
        let total: f64 = s.lottery().map(|r| r.probability).sum();
        assert!((total - 1.0).abs() <= 1e-12, "seed {seed}: probabilities sum to {total}");
        let problem = lprank::Problem::new(ranked.scores, Slots::Count(50)).with_rules(&rules);
        lprank::verify::verify(&problem, s, 1e-9, 1e-9).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

/// The propensity logged with a slate is the share of `u ∈ [0, 1)` that serves exactly that
/// slate: counted here over a fine grid of `u` with `Solution::sample`, not read from the
/// lottery's probabilities.
#[test]
fn the_propensity_is_the_chance_of_serving_that_slate() {
    let model = model();
    let mut ranker = Ranker::new(ScorerSettings::int8(), Settings::default()).unwrap();
    let mut several = 0;
    for seed in 0..8 {
        let f = feed(300, 20, 40 + seed);
        let rules = f.rules.rules();
        let ranked = ranker.rank(&model, &request(&f, &rules, 0.37)).unwrap();
        let slate = ranked.slate.expect("feasible feed");
        let grid = 100_000;
        let served = (0..grid)
            .filter(|&g| ranked.solution.sample((g as f64 + 0.5) / grid as f64) == Some(slate))
            .count();
        let share = served as f64 / grid as f64;
        assert!(
            (share - ranked.propensity).abs() <= 2.0 / grid as f64,
            "seed {seed}: propensity {} but {share} of u serves the slate",
            ranked.propensity
        );
        several += usize::from(ranked.propensity < 1.0);
    }
    assert!(several > 0, "no request served a slate from a lottery of several");
}
