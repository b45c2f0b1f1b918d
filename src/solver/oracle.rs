//! The inner problem of the dual method: for signed rule duals `y`, find the ranking that
//! maximises `Σ_j c(σ(j), j)` with the reduced values
//!
//! ```text
//!     c(i, j) = u_i · w_j − q_i(j),   u_i = s_i − Σ_{k exposure} y_k a_ki,
//!                                     q_i(j) = Σ_{k top(d_k), d_k > j} y_k a_ki.
//! ```
//!
//! When no top(d) rule has a non-zero dual, `q = 0` and the best ranking is the items
//! sorted by `u` (docs/design.md F2, [`super::oracle_sort`]). Otherwise the slots split into
//! bands at the distinct depths, `q_i` is constant inside a band, and the problem is an
//! assignment of slots to items (F3): over coefficient patterns when the kept items fall
//! into few of them ([`super::oracle_patterns`]: a search touches one item per pattern),
//! otherwise over each slot's best candidates ([`super::oracle_assign`]).
//!
//! Besides the ranking, the oracle returns optimal duals of the inner assignment LP: slot
//! duals `β_j` and item duals `α_i ≥ 0` with `α_i + β_j ≥ c(i, j)` for *every* item —
//! including the ones screened out before the solve — and `Σ α + Σ β` equal to the
//! ranking's value. They make the certificate of docs/design.md F6.

use super::model::Model;
use super::oracle_patterns::Patterns;
use super::tuning::MAX_PATTERNS_PER_SLOT;
use super::workspace::{grow, reset, resize};
use super::{oracle_assign, oracle_patterns, oracle_sort};

/// Buffers of the inner solve, reused across calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct Oracle {
    /// Kept-item position for each slot of the best ranking.
    pub ranking: Vec<usize>,
    /// `β_j`, filled when duals were asked for.
    pub slot_dual: Vec<f64>,
    /// `α_t` per kept item, filled when duals were asked for.
    pub item_dual: Vec<f64>,
    /// `u_t` per kept item.
    pub(crate) reduced_score: Vec<f64>,
    /// Band boundaries: band `b` covers slots `[end[b-1], end[b])` (with `end[-1] = 0`).
    pub(crate) band_end: Vec<usize>,
    /// Band of each slot.
    pub(crate) band_of_slot: Vec<usize>,
    /// `q_t` per kept item and band, item-major (`kept × bands`).
    pub(crate) band_penalty: Vec<f64>,
    /// Per band: its slots' largest and smallest weight and least `β` (`duals_cover`).
    band_bounds: Vec<(f64, f64, f64)>,
    /// The rules with a dual as `duals_cover` reads them: (last band covered, or
    /// `usize::MAX` for an exposure rule; rule; dual).
    cover_rules: Vec<(usize, usize, f64)>,
    pub(crate) scratch: oracle_assign::Scratch,
    pub(crate) patterns: Patterns,
    /// The best item left out of the ranking (for the last slot), if any.
    pub runner_up: Option<usize>,
    pub(crate) order: Vec<usize>,
    /// The last sort's ranking and runner-up: `m + 1` distinct kept items whose current `u`
    /// bound the `(m + 1)`-th best from below (`oracle_sort.rs`).
    pub(crate) sort_hint: Vec<usize>,
    /// The kept items whose `item_dual` the last call may have set: the next call clears
    /// those instead of all `kept` entries.
    dual_set: Vec<usize>,
    /// What the last call solved, so that a caller can reuse its answer (see
    /// [`Oracle::holds_full_solve`]).
    last: LastCall,
}

/// The inputs of the last [`Oracle::solve`] that its outputs depend on.
#[derive(Clone, Debug, Default)]
struct LastCall {
    /// Over every kept item (not a working set).
    every_item: bool,
    with_scores: bool,
    duals: bool,
    /// Whether there was a call in this solve (`forget_warm_start` clears it).
    solved: bool,
    y: Vec<f64>,
}

/// What one inner solve found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Inner {
    /// `max_σ Σ_j c(σ(j), j)`.
    pub value: f64,
    /// Whether the assignment path ran (top(d) rules with non-zero duals).
    pub assignment: bool,
    /// Whether that assignment started from warm potentials (see `oracle_assign.rs`).
    pub warm: bool,
    /// Whether it ran over coefficient patterns (`oracle_patterns.rs`).
    pub patterns: bool,
}

