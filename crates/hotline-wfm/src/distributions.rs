//! Sampling and the few special functions the generator and the density forecasts need.
//!
//! Written here rather than taken from `rand_distr` to keep the dependency list short and the
//! sequences stable across versions of other crates (a seed always makes the same series). The
//! gamma sampler ([`gamma_variate`]) is public: hotline-sim's streams draw from it too.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

/// A source of uniform and standard normal variates, from which [`gamma_variate`] draws.
///
/// hotline-wfm's generator and hotline-sim's random streams both implement it, so the two
/// crates share one gamma sampler while each keeps its own uniform and normal draws.
pub trait Variates {
    /// Uniform in [0, 1) (or (0, 1)).
    fn uniform(&mut self) -> f64;
    /// Standard normal.
    fn normal(&mut self) -> f64;
}

/// A gamma variate with shape `k > 0` and scale 1: Marsaglia and Tsang's method (2000), with
/// their squeeze, and for `k < 1` their boost `G(k) = G(k + 1) U^(1/k)` (the uniform drawn
/// first).
///
/// ```
/// use hotline_wfm::{Variates, gamma_variate};
/// struct Lcg(u64);
/// impl Variates for Lcg {
///     fn uniform(&mut self) -> f64 {
///         self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
///         (self.0 >> 11) as f64 / (1u64 << 53) as f64
///     }
///     fn normal(&mut self) -> f64 {
///         let (u1, u2) = (1.0 - self.uniform(), self.uniform());
///         (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
///     }
/// }
/// let mut rng = Lcg(7);
/// let mean = (0..10_000).map(|_| gamma_variate(&mut rng, 3.0)).sum::<f64>() / 10_000.0;
/// assert!((mean - 3.0).abs() < 0.1, "{mean}");
/// ```
pub fn gamma_variate<V: Variates + ?Sized>(rng: &mut V, k: f64) -> f64 {
    if k < 1.0 {
        let u = rng.uniform().max(f64::MIN_POSITIVE);
        return gamma_variate(rng, k + 1.0) * u.powf(1.0 / k);
    }
    let d = k - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.uniform();
        if u < 1.0 - 0.0331 * x * x * x * x
            || u.max(f64::MIN_POSITIVE).ln() < 0.5 * x * x + d * (1.0 - v + v.ln())
        {
            return d * v;
        }
    }
}

impl Variates for Sampler {
    fn uniform(&mut self) -> f64 {
        Sampler::uniform(self)
    }

    fn normal(&mut self) -> f64 {
        Sampler::normal(self)
    }
}

/// A seeded generator of uniform, normal, gamma and Poisson variates.
#[derive(Debug, Clone)]
pub(crate) struct Sampler {
    rng: Xoshiro256PlusPlus,
}

