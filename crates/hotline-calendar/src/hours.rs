//! Opening hours within one local day: [`Span`] (`"09:00-12:00"`) and [`DayHours`] (a day's spans).
//!
//! Times of day are wall-clock times in the calendar's time zone, kept as seconds since local
//! midnight. A span ends at or before `24:00`; a span that would run past midnight is written as
//! two spans on two days (`"22:00-24:00"` today, `"00:00-06:00"` tomorrow), and touching spans
//! on consecutive days form one continuous open period.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in a (civil) day: the largest time of day, `24:00`.
pub const DAY_SECONDS: u32 = 86_400;

/// Why a span or a time of day was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HoursError {
    /// A time of day is not `HH:MM` or `HH:MM:SS` with `HH` 00–24, `MM`/`SS` 00–59.
    #[error("`{text}` is not a time of day: expected HH:MM or HH:MM:SS, from 00:00 to 24:00")]
    BadTime {
        /// The offending text.
        text: String,
    },
    /// A span is not two times joined by `-`.
    #[error("`{text}` is not a span of time: expected `HH:MM-HH:MM`, e.g. `09:00-12:00`")]
    BadSpan {
        /// The offending text.
        text: String,
    },
    /// A span does not end after it starts (spans never run past midnight).
    #[error(
        "span `{text}` ends before or when it starts; a span past midnight is written as two spans \
         on two days (`22:00-24:00` and `00:00-06:00`)"
    )]
    Backwards {
        /// The offending span.
        text: String,
    },
    /// Two spans of one day overlap.
    #[error("spans `{first}` and `{second}` overlap")]
    Overlap {
        /// The earlier span.
        first: String,
        /// The span that starts inside it.
        second: String,
    },
}

/// Parses a time of day, `HH:MM` or `HH:MM:SS` (`24:00` allowed), into seconds since midnight.
fn parse_time(text: &str) -> Result<u32, HoursError> {
    let bad = || HoursError::BadTime { text: text.to_owned() };
    let mut parts = text.trim().split(':');
    let mut field = |max: u32| -> Result<Option<u32>, HoursError> {
        match parts.next() {
            None => Ok(None),
            Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v = p.parse::<u32>().map_err(|_| bad())?;
                if v > max { Err(bad()) } else { Ok(Some(v)) }
            }
            Some(_) => Err(bad()),
        }
    };
    let hours = field(24)?.ok_or_else(bad)?;
    let minutes = field(59)?.ok_or_else(bad)?;
    let seconds = field(59)?.unwrap_or(0);
    if parts.next().is_some() {
        return Err(bad());
    }
    let total = hours * 3600 + minutes * 60 + seconds;
    if total > DAY_SECONDS {
        return Err(bad());
    }
    Ok(total)
}

/// Formats seconds since midnight as `HH:MM`, or `HH:MM:SS` when the seconds are not zero.
fn format_time(f: &mut fmt::Formatter<'_>, secs: u32) -> fmt::Result {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 { write!(f, "{h:02}:{m:02}") } else { write!(f, "{h:02}:{m:02}:{s:02}") }
}

/// One opening span within a local day, from `start` (inclusive) to `end` (exclusive), in seconds
/// since local midnight; `end` may be `24:00` (86 400).
///
/// Written `"09:00-12:00"` (or with seconds, `"09:00:30-12:00"`) in TOML and JSON.
///
/// ```
/// use hotline_calendar::Span;
/// let span: Span = "09:00-12:30".parse().unwrap();
/// assert_eq!(span.start_seconds(), 9 * 3600);
/// assert_eq!(span.len_seconds(), 3 * 3600 + 1800);
/// assert_eq!(span.to_string(), "09:00-12:30");
/// assert!("12:00-09:00".parse::<Span>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// A span from `start` to `end` seconds after local midnight.
    ///
    /// # Errors
    ///
    /// [`HoursError::Backwards`] unless `start < end <= 86_400`.
    pub fn new(start: u32, end: u32) -> Result<Span, HoursError> {
        if start < end && end <= DAY_SECONDS {
            Ok(Span { start, end })
        } else {
            Err(HoursError::Backwards { text: format!("{start}s-{end}s") })
        }
    }

    /// The opening time, in seconds since local midnight.
    pub fn start_seconds(self) -> u32 {
        self.start
    }

    /// The closing time, in seconds since local midnight (86 400 for `24:00`).
    pub fn end_seconds(self) -> u32 {
        self.end
    }

    /// The span's nominal length in seconds (on a day with a daylight-saving change inside the
    /// span, the real elapsed time differs; the calendar's arithmetic uses the real time).
    pub fn len_seconds(self) -> u32 {
        self.end - self.start
    }
}

impl FromStr for Span {
    type Err = HoursError;

