//! The peak memory of a solve, as a formula in the problem's shape, and the cap that
//! refuses a problem before its buffers are sized.
//!
//! Every buffer of a solve is reserved once from the shape (and then reused, so a warm
//! solver allocates nothing). With `n` items, `m = min(slots, n)` slots, `K` rules,
//! `R ≤ 2K` rule rows (one per bound), `t ≤ n` items kept by screening, the column pool
//! `P = 64·(R + 1)` rankings and `C = max(m + 1, min(t, m·(m + 1)))` assignment candidates,
//! the bytes reserved are at most
//!
//! ```text
//!   before screening (items and pool, by the shape alone):
//!       8·n·⌈K/64⌉             the item-list rules' membership bits (`coefficients.rs`)
//!     + 100–132·n              screening's tables (the hash table is 32n–64n), the kept list, the certificate's item duals
//!     + 2·min(n, 512)²         screening's lists of dominating patterns
//!     + 8·min(n, 512)·K        and the coefficients of the patterns it compares
//!     + 8·P·(m + K + R + 3)    the column pool: rankings, rule values, the master's columns
//!     + 24·(R + 1)²            the master's basis inverse and its refactorisation scratch
//!     + O(m + K) + 4 KiB       slot-sized and rule-sized vectors, and the tiny ones
//!   after screening (by the kept items):
//!       8·t·(2K + 8) + 8·m     the kept items' coefficients, scores, band penalties, working set
//!   and only when some rule has a top(d) or whole-slate profile (the assignment path):
//!     + 8·m·C                  the assignment's cost matrix
//!     + 116·C + 57·t + 4·m     its candidate, potential and warm-start vectors, the item duals set
//!     + 8·(2t + m)·(K + 1)     the pattern path's penalties per band (`oracle_patterns.rs`)
//!     + 113·t + 104·m + 8      and its columns, patterns and slot vectors
//! ```
//!
//! [`before_screening`] and [`after_screening`] add up exactly what `Workspace::reserve`
//! and the buffers it calls on reserve (`size_of` of each element type), and the test
//! `tests/memory.rs` holds the measured peak of a solve to it. A problem whose total is
//! above `Settings::max_memory_bytes` is refused with `ProblemError::TooLarge`: the first
//! part is checked before any buffer is sized, the second as soon as screening has counted
//! the kept items (before the kept-item and assignment buffers are). Every product is
//! saturating, so no shape can overflow the arithmetic.
//!
//! Why the cost matrix is dense, and `m·C` can reach `m²·(m + 1)`: the inner assignment
//! works on it (see `oracle_assign.rs`); slates of thousands of slots with top(d) rules are
//! refused under the default cap rather than served slowly. Exposure-only rules never
//! need it, whatever `m` is.

use std::mem::size_of;

use super::assignment::Assignment;
use super::coefficients::ItemCoefficients;
use super::edge_generation::EdgeSet;
use super::edge_master::EdgeMaster;
use super::flow_lottery::FlowLottery;
use super::model::ModelRule;
use super::oracle_patterns::Patterns;
use super::screen::Screen;
use super::start_ranking::StartRanking;
use super::tuning::COLUMNS_PER_ROW;
use crate::problem::{Problem, ProblemError, Rule, SlotProfile, Slots};
use crate::solution::RuleOutcome;

/// What a problem's size is, as the formula reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// Items `n`.
    pub items: usize,
    /// Slots on the slate, `m = min(slots, n)`.
    pub slots: usize,
    /// Rules `K`.
    pub rules: usize,
    /// Rule rows `R` (one per bound).
    pub rows: usize,
    /// Whether some rule counts leading slots (top(d) or whole slate): the assignment path.
    pub assignment: bool,
}

impl Shape {
    /// The shape of a problem (not yet validated: only lengths are read).
    pub(crate) fn of(problem: &Problem<'_>) -> Shape {
        Shape::new(problem.item_count(), problem.slots, problem.rules)
    }

    /// The shape of `items` items on these slots under these rules (only lengths and
    /// profiles are read: O(K)).
    pub(crate) fn new(items: usize, slots: Slots<'_>, rules: &[Rule<'_>]) -> Shape {
        let rows = rules.iter().map(|r| usize::from(r.max.is_some()) + usize::from(r.min.is_some())).sum();
        Shape {
            items,
            slots: slots.count().min(items),
            rules: rules.len(),
            rows,
            assignment: rules.iter().any(|r| r.profile != SlotProfile::Exposure),
        }
    }

    /// The ranking columns the pool holds at most.
    pub(crate) fn pool(&self) -> usize {
        COLUMNS_PER_ROW.saturating_mul(self.rows + 1)
    }

    /// Assignment candidates at most, for `kept` items.
    pub(crate) fn candidates(&self, kept: usize) -> usize {
        let m = self.slots;
        kept.min(m.saturating_mul(m + 1)).max(m + 1)
    }
}

/// The bytes of `count` elements of `T`, saturating.
fn bytes<T>(count: usize) -> usize {
    count.saturating_mul(size_of::<T>())
}

/// Saturating sum.
fn total(parts: &[usize]) -> usize {
    parts.iter().fold(0usize, |a, &b| a.saturating_add(b))
}

