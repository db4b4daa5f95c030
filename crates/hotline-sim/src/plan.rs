//! A workforce plan from hotline-wfm run in the simulator: the loop from forecast to schedule
//! closed by measuring the service level the schedule delivers instead of assuming it.
//!
//! * [`schedule_groups`] turns a [`Schedule`] (head counts per shift and day) into agent groups,
//!   one per shift and day, whose `shifts` and `breaks` are the shift's and its breaks' spans;
//!   [`roster_groups`] does the same for a [`Roster`], one group (of one agent) per named agent
//!   with every shift of the week.
//! * [`forecast_arrivals`] turns calls per interval (a forecast's means) into a call type's
//!   per-interval arrival rates.
//! * [`interval_adherence`] compares each simulated agent's states, as the ACD changed them
//!   (hotline-acd's state log, from [`run_replication_with_states`](crate::run_replication_with_states)),
//!   with its shifts and breaks interval by interval: adherence (time in the scheduled state ÷
//!   scheduled time), conformance (time worked ÷ time scheduled on the phones) and every
//!   out-of-adherence span, per agent, per interval and in total ([`hotline_wfm::adherence()`]).
//! * [`adherence`] compares, agent by agent, the time the simulated agents were open (ready,
//!   ringing, talking or in wrap-up: the ACD's own per-agent state statistics) with the time
//!   their shifts scheduled them on the phones, between the scenario's warm-up and horizon (the
//!   totals only).
//!
//! Simulated time 0 is 00:00 of the schedule's first day; day `d`'s shift starting at minute `m`
//! starts at `d × 24 h + m`.
//!
//! ```
//! use hotline_sim::plan::{forecast_arrivals, schedule_groups};
//! use hotline_sim::AgentGroup;
//! use hotline_wfm::{ScheduleProblem, ShiftTemplate, Weights, solve};
//! let template = ShiftTemplate {
//!     name: "day".into(),
//!     earliest_start: "08:00".parse().unwrap(),
//!     latest_start: "08:00".parse().unwrap(),
//!     start_step_minutes: 60,
//!     lengths_minutes: vec![480],
//!     weekdays: vec![],
//!     breaks: vec![],
//!     skills: vec![],
//! };
//! let mut day = vec![0; 24];
//! for h in 8..16 { day[h] = 3; }
//! let problem = ScheduleProblem {
//!     interval_minutes: 60, first_weekday: 0, required: vec![day], templates: vec![template],
//!     weights: Weights::default(), max_concurrency: None, effort: 10, seed: 1,
//!     skill_required: vec![],
//! };
//! let schedule = solve(&problem)?;
//! let groups = schedule_groups(&problem, &schedule, &|_| AgentGroup {
//!     name: "team".into(), count: 0, skills: Default::default(), languages: vec![],
//!     queues: vec![], wrap_up: None, no_answer_probability: 0.0,
//!     ring_time: std::time::Duration::from_secs(15), shifts: vec![], breaks: vec![], speed: 1.0,
//! });
//! assert_eq!(groups.len(), 1);
//! assert_eq!((groups[0].count, groups[0].shifts[0].start.as_secs()), (3, 8 * 3600));
//! let arrivals = forecast_arrivals(&[10.0, 20.0], 30);
//! assert_eq!(arrivals.rates_per_hour, vec![20.0, 40.0, 0.0]);
//! # Ok::<(), hotline_wfm::WfmError>(())
//! ```

use std::time::Duration;

use hotline_acd::{AgentState, AgentStateChange};
use hotline_wfm::{
    AdherenceReport, Agent, AgentTimeline, Observed, ObservedChange, Planned, PlannedSpan, Roster,
    Schedule, ScheduleProblem, Shift, ShiftTemplate, WfmError,
};
use serde::{Deserialize, Serialize};

use crate::scenario::{AgentGroup, Arrivals, Scenario, Span};
use crate::sim::Outcome;

fn minute_span(day: usize, from: u32, to: u32) -> Span {
    let at = |m: u32| Duration::from_secs(day as u64 * 86_400 + u64::from(m) * 60);
    Span { start: at(from), end: at(to) }
}

/// The spans of `shift` on `day`: the shift itself and each of its breaks.
fn spans(problem: &ScheduleProblem, day: usize, shift: &Shift) -> (Span, Vec<Span>) {
    let breaks = problem.templates.get(shift.template).map_or(Vec::new(), |t| {
        t.breaks
            .iter()
            .zip(&shift.break_starts)
            .map(|(b, &s)| minute_span(day, s, s + b.length_minutes))
            .collect()
    });
    (minute_span(day, shift.start_minute, shift.end_minute()), breaks)
}

