//! Call-volume series: regular intervals of 15, 30 or 60 minutes, and the history CSV reader.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::error::{WfmError, invalid};

/// The interval lengths a series may have, in minutes.
pub const INTERVALS: [u32; 3] = [15, 30, 60];

/// Calls offered per interval, at regular intervals from a local start time (wall-clock time in
/// the calendar's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The local date-time the first interval starts.
    pub start: DateTime,
    /// The interval length in minutes: 15, 30 or 60.
    pub interval_minutes: u32,
    /// Calls offered in each interval.
    pub values: Vec<f64>,
}

/// Limits that keep the reader from unbounded work on hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvLimits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Largest number of data rows.
    pub max_rows: usize,
}

impl Default for CsvLimits {
    /// 64 MiB and 2,000,000 rows (57 years of 15-minute intervals).
    fn default() -> Self {
        CsvLimits { max_bytes: 64 << 20, max_rows: 2_000_000 }
    }
}

impl Series {
    /// A series, checking the interval length and that the start lies on the interval grid.
    ///
    /// # Errors
    ///
    /// [`WfmError::Invalid`] naming `interval_minutes`, `start` or `values`.
    pub fn new(
        start: DateTime,
        interval_minutes: u32,
        values: Vec<f64>,
    ) -> Result<Series, WfmError> {
        if !INTERVALS.contains(&interval_minutes) {
            return Err(invalid(
                "interval_minutes",
                format!("{interval_minutes} is not 15, 30 or 60"),
            ));
        }
        let minute = i32::from(start.hour()) * 60 + i32::from(start.minute());
        if minute % interval_minutes as i32 != 0
            || start.second() != 0
            || start.subsec_nanosecond() != 0
        {
            return Err(invalid(
                "start",
                format!("{start} is not on the {interval_minutes}-minute grid"),
            ));
        }
        if let Some(i) = values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(invalid(
                "values",
                format!("value {i} is {} (need a finite number >= 0)", values[i]),
            ));
        }
        Ok(Series { start, interval_minutes, values })
    }

    /// Intervals in a day (96, 48 or 24).
    pub fn per_day(&self) -> usize {
        (1440 / self.interval_minutes) as usize
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no interval.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The local start of interval `i`.
    pub fn time_of(&self, i: usize) -> DateTime {
        let minutes = i as i64 * i64::from(self.interval_minutes);
        self.start.checked_add(jiff::Span::new().minutes(minutes)).unwrap_or(DateTime::MAX)
    }

    /// The first date of the series.
    pub fn first_date(&self) -> Date {
        self.start.date()
    }

    /// Whether the series starts at midnight and holds whole days, as the forecasting models need.
    pub fn is_whole_days(&self) -> bool {
        self.start.hour() == 0
            && self.start.minute() == 0
            && self.values.len().is_multiple_of(self.per_day())
    }

    /// Checks [`Series::is_whole_days`], naming the model that needs it.
    pub(crate) fn check_whole_days(&self) -> Result<(), WfmError> {
        if self.is_whole_days() {
            Ok(())
        } else {
            Err(invalid(
                "history",
                "the series must start at 00:00 and hold whole days (trim it with Series::whole_days)",
            ))
        }
    }

    /// The whole days of the series: drops a partial first and last day.
    pub fn whole_days(&self) -> Series {
        let per_day = self.per_day();
        let minute =
            usize::from(self.start.hour() as u8) * 60 + usize::from(self.start.minute() as u8);
        let slot = minute / self.interval_minutes as usize;
        let skip = if slot == 0 { 0 } else { per_day - slot };
        let skip = skip.min(self.values.len());
        let rest = &self.values[skip..];
        let keep = rest.len() - rest.len() % per_day;
        Series {
            start: self.time_of(skip),
            interval_minutes: self.interval_minutes,
            values: rest[..keep].to_vec(),
        }
    }

    /// The daily totals of a whole-day series.
    pub fn daily_totals(&self) -> Vec<f64> {
        self.values.chunks(self.per_day()).map(|d| d.iter().sum()).collect()
    }

    /// The series as CSV, `timestamp,volume` with a header row.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.values.len() * 24 + 20);
        out.push_str("timestamp,volume\n");
        for (i, v) in self.values.iter().enumerate() {
            let t = self.time_of(i);
            out.push_str(&format!("{},{}\n", t.strftime("%Y-%m-%dT%H:%M"), v));
        }
        out
    }

    /// Reads a history CSV: one `timestamp,volume` row per interval, in order and without gaps.
    ///
    /// - `timestamp` is a local date-time, `2026-02-14T09:30` or `2026-02-14 09:30` (seconds
    ///   allowed when zero); the interval (15, 30 or 60 minutes) is the step between the first two
    ///   rows, and every later row must follow the one before by exactly that step. A single row
    ///   is taken as the longest interval whose grid its time lies on.
    /// - `volume` is a number of calls, finite and at least 0.
    /// - An optional header row (a first row whose first field is not a date-time), blank lines
    ///   and lines starting with `#` are skipped; fields may be padded with spaces.
    ///
    /// ```
    /// let csv = "timestamp,volume\n2026-02-14T00:00,3\n2026-02-14T00:30,5\n";
    /// let s = hotline_wfm::Series::parse_csv(csv, Default::default())?;
    /// assert_eq!((s.interval_minutes, s.values.as_slice()), (30, &[3.0, 5.0][..]));
    /// let bad = "2026-02-14T00:00,3\n2026-02-14T00:30,x\n";
    /// let e = hotline_wfm::Series::parse_csv(bad, Default::default()).unwrap_err();
    /// assert_eq!(e.to_string(), "line 2, column 2: `x` is not a number of calls");
    /// # Ok::<(), hotline_wfm::WfmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`WfmError::Csv`] with the line and column (field) of the first problem;
    /// [`WfmError::TooLarge`] beyond `limits`.
    pub fn parse_csv(text: &str, limits: CsvLimits) -> Result<Series, WfmError> {
        if text.len() > limits.max_bytes {
            return Err(WfmError::TooLarge { what: "bytes", limit: limits.max_bytes });
        }
        let csv =
            |line: usize, column: usize, message: String| WfmError::Csv { line, column, message };
        let mut start: Option<DateTime> = None;
        let mut prev: Option<DateTime> = None;
        let mut step: Option<i64> = None;
        let mut values = Vec::new();
        let mut first_content = true;
        for (n, raw) in text.lines().enumerate() {
            let line = n + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut fields = trimmed.split(',');
            let ts = fields.next().unwrap_or("").trim();
            let Some(vol) = fields.next() else {
                if first_content && parse_time(ts).is_none() {
                    first_content = false;
                    continue;
                }
                return Err(csv(line, 2, "missing the volume field".into()));
            };
            if fields.next().is_some() {
                let column = trimmed.split(',').count().min(3);
                return Err(csv(line, column, "more than two fields (timestamp,volume)".into()));
            }
            let Some(t) = parse_time(ts) else {
                if first_content {
                    first_content = false;
                    continue; // a header row
                }
                return Err(csv(
                    line,
                    1,
                    format!("`{ts}` is not a local date-time like 2026-02-14T09:30"),
                ));
            };
            first_content = false;
            let vol = vol.trim();
            let v: f64 = vol
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| csv(line, 2, format!("`{vol}` is not a number of calls")))?;
            if values.len() >= limits.max_rows {
                return Err(WfmError::TooLarge { what: "rows", limit: limits.max_rows });
            }
            match (prev, step) {
                (None, _) => {
                    start = Some(t);
                }
                (Some(p), None) => {
                    let minutes = minutes_between(p, t);
                    if !INTERVALS.iter().any(|&m| i64::from(m) == minutes) {
                        return Err(csv(
                            line,
                            1,
                            format!(
                                "{minutes} minutes after the row before; the interval must be 15, 30 or 60 minutes"
                            ),
                        ));
                    }
                    step = Some(minutes);
                }
                (Some(p), Some(s)) => {
                    let minutes = minutes_between(p, t);
                    if minutes != s {
                        return Err(csv(
                            line,
                            1,
                            format!(
                                "{minutes} minutes after the row before, expected {s} (a gap, a repeat or rows out of order)"
                            ),
                        ));
                    }
                }
            }
            prev = Some(t);
            values.push(v);
        }
        let Some(start) = start else {
            return Err(csv(text.lines().count().max(1), 1, "no data rows".into()));
        };
        // One row cannot show its interval: the longest whose grid its time lies on (a single
        // row at 00:30 is a 30-minute interval, not an error against the hourly grid).
        let interval = match step {
            Some(step) => step as u32,
            None => {
                let minute = u32::from(start.minute().unsigned_abs());
                [60, 30, 15].into_iter().find(|m| minute % m == 0).unwrap_or(60)
            }
        };
        Series::new(start, interval, values).map_err(|e| match e {
            WfmError::Invalid { message, .. } => csv(first_data_line(text), 1, message),
            other => other,
        })
    }
}

