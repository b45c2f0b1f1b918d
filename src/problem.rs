//! The slate LP's input: scores, slots and rules, borrowed from the caller.
//!
//! Items `i = 0..n` carry finite scores `s_i`; slots `j = 0..m` carry position weights
//! `w_0 ≥ w_1 ≥ … ≥ w_{m-1} ≥ 0` (by default `w_j = 1 / log2(j + 2)`). When `n < m` the
//! slate has only `n` slots and only the first `n` weights count.
//!
//! A [`Rule`] bounds `Σ_i a_i Σ_j v_j x_ij`, the expected weighted count of its members in
//! the slots its [`SlotProfile`] selects: `v_j = 1` for `j < d` with [`SlotProfile::Top`],
//! `v_j = w_j` with [`SlotProfile::Exposure`], and `v_j = 1` everywhere with
//! [`SlotProfile::WholeSlate`]. Without a penalty the rule is hard; with a penalty `ρ ≥ 0`
//! it is soft and every unit of violation costs `ρ` in the objective.
//!
//! Nothing here is copied: a [`Problem`] is a view over the caller's slices, validated once
//! per solve by [`Problem::validate`].

use thiserror::Error;

/// At most this many rules per problem. The solver's master problem keeps a dense basis of
/// `(2K + 1)²` numbers, so the cap keeps a hostile request from asking for gigabytes.
pub const MAX_RULES: usize = 1024;

/// The largest magnitude any number of a problem may have: scores, position weights, rule
/// coefficients, bounds and penalties. Within it every product and sum the solver forms
/// (`s_i w_j`, `ρ_k a_ki v_kj`, their sums over a slate) stays many orders of magnitude
/// inside `f64`'s range, so nothing overflows to infinity. It does not promise that any
/// mix of magnitudes can be solved to the tolerances: a problem whose numbers span too
/// many orders (a weight of 1e12 beside a rule bound of 1e-6) ends in
/// [`crate::Status::NumericalTrouble`], never in a wrong `Optimal`.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// Whether `v` is a finite number with `|v| ≤ MAX_MAGNITUDE`.
fn in_range(v: f64) -> bool {
    v.abs() <= MAX_MAGNITUDE
}

/// The first position of `values` out of range, if any. The scan without an early exit
/// runs as vector code (a search that stops at the first hit does not): at 100,000 items
/// and 10 coefficient rules validation took 7.7M instructions per solve.
fn first_out_of_range(values: &[f64]) -> Option<usize> {
    let all_in = values.chunks(1024).all(|chunk| chunk.iter().fold(true, |ok, &v| ok & in_range(v)));
    if all_in {
        None
    } else {
        values.iter().position(|&v| !in_range(v))
    }
}

/// The default position weight of slot `j` (0-based): `1 / log2(j + 2)`, as in DCG.
pub fn default_position_weight(slot: usize) -> f64 {
    1.0 / ((slot as f64) + 2.0).log2()
}

/// How many slots the slate has and what each is worth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slots<'a> {
    /// `m` slots with the default weights `1 / log2(j + 2)`.
    Count(usize),
    /// Explicit position weights, one per slot: finite, non-negative, non-increasing.
    Weights(&'a [f64]),
}

impl Slots<'_> {
    /// The number of slots `m` (the slate has `min(m, n)` of them filled).
    pub fn count(&self) -> usize {
        match self {
            Slots::Count(m) => *m,
            Slots::Weights(w) => w.len(),
        }
    }
}

/// Which slots a rule counts, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotProfile {
    /// Slots `0..d` count once each ("at most 2 job posts in the top 5": `Top(5)`). A depth
    /// beyond the slate is clamped to the slate; a depth of 0 is invalid.
    Top(usize),
    /// Every slot counts with its position weight ("≥ 20 % of exposure").
    Exposure,
    /// Every slot counts once: the same as `Top(m)`.
    WholeSlate,
}

/// Which items a rule is about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Members<'a> {
    /// Member indices, each with coefficient 1; every other item has coefficient 0.
    /// Indices must be in range and distinct.
    Items(&'a [usize]),
    /// One finite coefficient per item (any sign).
    Coefficients(&'a [f64]),
}

/// One business rule: bounds on the members' expected count (or weight) in some slots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule<'a> {
    /// Echoed back in outputs and error messages; may be empty.
    pub name: &'a str,
    /// The items the rule counts and their coefficients.
    pub members: Members<'a>,
    /// The slots the rule counts.
    pub profile: SlotProfile,
    /// Upper bound on the rule's value, if any.
    pub max: Option<f64>,
    /// Lower bound on the rule's value, if any.
    pub min: Option<f64>,
    /// `Some(ρ)` makes the rule soft: each unit of violation costs `ρ ≥ 0` in the objective.
    pub penalty: Option<f64>,
}