impl Oracle {
    /// Solves the inner problem for duals `y` (one per rule) over the kept items listed in
    /// `items` (ascending; the working set, at least `m` of them). `with_scores = false`
    /// drops `s` (phase 1 looks for feasibility only). `duals` asks for `α` and `β` too
    /// (`α = 0` for items outside `items`).
    pub(crate) fn solve(
        &mut self,
        model: &Model,
        items: &[usize],
        y: &[f64],
        with_scores: bool,
        duals: bool,
    ) -> Inner {
        // What this call solves, recorded first (the record does not depend on the answer).
        // `items` lists distinct kept items, so all of them when it is as long.
        self.last.every_item = items.len() == model.kept_len();
        self.last.with_scores = with_scores;
        self.last.duals = duals;
        self.last.solved = true;
        self.last.y.clear();
        self.last.y.extend_from_slice(y);
        let kept = model.kept_len();
        let any_top = self.set_up(model, items, y, with_scores);
        if duals {
            if self.item_dual.len() == kept {
                for &t in &self.dual_set {
                    self.item_dual[t] = 0.0;
                }
            } else {
                reset(&mut self.item_dual, kept, 0.0);
            }
            self.dual_set.clear();
            reset(&mut self.slot_dual, model.m, 0.0);
        }
        reset(&mut self.ranking, model.m, 0);
        if !any_top {
            let value = oracle_sort::best_ranking(self, model, items, duals);
            return Inner { value, assignment: false, warm: false, patterns: false };
        }
        // Screening counted the kept items' patterns; only without it are they sorted here.
        let patterns = match model.kept_patterns() {
            Some(count) => count,
            None => self.patterns.count(model),
        };
        if patterns <= MAX_PATTERNS_PER_SLOT * model.m {
            let value = oracle_patterns::best_ranking(self, model, items, duals);
            return Inner { value, assignment: true, warm: false, patterns: true };
        }
        let (value, warm) = oracle_assign::best_ranking(self, model, items, duals);
        Inner { value, assignment: true, warm, patterns: false }
    }

    /// Sets up `u` and the bands' penalties (`reduced_value`) for the items of `items` at
    /// `y`; returns whether some top(d) rule has a non-zero dual (else one band without
    /// penalties, and the best ranking is a sort).
    pub(crate) fn set_up(&mut self, model: &Model, items: &[usize], y: &[f64], with_scores: bool) -> bool {
        let kept = model.kept_len();
        // Only the listed items are set up: the working set is a few thousand items at most
        // while `kept` can be all 100,000 candidates (real-valued coefficients screen out
        // almost none), and this runs for every inner solve.
        // When `items` is every kept item (ascending and distinct, so as long means all),
        // the same operations run as dense loops the compiler vectorises: the ranking loop
        // prices all kept items ~80 times a solve, and gathers through `items` cost it a
        // third more time at 1000×50.
        let every_item = items.len() == kept;
        resize(&mut self.reduced_score, kept);
        match (every_item, with_scores) {
            (true, true) => self.reduced_score.copy_from_slice(&model.scores),
            (true, false) => self.reduced_score.fill(0.0),
            (false, true) => items.iter().for_each(|&t| self.reduced_score[t] = model.scores[t]),
            (false, false) => items.iter().for_each(|&t| self.reduced_score[t] = 0.0),
        }
        let mut any_top = false;
        for (k, rule) in model.rules.iter().enumerate() {
            if y[k] == 0.0 {
                continue;
            }
            match rule.depth {
                None => {
                    let a = model.rule_coef(k);
                    if every_item {
                        for (u, &a) in self.reduced_score.iter_mut().zip(a) {
                            *u -= y[k] * a;
                        }
                    } else {
                        for &t in items {
                            self.reduced_score[t] -= y[k] * a[t];
                        }
                    }
                }
                Some(_) => any_top = true,
            }
        }
        if any_top {
            self.build_bands(model, y, items);
        } else {
            // One band without penalties, so that `reduced_value` serves both paths.
            self.band_end.clear();
            self.band_end.push(model.m);
            reset(&mut self.band_of_slot, model.m, 0);
            grow(&mut self.band_penalty, kept);
            if every_item {
                self.band_penalty[..kept].fill(0.0);
            } else {
                items.iter().for_each(|&t| self.band_penalty[t] = 0.0);
            }
        }
        any_top
    }

    /// Forgets what earlier inner solves learned (see [`oracle_assign::Scratch::forget_warm_start`]),
    /// and the record of the last call: called when a solve begins.
    pub(crate) fn forget_warm_start(&mut self) {
        self.scratch.forget_warm_start();
        self.patterns.forget();
        // Every solve calls the oracle before `finish` (which overwrites the record), but
        // no path should ever be able to reuse another problem's answer.
        self.last.solved = false;
    }

