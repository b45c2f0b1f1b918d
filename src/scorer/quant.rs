//! int8 quantization of weights (per output channel, at load) and activations (per row,
//! per call, unsigned 7 bits with a zero point).
//!
//! A weight matrix `W [out, in]` is stored as `W[o, j] ≈ s_o · q[o, j]` with
//! `s_o = max_j |W[o, j]| / 127` and `q = round(W / s_o) ∈ [−127, 127]` (symmetric). An
//! activation row `x` is quantized asymmetrically to 7 bits: with `lo = min(0, min_j x_j)`,
//! `hi = max(0, max_j x_j)`, `t = (hi − lo) / 127` and the zero point `z = round(−lo / t)`,
//! `p_j = clamp(round(x_j / t) + z, 0, 127)` and `x_j ≈ t · (p_j − z)`. Then
//!
//! ```text
//!   y_o = Σ_j W[o, j] x_j ≈ s_o · t · (Σ_j q[o, j] p_j − z · Σ_j q[o, j])
//! ```
//!
//! where the sum is exact in i32 and `r_o = Σ_j q[o, j]` (the row sum) is computed at load.
//!
//! Why 7 bits, unsigned: AVX2 has no 8-bit multiply-accumulate into i32; `vpmaddubsw`
//! multiplies unsigned bytes by signed bytes and adds adjacent pairs into i16 *with
//! saturation*. With `p ≤ 127` and `|q| ≤ 128` a pair is at most 2 · 127 · 128 = 32512 <
//! 2^15, so it never saturates and the sum stays exact (FBGEMM's "reduce_range"); a full
//! 8-bit `p ≤ 255` could reach 65280. Rows that are non-negative (every ReLU output the deep
//! tower feeds its next layer) get `z = 0` and use all 128 levels on `[0, max]`, as many
//! as the symmetric 8-bit scheme had there; signed rows spend the levels on `[lo, hi]`
//! instead of `[−max|x|, max|x|]`.
//!
//! Error: each factor carries a rounding error of at most half a step (`s_o / 2`, `t / 2`),
//! so `|ŷ_o − y_o| ≤ (in/2)·(s_o·max|x| + t·max|W_o|) + …` in the worst case, where
//! `t ≤ 2·max|x| / 127` (signed rows; `max|x| / 127` for non-negative ones), i.e. at most
//! twice the symmetric 8-bit bound for signed rows and the same for non-negative ones; in
//! practice far less (rounding errors are independent and mostly cancel). An all-zero row
//! gets `t = 0` and quantizes to zeros, so nothing is divided by zero.
//!
//! Quantized rows (weights and activations alike) are padded with zeros to a multiple of
//! [`K_ALIGN`] values: the pad adds nothing to any sum (the weights' pad is zero), and the
//! SIMD kernels never run a tail. The GEMM reads the weights repacked into panels
//! (`kernels::pack_i8`), built with the row sums from `q` and nothing else, so any
//! constructor that has `q` and the scales gets them from [`QuantizedMatrix::from_padded`].

use super::kernels::portable::quantize_row;
use super::kernels::{pack_i8, ActivationRows, Kernels, QuantizedRows};

/// Quantized rows are padded to a multiple of this many values (one AVX2 step).
pub(crate) const K_ALIGN: usize = 16;

/// `width` rounded up to a multiple of [`K_ALIGN`].
pub(crate) fn padded(width: usize) -> usize {
    width.div_ceil(K_ALIGN) * K_ALIGN
}

/// `W [rows, cols]` as int8 per output channel (row) with one f32 scale per row.
#[derive(Clone, Debug, Default)]
pub(crate) struct QuantizedMatrix {
    /// `q[o·k_pad + j]`, zero for `j ≥ cols`: the values as stored and tested; the GEMM
    /// reads `packed`.
    #[allow(dead_code)]
    pub(crate) q: Vec<i8>,
    /// Row stride of `q`: `cols` padded to a multiple of [`K_ALIGN`].
    pub(crate) k_pad: usize,
    /// `s_o` per row (≥ 0).
    pub(crate) scale: Vec<f32>,
    /// `r_o = Σ_j q[o, j]` per row: the zero-point correction `z · r_o`.
    pub(crate) row_sum: Vec<i32>,
    /// `q` repacked for the GEMM (`kernels::pack_i8`).
    pub(crate) packed: Vec<i8>,
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
        Self::from_padded(q, k_pad, rows, scale)
    }

    /// From int8 values `q` (`rows × k_pad`, row-major, zero past each row's `cols` values,
    /// `k_pad = padded(cols)`) and one scale per row: derives the row sums and the packed
    /// panels. Every constructor ends here.
    pub(crate) fn from_padded(q: Vec<i8>, k_pad: usize, rows: usize, scale: Vec<f32>) -> Self {
        debug_assert!(k_pad % K_ALIGN == 0 && q.len() == rows * k_pad && scale.len() == rows);
        let row_sum =
            (0..rows).map(|o| q[o * k_pad..(o + 1) * k_pad].iter().map(|&v| i32::from(v)).sum()).collect();
        let packed = pack_i8(&q, rows, k_pad);
        QuantizedMatrix { q, k_pad, scale, row_sum, packed }
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
        QuantizedMatrix::from_padded(padded_q, k_pad, rows, scale.to_vec())
    }
}

/// Quantizes the activation rows `src` into `q` (`rows × padded(width)`, zero pad), `scales`
/// and `zeros` (`rows` each).
pub(crate) fn quantize_rows(
    kernels: Kernels,
    src: ActivationRows<'_>,
    q: &mut [u8],
    scales: &mut [f32],
    zeros: &mut [i32],
) {
    let k_pad = padded(src.width);
    kernels.quantize_rows_u7(src, &mut QuantizedRows { q, k_pad, scales, zeros });
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
        assert_eq!(
            m.row_sum,
            [
                m.q[0] as i32 + m.q[1] as i32 + m.q[2] as i32,
                0,
                m.q[32] as i32 + m.q[33] as i32 + m.q[34] as i32
            ]
        );
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
        let mut q = [1u8; 32];
        let (mut s, mut z) = ([1f32; 2], [1i32; 2]);
        let src = ActivationRows { x: &x, stride: 4, offset: 1, width: 2, rows: 2 };
        quantize_rows(Kernels::Portable, src, &mut q, &mut s, &mut z);
        // Row 0 spans [−1, 1]: t = 2/127, z = round(63.5) = 64 (ties to even), 1 → 63.5 + 64.
        assert_eq!(&q[..2], [127, 0]);
        assert!(q[2..].iter().all(|&v| v == 0));
        assert_eq!(s, [2.0 / 127.0, 0.0]);
        assert_eq!(z, [64, 0]);
    }
}
