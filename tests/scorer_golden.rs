//! The f32 forward pass against the JAX reference's golden vectors, for the bundled model,
//! the production-size `feed-dcn-large` (generated weights) and every variant: head logits,
//! ranking logit, calibrated logit and probability, within FORMAT.md §14's tolerance
//! `|got − want| ≤ 1e-5 · max(1, |want|)` (measured worst: 2.0e-6, a calibrated logit of
//! feed-dcn-large), the portable and AVX2 tiers bit for bit equal.

mod scorer_common;

use lprank::scorer::{KernelTier, ScorerSettings};
use scorer_common::{all_models, avx2_tier_available, max_rel_err, score_all, Golden};

const TOL: f64 = 1e-5;

#[test]
fn f32_forward_pass_matches_every_golden_file() {
    let avx2 = avx2_tier_available("f32_forward_pass_matches_every_golden_file");
    let mut failures = Vec::new();
    for dir in all_models() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let model = scorer_common::load(&dir);
        let golden = Golden::read(&dir.join("golden.safetensors"));
        assert!(golden.requests >= 2 && golden.n >= 5, "{name}: golden file too small");
        let got = score_all(&model, ScorerSettings::f32().with_kernels(KernelTier::Portable), &golden);
        // The AVX2 tier (attention rows) must give the very same numbers.
        if avx2 {
            let other = score_all(&model, ScorerSettings::f32().with_kernels(KernelTier::Avx2), &golden);
            assert_eq!(other.head_logits, got.head_logits, "{name}: AVX2 tier differs from portable");
            assert_eq!(other.probability, got.probability, "{name}: AVX2 tier differs from portable");
        }
        let errs = [
            ("head_logits", max_rel_err(&got.head_logits, &golden.head_logits.data)),
            ("logit", max_rel_err(&got.logit, &golden.logit.data)),
            ("calibrated_logit", max_rel_err(&got.calibrated_logit, &golden.calibrated_logit.data)),
            ("probability", max_rel_err(&got.probability, &golden.probability.data)),
        ];
        eprintln!(
            "{name:16} max rel err: {}",
            errs.iter().map(|(k, e)| format!("{k} {e:.2e}")).collect::<Vec<_>>().join(", ")
        );
        for (what, err) in errs {
            if err > TOL {
                failures.push(format!("{name}: {what} max error {err:.3e} > {TOL:e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
