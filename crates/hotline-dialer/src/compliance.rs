//! Compliance: jurisdiction profiles ([`Profile`]), calling hours in the callee's time zone
//! ([`CallingHours`], with holidays and make-up working days from a
//! [`hotline_calendar::Calendar`]), the audit record of every dial and outcome ([`AuditRecord`])
//! and the per-window report a regulator asks for ([`ComplianceReport`]).
//!
//! The profiles encode the rules as this crate reads them; they are defaults to check against
//! counsel's reading, and every field can be overridden in the campaign file:
//!
//! | | US (FTC Telemarketing Sales Rule) | UK (Ofcom persistent misuse policy) | CN (conservative default) |
//! |---|---|---|---|
//! | abandonment cap | 3% of live-answered calls | 3% of live calls, AMD false-positive estimate counted | 3% |
//! | window | per campaign, 30 days | per campaign, 24 hours | 24 hours |
//! | window kind | rolling: every 30 days | rolling: every 24 hours | rolling |
//! | connect limit | 2 s after the greeting | 2 s | 2 s |
//! | minimum ring | 15 s | 15 s | 15 s |
//! | calling hours (callee-local) | 08:00–21:00 every day | 08:00–21:00 every day | working days 09:00–12:00, 14:00–20:00; no calls on public holidays |
//! | after an abandoned call | — | no call within 72 h unless a live agent is guaranteed | — |
//! | consent | — | — | required (records without consent are never dialled) |
//! | after a refusal | never again (all profiles) | never again | never again |

use std::time::Duration;

use hotline_calendar::{Calendar, DayHours, DayKind, Span};
use jiff::civil::{DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::duration_serde;
use crate::engine::{AgentId, CallId, Outcome};
use crate::record::RecordId;

/// The regulator a profile follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Jurisdiction {
    /// United States: FTC Telemarketing Sales Rule (16 CFR 310.4(b)(4)) and TCPA calling hours.
    Us,
    /// United Kingdom: Ofcom's statement of policy on persistent misuse.
    Uk,
    /// China: consent, regulated calling periods, no calls after a refusal.
    Cn,
    /// Whatever the campaign file says.
    Custom,
}

/// The rules a campaign is held to. In a campaign file, `jurisdiction` picks the defaults and
/// any other field written overrides one of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Profile {
    /// Which regulator.
    pub jurisdiction: Jurisdiction,
    /// The highest share of live-answered calls that may be abandoned in one window (0.03).
    pub abandon_cap: f64,
    /// The length of one regulator window (30 days, 24 hours), counted from the campaign's
    /// window origin.
    #[serde(with = "duration_serde")]
    pub window: Duration,
    /// How long after a person answers an agent must be on the line; a call answered by a person
    /// that waits longer is abandoned (the "2-second rule").
    #[serde(with = "duration_serde")]
    pub connect_limit: Duration,
    /// The shortest ring before an unanswered call may be given up (15 s / 4 rings).
    #[serde(with = "duration_serde")]
    pub min_ring: Duration,
    /// When calls may be placed, in the callee's local time.
    pub calling_hours: CallingHours,
    /// After an abandoned call, the number is not dialled predictively again within this time
    /// (Ofcom: 72 hours). The engine does not call it at all in that time.
    #[serde(default, with = "duration_serde::option", skip_serializing_if = "Option::is_none")]
    pub redial_ban_after_abandon: Option<Duration>,
    /// Ofcom's rule: the estimated share of answering-machine detections that were in fact a
    /// person; that share of machine outcomes is counted as abandoned (and as live calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amd_false_positive_rate: Option<f64>,
    /// Records without recorded consent are never dialled.
    #[serde(default)]
    pub consent_required: bool,
    /// The cap holds over every trailing `window` (any 30 days, any 24 hours), not only over
    /// the fixed windows counted from the campaign's window origin: the engine paces on the
    /// trailing counts, and [`ComplianceReport`] checks trailing windows as well as the fixed
    /// ones. The conservative reading of both rules, and the default of every profile.
    #[serde(default)]
    pub rolling: bool,
}