/// Bytes reserved before screening: everything sized by `n`, `m`, `K` and `R` alone.
pub(crate) fn before_screening(s: &Shape) -> usize {
    let (n, m, k, r) = (s.items, s.slots, s.rules, s.rows);
    let pool = s.pool();
    let nr = r + 1;
    let all_coef = ItemCoefficients::reserved_bytes(n, k);
    let model = total(&[bytes::<f64>(m), bytes::<usize>(n), all_coef, k, bytes::<ModelRule>(k)]);
    let screen = Screen::reserved_bytes(n, k);
    let seen = bytes::<u64>(n.div_ceil(64));
    let solution = total(&[
        bytes::<f64>(nr),
        bytes::<usize>(nr.saturating_mul(m)),
        bytes::<RuleOutcome>(k),
        bytes::<f64>(n),
        bytes::<f64>(m),
        bytes::<f64>(2 * k),
    ]);
    let columns = total(&[
        bytes::<f64>(pool.saturating_mul(k)),
        bytes::<usize>(pool.saturating_mul(m)),
        bytes::<usize>(pool),
    ]);
    let master = total(&[
        bytes::<f64>(pool.saturating_mul(nr)),
        bytes::<f64>(pool),
        pool.saturating_add(2 * r),
        bytes::<f64>(nr.saturating_mul(nr).saturating_mul(3)),
        bytes::<f64>(7 * nr),
    ]);
    let small = total(&[
        bytes::<(usize, f64)>(r),
        bytes::<f64>(4 * k),
        bytes::<f64>(7 * r),
        // The oracle's slot-sized vectors (and the sort's hint, `m + 1`) and band ends, and
        // the working-set check's bounds per band and rules with a dual.
        bytes::<usize>(2 * m),
        bytes::<usize>(m + 1),
        bytes::<f64>(m),
        bytes::<usize>(k + 1),
        bytes::<(f64, f64, f64)>(k + 1),
        bytes::<(usize, usize, f64)>(k),
    ]);
    total(&[model, screen, seen, solution, columns, master, small, SMALL_BUFFERS])
}

/// Room for the handful of vectors too small to itemise (a few words each: the solver's
/// scratch for per-rule values of a ranking, the first capacity a `Vec` rounds up to).
/// Measured: the itemised sum alone came within 8–80 bytes of the peak on every shape of
/// `tests/memory.rs`.
const SMALL_BUFFERS: usize = 4096;

/// Bytes reserved once screening has kept `kept` items (on top of [`before_screening`]).
pub(crate) fn after_screening(s: &Shape, kept: usize) -> usize {
    let (m, k) = (s.slots, s.rules);
    let model = total(&[bytes::<f64>(kept), bytes::<f64>(kept.saturating_mul(k))]);
    let working = total(&[bytes::<usize>(3 * kept), kept]);
    // The kept items' u, α and order, their band penalties, and the last call's duals `y`.
    let oracle = total(&[bytes::<f64>(3 * kept), bytes::<f64>(kept.saturating_mul(k + 1)), bytes::<f64>(k)]);
    if !s.assignment {
        // The ranking's item duals set by the last call (`Oracle::dual_set`).
        return total(&[model, working, oracle, bytes::<usize>(m)]);
    }
    let cols = s.candidates(kept);
    let scratch = total(&[
        // The item duals set by the last call, and the last warm start's candidates.
        bytes::<usize>(2 * cols),
        bytes::<f64>(4 * kept),
        bytes::<usize>(3 * kept),
        kept,
        bytes::<f64>(m.saturating_mul(cols)),
        bytes::<usize>(m),
        bytes::<f64>(2 * cols),
        Assignment::reserved_bytes(m, cols),
        Patterns::reserved_bytes(m, kept, k + 1),
    ]);
    let edges = EdgeSet::capacity(kept, m, s.rows);
    let edge_generation = total(&[
        EdgeMaster::reserved_bytes(kept, m, s.rows, edges),
        EdgeSet::reserved_bytes(kept, m, s.rows, edges),
        StartRanking::reserved_bytes(kept, m, k),
        FlowLottery::reserved_bytes(kept, m, edges, s.pool()),
    ]);
    total(&[model, working, oracle, scratch, edge_generation])
}

/// The whole formula for a solve that keeps `kept` items.
pub(crate) fn peak(s: &Shape, kept: usize) -> usize {
    before_screening(s).saturating_add(after_screening(s, kept))
}

/// `Err(TooLarge)` when `needed` bytes are over `limit`.
pub(crate) fn check(s: &Shape, needed: usize, limit: usize) -> Result<(), ProblemError> {
    if needed > limit {
        return Err(ProblemError::TooLarge {
            items: s.items,
            slots: s.slots,
            rules: s.rules,
            bytes: needed,
            limit,
        });
    }
    Ok(())
}

/// An upper bound on a solve's peak memory for `problem` whatever screening keeps (`t = n`),
/// in bytes: what to set `Settings::max_memory_bytes` from when sizing a service.
pub fn peak_memory_bound(problem: &Problem<'_>) -> usize {
    let shape = Shape::of(problem);
    peak(&shape, shape.items)
}

/// The formula above for `problem` when screening keeps `kept_items` items (see
/// [`crate::Stats::screened_items`]: `kept = n − screened`), in bytes: what a fresh
/// solver reserves for it. For tests and capacity planning.
pub fn memory_formula(problem: &Problem<'_>, kept_items: usize) -> usize {
    peak(&Shape::of(problem), kept_items)
}
