//! The deep tower: an MLP with ReLU and Dense Gating (FORMAT.md §7).
//!
//! For each hidden layer l (widths `n_l`, input `n_{−1} = d`):
//!
//! ```text
//!   h ← relu(W_l h + b_l)
//!   h ← h ⊙ sigmoid(G_l h + g_l)         (gating; the gate reads the post-ReLU h)
//! ```
//!
//! The gate's sigmoid is `gate_sigmoid` (`kernels/portable.rs`): with
//! `e = exp(−|x|) = 2^(−|x|·log2 e)` ∈ (0, 1] (the attention's polynomial `2^t`, relative
//! error ≤ 2e-7), `sigmoid(x) = 1 / (1 + e)` for `x ≥ 0` and `e / (1 + e)` for `x < 0`. Both
//! forms divide by a number in (1, 2], so neither overflows nor cancels, and it is
//! branch-free (libm's `expf`, one call per value, was a fifth of feed-dcn's f32 time).
//!
//! Neither the ReLU nor the gating is a pass of its own: both run in the epilogue of a
//! matrix product (`kernels/mod.rs`), on sums still in registers: `relu(W h + b)` in `W`'s,
//! and `h ⊙ sigmoid(G h + g)` in the gate's, which writes a third buffer because it reads
//! all of `h` (the AVX2 tier has an eight-lane twin of `gate_sigmoid`, bit-identical).
//!
//! No layers is the identity. When the tower reads x0 directly (parallel towers, or stacked
//! with no cross layers) its first product is split by columns like the cross tower's, and
//! the request-scope part is computed once per request.

use super::linear::{take, Linear, Mode, Post, QuantScratch};

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
        // The three buffers trade roles (input, relu output, gated output) layer by layer, so
        // each is sized for the widest layer: a warm workspace then never grows one.
        let widest = rows * self.layers.iter().map(|l| l.w.out).max().unwrap_or(0);
        take(&mut buf.a, widest);
        take(&mut buf.b, widest);
        take(&mut buf.gate, widest);
        for (l, layer) in self.layers.iter().enumerate() {
            let n = layer.w.out;
            // relu(W h + b) into `b`, in the product's epilogue.
            let dst = take(&mut buf.b, rows * n);
            let relu = Post::Relu;
            match (l, &self.first_item) {
                (0, Some(first)) => {
                    first.apply(mode, input, in_width, self.d_req, rows, Some(pre), relu, dst, scratch)
                }
                (0, None) => layer.w.apply(mode, input, in_width, 0, rows, None, relu, dst, scratch),
                _ => layer.w.apply(mode, &buf.a, layer.w.inp, 0, rows, None, relu, dst, scratch),
            }
            if let Some(gate) = &layer.gate {
                // h ⊙ sigmoid(G h + g) into `gate`, in the gate product's epilogue (it reads
                // h = `b` whole, so it cannot write there), which becomes `b`.
                let g = take(&mut buf.gate, rows * n);
                gate.apply(mode, &buf.b, n, 0, rows, None, Post::Gate(&buf.b), g, scratch);
                std::mem::swap(&mut buf.b, &mut buf.gate);
            }
            // The new activation becomes the input of the next layer (swapping keeps both
            // buffers' capacity).
            std::mem::swap(&mut buf.a, &mut buf.b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::kernels::portable::gate_sigmoid;

    #[test]
    fn gate_sigmoid_matches_f64_everywhere() {
        let mut worst = 0f64;
        for i in -1_000_000..=400_000 {
            let x = i as f32 * 1e-4;
            let want = 1.0 / (1.0 + (-f64::from(x)).exp());
            let err = (f64::from(gate_sigmoid(x)) - want).abs();
            // Relative where exp(x) is a normal float (less the ulp of −|x|·log2 e, which
            // moves exp by |x|·2^−24 relatively); below, 2^t stops at 2^−126.
            if x >= -80.0 {
                worst = worst.max(err / want / (1.0 + f64::from(x.abs()) * 0.2));
            } else {
                assert!(err < 2e-38, "x {x}: {err:e}");
            }
        }
        assert!(worst < 4e-7, "worst relative error {worst:e}");
        assert_eq!(gate_sigmoid(0.0), 0.5);
        assert_eq!(gate_sigmoid(1000.0), 1.0);
        assert!(gate_sigmoid(-1000.0) < 2e-38);
    }
}