impl Sampler {
    pub(crate) fn new(seed: u64) -> Sampler {
        Sampler { rng: Xoshiro256PlusPlus::seed_from_u64(seed) }
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (`n > 0`).
    #[allow(dead_code)] // used by the schedule search
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.rng.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Standard normal (Box–Muller, one of the pair).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Gamma with shape `k > 0` and scale 1 ([`gamma_variate`]).
    pub(crate) fn gamma(&mut self, k: f64) -> f64 {
        gamma_variate(self, k)
    }

    /// Poisson with mean `lambda >= 0`: inversion below 30, else Hörmann's PTRS (1993).
    pub(crate) fn poisson(&mut self, lambda: f64) -> f64 {
        if lambda.is_nan() || lambda <= 0.0 {
            return 0.0;
        }
        if lambda < 30.0 {
            let mut p = (-lambda).exp();
            let mut cdf = p;
            let u = self.uniform();
            let mut k = 0.0;
            while u > cdf && k < 1000.0 {
                k += 1.0;
                p *= lambda / k;
                cdf += p;
            }
            return k;
        }
        let slam = lambda.sqrt();
        let loglam = lambda.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.024_83 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln()
                <= -lambda + k * loglam - ln_gamma(k + 1.0)
            {
                return k;
            }
        }
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (std::f64::consts::TAU).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The `p`-quantile of the negative binomial with mean `mu` and variance `mu + mu²/size`
/// (the Poisson–gamma mixture); `size = ∞` is the Poisson.
pub(crate) fn neg_binomial_quantile(mu: f64, size: f64, p: f64) -> f64 {
    if mu.is_nan() || mu <= 0.0 {
        return 0.0;
    }
    let var = if size.is_finite() { mu + mu * mu / size } else { mu };
    if mu > 2_000.0 {
        // Normal approximation with a Cornish–Fisher skew term: the pmf walk would be long.
        let z = normal_quantile(p);
        let skew =
            if size.is_finite() { (2.0 * mu / size + 1.0) / var.sqrt() } else { 1.0 / mu.sqrt() };
        return (mu + var.sqrt() * (z + skew * (z * z - 1.0) / 6.0)).max(0.0).round();
    }
    // Walk the pmf: P(0), then the ratio P(k+1)/P(k).
    let (mut pk, ratio): (f64, Box<dyn Fn(f64) -> f64>) = if size.is_finite() {
        let q = size / (size + mu);
        (size * q.ln(), Box::new(move |k: f64| (k + size) / (k + 1.0) * (1.0 - q)))
    } else {
        (-mu, Box::new(move |k: f64| mu / (k + 1.0)))
    };
    // Work in logs until the pmf is representable.
    let mut k = 0.0;
    let mut cdf = 0.0;
    let limit = mu + 40.0 * var.sqrt() + 50.0;
    while k <= limit {
        cdf += pk.exp();
        if cdf >= p {
            return k;
        }
        pk += ratio(k).ln();
        k += 1.0;
    }
    k
}

/// The standard normal quantile, kept finite: `p` is clamped into `[1e-300, 1 - 1e-16]` first
/// (a density forecast's bound is a number, never an infinity).
pub(crate) fn normal_quantile(p: f64) -> f64 {
    hotline_erlang::normal_quantile(p.clamp(1e-300, 1.0 - 1e-16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samplers_have_the_right_moments() {
        let mut s = Sampler::new(7);
        for &(lambda, n) in &[(3.0, 40_000), (80.0, 40_000)] {
            let xs: Vec<f64> = (0..n).map(|_| s.poisson(lambda)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            assert!((mean - lambda).abs() < 0.05 * lambda, "mean {mean} for {lambda}");
            assert!((var - lambda).abs() < 0.08 * lambda, "var {var} for {lambda}");
        }
        let xs: Vec<f64> = (0..40_000).map(|_| s.gamma(4.0)).collect();
        let mean = xs.iter().sum::<f64>() / 40_000.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 40_000.0;
        assert!((mean - 4.0).abs() < 0.05 && (var - 4.0).abs() < 0.2, "{mean} {var}");
        let m = (0..20_000).map(|_| s.gamma(0.5)).sum::<f64>() / 20_000.0;
        assert!((m - 0.5).abs() < 0.03, "{m}");
    }

    #[test]
    fn special_functions_match_known_values() {
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-10);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-10);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        // Poisson(10): P(X <= 15) = 0.9513, P(X <= 14) = 0.9165.
        assert_eq!(neg_binomial_quantile(10.0, f64::INFINITY, 0.95), 15.0);
        // NB(mean 10, size 2), variance 60 (scipy.stats.nbinom.ppf(q, 2, 1/6)): 8 and 25.
        assert_eq!(neg_binomial_quantile(10.0, 2.0, 0.5), 8.0);
        assert_eq!(neg_binomial_quantile(10.0, 2.0, 0.95), 25.0);
        assert_eq!(neg_binomial_quantile(0.0, 2.0, 0.5), 0.0);
    }
}
