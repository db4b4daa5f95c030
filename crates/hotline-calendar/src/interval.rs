//! [`Interval`]: a span of absolute time, used for the pauses of a business clock.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A span of absolute time `[start, end)`: for example a time during which a work order's clock
/// is paused while it waits on the caller.
///
/// ```
/// use hotline_calendar::Interval;
/// let i: Interval = "2026-10-08T10:00:00+08:00/2026-10-08T11:00:00+08:00".parse().unwrap();
/// assert_eq!(i.end.duration_since(i.start).as_secs(), 3600);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval {
    /// The first instant included.
    pub start: Timestamp,
    /// The first instant after the interval.
    pub end: Timestamp,
}

impl Interval {
    /// The interval from `start` to `end` (empty when `end <= start`).
    pub fn new(start: Timestamp, end: Timestamp) -> Interval {
        Interval { start, end }
    }

    /// Whether `t` lies in the interval.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// Why an interval could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not an interval: expected START/END, two RFC 3339 times such as 2026-10-08T10:00:00+08:00/2026-10-08T11:00:00+08:00"
)]
pub struct IntervalParseError {
    /// The offending text.
    pub text: String,
}

impl std::str::FromStr for Interval {
    type Err = IntervalParseError;

    /// Parses `START/END`, two RFC 3339 instants with offsets.
    fn from_str(text: &str) -> Result<Interval, IntervalParseError> {
        let err = || IntervalParseError { text: text.to_owned() };
        let (a, b) = text.split_once('/').ok_or_else(err)?;
        let start = a.trim().parse().map_err(|_| err())?;
        let end = b.trim().parse().map_err(|_| err())?;
        Ok(Interval { start, end })
    }
}

/// Pauses sorted and joined, so that the active parts of a span can be walked in order.
#[derive(Debug)]
pub(crate) struct Pauses {
    joined: Vec<Interval>,
}

impl Pauses {
    pub(crate) fn new(pauses: &[Interval]) -> Pauses {
        let mut sorted: Vec<Interval> =
            pauses.iter().copied().filter(|p| p.start < p.end).collect();
        sorted.sort();
        let mut joined: Vec<Interval> = Vec::with_capacity(sorted.len());
        for p in sorted {
            match joined.last_mut() {
                Some(last) if p.start <= last.end => last.end = last.end.max(p.end),
                _ => joined.push(p),
            }
        }
        Pauses { joined }
    }

    /// Whether any pause overlaps `[a, b)`.
    pub(crate) fn overlaps(&self, a: Timestamp, b: Timestamp) -> bool {
        let first = self.joined.partition_point(|p| p.end <= a);
        self.joined.get(first).is_some_and(|p| p.start < b)
    }

    /// Calls `f` on each non-empty part of `[a, b)` outside every pause, in order.
    pub(crate) fn active(
        &self,
        a: Timestamp,
        b: Timestamp,
        mut f: impl FnMut(Timestamp, Timestamp),
    ) {
        if a >= b {
            return;
        }
        // The first pause that ends after `a`.
        let first = self.joined.partition_point(|p| p.end <= a);
        let mut cursor = a;
        for p in &self.joined[first..] {
            if p.start >= b {
                break;
            }
            if p.start > cursor {
                f(cursor, p.start);
            }
            cursor = cursor.max(p.end);
            if cursor >= b {
                return;
            }
        }
        if cursor < b {
            f(cursor, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> Timestamp {
        Timestamp::from_second(h * 3600).unwrap()
    }

    #[test]
    fn active_parts_skip_pauses() {
        let pauses = Pauses::new(&[
            Interval::new(t(5), t(6)),
            Interval::new(t(2), t(3)),
            Interval::new(t(2), t(4)),
            Interval::new(t(9), t(8)),
        ]);
        let mut parts = Vec::new();
        pauses.active(t(1), t(7), |a, b| parts.push((a, b)));
        assert_eq!(parts, vec![(t(1), t(2)), (t(4), t(5)), (t(6), t(7))]);
        parts.clear();
        pauses.active(t(2), t(4), |a, b| parts.push((a, b)));
        assert!(parts.is_empty());
    }

    #[test]
    fn parse() {
        assert!("x".parse::<Interval>().is_err());
        assert!("2026-01-01T00:00:00Z/2026-01-01T01:00:00Z".parse::<Interval>().is_ok());
    }
}