/// One agent group per shift and day of `schedule`, `count` agents each, named
/// `<prototype's name>-d<day>-<template>-<HHMM>-<n>`. `prototype` gives, for the shift's template,
/// the group's queues, skills and the rest; its `name` is the prefix and its `count`, `shifts`
/// and `breaks` are replaced.
pub fn schedule_groups(
    problem: &ScheduleProblem,
    schedule: &Schedule,
    prototype: &dyn Fn(&ShiftTemplate) -> AgentGroup,
) -> Vec<AgentGroup> {
    let mut out = Vec::new();
    for (d, day) in schedule.days.iter().enumerate() {
        for (n, (shift, count)) in day.shifts.iter().enumerate() {
            let Some(t) = problem.templates.get(shift.template) else { continue };
            let (span, breaks) = spans(problem, d, shift);
            let mut g = prototype(t);
            g.name = format!(
                "{}-d{d}-{}-{:02}{:02}-{n}",
                g.name,
                t.name,
                shift.start_minute / 60,
                shift.start_minute % 60
            );
            g.count = *count as usize;
            g.shifts = vec![span];
            g.breaks = breaks;
            out.push(g);
        }
    }
    out
}

/// One agent group of one agent per rostered agent (in `agents` order, agents without a shift
/// left out), named as the agent, with every shift and break of the roster. `prototype` gives
/// the group's queues and skills for the agent; its `name`, `count`, `shifts` and `breaks` are
/// replaced.
pub fn roster_groups(
    problem: &ScheduleProblem,
    roster: &Roster,
    agents: &[Agent],
    prototype: &dyn Fn(&Agent) -> AgentGroup,
) -> Vec<AgentGroup> {
    let mut out = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let mut shifts = Vec::new();
        let mut breaks = Vec::new();
        for a in roster.assignments.iter().filter(|a| a.agent == i) {
            let (span, b) = spans(problem, a.day, &a.shift);
            shifts.push(span);
            breaks.extend(b);
        }
        if shifts.is_empty() {
            continue;
        }
        shifts.sort_by_key(|s| s.start);
        breaks.sort_by_key(|s| s.start);
        let mut g = prototype(agent);
        g.name.clone_from(&agent.name);
        g.count = 1;
        g.shifts = shifts;
        g.breaks = breaks;
        out.push(g);
    }
    out
}

/// Arrivals at the rates of `calls` per interval of `interval_minutes` (a forecast's means),
/// from time 0, with no call after the last interval.
pub fn forecast_arrivals(calls: &[f64], interval_minutes: u32) -> Arrivals {
    let per_hour = 60.0 / f64::from(interval_minutes.max(1));
    let mut rates: Vec<f64> = calls.iter().map(|&c| (c * per_hour).max(0.0)).collect();
    rates.push(0.0);
    Arrivals {
        rate_per_hour: None,
        rates_per_hour: rates,
        csv: None,
        interval: Duration::from_secs(u64::from(interval_minutes) * 60),
    }
}

/// One agent's scheduled and simulated time on the phones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentAdherence {
    /// The agent, `<group>-<i>` as the simulator names group agents.
    pub name: String,
    /// Seconds the shifts schedule the agent on the phones (shifts less breaks) between warm-up
    /// and horizon.
    pub scheduled_s: f64,
    /// Seconds the simulated agent was open (ready, ringing, on a call or in wrap-up) in the
    /// same window, from the ACD's per-agent state statistics.
    pub open_s: f64,
}

/// Scheduled against simulated time on the phones, agent by agent and in total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adherence {
    /// One per agent of the scenario's agent groups.
    pub agents: Vec<AgentAdherence>,
    /// Total scheduled seconds.
    pub scheduled_s: f64,
    /// Total open seconds.
    pub open_s: f64,
    /// `open_s / scheduled_s` (conformance: 1 when agents were open exactly as long as planned).
    pub conformance: f64,
    /// Σ |open − scheduled| over agents, seconds: a lower bound on the time agents were out of
    /// their scheduled state (a break taken late and a shift ended late show here; a break taken
    /// late but as long as planned shows only in the interval-by-interval comparison, which this
    /// does not make).
    pub deviation_s: f64,
}

