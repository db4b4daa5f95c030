//! The bundled US and EU example calendars: each holiday recomputed from its rule.

use hotline_calendar::{Calendar, CalendarSpec, DayKind};
use jiff::Timestamp;
use jiff::civil::{Date, Weekday, date};

/// The `n`th `weekday` of a month (`n` = -1: the last).
fn nth(year: i16, month: i8, weekday: Weekday, n: i8) -> Date {
    date(year, month, 1).nth_weekday_of_month(n, weekday).unwrap()
}

/// A fixed-date US federal holiday as observed: Saturday to Friday, Sunday to Monday.
fn observed(d: Date) -> Date {
    match d.weekday() {
        Weekday::Saturday => d.yesterday().unwrap(),
        Weekday::Sunday => d.tomorrow().unwrap(),
        _ => d,
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus).
fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as i8, day as i8)
}

fn holidays(text: &str) -> Vec<Date> {
    CalendarSpec::from_toml(text).unwrap().holidays.iter().map(|h| h.from).collect()
}

#[test]
fn us_federal_holidays_follow_their_rules() {
    let mut expected = Vec::new();
    for y in [2025, 2026] {
        expected.extend([
            observed(date(y, 1, 1)),
            nth(y, 1, Weekday::Monday, 3),
            nth(y, 2, Weekday::Monday, 3),
            nth(y, 5, Weekday::Monday, -1),
            observed(date(y, 6, 19)),
            observed(date(y, 7, 4)),
            nth(y, 9, Weekday::Monday, 1),
            nth(y, 10, Weekday::Monday, 2),
            observed(date(y, 11, 11)),
            nth(y, 11, Weekday::Thursday, 4),
            observed(date(y, 12, 25)),
        ]);
    }
    assert_eq!(holidays(hotline_calendar::bundled::US), expected);
}

#[test]
fn berlin_holidays_follow_their_rules() {
    assert_eq!(easter(2025), date(2025, 4, 20));
    assert_eq!(easter(2026), date(2026, 4, 5));
    let spec = CalendarSpec::from_toml(hotline_calendar::bundled::EU_BERLIN).unwrap();
    let find = |name: &str, year: i16| {
        spec.holidays
            .iter()
            .find(|h| h.name.starts_with(name) && h.from.year() == year)
            .map(|h| h.from)
            .unwrap_or_else(|| panic!("{name} {year}"))
    };
    for y in [2025, 2026] {
        let e = easter(y);
        let plus = |days: i64| e.checked_add(jiff::Span::new().days(days)).unwrap();
        assert_eq!(find("Karfreitag", y), plus(-2));
        assert_eq!(find("Ostermontag", y), plus(1));
        assert_eq!(find("Christi Himmelfahrt", y), plus(39));
        assert_eq!(find("Pfingstmontag", y), plus(50));
        for (name, m, d) in [
            ("Neujahr", 1, 1),
            ("Internationaler Frauentag", 3, 8),
            ("Tag der Arbeit", 5, 1),
            ("Tag der Deutschen Einheit", 10, 3),
            ("Heiligabend", 12, 24),
            ("Weihnachten", 12, 25),
            ("Silvester", 12, 31),
        ] {
            assert_eq!(find(name, y), date(y, m, d), "{name} {y}");
        }
    }
}

#[test]
fn part_day_holidays_close_at_noon() {
    let cal = Calendar::from_toml(hotline_calendar::bundled::EU_BERLIN).unwrap();
    let eve = cal.day(date(2026, 12, 24));
    assert_eq!(eve.kind, DayKind::PartHoliday);
    assert_eq!(eve.hours.to_string(), "08:00-12:00");
    let t: Timestamp = "2026-12-24T11:59:59+01:00".parse().unwrap();
    assert!(cal.is_open(t));
    assert_eq!(cal.next_close(t), Some("2026-12-24T12:00:00+01:00".parse().unwrap()));
    // 25 and 26 December are off, 27 is a Sunday.
    assert_eq!(cal.next_open(t), Some("2026-12-28T08:00:00+01:00".parse().unwrap()));
}

#[test]
fn every_bundled_calendar_loads() {
    for (text, zone) in [
        (hotline_calendar::bundled::CHINA, "Asia/Shanghai"),
        (hotline_calendar::bundled::US, "America/New_York"),
        (hotline_calendar::bundled::EU_BERLIN, "Europe/Berlin"),
    ] {
        assert_eq!(Calendar::from_toml(text).unwrap().time_zone_name(), zone);
    }
}
