//! Held-out quality of the bundled model: click AUC and log loss on
//! `feed-dcn/heldout.safetensors` (20,000 impressions) for f32 and int8 (each kernel tier).
//! f32 must reproduce `metrics.json` (computed in Python from the reference's f32
//! probabilities); int8 must stay within 0.002 AUC of f32.

mod scorer_common;

use lprank::scorer::{KernelTier, Model, ScorerSettings};
use scorer_common::{auc, avx2_tier_available, log_loss, models_dir, score_all, Golden};

#[test]
fn heldout_auc_and_log_loss_match_the_reference_and_survive_int8() {
    let dir = models_dir().join("feed-dcn");
    let model = Model::load(&dir).unwrap();
    let heldout = Golden::read(&dir.join("heldout.safetensors"));
    let clicks = heldout.click.as_ref().expect("click labels").data.clone();
    assert_eq!(clicks.len(), 20_000);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    let want_auc = metrics["click_auc"].as_f64().unwrap();
    let want_ll = metrics["click_log_loss"].as_f64().unwrap();

    // The stored probabilities reproduce metrics.json with our AUC and log loss: checks the
    // metric code itself before it judges the scorer.
    assert!((auc(&heldout.probability.data, &clicks) - want_auc).abs() < 1e-9);
    assert!((log_loss(&heldout.probability.data, &clicks) - want_ll).abs() < 1e-9);

    let f32_scores = score_all(&model, ScorerSettings::f32(), &heldout);
    let f32_auc = auc(&f32_scores.probability, &clicks);
    let f32_ll = log_loss(&f32_scores.probability, &clicks);
    eprintln!("reference  AUC {want_auc:.6}  log loss {want_ll:.6}");
    eprintln!("f32        AUC {f32_auc:.6}  log loss {f32_ll:.6}");
    assert!((f32_auc - want_auc).abs() < 2e-5, "f32 AUC {f32_auc} vs {want_auc}");
    assert!((f32_ll - want_ll).abs() < 1e-5, "f32 log loss {f32_ll} vs {want_ll}");

    let mut tiers = vec![KernelTier::Portable];
    if avx2_tier_available("heldout_auc_and_log_loss_match_the_reference_and_survive_int8") {
        tiers.push(KernelTier::Avx2);
    }
    for tier in tiers {
        let q = score_all(&model, ScorerSettings::int8().with_kernels(tier), &heldout);
        let q_auc = auc(&q.probability, &clicks);
        let q_ll = log_loss(&q.probability, &clicks);
        eprintln!("int8 {tier:?}  AUC {q_auc:.6}  log loss {q_ll:.6}  (ΔAUC {:+.6})", q_auc - f32_auc);
        assert!((q_auc - f32_auc).abs() <= 0.002, "int8 {tier:?} AUC {q_auc} vs f32 {f32_auc}");
        assert!((q_ll - f32_ll).abs() <= 0.002, "int8 {tier:?} log loss {q_ll} vs f32 {f32_ll}");
    }
}
