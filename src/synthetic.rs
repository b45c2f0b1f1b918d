//! Synthetic ranking requests for the demo, the benchmarks and the tests: deterministic
//! from a seed, with no dependency on a random-number crate.
//!
//! [`feed_request`] builds a realistic feed request: candidates of a few content types
//! from a few creator groups, some fresh, scored by a simple additive model with noise,
//! and about ten rules of the kinds feeds use (caps on jobs and ads near the top, a
//! minimum of videos, an exposure share for fresh items and for new creators, a soft cap
//! on the biggest creators). [`random_mixed`] builds random group rules mixing top(d) and
//! exposure profiles, caps and minimums, calibrated against the unconstrained ranking so
//! that they bind.

use crate::json::{MembersData, ProblemData, RuleData};
use crate::problem::{default_position_weight, SlotProfile};

/// SplitMix64: a tiny, well-mixed generator, plenty for synthetic data.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_f64() * n as f64) as usize % n
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(1e-300);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Content types of the synthetic feed.
pub const CONTENT_TYPES: [&str; 5] = ["post", "job", "video", "article", "ad"];
/// Creator groups of the synthetic feed.
pub const CREATOR_GROUPS: [&str; 4] = ["top creators", "established", "emerging", "new creators"];

/// A candidate of the synthetic feed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Index into [`CONTENT_TYPES`].
    pub content_type: usize,
    /// Index into [`CREATOR_GROUPS`].
    pub creator_group: usize,
    /// Posted in the last few hours.
    pub fresh: bool,
}

/// A feed request: candidates with their attributes and scores, and the rules.
#[derive(Clone, Debug)]
pub struct FeedRequest {
    /// Attributes of each candidate.
    pub candidates: Vec<Candidate>,
    /// The problem (scores, slots, rules) in owned form.
    pub problem: ProblemData,
}

fn members(candidates: &[Candidate], keep: impl Fn(&Candidate) -> bool) -> MembersData {
    MembersData::Items(candidates.iter().enumerate().filter(|(_, c)| keep(c)).map(|(i, _)| i).collect())
}

fn rule(
    name: &str,
    members: MembersData,
    profile: SlotProfile,
    min: Option<f64>,
    max: Option<f64>,
) -> RuleData {
    RuleData { name: name.to_string(), members, profile, max, min, penalty: None }
}

/// The candidates of a synthetic feed request (attributes only).
pub fn feed_candidates(n: usize, seed: u64) -> Vec<Candidate> {
    let mut rng = SplitMix64::new(seed);
    // Mix of content types and creator groups, roughly like a professional feed.
    let type_share = [0.45, 0.15, 0.15, 0.15, 0.10];
    let group_share = [0.25, 0.35, 0.25, 0.15];
    let pick = |rng: &mut SplitMix64, shares: &[f64]| {
        let mut u = rng.next_f64();
        for (i, s) in shares.iter().enumerate() {
            if u < *s {
                return i;
            }
            u -= s;
        }
        shares.len() - 1
    };
    (0..n)
        .map(|_| Candidate {
            content_type: pick(&mut rng, &type_share),
            creator_group: pick(&mut rng, &group_share),
            fresh: rng.next_f64() < 0.2,
        })
        .collect()
}

/// Scores from a simple additive click model with noise (the demo without a model file).
pub fn heuristic_scores(candidates: &[Candidate], seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED);
    let type_bias = [0.0, 0.35, 0.25, -0.1, 0.45];
    let group_bias = [0.6, 0.2, -0.1, -0.4];
    candidates
        .iter()
        .map(|c| {
            let logit = -1.5 + type_bias[c.content_type] + group_bias[c.creator_group]
                - 0.15 * f64::from(c.fresh)
                + 0.8 * rng.normal();
            1.0 / (1.0 + (-logit).exp())
        })
        .collect()
}

