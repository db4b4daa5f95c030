//! Output analysis: confidence intervals across replications, Student-t quantiles, a wait-time
//! histogram for percentiles, and Jain's fairness index.

use serde::{Deserialize, Serialize};

/// A KPI estimated from independent replications: the mean of the per-replication values and
/// the half-width of its 95% confidence interval (Student t with n − 1 degrees of freedom).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over the replications that had a value.
    pub mean: f64,
    /// Half-width of the 95% confidence interval (0 with fewer than two values).
    pub ci95: f64,
    /// Sample standard deviation of the per-replication values.
    pub sd: f64,
    /// How many replications had a value.
    pub n: usize,
}

impl Estimate {
    /// Estimates from per-replication values (`NaN`s, from replications without a value, are
    /// left out). `None` when no replication had a value.
    pub fn from_values(values: &[f64]) -> Option<Estimate> {
        let xs: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if xs.is_empty() {
            return None;
        }
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let ci95 =
            if n > 1 { t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt() } else { 0.0 };
        Some(Estimate { mean, ci95, sd, n })
    }

    /// The half-width at two-sided confidence level `level` (0.95, 0.99, or a Bonferroni-adjusted
    /// level such as `1 - 0.01 / k`).
    pub fn half_width(&self, level: f64) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        t_quantile(1.0 - (1.0 - level) / 2.0, (self.n - 1) as f64) * self.sd
            / (self.n as f64).sqrt()
    }

    /// Whether `value` lies within the interval at confidence `level`.
    pub fn contains(&self, value: f64, level: f64) -> bool {
        (self.mean - value).abs() <= self.half_width(level)
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// The Student-t quantile with `df` degrees of freedom (Hill's 1970 expansion around the normal
/// quantile: accurate to about 1e-4 relative for df ≥ 3 at the levels used here).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let z = normal_quantile(p);
    if !df.is_finite() {
        return z;
    }
    // Closed forms for one and two degrees of freedom, where the expansion is poor.
    if df == 1.0 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    if df == 2.0 {
        return (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
    }
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + g1 / df + g2 / (df * df) + g3 / (df * df * df) + g4 / (df * df * df * df)
}

/// Jain's fairness index of non-negative allocations: (Σx)² / (n Σx²), 1 when all are equal,
/// 1/n when one takes everything. `None` for no values or all zeros.
pub fn jain_index(xs: &[f64]) -> Option<f64> {
    let s: f64 = xs.iter().sum();
    let s2: f64 = xs.iter().map(|x| x * x).sum();
    (!xs.is_empty() && s2 > 0.0).then(|| s * s / (xs.len() as f64 * s2))
}

/// A wait-time histogram for percentiles: 1 ms bins below one second, then geometric bins 0.1%
/// wide up to about 11.6 days (a later value lands in the last bin). Quantiles interpolate
/// within a bin, so they are exact to 0.05% relative above one second.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitHistogram {
    zeros: u64,
    bins: Vec<u64>,
    total: u64,
}

const LINEAR_BINS: usize = 1000;
const GROWTH: f64 = 1.001;
const LOG_BINS: usize = 14_000;

impl Default for WaitHistogram {
    fn default() -> Self {
        WaitHistogram { zeros: 0, bins: vec![0; LINEAR_BINS + LOG_BINS], total: 0 }
    }
}

impl WaitHistogram {
    fn lower(i: usize) -> f64 {
        if i < LINEAR_BINS { i as f64 * 1e-3 } else { GROWTH.powi((i - LINEAR_BINS) as i32) }
    }

    /// Records a wait in seconds (zero waits are counted apart, exactly).
    pub fn record(&mut self, wait: f64) {
        self.total += 1;
        if wait <= 0.0 {
            self.zeros += 1;
            return;
        }
        let i = if wait < 1.0 {
            (wait * 1e3) as usize
        } else {
            (LINEAR_BINS + (wait.ln() / GROWTH.ln()) as usize).min(LINEAR_BINS + LOG_BINS - 1)
        };
        self.bins[i] += 1;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &WaitHistogram) {
        self.zeros += other.zeros;
        self.total += other.total;
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
    }

    /// Number of waits recorded.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q` quantile (0–1) of the recorded waits, `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * self.total as f64;
        if rank <= self.zeros as f64 {
            return Some(0.0);
        }
        let mut below = self.zeros as f64;
        for (i, &c) in self.bins.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let c = c as f64;
            if below + c >= rank {
                let (lo, hi) = (Self::lower(i), Self::lower(i + 1));
                return Some(lo + (hi - lo) * (rank - below) / c);
            }
            below += c;
        }
        Some(Self::lower(self.bins.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.005) + 2.575_829_303_548_901).abs() < 1e-8);
        // Student t table values.
        for (p, df, t) in [
            (0.975, 29.0, 2.045_229_642),
            (0.975, 9.0, 2.262_157_163),
            (0.995, 29.0, 2.756_385_904),
            (0.999_5, 99.0, 3.391_562_403),
        ] {
            let got = t_quantile(p, df);
            assert!((got - t).abs() / t < 2e-4, "t({p}, {df}) = {got}, want {t}");
        }
    }

    #[test]
    fn estimate_and_jain() {
        let e = Estimate::from_values(&[1.0, 2.0, 3.0, f64::NAN]).unwrap();
        assert_eq!(e.n, 3);
        assert!((e.mean - 2.0).abs() < 1e-12 && (e.sd - 1.0).abs() < 1e-12);
        assert!((e.ci95 - 4.302_652_73 / 3f64.sqrt()).abs() < 0.01);
        assert_eq!(jain_index(&[0.5, 0.5, 0.5]), Some(1.0));
        assert!((jain_index(&[1.0, 0.0, 0.0, 0.0]).unwrap() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn histogram_quantiles() {
        let mut h = WaitHistogram::default();
        for i in 0..1000 {
            h.record(i as f64 / 10.0);
        }
        assert_eq!(h.quantile(0.0005), Some(0.0));
        let q = h.quantile(0.9).unwrap();
        assert!((q - 90.0).abs() < 0.2, "{q}");
        assert!(WaitHistogram::default().quantile(0.5).is_none());
    }
}
