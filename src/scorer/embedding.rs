//! Embedding tables: plain and quotient–remainder (QR) hashed, stored f32 or int8
//! "middle-max" row-wise (FORMAT.md §5).
//!
//! - Plain: `E(k) = T[k]`; `k ≥ rows` is an error of the request (never clamped or wrapped).
//! - QR with `M = r_rows`, `Q = q_rows`, in u64: `E(k) = T_Q[(k / M) mod Q] + T_R[k mod M]`;
//!   every id is valid (no product `Q·M` is formed, so nothing can overflow).
//! - int8 rows dequantize as `x̂[r, j] = middle[r] + f32(q[r, j]) · scale[r]`, which is exact
//!   for `scale = 0` (constant rows). The dequantized table *is* the model (the golden
//!   outputs are computed from it), so tables are dequantized once at load and looked up
//!   as f32: at these sizes (≤ a few hundred KiB) the memory is worth the simpler hot loop.

/// One dense f32 table, `rows × dim` row-major.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub(crate) rows: usize,
    pub(crate) values: Vec<f32>,
}

impl Table {
    /// Dequantizes an int8 middle-max table (`q` is `rows × dim`).
    pub(crate) fn dequantize(q: &[i8], scale: &[f32], middle: &[f32], rows: usize, dim: usize) -> Self {
        let mut values = Vec::with_capacity(rows * dim);
        for r in 0..rows {
            for &qj in &q[r * dim..(r + 1) * dim] {
                values.push(middle[r] + f32::from(qj) * scale[r]);
            }
        }
        Table { rows, values }
    }
}

/// The table(s) of one sparse feature.
#[derive(Clone, Debug)]
pub(crate) struct Embedding {
    pub(crate) name: String,
    pub(crate) dim: usize,
    pub(crate) tables: Tables,
}

#[derive(Clone, Debug)]
pub(crate) enum Tables {
    Plain(Table),
    Qr { q: Table, r: Table },
}

impl Embedding {
    /// Rows of the plain table (for error messages), or `usize::MAX` for QR (unbounded).
    pub(crate) fn rows(&self) -> usize {
        match &self.tables {
            Tables::Plain(t) => t.rows,
            Tables::Qr { .. } => usize::MAX,
        }
    }

    /// Whether `id` can be looked up (plain tables: `id < rows`; QR: always).
    pub(crate) fn accepts(&self, id: u64) -> bool {
        match &self.tables {
            Tables::Plain(t) => id < t.rows as u64,
            Tables::Qr { .. } => true,
        }
    }

    /// Writes `E(id)` into `out` (`dim` values). The caller has checked [`Self::accepts`].
    #[inline]
    pub(crate) fn lookup(&self, id: u64, out: &mut [f32]) {
        let dim = self.dim;
        match &self.tables {
            Tables::Plain(t) => {
                let r = id as usize;
                out.copy_from_slice(&t.values[r * dim..(r + 1) * dim]);
            }
            Tables::Qr { q, r } => {
                let m = r.rows as u64;
                let qi = ((id / m) % q.rows as u64) as usize;
                let ri = (id % m) as usize;
                let qv = &q.values[qi * dim..(qi + 1) * dim];
                let rv = &r.values[ri * dim..(ri + 1) * dim];
                for ((o, a), b) in out.iter_mut().zip(qv).zip(rv) {
                    *o = a + b;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize, dim: usize, base: f32) -> Table {
        Table { rows, values: (0..rows * dim).map(|i| base + i as f32).collect() }
    }

    #[test]
    fn qr_index_math_is_u64_and_wraps_the_quotient() {
        let e = Embedding {
            name: "f".into(),
            dim: 2,
            tables: Tables::Qr { q: table(3, 2, 100.0), r: table(4, 2, 0.0) },
        };
        let mut out = [0f32; 2];
        // k = 9: q = (9 / 4) % 3 = 2, r = 1.
        e.lookup(9, &mut out);
        assert_eq!(out, [104.0 + 2.0, 105.0 + 3.0]);
        // k = u64::MAX: q = (u64::MAX / 4) % 3, r = 3.
        let qi = ((u64::MAX / 4) % 3) as f32;
        e.lookup(u64::MAX, &mut out);
        assert_eq!(out, [100.0 + 2.0 * qi + 6.0, 101.0 + 2.0 * qi + 7.0]);
        assert!(e.accepts(u64::MAX));
    }

    #[test]
    fn plain_tables_reject_ids_past_the_end() {
        let e = Embedding { name: "f".into(), dim: 2, tables: Tables::Plain(table(3, 2, 0.0)) };
        assert!(e.accepts(2));
        assert!(!e.accepts(3));
        assert!(!e.accepts(u64::MAX));
        let mut out = [0f32; 2];
        e.lookup(2, &mut out);
        assert_eq!(out, [4.0, 5.0]);
    }

    #[test]
    fn int8_rows_dequantize_with_zero_scale() {
        let t = Table::dequantize(&[-128, 0, 127, 5, 5, 5], &[0.5, 0.0], &[1.0, -2.5], 2, 3);
        assert_eq!(t.values, [-63.0, 1.0, 64.5, -2.5, -2.5, -2.5]);
    }
}
