//! Erlang C: the delay system M/M/N with an unlimited, infinitely patient queue.

use crate::error::{ErlangError, fraction, non_negative, positive};
use crate::special::{Reciprocal, ldexp, reciprocal_b};

/// The Erlang C delay model M/M/N: `agents` servers, a Poisson stream of `load` erlangs, exponential
/// handling times with mean `aht` seconds, first-come first-served, and callers who never hang up.
///
/// With `agents <= load` the queue grows without bound: [`p_wait`](Self::p_wait) is 1,
/// [`service_level`](Self::service_level) is 0, and [`asa`](Self::asa) and
/// [`mean_queue`](Self::mean_queue) are infinite ([`metrics`](Self::metrics) reports them as
/// `None`).
///
/// Build it from named parameters, [`ErlangCParams`] (load, agents and handling time) or
/// [`Traffic`] (calls in an interval):
///
/// ```
/// use hotline_erlang::{ErlangC, ErlangCParams, Traffic};
/// let c = ErlangC::from_params(ErlangCParams { load: 10.0, agents: 13.0, aht_s: 180.0 })?;
/// // 100 calls in 30 minutes, 3 minutes each: 10 erlangs; 13 agents.
/// let traffic = Traffic { calls: 100.0, interval_s: 1800.0, aht_s: 180.0 };
/// assert_eq!(ErlangC::from_calls(traffic, 13.0)?, c);
/// assert!((c.load() - 10.0).abs() < 1e-12);
/// assert!((c.p_wait() - 0.285_270_453_036_5).abs() < 1e-12);
/// assert!((c.service_level(20.0)? - 0.7956).abs() < 1e-4);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "ErlangCParams", into = "ErlangCParams"))]
pub struct ErlangC {
    load: f64,
    agents: f64,
    aht: f64,
}

/// The inputs of [`ErlangC`] by name: its primary constructor ([`ErlangC::from_params`]) and the
/// form it is stored and exchanged in (checked when read back).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErlangCParams {
    /// Offered load in erlangs, greater than 0.
    pub load: f64,
    /// Number of agents, at least 0, possibly fractional.
    pub agents: f64,
    /// Average handling time in seconds, greater than 0.
    pub aht_s: f64,
}

impl TryFrom<ErlangCParams> for ErlangC {
    type Error = ErlangError;
    fn try_from(p: ErlangCParams) -> Result<Self, ErlangError> {
        ErlangC::new(p.load, p.agents, p.aht_s)
    }
}

impl From<ErlangC> for ErlangCParams {
    fn from(c: ErlangC) -> Self {
        ErlangCParams { load: c.load, agents: c.agents, aht_s: c.aht }
    }
}

/// Calls offered in an interval, by name: `calls` arriving in `interval_s` seconds, each handled
/// in `aht_s` seconds on average, which is `calls × aht_s / interval_s` erlangs.
///
/// ```
/// use hotline_erlang::Traffic;
/// let t = Traffic { calls: 100.0, interval_s: 1800.0, aht_s: 180.0 };
/// assert_eq!(t.load()?, 10.0);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Traffic {
    /// Calls offered in the interval, greater than 0.
    pub calls: f64,
    /// The interval's length in seconds, greater than 0.
    pub interval_s: f64,
    /// Average handling time in seconds, greater than 0.
    pub aht_s: f64,
}

impl Traffic {
    /// The offered load in erlangs, `calls × aht_s / interval_s`.
    ///
    /// # Errors
    ///
    /// Names `calls`, `interval` or `aht` unless finite and greater than 0, or `load` when the
    /// product underflows to 0 or overflows.
    pub fn load(&self) -> Result<f64, ErlangError> {
        offered_load(self.calls, self.interval_s, self.aht_s)
    }
}

/// Every Erlang C measure for one answer-time target, as reported by `hotline erlang c`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErlangCMetrics {
    /// Probability that a caller waits at all.
    pub p_wait: f64,
    /// Fraction of callers answered within the target time.
    pub service_level: f64,
    /// Average speed of answer (mean wait of all callers) in seconds; `None` when unstable.
    pub asa_s: Option<f64>,
    /// Mean number of callers waiting; `None` when unstable.
    pub mean_queue: Option<f64>,
    /// Fraction of the agents' time spent handling calls (1 when unstable).
    pub occupancy: f64,
}

impl ErlangC {
    /// The M/M/N queue with the named parameters `p`.
    ///
    /// # Errors
    ///
    /// As [`ErlangC::new`].
    pub fn from_params(p: ErlangCParams) -> Result<Self, ErlangError> {
        ErlangC::new(p.load, p.agents, p.aht_s)
    }