/// The demo's ten rules for `candidates` on a slate of `slots` slots.
pub fn feed_rules(candidates: &[Candidate], slots: usize) -> Vec<RuleData> {
    let exposure: f64 = (0..slots).map(default_position_weight).sum();
    let of_type = |t: usize| members(candidates, move |c| c.content_type == t);
    let of_group = |g: usize| members(candidates, move |c| c.creator_group == g);
    vec![
        rule("jobs: at most 2 in the top 5", of_type(1), SlotProfile::Top(5), None, Some(2.0)),
        rule("jobs: at most 6 on the slate", of_type(1), SlotProfile::WholeSlate, None, Some(6.0)),
        rule("ads: at most 1 in the top 3", of_type(4), SlotProfile::Top(3), None, Some(1.0)),
        rule("ads: 3 to 5 on the slate", of_type(4), SlotProfile::WholeSlate, Some(3.0), Some(5.0)),
        rule("videos: at least 1 in the top 5", of_type(2), SlotProfile::Top(5), Some(1.0), None),
        rule("articles: at most 8 in the top 25", of_type(3), SlotProfile::Top(25), None, Some(8.0)),
        rule(
            "fresh: at least 20% of exposure",
            members(candidates, |c| c.fresh),
            SlotProfile::Exposure,
            Some(0.2 * exposure),
            None,
        ),
        rule(
            "new creators: at least 10% of exposure",
            of_group(3),
            SlotProfile::Exposure,
            Some(0.1 * exposure),
            None,
        ),
        rule("top creators: at most 12 in the top 25", of_group(0), SlotProfile::Top(25), None, Some(12.0)),
        RuleData {
            penalty: Some(0.5),
            ..rule(
                "top creators: at most 35% of exposure (soft)",
                of_group(0),
                SlotProfile::Exposure,
                None,
                Some(0.35 * exposure),
            )
        },
    ]
}

/// The demo's request: `n` candidates, `slots` slots, scored by [`heuristic_scores`].
pub fn feed_request(n: usize, slots: usize, seed: u64) -> FeedRequest {
    let candidates = feed_candidates(n, seed);
    let scores = heuristic_scores(&candidates, seed);
    let rules = feed_rules(&candidates, slots);
    FeedRequest {
        problem: ProblemData { scores, slots: Some(slots), position_weights: None, rules },
        candidates,
    }
}

/// The indices of `key`, largest value first (ties by index): the plain and the reference
/// rankings the generators calibrate bounds between.
fn descending_order(key: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..key.len()).collect();
    order.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
    order
}

/// Which rule profiles [`random_mixed`] draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleMix {
    /// Exposure rules only (the inner problem is a sort).
    ExposureOnly,
    /// top(d) and exposure rules, caps and minimums.
    Mixed,
    /// top(d) rules only (every inner problem is an assignment).
    TopOnly,
}

/// `n` items in 8 random groups, `slots` slots and `rules` random group rules, each over
/// one to three groups. Bounds are set between the value of the unconstrained ranking and
/// that of a reference ranking (the items sorted by a noisy copy of their scores): a cap
/// where the reference is lower, a minimum where it is higher. So every rule binds against
/// the plain sort, and the reference ranking meets all of them: the instance is feasible.
pub fn random_mixed(n: usize, slots: usize, rules: usize, mix: RuleMix, seed: u64) -> ProblemData {
    let mut rng = SplitMix64::new(seed);
    let groups = 8;
    let group: Vec<usize> = (0..n).map(|_| rng.below(groups)).collect();
    let scores: Vec<f64> = group.iter().map(|&g| 0.1 * g as f64 / groups as f64 + rng.normal()).collect();
    let noisy: Vec<f64> = scores.iter().map(|s| s + 1.5 * rng.normal()).collect();
    let m = slots.min(n);
    let w: Vec<f64> = (0..m).map(default_position_weight).collect();
    let (plain, reference) = (descending_order(&scores), descending_order(&noisy));
    let mut out = Vec::with_capacity(rules);
    for k in 0..rules {
        let mut in_rule = vec![false; groups];
        for _ in 0..1 + rng.below(3) {
            in_rule[rng.below(groups)] = true;
        }
        let exposure = match mix {
            RuleMix::ExposureOnly => true,
            RuleMix::TopOnly => false,
            RuleMix::Mixed => rng.next_f64() < 0.5,
        };
        let depth = 1 + rng.below(m);
        let weight = |j: usize| if exposure { w[j] } else { f64::from(j < depth) };
        let value = |order: &[usize]| (0..m).filter(|&j| in_rule[group[order[j]]]).map(weight).sum::<f64>();
        let (current, target) = (value(&plain), value(&reference));
        let r = rng.next_f64();
        let (min, max) = if target <= current {
            let cap = target + (current - target) * 0.5 * r;
            (None, Some(if exposure { cap } else { cap.floor() }))
        } else {
            let floor = target - (target - current) * 0.5 * r;
            (Some(if exposure { floor } else { floor.ceil() }), None)
        };
        out.push(RuleData {
            name: format!("r{k}"),
            members: MembersData::Items((0..n).filter(|&i| in_rule[group[i]]).collect()),
            profile: if exposure { SlotProfile::Exposure } else { SlotProfile::Top(depth) },
            max,
            min,
            penalty: None,
        });
    }
    ProblemData { scores, slots: Some(slots), position_weights: None, rules: out }
}

