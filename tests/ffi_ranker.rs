//! The ranker's C ABI against the Rust `Ranker` it wraps: the same request through
//! `lprank_ranker_rank` gives bit-identical scores, solution and slate; every bad input
//! is a status naming the field; a warm handle allocates nothing per request.

mod alloc_counter;
mod ffi_common;

use std::ffi::CString;
use std::ptr::{null, null_mut};

use alloc_counter::allocations;
use ffi_common::{c_rule, c_rules, rule_names, score_request};
use lprank::ffi::lprank_status::{self, *};
use lprank::ffi::ranker::*;
use lprank::ffi::scorer::*;
use lprank::ffi::solver::*;
use lprank::json::RuleData;
use lprank::ranker::{RankRequest, Ranker};
use lprank::scorer::{Model, Request, ScorerSettings};
use lprank::synthetic::{feed_candidates, feed_features, feed_rules, FeedFeatures};
use lprank::{Settings, Slots};

const MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ranking-models/feed-dcn");

/// A synthetic feed request in owned form, and its rules as C structs pointing into it.
struct Feed {
    features: FeedFeatures,
    rules: Vec<RuleData>,
    names: Vec<CString>,
    n: usize,
    m: usize,
}

fn feed(n: usize, m: usize, seed: u64) -> Feed {
    let candidates = feed_candidates(n, seed);
    let rules = feed_rules(&candidates, m);
    let names = rule_names(&rules);
    Feed { features: feed_features(&candidates, seed), rules, names, n, m }
}

impl Feed {
    fn c_rules(&self) -> Vec<lprank_rule> {
        c_rules(&self.rules, &self.names)
    }

    fn c_request(&self, rules: &[lprank_rule], u: f64) -> lprank_rank_request {
        lprank_rank_request {
            features: score_request(&self.features),
            candidates: self.n,
            slots: self.m,
            position_weights: null(),
            position_weights_len: 0,
            rules: rules.as_ptr(),
            rules_len: rules.len(),
            u,
        }
    }
}

/// Everything the C ABI returns for one request, as bits.
fn c_fingerprint(ranker: *mut lprank_ranker, result: &lprank_rank_result, slate: &[usize]) -> Vec<u64> {
    let s = &result.summary;
    let n = s.rules_len.max(1);
    let mut scores = vec![0.0; 2000];
    let mut probabilities = vec![0.0; s.lottery_len];
    let mut rankings = vec![0usize; s.lottery_len * s.slate_len];
    let mut outcomes = vec![lprank_rule_outcome::default(); n];
    // SAFETY: every buffer covers the length passed with it.
    unsafe {
        let (sp, sl) = (scores.as_mut_ptr(), scores.len());
        assert_eq!(lprank_ranker_scores(ranker, sp, sl), LPRANK_OK);
        let (pp, pl, rp, rl) =
            (probabilities.as_mut_ptr(), probabilities.len(), rankings.as_mut_ptr(), rankings.len());
        assert_eq!(lprank_ranker_lottery(ranker, pp, pl, rp, rl), LPRANK_OK);
        assert_eq!(lprank_ranker_rule_outcomes(ranker, outcomes.as_mut_ptr(), n), LPRANK_OK);
    }
    let mut out: Vec<u64> = scores.iter().map(|x| x.to_bits()).collect();
    out.extend([s.solution_status as u64, s.objective.to_bits(), s.bound.to_bits()]);
    for (t, p) in probabilities.iter().enumerate() {
        out.push(p.to_bits());
        out.extend(rankings[t * s.slate_len..(t + 1) * s.slate_len].iter().map(|&i| i as u64));
    }
    out.extend(outcomes[..s.rules_len].iter().flat_map(|o| [o.value.to_bits(), o.dual.to_bits()]));
    out.extend(slate.iter().map(|&i| i as u64));
    out
}

