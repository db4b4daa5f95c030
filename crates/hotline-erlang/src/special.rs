//! Numerical kernels shared by the models.
//!
//! * [`reciprocal_b`]: `R(x, a) = 1 / B(x, a)`, the reciprocal of the Erlang B blocking probability
//!   for a real number of agents `x >= 0` and a load `a > 0`. Through the incomplete gamma function,
//!   `R(x, a) = e^a a^(-x) Γ(x + 1, a)`, and it obeys the recursion `R(x, a) = 1 + (x / a) R(x - 1, a)`.
//!   The kernel starts the recursion at an `x0 = x - k` comfortably below the load, where Legendre's
//!   continued fraction for `Γ(x0 + 1, a)` converges in a few dozen steps (or, for loads below 2, at
//!   the fractional part, from the power series), and then runs the recursion upward. The recursion
//!   never amplifies a relative error (each step multiplies the error carried by `1 - B < 1`), so the
//!   result keeps close to full precision. Values beyond the range of `f64` are carried with a
//!   separate power-of-two exponent, so blocking probabilities far below the smallest normal double
//!   come out right (or as a true zero below the subnormal range).
//! * [`normal_quantile`]: the standard normal quantile (public: the simulator's intervals and the
//!   workforce crate's density forecasts use it too).
//! * [`kummer_sums`]: the sums over the queue lengths of the M/M/N+M queue (Erlang A), all of
//!   positive terms, scaled the same way.

/// `2^e` for `e` in the normal exponent range `[-1022, 1023]`.
pub(crate) fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `v * 2^e` for any `e`, rounded once (correct into the subnormal range).
pub(crate) fn ldexp(v: f64, e: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    // v = m * 2^k with 1 <= |m| < 2.
    let (w, shift) = if v.abs() < f64::MIN_POSITIVE { (v * pow2(600), -600) } else { (v, 0) };
    let bits = w.to_bits();
    let k = ((bits >> 52) & 0x7ff) as i32 - 1023 + shift;
    let m = f64::from_bits((bits & !(0x7ff_u64 << 52)) | (1023_u64 << 52));
    let total = k.saturating_add(e);
    if total > 1023 {
        return m.signum() * f64::INFINITY;
    }
    if total >= -1022 {
        return m * pow2(total);
    }
    if total < -1076 {
        return m.signum() * 0.0;
    }
    // m * 2^-1022 is exact; the second factor rounds once into the subnormal range.
    m * pow2(-1022) * pow2(total + 1022)
}

/// The scaling step: values above `2^SCALE_BITS` are multiplied by `2^-SCALE_BITS`.
const SCALE_BITS: i32 = 600;

/// Beyond this exponent the reciprocal is so large that `B` is zero in `f64` (below `2^-1074`)
/// and every measure derived from it is settled; the recursion stops there.
const SATURATED_EXP: i32 = 2400;

/// The reciprocal of Erlang B with a power-of-two exponent: `R = r * 2^exp2` and
/// `R - 1 = rm1 * 2^exp2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reciprocal {
    pub r: f64,
    pub rm1: f64,
    pub exp2: i32,
}

impl Reciprocal {
    /// Advances from `R(x - 1, a)` to `R(x, a)` by `R(x) = 1 + (x / a) R(x - 1)`.
    pub(crate) fn step(&mut self, x: f64, a: f64) {
        let one = match self.exp2 {
            0 => 1.0,
            e if e > 1100 => 0.0,
            e => ldexp(1.0, -e),
        };
        self.rm1 = x * self.r / a;
        self.r = self.rm1 + one;
        if self.r > pow2(SCALE_BITS) {
            self.r *= pow2(-SCALE_BITS);
            self.rm1 *= pow2(-SCALE_BITS);
            self.exp2 += SCALE_BITS;
        }
    }

    /// The blocking probability `1 / R`.
    pub(crate) fn blocking(&self) -> f64 {
        ldexp(1.0 / self.r, -self.exp2)
    }
}

