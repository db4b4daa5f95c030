//! `schedule` nodes: whether a calendar is open, closed or on holiday at a moment.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use hotline_calendar::{
    Calendar, CalendarSpec, DayHours, DayKind, Holiday, Span, WEEKDAYS, Workday,
};

use crate::ast::{CalendarDef, EdgeLabel};

/// What a calendar says about a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleState {
    /// Within business hours on a working day.
    Open,
    /// Outside business hours, or a day without hours.
    Closed,
    /// A public holiday (not a make-up working day).
    Holiday,
}

impl ScheduleState {
    /// The edge a `schedule` node takes in this state.
    pub fn label(self) -> EdgeLabel {
        match self {
            ScheduleState::Open => EdgeLabel::Open,
            ScheduleState::Closed => EdgeLabel::Closed,
            ScheduleState::Holiday => EdgeLabel::Holiday,
        }
    }
}

/// Why a `calendar` block does not build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The calendar crate refused the definition (or its bundled base).
    #[error(transparent)]
    Calendar(#[from] hotline_calendar::CalendarError),
    /// An opening span is not a valid span of a day.
    #[error("hours {from}-{to}: {source}")]
    Hours {
        /// The span's start, `HH:MM`.
        from: String,
        /// The span's end, `HH:MM`.
        to: String,
        /// The calendar crate's reason.
        source: hotline_calendar::HoursError,
    },
    /// The time zone is not in the time-zone database.
    #[error("unknown time zone `{name}`: {source}")]
    TimeZone {
        /// The name.
        name: String,
        /// jiff's error.
        source: jiff::Error,
    },
}

