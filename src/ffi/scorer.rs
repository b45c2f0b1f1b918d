//! The scorer through the C ABI: a model handle (immutable, shared by every thread), a
//! scorer handle (one per thread, owning a [`ScorerWorkspace`]), and a request passed as
//! `(pointer, length)` pairs that borrow the caller's arrays without copying them.
//!
//! The request layout is the Rust [`Request`]'s: dense values are `float` (f32), ids are
//! `uint64_t`, and the item arrays are `n` rows, one per candidate, row-major, where `n` is
//! the length of the output buffer. Every length is checked against the model's widths
//! before anything is read, so a wrong length is `LPRANK_LENGTH_MISMATCH` naming the field,
//! never an out-of-bounds read.
#![allow(non_camel_case_types)]

use std::ffi::c_char;

use super::lprank_status::{self, *};
use super::{free_handle, guard, guard_value, need, non_null, slice_arg, slice_out, str_arg, Failure};
use crate::scorer::{
    KernelTier, Model, Output, Precision, Request, RequestError, ScorerSettings, ScorerWorkspace,
};

/// Scorer precision: f32 towers, the reference (the default).
pub const LPRANK_PRECISION_F32: u32 = 0;
/// Scorer precision: int8 towers (weights per output channel, activations per row).
pub const LPRANK_PRECISION_INT8: u32 = 1;

/// Kernel tier: the fastest the CPU supports (the default).
pub const LPRANK_KERNELS_AUTO: u32 = 0;
/// Kernel tier: plain portable code, on any CPU.
pub const LPRANK_KERNELS_PORTABLE: u32 = 1;
/// Kernel tier: AVX2 with FMA; `lprank_scorer_new` fails on a CPU without them.
pub const LPRANK_KERNELS_AVX2: u32 = 2;

/// Score output: the ranking logit `s = Σ_h weight_h · logit_h` (unbounded; rank by it).
pub const LPRANK_OUTPUT_LOGIT: u32 = 0;
/// Score output: the calibrated logit (equal to the logit for a model without calibration).
pub const LPRANK_OUTPUT_CALIBRATED_LOGIT: u32 = 1;
/// Score output: the calibrated probability `sigmoid(calibrated logit)`, in [0, 1].
pub const LPRANK_OUTPUT_PROBABILITY: u32 = 2;

/// How a scorer computes; start from `lprank_scorer_settings_default()`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_scorer_settings {
    /// `LPRANK_PRECISION_F32` (default) or `LPRANK_PRECISION_INT8`.
    pub precision: u32,
    /// `LPRANK_KERNELS_AUTO` (default), `LPRANK_KERNELS_PORTABLE` or `LPRANK_KERNELS_AVX2`.
    /// Every tier gives bit-identical scores; only the speed differs.
    pub kernels: u32,
}

/// The input widths of a model: what a caller needs to size a request.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct lprank_input_widths {
    /// Request dense values (`request.request_dense_len` must equal it).
    pub request_dense: usize,
    /// Request ids, one per request sparse feature (`request.request_ids_len`).
    pub request_ids: usize,
    /// Item dense values per candidate (`request.item_dense_len` must be `n` times it).
    pub item_dense: usize,
    /// Item ids per candidate, one per item sparse feature (`item_ids_len` = `n` times it).
    pub item_ids: usize,
    /// Heads of the model (≥ 1).
    pub heads: usize,
}

/// One scoring request of `n` candidates (`n` is the length of the scores buffer),
/// borrowed by `lprank_scorer_score` for the duration of the call only. Every array may be
/// NULL exactly when its length is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lprank_score_request {
    /// Request dense values, finite, in config order.
    pub request_dense: *const f32,
    /// Number of request dense values (the model's `request_dense`).
    pub request_dense_len: usize,
    /// Request ids, one per request sparse feature, in config order.
    pub request_ids: *const u64,
    /// Number of request ids (the model's `request_ids`).
    pub request_ids_len: usize,
    /// Item dense values: `n` rows of the model's `item_dense` values, row-major, finite.
    pub item_dense: *const f32,
    /// `n × item_dense`.
    pub item_dense_len: usize,
    /// Item ids: `n` rows of the model's `item_ids` ids, row-major.
    pub item_ids: *const u64,
    /// `n × item_ids`.
    pub item_ids_len: usize,
}

