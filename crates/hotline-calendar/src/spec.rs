//! The calendar as written in TOML (or JSON): [`CalendarSpec`], one layer of a calendar.
//!
//! ```toml
//! name = "Example"
//! time_zone = "Asia/Shanghai"          # IANA name
//! workday_hours = ["09:00-17:00"]      # hours of a make-up working day that gives none
//!
//! [weekly]                             # days left out are closed
//! mon = ["09:00-12:00", "13:00-17:00"]
//! sat = []
//!
//! [[notice]]                           # where the dated entries come from
//! id = "国办发明电〔2025〕7号"
//! date = 2025-11-04
//!
//! [[holiday]]                          # whole days, or part of them with `closed`
//! name = "春节 Spring Festival"
//! from = 2026-02-15
//! to = 2026-02-23
//! notice = "国办发明电〔2025〕7号"
//!
//! [[workday]]                          # a make-up working day (调休上班)
//! date = 2026-02-14
//! notice = "国办发明电〔2025〕7号"
//!
//! [[exception]]                        # exactly these hours on this date
//! date = 2026-12-31
//! hours = ["09:00-12:00"]
//! ```

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hours::DayHours;

/// The longest holiday range accepted, in days (a year and a day).
pub const MAX_HOLIDAY_DAYS: i32 = 366;

/// One layer of a calendar: its time zone, weekly hours and dated entries. A [`Calendar`] is
/// built from one or more layers, later layers overriding earlier ones (a department's hours on
/// top of a national calendar).
///
/// [`Calendar`]: crate::Calendar
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CalendarSpec {
    /// A name for people (`"China national calendar"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The IANA time zone (`"Asia/Shanghai"`); a later layer's zone replaces an earlier one's.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "zone_name")]
    pub time_zone: Option<String>,
    /// A calendar file this one is layered on, relative to this file (read by
    /// [`Calendar::load`](crate::Calendar::load); ignored when layers are given in code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// The hours of a make-up working day that names neither `hours` nor `like`; unset, such a
    /// day has Monday's hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workday_hours: Option<DayHours>,
    /// The weekly hours; each weekday given replaces that weekday of the layers below.
    #[serde(default, skip_serializing_if = "Weekly::is_empty")]
    pub weekly: Weekly,
    /// The official notices the dated entries cite.
    #[serde(default, rename = "notice", skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// Public holidays, whole or part days.
    #[serde(default, rename = "holiday", skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<Holiday>,
    /// Make-up working days (调休上班): days off by the weekly hours that are worked.
    #[serde(default, rename = "workday", skip_serializing_if = "Vec::is_empty")]
    pub workdays: Vec<Workday>,
    /// Dates with exactly the given hours, whatever else applies.
    #[serde(default, rename = "exception", skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

/// Weekly opening hours, one entry per weekday; a weekday left out is taken from the layer below,
/// or is closed in the lowest layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
#[allow(missing_docs)] // the seven weekdays
pub struct Weekly {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mon: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tue: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wed: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thu: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fri: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sun: Option<DayHours>,
}

impl Weekly {
    /// The entry for `day`.
    pub fn get(&self, day: Weekday) -> Option<&DayHours> {
        match day {
            Weekday::Monday => self.mon.as_ref(),
            Weekday::Tuesday => self.tue.as_ref(),
            Weekday::Wednesday => self.wed.as_ref(),
            Weekday::Thursday => self.thu.as_ref(),
            Weekday::Friday => self.fri.as_ref(),
            Weekday::Saturday => self.sat.as_ref(),
            Weekday::Sunday => self.sun.as_ref(),
        }
    }

    /// Sets the entry for `day`.
    pub fn set(&mut self, day: Weekday, hours: Option<DayHours>) {
        let slot = match day {
            Weekday::Monday => &mut self.mon,
            Weekday::Tuesday => &mut self.tue,
            Weekday::Wednesday => &mut self.wed,
            Weekday::Thursday => &mut self.thu,
            Weekday::Friday => &mut self.fri,
            Weekday::Saturday => &mut self.sat,
            Weekday::Sunday => &mut self.sun,
        };
        *slot = hours;
    }

    /// Whether no weekday is given.
    pub fn is_empty(&self) -> bool {
        WEEKDAYS.iter().all(|&d| self.get(d).is_none())
    }
}

/// Monday to Sunday: the order of a [`Weekly`] table's days, for code that builds or reads one
/// day by day.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// An official notice that dated entries cite (for China, the State Council General Office's
/// yearly 部分节假日安排的通知).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Notice {
    /// The identifier entries cite, e.g. the document number `国办发明电〔2025〕7号`.
    pub id: String,
    /// The notice's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The date the notice was issued.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_date")]
    pub date: Option<Date>,
    /// Where it is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A public holiday: closed from `from` to `to` (both included), or only during `closed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Holiday {
    /// The holiday's name.
    pub name: String,
    /// The first day.
    #[serde(with = "date")]
    pub from: Date,
    /// The last day (included); unset, the holiday is the one day `from`.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_date")]
    pub to: Option<Date>,
    /// For a part-day holiday, the hours closed on each of its days (`["12:00-24:00"]`: open
    /// in the morning only); unset, the whole day is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<DayHours>,
    /// The [`Notice::id`] this holiday comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

impl Holiday {
    /// A whole-day holiday from `from` to `to` (both included; `None`: the one day `from`),
    /// citing no notice; set [`Holiday::closed`] for a part-day one.
    pub fn new(name: impl Into<String>, from: Date, to: Option<Date>) -> Holiday {
        Holiday { name: name.into(), from, to, closed: None, notice: None }
    }

    /// The last day, included.
    pub fn last(&self) -> Date {
        self.to.unwrap_or(self.from)
    }
}

/// A make-up working day (调休上班): worked although the weekly hours close it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Workday {
    /// The date.
    #[serde(with = "date")]
    pub date: Date,
    /// A name (`"春节调休上班"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The hours worked; unset, those of weekday `like`, else the calendar's `workday_hours`,
    /// else Monday's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<DayHours>,
    /// Work this day with the hours of this weekday (`"mon"` ... `"sun"`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_weekday")]
    pub like: Option<Weekday>,
    /// The [`Notice::id`] this day comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

impl Workday {
    /// A make-up working day on `date` with the default hours (see [`Workday::hours`]), no name
    /// and no notice.
    pub fn new(date: Date) -> Workday {
        Workday { date, name: None, hours: None, like: None, notice: None }
    }
}

/// A date with exactly the given hours (`[]` closes it), overriding weekly hours, holidays and
/// make-up days of its layer and the layers below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Exception {
    /// The date.
    #[serde(with = "date")]
    pub date: Date,
    /// A name (`"stocktaking"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The hours that day.
    pub hours: DayHours,
}

