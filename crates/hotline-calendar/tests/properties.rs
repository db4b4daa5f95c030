//! Invariants of business-time arithmetic on random calendars, in time zones with and without
//! daylight-saving time: adding then measuring round-trips, answers are monotone, and opening and
//! closing alternate.

use std::time::Duration;

use hotline_calendar::{
    Calendar, CalendarSpec, DayHours, Holiday, Interval, Span, WEEKDAYS, Weekly, Workday,
};
use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "UTC",
    "Asia/Shanghai",
    "America/New_York",
    "Europe/Berlin",
    // Half-hour daylight-saving shift.
    "Australia/Lord_Howe",
    // Daylight-saving changes at midnight.
    "America/Santiago",
];

/// A day's hours: up to three spans on a quarter-hour grid, anywhere in the day.
fn day_hours() -> impl Strategy<Value = DayHours> {
    prop::collection::btree_set(0u32..=96, 0..=6).prop_map(|cuts| {
        let cuts: Vec<u32> = cuts.into_iter().collect();
        let spans =
            cuts.chunks_exact(2).map(|c| Span::new(c[0] * 900, c[1] * 900).unwrap()).collect();
        DayHours::new(spans).unwrap()
    })
}

fn day_in_window() -> impl Strategy<Value = Date> {
    (0i64..500).prop_map(|n| date(2025, 12, 1).checked_add(jiff::Span::new().days(n)).unwrap())
}

fn holiday() -> impl Strategy<Value = Holiday> {
    (day_in_window(), 0i64..5, prop::option::of(day_hours())).prop_map(|(from, len, closed)| {
        let mut spec = CalendarSpec::from_toml(&format!(
            "[[holiday]]\nname = \"h\"\nfrom = {from}\nto = {}\n",
            from.checked_add(jiff::Span::new().days(len)).unwrap()
        ))
        .unwrap();
        let mut h = spec.holidays.remove(0);
        h.closed = closed;
        h
    })
}

fn workday() -> impl Strategy<Value = Workday> {
    (day_in_window(), prop::option::of(day_hours())).prop_map(|(d, hours)| {
        let mut spec = CalendarSpec::from_toml(&format!("[[workday]]\ndate = {d}\n")).unwrap();
        let mut w = spec.workdays.remove(0);
        w.hours = hours;
        w
    })
}

/// A random calendar: weekly hours, holidays and make-up days (entries on one date dropped).
fn calendar() -> impl Strategy<Value = Calendar> {
    (
        prop::sample::select(ZONES),
        prop::collection::vec(day_hours(), 7),
        prop::collection::vec(holiday(), 0..6),
        prop::collection::vec(workday(), 0..4),
    )
        .prop_map(|(zone, week, holidays, workdays)| {
            let mut spec = CalendarSpec::default();
            spec.time_zone = Some(zone.to_owned());
            let mut weekly = Weekly::default();
            for (day, hours) in WEEKDAYS.iter().zip(week) {
                weekly.set(*day, Some(hours));
            }
            spec.weekly = weekly;
            for h in holidays {
                spec.holidays.push(h);
                if spec.validate().is_err() {
                    spec.holidays.pop();
                }
            }
            for w in workdays {
                spec.workdays.push(w);
                if spec.validate().is_err() {
                    spec.workdays.pop();
                }
            }
            Calendar::from_spec(spec).unwrap()
        })
}

/// An instant in the window, to the second.
fn instant() -> impl Strategy<Value = Timestamp> {
    let start = Timestamp::from_second(1_764_547_200).unwrap(); // 2025-12-01T00:00Z
    (0i64..(500 * 86_400)).prop_map(move |s| start + SignedDuration::from_secs(s))
}