/// Compares the simulated agents of `outcome` (one replication of `scenario`) with their groups'
/// shifts and breaks, in total per agent (the ACD's cumulative counters);
/// [`interval_adherence`] makes the comparison interval by interval from the agents' states. Agents listed in `acd.agents` are skipped. A group without shifts is
/// scheduled for the whole window.
pub fn adherence(scenario: &Scenario, outcome: &Outcome) -> Adherence {
    let (from, to) = (scenario.warmup.as_secs_f64(), scenario.horizon.as_secs_f64());
    let clip = |s: &Span| (s.end.as_secs_f64().min(to) - s.start.as_secs_f64().max(from)).max(0.0);
    let mut index = scenario.acd.agents.len();
    let mut agents = Vec::new();
    for g in &scenario.agent_groups {
        let on: f64 = if g.shifts.is_empty() {
            (to - from).max(0.0)
        } else {
            g.shifts.iter().map(clip).sum::<f64>()
        };
        let scheduled = (on - g.breaks.iter().map(clip).sum::<f64>()).max(0.0);
        for i in 0..g.count {
            let open = outcome.agent_open.get(index).copied().unwrap_or(0.0);
            let name = format!("{}-{}", g.name, i + 1);
            agents.push(AgentAdherence { name, scheduled_s: scheduled, open_s: open });
            index += 1;
        }
    }
    let scheduled_s: f64 = agents.iter().map(|a| a.scheduled_s).sum();
    let open_s: f64 = agents.iter().map(|a| a.open_s).sum();
    Adherence {
        deviation_s: agents.iter().map(|a| (a.open_s - a.scheduled_s).abs()).sum(),
        conformance: if scheduled_s > 0.0 { open_s / scheduled_s } else { f64::NAN },
        agents,
        scheduled_s,
        open_s,
    }
}

/// What an ACD state counts as in an adherence comparison: ready, ringing, on a call, in
/// wrap-up and on an outbound call are [`Observed::Working`]; not ready is
/// [`Observed::Away`]; logged out is [`Observed::LoggedOut`].
pub fn observed(state: AgentState) -> Observed {
    match state {
        AgentState::LoggedOut => Observed::LoggedOut,
        AgentState::NotReady(_) => Observed::Away,
        _ => Observed::Working,
    }
}

/// Each group agent's schedule (its group's shifts as work, breaks as breaks; a group without
/// shifts works from 0 to the horizon) and observed states (from `states`, as
/// [`run_replication_with_states`](crate::run_replication_with_states) returns them), named
/// `<group>-<i>` as the simulator names them. Agents listed in `acd.agents` have no schedule
/// and are left out.
pub fn agent_timelines(scenario: &Scenario, states: &[AgentStateChange]) -> Vec<AgentTimeline> {
    let explicit = scenario.acd.agents.len();
    let mut out = Vec::new();
    for g in &scenario.agent_groups {
        let mut planned: Vec<PlannedSpan> = if g.shifts.is_empty() {
            vec![PlannedSpan {
                start: Duration::ZERO,
                end: scenario.horizon,
                activity: Planned::Work,
            }]
        } else {
            g.shifts
                .iter()
                .map(|s| PlannedSpan { start: s.start, end: s.end, activity: Planned::Work })
                .collect()
        };
        planned.extend(g.breaks.iter().map(|b| PlannedSpan {
            start: b.start,
            end: b.end,
            activity: Planned::Break,
        }));
        for i in 0..g.count {
            out.push(AgentTimeline {
                name: format!("{}-{}", g.name, i + 1),
                planned: planned.clone(),
                observed: Vec::new(),
            });
        }
    }
    for c in states {
        let Some(i) = (c.agent.0 as usize).checked_sub(explicit) else { continue };
        if let Some(t) = out.get_mut(i) {
            t.observed.push(ObservedChange { at: c.at, state: observed(c.state) });
        }
    }
    out
}

/// Schedule adherence of the simulated agents, interval by interval (intervals of `interval`
/// from the warm-up's end to the horizon) and agent by agent: each group agent's states
/// (`states`, from [`run_replication_with_states`](crate::run_replication_with_states) on a
/// scenario with the same agent groups) against its group's shifts and breaks in `scenario`
/// ([`agent_timelines`], [`hotline_wfm::adherence()`] for the definitions). Simulated agents
/// fall out of adherence where a call runs into a break or past the shift's end.
///
/// # Errors
///
/// [`WfmError::Invalid`] for a zero `interval` or a window of more than
/// [`hotline_wfm::MAX_ADHERENCE_INTERVALS`] intervals; [`WfmError::TooLarge`] past
/// [`hotline_wfm::MAX_ADHERENCE_CELLS`] agent-intervals.
pub fn interval_adherence(
    scenario: &Scenario,
    states: &[AgentStateChange],
    interval: Duration,
) -> Result<AdherenceReport, WfmError> {
    let agents = agent_timelines(scenario, states);
    hotline_wfm::adherence(
        &agents,
        scenario.warmup,
        scenario.horizon.max(scenario.warmup),
        interval,
    )
}