/// A problem with one entry of a layer that the field types cannot catch, as
/// [`CalendarSpec::problems`] finds it: which entry (its list and index), which field, and what
/// is wrong. Displayed as `holiday[2].to: ...` (the entry counted from 1, as in
/// [`Location::field`](crate::Location::field)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpecProblem {
    /// The list the entry is in, named as its TOML array of tables: `notice`, `holiday`,
    /// `workday` or `exception`.
    pub list: &'static str,
    /// The entry's index in its list, counted from 0.
    pub index: usize,
    /// The field at fault: `id`, `from`, `to`, `date` or `notice`.
    pub field: &'static str,
    /// What is wrong, naming the offending value.
    pub message: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}].{}: {}", self.list, self.index + 1, self.field, self.message)
    }
}

impl CalendarSpec {
    /// Parses one layer from TOML text, checking it as [`CalendarSpec::validate`] does.
    ///
    /// Memory: the `toml` crate builds the whole document before the layer is filled, about
    /// fifty times the text's size at its peak; [`Calendar::load`](crate::Calendar::load) reads
    /// files of at most [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES) for that reason.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`](crate::CalendarError::Invalid) with the line, column and field
    /// of the first problem ([`CalendarSpec::problems`] lists every one).
    pub fn from_toml(text: &str) -> Result<CalendarSpec, crate::CalendarError> {
        let spec: CalendarSpec = toml::from_str(text).map_err(|e| {
            crate::CalendarError::at(text, e.span().map(|s| s.start), e.message().trim_end())
        })?;
        spec.checked(text)
    }

