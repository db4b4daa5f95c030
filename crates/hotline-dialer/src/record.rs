//! Call records and lists: [`Record`] (one number to call, its time zone, priority, consent and
//! appointment) and [`parse_csv`], which reads a list and reports every bad line and column.
//!
//! ```
//! use hotline_dialer::record::parse_csv;
//! let list = parse_csv("phone,time_zone,priority\n+12125550100,America/New_York,5\n+442071234567,Europe/London,\n", "UTC").unwrap();
//! assert_eq!(list.len(), 2);
//! assert_eq!(list[0].priority, 5);
//! assert_eq!(list[1].time_zone, "Europe/London");
//! ```

use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::error::{InputError, Location, Problem};

/// The largest list accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 64 << 20;
/// The most problems listed for one input; the rest are summarised in one last problem.
pub const MAX_PROBLEMS: usize = 1000;

/// A record's index in the campaign (its position in the order records were added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub u32);

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// One number to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// The list's own key for the record (the `id` column; the line number when absent).
    pub key: String,
    /// The number to dial, as the list gives it.
    pub phone: String,
    /// The callee's IANA time zone (calling hours are in this zone).
    pub time_zone: String,
    /// Higher is called first (default 0).
    pub priority: i32,
    /// Whether the callee consented to calls (required by some profiles).
    pub consent: bool,
    /// An appointment: call at exactly this time (预约回访), not before.
    pub callback_at: Option<Timestamp>,
}

impl Record {
    /// A record with defaults: priority 0, consent given, no appointment.
    pub fn new(
        key: impl Into<String>,
        phone: impl Into<String>,
        time_zone: impl Into<String>,
    ) -> Record {
        Record {
            key: key.into(),
            phone: phone.into(),
            time_zone: time_zone.into(),
            priority: 0,
            consent: true,
            callback_at: None,
        }
    }

    /// The same record with priority `p`.
    pub fn with_priority(mut self, p: i32) -> Record {
        self.priority = p;
        self
    }

    /// The same record with consent `c`.
    pub fn with_consent(mut self, c: bool) -> Record {
        self.consent = c;
        self
    }

    /// The same record with an appointment at `t`.
    pub fn with_callback(mut self, t: Timestamp) -> Record {
        self.callback_at = Some(t);
        self
    }
}

/// Splits CSV text into records of fields with the byte offset of each field (RFC 4180: quoted
/// fields with `""` escapes and line breaks inside quotes; `\n` or `\r\n` line ends).
/// One CSV row: its byte offset and its fields with their offsets.
type Row = (usize, Vec<(usize, String)>);

