//! The greedy baseline ([`crate::greedy`]) through the C ABI: a handle with reusable
//! buffers (one per thread) and one call per problem that writes the slate, the rules'
//! outcomes and a result. The problem struct and rules are the solver's.

use super::lprank_status;
use super::solver::{lprank_problem, lprank_rule_outcome, problem_failure, with_problem, RuleBuffer};
use super::{free_handle, guard, guard_value, need, non_null, slice_out};
use crate::greedy::Greedy;

/// A greedy slate builder with its reusable buffers. Not thread-safe: one per thread.
pub struct lprank_greedy {
    greedy: Greedy,
    rules: RuleBuffer,
}

/// What one greedy call built.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct lprank_greedy_result {
    /// Slots filled: `min(slots, items)` (the slate's length).
    pub slate_len: usize,
    /// `Σ_j s_slate(j) w_j − Σ_soft ρ_k · violation_k` of the slate.
    pub objective: f64,
    /// Hard rules the slate breaks beyond their tolerance (0: every hard rule holds). The
    /// greedy check cannot always keep them: see `lprank::greedy`.
    pub broken_hard_rules: usize,
}

/// A new greedy builder. Free it with `lprank_greedy_free`.
#[no_mangle]
pub extern "C" fn lprank_greedy_new() -> *mut lprank_greedy {
    guard_value(std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(lprank_greedy { greedy: Greedy::new(), rules: RuleBuffer::default() })))
    })
}

/// Frees a greedy builder. `NULL` does nothing.
///
/// # Safety
/// `greedy` is NULL or a handle from `lprank_greedy_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lprank_greedy_free(greedy: *mut lprank_greedy) {
    // SAFETY: NULL or a live handle, freed once (the caller's contract).
    unsafe { free_handle(greedy) }
}

/// Builds the greedy slate for `problem` into `slate` (at least `min(slots, items)` entries)
/// and, when `outcomes` is not NULL, each rule's value and violation into `outcomes` (at
/// least `rules_len` entries; `dual` is 0). Statuses: `LPRANK_OK`, `LPRANK_NULL_POINTER`,
/// `LPRANK_INVALID_INPUT` (the solver's messages), `LPRANK_LENGTH_MISMATCH`,
/// `LPRANK_BUFFER_TOO_SMALL` (before any work), `LPRANK_PANIC`. Nothing is written on error.
///
/// # Safety
/// `greedy` is NULL or a live handle; `problem` and `out` are NULL or valid; `slate` holds
/// `slate_len` writable entries and `outcomes` (or NULL) `outcomes_len`.
#[no_mangle]
pub unsafe extern "C" fn lprank_greedy_rank(
    greedy: *mut lprank_greedy,
    problem: *const lprank_problem,
    slate: *mut usize,
    slate_len: usize,
    outcomes: *mut lprank_rule_outcome,
    outcomes_len: usize,
    out: *mut lprank_greedy_result,
) -> lprank_status {
    guard(|| {
        non_null(greedy, "greedy")?;
        non_null(problem, "problem")?;
        non_null(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises valid, exclusive pointers.
        let (handle, p) = unsafe { (&mut *greedy, &*problem) };
        // SAFETY: the caller's lengths.
        let slate = unsafe { slice_out(slate, slate_len, "slate")? };
        let outcomes = unsafe { slice_out(outcomes, outcomes_len, "outcomes")? };
        let greedy = &mut handle.greedy;
        // SAFETY: every array of `p` holds the length beside it (the caller's contract).
        let result = unsafe {
            with_problem(&mut handle.rules, p, |problem| {
                need("slate", problem.slate_len(), slate.len())?;
                if !outcomes.is_empty() {
                    need("outcomes", problem.rules.len(), outcomes.len())?;
                }
                let g = greedy.rank(problem).map_err(problem_failure)?;
                slate[..g.slate.len()].copy_from_slice(g.slate);
                for ((o, &value), &violation) in outcomes.iter_mut().zip(g.rule_values).zip(g.violations) {
                    *o = lprank_rule_outcome { value, dual: 0.0, violation };
                }
                Ok(lprank_greedy_result {
                    slate_len: g.slate.len(),
                    objective: g.objective,
                    broken_hard_rules: g.broken_hard_rules,
                })
            })?
        };
        // SAFETY: checked non-NULL above.
        unsafe { *out = result };
        Ok(())
    })
}