impl Profile {
    /// The US Telemarketing Sales Rule profile.
    pub fn us() -> Profile {
        Profile {
            jurisdiction: Jurisdiction::Us,
            abandon_cap: 0.03,
            window: Duration::from_secs(30 * 86_400),
            connect_limit: Duration::from_secs(2),
            min_ring: Duration::from_secs(15),
            calling_hours: CallingHours::every_day(hours(8, 21)),
            redial_ban_after_abandon: None,
            amd_false_positive_rate: None,
            consent_required: false,
            rolling: true,
        }
    }

    /// The UK Ofcom profile. `amd_false_positive_rate` is the campaign's own estimate (Ofcom asks
    /// for one); 0 when no detection is used.
    pub fn uk(amd_false_positive_rate: f64) -> Profile {
        Profile {
            jurisdiction: Jurisdiction::Uk,
            abandon_cap: 0.03,
            window: Duration::from_secs(86_400),
            connect_limit: Duration::from_secs(2),
            min_ring: Duration::from_secs(15),
            calling_hours: CallingHours::every_day(hours(8, 21)),
            redial_ban_after_abandon: Some(Duration::from_secs(72 * 3600)),
            amd_false_positive_rate: Some(amd_false_positive_rate),
            consent_required: false,
            rolling: true,
        }
    }

    /// The China profile: consent required, working days 09:00–12:00 and 14:00–20:00 callee-local,
    /// no calls on rest days or public holidays (make-up working days count as working days when
    /// a calendar is given), 3% on 24 hours.
    pub fn cn() -> Profile {
        let spans =
            DayHours::new(vec![span(9, 12), span(14, 20)]).unwrap_or_else(|_| DayHours::all_day());
        Profile {
            jurisdiction: Jurisdiction::Cn,
            abandon_cap: 0.03,
            window: Duration::from_secs(86_400),
            connect_limit: Duration::from_secs(2),
            min_ring: Duration::from_secs(15),
            calling_hours: CallingHours {
                working_days: spans,
                rest_days: DayHours::CLOSED,
                holidays: DayHours::CLOSED,
            },
            redial_ban_after_abandon: None,
            amd_false_positive_rate: None,
            consent_required: true,
            rolling: true,
        }
    }

    /// The profile for a jurisdiction with its defaults (`Custom` starts from the US values).
    pub fn for_jurisdiction(j: Jurisdiction) -> Profile {
        match j {
            Jurisdiction::Us => Profile::us(),
            Jurisdiction::Uk => Profile::uk(0.0),
            Jurisdiction::Cn => Profile::cn(),
            Jurisdiction::Custom => Profile { jurisdiction: Jurisdiction::Custom, ..Profile::us() },
        }
    }
}

/// A span of whole hours; the callers pass constant hours inside one day.
fn span(from: u32, to: u32) -> Span {
    Span::new(from * 3600, to * 3600).expect("constant hours form a valid span")
}

fn hours(from: u32, to: u32) -> DayHours {
    DayHours::new(vec![span(from, to)]).unwrap_or_else(|_| DayHours::all_day())
}

/// When calls may be placed, as wall-clock hours in the callee's time zone, by kind of day. The
/// kind of a date comes from the campaign's calendar when one is given (a holiday is a holiday,
/// a make-up working day is a working day, otherwise the calendar's working days), else Monday to
/// Friday are working days and Saturday and Sunday rest days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CallingHours {
    /// Hours on working days.
    pub working_days: DayHours,
    /// Hours on rest days (weekends).
    pub rest_days: DayHours,
    /// Hours on public holidays.
    pub holidays: DayHours,
}

/// The kind of a callee's local date, as calling hours see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DayType {
    /// A working day (including a make-up working day).
    Working,
    /// A rest day.
    Rest,
    /// A public holiday.
    Holiday,
}

