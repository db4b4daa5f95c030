//! Staffing: the fewest agents that meet a set of targets, the largest load a team can carry, and
//! shrinkage.

use crate::erlang_a::ErlangA;
use crate::erlang_c::{ErlangC, Traffic, p_wait_from, service_level_from};
use crate::error::{ErlangError, below_one, fraction, non_negative, positive};
use crate::special::reciprocal_b;

/// The queueing model used for staffing.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "model", rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Model {
    /// Erlang C ([`ErlangC`]): callers never abandon.
    ErlangC,
    /// Erlang A ([`ErlangA`]): callers abandon after an exponential patience with this mean.
    ErlangA {
        /// Mean patience in seconds.
        patience_s: f64,
    },
}

impl Model {
    /// The model's name as the command line prints it: `erlang-c` or `erlang-a`.
    pub fn name(&self) -> &'static str {
        match self {
            Model::ErlangC => "erlang-c",
            Model::ErlangA { .. } => "erlang-a",
        }
    }

    fn check(self) -> Result<Self, ErlangError> {
        if let Model::ErlangA { patience_s } = self {
            positive("patience", patience_s)?;
        }
        Ok(self)
    }
}

/// A service-level target: at least `fraction` of the calls answered within `within_s` seconds.
///
/// With Erlang A the fraction counts answered-in-time calls over all offered calls (abandoned
/// calls count as missing the target).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServiceLevel {
    /// The fraction of calls, strictly between 0 and 1 (0.8 for 80%).
    pub fraction: f64,
    /// The answer-time target in seconds (20 for "within 20 seconds").
    pub within_s: f64,
}

impl ServiceLevel {
    /// The target "`fraction` answered within `within_s` seconds".
    ///
    /// # Errors
    ///
    /// Names `service level` unless the fraction lies strictly between 0 and 1, and
    /// `service level time` unless the time is finite and at least 0.
    pub fn new(fraction_: f64, within_s: f64) -> Result<Self, ErlangError> {
        Ok(ServiceLevel {
            fraction: fraction("service level", fraction_)?,
            within_s: non_negative("service level time", within_s)?,
        })
    }
}

/// The targets a staffing level must meet together; `None` means "no such target".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Targets {
    /// Fraction of calls answered within a time.
    pub service_level: Option<ServiceLevel>,
    /// Largest acceptable average speed of answer, in seconds.
    pub max_asa_s: Option<f64>,
    /// Largest acceptable fraction of callers who abandon (Erlang A; always met by Erlang C).
    pub max_abandon: Option<f64>,
    /// Largest acceptable agent occupancy, a fraction in (0, 1].
    pub max_occupancy: Option<f64>,
}

impl Targets {
    /// Checks every target's range, naming the one out of range.
    ///
    /// # Errors
    ///
    /// Names `service level`, `max asa`, `max abandon` or `max occupancy`; [`ErlangError::NoTarget`]
    /// when none is set.
    pub fn check(&self) -> Result<(), ErlangError> {
        if let Some(sl) = self.service_level {
            ServiceLevel::new(sl.fraction, sl.within_s)?;
        }
        if let Some(asa) = self.max_asa_s {
            positive("max asa", asa)?;
        }
        if let Some(abandon) = self.max_abandon {
            fraction("max abandon", abandon)?;
        }
        if let Some(occupancy) = self.max_occupancy
            && !(occupancy > 0.0 && occupancy <= 1.0)
        {
            return Err(ErlangError::NotAFraction { name: "max occupancy", value: occupancy });
        }
        if self.service_level.is_none()
            && self.max_asa_s.is_none()
            && self.max_abandon.is_none()
            && self.max_occupancy.is_none()
        {
            return Err(ErlangError::NoTarget);
        }
        Ok(())
    }
}

/// The measures of one staffing level, as the rows of `hotline staff`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Evaluation {
    /// Number of agents (possibly fractional).
    pub agents: f64,
    /// Service level for the target's answer time; `None` without a service-level target.
    pub service_level: Option<f64>,
    /// Average speed of answer in seconds; `None` when the Erlang C queue is unstable.
    pub asa_s: Option<f64>,
    /// Probability of waiting.
    pub p_wait: f64,
    /// Probability of abandoning; `None` for Erlang C.
    pub p_abandon: Option<f64>,
    /// Agent occupancy.
    pub occupancy: f64,
}

