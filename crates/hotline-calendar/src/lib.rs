//! Business calendars and exact business-time arithmetic for call centers.
//!
//! A [`Calendar`] knows when a hotline is open: weekly working hours (several spans a day,
//! different per weekday), public holidays (whole or part days), make-up working days (调休上班,
//! the weekend days China's State Council turns into working days around public holidays) and
//! exceptions, in an IANA time zone (from [`jiff`]'s bundled time-zone database, so no system files
//! are needed). Calendars are layered: a national calendar below, a department's hours on top.
//!
//! It answers, exactly and across daylight-saving changes and year boundaries:
//!
//! * is this instant open ([`Calendar::is_open`]); the next opening, closing or either
//!   ([`Calendar::next_open`], [`Calendar::next_close`], [`Calendar::next_change`]);
//! * an instant plus N working days ([`Calendar::add_working_days`]) or plus N working hours or
//!   minutes ([`Calendar::add`]);
//! * the business time elapsed between two instants ([`Calendar::elapsed`]), also with the clock
//!   paused during given intervals ([`Calendar::elapsed_paused`], [`Calendar::add_paused`]).
//!
//! The crate owns no clock: every question takes the instant it is about.
//!
//! ```
//! use std::time::Duration;
//! use hotline_calendar::Calendar;
//!
//! let cal = Calendar::from_toml(r#"
//!     name = "Support desk"
//!     time_zone = "Europe/Berlin"
//!     [weekly]
//!     mon = ["08:00-12:00", "13:00-17:00"]
//!     tue = ["08:00-12:00", "13:00-17:00"]
//!     wed = ["08:00-12:00", "13:00-17:00"]
//!     thu = ["08:00-12:00", "13:00-17:00"]
//!     fri = ["08:00-12:00", "13:00-16:00"]
//!     [[holiday]]
//!     name = "Tag der Deutschen Einheit"
//!     from = 2026-10-03
//! "#).unwrap();
//!
//! let friday_3pm: jiff::Timestamp = "2026-10-02T15:00:00+02:00".parse().unwrap();
//! assert!(cal.is_open(friday_3pm));
//! let due = cal.add(friday_3pm, Duration::from_secs(2 * 3600)).unwrap();
//! assert_eq!(cal.format(due), "2026-10-05T09:00:00+02:00");
//! assert_eq!(cal.elapsed(friday_3pm, due), Duration::from_secs(2 * 3600));
//! ```
//!
//! Calendar files are TOML ([`CalendarSpec`] describes the format); errors name the line, column
//! and field. The crate bundles the China national calendar for 2025 and 2026 and example US and
//! EU calendars ([`bundled`]).

mod calendar;
pub mod duration;
mod error;
mod file;
mod hours;
mod interval;
mod spec;

pub use calendar::{Calendar, Day, DayKind, Period, Periods};
pub use error::{CalendarError, Location};
pub use file::MAX_FILE_BYTES;
pub use hours::{DAY_SECONDS, DayHours, HoursError, Span};
pub use interval::{Interval, IntervalParseError};
pub use spec::{
    CalendarSpec, Exception, Holiday, MAX_HOLIDAY_DAYS, Notice, SpecProblem, WEEKDAYS, Weekly,
    Workday,
};

pub use jiff;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Calendars bundled with the crate, as TOML text (parse with [`Calendar::from_toml`] or
/// [`CalendarSpec::from_toml`]).
pub mod bundled {
    /// The China national calendar, 2025 and 2026: Monday to Friday 09:00–12:00 and
    /// 13:00–17:00 in Asia/Shanghai, with every public holiday and make-up working day of the
    /// State Council General Office's notices 国办发明电〔2024〕12号 (for 2025) and
    /// 国办发明电〔2025〕7号 (for 2026).
    pub const CHINA: &str = include_str!("../calendars/cn.toml");
    /// An example US calendar: Monday to Friday 09:00–17:00 in America/New_York with the US
    /// federal holidays of 2025 and 2026 as observed.
    pub const US: &str = include_str!("../calendars/us.toml");
    /// An example EU calendar: Germany (Berlin), Monday to Friday 08:00–12:00 and 13:00–17:00 in
    /// Europe/Berlin with Berlin's public holidays of 2025 and 2026 and half days on
    /// 24 and 31 December.
    pub const EU_BERLIN: &str = include_str!("../calendars/eu-berlin.toml");
}
