//! Rostering: named agents with availability, skills and preferences assigned to a schedule's
//! shifts under working-time rules, and a checker that names every rule a roster breaks.

use serde::{Deserialize, Serialize};

use crate::error::{Rule, WfmError, invalid};
use crate::schedule::{Schedule, ScheduleProblem, Shift};

/// Working-time rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Minimum hours between the end of a shift and the start of the next (11 in the EU's working
    /// time directive).
    pub min_rest_hours: f64,
    /// Maximum consecutive working days.
    pub max_consecutive_days: u32,
    /// Minimum paid hours in each 7-day week of the horizon (only full weeks are checked).
    pub min_weekly_hours: f64,
    /// Maximum paid hours in each 7-day week of the horizon.
    pub max_weekly_hours: f64,
    /// Weekend days worked may differ by at most this many between agents who can work weekends.
    pub weekend_spread: u32,
}

impl Default for Rules {
    /// 11 hours' rest, 6 consecutive days, 0–40 hours a week, weekend spread 1.
    fn default() -> Self {
        Rules {
            min_rest_hours: 11.0,
            max_consecutive_days: 6,
            min_weekly_hours: 0.0,
            max_weekly_hours: 40.0,
            weekend_spread: 1,
        }
    }
}

/// An agent to roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    /// The agent's name.
    pub name: String,
    /// Skills (a shift whose template names a skill needs it).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Days of the horizon (0-based) the agent cannot work.
    #[serde(default)]
    pub unavailable_days: Vec<usize>,
    /// Earliest start the agent can take, minutes after midnight.
    #[serde(default)]
    pub earliest_start_minute: Option<u32>,
    /// Latest end the agent can take, minutes after midnight.
    #[serde(default)]
    pub latest_end_minute: Option<u32>,
    /// Preferred start, minutes after midnight (a soft wish).
    #[serde(default)]
    pub preferred_start_minute: Option<u32>,
    /// Preferred days off (soft).
    #[serde(default)]
    pub preferred_days_off: Vec<usize>,
}

impl Agent {
    /// An agent available every day, any hours, no skills.
    pub fn new(name: impl Into<String>) -> Agent {
        Agent {
            name: name.into(),
            skills: Vec::new(),
            unavailable_days: Vec::new(),
            earliest_start_minute: None,
            latest_end_minute: None,
            preferred_start_minute: None,
            preferred_days_off: Vec::new(),
        }
    }

    fn available(&self, day: usize, shift: &Shift) -> bool {
        !self.unavailable_days.contains(&day)
            && self.earliest_start_minute.is_none_or(|e| shift.start_minute >= e)
            && self.latest_end_minute.is_none_or(|l| shift.end_minute() <= l)
    }
}

/// One agent working one shift on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Index of the agent.
    pub agent: usize,
    /// Day of the horizon, 0-based.
    pub day: usize,
    /// The shift.
    pub shift: Shift,
}

/// A roster: assignments, and how well wishes were met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    /// Every assignment, by day then start.
    pub assignments: Vec<Assignment>,
    /// Assignments on a preferred day off.
    pub preferred_days_off_worked: usize,
    /// Mean distance of assigned starts from preferred starts, in minutes (agents with a wish).
    pub mean_start_deviation_minutes: f64,
}

/// A broken rule in a roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// The agent's name.
    pub agent: String,
    /// Day of the horizon where it shows.
    pub day: usize,
    /// What exactly.
    pub message: String,
}

fn is_weekend(first_weekday: u8, day: usize) -> bool {
    (usize::from(first_weekday) + day) % 7 >= 5
}

/// Per-agent running state during rostering and checking.
#[derive(Debug, Clone, Default)]
struct AgentState {
    /// Day and end (minutes from the horizon's start) of the last shift.
    last: Option<(usize, i64)>,
    consecutive: u32,
    /// Paid minutes per week of the horizon.
    week_minutes: Vec<u32>,
    weekend_days: u32,
    days_worked: u32,
}

