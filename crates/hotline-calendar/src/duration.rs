//! Durations as a user writes them, in configuration files, scenarios, IVR flows and on the
//! `hotline` command line: one parser, one set of forms, for every crate that reads a duration
//! from a person (hotline-acd re-exports this module as `hotline_acd::duration`; hotline-ivr's
//! `parse_duration` is [`parse_at_most`] with its 24-hour bound).
//!
//! The forms are jiff's "friendly" duration format — `30s`, `1m 30s`, `1h30m`, `500ms`, `2h`,
//! `1.5s`, `2 hours`, `90 secs` (units from hours down to nanoseconds, largest first, a fraction
//! only on the last) — parsed by [`jiff::SignedDuration`], plus two forms kept from before:
//! a bare number is seconds (`20`, `0.5`), and a number with an exponent takes one unit
//! (`1e3ms`). ISO 8601 (`PT1M30S`) is read too, as jiff reads it. A negative duration (`-30s`,
//! `30s ago`) is refused with [`DurationError::Negative`]; days and weeks are refused (they are
//! calendar units: a day is not always 24 hours).
//!
//! ```
//! use std::time::Duration;
//! use hotline_calendar::duration::{DurationError, parse};
//! assert_eq!(parse("1m 30s"), Ok(Duration::from_secs(90)));
//! assert_eq!(parse("1.5m"), Ok(Duration::from_secs(90)));
//! assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
//! assert_eq!(parse("20"), Ok(Duration::from_secs(20)));
//! assert!(matches!(parse("-30s"), Err(DurationError::Negative { .. })));
//! assert!(matches!(parse("5 parsecs"), Err(DurationError::Invalid { offset: 2, .. })));
//! ```

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Why a text is not a duration: what was wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The text is empty (or only white space).
    #[error("empty duration: write e.g. `30s`, `1m 30s`, `500ms`, `2h` or `1.5s`")]
    Empty,
    /// The duration is negative (`-30s`, `30s ago`): durations here never are.
    #[error("`{text}` is negative: a duration here must be zero or more")]
    Negative {
        /// The offending text.
        text: String,
    },
    /// The text is not in the duration format.
    #[error(
        "`{text}` is not a duration: {reason} (at byte {offset}); write e.g. `30s`, `1m 30s`, \
         `500ms`, `2h` or `1.5s`"
    )]
    Invalid {
        /// The offending text.
        text: String,
        /// Byte offset in `text` where the problem was found (0 when it concerns the whole
        /// text, such as units out of order).
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// The duration does not fit (`std::time::Duration` or jiff's range).
    #[error("`{text}` is out of range")]
    OutOfRange {
        /// The offending text.
        text: String,
    },
    /// The duration is longer than the reader allows ([`parse_at_most`]).
    #[error("`{text}` is longer than {}", format(*max))]
    TooLong {
        /// The offending text.
        text: String,
        /// The longest duration allowed there.
        max: Duration,
    },
}

/// Parses a duration: `30s`, `1m 30s`, `500ms`, `2h`, `1.5s`, or a bare number of seconds (see
/// the [module docs](self) for every form).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let negative = || DurationError::Negative { text: text.to_owned() };
    match t.parse::<jiff::SignedDuration>() {
        Ok(d) if d.is_negative() => Err(negative()),
        Ok(d) => {
            Duration::try_from(d).map_err(|_| DurationError::OutOfRange { text: text.to_owned() })
        }
        Err(jiff_error) => match number_and_unit(t) {
            Some(seconds) if seconds < 0.0 => Err(negative()),
            Some(seconds) => Duration::try_from_secs_f64(seconds)
                .map_err(|_| DurationError::OutOfRange { text: text.to_owned() }),
            // `- 2m`: a sign jiff does not read, but a negative duration all the same (one level
            // only, so that no input recurses deeply).
            None if t
                .strip_prefix('-')
                .map(str::trim_start)
                .is_some_and(|rest| !rest.starts_with(['-', '+']) && parse(rest).is_ok()) =>
            {
                Err(negative())
            }
            None => {
                let lead = text.len() - text.trim_start().len();
                let (offset, reason) = match locate(t) {
                    Some((at, why)) => (lead + at, why),
                    None => (0, jiff_error.to_string()),
                };
                Err(DurationError::Invalid { text: text.to_owned(), offset, reason })
            }
        },
    }
}

