//! # lprank
//!
//! Exact, certified slate ranking under business rules.
//!
//! ```text
//!   scores + rules ──► Solver (dual LP method, exact) ──► Solution
//!   Solution       ──► lottery of ≤ R+1 rankings      ──► sample(u) ──► the slate served
//! ```
//!
//! Given item scores `s_i`, slot position weights `w_j` and rules such as "at most 2 job
//! posts in the top 5" or "fresh items get ≥ 20 % of exposure", [`Solver::solve`] finds the
//! probability distribution over rankings that maximises expected `Σ s_i w_j` while every
//! rule holds in expectation — the slate LP of `docs/design.md` §1 — and proves it optimal with a
//! dual certificate.
//!
//! ```
//! use lprank::{Members, Problem, Rule, SlotProfile, Slots, Solver, Status};
//!
//! let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
//! let jobs = [0, 1, 2];
//! let rules = [Rule::at_most(Members::Items(&jobs), SlotProfile::Top(3), 1.0).named("jobs_top3")];
//! let problem = Problem::new(&scores, Slots::Count(4)).with_rules(&rules);
//!
//! let mut solver = Solver::default();
//! let solution = solver.solve(&problem)?;
//! assert_eq!(solution.status(), Status::Optimal);
//! let slate = solution.sample(0.42).unwrap(); // u from the request's random stream
//! assert_eq!(slate.len(), 4);
//! assert!(solution.rules()[0].value <= 1.0 + 1e-9);
//! # Ok::<(), lprank::ProblemError>(())
//! ```
//!
//! [`Greedy`] builds the usual production baseline instead (slot by slot, the best item a
//! greedy check allows), for offline comparison with the LP.

// `!(x <= bound)` reads "x does not meet the bound, NaN included": the solver's checks
// (certificate, tolerances, the sort's threshold) use it on purpose, so that a NaN fails
// them where `x > bound` would let it pass.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod ffi;
pub mod greedy;
pub mod json;
pub mod problem;
pub mod ranker;
pub mod scorer;
pub mod solution;
pub mod solver;
pub mod synthetic;
pub mod verify;

pub use greedy::{Greedy, GreedySlate};
pub use problem::{
    default_position_weight, Members, Problem, ProblemError, Rule, SlotProfile, Slots, MAX_MAGNITUDE,
    MAX_RULES,
};
pub use ranker::{RankRequest, Ranked, Ranker};
pub use scorer::{ScorerSettings, ScorerWorkspace};
pub use solution::{Certificate, LotteryRanking, RuleOutcome, Solution, Stats, Status};
pub use solver::{Settings, SettingsError, Solver};
