//! The C ABI with arbitrary lengths, NULL pointers and mismatched sizes (but only memory
//! that exists: the fuzzer decides lengths and which pointers are NULL, never addresses):
//! the solver's problem structs and result buffers, and the scorer's request struct with
//! the bundled model. No call may panic or crash; a status other than LPRANK_PANIC must
//! come back.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use lprank::ffi::lprank_status;
use lprank::ffi::solver::*;

fn length(u: &mut Unstructured<'_>, real: usize) -> Result<usize> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => 0,
        1 => real,
        2 => real.saturating_sub(1),
        3 => usize::MAX,
        4 => usize::MAX / 8 + 1,
        _ => u.int_in_range(0..=real)?,
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let scores: Vec<f64> = (0..u.int_in_range(0usize..=8)?).map(|i| i as f64 * 0.1).collect();
    let items: Vec<usize> =
        (0..u.int_in_range(0usize..=4)?).map(|_| u.int_in_range(0usize..=9).unwrap_or(0)).collect();
    let coefficients: Vec<f64> = (0..u.int_in_range(0usize..=8)?).map(|i| i as f64 - 2.0).collect();
    let weights: Vec<f64> = vec![1.0, 0.5, 0.25];
    let null = |u: &mut Unstructured<'_>| u.int_in_range(0u8..=3).map(|x| x == 0);
    let rule = lprank_rule {
        name: std::ptr::null(),
        items: if null(u)? { std::ptr::null() } else { items.as_ptr() },
        items_len: length(u, items.len())?,
        coefficients: if u.arbitrary::<bool>()? { std::ptr::null() } else { coefficients.as_ptr() },
        coefficients_len: length(u, coefficients.len())?,
        profile: u.int_in_range(0u32..=4)?,
        top: u.int_in_range(0usize..=9)?,
        has_max: u.arbitrary()?,
        has_min: u.arbitrary()?,
        has_penalty: u.arbitrary()?,
        max: f64::from(u.int_in_range(-4i8..=4)?),
        min: f64::from(u.int_in_range(-4i8..=4)?),
        penalty: f64::from(u.int_in_range(-1i8..=4)?),
    };
    let rules = [rule, rule];
    let problem = lprank_problem {
        scores: if null(u)? { std::ptr::null() } else { scores.as_ptr() },
        scores_len: length(u, scores.len())?,
        slots: u.int_in_range(0usize..=9)?,
        position_weights: if u.arbitrary::<bool>()? { std::ptr::null() } else { weights.as_ptr() },
        position_weights_len: length(u, weights.len())?,
        rules: if null(u)? { std::ptr::null() } else { rules.as_ptr() },
        rules_len: length(u, rules.len())?,
    };
    // The fuzzer may claim more elements than exist only together with NULL (rejected
    // before any read) or with lengths so large that they are rejected as overflowing.
    let honest =
        |ptr_null: bool, len: usize, real: usize| ptr_null || len <= real || len > isize::MAX as usize / 8;
    let claims_ok = honest(problem.scores.is_null(), problem.scores_len, scores.len())
        && honest(problem.position_weights.is_null(), problem.position_weights_len, weights.len())
        && honest(problem.rules.is_null(), problem.rules_len, rules.len())
        && (problem.rules.is_null()
            || problem.rules_len > rules.len()
            || (honest(rule.items.is_null(), rule.items_len, items.len())
                && honest(rule.coefficients.is_null(), rule.coefficients_len, coefficients.len())));
    if !claims_ok {
        return Ok(()); // would read past real memory: undefined behaviour, not a test
    }
    // SAFETY: NULL settings; every pointer in `problem` is NULL or covers its claimed length
    // (checked above), or the length is rejected before use.
    unsafe {
        let solver = lprank_solver_new(std::ptr::null());
        let mut summary = lprank_summary::default();
        let status = lprank_solver_solve(solver, &problem, &mut summary);
        assert_ne!(status, lprank_status::LPRANK_PANIC);
        let mut p = vec![0.0; u.int_in_range(0usize..=4)?];
        let mut r = vec![0usize; u.int_in_range(0usize..=40)?];
        let s = lprank_solver_lottery(solver, p.as_mut_ptr(), p.len(), r.as_mut_ptr(), r.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        let mut slate = vec![0usize; u.int_in_range(0usize..=10)?];
        let s = lprank_solver_sample(solver, 0.5, slate.as_mut_ptr(), slate.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        let mut outcomes = vec![lprank_rule_outcome::default(); u.int_in_range(0usize..=3)?];
        let s = lprank_solver_rule_outcomes(solver, outcomes.as_mut_ptr(), outcomes.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        lprank_solver_free(solver);
    }
    Ok(())
}

/// The bundled model through the C ABI, loaded once.
struct SharedModel(*mut lprank::ffi::scorer::lprank_model);
// SAFETY: the model handle is immutable and documented as shareable across threads.
unsafe impl Send for SharedModel {}
unsafe impl Sync for SharedModel {}

fn model() -> *const lprank::ffi::scorer::lprank_model {
    static MODEL: std::sync::OnceLock<SharedModel> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir =
                std::ffi::CString::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../ranking-models/feed-dcn"))
                    .unwrap();
            // SAFETY: a NUL-terminated path.
            SharedModel(unsafe { lprank::ffi::scorer::lprank_model_load(dir.as_ptr()) })
        })
        .0
}

fn score(u: &mut Unstructured<'_>) -> Result<()> {
    use lprank::ffi::scorer::*;
    let n = u.int_in_range(0usize..=6)?;
    // feed-dcn: 4 request dense, 3 request ids, 4 item dense and 5 item ids per candidate.
    let request_dense: Vec<f32> = (0..u.int_in_range(0usize..=6)?).map(|i| i as f32 * 0.1).collect();
    let request_ids: Vec<u64> =
        (0..u.int_in_range(0usize..=5)?).map(|_| u.int_in_range(0u64..=30).unwrap_or(0)).collect();
    let item_dense: Vec<f32> =
        (0..u.int_in_range(0usize..=6 * 5)?).map(|i| if i == 7 { f32::NAN } else { 0.2 }).collect();
    let item_ids: Vec<u64> =
        (0..u.int_in_range(0usize..=6 * 6)?).map(|_| u.arbitrary::<u64>().unwrap_or(0)).collect();
    let null = |u: &mut Unstructured<'_>| u.int_in_range(0u8..=5).map(|x| x == 0);
    let request = lprank_score_request {
        request_dense: if null(u)? { std::ptr::null() } else { request_dense.as_ptr() },
        request_dense_len: length(u, request_dense.len())?,
        request_ids: if null(u)? { std::ptr::null() } else { request_ids.as_ptr() },
        request_ids_len: length(u, request_ids.len())?,
        item_dense: if null(u)? { std::ptr::null() } else { item_dense.as_ptr() },
        item_dense_len: length(u, item_dense.len())?,
        item_ids: if null(u)? { std::ptr::null() } else { item_ids.as_ptr() },
        item_ids_len: length(u, item_ids.len())?,
    };
    let honest =
        |ptr_null: bool, len: usize, real: usize| ptr_null || len <= real || len > isize::MAX as usize / 8;
    if !(honest(request.request_dense.is_null(), request.request_dense_len, request_dense.len())
        && honest(request.request_ids.is_null(), request.request_ids_len, request_ids.len())
        && honest(request.item_dense.is_null(), request.item_dense_len, item_dense.len())
        && honest(request.item_ids.is_null(), request.item_ids_len, item_ids.len()))
    {
        return Ok(());
    }
    let mut out = vec![0.0f32; n];
    let output = u.int_in_range(0u32..=3)?;
    // SAFETY: every pointer covers its stated length (checked above) or the length is
    // rejected before use; the scorer is freed below.
    unsafe {
        let mut settings = lprank_scorer_settings_default();
        settings.precision = u.int_in_range(0u32..=2)?;
        let scorer = lprank_scorer_new(&settings);
        let status = lprank_scorer_score(scorer, model(), &request, output, out.as_mut_ptr(), out.len());
        assert_ne!(status, lprank_status::LPRANK_PANIC);
        let mut heads = vec![0.0f32; u.int_in_range(0usize..=12)?];
        let status = lprank_scorer_head_logits(scorer, heads.as_mut_ptr(), heads.len());
        assert_ne!(status, lprank_status::LPRANK_PANIC);
        lprank_scorer_free(scorer);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if u.arbitrary::<bool>().unwrap_or(false) {
        let _ = score(&mut u);
    } else {
        let _ = run(&mut u);
    }
});