impl CallingHours {
    /// The same hours every day.
    pub fn every_day(hours: DayHours) -> CallingHours {
        CallingHours { working_days: hours.clone(), rest_days: hours.clone(), holidays: hours }
    }

    /// The kind of `date` under `calendar`.
    pub fn day_type(date: jiff::civil::Date, calendar: Option<&Calendar>) -> DayType {
        match calendar {
            Some(cal) => {
                let day = cal.day(date);
                match day.kind {
                    DayKind::Holiday | DayKind::PartHoliday => DayType::Holiday,
                    DayKind::MakeUpWorkday => DayType::Working,
                    _ if day.hours.is_closed() => DayType::Rest,
                    _ => DayType::Working,
                }
            }
            None => match date.weekday() {
                Weekday::Saturday | Weekday::Sunday => DayType::Rest,
                _ => DayType::Working,
            },
        }
    }

    /// The hours of a kind of day.
    pub fn hours(&self, kind: DayType) -> &DayHours {
        match kind {
            DayType::Working => &self.working_days,
            DayType::Rest => &self.rest_days,
            DayType::Holiday => &self.holidays,
        }
    }

    /// Whether a call may be placed at local time `local`.
    pub fn allows(&self, local: DateTime, calendar: Option<&Calendar>) -> bool {
        let kind = CallingHours::day_type(local.date(), calendar);
        let secs = local.hour() as u32 * 3600 + local.minute() as u32 * 60 + local.second() as u32;
        self.hours(kind).contains_seconds(secs)
    }

    /// Whether a call may be placed at `t` to a callee in `zone`.
    pub fn allows_at(&self, t: Timestamp, zone: &TimeZone, calendar: Option<&Calendar>) -> bool {
        self.allows(zone.to_datetime(t), calendar)
    }

    /// The first instant at or after `t` at which a call may be placed to a callee in `zone`,
    /// looking at most `max_days` local days ahead; `None` if there is none.
    pub fn next_allowed(
        &self,
        t: Timestamp,
        zone: &TimeZone,
        calendar: Option<&Calendar>,
        max_days: u32,
    ) -> Option<Timestamp> {
        if self.allows_at(t, zone, calendar) {
            return Some(t);
        }
        let local = zone.to_datetime(t);
        let mut date = local.date();
        for day in 0..=max_days {
            let kind = CallingHours::day_type(date, calendar);
            for s in self.hours(kind).spans() {
                let start = s.start_seconds();
                let dt = date.to_datetime(jiff::civil::time(
                    (start / 3600) as i8,
                    ((start / 60) % 60) as i8,
                    (start % 60) as i8,
                    0,
                ));
                // A start in a daylight-saving gap is moved forward by the gap ("compatible").
                let Ok(ts) = zone.to_ambiguous_timestamp(dt).compatible() else { continue };
                if ts >= t && self.allows_at(ts, zone, calendar) {
                    return Some(ts);
                }
                if day == 0 && ts < t {
                    // The span began earlier today; if it has not ended, `t` would be allowed.
                    continue;
                }
            }
            date = date.checked_add(1.day()).ok()?;
        }
        None
    }
}

