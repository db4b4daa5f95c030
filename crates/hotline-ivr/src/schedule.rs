//! `schedule` nodes: whether a calendar is open, closed or on holiday at a moment.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ast::EdgeLabel;
use hotline_calendar::{Calendar, CalendarSpec, DayKind};

use crate::ast::CalendarDef;
use crate::program::Program;

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
    /// The calendar crate refused the definition.
    #[error(transparent)]
    Calendar(#[from] hotline_calendar::CalendarError),
}

/// Builds the hotline-calendar [`Calendar`] a `calendar` block describes: its `base` layer (a
/// bundled national calendar) below, the block's own hours, holidays and make-up days on top.
///
/// `flow_timezone` is used when neither the block nor its base names a time zone.
///
/// # Errors
///
/// The calendar crate's message when the definition is not a valid calendar.
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
    layers.push(CalendarSpec::from_toml(&layer_toml(def, flow_timezone))?);
    Ok(Calendar::from_layers(layers)?)
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The block as one TOML layer in the calendar crate's format.
fn layer_toml(def: &CalendarDef, flow_timezone: Option<&str>) -> String {
    let mut t = format!("name = {}\n", quote(&def.id.value));
    let tz = def.timezone.as_ref().map(|s| s.value.as_str());
    match (tz, &def.base, flow_timezone) {
        (Some(tz), _, _) | (None, None, Some(tz)) => {
            t.push_str(&format!("time_zone = {}\n", quote(tz)))
        }
        (None, None, None) => t.push_str("time_zone = \"UTC\"\n"),
        _ => {}
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
        t.push_str("[weekly]\n");
        for (i, name) in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().enumerate() {
            // A block with hours defines the whole week: days it does not name are closed.
            let mut spans = days[i].clone();
            spans.sort_unstable();
            let list: Vec<String> =
                spans.iter().map(|(a, b)| quote(&format!("{}-{}", hhmm(*a), hhmm(*b)))).collect();
            t.push_str(&format!("{name} = [{}]\n", list.join(", ")));
        }
    }
    for h in &def.holidays {
        t.push_str(&format!(
            "[[holiday]]\nname = {}\nfrom = {}\nto = {}\n",
            quote(if h.name.is_empty() { "holiday" } else { &h.name }),
            h.from,
            h.to
        ));
    }
    for w in &def.workdays {
        let mut d = w.from;
        while d <= w.to {
            t.push_str(&format!("[[workday]]\ndate = {d}\n"));
            if !w.name.is_empty() {
                t.push_str(&format!("name = {}\n", quote(&w.name)));
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
    }
    t
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

/// The state of calendar `name` of `program` at `now`.
///
/// # Errors
///
/// A message when the program has no such calendar.
pub fn state_at(program: &Program, name: &str, now: Timestamp) -> Result<ScheduleState, String> {
    program
        .calendar(name)
        .map(|c| state_of(c, now))
        .ok_or_else(|| format!("calendar `{name}` is not defined"))
}
