//! Erlang A: the M/M/N+M queue, with callers who abandon after an exponential patience.

use crate::error::{ErlangError, non_negative, positive};
use crate::special::{Dd, ldexp, queue_sums, reciprocal_b, waiting_within};

/// The largest `load × patience / aht` accepted: the number of queue states summed grows with it.
pub const MAX_PATIENCE_LOAD: f64 = 1e10;

/// The largest `(load - agents) × patience / aht` accepted (a queue that long in equilibrium).
pub const MAX_EXCESS_QUEUE: f64 = 1e8;

/// The Erlang A model M/M/N+M (Palm's queue): `agents` agents, a Poisson stream of `load` erlangs,
/// exponential handling times with mean `aht` seconds, first-come first-served, and callers who
/// hang up when their wait exceeds an exponential patience with mean `patience` seconds.
///
/// Abandonment keeps the queue stable whatever the staffing, so every measure exists also with
/// fewer agents than the load. With `patience == aht` the system is the M/M/∞ queue; as the patience
/// grows without bound it becomes Erlang C.
///
/// The model is evaluated once, in [`new`](Self::new) (a sum over the queue lengths that matter,
/// about `sqrt(load × patience / aht)` terms at worst); the measures are then cheap.
///
/// ```
/// use hotline_erlang::{ErlangA, ErlangAParams};
/// // 10 erlangs, 11 agents, 3-minute calls, callers wait 2 minutes on average before hanging up.
/// let p = ErlangAParams { load: 10.0, agents: 11.0, aht_s: 180.0, patience_s: 120.0 };
/// let a = ErlangA::from_params(p)?;
/// assert!(a.p_abandon() > 0.0 && a.p_abandon() < a.p_wait());
/// assert!(a.service_level(20.0)? < a.service_level_answered(20.0)?);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "ErlangAParams", into = "ErlangAParams"))]
pub struct ErlangA {
    load: f64,
    agents: f64,
    aht: f64,
    patience: f64,
    /// `x = N μ / θ` and `y = λ / θ`.
    x: f64,
    y: f64,
    /// The state sums on one common scale: `R - 1` (R the reciprocal of Erlang B) and the
    /// [`queue_sums`](crate::special::queue_sums), and the scale's binary exponent.
    rm1: f64,
    s0: f64,
    abandon: f64,
    served: f64,
    wait: f64,
    exp2: i32,
}

/// The inputs of [`ErlangA`] by name: its primary constructor ([`ErlangA::from_params`]) and the
/// form it is stored and exchanged in (checked when read back).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErlangAParams {
    /// Offered load in erlangs, greater than 0.
    pub load: f64,
    /// Number of agents, at least 0, possibly fractional.
    pub agents: f64,
    /// Average handling time in seconds, greater than 0.
    pub aht_s: f64,
    /// Average patience (time to abandon) in seconds, greater than 0.
    pub patience_s: f64,
}

impl TryFrom<ErlangAParams> for ErlangA {
    type Error = ErlangError;
    fn try_from(p: ErlangAParams) -> Result<Self, ErlangError> {
        ErlangA::new(p.load, p.agents, p.aht_s, p.patience_s)
    }
}

impl From<ErlangA> for ErlangAParams {
    fn from(a: ErlangA) -> Self {
        ErlangAParams { load: a.load, agents: a.agents, aht_s: a.aht, patience_s: a.patience }
    }
}

/// Every Erlang A measure for one answer-time target, as reported by `hotline erlang a`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErlangAMetrics {
    /// Probability that a caller waits at all.
    pub p_wait: f64,
    /// Probability that a caller abandons.
    pub p_abandon: f64,
    /// Mean wait of all callers (answered and abandoned) in seconds.
    pub mean_wait_s: f64,
    /// Average speed of answer: the mean wait of answered callers, in seconds.
    pub asa_s: f64,
    /// Callers answered within the target, over all offered callers.
    pub service_level: f64,
    /// Callers answered within the target, over answered callers.
    pub service_level_answered: f64,
    /// Probability that the virtual waiting time (the wait of an infinitely patient caller) is
    /// within the target.
    pub service_level_virtual: f64,
    /// Fraction of the agents' time spent handling calls.
    pub occupancy: f64,
}