/// What happened, for the audit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditEvent {
    /// A dial was placed.
    Dialed {
        /// The call.
        call: CallId,
        /// The attempt number for the record (1 for the first).
        attempt: u32,
        /// The callee's local time when dialled.
        local_time: DateTime,
        /// How long the call may ring unanswered.
        #[serde(with = "duration_serde")]
        ring_timeout: Duration,
        /// What placed it.
        mode: DialMode,
    },
    /// The network or the callee gave an outcome.
    Outcome {
        /// The call.
        call: CallId,
        /// The outcome.
        outcome: Outcome,
        /// Time from the dial to the outcome.
        #[serde(with = "duration_serde")]
        after: Duration,
    },
    /// A call answered by a person was put through to an agent.
    Connected {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// Time from the answer to the connection.
        #[serde(with = "duration_serde")]
        wait: Duration,
    },
    /// A call answered by a person was abandoned (no agent within the connect limit, or the callee
    /// hung up while waiting); the abandonment message was played when `message_played`.
    Abandoned {
        /// The call.
        call: CallId,
        /// Time from the answer to the abandonment.
        #[serde(with = "duration_serde")]
        wait: Duration,
        /// Whether the dialer played the abandonment message (false: the callee hung up first).
        message_played: bool,
    },
    /// The agent's disposition of the record.
    Disposition {
        /// The disposition.
        disposition: crate::engine::Disposition,
    },
    /// A record was not dialled, and why.
    Skipped {
        /// Why.
        reason: SkipReason,
    },
}

/// What placed a dial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DialMode {
    /// An agent's preview (or its timeout).
    Preview,
    /// Progressive pacing.
    Progressive,
    /// Predictive pacing.
    Predictive,
    /// An appointment, with an agent reserved.
    Appointment,
}

/// Why a record was not dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The number is on the do-not-call list.
    DoNotCall,
    /// The callee refused further calls from this campaign.
    Refused,
    /// The profile requires consent and the record has none.
    NoConsent,
    /// The record reached its maximum number of attempts.
    MaxAttempts,
    /// The record's calling hours never open again (within a year).
    NoCallingWindow,
}

/// One line of the audit record: when, which record, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditRecord {
    /// When it happened.
    pub at: Timestamp,
    /// The record concerned.
    pub record: RecordId,
    /// What happened.
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// The figures of one regulator window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WindowReport {
    /// The window's start.
    pub start: Option<Timestamp>,
    /// The window's end (exclusive).
    pub end: Option<Timestamp>,
    /// Dials placed.
    pub dials: u64,
    /// Calls answered by a person.
    pub live_answers: u64,
    /// Calls answered by a machine (as detected).
    pub machines: u64,
    /// Busy, no answer, invalid number, rejected.
    pub unanswered: u64,
    /// Calls answered by a person and abandoned.
    pub abandoned: u64,
    /// The profile's estimate of answering-machine false positives (Ofcom counts them as
    /// abandoned live calls): `machines × amd_false_positive_rate`.
    pub amd_false_positive_estimate: f64,
    /// The abandonment rate as the regulator counts it:
    /// `(abandoned + estimate) / (live_answers + estimate)`.
    pub abandon_rate: f64,
    /// Whether `abandon_rate` exceeds the profile's cap.
    pub breach: bool,
    /// Live answers connected to an agent later than the connect limit (should be 0).
    pub late_connections: u64,
    /// Unanswered calls given up before the minimum ring (should be 0).
    pub short_rings: u64,
    /// Dials placed outside the callee's calling hours (should be 0).
    pub outside_hours: u64,
    /// The longest wait from answer to agent, seconds.
    pub max_connect_wait_secs: f64,
}

/// The per-window compliance report, built from the audit record ([`ComplianceReport::push`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComplianceReport {
    /// The profile the windows are judged by.
    pub profile: Profile,
    /// Where window 0 starts.
    pub origin: Timestamp,
    /// The windows, in order, from the first with any record.
    pub windows: Vec<WindowReport>,
    /// For a rolling profile: the trailing windows checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling: Option<RollingCheck>,
    #[serde(skip)]
    calendar: Option<Calendar>,
    #[serde(skip)]
    first_window: i64,
    /// Rolling profiles: (time, live, abandoned) of the records in the trailing window, their
    /// sums, and the end of the next trailing window to check.
    #[serde(skip)]
    trail: std::collections::VecDeque<(Timestamp, f64, f64)>,
    #[serde(skip)]
    trail_sums: (f64, f64),
    #[serde(skip)]
    next_check: Option<Timestamp>,
}