fn split_csv(text: &str) -> Result<Vec<Row>, (usize, &'static str)> {
    let b = text.as_bytes();
    let mut rows = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let row_start = i;
        let mut fields = Vec::new();
        loop {
            let start = i;
            let mut value = String::new();
            if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut seg = i;
                loop {
                    if i >= b.len() {
                        return Err((start, "quoted field is not closed"));
                    }
                    if b[i] == b'"' {
                        value.push_str(&text[seg..i]);
                        if i + 1 < b.len() && b[i + 1] == b'"' {
                            value.push('"');
                            i += 2;
                            seg = i;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                if i < b.len() && !matches!(b[i], b',' | b'\n' | b'\r') {
                    return Err((i, "text after a closing quote"));
                }
            } else {
                while i < b.len() && !matches!(b[i], b',' | b'\n' | b'\r') {
                    if b[i] == b'"' {
                        return Err((i, "quote inside an unquoted field"));
                    }
                    i += 1;
                }
                value.push_str(&text[start..i]);
            }
            fields.push((start, value));
            if i < b.len() && b[i] == b',' {
                i += 1;
                continue;
            }
            if i < b.len() && b[i] == b'\r' {
                i += 1;
            }
            if i < b.len() && b[i] == b'\n' {
                i += 1;
            }
            break;
        }
        let blank = fields.len() == 1 && fields[0].1.trim().is_empty();
        if !blank {
            rows.push((row_start, fields));
        }
    }
    Ok(rows)
}

/// Reads a list of records from CSV. The first line names the columns: `phone` is required;
/// `id`, `time_zone` (IANA name; `default_zone` when absent or empty), `priority` (an integer),
/// `consent` (`yes`/`no`, `true`/`false`, `1`/`0`) and `callback_at` (RFC 3339, e.g.
/// `2026-03-03T14:00:00+08:00`) are optional; other columns are ignored.
///
/// # Errors
///
/// [`InputError::TooLarge`] above [`MAX_LIST_BYTES`]; otherwise [`InputError::Problems`] listing
/// every bad line and column (at most [`MAX_PROBLEMS`]).
pub fn parse_csv(text: &str, default_zone: &str) -> Result<Vec<Record>, InputError> {
    const WHAT: &str = "the record list";
    if text.len() > MAX_LIST_BYTES {
        return Err(InputError::TooLarge { what: WHAT, size: text.len(), limit: MAX_LIST_BYTES });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let problem = |offset: usize, field: Option<&str>, message: String| Problem {
        location: Some(crate::error::location_of(text, offset)),
        field: field.map(str::to_owned),
        message,
    };
    let rows = split_csv(text).map_err(|(off, msg)| InputError::Problems {
        what: WHAT,
        problems: vec![problem(off, None, msg.to_owned())],
    })?;
    let mut problems = Vec::new();
    let Some(((_, header), body)) = rows.split_first() else {
        return Err(InputError::Problems {
            what: WHAT,
            problems: vec![Problem {
                location: None,
                field: None,
                message: "the list is empty".into(),
            }],
        });
    };
    let col = |name: &str| header.iter().position(|(_, h)| h.trim().eq_ignore_ascii_case(name));
    let Some(phone_col) = col("phone") else {
        return Err(InputError::Problems {
            what: WHAT,
            problems: vec![Problem {
                location: Some(Location { line: 1, column: 0 }),
                field: Some("phone".into()),
                message: "the header has no `phone` column".into(),
            }],
        });
    };
    let (id_col, zone_col, prio_col, consent_col, cb_col) =
        (col("id"), col("time_zone"), col("priority"), col("consent"), col("callback_at"));
    if TimeZone::get(default_zone).is_err() {
        problems.push(Problem {
            location: None,
            field: Some("time_zone".into()),
            message: format!("default time zone `{default_zone}` is not an IANA time zone"),
        });
    }
    let mut zones_ok: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut records = Vec::with_capacity(body.len());
    for (row_start, fields) in body {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let line = crate::error::location_of(text, *row_start).line;
        let get = |c: Option<usize>| c.and_then(|c| fields.get(c)).map(|(o, v)| (*o, v.trim()));
        if fields.len() != header.len() {
            problems.push(Problem {
                location: Some(Location { line, column: 0 }),
                field: None,
                message: format!("{} fields, the header has {}", fields.len(), header.len()),
            });
        }
        let phone = match get(Some(phone_col)) {
            Some((_, p)) if valid_phone(p) => p.to_owned(),
            Some((o, p)) => {
                problems.push(problem(o, Some("phone"), format!("`{p}` is not a phone number")));
                continue;
            }
            None => continue,
        };
        let key = get(id_col)
            .filter(|(_, v)| !v.is_empty())
            .map_or_else(|| format!("line {line}"), |(_, v)| v.to_owned());
        let time_zone = match get(zone_col) {
            Some((o, z)) if !z.is_empty() => {
                let ok = *zones_ok.entry(z.to_owned()).or_insert_with(|| TimeZone::get(z).is_ok());
                if !ok {
                    problems.push(problem(
                        o,
                        Some("time_zone"),
                        format!("`{z}` is not an IANA time zone"),
                    ));
                }
                z.to_owned()
            }
            _ => default_zone.to_owned(),
        };
        let priority = match get(prio_col) {
            Some((o, p)) if !p.is_empty() => p.parse::<i32>().unwrap_or_else(|_| {
                problems.push(problem(o, Some("priority"), format!("`{p}` is not an integer")));
                0
            }),
            _ => 0,
        };
        let consent = match get(consent_col) {
            Some((o, c)) if !c.is_empty() => match c.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "1" => true,
                "no" | "n" | "false" | "0" => false,
                _ => {
                    problems.push(problem(o, Some("consent"), format!("`{c}` is not yes or no")));
                    false
                }
            },
            _ => consent_col.is_none(),
        };
        let callback_at = match get(cb_col) {
            Some((o, c)) if !c.is_empty() => match c.parse::<Timestamp>() {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(problem(
                        o,
                        Some("callback_at"),
                        format!("`{c}` is not an RFC 3339 time: {e}"),
                    ));
                    None
                }
            },
            _ => None,
        };
        records.push(Record { key, phone, time_zone, priority, consent, callback_at });
    }
    if problems.len() >= MAX_PROBLEMS {
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem {
            location: None,
            field: None,
            message: "too many problems; listing stopped".into(),
        });
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(InputError::Problems { what: WHAT, problems })
    }
}

/// A phone number: an optional leading `+`, then 3 to 20 digits, spaces, dashes, dots or
/// parentheses, with at least 3 digits.
pub fn valid_phone(p: &str) -> bool {
    let body = p.strip_prefix('+').unwrap_or(p);
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    (3..=20).contains(&digits)
        && body.len() <= 40
        && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_crlf() {
        let l =
            parse_csv("id,phone,priority\r\n\"a,1\",\"+1 212 555 0100\",3\r\n\r\n", "UTC").unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].key, "a,1");
        assert_eq!(l[0].phone, "+1 212 555 0100");
        assert_eq!(l[0].priority, 3);
        assert!(l[0].consent, "no consent column: consent assumed");
    }

    #[test]
    fn every_problem_with_line_and_column() {
        let text = "phone,time_zone,priority,consent\n+1212,Mars/Base,x,maybe\nabc,UTC,1,yes\n+4420,UTC,2\n";
        let e = parse_csv(text, "UTC").unwrap_err();
        let p = e.problems();
        let found: Vec<(usize, usize, Option<&str>)> = p
            .iter()
            .map(|p| (p.location.unwrap().line, p.location.unwrap().column, p.field.as_deref()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, 7, Some("time_zone")),
                (2, 17, Some("priority")),
                (2, 19, Some("consent")),
                (3, 1, Some("phone")),
                (4, 0, None),
            ]
        );
    }

    #[test]
    fn unclosed_quote_is_an_error_not_a_panic() {
        let e = parse_csv("phone\n\"+1212", "UTC").unwrap_err();
        assert_eq!(e.problems()[0].location, Some(Location { line: 2, column: 1 }));
    }

    #[test]
    fn callback_and_missing_phone_column() {
        let l = parse_csv(
            "phone,callback_at\n+8613800000000,2026-03-03T14:00:00+08:00\n",
            "Asia/Shanghai",
        )
        .unwrap();
        assert_eq!(l[0].callback_at, Some("2026-03-03T06:00:00Z".parse().unwrap()));
        assert_eq!(l[0].time_zone, "Asia/Shanghai");
        let e = parse_csv("number\n123\n", "UTC").unwrap_err();
        assert_eq!(e.problems()[0].field.as_deref(), Some("phone"));
    }
}
