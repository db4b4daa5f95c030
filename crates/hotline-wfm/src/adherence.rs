//! Schedule adherence and conformance (see [`adherence()`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{WfmError, invalid};

/// The most intervals a report may have (`(to − from) ÷ interval`).
pub const MAX_ADHERENCE_INTERVALS: usize = 100_000;

/// The most agent-intervals a report may have (agents × intervals).
pub const MAX_ADHERENCE_CELLS: usize = 2_000_000;

/// What the schedule says an agent does in a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Planned {
    /// On the phones: a shift's time outside its breaks.
    Work,
    /// A break or lunch (takes precedence over `Work` where the two overlap).
    Break,
}

/// One scheduled span of an agent, `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlannedSpan {
    /// Start.
    pub start: Duration,
    /// End (not before `start`).
    pub end: Duration,
    /// What the agent is to do.
    pub activity: Planned,
}

/// An agent's state as the ACD reports it, reduced to what adherence compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Observed {
    /// Logged in and taking calls: ready, ringing, talking, in wrap-up or on an outbound call.
    Working,
    /// Logged in but not ready (a break, a meeting, after too many unanswered calls).
    Away,
    /// Not logged in.
    LoggedOut,
}

/// From `at` on, the agent is in `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedChange {
    /// When.
    pub at: Duration,
    /// The state from then on.
    pub state: Observed,
}

/// One agent's schedule and observed states. Before its first change the agent is logged out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTimeline {
    /// The agent's name, as reports list it.
    pub name: String,
    /// Shifts (as `Work`) and breaks, in any order; breaks win where they overlap work.
    pub planned: Vec<PlannedSpan>,
    /// State changes, in time order (equal times: the last one holds).
    pub observed: Vec<ObservedChange>,
}

/// Seconds of one agent (or a sum of agents) over one interval (or many).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AdherenceTime {
    /// Scheduled time: covered by a shift, breaks included.
    pub scheduled_s: f64,
    /// Scheduled time spent in the scheduled state.
    pub in_adherence_s: f64,
    /// Time scheduled on the phones (shift less breaks).
    pub scheduled_work_s: f64,
    /// Time worked ([`Observed::Working`]), in or out of shifts.
    pub worked_s: f64,
    /// Time logged in (working or away) outside every shift.
    pub unscheduled_s: f64,
}

impl AdherenceTime {
    /// `in_adherence_s ÷ scheduled_s`; `None` when nothing was scheduled.
    pub fn adherence(&self) -> Option<f64> {
        (self.scheduled_s > 0.0).then(|| self.in_adherence_s / self.scheduled_s)
    }

    /// `worked_s ÷ scheduled_work_s`; `None` when no work was scheduled.
    pub fn conformance(&self) -> Option<f64> {
        (self.scheduled_work_s > 0.0).then(|| self.worked_s / self.scheduled_work_s)
    }

    /// Scheduled time out of the scheduled state.
    pub fn out_of_adherence_s(&self) -> f64 {
        self.scheduled_s - self.in_adherence_s
    }
}

/// Exact sums in nanoseconds, turned into [`AdherenceTime`] at the end.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    scheduled: u64,
    in_adherence: u64,
    scheduled_work: u64,
    worked: u64,
    unscheduled: u64,
}

impl Tally {
    /// Adds `o`, saturating: a window of `Duration::MAX` over many agents must not overflow.
    fn add(&mut self, o: &Tally) {
        self.scheduled = self.scheduled.saturating_add(o.scheduled);
        self.in_adherence = self.in_adherence.saturating_add(o.in_adherence);
        self.scheduled_work = self.scheduled_work.saturating_add(o.scheduled_work);
        self.worked = self.worked.saturating_add(o.worked);
        self.unscheduled = self.unscheduled.saturating_add(o.unscheduled);
    }