impl Rules {
    fn check(&self) -> Result<(), WfmError> {
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        if !ok(self.min_rest_hours) || self.min_rest_hours > 48.0 {
            return Err(invalid("rules.min_rest_hours", "between 0 and 48"));
        }
        if self.max_consecutive_days == 0 {
            return Err(invalid("rules.max_consecutive_days", "at least 1"));
        }
        if !ok(self.min_weekly_hours)
            || !ok(self.max_weekly_hours)
            || self.min_weekly_hours > self.max_weekly_hours
        {
            return Err(invalid(
                "rules.max_weekly_hours",
                "finite, at least 0 and at least min_weekly_hours",
            ));
        }
        Ok(())
    }

    /// Which rule stops `agent` (state `st`) from working `shift` on `day`, if any.
    #[allow(clippy::too_many_arguments)]
    fn blocks(
        &self,
        agent: &Agent,
        st: &AgentState,
        day: usize,
        shift: &Shift,
        paid: u32,
        skills: &[String],
    ) -> Option<Rule> {
        if skills.iter().any(|s| !agent.skills.contains(s)) {
            return Some(Rule::Skill);
        }
        if !agent.available(day, shift) {
            return Some(Rule::Availability);
        }
        if let Some((last_day, last_end)) = st.last {
            if last_day == day {
                return Some(Rule::OneShiftPerDay);
            }
            let start = day as i64 * 1440 + i64::from(shift.start_minute);
            if ((start - last_end) as f64) < self.min_rest_hours * 60.0 - 1e-9 {
                return Some(Rule::MinRest);
            }
            if last_day + 1 == day && st.consecutive >= self.max_consecutive_days {
                return Some(Rule::MaxConsecutiveDays);
            }
        }
        let week = day / 7;
        let used = st.week_minutes.get(week).copied().unwrap_or(0);
        if f64::from(used + paid) > self.max_weekly_hours * 60.0 + 1e-9 {
            return Some(Rule::MaxWeeklyHours);
        }
        None
    }
}

impl AgentState {
    fn work(&mut self, day: usize, shift: &Shift, paid: u32, first_weekday: u8) {
        self.consecutive = match self.last {
            Some((d, _)) if d + 1 == day => self.consecutive + 1,
            _ => 1,
        };
        self.last = Some((day, day as i64 * 1440 + i64::from(shift.end_minute())));
        let week = day / 7;
        if self.week_minutes.len() <= week {
            self.week_minutes.resize(week + 1, 0);
        }
        self.week_minutes[week] += paid;
        self.days_worked += 1;
        if is_weekend(first_weekday, day) {
            self.weekend_days += 1;
        }
    }
}

