//! The C ABI with arbitrary lengths, NULL pointers and mismatched sizes (but only memory
//! that exists: the fuzzer decides lengths and which pointers are NULL, never addresses):
//! the solver's problem structs and result buffers, the scorer's request struct with the
//! bundled model, and the ranker's request (both together) with its readers. No call may
//! panic or crash; a status other than LPRANK_PANIC must come back, and every solve or
//! rank that returns LPRANK_OK must give an answer `lprank::verify` accepts for the problem
//! as the C ABI read it (whatever its status: optimal, infeasible with its ray, a limit).
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

/// Whether a `(ptr, len)` claim is safe to hand over: NULL (rejected before any read), no
/// more elements than exist, or so many that the length is rejected as overflowing.
fn honest(ptr_null: bool, len: usize, real: usize) -> bool {
    ptr_null || len <= real || len > isize::MAX as usize / 8
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
        if status == lprank_status::LPRANK_OK {
            if let Err(e) = lprank::ffi::solver::verify_last_solve(solver, &problem) {
                panic!("verification failed through the C ABI: {e}");
            }
        }
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

/// A scoring request's arrays (owned, so that the request's pointers stay valid).
struct Features {
    request_dense: Vec<f32>,
    request_ids: Vec<u64>,
    item_dense: Vec<f32>,
    item_ids: Vec<u64>,
}

impl Features {
    /// Arrays for `n` candidates of the bundled model (4 request dense values, 3 request
    /// ids, 4 item dense values and 5 item ids per candidate): mostly well-formed, so that
    /// calls get past validation, otherwise of arbitrary lengths, ids and values.
    fn arbitrary(u: &mut Unstructured<'_>, n: usize) -> Result<Self> {
        let well_formed = u.int_in_range(0u8..=3)? > 0;
        let len = |u: &mut Unstructured<'_>, want: usize| -> Result<usize> {
            if well_formed {
                Ok(want)
            } else {
                u.int_in_range(0..=want + 2)
            }
        };
        let nan_at = if u.int_in_range(0u8..=7)? == 0 { u.int_in_range(0usize..=4 * n)? } else { usize::MAX };
        let small_ids = u.int_in_range(0u8..=7)? > 0;
        let id = |u: &mut Unstructured<'_>| -> Result<u64> {
            if small_ids {
                u.int_in_range(0u64..=3)
            } else {
                u.arbitrary()
            }
        };
        let (rd, ri, d, i) = (len(u, 4)?, len(u, 3)?, len(u, 4 * n)?, len(u, 5 * n)?);
        Ok(Features {
            request_dense: (0..rd).map(|k| k as f32 * 0.1).collect(),
            request_ids: (0..ri).map(|_| id(u)).collect::<Result<_>>()?,
            item_dense: (0..d).map(|k| if k == nan_at { f32::NAN } else { 0.2 + k as f32 * 0.01 }).collect(),
            item_ids: (0..i).map(|_| id(u)).collect::<Result<_>>()?,
        })
    }

    /// A C request over the arrays with arbitrary NULLs and lengths; `None` when it would
    /// claim memory that does not exist.
    fn request(&self, u: &mut Unstructured<'_>) -> Result<Option<lprank::ffi::scorer::lprank_score_request>> {
        if u.int_in_range(0u8..=3)? > 0 {
            // The arrays as they are, so that the call gets past the pointer checks.
            return Ok(Some(lprank::ffi::scorer::lprank_score_request {
                request_dense: self.request_dense.as_ptr(),
                request_dense_len: self.request_dense.len(),
                request_ids: self.request_ids.as_ptr(),
                request_ids_len: self.request_ids.len(),
                item_dense: self.item_dense.as_ptr(),
                item_dense_len: self.item_dense.len(),
                item_ids: self.item_ids.as_ptr(),
                item_ids_len: self.item_ids.len(),
            }));
        }
        let null = |u: &mut Unstructured<'_>| u.int_in_range(0u8..=5).map(|x| x == 0);
        let r = lprank::ffi::scorer::lprank_score_request {
            request_dense: if null(u)? { std::ptr::null() } else { self.request_dense.as_ptr() },
            request_dense_len: length(u, self.request_dense.len())?,
            request_ids: if null(u)? { std::ptr::null() } else { self.request_ids.as_ptr() },
            request_ids_len: length(u, self.request_ids.len())?,
            item_dense: if null(u)? { std::ptr::null() } else { self.item_dense.as_ptr() },
            item_dense_len: length(u, self.item_dense.len())?,
            item_ids: if null(u)? { std::ptr::null() } else { self.item_ids.as_ptr() },
            item_ids_len: length(u, self.item_ids.len())?,
        };
        let ok = honest(r.request_dense.is_null(), r.request_dense_len, self.request_dense.len())
            && honest(r.request_ids.is_null(), r.request_ids_len, self.request_ids.len())
            && honest(r.item_dense.is_null(), r.item_dense_len, self.item_dense.len())
            && honest(r.item_ids.is_null(), r.item_ids_len, self.item_ids.len());
        Ok(ok.then_some(r))
    }
}

