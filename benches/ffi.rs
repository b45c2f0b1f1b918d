//! The C ABI's overhead: the demo request solved through `lprank_solver_solve` (problem
//! structs, validation of every pointer and length, the panic boundary, the summary) and
//! through the Rust API, warm, in one run.
//!
//! ```sh
//! cargo bench --bench ffi
//! ```

use std::ffi::CString;

use criterion::{criterion_group, criterion_main, Criterion};
use lprank::ffi::lprank_status;
use lprank::ffi::solver::*;
use lprank::json::MembersData;
use lprank::synthetic::feed_request;
use lprank::{SlotProfile, Solver};

fn bench(c: &mut Criterion) {
    let request = feed_request(1000, 50, 7);
    let data = &request.problem;
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut solver = Solver::default();
    let mut group = c.benchmark_group("demo_request");
    group.bench_function("rust_api", |b| b.iter(|| solver.solve(&problem).unwrap().objective()));

    let names: Vec<CString> = data.rules.iter().map(|r| CString::new(r.name.clone()).unwrap()).collect();
    let c_rules: Vec<lprank_rule> = data
        .rules
        .iter()
        .zip(&names)
        .map(|(r, name)| {
            let MembersData::Items(items) = &r.members else { unreachable!("the demo uses member lists") };
            let (profile, top) = match r.profile {
                SlotProfile::WholeSlate => (LPRANK_PROFILE_WHOLE_SLATE, 0),
                SlotProfile::Top(d) => (LPRANK_PROFILE_TOP, d),
                SlotProfile::Exposure => (LPRANK_PROFILE_EXPOSURE, 0),
            };
            lprank_rule {
                name: name.as_ptr(),
                items: items.as_ptr(),
                items_len: items.len(),
                coefficients: std::ptr::null(),
                coefficients_len: 0,
                profile,
                top,
                has_max: r.max.is_some().into(),
                has_min: r.min.is_some().into(),
                has_penalty: r.penalty.is_some().into(),
                max: r.max.unwrap_or(0.0),
                min: r.min.unwrap_or(0.0),
                penalty: r.penalty.unwrap_or(0.0),
            }
        })
        .collect();
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

criterion_group!(benches, bench);
criterion_main!(benches);