    fn from_str(text: &str) -> Result<Span, HoursError> {
        let (a, b) =
            text.split_once('-').ok_or_else(|| HoursError::BadSpan { text: text.to_owned() })?;
        let start = parse_time(a)?;
        let end = parse_time(b)?;
        if start >= end {
            return Err(HoursError::Backwards { text: text.trim().to_owned() });
        }
        Ok(Span { start, end })
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_time(f, self.start)?;
        f.write_str("-")?;
        format_time(f, self.end)
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span of time such as \"09:00-12:00\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Span, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// The opening hours of one local day: sorted spans that do not overlap (touching spans are
/// joined). Empty means closed all day.
///
/// Written as a list of spans, `["09:00-12:00", "13:30-17:30"]`; `[]` is a closed day.
///
/// ```
/// use hotline_calendar::DayHours;
/// let hours: DayHours = "09:00-12:00, 13:00-17:00".parse().unwrap();
/// assert_eq!(hours.total_seconds(), 7 * 3600);
/// assert!(hours.contains_seconds(9 * 3600));
/// assert!(!hours.contains_seconds(12 * 3600));
/// let morning: DayHours = "00:00-12:30".parse().unwrap();
/// assert_eq!(hours.minus(&morning).to_string(), "13:00-17:00");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DayHours {
    spans: Vec<Span>,
}

impl DayHours {
    /// Closed all day.
    pub const CLOSED: DayHours = DayHours { spans: Vec::new() };

    /// Open all day, `00:00-24:00`.
    pub fn all_day() -> DayHours {
        DayHours { spans: vec![Span { start: 0, end: DAY_SECONDS }] }
    }

    /// The hours made of `spans`, sorted; touching spans are joined.
    ///
    /// # Errors
    ///
    /// [`HoursError::Overlap`] when two spans overlap.
    pub fn new(mut spans: Vec<Span>) -> Result<DayHours, HoursError> {
        spans.sort();
        let mut out: Vec<Span> = Vec::with_capacity(spans.len());
        for span in spans {
            match out.last_mut() {
                Some(last) if span.start < last.end => {
                    return Err(HoursError::Overlap {
                        first: last.to_string(),
                        second: span.to_string(),
                    });
                }
                Some(last) if span.start == last.end => last.end = span.end,
                _ => out.push(span),
            }
        }
        Ok(DayHours { spans: out })
    }

    /// The spans, in order.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// Whether the day has no opening hours.
    pub fn is_closed(&self) -> bool {
        self.spans.is_empty()
    }

    /// The nominal opening time of the day in seconds.
    pub fn total_seconds(&self) -> u32 {
        self.spans.iter().map(|s| s.len_seconds()).sum()
    }

    /// Whether the time of day `secs` (seconds since local midnight) falls in an opening span.
    pub fn contains_seconds(&self, secs: u32) -> bool {
        self.spans.iter().any(|s| s.start <= secs && secs < s.end)
    }

    /// These hours with the hours `closed` taken out (a part-day holiday).
    pub fn minus(&self, closed: &DayHours) -> DayHours {
        let mut out = Vec::new();
        for &span in &self.spans {
            let mut start = span.start;
            for c in &closed.spans {
                if c.end <= start || c.start >= span.end {
                    continue;
                }
                if c.start > start {
                    out.push(Span { start, end: c.start });
                }
                start = start.max(c.end);
            }
            if start < span.end {
                out.push(Span { start, end: span.end });
            }
        }
        DayHours { spans: out }
    }
}

impl FromStr for DayHours {
    type Err = HoursError;

    /// Parses spans separated by commas (`"09:00-12:00, 13:00-17:00"`); an empty string or
    /// `closed` is a closed day.
    fn from_str(text: &str) -> Result<DayHours, HoursError> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("closed") {
            return Ok(DayHours::CLOSED);
        }
        DayHours::new(text.split(',').map(str::parse).collect::<Result<_, _>>()?)
    }
}

impl fmt::Display for DayHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.spans.is_empty() {
            return f.write_str("closed");
        }
        for (i, span) in self.spans.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{span}")?;
        }
        Ok(())
    }
}

impl Serialize for DayHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spans.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DayHours {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DayHours, D::Error> {
        let spans = Vec::<Span>::deserialize(deserializer)?;
        DayHours::new(spans).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("00:00"), Ok(0));
        assert_eq!(parse_time("24:00"), Ok(DAY_SECONDS));
        assert_eq!(parse_time("09:30:15"), Ok(9 * 3600 + 30 * 60 + 15));
        for bad in ["24:01", "9:00", "09:60", "09", "", "09:00:00:00", "ab:cd", "+9:00", "09:0"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spans_round_trip() {
        for text in ["09:00-12:00", "00:00-24:00", "09:00:30-09:00:31"] {
            assert_eq!(text.parse::<Span>().unwrap().to_string(), text);
        }
        assert!(matches!("10:00-10:00".parse::<Span>(), Err(HoursError::Backwards { .. })));
        assert!(matches!("10:00".parse::<Span>(), Err(HoursError::BadSpan { .. })));
    }

    #[test]
    fn day_hours_join_and_reject_overlap() {
        let h: DayHours = "13:00-17:00,09:00-12:00,12:00-13:00".parse().unwrap();
        assert_eq!(h.to_string(), "09:00-17:00");
        assert!(matches!(
            "09:00-12:00,11:00-13:00".parse::<DayHours>(),
            Err(HoursError::Overlap { .. })
        ));
        assert!("closed".parse::<DayHours>().unwrap().is_closed());
    }

    #[test]
    fn minus_cuts_holes() {
        let h: DayHours = "08:00-12:00,13:00-18:00".parse().unwrap();
        let c: DayHours = "10:00-14:00".parse().unwrap();
        assert_eq!(h.minus(&c).to_string(), "08:00-10:00, 14:00-18:00");
        assert!(h.minus(&DayHours::all_day()).is_closed());
        assert_eq!(h.minus(&DayHours::CLOSED), h);
    }
}
