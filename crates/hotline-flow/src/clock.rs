//! Business time: the narrow seam through which every deadline is computed.
//!
//! The engine never does date arithmetic itself. It asks a [`BusinessClock`] — one per department,
//! looked up in a [`Calendars`] registry — to add working days or working time to an instant and to
//! measure the business time between two instants. With the default `calendar` integration the
//! clocks are `hotline_calendar::Calendar`s; [`AlwaysOpen`] is a 24/7 clock for tests and for
//! processes whose deadlines run in wall-clock time.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::FlowError;

/// A span of business time, as definitions write it: `{ working_days = 3 }`, `{ hours = 4 }` or
/// `{ minutes = 30 }` (hours and minutes are working hours and minutes on the calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BusinessSpan {
    /// N working days: the same time of day on the N-th following working day.
    WorkingDays(u32),
    /// N working hours.
    Hours(u32),
    /// N working minutes.
    Minutes(u32),
}

impl BusinessSpan {
    /// The span as working time (working days are not a fixed length and return `None`).
    pub fn as_duration(self) -> Option<Duration> {
        match self {
            BusinessSpan::WorkingDays(_) => None,
            BusinessSpan::Hours(h) => Some(Duration::from_secs(u64::from(h) * 3600)),
            BusinessSpan::Minutes(m) => Some(Duration::from_secs(u64::from(m) * 60)),
        }
    }
}

impl fmt::Display for BusinessSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusinessSpan::WorkingDays(n) => write!(f, "{n} working days"),
            BusinessSpan::Hours(n) => write!(f, "{n} working hours"),
            BusinessSpan::Minutes(n) => write!(f, "{n} working minutes"),
        }
    }
}

/// Business-time arithmetic on one calendar.
pub trait BusinessClock: fmt::Debug + Send + Sync {
    /// The calendar's name, for error messages.
    fn name(&self) -> &str;

    /// `from` plus `days` working days.
    ///
    /// # Errors
    ///
    /// [`FlowError::Calendar`] when the calendar cannot answer (for example past the years it
    /// knows).
    fn add_working_days(&self, from: Timestamp, days: u32) -> Result<Timestamp, FlowError>;

    /// `from` plus `amount` of working time.
    ///
    /// # Errors
    ///
    /// [`FlowError::Calendar`] when the calendar cannot answer.
    fn add(&self, from: Timestamp, amount: Duration) -> Result<Timestamp, FlowError>;

    /// The working time between `from` and `to` (zero when `to` is not after `from`).
    fn elapsed(&self, from: Timestamp, to: Timestamp) -> Duration;

    /// Whether the calendar is open at `t`.
    fn is_open(&self, t: Timestamp) -> bool;

    /// The calendar's time zone, for showing times to people (`None`: UTC).
    fn time_zone(&self) -> Option<jiff::tz::TimeZone> {
        None
    }

    /// `from` plus a [`BusinessSpan`].
    ///
    /// # Errors
    ///
    /// As [`BusinessClock::add_working_days`] and [`BusinessClock::add`].
    fn add_span(&self, from: Timestamp, span: BusinessSpan) -> Result<Timestamp, FlowError> {
        match span {
            BusinessSpan::WorkingDays(days) => self.add_working_days(from, days),
            other => self.add(from, other.as_duration().unwrap_or_default()),
        }
    }
}

/// A clock that is always open: business time is wall-clock time and a working day is 24 hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlwaysOpen;

fn shift(calendar: &str, from: Timestamp, amount: Duration) -> Result<Timestamp, FlowError> {
    let span =
        jiff::SignedDuration::try_from(amount).map_err(|e| FlowError::calendar(calendar, e))?;
    from.checked_add(span).map_err(|e| FlowError::calendar(calendar, e))
}

impl BusinessClock for AlwaysOpen {
    fn name(&self) -> &str {
        "24x7"
    }

    fn add_working_days(&self, from: Timestamp, days: u32) -> Result<Timestamp, FlowError> {
        shift("24x7", from, Duration::from_secs(u64::from(days) * 86_400))
    }

    fn add(&self, from: Timestamp, amount: Duration) -> Result<Timestamp, FlowError> {
        shift("24x7", from, amount)
    }

