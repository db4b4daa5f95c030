//! Durations and percentages as every `hotline` command reads them.
//!
//! * A duration is written as in configuration files and scenarios ([`hotline_acd::duration`],
//!   jiff's friendly format): `30s`, `1m 30s`, `500ms`, `2h`, `1.5s`; a bare number is seconds
//!   (`20` is `20s`). Negative durations are refused.
//! * A percentage is either `80%` or the fraction `0.8`; both mean 0.8. It must lie in 0–100%.
//!
//! * A time ([`TimeArg`], every `--now`, `--at`, `--from`, `--to` flag) is `now`, RFC 3339 with
//!   an offset (`2026-09-30T16:45:00+08:00`), a zoned time (`2026-09-30T16:45[Asia/Shanghai]`), or
//!   a local date and time or date without an offset (`2026-09-30T16:45`, `2026-09-30` for
//!   midnight) read in the time zone of the calendar or definition in force.
//!
//! The parsers are total: any string gives a value or an error naming what is wrong, and they are
//! used as clap value parsers (`#[arg(value_parser = parse_duration)]`).

use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

/// Why a duration or percentage was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnitError {
    /// The text is empty (or only white space).
    #[error("empty value: expected a number such as `20s` or `80%`")]
    Empty,
    /// The numeric part is not a decimal number.
    #[error("`{text}` is not a number")]
    NotANumber {
        /// The offending text.
        text: String,
    },
    /// The text is not a duration (what was wrong and where).
    #[error(transparent)]
    Duration(#[from] hotline_acd::duration::DurationError),
    /// The value is negative, not finite, or too large to represent.
    #[error("`{text}` is out of range: {expected}")]
    OutOfRange {
        /// The offending text.
        text: String,
        /// What was expected instead.
        expected: &'static str,
    },
}

/// Parses a duration: `30s`, `1m 30s`, `500ms`, `2h`, `1.5s`, or a bare number of seconds; the
/// one parser of configuration files and scenarios ([`hotline_acd::duration::parse`]).
///
/// ```
/// use std::time::Duration;
/// use hotline_cli::units::parse_duration;
/// assert_eq!(parse_duration("20").unwrap(), Duration::from_secs(20));
/// assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
/// assert_eq!(parse_duration("1m 30s").unwrap(), Duration::from_secs(90));
/// assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
/// assert!(parse_duration("-3s").unwrap_err().to_string().contains("negative"));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    Ok(hotline_acd::duration::parse(text)?)
}

/// A time as written on the command line: `now`, an instant, or a local time whose zone the
/// command supplies (the calendar's or the definition's); see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeArg {
    /// `now`: the wall clock when the command runs.
    Now,
    /// A time with an offset or a zone.
    Instant(Timestamp),
    /// A date and time without an offset (a bare date is its midnight).
    Local(DateTime),
}

/// The example of every time error message.
const TIME_FORMS: &str = "write `now`, RFC 3339 with an offset (2026-09-30T16:45:00+08:00), or a \
                          local time (2026-09-30T16:45, 2026-09-30) read in the calendar's or \
                          definition's time zone";

/// Parses a time flag (see [`TimeArg`]).
///
/// ```
/// use hotline_cli::units::{TimeArg, parse_time};
/// assert_eq!(parse_time("now").unwrap(), TimeArg::Now);
/// assert!(matches!(parse_time("2026-09-30T16:45").unwrap(), TimeArg::Local(_)));
/// assert!(matches!(parse_time("2026-09-30T16:45:00+08:00").unwrap(), TimeArg::Instant(_)));
/// assert!(parse_time("tomorrow").is_err());
/// ```
///
/// # Errors
///
/// A message with the accepted forms.
pub fn parse_time(text: &str) -> Result<TimeArg, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Ok(TimeArg::Now);
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(TimeArg::Instant(t));
    }
    if let Ok(z) = text.parse::<jiff::Zoned>() {
        return Ok(TimeArg::Instant(z.timestamp()));
    }
    // A civil date-time first: jiff's `Date` parser also accepts `2026-09-30T16:45` and would
    // drop the time of day (the bug of issue 25).
    if let Ok(dt) = text.parse::<DateTime>() {
        return Ok(TimeArg::Local(dt));
    }
    if let Ok(d) = text.parse::<Date>() {
        return Ok(TimeArg::Local(d.to_datetime(Time::midnight())));
    }
    Err(format!("`{text}` is not a time: {TIME_FORMS}"))
}

impl TimeArg {
    /// The instant, reading a local time in `zone`; `None` for the zone when no calendar or
    /// definition says which (a local time is then refused, not guessed).
    ///
    /// # Errors
    ///
    /// A message saying why (no zone, or a local time that does not exist there).
    pub fn resolve(&self, zone: Option<&TimeZone>) -> Result<Timestamp, String> {
        match self {
            TimeArg::Now => Ok(Timestamp::now()),
            TimeArg::Instant(t) => Ok(*t),
            TimeArg::Local(dt) => match zone {
                None => Err(format!(
                    "`{dt}` has no offset and no one time zone applies: write the offset \
                     (2026-09-30T16:45:00+08:00)"
                )),
                Some(zone) => dt
                    .to_zoned(zone.clone())
                    .map(|z| z.timestamp())
                    .map_err(|e| format!("`{dt}`: {e}")),
            },
        }
    }
}

