//! Kernel dispatch: the one place that decides which instruction set runs the matrix
//! products (int8 and f32), the int8 activation quantization and the attention rows.
//!
//! Two tiers: [`portable`] (plain Rust, every target, the oracle) and [`avx2`] (x86-64 with
//! AVX2 and FMA, chosen at run time through the [`Avx2`] capability token). The choice is
//! made once, when a [`super::ScorerWorkspace`] is created, and kept there: no global state,
//! and [`KernelTier`] forces a tier so tests and benches exercise each of them.
//!
//! ## The f32 matrix product
//!
//! `y[i, o] = Σ_k W[o, k] x[i, k]` for a block of rows is a register-blocked GEMM: `W` is
//! repacked at load into panels of [`NR`] outputs (`pack_f32`: for each `k` the panel's `NR`
//! weights are contiguous), and the AVX2 micro-kernel keeps an [`MR_F32`] × [`NR`] tile of
//! sums in registers, so each weight vector loaded serves `MR_F32` rows and each broadcast
//! row value serves `NR` outputs. The summation order is part of the contract, the same on
//! every tier whatever the tile: each output `y[i, o]` is its own running sum
//! `s ← fma(w_k, x_k, s)` over `k` from `s = 0` (a fused multiply-add: one rounding per
//! term; `f32::mul_add` in the portable kernel, `vfmadd` in the AVX2 one), restarted every
//! [`KC`] values of `k` (a k-slice), and the slice sums are added in order into a total that
//! starts at zero. The rounding error of such a sum is bounded by about
//! `(KC + ⌈inp / KC⌉) · ε · Σ_k |w_k x_k|` (ε = 2⁻²⁴), against `inp · ε · Σ|w_k x_k|` for one
//! running sum over all of `k`.
//!
//! **Why fused.** Unfused, each term is a multiply and an add: 16 vector operations per
//! 64 multiply-adds of the 4 × 16 tile, which kept the loop near the core's dispatch width
//! instead of its two FMA pipes. Fused, the same work is 8 operations: feed-dcn at 1,000
//! candidates went from 1.06 to 0.85 µs per candidate and feed-dcn-large from 102 to 83 µs
//! (f32, medians of 12 and 5 interleaved runs on one core). Every x86-64 CPU with AVX2 also
//! has FMA (Haswell, Zen), and the AVX2 tier requires both. `f32::mul_add` is one
//! instruction on aarch64 (FMA is part of its base ISA), so there the portable tier is as
//! fused as the AVX2 one. On x86-64 built without FMA, the portable tier computes the same
//! correctly rounded result inline in f64 by rounding to odd ([`fused`]), slower than the
//! unfused kernels were but still the same bits, which is the portable tier's job there:
//! the results never depend on the CPU.
//!
//! ## The int8 matrix product
//!
//! `acc[i, o] = Σ_k p[i, k] q[o, k]` over unsigned 7-bit activations `p` and int8 weights
//! `q` packed into panels of [`NR_I8`] outputs in groups of [`K_GROUP`] `k` (`pack_i8`), is
//! exact in i32 on every tier. It is dequantized and finished in the same pass, on the tile
//! still in registers: `d[i, o] = (acc[i, o] − z_i·r_o) as f32 · (s_o·t_i)` ([`Dequant`]:
//! the i32 difference is exact, its conversion rounds once to nearest even, `s_o·t_i` is
//! one f32 product), then the epilogue below on `d` as on an f32 sum. Each of these is one
//! IEEE operation per element, so every tier returns the same bits.
//!
//! ## The epilogue
//!
//! Each finished sum `s = y[i, o]` goes through an [`Epilogue`] before it is stored, inside
//! the product (on the tile still in registers) instead of in later passes over `y`:
//! `t = (s + b_o) + a_o` (either term when present: the layer's bias, the per-request part
//! of a split product), then by [`Post`]: `t` itself, `relu(t)`, the gated `h ⊙ sigmoid(t)`
//! of the deep tower, or the cross layer's residual `y + x0 ⊙ t` (`y` read before it is
//! overwritten). These are the operations, in the order, that the layers applied in their
//! own passes before, so the results are unchanged; every tier applies them per element with
//! the same IEEE operations ([`portable::finish_run`]).

pub(crate) mod avx2;
mod fused;
pub(crate) mod portable;

pub use avx2::Avx2;
pub(crate) use portable::{pack_f32, pack_i8};