fn amount() -> impl Strategy<Value = Duration> {
    (0u64..(40 * 3600)).prop_map(Duration::from_secs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn add_then_elapsed_round_trips(cal in calendar(), t in instant(), d in amount()) {
        if let Ok(due) = cal.add(t, d) {
            prop_assert!(due >= t);
            prop_assert_eq!(cal.elapsed(t, due), d);
            // The earliest such instant: a second earlier, less time has elapsed.
            if !d.is_zero() {
                prop_assert!(cal.elapsed(t, due - SignedDuration::from_secs(1)) < d);
            }
        }
    }

    #[test]
    fn elapsed_then_add_gives_the_earliest_instant(cal in calendar(), t in instant(), u in instant()) {
        let e = cal.elapsed(t, u);
        let back = cal.add(t, e).unwrap();
        prop_assert_eq!(cal.elapsed(t, back), e);
        prop_assert!(back <= u.max(t));
    }

    #[test]
    fn add_is_monotone(cal in calendar(), t in instant(), a in amount(), b in amount(), s in 0i64..86_400) {
        let (small, large) = if a <= b { (a, b) } else { (b, a) };
        if let (Ok(x), Ok(y)) = (cal.add(t, small), cal.add(t, large)) {
            prop_assert!(x <= y);
        }
        let later = t + SignedDuration::from_secs(s);
        if let (Ok(x), Ok(y)) = (cal.add(t, a), cal.add(later, a)) {
            prop_assert!(x <= y);
        }
        // Elapsed grows with the end and shrinks with the start.
        let u = t + SignedDuration::from_secs(3 * 86_400);
        prop_assert!(cal.elapsed(t, u) >= cal.elapsed(later, u));
        prop_assert!(cal.elapsed(t, later) <= cal.elapsed(t, u));
    }

    #[test]
    fn working_days_are_monotone(cal in calendar(), t in instant(), n in 0u32..12) {
        if let (Ok(x), Ok(y)) = (cal.add_working_days(t, n), cal.add_working_days(t, n + 1)) {
            prop_assert!(x >= t);
            prop_assert!(x < y, "{} then {}", x, y);
            // The answer is inside or at the edge of open time, on a working day.
            prop_assert!(cal.is_working_day(cal.date_of(y - SignedDuration::from_nanos(1))));
        }
    }

    #[test]
    fn open_and_close_alternate(cal in calendar(), t in instant()) {
        let mut at = t;
        let mut open = cal.is_open(at);
        for _ in 0..30 {
            let Some(next) = cal.next_change(at) else { break };
            prop_assert!(next > at);
            // Nothing changes before `next`.
            prop_assert_eq!(cal.is_open(next - SignedDuration::from_nanos(1)), open);
            prop_assert_eq!(cal.is_open(next), !open);
            if open {
                prop_assert_eq!(cal.next_close(at), Some(next));
            } else {
                prop_assert_eq!(cal.next_open(at), Some(next));
            }
            open = !open;
            at = next;
        }
    }

    #[test]
    fn paused_clock(cal in calendar(), t in instant(), d in amount(),
                    pauses in prop::collection::vec((0i64..(10 * 86_400), 0i64..(2 * 86_400)), 0..4)) {
        let pauses: Vec<Interval> = pauses
            .into_iter()
            .map(|(s, l)| {
                let start = t + SignedDuration::from_secs(s - 86_400);
                Interval::new(start, start + SignedDuration::from_secs(l))
            })
            .collect();
        if let Ok(due) = cal.add_paused(t, d, &pauses) {
            prop_assert_eq!(cal.elapsed_paused(t, due, &pauses), d);
            prop_assert!(due >= cal.add(t, d).unwrap());
        }
        // Pausing never adds time, and the paused time is the open time inside the pauses.
        let u = t + SignedDuration::from_secs(12 * 86_400);
        let paused = cal.elapsed_paused(t, u, &pauses);
        prop_assert!(paused <= cal.elapsed(t, u));
    }
}

/// Calendars whose working days all have the same length: every working weekday has the same
/// spans, between 05:00 and 23:00 (clear of daylight-saving changes), holidays are whole days.
fn even_calendar() -> impl Strategy<Value = (Calendar, Duration)> {
    (
        prop::sample::select(ZONES),
        prop::collection::btree_set(20u32..=92, 1..=3)
            .prop_map(|c| c.into_iter().collect::<Vec<_>>()),
        prop::collection::vec(any::<bool>(), 7),
        prop::collection::vec((day_in_window(), 0i64..9), 0..5),
    )
        .prop_filter("a working weekday", |(_, _, days, _)| days.iter().any(|d| *d))
        .prop_map(|(zone, mut cuts, days, holidays)| {
            if cuts.len() % 2 == 1 {
                cuts.push(93);
            }
            let spans: Vec<Span> =
                cuts.chunks_exact(2).map(|c| Span::new(c[0] * 900, c[1] * 900).unwrap()).collect();
            let hours = DayHours::new(spans).unwrap();
            let mut spec = CalendarSpec::default();
            spec.time_zone = Some(zone.to_owned());
            for (day, on) in WEEKDAYS.iter().zip(days) {
                spec.weekly.set(*day, Some(if on { hours.clone() } else { DayHours::CLOSED }));
            }
            for (from, len) in holidays {
                let text = format!(
                    "[[holiday]]\nname = \"h\"\nfrom = {from}\nto = {}\n",
                    from.checked_add(jiff::Span::new().days(len)).unwrap()
                );
                spec.holidays.push(CalendarSpec::from_toml(&text).unwrap().holidays.remove(0));
                if spec.validate().is_err() {
                    spec.holidays.pop();
                }
            }
            let len = Duration::from_secs(u64::from(hours.total_seconds()));
            (Calendar::from_spec(spec).unwrap(), len)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn working_days_round_trip_to_whole_days((cal, len) in even_calendar(), t in instant(), n in 1u32..10) {
        let due = cal.add_working_days(t, n).unwrap();
        prop_assert_eq!(cal.elapsed(t, due), len * n);
    }
}
