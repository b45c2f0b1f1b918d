//! Per-thread scoring state: the settings, the kernels chosen for this CPU, and every
//! buffer of a forward pass.
//!
//! Candidates are processed in blocks of [`BLOCK`] rows, so the per-block buffers are
//! bounded by the block size and the model's widths whatever the request size; only the
//! per-candidate outputs ([`ScorerWorkspace::head_logits`], [`ScorerWorkspace::logits`])
//! grow with `n`. Buffers grow to the largest size seen and are never shrunk: after one
//! call with `n` candidates, calls with ≤ n candidates allocate nothing.

use thiserror::Error;

use super::cross::CrossBuffers;
use super::deep::DeepBuffers;
use super::kernels::{KernelTier, Kernels};
use super::linear::{Mode, Precision, QuantScratch};

/// Candidates per block: large enough to amortise the per-layer loops, small enough that
/// a block's activations (`BLOCK × d` floats per buffer) stay in L1/L2. (Crate-private so
/// that cbindgen does not export it; public as [`ScorerWorkspace::block_size`].)
pub(crate) const BLOCK: usize = 64;

/// How a [`ScorerWorkspace`] computes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScorerSettings {
    /// f32 (the reference, default) or int8 towers.
    pub precision: Precision,
    /// Which kernels (default: the best the CPU supports) run the matrix products, the
    /// int8 quantization and the attention rows. Every tier gives bit-identical results;
    /// only the speed differs.
    pub kernels: KernelTier,
}

impl ScorerSettings {
    /// The f32 reference path.
    pub fn f32() -> Self {
        Self::default()
    }

    /// The int8 path with the best kernels for this CPU.
    pub fn int8() -> Self {
        ScorerSettings { precision: Precision::Int8, kernels: KernelTier::Auto }
    }

    /// The same settings with the kernel tier forced to `tier`.
    pub fn with_kernels(self, tier: KernelTier) -> Self {
        ScorerSettings { kernels: tier, ..self }
    }
}

/// The CPU cannot run the kernel tier the settings force.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("kernel tier {0:?} is not supported by this CPU")]
pub struct UnsupportedKernels(pub KernelTier);

/// Every buffer of a forward pass, plus the chosen kernels. One per thread; reuse it.
#[derive(Clone, Debug)]
pub struct ScorerWorkspace {
    pub(crate) mode: Mode,
    /// The request-scope block of x0 and its precomputed first-layer products.
    pub(crate) x_req: Vec<f32>,
    pub(crate) pre_cross: Vec<f32>,
    pub(crate) pre_deep: Vec<f32>,
    /// x0 and the cross tower's running x of one block (`BLOCK × d`).
    pub(crate) x0: Vec<f32>,
    pub(crate) x: Vec<f32>,
    pub(crate) cross: CrossBuffers,
    pub(crate) deep: DeepBuffers,
    pub(crate) scratch: QuantScratch,
    /// Outputs of the last call: `n × H` head logits and `n` ranking logits.
    pub(crate) head_logits: Vec<f32>,
    pub(crate) logits: Vec<f32>,
    pub(crate) n: usize,
    pub(crate) heads: usize,
}

impl ScorerWorkspace {
    /// Candidates computed together: requests larger than this are scored block by block
    /// (the results do not depend on it).
    pub const fn block_size() -> usize {
        BLOCK
    }

    /// A workspace computing as `settings` says; fails only when a forced kernel tier is
    /// not supported by this CPU.
    pub fn new(settings: ScorerSettings) -> Result<Self, UnsupportedKernels> {
        let kernels = Kernels::select(settings.kernels).ok_or(UnsupportedKernels(settings.kernels))?;
        Ok(ScorerWorkspace {
            mode: Mode { precision: settings.precision, kernels },
            x_req: Vec::new(),
            pre_cross: Vec::new(),
            pre_deep: Vec::new(),
            x0: Vec::new(),
            x: Vec::new(),
            cross: CrossBuffers::default(),
            deep: DeepBuffers::default(),
            scratch: QuantScratch::default(),
            head_logits: Vec::new(),
            logits: Vec::new(),
            n: 0,
            heads: 0,
        })
    }

    /// The arithmetic in use.
    pub fn precision(&self) -> Precision {
        self.mode.precision
    }

    /// The kernel tier in use (never [`KernelTier::Auto`]).
    pub fn kernel_tier(&self) -> KernelTier {
        self.mode.kernels.tier()
    }

    /// Head logits of the last successful call, `n × H` row-major (candidate-major).
    pub fn head_logits(&self) -> &[f32] {
        &self.head_logits[..self.n * self.heads]
    }

    /// Ranking logits `s` of the last successful call, one per candidate.
    pub fn logits(&self) -> &[f32] {
        &self.logits[..self.n]
    }
}
