//! One request end to end: score the candidates with the click model, solve the slate LP
//! on those scores under the request's rules, and pick the slate to serve.
//!
//! ```text
//!   features ──► Model::score (into a reused f32 buffer) ──► s_i (as f64)
//!   s_i + rules ──► Solver::solve ──► Solution ──► sample(u) ──► slate
//! ```
//!
//! A [`Ranker`] owns a scorer workspace, a solver and the score buffers: one per thread,
//! allocation-free after its first request of the largest size. The [`Model`] is shared.

use std::time::Instant;

use thiserror::Error;

use crate::problem::{Problem, ProblemError, Rule, Slots};
use crate::scorer::{
    Model, Output, Request, RequestError, ScorerSettings, ScorerWorkspace, UnsupportedKernels,
};
use crate::solution::Solution;
use crate::solver::{Settings, SettingsError, Solver};

/// One ranking request: the candidates' features and the slate's rules.
#[derive(Clone, Copy, Debug)]
pub struct RankRequest<'a> {
    /// Request- and item-scope features of the candidates (see [`Request`]).
    pub features: Request<'a>,
    /// Number of candidates `n` (the item feature slices hold `n` rows).
    pub candidates: usize,
    /// The slate's slots and position weights.
    pub slots: Slots<'a>,
    /// The rules; member indices refer to candidates `0..n`.
    pub rules: &'a [Rule<'a>],
    /// Uniform number in `[0, 1)` that picks the slate from the lottery (from the request's
    /// random stream, so that rules hold on average over requests).
    pub u: f64,
}

/// Wall-clock time of the two stages of one request, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// Scoring the candidates.
    pub score_ns: u64,
    /// Solving the slate LP.
    pub solve_ns: u64,
}

/// The answer to one request; borrowed from the [`Ranker`] until its next request.
#[derive(Clone, Copy, Debug)]
pub struct Ranked<'a> {
    /// The model's score of each candidate (what the LP maximises, position-weighted).
    pub scores: &'a [f64],
    /// The solver's answer: status, lottery, per-rule values, certificate.
    pub solution: &'a Solution,
    /// The slate to serve (`Solution::sample(u)`); `None` when there is no lottery.
    pub slate: Option<&'a [usize]>,
    /// The probability with which the lottery serves `slate` (see
    /// [`Solution::sample_with_propensity`]): log it for off-policy evaluation. 0 when
    /// there is no slate.
    pub propensity: f64,
    /// Where the time went.
    pub timing: Timing,
}

/// Why a request could not be ranked (bad input; infeasible rules are a solution status).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RankError {
    /// The features do not fit the model (message names the field).
    #[error(transparent)]
    Features(#[from] RequestError),
    /// The scores and rules do not make a valid problem (message names the field).
    #[error(transparent)]
    Problem(#[from] ProblemError),
}

/// Why a [`Ranker`] could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RankerError {
    /// The requested kernel tier is not available on this CPU.
    #[error(transparent)]
    Kernels(#[from] UnsupportedKernels),
    /// A solver setting is out of range.
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// Scores and ranks requests with one reusable workspace. One per thread.
#[derive(Debug)]
pub struct Ranker {
    scorer: ScorerWorkspace,
    solver: Solver,
    output: Output,
    scores32: Vec<f32>,
    scores: Vec<f64>,
}

impl Ranker {
    /// A ranker scoring with `scorer` settings and the model's calibrated click
    /// probability, solving with `solver` settings.
    pub fn new(scorer: ScorerSettings, solver: Settings) -> Result<Self, RankerError> {
        Ok(Ranker {
            scorer: ScorerWorkspace::new(scorer)?,
            solver: Solver::new(solver)?,
            output: Output::Probability,
            scores32: Vec::new(),
            scores: Vec::new(),
        })
    }

    /// The same ranker scoring with another model output (e.g. the raw logit).
    pub fn with_output(self, output: Output) -> Self {
        Ranker { output, ..self }
    }

    /// The scores of the last request that returned `Ok` (for the C ABI's readers).
    pub(crate) fn last_scores(&self) -> &[f64] {
        &self.scores
    }

    /// The solution of the last request that returned `Ok` (for the C ABI's readers).
    pub(crate) fn last_solution(&self) -> &Solution {
        self.solver.last_solution()
    }

    /// Reserves the solver's and the score buffers for requests of at most `candidates`
    /// candidates, these slots and as many rules (and bounds) as `rules`, so that no such
    /// request allocates afterwards once the scorer has seen one of `candidates` (see
    /// [`Solver::reserve_for`]). `Err` when that is over the memory cap.
    pub fn reserve_for(
        &mut self,
        candidates: usize,
        slots: Slots<'_>,
        rules: &[Rule<'_>],
    ) -> Result<(), ProblemError> {
        self.solver.reserve_for(candidates, slots, rules)?;
        self.scores32.reserve_exact(candidates.saturating_sub(self.scores32.len()));
        self.scores.reserve_exact(candidates.saturating_sub(self.scores.len()));
        Ok(())
    }

    /// Scores, solves and samples one request.
    pub fn rank(&mut self, model: &Model, request: &RankRequest<'_>) -> Result<Ranked<'_>, RankError> {
        let n = request.candidates;
        let start = Instant::now();
        // Refuse before sizing the score buffers by `n`: a huge `n` must be an error, not
        // an allocation failure.
        model.validate_lengths(&request.features, n)?;
        self.solver.check_shape(n, request.slots, request.rules)?;
        self.scores32.clear();
        self.scores32.resize(n, 0.0);
        model.score(&mut self.scorer, &request.features, self.output, &mut self.scores32)?;
        self.scores.clear();
        self.scores.extend(self.scores32.iter().map(|&s| f64::from(s)));
        let scored = Instant::now();
        let problem = Problem::new(&self.scores, request.slots).with_rules(request.rules);
        let solution = self.solver.solve(&problem)?;
        let timing = Timing {
            score_ns: (scored - start).as_nanos() as u64,
            solve_ns: scored.elapsed().as_nanos() as u64,
        };
        let (slate, propensity) = match solution.sample_with_propensity(request.u) {
            Some((slate, p)) => (Some(slate), p),
            None => (None, 0.0),
        };
        Ok(Ranked { scores: &self.scores, solution, slate, propensity, timing })
    }
}