/// Assigns every shift of `schedule` to one of `agents` under `rules`.
///
/// Days are filled in order, each day's shifts by start time; each shift goes to the agent
/// allowed to work it with the lowest score: hours already worked against the weekly range,
/// weekend days already worked (on a weekend day), a preferred day off, distance from a preferred
/// start, and how close the agent is to the consecutive-days limit. The result is then checked
/// with [`check_roster`].
///
/// # Errors
///
/// [`WfmError::Infeasible`] naming the rule that blocks most agents when a shift finds nobody,
/// or the first rule the finished roster breaks (minimum weekly hours, weekend fairness);
/// [`WfmError::Invalid`] for rules out of range.
pub fn roster(
    problem: &ScheduleProblem,
    schedule: &Schedule,
    agents: &[Agent],
    rules: &Rules,
) -> Result<Roster, WfmError> {
    rules.check()?;
    let first_weekday = schedule.first_weekday;
    let mut states = vec![AgentState::default(); agents.len()];
    let mut assignments = Vec::new();
    let weeks = schedule.days.len().div_ceil(7);
    let target_week_minutes =
        (rules.min_weekly_hours.max(0.5 * rules.max_weekly_hours) * 60.0).max(1.0);
    let mut remaining_weekend: u32 = schedule
        .days
        .iter()
        .enumerate()
        .filter(|(d, _)| is_weekend(first_weekday, *d))
        .map(|(_, day)| day.shifts.iter().map(|(_, c)| *c).sum::<u32>())
        .sum();
    let weekend_capable = agents.len().max(1) as f64;
    for (day, ds) in schedule.days.iter().enumerate() {
        let mut shifts: Vec<&Shift> =
            ds.shifts.iter().flat_map(|(s, c)| std::iter::repeat_n(s, *c as usize)).collect();
        // Long shifts first, then by start: the hardest to place go first.
        shifts.sort_by_key(|s| (std::cmp::Reverse(s.length_minutes), s.start_minute));
        let weekend = is_weekend(first_weekday, day);
        for shift in shifts {
            let template = problem.templates.get(shift.template).ok_or_else(|| {
                invalid("schedule", format!("day {day}: unknown template {}", shift.template))
            })?;
            let paid = shift.paid_minutes(template);
            let mut best: Option<(f64, usize)> = None;
            let mut blocked = std::collections::BTreeMap::<Rule, usize>::new();
            for (a, agent) in agents.iter().enumerate() {
                let st = &states[a];
                if let Some(rule) = rules.blocks(agent, st, day, shift, paid, &template.skills) {
                    *blocked.entry(rule).or_default() += 1;
                    continue;
                }
                let week = day / 7;
                let used = f64::from(st.week_minutes.get(week).copied().unwrap_or(0));
                let mut score = used / target_week_minutes;
                // Fewer days left in the week than shifts still needed for the minimum: urgent.
                let days_left = (7 - day % 7) as f64;
                let short = (rules.min_weekly_hours * 60.0 - used) / f64::from(paid.max(1));
                if short > 0.0 && short >= days_left - 1.0 {
                    score -= 10.0;
                }
                if weekend {
                    score += 3.0 * f64::from(st.weekend_days);
                } else if remaining_weekend > 0 {
                    // Keep agents with few weekend days fresh for the weekend.
                    score += 0.05 * (remaining_weekend as f64 / weekend_capable)
                        / (1.0 + f64::from(st.weekend_days));
                }
                if agent.preferred_days_off.contains(&day) {
                    score += 2.0;
                }
                if let Some(p) = agent.preferred_start_minute {
                    score +=
                        0.5 * (f64::from(shift.start_minute) - f64::from(p)).abs() / 60.0 / 8.0;
                }
                if st.last.is_some_and(|(d, _)| d + 1 == day) {
                    score +=
                        0.3 * f64::from(st.consecutive) / f64::from(rules.max_consecutive_days);
                }
                score += 1e-6 * a as f64;
                if best.is_none_or(|(b, _)| score < b) {
                    best = Some((score, a));
                }
            }
            let Some((_, a)) = best else {
                let (rule, n) = blocked
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .map(|(r, n)| (*r, *n))
                    .unwrap_or((Rule::Availability, 0));
                let detail: Vec<String> =
                    blocked.iter().map(|(r, n)| format!("{n} by {r}")).collect();
                return Err(WfmError::Infeasible {
                    rule,
                    message: format!(
                        "day {day}: no agent can work the {}–{} shift ({n} of {} agents blocked by {rule}; {})",
                        hhmm(shift.start_minute),
                        hhmm(shift.end_minute()),
                        agents.len(),
                        detail.join(", ")
                    ),
                });
            };
            states[a].work(day, shift, paid, first_weekday);
            if weekend {
                remaining_weekend = remaining_weekend.saturating_sub(1);
            }
            assignments.push(Assignment { agent: a, day, shift: shift.clone() });
        }
    }
    let _ = weeks;
    assignments.sort_by_key(|x| (x.day, x.shift.start_minute, x.agent));
    let preferred_days_off_worked =
        assignments.iter().filter(|x| agents[x.agent].preferred_days_off.contains(&x.day)).count();
    let devs: Vec<f64> = assignments
        .iter()
        .filter_map(|x| {
            agents[x.agent]
                .preferred_start_minute
                .map(|p| (f64::from(x.shift.start_minute) - f64::from(p)).abs())
        })
        .collect();
    let mean_start_deviation_minutes =
        if devs.is_empty() { 0.0 } else { devs.iter().sum::<f64>() / devs.len() as f64 };
    let r = Roster { assignments, preferred_days_off_worked, mean_start_deviation_minutes };
    if let Some(v) =
        check_roster(problem, schedule.first_weekday, schedule.days.len(), &r, agents, rules)
            .first()
    {
        return Err(WfmError::Infeasible {
            rule: v.rule,
            message: format!("agent `{}`, day {}: {}", v.agent, v.day, v.message),
        });
    }
    Ok(r)
}

