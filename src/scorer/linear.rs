//! The affine map `y = W x + b` (`W` stored `[out, in]`), in f32 and in int8, applied to a
//! block of rows; the building block of every layer.
//!
//! f32: `y_o = Σ_j W[o, j] x_j + b_o + a_o`, where `a` is an optional per-request vector (the
//! request-scope part of the product, see [`Linear::split_columns`]), by the packed GEMM
//! (`kernels/mod.rs`, which fixes the summation order). int8: the same with the sum taken
//! over int8 weights and unsigned 7-bit activations with zero point `z` (see
//! [`super::quant`]): `y_o = s_o · t · (Σ_j q[o, j] p_j − z · r_o) + b_o + a_o`.

pub(crate) use super::kernels::portable::dot_f32;
pub(crate) use super::kernels::Post;
use super::kernels::{pack_f32, ActivationRows, Dequant, Epilogue, Kernels};
use super::quant::{padded, quantize_rows, QuantizedMatrix};

/// Arithmetic of the cross and deep towers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// f32 weights and activations: the reference (matches the golden files to ~1e-6).
    #[default]
    F32,
    /// int8 per-output-channel weights, unsigned 7-bit per-row dynamic activations with a
    /// zero point, i32 sums.
    Int8,
}

/// How a block is computed: the arithmetic and, for int8, the kernels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mode {
    pub(crate) precision: Precision,
    pub(crate) kernels: Kernels,
}

/// Scratch for the int8 path: quantized rows and their scales and zero points (the
/// product dequantizes and finishes its sums in registers: no buffer for them).
#[derive(Clone, Debug, Default)]
pub(crate) struct QuantScratch {
    pub(crate) q: Vec<u8>,
    pub(crate) scales: Vec<f32>,
    pub(crate) zeros: Vec<i32>,
}

/// Grows `v` to at least `len` elements (never shrinks: a warm workspace reallocates
/// nothing) and returns the first `len`.
pub(crate) fn take<T: Copy + Default>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    if v.len() < len {
        v.resize(len, T::default());
    }
    &mut v[..len]
}

/// One affine map with its int8 copy.
#[derive(Clone, Debug)]
pub(crate) struct Linear {
    pub(crate) out: usize,
    pub(crate) inp: usize,
    /// `W[o·inp + j]`.
    pub(crate) w: Vec<f32>,
    /// `b` (`out` values), or empty for no bias.
    pub(crate) bias: Vec<f32>,
    /// `W` repacked into output panels for the f32 GEMM ([`pack_f32`]).
    pub(crate) wp: Vec<f32>,
    pub(crate) wq: QuantizedMatrix,
}

impl Linear {
    /// `W` is `out × inp` row-major; `bias` is empty or `out` long.
    pub(crate) fn new(w: Vec<f32>, out: usize, inp: usize, bias: Vec<f32>) -> Self {
        debug_assert_eq!(w.len(), out * inp);
        debug_assert!(bias.is_empty() || bias.len() == out);
        let wq = QuantizedMatrix::from_f32(&w, out, inp);
        let wp = pack_f32(&w, out, inp);
        Linear { out, inp, w, bias, wp, wq }
    }

    /// Splits the columns at `at`: `W x + b = (W[:, :at] x[:at] + b) + W[:, at:] x[at:]`.
    /// The first part (which keeps the bias) reads only the request-scope block of x0 and is
    /// evaluated once per request; the second reads the item block, per candidate.
    pub(crate) fn split_columns(&self, at: usize) -> (Linear, Linear) {
        let (mut left, mut right) = (Vec::with_capacity(self.out * at), Vec::new());
        right.reserve(self.out * (self.inp - at));
        for o in 0..self.out {
            let row = &self.w[o * self.inp..(o + 1) * self.inp];
            left.extend_from_slice(&row[..at]);
            right.extend_from_slice(&row[at..]);
        }
        (
            Linear::new(left, self.out, at, self.bias.clone()),
            Linear::new(right, self.out, self.inp - at, Vec::new()),
        )
    }