impl<'a> Rule<'a> {
    /// A hard rule `value ≤ max`.
    pub fn at_most(members: Members<'a>, profile: SlotProfile, max: f64) -> Self {
        Self::between(members, profile, None, Some(max))
    }

    /// A hard rule `value ≥ min`.
    pub fn at_least(members: Members<'a>, profile: SlotProfile, min: f64) -> Self {
        Self::between(members, profile, Some(min), None)
    }

    /// A hard rule with optional lower and upper bounds (at least one must be given).
    pub fn between(members: Members<'a>, profile: SlotProfile, min: Option<f64>, max: Option<f64>) -> Self {
        Rule { name: "", members, profile, max, min, penalty: None }
    }

    /// The same rule with a name, echoed in outputs and errors.
    pub fn named(self, name: &'a str) -> Self {
        Rule { name, ..self }
    }

    /// The same rule made soft: each unit of violation costs `penalty` (≥ 0).
    pub fn soft(self, penalty: f64) -> Self {
        Rule { penalty: Some(penalty), ..self }
    }

    /// Writes the rule's coefficient of every item (0 for non-members; a validated rule)
    /// into `out`, which must arrive zeroed: member lists only set their ones, so the
    /// caller zeroes the whole matrix once rather than once per rule.
    pub(crate) fn coefficient_fill(&self, out: &mut [f64]) {
        match self.members {
            Members::Items(items) => {
                for &i in items {
                    out[i] = 1.0;
                }
            }
            Members::Coefficients(c) => {
                for (o, &c) in out.iter_mut().zip(c) {
                    // `+ 0.0` turns -0.0 into 0.0 so equal coefficients have equal bits.
                    *o = c + 0.0;
                }
            }
        }
    }
}

/// A slate LP instance: a view over the caller's scores, slots and rules.
#[derive(Clone, Copy, Debug)]
pub struct Problem<'a> {
    /// One finite score per candidate item.
    pub scores: &'a [f64],
    /// The slots and their position weights.
    pub slots: Slots<'a>,
    /// The rules; empty means "sort by score".
    pub rules: &'a [Rule<'a>],
}

impl<'a> Problem<'a> {
    /// A problem without rules: the optimum is the items sorted by score.
    pub fn new(scores: &'a [f64], slots: Slots<'a>) -> Self {
        Problem { scores, slots, rules: &[] }
    }

    /// The same problem with these rules.
    pub fn with_rules(self, rules: &'a [Rule<'a>]) -> Self {
        Problem { rules, ..self }
    }

    /// Number of candidate items `n`.
    pub fn item_count(&self) -> usize {
        self.scores.len()
    }

    /// Number of slots on the slate: `min(m, n)`.
    pub fn slate_len(&self) -> usize {
        self.slots.count().min(self.scores.len())
    }

    /// The weight of slot `j < slate_len()`.
    pub fn position_weight(&self, slot: usize) -> f64 {
        match self.slots {
            Slots::Count(_) => default_position_weight(slot),
            Slots::Weights(w) => w[slot],
        }
    }

    /// The depth (number of counted leading slots) of a non-exposure profile, clamped to
    /// the slate; `None` for exposure.
    pub(crate) fn depth_of(&self, profile: SlotProfile) -> Option<usize> {
        match profile {
            SlotProfile::Top(d) => Some(d.min(self.slate_len())),
            SlotProfile::WholeSlate => Some(self.slate_len()),
            SlotProfile::Exposure => None,
        }
    }

    /// Checks every number, length and index; the solver calls this before it starts.
    pub fn validate(&self) -> Result<(), ProblemError> {
        self.validate_with(&mut Vec::new())
    }

    /// [`Problem::validate`] with a reusable scratch bitmap, so a warm solver allocates nothing.
    pub(crate) fn validate_with(&self, seen: &mut Vec<u64>) -> Result<(), ProblemError> {
        let n = self.scores.len();
        if n == 0 {
            return Err(ProblemError::EmptyScores);
        }
        if let Some(index) = first_out_of_range(self.scores) {
            return Err(ProblemError::NonFiniteScore { index, value: self.scores[index] });
        }
        match self.slots {
            Slots::Count(0) => return Err(ProblemError::ZeroSlots),
            Slots::Count(_) => {}
            Slots::Weights(w) => validate_weights(w)?,
        }
        check_rule_count(self.rules.len())?;
        for (rule, r) in self.rules.iter().enumerate() {
            validate_rule(rule, r, n, seen)?;
        }
        Ok(())
    }
}

