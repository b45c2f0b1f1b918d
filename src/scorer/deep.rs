//! The deep tower: an MLP with ReLU and Dense Gating (FORMAT.md §7).
//!
//! For each hidden layer l (widths `n_l`, input `n_{−1} = d`):
//!
//! ```text
//!   h ← relu(W_l h + b_l)
//!   h ← h ⊙ sigmoid(G_l h + g_l)         (gating; the gate reads the post-ReLU h)
//! ```
//!
//! No layers is the identity. When the tower reads x0 directly (parallel towers, or stacked
//! with no cross layers) its first product is split by columns like the cross tower's, and
//! the request-scope part is computed once per request.

use super::calibration::sigmoid;
use super::linear::{take, Linear, Mode, QuantScratch};

/// One hidden layer.
#[derive(Clone, Debug)]
pub(crate) struct DeepLayer {
    pub(crate) w: Linear,
    pub(crate) gate: Option<Linear>,
}

/// The tower.
#[derive(Clone, Debug)]
pub(crate) struct DeepTower {
    pub(crate) layers: Vec<DeepLayer>,
    /// When the tower reads x0: layer 0's `W` on the request columns (with the bias) …
    pub(crate) first_request: Option<Linear>,
    /// … and on the item columns.
    pub(crate) first_item: Option<Linear>,
    pub(crate) d_req: usize,
}

/// Buffers of one block: two activations (ping-pong) and the gate.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeepBuffers {
    pub(crate) a: Vec<f32>,
    pub(crate) b: Vec<f32>,
    pub(crate) gate: Vec<f32>,
}

impl DeepTower {
    /// Output width, or `None` for the identity.
    pub(crate) fn out_width(&self) -> Option<usize> {
        self.layers.last().map(|l| l.w.out)
    }

    /// `pre = W_0[:, :d_req] x0[:d_req] + b_0` when the tower reads x0.
    pub(crate) fn precompute(&self, x_req: &[f32], pre: &mut [f32]) {
        if let Some(first) = &self.first_request {
            first.apply_row_f32(x_req, pre);
        }
    }

    /// Runs the layers on `rows` rows of `input` (`rows × in_width`; x0 when the split is
    /// in use). The output (`rows × out_width`) is left in `buf.a`. Call only with layers.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn forward(
        &self,
        mode: Mode,
        input: &[f32],
        in_width: usize,
        rows: usize,
        pre: &[f32],
        buf: &mut DeepBuffers,
        scratch: &mut QuantScratch,
    ) {
        for (l, layer) in self.layers.iter().enumerate() {
            let n = layer.w.out;
            let dst = take(&mut buf.b, rows * n);
            match (l, &self.first_item) {
                (0, Some(first)) => {
                    first.apply(mode, input, in_width, self.d_req, rows, Some(pre), dst, scratch)
                }
                (0, None) => layer.w.apply(mode, input, in_width, 0, rows, None, dst, scratch),
                _ => layer.w.apply(mode, &buf.a, layer.w.inp, 0, rows, None, dst, scratch),
            }
            dst.iter_mut().for_each(|v| *v = v.max(0.0));
            if let Some(gate) = &layer.gate {
                let g = take(&mut buf.gate, rows * n);
                gate.apply(mode, dst, n, 0, rows, None, g, scratch);
                dst.iter_mut().zip(g.iter()).for_each(|(h, &gv)| *h *= sigmoid(gv));
            }
            // The new activation becomes the input of the next layer (swapping keeps both
            // buffers' capacity).
            std::mem::swap(&mut buf.a, &mut buf.b);
        }
    }
}
