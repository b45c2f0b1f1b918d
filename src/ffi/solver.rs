//! The solver through the C ABI: a handle owning a [`Solver`] (and so its workspace), the
//! problem passed as structs of pointers and lengths that mirror [`Problem`] without
//! copying the scores, and the solution read back into caller-owned buffers.
//!
//! A handle is not thread-safe: use one per thread (they are cheap when idle).
#![allow(non_camel_case_types)]

use std::ffi::c_char;
use std::time::Duration;

use super::lprank_status::{self, *};
use super::{free_handle, guard, guard_value, need, non_null, slice_arg, slice_out, str_arg, Failure};
use crate::problem::{Members, Problem, ProblemError, Rule, SlotProfile, Slots};
use crate::solution::{Solution, Status};
use crate::solver::{Settings, Solver};

/// Rule profile: every slot of the slate counts once.
pub const LPRANK_PROFILE_WHOLE_SLATE: u32 = 0;
/// Rule profile: slots `0..top` count once each.
pub const LPRANK_PROFILE_TOP: u32 = 1;
/// Rule profile: every slot counts with its position weight.
pub const LPRANK_PROFILE_EXPOSURE: u32 = 2;

/// At most this many rules per problem (the Rust `MAX_RULES`).
pub const LPRANK_MAX_RULES: usize = 1024;
const _: () = assert!(LPRANK_MAX_RULES == crate::problem::MAX_RULES);

/// The largest magnitude of any number in a problem (scores, position weights,
/// coefficients, bounds, penalties; the Rust `MAX_MAGNITUDE`): beyond it a problem is
/// refused with `LPRANK_INVALID_INPUT`.
pub const LPRANK_MAX_MAGNITUDE: f64 = 1e12;
const _: () = assert!(LPRANK_MAX_MAGNITUDE == crate::problem::MAX_MAGNITUDE);

/// Solution status: optimal, with a certificate.
pub const LPRANK_SOLUTION_OPTIMAL: u32 = 0;
/// Solution status: the hard rules cannot all hold (see `lprank_solver_infeasibility_ray`).
pub const LPRANK_SOLUTION_INFEASIBLE: u32 = 1;
/// Solution status: the time budget ran out (the lottery, if any, is feasible).
pub const LPRANK_SOLUTION_TIME_LIMIT: u32 = 2;
/// Solution status: the iteration cap was reached (the lottery, if any, is feasible).
pub const LPRANK_SOLUTION_ITERATION_LIMIT: u32 = 3;
/// Solution status: floating point could not carry the solve to a trustworthy answer;
/// `lprank_summary.message` says why. Do not serve its lottery without reading it.
pub const LPRANK_SOLUTION_NUMERICAL_TROUBLE: u32 = 4;

/// Solver settings; start from `lprank_settings_default()` and change what you need.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_settings {
    /// Relative duality gap at which a solve is optimal (default 1e-9, at least 1e-15).
    pub relative_gap: f64,
    /// Allowed violation of a hard rule, times max(1, |bound|) (default 1e-9).
    pub feasibility_tolerance: f64,
    /// Cap on outer iterations (default 10000, at least 1).
    pub max_iterations: u32,
    /// Wall-clock budget per solve in nanoseconds; 0 means none (the default).
    pub time_limit_ns: u64,
    /// Cap on the memory one solve may reserve, in bytes (default 1 GiB, at least 1); a
    /// problem that would need more is refused with `LPRANK_INVALID_INPUT` and a message
    /// naming its sizes, before anything is allocated for it.
    pub max_memory_bytes: usize,
}

/// One rule. Members are either `items` (indices, coefficient 1) or `coefficients` (one
/// per item): give exactly one of the two non-empty (both empty: a rule without members).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_rule {
    /// NUL-terminated UTF-8 name, echoed in error messages; may be NULL.
    pub name: *const c_char,
    /// Member item indices (`items_len` of them); NULL with 0 for none.
    pub items: *const usize,
    /// Number of member indices.
    pub items_len: usize,
    /// Dense coefficients, one per item; NULL with 0 when `items` is used.
    pub coefficients: *const f64,
    /// Number of coefficients (must equal the number of items when given).
    pub coefficients_len: usize,
    /// `LPRANK_PROFILE_WHOLE_SLATE`, `LPRANK_PROFILE_TOP` or `LPRANK_PROFILE_EXPOSURE`.
    pub profile: u32,
    /// Depth for `LPRANK_PROFILE_TOP` (at least 1; clamped to the slate).
    pub top: usize,
    /// Non-zero when `max` applies.
    pub has_max: u8,
    /// Non-zero when `min` applies.
    pub has_min: u8,
    /// Non-zero when the rule is soft with `penalty`.
    pub has_penalty: u8,
    /// Upper bound on the rule's value.
    pub max: f64,
    /// Lower bound on the rule's value.
    pub min: f64,
    /// Cost per unit of violation (≥ 0) of a soft rule.
    pub penalty: f64,
}