/// Coefficients of the Taylor series of `1 / Γ(1 + z)` at 0 (computed with mpmath at 40 digits).
const RECIP_GAMMA_1P: [f64; 30] = [
    1.0,
    0.5772156649015329,
    -0.6558780715202539,
    -0.04200263503409524,
    0.16653861138229148,
    -0.04219773455554433,
    -0.009621971527876973,
    0.0072189432466631,
    -0.0011651675918590652,
    -0.00021524167411495098,
    0.0001280502823881162,
    -2.013485478078824e-05,
    -1.2504934821426706e-06,
    1.133027231981696e-06,
    -2.056338416977607e-07,
    6.116095104481416e-09,
    5.002007644469223e-09,
    -1.18127457048702e-09,
    1.0434267116911005e-10,
    7.782263439905071e-12,
    -3.696805618642206e-12,
    5.100370287454476e-13,
    -2.0583260535665066e-14,
    -5.348122539423018e-15,
    1.2267786282382608e-15,
    -1.1812593016974588e-16,
    1.1866922547516004e-18,
    1.4123806553180319e-18,
    -2.29874568443537e-19,
    1.7144063219273374e-20,
];

/// `Γ(1 + z)` for `z` in `[0, 1]`.
fn gamma_1p(z: f64) -> f64 {
    let mut acc = 0.0;
    for &c in RECIP_GAMMA_1P.iter().rev() {
        acc = acc * z + c;
    }
    1.0 / acc
}

/// Loads below this use the power series at the fractional part; above it, the continued fraction.
const SMALL_LOAD: f64 = 2.0;

/// How far below the load (in standard deviations `sqrt(a)`) the continued fraction is evaluated.
const CF_MARGIN: f64 = 1.5;

/// `R(f, a)` for a fractional part `f` in `(0, 1)` and a small load `a < SMALL_LOAD`, from
/// `R = e^a a^-f Γ(1+f) - Σ_{k>=1} a^k / ((f+1)(f+2)...(f+k))`.
fn reciprocal_small_load(f: f64, a: f64) -> f64 {
    let lead = (a - f * a.ln()).exp() * gamma_1p(f);
    let mut term = 1.0;
    let mut sum = 0.0;
    let mut k = 1.0;
    loop {
        term *= a / (f + k);
        sum += term;
        if term <= sum * 1e-18 {
            break;
        }
        k += 1.0;
    }
    lead - sum
}

/// Legendre's continued fraction: `h` with `Γ(s, a) = e^-a a^s h`, for `a >= SMALL_LOAD`, `s > 0`.
///
/// Evaluated by the modified Lentz method.
fn upper_gamma_cf(s: f64, a: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = a + 1.0 - s;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    let mut i = 1.0_f64;
    // The fraction converges for every a > 0; for a >= 2 with s <= a + 1 a few hundred terms
    // suffice even in the worst case, and the cap only guards against a hang.
    while i < 100_000.0 {
        let an = -i * (i - s);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON * 0.5 {
            break;
        }
        i += 1.0;
    }
    h
}

/// `R(x, a) = 1 / B(x, a)` for `x >= 0` and `a > 0` (both finite).
pub(crate) fn reciprocal_b(x: f64, a: f64) -> Reciprocal {
    let n = x.floor();
    let f = x - n;
    // Start: r = R(x0) at x0 = f + k, with k the integer offset of the start.
    let (mut k, r, rm1);
    if a < SMALL_LOAD || (f == 0.0 && a - CF_MARGIN * a.sqrt() < 2.0) {
        k = 0.0;
        if f == 0.0 {
            r = 1.0;
            rm1 = 0.0;
        } else {
            r = reciprocal_small_load(f, a);
            rm1 = r - 1.0;
        }
    } else {
        // The continued fraction at x0 = f + k, at least one step below x so that the recursion
        // yields R - 1 without cancellation, and well below the load so that it converges fast.
        let below_load = (a - CF_MARGIN * a.sqrt() - f).floor();
        k = below_load.min(n - 1.0).max(if f > 0.0 { -1.0 } else { 0.0 });
        if k == 0.0 && f == 0.0 {
            r = 1.0;
        } else {
            r = a * upper_gamma_cf(f + k + 1.0, a);
        }
        rm1 = r - 1.0;
    }
    let mut recip = Reciprocal { r, rm1, exp2: 0 };
    while k < n && recip.exp2 < SATURATED_EXP {
        k += 1.0;
        recip.step(f + k, a);
    }
    recip
}

