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

/// The standard normal quantile; see [`hotline_erlang::normal_quantile`] (kept here, where the
/// simulator's interval code has always found it).
pub use hotline_erlang::normal_quantile;

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
///
/// The bins are allocated up to the longest wait recorded (a histogram of short waits stays
/// small, and making one costs no zeroing of 15,000 bins: the simulator makes one per queue and
/// call type of every replication).
#[derive(Debug, Clone, Default)]
pub struct WaitHistogram {
    zeros: u64,
    /// Counts of bins `0..bins.len()`; the bins past the end are empty.
    bins: Vec<u64>,
    total: u64,
}

impl PartialEq for WaitHistogram {
    /// Equal counts in every bin (however far each one's bins are allocated).
    fn eq(&self, other: &Self) -> bool {
        let (short, long) = if self.bins.len() <= other.bins.len() {
            (&self.bins, &other.bins)
        } else {
            (&other.bins, &self.bins)
        };
        self.zeros == other.zeros
            && self.total == other.total
            && long[..short.len()] == short[..]
            && long[short.len()..].iter().all(|&c| c == 0)
    }
}

const LINEAR_BINS: usize = 1000;
const GROWTH: f64 = 1.001;
const LOG_BINS: usize = 14_000;

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
        if i >= self.bins.len() {
            self.grow(i);
        }
        self.bins[i] += 1;
    }

    /// Allocates the bins up to `i` at least (by doubling, so a run of growing waits
    /// reallocates a few times, not once a bin).
    #[cold]
    fn grow(&mut self, i: usize) {
        let len = (i + 1).max(2 * self.bins.len()).clamp(256, LINEAR_BINS + LOG_BINS);
        self.bins.resize(len, 0);
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &WaitHistogram) {
        self.zeros += other.zeros;
        self.total += other.total;
        if other.bins.len() > self.bins.len() {
            self.bins.resize(other.bins.len(), 0);
        }
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
    fn histograms_allocate_bins_as_waits_need_them_and_compare_by_counts() {
        let mut short = WaitHistogram::default();
        short.record(0.5);
        let mut long = WaitHistogram::default();
        long.record(1e9); // the last bin
        long.record(0.5);
        assert!(short.bins.len() < long.bins.len());
        assert_eq!(long.bins.len(), LINEAR_BINS + LOG_BINS);
        let mut merged = short.clone();
        merged.merge(&long);
        assert_eq!(merged.count(), 3);
        assert_eq!(merged.quantile(1.0), long.quantile(1.0));
        // Same counts, different allocations: equal.
        let mut a = WaitHistogram::default();
        a.record(0.25);
        let mut b = WaitHistogram::default();
        b.record(3000.0);
        b.bins.iter_mut().for_each(|c| *c = 0);
        b.record(0.25);
        b.total = 1;
        assert_eq!(a, b);
        b.record(3000.0);
        assert_ne!(a, b);
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
