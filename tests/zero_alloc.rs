//! A warm solver allocates nothing: after one solve, solving another problem of the same
//! or a smaller size (n, m, K) must not touch the heap. A counting global allocator
//! checks it for every rule class.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::{generate, Class, CLASSES};
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::Solver;

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static TRACE: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    // `try_with`: the allocator may run while thread-locals are being torn down.
    let armed = ARMED.try_with(|a| a.get()).unwrap_or(false);
    if armed {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        if TRACE.try_with(|t| t.get()).unwrap_or(false) {
            ARMED.with(|a| a.set(false));
            eprintln!("allocation:\n{}", std::backtrace::Backtrace::force_capture());
            ARMED.with(|a| a.set(true));
        }
    }
}

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
fn allocations(f: impl FnOnce()) -> usize {
    // Set LPRANK_ALLOC_TRACE=1 to print where each counted allocation comes from.
    TRACE.with(|t| t.set(std::env::var_os("LPRANK_ALLOC_TRACE").is_some()));
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    COUNT.with(|c| c.get())
}

#[test]
fn warm_solves_allocate_nothing_for_every_rule_class() {
    for class in CLASSES {
        let mut solver = Solver::default();
        // Warm up on the largest problem, then solve others of the same or smaller size.
        let warm = generate(class, 12, 6, 3, 1000);
        let warm_rules = warm.rules();
        solver.solve(&warm.problem(&warm_rules)).unwrap();
        for seed in 0..20 {
            let data = generate(class, 12 - (seed % 3) as usize, 6, 3 - (seed % 2) as usize, seed);
            let rules = data.rules();
            let problem = data.problem(&rules);
            let mut status = None;
            let count = allocations(|| status = Some(solver.solve(&problem).unwrap().status()));
            assert_eq!(count, 0, "{class:?} seed {seed} ({status:?}) allocated {count} times");
        }
    }
}

#[test]
fn warm_solves_allocate_nothing_on_large_mixed_instances() {
    for mix in [RuleMix::Mixed, RuleMix::ExposureOnly] {
        let mut solver = Solver::default();
        let warm = random_mixed(1000, 50, 10, mix, 99);
        let warm_rules = warm.rules();
        solver.solve(&warm.problem(&warm_rules)).unwrap();
        for seed in 0..5 {
            let data = random_mixed(1000, 50, 10, mix, seed);
            let rules = data.rules();
            let problem = data.problem(&rules);
            let count = allocations(|| {
                solver.solve(&problem).unwrap();
            });
            assert_eq!(count, 0, "{mix:?} seed {seed} allocated {count} times");
        }
    }
    let _ = Class::Mixed;
}