/// Outputs per panel of the packed f32 weights: two AVX2 vectors of eight f32.
pub(crate) const NR: usize = 16;
/// Rows per register tile of the f32 micro-kernel: 6 × [`NR`] sums are 12 accumulators,
/// plus 2 weight vectors and a broadcast, 15 of the 16 ymm registers. Each FMA has 4 cycles
/// of latency on two pipes, so 8 independent accumulators are the least that keeps both
/// busy; 12 leave slack, and each weight vector loaded serves 6 candidates. Measured with
/// fused multiply-adds at 1,000 candidates, f32, 6 rows against 4: time × 0.99 on feed-dcn
/// and × 0.98 on feed-dcn-large (medians of the ratios of 12 and 5 interleaved runs): a
/// small gain, within this machine's noise on feed-dcn.
pub(crate) const MR_F32: usize = 6;
/// Rows per register tile of the int8 micro-kernel: 4 × [`NR_I8`] i32 sums in 8
/// accumulators, leaving room for the two weight vectors, the broadcast bytes, the
/// `vpmaddubsw` products and the ones of `vpmaddwd`.
pub(crate) const MR: usize = 4;
/// Length of a k-slice: `NR · KC` floats (16 KiB) of a panel stay in the 32 KiB L1d while
/// every row tile of the block streams over them, and the running sums restart every `KC`
/// terms, which bounds their rounding error (see the module doc).
pub(crate) const KC: usize = 256;
/// Rows whose partial sums of one panel wait on the stack (64 × 16 floats, 4 KiB) between
/// the k-slices of the AVX2 f32 product, which cannot keep them in `y` (the residual
/// epilogue reads `y`'s old value). 64 is the scorer's block (`BLOCK`): a block is one chunk,
/// so the chunking never changes which panel slice is in L1.
pub(crate) const ROW_CHUNK: usize = 64;
/// Outputs per panel of the packed int8 weights: two AVX2 vectors of eight i32 sums (with
/// [`MR`] rows, 8 accumulators).
pub(crate) const NR_I8: usize = 16;
/// `k` values per group of the packed int8 weights: one i32 lane of a vector holds four
/// bytes, the four weights of one output that `vpmaddubsw` + `vpmaddwd` (or one VNNI
/// `vpdpbusd`) multiply with four activation bytes and sum.
pub(crate) const K_GROUP: usize = 4;

/// Groups of eight attention rows the AVX2 softmax computes in one pass over `b`. Two
/// groups paid while `2^t` was a chain of unfused multiplies and adds; with fused ones,
/// the terms of successive `b` overlap enough, and one group leaves registers for the
/// polynomial's constants: feed-dcn f32 at 1,000 candidates, 0.823 µs per candidate with
/// two groups, 0.807 with one (medians of 12 interleaved runs).
pub(crate) const ATTN_GROUPS: usize = 1;

/// What a matrix product does with each finished sum before storing it (see the module doc).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Epilogue<'a> {
    /// `+ b_o` (`out` values): the layer's bias.
    pub(crate) bias: Option<&'a [f32]>,
    /// `+ a_o` (`out` values), after the bias: the per-request part of a split product.
    pub(crate) add: Option<&'a [f32]>,
    pub(crate) post: Post<'a>,
}