/// A problem: borrowed by `lprank_solver_solve` for the duration of the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_problem {
    /// One finite score per item.
    pub scores: *const f64,
    /// Number of items.
    pub scores_len: usize,
    /// Slot count. With `position_weights`, 0 means all of them and a smaller count keeps
    /// the first `slots` weights; without, the default weights 1/log2(j + 2) are used.
    pub slots: usize,
    /// Position weights (finite, ≥ 0, non-increasing), or NULL with 0 for the defaults.
    pub position_weights: *const f64,
    /// Number of position weights.
    pub position_weights_len: usize,
    /// The rules; NULL with 0 for none.
    pub rules: *const lprank_rule,
    /// Number of rules.
    pub rules_len: usize,
}

/// What a solve found, in sizes and numbers; the arrays come from the other functions.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_summary {
    /// One of the `LPRANK_SOLUTION_*` values.
    pub solution_status: u32,
    /// Objective of the lottery (NaN when there is none).
    pub objective: f64,
    /// Certified upper bound on the optimum (NaN when infeasible).
    pub bound: f64,
    /// `bound − objective`.
    pub gap: f64,
    /// The gap relative to the objective's scale.
    pub relative_gap: f64,
    /// Slots on the slate, `min(m, n)`: the length of every ranking.
    pub slate_len: usize,
    /// Rankings in the lottery (0 when there is none).
    pub lottery_len: usize,
    /// Rules in the problem (the length `lprank_solver_rule_outcomes` fills).
    pub rules_len: usize,
    /// Outer iterations of the dual method.
    pub iterations: u32,
    /// Inner ranking problems solved.
    pub inner_solves: u32,
    /// Items removed by static screening.
    pub screened_items: usize,
    /// For `LPRANK_SOLUTION_NUMERICAL_TROUBLE` (and an iteration limit the master's pivot
    /// cap caused), one sentence saying what went wrong: a static NUL-terminated string,
    /// never to be freed. NULL otherwise.
    pub message: *const c_char,
}

impl Default for lprank_summary {
    fn default() -> Self {
        lprank_summary {
            solution_status: 0,
            objective: 0.0,
            bound: 0.0,
            gap: 0.0,
            relative_gap: 0.0,
            slate_len: 0,
            lottery_len: 0,
            rules_len: 0,
            iterations: 0,
            inner_solves: 0,
            screened_items: 0,
            message: std::ptr::null(),
        }
    }
}

/// Per-rule outcome under the lottery.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct lprank_rule_outcome {
    /// The rule's value in expectation.
    pub value: f64,
    /// Signed dual: > 0 when the max binds, < 0 when the min binds.
    pub dual: f64,
    /// Violation (non-zero only for soft rules, or within tolerance).
    pub violation: f64,
}

/// Opaque solver handle: owns a solver and its reusable workspace.
pub struct lprank_solver {
    solver: Solver,
    rules: RuleBuffer,
    solved: bool,
}

/// The default settings.
#[no_mangle]
pub extern "C" fn lprank_settings_default() -> lprank_settings {
    let s = Settings::default();
    lprank_settings {
        relative_gap: s.relative_gap,
        feasibility_tolerance: s.feasibility_tolerance,
        max_iterations: s.max_iterations,
        time_limit_ns: 0,
        max_memory_bytes: s.max_memory_bytes,
    }
}

/// The Rust settings a C settings struct stands for (validated by `Solver::new`).
pub(crate) fn solver_settings(c: &lprank_settings) -> Settings {
    Settings {
        relative_gap: c.relative_gap,
        feasibility_tolerance: c.feasibility_tolerance,
        max_iterations: c.max_iterations,
        time_limit: (c.time_limit_ns > 0).then(|| Duration::from_nanos(c.time_limit_ns)),
        max_memory_bytes: c.max_memory_bytes,
        ..Settings::default()
    }
}