/// Whether `rules` is within [`MAX_RULES`]: O(1). (Memory is capped by the solver's
/// settings: see [`ProblemError::TooLarge`].)
pub(crate) fn check_rule_count(rules: usize) -> Result<(), ProblemError> {
    if rules > MAX_RULES {
        return Err(ProblemError::TooManyRules { count: rules });
    }
    Ok(())
}

fn validate_weights(w: &[f64]) -> Result<(), ProblemError> {
    if w.is_empty() {
        return Err(ProblemError::EmptyPositionWeights);
    }
    for (index, &value) in w.iter().enumerate() {
        if !in_range(value) || value < 0.0 {
            return Err(ProblemError::BadPositionWeight { index, value });
        }
        if index > 0 && value > w[index - 1] {
            return Err(ProblemError::IncreasingPositionWeights { index, value, previous: w[index - 1] });
        }
    }
    Ok(())
}

fn validate_rule(rule: usize, r: &Rule<'_>, n: usize, seen: &mut Vec<u64>) -> Result<(), ProblemError> {
    match r.members {
        // Member lists are usually written in item order: one vector pass proves those
        // in range and free of repeats, where the bitset below costs a dependent
        // read-modify-write per member (11 % of a 100,000-item solve whose rules list a
        // few groups each). Anything else takes the checks that name the first fault.
        Members::Items(items) if strictly_increasing(items) && items.last().is_none_or(|&i| i < n) => {}
        Members::Items(items) => {
            if let Some((position, &item)) = items.iter().enumerate().find(|(_, &i)| i >= n) {
                return Err(ProblemError::MemberOutOfRange { rule, position, item, n });
            }
            if let Some((position, item)) = first_repeat(items, n, seen) {
                return Err(ProblemError::RepeatedMember { rule, position, item });
            }
        }
        Members::Coefficients(c) => {
            if c.len() != n {
                return Err(ProblemError::CoefficientCount { rule, expected: n, got: c.len() });
            }
            if let Some(index) = first_out_of_range(c) {
                return Err(ProblemError::NonFiniteCoefficient { rule, index, value: c[index] });
            }
        }
    }
    if r.profile == SlotProfile::Top(0) {
        return Err(ProblemError::ZeroDepth { rule });
    }
    if r.max.is_none() && r.min.is_none() {
        return Err(ProblemError::NoBound { rule });
    }
    for (field, bound) in [("max", r.max), ("min", r.min)] {
        if let Some(value) = bound {
            if !in_range(value) {
                return Err(ProblemError::NonFiniteBound { rule, field, value });
            }
        }
    }
    if let (Some(min), Some(max)) = (r.min, r.max) {
        if min > max {
            return Err(ProblemError::MinAboveMax { rule, min, max });
        }
    }
    if let Some(value) = r.penalty {
        if !in_range(value) || value < 0.0 {
            return Err(ProblemError::BadPenalty { rule, value });
        }
    }
    Ok(())
}

/// Whether every item is below the next. Without an early exit inside a chunk, so that it
/// runs as vector code.
fn strictly_increasing(items: &[usize]) -> bool {
    let pairs = items.len().saturating_sub(1);
    let (lower, upper) = (&items[..pairs], &items[items.len().min(1)..]);
    lower
        .chunks(1024)
        .zip(upper.chunks(1024))
        .all(|(a, b)| a.iter().zip(b).fold(true, |ok, (x, y)| ok & (x < y)))
}

/// The first position whose item appeared earlier in `items` (all items `< n`): a scan for
/// short lists, a bitmap (kept in `seen` for reuse) for long ones.
fn first_repeat(items: &[usize], n: usize, seen: &mut Vec<u64>) -> Option<(usize, usize)> {
    if items.len() <= 32 {
        return items.iter().enumerate().find(|(p, i)| items[..*p].contains(i)).map(|(p, &i)| (p, i));
    }
    seen.clear();
    seen.resize(n.div_ceil(64), 0);
    for (p, &i) in items.iter().enumerate() {
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        if seen[word] & bit != 0 {
            return Some((p, i));
        }
        seen[word] |= bit;
    }
    None
}

