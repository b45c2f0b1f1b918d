//! int8 quantization of weights (per output channel, at load) and activations (per row,
//! per call).
//!
//! A weight matrix `W [out, in]` is stored as `W[o, j] ≈ s_o · q[o, j]` with
//! `s_o = max_j |W[o, j]| / 127` and `q = round(W / s_o) ∈ [−127, 127]`; an activation row
//! `x` likewise as `x_j ≈ t · p_j` with `t = max_j |x_j| / 127`. Then
//!
//! ```text
//!   y_o = Σ_j W[o, j] x_j ≈ s_o · t · Σ_j q[o, j] p_j        (the sum exact in i32)
//! ```
//!
//! The scale is symmetric (no zero point), so the i32 sum needs no correction term, and
//! values stay in [−127, 127]. Each factor carries a rounding error of at most half a step
//! (`s_o / 2`, `t / 2`), so `|ŷ_o − y_o| ≤ (in/2)·(s_o·max|x| + t·max|W_o|) + …
//! = (in/127)·max|W_o|·max|x| + …` in the worst case, and far less in practice
//! (rounding errors are independent and mostly cancel). An all-zero row gets scale 0 and
//! quantizes to zeros, so nothing is divided by zero.
//!
//! Quantized rows (weights and activations alike) are padded with zeros to a multiple of
//! [`K_ALIGN`] values: the pad adds nothing to any sum, and the SIMD kernels then never run
//! a scalar tail.

use super::kernels::portable::quantize_row;
use super::kernels::Kernels;

/// Quantized rows are padded to a multiple of this many values (one AVX2 step).
pub(crate) const K_ALIGN: usize = 16;

/// `width` rounded up to a multiple of [`K_ALIGN`].
pub(crate) fn padded(width: usize) -> usize {
    width.div_ceil(K_ALIGN) * K_ALIGN
}

/// `W [rows, cols]` as int8 per output channel (row) with one f32 scale per row.
#[derive(Clone, Debug, Default)]
pub(crate) struct QuantizedMatrix {
    /// `q[o·k_pad + j]`, zero for `j ≥ cols`.
    pub(crate) q: Vec<i8>,
    /// Row stride of `q`: `cols` padded to a multiple of [`K_ALIGN`].
    pub(crate) k_pad: usize,
    /// `s_o` per row (≥ 0).
    pub(crate) scale: Vec<f32>,
}

impl QuantizedMatrix {
    /// Quantizes `w` (`rows × cols`, row-major) row by row.
    pub(crate) fn from_f32(w: &[f32], rows: usize, cols: usize) -> Self {
        let k_pad = padded(cols);
        let mut q = vec![0i8; rows * k_pad];
        let mut scale = vec![0f32; rows];
        for o in 0..rows {
            scale[o] = quantize_row(&w[o * cols..(o + 1) * cols], &mut q[o * k_pad..o * k_pad + cols]);
        }
        QuantizedMatrix { q, k_pad, scale }
    }

    /// A matrix whose levels and scales were stored in the model file (FORMAT.md §6.1:
    /// `W[o, j] = scale[o] · q[o, j]`, e.g. QuantEase levels): taken as they are, never
    /// re-rounded; only padded. `q` is `rows × cols` row-major with levels in [−127, 127],
    /// `scale` has `rows` values ≥ 0; the loader has checked both.
    pub(crate) fn from_quantized(q: &[i8], rows: usize, cols: usize, scale: &[f32]) -> Self {
        assert!(q.len() == rows * cols && scale.len() == rows, "from_quantized: {rows}×{cols} levels");
        debug_assert!(q.iter().all(|&v| v != i8::MIN) && scale.iter().all(|&s| s >= 0.0));
        let k_pad = padded(cols);
        let mut padded_q = vec![0i8; rows * k_pad];
        for o in 0..rows {
            padded_q[o * k_pad..o * k_pad + cols].copy_from_slice(&q[o * cols..(o + 1) * cols]);
        }
        QuantizedMatrix { q: padded_q, k_pad, scale: scale.to_vec() }
    }
}