/// The line of the first data row (for errors about the start).
fn first_data_line(text: &str) -> usize {
    text.lines()
        .position(|l| {
            let ts = l.trim().split(',').next().unwrap_or("").trim();
            parse_time(ts).is_some()
        })
        .map_or(1, |p| p + 1)
}

/// Minutes from `a` to `b` (saturating on absurd spans).
fn minutes_between(a: DateTime, b: DateTime) -> i64 {
    let secs = b.duration_since(a).as_secs();
    secs / 60 + if secs % 60 != 0 { i64::MAX / 2 } else { 0 }
}

/// A local date-time field.
fn parse_time(s: &str) -> Option<DateTime> {
    if s.len() < 16 || s.len() > 19 || !s.is_ascii() {
        return None;
    }
    let normal: String = s.chars().map(|c| if c == ' ' { 'T' } else { c }).collect();
    normal.parse::<DateTime>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Series, WfmError> {
        Series::parse_csv(s, CsvLimits::default())
    }

    fn loc(e: WfmError) -> (usize, usize) {
        match e {
            WfmError::Csv { line, column, .. } => (line, column),
            other => panic!("not a CSV error: {other}"),
        }
    }

    #[test]
    fn a_single_row_takes_the_longest_interval_its_time_lies_on() {
        for (time, interval) in [("01:00", 60), ("00:30", 30), ("00:45", 15)] {
            let text = format!("2026-02-14T{time},7\n");
            let s = Series::parse_csv(&text, CsvLimits::default()).unwrap();
            assert_eq!((s.interval_minutes, s.values.as_slice()), (interval, &[7.0][..]), "{time}");
        }
        assert!(Series::parse_csv("2026-02-14T00:10,7\n", CsvLimits::default()).is_err());
    }

    #[test]
    fn reads_intervals_with_header_comments_and_spaces() {
        let s = parse("# calls\ntimestamp,volume\n\n2026-01-05 00:00 , 1\n2026-01-05T00:15,2.5\n2026-01-05T00:30:00,0\n")
            .unwrap();
        assert_eq!(s.interval_minutes, 15);
        assert_eq!(s.values, vec![1.0, 2.5, 0.0]);
        assert_eq!(s.start.to_string(), "2026-01-05T00:00:00");
    }

    #[test]
    fn round_trips_through_csv() {
        let s = Series::new("2026-01-05T00:00".parse().unwrap(), 60, vec![1.0, 2.0, 3.5]).unwrap();
        assert_eq!(parse(&s.to_csv()).unwrap(), s);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        assert_eq!(loc(parse("2026-01-05T00:00,1\n2026-01-05T00:30,-1\n").unwrap_err()), (2, 2));
        assert_eq!(loc(parse("2026-01-05T00:00,1\nyesterday,1\n").unwrap_err()), (2, 1));
        assert_eq!(loc(parse("2026-01-05T00:00,1\n2026-01-05T00:20,1\n").unwrap_err()), (2, 1));
        // A gap on line 4.
        assert_eq!(
            loc(parse("t,v\n2026-01-05T00:00,1\n2026-01-05T00:30,1\n2026-01-05T01:30,1\n")
                .unwrap_err()),
            (4, 1)
        );
        assert_eq!(loc(parse("2026-01-05T00:00,1,7\n").unwrap_err()), (1, 3));
        assert_eq!(loc(parse("2026-01-05T00:00\n").unwrap_err()), (1, 2));
        assert_eq!(loc(parse("2026-01-05T00:10,1\n2026-01-05T00:25,1\n").unwrap_err()), (1, 1));
        assert!(matches!(parse("").unwrap_err(), WfmError::Csv { .. }));
        assert_eq!(loc(parse("2026-01-05T00:00,NaN\n").unwrap_err()), (1, 2));
    }

    #[test]
    fn limits_are_enforced() {
        let text = "2026-01-05T00:00,1\n2026-01-05T00:30,1\n2026-01-05T01:00,1\n";
        let e = Series::parse_csv(text, CsvLimits { max_bytes: 1 << 20, max_rows: 2 }).unwrap_err();
        assert!(matches!(e, WfmError::TooLarge { what: "rows", limit: 2 }));
        let e = Series::parse_csv(text, CsvLimits { max_bytes: 10, max_rows: 10 }).unwrap_err();
        assert!(matches!(e, WfmError::TooLarge { what: "bytes", .. }));
    }

    #[test]
    fn whole_days_trims_partial_days() {
        let start: DateTime = "2026-01-05T22:00".parse().unwrap();
        let s = Series::new(start, 60, (0..50).map(f64::from).collect()).unwrap();
        let w = s.whole_days();
        assert_eq!(w.start.to_string(), "2026-01-06T00:00:00");
        assert_eq!(w.values.len(), 48);
        assert_eq!(w.values[0], 2.0);
        assert!(w.is_whole_days());
    }
}
