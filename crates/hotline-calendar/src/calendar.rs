//! [`Calendar`]: layers compiled into one calendar, and every question it answers.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde::{Deserialize, Serialize};

use crate::error::CalendarError;
use crate::hours::{DAY_SECONDS, DayHours};
use crate::interval::{Interval, Pauses};
use crate::spec::{CalendarSpec, WEEKDAYS};

/// A business calendar: weekly hours, holidays, make-up working days and exceptions in one IANA
/// time zone, built from one or more [`CalendarSpec`] layers.
///
/// Every question takes the instant it is about (the crate owns no clock), and every answer is
/// exact: open time is measured in real elapsed time between instants, so a daylight-saving
/// change inside opening hours gives that day an hour more or less, and an opening time that
/// does not exist on the clock that day (skipped by the change) opens at the first instant after
/// the skip.
///
/// ```
/// use hotline_calendar::Calendar;
/// use jiff::Timestamp;
///
/// let cal = Calendar::china();
/// // 30 September 2026, 16:00 in Beijing: a Wednesday before the National Day holiday.
/// let t: Timestamp = "2026-09-30T16:00:00+08:00".parse().unwrap();
/// assert!(cal.is_open(t));
/// let due = cal.add_working_days(t, 3).unwrap();
/// // 1–7 October are off; 8 and 9 October are working days, and so is Saturday 10 October.
/// assert_eq!(cal.format(due), "2026-10-10T16:00:00+08:00");
/// ```
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    zone_name: String,
    tz: TimeZone,
    weekly: [DayHours; 7],
    workday_hours: Option<DayHours>,
    rules: BTreeMap<Date, Rule>,
    /// The last dated entry's date (`Date::MIN` if none).
    last_rule: Date,
    /// Whether any weekday has opening hours.
    weekly_open: bool,
    layers: Vec<CalendarSpec>,
}

/// What a dated entry says about its day, after layering.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Holiday { name: String, closed: Option<DayHours> },
    Workday { name: Option<String>, hours: Option<DayHours>, like: Option<Weekday> },
    Exception { name: Option<String>, hours: DayHours },
}

/// What kind of day a date is in a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DayKind {
    /// A day with the weekly hours.
    Regular,
    /// A public holiday, closed all day.
    Holiday,
    /// A public holiday closed part of the day.
    PartHoliday,
    /// A make-up working day (调休上班).
    MakeUpWorkday,
    /// A date with exceptional hours.
    Exception,
}

/// One local day of a calendar: what kind of day it is and its hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Day {
    /// The local date.
    #[serde(with = "crate::spec::date")]
    pub date: Date,
    /// What kind of day it is.
    pub kind: DayKind,
    /// The holiday's, make-up day's or exception's name.
    pub name: Option<String>,
    /// The opening hours that day (wall-clock times in the calendar's time zone).
    pub hours: DayHours,
}

/// A continuous open period, `[start, end)`; `end` is `None` when the calendar never closes
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// When it opens.
    pub start: Timestamp,
    /// When it closes (`None`: never).
    pub end: Option<Timestamp>,
}

/// `date` plus `n` days, or the last representable date.
fn plus_days(date: Date, n: i64) -> Date {
    date.checked_add(jiff::Span::new().days(n)).unwrap_or(Date::MAX)
}

/// The last date whose day is computed; beyond it the supported range ends.
const LAST_DAY: Date = jiff::civil::date(9999, 12, 29);

impl Calendar {
    /// A calendar from one layer.
    ///
    /// # Errors
    ///
    /// As [`Calendar::from_layers`].
    pub fn from_spec(spec: CalendarSpec) -> Result<Calendar, CalendarError> {
        Calendar::from_layers(vec![spec])
    }

