//! From forecast calls to required agents per interval, through hotline-erlang.

use hotline_erlang::{Model as QueueModel, Staffing, Targets, Traffic, scheduled_staff};
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

use crate::distributions::normal_quantile;
use crate::error::{WfmError, invalid};
use crate::forecast::Forecast;
use crate::series::Series;

/// How calls become agents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RequirementOptions {
    /// The queueing model: Erlang C, or Erlang A with a mean patience.
    pub model: QueueModel,
    /// Average handling time in seconds.
    pub aht_s: f64,
    /// Targets to meet in every interval (service level, ASA, abandonment, maximum occupancy).
    pub targets: Targets,
    /// Fraction of paid time not on the phones (breaks are scheduled explicitly, so count here
    /// only absence, training and meetings), in `[0, 1)`.
    pub shrinkage: f64,
    /// Staff for this quantile of the forecast distribution instead of its mean (normal
    /// approximation with the forecast's variance), e.g. `Some(0.8)`; `None` staffs for the mean.
    pub hedge_quantile: Option<f64>,
}

impl Default for RequirementOptions {
    /// Erlang C, 3-minute calls, 80% answered within 20 s, occupancy at most 90%, no shrinkage,
    /// no hedge.
    fn default() -> Self {
        RequirementOptions {
            model: QueueModel::ErlangC,
            aht_s: 180.0,
            targets: Targets {
                service_level: Some(hotline_erlang::ServiceLevel { fraction: 0.8, within_s: 20.0 }),
                max_occupancy: Some(0.9),
                ..Targets::default()
            },
            shrinkage: 0.0,
            hedge_quantile: None,
        }
    }
}

/// Required agents per interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// The local start of the first interval.
    pub start: DateTime,
    /// The interval length in minutes.
    pub interval_minutes: u32,
    /// The calls staffed for (the forecast mean, or its hedge quantile).
    pub calls: Vec<f64>,
    /// Agents needed on the phones.
    pub agents: Vec<u32>,
    /// Agents to schedule after shrinkage.
    pub scheduled: Vec<u32>,
}

impl Requirement {
    /// Scheduled agents summed over intervals, in agent-hours.
    pub fn agent_hours(&self) -> f64 {
        self.scheduled.iter().map(|&a| f64::from(a)).sum::<f64>() * f64::from(self.interval_minutes)
            / 60.0
    }

    /// The scheduled agents as days × intervals-per-day (the last day padded with zeros).
    pub fn by_day(&self) -> Vec<Vec<u32>> {
        let per_day = (1440 / self.interval_minutes) as usize;
        self.scheduled
            .chunks(per_day)
            .map(|c| {
                let mut v = c.to_vec();
                v.resize(per_day, 0);
                v
            })
            .collect()
    }
}

/// The requirement of calls per interval (`calls`, starting at `start`).
///
/// ```
/// use hotline_wfm::{RequirementOptions, requirement_from_calls};
/// // 100 calls in a half hour, 3 minutes each, 80/20 and at most 90% occupancy: 14 agents.
/// let r = requirement_from_calls("2026-03-02T09:00".parse().unwrap(), 30, &[100.0, 0.0], &[], RequirementOptions::default())?;
/// assert_eq!(r.agents, vec![14, 0]);
/// # Ok::<(), hotline_wfm::WfmError>(())
/// ```
///
/// # Errors
///
/// [`WfmError::Erlang`] for targets or rates out of range; [`WfmError::Invalid`] naming
/// `interval_minutes`, `calls`, `variance` or `hedge_quantile`.
pub fn requirement_from_calls(
    start: DateTime,
    interval_minutes: u32,
    calls: &[f64],
    variance: &[f64],
    options: RequirementOptions,
) -> Result<Requirement, WfmError> {
    let _ = Series::new(start, interval_minutes, Vec::new())?;
    options.targets.check()?;
    hotline_erlang::scheduled_staff(0, options.shrinkage)?;
    if !variance.is_empty() && variance.len() != calls.len() {
        return Err(invalid("variance", "one value per interval, or none"));
    }
    let z = match options.hedge_quantile {
        None => 0.0,
        Some(q) if q > 0.0 && q < 1.0 => normal_quantile(q),
        Some(q) => return Err(invalid("hedge_quantile", format!("{q} is not in (0, 1)"))),
    };
    let interval_s = f64::from(interval_minutes) * 60.0;
    let mut planned = Vec::with_capacity(calls.len());
    let mut agents = Vec::with_capacity(calls.len());
    let mut scheduled = Vec::with_capacity(calls.len());
    for (i, &c) in calls.iter().enumerate() {
        if !(c.is_finite() && c >= 0.0) {
            return Err(invalid("calls", format!("interval {i}: {c} is not a number of calls")));
        }
        let sd = variance.get(i).map_or(0.0, |v| v.max(0.0).sqrt());
        let c = (c + z * sd).max(0.0);
        planned.push(c);
        let n = if c > 0.0 {
            let staffing = Staffing::from_calls(
                options.model,
                Traffic { calls: c, interval_s, aht_s: options.aht_s },
                options.targets,
            )?;
            staffing.required_agents()?
        } else {
            0
        };
        let n = u32::try_from(n)
            .map_err(|_| invalid("calls", format!("interval {i}: needs over 4e9 agents")))?;
        agents.push(n);
        let s = scheduled_staff(u64::from(n), options.shrinkage)?;
        scheduled.push(u32::try_from(s).unwrap_or(u32::MAX));
    }
    Ok(Requirement { start, interval_minutes, calls: planned, agents, scheduled })
}