/// Why a problem was rejected. Each message names the field at fault with the path the
/// JSON format uses (`constraints[2].top`), so CLI, C and Rust users read the same text.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum ProblemError {
    /// There are no items to rank.
    #[error("scores: must contain at least one item")]
    EmptyScores,
    /// A score is NaN, infinite or beyond ±[`MAX_MAGNITUDE`].
    #[error("scores[{index}]: {value} is not a finite number within ±{MAX_MAGNITUDE:e}")]
    NonFiniteScore {
        /// Position of the bad score.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// `Slots::Count(0)`.
    #[error("slots: must be at least 1")]
    ZeroSlots,
    /// `Slots::Weights(&[])`.
    #[error("position_weights: must contain at least one weight")]
    EmptyPositionWeights,
    /// A position weight is negative, NaN, infinite or beyond [`MAX_MAGNITUDE`].
    #[error("position_weights[{index}]: {value} is not a finite number in [0, {MAX_MAGNITUDE:e}]")]
    BadPositionWeight {
        /// Slot of the bad weight.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Position weights go up somewhere.
    #[error(
        "position_weights[{index}]: {value} is larger than the weight before it ({previous}); \
         weights must be non-increasing"
    )]
    IncreasingPositionWeights {
        /// Slot of the first increase.
        index: usize,
        /// Its weight.
        value: f64,
        /// The weight of the slot before it.
        previous: f64,
    },
    /// More rules than [`MAX_RULES`].
    #[error("constraints: {count} rules given, at most {max} are supported", max = MAX_RULES)]
    TooManyRules {
        /// Rules given.
        count: usize,
    },
    /// Solving would need more memory than `Settings::max_memory_bytes` allows (the
    /// formula is in the solver's `memory` module doc). Refused before the buffers are sized.
    #[error(
        "scores: {items} items on {slots} slots with {rules} rules need {bytes} bytes of solver \
         memory, more than max_memory_bytes ({limit})"
    )]
    TooLarge {
        /// Items given.
        items: usize,
        /// Slots on the slate, `min(slots, items)`.
        slots: usize,
        /// Rules given.
        rules: usize,
        /// Bytes the solve would reserve (an upper bound before screening, exact after).
        bytes: usize,
        /// `Settings::max_memory_bytes`.
        limit: usize,
    },
    /// A member index is `≥ n`.
    #[error("constraints[{rule}].items[{position}]: item {item} does not exist (there are {n} items)")]
    MemberOutOfRange {
        /// The rule.
        rule: usize,
        /// Position in the member list.
        position: usize,
        /// The bad index.
        item: usize,
        /// Number of items.
        n: usize,
    },
    /// A member index appears twice.
    #[error("constraints[{rule}].items[{position}]: item {item} is listed twice")]
    RepeatedMember {
        /// The rule.
        rule: usize,
        /// Position of the repeat.
        position: usize,
        /// The repeated item.
        item: usize,
    },
    /// Dense coefficients of the wrong length.
    #[error("constraints[{rule}].coefficients: {got} numbers given, one per item ({expected}) expected")]
    CoefficientCount {
        /// The rule.
        rule: usize,
        /// `n`.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A coefficient is NaN, infinite or beyond ±[`MAX_MAGNITUDE`].
    #[error(
        "constraints[{rule}].coefficients[{index}]: {value} is not a finite number within ±{MAX_MAGNITUDE:e}"
    )]
    NonFiniteCoefficient {
        /// The rule.
        rule: usize,
        /// The item.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// `SlotProfile::Top(0)`.
    #[error("constraints[{rule}].top: must be at least 1")]
    ZeroDepth {
        /// The rule.
        rule: usize,
    },
    /// Neither `min` nor `max`.
    #[error("constraints[{rule}]: needs \"max\", \"min\" or both")]
    NoBound {
        /// The rule.
        rule: usize,
    },
    /// A bound is NaN, infinite or beyond ±[`MAX_MAGNITUDE`].
    #[error("constraints[{rule}].{field}: {value} is not a finite number within ±{MAX_MAGNITUDE:e}")]
    NonFiniteBound {
        /// The rule.
        rule: usize,
        /// `"min"` or `"max"`.
        field: &'static str,
        /// The value found.
        value: f64,
    },
    /// `min > max`.
    #[error("constraints[{rule}].min: {min} is larger than max ({max})")]
    MinAboveMax {
        /// The rule.
        rule: usize,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// A penalty is negative, NaN, infinite or beyond [`MAX_MAGNITUDE`].
    #[error("constraints[{rule}].penalty: {value} is not a finite number in [0, {MAX_MAGNITUDE:e}]")]
    BadPenalty {
        /// The rule.
        rule: usize,
        /// The value found.
        value: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: Problem<'_>) -> String {
        p.validate().unwrap_err().to_string()
    }

    #[test]
    fn every_bad_input_names_its_field() {
        let s = [1.0, 2.0, 3.0];
        assert!(check(Problem::new(&[], Slots::Count(2))).starts_with("scores:"));
        assert!(check(Problem::new(&[1.0, f64::NAN], Slots::Count(2))).starts_with("scores[1]"));
        assert!(check(Problem::new(&s, Slots::Count(0))).starts_with("slots:"));
        assert!(check(Problem::new(&s, Slots::Weights(&[]))).starts_with("position_weights:"));
        assert!(check(Problem::new(&s, Slots::Weights(&[1.0, -0.5]))).starts_with("position_weights[1]"));
        assert!(check(Problem::new(&s, Slots::Weights(&[0.5, 0.6]))).contains("non-increasing"));
        let cases: [(Rule<'_>, &str); 9] = [
            (Rule::at_most(Members::Items(&[0, 3]), SlotProfile::Exposure, 1.0), "constraints[0].items[1]"),
            (
                Rule::at_most(Members::Items(&[0, 1, 0]), SlotProfile::Exposure, 1.0),
                "constraints[0].items[2]",
            ),
            (
                Rule::at_most(Members::Coefficients(&[1.0]), SlotProfile::Exposure, 1.0),
                "constraints[0].coefficients:",
            ),
            (
                Rule::at_most(Members::Coefficients(&[1.0, f64::INFINITY, 0.0]), SlotProfile::Exposure, 1.0),
                "constraints[0].coefficients[1]",
            ),
            (Rule::at_most(Members::Items(&[0]), SlotProfile::Top(0), 1.0), "constraints[0].top"),
            (Rule::between(Members::Items(&[0]), SlotProfile::Top(1), None, None), "constraints[0]: needs"),
            (Rule::at_most(Members::Items(&[0]), SlotProfile::Top(1), f64::NAN), "constraints[0].max"),
            (
                Rule::between(Members::Items(&[0]), SlotProfile::Top(1), Some(2.0), Some(1.0)),
                "constraints[0].min",
            ),
            (
                Rule::at_most(Members::Items(&[0]), SlotProfile::Top(1), 1.0).soft(-1.0),
                "constraints[0].penalty",
            ),
        ];
        for (rule, prefix) in cases {
            let rules = [rule];
            let msg = check(Problem::new(&s, Slots::Count(2)).with_rules(&rules));
            assert!(msg.starts_with(prefix), "{msg:?} should start with {prefix:?}");
        }
    }

    #[test]
    fn too_many_rules_are_refused() {
        let scores = vec![0.5; 10];
        let rules = vec![Rule::at_most(Members::Items(&[]), SlotProfile::Exposure, 1.0); MAX_RULES + 1];
        let err = Problem::new(&scores, Slots::Count(10)).with_rules(&rules).validate().unwrap_err();
        assert_eq!(err, ProblemError::TooManyRules { count: MAX_RULES + 1 });
        assert!(Problem::new(&scores, Slots::Count(10)).with_rules(&rules[..MAX_RULES]).validate().is_ok());
    }

    #[test]
    fn magnitudes_beyond_the_range_are_refused() {
        let s = [1.0, 2.0, 3.0];
        assert!(check(Problem::new(&[1.0, 2e12], Slots::Count(2))).starts_with("scores[1]"));
        assert!(check(Problem::new(&s, Slots::Weights(&[1e13]))).starts_with("position_weights[0]"));
        let big = [0.0, -1.5e12, 0.0];
        let rules = [Rule::at_most(Members::Coefficients(&big), SlotProfile::Exposure, 1.0)];
        assert!(check(Problem::new(&s, Slots::Count(2)).with_rules(&rules))
            .starts_with("constraints[0].coefficients[1]"));
        let rules = [Rule::at_least(Members::Items(&[0]), SlotProfile::Exposure, -2e12)];
        assert!(check(Problem::new(&s, Slots::Count(2)).with_rules(&rules)).starts_with("constraints[0].min"));
        let rules = [Rule::at_least(Members::Items(&[0]), SlotProfile::Exposure, 0.5).soft(1e13)];
        assert!(
            check(Problem::new(&s, Slots::Count(2)).with_rules(&rules)).starts_with("constraints[0].penalty")
        );
        let edge = [MAX_MAGNITUDE, -MAX_MAGNITUDE, 0.0];
        let rules = [Rule::at_most(Members::Coefficients(&edge), SlotProfile::Exposure, MAX_MAGNITUDE)];
        assert!(Problem::new(&edge, Slots::Weights(&[MAX_MAGNITUDE])).with_rules(&rules).validate().is_ok());
    }

    #[test]
    fn repeated_members_are_found_in_long_lists() {
        let s = vec![0.0; 100];
        let mut items: Vec<usize> = (0..60).collect();
        items.push(17);
        let rules = [Rule::at_most(Members::Items(&items), SlotProfile::Exposure, 1.0)];
        let err = Problem::new(&s, Slots::Count(5)).with_rules(&rules).validate().unwrap_err();
        assert_eq!(err, ProblemError::RepeatedMember { rule: 0, position: 60, item: 17 });
    }

    /// Member lists of every shape against the definition (the first member out of range,
    /// else the first that repeats an earlier one): sorted lists (the fast path), sorted
    /// ones with one member repeated, moved out of order or out of range, and shuffled ones,
    /// short and long.
    #[test]
    fn member_lists_are_judged_by_the_definition() {
        use crate::synthetic::SplitMix64;
        fn expected(items: &[usize], n: usize) -> Result<(), ProblemError> {
            if let Some(position) = items.iter().position(|&i| i >= n) {
                return Err(ProblemError::MemberOutOfRange { rule: 0, position, item: items[position], n });
            }
            for p in 0..items.len() {
                if items[..p].contains(&items[p]) {
                    return Err(ProblemError::RepeatedMember { rule: 0, position: p, item: items[p] });
                }
            }
            Ok(())
        }
        let mut rng = SplitMix64::new(41);
        let s = vec![0.0; 3000];
        let (mut fast, mut refused) = (0, 0);
        for round in 0..4000 {
            let n = 1 + rng.below(3000);
            let len = [0, 1, 2, 31, 33, 1023, 1024, 1025, 2500][round % 9].min(n);
            let mut items: Vec<usize> = (0..n).filter(|_| rng.below(n) < len).take(len).collect();
            match round / 9 % 6 {
                0 => {}
                1 if items.len() >= 2 => {
                    let (a, b) = (rng.below(items.len()), rng.below(items.len()));
                    items[a] = items[b];
                }
                2 if items.len() >= 2 => {
                    let a = rng.below(items.len() - 1);
                    items.swap(a, a + 1);
                }
                3 if !items.is_empty() => {
                    let a = rng.below(items.len());
                    items[a] = n + rng.below(3);
                }
                4 => {
                    for a in (1..items.len()).rev() {
                        items.swap(a, rng.below(a + 1));
                    }
                }
                _ => {
                    if let Some(&last) = items.last() {
                        items.push(last);
                    }
                }
            }
            let rules = [Rule::at_most(Members::Items(&items), SlotProfile::Exposure, 1.0)];
            let got = Problem::new(&s[..n], Slots::Count(5)).with_rules(&rules).validate();
            assert_eq!(got, expected(&items, n), "round {round}: n = {n}, items = {items:?}");
            fast += usize::from(strictly_increasing(&items) && got.is_ok());
            refused += usize::from(got.is_err());
        }
        assert!(fast > 500 && refused > 1000, "fast path {fast}, refused {refused}");
    }

    #[test]
    fn slate_shrinks_to_the_item_count() {
        let s = [1.0, 2.0];
        assert_eq!(Problem::new(&s, Slots::Count(5)).slate_len(), 2);
        assert_eq!(Problem::new(&s, Slots::Weights(&[1.0])).slate_len(), 1);
        assert!((default_position_weight(0) - 1.0).abs() < 1e-15);
        assert!((default_position_weight(2) - 0.5).abs() < 1e-15);
    }
}
