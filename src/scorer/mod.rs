//! The scorer: a LiRank-style click model (low-rank DCNv2 cross tower with attention, gated
//! deep tower, several heads, isotonic calibration) served on CPU, producing the scores the
//! solver ranks.
//!
//! ```text
//!   Model::load(dir)                 config.json + model.safetensors, validated (FORMAT.md)
//!   ScorerWorkspace::new(settings)   per thread: f32 or int8, kernel tier, buffers
//!   model.score(&mut ws, &request, Output::Probability, &mut scores)   n candidates at once
//! ```
//!
//! The model format and the exact mathematics are specified in `ranking-models/FORMAT.md`;
//! each file's module doc holds the part it implements: `config.rs` (the `config.json`
//! schema), `model.rs` (loading and every load-time check), `request.rs` (inputs and their
//! validation), `embedding.rs` (plain and QR lookups, int8 middle-max tables), `cross.rs`
//! (DCNv2 layers and attention), `deep.rs` (gated MLP), `calibration.rs` (isotonic map,
//! sigmoid), `forward.rs` (the whole pass and what it computes once per request),
//! `linear.rs` and `quant.rs` (f32 and int8 affine maps), `kernels/` (portable and AVX2 GEMM,
//! attention and quantization kernels, dispatch) and `workspace.rs` (settings and buffers).
//!
//! A [`Model`] is immutable and `Send + Sync`: load it once and share it (e.g. in an `Arc`)
//! between threads, each scoring with its own [`ScorerWorkspace`].
//!
//! Precision: [`Precision::F32`] reproduces the JAX reference's golden outputs within
//! `1e-5 · max(1, |want|)` (measured ≤ 1.3e-6 on feed-dcn and its variants, ≤ 2.0e-6 on the
//! wider feed-dcn-large). [`Precision::Int8`] quantizes every tower weight matrix at load
//! (per output channel, round to nearest, when the format stores them as F32) and every
//! activation row per call (unsigned 7 bits with a zero point, so AVX2's `vpmaddubsw`
//! cannot saturate: `quant.rs`), and sums in i32; the request-scope products and the heads
//! stay f32. On the trained feed-dcn model its outputs are within 6e-2 of the golden f32
//! values (probability within 1e-2) and its held-out click AUC within 1e-4 of f32; the
//! random-weight variants stay within 0.2 (`tests/scorer_int8.rs`). A model may instead
//! store its tower weights quantized (int8 or int4 levels with per-row scales, FORMAT.md
//! §6.1; `feed-dcn-int8`, `feed-dcn-int4`): the f32 path then runs the dequantized matrices
//! and the int8 path the stored levels as they are (`model.rs`,
//! `tests/scorer_quantized.rs`). The kernel tiers ([`KernelTier`]) give bit-identical
//! results in both precisions: integer sums are exact, and the f32 kernels repeat the
//! portable operations in the same order (`kernels/mod.rs`).
//!
//! ```no_run
//! use lprank::scorer::{Model, Output, Request, ScorerSettings, ScorerWorkspace};
//!
//! let model = Model::load("ranking-models/feed-dcn")?;
//! let mut ws = ScorerWorkspace::new(ScorerSettings::int8()).unwrap();
//! # let (request_dense, request_ids, item_dense, item_ids) = (vec![], vec![], vec![], vec![]);
//! let request = Request { request_dense: &request_dense, request_ids: &request_ids, item_dense: &item_dense, item_ids: &item_ids };
//! let mut scores = vec![0.0f32; 16];
//! model.score(&mut ws, &request, Output::Probability, &mut scores).unwrap();
//! # Ok::<(), lprank::scorer::ModelError>(())
//! ```

mod calibration;
mod config;
mod cross;
mod deep;
mod embedding;
mod forward;
mod kernels;
mod linear;
mod model;
mod quant;
mod request;
mod workspace;

pub use config::{
    Config, CrossConfig, DeepConfig, HeadConfig, Inputs, SparseFeature, Storage, TableKind, Towers,
    WeightStorage,
};
pub use forward::Output;
pub use kernels::{Avx2, KernelTier};
pub use linear::Precision;
pub use model::{Model, ModelError};
pub use request::{Request, RequestError};
pub use workspace::{ScorerSettings, ScorerWorkspace, UnsupportedKernels};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_is_send_and_sync_and_the_workspace_is_send() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Model>();
        send::<ScorerWorkspace>();
    }
}