/// A new solver with `settings` (NULL: the defaults). Returns NULL if the settings are
/// invalid (see `lprank_last_error`). Free it with `lprank_solver_free`.
///
/// # Safety
/// `settings` is NULL or points to a valid `lprank_settings`.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_new(settings: *const lprank_settings) -> *mut lprank_solver {
    guard_value(std::ptr::null_mut(), || {
        let s = if settings.is_null() {
            Settings::default()
        } else {
            // SAFETY: non-NULL and, by the contract, a valid struct.
            solver_settings(unsafe { &*settings })
        };
        let solver = Solver::new(s).map_err(|e| Failure::new(LPRANK_INVALID_INPUT, e.to_string()))?;
        Ok(Box::into_raw(Box::new(lprank_solver { solver, rules: RuleBuffer::default(), solved: false })))
    })
}

/// Frees a solver. `NULL` does nothing.
///
/// # Safety
/// `solver` is NULL or a handle from `lprank_solver_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_free(solver: *mut lprank_solver) {
    // SAFETY: NULL or a live handle from `lprank_solver_new`, freed once (the caller's contract).
    unsafe { free_handle(solver) }
}

/// Solves `problem` and writes the summary to `out`. The problem's arrays are only read
/// during the call. Statuses: `LPRANK_OK` (whatever the solution status: optimal,
/// infeasible, …), `LPRANK_NULL_POINTER`, `LPRANK_INVALID_INPUT` (message names the
/// field), `LPRANK_LENGTH_MISMATCH`, `LPRANK_PANIC`.
///
/// # Safety
/// `solver` is a live handle; `problem` and `out` are valid pointers; every array in the
/// problem has the length given beside it.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_solve(
    solver: *mut lprank_solver,
    problem: *const lprank_problem,
    out: *mut lprank_summary,
) -> lprank_status {
    guard(|| {
        non_null(solver, "solver")?;
        non_null(problem, "problem")?;
        non_null(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises valid, exclusive pointers.
        let (handle, p) = unsafe { (&mut *solver, &*problem) };
        handle.solved = false;
        // SAFETY: lengths as documented by the caller.
        let s = unsafe {
            with_problem(&mut handle.rules, p, |problem| {
                let solution = handle.solver.solve(problem).map_err(problem_failure)?;
                Ok(summary(solution))
            })?
        };
        handle.solved = true;
        // SAFETY: checked non-NULL above.
        unsafe { *out = s };
        Ok(())
    })
}

/// Reserves every buffer of `solver` for problems of at most `items` items, `slots` slots
/// and as many rules and rule bounds as `rules` (only their count, bounds and profiles are
/// read), so that from now on no such solve allocates (see `Solver::reserve_for`; without
/// it the buffers grow to the largest problem solved). Statuses: `LPRANK_OK`,
/// `LPRANK_NULL_POINTER`, `LPRANK_INVALID_INPUT` (e.g. over `max_memory_bytes`, with the
/// sizes in the message), `LPRANK_LENGTH_MISMATCH`, `LPRANK_PANIC`.
///
/// # Safety
/// `solver` is NULL or a live handle; `rules` is NULL or holds `rules_len` rules whose
/// arrays hold the lengths beside them.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_reserve(
    solver: *mut lprank_solver,
    items: usize,
    slots: usize,
    rules: *const lprank_rule,
    rules_len: usize,
) -> lprank_status {
    guard(|| {
        non_null(solver, "solver")?;
        // SAFETY: checked non-NULL; the caller promises a live, exclusive handle.
        let handle = unsafe { &mut *solver };
        // SAFETY: forwarded contract.
        let c_rules = unsafe { slice_arg(rules, rules_len, "rules")? };
        let solver = &mut handle.solver;
        // SAFETY: forwarded contract.
        unsafe {
            handle.rules.with(c_rules, |rules| {
                solver.reserve_for(items, Slots::Count(slots), rules).map_err(problem_failure)
            })
        }
    })
}