/// The trailing windows of a rolling profile: one ending every window ÷ 24 (every hour of a
/// 24-hour window, every 30 hours of a 30-day one), from one window after the first record up
/// to the last record; the rate as the regulator counts it (AMD estimate included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RollingCheck {
    /// Trailing windows checked.
    pub checked: u64,
    /// Of them, over the cap.
    pub breaches: u64,
    /// The highest rate among them.
    pub worst_rate: f64,
    /// The end of the window with the highest rate.
    pub worst_end: Option<Timestamp>,
}

impl ComplianceReport {
    /// An empty report for `profile`, windows counted from `origin`; `calendar` is the campaign's
    /// holiday calendar, used to check calling hours.
    pub fn new(
        profile: Profile,
        origin: Timestamp,
        calendar: Option<Calendar>,
    ) -> ComplianceReport {
        let rolling = profile.rolling.then(RollingCheck::default);
        ComplianceReport {
            profile,
            origin,
            windows: Vec::new(),
            rolling,
            calendar,
            first_window: 0,
            trail: std::collections::VecDeque::new(),
            trail_sums: (0.0, 0.0),
            next_check: None,
        }
    }

    fn window_index(&self, t: Timestamp) -> i64 {
        let len = self.profile.window.as_secs().max(1) as i64;
        (t.as_second() - self.origin.as_second()).div_euclid(len)
    }

    fn window_mut(&mut self, t: Timestamp) -> &mut WindowReport {
        let idx = self.window_index(t);
        if self.windows.is_empty() {
            self.first_window = idx;
        }
        if idx < self.first_window {
            // An out-of-order record before the first window: count it in the first.
            return &mut self.windows[0];
        }
        let pos = (idx - self.first_window) as usize;
        let len = self.profile.window.as_secs().max(1) as i64;
        while self.windows.len() <= pos {
            let k = self.first_window + self.windows.len() as i64;
            let start = Timestamp::from_second(self.origin.as_second() + k * len).ok();
            let end = Timestamp::from_second(self.origin.as_second() + (k + 1) * len).ok();
            self.windows.push(WindowReport { start, end, ..WindowReport::default() });
        }
        &mut self.windows[pos]
    }

    /// Checks the trailing windows ending before `t`, then counts `live` and `abandoned` at `t`.
    fn roll(&mut self, t: Timestamp, live: f64, abandoned: f64) {
        let Some(check) = self.rolling.as_mut() else { return };
        let window = self.profile.window;
        let step = (window / 24).max(Duration::from_secs(1));
        let mut next = *self.next_check.get_or_insert_with(|| t.checked_add(window).unwrap_or(t));
        while next < t {
            let from = next.checked_sub(window).unwrap_or(Timestamp::MIN);
            while let Some(&(at, l, a)) = self.trail.front() {
                if at > from {
                    break;
                }
                self.trail.pop_front();
                self.trail_sums.0 -= l;
                self.trail_sums.1 -= a;
            }
            let (l, a) = self.trail_sums;
            let rate = if l > 1e-9 { (a / l).max(0.0) } else { 0.0 };
            check.checked += 1;
            if rate > self.profile.abandon_cap + 1e-12 {
                check.breaches += 1;
            }
            if rate > check.worst_rate || check.worst_end.is_none() {
                check.worst_rate = check.worst_rate.max(rate);
                check.worst_end = Some(next);
            }
            next = next.checked_add(step).unwrap_or(Timestamp::MAX);
        }
        self.next_check = Some(next);
        if live > 0.0 || abandoned > 0.0 {
            self.trail.push_back((t, live, abandoned));
            self.trail_sums.0 += live;
            self.trail_sums.1 += abandoned;
        }
    }

