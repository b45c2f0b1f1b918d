//! The C ABI: opaque handles, status codes, a thread-local last error and a panic
//! boundary around every export. The header `include/lprank.h` is generated from this
//! module by cbindgen (`cbindgen --config cbindgen.toml --output include/lprank.h`).
//!
//! Conventions (the same for every function):
//! - Functions return an [`lprank_status`]; on anything but `LPRANK_OK` the out-parameters
//!   are untouched and [`lprank_last_error`] describes what went wrong.
//! - Arrays arrive as `(pointer, length)` pairs. `NULL` with length 0 is an empty array;
//!   `NULL` with a non-zero length is `LPRANK_NULL_POINTER`.
//! - Handles are made by `lprank_<type>_new` and released by `lprank_<type>_free`;
//!   `_free(NULL)` does nothing.
//! - No Rust panic crosses the boundary: it becomes `LPRANK_PANIC`.
#![allow(non_camel_case_types)]

pub mod greedy;
pub mod ranker;
pub mod scorer;
pub mod solver;

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a call did. The numbers are part of the ABI and are never reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lprank_status {
    /// Success; out-parameters are written.
    LPRANK_OK = 0,
    /// A required pointer (a handle, an out-parameter, or an array with non-zero length)
    /// was NULL.
    LPRANK_NULL_POINTER = 1,
    /// The problem or settings failed validation (the message names the field).
    LPRANK_INVALID_INPUT = 2,
    /// Two lengths that must agree do not, or a length overflows.
    LPRANK_LENGTH_MISMATCH = 3,
    /// A caller-owned output buffer is too small; the message says how large it must be.
    LPRANK_BUFFER_TOO_SMALL = 4,
    /// There is nothing to return yet (no solve, or no lottery for this status).
    LPRANK_NO_SOLUTION = 5,
    /// lprank hit an internal error (a Rust panic, caught at the boundary). Please report.
    LPRANK_PANIC = 6,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error.
pub(crate) fn set_last_error(message: &str) {
    LAST_ERROR.with(|e| {
        let mut last = e.borrow_mut();
        // Successful calls clear the message: keep that path free of allocation.
        if message.is_empty() {
            if !last.as_bytes().is_empty() {
                *last = CString::default();
            }
            return;
        }
        *last = CString::new(message.replace('\0', " ")).unwrap_or_default();
    });
}

/// An error status with its message.
pub(crate) struct Failure(pub lprank_status, pub String);

impl Failure {
    pub(crate) fn new(status: lprank_status, message: impl Into<String>) -> Self {
        Failure(status, message.into())
    }
}

/// Runs `body` behind the panic boundary, turning `Err` and panics into a status and the
/// last error message.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> lprank_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            set_last_error("");
            lprank_status::LPRANK_OK
        }
        Ok(Err(Failure(status, message))) => {
            set_last_error(&message);
            status
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            set_last_error(&format!("internal error (please report): {what}"));
            lprank_status::LPRANK_PANIC
        }
    }
}

/// Like [`guard`] for functions that return a value (a handle): `fallback` on failure.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> Result<T, Failure>) -> T {
    let mut out = None;
    let status = guard(|| {
        out = Some(body()?);
        Ok(())
    });
    match (status, out) {
        (lprank_status::LPRANK_OK, Some(v)) => v,
        _ => fallback,
    }
}

/// Frees a handle made by `Box::into_raw` (`NULL` does nothing), behind the panic
/// boundary so that a panicking destructor cannot unwind into C.
///
/// # Safety
/// `handle` is NULL or came from `Box::into_raw` and has not been freed yet.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    if !handle.is_null() {
        let _ = guard(|| {
            // SAFETY: a live handle from `Box::into_raw`, freed once (the caller's contract).
            drop(unsafe { Box::from_raw(handle) });
            Ok(())
        });
    }
}

/// (The `what` arguments below name the field for error messages; they are formatted only
/// when there is an error, so the success path allocates nothing.)
///
/// Checks a `(ptr, len)` pair of `T`s: `Ok(false)` for NULL with 0 (an empty array),
/// `Ok(true)` when `ptr` may be read for `len` elements (non-NULL, and `len` elements fit
/// in `isize::MAX` bytes), an error for NULL with a length or an overflowing length.
fn check_pair<T>(is_null: bool, len: usize, what: impl Display) -> Result<bool, Failure> {
    if is_null {
        return if len == 0 {
            Ok(false)
        } else {
            Err(Failure::new(lprank_status::LPRANK_NULL_POINTER, format!("{what}: NULL with length {len}")))
        };
    }
    if len.checked_mul(std::mem::size_of::<T>()).is_none_or(|bytes| bytes > isize::MAX as usize) {
        return Err(Failure::new(
            lprank_status::LPRANK_LENGTH_MISMATCH,
            format!("{what}: length {len} overflows"),
        ));
    }
    Ok(true)
}

/// A `(ptr, len)` pair from C as a slice (see [`check_pair`]).
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` initialised `T`s that stay valid and
/// unmodified for `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(
    ptr: *const T,
    len: usize,
    what: impl Display,
) -> Result<&'a [T], Failure> {
    if !check_pair::<T>(ptr.is_null(), len, what)? {
        return Ok(&[]);
    }
    // SAFETY: non-NULL, the length fits in isize bytes, and the caller promises `len`
    // valid elements for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A caller-owned output buffer as a mutable slice, checked like [`slice_arg`].
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` writable `T`s, not aliased for `'a`.
pub(crate) unsafe fn slice_out<'a, T>(
    ptr: *mut T,
    len: usize,
    what: impl Display,
) -> Result<&'a mut [T], Failure> {
    if !check_pair::<T>(ptr.is_null(), len, what)? {
        return Ok(&mut []);
    }
    // SAFETY: as in `slice_arg`, and the caller promises exclusive access.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// A required pointer argument.
pub(crate) fn non_null<T>(ptr: *const T, what: impl Display) -> Result<*const T, Failure> {
    if ptr.is_null() {
        Err(Failure::new(lprank_status::LPRANK_NULL_POINTER, format!("{what} is NULL")))
    } else {
        Ok(ptr)
    }
}

/// A buffer of `needed` elements is required; `got` were given.
pub(crate) fn need(what: impl Display, needed: usize, got: usize) -> Result<(), Failure> {
    if got < needed {
        return Err(Failure::new(
            lprank_status::LPRANK_BUFFER_TOO_SMALL,
            format!("{what}: buffer of {got} elements, {needed} needed"),
        ));
    }
    Ok(())
}

/// A C string (may be NULL: empty) as UTF-8.
///
/// # Safety
/// When not NULL, `ptr` must point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, what: impl Display) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Ok("");
    }
    // SAFETY: the caller promises a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str()
        .map_err(|_| Failure::new(lprank_status::LPRANK_INVALID_INPUT, format!("{what}: not valid UTF-8")))
}

/// This thread's last error message: empty after a successful call. The pointer stays
/// valid until the next lprank call on the same thread. Never NULL.
#[no_mangle]
pub extern "C" fn lprank_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// The library version, e.g. `"0.1.0"`. A static string; never NULL.
#[no_mangle]
pub extern "C" fn lprank_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Test hook: panics inside the boundary so tests can see it come back as `LPRANK_PANIC`.
/// Only in builds with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn lprank_test_panic() -> lprank_status {
    guard(|| panic!("deliberate panic from lprank_test_panic"))
}