/// As [`parse`], for a reader that takes at most `max` (an IVR flow's timeouts take at most 24
/// hours): a longer duration, or one too long to represent at all, is
/// [`DurationError::TooLong`].
///
/// ```
/// use std::time::Duration;
/// use hotline_calendar::duration::{DurationError, parse_at_most};
/// let day = Duration::from_secs(24 * 3600);
/// assert_eq!(parse_at_most("24h", day), Ok(day));
/// assert!(matches!(parse_at_most("25h", day), Err(DurationError::TooLong { .. })));
/// assert!(matches!(parse_at_most("1e300h", day), Err(DurationError::TooLong { .. })));
/// ```
pub fn parse_at_most(text: &str, max: Duration) -> Result<Duration, DurationError> {
    let too_long = || DurationError::TooLong { text: text.to_owned(), max };
    match parse(text) {
        Ok(d) if d > max => Err(too_long()),
        Err(DurationError::OutOfRange { .. }) => Err(too_long()),
        other => other,
    }
}

/// The two forms jiff does not read: a bare decimal number of seconds (`20`, `0.5`, `1e3`) and a
/// number with one unit `ms`, `s`, `m` or `h` whose number jiff rejects (`1e3ms`). Seconds, or
/// None when the text is not of this form.
fn number_and_unit(t: &str) -> Option<f64> {
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E')))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    if !number.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some(value * scale)
}

/// Units jiff's friendly format takes for a `SignedDuration`.
const UNITS: &[&str] = &[
    "hours",
    "hour",
    "hrs",
    "hr",
    "h",
    "minutes",
    "minute",
    "mins",
    "min",
    "m",
    "seconds",
    "second",
    "secs",
    "sec",
    "s",
    "milliseconds",
    "millisecond",
    "millis",
    "milli",
    "msecs",
    "msec",
    "ms",
    "microseconds",
    "microsecond",
    "micros",
    "micro",
    "usecs",
    "usec",
    "us",
    "µsecs",
    "µsec",
    "µs",
    "nanoseconds",
    "nanosecond",
    "nanos",
    "nano",
    "nsecs",
    "nsec",
    "ns",
];

/// Calendar units jiff knows but a duration refuses.
const CALENDAR_UNITS: &[&str] = &[
    "years", "year", "yrs", "yr", "y", "months", "month", "mos", "mo", "weeks", "week", "wks",
    "wk", "w", "days", "day", "d",
];

/// Where a friendly-format text first goes wrong, scanning `number unit` groups: the byte offset
/// and what was expected. None when every group reads (the problem is then one jiff names for
/// the whole text: units out of order, a fraction before the last unit).
fn locate(t: &str) -> Option<(usize, String)> {
    let b = t.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    skip_ws(&mut i);
    loop {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b',')) {
            i += 1;
        }
        if !b[start..i].iter().any(u8::is_ascii_digit) {
            return Some((start, "expected a number".to_owned()));
        }
        skip_ws(&mut i);
        let unit_start = i;
        let unit_len = t[i..].find(|c: char| !(c.is_alphabetic())).unwrap_or(t.len() - i);
        i += unit_len;
        let unit = &t[unit_start..i];
        if unit.is_empty() {
            return Some((unit_start, "expected a unit such as `h`, `m`, `s` or `ms`".to_owned()));
        }
        if CALENDAR_UNITS.contains(&unit) {
            return Some((
                unit_start,
                format!("`{unit}` is a calendar unit; use hours or smaller (`24h`)"),
            ));
        }
        if !UNITS.contains(&unit) {
            return Some((unit_start, format!("unknown unit `{unit}`; use h, m, s, ms, us or ns")));
        }
        skip_ws(&mut i);
        if i < b.len() && b[i] == b',' {
            i += 1;
            skip_ws(&mut i);
        }
        if i >= b.len() {
            return None;
        }
        if t[i..].trim_end() == "ago" {
            return None;
        }
    }
}

/// Formats a duration the way [`parse`] reads it back (`20s`, `1.5s`, `250ms`).
pub fn format(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_nanos().is_multiple_of(1_000_000) && d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Text(String),
    Int(u64),
    Float(f64),
}

fn from_raw<E: serde::de::Error>(raw: Raw) -> Result<Duration, E> {
    match raw {
        Raw::Text(t) => parse(&t).map_err(E::custom),
        Raw::Int(n) => Ok(Duration::from_secs(n)),
        Raw::Float(x) => Duration::try_from_secs_f64(x)
            .map_err(|_| E::custom(format!("{x} is not a valid number of seconds"))),
    }
}

/// serde `with` module for `Duration`.
pub mod text {
    use super::*;