    /// Counts one audit record.
    pub fn push(&mut self, rec: &AuditRecord) {
        let limit = self.profile.connect_limit.as_secs_f64();
        let cap = self.profile.abandon_cap;
        let min_ring = self.profile.min_ring;
        let fp = self.profile.amd_false_positive_rate.unwrap_or(0.0);
        let allowed = match &rec.event {
            AuditEvent::Dialed { local_time, .. } => {
                Some(self.profile.calling_hours.allows(*local_time, self.calendar.as_ref()))
            }
            _ => None,
        };
        let w = self.window_mut(rec.at);
        match &rec.event {
            AuditEvent::Dialed { .. } => {
                w.dials += 1;
                if allowed == Some(false) {
                    w.outside_hours += 1;
                }
            }
            AuditEvent::Outcome { outcome, after, .. } => match outcome {
                Outcome::Human => w.live_answers += 1,
                Outcome::Machine => {
                    w.machines += 1;
                    w.amd_false_positive_estimate += fp;
                }
                Outcome::NoAnswer => {
                    w.unanswered += 1;
                    if *after < min_ring {
                        w.short_rings += 1;
                    }
                }
                Outcome::Busy | Outcome::InvalidNumber | Outcome::Rejected => w.unanswered += 1,
                Outcome::Abandoned => {}
            },
            AuditEvent::Connected { wait, .. } => {
                let s = wait.as_secs_f64();
                w.max_connect_wait_secs = w.max_connect_wait_secs.max(s);
                if s > limit + 1e-9 {
                    w.late_connections += 1;
                }
            }
            AuditEvent::Abandoned { wait, .. } => {
                w.abandoned += 1;
                w.max_connect_wait_secs = w.max_connect_wait_secs.max(wait.as_secs_f64());
            }
            AuditEvent::Disposition { .. } | AuditEvent::Skipped { .. } => {}
        }
        let num = w.abandoned as f64 + w.amd_false_positive_estimate;
        let den = w.live_answers as f64 + w.amd_false_positive_estimate;
        w.abandon_rate = if den > 0.0 { num / den } else { 0.0 };
        w.breach = w.abandon_rate > cap + 1e-12;
        let (live, abandoned) = match &rec.event {
            AuditEvent::Outcome { outcome: Outcome::Human, .. } => (1.0, 0.0),
            AuditEvent::Outcome { outcome: Outcome::Machine, .. } => (fp, fp),
            AuditEvent::Abandoned { .. } => (0.0, 1.0),
            _ => (0.0, 0.0),
        };
        self.roll(rec.at, live, abandoned);
    }

    /// Windows in breach of the cap (the fixed ones; [`ComplianceReport::rolling`] counts the
    /// trailing ones).
    pub fn breaches(&self) -> usize {
        self.windows.iter().filter(|w| w.breach).count()
    }

    /// The report as text, one line per window.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{:?} profile: cap {:.1}% per {} h window, connect limit {} s\n",
            self.profile.jurisdiction,
            100.0 * self.profile.abandon_cap,
            self.profile.window.as_secs() / 3600,
            self.profile.connect_limit.as_secs_f64()
        );
        s.push_str("window start              dials   live  machine abandoned  rate    breach late short outside\n");
        for w in &self.windows {
            let start = w.start.map_or_else(|| "-".to_owned(), |t| t.to_string());
            s.push_str(&format!(
                "{start:25} {:6} {:6} {:8} {:9} {:5.2}%  {:6} {:4} {:5} {:7}\n",
                w.dials,
                w.live_answers,
                w.machines,
                w.abandoned,
                100.0 * w.abandon_rate,
                if w.breach { "YES" } else { "no" },
                w.late_connections,
                w.short_rings,
                w.outside_hours
            ));
        }
        if let Some(r) = &self.rolling {
            s.push_str(&format!(
                "rolling: {} trailing window(s) checked, {} over the cap, worst {:.2}%{}\n",
                r.checked,
                r.breaches,
                100.0 * r.worst_rate,
                r.worst_end.map(|t| format!(" (ending {t})")).unwrap_or_default()
            ));
        }
        s
    }
}