/// Opaque model handle: a loaded, validated model. Immutable after loading, so one handle
/// may be used by any number of threads at once (each with its own `lprank_scorer`).
pub struct lprank_model {
    pub(crate) model: Model,
}

// The header promises that one model handle may be used by many threads at once.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<lprank_model>();
};

/// Opaque scorer handle: the per-thread buffers and chosen kernels of a scorer. Not
/// thread-safe: use one per thread (it may move between threads, never be shared).
pub struct lprank_scorer {
    workspace: ScorerWorkspace,
    /// Whether a call has succeeded, so that the head logits of an empty request are told
    /// apart from none at all. (A failed call leaves the workspace's outputs untouched.)
    scored: bool,
}

/// Loads the model in directory `dir` (`config.json` + `model.safetensors`, see
/// ranking-models/FORMAT.md) and checks it completely. Returns NULL on failure —
/// `dir` NULL or not UTF-8, a missing or unreadable file, any format violation — with
/// `lprank_last_error()` naming the file, key or tensor at fault. The caller owns the
/// handle and frees it with `lprank_model_free` once no thread uses it any more.
/// Thread-safe.
///
/// # Safety
/// `dir` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn lprank_model_load(dir: *const c_char) -> *mut lprank_model {
    guard_value(std::ptr::null_mut(), || {
        non_null(dir, "dir")?;
        // SAFETY: non-NULL, and NUL-terminated by the contract.
        let dir = unsafe { str_arg(dir, "dir")? };
        let model =
            Model::load(dir).map_err(|e| Failure::new(LPRANK_INVALID_INPUT, format!("{dir}: {e}")))?;
        Ok(Box::into_raw(Box::new(lprank_model { model })))
    })
}

/// Frees a model. `NULL` does nothing. No scorer may be using it (during or after).
///
/// # Safety
/// `model` is NULL or a handle from `lprank_model_load` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lprank_model_free(model: *mut lprank_model) {
    // SAFETY: NULL or a live handle from `lprank_model_load`, freed once (the caller's contract).
    unsafe { free_handle(model) }
}

/// Writes the model's input widths to `out`. Statuses: `LPRANK_OK`, `LPRANK_NULL_POINTER`
/// (`model` or `out`), `LPRANK_PANIC`. Thread-safe (the model is read only).
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn lprank_model_widths(
    model: *const lprank_model,
    out: *mut lprank_input_widths,
) -> lprank_status {
    guard(|| {
        non_null(model, "model")?;
        non_null(out, "out")?;
        // SAFETY: non-NULL live handle.
        let m = unsafe { &(*model).model };
        let inputs = &m.config().inputs;
        let info = lprank_input_widths {
            request_dense: inputs.request_dense.len(),
            request_ids: inputs.request_sparse.len(),
            item_dense: inputs.item_dense.len(),
            item_ids: inputs.item_sparse.len(),
            heads: m.heads(),
        };
        // SAFETY: checked non-NULL; the caller promises a valid pointer.
        unsafe { *out = info };
        Ok(())
    })
}

/// The default scorer settings: f32, the best kernels for this CPU.
#[no_mangle]
pub extern "C" fn lprank_scorer_settings_default() -> lprank_scorer_settings {
    lprank_scorer_settings { precision: LPRANK_PRECISION_F32, kernels: LPRANK_KERNELS_AUTO }
}