/// A staffing question: a model, an offered load, a handling time and the targets.
///
/// Build it by name, as a struct checked by [`Staffing::check`], or from calls in an interval
/// ([`Staffing::from_calls`] with a [`Traffic`]):
///
/// ```
/// use hotline_erlang::{Model, ServiceLevel, Staffing, Targets, Traffic};
/// let targets = Targets {
///     service_level: Some(ServiceLevel::new(0.8, 20.0)?),
///     ..Targets::default()
/// };
/// // 100 calls per half hour, 3 minutes each: 10 erlangs.
/// let traffic = Traffic { calls: 100.0, interval_s: 1800.0, aht_s: 180.0 };
/// let staffing = Staffing::from_calls(Model::ErlangC, traffic, targets)?;
/// assert_eq!(staffing.required_agents()?, 14);
/// let by_name = Staffing { model: Model::ErlangC, load: 10.0, aht_s: 180.0, targets }.check()?;
/// assert_eq!(by_name.required_agents()?, 14);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Staffing {
    /// The queueing model.
    pub model: Model,
    /// Offered load in erlangs.
    pub load: f64,
    /// Average handling time in seconds.
    pub aht_s: f64,
    /// The targets to meet together.
    pub targets: Targets,
}

/// Which target an evaluation misses first.
#[derive(Debug, Clone, Copy)]
enum Miss {
    ServiceLevel(ServiceLevel),
    Asa(f64),
    Abandon(f64),
    Occupancy(f64),
    Unstable,
}

/// The outcome of the Erlang C walk.
enum Scan {
    /// The fewest agents meeting every target.
    Found(u64),
    /// Every count up to this one misses a target.
    MissedUpTo(f64),
}

/// The largest agent count the searches consider.
pub const MAX_AGENTS: f64 = 1e8;

impl Staffing {
    /// The question itself once its fields are checked: the named form of [`Staffing::new`].
    ///
    /// # Errors
    ///
    /// As [`Staffing::new`].
    pub fn check(self) -> Result<Self, ErlangError> {
        Staffing::new(self.model, self.load, self.aht_s, self.targets)
    }

    /// A staffing question for `load` erlangs with handling time `aht` seconds (positional;
    /// [`Staffing::check`] takes them by name).
    ///
    /// # Errors
    ///
    /// Names `load`, `aht` or `patience` when out of range, or the target out of range.
    pub fn new(model: Model, load: f64, aht: f64, targets: Targets) -> Result<Self, ErlangError> {
        targets.check()?;
        Ok(Staffing {
            model: model.check()?,
            load: positive("load", load)?,
            aht_s: positive("aht", aht)?,
            targets,
        })
    }

    /// A staffing question for `traffic`: calls arriving in an interval, with their handling
    /// time.
    ///
    /// # Errors
    ///
    /// As [`Staffing::new`], and names `calls` or `interval`.
    pub fn from_calls(
        model: Model,
        traffic: Traffic,
        targets: Targets,
    ) -> Result<Self, ErlangError> {
        Staffing::new(model, traffic.load()?, traffic.aht_s, targets)
    }

    /// The measures with `agents` agents.
    ///
    /// # Errors
    ///
    /// Names `agents` when negative or not finite (or `patience` when the Erlang A model is too
    /// large to evaluate, see [`ErlangA::new`]).
    pub fn evaluate(&self, agents: f64) -> Result<Evaluation, ErlangError> {
        let sl_time = self.targets.service_level.map(|sl| sl.within_s);
        match self.model {
            Model::ErlangC => {
                let c = ErlangC::new(self.load, agents, self.aht_s)?;
                Ok(Evaluation {
                    agents,
                    service_level: sl_time.map(|t| c.service_level(t)).transpose()?,
                    asa_s: c.is_stable().then(|| c.asa()),
                    p_wait: c.p_wait(),
                    p_abandon: None,
                    occupancy: c.occupancy(),
                })
            }
            Model::ErlangA { patience_s } => {
                let a = ErlangA::new(self.load, agents, self.aht_s, patience_s)?;
                Ok(Evaluation {
                    agents,
                    service_level: sl_time.map(|t| a.service_level(t)).transpose()?,
                    asa_s: Some(a.asa()),
                    p_wait: a.p_wait(),
                    p_abandon: Some(a.p_abandon()),
                    occupancy: a.occupancy(),
                })
            }
        }
    }

