//! Small dense linear algebra: row-major `n × n` matrices as flat `f64` slices.

use super::ForecastError;

/// The lower-triangular Cholesky factor `L` (row-major, `L·Lᵀ = m`) of a symmetric positive
/// definite `n × n` matrix `m`.
pub fn cholesky(m: &[f64], n: usize) -> Result<Vec<f64>, ForecastError> {
    if m.len() != n * n {
        return Err(ForecastError::LengthMismatch {
            field: "matrix",
            got: m.len(),
            expected: n * n,
        });
    }
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| at(&l, n, i, k) * at(&l, n, j, k)).sum();
            let v = at(m, n, i, j) - dot;
            let out = if i == j {
                if v <= 0.0 || !v.is_finite() {
                    return Err(ForecastError::NotPositiveDefinite { index: i, pivot: v });
                }
                v.sqrt()
            } else {
                let d = at(&l, n, j, j);
                v / d
            };
            if let Some(slot) = l.get_mut(i * n + j) {
                *slot = out;
            }
        }
    }
    Ok(l)
}

/// `out = L·x` for a lower-triangular row-major `L` (`out`, `x` of length `n`).
pub fn mul_lower(l: &[f64], x: &[f64], out: &mut [f64]) {
    let n = x.len();
    for (i, (o, row)) in out.iter_mut().zip(l.chunks_exact(n)).enumerate() {
        *o = row.iter().zip(x).take(i + 1).map(|(a, b)| a * b).sum();
    }
}

/// `aᵀ·M·a` for a row-major `n × n` matrix `M`.
pub fn quadratic_form(m: &[f64], a: &[f64]) -> f64 {
    let n = a.len();
    m.chunks_exact(n)
        .zip(a)
        .map(|(row, ai)| ai * row.iter().zip(a).map(|(mij, aj)| mij * aj).sum::<f64>())
        .sum()
}

fn at(m: &[f64], n: usize, i: usize, j: usize) -> f64 {
    m.get(i * n + j).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reconstructs_the_matrix() {
        let m = [4.0, 2.0, 0.4, 2.0, 2.0, 0.5, 0.4, 0.5, 1.0];
        let l = cholesky(&m, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((v - m[i * 3 + j]).abs() < 1e-12, "({i},{j})");
            }
            for j in i + 1..3 {
                assert_eq!(l[i * 3 + j], 0.0);
            }
        }
        assert_eq!(l[0], 2.0);
    }

    #[test]
    fn cholesky_rejects_impossible_correlations() {
        // Three assets pairwise at −0.9 cannot exist.
        let m = [1.0, -0.9, -0.9, -0.9, 1.0, -0.9, -0.9, -0.9, 1.0];
        assert!(matches!(
            cholesky(&m, 3),
            Err(ForecastError::NotPositiveDefinite { .. })
        ));
    }

    #[test]
    fn mul_lower_and_quadratic_form() {
        let l = [1.0, 0.0, 0.5, 2.0];
        let mut out = [0.0; 2];
        mul_lower(&l, &[2.0, 3.0], &mut out);
        assert_eq!(out, [2.0, 7.0]);
        assert_eq!(
            quadratic_form(&[1.0, 0.5, 0.5, 2.0], &[1.0, 2.0]),
            1.0 + 2.0 + 8.0
        );
    }
}