/// `HH:MM` of minutes after midnight.
pub(crate) fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Every rule `roster` breaks, for `days` days from weekday `first_weekday`.
pub fn check_roster(
    problem: &ScheduleProblem,
    first_weekday: u8,
    days: usize,
    roster: &Roster,
    agents: &[Agent],
    rules: &Rules,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut by_agent: Vec<Vec<&Assignment>> = vec![Vec::new(); agents.len()];
    for x in &roster.assignments {
        if let Some(v) = by_agent.get_mut(x.agent) {
            v.push(x);
        }
    }
    let weeks = days / 7;
    let mut weekend_days = Vec::new();
    for (a, list) in by_agent.iter_mut().enumerate() {
        list.sort_by_key(|x| (x.day, x.shift.start_minute));
        let agent = &agents[a];
        let v = |rule: Rule, day: usize, message: String| Violation {
            rule,
            agent: agent.name.clone(),
            day,
            message,
        };
        let mut st = AgentState::default();
        for x in list.iter() {
            let Some(t) = problem.templates.get(x.shift.template) else { continue };
            let paid = x.shift.paid_minutes(t);
            // Check every rule, not only the first that blocks.
            if let Some(skill) = t.skills.iter().find(|s| !agent.skills.contains(s)) {
                out.push(v(
                    Rule::Skill,
                    x.day,
                    format!("works `{}` without skill `{skill}`", t.name),
                ));
            }
            if !agent.available(x.day, &x.shift) {
                out.push(v(
                    Rule::Availability,
                    x.day,
                    format!(
                        "works {}–{} while unavailable",
                        hhmm(x.shift.start_minute),
                        hhmm(x.shift.end_minute())
                    ),
                ));
            }
            if let Some((last_day, last_end)) = st.last {
                if last_day == x.day {
                    out.push(v(Rule::OneShiftPerDay, x.day, "two shifts on one day".into()));
                } else {
                    let rest = (x.day as i64 * 1440 + i64::from(x.shift.start_minute) - last_end)
                        as f64
                        / 60.0;
                    if rest < rules.min_rest_hours - 1e-9 {
                        out.push(v(
                            Rule::MinRest,
                            x.day,
                            format!("{rest:.2} h rest, at least {} h", rules.min_rest_hours),
                        ));
                    }
                    if last_day + 1 == x.day && st.consecutive >= rules.max_consecutive_days {
                        out.push(v(
                            Rule::MaxConsecutiveDays,
                            x.day,
                            format!(
                                "day {} in a row, at most {}",
                                st.consecutive + 1,
                                rules.max_consecutive_days
                            ),
                        ));
                    }
                }
            }
            st.work(x.day, &x.shift, paid, first_weekday);
        }
        for (w, &m) in st.week_minutes.iter().enumerate() {
            if f64::from(m) > rules.max_weekly_hours * 60.0 + 1e-9 {
                out.push(v(
                    Rule::MaxWeeklyHours,
                    w * 7,
                    format!(
                        "week {w}: {:.2} h, at most {}",
                        f64::from(m) / 60.0,
                        rules.max_weekly_hours
                    ),
                ));
            }
        }
        for w in 0..weeks {
            let m = st.week_minutes.get(w).copied().unwrap_or(0);
            if f64::from(m) < rules.min_weekly_hours * 60.0 - 1e-9 {
                out.push(v(
                    Rule::MinWeeklyHours,
                    w * 7,
                    format!(
                        "week {w}: {:.2} h, at least {}",
                        f64::from(m) / 60.0,
                        rules.min_weekly_hours
                    ),
                ));
            }
        }
        // Weekend fairness among agents available on every weekend day of the horizon.
        let weekend_available = (0..days)
            .filter(|&d| is_weekend(first_weekday, d))
            .all(|d| !agent.unavailable_days.contains(&d));
        if weekend_available {
            weekend_days.push((a, st.weekend_days));
        }
    }
    if let (Some(min), Some(max)) =
        (weekend_days.iter().map(|x| x.1).min(), weekend_days.iter().map(|x| x.1).max())
        && max - min > rules.weekend_spread
        && let Some(&(a, n)) = weekend_days.iter().find(|x| x.1 == max)
    {
        out.push(Violation {
            rule: Rule::WeekendFairness,
            agent: agents[a].name.clone(),
            day: 0,
            message: format!(
                "{n} weekend days against {min} for another agent (spread at most {})",
                rules.weekend_spread
            ),
        });
    }
    out
}