/// Converts the C problem `p` and runs `body` on it.
///
/// # Safety
/// Every array of `p` (and of its rules) holds the length beside it.
pub(crate) unsafe fn with_problem<R>(
    rules: &mut RuleBuffer,
    p: &lprank_problem,
    body: impl FnOnce(&Problem<'_>) -> Result<R, Failure>,
) -> Result<R, Failure> {
    // SAFETY: lengths as documented by the caller.
    let scores = unsafe { slice_arg(p.scores, p.scores_len, "problem.scores")? };
    let weights =
        unsafe { slice_arg(p.position_weights, p.position_weights_len, "problem.position_weights")? };
    let c_rules = unsafe { slice_arg(p.rules, p.rules_len, "problem.rules")? };
    let slots = slots_arg(p.slots, p.position_weights, weights, "problem")?;
    // SAFETY: every rule's arrays have the lengths beside them (the caller's contract).
    unsafe { rules.with(c_rules, |rules| body(&Problem::new(scores, slots).with_rules(rules))) }
}

/// For the fuzz targets: runs [`crate::verify::verify`] on the last solution of `solver`
/// against `problem` as the C ABI converts it, so that every outcome reached through the
/// C boundary is checked from the problem alone. `Err` with the reason.
///
/// # Safety
/// `solver` is a live handle whose last `lprank_solver_solve` of `problem` returned
/// `LPRANK_OK`; `problem` is valid as that call required.
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub unsafe fn verify_last_solve(
    solver: *mut lprank_solver,
    problem: *const lprank_problem,
) -> Result<(), String> {
    // SAFETY: forwarded contract.
    let (handle, p) = unsafe { (&mut *solver, &*problem) };
    let solution = handle.solver.last_solution();
    // SAFETY: forwarded contract.
    let checked = unsafe {
        with_problem(&mut handle.rules, p, |problem| {
            crate::verify::verify(problem, solution, 1e-9, 1e-9)
                .map_err(|e| Failure::new(LPRANK_INVALID_INPUT, e.0))
        })
    };
    checked.map_err(|f| f.1)
}

/// The slots of a problem: a count with the default weights when no weights are given,
/// otherwise the weights (all of them for `slots` 0, else the first `slots`).
/// `owner` prefixes the field names in messages (`problem`, `request`).
pub(crate) fn slots_arg<'a>(
    slots: usize,
    weights_ptr: *const f64,
    weights: &'a [f64],
    owner: &str,
) -> Result<Slots<'a>, Failure> {
    if weights_ptr.is_null() && weights.is_empty() {
        Ok(Slots::Count(slots))
    } else if slots == 0 || slots == weights.len() {
        Ok(Slots::Weights(weights))
    } else if slots < weights.len() {
        Ok(Slots::Weights(&weights[..slots]))
    } else {
        Err(Failure::new(
            LPRANK_LENGTH_MISMATCH,
            format!("{owner}.slots: {slots} slots but only {} position weights", weights.len()),
        ))
    }
}

/// A problem the solver refused: the message names the field.
pub(crate) fn problem_failure(e: ProblemError) -> Failure {
    Failure::new(LPRANK_INVALID_INPUT, e.to_string())
}

