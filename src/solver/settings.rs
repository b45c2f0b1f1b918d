//! Tolerances and caps of the solver, validated once when a [`crate::Solver`] is made.

use std::time::Duration;
use thiserror::Error;

/// The default of [`Settings::max_memory_bytes`]: 1 GiB.
pub const DEFAULT_MAX_MEMORY_BYTES: usize = 1 << 30;

/// How exact the answer must be and how much work the solver may spend on it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Stop as `Optimal` once `(bound − objective) / max(|objective|, Σ_j w_j max_i |s_i|)`
    /// is at most this. Default `1e-9`. Range: finite, `≥ 1e-15`.
    pub relative_gap: f64,
    /// A hard rule holds when it is violated by at most this times `max(1, |bound|)`.
    /// Default `1e-9`. Range: finite, `≥ 1e-15`.
    pub feasibility_tolerance: f64,
    /// Cap on outer iterations (rankings priced), both phases together. Default `10_000`.
    /// Range: `≥ 1`.
    pub max_iterations: u32,
    /// Cap on simplex pivots in one master solve. Default `100_000`. Range: `≥ 1`.
    pub max_master_pivots: u32,
    /// Wall-clock budget for one solve; `None` (the default) means no budget.
    pub time_limit: Option<Duration>,
    /// Dual smoothing (Wentges) of the ranking loop, which runs when every rule weighs
    /// exposure (edge generation, for the rest, needs none): rankings are priced at `α·center + (1 − α)·master duals`,
    /// falling back to the master duals (with a capped bracketing line search from the center) when
    /// that point finds nothing new. `0` is plain Kelley cutting planes. Default `0.5`.
    /// Range: `[0, 1)`.
    pub smoothing: f64,
    /// Cap on the memory one solve may reserve, in bytes (the formula is in the solver's
    /// `memory` module doc; [`crate::solver::peak_memory_bound`] evaluates it for a
    /// problem). A problem that would need more is refused with
    /// [`crate::ProblemError::TooLarge`] before its buffers are sized. Default 1 GiB:
    /// about 40 times what a 100,000-item, 50-slot, 10-rule request needs, and far below
    /// what would take a service host down. Range: `≥ 1`.
    pub max_memory_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            relative_gap: 1e-9,
            feasibility_tolerance: 1e-9,
            max_iterations: 10_000,
            max_master_pivots: 100_000,
            time_limit: None,
            smoothing: 0.5,
            max_memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
        }
    }
}

impl Settings {
    /// The same settings with another relative gap tolerance.
    pub fn with_relative_gap(self, relative_gap: f64) -> Self {
        Settings { relative_gap, ..self }
    }

    /// The same settings with another iteration cap.
    pub fn with_max_iterations(self, max_iterations: u32) -> Self {
        Settings { max_iterations, ..self }
    }

    /// The same settings with another memory cap (bytes).
    pub fn with_max_memory_bytes(self, max_memory_bytes: usize) -> Self {
        Settings { max_memory_bytes, ..self }
    }

    /// The same settings with a wall-clock budget per solve.
    pub fn with_time_limit(self, time_limit: Duration) -> Self {
        Settings { time_limit: Some(time_limit), ..self }
    }

    /// Checks every field's range.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let tolerance_ok = |v: f64| v.is_finite() && v >= 1e-15;
        if !tolerance_ok(self.relative_gap) {
            return Err(SettingsError::RelativeGap(self.relative_gap));
        }
        if !tolerance_ok(self.feasibility_tolerance) {
            return Err(SettingsError::FeasibilityTolerance(self.feasibility_tolerance));
        }
        if !(0.0..1.0).contains(&self.smoothing) {
            return Err(SettingsError::Smoothing(self.smoothing));
        }
        if self.max_iterations == 0 {
            return Err(SettingsError::ZeroCap("max_iterations"));
        }
        if self.max_master_pivots == 0 {
            return Err(SettingsError::ZeroCap("max_master_pivots"));
        }
        if self.max_memory_bytes == 0 {
            return Err(SettingsError::ZeroCap("max_memory_bytes"));
        }
        Ok(())
    }
}

/// A [`Settings`] field out of range.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// `relative_gap` is not a finite number ≥ 1e-15.
    #[error("relative_gap: {0} is not a finite number ≥ 1e-15")]
    RelativeGap(f64),
    /// `feasibility_tolerance` is not a finite number ≥ 1e-15.
    #[error("feasibility_tolerance: {0} is not a finite number ≥ 1e-15")]
    FeasibilityTolerance(f64),
    /// `smoothing` is not in `[0, 1)`.
    #[error("smoothing: {0} is not in [0, 1)")]
    Smoothing(f64),
    /// A cap is zero.
    #[error("{0}: must be at least 1")]
    ZeroCap(&'static str),
}