/// The Rust settings a C scorer settings struct stands for; `owner` prefixes the field
/// names in messages.
pub(crate) fn scorer_settings(c: &lprank_scorer_settings, owner: &str) -> Result<ScorerSettings, Failure> {
    let precision = match c.precision {
        LPRANK_PRECISION_F32 => Precision::F32,
        LPRANK_PRECISION_INT8 => Precision::Int8,
        other => {
            return Err(Failure::new(
                LPRANK_INVALID_INPUT,
                format!("{owner}.precision: unknown value {other}"),
            ))
        }
    };
    let kernels = match c.kernels {
        LPRANK_KERNELS_AUTO => KernelTier::Auto,
        LPRANK_KERNELS_PORTABLE => KernelTier::Portable,
        LPRANK_KERNELS_AVX2 => KernelTier::Avx2,
        other => {
            return Err(Failure::new(LPRANK_INVALID_INPUT, format!("{owner}.kernels: unknown value {other}")))
        }
    };
    Ok(ScorerSettings { precision, kernels })
}

/// The model output an `LPRANK_OUTPUT_*` value selects; `what` names the argument.
pub(crate) fn output_arg(output: u32, what: &str) -> Result<Output, Failure> {
    match output {
        LPRANK_OUTPUT_LOGIT => Ok(Output::Logit),
        LPRANK_OUTPUT_CALIBRATED_LOGIT => Ok(Output::CalibratedLogit),
        LPRANK_OUTPUT_PROBABILITY => Ok(Output::Probability),
        other => Err(Failure::new(LPRANK_INVALID_INPUT, format!("{what}: unknown value {other}"))),
    }
}

/// A C request as the Rust [`Request`]; `owner` prefixes the field names in messages.
///
/// # Safety
/// Each array of `r` holds the length beside it (or is NULL).
pub(crate) unsafe fn request_arg<'a>(r: &lprank_score_request, owner: &str) -> Result<Request<'a>, Failure> {
    // SAFETY: forwarded contract; the checks reject NULL with a length and lengths that
    // overflow.
    unsafe {
        Ok(Request {
            request_dense: slice_arg(
                r.request_dense,
                r.request_dense_len,
                format_args!("{owner}.request_dense"),
            )?,
            request_ids: slice_arg(r.request_ids, r.request_ids_len, format_args!("{owner}.request_ids"))?,
            item_dense: slice_arg(r.item_dense, r.item_dense_len, format_args!("{owner}.item_dense"))?,
            item_ids: slice_arg(r.item_ids, r.item_ids_len, format_args!("{owner}.item_ids"))?,
        })
    }
}

/// A request the model refused: wrong lengths are `LPRANK_LENGTH_MISMATCH`, bad values
/// `LPRANK_INVALID_INPUT`; the message names the field under `owner`.
pub(crate) fn request_failure(e: RequestError, owner: &str) -> Failure {
    let status = match e {
        RequestError::RequestDense { .. }
        | RequestError::RequestIds { .. }
        | RequestError::ItemDense { .. }
        | RequestError::ItemIds { .. } => LPRANK_LENGTH_MISMATCH,
        RequestError::NonFinite { .. } | RequestError::IdOutOfRange { .. } => LPRANK_INVALID_INPUT,
    };
    Failure::new(status, format!("{owner}.{e}"))
}

/// A new scorer with `settings` (NULL: the defaults). Returns NULL, with
/// `lprank_last_error()` saying why, for an unknown precision or kernel tier, or a tier
/// this CPU cannot run. The caller owns the handle; free it with `lprank_scorer_free`.
/// Buffers grow on first use and are then reused: score the largest expected request
/// once to warm it up.
///
/// # Safety
/// `settings` is NULL or points to a valid `lprank_scorer_settings`.
#[no_mangle]
pub unsafe extern "C" fn lprank_scorer_new(settings: *const lprank_scorer_settings) -> *mut lprank_scorer {
    guard_value(std::ptr::null_mut(), || {
        let c = if settings.is_null() {
            lprank_scorer_settings_default()
        } else {
            // SAFETY: non-NULL and, by the contract, a valid struct.
            unsafe { *settings }
        };
        let workspace = ScorerWorkspace::new(scorer_settings(&c, "settings")?)
            .map_err(|e| Failure::new(LPRANK_INVALID_INPUT, format!("settings.kernels: {e}")))?;
        Ok(Box::into_raw(Box::new(lprank_scorer { workspace, scored: false })))
    })
}

