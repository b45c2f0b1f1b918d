//! A greedy slate builder: the baseline the LP is compared against offline, in the spirit of
//! the Sequential Greedy Algorithm of multi-slot re-ranking (arXiv 2401.06293). It is a
//! baseline, not a solver.
//!
//! It fills slots `j = 0, 1, …, m − 1` in order. For slot `j` it takes the highest-scoring
//! unused item (ties by index) whose placement keeps every rule satisfiable *as far as a
//! greedy check can tell*: with `V_k` the rule's value so far, `c = a_ki v_kj` what item
//! `i` adds in slot `j`, and the most the later slots can still add or take away,
//!
//! ```text
//!     hi_k(j) = Σ_{j' > j} v_kj' · max(0, max_i a_ki),   lo_k(j) = Σ_{j' > j} v_kj' · min(0, min_i a_ki),
//!     it requires   V_k + c + lo_k(j) ≤ max_k   and   V_k + c + hi_k(j) ≥ min_k   (within the tolerance).
//! ```
//!
//! When no unused item passes, the slot gets the highest-scoring unused item among those
//! that fail the fewest rules' checks, and the rules it cannot keep end violated;
//! [`GreedySlate::violations`] reports by how much.
//!
//! **What it does not guarantee.**
//! - That the rules hold: the check is myopic (`hi` assumes enough items with the largest
//!   coefficient are left for the later slots, and rules are checked one at a time), so two
//!   minimums competing for the same slots can both pass early and one fail late, where the
//!   LP meets both. Every violation is reported, never hidden.
//! - Optimality: it serves one deterministic ranking per request. Its objective is at most
//!   the LP's optimum when it meets the rules (a ranking is a feasible point of the LP), and
//!   can be far below it.
//! - The LP's semantics: its rules hold (or not) on the one slate served, not in
//!   expectation over a lottery, which is stricter. Soft rules are checked like hard ones;
//!   their penalty only enters the reported objective.
//!
//! **Cost.** One sort of the items by score, `O(n log n)`, then for each slot a scan from
//! the best unused item with an `O(K)` check per item tried: `O(n log n + m·K)` when the
//! first items pass, `O(n log n + m·n·K)` at worst. Deterministic; a warm [`Greedy`]
//! allocates nothing for problems no larger than one it has ranked.

use crate::problem::{Problem, ProblemError, SlotProfile};
use crate::solver::DEFAULT_MAX_MEMORY_BYTES;

/// Reusable buffers of the greedy baseline: one per thread.
#[derive(Clone, Debug, Default)]
pub struct Greedy {
    seen: Vec<u64>,
    /// Items by score, best first (ties by index).
    order: Vec<usize>,
    used: Vec<bool>,
    /// `a_ki`, rule-major (`K × n`).
    coef: Vec<f64>,
    /// `v_kj`, rule-major (`K × m`).
    profile: Vec<f64>,
    /// `hi_k(j)` and `lo_k(j)`, rule-major (`K × m`).
    hi: Vec<f64>,
    lo: Vec<f64>,
    values: Vec<f64>,
    violations: Vec<f64>,
    slate: Vec<usize>,
}

/// The slate the greedy baseline built, borrowed from the [`Greedy`] until its next call.
#[derive(Clone, Copy, Debug)]
pub struct GreedySlate<'a> {
    /// One item per slot, best slot first (`min(m, n)` distinct items).
    pub slate: &'a [usize],
    /// Each rule's value on the slate, in the order the rules were given.
    pub rule_values: &'a [f64],
    /// `max(0, value − max) + max(0, min − value)` per rule; 0 where the rule holds.
    pub violations: &'a [f64],
    /// `Σ_j s_slate(j) w_j − Σ_soft ρ_k · violation_k`.
    pub objective: f64,
    /// Hard rules the slate breaks beyond their tolerance (`1e-9 · max(1, |bound|)`).
    pub broken_hard_rules: usize,
}

/// Absolute slack of the greedy check, relative to a rule's bounds (as the solver's
/// default feasibility tolerance).
const TOLERANCE: f64 = 1e-9;

impl Greedy {
    /// A greedy builder with empty buffers.
    pub fn new() -> Self {
        Greedy::default()
    }

