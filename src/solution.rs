//! What a solve returns: status, objective and bound, the lottery of rankings, per-rule
//! outcomes, the dual certificate and statistics.
//!
//! The optimal `x` of the slate LP is a probability distribution over at most `R + 1`
//! rankings (`R` = number of rule rows: one per bound, so a two-sided rule counts twice).
//! A service serves one ranking per request: [`Solution::sample`] maps a uniform number
//! `u ∈ [0, 1)` to a ranking so that each ranking is served with its probability, and the
//! rules then hold in expectation over requests.
//!
//! The certificate (docs/design.md F6) proves optimality without trusting the solver: with item
//! duals `α_i ≥ 0`, slot duals `β_j` and signed rule duals `y_k`,
//! `α_i + β_j + Σ_k y_k a_ki v_kj ≥ s_i w_j` for every item and slot, and the dual
//! objective `Σ α + Σ β + Σ_k y_k b_k(y_k)` (with `b_k(y) = max` for `y ≥ 0`, `min` for
//! `y < 0`, `|y_k| ≤ ρ_k` for soft rules) bounds every feasible objective from above.

/// Why the solver stopped. The numbers are fixed: they cross the C ABI.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The lottery is optimal within the relative gap tolerance, with a certificate.
    Optimal = 0,
    /// The hard rules cannot all hold; [`Solution::infeasibility_ray`] proves it.
    Infeasible = 1,
    /// The time budget ran out; the lottery (if any) is feasible, the gap says how far from
    /// optimal it may be.
    TimeLimit = 2,
    /// The iteration cap (`Settings::max_iterations`) or the master's pivot cap
    /// (`Settings::max_master_pivots`) was reached; as for `TimeLimit`.
    IterationLimit = 3,
    /// Floating point could not carry the solve to an answer that can be trusted: the basis
    /// of the master became singular, or rounding kept the gap open, or the final check
    /// found a hard rule violated beyond its tolerance or the bound below the objective.
    /// [`Solution::message`] says which. A lottery, if offered, meets the hard rules within
    /// tolerance only if that check did not fail; serve it only after reading the message.
    /// The usual cause is numbers of very different magnitudes in one problem (a position
    /// weight of 1e12 next to a rule bound of 1e-6): rescale them.
    NumericalTrouble = 4,
}

impl Status {
    /// The lower-case name used in the JSON output: `"optimal"`, `"infeasible"`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Infeasible => "infeasible",
            Status::TimeLimit => "time_limit",
            Status::IterationLimit => "iteration_limit",
            Status::NumericalTrouble => "numerical_trouble",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one rule fares under the lottery (all in expectation over the lottery).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RuleOutcome {
    /// `Σ_i a_i Σ_j v_j x_ij`, the value the rule bounds.
    pub value: f64,
    /// The signed dual `y_k`: objective gained per unit the bound is relaxed. Positive
    /// when the max side binds, negative when the min side binds, 0 when slack.
    pub dual: f64,
    /// `max(0, value − max) + max(0, min − value)`: non-zero only for soft rules (and within
    /// the feasibility tolerance for hard ones).
    pub violation: f64,
}

/// Counters from one solve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Outer iterations of the dual method (each prices one ranking), both phases.
    pub iterations: u32,
    /// Of those, iterations spent finding a feasible point (phase 1).
    pub phase1_iterations: u32,
    /// Inner ranking problems solved (sorts plus assignments).
    pub inner_solves: u32,
    /// Of those, the ones that needed an assignment (top(d) rules with non-zero dual).
    pub assignment_solves: u32,
    /// Of those, the ones started from warm potentials (the candidate path on slates of 32
    /// slots or more).
    pub warm_started_assignments: u32,
    /// Of the assignment solves, the ones solved over coefficient patterns (the kept items
    /// fall into few patterns: every item a rule treats alike), the rest over per-slot
    /// candidate lists.
    pub pattern_assignments: u32,
    /// Smoothed pricing points whose ranking did not improve the master.
    pub mispricings: u32,
    /// Inner solves spent by line searches (capped bracketing searches: see the solver's
    /// `dual` module).
    pub line_search_evaluations: u32,
    /// Line searches that stopped at their evaluation cap (or the time budget) before
    /// closing on the segment's minimum: each moved the center to the best point it saw.
    pub line_search_cutoffs: u32,
    /// Times the column pool was full and purged of non-basic columns.
    pub column_purges: u32,
    /// Simplex pivots in the master problems (the edge master and the ranking master).
    pub master_pivots: u32,
    /// (item, slot) edges the edge master was given (0 when every rule weighs exposure and
    /// the ranking loop ran).
    pub edges: usize,
    /// Items removed before the solve by dominance screening (docs/design.md F7).
    pub screened_items: usize,
    /// Of the items left, those the dual method never had to look at: outside its working
    /// set at the end, proven irrelevant by the final check.
    pub dynamically_screened_items: usize,
    /// Times the final check found a better ranking outside the working set and grew it.
    pub working_set_growths: u32,
}