    fn time(&self) -> AdherenceTime {
        let s = |ns: u64| ns as f64 / 1e9;
        AdherenceTime {
            scheduled_s: s(self.scheduled),
            in_adherence_s: s(self.in_adherence),
            scheduled_work_s: s(self.scheduled_work),
            worked_s: s(self.worked),
            unscheduled_s: s(self.unscheduled),
        }
    }
}

/// A stretch where an agent was not in the scheduled state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OutOfAdherence {
    /// Start, seconds since the epoch.
    pub start_s: f64,
    /// End, seconds since the epoch.
    pub end_s: f64,
    /// What the schedule said (`None`: no shift, the agent was logged in anyway).
    pub planned: Option<Planned>,
    /// What the agent did.
    pub observed: Observed,
}

/// One agent's adherence over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentAdherence {
    /// The agent.
    pub name: String,
    /// Over the whole window.
    pub total: AdherenceTime,
    /// [`AdherenceTime::adherence`] of `total`.
    pub adherence: Option<f64>,
    /// [`AdherenceTime::conformance`] of `total`.
    pub conformance: Option<f64>,
    /// One per interval of the report.
    pub intervals: Vec<AdherenceTime>,
    /// Every stretch out of adherence, in time order (adjacent stretches of the same two
    /// states are one).
    pub out_of_adherence: Vec<OutOfAdherence>,
}

/// All agents in one interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalAdherence {
    /// Start of the interval, seconds since the epoch.
    pub start_s: f64,
    /// Sums over agents.
    pub total: AdherenceTime,
    /// [`AdherenceTime::adherence`] of `total`.
    pub adherence: Option<f64>,
    /// [`AdherenceTime::conformance`] of `total`.
    pub conformance: Option<f64>,
    /// Agents scheduled in the interval.
    pub agents_scheduled: usize,
    /// Agents out of adherence for some of their scheduled time in the interval.
    pub agents_out: usize,
}

