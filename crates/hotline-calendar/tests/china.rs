//! The bundled China national calendar against the State Council General Office's notices for
//! 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号), one table row per holiday
//! period, with the weekdays the notices state, and business-time arithmetic across each period.

use std::time::Duration;

use hotline_calendar::{Calendar, CalendarSpec, DayKind};
use jiff::Timestamp;
use jiff::civil::{Date, Weekday, date};

/// One holiday period as the notice states it: first and last day off with their weekdays, and
/// the make-up working days with theirs.
struct Period {
    name: &'static str,
    from: (Date, Weekday),
    to: (Date, Weekday),
    workdays: &'static [(Date, Weekday)],
}

use Weekday::*;

const PERIODS: &[Period] = &[
    // 2025, 国办发明电〔2024〕12号 (2024-11-12)
    Period {
        name: "元旦 2025",
        from: (date(2025, 1, 1), Wednesday),
        to: (date(2025, 1, 1), Wednesday),
        workdays: &[],
    },
    Period {
        name: "春节 2025",
        from: (date(2025, 1, 28), Tuesday),
        to: (date(2025, 2, 4), Tuesday),
        workdays: &[(date(2025, 1, 26), Sunday), (date(2025, 2, 8), Saturday)],
    },
    Period {
        name: "清明节 2025",
        from: (date(2025, 4, 4), Friday),
        to: (date(2025, 4, 6), Sunday),
        workdays: &[],
    },
    Period {
        name: "劳动节 2025",
        from: (date(2025, 5, 1), Thursday),
        to: (date(2025, 5, 5), Monday),
        workdays: &[(date(2025, 4, 27), Sunday)],
    },
    Period {
        name: "端午节 2025",
        from: (date(2025, 5, 31), Saturday),
        to: (date(2025, 6, 2), Monday),
        workdays: &[],
    },
    Period {
        name: "国庆节、中秋节 2025",
        from: (date(2025, 10, 1), Wednesday),
        to: (date(2025, 10, 8), Wednesday),
        workdays: &[(date(2025, 9, 28), Sunday), (date(2025, 10, 11), Saturday)],
    },
    // 2026, 国办发明电〔2025〕7号 (2025-11-04)
    Period {
        name: "元旦 2026",
        from: (date(2026, 1, 1), Thursday),
        to: (date(2026, 1, 3), Saturday),
        workdays: &[(date(2026, 1, 4), Sunday)],
    },
    Period {
        name: "春节 2026",
        from: (date(2026, 2, 15), Sunday),
        to: (date(2026, 2, 23), Monday),
        workdays: &[(date(2026, 2, 14), Saturday), (date(2026, 2, 28), Saturday)],
    },
    Period {
        name: "清明节 2026",
        from: (date(2026, 4, 4), Saturday),
        to: (date(2026, 4, 6), Monday),
        workdays: &[],
    },
    Period {
        name: "劳动节 2026",
        from: (date(2026, 5, 1), Friday),
        to: (date(2026, 5, 5), Tuesday),
        workdays: &[(date(2026, 5, 9), Saturday)],
    },
    Period {
        name: "端午节 2026",
        from: (date(2026, 6, 19), Friday),
        to: (date(2026, 6, 21), Sunday),
        workdays: &[],
    },
    Period {
        name: "中秋节 2026",
        from: (date(2026, 9, 25), Friday),
        to: (date(2026, 9, 27), Sunday),
        workdays: &[],
    },
    Period {
        name: "国庆节 2026",
        from: (date(2026, 10, 1), Thursday),
        to: (date(2026, 10, 7), Wednesday),
        workdays: &[(date(2026, 9, 20), Sunday), (date(2026, 10, 10), Saturday)],
    },
];

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    from.series(jiff::Span::new().days(1)).take_while(move |d| *d <= to)
}