/// One ranking of the lottery.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LotteryRanking<'a> {
    /// Probability of serving this ranking, in (0, 1].
    pub probability: f64,
    /// Item index for each slot, best slot first; `slate_len()` distinct items.
    pub items: &'a [usize],
}

/// The dual certificate of docs/design.md F6 (see the module doc).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Certificate {
    pub(crate) item_duals: Vec<f64>,
    pub(crate) slot_duals: Vec<f64>,
    pub(crate) rule_duals: Vec<f64>,
    pub(crate) dual_objective: f64,
}

impl Certificate {
    /// `α_i ≥ 0`, one per item (0 for screened items).
    pub fn item_duals(&self) -> &[f64] {
        &self.item_duals
    }
    /// `β_j`, one per slot of the slate.
    pub fn slot_duals(&self) -> &[f64] {
        &self.slot_duals
    }
    /// `y_k`, one per rule (the same numbers as [`RuleOutcome::dual`]).
    pub fn rule_duals(&self) -> &[f64] {
        &self.rule_duals
    }
    /// `Σ α + Σ β + Σ_k y_k b_k(y_k)`, an upper bound on every feasible objective.
    pub fn dual_objective(&self) -> f64 {
        self.dual_objective
    }
}

/// The answer to one solve. Owned by the [`crate::Solver`] and overwritten by the next
/// solve, so that a warm solver allocates nothing.
#[derive(Clone, Debug)]
pub struct Solution {
    pub(crate) status: Status,
    pub(crate) objective: f64,
    pub(crate) bound: f64,
    pub(crate) slate_len: usize,
    pub(crate) probabilities: Vec<f64>,
    pub(crate) rankings: Vec<usize>,
    pub(crate) rules: Vec<RuleOutcome>,
    pub(crate) certificate: Certificate,
    pub(crate) infeasibility_ray: Vec<f64>,
    pub(crate) stats: Stats,
    /// The objective's natural magnitude (see [`Solution::relative_gap`]).
    pub(crate) scale: f64,
    /// Why the status is what it is, when a number alone does not say (see
    /// [`Solution::message`]).
    pub(crate) message: Option<&'static std::ffi::CStr>,
}

/// `max(0, bound − objective) / max(|objective|, scale)`; NaN when either is NaN.
pub(crate) fn relative_gap(objective: f64, bound: f64, scale: f64) -> f64 {
    let gap = bound - objective;
    if gap.is_nan() {
        return f64::NAN;
    }
    gap.max(0.0) / objective.abs().max(scale).max(f64::MIN_POSITIVE)
}

impl Default for Solution {
    fn default() -> Self {
        Solution {
            status: Status::IterationLimit,
            objective: f64::NAN,
            bound: f64::NAN,
            slate_len: 0,
            probabilities: Vec::new(),
            rankings: Vec::new(),
            rules: Vec::new(),
            certificate: Certificate::default(),
            infeasibility_ray: Vec::new(),
            stats: Stats::default(),
            scale: 0.0,
            message: None,
        }
    }
}

impl Solution {
    /// Reserves room for `n` items, `m` slots, `rules` rules and `rankings` rankings.
    pub(crate) fn reserve(&mut self, n: usize, m: usize, rules: usize, rankings: usize) {
        let grow = |v: &mut Vec<f64>, cap: usize| v.reserve(cap.saturating_sub(v.len()));
        grow(&mut self.probabilities, rankings);
        self.rankings.reserve((rankings * m).saturating_sub(self.rankings.len()));
        self.rules.reserve(rules.saturating_sub(self.rules.len()));
        grow(&mut self.certificate.item_duals, n);
        grow(&mut self.certificate.slot_duals, m);
        grow(&mut self.certificate.rule_duals, rules);
        grow(&mut self.infeasibility_ray, rules);
    }

    /// Why the solver stopped.
    pub fn status(&self) -> Status {
        self.status
    }

    /// `Σ s_i w_j x_ij − Σ_soft ρ_k · violation_k` of the lottery; NaN when there is no
    /// lottery (infeasible, or a limit hit before a feasible point was found).
    pub fn objective(&self) -> f64 {
        self.objective
    }