/// The same from the Rust API.
fn rust_fingerprint(model: &Model, f: &Feed, settings: ScorerSettings, u: f64) -> Vec<u64> {
    let rules_data = lprank::json::ProblemData {
        scores: vec![],
        slots: Some(f.m),
        position_weights: None,
        rules: f.rules.clone(),
    };
    let rules = rules_data.rules();
    let mut ranker = Ranker::new(settings, Settings::default()).unwrap();
    let request = RankRequest {
        features: Request {
            request_dense: &f.features.request_dense,
            request_ids: &f.features.request_ids,
            item_dense: &f.features.item_dense,
            item_ids: &f.features.item_ids,
        },
        candidates: f.n,
        slots: Slots::Count(f.m),
        rules: &rules,
        u,
    };
    let r = ranker.rank(model, &request).unwrap();
    let s = r.solution;
    let mut scores = r.scores.to_vec();
    scores.resize(2000, 0.0);
    let mut out: Vec<u64> = scores.iter().map(|x| x.to_bits()).collect();
    out.extend([s.status() as u64, s.objective().to_bits(), s.bound().to_bits()]);
    for l in s.lottery() {
        out.push(l.probability.to_bits());
        out.extend(l.items.iter().map(|&i| i as u64));
    }
    out.extend(s.rules().iter().flat_map(|o| [o.value.to_bits(), o.dual.to_bits()]));
    out.extend(r.slate.unwrap_or(&[]).iter().map(|&i| i as u64));
    out
}

struct Handles {
    model: *mut lprank_model,
    ranker: *mut lprank_ranker,
}

impl Handles {
    fn new(settings: &lprank_ranker_settings) -> Self {
        let dir = CString::new(MODEL_DIR).unwrap();
        // SAFETY: a NUL-terminated path and a valid settings struct.
        let (model, ranker) = unsafe { (lprank_model_load(dir.as_ptr()), lprank_ranker_new(settings)) };
        assert!(!model.is_null() && !ranker.is_null());
        Handles { model, ranker }
    }

    fn rank(
        &self,
        request: &lprank_rank_request,
        slate: &mut [usize],
        out: &mut lprank_rank_result,
    ) -> lprank_status {
        let (p, len) = if slate.is_empty() { (null_mut(), 0) } else { (slate.as_mut_ptr(), slate.len()) };
        // SAFETY: live handles; the request's arrays cover their lengths; `slate` covers `len`.
        unsafe { lprank_ranker_rank(self.ranker, self.model, request, p, len, out) }
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: live handles, freed once.
        unsafe {
            lprank_ranker_free(self.ranker);
            lprank_model_free(self.model);
        }
    }
}

fn last_error() -> String {
    // SAFETY: never NULL, valid until the next call on this thread.
    unsafe { std::ffi::CStr::from_ptr(lprank::ffi::lprank_last_error()) }.to_string_lossy().into_owned()
}

#[test]
fn c_abi_ranker_matches_the_rust_ranker_bit_for_bit() {
    let model = Model::load(MODEL_DIR).unwrap();
    for (precision, rust_settings) in
        [(LPRANK_PRECISION_F32, ScorerSettings::f32()), (LPRANK_PRECISION_INT8, ScorerSettings::int8())]
    {
        let mut settings = lprank_ranker_settings_default();
        settings.scorer.precision = precision;
        let h = Handles::new(&settings);
        for (seed, n, m, u) in [(1, 1000, 50, 0.3), (2, 300, 20, 0.9), (3, 40, 60, 0.0)] {
            let f = feed(n, m, seed);
            let rules = f.c_rules();
            let mut slate = vec![0usize; m.min(n)];
            let mut result = lprank_rank_result::default();
            assert_eq!(
                h.rank(&f.c_request(&rules, u), &mut slate, &mut result),
                LPRANK_OK,
                "{}",
                last_error()
            );
            assert_eq!(result.has_slate, 1);
            assert_eq!(result.summary.slate_len, m.min(n));
            assert!(result.score_ns > 0 && result.solve_ns > 0);
            let (c, rust) =
                (c_fingerprint(h.ranker, &result, &slate), rust_fingerprint(&model, &f, rust_settings, u));
            let first_difference = c.iter().zip(&rust).position(|(a, b)| a != b);
            assert!(
                c.len() == rust.len() && first_difference.is_none(),
                "seed {seed}, precision {precision}: lengths {} vs {}, first difference at {first_difference:?}",
                c.len(),
                rust.len()
            );
            // Re-sampling the same solution with the same u gives the same slate.
            let mut again = vec![0usize; slate.len()];
            // SAFETY: a live handle; `again` covers its length.
            let st = unsafe { lprank_ranker_sample(h.ranker, u, again.as_mut_ptr(), again.len()) };
            assert_eq!((st, &again), (LPRANK_OK, &slate));
        }
    }
}