/// The last step of an [`Epilogue`], on `t` of row `i`, output `o` (`rows × out` operands
/// are read at `i·out + o`, like `y`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Post<'a> {
    /// `y = t`.
    Store,
    /// `y = relu(t) = max(t, 0)`: the deep tower's activation.
    Relu,
    /// `y = h ⊙ sigmoid(t)` with `h` `rows × out`: Dense Gating, `t` being the gate's logit.
    Gate(&'a [f32]),
    /// `y = y + x0 ⊙ t` with `x0` `rows × out`: the cross layer's `x_{l+1} = x0 ⊙ t + x_l`,
    /// `y` holding `x_l`.
    Residual(&'a [f32]),
}

impl<'a> Epilogue<'a> {
    /// `y = t = s + bias` (no bias when `bias` is empty), then `post`.
    pub(crate) fn new(bias: &'a [f32], add: Option<&'a [f32]>, post: Post<'a>) -> Self {
        Epilogue { bias: (!bias.is_empty()).then_some(bias), add, post }
    }

    /// Only the sums.
    #[cfg(test)]
    pub(crate) const STORE: Epilogue<'static> = Epilogue { bias: None, add: None, post: Post::Store };

    /// Panics unless every operand covers `rows × out` (and `out` for the vectors): the
    /// kernels read them unchecked.
    pub(crate) fn check(&self, rows: usize, out: usize) {
        assert!(self.bias.is_none_or(|b| b.len() >= out) && self.add.is_none_or(|a| a.len() >= out));
        match self.post {
            Post::Store | Post::Relu => {}
            Post::Gate(m) | Post::Residual(m) => assert!(m.len() >= rows * out),
        }
    }
}

/// The factors that turn the int8 product's exact i32 sums into f32 (see `quant.rs`):
/// `d[i, o] = (acc[i, o] − z_i · r_o) as f32 · (s_o · t_i)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dequant<'a> {
    /// `t_i`, the step of activation row `i` (`rows` values).
    pub(crate) scales: &'a [f32],
    /// `z_i`, the zero point of activation row `i` (`rows` values).
    pub(crate) zeros: &'a [i32],
    /// `r_o = Σ_k q[o, k]`, the zero-point correction of output `o` (`out` values).
    pub(crate) row_sum: &'a [i32],
    /// `s_o`, the scale of weight row `o` (`out` values).
    pub(crate) wscale: &'a [f32],
}

impl Dequant<'_> {
    /// Panics unless the factors cover `rows` rows and `out` outputs: the kernels read them
    /// unchecked.
    pub(crate) fn check(&self, rows: usize, out: usize) {
        assert!(self.scales.len() >= rows && self.zeros.len() >= rows);
        assert!(self.row_sum.len() >= out && self.wscale.len() >= out);
    }
}

/// Which kernels run (results are bit-identical on every tier).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KernelTier {
    /// The fastest tier the CPU supports (AVX2 with FMA when detected, else portable). The
    /// default.
    #[default]
    Auto,
    /// Plain Rust kernels, on any CPU.
    Portable,
    /// AVX2 and FMA kernels; asking for them on a CPU without both is an error.
    Avx2,
}

/// A selected tier, holding the capability token that makes it sound to run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kernels {
    Portable,
    Avx2(Avx2),
}

impl Kernels {
    /// The kernels for `tier`, or `None` when the CPU cannot run it.
    pub(crate) fn select(tier: KernelTier) -> Option<Self> {
        match tier {
            KernelTier::Auto => Some(Avx2::new().map_or(Kernels::Portable, Kernels::Avx2)),
            KernelTier::Portable => Some(Kernels::Portable),
            KernelTier::Avx2 => Avx2::new().map(Kernels::Avx2),
        }
    }

    /// The tier actually running (never `Auto`).
    pub(crate) fn tier(self) -> KernelTier {
        match self {
            Kernels::Portable => KernelTier::Portable,
            Kernels::Avx2(_) => KernelTier::Avx2,
        }
    }

    /// `y[i·out + o] = ep((acc[i, o] − z_i·r_o) as f32 · (s_o·t_i))` with the exact i32 sums
    /// `acc[i, o] = Σ_k x[i·k_pad + k] · q[o, k]`, the weights packed by [`pack_i8`], the
    /// activations unsigned 7-bit, `dq` their factors (bit-identical on every tier; the
    /// module doc).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn gemm_u8i8_f32(
        self,
        x: &[u8],
        k_pad: usize,
        rows: usize,
        wp: &[i8],
        out: usize,
        dq: &Dequant<'_>,
        ep: &Epilogue<'_>,
        y: &mut [f32],
    ) {
        match self {
            Kernels::Portable => portable::gemm_u8i8_f32(x, k_pad, rows, wp, out, dq, ep, y),
            Kernels::Avx2(t) => t.gemm_u8i8_f32(x, k_pad, rows, wp, out, dq, ep, y),
        }
    }

    /// `y[i·out + o] = ep(Σ_k W[o, k] · x[i·stride + offset + k])` in f32, `W` packed by
    /// [`pack_f32`] (bit-identical on every tier; the order and the epilogue: the module doc).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn gemm_f32(
        self,
        x: &[f32],
        stride: usize,
        offset: usize,
        rows: usize,
        wp: &[f32],
        inp: usize,
        out: usize,
        ep: &Epilogue<'_>,
        y: &mut [f32],
    ) {
        match self {
            Kernels::Portable => portable::gemm_f32(x, stride, offset, rows, wp, inp, out, ep, y),
            Kernels::Avx2(t) => t.gemm_f32(x, stride, offset, rows, wp, inp, out, ep, y),
        }
    }

    /// The attention of `rows` candidates at once: candidate `i` reads `v`, `q`, `k` from
    /// `proj[i·p ..]` (columns `[0, r)`, `[r, 2r)`, `[2r, 3r)`) and writes `h[i·r .. (i+1)·r]`;
    /// each `h = softmax_rows(q kᵀ / τ) v + v` (see `cross.rs`). Bit-identical on every
    /// tier. One call per block keeps the dispatch out of the per-candidate loop.
    #[inline]
    pub(crate) fn attend_rows(self, proj: &[f32], p: usize, r: usize, rows: usize, tau: f32, h: &mut [f32]) {
        match self {
            Kernels::Portable => portable::attend_rows(proj, p, r, rows, tau, h),
            Kernels::Avx2(t) => t.attend_rows(proj, p, r, rows, tau, h),
        }
    }

    /// Quantizes the activation rows `src` to unsigned 7 bits (see
    /// [`portable::quantize_row_u7`]) into `dst`. Bit-identical on every tier.
    #[inline]
    pub(crate) fn quantize_rows_u7(self, src: ActivationRows<'_>, dst: &mut QuantizedRows<'_>) {
        match self {
            Kernels::Portable => portable::quantize_rows_u7(src, dst),
            Kernels::Avx2(t) => t.quantize_rows_u7(src, dst),
        }
    }
}