    /// The best proven upper bound on the optimum (the certificate's dual objective); NaN
    /// when there is no lottery (infeasible, or a limit reached before a lottery meeting
    /// the hard rules was found).
    pub fn bound(&self) -> f64 {
        self.bound
    }

    /// `bound − objective ≥ 0` (up to rounding): how much better any solution could be.
    pub fn gap(&self) -> f64 {
        self.bound - self.objective
    }

    /// The gap relative to the objective's scale: `max(|objective|, S)` with `S` the size
    /// the objective's terms can reach (`Σ_j w_j · max_i |s_i|` plus, for soft rules,
    /// `ρ_k` times the rule value's and bound's magnitude).
    /// `Optimal` means this is at most `Settings::relative_gap`.
    pub fn relative_gap(&self) -> f64 {
        relative_gap(self.objective, self.bound, self.scale)
    }

    /// Number of slots on the slate, `min(m, n)`.
    pub fn slate_len(&self) -> usize {
        self.slate_len
    }

    /// Number of rankings in the lottery (0 when there is none).
    pub fn lottery_len(&self) -> usize {
        self.probabilities.len()
    }

    /// The rankings with their probabilities, in the order the solver found them.
    pub fn lottery(&self) -> impl ExactSizeIterator<Item = LotteryRanking<'_>> + '_ {
        let m = self.slate_len.max(1);
        self.probabilities
            .iter()
            .zip(self.rankings.chunks_exact(m))
            .map(|(&probability, items)| LotteryRanking { probability, items })
    }

    /// The ranking to serve for a uniform random number `u ∈ [0, 1)`: ranking `t` is
    /// returned for `u` in `[P_{t-1}, P_t)` of the cumulative probabilities, so each ranking
    /// is served with its probability. `u` outside `[0, 1)` is clamped into it (NaN reads
    /// as 0). `None` when there is no lottery.
    pub fn sample(&self, u: f64) -> Option<&[usize]> {
        let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, 1.0) };
        let mut cumulative = 0.0;
        let mut last = None;
        for ranking in self.lottery() {
            cumulative += ranking.probability;
            last = Some(ranking.items);
            if u < cumulative {
                return last;
            }
        }
        // Rounding can leave the cumulative sum a hair under 1.
        last
    }

    /// [`Solution::sample`] and the slate's **propensity**: the probability that this
    /// lottery serves exactly that ranking (summed over lottery entries that are the same
    /// ranking), in `(0, 1]`. Log it with the impression: it is the denominator of an
    /// inverse-propensity estimate of another policy's value from these logs (see the
    /// README, "Offline evaluation"). `None` when there is no lottery.
    pub fn sample_with_propensity(&self, u: f64) -> Option<(&[usize], f64)> {
        let slate = self.sample(u)?;
        let propensity = self.lottery().filter(|r| r.items == slate).map(|r| r.probability).sum();
        Some((slate, propensity))
    }

    /// The ranking with the largest probability (the first one on ties).
    pub fn most_likely(&self) -> Option<&[usize]> {
        let mut best: Option<LotteryRanking<'_>> = None;
        for r in self.lottery() {
            if best.is_none_or(|b| r.probability > b.probability) {
                best = Some(r);
            }
        }
        best.map(|b| b.items)
    }

    /// Per-rule value, dual and violation, in the order the rules were given.
    pub fn rules(&self) -> &[RuleOutcome] {
        &self.rules
    }

    /// The dual certificate of optimality (meaningful unless infeasible).
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// For `Infeasible`: a ray `δ_k` (one signed number per rule, like the duals) along
    /// which the dual function decreases without bound (docs/design.md F8): for every ranking,
    /// `Σ_k δ_k · value_k(ranking) > Σ_k δ_k · b_k(δ_k)`, so no lottery can meet all rules.
    /// `None` otherwise.
    pub fn infeasibility_ray(&self) -> Option<&[f64]> {
        (self.status == Status::Infeasible).then_some(&self.infeasibility_ray[..])
    }

    /// For [`Status::NumericalTrouble`], what went wrong, in one sentence; for
    /// [`Status::IterationLimit`] caused by the master's pivot cap, that; `None` otherwise.
    pub fn message(&self) -> Option<&'static str> {
        self.message.and_then(|m| m.to_str().ok())
    }

    /// [`Solution::message`] as a NUL-terminated C string (for the C ABI).
    pub(crate) fn message_c(&self) -> Option<&'static std::ffi::CStr> {
        self.message
    }

    /// Counters from the solve.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}
