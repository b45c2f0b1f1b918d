//! The ranker through the C ABI: one call per request scores the candidates with a shared
//! model, solves the slate LP on those scores under the request's rules and writes the
//! slate to serve; the scores, lottery, rule outcomes and ray are read back afterwards.
//!
//! ```text
//!   lprank_ranker_new(settings)                       once per thread
//!   lprank_ranker_rank(ranker, model, request,        per request: score → solve → sample(u)
//!                      slate, slate_len, &result)
//!   lprank_ranker_scores / _lottery / _rule_outcomes / _infeasibility_ray / _sample
//! ```
//!
//! The request reuses the scorer's and the solver's C structs (`lprank_score_request`,
//! `lprank_rule`), so a service that already calls them separately changes nothing in how
//! it lays out its data. A ranker warmed up by a request at least as large allocates
//! nothing per request (tests/zero_alloc.rs).
#![allow(non_camel_case_types)]

use super::lprank_status::{self, *};
use super::scorer::{
    lprank_model, lprank_score_request, lprank_scorer_settings, lprank_scorer_settings_default, output_arg,
    request_arg, request_failure, scorer_settings, LPRANK_OUTPUT_PROBABILITY,
};
use super::solver::{
    lprank_rule, lprank_rule_outcome, lprank_settings, lprank_settings_default, lprank_summary,
    problem_failure, slots_arg, solver_settings, summary, write_infeasibility_ray, write_lottery,
    write_rule_outcomes, write_sample, RuleBuffer,
};
use super::{free_handle, guard, guard_value, need, non_null, slice_arg, slice_out, Failure};
use crate::ranker::{RankError, RankRequest, Ranker, RankerError};
use crate::solution::Solution;

/// How a ranker scores and solves; start from `lprank_ranker_settings_default()`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_ranker_settings {
    /// Precision and kernels of the scorer (default: f32, the best kernels).
    pub scorer: lprank_scorer_settings,
    /// The solver's settings (default: `lprank_settings_default()`).
    pub solver: lprank_settings,
    /// The model output the LP maximises, an `LPRANK_OUTPUT_*` value (default:
    /// `LPRANK_OUTPUT_PROBABILITY`, the calibrated click probability).
    pub output: u32,
}

/// One request of `candidates` items, borrowed by `lprank_ranker_rank` for the duration of
/// the call only. Every array may be NULL exactly when its length is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_rank_request {
    /// The candidates' features, laid out as for `lprank_scorer_score` (item arrays are
    /// `candidates` rows, row-major).
    pub features: lprank_score_request,
    /// Number of candidates `n`.
    pub candidates: usize,
    /// Slot count, as in `lprank_problem`: with `position_weights`, 0 means all of them and
    /// a smaller count keeps the first `slots`; without, the default weights 1/log2(j + 2).
    pub slots: usize,
    /// Position weights (finite, ≥ 0, non-increasing), or NULL with 0 for the defaults.
    pub position_weights: *const f64,
    /// Number of position weights.
    pub position_weights_len: usize,
    /// The rules; member indices refer to candidates `0..n`. NULL with 0 for none.
    pub rules: *const lprank_rule,
    /// Number of rules.
    pub rules_len: usize,
    /// Uniform number in `[0, 1)` that picks the slate from the lottery (clamped; NaN reads
    /// as 0). Draw it from the request's random stream, so that rules hold on average.
    pub u: f64,
}

/// What one request gave.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct lprank_rank_result {
    /// The solve's summary: status, objective, bound, sizes, iterations.
    pub summary: lprank_summary,
    /// Nanoseconds spent scoring.
    pub score_ns: u64,
    /// Nanoseconds spent solving.
    pub solve_ns: u64,
    /// 1 when the slate was written (`summary.slate_len` entries), 0 when there is no
    /// lottery to sample (infeasible rules, or a time budget that ran out before any
    /// feasible lottery) or no slate buffer was given.
    pub has_slate: u8,
    /// The probability with which the lottery serves this slate, in (0, 1] (0 when there
    /// is no lottery): log it with the impression for inverse-propensity estimates.
    pub propensity: f64,
}

/// Opaque ranker handle: a scorer workspace, a solver and the score buffers. Not
/// thread-safe: use one per thread (it may move between threads, never be shared); the
/// model it ranks with may be shared by any number of rankers.
pub struct lprank_ranker {
    ranker: Ranker,
    rules: RuleBuffer,
    ranked: bool,
}