    /// The M/M/N queue with `load` erlangs, `agents` agents and mean handling time `aht` seconds:
    /// positional, in the order of the notation `C(A, N)` then the handling time.
    /// [`ErlangC::from_params`] names them.
    ///
    /// # Errors
    ///
    /// Names `load` or `aht` unless finite and greater than 0, `agents` unless finite and at least 0.
    pub fn new(load: f64, agents: f64, aht: f64) -> Result<Self, ErlangError> {
        Ok(ErlangC {
            load: positive("load", load)?,
            agents: non_negative("agents", agents)?,
            aht: positive("aht", aht)?,
        })
    }

    /// The queue for `traffic` (calls in an interval) answered by `agents` agents.
    ///
    /// # Errors
    ///
    /// Names `calls`, `interval`, `aht` or `agents` when out of range.
    pub fn from_calls(traffic: Traffic, agents: f64) -> Result<Self, ErlangError> {
        ErlangC::new(traffic.load()?, agents, traffic.aht_s)
    }

    /// The offered load in erlangs.
    pub fn load(&self) -> f64 {
        self.load
    }

    /// The number of agents.
    pub fn agents(&self) -> f64 {
        self.agents
    }

    /// The average handling time in seconds.
    pub fn aht(&self) -> f64 {
        self.aht
    }

    /// Whether the queue is stable (`agents > load`).
    pub fn is_stable(&self) -> bool {
        self.agents > self.load
    }

    /// The probability that a caller has to wait, `C(N, A) = N B / (N - A (1 - B))`.
    pub fn p_wait(&self) -> f64 {
        if !self.is_stable() {
            return 1.0;
        }
        p_wait_from(reciprocal_b(self.agents, self.load), self.agents, self.load)
    }

    /// The probability that a caller waits longer than `t` seconds,
    /// `P(W > t) = C e^(-(N - A) t / AHT)`.
    ///
    /// # Errors
    ///
    /// Names `t` unless finite and at least 0.
    pub fn wait_exceeds(&self, t: f64) -> Result<f64, ErlangError> {
        let t = non_negative("t", t)?;
        if !self.is_stable() {
            return Ok(1.0);
        }
        Ok(self.p_wait() * (-(self.agents - self.load) * t / self.aht).exp())
    }

    /// The fraction of callers answered within `target` seconds, `1 - P(W > target)`.
    ///
    /// # Errors
    ///
    /// Names `target` unless finite and at least 0.
    pub fn service_level(&self, target: f64) -> Result<f64, ErlangError> {
        let target = non_negative("target", target)?;
        if !self.is_stable() {
            return Ok(0.0);
        }
        Ok(service_level_from(self.p_wait(), self.agents, self.load, self.aht, target))
    }

    /// The time within which a fraction `p` of callers is answered (the `p`-quantile of the wait),
    /// in seconds; infinite when the queue is unstable.
    ///
    /// # Errors
    ///
    /// Names `p` unless strictly between 0 and 1.
    pub fn wait_quantile(&self, p: f64) -> Result<f64, ErlangError> {
        let p = fraction("p", p)?;
        if !self.is_stable() {
            return Ok(f64::INFINITY);
        }
        let c = self.p_wait();
        let tail = 1.0 - p;
        if c <= tail {
            return Ok(0.0);
        }
        Ok(self.aht / (self.agents - self.load) * (c / tail).ln())
    }

    /// The average speed of answer (the mean wait of all callers) in seconds,
    /// `C × AHT / (N - A)`; infinite when unstable.
    pub fn asa(&self) -> f64 {
        if !self.is_stable() {
            return f64::INFINITY;
        }
        self.p_wait() * self.aht / (self.agents - self.load)
    }

    /// The mean number of callers waiting, `C × A / (N - A)`; infinite when unstable.
    pub fn mean_queue(&self) -> f64 {
        if !self.is_stable() {
            return f64::INFINITY;
        }
        self.p_wait() * self.load / (self.agents - self.load)
    }

    /// The agents' occupancy, `A / N` (1 when unstable).
    pub fn occupancy(&self) -> f64 {
        if !self.is_stable() { 1.0 } else { self.load / self.agents }
    }

    /// Every measure at once for an answer-time `target` in seconds.
    ///
    /// # Errors
    ///
    /// Names `target` unless finite and at least 0.
    pub fn metrics(&self, target: f64) -> Result<ErlangCMetrics, ErlangError> {
        let stable = self.is_stable();
        Ok(ErlangCMetrics {
            p_wait: self.p_wait(),
            service_level: self.service_level(target)?,
            asa_s: stable.then(|| self.asa()),
            mean_queue: stable.then(|| self.mean_queue()),
            occupancy: self.occupancy(),
        })
    }
}

