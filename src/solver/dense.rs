//! Dense Gauss–Jordan inversion for the two masters' small basis matrices (the ranking
//! master's `(R + 1)²` basis, the edge master's `R × R` working basis).
//!
//! `aug` holds `[A | I]` row-major, `n` rows of width `2n`. Each column `c` takes the
//! row at or below `c` with the largest `|a_ic|` as its pivot (partial pivoting keeps the
//! multipliers at most 1 in magnitude), scales it to a unit pivot and eliminates the column
//! from every other row; at the end the right half is `A⁻¹`.

/// Inverts in place; `false` (with `aug` partly reduced) when a pivot is not finite or at
/// most `min_pivot` in magnitude: the matrix is singular to the caller's tolerance.
pub(crate) fn invert_in_place(aug: &mut [f64], n: usize, min_pivot: f64) -> bool {
    let width = 2 * n;
    for c in 0..n {
        let pivot_row = (c..n)
            .max_by(|&x, &y| aug[x * width + c].abs().total_cmp(&aug[y * width + c].abs()))
            .unwrap_or(c);
        let pivot = aug[pivot_row * width + c];
        if !pivot.is_finite() || pivot.abs() <= min_pivot {
            return false;
        }
        if pivot_row != c {
            for k in 0..width {
                aug.swap(c * width + k, pivot_row * width + k);
            }
        }
        for k in 0..width {
            aug[c * width + k] /= pivot;
        }
        for i in 0..n {
            let f = aug[i * width + c];
            if i != c && f != 0.0 {
                for k in 0..width {
                    aug[i * width + k] -= f * aug[c * width + k];
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_and_refuses_singular() {
        // [[0, 2], [1, 1]] needs a row swap; its inverse is [[-0.5, 1], [0.5, 0]].
        let mut aug = vec![0.0, 2.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
        assert!(invert_in_place(&mut aug, 2, 1e-12));
        assert_eq!([aug[2], aug[3], aug[6], aug[7]], [-0.5, 1.0, 0.5, 0.0]);
        let mut singular = vec![1.0, 2.0, 1.0, 0.0, 2.0, 4.0, 0.0, 1.0];
        assert!(!invert_in_place(&mut singular, 2, 1e-12));
        let mut nan = vec![f64::NAN, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        assert!(!invert_in_place(&mut nan, 2, 1e-12));
    }
}