    /// A calendar from layers, lowest first: each layer's time zone, `workday_hours` and listed
    /// weekdays replace those below; a dated entry (holiday, make-up day, exception) replaces
    /// whatever the layers below say about its dates.
    ///
    /// ```
    /// use hotline_calendar::{Calendar, CalendarSpec};
    /// let national = CalendarSpec::from_toml(hotline_calendar::bundled::CHINA).unwrap();
    /// let department = CalendarSpec::from_toml(r#"
    ///     name = "Complaints hotline"
    ///     [weekly]
    ///     sat = ["09:00-12:00"]
    /// "#).unwrap();
    /// let cal = Calendar::from_layers(vec![national, department]).unwrap();
    /// let saturday: jiff::Timestamp = "2026-03-07T10:00:00+08:00".parse().unwrap();
    /// assert!(cal.is_open(saturday));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`] when a layer fails [`CalendarSpec::validate`],
    /// [`CalendarError::NoTimeZone`] when no layer names a time zone.
    pub fn from_layers(layers: Vec<CalendarSpec>) -> Result<Calendar, CalendarError> {
        let mut name = None;
        let mut zone_name = None;
        let mut weekly: [DayHours; 7] = Default::default();
        let mut workday_hours = None;
        let mut rules = BTreeMap::new();
        for layer in &layers {
            layer.validate()?;
            if layer.name.is_some() {
                name.clone_from(&layer.name);
            }
            if layer.time_zone.is_some() {
                zone_name.clone_from(&layer.time_zone);
            }
            if layer.workday_hours.is_some() {
                workday_hours.clone_from(&layer.workday_hours);
            }
            for (i, day) in WEEKDAYS.iter().enumerate() {
                if let Some(h) = layer.weekly.get(*day) {
                    weekly[i] = h.clone();
                }
            }
            for h in &layer.holidays {
                let last = h.last();
                for d in h.from.series(jiff::Span::new().days(1)).take_while(|d| *d <= last) {
                    let rule = Rule::Holiday { name: h.name.clone(), closed: h.closed.clone() };
                    rules.insert(d, rule);
                }
            }
            for w in &layer.workdays {
                let rule =
                    Rule::Workday { name: w.name.clone(), hours: w.hours.clone(), like: w.like };
                rules.insert(w.date, rule);
            }
            for x in &layer.exceptions {
                rules.insert(
                    x.date,
                    Rule::Exception { name: x.name.clone(), hours: x.hours.clone() },
                );
            }
        }
        let zone_name = zone_name.ok_or(CalendarError::NoTimeZone)?;
        let tz = jiff::tz::db().get(&zone_name).map_err(|e| CalendarError::Invalid {
            file: None,
            location: None,
            message: format!("unknown time zone `{zone_name}`: {e}"),
        })?;
        Ok(Calendar {
            name: name.unwrap_or_else(|| zone_name.clone()),
            zone_name,
            tz,
            weekly_open: weekly.iter().any(|h| !h.is_closed()),
            weekly,
            workday_hours,
            last_rule: rules.keys().next_back().copied().unwrap_or(Date::MIN),
            rules,
            layers,
        })
    }