    /// Checks a layer deserialised from `text` by any TOML reader, as [`CalendarSpec::from_toml`]
    /// does after parsing, placing a problem at its line and column in `text`. For a host with
    /// its own reader (the `hotline` command reads each entry on its own, in memory proportional
    /// to the file).
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`](crate::CalendarError::Invalid) with the line, column and field
    /// of the first problem.
    pub fn checked(self, text: &str) -> Result<CalendarSpec, crate::CalendarError> {
        if let Some(problem) = self.problems().into_iter().next() {
            return Err(crate::CalendarError::at(text, position(text, &problem), problem.message));
        }
        Ok(self)
    }

    /// Checks what the field types cannot: holidays end on or after they start and last at most
    /// [`MAX_HOLIDAY_DAYS`]; no date has two entries in this layer; cited notices are declared
    /// once each.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`](crate::CalendarError::Invalid) naming the entry and field of
    /// the first problem (`holiday[2].to: ...`), without a line (use [`CalendarSpec::from_toml`]
    /// for that, and [`CalendarSpec::problems`] for every problem).
    pub fn validate(&self) -> Result<(), crate::CalendarError> {
        match self.problems().into_iter().next() {
            Some(p) => Err(crate::CalendarError::Invalid {
                file: None,
                location: None,
                message: p.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Every problem [`CalendarSpec::validate`] checks for, in the order of the lists (notices,
    /// holidays, make-up days, exceptions), not only the first: empty for a valid layer. A
    /// holiday that ends before it starts or is too long claims no dates, so it does not also
    /// clash with the entries of those dates; an entry that clashes is reported once.
    pub fn problems(&self) -> Vec<SpecProblem> {
        let mut found = Vec::new();
        let problem =
            |list, index, field, message: String| SpecProblem { list, index, field, message };
        for (i, n) in self.notices.iter().enumerate() {
            if self.notices[..i].iter().any(|m| m.id == n.id) {
                found.push(problem("notice", i, "id", format!("notice `{}` twice", n.id)));
            }
        }
        let cited = |list, index, notice: &Option<String>| match notice {
            Some(id) if !self.notices.iter().any(|n| &n.id == id) => Some(problem(
                list,
                index,
                "notice",
                format!("notice `{id}` is not declared in a [[notice]] table"),
            )),
            _ => None,
        };
        // Which entry claims each date, to reject two entries for one date.
        let mut claimed: BTreeMap<Date, (&'static str, usize)> = BTreeMap::new();
        let mut claim = |date: Date, list: &'static str, index: usize, field: &'static str| {
            if let Some(&(k, j)) = claimed.get(&date) {
                return Some(problem(
                    list,
                    index,
                    field,
                    format!("{date} is already given by {k}[{}]", j + 1),
                ));
            }
            claimed.insert(date, (list, index));
            None
        };
        for (i, h) in self.holidays.iter().enumerate() {
            found.extend(cited("holiday", i, &h.notice));
            let last = h.last();
            if last < h.from {
                found.push(problem(
                    "holiday",
                    i,
                    "to",
                    format!("holiday `{}` ends ({last}) before it starts ({})", h.name, h.from),
                ));
                continue;
            }
            let days = h.from.until(last).map(|s| s.get_days()).unwrap_or(i32::MAX);
            if days >= MAX_HOLIDAY_DAYS {
                found.push(problem(
                    "holiday",
                    i,
                    "to",
                    format!("holiday `{}` is longer than {MAX_HOLIDAY_DAYS} days", h.name),
                ));
                continue;
            }
            // The first clash of the holiday's days is reported; its other days are claimed.
            let mut clash = None;
            for day in h.from.series(jiff::Span::new().days(1)).take_while(|d| *d <= last) {
                if let Some(p) = claim(day, "holiday", i, "from") {
                    clash.get_or_insert(p);
                }
            }
            found.extend(clash);
        }
        for (i, w) in self.workdays.iter().enumerate() {
            found.extend(cited("workday", i, &w.notice));
            found.extend(claim(w.date, "workday", i, "date"));
        }
        for (i, x) in self.exceptions.iter().enumerate() {
            found.extend(claim(x.date, "exception", i, "date"));
        }
        found
    }
}

/// The byte offset of the field a [`SpecProblem`] names, found by reading `text` again with
/// spans.
fn position(text: &str, problem: &SpecProblem) -> Option<usize> {
    use toml::Spanned;
    type Any = Option<Spanned<serde::de::IgnoredAny>>;
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default)]
        id: Any,
        #[serde(default)]
        from: Any,
        #[serde(default)]
        to: Any,
        #[serde(default)]
        date: Any,
        #[serde(default)]
        notice: Any,
    }
    #[derive(Deserialize)]
    struct Lists {
        #[serde(default)]
        notice: Vec<Spanned<Entry>>,
        #[serde(default)]
        holiday: Vec<Spanned<Entry>>,
        #[serde(default)]
        workday: Vec<Spanned<Entry>>,
        #[serde(default)]
        exception: Vec<Spanned<Entry>>,
    }
    let lists: Lists = toml::from_str(text).ok()?;
    let list = match problem.list {
        "notice" => &lists.notice,
        "holiday" => &lists.holiday,
        "workday" => &lists.workday,
        _ => &lists.exception,
    };
    let entry = list.get(problem.index)?;
    let e = entry.get_ref();
    let field = match problem.field {
        "id" => &e.id,
        "from" => &e.from,
        // A missing `to` is reported at `from`.
        "to" => e.to.as_ref().map_or(&e.from, |_| &e.to),
        "date" => &e.date,
        "notice" => &e.notice,
        _ => &None,
    };
    Some(field.as_ref().map_or(entry.span().start, |s| s.span().start))
}

/// Reads a time-zone name, checking it against the bundled time-zone database.
fn zone_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(deserializer)?;
    match jiff::tz::db().get(&name) {
        Ok(_) => Ok(Some(name)),
        Err(_) => Err(serde::de::Error::custom(format!(
            "unknown time zone `{name}`: use an IANA name such as \"Asia/Shanghai\" or \
             \"Europe/Berlin\""
        ))),
    }
}

/// Dates as TOML local dates (`2026-02-15`) or strings (`"2026-02-15"`).
pub(crate) mod date {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(date)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Date, D::Error> {
        deserializer.deserialize_any(DateVisitor)
    }

    struct DateVisitor;

    fn parse<E: serde::de::Error>(text: &str) -> Result<Date, E> {
        let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
        match text.parse::<Date>() {
            Ok(d) if ok => Ok(d),
            _ => Err(E::custom(format!("`{text}` is not a date: expected YYYY-MM-DD"))),
        }
    }

    impl<'de> serde::de::Visitor<'de> for DateVisitor {
        type Value = Date;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date such as 2026-02-15")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
            parse(v)
        }

        // TOML dates arrive as a one-entry map holding the date's text.
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
            let Some((_, text)) = map.next_entry::<serde::de::IgnoredAny, String>()? else {
                return Err(serde::de::Error::custom("expected a date such as 2026-02-15"));
            };
            parse(&text)
        }
    }
}