/// The requirement of a [`Forecast`] (its variance used when `options.hedge_quantile` is set).
///
/// # Errors
///
/// As [`requirement_from_calls`].
pub fn requirement(
    forecast: &Forecast,
    options: RequirementOptions,
) -> Result<Requirement, WfmError> {
    requirement_from_calls(
        forecast.start,
        forecast.interval_minutes,
        &forecast.mean,
        &forecast.variance,
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_erlang::ServiceLevel;

    fn start() -> DateTime {
        "2026-03-02T00:00".parse().unwrap()
    }

    #[test]
    fn matches_hotline_erlang_and_applies_shrinkage_and_hedge() {
        let opts = RequirementOptions { shrinkage: 0.3, ..RequirementOptions::default() };
        let r = requirement_from_calls(start(), 30, &[100.0, 10.0, 0.0], &[], opts).unwrap();
        assert_eq!(r.agents, vec![14, 3, 0]);
        assert_eq!(r.scheduled, vec![20, 5, 0]);
        // Hedging at the 84th percentile of a variance-100 forecast: 110 calls.
        let hedged = RequirementOptions {
            hedge_quantile: Some(0.841_344_746),
            ..RequirementOptions::default()
        };
        let r = requirement_from_calls(start(), 30, &[100.0], &[100.0], hedged).unwrap();
        assert!((r.calls[0] - 110.0).abs() < 1e-6);
        let direct =
            requirement_from_calls(start(), 30, &[110.0], &[], RequirementOptions::default())
                .unwrap();
        assert_eq!(r.agents, direct.agents);
    }

    #[test]
    fn asa_target_and_erlang_a() {
        let targets = Targets { max_asa_s: Some(15.0), ..Targets::default() };
        let c = RequirementOptions { targets, ..RequirementOptions::default() };
        let a = RequirementOptions { model: QueueModel::ErlangA { patience_s: 60.0 }, ..c };
        let rc = requirement_from_calls(start(), 60, &[300.0], &[], c).unwrap();
        let ra = requirement_from_calls(start(), 60, &[300.0], &[], a).unwrap();
        // Abandonment shortens the queue: Erlang A never needs more agents than Erlang C.
        assert!(ra.agents[0] <= rc.agents[0]);
        let s = Staffing::from_calls(
            QueueModel::ErlangC,
            Traffic { calls: 300.0, interval_s: 3600.0, aht_s: 180.0 },
            targets,
        )
        .unwrap();
        assert_eq!(u64::from(rc.agents[0]), s.required_agents().unwrap());
    }

    #[test]
    fn bad_inputs_are_named() {
        let o = RequirementOptions::default();
        assert!(matches!(
            requirement_from_calls(start(), 20, &[1.0], &[], o),
            Err(WfmError::Invalid { .. })
        ));
        let e = requirement_from_calls(start(), 30, &[f64::NAN], &[], o).unwrap_err();
        assert!(e.to_string().contains("calls"), "{e}");
        let e = requirement_from_calls(
            start(),
            30,
            &[1.0],
            &[],
            RequirementOptions { shrinkage: 1.0, ..o },
        );
        assert!(matches!(e, Err(WfmError::Erlang(_))));
        let bad_sl = Targets {
            service_level: Some(ServiceLevel { fraction: 1.5, within_s: 20.0 }),
            ..Targets::default()
        };
        let e = requirement_from_calls(
            start(),
            30,
            &[1.0],
            &[],
            RequirementOptions { targets: bad_sl, ..o },
        );
        assert!(matches!(e, Err(WfmError::Erlang(_))));
    }
}
