//! Test support, shared by the edge master's unit tests and the integration tests' HiGHS
//! oracle (`tests/common`, which includes this file by path): how to ask HiGHS 1.16 for an
//! LP's optimum so that a degenerate infeasible LP is reported as infeasible.
//!
//! HiGHS's default (dual) simplex can end with model status Unknown on an infeasible,
//! degenerate LP (the edge master's tests keep one such instance,
//! `highs_reports_a_degenerate_infeasible_master`). Its primal simplex, and its interior
//! point method, prove those infeasible. So when the default run fails for another reason
//! than infeasibility, the primal simplex is asked the same question, and only if it fails
//! too is the error returned.

use good_lp::ResolutionError;

/// HiGHS's `simplex_strategy` option value for the primal simplex.
pub const PRIMAL_SIMPLEX: i32 = 4;

/// `solve(None)` (HiGHS's defaults), then `solve(Some(PRIMAL_SIMPLEX))` if that failed for
/// another reason than infeasibility. `Ok(None)`: infeasible; `Err`: both runs' errors.
pub fn optimum_or_infeasible<T>(
    mut solve: impl FnMut(Option<i32>) -> Result<T, ResolutionError>,
) -> Result<Option<T>, String> {
    match solve(None) {
        Ok(value) => Ok(Some(value)),
        Err(ResolutionError::Infeasible) => Ok(None),
        Err(dual) => match solve(Some(PRIMAL_SIMPLEX)) {
            Ok(value) => Ok(Some(value)),
            Err(ResolutionError::Infeasible) => Ok(None),
            Err(primal) => Err(format!("HiGHS: dual simplex: {dual}; primal simplex: {primal}")),
        },
    }
}
