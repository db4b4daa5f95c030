//! Exact answers across daylight-saving changes and year boundaries.

use std::time::Duration;

use hotline_calendar::Calendar;
use jiff::Timestamp;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn every_day(zone: &str, hours: &str) -> Calendar {
    let mut text = format!("time_zone = \"{zone}\"\n[weekly]\n");
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        text.push_str(&format!("{d} = [{hours}]\n"));
    }
    Calendar::from_toml(&text).unwrap()
}

const H: u64 = 3600;

#[test]
fn around_the_clock_days_are_23_and_25_hours_long() {
    let cal = every_day("America/New_York", "\"00:00-24:00\"");
    // 8 March 2026: clocks go from 02:00 EST to 03:00 EDT.
    let spring = cal.elapsed(ts("2026-03-08T00:00:00-05:00"), ts("2026-03-09T00:00:00-04:00"));
    assert_eq!(spring, Duration::from_secs(23 * H));
    // 1 November 2026: clocks go back from 02:00 EDT to 01:00 EST.
    let autumn = cal.elapsed(ts("2026-11-01T00:00:00-04:00"), ts("2026-11-02T00:00:00-05:00"));
    assert_eq!(autumn, Duration::from_secs(25 * H));
    // 24 business hours are 24 real hours: noon EST on Saturday is 13:00 EDT on Sunday.
    let due = cal.add(ts("2026-03-07T12:00:00-05:00"), Duration::from_secs(24 * H)).unwrap();
    assert_eq!(cal.format(due), "2026-03-08T13:00:00-04:00");
    assert!(cal.is_open(due));
    assert_eq!(cal.next_change(due), None);
}

#[test]
fn a_night_shift_across_the_changes() {
    let cal = every_day("America/New_York", "\"00:00-04:00\"");
    // 00:00–02:00 EST then 03:00–04:00 EDT: three hours.
    let spring = cal.elapsed(ts("2026-03-08T00:00:00-05:00"), ts("2026-03-08T12:00:00-04:00"));
    assert_eq!(spring, Duration::from_secs(3 * H));
    // 00:00 EDT to 04:00 EST: five hours.
    let autumn = cal.elapsed(ts("2026-11-01T00:00:00-04:00"), ts("2026-11-01T12:00:00-05:00"));
    assert_eq!(autumn, Duration::from_secs(5 * H));
    assert_eq!(
        cal.next_close(ts("2026-11-01T00:30:00-04:00")),
        Some(ts("2026-11-01T04:00:00-05:00"))
    );
}

#[test]
fn an_opening_time_skipped_by_the_clock_opens_after_the_skip() {
    // 02:30 does not exist in New York on 8 March 2026; it is read as 03:30 EDT (the skipped
    // local time shifted by the length of the skip).
    let cal = every_day("America/New_York", "\"02:30-05:00\"");
    assert!(!cal.is_open(ts("2026-03-08T03:15:00-04:00")));
    assert_eq!(
        cal.next_open(ts("2026-03-08T01:00:00-05:00")),
        Some(ts("2026-03-08T03:30:00-04:00"))
    );
    let day = cal.elapsed(ts("2026-03-08T00:00:00-05:00"), ts("2026-03-09T00:00:00-04:00"));
    assert_eq!(day, Duration::from_secs(H + H / 2));
}

#[test]
fn a_repeated_time_means_its_first_occurrence() {
    // 01:30 happens twice in New York on 1 November 2026; a span 01:30–03:00 opens at the first.
    let cal = every_day("America/New_York", "\"01:30-03:00\"");
    assert_eq!(
        cal.next_open(ts("2026-11-01T00:00:00-04:00")),
        Some(ts("2026-11-01T01:30:00-04:00"))
    );
    // 01:30 EDT to 03:00 EST is two and a half hours.
    let day = cal.elapsed(ts("2026-11-01T00:00:00-04:00"), ts("2026-11-02T00:00:00-05:00"));
    assert_eq!(day, Duration::from_secs(2 * H + H / 2));
}

#[test]
fn office_hours_keep_their_wall_clock_times() {
    let cal = Calendar::from_toml(hotline_calendar::bundled::EU_BERLIN).unwrap();
    // Friday 27 March 2026 16:00 CET; summer time starts on Sunday 29 March.
    let friday = ts("2026-03-27T16:00:00+01:00");
    let monday = cal.add_working_days(friday, 1).unwrap();
    assert_eq!(cal.format(monday), "2026-03-30T16:00:00+02:00");
    assert_eq!(cal.elapsed(friday, monday), Duration::from_secs(8 * H));
    assert_eq!(cal.next_open(friday), Some(ts("2026-03-30T08:00:00+02:00")));
}

#[test]
fn half_hour_shifts() {
    // Lord Howe Island moves its clocks by 30 minutes (02:00 → 02:30 on 4 October 2026).
    let cal = every_day("Australia/Lord_Howe", "\"00:00-24:00\"");
    let day = cal.elapsed(ts("2026-10-04T00:00:00+10:30"), ts("2026-10-05T00:00:00+11:00"));
    assert_eq!(day, Duration::from_secs(23 * H + H / 2));
}

#[test]
fn across_the_year_boundary() {
    let cal = Calendar::from_toml(hotline_calendar::bundled::US).unwrap();
    // Wednesday 31 December 2025 16:00; 1 January 2026 is a holiday.
    let t = ts("2025-12-31T16:00:00-05:00");
    assert_eq!(cal.format(cal.add_working_days(t, 1).unwrap()), "2026-01-02T16:00:00-05:00");
    assert_eq!(
        cal.format(cal.add(t, Duration::from_secs(2 * H)).unwrap()),
        "2026-01-02T10:00:00-05:00"
    );
    assert_eq!(cal.next_open(t), Some(ts("2026-01-02T09:00:00-05:00")));
}