impl ErlangA {
    /// The M/M/N+M queue with the named parameters `p`.
    ///
    /// # Errors
    ///
    /// As [`ErlangA::new`].
    pub fn from_params(p: ErlangAParams) -> Result<Self, ErlangError> {
        ErlangA::new(p.load, p.agents, p.aht_s, p.patience_s)
    }

    /// The M/M/N+M queue with `load` erlangs, `agents` agents, mean handling time `aht` seconds
    /// and mean patience `patience` seconds: positional, in the order of the notation
    /// `M/M/N+M` (load, servers, service, patience). Two of them are durations in seconds;
    /// [`ErlangA::from_params`] names them.
    ///
    /// # Errors
    ///
    /// Names `load`, `aht` or `patience` unless finite and greater than 0, `agents` unless finite
    /// and at least 0; [`ErlangError::TooLarge`] naming `patience` when `load × patience / aht`
    /// exceeds [`MAX_PATIENCE_LOAD`] or `(load - agents) × patience / aht` exceeds
    /// [`MAX_EXCESS_QUEUE`].
    pub fn new(load: f64, agents: f64, aht: f64, patience: f64) -> Result<Self, ErlangError> {
        let load = positive("load", load)?;
        let agents = non_negative("agents", agents)?;
        let aht = positive("aht", aht)?;
        let patience = positive("patience", patience)?;
        let ratio = patience / aht;
        let x = agents * ratio;
        let y = load * ratio;
        if y.is_nan() || y > MAX_PATIENCE_LOAD {
            return Err(ErlangError::TooLarge {
                name: "patience",
                value: patience,
                max: MAX_PATIENCE_LOAD / load * aht,
            });
        }
        if y - x > MAX_EXCESS_QUEUE {
            return Err(ErlangError::TooLarge {
                name: "patience",
                value: patience,
                max: MAX_EXCESS_QUEUE / (load - agents) * aht,
            });
        }
        let r = reciprocal_b(agents, load);
        let sums = queue_sums(x, y, true);
        let exp2 = r.exp2.max(sums.exp2);
        let to_common = |v: f64, e: i32| ldexp(v, e - exp2);
        Ok(ErlangA {
            load,
            agents,
            aht,
            patience,
            x,
            y,
            rm1: to_common(r.rm1, r.exp2),
            s0: to_common(sums.s0, sums.exp2),
            abandon: to_common(sums.abandon, sums.exp2),
            served: to_common(sums.served, sums.exp2),
            wait: to_common(sums.wait, sums.exp2),
            exp2,
        })
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

    /// The average patience in seconds.
    pub fn patience(&self) -> f64 {
        self.patience
    }

    /// The normalising sum: all states, relative to the state "all agents busy, queue empty".
    fn total(&self) -> f64 {
        self.s0 + self.rm1
    }

    /// The probability that a caller has to wait (finds every agent busy).
    pub fn p_wait(&self) -> f64 {
        self.s0 / self.total()
    }

    /// The probability that a caller abandons before being answered.
    pub fn p_abandon(&self) -> f64 {
        self.abandon / self.total()
    }

    /// The probability that a caller is answered, `1 - p_abandon`, computed without cancellation.
    pub fn p_answered(&self) -> f64 {
        (self.rm1 + self.served) / self.total()
    }

    /// The mean wait of all callers, answered or abandoned, in seconds (`p_abandon × patience`).
    pub fn mean_wait(&self) -> f64 {
        self.p_abandon() * self.patience
    }

    /// The average speed of answer: the mean wait of the answered callers, in seconds.
    pub fn asa(&self) -> f64 {
        let answered = self.rm1 + self.served;
        if answered == 0.0 { 0.0 } else { self.patience * self.wait / answered }
    }

    /// The mean number of callers waiting (`λ × mean_wait`).
    pub fn mean_queue(&self) -> f64 {
        self.load * self.mean_wait() / self.aht
    }

    /// The agents' occupancy: carried load over agents, `A (1 - p_abandon) / N` (1 without agents,
    /// as for a saturated team).
    pub fn occupancy(&self) -> f64 {
        if self.agents == 0.0 {
            return 1.0;
        }
        (self.load * self.p_answered() / self.agents).min(1.0)
    }

    /// The callers who wait but whose virtual wait is within `t`, and those who wait but are
    /// answered within `t`, both in units of the common scale (like `s0`), for `t > 0`.
    fn within(&self, t: f64) -> (f64, f64) {
        let s = t / self.patience;
        let q = Dd::div(t, self.patience);
        let ln2 = std::f64::consts::LN_2;
        let common = f64::from(self.exp2) * ln2;
        // Two ways to the same numbers. The late parts, in closed form:
        // P(V > t) = π_n A(x, y z) z^x e^(y (1 - z)) and
        // P(answered, W > t) = π_n x / (x + 1) A(x + 1, y z) z^(x + 1) e^(y (1 - z)),
        // subtracted from the totals, are accurate while the late part is the smaller one. The
        // direct sums (negative-binomial mixtures of positive terms) are accurate when the part
        // within the target is small; they run over a negative binomial's range, with mean
        // x (e^s - 1), so beyond a million terms the subtraction is used anyway.
        let y_t = self.y * (-s).exp();
        let base = self.y * -(-s).exp_m1() - common;
        let a0 = queue_sums(self.x, y_t, false);
        let virtual_late = (a0.s0.ln() + f64::from(a0.exp2) * ln2 - self.x * s + base).exp();
        let a1 = queue_sums(self.x + 1.0, y_t, false);
        let answered_late = (a1.s0.ln() + f64::from(a1.exp2) * ln2 - (self.x + 1.0) * s + base)
            .exp()
            * (self.x / (self.x + 1.0));
        let direct_ok = (self.x + 1.0) * s.exp_m1() <= 1e6;
        let virtual_within = if virtual_late <= 0.5 * self.s0 || !direct_ok {
            (self.s0 - virtual_late).max(0.0)
        } else {
            self.on_common_scale(waiting_within(self.x, self.y, self.x, q, false))
        };
        let answered_within = if answered_late <= 0.5 * self.served || !direct_ok {
            (self.served - answered_late).max(0.0)
        } else {
            self.on_common_scale(waiting_within(self.x, self.y, self.x + 1.0, q, true))
        };
        (virtual_within, answered_within)
    }

    /// A value `m 2^e` on the common scale (like `s0`).
    fn on_common_scale(&self, (m, e): (f64, i64)) -> f64 {
        let e = (e - i64::from(self.exp2)).clamp(-100_000, 100_000);
        ldexp(m, e as i32)
    }

    fn check_target(target: f64) -> Result<f64, ErlangError> {
        non_negative("target", target)
    }

    /// The fraction of all offered callers answered within `target` seconds.
    ///
    /// # Errors
    ///
    /// Names `target` unless finite and at least 0.
    pub fn service_level(&self, target: f64) -> Result<f64, ErlangError> {
        let target = Self::check_target(target)?;
        if target == 0.0 {
            return Ok(self.rm1 / self.total());
        }
        let (_, answered_within) = self.within(target);
        Ok(((self.rm1 + answered_within) / self.total()).min(1.0))
    }

    /// The fraction of answered callers answered within `target` seconds.
    ///
    /// # Errors
    ///
    /// Names `target` unless finite and at least 0.
    pub fn service_level_answered(&self, target: f64) -> Result<f64, ErlangError> {
        let target = Self::check_target(target)?;
        let answered = self.rm1 + self.served;
        if answered == 0.0 {
            return Ok(0.0);
        }
        if target == 0.0 {
            return Ok(self.rm1 / answered);
        }
        let (_, answered_within) = self.within(target);
        Ok(((self.rm1 + answered_within) / answered).min(1.0))
    }

    /// The probability that the virtual waiting time (the wait a caller with unlimited patience
    /// would have) is at most `target` seconds.
    ///
    /// # Errors
    ///
    /// Names `target` unless finite and at least 0.
    pub fn service_level_virtual(&self, target: f64) -> Result<f64, ErlangError> {
        let target = Self::check_target(target)?;
        if target == 0.0 {
            return Ok(self.rm1 / self.total());
        }
        let (virtual_within, _) = self.within(target);
        Ok(((self.rm1 + virtual_within) / self.total()).min(1.0))
    }

    /// Every measure at once for an answer-time `target` in seconds.
    ///
    /// # Errors
    ///
    /// Names `target` unless finite and at least 0.
    pub fn metrics(&self, target: f64) -> Result<ErlangAMetrics, ErlangError> {
        let target = Self::check_target(target)?;
        let total = self.total();
        let answered = self.rm1 + self.served;
        let (service_level, service_level_answered, service_level_virtual) = if target == 0.0 {
            let sl = self.rm1 / total;
            (sl, if answered == 0.0 { 0.0 } else { self.rm1 / answered }, sl)
        } else {
            let (virtual_within, answered_within) = self.within(target);
            let on_time = self.rm1 + answered_within;
            (
                (on_time / total).min(1.0),
                if answered == 0.0 { 0.0 } else { (on_time / answered).min(1.0) },
                ((self.rm1 + virtual_within) / total).min(1.0),
            )
        };
        Ok(ErlangAMetrics {
            p_wait: self.p_wait(),
            p_abandon: self.p_abandon(),
            mean_wait_s: self.mean_wait(),
            asa_s: self.asa(),
            service_level,
            service_level_answered,
            service_level_virtual,
            occupancy: self.occupancy(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_named() {
        let err = ErlangA::new(1.0, 1.0, 60.0, 0.0).unwrap_err();
        assert!(err.to_string().starts_with("patience"), "{err}");
        let err = ErlangA::new(1.0, 1.0, 60.0, f64::NAN).unwrap_err();
        assert!(err.to_string().starts_with("patience"), "{err}");
        let err = ErlangA::new(1e6, 1.0, 1.0, 1e6).unwrap_err();
        assert!(matches!(err, ErlangError::TooLarge { name: "patience", .. }), "{err}");
    }

    #[test]
    fn without_agents_everyone_abandons() {
        let a = ErlangA::new(3.0, 0.0, 60.0, 30.0).unwrap();
        assert_eq!(a.p_wait(), 1.0);
        assert!((a.p_abandon() - 1.0).abs() < 1e-15);
        assert_eq!(a.service_level(10.0).unwrap(), 0.0);
    }

    #[test]
    fn heavy_overload_service_level_is_a_far_tail_not_one() {
        // Regression: the negative-binomial sum overflowed (its two factors were each allowed up
        // to 2^600), and the service levels came out as 1 instead of about 5e-39.
        let a = ErlangA::new(20_000.0, 10_000.0, 180.0, 45.0).unwrap();
        let m = a.metrics(20.0).unwrap();
        let want = 5.154_679_873_314_867e-39; // mpmath, data/references.csv
        assert!((m.service_level - want).abs() <= 1e-12 * want, "{m:?}");
        assert!(m.service_level_virtual.is_finite() && m.service_level_virtual < 1e-37, "{m:?}");
    }

    #[test]
    #[cfg(feature = "serde")]
    fn serde_round_trip() {
        let a = ErlangA::new(10.0, 11.0, 180.0, 120.0).unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"load":10.0,"agents":11.0,"aht_s":180.0,"patience_s":120.0}"#);
        assert_eq!(serde_json::from_str::<ErlangA>(&json).unwrap(), a);
    }
}
