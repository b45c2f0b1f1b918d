//! A counting global allocator for the zero-allocation tests: `allocations(f)` returns how
//! many allocations (and reallocations) `f` made on the calling thread. Include it with
//! `mod alloc_counter;` in a test crate; it installs itself as that crate's allocator.
//! Set LPRANK_ALLOC_TRACE=1 to print a backtrace for each counted allocation.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static TRACE: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    // `try_with`: the allocator may run while thread-locals are being torn down.
    if ARMED.try_with(|a| a.get()).unwrap_or(false) {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        if TRACE.try_with(|t| t.get()).unwrap_or(false) {
            ARMED.with(|a| a.set(false));
            eprintln!("allocation:\n{}", std::backtrace::Backtrace::force_capture());
            ARMED.with(|a| a.set(true));
        }
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches
// only thread-locals and never allocates while armed (tracing disarms first).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
///
/// Before running `f` it checks that the counter counts: one known allocation (a
/// `Vec::with_capacity`) made while armed must be seen, or it panics. A zero from a counter
/// that is not installed, or that stopped counting, would prove nothing.
pub fn allocations(f: impl FnOnce()) -> usize {
    TRACE.with(|t| t.set(false));
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    drop(std::hint::black_box(Vec::<u64>::with_capacity(std::hint::black_box(4))));
    ARMED.with(|a| a.set(false));
    let probe = COUNT.with(|c| c.get());
    assert_eq!(probe, 1, "the counting allocator saw {probe} allocations for one Vec::with_capacity");

    TRACE.with(|t| t.set(std::env::var_os("LPRANK_ALLOC_TRACE").is_some()));
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    COUNT.with(|c| c.get())
}
