//! Memory proportional to the work: the peak a solve reaches, measured with a tracking
//! allocator, stays within the documented formula (and near it); problems over
//! `Settings::max_memory_bytes` are refused with `TooLarge` before their buffers are sized;
//! and the 100,000 × 20,000 exposure problem that used to abort on a 16 GB allocation solves.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use lprank::solver::{memory_formula, peak_memory_bound};
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::{Members, Problem, ProblemError, Rule, Settings, SlotProfile, Slots, Solver, Status};

/// Tracks, per thread, the bytes live and their high-water mark since `measure` armed it.
struct Tracking;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    // `try_with`: the allocator may run while thread-locals are being torn down.
    if ARMED.try_with(|a| a.get()).unwrap_or(false) {
        let live = LIVE.with(|l| {
            l.set(l.get() + delta);
            l.get()
        });
        PEAK.with(|p| p.set(p.get().max(live)));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; tracking touches only
// thread-locals of `Cell`s and never allocates.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // While a realloc moves, old and new blocks are both live: count the peak so.
        note(new_size as isize);
        note(-(layout.size() as isize));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// The highest number of bytes `f` held live at once on this thread (beyond what was live
/// before it), and its result.
fn peak_of<T>(f: impl FnOnce() -> T) -> (usize, T) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    ARMED.with(|a| a.set(true));
    let out = f();
    ARMED.with(|a| a.set(false));
    (PEAK.with(|p| p.get()).max(0) as usize, out)
}

#[test]
fn the_tracker_tracks() {
    let (peak, v) = peak_of(|| {
        let a = vec![0u8; 1 << 20];
        let b = vec![0u8; 1 << 19];
        drop(a);
        b
    });
    assert_eq!(peak, (1 << 20) + (1 << 19));
    drop(v);
}

/// Solves `problem` with a fresh solver; returns the measured peak, the formula for the
/// items screening kept, and the status.
fn measure(problem: &Problem<'_>, settings: Settings) -> (usize, usize, Status) {
    let mut solver = Solver::new(settings).unwrap();
    let (peak, (status, screened)) = peak_of(|| {
        let s = solver.solve(problem).expect("within the cap");
        (s.status(), s.stats().screened_items)
    });
    let kept = problem.item_count() - screened;
    (peak, memory_formula(problem, kept), status)
}

/// Measured peaks against the formula on shapes from small to 10^6 items, top(d) and
/// exposure rules: never above it, and not far below it (the formula counts every buffer
/// that is reserved; reserved capacity is what the allocator sees).
#[test]
fn the_peak_stays_within_the_formula() {
    let shapes: [(usize, usize, usize, RuleMix); 6] = [
        (200, 20, 5, RuleMix::Mixed),
        (1000, 50, 10, RuleMix::Mixed),
        (1000, 50, 10, RuleMix::ExposureOnly),
        (20_000, 200, 4, RuleMix::Mixed),
        (100_000, 50, 10, RuleMix::ExposureOnly),
        (1_000_000, 10, 3, RuleMix::Mixed),
    ];
    for (n, m, k, mix) in shapes {
        let data = random_mixed(n, m, k, mix, 7);
        let rules = data.rules();
        let problem = data.problem(&rules);
        let (peak, formula, status) = measure(&problem, Settings::default());
        eprintln!("{n}×{m} K={k} {mix:?}: peak {peak} B, formula {formula} B, {status}");
        assert!(peak <= formula, "{n}×{m} K={k}: peak {peak} above the formula {formula}");
        assert!(
            formula <= peak + peak / 4 + 8192,
            "{n}×{m} K={k}: formula {formula} far above the peak {peak}"
        );
        assert!(formula <= peak_memory_bound(&problem));
    }
}

/// The regression: 100,000 candidates, 20,000 slots, 2 exposure rules used to reserve
/// m·min(n, m(m+1)) assignment costs (16 GB) and abort. Exposure rules never need the
/// assignment, so it now solves in memory proportional to its shape.
#[test]
fn the_16_gb_exposure_problem_solves() {
    let data = random_mixed(100_000, 20_000, 2, RuleMix::ExposureOnly, 1);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let (peak, formula, status) = measure(&problem, Settings::default());
    eprintln!("100000×20000 K=2 exposure: peak {peak} B, formula {formula} B, {status}");
    assert_eq!(status, Status::Optimal);
    assert!(peak <= formula && formula < 256 << 20, "peak {peak}, formula {formula}");
}

/// Over the cap: refused with the sizes named, and nothing of the solve's size allocated.
#[test]
fn over_the_cap_is_too_large_before_the_buffers_are_sized() {
    // 2^27 items and slots: the formula saturates rather than overflowing, and the refusal
    // comes before anything is sized (the scores are zero pages the kernel never maps).
    let huge = 1usize << 27;
    let scores = vec![0.0f64; huge];
    let rules = [Rule::at_most(Members::Items(&[0]), SlotProfile::Exposure, 1.0)];
    let problem = Problem::new(&scores, Slots::Count(huge)).with_rules(&rules);
    let mut solver = Solver::default();
    let (peak, result) = peak_of(|| solver.solve(&problem).map(|_| ()));
    match result {
        Err(ProblemError::TooLarge { items, slots, rules, bytes, limit }) => {
            assert_eq!((items, slots, rules, limit), (huge, huge, 1, 1 << 30));
            assert!(bytes > limit);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(peak, 0, "a refused solve allocated {peak} bytes");

    // top(d) on 20,000 slots: the shape passes, but the assignment's cost matrix for the
    // items screening keeps does not; refused after screening, before the matrix exists.
    let data = random_mixed(100_000, 20_000, 2, RuleMix::Mixed, 1);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let (peak, result) = peak_of(|| solver.solve(&problem).map(|_| ()));
    let err = result.expect_err("the cost matrix is over 1 GiB");
    assert!(matches!(err, ProblemError::TooLarge { slots: 20_000, .. }), "{err:?}");
    assert!(err.to_string().contains("max_memory_bytes"), "{err}");
    assert!(peak < 64 << 20, "refused after allocating {peak} bytes");

    // A cap of 1 MiB refuses the 1000 × 50 request that the default serves.
    let data = random_mixed(1000, 50, 10, RuleMix::Mixed, 3);
    let rules = data.rules();
    let problem = data.problem(&rules);
    let mut small = Solver::new(Settings::default().with_max_memory_bytes(1 << 20)).unwrap();
    assert!(matches!(small.solve(&problem), Err(ProblemError::TooLarge { limit: 1048576, .. })));
    assert!(solver.solve(&problem).is_ok());
    assert!(Solver::new(Settings::default().with_max_memory_bytes(0)).is_err());
}
