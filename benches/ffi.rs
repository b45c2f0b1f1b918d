//! The C ABI's overhead on the demo request, in one run: its 1,000 candidates scored
//! through `lprank_scorer_score` and through `Model::score` (int8), and its slate LP solved
//! through `lprank_solver_solve` and through `Solver::solve` (problem structs, validation
//! of every pointer and length, the panic boundary, the summary), and the whole request
//! ranked through `lprank_ranker_rank` and through `Ranker::rank` (int8), all warm.
//!
//! ```sh
//! cargo bench --bench ffi
//! ```

use std::ffi::CString;

#[path = "../tests/ffi_common/mod.rs"]
mod ffi_common;

use criterion::{criterion_group, criterion_main, Criterion};
use ffi_common::{c_rules, rule_names, score_request};
use lprank::ffi::lprank_status;
use lprank::ffi::solver::*;
use lprank::synthetic::feed_request;
use lprank::Solver;

fn bench(c: &mut Criterion) {
    let request = feed_request(1000, 50, 7);
    let data = &request.problem;
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let mut group = c.benchmark_group("demo_request");
    group.bench_function("rust_api", |b| b.iter(|| solver.solve(&problem).unwrap().objective()));

    let names = rule_names(&data.rules);
    let c_rules = c_rules(&data.rules, &names);
    let c_problem = lprank_problem {
        scores: data.scores.as_ptr(),
        scores_len: data.scores.len(),
        slots: data.slots.unwrap(),
        position_weights: std::ptr::null(),
        position_weights_len: 0,
        rules: c_rules.as_ptr(),
        rules_len: c_rules.len(),
    };
    // SAFETY: NULL settings mean the defaults; the handle is freed below.
    let handle = unsafe { lprank_solver_new(std::ptr::null()) };
    let mut summary = lprank_summary::default();
    group.bench_function("c_abi", |b| {
        b.iter(|| {
            // SAFETY: a live handle and a problem whose arrays outlive the call.
            let status = unsafe { lprank_solver_solve(handle, &c_problem, &mut summary) };
            assert_eq!(status, lprank_status::LPRANK_OK);
            summary.objective
        })
    });
    // SAFETY: the handle from lprank_solver_new, freed once.
    unsafe { lprank_solver_free(handle) };
    group.finish();
}

fn bench_scorer(c: &mut Criterion) {
    use lprank::ffi::scorer::*;
    use lprank::scorer::{Model, Output, Request, ScorerSettings, ScorerWorkspace};
    use lprank::synthetic::{feed_candidates, feed_features};

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/ranking-models/feed-dcn");
    let model = Model::load(dir).unwrap();
    let candidates = feed_candidates(1000, 7);
    let f = feed_features(&candidates, 7);
    let request = Request {
        request_dense: &f.request_dense,
        request_ids: &f.request_ids,
        item_dense: &f.item_dense,
        item_ids: &f.item_ids,
    };
    let mut ws = ScorerWorkspace::new(ScorerSettings::int8()).unwrap();
    let mut out = vec![0.0f32; candidates.len()];
    let mut group = c.benchmark_group("demo_request_scoring");
    group.bench_function("rust_api", |b| {
        b.iter(|| model.score(&mut ws, &request, Output::Probability, &mut out).unwrap())
    });

    let c_dir = CString::new(dir).unwrap();
    let c_request = score_request(&f);
    // SAFETY: a NUL-terminated path; int8 with the best kernels; the handles
    // are freed below and every array outlives the calls.
    unsafe {
        let c_model = lprank_model_load(c_dir.as_ptr());
        let mut settings = lprank_scorer_settings_default();
        settings.precision = LPRANK_PRECISION_INT8;
        let scorer = lprank_scorer_new(&settings);
        group.bench_function("c_abi", |b| {
            b.iter(|| {
                let status = lprank_scorer_score(
                    scorer,
                    c_model,
                    &c_request,
                    LPRANK_OUTPUT_PROBABILITY,
                    out.as_mut_ptr(),
                    out.len(),
                );
                assert_eq!(status, lprank_status::LPRANK_OK);
            })
        });
        lprank_scorer_free(scorer);
        lprank_model_free(c_model);
    }
    group.finish();
}

fn bench_ranker(c: &mut Criterion) {
    use lprank::ffi::ranker::*;
    use lprank::ffi::scorer::*;
    use lprank::ranker::{RankRequest, Ranker};
    use lprank::scorer::{Model, Request, ScorerSettings};
    use lprank::synthetic::{feed_candidates, feed_features, feed_rules};

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/ranking-models/feed-dcn");
    let model = Model::load(dir).unwrap();
    let candidates = feed_candidates(1000, 7);
    let f = feed_features(&candidates, 7);
    let rules_data = feed_rules(&candidates, 50);
    let data = lprank::json::ProblemData {
        scores: vec![],
        slots: Some(50),
        position_weights: None,
        rules: rules_data,
    };
    let rules = data.rules();
    let request = RankRequest {
        features: Request {
            request_dense: &f.request_dense,
            request_ids: &f.request_ids,
            item_dense: &f.item_dense,
            item_ids: &f.item_ids,
        },
        candidates: 1000,
        slots: lprank::Slots::Count(50),
        rules: &rules,
        u: 0.5,
    };
    let mut ranker = Ranker::new(ScorerSettings::int8(), lprank::Settings::default()).unwrap();
    let mut group = c.benchmark_group("demo_request_ranking");
    group.bench_function("rust_api", |b| {
        b.iter(|| ranker.rank(&model, &request).unwrap().solution.objective())
    });

    let names = rule_names(&data.rules);
    let c_rules = c_rules(&data.rules, &names);
    let c_request = lprank_rank_request {
        features: score_request(&f),
        candidates: 1000,
        slots: 50,
        position_weights: std::ptr::null(),
        position_weights_len: 0,
        rules: c_rules.as_ptr(),
        rules_len: c_rules.len(),
        u: 0.5,
    };
    let c_dir = CString::new(dir).unwrap();
    let mut slate = [0usize; 50];
    let mut result = lprank_rank_result::default();
    // SAFETY: a NUL-terminated path; int8 with the best kernels; the handles are freed below
    // and every array outlives the calls.
    unsafe {
        let c_model = lprank_model_load(c_dir.as_ptr());
        let mut settings = lprank_ranker_settings_default();
        settings.scorer.precision = LPRANK_PRECISION_INT8;
        let handle = lprank_ranker_new(&settings);
        group.bench_function("c_abi", |b| {
            b.iter(|| {
                let status =
                    lprank_ranker_rank(handle, c_model, &c_request, slate.as_mut_ptr(), 50, &mut result);
                assert_eq!(status, lprank_status::LPRANK_OK);
                result.summary.objective
            })
        });
        lprank_ranker_free(handle);
        lprank_model_free(c_model);
    }
    group.finish();
}

criterion_group!(benches, bench, bench_scorer, bench_ranker);
criterion_main!(benches);