/// Builds the hotline-calendar [`Calendar`] a `calendar` block describes: its `base` layer (a
/// bundled national calendar) below, the block's own hours, holidays and make-up days on top.
///
/// `flow_timezone` is used when neither the block nor its base names a time zone.
///
/// # Errors
///
/// A [`ScheduleError`] when the definition is not a valid calendar.
pub fn build(def: &CalendarDef, flow_timezone: Option<&str>) -> Result<Calendar, ScheduleError> {
    let mut layers = Vec::new();
    if let Some(base) = &def.base {
        let text = match base.value.as_str() {
            "china" => hotline_calendar::bundled::CHINA,
            "us" => hotline_calendar::bundled::US,
            _ => hotline_calendar::bundled::EU_BERLIN,
        };
        layers.push(CalendarSpec::from_toml(text)?);
    }
    layers.push(layer(def, flow_timezone)?);
    Ok(Calendar::from_layers(layers)?)
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The block as one layer of the calendar crate.
fn layer(def: &CalendarDef, flow_timezone: Option<&str>) -> Result<CalendarSpec, ScheduleError> {
    let mut spec = CalendarSpec::default();
    spec.name = Some(def.id.value.clone());
    let tz = def.timezone.as_ref().map(|s| s.value.as_str());
    spec.time_zone = match (tz, &def.base, flow_timezone) {
        (Some(tz), _, _) | (None, None, Some(tz)) => Some(tz.to_owned()),
        (None, None, None) => Some("UTC".to_owned()),
        // The base calendar's zone.
        _ => None,
    };
    if let Some(name) = &spec.time_zone
        && let Err(source) = jiff::tz::db().get(name)
    {
        return Err(ScheduleError::TimeZone { name: name.clone(), source });
    }
    // Weekly hours: every weekday the block names, its spans from every `hours` line.
    let mut days: [Vec<(u16, u16)>; 7] = Default::default();
    for h in &def.hours {
        for &d in &h.days {
            let i = usize::from(d.clamp(1, 7) - 1);
            days[i].extend(h.ranges.iter().copied());
        }
    }
    if !def.hours.is_empty() {
        for (i, day) in WEEKDAYS.into_iter().enumerate() {
            // A block with hours defines the whole week: days it does not name are closed.
            let mut spans = Vec::with_capacity(days[i].len());
            for &(a, b) in &days[i] {
                let span = Span::new(u32::from(a) * 60, u32::from(b) * 60).map_err(|source| {
                    ScheduleError::Hours { from: hhmm(a), to: hhmm(b), source }
                })?;
                spans.push(span);
            }
            let hours = DayHours::new(spans).map_err(|source| {
                let (a, b) = days[i].first().copied().unwrap_or_default();
                ScheduleError::Hours { from: hhmm(a), to: hhmm(b), source }
            })?;
            spec.weekly.set(day, Some(hours));
        }
    }
    for h in &def.holidays {
        let name = if h.name.is_empty() { "holiday" } else { &h.name };
        spec.holidays.push(Holiday::new(name, h.from, Some(h.to)));
    }
    for w in &def.workdays {
        let mut d = w.from;
        while d <= w.to {
            let mut day = Workday::new(d);
            if !w.name.is_empty() {
                day.name = Some(w.name.clone());
            }
            spec.workdays.push(day);
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
    }
    Ok(spec)
}

/// The state of `calendar` at `now`: a whole-day holiday is `Holiday`; a part-day holiday is
/// `Holiday` while closed; otherwise `Open` or `Closed` by the hours.
pub fn state_of(calendar: &Calendar, now: Timestamp) -> ScheduleState {
    let day = calendar.day(calendar.date_of(now));
    let open = calendar.is_open(now);
    match day.kind {
        DayKind::Holiday => ScheduleState::Holiday,
        DayKind::PartHoliday if !open => ScheduleState::Holiday,
        _ if open => ScheduleState::Open,
        _ => ScheduleState::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(block: &str) -> CalendarDef {
        let src = format!("start a\n{block}\nhangup a {{}}\n");
        let (flow, diags) = crate::parse(&src);
        assert!(!crate::diag::has_errors(&diags), "{diags:?}");
        flow.calendars.into_iter().next().unwrap()
    }

    /// The layer built in code says what the same calendar written as a calendar file says,
    /// hour by hour over two months.
    #[test]
    fn built_layer_matches_the_calendar_file() {
        let built = build(
            &def("calendar c {\n timezone \"Europe/Berlin\"\n hours mon-fri 08:00-12:00, 13:00-18:00\n hours sat 10:00-14:00\n holiday 2026-12-24..2026-12-26 \"Christmas\"\n workday 2026-12-27 \"stocktaking\"\n}"),
            None,
        )
        .unwrap();
        let file = Calendar::from_toml(
            r#"name = "c"
time_zone = "Europe/Berlin"
[weekly]
mon = ["08:00-12:00", "13:00-18:00"]
tue = ["08:00-12:00", "13:00-18:00"]
wed = ["08:00-12:00", "13:00-18:00"]
thu = ["08:00-12:00", "13:00-18:00"]
fri = ["08:00-12:00", "13:00-18:00"]
sat = ["10:00-14:00"]
sun = []
[[holiday]]
name = "Christmas"
from = 2026-12-24
to = 2026-12-26
[[workday]]
date = 2026-12-27
name = "stocktaking"
"#,
        )
        .unwrap();
        let mut t: Timestamp = "2026-11-20T00:30:00+01:00".parse().unwrap();
        let mut open = 0;
        for _ in 0..(60 * 24) {
            assert_eq!(state_of(&built, t), state_of(&file, t), "{t}");
            open += usize::from(state_of(&built, t) == ScheduleState::Open);
            t = t.checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
        }
        assert!(open > 300, "{open}");
    }

    #[test]
    fn errors_keep_their_source() {
        let e =
            build(&def("calendar c { timezone \"Mars/Olympus\"\n hours mon 09:00-17:00 }"), None)
                .unwrap_err();
        assert!(
            matches!(&e, ScheduleError::TimeZone { name, .. } if name == "Mars/Olympus"),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