/// Parses a percentage, `80%` or `0.8`, into a fraction in `[0, 1]`.
///
/// A bare number above 1 is rejected rather than guessed at: write `80%` or `0.8`, not `80`.
///
/// ```
/// use hotline_cli::units::parse_percentage;
/// assert_eq!(parse_percentage("80%").unwrap(), 0.8);
/// assert_eq!(parse_percentage("0.8").unwrap(), 0.8);
/// assert!(parse_percentage("80").is_err());
/// ```
pub fn parse_percentage(text: &str) -> Result<f64, UnitError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(UnitError::Empty);
    }
    let fraction = match trimmed.strip_suffix('%') {
        Some(number) => parse_number(number.trim_end(), text)? / 100.0,
        None => parse_number(trimmed, text)?,
    };
    if (0.0..=1.0).contains(&fraction) {
        Ok(fraction)
    } else {
        Err(UnitError::OutOfRange {
            text: text.to_owned(),
            expected: "a percentage from 0% to 100%, written `80%` or `0.8`",
        })
    }
}

/// Parses a plain decimal number, rejecting the words Rust's float parser also accepts
/// (`inf`, `NaN`, `infinity`).
fn parse_number(number: &str, whole: &str) -> Result<f64, UnitError> {
    let is_numeric = !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E'))
        && number.chars().any(|c| c.is_ascii_digit());
    let value = if is_numeric { number.parse::<f64>().ok() } else { None };
    match value {
        Some(value) if value.is_finite() => Ok(value),
        Some(_) => {
            Err(UnitError::OutOfRange { text: whole.to_owned(), expected: "a finite number" })
        }
        None => Err(UnitError::NotANumber { text: whole.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_unit() {
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("20s").unwrap(), Duration::from_secs(20));
        assert_eq!(parse_duration(" 2 h ").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("3m").unwrap(), Duration::from_secs(180));
        assert_eq!(parse_duration("0.5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1e3ms").unwrap(), Duration::from_secs(1));
    }

    #[test]
    fn rejections_say_what() {
        assert!(matches!(parse_duration(""), Err(UnitError::Duration(_))));
        use hotline_acd::duration::DurationError as D;
        let err = |t: &str| match parse_duration(t) {
            Err(UnitError::Duration(e)) => e,
            other => panic!("{t}: {other:?}"),
        };
        assert!(matches!(err("5d"), D::Invalid { offset: 1, .. }));
        assert!(matches!(err("abc"), D::Invalid { offset: 0, .. }));
        assert!(matches!(err("."), D::Invalid { .. }));
        assert!(matches!(err("5e"), D::Invalid { .. }));
        assert!(matches!(err("-1"), D::Negative { .. }));
        assert!(matches!(err("-30s"), D::Negative { .. }));
        assert!(matches!(err("1e300h"), D::OutOfRange { .. }));
        assert!(matches!(err("1e999"), D::Invalid { .. }));
        assert_eq!(parse_duration("1m 30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2 hours").unwrap(), Duration::from_secs(7200));
        assert!(parse_duration("inf").is_err());
        assert!(parse_duration("NaN").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percentage("100%").unwrap(), 1.0);
        assert_eq!(parse_percentage("0%").unwrap(), 0.0);
        assert_eq!(parse_percentage("12.5 %").unwrap(), 0.125);
        assert_eq!(parse_percentage("1").unwrap(), 1.0);
        assert!(parse_percentage("80").is_err());
        assert!(parse_percentage("101%").is_err());
        assert!(parse_percentage("-1%").is_err());
        assert!(parse_percentage("%").is_err());
        assert!(parse_percentage("nan%").is_err());
    }

    proptest! {
        #[test]
        fn any_text_gives_a_value_or_an_error(text in ".*") {
            if let Ok(d) = parse_duration(&text) { prop_assert!(d >= Duration::ZERO); }
            if let Ok(p) = parse_percentage(&text) { prop_assert!((0.0..=1.0).contains(&p)); }
        }

        #[test]
        fn milliseconds_round_trip(ms in 0u64..10_000_000) {
            prop_assert_eq!(parse_duration(&format!("{ms}ms")).unwrap().as_millis(), u128::from(ms));
        }

        #[test]
        fn percent_and_fraction_agree(p in 0u32..=100) {
            let a = parse_percentage(&format!("{p}%")).unwrap();
            let b = parse_percentage(&format!("{}", f64::from(p) / 100.0)).unwrap();
            prop_assert!((a - b).abs() < 1e-15);
        }
    }
}