fn score(u: &mut Unstructured<'_>) -> Result<()> {
    use lprank::ffi::scorer::*;
    let n = u.int_in_range(0usize..=6)?;
    let features = Features::arbitrary(u, n)?;
    let Some(request) = features.request(u)? else { return Ok(()) };
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

fn rank(u: &mut Unstructured<'_>) -> Result<()> {
    use lprank::ffi::ranker::*;
    let n = u.int_in_range(0usize..=6)?;
    let features = Features::arbitrary(u, n)?;
    let Some(request_features) = features.request(u)? else { return Ok(()) };
    let items: Vec<usize> =
        (0..u.int_in_range(0usize..=4)?).map(|_| u.int_in_range(0usize..=7).unwrap_or(0)).collect();
    let rule = lprank_rule {
        name: std::ptr::null(),
        items: items.as_ptr(),
        items_len: if u.arbitrary::<bool>()? { items.len() } else { length(u, items.len())? },
        coefficients: std::ptr::null(),
        coefficients_len: 0,
        profile: u.int_in_range(0u32..=3)?,
        top: u.int_in_range(0usize..=6)?,
        has_max: u.arbitrary()?,
        has_min: u.arbitrary()?,
        has_penalty: 0,
        max: f64::from(u.int_in_range(-2i8..=4)?),
        min: f64::from(u.int_in_range(-2i8..=4)?),
        penalty: 0.0,
    };
    let weights = [1.0, 0.5, 0.25];
    let request = lprank_rank_request {
        features: request_features,
        candidates: if u.arbitrary::<bool>()? { n } else { length(u, n)? },
        slots: u.int_in_range(0usize..=8)?,
        position_weights: if u.arbitrary::<bool>()? { std::ptr::null() } else { weights.as_ptr() },
        position_weights_len: if u.arbitrary::<bool>()? { weights.len() } else { length(u, weights.len())? },
        rules: &rule,
        rules_len: u.int_in_range(0usize..=1)?,
        u: f64::from(u.int_in_range(-1i8..=2)?) * 0.5,
    };
    if !(honest(rule.items.is_null(), rule.items_len, items.len())
        && honest(request.position_weights.is_null(), request.position_weights_len, weights.len()))
    {
        return Ok(());
    }
    let mut slate = vec![0usize; u.int_in_range(0usize..=9)?];
    let mut settings = lprank_ranker_settings_default();
    settings.scorer.precision = u.int_in_range(0u32..=1)?;
    settings.output = u.int_in_range(0u32..=3)?;
    // SAFETY: every pointer covers its stated length (checked above) or the length is
    // rejected before use; the ranker is freed below.
    unsafe {
        let ranker = lprank_ranker_new(&settings);
        let mut result = lprank_rank_result::default();
        let status =
            lprank_ranker_rank(ranker, model(), &request, slate.as_mut_ptr(), slate.len(), &mut result);
        assert_ne!(status, lprank_status::LPRANK_PANIC);
        if status == lprank_status::LPRANK_OK {
            if let Err(e) = lprank::ffi::ranker::verify_last_rank(ranker, &request) {
                panic!("verification failed through the ranker's C ABI: {e}");
            }
        }
        let mut scores = vec![0.0; u.int_in_range(0usize..=8)?];
        assert_ne!(
            lprank_ranker_scores(ranker, scores.as_mut_ptr(), scores.len()),
            lprank_status::LPRANK_PANIC
        );
        let mut p = vec![0.0; u.int_in_range(0usize..=3)?];
        let mut r = vec![0usize; u.int_in_range(0usize..=20)?];
        let s = lprank_ranker_lottery(ranker, p.as_mut_ptr(), p.len(), r.as_mut_ptr(), r.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        let s = lprank_ranker_sample(ranker, 0.3, slate.as_mut_ptr(), slate.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        let mut outcomes = vec![lprank_rule_outcome::default(); u.int_in_range(0usize..=2)?];
        let s = lprank_ranker_rule_outcomes(ranker, outcomes.as_mut_ptr(), outcomes.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        let mut ray = vec![0.0; u.int_in_range(0usize..=2)?];
        let s = lprank_ranker_infeasibility_ray(ranker, ray.as_mut_ptr(), ray.len());
        assert_ne!(s, lprank_status::LPRANK_PANIC);
        lprank_ranker_free(ranker);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    // The first byte picks the entry point.
    let _ = match u.arbitrary::<u8>().unwrap_or(0) % 3 {
        0 => run(&mut u),
        1 => score(&mut u),
        _ => rank(&mut u),
    };
});