/// Sums over the queue states of the M/M/N+M queue with `x = N μ / θ` and `y = λ / θ`:
/// with `t_0 = 1` and `t_{j+1} = t_j y / (x + j + 1)`,
///
/// * `s0 = Σ t_j` (the Kummer function `A(x, y) = 1F1(1; x + 1; y)`),
/// * `abandon = Σ t_j (j + 1) / (x + j + 1)` (callers who find `j` waiting and abandon),
/// * `served = Σ t_j x / (x + j + 1)` (callers who find `j` waiting and are served),
/// * `wait = Σ t_j x / (x + j + 1) Σ_{i=1}^{j+1} 1 / (x + i)` (their waits, in units of `1/θ`),
///
/// all scaled by `2^-exp2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QueueSums {
    pub s0: f64,
    pub abandon: f64,
    pub served: f64,
    pub wait: f64,
    pub exp2: i32,
}

/// Stop once the geometric bound on every remaining tail is below this fraction of its sum.
const TAIL: f64 = 1e-18;

/// The queue sums of [`QueueSums`]; with `moments` false only `s0` is computed.
pub(crate) fn queue_sums(x: f64, y: f64, moments: bool) -> QueueSums {
    let mut sums = QueueSums { s0: 0.0, abandon: 0.0, served: 0.0, wait: 0.0, exp2: 0 };
    let mut t = 1.0;
    let mut harmonic = 0.0;
    let mut j = 0.0_f64;
    let threshold = pow2(SCALE_BITS);
    let scale_down = pow2(-SCALE_BITS);
    loop {
        let denom = x + j + 1.0;
        sums.s0 += t;
        let ratio = y / denom;
        if moments {
            harmonic += 1.0 / denom;
            let served = t * (x / denom);
            sums.served += served;
            sums.abandon += t * ((j + 1.0) / denom);
            sums.wait += served * harmonic;
        }
        if ratio < 1.0 {
            // Terms decrease from here on; bound each tail by a geometric series. The factors
            // (j+1)/(x+j+1) and the harmonic sum grow, hence the margin in the abandon and wait
            // bounds.
            let geometric = ratio / (1.0 - ratio);
            let tail = t * geometric;
            let done = tail <= TAIL * sums.s0
                && (!moments
                    || (tail * 2.0 <= TAIL * sums.abandon
                        && tail <= TAIL * sums.served
                        && tail * (harmonic + geometric / denom + 1.0 / denom) * 2.0
                            <= TAIL * sums.wait));
            if done || t == 0.0 {
                break;
            }
        }
        t *= ratio;
        j += 1.0;
        if t > threshold {
            t *= scale_down;
            sums.s0 *= scale_down;
            sums.abandon *= scale_down;
            sums.served *= scale_down;
            sums.wait *= scale_down;
            sums.exp2 += SCALE_BITS;
        }
        if j > 1e9 {
            break;
        }
    }
    sums
}

/// A double-double number `hi + lo` with `|lo|` at most half an ulp of `hi`: about 32 digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Dd {
    pub hi: f64,
    pub lo: f64,
}

/// `a + b = s + e` exactly (Knuth).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a + b = s + e` exactly, for `|a| >= |b|` (Dekker).
fn fast_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd { hi: s, lo: b - (s - a) }
}

