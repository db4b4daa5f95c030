//! A complaints hotline in Beijing: is it open, and when is a work order due?
//!
//! Run with `cargo run -p hotline-calendar --example deadlines`.

use std::time::Duration;

use hotline_calendar::{Calendar, CalendarSpec, Interval};
use jiff::Timestamp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The national calendar (holidays and make-up working days from the State Council's
    // notices), with the department's own hours on top.
    let national = CalendarSpec::from_toml(hotline_calendar::bundled::CHINA)?;
    let department = CalendarSpec::from_toml(
        r#"
        name = "12345 complaints desk"
        workday_hours = ["08:30-12:00", "13:30-18:00"]
        [weekly]
        mon = ["08:30-12:00", "13:30-18:00"]
        tue = ["08:30-12:00", "13:30-18:00"]
        wed = ["08:30-12:00", "13:30-18:00"]
        thu = ["08:30-12:00", "13:30-18:00"]
        fri = ["08:30-12:00", "13:30-18:00"]
        sat = ["09:00-12:00"]
        "#,
    )?;
    let cal = Calendar::from_layers(vec![national, department])?;

    // An IVR asks: is the desk open when a call comes in?
    let call: Timestamp = "2026-10-01T10:15:00+08:00".parse()?;
    let day = cal.day(cal.date_of(call));
    match cal.next_change(call) {
        Some(t) if cal.is_open(call) => {
            println!("{}: open until {}", cal.format(call), cal.format(t))
        }
        Some(t) => println!(
            "{}: closed ({}), opens {}",
            cal.format(call),
            day.name.as_deref().unwrap_or("outside hours"),
            cal.format(t)
        ),
        None => println!("{}: closed for good", cal.format(call)),
    }

    // A work order received on 30 September at 16:00 must be answered within 3 working days.
    let received: Timestamp = "2026-09-30T16:00:00+08:00".parse()?;
    let due = cal.add_working_days(received, 3)?;
    println!("received {}, due in 3 working days: {}", cal.format(received), cal.format(due));

    // ... or within 8 working hours, with the clock paused while the caller is asked for details.
    let waiting: Interval = "2026-10-08T09:00:00+08:00/2026-10-08T11:00:00+08:00".parse()?;
    let due = cal.add_paused(received, Duration::from_secs(8 * 3600), &[waiting])?;
    println!("due in 8 working hours, paused 2 hours: {}", cal.format(due));

    // How much business time was used by the time it was closed?
    let closed: Timestamp = "2026-10-09T10:00:00+08:00".parse()?;
    let used = cal.elapsed_paused(received, closed, &[waiting]);
    println!("business time used until {}: {} minutes", cal.format(closed), used.as_secs() / 60);
    Ok(())
}
