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

/// Which rule profiles [`random_mixed`] draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleMix {
    /// Exposure rules only (the inner problem is a sort).
    ExposureOnly,
    /// top(d) and exposure rules, caps and minimums.
    Mixed,
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
    let sorted_by = |key: &[f64]| {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
        order
    };
    let (plain, reference) = (sorted_by(&scores), sorted_by(&noisy));
    let mut out = Vec::with_capacity(rules);
    for k in 0..rules {
        let mut in_rule = vec![false; groups];
        for _ in 0..1 + rng.below(3) {
            in_rule[rng.below(groups)] = true;
        }
        let exposure = mix == RuleMix::ExposureOnly || rng.next_f64() < 0.5;
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