/// Adherence by agent, by interval and in total; see [`adherence()`] for the definitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdherenceReport {
    /// Start of the window, seconds since the epoch.
    pub from_s: f64,
    /// End of the window, seconds since the epoch.
    pub to_s: f64,
    /// Interval length, seconds (the last interval may be shorter).
    pub interval_s: f64,
    /// Per interval, in time order.
    pub intervals: Vec<IntervalAdherence>,
    /// Per agent, in input order.
    pub agents: Vec<AgentAdherence>,
    /// All agents over the window.
    pub total: AdherenceTime,
    /// [`AdherenceTime::adherence`] of `total`.
    pub adherence: Option<f64>,
    /// [`AdherenceTime::conformance`] of `total`.
    pub conformance: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Off,
    Work,
    Break,
}

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The schedule as consecutive segments `(end, plan)` covering `from..to` (each segment starts
/// where the previous one ended).
fn plan_segments(spans: &[PlannedSpan], from: u64, to: u64) -> Vec<(u64, Plan)> {
    // +1/−1 edges of work and of breaks; at one time, every edge applies before the state is
    // read.
    let mut edges: Vec<(u64, i32, i32)> = Vec::with_capacity(2 * spans.len());
    for s in spans {
        let (a, b) = (ns(s.start).clamp(from, to), ns(s.end).clamp(from, to));
        if a >= b {
            continue;
        }
        let (w, br) = match s.activity {
            Planned::Work => (1, 0),
            Planned::Break => (0, 1),
        };
        edges.push((a, w, br));
        edges.push((b, -w, -br));
    }
    edges.sort_unstable_by_key(|e| e.0);
    let mut out = Vec::new();
    let (mut work, mut brk, mut at) = (0i32, 0i32, from);
    let mut i = 0;
    while i < edges.len() {
        let t = edges[i].0;
        let state = if brk > 0 {
            Plan::Break
        } else if work > 0 {
            Plan::Work
        } else {
            Plan::Off
        };
        if t > at {
            out.push((t, state));
            at = t;
        }
        while i < edges.len() && edges[i].0 == t {
            work += edges[i].1;
            brk += edges[i].2;
            i += 1;
        }
    }
    if at < to {
        out.push((to, Plan::Off));
    }
    out
}

/// The observed states as consecutive segments `(end, state)` covering `from..to`.
fn observed_segments(changes: &[ObservedChange], from: u64, to: u64) -> Vec<(u64, Observed)> {
    let mut out = Vec::new();
    let mut state = Observed::LoggedOut;
    let mut at = from;
    for c in changes {
        let t = ns(c.at).min(to);
        if t > at {
            out.push((t, state));
            at = t;
        }
        state = c.state;
    }
    if at < to {
        out.push((to, state));
    }
    out
}

fn kept(plan: Plan, observed: Observed) -> bool {
    matches!(
        (plan, observed),
        (Plan::Work, Observed::Working)
            | (Plan::Break, Observed::Away | Observed::LoggedOut)
            | (Plan::Off, Observed::LoggedOut)
    )
}

/// Compares every agent's schedule with their observed states over `from..to`, in intervals
/// of `interval` from `from`.
///
/// Schedule adherence and conformance, interval by interval: what each agent was scheduled to
/// do (on the phones, on a break, off) against the states the ACD saw them in.
///
/// * **Adherence** of an agent in an interval = time in the scheduled state ÷ scheduled time
///   (the time a shift covers, its breaks included). On the phones is kept by being logged in
///   and available to the ACD ([`Observed::Working`]: ready, ringing, talking, in wrap-up or on
///   an outbound call); a break is kept by being not ready ([`Observed::Away`]) or logged out.
/// * **Conformance** = time worked ([`Observed::Working`], anywhere) ÷ time scheduled on the
///   phones: 1 when the agent worked as long as planned, whenever they did it.
/// * **Out-of-adherence spans**: every stretch where the state differed from the schedule,
///   with both states; time logged in outside any shift is listed too (scheduled state
///   `None`) and counted as `unscheduled_s`, but it is not scheduled time, so it does not lower
///   adherence (it raises conformance when the agent worked).
///
/// An agent who takes a 30-minute lunch scheduled at 12:00 at 12:15 instead is out of
/// adherence twice for 15 minutes (on the phones during 12:00–12:15 of the planned lunch, away
/// during 12:30–12:45 of planned work) and conforms exactly (worked as long as planned).
///
/// Times are [`Duration`]s since an epoch the caller chooses (hotline-sim uses 00:00 of the
/// schedule's first day), computed exactly in nanoseconds and reported in seconds.
///
/// # Errors
///
/// [`WfmError::Invalid`] naming the field when `interval` is zero, `to` is before `from`, the
/// window has more than [`MAX_ADHERENCE_INTERVALS`] intervals, a span ends before it starts,
/// or an agent's changes go back in time; [`WfmError::TooLarge`] past
/// [`MAX_ADHERENCE_CELLS`].
pub fn adherence(
    agents: &[AgentTimeline],
    from: Duration,
    to: Duration,
    interval: Duration,
) -> Result<AdherenceReport, WfmError> {
    let (from, to, step) = (ns(from), ns(to), ns(interval));
    if step == 0 {
        return Err(invalid("interval", "must be longer than zero"));
    }
    if to < from {
        return Err(invalid("to", "the window ends before it starts"));
    }
    let n = usize::try_from((to - from).div_ceil(step)).unwrap_or(usize::MAX);
    if n > MAX_ADHERENCE_INTERVALS {
        return Err(invalid(
            "interval",
            format!("{n} intervals in the window, more than {MAX_ADHERENCE_INTERVALS}"),
        ));
    }
    if agents.len().saturating_mul(n) > MAX_ADHERENCE_CELLS {
        return Err(WfmError::TooLarge { what: "agent-intervals", limit: MAX_ADHERENCE_CELLS });
    }
    for a in agents {
        if let Some(i) = a.planned.iter().position(|s| s.end < s.start) {
            return Err(invalid(
                format!("{}.planned[{i}]", a.name),
                "the span ends before it starts",
            ));
        }
        if let Some(i) = a.observed.windows(2).position(|w| w[1].at < w[0].at) {
            return Err(invalid(
                format!("{}.observed[{}]", a.name, i + 1),
                "the state changes are not in time order",
            ));
        }
    }
    let mut by_interval = vec![Tally::default(); n];
    let mut scheduled_in = vec![0usize; n];
    let mut out_in = vec![0usize; n];
    let mut total = Tally::default();
    let mut reports = Vec::with_capacity(agents.len());
    for a in agents {
        let plan = plan_segments(&a.planned, from, to);
        let seen = observed_segments(&a.observed, from, to);
        let mut cells = vec![Tally::default(); n];
        let mut out_flag = vec![false; n];
        let mut spans: Vec<OutOfAdherence> = Vec::new();
        let (mut p, mut o, mut at) = (0, 0, from);
        while p < plan.len() && o < seen.len() {
            let (pe, ps) = plan[p];
            let (oe, os) = seen[o];
            let end = pe.min(oe);
            let ok = kept(ps, os);
            // Split the segment at interval boundaries.
            let mut t = at;
            while t < end {
                let k = ((t - from) / step) as usize;
                let bound = from.saturating_add((k as u64 + 1).saturating_mul(step)).min(end);
                let len = bound - t;
                let c = &mut cells[k];
                if ps != Plan::Off {
                    c.scheduled += len;
                    if ok {
                        c.in_adherence += len;
                    } else {
                        out_flag[k] = true;
                    }
                }
                if ps == Plan::Work {
                    c.scheduled_work += len;
                }
                if os == Observed::Working {
                    c.worked += len;
                }
                if ps == Plan::Off && os != Observed::LoggedOut {
                    c.unscheduled += len;
                }
                t = bound;
            }
            if !ok && end > at {
                let planned = match ps {
                    Plan::Off => None,
                    Plan::Work => Some(Planned::Work),
                    Plan::Break => Some(Planned::Break),
                };
                let (start_s, end_s) = (at as f64 / 1e9, end as f64 / 1e9);
                match spans.last_mut() {
                    Some(last)
                        if last.end_s == start_s
                            && last.planned == planned
                            && last.observed == os =>
                    {
                        last.end_s = end_s;
                    }
                    _ => spans.push(OutOfAdherence { start_s, end_s, planned, observed: os }),
                }
            }
            at = end;
            if pe == end {
                p += 1;
            }
            if oe == end {
                o += 1;
            }
        }
        let mut mine = Tally::default();
        for (k, c) in cells.iter().enumerate() {
            mine.add(c);
            by_interval[k].add(c);
            if c.scheduled > 0 {
                scheduled_in[k] += 1;
            }
            if out_flag[k] {
                out_in[k] += 1;
            }
        }
        total.add(&mine);
        let t = mine.time();
        reports.push(AgentAdherence {
            name: a.name.clone(),
            adherence: t.adherence(),
            conformance: t.conformance(),
            total: t,
            intervals: cells.iter().map(Tally::time).collect(),
            out_of_adherence: spans,
        });
    }
    let intervals = by_interval
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let t = c.time();
            IntervalAdherence {
                start_s: from.saturating_add(k as u64 * step) as f64 / 1e9,
                adherence: t.adherence(),
                conformance: t.conformance(),
                total: t,
                agents_scheduled: scheduled_in[k],
                agents_out: out_in[k],
            }
        })
        .collect();
    let t = total.time();
    Ok(AdherenceReport {
        from_s: from as f64 / 1e9,
        to_s: to as f64 / 1e9,
        interval_s: step as f64 / 1e9,
        intervals,
        agents: reports,
        adherence: t.adherence(),
        conformance: t.conformance(),
        total: t,
    })
}