    fn elapsed(&self, from: Timestamp, to: Timestamp) -> Duration {
        if to <= from {
            return Duration::ZERO;
        }
        Duration::try_from(to.duration_since(from)).unwrap_or_default()
    }

    fn is_open(&self, _t: Timestamp) -> bool {
        true
    }
}

fn calendar_error(calendar: &str, e: hotline_calendar::CalendarError) -> FlowError {
    FlowError::calendar(calendar, e)
}

/// The real business calendar: working hours, public holidays, make-up working days and time
/// zones from hotline-calendar.
impl BusinessClock for hotline_calendar::Calendar {
    fn name(&self) -> &str {
        hotline_calendar::Calendar::name(self)
    }

    fn add_working_days(&self, from: Timestamp, days: u32) -> Result<Timestamp, FlowError> {
        hotline_calendar::Calendar::add_working_days(self, from, days)
            .map_err(|e| calendar_error(self.name(), e))
    }

    fn add(&self, from: Timestamp, amount: Duration) -> Result<Timestamp, FlowError> {
        hotline_calendar::Calendar::add(self, from, amount)
            .map_err(|e| calendar_error(self.name(), e))
    }

    fn elapsed(&self, from: Timestamp, to: Timestamp) -> Duration {
        hotline_calendar::Calendar::elapsed(self, from, to)
    }

    fn is_open(&self, t: Timestamp) -> bool {
        hotline_calendar::Calendar::is_open(self, t)
    }

    fn time_zone(&self) -> Option<jiff::tz::TimeZone> {
        Some(hotline_calendar::Calendar::time_zone(self).clone())
    }
}

/// The calendars bundled with hotline-calendar, by the names definitions use: `china` (the China
/// national calendar, 2025–2026), `us` and `eu-berlin`.
pub fn bundled_calendar_text(name: &str) -> Option<&'static str> {
    match name {
        "china" | "cn" => Some(hotline_calendar::bundled::CHINA),
        "us" => Some(hotline_calendar::bundled::US),
        "eu-berlin" => Some(hotline_calendar::bundled::EU_BERLIN),
        _ => None,
    }
}

/// The calendars an engine computes deadlines with: named clocks, a default, and which department
/// uses which.
#[derive(Debug, Clone)]
pub struct Calendars {
    clocks: BTreeMap<String, Arc<dyn BusinessClock>>,
    default: String,
    departments: BTreeMap<String, String>,
}

impl Default for Calendars {
    fn default() -> Self {
        Calendars::new()
    }
}

impl Calendars {
    /// A registry holding only the 24/7 clock `"24x7"`, which is also the default.
    pub fn new() -> Calendars {
        let mut clocks: BTreeMap<String, Arc<dyn BusinessClock>> = BTreeMap::new();
        clocks.insert("24x7".to_owned(), Arc::new(AlwaysOpen));
        Calendars { clocks, default: "24x7".to_owned(), departments: BTreeMap::new() }
    }

    /// A registry with the 24/7 clock (the default) and the calendars bundled with
    /// hotline-calendar: `china`, `us` and `eu-berlin`.
    pub fn bundled() -> Calendars {
        let mut cals = Calendars::new();
        for name in ["china", "us", "eu-berlin"] {
            if let Some(cal) = bundled_calendar_text(name)
                .and_then(|t| hotline_calendar::Calendar::from_toml(t).ok())
            {
                cals.insert(name, Arc::new(cal));
            }
        }
        cals
    }

