//! Any text given to the calendar parser yields a calendar or an error, never a panic or a hang;
//! a calendar that parses answers every question without panicking, and its answers agree.

#![no_main]

use std::time::Duration;

use hotline_calendar::Calendar;
use hotline_calendar::jiff::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(cal) = Calendar::from_toml(text) else { return };
    for secs in [1_735_689_600_i64, 1_767_225_600, 1_790_000_000, 253_402_000_000] {
        let Ok(t) = Timestamp::from_second(secs) else { continue };
        let open = cal.is_open(t);
        if let Some(next) = cal.next_change(t) {
            assert!(next > t);
            assert_eq!(cal.is_open(next), !open);
        }
        let _ = cal.next_open(t);
        let _ = cal.next_close(t);
        if let Ok(due) = cal.add(t, Duration::from_secs(3600 * 10)) {
            assert_eq!(cal.elapsed(t, due), Duration::from_secs(3600 * 10));
        }
        if let Ok(due) = cal.add_working_days(t, 3) {
            assert!(due >= t);
        }
        if let Ok(later) =
            t.checked_add(hotline_calendar::jiff::SignedDuration::from_hours(24 * 40))
        {
            let _ = cal.elapsed(t, later);
        }
        let _ = cal.day(cal.date_of(t));
    }
});
