//! The validated problem in the form the solver works on: the slate length, the weights,
//! the items that survive screening and, per rule, its slot profile, bounds and the
//! coefficients of the kept items.
//!
//! A ranking is a list of kept-item positions, one per slot. The value of rule `k` for a
//! ranking `σ` is `V_k(σ) = Σ_j a_k[σ(j)] · v_kj` with `v_kj = w_j` (exposure) or
//! `[j < d_k]` (top(d); the whole slate is top(m)).

use super::coefficients::ItemCoefficients;
use super::screen::{Favour, Screen};
use crate::problem::{Problem, SlotProfile};

/// One rule, normalised.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModelRule {
    /// `Some(d)` for top(d) (clamped to the slate), `None` for exposure.
    pub depth: Option<usize>,
    pub max: Option<f64>,
    pub min: Option<f64>,
    /// `ρ`, or `+∞` for a hard rule.
    pub penalty: f64,
    /// Absolute feasibility tolerance: `feasibility_tolerance · max(1, |bounds|)`.
    pub tol: f64,
}

impl ModelRule {
    pub(crate) fn is_hard(&self) -> bool {
        self.penalty.is_infinite()
    }

    /// `b_k(y)`: the bound a signed dual `y` prices (max for `y > 0`, min for `y < 0`).
    pub(crate) fn priced_bound(&self, y: f64) -> f64 {
        if y > 0.0 {
            y * self.max.unwrap_or(0.0)
        } else if y < 0.0 {
            y * self.min.unwrap_or(0.0)
        } else {
            0.0
        }
    }