/// The service level `1 - C e^(-(N - A) T / AHT)` of a stable queue from its probability of waiting
/// `c`, as `(1 - C) + C (1 - e^-θ)`, each part without cancellation.
pub(crate) fn service_level_from(c: f64, n: f64, a: f64, aht: f64, target: f64) -> f64 {
    let theta = (n - a) * target / aht;
    ((1.0 - c) + c * -(-theta).exp_m1()).min(1.0)
}

/// `C = N / ((N - A) R + A)` from the reciprocal of Erlang B, for `N > A`.
pub(crate) fn p_wait_from(r: Reciprocal, n: f64, a: f64) -> f64 {
    let scaled_a = ldexp(a, -r.exp2);
    ldexp(n / ((n - a) * r.r + scaled_a), -r.exp2)
}

/// The offered load in erlangs of `calls` arriving over `interval` seconds, each lasting `aht`
/// seconds.
///
/// # Errors
///
/// Names `calls` unless finite and greater than 0, `interval` and `aht` likewise.
///
/// [`Traffic::load`] names the same inputs.
pub fn offered_load(calls: f64, interval: f64, aht: f64) -> Result<f64, ErlangError> {
    let calls = positive("calls", calls)?;
    let interval = positive("interval", interval)?;
    let aht = positive("aht", aht)?;
    positive("load", calls * aht / interval)
}

/// The Erlang C probability of waiting for `load` erlangs and `agents` agents (1 when
/// `agents <= load`).
///
/// # Errors
///
/// As [`ErlangC::new`] (the handling time does not matter here).
pub fn erlang_c(load: f64, agents: f64) -> Result<f64, ErlangError> {
    Ok(ErlangC::new(load, agents, 1.0)?.p_wait())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parameters_build_the_same_queue() {
        let c = ErlangC::new(10.0, 13.0, 180.0).unwrap();
        let p = ErlangCParams { load: 10.0, agents: 13.0, aht_s: 180.0 };
        assert_eq!(ErlangC::from_params(p).unwrap(), c);
        let t = Traffic { calls: 100.0, interval_s: 1800.0, aht_s: 180.0 };
        assert_eq!(ErlangC::from_calls(t, 13.0).unwrap(), c);
        let bad = Traffic { interval_s: 0.0, ..t };
        assert!(ErlangC::from_calls(bad, 13.0).unwrap_err().to_string().contains("interval"));
    }

    #[test]
    fn one_agent_is_m_m_1() {
        // M/M/1: P(wait) = ρ, ASA = ρ/(1-ρ) × AHT.
        let c = ErlangC::new(0.75, 1.0, 60.0).unwrap();
        assert!((c.p_wait() - 0.75).abs() < 1e-15);
        assert!((c.asa() - 180.0).abs() < 1e-12);
        assert!((c.mean_queue() - 2.25).abs() < 1e-12);
    }

    #[test]
    fn unstable_queue() {
        let c = ErlangC::new(10.0, 10.0, 60.0).unwrap();
        let m = c.metrics(20.0).unwrap();
        assert_eq!(m.p_wait, 1.0);
        assert_eq!(m.service_level, 0.0);
        assert_eq!(m.asa_s, None);
        assert_eq!(m.mean_queue, None);
        assert_eq!(m.occupancy, 1.0);
        assert_eq!(c.wait_quantile(0.5).unwrap(), f64::INFINITY);
    }

    #[test]
    fn quantile_inverts_the_tail() {
        let c = ErlangC::new(10.0, 12.0, 180.0).unwrap();
        let t = c.wait_quantile(0.9).unwrap();
        assert!((c.wait_exceeds(t).unwrap() - 0.1).abs() < 1e-14);
        assert_eq!(c.wait_quantile(0.01).unwrap(), 0.0);
    }

    #[test]
    fn bad_inputs_are_named() {
        let err = ErlangC::new(1.0, 2.0, 0.0).unwrap_err();
        assert!(err.to_string().starts_with("aht"), "{err}");
        let c = ErlangC::new(1.0, 2.0, 3.0).unwrap();
        assert!(c.service_level(-1.0).unwrap_err().to_string().starts_with("target"));
        assert!(c.service_level(f64::NAN).is_err());
        assert!(c.wait_quantile(1.0).unwrap_err().to_string().starts_with("p "));
        assert!(offered_load(0.0, 1.0, 1.0).unwrap_err().to_string().starts_with("calls"));
    }
}