    /// Builds the greedy slate for `problem`. `Err` only for invalid input (the same checks
    /// and messages as the solver), or a problem whose dense coefficients would take more
    /// than the solver's default memory cap.
    pub fn rank(&mut self, problem: &Problem<'_>) -> Result<GreedySlate<'_>, ProblemError> {
        let (n, m, k) = (problem.item_count(), problem.slate_len(), problem.rules.len());
        let bytes = n.saturating_mul(k + 3).saturating_add(m.saturating_mul(3 * k + 1)).saturating_mul(8);
        if bytes > DEFAULT_MAX_MEMORY_BYTES {
            return Err(ProblemError::TooLarge {
                items: n,
                slots: m,
                rules: k,
                bytes,
                limit: DEFAULT_MAX_MEMORY_BYTES,
            });
        }
        problem.validate_with(&mut self.seen)?;
        self.prepare(problem);
        let mut objective = 0.0;
        for j in 0..m {
            let pick = self.pick(problem, j);
            self.used[pick] = true;
            self.slate.push(pick);
            objective += problem.scores[pick] * problem.position_weight(j);
            for r in 0..k {
                self.values[r] += self.coef[r * n + pick] * self.profile[r * m + j];
            }
        }
        let mut broken_hard_rules = 0;
        for (r, rule) in problem.rules.iter().enumerate() {
            let value = self.values[r];
            let violation = rule.max.map_or(0.0, |b| (value - b).max(0.0))
                + rule.min.map_or(0.0, |b| (b - value).max(0.0));
            self.violations[r] = violation;
            match rule.penalty {
                Some(rho) => objective -= rho * violation,
                None => broken_hard_rules += usize::from(violation > tolerance(rule.min, rule.max)),
            }
        }
        Ok(GreedySlate {
            slate: &self.slate,
            rule_values: &self.values,
            violations: &self.violations,
            objective,
            broken_hard_rules,
        })
    }

    /// Fills every buffer for `problem` (validated): the score order, dense coefficients,
    /// slot profiles and the suffix bounds `hi`, `lo`.
    fn prepare(&mut self, problem: &Problem<'_>) {
        let (n, m, k) = (problem.item_count(), problem.slate_len(), problem.rules.len());
        let scores = problem.scores;
        self.order.clear();
        self.order.extend(0..n);
        self.order.sort_unstable_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        reset(&mut self.used, n, false);
        reset(&mut self.coef, k * n, 0.0);
        reset(&mut self.profile, k * m, 0.0);
        reset(&mut self.hi, k * m, 0.0);
        reset(&mut self.lo, k * m, 0.0);
        reset(&mut self.values, k, 0.0);
        reset(&mut self.violations, k, 0.0);
        self.slate.clear();
        for (r, rule) in problem.rules.iter().enumerate() {
            let a = &mut self.coef[r * n..(r + 1) * n];
            rule.coefficient_fill(a);
            let largest = a.iter().fold(0.0f64, |x, &c| x.max(c));
            let smallest = a.iter().fold(0.0f64, |x, &c| x.min(c));
            let depth = problem.depth_of(rule.profile);
            let (mut hi, mut lo) = (0.0, 0.0);
            for j in (0..m).rev() {
                // hi/lo of slot j: what the slots after j can still add.
                self.hi[r * m + j] = hi;
                self.lo[r * m + j] = lo;
                let v = match (rule.profile, depth) {
                    (SlotProfile::Exposure, _) => problem.position_weight(j),
                    (_, Some(d)) => f64::from(u8::from(j < d)),
                    (_, None) => 0.0,
                };
                self.profile[r * m + j] = v;
                hi += v * largest;
                lo += v * smallest;
            }
        }
    }

    /// The item for slot `j`: the best unused one that passes the greedy check; when none
    /// does, the best unused one among those failing the fewest rules' checks.
    fn pick(&self, problem: &Problem<'_>, j: usize) -> usize {
        let (n, m) = (problem.item_count(), problem.slate_len());
        let mut fallback: Option<(usize, usize)> = None; // (rules failed, item)
        for &i in &self.order {
            if self.used[i] {
                continue;
            }
            let failed = problem
                .rules
                .iter()
                .enumerate()
                .filter(|&(r, rule)| {
                    let after = self.values[r] + self.coef[r * n + i] * self.profile[r * m + j];
                    let slack = tolerance(rule.min, rule.max);
                    rule.max.is_some_and(|b| after + self.lo[r * m + j] > b + slack)
                        || rule.min.is_some_and(|b| after + self.hi[r * m + j] < b - slack)
                })
                .count();
            if failed == 0 {
                return i;
            }
            if fallback.is_none_or(|(f, _)| failed < f) {
                fallback = Some((failed, i));
            }
        }
        fallback.expect("m ≤ n leaves an unused item for every slot").1
    }
}

/// The tolerance of a rule with these bounds: `1e-9 · max(1, |bounds|)`.
fn tolerance(min: Option<f64>, max: Option<f64>) -> f64 {
    TOLERANCE * min.unwrap_or(0.0).abs().max(max.unwrap_or(0.0).abs()).max(1.0)
}

fn reset<T: Copy>(v: &mut Vec<T>, len: usize, value: T) {
    v.clear();
    v.resize(len, value);
}