#[test]
fn every_period_matches_its_notice() {
    let cal = Calendar::china();
    for p in PERIODS {
        // The notices' weekdays agree with the dates (guards against a mistyped date).
        assert_eq!(p.from.0.weekday(), p.from.1, "{}: first day", p.name);
        assert_eq!(p.to.0.weekday(), p.to.1, "{}: last day", p.name);
        for &(d, w) in p.workdays {
            assert_eq!(d.weekday(), w, "{}: make-up day {d}", p.name);
            let day = cal.day(d);
            assert_eq!(day.kind, DayKind::MakeUpWorkday, "{}: {d}", p.name);
            assert!(cal.is_working_day(d), "{}: {d} is a working day", p.name);
            assert_eq!(day.hours.to_string(), "09:00-12:00, 13:00-17:00");
        }
        for d in days(p.from.0, p.to.0) {
            assert_eq!(cal.day(d).kind, DayKind::Holiday, "{}: {d}", p.name);
            assert!(!cal.is_working_day(d), "{}: {d} is off", p.name);
        }
        // The day before and the day after the period are not part of it.
        for d in [p.from.0.yesterday().unwrap(), p.to.0.tomorrow().unwrap()] {
            assert_ne!(cal.day(d).kind, DayKind::Holiday, "{}: {d}", p.name);
        }
    }
}

#[test]
fn every_dated_entry_is_in_the_table() {
    // Nothing in the file that the notices do not say: 28 days off and 5 make-up days in 2025,
    // 33 and 6 in 2026.
    let spec = CalendarSpec::from_toml(hotline_calendar::bundled::CHINA).unwrap();
    let cal = Calendar::china();
    let mut off = [0, 0];
    let mut made_up = [0, 0];
    for d in days(date(2025, 1, 1), date(2026, 12, 31)) {
        let y = usize::from(d.year() == 2026);
        match cal.day(d).kind {
            DayKind::Holiday => off[y] += 1,
            DayKind::MakeUpWorkday => made_up[y] += 1,
            DayKind::Regular => {}
            other => panic!("{d}: unexpected {other:?}"),
        }
    }
    assert_eq!(off, [28, 33]);
    assert_eq!(made_up, [5, 6]);
    let table_days: usize =
        PERIODS.iter().map(|p| p.from.0.until(p.to.0).unwrap().get_days() as usize + 1).sum();
    assert_eq!(table_days, 28 + 33);
    assert_eq!(PERIODS.iter().map(|p| p.workdays.len()).sum::<usize>(), 11);
    // Every entry cites one of the two notices.
    assert_eq!(spec.notices.len(), 2);
    assert!(spec.holidays.iter().all(|h| h.notice.is_some()));
    assert!(spec.workdays.iter().all(|w| w.notice.is_some()));
    assert_eq!(cal.dated_range(), Some((date(2025, 1, 1), date(2026, 10, 10))));
}