/// The default ranker settings: an f32 scorer on the best kernels, the default solver
/// settings, ranking by the calibrated click probability.
#[no_mangle]
pub extern "C" fn lprank_ranker_settings_default() -> lprank_ranker_settings {
    lprank_ranker_settings {
        scorer: lprank_scorer_settings_default(),
        solver: lprank_settings_default(),
        output: LPRANK_OUTPUT_PROBABILITY,
    }
}

/// A new ranker with `settings` (NULL: the defaults). Returns NULL, with
/// `lprank_last_error()` naming the field, for an unknown precision, kernel tier or
/// output, a kernel tier this CPU cannot run, or invalid solver settings. The caller owns
/// the handle; free it with `lprank_ranker_free`.
///
/// # Safety
/// `settings` is NULL or points to a valid `lprank_ranker_settings`.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_new(settings: *const lprank_ranker_settings) -> *mut lprank_ranker {
    guard_value(std::ptr::null_mut(), || {
        let c = if settings.is_null() {
            lprank_ranker_settings_default()
        } else {
            // SAFETY: non-NULL and, by the contract, a valid struct.
            unsafe { *settings }
        };
        let scorer = scorer_settings(&c.scorer, "settings.scorer")?;
        let output = output_arg(c.output, "settings.output")?;
        let ranker = Ranker::new(scorer, solver_settings(&c.solver)).map_err(|e| match e {
            RankerError::Kernels(e) => {
                Failure::new(LPRANK_INVALID_INPUT, format!("settings.scorer.kernels: {e}"))
            }
            RankerError::Settings(e) => Failure::new(LPRANK_INVALID_INPUT, format!("settings.solver.{e}")),
        })?;
        let handle =
            lprank_ranker { ranker: ranker.with_output(output), rules: RuleBuffer::default(), ranked: false };
        Ok(Box::into_raw(Box::new(handle)))
    })
}

/// Frees a ranker. `NULL` does nothing.
///
/// # Safety
/// `ranker` is NULL or a handle from `lprank_ranker_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_free(ranker: *mut lprank_ranker) {
    // SAFETY: NULL or a live handle from `lprank_ranker_new`, freed once (the caller's contract).
    unsafe { free_handle(ranker) }
}