/// Frees a scorer. `NULL` does nothing.
///
/// # Safety
/// `scorer` is NULL or a handle from `lprank_scorer_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lprank_scorer_free(scorer: *mut lprank_scorer) {
    // SAFETY: NULL or a live handle from `lprank_scorer_new`, freed once (the caller's contract).
    unsafe { free_handle(scorer) }
}

/// Scores the `scores_len` candidates of `request` with `model` and writes one float per
/// candidate to `scores`: the quantity `output` (`LPRANK_OUTPUT_*`) selects. The request's
/// arrays are read in place (not copied) during the call only. A scorer warmed up by a
/// request at least as large allocates nothing in the scoring itself.
///
/// Statuses (on any failure `scores` is untouched):
/// - `LPRANK_OK`;
/// - `LPRANK_NULL_POINTER`: `scorer`, `model` or `request` NULL, or an array (or `scores`)
///   NULL with a non-zero length;
/// - `LPRANK_LENGTH_MISMATCH`: a length disagrees with the model's widths and `n` (the
///   message names the field and the expected length), or a length overflows;
/// - `LPRANK_INVALID_INPUT`: an unknown `output`, a NaN or infinite dense value, or an id
///   past the end of a plain embedding table (the message names the feature and candidate);
/// - `LPRANK_PANIC`.
///
/// Thread-safety: `scorer` must not be used by another thread during the call; `model`
/// may be used by other scorers concurrently.
///
/// # Safety
/// `scorer` and `model` are NULL or live handles; `request` is NULL or valid and each of
/// its arrays holds the length given beside it; `scores` is NULL or holds `scores_len`
/// writable floats that do not overlap the request's arrays.
#[no_mangle]
pub unsafe extern "C" fn lprank_scorer_score(
    scorer: *mut lprank_scorer,
    model: *const lprank_model,
    request: *const lprank_score_request,
    output: u32,
    scores: *mut f32,
    scores_len: usize,
) -> lprank_status {
    guard(|| {
        non_null(scorer, "scorer")?;
        non_null(model, "model")?;
        non_null(request, "request")?;
        // SAFETY: checked non-NULL; the caller promises live handles, a valid request, and
        // exclusive use of the scorer.
        let (handle, model, r) = unsafe { (&mut *scorer, &(*model).model, &*request) };
        // SAFETY: each array holds the length beside it (the caller's contract).
        let request = unsafe { request_arg(r, "request")? };
        // SAFETY: `scores_len` writable floats, not aliased (the caller's contract).
        let out = unsafe { slice_out(scores, scores_len, "scores")? };
        // After the pointers, so that a NULL is reported whatever else is wrong.
        let output = output_arg(output, "output")?;
        model
            .score(&mut handle.workspace, &request, output, out)
            .map_err(|e| request_failure(e, "request"))?;
        handle.scored = true;
        Ok(())
    })
}

/// The head logits of the scorer's last successful call: `n × heads` floats, row-major
/// (candidate by candidate), copied into `out`. Statuses: `LPRANK_OK`,
/// `LPRANK_NULL_POINTER`, `LPRANK_BUFFER_TOO_SMALL` (the message says how many are
/// needed), `LPRANK_NO_SOLUTION` (no successful call yet), `LPRANK_PANIC`.
///
/// # Safety
/// `scorer` is NULL or a live handle; `out` is NULL or holds `out_len` writable floats.
#[no_mangle]
pub unsafe extern "C" fn lprank_scorer_head_logits(
    scorer: *const lprank_scorer,
    out: *mut f32,
    out_len: usize,
) -> lprank_status {
    guard(|| {
        non_null(scorer, "scorer")?;
        // SAFETY: non-NULL live handle.
        let handle = unsafe { &*scorer };
        // SAFETY: `out_len` writable floats (the caller's contract).
        let out = unsafe { slice_out(out, out_len, "out")? };
        if !handle.scored {
            return Err(Failure::new(LPRANK_NO_SOLUTION, "no successful score call on this scorer yet"));
        }
        let logits = handle.workspace.head_logits();
        need("out", logits.len(), out.len())?;
        out[..logits.len()].copy_from_slice(logits);
        Ok(())
    })
}