#[test]
fn spring_festival_2025() {
    let cal = Calendar::china();
    // Sunday 26 January is worked.
    assert!(cal.is_open(ts("2025-01-26T10:00:00+08:00")));
    // From the last afternoon before the holiday, one working day is Wednesday 5 February.
    let before = ts("2025-01-27T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(before, 1).unwrap()), "2025-02-05T16:00:00+08:00");
    assert_eq!(
        cal.next_open(ts("2025-01-27T17:00:00+08:00")),
        Some(ts("2025-02-05T09:00:00+08:00"))
    );
    // Four working days on: 5, 6, 7 February, then Saturday 8 February (make-up day).
    assert_eq!(cal.format(cal.add_working_days(before, 4).unwrap()), "2025-02-08T16:00:00+08:00");
    // Two working hours from 16:00: one hour on the 27th, one on 5 February.
    assert_eq!(
        cal.format(cal.add(before, Duration::from_secs(7200)).unwrap()),
        "2025-02-05T10:00:00+08:00"
    );
}

#[test]
fn national_day_2025() {
    let cal = Calendar::china();
    // Saturday 27 September is off, Sunday 28 September is worked.
    let saturday = ts("2025-09-27T10:00:00+08:00");
    assert!(!cal.is_open(saturday));
    assert_eq!(cal.next_change(saturday), Some(ts("2025-09-28T09:00:00+08:00")));
    let tuesday = ts("2025-09-30T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(tuesday, 1).unwrap()), "2025-10-09T16:00:00+08:00");
    // 9 and 10 October, then Saturday 11 October (make-up day).
    assert_eq!(cal.format(cal.add_working_days(tuesday, 3).unwrap()), "2025-10-11T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(tuesday, 4).unwrap()), "2025-10-13T16:00:00+08:00");
}

#[test]
fn new_year_2026_crosses_the_year() {
    let cal = Calendar::china();
    let last_afternoon = ts("2025-12-31T16:00:00+08:00");
    // 1–3 January are off; Sunday 4 January is worked.
    assert_eq!(
        cal.format(cal.add_working_days(last_afternoon, 1).unwrap()),
        "2026-01-04T16:00:00+08:00"
    );
    assert_eq!(
        cal.next_open(ts("2025-12-31T17:00:00+08:00")),
        Some(ts("2026-01-04T09:00:00+08:00"))
    );
    // One hour on the 31st, 7 on the 4th.
    assert_eq!(
        cal.elapsed(last_afternoon, ts("2026-01-05T09:00:00+08:00")),
        Duration::from_secs(8 * 3600)
    );
}

#[test]
fn spring_festival_2026() {
    let cal = Calendar::china();
    let friday = ts("2026-02-13T16:00:00+08:00");
    // Saturday 14 February is worked, then 15–23 February are off.
    assert_eq!(cal.format(cal.add_working_days(friday, 1).unwrap()), "2026-02-14T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(friday, 2).unwrap()), "2026-02-24T16:00:00+08:00");
    assert_eq!(
        cal.next_open(ts("2026-02-14T17:00:00+08:00")),
        Some(ts("2026-02-24T09:00:00+08:00"))
    );
    // 24–27 February, then Saturday 28 February (make-up day).
    assert_eq!(cal.format(cal.add_working_days(friday, 6).unwrap()), "2026-02-28T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(friday, 7).unwrap()), "2026-03-02T16:00:00+08:00");
    // Across the whole holiday: Friday 1 h, Saturday 7 h, Tuesday 24th 9:00–12:00 3 h.
    assert_eq!(
        cal.elapsed(friday, ts("2026-02-24T12:00:00+08:00")),
        Duration::from_secs(11 * 3600)
    );
}

#[test]
fn national_day_2026() {
    let cal = Calendar::china();
    // Sunday 20 September is worked; the Mid-Autumn Festival (25–27 September) is off.
    assert!(cal.is_open(ts("2026-09-20T09:30:00+08:00")));
    assert!(!cal.is_open(ts("2026-09-25T09:30:00+08:00")));
    // The example: three working days from Wednesday 30 September 16:00 are 8 and 9
    // October and Saturday 10 October (make-up day).
    let wednesday = ts("2026-09-30T16:00:00+08:00");
    assert_eq!(
        cal.format(cal.add_working_days(wednesday, 3).unwrap()),
        "2026-10-10T16:00:00+08:00"
    );
    assert_eq!(
        cal.format(cal.add_working_days(wednesday, 4).unwrap()),
        "2026-10-12T16:00:00+08:00"
    );
    assert_eq!(cal.next_close(wednesday), Some(ts("2026-09-30T17:00:00+08:00")));
    assert_eq!(cal.next_open(wednesday), Some(ts("2026-10-08T09:00:00+08:00")));
    // 8 hours of work orders: 1 h on the 30th, 7 h on the 8th.
    assert_eq!(
        cal.format(cal.add(wednesday, Duration::from_secs(8 * 3600)).unwrap()),
        "2026-10-08T17:00:00+08:00"
    );
}

#[test]
fn the_other_2026_periods() {
    let cal = Calendar::china();
    // Qingming: Friday 3 April 16:00 + 1 working day is Tuesday 7 April.
    let t = ts("2026-04-03T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(t, 1).unwrap()), "2026-04-07T16:00:00+08:00");
    // Labour Day: Thursday 30 April + 1 is Wednesday 6 May; + 4 is Saturday 9 May (make-up).
    let t = ts("2026-04-30T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(t, 1).unwrap()), "2026-05-06T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(t, 4).unwrap()), "2026-05-09T16:00:00+08:00");
    // Dragon Boat: Thursday 18 June + 1 is Monday 22 June.
    let t = ts("2026-06-18T16:00:00+08:00");
    assert_eq!(cal.format(cal.add_working_days(t, 1).unwrap()), "2026-06-22T16:00:00+08:00");
}

#[test]
fn after_the_published_notices_only_weekly_hours_apply() {
    let cal = Calendar::china();
    // 1 October 2027 is a Friday: without a published notice it is an ordinary working day.
    assert!(cal.is_working_day(date(2027, 10, 1)));
    assert_eq!(cal.day(date(2027, 10, 1)).kind, DayKind::Regular);
}
