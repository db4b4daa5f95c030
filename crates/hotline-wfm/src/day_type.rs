//! What kind of day a date is for call volumes: a regular weekday, a public holiday, a make-up
//! working day (调休上班), or the working day just before or after a holiday, from a
//! [`Calendar`].

use hotline_calendar::{Calendar, DayKind};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The kind of a day as the forecasting models and the generator see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DayType {
    /// An ordinary day; the weekday, 0 = Monday ... 6 = Sunday.
    Regular(u8),
    /// A public holiday (whole or part day).
    Holiday,
    /// A make-up working day on a weekend (调休上班).
    MakeUpWorkday,
    /// The last working day before a holiday.
    BeforeHoliday,
    /// The first working day after a holiday.
    AfterHoliday,
}

impl DayType {
    /// Index 0..11 for tables: 0–6 the weekdays, then holiday, make-up, before, after.
    pub fn index(self) -> usize {
        match self {
            DayType::Regular(w) => usize::from(w.min(6)),
            DayType::Holiday => 7,
            DayType::MakeUpWorkday => 8,
            DayType::BeforeHoliday => 9,
            DayType::AfterHoliday => 10,
        }
    }

    /// Number of distinct indexes.
    pub const COUNT: usize = 11;
}

/// Whether `date` is a holiday in `cal`.
pub(crate) fn is_holiday(cal: &Calendar, date: Date) -> bool {
    matches!(cal.day(date).kind, DayKind::Holiday | DayKind::PartHoliday)
}

/// Whether `date` is a day people work: a make-up working day, or Monday–Friday that is not a
/// holiday. (Weekly opening hours of the calendar do not matter here: a 24-hour hotline's
/// callers follow the national working week.)
pub(crate) fn is_working(cal: &Calendar, date: Date) -> bool {
    match cal.day(date).kind {
        DayKind::MakeUpWorkday => true,
        DayKind::Holiday | DayKind::PartHoliday => false,
        _ => date.weekday().to_monday_zero_offset() < 5,
    }
}

/// The day type of `date` in `cal`, and the holiday's name on a holiday.
pub fn day_type(cal: &Calendar, date: Date) -> (DayType, Option<String>) {
    let day = cal.day(date);
    match day.kind {
        DayKind::Holiday | DayKind::PartHoliday => return (DayType::Holiday, day.name),
        DayKind::MakeUpWorkday => return (DayType::MakeUpWorkday, day.name),
        _ => {}
    }
    let weekday = date.weekday().to_monday_zero_offset() as u8;
    if is_working(cal, date) {
        // Before: the next days up to a holiday are all days off (a weekend in between counts).
        if let Some(next) = first_non_weekend_after(cal, date, 1)
            && is_holiday(cal, next)
        {
            return (DayType::BeforeHoliday, None);
        }
        if let Some(prev) = first_non_weekend_after(cal, date, -1)
            && is_holiday(cal, prev)
        {
            return (DayType::AfterHoliday, None);
        }
    }
    (DayType::Regular(weekday), None)
}

/// The first day from `date` in direction `step` that is a holiday or a working day (skipping
/// ordinary weekend days), within 4 days.
fn first_non_weekend_after(cal: &Calendar, date: Date, step: i64) -> Option<Date> {
    let mut d = date;
    for _ in 0..4 {
        d = d.checked_add(jiff::Span::new().days(step)).ok()?;
        if is_holiday(cal, d) || is_working(cal, d) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn china_2026_spring_festival_and_national_day() {
        let cal = Calendar::china();
        // Saturday 14 February 2026 is a make-up working day; the holiday runs 15–23 February.
        assert_eq!(day_type(&cal, date(2026, 2, 14)).0, DayType::MakeUpWorkday);
        assert_eq!(day_type(&cal, date(2026, 2, 13)).0, DayType::Regular(4));
        let (t, name) = day_type(&cal, date(2026, 2, 17));
        assert_eq!(t, DayType::Holiday);
        assert!(name.unwrap().contains("Spring Festival"));
        assert_eq!(day_type(&cal, date(2026, 2, 24)).0, DayType::AfterHoliday);
        // 30 September 2026 (Wednesday) is the day before National Day; 8 October the day after.
        assert_eq!(day_type(&cal, date(2026, 9, 30)).0, DayType::BeforeHoliday);
        assert_eq!(day_type(&cal, date(2026, 10, 8)).0, DayType::AfterHoliday);
        // Friday 19 June 2026, before the Dragon Boat Festival (Friday–Sunday 19–21 June)... is itself
        // the holiday; Thursday 18 June is the day before.
        assert_eq!(day_type(&cal, date(2026, 6, 18)).0, DayType::BeforeHoliday);
        // Friday 2 October 2026 is a holiday, a Wednesday in March is regular.
        assert_eq!(day_type(&cal, date(2026, 3, 11)).0, DayType::Regular(2));
        // Friday 3 April 2026 before Qingming (Saturday 4 – Monday 6 April).
        assert_eq!(day_type(&cal, date(2026, 4, 3)).0, DayType::BeforeHoliday);
        assert_eq!(day_type(&cal, date(2026, 4, 7)).0, DayType::AfterHoliday);
    }
}