/// Ranks one request: scores its candidates with `model`, solves the slate LP on those
/// scores under its rules, and writes the slate for `request->u` to `slate` and what
/// happened to `out`. `slate` needs `min(slots, candidates)` entries; it may be NULL with
/// length 0 to skip it (then `out->has_slate` is 0; read it later with
/// `lprank_ranker_sample`). The request's arrays are read in place during the call only.
///
/// Statuses (on any failure `slate` and `out` are untouched and the readers report
/// `LPRANK_NO_SOLUTION` until the next successful call):
/// - `LPRANK_OK`, whatever the solution status (optimal, infeasible, a budget that ran
///   out): see `out->summary.solution_status`;
/// - `LPRANK_NULL_POINTER`: `ranker`, `model`, `request` or `out` NULL, or an array NULL
///   with a non-zero length;
/// - `LPRANK_LENGTH_MISMATCH`: a feature array's length disagrees with the model's widths
///   and `candidates`, more slots than position weights, or a length overflows;
/// - `LPRANK_INVALID_INPUT`: a NaN or infinite feature, an id outside a plain table, or
///   invalid rules (an unknown profile, depth 0, min > max, a member ≥ candidates, …),
///   or more candidates × rules than lprank supports; the message names the field;
/// - `LPRANK_BUFFER_TOO_SMALL`: `slate` is shorter than the slate (checked before any
///   work is done);
/// - `LPRANK_PANIC`.
///
/// Thread-safety: `ranker` must not be used by another thread during the call; `model`
/// may be used by other rankers and scorers concurrently.
///
/// # Safety
/// `ranker` and `model` are NULL or live handles; `request` and `out` are NULL or valid;
/// every array in the request holds the length given beside it; `slate` is NULL or holds
/// `slate_len` writable entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_rank(
    ranker: *mut lprank_ranker,
    model: *const lprank_model,
    request: *const lprank_rank_request,
    slate: *mut usize,
    slate_len: usize,
    out: *mut lprank_rank_result,
) -> lprank_status {
    guard(|| {
        non_null(ranker, "ranker")?;
        non_null(model, "model")?;
        non_null(request, "request")?;
        non_null(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises live handles, a valid request and
        // exclusive use of the ranker.
        let (handle, model, r) = unsafe { (&mut *ranker, &(*model).model, &*request) };
        handle.ranked = false;
        // SAFETY: every array holds the length beside it (the caller's contract).
        let features = unsafe { request_arg(&r.features, "request.features")? };
        let weights =
            unsafe { slice_arg(r.position_weights, r.position_weights_len, "request.position_weights")? };
        let c_rules = unsafe { slice_arg(r.rules, r.rules_len, "request.rules")? };
        let slate = unsafe { slice_out(slate, slate_len, "slate")? };
        let slots = slots_arg(r.slots, r.position_weights, weights, "request")?;
        if !slate.is_empty() {
            need("slate", slots.count().min(r.candidates), slate.len())?;
        }
        // SAFETY: every rule's arrays have the lengths beside them (the caller's contract).
        let result = unsafe {
            handle.rules.with(c_rules, |rules| {
                let request = RankRequest { features, candidates: r.candidates, slots, rules, u: r.u };
                let ranked = handle.ranker.rank(model, &request).map_err(rank_failure)?;
                let mut has_slate = 0;
                if let (Some(items), false) = (ranked.slate, slate.is_empty()) {
                    slate[..items.len()].copy_from_slice(items);
                    has_slate = 1;
                }
                Ok(lprank_rank_result {
                    summary: summary(ranked.solution),
                    score_ns: ranked.timing.score_ns,
                    solve_ns: ranked.timing.solve_ns,
                    has_slate,
                    propensity: ranked.propensity,
                })
            })?
        };
        handle.ranked = true;
        // SAFETY: checked non-NULL above.
        unsafe { *out = result };
        Ok(())
    })
}

/// For the fuzz targets: runs [`crate::verify::verify`] on the last solution of `ranker`
/// against the problem it solved (its scores for `request`'s candidates, the request's
/// slots and rules as the C ABI converts them). `Err` with the reason.
///
/// # Safety
/// `ranker` is a live handle whose last `lprank_ranker_rank` of `request` returned
/// `LPRANK_OK`; `request` is valid as that call required.
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub unsafe fn verify_last_rank(
    ranker: *mut lprank_ranker,
    request: *const lprank_rank_request,
) -> Result<(), String> {
    use crate::problem::Problem;
    // SAFETY: forwarded contract.
    let (handle, r) = unsafe { (&mut *ranker, &*request) };
    let checked = (|| {
        // SAFETY: forwarded contract.
        let weights =
            unsafe { slice_arg(r.position_weights, r.position_weights_len, "request.position_weights")? };
        let c_rules = unsafe { slice_arg(r.rules, r.rules_len, "request.rules")? };
        let slots = slots_arg(r.slots, r.position_weights, weights, "request")?;
        let (scores, solution) = (handle.ranker.last_scores(), handle.ranker.last_solution());
        // SAFETY: forwarded contract.
        unsafe {
            handle.rules.with(c_rules, |rules| {
                let problem = Problem::new(scores, slots).with_rules(rules);
                crate::verify::verify(&problem, solution, 1e-9, 1e-9)
                    .map_err(|e| Failure::new(LPRANK_INVALID_INPUT, e.0))
            })
        }
    })();
    checked.map_err(|f| f.1)
}

fn rank_failure(e: RankError) -> Failure {
    match e {
        RankError::Features(e) => request_failure(e, "request.features"),
        RankError::Problem(e) => problem_failure(e),
    }
}

/// The ranker's last successful request, or `LPRANK_NO_SOLUTION`.
///
/// # Safety
/// `ranker` is NULL or a live handle.
unsafe fn ranked<'a>(ranker: *const lprank_ranker) -> Result<&'a Ranker, Failure> {
    non_null(ranker, "ranker")?;
    // SAFETY: non-NULL live handle.
    let handle = unsafe { &*ranker };
    if !handle.ranked {
        return Err(Failure::new(LPRANK_NO_SOLUTION, "no successful rank call on this ranker yet"));
    }
    Ok(&handle.ranker)
}

/// # Safety
/// As for [`ranked`].
unsafe fn solution<'a>(ranker: *const lprank_ranker) -> Result<&'a Solution, Failure> {
    // SAFETY: forwarded contract.
    Ok(unsafe { ranked(ranker)? }.last_solution())
}

/// Reserves the ranker's solver and score buffers for requests of at most `candidates`
/// candidates, `slots` slots and as many rules and bounds as `rules` (see
/// `lprank_solver_reserve`), so that once the scorer has seen a request of `candidates`
/// no such request allocates. Statuses as for `lprank_solver_reserve`.
///
/// # Safety
/// `ranker` is NULL or a live handle; `rules` is NULL or holds `rules_len` rules whose
/// arrays hold the lengths beside them.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_reserve(
    ranker: *mut lprank_ranker,
    candidates: usize,
    slots: usize,
    rules: *const lprank_rule,
    rules_len: usize,
) -> lprank_status {
    guard(|| {
        non_null(ranker, "ranker")?;
        // SAFETY: checked non-NULL; the caller promises a live, exclusive handle.
        let handle = unsafe { &mut *ranker };
        // SAFETY: forwarded contract.
        let c_rules = unsafe { slice_arg(rules, rules_len, "rules")? };
        let ranker = &mut handle.ranker;
        // SAFETY: forwarded contract.
        unsafe {
            handle.rules.with(c_rules, |rules| {
                ranker.reserve_for(candidates, crate::Slots::Count(slots), rules).map_err(problem_failure)
            })
        }
    })
}