/// The instance families of the benchmark grid and the property tests: rule sets shaped
/// the way feeds shape them, each drawn from a seed. [`random_mixed`] (8 groups, rules over
/// one to three of them) is the older generator; these add the shapes it never makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `K` groups that partition the items (every item in exactly one), one rule per group.
    Partition,
    /// `K` groups, every item in 0 to 3 of them, one rule per group.
    Overlapping,
    /// Real coefficients of both signs (a quality or a cost per item), each rule over a
    /// random half of the items: every item has its own coefficient pattern.
    RealCoefficients,
    /// The demo's feed request ([`feed_request`]): its ten rules whatever `K`.
    Feed,
}

impl Family {
    /// Every family, in the grid's order. (A function, not an associated constant: cbindgen
    /// would put a constant into the C header.)
    pub const fn all() -> [Family; 4] {
        [Family::Partition, Family::Overlapping, Family::RealCoefficients, Family::Feed]
    }

    /// The family's name in `lprank generate --kind` and the grid's tables.
    pub fn name(self) -> &'static str {
        match self {
            Family::Partition => "partition",
            Family::Overlapping => "overlapping",
            Family::RealCoefficients => "real",
            Family::Feed => "feed",
        }
    }

    /// The family named `name` (see [`Family::name`]).
    pub fn from_name(name: &str) -> Option<Family> {
        Family::all().into_iter().find(|f| f.name() == name)
    }
}

/// An instance of `family`: `n` items, `slots` slots and `rules` rules of the profiles
/// `mix` allows (the feed family ignores `rules` and `mix`). Rules alternate top(d), with a
/// random depth in `1..=m`, and exposure (under [`RuleMix::Mixed`]). Each bound is set
/// between the rule's value for the plain sort and its value for a reference ranking (the
/// items sorted by a noisy copy of the scores): a cap where the sort over-serves the rule,
/// a minimum where it under-serves it, and about one rule in seven two-sided around the
/// reference. The reference ranking meets every rule, so every instance is feasible, and
/// most rules bind against the sort.
pub fn family_instance(
    family: Family,
    n: usize,
    slots: usize,
    rules: usize,
    mix: RuleMix,
    seed: u64,
) -> ProblemData {
    if family == Family::Feed {
        return feed_request(n, slots, seed).problem;
    }
    let mut rng = SplitMix64::new(seed ^ 0x0FA3_11E5);
    let m = slots.min(n);
    let k = rules;
    // Coefficients per rule (dense), and a per-item score bias from its rules.
    let mut coef = vec![0.0; k * n];
    match family {
        Family::Partition => {
            for i in 0..n {
                coef[rng.below(k.max(1)) * n + i] = 1.0;
            }
        }
        Family::Overlapping => {
            for i in 0..n {
                for _ in 0..rng.below(4) {
                    coef[rng.below(k.max(1)) * n + i] = 1.0;
                }
            }
        }
        Family::RealCoefficients => {
            for r in 0..k {
                for i in 0..n {
                    if rng.next_f64() < 0.5 {
                        coef[r * n + i] = 0.3 + rng.normal();
                    }
                }
            }
        }
        Family::Feed => unreachable!("handled above"),
    }
    let bias: Vec<f64> = (0..k).map(|_| 0.3 * rng.normal()).collect();
    let scores: Vec<f64> =
        (0..n).map(|i| rng.normal() + (0..k).map(|r| bias[r] * coef[r * n + i]).sum::<f64>()).collect();
    let noisy: Vec<f64> = scores.iter().map(|s| s + 1.5 * rng.normal()).collect();
    let w: Vec<f64> = (0..m).map(default_position_weight).collect();
    let (plain, reference) = (descending_order(&scores), descending_order(&noisy));
    let integral = family != Family::RealCoefficients;
    let mut out = Vec::with_capacity(k);
    for r in 0..k {
        let a = &coef[r * n..(r + 1) * n];
        let exposure = match mix {
            RuleMix::ExposureOnly => true,
            RuleMix::TopOnly => false,
            RuleMix::Mixed => r % 2 == 1,
        };
        let depth = 1 + rng.below(m);
        let weight = |j: usize| if exposure { w[j] } else { f64::from(j < depth) };
        let value = |order: &[usize]| (0..m).map(|j| a[order[j]] * weight(j)).sum::<f64>();
        let (current, target) = (value(&plain), value(&reference));
        let gap = (current - target).abs();
        let r1 = rng.next_f64();
        // Counts get whole-number bounds on the reference's side (a cap rounded down, a
        // minimum up; the reference's own count is whole, so it still meets them).
        let whole = integral && !exposure;
        let round_cap = |x: f64| if whole { x.floor() } else { x };
        let round_min = |x: f64| if whole { x.ceil() } else { x };
        let (min, max) = if rng.next_f64() < 0.15 {
            let half = 0.25 * gap + 0.05 * target.abs();
            (Some(round_min(target - half)), Some(round_cap(target + half)))
        } else if target <= current {
            (None, Some(round_cap(target + (current - target) * 0.5 * r1)))
        } else {
            (Some(round_min(target - (target - current) * 0.5 * r1)), None)
        };
        out.push(RuleData {
            name: format!("r{r}"),
            members: if integral {
                MembersData::Items((0..n).filter(|&i| a[i] != 0.0).collect())
            } else {
                MembersData::Coefficients(a.to_vec())
            },
            profile: if exposure { SlotProfile::Exposure } else { SlotProfile::Top(depth) },
            max,
            min,
            penalty: None,
        });
    }
    ProblemData { scores, slots: Some(slots), position_weights: None, rules: out }
}

