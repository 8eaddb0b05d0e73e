//! The numerical pieces the charts are computed from: a seeded random number
//! generator (so every run draws the same data), the normal distribution,
//! Legendre polynomial features and a least-squares solver.

/// SplitMix64: small, fast and the same on every machine for a given seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Complementary error function, fractional error below 1.2e-7 everywhere
/// (Chebyshev fit, Numerical Recipes `erfcc`), so far tails stay accurate.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// P(Z > z) for a standard normal Z.
pub fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Legendre polynomials P0..=P(degree) at x in [-1, 1]: well-conditioned
/// polynomial features.
pub fn legendre(x: f64, degree: usize) -> Vec<f64> {
    let mut p = vec![1.0];
    if degree >= 1 {
        p.push(x);
    }
    for n in 1..degree {
        let n_f = n as f64;
        let next = ((2.0 * n_f + 1.0) * x * p[n] - n_f * p[n - 1]) / (n_f + 1.0);
        p.push(next);
    }
    p
}

/// Least squares: the weights minimising |Xw - y|² + ridge·|w|², by Cholesky
/// on the normal equations.
pub fn least_squares(rows: &[Vec<f64>], y: &[f64], ridge: f64) -> Vec<f64> {
    let k = rows[0].len();
    let mut a = vec![vec![0.0; k]; k];
    let mut b = vec![0.0; k];
    for (row, &target) in rows.iter().zip(y) {
        for i in 0..k {
            b[i] += row[i] * target;
            for j in 0..k {
                a[i][j] += row[i] * row[j];
            }
        }
    }
    for (i, a_row) in a.iter_mut().enumerate() {
        a_row[i] += ridge;
    }
    // Cholesky: a = L Lᵀ.
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[i][m] * l[j][m]).sum();
            if i == j {
                l[i][i] = (a[i][i] - s).max(1e-300).sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    let mut z = vec![0.0; k];
    for i in 0..k {
        let s: f64 = (0..i).map(|m| l[i][m] * z[m]).sum();
        z[i] = (b[i] - s) / l[i][i];
    }
    let mut w = vec![0.0; k];
    for i in (0..k).rev() {
        let s: f64 = (i + 1..k).map(|m| l[m][i] * w[m]).sum();
        w[i] = (z[i] - s) / l[i][i];
    }
    w
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_matches_known_values() {
        assert!((normal_tail(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_tail(1.959_964) - 0.025).abs() < 1e-6);
        assert!((normal_tail(-1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn least_squares_recovers_a_line() {
        let rows: Vec<Vec<f64>> = (0..5).map(|i| vec![1.0, f64::from(i)]).collect();
        let y: Vec<f64> = (0..5).map(|i| 2.0 + 3.0 * f64::from(i)).collect();
        let w = least_squares(&rows, &y, 0.0);
        assert!((w[0] - 2.0).abs() < 1e-9 && (w[1] - 3.0).abs() < 1e-9);
    }
}