/// Writes the solve summary of the last successful request again (as `lprank_rank`'s
/// result held it): status, objective, bound, sizes and, for numerical trouble, the
/// message. Statuses: `LPRANK_OK`, `LPRANK_NULL_POINTER`, `LPRANK_NO_SOLUTION`,
/// `LPRANK_PANIC`.
///
/// # Safety
/// `ranker` is NULL or a live handle; `out` is NULL or a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_summary(
    ranker: *const lprank_ranker,
    out: *mut lprank_summary,
) -> lprank_status {
    guard(|| {
        non_null(out, "out")?;
        // SAFETY: forwarded contract.
        let s = summary(unsafe { solution(ranker)? });
        // SAFETY: checked non-NULL.
        unsafe { *out = s };
        Ok(())
    })
}

/// Copies the scores the model gave the candidates of the last successful request (what
/// the LP maximised; `candidates` doubles). Statuses: `LPRANK_OK`, `LPRANK_NULL_POINTER`,
/// `LPRANK_BUFFER_TOO_SMALL`, `LPRANK_NO_SOLUTION`, `LPRANK_PANIC`.
///
/// # Safety
/// `ranker` is NULL or a live handle; `out` is NULL or holds `out_len` writable doubles.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_scores(
    ranker: *const lprank_ranker,
    out: *mut f64,
    out_len: usize,
) -> lprank_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let scores = unsafe { ranked(ranker)? }.last_scores();
        let out = unsafe { slice_out(out, out_len, "out")? };
        need("out", scores.len(), out.len())?;
        out[..scores.len()].copy_from_slice(scores);
        Ok(())
    })
}

/// The lottery of the last successful request, as `lprank_solver_lottery` gives it.
///
/// # Safety
/// `ranker` is NULL or a live handle; the buffers hold the lengths given.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_lottery(
    ranker: *const lprank_ranker,
    probabilities: *mut f64,
    probabilities_len: usize,
    rankings: *mut usize,
    rankings_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe {
        write_lottery(solution(ranker)?, probabilities, probabilities_len, rankings, rankings_len)
    })
}

/// The slate of the last successful request for another uniform `u` (e.g. a retry with a
/// fresh draw), as `lprank_solver_sample` gives it.
///
/// # Safety
/// `ranker` is NULL or a live handle; `ranking` holds `ranking_len` entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_sample(
    ranker: *const lprank_ranker,
    u: f64,
    ranking: *mut usize,
    ranking_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe { write_sample(solution(ranker)?, u, ranking, ranking_len) })
}

/// Each rule's value, dual and violation for the last successful request, as
/// `lprank_solver_rule_outcomes` gives them.
///
/// # Safety
/// `ranker` is NULL or a live handle; `out` holds `out_len` entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_rule_outcomes(
    ranker: *const lprank_ranker,
    out: *mut lprank_rule_outcome,
    out_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe { write_rule_outcomes(solution(ranker)?, out, out_len) })
}

/// For a request whose rules are infeasible: the Farkas ray, one number per rule, as
/// `lprank_solver_infeasibility_ray` gives it.
///
/// # Safety
/// `ranker` is NULL or a live handle; `out` holds `out_len` entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_ranker_infeasibility_ray(
    ranker: *const lprank_ranker,
    out: *mut f64,
    out_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe { write_infeasibility_ray(solution(ranker)?, out, out_len) })
}
