//! Shared helpers of the scorer tests: reading golden and held-out files, and deciding
//! whether the AVX2 kernel tier can be tested here.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use lprank::scorer::{KernelTier, Model, Output, Request, ScorerSettings, ScorerWorkspace};

/// Set to `1` (CI does when the CPU has AVX2) to make a skipped AVX2 tier a failure.
pub const REQUIRE_AVX2: &str = "LPRANK_REQUIRE_AVX2";

/// Whether the AVX2 kernel tier runs on this machine. When it does not, `test` (the
/// caller's name) says so on stderr, uncaptured, since its tier comparisons then test the
/// portable tier only; and when `LPRANK_REQUIRE_AVX2=1` it panics instead, so that CI on an
/// AVX2 machine cannot pass with the AVX2 tier untested.
pub fn avx2_tier_available(test: &str) -> bool {
    match ScorerWorkspace::new(ScorerSettings::int8().with_kernels(KernelTier::Avx2)) {
        Ok(ws) => {
            assert_eq!(ws.kernel_tier(), KernelTier::Avx2, "{test}: asked for AVX2, got another tier");
            true
        }
        Err(e) => {
            let required = std::env::var(REQUIRE_AVX2).is_ok_and(|v| v == "1");
            assert!(!required, "{test}: the AVX2 kernel tier is unavailable ({e}) but {REQUIRE_AVX2}=1");
            // Straight to stderr, not eprintln!: the test harness would hide it in a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "WARNING {test}: AVX2 kernel tier SKIPPED ({e}); only the portable tier is tested"
            );
            false
        }
    }
}
use safetensors::{Dtype, SafeTensors};

/// `ranking-models/` of this repository.
pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ranking-models")
}

/// feed-dcn and every variant directory.
pub fn all_models() -> Vec<PathBuf> {
    let mut dirs = vec![models_dir().join("feed-dcn")];
    let mut variants: Vec<PathBuf> = std::fs::read_dir(models_dir().join("variants"))
        .expect("variants/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("config.json").exists())
        .collect();
    variants.sort();
    assert!(variants.len() >= 16, "expected the 16 variants, found {}", variants.len());
    dirs.extend(variants);
    dirs
}

/// A tensor of a golden/held-out file, with its shape, converted to f32 / u64 / u8.
pub struct Tensor<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

/// A golden or held-out file: R requests × N candidates.
pub struct Golden {
    pub requests: usize,
    pub n: usize,
    pub request_dense: Tensor<f32>,
    pub request_ids: Tensor<u64>,
    pub item_dense: Tensor<f32>,
    pub item_ids: Tensor<u64>,
    pub head_logits: Tensor<f32>,
    pub logit: Tensor<f32>,
    pub calibrated_logit: Tensor<f32>,
    pub probability: Tensor<f32>,
    pub click: Option<Tensor<u8>>,
}

fn f32s(st: &SafeTensors<'_>, name: &str) -> Tensor<f32> {
    let v = st.tensor(name).unwrap_or_else(|_| panic!("{name} missing"));
    assert_eq!(v.dtype(), Dtype::F32, "{name}");
    let data = v.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    Tensor { shape: v.shape().to_vec(), data }
}

fn ids(st: &SafeTensors<'_>, name: &str) -> Tensor<u64> {
    let v = st.tensor(name).unwrap_or_else(|_| panic!("{name} missing"));
    assert_eq!(v.dtype(), Dtype::I64, "{name}");
    let data = v
        .data()
        .chunks_exact(8)
        .map(|b| {
            let x = i64::from_le_bytes(b.try_into().unwrap());
            assert!(x >= 0, "{name}: negative id {x}");
            x as u64
        })
        .collect();
    Tensor { shape: v.shape().to_vec(), data }
}

impl Golden {
    pub fn read(path: &Path) -> Golden {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let logit = f32s(&st, "logit");
        let (requests, n) = (logit.shape[0], logit.shape[1]);
        let click = st.tensor("click").ok().map(|v| {
            assert_eq!(v.dtype(), Dtype::U8);
            Tensor { shape: v.shape().to_vec(), data: v.data().to_vec() }
        });
        Golden {
            requests,
            n,
            request_dense: f32s(&st, "request_dense"),
            request_ids: ids(&st, "request_ids"),
            item_dense: f32s(&st, "item_dense"),
            item_ids: ids(&st, "item_ids"),
            head_logits: f32s(&st, "head_logits"),
            logit,
            calibrated_logit: f32s(&st, "calibrated_logit"),
            probability: f32s(&st, "probability"),
            click,
        }
    }

    /// Request `r` as a scorer request.
    pub fn request(&self, r: usize) -> Request<'_> {
        let slice = |len_per: usize| r * len_per..(r + 1) * len_per;
        let dr = self.request_dense.shape[1];
        let sr = self.request_ids.shape[1];
        let di = self.item_dense.shape[2];
        let si = self.item_ids.shape[2];
        Request {
            request_dense: &self.request_dense.data[slice(dr)],
            request_ids: &self.request_ids.data[slice(sr)],
            item_dense: &self.item_dense.data[slice(self.n * di)],
            item_ids: &self.item_ids.data[slice(self.n * si)],
        }
    }
}

/// Everything the scorer produces for every request of a file, flattened `[R·N]`
/// (`[R·N·H]` for head logits).
pub struct Scored {
    pub head_logits: Vec<f32>,
    pub logit: Vec<f32>,
    pub calibrated_logit: Vec<f32>,
    pub probability: Vec<f32>,
}

pub fn score_all(model: &Model, settings: ScorerSettings, golden: &Golden) -> Scored {
    let mut ws = ScorerWorkspace::new(settings).expect("kernel tier supported");
    let mut s = Scored { head_logits: vec![], logit: vec![], calibrated_logit: vec![], probability: vec![] };
    let mut out = vec![0f32; golden.n];
    for r in 0..golden.requests {
        let req = golden.request(r);
        model.score(&mut ws, &req, Output::CalibratedLogit, &mut out).unwrap();
        s.calibrated_logit.extend_from_slice(&out);
        s.logit.extend_from_slice(ws.logits());
        s.head_logits.extend_from_slice(ws.head_logits());
        model.score(&mut ws, &req, Output::Probability, &mut out).unwrap();
        s.probability.extend_from_slice(&out);
    }
    s
}

/// `max |got − want| / max(1, |want|)` (FORMAT.md §14's measure).
pub fn max_rel_err(got: &[f32], want: &[f32]) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(&g, &w)| (f64::from(g) - f64::from(w)).abs() / f64::from(w).abs().max(1.0))
        .fold(0.0, f64::max)
}

/// ROC AUC with ties counted ½ (average ranks / Mann–Whitney U).
pub fn auc(scores: &[f32], labels: &[u8]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].partial_cmp(&scores[b]).unwrap());
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        for &k in &idx[i..=j] {
            if labels[k] == 1 {
                rank_sum_pos += avg;
            }
        }
        i = j + 1;
    }
    let pos = labels.iter().filter(|&&l| l == 1).count() as f64;
    let neg = labels.len() as f64 - pos;
    (rank_sum_pos - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Mean log loss with p clipped to [1e-7, 1 − 1e-7], natural log, f64 accumulation.
pub fn log_loss(p: &[f32], labels: &[u8]) -> f64 {
    let sum: f64 = p
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = f64::from(p).clamp(1e-7, 1.0 - 1e-7);
            if y == 1 {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    sum / p.len() as f64
}