/// The `Vec<Rule>` a handle converts C rules into, kept between calls so that a warm call
/// allocates nothing. Always empty outside [`RuleBuffer::with`], so no `Rule` borrowing a
/// caller's arrays outlives the call that lent them.
#[derive(Debug, Default)]
pub(crate) struct RuleBuffer(Vec<Rule<'static>>);

impl RuleBuffer {
    /// Converts `c_rules` and runs `body` on them.
    ///
    /// # Safety
    /// Every rule's pointers are valid for the lengths beside them during the call.
    pub(crate) unsafe fn with<'a, R>(
        &mut self,
        c_rules: &'a [lprank_rule],
        body: impl FnOnce(&[Rule<'a>]) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let mut rules: Vec<Rule<'a>> = std::mem::take(&mut self.0);
        rules.clear();
        let converted = c_rules.iter().enumerate().try_for_each(|(k, r)| {
            // SAFETY: forwarded contract.
            rules.push(unsafe { convert_rule(k, r)? });
            Ok(())
        });
        let result = converted.and_then(|()| body(&rules));
        rules.clear();
        // SAFETY: the vector is empty, so no `Rule` borrowing the caller's data survives;
        // only the allocation is kept for the next call.
        self.0 = unsafe { std::mem::transmute::<Vec<Rule<'a>>, Vec<Rule<'static>>>(rules) };
        result
    }
}

/// # Safety
/// The rule's pointers are valid for the lengths beside them.
unsafe fn convert_rule<'a>(k: usize, r: &lprank_rule) -> Result<Rule<'a>, Failure> {
    // SAFETY: forwarded contract.
    let items = unsafe { slice_arg(r.items, r.items_len, format_args!("rules[{k}].items"))? };
    let coefficients =
        unsafe { slice_arg(r.coefficients, r.coefficients_len, format_args!("rules[{k}].coefficients"))? };
    let name = unsafe { str_arg(r.name, format_args!("rules[{k}].name"))? };
    let members = match (items.is_empty(), r.coefficients.is_null()) {
        (true, false) => Members::Coefficients(coefficients),
        (_, true) => Members::Items(items),
        (false, false) => {
            return Err(Failure::new(
                LPRANK_INVALID_INPUT,
                format!("rules[{k}]: give items or coefficients, not both"),
            ))
        }
    };
    let profile = match r.profile {
        LPRANK_PROFILE_WHOLE_SLATE => SlotProfile::WholeSlate,
        LPRANK_PROFILE_TOP => SlotProfile::Top(r.top),
        LPRANK_PROFILE_EXPOSURE => SlotProfile::Exposure,
        other => {
            return Err(Failure::new(
                LPRANK_INVALID_INPUT,
                format!("rules[{k}].profile: unknown value {other}"),
            ))
        }
    };
    Ok(Rule {
        name,
        members,
        profile,
        max: (r.has_max != 0).then_some(r.max),
        min: (r.has_min != 0).then_some(r.min),
        penalty: (r.has_penalty != 0).then_some(r.penalty),
    })
}

pub(crate) fn summary(s: &Solution) -> lprank_summary {
    lprank_summary {
        solution_status: match s.status() {
            Status::Optimal => LPRANK_SOLUTION_OPTIMAL,
            Status::Infeasible => LPRANK_SOLUTION_INFEASIBLE,
            Status::TimeLimit => LPRANK_SOLUTION_TIME_LIMIT,
            Status::IterationLimit => LPRANK_SOLUTION_ITERATION_LIMIT,
            Status::NumericalTrouble => LPRANK_SOLUTION_NUMERICAL_TROUBLE,
        },
        objective: s.objective(),
        bound: s.bound(),
        gap: s.gap(),
        relative_gap: s.relative_gap(),
        slate_len: s.slate_len(),
        lottery_len: s.lottery_len(),
        rules_len: s.rules().len(),
        iterations: s.stats().iterations,
        inner_solves: s.stats().inner_solves,
        screened_items: s.stats().screened_items,
        message: s.message_c().map_or(std::ptr::null(), |m| m.as_ptr()),
    }
}

/// The last solve's solution, or `LPRANK_NO_SOLUTION`.
///
/// # Safety
/// `solver` is NULL or a live handle.
unsafe fn solved<'a>(solver: *const lprank_solver) -> Result<&'a Solution, Failure> {
    non_null(solver, "solver")?;
    // SAFETY: non-NULL live handle.
    let handle = unsafe { &*solver };
    if !handle.solved {
        return Err(Failure::new(LPRANK_NO_SOLUTION, "no successful solve on this handle yet"));
    }
    Ok(handle.solver.last_solution())
}

/// Writes the summary of the last solve again.
///
/// # Safety
/// `solver` is a live handle and `out` a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_summary(
    solver: *const lprank_solver,
    out: *mut lprank_summary,
) -> lprank_status {
    guard(|| {
        non_null(out, "out")?;
        // SAFETY: forwarded contract.
        let s = summary(unsafe { solved(solver)? });
        // SAFETY: checked non-NULL.
        unsafe { *out = s };
        Ok(())
    })
}

/// Copies the lottery of the last solve: `lottery_len` probabilities and `lottery_len ×
/// slate_len` item indices (ranking after ranking, best slot first). Either buffer may be
/// NULL with length 0 to skip it. `LPRANK_BUFFER_TOO_SMALL` if a given buffer is short.
///
/// # Safety
/// `solver` is a live handle; the buffers hold the lengths given.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_lottery(
    solver: *const lprank_solver,
    probabilities: *mut f64,
    probabilities_len: usize,
    rankings: *mut usize,
    rankings_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe {
        write_lottery(solved(solver)?, probabilities, probabilities_len, rankings, rankings_len)
    })
}