    /// The first target `evaluation` misses, as a sentence; `None` when it meets them all.
    pub fn missed_target(&self, evaluation: &Evaluation) -> Option<String> {
        let e = evaluation;
        Some(match self.first_miss(e)? {
            Miss::ServiceLevel(sl) => format!(
                "service level {:.4}% is below the target {:.4}% within {} s",
                e.service_level.unwrap_or(f64::NAN) * 100.0,
                sl.fraction * 100.0,
                sl.within_s
            ),
            Miss::Asa(max) => match e.asa_s {
                Some(asa) => format!("ASA {asa:.3} s exceeds the maximum {max} s"),
                None => format!("the queue is unstable, so the ASA exceeds {max} s"),
            },
            Miss::Abandon(max) => format!(
                "abandonment {:.4}% exceeds the maximum {:.4}%",
                e.p_abandon.unwrap_or(f64::NAN) * 100.0,
                max * 100.0
            ),
            Miss::Occupancy(max) => format!(
                "occupancy {:.4}% exceeds the maximum {:.4}%",
                e.occupancy * 100.0,
                max * 100.0
            ),
            Miss::Unstable => format!(
                "{} agents cannot carry {} erlangs without abandonment (the queue is unstable)",
                e.agents, self.load
            ),
        })
    }

    /// The first target `e` misses, without formatting (the searches call this often).
    fn first_miss(&self, e: &Evaluation) -> Option<Miss> {
        let t = &self.targets;
        if let (Some(sl), Some(got)) = (t.service_level, e.service_level)
            && (got.is_nan() || got < sl.fraction)
        {
            return Some(Miss::ServiceLevel(sl));
        }
        if let Some(max) = t.max_asa_s
            && !e.asa_s.is_some_and(|asa| asa <= max)
        {
            return Some(Miss::Asa(max));
        }
        if let (Some(max), Some(p)) = (t.max_abandon, e.p_abandon)
            && (p.is_nan() || p > max)
        {
            return Some(Miss::Abandon(max));
        }
        if let Some(max) = t.max_occupancy
            && (e.occupancy.is_nan() || e.occupancy > max)
        {
            return Some(Miss::Occupancy(max));
        }
        if self.model == Model::ErlangC && e.agents <= self.load {
            return Some(Miss::Unstable);
        }
        None
    }

    /// Whether `agents` agents meet every target.
    ///
    /// # Errors
    ///
    /// As [`Staffing::evaluate`].
    pub fn meets(&self, agents: f64) -> Result<bool, ErlangError> {
        if let Model::ErlangA { patience_s } = self.model {
            // So few agents that the equilibrium queue is too long to sum: a staffing that far
            // below the load misses any sensible target.
            if (self.load - agents) * patience_s / self.aht_s > crate::MAX_EXCESS_QUEUE {
                return Ok(false);
            }
        }
        Ok(self.first_miss(&self.evaluate(agents)?).is_none())
    }