/// Activation rows to quantize: row `i` is `x[i·stride + offset ..][..width]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ActivationRows<'a> {
    pub x: &'a [f32],
    pub stride: usize,
    pub offset: usize,
    pub width: usize,
    pub rows: usize,
}

impl<'a> ActivationRows<'a> {
    /// Row `i`.
    pub(crate) fn row(&self, i: usize) -> &'a [f32] {
        &self.x[i * self.stride + self.offset..][..self.width]
    }
}

/// Where quantized activation rows go: row `i` in `q[i·k_pad ..][..k_pad]` (zero past the
/// row's width; `k_pad` is the width rounded up to a multiple of 16), its scale and zero
/// point in `scales[i]` and `zeros[i]`.
#[derive(Debug)]
pub(crate) struct QuantizedRows<'a> {
    pub q: &'a mut [u8],
    pub k_pad: usize,
    pub scales: &'a mut [f32],
    pub zeros: &'a mut [i32],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift) so failures reproduce.
    fn bytes(seed: u64, len: usize) -> Vec<i8> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                // Mostly full-range values, with the extremes ±127 and -128 appearing too.
                (s >> 56) as u8 as i8
            })
            .collect()
    }

    /// Every tier this CPU runs. Without AVX2 the tier comparisons below test the portable
    /// tier only: that is said on stderr (uncaptured), and is a failure when
    /// `LPRANK_REQUIRE_AVX2=1` (CI sets it on AVX2 machines; tests/scorer_common has the
    /// same rule for the integration tests).
    fn tiers() -> Vec<Kernels> {
        let mut t = vec![Kernels::Portable];
        if let Some(k) = Kernels::select(KernelTier::Avx2) {
            t.push(k);
        } else {
            let required = std::env::var("LPRANK_REQUIRE_AVX2").is_ok_and(|v| v == "1");
            assert!(!required, "the AVX2 kernel tier is unavailable but LPRANK_REQUIRE_AVX2=1");
            // Straight to stderr, not eprintln!: the test harness would hide it in a passing test.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "WARNING: AVX2 kernel tier SKIPPED (not available): only the portable tier is tested"
            );
        }
        t
    }

    /// The int8 product of `x` and `q` through `kernels`, dequantized twice: by the identity
    /// (`t = s = 1`, `z = 0`: `y` is the i32 sum itself, exact in f32 below 2^24) and by
    /// generated factors with the true row sums, each compared bit for bit with the formula
    /// of the module doc evaluated on the exact (i64) sum.
    fn check_gemm_u8i8(kernels: Kernels, x: &[u8], q: &[i8], rows: usize, out: usize, k_pad: usize) {
        let wp = pack_i8(q, out, k_pad);
        let row_sum: Vec<i32> =
            (0..out).map(|o| q[o * k_pad..(o + 1) * k_pad].iter().map(|&v| i32::from(v)).sum()).collect();
        let gen = bytes(rows as u64 * 131 + out as u64 + k_pad as u64, rows + out);
        let (ones, zeros) = (vec![1f32; rows.max(out)], vec![0i32; rows]);
        let t: Vec<f32> = gen[..rows].iter().map(|&b| f32::from(b).abs() / 300.0 + 1e-3).collect();
        let z: Vec<i32> = gen[..rows].iter().map(|&b| i32::from(b as u8 & 127)).collect();
        let s: Vec<f32> = gen[rows..].iter().map(|&b| f32::from(b).abs() / 900.0).collect();
        let identity = Dequant { scales: &ones, zeros: &zeros, row_sum: &row_sum, wscale: &ones };
        let generated = Dequant { scales: &t, zeros: &z, row_sum: &row_sum, wscale: &s };
        for (name, dq) in [("identity", identity), ("generated", generated)] {
            let mut y = vec![f32::NAN; rows * out];
            kernels.gemm_u8i8_f32(x, k_pad, rows, &wp, out, &dq, &Epilogue::STORE, &mut y);
            for i in 0..rows {
                for o in 0..out {
                    let acc: i64 =
                        (0..k_pad).map(|k| i64::from(x[i * k_pad + k]) * i64::from(q[o * k_pad + k])).sum();
                    assert!(acc.abs() < 1 << 24, "the identity check needs sums exact in f32");
                    let exact = acc - i64::from(dq.zeros[i]) * i64::from(dq.row_sum[o]);
                    let want = exact as f32 * (dq.wscale[o] * dq.scales[i]);
                    assert_eq!(
                        y[i * out + o].to_bits(),
                        want.to_bits(),
                        "{kernels:?} {name} k {k_pad} ({i},{o}): {} vs {want}",
                        y[i * out + o]
                    );
                }
            }
        }
    }

    #[test]
    fn int8_gemm_is_exact_on_generated_shapes_and_at_the_extremes() {
        for kernels in tiers() {
            for k_pad in [0, 4, 16, 32, 48, 64, 80, 1024] {
                for (rows, out) in
                    [(1, 1), (3, 5), (MR, NR_I8), (MR + 1, NR_I8 + 1), (2 * MR + 3, 2 * NR_I8 + 9)]
                {
                    let x: Vec<u8> =
                        bytes(k_pad as u64 + 11, rows * k_pad).iter().map(|&b| b as u8 & 127).collect();
                    let q = bytes(k_pad as u64 + 23, out * k_pad);
                    check_gemm_u8i8(kernels, &x, &q, rows, out, k_pad);
                }
            }
            // Extremes: pairs of 127·(−128) or 127·127, the largest i16 sums vpmaddubsw forms
            // (it saturates past ±32767).
            for (xv, qv) in [(127u8, -128i8), (127, 127), (127, -127)] {
                let (rows, out, k_pad) = (MR + 1, NR_I8 + 3, 1024);
                check_gemm_u8i8(kernels, &vec![xv; rows * k_pad], &vec![qv; out * k_pad], rows, out, k_pad);
            }
        }
    }

    #[test]
    fn u7_quantization_tiers_agree_bit_for_bit_and_round_trip_within_half_a_step() {
        for kernels in tiers() {
            // Every width around the 8-float loads and the 16-byte steps (and their masked
            // tails), three strided rows each.
            for len in 0..=67 {
                let (rows, stride, offset, k_pad) = (3, len + 3, 2, crate::scorer::quant::padded(len));
                for seed in 0..6u64 {
                    // Signed rows, and (seed ≥ 4) non-negative ones like ReLU outputs.
                    let x: Vec<f32> = bytes(seed * 31 + len as u64, rows * stride)
                        .iter()
                        .enumerate()
                        .map(|(j, &b)| {
                            let v = if seed >= 4 { f32::from(b).abs() } else { f32::from(b) };
                            v * 0.013 * (seed as f32 + 1.0 + (j / stride) as f32)
                        })
                        .collect();
                    let run = |k: Kernels| {
                        let (mut q, mut t, mut z) =
                            (vec![200u8; rows * k_pad], vec![9f32; rows], vec![9i32; rows]);
                        let src = ActivationRows { x: &x, stride, offset, width: len, rows };
                        k.quantize_rows_u7(
                            src,
                            &mut QuantizedRows { q: &mut q, k_pad, scales: &mut t, zeros: &mut z },
                        );
                        (q, t.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), z)
                    };
                    let (a, ta, za) = run(kernels);
                    let (b, tb, zb) = run(Kernels::Portable);
                    assert_eq!((&a, &ta, &za), (&b, &tb, &zb), "{kernels:?} len {len} seed {seed}");
                    for i in 0..rows {
                        let (row, t, z) = (&a[i * k_pad..(i + 1) * k_pad], f32::from_bits(ta[i]), za[i]);
                        assert!(row[len..].iter().all(|&p| p == 0), "{kernels:?} len {len}: the pad is zero");
                        assert!(row.iter().all(|&p| p <= 127) && (0..=127).contains(&z));
                        if seed >= 4 {
                            assert_eq!(z, 0, "a non-negative row needs no zero point");
                        }
                        for (&xi, &p) in x[i * stride + offset..][..len].iter().zip(row) {
                            let back = f64::from(t) * (f64::from(p) - f64::from(z));
                            assert!(
                                (back - f64::from(xi)).abs() <= f64::from(t) * (0.5 + 1e-3),
                                "{kernels:?} len {len}"
                            );
                        }
                    }
                }
            }
            let (mut q, mut t, mut z) = ([5u8; 16], [1f32], [1i32]);
            let src = ActivationRows { x: &[0.0; 3], stride: 3, offset: 0, width: 3, rows: 1 };
            kernels.quantize_rows_u7(
                src,
                &mut QuantizedRows { q: &mut q, k_pad: 16, scales: &mut t, zeros: &mut z },
            );
            assert_eq!((q, t, z), ([0; 16], [0.0], [0]));
            // Degenerate rows agree too: a range too small for `127 / range` (subnormal
            // values beside zeros), and non-finite values (NaN, ±∞, which only an overflowing
            // activation could produce).
            let tiny = f32::from_bits(3);
            let degenerate: [&[f32]; 5] = [
                &[0.0, tiny, -tiny, 0.0, 2.0 * tiny],
                &[0.0, f32::NAN, 1.0, -2.0, 0.5],
                &[f32::INFINITY, 1.0, 0.0, -1.0, 3.0],
                &[f32::NEG_INFINITY, 1.0, 0.0, f32::INFINITY, 3.0],
                &[f32::NAN, f32::NAN, f32::NAN, f32::NAN, f32::NAN],
            ];
            for (case, row) in degenerate.iter().enumerate() {
                let run = |k: Kernels| {
                    let (mut q, mut t, mut z) = ([9u8; 16], [9f32], [9i32]);
                    let src = ActivationRows { x: row, stride: 5, offset: 0, width: 5, rows: 1 };
                    k.quantize_rows_u7(
                        src,
                        &mut QuantizedRows { q: &mut q, k_pad: 16, scales: &mut t, zeros: &mut z },
                    );
                    (q, t[0].to_bits(), z[0])
                };
                assert_eq!(run(kernels), run(Kernels::Portable), "{kernels:?} degenerate row {case}");
            }
            let (mut q, mut t, mut z) = ([9u8; 16], [9f32], [9i32]);
            let src = ActivationRows { x: degenerate[0], stride: 5, offset: 0, width: 5, rows: 1 };
            kernels.quantize_rows_u7(
                src,
                &mut QuantizedRows { q: &mut q, k_pad: 16, scales: &mut t, zeros: &mut z },
            );
            assert_eq!((q, t, z), ([0; 16], [0.0], [0]), "{kernels:?}: a subnormal range quantizes to zeros");
        }
    }

    #[test]
    fn f32_gemm_tiers_agree_bit_for_bit_and_match_f64_for_every_tail_shape() {
        // Every tail: k below, at and past a k-slice (KC) boundary, every remainder of rows
        // after whole tiles of MR_F32 (and past a ROW_CHUNK), outputs around the panel width NR.
        let inps: Vec<usize> = (0..=20).chain([KC - 1, KC, KC + 1, 2 * KC + 7]).collect();
        let shapes = [
            (1, 1),
            (2, 3),
            (3, 5),
            (4, NR),
            (MR_F32 - 1, NR - 1),
            (MR_F32, NR),
            (MR_F32 + 1, NR + 1),
            (2 * MR_F32 + 2, 2 * NR + 9),
            (ROW_CHUNK + 3, 7),
        ];
        for kernels in tiers() {
            for &inp in &inps {
                for (rows, out) in shapes {
                    let (stride, offset) = (inp + 3, 2);
                    let x: Vec<f32> =
                        bytes(inp as u64 + 5, rows * stride).iter().map(|&b| f32::from(b) / 37.0).collect();
                    let w: Vec<f32> =
                        bytes(inp as u64 + 9, out * inp).iter().map(|&b| f32::from(b) / 91.0).collect();
                    let wp = pack_f32(&w, out, inp);
                    let (mut y1, mut y2) = (vec![0f32; rows * out], vec![1f32; rows * out]);
                    let ep = Epilogue::STORE;
                    kernels.gemm_f32(&x, stride, offset, rows, &wp, inp, out, &ep, &mut y1);
                    portable::gemm_f32(&x, stride, offset, rows, &wp, inp, out, &ep, &mut y2);
                    let bits = |y: &[f32]| y.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&y1), bits(&y2), "{kernels:?} inp {inp} rows {rows} out {out}");
                    for i in 0..rows {
                        for o in 0..out {
                            let terms = (0..inp)
                                .map(|j| f64::from(w[o * inp + j]) * f64::from(x[i * stride + offset + j]));
                            let (want, mag): (f64, f64) =
                                terms.fold((0.0, 0.0), |(s, m), t| (s + t, m + t.abs()));
                            // The bound of the module doc, with room for the products' own rounding.
                            let bound =
                                (KC + inp.div_ceil(KC) + 2) as f64 * f64::from(f32::EPSILON) / 2.0 * mag;
                            let err = (f64::from(y1[i * out + o]) - want).abs();
                            assert!(
                                err <= bound + 1e-30,
                                "{kernels:?} inp {inp} ({i},{o}): {err:e} > {bound:e}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// Every epilogue on every tier, through the f32 product (one k-slice, several, and none)
    /// and through the int8 one (with its dequantization), is bit-identical to the portable
    /// one, including its edge values: ±0, NaN, ±∞ and logits that saturate the sigmoid.
    #[test]
    fn f32_epilogues_agree_bit_for_bit_on_every_tier() {
        let specials = [0.0f32, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 100.0, -100.0, 1e-30];
        let vals = |seed: u64, len: usize, div: f32| -> Vec<f32> {
            bytes(seed, len).iter().map(|&b| f32::from(b) / div).collect()
        };
        for kernels in tiers() {
            for inp in [0, 1, 7, 16, 52, KC, KC + 3, 2 * KC + 1] {
                for (rows, out) in [(1, 1), (MR, NR), (5, 12), (2 * MR + 3, 2 * NR + 9), (ROW_CHUNK + 5, 20)]
                {
                    let (stride, offset) = (inp + 2, 1);
                    let x = vals(inp as u64 + 5, rows * stride, 37.0);
                    let w = vals(inp as u64 + 9, out * inp, 91.0);
                    let wp = pack_f32(&w, out, inp);
                    let bias = vals(out as u64 + 1, out, 50.0);
                    let add = vals(out as u64 + 2, out, 30.0);
                    let m = vals(rows as u64 * 7 + 3, rows * out, 60.0);
                    let y0 = vals(rows as u64 * 5 + 4, rows * out, 20.0);
                    // The int8 product of the same shape, its weight scales random with the
                    // special values mixed in (so the dequantized sums take them too).
                    let k_pad = inp.div_ceil(K_GROUP) * K_GROUP;
                    let xq: Vec<u8> =
                        bytes(inp as u64 + 7, rows * k_pad).iter().map(|&b| b as u8 & 127).collect();
                    let wq = pack_i8(&bytes(inp as u64 + 3, out * k_pad), out, k_pad);
                    let r: Vec<i32> = bytes(out as u64 + 5, out).iter().map(|&b| i32::from(b) * 9).collect();
                    let mut s = vals(out as u64 + 6, out, 3000.0);
                    for (o, v) in s.iter_mut().enumerate().filter(|(o, _)| o % 3 == 0) {
                        *v = specials[(o / 3) % specials.len()];
                    }
                    let t = vals(rows as u64 + 8, rows, 500.0);
                    let z: Vec<i32> =
                        bytes(rows as u64 + 9, rows).iter().map(|&b| i32::from(b as u8 & 127)).collect();
                    let dq = Dequant { scales: &t, zeros: &z, row_sum: &r, wscale: &s };
                    let posts = [Post::Store, Post::Relu, Post::Gate(&m), Post::Residual(&m)];
                    for post in posts {
                        for (b, a) in [
                            (&[][..], None),
                            (&bias[..], None),
                            (&[][..], Some(&add[..])),
                            (&bias[..], Some(&add[..])),
                        ] {
                            let ep = Epilogue::new(b, a, post);
                            let bits = |y: &[f32]| y.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                            let (mut y1, mut y2) = (y0.clone(), y0.clone());
                            kernels.gemm_f32(&x, stride, offset, rows, &wp, inp, out, &ep, &mut y1);
                            portable::gemm_f32(&x, stride, offset, rows, &wp, inp, out, &ep, &mut y2);
                            assert_eq!(
                                bits(&y1),
                                bits(&y2),
                                "{kernels:?} gemm {post:?} inp {inp} rows {rows} out {out}"
                            );
                            let (mut y1, mut y2) = (y0.clone(), y0.clone());
                            kernels.gemm_u8i8_f32(&xq, k_pad, rows, &wq, out, &dq, &ep, &mut y1);
                            portable::gemm_u8i8_f32(&xq, k_pad, rows, &wq, out, &dq, &ep, &mut y2);
                            assert_eq!(
                                bits(&y1),
                                bits(&y2),
                                "{kernels:?} int8 {post:?} inp {inp} rows {rows} out {out}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The epilogue computes what the layers computed in their own passes before it existed.
    #[test]
    fn epilogues_are_the_layer_formulas() {
        let (sums, b, a, m, y0) =
            ([1.5f32, -2.0], [0.25f32, 0.5], [0.125f32, -4.0], [3.0f32, -1.0], [10.0f32, 20.0]);
        let t = [(1.5f32 + 0.25) + 0.125, (-2.0f32 + 0.5) - 4.0];
        let run = |post| {
            let mut y = y0;
            portable::epilogue(&sums, 1, 2, &Epilogue::new(&b, Some(&a), post), &mut y);
            y
        };
        assert_eq!(run(Post::Store), t);
        assert_eq!(run(Post::Relu), [t[0], 0.0]);
        assert_eq!(
            run(Post::Gate(&m)),
            [m[0] * portable::gate_sigmoid(t[0]), m[1] * portable::gate_sigmoid(t[1])]
        );
        assert_eq!(run(Post::Residual(&m)), [y0[0] + m[0] * t[0], y0[1] + m[1] * t[1]]);
    }

    #[test]
    fn attention_tiers_agree_bit_for_bit_for_every_rank() {
        for kernels in tiers() {
            // Every tail of the eight-row groups and of the ATTN_GROUPS passes, and the large model's rank.
            for r in (1..=40).chain([63, 64]) {
                for (tau, scale) in [(1.0f32, 1.0f32), (4.0, 3.0), (0.01, 40.0), (0.3, 0.0)] {
                    let f = |seed: u64| -> Vec<f32> {
                        bytes(seed, r).iter().map(|&b| f32::from(b) / 128.0 * scale).collect()
                    };
                    // Three candidates in rows of stride 3r + 2 (the two extra columns unread).
                    let (rows, p) = (3, 3 * r + 2);
                    let mut proj = vec![f32::NAN; rows * p];
                    let mut h2 = vec![0f32; rows * r];
                    for i in 0..rows {
                        let s = i as u64 * 11;
                        let (v, q, k) =
                            (f(r as u64 * 3 + 1 + s), f(r as u64 * 5 + 2 + s), f(r as u64 * 7 + 3 + s));
                        let v: Vec<f32> = v.iter().map(|x| x / scale.max(1.0)).collect();
                        proj[i * p..i * p + r].copy_from_slice(&v);
                        proj[i * p + r..i * p + 2 * r].copy_from_slice(&q);
                        proj[i * p + 2 * r..i * p + 3 * r].copy_from_slice(&k);
                        portable::attend(&v, &q, &k, tau, &mut h2[i * r..(i + 1) * r]);
                    }
                    let mut h1 = vec![0f32; rows * r];
                    kernels.attend_rows(&proj, p, r, rows, tau, &mut h1);
                    let bits = |h: &[f32]| h.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&h1), bits(&h2), "{kernels:?} r {r} tau {tau}");
                    assert!(h1.iter().all(|x| x.is_finite()));
                }
            }
        }
    }

    #[test]
    fn forcing_a_tier_is_honoured() {
        assert_eq!(Kernels::select(KernelTier::Portable).unwrap().tier(), KernelTier::Portable);
        let auto = Kernels::select(KernelTier::Auto).unwrap().tier();
        assert_eq!(auto == KernelTier::Avx2, Avx2::new().is_some());
    }
}