    /// Serialises as text (`20s`).
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*d))
    }

    /// Deserialises from text or a number of seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        from_raw(Raw::deserialize(d)?)
    }
}

/// serde `with` module for `Option<Duration>`.
pub mod option {
    use super::*;

    /// Serialises as text (`20s`) or nothing.
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&format(*d)),
            None => s.serialize_none(),
        }
    }

    /// Deserialises from text or a number of seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<Raw>::deserialize(d)?.map(from_raw).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let secs = Duration::from_secs;
        for (text, want) in [
            ("20", secs(20)),
            ("0", Duration::ZERO),
            ("0.5", Duration::from_millis(500)),
            ("20s", secs(20)),
            ("1.5m", secs(90)),
            ("250ms", Duration::from_millis(250)),
            ("1h", secs(3600)),
            ("4.5h", secs(16_200)),
            ("0h", Duration::ZERO),
            (" 2 h ", secs(7200)),
            ("1e3ms", secs(1)),
            ("1m 30s", secs(90)),
            ("1h30m", secs(5400)),
            ("2 hours", secs(7200)),
            ("90 secs", secs(90)),
            ("1.5s", Duration::from_millis(1500)),
            ("PT1M30S", secs(90)),
        ] {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
        for d in [Duration::ZERO, Duration::from_millis(250), Duration::from_millis(1500)] {
            assert_eq!(parse(&format(d)).unwrap(), d);
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert_eq!(parse("  "), Err(DurationError::Empty));
        // A negative duration is negative, not an unknown unit.
        for text in ["-30s", "-1", "30s ago", "-1e3ms", "- 2m"] {
            assert_eq!(parse(text), Err(DurationError::Negative { text: text.into() }), "{text}");
        }
        let invalid = |text: &str| match parse(text) {
            Err(DurationError::Invalid { offset, reason, .. }) => (offset, reason),
            other => panic!("{text}: {other:?}"),
        };
        let (at, why) = invalid("5 parsecs");
        assert_eq!(at, 2);
        assert!(why.contains("unknown unit `parsecs`"), "{why}");
        let (at, why) = invalid("1m 5d");
        assert_eq!(at, 4);
        assert!(why.contains("calendar unit"), "{why}");
        assert_eq!(invalid("abc").0, 0);
        assert_eq!(invalid(" 1m x").0, 4);
        let (at, why) = invalid("30s 1m");
        assert_eq!(at, 0);
        assert!(why.contains("largest to smallest"), "{why}");
        assert!(matches!(parse("1e300h"), Err(DurationError::OutOfRange { .. })));
        assert!(matches!(parse("inf"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse("NaN"), Err(DurationError::Invalid { .. })));
        let message = parse("-30s").unwrap_err().to_string();
        assert!(message.contains("negative") && !message.contains("unit"), "{message}");
    }

    #[test]
    fn at_most_bounds_what_parse_reads() {
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(parse_at_most("24h", day), Ok(day));
        assert_eq!(parse_at_most("1m 30s", day), Ok(Duration::from_secs(90)));
        for text in ["25h", "86401", "99999999999999999999", "1e300h"] {
            assert_eq!(
                parse_at_most(text, day),
                Err(DurationError::TooLong { text: text.into(), max: day }),
                "{text}"
            );
        }
        // The other errors are parse's.
        assert_eq!(parse_at_most(" ", day), Err(DurationError::Empty));
        assert!(matches!(parse_at_most("-30s", day), Err(DurationError::Negative { .. })));
        assert!(matches!(parse_at_most("5x", day), Err(DurationError::Invalid { .. })));
        let message = parse_at_most("25h", day).unwrap_err().to_string();
        assert_eq!(message, "`25h` is longer than 86400s");
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_a_value_or_an_error(text in ".*") {
            match parse(&text) {
                Ok(_) | Err(DurationError::Empty | DurationError::Negative { .. }
                    | DurationError::OutOfRange { .. }) => {}
                Err(DurationError::TooLong { .. }) => {
                    proptest::prop_assert!(false, "parse has no bound: {text:?}");
                }
                Err(DurationError::Invalid { offset, .. }) => {
                    proptest::prop_assert!(offset <= text.len());
                }
            }
        }

        #[test]
        fn formatted_durations_read_back(ns in 0u64..u64::MAX / 4) {
            let d = Duration::from_nanos(ns);
            let back = parse(&format(d)).unwrap();
            let diff = back.abs_diff(d);
            proptest::prop_assert!(diff <= Duration::from_nanos(ns / 1_000_000_000_000 + 1), "{d:?} {back:?}");
        }
    }
}
