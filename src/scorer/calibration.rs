//! Isotonic calibration of the ranking logit (LiRank Eq. 1; FORMAT.md §10), served through
//! stored prefix sums, and the sigmoid.
//!
//! With boundaries `t_0 < … < t_B`, slopes `slope_i ≥ 0` and prefix values `P_i` (the
//! calibrated logit at `t_i`):
//!
//! ```text
//!   c(s) = P_0                            if s ≤ t_0
//!        = P_B                            if s ≥ t_B
//!        = P_i + slope_i · (s − t_i)      else, i = the largest index with t_i ≤ s
//!   p    = sigmoid(c) = 1 / (1 + exp(−c))
//! ```
//!
//! The stored `P_i` is the model (not a re-accumulation of the slopes); at load it is only
//! checked against the slopes to `1e-5 · max(1, |P_{i+1}|)`.

use super::model::ModelError;

/// Up to this many buckets the bucket of a logit is found by counting the boundaries below
/// it, a branch-free pass that vectorises, instead of a binary search: on feed-dcn's 32
/// buckets the search's branches, taken at random by the logits, were about 4 % of f32
/// scoring, and 64 compares cost less than one mispredicted branch.
const COUNTED_BUCKETS: usize = 64;

/// The fitted calibration map.
#[derive(Clone, Debug)]
pub(crate) struct Calibration {
    boundaries: Vec<f32>,
    slopes: Vec<f32>,
    prefix: Vec<f32>,
}

impl Calibration {
    /// Validates the three tensors (lengths were checked by the loader: B+1, B, B+1).
    pub(crate) fn new(boundaries: Vec<f32>, slopes: Vec<f32>, prefix: Vec<f32>) -> Result<Self, ModelError> {
        for i in 0..slopes.len() {
            if boundaries[i + 1] <= boundaries[i] {
                return Err(ModelError::Calibration(format!(
                    "calibration.boundaries must be strictly increasing: element {} ({}) ≤ element {i} ({})",
                    i + 1,
                    boundaries[i + 1],
                    boundaries[i]
                )));
            }
            if slopes[i] < 0.0 {
                return Err(ModelError::Calibration(format!(
                    "calibration.slopes: element {i} is negative ({})",
                    slopes[i]
                )));
            }
            let want = f64::from(prefix[i])
                + f64::from(slopes[i]) * (f64::from(boundaries[i + 1]) - f64::from(boundaries[i]));
            let got = f64::from(prefix[i + 1]);
            if (got - want).abs() > 1e-5 * got.abs().max(1.0) {
                return Err(ModelError::Calibration(format!(
                    "calibration.prefix: element {} is {got}, but prefix + slope · width gives {want}",
                    i + 1
                )));
            }
        }
        Ok(Calibration { boundaries, slopes, prefix })
    }

    /// The calibrated logit `c(s)`.
    #[inline]
    pub(crate) fn apply(&self, s: f32) -> f32 {
        let t = &self.boundaries;
        let b = self.slopes.len();
        if s.is_nan() {
            // A NaN logit (weights large enough to overflow) stays NaN: the caller sees it,
            // and the solver rejects NaN scores, instead of an index out of range here.
            return s;
        }
        if s <= t[0] {
            return self.prefix[0];
        }
        if s >= t[b] {
            return self.prefix[b];
        }
        // t_0 < s < t_B, so i (in 0..B) is the number of t_1 … t_{B−1} that are ≤ s (the
        // boundaries increase strictly).
        let i = if b <= COUNTED_BUCKETS {
            t[1..b].iter().filter(|&&ti| ti <= s).count()
        } else {
            t.partition_point(|&ti| ti <= s) - 1
        };
        self.prefix[i] + self.slopes[i] * (s - t[i])
    }
}

/// `1 / (1 + exp(−c))`: for very negative `c`, `exp` overflows to +∞ and the result is 0,
/// never NaN.
#[inline]
pub(crate) fn sigmoid(c: f32) -> f32 {
    1.0 / (1.0 + (-c).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing the model loader: a NaN logit used to underflow the bucket index.
    #[test]
    fn a_nan_logit_stays_nan() {
        assert!(cal().apply(f32::NAN).is_nan());
    }

    fn cal() -> Calibration {
        // Buckets [0, 1] slope 2, [1, 3] slope 0, [3, 4] slope 1; P_0 = -1.
        Calibration::new(vec![0.0, 1.0, 3.0, 4.0], vec![2.0, 0.0, 1.0], vec![-1.0, 1.0, 1.0, 2.0]).unwrap()
    }

    #[test]
    fn evaluates_buckets_and_clamps_outside() {
        let c = cal();
        for (s, want) in [
            (-5.0, -1.0),
            (0.0, -1.0),
            (0.5, 0.0),
            (1.0, 1.0),
            (2.0, 1.0),
            (3.5, 1.5),
            (4.0, 2.0),
            (9.0, 2.0),
        ] {
            assert_eq!(c.apply(s), want, "s = {s}");
        }
    }

    /// Both ways of finding the bucket (counting up to COUNTED_BUCKETS buckets, a binary
    /// search past it) against the definition: the largest i with t_i ≤ s. Boundaries of
    /// uneven widths; logits on, between and just around every boundary.
    #[test]
    fn the_bucket_is_the_last_boundary_at_or_below_the_logit_on_both_paths() {
        for b in [1, 2, 31, COUNTED_BUCKETS, COUNTED_BUCKETS + 1, 200] {
            let t: Vec<f32> = (0..=b).map(|i| (i * i) as f32 * 0.01 + i as f32 - 3.0).collect();
            let slopes: Vec<f32> = (0..b).map(|i| (i % 5) as f32 * 0.25).collect();
            // Each P_{i+1} a little off prefix + slope · width (within the loader's 1e-5), so
            // that the two buckets meeting at a boundary give different values there and a
            // wrong bucket shows.
            let mut prefix = vec![-2.0f32];
            for i in 0..b {
                let p = prefix[i] + slopes[i] * (t[i + 1] - t[i]);
                prefix.push(p + 4e-6 * p.abs().max(1.0));
            }
            let c = Calibration::new(t.clone(), slopes.clone(), prefix.clone()).unwrap();
            let mut logits = vec![t[0] - 1.0, t[b] + 1.0];
            for &ti in &t {
                logits.extend([
                    ti,
                    f32::from_bits(ti.to_bits() - 1),
                    f32::from_bits(ti.to_bits() + 1),
                    ti + 0.5,
                ]);
            }
            for s in logits {
                let want = if s <= t[0] {
                    prefix[0]
                } else if s >= t[b] {
                    prefix[b]
                } else {
                    let i = (0..=b).filter(|&i| t[i] <= s).max().unwrap();
                    prefix[i] + slopes[i] * (s - t[i])
                };
                assert_eq!(c.apply(s).to_bits(), want.to_bits(), "B {b}, s {s}");
            }
        }
    }

    #[test]
    fn rejects_bad_tensors() {
        assert!(Calibration::new(vec![0.0, 0.0], vec![1.0], vec![0.0, 0.0]).is_err());
        assert!(Calibration::new(vec![0.0, 1.0], vec![-1.0], vec![0.0, -1.0]).is_err());
        assert!(Calibration::new(vec![0.0, 1.0], vec![1.0], vec![0.0, 2.0]).is_err());
    }

    #[test]
    fn sigmoid_is_finite_at_the_extremes() {
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
    }
}
