//! The solver's tuning constants, in one place, each with the measurement behind its value.
//! None of them changes an answer: they choose between exact paths, or how much work a
//! step does before the next, and the certificate is checked the same way whatever they are.

/// The pattern path of the inner assignment (`oracle_patterns.rs`) runs when the kept items
/// fall into at most this many coefficient patterns per slot; above it the candidate lists
/// of `oracle_assign.rs` run. Its search relaxes `m + P` columns per step, the candidate
/// path's `C` (a few times `m`). (`lprank solve --repeat 41`, 1000×50 K=10, one seed per
/// family, pattern vs candidate path: partition (P = 10) 11.2 vs 17.6 ms, feed (P = 30)
/// 14.8 vs 16.5 ms, overlapping (P = 148) 18.4 vs 15.7 ms.)
pub(crate) const MAX_PATTERNS_PER_SLOT: usize = 2;