/// Quantizes `rows` activation rows of `width` values, read from `x` at
/// `x[i·stride + offset ..][..width]`, into `q` (`rows × padded(width)`, zero pad) and
/// `scales` (`rows`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn quantize_rows(
    kernels: Kernels,
    x: &[f32],
    stride: usize,
    offset: usize,
    width: usize,
    rows: usize,
    q: &mut [i8],
    scales: &mut [f32],
) {
    let k_pad = padded(width);
    for i in 0..rows {
        let src = &x[i * stride + offset..i * stride + offset + width];
        let row = &mut q[i * k_pad..(i + 1) * k_pad];
        scales[i] = kernels.quantize_row(src, &mut row[..width]);
        row[width..].fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_channel_scales_follow_each_row() {
        let w = [1.0, -2.0, 0.5, 0.0, 0.0, 0.0, 100.0, 3.0, -1.0];
        let m = QuantizedMatrix::from_f32(&w, 3, 3);
        assert_eq!(m.scale[1], 0.0);
        assert_eq!(m.k_pad, 16);
        assert_eq!(&m.q[16..19], &[0, 0, 0]);
        assert!((m.scale[0] - 2.0 / 127.0).abs() < 1e-9);
        assert_eq!(m.q[1], -127);
        assert_eq!(m.q[32], 127);
        for (j, &wj) in w.iter().enumerate() {
            let (o, c) = (j / 3, j % 3);
            assert!((wj - m.scale[o] * f32::from(m.q[o * 16 + c])).abs() <= m.scale[o] * 0.5 + 1e-6);
        }
        // The pad is zero.
        assert!((0..3).all(|o| m.q[o * 16 + 3..(o + 1) * 16].iter().all(|&v| v == 0)));
    }

    #[test]
    fn stored_levels_are_kept_as_they_are_and_padded() {
        // Levels RTN would never produce from their own dequantized values (row 0 max |q| is
        // 7, not 127): from_quantized must not re-round them.
        let q = [7i8, -3, 0, -7, /* row 1 */ 1, 2, 3, 4, /* row 2 */ 0, 0, 0, 0];
        let m = QuantizedMatrix::from_quantized(&q, 3, 4, &[0.5, 0.25, 0.0]);
        assert_eq!(m.k_pad, 16);
        assert_eq!(m.q.len(), 48);
        for o in 0..3 {
            assert_eq!(&m.q[o * 16..o * 16 + 4], &q[o * 4..o * 4 + 4]);
            assert!(m.q[o * 16 + 4..(o + 1) * 16].iter().all(|&v| v == 0), "row {o} pad");
        }
        assert_eq!(m.scale, [0.5, 0.25, 0.0]);
        // The levels and scales of from_f32 give back the same matrix.
        let w: Vec<f32> = (0..40).map(|i| ((i * 13 % 17) as f32 - 8.0) * 0.1).collect();
        let a = QuantizedMatrix::from_f32(&w, 2, 20);
        let levels: Vec<i8> = (0..2).flat_map(|o| a.q[o * 32..o * 32 + 20].to_vec()).collect();
        let b = QuantizedMatrix::from_quantized(&levels, 2, 20, &a.scale);
        assert_eq!((b.q, b.k_pad, b.scale), (a.q, a.k_pad, a.scale));
        // No columns (an item-scope split of a model without item features).
        let e = QuantizedMatrix::from_quantized(&[], 2, 0, &[1.0, 2.0]);
        assert_eq!((e.q.len(), e.k_pad), (0, 0));
    }

    #[test]
    fn strided_rows_are_quantized_in_place() {
        // Two rows of stride 4; quantize columns 1..3 of each.
        let x = [9.0, 1.0, -1.0, 9.0, 9.0, 0.0, 0.0, 9.0];
        let mut q = [1i8; 32];
        let mut s = [1f32; 2];
        quantize_rows(Kernels::Portable, &x, 4, 1, 2, 2, &mut q, &mut s);
        assert_eq!(&q[..2], [127, -127]);
        assert!(q[2..].iter().all(|&v| v == 0));
        assert_eq!(s, [1.0 / 127.0, 0.0]);
    }
}