/// Writes the ranking to serve for the uniform number `u ∈ [0, 1)` (clamped; NaN reads as
/// 0) into `ranking` (`slate_len` entries). `LPRANK_NO_SOLUTION` when there is no lottery.
///
/// # Safety
/// `solver` is a live handle; `ranking` holds `ranking_len` entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_sample(
    solver: *const lprank_solver,
    u: f64,
    ranking: *mut usize,
    ranking_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe { write_sample(solved(solver)?, u, ranking, ranking_len) })
}

/// Copies each rule's value, dual and violation (`rules_len` entries).
///
/// # Safety
/// `solver` is a live handle; `out` holds `out_len` entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_rule_outcomes(
    solver: *const lprank_solver,
    out: *mut lprank_rule_outcome,
    out_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe { write_rule_outcomes(solved(solver)?, out, out_len) })
}

/// For an infeasible solve: the Farkas ray, one signed number per rule (`rules_len`).
/// `LPRANK_NO_SOLUTION` for any other status.
///
/// # Safety
/// `solver` is a live handle; `out` holds `out_len` entries.
#[no_mangle]
pub unsafe extern "C" fn lprank_solver_infeasibility_ray(
    solver: *const lprank_solver,
    out: *mut f64,
    out_len: usize,
) -> lprank_status {
    // SAFETY: forwarded contract.
    guard(|| unsafe { write_infeasibility_ray(solved(solver)?, out, out_len) })
}

// ---- Readers shared by the solver and the ranker handles ----------------------------

/// See `lprank_solver_lottery`.
///
/// # Safety
/// The buffers hold the lengths given (or are NULL).
pub(crate) unsafe fn write_lottery(
    s: &Solution,
    probabilities: *mut f64,
    probabilities_len: usize,
    rankings: *mut usize,
    rankings_len: usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded contract.
    let probabilities = unsafe { slice_out(probabilities, probabilities_len, "probabilities")? };
    let rankings = unsafe { slice_out(rankings, rankings_len, "rankings")? };
    let (count, m) = (s.lottery_len(), s.slate_len());
    if !probabilities.is_empty() {
        need("probabilities", count, probabilities.len())?;
    }
    if !rankings.is_empty() {
        need("rankings", count * m, rankings.len())?;
    }
    for (t, r) in s.lottery().enumerate() {
        if !probabilities.is_empty() {
            probabilities[t] = r.probability;
        }
        if !rankings.is_empty() {
            rankings[t * m..(t + 1) * m].copy_from_slice(r.items);
        }
    }
    Ok(())
}

/// See `lprank_solver_sample`.
///
/// # Safety
/// `ranking` holds `ranking_len` entries (or is NULL).
pub(crate) unsafe fn write_sample(
    s: &Solution,
    u: f64,
    ranking: *mut usize,
    ranking_len: usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded contract.
    let out = unsafe { slice_out(ranking, ranking_len, "ranking")? };
    let items = s.sample(u).ok_or_else(|| Failure::new(LPRANK_NO_SOLUTION, "the solution has no lottery"))?;
    need("ranking", items.len(), out.len())?;
    out[..items.len()].copy_from_slice(items);
    Ok(())
}

/// See `lprank_solver_rule_outcomes`.
///
/// # Safety
/// `out` holds `out_len` entries (or is NULL).
pub(crate) unsafe fn write_rule_outcomes(
    s: &Solution,
    out: *mut lprank_rule_outcome,
    out_len: usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded contract.
    let out = unsafe { slice_out(out, out_len, "out")? };
    need("out", s.rules().len(), out.len())?;
    for (o, r) in out.iter_mut().zip(s.rules()) {
        *o = lprank_rule_outcome { value: r.value, dual: r.dual, violation: r.violation };
    }
    Ok(())
}

/// See `lprank_solver_infeasibility_ray`.
///
/// # Safety
/// `out` holds `out_len` entries (or is NULL).
pub(crate) unsafe fn write_infeasibility_ray(
    s: &Solution,
    out: *mut f64,
    out_len: usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded contract.
    let out = unsafe { slice_out(out, out_len, "out")? };
    let ray = s
        .infeasibility_ray()
        .ok_or_else(|| Failure::new(LPRANK_NO_SOLUTION, "the solution is not infeasible"))?;
    need("out", ray.len(), out.len())?;
    out[..ray.len()].copy_from_slice(ray);
    Ok(())
}