/// ln 2 to about 32 digits.
const LN2_DD: Dd = Dd { hi: std::f64::consts::LN_2, lo: 2.319_046_813_846_299_6e-17 };

impl Dd {
    pub(crate) fn from_f64(v: f64) -> Dd {
        Dd { hi: v, lo: 0.0 }
    }

    /// `a / b` for doubles, to double-double accuracy (the remainder is exact through an fma).
    pub(crate) fn div(a: f64, b: f64) -> Dd {
        let q = a / b;
        let r = (-q).mul_add(b, a);
        fast_two_sum(q, r / b)
    }

    fn neg(self) -> Dd {
        Dd { hi: -self.hi, lo: -self.lo }
    }

    fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        fast_two_sum(s, e + self.lo + o.lo)
    }

    fn mul(self, o: Dd) -> Dd {
        let p = self.hi * o.hi;
        let e = self.hi.mul_add(o.hi, -p);
        fast_two_sum(p, e + self.hi * o.lo + self.lo * o.hi)
    }

    fn mul_f64(self, b: f64) -> Dd {
        let p = self.hi * b;
        let e = self.hi.mul_add(b, -p);
        fast_two_sum(p, e + self.lo * b)
    }

    fn div_f64(self, b: f64) -> Dd {
        let q = self.hi / b;
        let r = (-q).mul_add(b, self.hi) + self.lo;
        fast_two_sum(q, r / b)
    }
}

/// `1 - e^(-u)` for `u > 0` (finite), to about 30 digits.
pub(crate) fn one_minus_exp_neg(u: Dd) -> Dd {
    if u.hi > 40.0 {
        // e^-u < 5e-18: its own rounding no longer matters.
        return fast_two_sum(1.0, -(-u.hi).exp());
    }
    if u.hi.abs() <= 0.35 {
        // The Taylor series u - u^2/2 + u^3/6 - ..., every term in double-double.
        let minus_u = u.neg();
        let mut term = u;
        let mut sum = u;
        let mut n = 2.0;
        while term.hi.abs() > 1e-34 * sum.hi.abs() {
            term = term.mul(minus_u).div_f64(n);
            sum = sum.add(term);
            n += 1.0;
        }
        return sum;
    }
    // e^-u = 2^-m e^-r with u = m ln 2 + r, |r| <= ln 2 / 2.
    let m = (u.hi / std::f64::consts::LN_2).round();
    let r = u.add(LN2_DD.mul_f64(-m));
    let e_minus_r = Dd::from_f64(1.0).add(one_minus_exp_neg(r).neg());
    let scale = pow2(-(m as i32));
    let z = Dd { hi: e_minus_r.hi * scale, lo: e_minus_r.lo * scale };
    Dd::from_f64(1.0).add(z.neg())
}

/// `e^p` for a double-double `p` of any size, as `(m, e)` with `e^p = m 2^e` (`m` within a
/// factor `√2` of 1, to about one ulp): the exponent is split off exactly, so that a `p` of
/// millions keeps the accuracy of a small one.
pub(crate) fn exp_scaled(p: Dd) -> (f64, i64) {
    let m = (p.hi / std::f64::consts::LN_2).round();
    let r = p.add(LN2_DD.mul_f64(-m));
    (r.hi.exp() * (1.0 + r.lo), m as i64)
}