    /// `max(0, v − max) + max(0, min − v)`.
    pub(crate) fn violation(&self, value: f64) -> f64 {
        let over = self.max.map_or(0.0, |b| (value - b).max(0.0));
        let under = self.min.map_or(0.0, |b| (b - value).max(0.0));
        over + under
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Model {
    /// Items in the problem.
    pub n: usize,
    /// Slots on the slate, `min(m, n)`.
    pub m: usize,
    /// Position weights of the slate's slots.
    pub w: Vec<f64>,
    /// Original index of each kept item, ascending.
    pub kept: Vec<usize>,
    /// Scores of the kept items.
    pub scores: Vec<f64>,
    pub rules: Vec<ModelRule>,
    /// `a_k[t]` for rule `k` and kept item `t`, row-major (`rules × kept`).
    pub coef: Vec<f64>,
    /// `Σ_j w_j · max_i |s_i| + Σ_soft ρ_k (Σ_j v_kj · max_i |a_ki| + |b_k|)`: the size the
    /// objective's terms can reach, the floor of the scale relative gaps are measured on.
    pub scale: f64,
    /// The rules' coefficients over all items (membership bits for item lists).
    all_coef: ItemCoefficients,
    favour: Vec<Favour>,
    screen: Screen,
}

impl Model {
    /// Rebuilds the model for a validated `problem`, reusing every buffer.
    pub(crate) fn build(&mut self, problem: &Problem<'_>, feasibility_tolerance: f64) {
        self.screen(problem);
        self.build_kept(problem, feasibility_tolerance);
    }

    /// First half of [`Model::build`]: the weights, the rules' coefficients over all items
    /// and static screening, which fills `kept` (so that the caller can check the memory
    /// the kept items will need before [`Model::build_kept`] sizes their buffers).
    pub(crate) fn screen(&mut self, problem: &Problem<'_>) {
        let n = problem.item_count();
        let m = problem.slate_len();
        let k = problem.rules.len();
        self.reserve(n, m, k);
        self.n = n;
        self.m = m;
        self.w.clear();
        self.w.extend((0..m).map(|j| problem.position_weight(j)));

        self.all_coef.build(n, problem.rules);
        self.favour.clear();
        self.favour.extend(problem.rules.iter().map(|r| match (r.min, r.max) {
            (None, _) => Favour::Smaller,
            (_, None) => Favour::Larger,
            _ => Favour::Equal,
        }));
        let coef = self.all_coef.view(problem.rules);
        self.screen.keep_undominated(problem.scores, &coef, &self.favour, m + 1, &mut self.kept);
    }

    /// Second half of [`Model::build`], after [`Model::screen`]: the kept items' scores and
    /// coefficients, the normalised rules and the scale.
    pub(crate) fn build_kept(&mut self, problem: &Problem<'_>, feasibility_tolerance: f64) {
        let k = problem.rules.len();
        // Sized by what screening kept, not by n (see memory.rs).
        self.reserve_kept(self.kept.len(), k);
        let all_coef = self.all_coef.view(problem.rules);
        let kept = &self.kept;
        self.scores.clear();
        self.scores.extend(kept.iter().map(|&i| problem.scores[i]));
        self.coef.clear();
        for r in 0..k {
            all_coef.gather(r, kept, &mut self.coef);
        }
        self.rules.clear();
        self.rules.extend(problem.rules.iter().map(|rule| {
            let magnitude = rule.max.unwrap_or(0.0).abs().max(rule.min.unwrap_or(0.0).abs());
            ModelRule {
                depth: match rule.profile {
                    SlotProfile::Exposure => None,
                    other => problem.depth_of(other),
                },
                max: rule.max,
                min: rule.min,
                penalty: rule.penalty.unwrap_or(f64::INFINITY),
                tol: feasibility_tolerance * magnitude.max(1.0),
            }
        }));
        let max_score = problem.scores.iter().fold(0.0f64, |a, s| a.max(s.abs()));
        let total_weight: f64 = self.w.iter().sum();
        // Soft rules add penalty terms to the objective: their largest possible size counts
        // too, or a problem whose scores or weights are all zero would have no scale at all.
        let penalties: f64 = (0..k)
            .filter(|&r| !self.rules[r].is_hard())
            .map(|r| {
                let rule = &self.rules[r];
                let slots = match rule.depth {
                    None => total_weight,
                    Some(d) => d as f64,
                };
                let coef = all_coef.max_abs(r);
                let bound = rule.max.unwrap_or(0.0).abs().max(rule.min.unwrap_or(0.0).abs());
                rule.penalty * (slots * coef + bound)
            })
            .sum();
        self.scale = total_weight * max_score + penalties;
    }

    /// Reserves every buffer sized by `n` items, `m` slots and `k` rules (the kept items'
    /// buffers are reserved once screening has counted them).
    pub(crate) fn reserve(&mut self, n: usize, m: usize, k: usize) {
        use super::workspace::reserve;
        reserve(&mut self.w, m);
        reserve(&mut self.kept, n);
        reserve(&mut self.rules, k);
        self.all_coef.reserve(n, k);
        reserve(&mut self.favour, k);
        self.screen.reserve(n, k);
    }

    /// Reserves the kept items' buffers for `kept` items and `k` rules.
    pub(crate) fn reserve_kept(&mut self, kept: usize, k: usize) {
        use super::workspace::reserve;
        reserve(&mut self.scores, kept);
        reserve(&mut self.coef, k * kept);
    }

    /// The number of distinct coefficient patterns (bit for bit) among the kept items, when
    /// screening counted them.
    pub(crate) fn kept_patterns(&self) -> Option<usize> {
        self.screen.kept_patterns()
    }

    pub(crate) fn kept_len(&self) -> usize {
        self.kept.len()
    }

    /// Coefficients of rule `k` over the kept items.
    pub(crate) fn rule_coef(&self, k: usize) -> &[f64] {
        let t = self.kept.len();
        &self.coef[k * t..(k + 1) * t]
    }

    /// `Σ_j s[σ(j)] w_j`.
    pub(crate) fn ranking_score(&self, ranking: &[usize]) -> f64 {
        ranking.iter().zip(&self.w).map(|(&t, &w)| self.scores[t] * w).sum()
    }

    /// `V_k(σ)` for every rule, into `out`.
    pub(crate) fn rule_values(&self, ranking: &[usize], out: &mut [f64]) {
        for (k, (rule, v)) in self.rules.iter().zip(out.iter_mut()).enumerate() {
            let a = self.rule_coef(k);
            *v = match rule.depth {
                None => ranking.iter().zip(&self.w).map(|(&t, &w)| a[t] * w).sum(),
                Some(d) => ranking[..d].iter().map(|&t| a[t]).sum(),
            };
        }
    }
}