    /// Registers a calendar written in hotline-calendar's TOML format, layered on a bundled
    /// calendar (`extends`, for example a department's hours on top of `china`).
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownCalendar`] for an unknown `extends`; [`FlowError::Calendar`] when the
    /// text is not a valid calendar (the message names line and column).
    pub fn insert_toml(
        &mut self,
        name: &str,
        extends: Option<&str>,
        toml: &str,
    ) -> Result<(), FlowError> {
        let mut layers = Vec::new();
        if let Some(base) = extends {
            let text = bundled_calendar_text(base)
                .ok_or_else(|| FlowError::UnknownCalendar(base.to_owned()))?;
            layers.push(
                hotline_calendar::CalendarSpec::from_toml(text)
                    .map_err(|e| calendar_error(base, e))?,
            );
        }
        layers.push(
            hotline_calendar::CalendarSpec::from_toml(toml).map_err(|e| calendar_error(name, e))?,
        );
        let cal =
            hotline_calendar::Calendar::from_layers(layers).map_err(|e| calendar_error(name, e))?;
        self.insert(name, Arc::new(cal));
        Ok(())
    }

    /// Registers (or replaces) a clock under `name`.
    pub fn insert(&mut self, name: impl Into<String>, clock: Arc<dyn BusinessClock>) {
        self.clocks.insert(name.into(), clock);
    }

    /// Whether a clock of that name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.clocks.contains_key(name)
    }

    /// The names of the registered clocks.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.clocks.keys().map(String::as_str)
    }

    /// Makes `name` the default clock.
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownCalendar`] when no clock has that name.
    pub fn set_default(&mut self, name: &str) -> Result<(), FlowError> {
        if !self.contains(name) {
            return Err(FlowError::UnknownCalendar(name.to_owned()));
        }
        name.clone_into(&mut self.default);
        Ok(())
    }

    /// Says that `department` works on the clock `name`.
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownCalendar`] when no clock has that name.
    pub fn assign(&mut self, department: impl Into<String>, name: &str) -> Result<(), FlowError> {
        if !self.contains(name) {
            return Err(FlowError::UnknownCalendar(name.to_owned()));
        }
        self.departments.insert(department.into(), name.to_owned());
        Ok(())
    }

    /// The clock called `name`.
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownCalendar`] when no clock has that name.
    pub fn get(&self, name: &str) -> Result<&Arc<dyn BusinessClock>, FlowError> {
        self.clocks.get(name).ok_or_else(|| FlowError::UnknownCalendar(name.to_owned()))
    }

    /// The default clock.
    pub fn default_clock(&self) -> &Arc<dyn BusinessClock> {
        // `default` always names a registered clock: `new` registers it and `set_default` checks.
        self.clocks.get(&self.default).unwrap_or_else(|| {
            self.clocks.values().next().unwrap_or_else(|| unreachable!("24x7 is always present"))
        })
    }

    /// The clock `department` works on under a definition: the definition's own mapping for the
    /// department, then this registry's mapping, then the definition's default calendar, then this
    /// registry's default.
    ///
    /// # Errors
    ///
    /// [`FlowError::UnknownCalendar`] when the definition names a calendar not registered.
    pub fn for_definition(
        &self,
        def: &crate::Definition,
        department: Option<&str>,
    ) -> Result<Arc<dyn BusinessClock>, FlowError> {
        if let Some(name) = department.and_then(|d| def.calendars.departments.get(d)) {
            return self.get(name).cloned();
        }
        if let Some(name) = department.and_then(|d| self.departments.get(d)) {
            return self.get(name).cloned();
        }
        if !def.calendars.default.is_empty() {
            return self.get(&def.calendars.default).cloned();
        }
        Ok(self.default_clock().clone())
    }

    /// The clock `department` works on: its own, or the default.
    pub fn for_department(&self, department: Option<&str>) -> &Arc<dyn BusinessClock> {
        department
            .and_then(|d| self.departments.get(d))
            .and_then(|name| self.clocks.get(name))
            .unwrap_or_else(|| self.default_clock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn always_open_is_wall_clock() {
        let c = AlwaysOpen;
        let t = ts("2026-01-01T00:00:00Z");
        assert_eq!(c.add_working_days(t, 2).unwrap(), ts("2026-01-03T00:00:00Z"));
        assert_eq!(c.add_span(t, BusinessSpan::Minutes(90)).unwrap(), ts("2026-01-01T01:30:00Z"));
        assert_eq!(c.elapsed(t, ts("2026-01-01T02:00:00Z")), Duration::from_secs(7200));
        assert_eq!(c.elapsed(ts("2026-01-01T02:00:00Z"), t), Duration::ZERO);
        assert!(c.add(Timestamp::MAX, Duration::from_secs(1)).is_err());
    }

    #[test]
    fn departments_fall_back_to_the_default() {
        let mut cals = Calendars::new();
        assert!(cals.assign("Water", "nope").is_err());
        cals.insert("other", Arc::new(AlwaysOpen));
        cals.assign("Water", "other").unwrap();
        assert_eq!(cals.for_department(Some("Water")).name(), "24x7");
        assert_eq!(cals.for_department(Some("Roads")).name(), "24x7");
        assert!(cals.set_default("missing").is_err());
    }
}