/// For the M/M/N+M queue with `x = N μ / θ` and `y = λ / θ` (see [`queue_sums`]), as `(m, e)` with
/// the value `m 2^e`:
///
/// `Σ_{j>=0} t_j w_j P(Beta(s, j + 1) >= z)`, with `w_j = x / (x + j + 1)` when `answered`, else 1,
///
/// which is the part of the callers who wait but are answered within a target (`s = x + 1`,
/// `answered`), or whose virtual wait is within it (`s = x`), relative to the state "all agents
/// busy, nobody waiting"; `z = e^(-q)` with `q = target / patience` given as a double-double.
///
/// Written as `Σ_{k>=1} NB(k; s, z) Σ_{j<k} t_j w_j` with the negative binomial
/// `NB(k; s, z) = Γ(s + k) / (Γ(s) k!) z^s (1 - z)^k`, every term is positive. The caller checks
/// that the negative binomial's mean `s (1 - z) / z` is moderate (its range is summed).
///
/// With tens of thousands of terms, `(1 - z)^k` and `z^s` are accurate only if `1 - z` and `s q`
/// are: `1 - z` is taken in double-double and its low part applied to each term to first order
/// (`(1 + c)^k ≈ 1 + k c`), and `z^s` is split into a power of two and a small factor exactly.
pub(crate) fn waiting_within(x: f64, y: f64, s: f64, q: Dd, answered: bool) -> (f64, i64) {
    let one_minus_z_dd = one_minus_exp_neg(q);
    let one_minus_z = one_minus_z_dd.hi;
    let correction = one_minus_z_dd.lo / one_minus_z;
    // Half the usual scaling step: each factor of `nb × partial` stays below 2^300, so their
    // product (and the sum of a few million of them) stays finite.
    let threshold = pow2(SCALE_BITS / 2);
    let scale_down = pow2(-SCALE_BITS / 2);
    let (mut t, mut partial, mut nb, mut acc) = (1.0, 0.0, 1.0, 0.0);
    let (mut exp_t, mut exp_nb) = (0, 0);
    let mut k = 0.0_f64;
    loop {
        let weight = if answered { x / (x + k + 1.0) } else { 1.0 };
        partial += weight * t;
        t *= y / (x + k + 1.0);
        nb *= (s + k) * one_minus_z / (k + 1.0);
        k += 1.0;
        acc += nb * partial * k.mul_add(correction, 1.0);
        if t > threshold || partial > threshold {
            t *= scale_down;
            partial *= scale_down;
            acc *= scale_down;
            exp_t += SCALE_BITS / 2;
        }
        if nb > threshold {
            nb *= scale_down;
            acc *= scale_down;
            exp_nb += SCALE_BITS / 2;
        }
        let r_nb = (s + k) * one_minus_z / (k + 1.0);
        let r_t = y / (x + k + 1.0);
        if r_nb < 1.0 && r_t < 1.0 {
            let partial_bound = partial + t / (1.0 - r_t);
            let tail = nb * r_nb / (1.0 - r_nb) * partial_bound;
            if tail <= TAIL * acc || nb == 0.0 {
                break;
            }
        }
        if k > 1e9 {
            break;
        }
    }
    let (z_s, z_exp) = exp_scaled(q.mul_f64(s).neg());
    (acc * z_s, i64::from(exp_t) + i64::from(exp_nb) + z_exp)
}