    /// The fewest whole agents that meet every target together.
    ///
    /// Every measure improves with more agents, so the search gallops up from the load and then
    /// bisects; with Erlang A it also looks below the load (abandonment keeps the queue stable).
    ///
    /// # Errors
    ///
    /// [`ErlangError::Unreachable`] when even [`MAX_AGENTS`] agents miss a target (the message
    /// says which), or an evaluation error.
    pub fn required_agents(&self) -> Result<u64, ErlangError> {
        let meets = |n: f64| self.meets(n);
        if self.model == Model::ErlangC && self.load >= MAX_AGENTS {
            return Err(ErlangError::Unreachable {
                reason: format!(
                    "{} erlangs need more than {MAX_AGENTS} agents for a stable queue",
                    self.load
                ),
            });
        }
        // `lo` always misses (0 agents answer no call), `hi` meets.
        let start = match self.model {
            Model::ErlangC => match self.scan_erlang_c()? {
                Scan::Found(n) => return Ok(n),
                Scan::MissedUpTo(n) => n + 1.0,
            },
            Model::ErlangA { .. } => self.load.ceil().max(1.0),
        };
        let (mut lo, mut hi);
        if meets(start)? {
            hi = start;
            lo = 0.0;
            if matches!(self.model, Model::ErlangA { .. }) {
                // Step down until a level misses.
                let mut step = self.load.sqrt().ceil().max(1.0);
                loop {
                    let candidate = hi - step;
                    if candidate < 1.0 {
                        break;
                    }
                    if meets(candidate)? {
                        hi = candidate;
                        step *= 2.0;
                    } else {
                        lo = candidate;
                        break;
                    }
                }
            } else {
                lo = start - 1.0;
            }
        } else {
            lo = start;
            let mut step = self.load.sqrt().ceil().max(1.0);
            loop {
                hi = (lo + step).min(MAX_AGENTS);
                if meets(hi)? {
                    break;
                }
                if hi >= MAX_AGENTS {
                    let reason = self.missed_target(&self.evaluate(hi)?).unwrap_or_default();
                    return Err(ErlangError::Unreachable {
                        reason: format!("even {MAX_AGENTS} agents miss it: {reason}"),
                    });
                }
                lo = hi;
                step *= 2.0;
            }
        }
        while hi - lo > 1.0 {
            let mid = ((lo + hi) / 2.0).floor();
            if meets(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        // Whole numbers below 1e8 convert exactly.
        Ok(hi as u64)
    }

    /// Erlang C: walks up from the first stable (or occupancy-permitted) agent count with the
    /// Erlang B recursion, one cheap step per agent, for up to `8 sqrt(load) + 64` agents.
    fn scan_erlang_c(&self) -> Result<Scan, ErlangError> {
        let a = self.load;
        let mut n = a.floor() + 1.0;
        if let Some(occupancy) = self.targets.max_occupancy {
            n = n.max((a / occupancy).ceil() - 1.0);
        }
        let limit = (n + 8.0 * a.sqrt() + 64.0).min(MAX_AGENTS);
        let sl_time = self.targets.service_level.map(|sl| sl.within_s);
        let mut r = reciprocal_b(n, a);
        loop {
            let c = p_wait_from(r, n, a);
            let evaluation = Evaluation {
                agents: n,
                service_level: sl_time.map(|t| service_level_from(c, n, a, self.aht_s, t)),
                asa_s: Some(c * self.aht_s / (n - a)),
                p_wait: c,
                p_abandon: None,
                occupancy: a / n,
            };
            if self.first_miss(&evaluation).is_none() {
                // Whole numbers below 1e8 convert exactly.
                return Ok(Scan::Found(n as u64));
            }
            if n >= limit {
                return Ok(Scan::MissedUpTo(n));
            }
            n += 1.0;
            r.step(n, a);
        }
    }

    /// The fewest agents, as a real number, that meet every target (to within `1e-9` agents),
    /// through the continuous (incomplete-gamma) extension of the models.
    ///
    /// # Errors
    ///
    /// As [`Staffing::required_agents`].
    pub fn required_agents_continuous(&self) -> Result<f64, ErlangError> {
        let whole = self.required_agents()? as f64;
        let (mut lo, mut hi) = ((whole - 1.0).max(0.0), whole);
        for _ in 0..200 {
            if hi - lo <= 1e-9 * hi.max(1.0) {
                break;
            }
            let mid = 0.5 * (lo + hi);
            if self.meets(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// The measures for whole agent counts from `first` to `last` inclusive (the table of
    /// `hotline staff`).
    ///
    /// # Errors
    ///
    /// As [`Staffing::evaluate`].
    pub fn table(&self, first: u64, last: u64) -> Result<Vec<Evaluation>, ErlangError> {
        (first..=last).map(|n| self.evaluate(n as f64)).collect()
    }
}

/// The largest offered load (erlangs) that `agents` agents carry while meeting every target, to a
/// relative precision of about 1e-12.
///
/// ```
/// use hotline_erlang::{Model, Targets, max_load};
/// // Erlang C, ASA at most 20 s with 3-minute calls: what can 50 agents take?
/// let targets = Targets { max_asa_s: Some(20.0), ..Targets::default() };
/// let load = max_load(Model::ErlangC, 50.0, 180.0, targets)?;
/// assert!(load > 40.0 && load < 50.0);
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
///
/// # Errors
///
/// Names `agents` unless finite and greater than 0, the target out of range, or
/// [`ErlangError::Unreachable`] when no positive load meets the targets.
pub fn max_load(model: Model, agents: f64, aht: f64, targets: Targets) -> Result<f64, ErlangError> {
    let agents = positive("agents", agents)?;
    let meets = |load: f64| match Staffing::new(model, load, aht, targets)?.meets(agents) {
        // A load too large for the Erlang A sums is far beyond what the agents carry.
        Err(ErlangError::TooLarge { .. }) => Ok(false),
        other => other,
    };
    // Bracket: `lo` meets, `hi` misses.
    let mut hi = agents;
    let mut lo;
    if meets(hi)? {
        lo = hi;
        loop {
            hi *= 2.0;
            if hi > 1e12 {
                return Ok(lo);
            }
            if !meets(hi)? {
                break;
            }
            lo = hi;
        }
    } else {
        lo = hi;
        loop {
            lo *= 0.5;
            if lo < 1e-300 {
                return Err(ErlangError::Unreachable {
                    reason: format!("{agents} agents miss the targets at any load"),
                });
            }
            if meets(lo)? {
                break;
            }
            hi = lo;
        }
    }
    for _ in 0..200 {
        if hi - lo <= 1e-13 * hi {
            break;
        }
        let mid = 0.5 * (lo + hi);
        if meets(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// The staff to schedule so that `required` agents are present after `shrinkage` (the fraction of
/// paid time not spent on calls: breaks, training, absence): `⌈required / (1 − shrinkage)⌉`.
///
/// ```
/// assert_eq!(hotline_erlang::scheduled_staff(14, 0.3)?, 20);
/// assert_eq!(hotline_erlang::scheduled_staff(8, 0.2)?, 10); // exactly 10, not 11
/// # Ok::<(), hotline_erlang::ErlangError>(())
/// ```
///
/// # Errors
///
/// Names `shrinkage` unless it lies in `[0, 1)`.
pub fn scheduled_staff(required: u64, shrinkage: f64) -> Result<u64, ErlangError> {
    let shrinkage = below_one("shrinkage", shrinkage)?;
    let exact = required as f64 / (1.0 - shrinkage);
    // 8 / (1 - 0.2) is 10.000000000000002 in binary floating point: forgive rounding noise.
    let staff = (exact * (1.0 - 4.0 * f64::EPSILON)).ceil();
    if staff >= 1.8e19 {
        return Err(ErlangError::TooLarge { name: "shrinkage", value: shrinkage, max: 1.0 });
    }
    Ok((staff as u64).max(required))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sl(fraction: f64, within: f64) -> Targets {
        Targets {
            service_level: Some(ServiceLevel::new(fraction, within).unwrap()),
            ..Targets::default()
        }
    }

    #[test]
    fn shrinkage() {
        assert_eq!(scheduled_staff(10, 0.0).unwrap(), 10);
        assert_eq!(scheduled_staff(10, 0.2).unwrap(), 13);
        assert_eq!(scheduled_staff(0, 0.5).unwrap(), 0);
        assert!(scheduled_staff(10, 1.0).unwrap_err().to_string().starts_with("shrinkage"));
        assert!(scheduled_staff(10, -0.1).is_err());
        for n in 0..500u64 {
            for s in [0.1, 0.2, 0.25, 0.3, 0.35, 0.5] {
                let staff = scheduled_staff(n, s).unwrap();
                assert!(staff as f64 * (1.0 - s) >= n as f64 - 1e-9, "{n} {s}");
                assert!(
                    (staff.saturating_sub(1)) as f64 * (1.0 - s) < n as f64 - 1e-9 || staff == n
                );
            }
        }
    }

    #[test]
    fn required_agents_is_the_first_that_meets() {
        for &(load, fraction, within) in
            &[(10.0, 0.8, 20.0), (0.3, 0.9, 10.0), (100.0, 0.95, 5.0), (833.0, 0.8, 20.0)]
        {
            for model in [Model::ErlangC, Model::ErlangA { patience_s: 60.0 }] {
                let s = Staffing::new(model, load, 180.0, sl(fraction, within)).unwrap();
                let n = s.required_agents().unwrap() as f64;
                assert!(s.meets(n).unwrap(), "{model:?} {load}");
                assert!(n == 1.0 || !s.meets(n - 1.0).unwrap(), "{model:?} {load}");
            }
        }
    }

    #[test]
    fn erlang_a_can_staff_below_the_load() {
        let targets = Targets { max_abandon: Some(0.3), ..Targets::default() };
        let s = Staffing::new(Model::ErlangA { patience_s: 60.0 }, 100.0, 300.0, targets).unwrap();
        let n = s.required_agents().unwrap();
        assert!(n < 100, "{n}");
    }

    #[test]
    fn all_targets_together() {
        let targets = Targets {
            service_level: Some(ServiceLevel::new(0.8, 20.0).unwrap()),
            max_asa_s: Some(5.0),
            max_abandon: Some(0.02),
            max_occupancy: Some(0.85),
        };
        let s = Staffing::new(Model::ErlangA { patience_s: 90.0 }, 50.0, 240.0, targets).unwrap();
        let n = s.required_agents().unwrap() as f64;
        let e = s.evaluate(n).unwrap();
        assert!(e.occupancy <= 0.85 && e.asa_s.unwrap() <= 5.0 && e.p_abandon.unwrap() <= 0.02);
        assert!(s.missed_target(&s.evaluate(n - 1.0).unwrap()).is_some());
    }

    #[test]
    fn searches_survive_the_erlang_a_limits() {
        // A very patient crowd: far below the load the queue is too long to sum, and far above the
        // agents' capacity the load is too large; the searches treat both as misses.
        let targets = Targets { max_occupancy: Some(0.99), ..Targets::default() };
        let model = Model::ErlangA { patience_s: 180_000.0 };
        let s = Staffing::new(model, 1e6, 180.0, targets).unwrap();
        assert!(s.required_agents().is_ok());
        let asa = Targets { max_asa_s: Some(30.0), ..Targets::default() };
        let load = max_load(model, 1000.0, 180.0, asa).unwrap();
        assert!(load > 900.0 && load < 1100.0, "{load}");
    }

    #[test]
    fn continuous_staffing_lies_below_the_whole_number() {
        let s = Staffing::new(Model::ErlangC, 10.0, 180.0, sl(0.8, 20.0)).unwrap();
        let x = s.required_agents_continuous().unwrap();
        assert!(x > 13.0 && x < 14.0, "{x}");
        let at = s.evaluate(x).unwrap().service_level.unwrap();
        assert!((at - 0.8).abs() < 1e-8, "{at}");
    }

    #[test]
    fn no_target_is_an_error() {
        let err = Staffing::new(Model::ErlangC, 1.0, 1.0, Targets::default()).unwrap_err();
        assert_eq!(err, ErlangError::NoTarget);
        let bad = Targets { max_occupancy: Some(1.5), ..Targets::default() };
        let err = Staffing::new(Model::ErlangC, 1.0, 1.0, bad).unwrap_err();
        assert!(err.to_string().starts_with("max occupancy"), "{err}");
    }

    #[test]
    fn erlang_b_table_loads() {
        // Published Erlang B tables (grade of service 1%, 2% and 10%): the largest load N lines
        // carry with blocking at most the grade, found by bisection on the load.
        for &(n, grade, table) in &[
            (1.0, 0.01, 0.0101),
            (2.0, 0.01, 0.153),
            (5.0, 0.01, 1.36),
            (10.0, 0.01, 4.46),
            (20.0, 0.01, 12.03),
            (50.0, 0.01, 37.90),
            (100.0, 0.01, 84.06),
            (10.0, 0.02, 5.08),
            (20.0, 0.02, 13.18),
            (10.0, 0.1, 7.51),
        ] {
            let (mut lo, mut hi) = (1e-6_f64, n * 2.0);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if crate::erlang_b(mid, n).unwrap() <= grade { lo = mid } else { hi = mid }
            }
            let digits = if table < 0.1 { 1e-4 } else { 5e-3 };
            assert!((lo - table).abs() <= digits, "N={n} grade={grade}: {lo} vs table {table}");
        }
    }
}