/// Model features of a feed request for the bundled `feed-dcn` model (FORMAT.md inputs, as
/// the training simulator defines them): one engineer on desktop at 20:00, and per
/// candidate its age (fresh: under 6 hours), length, creator followers and prior CTR by
/// creator group, content type, creator group, topic, item and creator ids.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedFeatures {
    /// `user_activity, user_tenure, hour_sin, hour_cos`.
    pub request_dense: Vec<f32>,
    /// `user_segment, user_topic, device`.
    pub request_ids: Vec<u64>,
    /// Per candidate: `item_age, item_length, creator_followers, item_prior_ctr`.
    pub item_dense: Vec<f32>,
    /// Per candidate: `content_type, creator_group, item_topic, item_id, creator_id`.
    pub item_ids: Vec<u64>,
}

/// Features for `candidates` (see [`FeedFeatures`]), deterministic in `seed`.
pub fn feed_features(candidates: &[Candidate], seed: u64) -> FeedFeatures {
    let mut rng = SplitMix64::new(seed ^ 0xFEA7);
    let hour = 20.0f64 * std::f64::consts::TAU / 24.0;
    let request_dense = vec![0.3, 0.1, hour.sin() as f32, hour.cos() as f32];
    let request_ids = vec![4, 5, 2]; // engineer, topic 5, desktop
    let log_followers = [11.0, 8.5, 6.0, 3.5];
    let quality = [0.45, 0.15, 0.0, -0.15];
    let mut item_dense = Vec::with_capacity(4 * candidates.len());
    let mut item_ids = Vec::with_capacity(5 * candidates.len());
    for c in candidates {
        let age_h = if c.fresh { 6.0 * rng.next_f64() } else { 6.0 + 162.0 * rng.next_f64() };
        let g = c.creator_group;
        item_dense.extend([
            ((age_h.ln_1p() / 168f64.ln_1p()) * 2.0 - 1.0) as f32,
            rng.normal() as f32,
            ((log_followers[g] + rng.normal() - 7.0) / 3.0) as f32,
            (quality[g] + 0.5 * rng.normal()) as f32,
        ]);
        let topic = if rng.next_f64() < 0.3 { 5 } else { rng.below(24) as u64 };
        item_ids.extend([
            c.content_type as u64,
            g as u64,
            topic,
            rng.below(30_000) as u64,
            rng.below(3_000) as u64,
        ]);
    }
    FeedFeatures { request_dense, request_ids, item_dense, item_ids }
}