/// The standard normal quantile: the `z` with `P(Z <= z) = p` for a standard normal `Z`.
///
/// Acklam's rational approximation (relative error below 1.2e-9 over the whole range), used for
/// square-root staffing margins, confidence intervals and density forecasts. `p <= 0` gives
/// negative infinity and `p >= 1` positive infinity; NaN gives NaN.
///
/// ```
/// let z = hotline_erlang::normal_quantile(0.975);
/// assert!((z - 1.959_963_985).abs() < 1e-8);
/// ```
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldexp_reaches_subnormals() {
        assert_eq!(ldexp(1.0, -1074), f64::from_bits(1));
        assert_eq!(ldexp(1.0, -1075 - 10), 0.0);
        assert_eq!(ldexp(3.0, 10), 3072.0);
        assert_eq!(ldexp(1.5, -1022), 1.5 * f64::MIN_POSITIVE);
        assert_eq!(ldexp(1.0, 2000), f64::INFINITY);
        assert_eq!(ldexp(1e300, -4000), 0.0);
        assert_eq!(ldexp(f64::from_bits(1), 1074), 1.0);
        assert_eq!(ldexp(-3.0, -1), -1.5);
        assert_eq!(ldexp(1.0, i32::MIN), 0.0);
    }

    #[test]
    fn one_minus_exp_neg_to_double_double() {
        // 1 - e^-u split into the nearest double and the remainder (mpmath, 50 digits).
        for (u, hi, lo) in [
            (0.001, 0.000_999_500_166_625_008_5, -9.742_029_814_169_854e-20),
            (0.3, 0.259_181_779_318_282_1, 1.805_530_505_953e-18),
            (0.5, 0.393_469_340_287_366_6, 6.593_178_415_491_414e-19),
            (3.0, 0.950_212_931_632_136, 8.422_032_873_046_665e-18),
            (39.0, 1.0, -1.154_822_417_301_578_6e-17),
        ] {
            let got = one_minus_exp_neg(Dd::from_f64(u));
            assert_eq!(got.hi, hi, "u = {u}");
            assert!((got.lo - lo).abs() <= 1e-14 * hi, "u = {u}: {} vs {lo}", got.lo);
        }
    }

    #[test]
    fn exp_scaled_keeps_large_exponents_exact() {
        // e^-30000.5 = 1.3448318619715793 × 2^-43282 (mpmath).
        let (m, e) = exp_scaled(Dd::from_f64(-30_000.5));
        assert_eq!(e, -43_282);
        assert!((m - 1.344_831_861_971_579_3).abs() <= 4e-16, "{m}");
        let q = Dd::div(1.0, 3.0);
        assert_eq!(q.hi, 1.0 / 3.0);
        assert!((q.hi.mul_add(3.0, -1.0) + 3.0 * q.lo).abs() < 1e-30);
    }

    #[test]
    fn normal_quantile_known_values_tails_and_symmetry() {
        // Tabulated quantiles (Abramowitz and Stegun 26.2).
        for (p, z) in [(0.5, 0.0), (0.975, 1.959_963_984_540_054), (0.995, 2.575_829_303_548_901)] {
            assert!((normal_quantile(p) - z).abs() < 1e-8, "{p}");
            assert!((normal_quantile(1.0 - p) + z).abs() < 1e-8, "{p}");
        }
        // Across the three regions' seams the function is monotone.
        let mut last = f64::NEG_INFINITY;
        for i in 1..10_000 {
            let z = normal_quantile(f64::from(i) / 10_000.0);
            assert!(z > last);
            last = z;
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(f64::NAN).is_nan());
        assert!((normal_quantile(1e-300) + 37.047).abs() < 0.01);
    }

    #[test]
    fn gamma_1p_known_values() {
        assert!((gamma_1p(0.5) - 0.886_226_925_452_758_f64).abs() < 1e-15);
        assert_eq!(gamma_1p(0.0), 1.0);
        assert!((gamma_1p(1.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn integer_agents_match_the_classic_recursion() {
        for &a in &[0.5, 3.0, 10.0, 100.0, 1000.0] {
            let mut b = 1.0_f64;
            for n in 1..=200u32 {
                b = a * b / (f64::from(n) + a * b);
                let got = reciprocal_b(f64::from(n), a).blocking();
                assert!((got - b).abs() <= 1e-13 * b, "a={a} n={n} got={got} want={b}");
            }
        }
    }

    #[test]
    fn continuity_across_the_start_choice() {
        // Just below and above an integer, across the small-load boundary.
        for &a in &[1.999_999, 2.0, 2.000_001, 50.0] {
            let lo = reciprocal_b(3.0 - 1e-12, a).blocking();
            let hi = reciprocal_b(3.0, a).blocking();
            assert!((lo - hi).abs() < 1e-10, "a={a}: {lo} vs {hi}");
        }
    }
}