    /// Reserves every buffer for `m` slots, `kept` items and `rules` rules; the assignment's
    /// only when `assignment` (some rule counts leading slots).
    pub(crate) fn reserve(&mut self, m: usize, kept: usize, rules: usize, assignment: bool) {
        use super::workspace::reserve;
        reserve(&mut self.ranking, m);
        reserve(&mut self.slot_dual, m);
        reserve(&mut self.item_dual, kept);
        reserve(&mut self.reduced_score, kept);
        reserve(&mut self.band_end, rules + 1);
        reserve(&mut self.band_bounds, rules + 1);
        reserve(&mut self.cover_rules, rules);
        reserve(&mut self.last.y, rules);
        reserve(&mut self.band_of_slot, m);
        reserve(&mut self.band_penalty, kept * (rules + 1));
        reserve(&mut self.order, kept);
        reserve(&mut self.sort_hint, m + 1);
        // The most item duals one call sets: a ranking's, or every assignment candidate's.
        let candidates = kept.min(m * (m + 1)).max(m + 1);
        reserve(&mut self.dual_set, if assignment { candidates } else { m });
        if assignment {
            self.scratch.reserve(m, kept);
            self.patterns.reserve(m, kept, rules + 1);
        }
    }

    /// Whether the oracle still holds the answer (ranking and duals) of a solve over
    /// every kept item at exactly `y`, with scores and duals: a caller about to ask for the
    /// same solve can use it instead (`finish` after the working-set check). Any later
    /// call overwrites the record, so a stale answer is never taken for a fresh one.
    pub(crate) fn holds_full_solve(&self, y: &[f64]) -> bool {
        let last = &self.last;
        let same_y = last.y.len() == y.len() && last.y.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits());
        last.solved && last.every_item && last.with_scores && last.duals && same_y
    }

    /// Whether the duals of the last solve (over some items, asked with duals, at `y` and
    /// `with_scores`) are feasible for every kept item outside `working` as well, with
    /// `α_t = 0`: `c(t, j) ≤ β_j + tolerance` in every slot. Then the last ranking is a best
    /// ranking over all kept items (its value meets the dual bound), the duals certify it,
    /// and the record says so (`holds_full_solve`). This is the working set's check without
    /// a solve over every kept item (`working_set.rs`).
    ///
    /// Per band the test is `max_{j ∈ band} (u_t w_j − β_j) ≤ q_t`, and the left side is
    /// at most `max(u_t w_max, u_t w_min) − β_min` over the band. The bands are taken from
    /// the last, so that each band's `q` adds the rules whose depth first reaches it, in
    /// dense passes over the kept items; a band is done when that bound holds for every
    /// item (the largest bound, in one pass), and only items over it are compared slot by
    /// slot. (At 100,000 kept items and 11 bands: setting up `u` and every band's `q` per
    /// item as a solve does, then checking item by item, took 38M instructions; item by
    /// item over the bands 31M; dense passes with a mask per item 26M.)
    pub(crate) fn duals_cover(
        &mut self,
        model: &Model,
        working: &[usize],
        y: &[f64],
        with_scores: bool,
        tolerance: f64,
    ) -> bool {
        debug_assert!(self.last.solved && self.last.duals && self.last.with_scores == with_scores);
        debug_assert!(self.last.y.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits()));
        // The bands are the last solve's (the same `y`).
        let bands = self.band_end.len();
        self.band_bounds.clear();
        let mut start = 0;
        for &end in &self.band_end {
            let slots = start..end;
            let w = &model.w[slots.clone()];
            let w_max = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let w_min = w.iter().copied().fold(f64::INFINITY, f64::min);
            let beta_min = self.slot_dual[slots].iter().copied().fold(f64::INFINITY, f64::min);
            self.band_bounds.push((w_max, w_min, beta_min));
            start = end;
        }
        // Rules with a dual: exposure rules (`u`), and top(d) rules by the last band they
        // cover (a depth-d rule covers the bands that end at or before d), last band first.
        self.cover_rules.clear();
        for (k, rule) in model.rules.iter().enumerate() {
            if y[k] == 0.0 {
                continue;
            }
            let last_band = match rule.depth {
                None => usize::MAX,
                Some(d) => match self.band_end.partition_point(|&end| end <= d) {
                    0 => continue,
                    covered => covered - 1,
                },
            };
            self.cover_rules.push((last_band, k, y[k]));
        }
        self.cover_rules.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let exposure = self.cover_rules.partition_point(|r| r.0 == usize::MAX);
        let kept = model.kept_len();
        debug_assert!(self.reduced_score.len() >= kept && self.band_penalty.len() >= kept);
        // `u` of every kept item into `reduced_score` and each band's `q` into the first
        // `kept` entries of `band_penalty`, in dense passes; the solve they came from is
        // finished and the next one sets both up again.
        let u = &mut self.reduced_score[..kept];
        if with_scores {
            u.copy_from_slice(&model.scores);
        } else {
            u.fill(0.0);
        }
        for &(_, k, yk) in &self.cover_rules[..exposure] {
            for (u, &a) in u.iter_mut().zip(&model.coef[k * kept..(k + 1) * kept]) {
                *u -= yk * a;
            }
        }
        let q = &mut self.band_penalty[..kept];
        q.fill(0.0);
        // The working set's items are not checked: a `q` of +∞ keeps their bound at −∞
        // through every band (the rules add finite numbers to it).
        for &t in working {
            q[t] = f64::INFINITY;
        }
        let mut next = exposure;
        for b in (0..bands).rev() {
            while next < self.cover_rules.len() && self.cover_rules[next].0 == b {
                let (_, k, yk) = self.cover_rules[next];
                for (q, &a) in q.iter_mut().zip(&model.coef[k * kept..(k + 1) * kept]) {
                    *q += yk * a;
                }
                next += 1;
            }
            let (w_max, w_min, beta_min) = self.band_bounds[b];
            // `max(u w_max, u w_min) − q` per item; `if a > b { a } else { b }` is the
            // vector max instruction's own rule, so the loop vectorises.
            let reach = |u: f64, q: f64| {
                let (high, low) = (u * w_max, u * w_min);
                (if high > low { high } else { low }) - q
            };
            let mut worst = [f64::NEG_INFINITY; 4];
            for (u, q) in u.chunks_exact(4).zip(q.chunks_exact(4)) {
                for lane in 0..4 {
                    let v = reach(u[lane], q[lane]);
                    worst[lane] = if v > worst[lane] { v } else { worst[lane] };
                }
            }
            let tail = kept / 4 * 4;
            let worst = u[tail..]
                .iter()
                .zip(&q[tail..])
                .map(|(&u, &q)| reach(u, q))
                .chain(worst)
                .fold(f64::NEG_INFINITY, f64::max);
            if worst - beta_min <= tolerance {
                continue;
            }
            // Some item's bound is loose: compare those items slot by slot.
            let start = if b == 0 { 0 } else { self.band_end[b - 1] };
            let slots = start..self.band_end[b];
            for t in 0..kept {
                if !(reach(u[t], q[t]) - beta_min <= tolerance) {
                    let violated =
                        slots.clone().any(|j| !(u[t] * model.w[j] - q[t] - self.slot_dual[j] <= tolerance));
                    if violated {
                        return false;
                    }
                }
            }
        }
        self.last.every_item = true;
        true
    }

    /// Sets `α_t` (the inner assignment's dual of kept item `t`) and remembers `t`, so that
    /// the next call clears it.
    pub(crate) fn set_item_dual(&mut self, t: usize, alpha: f64) {
        self.item_dual[t] = alpha;
        self.dual_set.push(t);
    }

    /// Band boundaries, and the penalty per band of each item in `items` (the other kept
    /// items' rows are left as they were: [`Oracle::reduced_value`] holds for `items` only).
    pub(crate) fn build_bands(&mut self, model: &Model, y: &[f64], items: &[usize]) {
        self.band_end.clear();
        for (k, rule) in model.rules.iter().enumerate() {
            if let (Some(d), true) = (rule.depth, y[k] != 0.0) {
                self.band_end.push(d);
            }
        }
        self.band_end.push(model.m);
        self.band_end.sort_unstable();
        self.band_end.dedup();
        let bands = self.band_end.len();
        self.band_of_slot.clear();
        let mut start = 0;
        for (b, &end) in self.band_end.iter().enumerate() {
            self.band_of_slot.extend(std::iter::repeat_n(b, end - start));
            start = end;
        }
        let kept = model.kept_len();
        // Dense loops when `items` is every kept item, as in `solve`.
        let every_item = items.len() == kept;
        grow(&mut self.band_penalty, kept * bands);
        if every_item {
            self.band_penalty[..kept * bands].fill(0.0);
        } else {
            for &t in items {
                self.band_penalty[t * bands..(t + 1) * bands].fill(0.0);
            }
        }
        for (k, rule) in model.rules.iter().enumerate() {
            let Some(d) = rule.depth else { continue };
            if y[k] == 0.0 {
                continue;
            }
            // A rule of depth d penalises every band that ends at or before d.
            let covered = self.band_end.partition_point(|&end| end <= d);
            let a = model.rule_coef(k);
            if every_item {
                for (pen, &a) in self.band_penalty.chunks_exact_mut(bands).zip(a) {
                    for p in &mut pen[..covered] {
                        *p += y[k] * a;
                    }
                }
            } else {
                for &t in items {
                    for p in &mut self.band_penalty[t * bands..t * bands + covered] {
                        *p += y[k] * a[t];
                    }
                }
            }
        }
    }

    /// `c(t, j)` for kept item `t` and slot `j`, for an item of the last [`Oracle::solve`]'s
    /// `items` (which set up `u` and the bands for those alone).
    #[inline]
    pub(crate) fn reduced_value(&self, model: &Model, t: usize, j: usize) -> f64 {
        let bands = self.band_end.len();
        self.reduced_score[t] * model.w[j] - self.band_penalty[t * bands + self.band_of_slot[j]]
    }
}