#[test]
fn c_abi_ranker_reports_every_bad_input_with_a_status_and_the_field() {
    let h = Handles::new(&lprank_ranker_settings_default());
    let f = feed(60, 10, 7);
    let rules = f.c_rules();
    let good = f.c_request(&rules, 0.5);
    let mut slate = [0usize; 10];
    let mut out = lprank_rank_result::default();
    let mut scores = [0.0; 60];

    // Nothing to read before the first request.
    // SAFETY (every unsafe block below): live handles or deliberate NULLs; buffers cover
    // the lengths passed with them.
    let st = unsafe { lprank_ranker_scores(h.ranker, scores.as_mut_ptr(), 60) };
    assert_eq!(st, LPRANK_NO_SOLUTION);

    // NULL handles and out-parameters.
    let st = unsafe { lprank_ranker_rank(null_mut(), h.model, &good, slate.as_mut_ptr(), 10, &mut out) };
    assert_eq!(st, LPRANK_NULL_POINTER);
    assert!(last_error().contains("ranker"));
    let st = unsafe { lprank_ranker_rank(h.ranker, null(), &good, slate.as_mut_ptr(), 10, &mut out) };
    assert_eq!(st, LPRANK_NULL_POINTER);
    let st = unsafe { lprank_ranker_rank(h.ranker, h.model, null(), slate.as_mut_ptr(), 10, &mut out) };
    assert_eq!(st, LPRANK_NULL_POINTER);
    let st = unsafe { lprank_ranker_rank(h.ranker, h.model, &good, slate.as_mut_ptr(), 10, null_mut()) };
    assert_eq!(st, LPRANK_NULL_POINTER);
    let st = unsafe { lprank_ranker_rank(h.ranker, h.model, &good, null_mut(), 10, &mut out) };
    assert_eq!(st, LPRANK_NULL_POINTER);
    assert!(last_error().contains("slate"), "{}", last_error());

    // Each bad request: the status and a piece of the message.
    let mut cases: Vec<(lprank_rank_request, lprank_status, &str)> = Vec::new();
    let mut r = good;
    r.features.item_dense = null();
    cases.push((r, LPRANK_NULL_POINTER, "request.features.item_dense"));
    let mut r = good;
    r.candidates = 59;
    cases.push((r, LPRANK_LENGTH_MISMATCH, "request.features.item_dense"));
    let mut r = good;
    r.candidates = usize::MAX;
    cases.push((r, LPRANK_LENGTH_MISMATCH, "request.features.item_dense"));
    let mut r = good;
    r.features.request_ids_len = 2;
    cases.push((r, LPRANK_LENGTH_MISMATCH, "request.features.request_ids"));
    let mut r = good;
    r.features.item_ids_len = usize::MAX;
    cases.push((r, LPRANK_LENGTH_MISMATCH, "request.features.item_ids"));
    let weights = [1.0, 0.5];
    let mut r = good;
    (r.position_weights, r.position_weights_len) = (weights.as_ptr(), 2);
    cases.push((r, LPRANK_LENGTH_MISMATCH, "request.slots"));
    let mut r = good;
    r.rules_len = 2000;
    let many: Vec<lprank_rule> = (0..2000).map(|k| rules[k % rules.len()]).collect();
    r.rules = many.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "constraints"));
    let nan_dense: Vec<f32> =
        f.features.item_dense.iter().enumerate().map(|(k, &x)| if k == 13 { f32::NAN } else { x }).collect();
    let mut r = good;
    r.features.item_dense = nan_dense.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "candidate 3"));
    let bad_ids: Vec<u64> = f.features.item_ids.iter().map(|_| u64::MAX).collect();
    let mut r = good;
    r.features.item_ids = bad_ids.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "out of range"));
    let mut bad_rules = rules.clone();
    bad_rules[0].profile = 9;
    let mut r = good;
    r.rules = bad_rules.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "rules[0].profile"));
    let mut depth0 = rules.clone();
    (depth0[0].profile, depth0[0].top) = (LPRANK_PROFILE_TOP, 0);
    let mut r = good;
    r.rules = depth0.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "constraints[0]"));
    let outside = [60usize];
    let mut bad_member = rules.clone();
    (bad_member[1].items, bad_member[1].items_len) = (outside.as_ptr(), 1);
    let mut r = good;
    r.rules = bad_member.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "constraints[1].items[0]"));
    let mut inverted = rules.clone();
    (inverted[0].has_min, inverted[0].min, inverted[0].has_max, inverted[0].max) = (1, 3.0, 1, 2.0);
    let mut r = good;
    r.rules = inverted.as_ptr();
    cases.push((r, LPRANK_INVALID_INPUT, "constraints[0]"));

    for (k, (request, status, needle)) in cases.iter().enumerate() {
        out = lprank_rank_result::default();
        slate = [usize::MAX; 10];
        assert_eq!(h.rank(request, &mut slate, &mut out), *status, "case {k}: {}", last_error());
        assert!(last_error().contains(needle), "case {k}: {:?} lacks {needle:?}", last_error());
        assert_eq!((slate, out.has_slate, out.summary.lottery_len), ([usize::MAX; 10], 0, 0), "case {k}");
        let st = unsafe { lprank_ranker_scores(h.ranker, scores.as_mut_ptr(), 60) };
        assert_eq!(st, LPRANK_NO_SOLUTION, "case {k}: nothing to read after a failure");
    }

    // A short slate buffer is refused before any work; none at all is fine.
    assert_eq!(h.rank(&good, &mut slate[..9], &mut out), LPRANK_BUFFER_TOO_SMALL);
    assert!(last_error().contains("10 needed"), "{}", last_error());
    assert_eq!(h.rank(&good, &mut [], &mut out), LPRANK_OK);
    assert_eq!((out.has_slate, out.summary.solution_status), (0, LPRANK_SOLUTION_OPTIMAL));
    assert_eq!(unsafe { lprank_ranker_scores(h.ranker, scores.as_mut_ptr(), 59) }, LPRANK_BUFFER_TOO_SMALL);
    assert_eq!(unsafe { lprank_ranker_scores(h.ranker, scores.as_mut_ptr(), 60) }, LPRANK_OK);
    assert!(scores.iter().all(|&p| (0.0..=1.0).contains(&p)), "probabilities by default");
    let mut ray = [0.0; 16];
    assert_eq!(
        unsafe { lprank_ranker_infeasibility_ray(h.ranker, ray.as_mut_ptr(), 16) },
        LPRANK_NO_SOLUTION
    );

    // Infeasible rules are not an error: a status, no slate, and a ray.
    let everyone: Vec<usize> = (0..60).collect();
    let mut impossible = c_rule(&f.rules[0], &f.names[0]);
    (impossible.items, impossible.items_len) = (everyone.as_ptr(), 60);
    (impossible.profile, impossible.has_max, impossible.has_min, impossible.min) =
        (LPRANK_PROFILE_TOP, 0, 1, 4.0);
    impossible.top = 3;
    let mut r = good;
    (r.rules, r.rules_len) = (&impossible, 1);
    slate = [usize::MAX; 10];
    assert_eq!(h.rank(&r, &mut slate, &mut out), LPRANK_OK);
    assert_eq!(
        (out.summary.solution_status, out.has_slate, slate),
        (LPRANK_SOLUTION_INFEASIBLE, 0, [usize::MAX; 10])
    );
    assert_eq!(unsafe { lprank_ranker_infeasibility_ray(h.ranker, ray.as_mut_ptr(), 1) }, LPRANK_OK);
    assert!(ray[0] < 0.0, "the ray proves the min: {}", ray[0]);
    assert_eq!(unsafe { lprank_ranker_sample(h.ranker, 0.5, slate.as_mut_ptr(), 10) }, LPRANK_NO_SOLUTION);

    // Bad settings give a NULL handle naming the field.
    for (edit, needle) in [
        (&(|s: &mut lprank_ranker_settings| s.output = 7) as &dyn Fn(&mut _), "settings.output"),
        (&|s: &mut lprank_ranker_settings| s.scorer.precision = 3, "settings.scorer.precision"),
        (&|s: &mut lprank_ranker_settings| s.scorer.kernels = 9, "settings.scorer.kernels"),
        (&|s: &mut lprank_ranker_settings| s.solver.relative_gap = f64::NAN, "settings.solver.relative_gap"),
    ] {
        let mut s = lprank_ranker_settings_default();
        edit(&mut s);
        assert!(unsafe { lprank_ranker_new(&s) }.is_null(), "{needle}");
        assert!(last_error().contains(needle), "{:?} lacks {needle:?}", last_error());
    }
    unsafe { lprank_ranker_free(null_mut()) };
}