    /// A calendar from one TOML document (see [`CalendarSpec`] for the format).
    ///
    /// Memory: about fifty times the text at its peak (the `toml` crate builds the whole
    /// document first); bound untrusted text first, as [`Calendar::load`] does with
    /// [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES).
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`] naming the line, column and field of the problem;
    /// [`CalendarError::NoTimeZone`].
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        Calendar::from_spec(CalendarSpec::from_toml(text)?)
    }

    /// The China national calendar bundled with the crate ([`bundled::CHINA`]): Monday to
    /// Friday 09:00–12:00 and 13:00–17:00 in Asia/Shanghai, with every holiday and make-up
    /// working day of 2025 and 2026 from the State Council General Office's notices.
    ///
    /// [`bundled::CHINA`]: crate::bundled::CHINA
    pub fn china() -> Calendar {
        Calendar::bundled(crate::bundled::CHINA)
    }

    fn bundled(text: &str) -> Calendar {
        match Calendar::from_toml(text) {
            Ok(cal) => cal,
            // The bundled files are checked by the crate's tests.
            Err(e) => unreachable!("bundled calendar is invalid: {e}"),
        }
    }

    /// The calendar's name (the top layer's that has one, else the time zone's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IANA name of the calendar's time zone.
    pub fn time_zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The layers the calendar was built from, lowest first.
    pub fn layers(&self) -> &[CalendarSpec] {
        &self.layers
    }

    /// The first and last dates that have a dated entry (holiday, make-up day or exception), if
    /// any. Outside them only the weekly hours apply: a calendar says nothing about holidays
    /// that have not been published.
    pub fn dated_range(&self) -> Option<(Date, Date)> {
        Some((*self.rules.keys().next()?, *self.rules.keys().next_back()?))
    }

    /// `t` as a zoned date-time in the calendar's time zone.
    pub fn zoned(&self, t: Timestamp) -> Zoned {
        t.to_zoned(self.tz.clone())
    }

    /// `t` as RFC 3339 text with the calendar's UTC offset at that instant,
    /// `2026-10-10T16:00:00+08:00` (fractions of a second only when present).
    pub fn format(&self, t: Timestamp) -> String {
        t.display_with_offset(self.tz.to_offset(t)).to_string()
    }

    /// The local date of `t` in the calendar's time zone.
    pub fn date_of(&self, t: Timestamp) -> Date {
        self.tz.to_datetime(t).date()
    }

    /// The day `date`: its kind, name and opening hours.
    pub fn day(&self, date: Date) -> Day {
        let (kind, name) = match self.rules.get(&date) {
            None => (DayKind::Regular, None),
            Some(Rule::Holiday { name, closed: None }) => (DayKind::Holiday, Some(name.clone())),
            Some(Rule::Holiday { name, closed: Some(_) }) => {
                (DayKind::PartHoliday, Some(name.clone()))
            }
            Some(Rule::Workday { name, .. }) => (DayKind::MakeUpWorkday, name.clone()),
            Some(Rule::Exception { name, .. }) => (DayKind::Exception, name.clone()),
        };
        Day { date, kind, name, hours: self.hours(date).into_owned() }
    }

    /// The hours of `date`, borrowed unless a part-day holiday computes them.
    fn hours(&self, date: Date) -> Cow<'_, DayHours> {
        let weekly = &self.weekly[usize::from(date.weekday().to_monday_zero_offset() as u8)];
        match self.rules.get(&date) {
            None => Cow::Borrowed(weekly),
            Some(Rule::Holiday { closed: None, .. }) => Cow::Owned(DayHours::CLOSED),
            Some(Rule::Holiday { closed: Some(closed), .. }) => Cow::Owned(weekly.minus(closed)),
            Some(Rule::Workday { hours: Some(h), .. }) => Cow::Borrowed(h),
            Some(Rule::Workday { hours: None, like: Some(like), .. }) => {
                Cow::Borrowed(&self.weekly[usize::from(like.to_monday_zero_offset() as u8)])
            }
            Some(Rule::Workday { hours: None, like: None, .. }) => {
                Cow::Borrowed(self.workday_hours.as_ref().unwrap_or(&self.weekly[0]))
            }
            Some(Rule::Exception { hours, .. }) => Cow::Borrowed(hours),
        }
    }

    /// Whether `date` has any opening hours.
    pub fn is_working_day(&self, date: Date) -> bool {
        !self.day_intervals(date).is_empty()
    }

    /// Whether the calendar is open at `t` (open periods include their start, not their end).
    pub fn is_open(&self, t: Timestamp) -> bool {
        // Only the local day of `t` and the day before can hold an interval containing it.
        let date = self.date_of(t);
        [date.yesterday().ok(), Some(date)]
            .into_iter()
            .flatten()
            .any(|d| self.day_intervals(d).iter().any(|&(s, e)| s <= t && t < e))
    }

    /// The first instant after `t` at which the calendar opens, or `None` if it never opens
    /// again.
    pub fn next_open(&self, t: Timestamp) -> Option<Timestamp> {
        self.periods(t).map(|p| p.start).find(|&s| s > t)
    }

    /// The first instant after `t` at which the calendar closes (the end of the current period
    /// when open, else of the next one), or `None` if it never closes again or never opens.
    pub fn next_close(&self, t: Timestamp) -> Option<Timestamp> {
        self.periods(t).next().and_then(|p| p.end)
    }

    /// The first instant after `t` at which the calendar opens or closes, or `None` if it stays
    /// as it is for ever.
    pub fn next_change(&self, t: Timestamp) -> Option<Timestamp> {
        let p = self.periods(t).next()?;
        if p.start <= t { p.end } else { Some(p.start) }
    }

    /// The open periods that end after `t`, in order. The first may have begun before `t`
    /// (its start is then no earlier than the beginning of the local day before `t`'s).
    pub fn periods(&self, t: Timestamp) -> Periods<'_> {
        let day = self.date_of(t).yesterday().unwrap_or(Date::MIN);
        let stop = self.last_rule.max(day);
        Periods {
            cal: self,
            after: t,
            day,
            week_past: plus_days(stop, 7),
            eight_past: plus_days(stop, 8),
            weekly_open: self.weekly_open,
            queue: VecDeque::new(),
            pending: None,
            forever: false,
            range_end: false,
            done: false,
        }
    }

    /// Business time elapsed from `from` to `to`: the open time between them (zero when `to`
    /// is not after `from`).
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> Duration {
        self.elapsed_paused(from, to, &[])
    }

    /// Business time elapsed from `from` to `to` with the clock paused during `pauses` (a work
    /// order waiting on the caller). Pauses may overlap and come in any order.
    ///
    /// Weeks with no dated entry, daylight-saving change or pause are counted a week at a
    /// time, so the cost grows with the dated entries and changes in the span, not its days.
    pub fn elapsed_paused(&self, from: Timestamp, to: Timestamp, pauses: &[Interval]) -> Duration {
        if to <= from {
            return Duration::ZERO;
        }
        let pauses = Pauses::new(pauses);
        let mut total = SignedDuration::ZERO;
        let (first, last) = (self.date_of(from), self.date_of(to));
        let mut day = first.yesterday().unwrap_or(Date::MIN);
        while day <= last.min(LAST_DAY) {
            // Days strictly between `first` and `last` lie wholly inside `[from, to)`: count
            // them a week at a time where they repeat and no pause falls.
            if day > first && day < last {
                let weeks = self.regular_weeks(day, last.min(plus_days(LAST_DAY, 1)));
                if weeks > 0 {
                    let next = plus_days(day, 7 * weeks);
                    let span = self.instant(day, 0).zip(self.instant(next, 0));
                    if span.is_some_and(|(a, b)| !pauses.overlaps(a, b)) {
                        let times = i32::try_from(weeks).unwrap_or(i32::MAX);
                        let open = self.week(day).1.checked_mul(times);
                        total = total.saturating_add(open.unwrap_or(SignedDuration::MAX));
                        day = next;
                        continue;
                    }
                }
            }
            for (s, e) in self.day_intervals(day) {
                pauses.active(s.max(from), e.min(to), |x, y| total += y.duration_since(x));
            }
            match day.tomorrow() {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        Duration::try_from(total).unwrap_or(Duration::ZERO)
    }

    /// The old open-period walk of [`Calendar::elapsed_paused`], kept to check the fast one.
    #[cfg(test)]
    fn elapsed_by_periods(&self, from: Timestamp, to: Timestamp, pauses: &[Interval]) -> Duration {
        let pauses = Pauses::new(pauses);
        let mut total = SignedDuration::ZERO;
        if to <= from {
            return Duration::ZERO;
        }
        for p in self.periods(from) {
            if p.start >= to {
                break;
            }
            let a = p.start.max(from);
            let b = p.end.map_or(to, |e| e.min(to));
            pauses.active(a, b, |x, y| total += y.duration_since(x));
        }
        Duration::try_from(total).unwrap_or(Duration::ZERO)
    }

    /// How many whole weeks from `day` on, ending no later than the day before `limit`, hold
    /// no dated entry and no time-zone transition: their days repeat week after week, so they
    /// can be counted a week at a time (O(dated entries and transitions), not O(days)).
    fn regular_weeks(&self, day: Date, limit: Date) -> i64 {
        let mut barrier = limit;
        if let Some((&d, _)) = self.rules.range(day..).next() {
            barrier = barrier.min(d);
        }
        // A transition changes its own day's hours and the day before's 24:00; look from a
        // day before `day`'s midnight so that none is missed.
        let Some(midnight) = self.instant(day, 0) else { return 0 };
        let look_from = midnight.checked_sub(SignedDuration::from_hours(48)).unwrap_or(midnight);
        if let Some(t) = self.tz.following(look_from).next() {
            let date = self.date_of(t.timestamp());
            barrier = barrier.min(date.yesterday().unwrap_or(Date::MIN));
        }
        if barrier <= day {
            return 0;
        }
        day.until(barrier).map_or(0, |s| i64::from(s.get_days())) / 7
    }

    /// The working days and the open time of the week from `day` (meaningful for the weeks
    /// [`Calendar::regular_weeks`] counts).
    fn week(&self, day: Date) -> (u64, SignedDuration) {
        let mut working = 0;
        let mut open = SignedDuration::ZERO;
        for i in 0..7 {
            let iv = self.day_intervals(plus_days(day, i));
            working += u64::from(!iv.is_empty());
            for (s, e) in iv {
                open += e.duration_since(s);
            }
        }
        (working, open)
    }

    /// The earliest instant at which `amount` of business time has elapsed since `from`
    /// (`from` itself for zero): adding N working hours or minutes.
    ///
    /// # Errors
    ///
    /// [`CalendarError::NeverOpen`] when the calendar has too little open time left;
    /// [`CalendarError::OutOfRange`] when the answer is beyond the year 9999.
    pub fn add(&self, from: Timestamp, amount: Duration) -> Result<Timestamp, CalendarError> {
        self.add_paused(from, amount, &[])
    }

    /// As [`Calendar::add`], with the clock paused during `pauses`.
    ///
    /// # Errors
    ///
    /// As [`Calendar::add`].
    pub fn add_paused(
        &self,
        from: Timestamp,
        amount: Duration,
        pauses: &[Interval],
    ) -> Result<Timestamp, CalendarError> {
        let mut left = SignedDuration::try_from(amount).map_err(|_| CalendarError::OutOfRange)?;
        if left.is_zero() {
            return Ok(from);
        }
        let pauses = Pauses::new(pauses);
        let mut found = None;
        let mut periods = self.periods(from);
        for p in periods.by_ref() {
            let a = p.start.max(from);
            let b = match p.end {
                Some(e) => e,
                None => Timestamp::MAX,
            };
            pauses.active(a, b, |x, y| {
                if found.is_some() {
                    return;
                }
                let len = y.duration_since(x);
                if len >= left {
                    found = Some(x.checked_add(left));
                } else {
                    left -= len;
                }
            });
            if let Some(r) = found {
                return r.map_err(|_| CalendarError::OutOfRange);
            }
        }
        if periods.range_end {
            return Err(CalendarError::OutOfRange);
        }
        Err(CalendarError::NeverOpen { after: from })
    }

    /// Adds `n` working days to `from`.
    ///
    /// The answer keeps `from`'s place within its working day, measured in business time: from
    /// 16:00 on a working day with hours 09:00–12:00 and 13:00–17:00, three working days later
    /// is 16:00 on the third working day after it (or that day's closing time, if it is shorter).
    /// From before a working day's opening (or after the previous one's closing), one working day
    /// later is that day's closing time: a full working day. Zero days gives `from`.
    ///
    /// A working day is a local date with any opening hours, holidays excluded and make-up
    /// working days included.
    ///
    /// Weeks with no dated entry or daylight-saving change are skipped a week at a time, so
    /// even `u32::MAX` days answers at once ([`CalendarError::OutOfRange`]).
    ///
    /// # Errors
    ///
    /// [`CalendarError::NeverOpen`] when there are not enough working days;
    /// [`CalendarError::OutOfRange`] beyond the year 9999.
    pub fn add_working_days(&self, from: Timestamp, n: u32) -> Result<Timestamp, CalendarError> {
        self.add_working_days_by(from, n, true)
    }

    /// [`Calendar::add_working_days`], skipping whole regular weeks when `by_weeks` (the tests
    /// compare both ways).
    fn add_working_days_by(
        &self,
        from: Timestamp,
        n: u32,
        by_weeks: bool,
    ) -> Result<Timestamp, CalendarError> {
        if n == 0 {
            return Ok(from);
        }
        let mut days = WorkingDays::new(self, self.date_of(from));
        let never = |days: &WorkingDays<'_>| {
            if days.range_end {
                CalendarError::OutOfRange
            } else {
                CalendarError::NeverOpen { after: from }
            }
        };
        // The working day `from` belongs to: the first whose last closing is after `from`.
        let mut intervals = loop {
            let iv = days.next().ok_or_else(|| never(&days))?;
            if iv.last().is_some_and(|&(_, end)| end > from) {
                break iv;
            }
        };
        // Business time on that day before `from`.
        let mut position = SignedDuration::ZERO;
        for &(s, e) in &intervals {
            if s < from {
                position += e.min(from).duration_since(s);
            }
        }
        let steps = if position.is_zero() { n - 1 } else { n };
        let mut left = u64::from(steps);
        while left > 0 {
            if by_weeks && left > 7 {
                left -= days.skip_weeks(left - 1);
            }
            intervals = days.next().ok_or_else(|| never(&days))?;
            left -= 1;
        }
        let last_close = intervals.last().map(|&(_, e)| e).ok_or_else(|| never(&days))?;
        if position.is_zero() {
            return Ok(last_close);
        }
        for &(s, e) in &intervals {
            let len = e.duration_since(s);
            if len >= position {
                return s.checked_add(position).map_err(|_| CalendarError::OutOfRange);
            }
            position -= len;
        }
        Ok(last_close)
    }

    /// The open intervals of local day `date` as instants: sorted, joined where they touch or
    /// overlap (which a daylight-saving change can cause), none empty.
    fn day_intervals(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        #[cfg(test)]
        tests::DAYS_READ.with(|n| n.set(n.get() + 1));
        let hours = self.hours(date);
        let mut out: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(hours.spans().len());
        for span in hours.spans() {
            let (Some(s), Some(e)) =
                (self.instant(date, span.start_seconds()), self.instant(date, span.end_seconds()))
            else {
                continue;
            };
            if s < e {
                out.push((s, e));
            }
        }
        out.sort();
        let mut joined: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(out.len());
        for (s, e) in out {
            match joined.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => joined.push((s, e)),
            }
        }
        joined
    }

    /// The instant of wall-clock time `secs` after midnight on `date` (`24:00` is the start of
    /// the next day). A time skipped by a daylight-saving change maps to the instant after the
    /// skip, shifted by its length; a repeated time maps to its first occurrence.
    fn instant(&self, date: Date, secs: u32) -> Option<Timestamp> {
        let (date, secs) =
            if secs >= DAY_SECONDS { (date.tomorrow().ok()?, 0) } else { (date, secs) };
        let secs = i32::try_from(secs).ok()?;
        let time = jiff::civil::Time::midnight()
            .checked_add(SignedDuration::from_secs(i64::from(secs)))
            .ok()?;
        let dt = date.to_datetime(time);
        self.tz.to_ambiguous_timestamp(dt).compatible().ok()
    }
}

/// The open periods of a calendar from an instant on: see [`Calendar::periods`].
#[derive(Debug)]
pub struct Periods<'a> {
    cal: &'a Calendar,
    after: Timestamp,
    /// The next local day to read.
    day: Date,
    /// A week after the last dated entry (or the first day read): past it, days repeat weekly
    /// and a closed week means closed for ever.
    week_past: Date,
    /// A day later than `week_past`.
    eight_past: Date,
    weekly_open: bool,
    queue: VecDeque<(Timestamp, Timestamp)>,
    pending: Option<(Timestamp, Timestamp)>,
    /// Set when the pending period is known to never close.
    forever: bool,
    /// Set when the end of the supported range of dates was reached.
    range_end: bool,
    done: bool,
}

impl Periods<'_> {
    /// The next raw interval (joined within its day), or `None` past the end of open time.
    fn raw(&mut self) -> Option<(Timestamp, Timestamp)> {
        loop {
            if let Some(iv) = self.queue.pop_front() {
                return Some(iv);
            }
            if self.day > LAST_DAY {
                self.range_end = true;
                return None;
            }
            if self.day > self.week_past && !self.weekly_open {
                return None;
            }
            // Open without a break for more than a week past the last dated entry: every
            // weekday is open all day, so it never closes.
            if let (Some((start, end)), true) = (self.pending, self.day > self.eight_past) {
                let run_long = self.day > plus_days(self.cal.date_of(start), 8);
                let midnight = self.cal.instant(self.day, 0);
                if run_long && midnight.is_some_and(|m| end >= m) {
                    self.forever = true;
                    return None;
                }
            }
            let day = self.day;
            self.queue.extend(self.cal.day_intervals(day));
            self.day = match day.tomorrow() {
                Ok(d) => d,
                Err(_) => {
                    self.range_end = true;
                    return None;
                }
            };
        }
    }
}

impl Iterator for Periods<'_> {
    type Item = Period;

    fn next(&mut self) -> Option<Period> {
        while !self.done {
            match (self.pending, self.raw()) {
                (None, Some(iv)) => self.pending = Some(iv),
                (Some(p), Some(iv)) if iv.0 <= p.1 => self.pending = Some((p.0, p.1.max(iv.1))),
                (Some(p), Some(iv)) => {
                    self.pending = Some(iv);
                    if p.1 > self.after {
                        return Some(Period { start: p.0, end: Some(p.1) });
                    }
                }
                (Some(p), None) => {
                    self.done = true;
                    // Either the calendar never opens again after `p`, or it never closes.
                    let end = if self.forever { None } else { Some(p.1) };
                    if end.is_none_or(|e| e > self.after) {
                        return Some(Period { start: p.0, end });
                    }
                }
                (None, None) => self.done = true,
            }
        }
        None
    }
}

/// The working days from a date on, with their open intervals.
struct WorkingDays<'a> {
    cal: &'a Calendar,
    day: Option<Date>,
    /// Set when the end of the supported range of dates was reached.
    range_end: bool,
    /// A week after the last dated entry (or the first day): past it, days repeat weekly.
    week_past: Date,
    weekly_open: bool,
}

impl<'a> WorkingDays<'a> {
    fn new(cal: &'a Calendar, day: Date) -> Self {
        WorkingDays {
            cal,
            day: Some(day),
            range_end: false,
            week_past: plus_days(cal.last_rule.max(day), 7),
            weekly_open: cal.weekly_open,
        }
    }
}

impl WorkingDays<'_> {
    /// Skips the whole regular weeks ahead (see [`Calendar::regular_weeks`]) that hold at most
    /// `most` working days in all; returns how many working days were skipped.
    fn skip_weeks(&mut self, most: u64) -> u64 {
        let Some(day) = self.day else { return 0 };
        let weeks = self.cal.regular_weeks(day, plus_days(LAST_DAY, 1));
        if weeks == 0 {
            return 0;
        }
        let per_week = self.cal.week(day).0;
        if per_week == 0 {
            return 0;
        }
        let skip = (most / per_week).min(weeks.unsigned_abs());
        if skip == 0 {
            return 0;
        }
        self.day = Some(plus_days(day, 7 * i64::try_from(skip).unwrap_or(i64::MAX)));
        skip * per_week
    }
}

impl Iterator for WorkingDays<'_> {
    /// A working day's open intervals (never empty).
    type Item = Vec<(Timestamp, Timestamp)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(day) = self.day else {
                self.range_end = true;
                return None;
            };
            if day > LAST_DAY || (day > self.week_past && !self.weekly_open) {
                self.range_end = day > LAST_DAY;
                self.day = None;
                return None;
            }
            self.day = day.tomorrow().ok();
            let iv = self.cal.day_intervals(day);
            if !iv.is_empty() {
                return Some(iv);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::Cell;

    thread_local! {
        /// How many local days `day_intervals` has computed on this thread.
        pub(super) static DAYS_READ: Cell<u64> = const { Cell::new(0) };
    }

    /// The local days `f` computes.
    fn days_read<T>(f: impl FnOnce() -> T) -> (T, u64) {
        let before = DAYS_READ.with(Cell::get);
        let out = f();
        (out, DAYS_READ.with(Cell::get) - before)
    }

    #[test]
    fn long_spans_are_counted_in_weeks() {
        // Before: u32::MAX working days read every day to the year 9999 (7 s), and the elapsed
        // time from the first to the last instant every day of 20,000 years (20 s).
        for c in
            [cal(OFFICE), Calendar::china(), cal(&OFFICE.replace("Asia/Shanghai", "Europe/Berlin"))]
        {
            let t = ts("2026-09-30T16:00:00+08:00");
            let (r, days) = days_read(|| c.add_working_days(t, u32::MAX));
            assert!(matches!(r, Err(CalendarError::OutOfRange)), "{r:?}");
            // About 14 days read a daylight-saving change (Berlin: 16,000 to the year 9999).
            assert!(days < 300_000, "{days} days read");
            let (r, days) = days_read(|| c.add_working_days(t, 1_000_000));
            assert_eq!(r.unwrap(), c.add_working_days_by(t, 1_000_000, false).unwrap());
            assert!(days < 150_000, "{days} days read");
            let (e, days) = days_read(|| c.elapsed(Timestamp::MIN, Timestamp::MAX));
            assert!(days < 400_000, "{days} days read");
            let from = ts("2020-01-01T00:00:00Z");
            let to = ts("2200-01-01T00:00:00Z");
            let (e2, days) = days_read(|| c.elapsed(from, to));
            assert!(days < 30_000, "{days} days read");
            assert_eq!(e2, c.elapsed_by_periods(from, to, &[]));
            assert!(e > e2);
        }
    }

    /// A random calendar for comparing the week-at-a-time arithmetic with the day-by-day one:
    /// weekly hours, holidays between 2025 and 2028, time zones with and without DST.
    fn random_calendar() -> impl Strategy<Value = Calendar> {
        let zones =
            ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe"];
        let hours = prop::option::of((0u32..48, 1u32..48)).prop_map(|h| match h {
            None => "[]".to_owned(),
            Some((a, len)) => {
                let b = (a + len).min(48);
                format!("[\"{:02}:{:02}-{:02}:{:02}\"]", a / 2, a % 2 * 30, b / 2, b % 2 * 30)
            }
        });
        let dates = prop::collection::vec((0i64..1200, 0i64..4, any::<bool>()), 0..8);
        (prop::sample::select(zones.to_vec()), prop::collection::vec(hours, 7), dates).prop_map(
            |(zone, week, dates)| {
                let mut text = format!("time_zone = \"{zone}\"\n[weekly]\n");
                for (name, h) in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().zip(&week)
                {
                    text.push_str(&format!("{name} = {h}\n"));
                }
                let mut seen = std::collections::BTreeSet::new();
                for (offset, len, workday) in dates {
                    let from = plus_days(jiff::civil::date(2025, 1, 1), offset);
                    let to = plus_days(from, len);
                    if !(0..=len).all(|i| seen.insert(plus_days(from, i))) {
                        continue;
                    }
                    if workday {
                        text.push_str(&format!("[[workday]]\ndate = {from}\n"));
                        for i in 1..=len {
                            seen.remove(&plus_days(from, i));
                        }
                    } else {
                        text.push_str(&format!(
                            "[[holiday]]\nname = \"h\"\nfrom = {from}\nto = {to}\n"
                        ));
                    }
                }
                Calendar::from_toml(&text).unwrap()
            },
        )
    }

    fn random_instant() -> impl Strategy<Value = Timestamp> {
        (0i64..(6 * 365 * 86_400))
            .prop_map(|s| ts("2023-01-01T00:00:00Z") + SignedDuration::from_secs(s))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn weeks_at_a_time_equal_day_by_day(
            c in random_calendar(),
            t in random_instant(),
            span in 0i64..(3 * 365 * 86_400),
            n in 0u32..900,
            pause in prop::option::of((0i64..(365 * 86_400), 0i64..(40 * 86_400))),
        ) {
            let to = t + SignedDuration::from_secs(span);
            prop_assert_eq!(c.elapsed(t, to), c.elapsed_by_periods(t, to, &[]));
            let pauses: Vec<Interval> = pause
                .map(|(at, len)| {
                    let a = t + SignedDuration::from_secs(at);
                    Interval::new(a, a + SignedDuration::from_secs(len))
                })
                .into_iter()
                .collect();
            prop_assert_eq!(c.elapsed_paused(t, to, &pauses), c.elapsed_by_periods(t, to, &pauses));
            let fast = c.add_working_days_by(t, n, true);
            let slow = c.add_working_days_by(t, n, false);
            prop_assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
        }
    }

    fn cal(text: &str) -> Calendar {
        Calendar::from_toml(text).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const OFFICE: &str = r#"
time_zone = "Asia/Shanghai"
[weekly]
mon = ["09:00-12:00", "13:00-17:00"]
tue = ["09:00-12:00", "13:00-17:00"]
wed = ["09:00-12:00", "13:00-17:00"]
thu = ["09:00-12:00", "13:00-17:00"]
fri = ["09:00-12:00", "13:00-17:00"]
"#;

    #[test]
    fn open_and_changes() {
        let c = cal(OFFICE);
        // 2026-11-23 is a Monday.
        assert!(!c.is_open(ts("2026-11-23T08:59:59+08:00")));
        assert!(c.is_open(ts("2026-11-23T09:00:00+08:00")));
        assert!(!c.is_open(ts("2026-11-23T12:00:00+08:00")));
        assert_eq!(
            c.next_change(ts("2026-11-23T10:00:00+08:00")),
            Some(ts("2026-11-23T12:00:00+08:00"))
        );
        assert_eq!(
            c.next_open(ts("2026-11-23T10:00:00+08:00")),
            Some(ts("2026-11-23T13:00:00+08:00"))
        );
        assert_eq!(
            c.next_close(ts("2026-11-27T18:00:00+08:00")),
            Some(ts("2026-11-30T12:00:00+08:00"))
        );
        assert_eq!(
            c.next_open(ts("2026-11-27T17:00:00+08:00")),
            Some(ts("2026-11-30T09:00:00+08:00"))
        );
    }

    #[test]
    fn add_and_elapsed() {
        let c = cal(OFFICE);
        let from = ts("2026-11-27T16:00:00+08:00"); // Friday
        let due = c.add(from, Duration::from_secs(3 * 3600)).unwrap();
        assert_eq!(due, ts("2026-11-30T11:00:00+08:00"));
        assert_eq!(c.elapsed(from, due), Duration::from_secs(3 * 3600));
        assert_eq!(c.add(from, Duration::ZERO).unwrap(), from);
        // Exactly to a closing: the earliest instant is the close, not the next opening.
        assert_eq!(
            c.add(from, Duration::from_secs(3600)).unwrap(),
            ts("2026-11-27T17:00:00+08:00")
        );
    }

    #[test]
    fn working_days() {
        let c = cal(OFFICE);
        let fri4 = ts("2026-11-27T16:00:00+08:00");
        assert_eq!(c.add_working_days(fri4, 1).unwrap(), ts("2026-11-30T16:00:00+08:00"));
        let before = ts("2026-11-27T07:00:00+08:00");
        assert_eq!(c.add_working_days(before, 1).unwrap(), ts("2026-11-27T17:00:00+08:00"));
        let after = ts("2026-11-27T20:00:00+08:00");
        assert_eq!(c.add_working_days(after, 1).unwrap(), ts("2026-11-30T17:00:00+08:00"));
        assert_eq!(c.add_working_days(after, 0).unwrap(), after);
    }

    #[test]
    fn the_end_of_time_is_out_of_range() {
        let c = cal(OFFICE);
        let t = ts("9999-12-01T00:00:00Z");
        assert!(matches!(
            c.add(t, Duration::from_secs(1_000 * 3600)),
            Err(CalendarError::OutOfRange)
        ));
        assert!(matches!(c.add_working_days(t, 1_000), Err(CalendarError::OutOfRange)));
        assert!(c.add_working_days(t, 3).is_ok());
    }

    #[test]
    fn never_open_and_always_open() {
        let closed = cal("time_zone = \"UTC\"\n");
        let t = ts("2026-01-01T00:00:00Z");
        assert!(!closed.is_open(t));
        assert_eq!(closed.next_change(t), None);
        assert!(matches!(
            closed.add(t, Duration::from_secs(1)),
            Err(CalendarError::NeverOpen { .. })
        ));
        assert!(closed.add_working_days(t, 1).is_err());

        let always = cal(
            "time_zone = \"UTC\"\n[weekly]\nmon=[\"00:00-24:00\"]\ntue=[\"00:00-24:00\"]\nwed=[\"00:00-24:00\"]\nthu=[\"00:00-24:00\"]\nfri=[\"00:00-24:00\"]\nsat=[\"00:00-24:00\"]\nsun=[\"00:00-24:00\"]\n",
        );
        assert!(always.is_open(t));
        assert_eq!(always.next_close(t), None);
        assert_eq!(always.next_change(t), None);
        assert_eq!(
            always.add(t, Duration::from_secs(86400 * 30)).unwrap(),
            ts("2026-01-31T00:00:00Z")
        );
    }
}