/// Optional dates (see [`date`]).
pub(crate) mod opt_date {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Date>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.collect_str(d),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        super::date::deserialize(deserializer).map(Some)
    }
}

/// Parses a weekday: `mon` ... `sun`, or the full English name, in any case.
pub(crate) fn parse_weekday(text: &str) -> Option<Weekday> {
    let t = text.trim().to_ascii_lowercase();
    WEEKDAYS.iter().copied().find(|d| {
        let full = format!("{d:?}").to_ascii_lowercase();
        t == full || t == full[..3]
    })
}

/// The short name of a weekday, `mon` ... `sun`.
pub(crate) fn weekday_key(day: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][usize::from(day.to_monday_zero_offset() as u8)]
}

/// Optional weekdays as `"mon"` ... `"sun"`.
pub(crate) mod opt_weekday {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Weekday>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.serialize_str(weekday_key(*d)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Weekday>, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_weekday(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a weekday: use mon, tue, wed, thu, fri, sat or sun"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CalendarError;

    fn err(text: &str) -> (usize, usize, Option<String>, String) {
        match CalendarSpec::from_toml(text).unwrap_err() {
            CalendarError::Invalid { location: Some(l), message, .. } => {
                (l.line, l.column, l.field, message)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_every_part() {
        let spec = CalendarSpec::from_toml(
            r#"
name = "t"
time_zone = "Europe/Berlin"
workday_hours = ["08:00-12:00"]
[weekly]
mon = ["09:00-12:00", "13:00-17:00"]
sat = []
[[notice]]
id = "n1"
date = 2025-11-04
[[holiday]]
name = "h"
from = 2026-02-15
to = "2026-02-16"
closed = ["12:00-24:00"]
notice = "n1"
[[workday]]
date = 2026-02-14
like = "Friday"
[[exception]]
date = 2026-03-01
hours = []
"#,
        )
        .unwrap();
        assert_eq!(spec.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(spec.weekly.mon.as_ref().unwrap().total_seconds(), 7 * 3600);
        assert!(spec.weekly.tue.is_none());
        assert_eq!(spec.holidays[0].last(), jiff::civil::date(2026, 2, 16));
        assert_eq!(spec.workdays[0].like, Some(Weekday::Friday));
        assert!(spec.exceptions[0].hours.is_closed());
        // Round trip through TOML and JSON.
        let back = CalendarSpec::from_toml(&toml::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<CalendarSpec>(&json).unwrap(), spec);
    }

    #[test]
    fn errors_name_line_column_and_field() {
        let (line, col, field, msg) = err("[weekly]\nmon = [\"09:00-08:00\"]\n");
        assert_eq!((line, col, field.as_deref()), (2, 8, Some("weekly.mon")));
        assert!(msg.contains("09:00-08:00"), "{msg}");

        let (line, _, field, msg) = err("time_zone = \"Mars/Olympus\"\n");
        assert_eq!((line, field.as_deref()), (1, Some("time_zone")));
        assert!(msg.contains("Mars/Olympus"), "{msg}");

        let (line, _, field, msg) = err("[weekly]\nmonday = []\n");
        assert_eq!((line, field.as_deref()), (2, Some("weekly.monday")));
        assert!(msg.contains("monday"), "{msg}");

        let text = "[[holiday]]\nname = \"a\"\nfrom = 2026-01-01\n[[holiday]]\nname = \"b\"\nfrom = 2026-02-03\nto = 2026-02-01\n";
        let (line, col, field, msg) = err(text);
        assert_eq!((line, col, field.as_deref()), (7, 6, Some("holiday[2].to")));
        assert!(msg.contains("ends (2026-02-01) before it starts (2026-02-03)"), "{msg}");

        let text = "[[holiday]]\nname = \"a\"\nfrom = 2026-01-01\nto = 2026-01-03\n[[workday]]\ndate = 2026-01-02\n";
        let (line, _, field, msg) = err(text);
        assert_eq!((line, field.as_deref()), (6, Some("workday[1].date")));
        assert!(msg.contains("already given by holiday[1]"), "{msg}");

        let (line, _, field, msg) = err("[[workday]]\ndate = 2026-13-01\n");
        assert_eq!((line, field.as_deref()), (2, Some("workday[1].date")));
        assert!(!msg.is_empty());

        let (line, _, field, msg) = err("[[workday]]\ndate = 2026-01-03\nnotice = \"nope\"\n");
        assert_eq!((line, field.as_deref()), (3, Some("workday[1].notice")));
        assert!(msg.contains("nope"), "{msg}");

        let (line, _, field, _) = err("[[workday]]\ndate = 2026-01-03\nlike = \"someday\"\n");
        assert_eq!((line, field.as_deref()), (3, Some("workday[1].like")));

        let (line, ..) = err("name = \n");
        assert_eq!(line, 1);
    }

    #[test]
    fn long_holidays_are_refused() {
        let (.., msg) = err("[[holiday]]\nname = \"x\"\nfrom = 0001-01-01\nto = 9999-12-31\n");
        assert!(msg.contains("longer than"), "{msg}");
    }

    #[test]
    fn every_problem_is_listed() {
        let text = "[[notice]]\nid = \"n\"\n[[notice]]\nid = \"n\"\n\
                    [[holiday]]\nname = \"a\"\nfrom = 2026-05-03\nto = 2026-05-01\n\
                    [[holiday]]\nname = \"b\"\nfrom = 2026-10-01\nto = 2026-10-03\n\
                    [[workday]]\ndate = 2026-10-02\nnotice = \"m\"\n\
                    [[exception]]\ndate = 2026-10-03\nhours = []\n";
        let spec: CalendarSpec = toml::from_str(text).unwrap();
        let found: Vec<String> = spec.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "notice[2].id: notice `n` twice",
                "holiday[1].to: holiday `a` ends (2026-05-01) before it starts (2026-05-03)",
                "workday[1].notice: notice `m` is not declared in a [[notice]] table",
                "workday[1].date: 2026-10-02 is already given by holiday[2]",
                "exception[1].date: 2026-10-03 is already given by holiday[2]",
            ]
        );
        // The first is the one `validate` and `from_toml` give.
        let first = CalendarSpec::from_toml(text).unwrap_err();
        assert!(first.to_string().contains("notice `n` twice"), "{first}");
        assert_eq!(first.location().map(|l| l.line), Some(4));
        assert!(CalendarSpec::from_toml("").unwrap().problems().is_empty());
    }

    #[test]
    fn weekdays() {
        assert_eq!(parse_weekday("SAT"), Some(Weekday::Saturday));
        assert_eq!(parse_weekday("sunday"), Some(Weekday::Sunday));
        assert_eq!(parse_weekday("su"), None);
        assert_eq!(weekday_key(Weekday::Sunday), "sun");
    }
}