#[test]
fn a_warm_c_abi_ranker_allocates_nothing() {
    let mut settings = lprank_ranker_settings_default();
    settings.scorer.precision = LPRANK_PRECISION_INT8;
    let h = Handles::new(&settings);
    let big = feed(1000, 50, 11);
    let big_rules = big.c_rules();
    let mut slate = vec![0usize; 50];
    let mut out = lprank_rank_result::default();
    assert_eq!(h.rank(&big.c_request(&big_rules, 0.5), &mut slate, &mut out), LPRANK_OK);
    // The solver sizes its buffers by the work a request needs (the items screening keeps,
    // the assignment's candidates); reserving for the largest request makes every smaller
    // one allocation-free from its first call.
    // SAFETY: a live handle; the rules' arrays live in `big_rules`.
    let reserved = unsafe { lprank_ranker_reserve(h.ranker, 1000, 50, big_rules.as_ptr(), big_rules.len()) };
    assert_eq!(reserved, LPRANK_OK);
    let feeds: Vec<_> = (0..3u64).map(|seed| feed(1000 - 150 * seed as usize, 50, 20 + seed)).collect();
    for (seed, f) in feeds.iter().enumerate() {
        let rules = f.c_rules();
        let request = f.c_request(&rules, 0.25);
        let mut probabilities = [0.0; 64];
        let mut scores = vec![0.0; 1000];
        let count = allocations(|| {
            assert_eq!(h.rank(&request, &mut slate, &mut out), LPRANK_OK);
            // SAFETY: a live handle; the buffers cover their lengths.
            unsafe {
                assert_eq!(lprank_ranker_scores(h.ranker, scores.as_mut_ptr(), 1000), LPRANK_OK);
                assert_eq!(
                    lprank_ranker_lottery(h.ranker, probabilities.as_mut_ptr(), 64, null_mut(), 0),
                    LPRANK_OK
                );
            }
        });
        assert_eq!(count, 0, "seed {seed}: {count} allocations");
        assert_eq!(out.has_slate, 1);
    }
}
