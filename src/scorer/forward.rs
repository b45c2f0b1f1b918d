//! The forward pass over one request: x0 → towers → heads → ranking logit → calibration
//! (FORMAT.md §4–§10), in f32 (the reference) or with int8 towers.
//!
//! ```text
//!   x0_i = [request dense | request embeddings | item dense_i | item embeddings_i]
//!   z_i  = deep(cross(x0_i))                     (stacked)
//!        = [cross(x0_i) | deep(x0_i)]            (parallel)
//!   logit_{i,h} = W_h · z_i + b_h;   s_i = Σ_h weight_h · logit_{i,h}
//!   c_i = calibration(s_i) (= s_i without);   p_i = sigmoid(c_i)
//! ```
//!
//! Once per request: the request block of x0 (`d_req` values: dense features and
//! embedding lookups) and, for the first product that reads x0 (cross layer 0's stacked
//! V/Q/K, and deep layer 0 when the deep tower reads x0), the product of the request columns
//! with that block plus the bias. Per candidate, those products only touch the item columns.
//! Everything after the first layer mixes request and item values and is per candidate.
//!
//! The heads stay in f32 in both precisions: they are `H` dot products per candidate
//! (negligible time) and they sit right before the ranking logit, where quantization error
//! would be least diluted.

use super::calibration::sigmoid;
use super::config::Towers;
use super::linear::{dot_f32, take};
use super::model::Model;
use super::request::{Request, RequestError};
use super::workspace::{ScorerWorkspace, BLOCK};

/// Which number per candidate [`Model::score`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// The ranking logit `s = Σ_h weight_h · logit_h` (unbounded; rank by it).
    #[default]
    Logit,
    /// The calibrated logit `c` (= s without calibration).
    CalibratedLogit,
    /// The calibrated probability `p = sigmoid(c)` ∈ [0, 1].
    Probability,
}

impl Model {
    /// Scores the `out.len()` candidates of `request` into `out` (one f32 per candidate, the
    /// quantity `output` selects). The head logits and ranking logits stay readable in the
    /// workspace until the next call. A warm workspace allocates nothing for requests no
    /// larger than those it has seen.
    pub fn score(
        &self,
        ws: &mut ScorerWorkspace,
        request: &Request<'_>,
        output: Output,
        out: &mut [f32],
    ) -> Result<(), RequestError> {
        let n = out.len();
        self.validate(request, n)?;
        let (d, d_req, heads) = (self.d, self.d_req, self.heads());
        let inputs = &self.config.inputs;
        let (di, si) = (inputs.item_dense.len(), inputs.item_sparse.len());
        let ScorerWorkspace {
            mode,
            x_req,
            pre_cross,
            pre_deep,
            x0,
            x,
            cross,
            deep,
            scratch,
            head_logits,
            logits,
            ..
        } = ws;
        let mode = *mode;

        // Request scope, once.
        let x_req = take(x_req, d_req);
        write_x0_part(x_req, request.request_dense, &self.request_embeddings, request.request_ids);
        let pre_cross = take(pre_cross, self.cross.proj_width());
        self.cross.precompute(x_req, pre_cross);
        let pre_deep = take(pre_deep, self.deep.layers.first().map_or(0, |l| l.w.out));
        self.deep.precompute(x_req, pre_deep);

        let head_logits = take(head_logits, n * heads);
        let logits = take(logits, n);
        let x0 = take(x0, BLOCK * d);
        let x = take(x, BLOCK * d);
        let mut start = 0;
        while start < n {
            let rows = BLOCK.min(n - start);
            for i in 0..rows {
                let c = start + i;
                let row = &mut x0[i * d..(i + 1) * d];
                row[..d_req].copy_from_slice(x_req);
                write_x0_part(
                    &mut row[d_req..],
                    &request.item_dense[c * di..(c + 1) * di],
                    &self.item_embeddings,
                    &request.item_ids[c * si..(c + 1) * si],
                );
            }
            self.cross.forward(mode, x0, x, d, rows, pre_cross, cross, scratch);
            let has_cross = !self.cross.layers.is_empty();
            if !self.deep.layers.is_empty() {
                let input: &[f32] = match self.config.towers {
                    Towers::Stacked if has_cross => x,
                    _ => x0,
                };
                self.deep.forward(mode, input, d, rows, pre_deep, deep, scratch);
            }
            // z = [z1 | z2] per row.
            let deep_out: Option<(&[f32], usize)> = self.deep.out_width().map(|w| (&deep.a[..], w));
            let (z1, w1, z2, w2): (&[f32], usize, &[f32], usize) = match (self.config.towers, deep_out) {
                (Towers::Stacked, Some((a, w))) => (a, w, &[], 0),
                (Towers::Stacked, None) => (x, d, &[], 0),
                (Towers::Parallel, Some((a, w))) => (x, d, a, w),
                (Towers::Parallel, None) => (x, d, x0, d),
            };
            let zdim = w1 + w2;
            for i in 0..rows {
                let c = start + i;
                let (z1i, z2i) = (&z1[i * w1..(i + 1) * w1], &z2[i * w2..(i + 1) * w2]);
                let mut s = 0f32;
                for h in 0..heads {
                    let wh = &self.head_w[h * zdim..(h + 1) * zdim];
                    let logit = dot_f32(&wh[..w1], z1i) + dot_f32(&wh[w1..], z2i) + self.head_b[h];
                    head_logits[c * heads + h] = logit;
                    s += self.head_weight[h] * logit;
                }
                logits[c] = s;
                out[c] = match output {
                    Output::Logit => s,
                    Output::CalibratedLogit => self.calibrate(s),
                    Output::Probability => sigmoid(self.calibrate(s)),
                };
            }
            start += rows;
        }
        ws.n = n;
        ws.heads = heads;
        Ok(())
    }

    /// `c(s)`: the calibrated logit, or `s` itself without calibration.
    pub fn calibrate(&self, s: f32) -> f32 {
        self.calibration.as_ref().map_or(s, |c| c.apply(s))
    }
}

/// Writes `[dense | E_0(id_0) | E_1(id_1) | …]` into `dst` (ids validated by the caller).
fn write_x0_part(dst: &mut [f32], dense: &[f32], embeddings: &[super::embedding::Embedding], ids: &[u64]) {
    dst[..dense.len()].copy_from_slice(dense);
    let mut at = dense.len();
    for (e, &id) in embeddings.iter().zip(ids) {
        e.lookup(id, &mut dst[at..at + e.dim]);
        at += e.dim;
    }
}
