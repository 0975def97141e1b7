//! Small dense linear algebra for the per-entity Gaussian draws (`(k+1) x (k+1)` systems) and
//! the serving compression: Cholesky factorization, triangular solves, a Gaussian draw from a
//! precision matrix, and Jacobi's symmetric eigen-decomposition.

use crate::util::rng::Rng;

/// In-place Cholesky `A = L Lᵀ` of the symmetric positive definite `n x n` row-major `a`
/// (only the lower triangle is read; `L` overwrites it). A non-positive pivot (which rounding
/// can give for a near-singular `A`) is replaced by a tiny positive one.
pub fn cholesky(a: &mut [f64], n: usize) {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = if d > 1e-300 { d.sqrt() } else { 1e-150 };
        a[j * n + j] = d;
        let inv = 1.0 / d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s * inv;
        }
    }
}

/// Solves `L x = b` in place (`L` lower triangular from [`cholesky`]).
pub fn solve_lower(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solves `Lᵀ x = b` in place.
pub fn solve_upper_t(l: &[f64], n: usize, b: &mut [f64]) {
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Draws `x ~ N(Λ⁻¹ b, Λ⁻¹)` given the precision `Λ` (overwritten by its Cholesky factor) and
/// `b` (overwritten by the draw): `x = L⁻ᵀ (L⁻¹ b + z)`, `z ~ N(0, I)`. With `rng = None` it
/// returns the mean `Λ⁻¹ b`.
pub fn gaussian_from_precision(prec: &mut [f64], b: &mut [f64], n: usize, rng: Option<&mut Rng>) {
    cholesky(prec, n);
    solve_lower(prec, n, b);
    if let Some(rng) = rng {
        for v in b.iter_mut() {
            *v += rng.normal(0.0, 1.0);
        }
    }
    solve_upper_t(prec, n, b);
}

/// Eigen-decomposition of the symmetric `n x n` row-major `a` by cyclic Jacobi rotations:
/// returns the eigenvalues (decreasing) and the eigenvectors as the columns of a row-major
/// `n x n` matrix.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        let mut diag = 0.0;
        for i in 0..n {
            diag += m[i * n + i] * m[i * n + i];
            for j in i + 1..n {
                off += m[i * n + j] * m[i * n + j];
            }
        }
        if off <= 1e-30 * diag.max(1e-300) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k * n + p];
                    let mkq = m[k * n + q];
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p * n + k];
                    let mqk = m[q * n + k];
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[j * n + j].partial_cmp(&m[i * n + i]).unwrap());
    let values = order.iter().map(|&i| m[i * n + i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (new, &old) in order.iter().enumerate() {
        for k in 0..n {
            vectors[k * n + new] = v[k * n + old];
        }
    }
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves() {
        // A = [[4, 2], [2, 3]], b = [2, 1] -> x = [0.5, 0]
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        gaussian_from_precision(&mut a, &mut b, 2, None);
        assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12);
    }

    #[test]
    fn draws_have_the_right_covariance() {
        let prec = [2.0, 0.5, 0.5, 1.0];
        let mut rng = Rng::new(7);
        let n = 200_000;
        let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let mut p = prec.to_vec();
            let mut b = vec![0.0, 0.0];
            gaussian_from_precision(&mut p, &mut b, 2, Some(&mut rng));
            s00 += b[0] * b[0];
            s01 += b[0] * b[1];
            s11 += b[1] * b[1];
        }
        // inverse of prec: 1/1.75 * [[1, -0.5], [-0.5, 2]]
        let det = 1.75;
        assert!((s00 / n as f64 - 1.0 / det).abs() < 0.01);
        assert!((s01 / n as f64 + 0.5 / det).abs() < 0.01);
        assert!((s11 / n as f64 - 2.0 / det).abs() < 0.02);
    }

    #[test]
    fn jacobi_eigen() {
        let a = [2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0];
        let (vals, vecs) = symmetric_eigen(&a, 3);
        assert!((vals[0] - 5.0).abs() < 1e-10);
        assert!((vals[1] - 3.0).abs() < 1e-10);
        assert!((vals[2] - 1.0).abs() < 1e-10);
        // A v = λ v for the second
        for i in 0..3 {
            let av: f64 = (0..3).map(|k| a[i * 3 + k] * vecs[k * 3 + 1]).sum();
            assert!((av - 3.0 * vecs[i * 3 + 1]).abs() < 1e-9);
        }
    }
}