    /// One row in f32: `y = W x + b` (the per-request part; never int8, it runs once).
    pub(crate) fn apply_row_f32(&self, x: &[f32], y: &mut [f32]) {
        for (o, yo) in y[..self.out].iter_mut().enumerate() {
            let b = self.bias.get(o).copied().unwrap_or(0.0);
            *yo = dot_f32(&self.w[o * self.inp..(o + 1) * self.inp], x) + b;
        }
    }

    /// `y[i·out + o] = post(((W x_i)_o + b_o) + add_o)` for `rows` rows
    /// `x_i = x[i·stride + offset..][..inp]` (the epilogue: `kernels/mod.rs`; `post` reads
    /// `rows × out` operands and, for [`Post::Residual`], `y`'s old value).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn apply(
        &self,
        mode: Mode,
        x: &[f32],
        stride: usize,
        offset: usize,
        rows: usize,
        add: Option<&[f32]>,
        post: Post<'_>,
        y: &mut [f32],
        scratch: &mut QuantScratch,
    ) {
        let (out, inp) = (self.out, self.inp);
        let ep = Epilogue::new(&self.bias, add, post);
        match mode.precision {
            Precision::F32 => mode.kernels.gemm_f32(x, stride, offset, rows, &self.wp, inp, out, &ep, y),
            Precision::Int8 => {
                // Activation rows use the weights' padded stride (zeros past `inp`).
                let k_pad = self.wq.k_pad;
                debug_assert_eq!(k_pad, padded(inp));
                let q = take(&mut scratch.q, rows * k_pad);
                let scales = take(&mut scratch.scales, rows);
                let zeros = take(&mut scratch.zeros, rows);
                let src = ActivationRows { x, stride, offset, width: inp, rows };
                quantize_rows(mode.kernels, src, q, scales, zeros);
                let dq = Dequant { scales, zeros, row_sum: &self.wq.row_sum, wscale: &self.wq.scale };
                mode.kernels.gemm_u8i8_f32(q, k_pad, rows, &self.wq.packed, out, &dq, &ep, y);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scorer::kernels::{KernelTier, Kernels};

    fn lin() -> Linear {
        // 3 outputs, 5 inputs.
        let w: Vec<f32> = (0..15).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.3).collect();
        Linear::new(w, 3, 5, vec![0.5, -1.0, 2.0])
    }

    fn naive(l: &Linear, x: &[f32]) -> Vec<f64> {
        (0..l.out)
            .map(|o| {
                (0..l.inp).map(|j| f64::from(l.w[o * l.inp + j]) * f64::from(x[j])).sum::<f64>()
                    + f64::from(l.bias[o])
            })
            .collect()
    }

    #[test]
    fn dot_f32_matches_f64_for_every_tail_length() {
        for len in 0..=67 {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let want: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
            assert!((f64::from(dot_f32(&a, &b)) - want).abs() < 1e-5, "len {len}");
        }
    }

    #[test]
    fn split_product_equals_whole_product_in_both_precisions() {
        let l = lin();
        let x = [0.3f32, -1.2, 0.8, 2.0, -0.4, /* row 2 */ 1.0, 0.0, -3.0, 0.25, 0.5];
        for precision in [Precision::F32, Precision::Int8] {
            let mode = Mode { precision, kernels: Kernels::select(KernelTier::Portable).unwrap() };
            let mut scratch = QuantScratch::default();
            let mut whole = [0f32; 6];
            l.apply(mode, &x, 5, 0, 2, None, Post::Store, &mut whole, &mut scratch);
            for at in 0..=5 {
                let (req, item) = l.split_columns(at);
                for i in 0..2 {
                    let mut pre = [0f32; 3];
                    req.apply_row_f32(&x[i * 5..i * 5 + at], &mut pre);
                    let mut y = [0f32; 3];
                    item.apply(mode, &x[i * 5..], 5, at, 1, Some(&pre), Post::Store, &mut y, &mut scratch);
                    let want = naive(&l, &x[i * 5..i * 5 + 5]);
                    for o in 0..3 {
                        let tol = if precision == Precision::F32 { 1e-5 } else { 0.05 };
                        assert!((f64::from(y[o]) - want[o]).abs() < tol, "{precision:?} at {at} row {i}");
                        assert!((f64::from(whole[i * 3 + o]) - want[o]).abs() < tol);
                    }
                }
            }
        }
    }
}
