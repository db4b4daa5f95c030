//! The crate's error type, [`CalendarError`], and how a position in a TOML text is named.

use std::fmt;
use std::path::PathBuf;

/// Where in a calendar's TOML text something went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The line, counted from 1.
    pub line: usize,
    /// The column, counted from 1 in characters.
    pub column: usize,
    /// The offending field as a dotted path with array-of-tables indices counted from 1, such as
    /// `weekly.mon` or `holiday[3].to`, when it could be told.
    pub field: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong loading a calendar or computing with one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The calendar text is not valid TOML, or a value in it is not acceptable (a malformed span,
    /// an unknown time zone, an unknown field, a holiday that ends before it starts, two entries
    /// for one date...).
    #[error("{}{}{message}", file_prefix(file), location_prefix(location))]
    Invalid {
        /// The file, when the calendar was read from one ([`Calendar::load`](crate::Calendar::load)).
        file: Option<PathBuf>,
        /// Where, when known (it is always known for text read with
        /// [`Calendar::from_toml`](crate::Calendar::from_toml)).
        location: Option<Location>,
        /// What is wrong, naming the offending value.
        message: String,
    },
    /// No layer of the calendar names a time zone.
    #[error("no time zone: set `time_zone` (an IANA name such as \"Asia/Shanghai\") in a layer")]
    NoTimeZone,
    /// A calendar file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A calendar file is larger than [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES) (it is not read:
    /// parsing TOML takes some fifty times the text's size in memory).
    #[error("{} is larger than {limit} bytes, the limit for a calendar file", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// Calendar files name each other through `extends` in a loop, or too deeply.
    #[error("calendar layers nest too deeply or in a loop at {}", path.display())]
    LayerLoop {
        /// The file at which the loop or depth limit was found.
        path: PathBuf,
    },
    /// The calendar never opens again after the given instant, so the answer does not exist.
    #[error("the calendar has no opening hours after {after}")]
    NeverOpen {
        /// The instant after which there is no open time.
        after: jiff::Timestamp,
    },
    /// The answer lies beyond the range of dates that can be represented (year 9999).
    #[error("the result lies beyond the supported range of dates")]
    OutOfRange,
}

fn file_prefix(file: &Option<PathBuf>) -> String {
    match file {
        Some(f) => format!("{}: ", f.display()),
        None => String::new(),
    }
}

fn location_prefix(location: &Option<Location>) -> String {
    match location {
        Some(l) => format!("{l}: "),
        None => String::new(),
    }
}

impl Location {
    /// The line, column and field of byte `offset` of a calendar's TOML `text` (clamped to the
    /// text), as [`CalendarSpec::from_toml`](crate::CalendarSpec::from_toml) names a place: for
    /// a host with its own TOML reader that reports errors as this crate does.
    ///
    /// ```
    /// let l = hotline_calendar::Location::in_text("name = \"x\"\n[[holiday]]\nfrom = 1\n", 30);
    /// assert_eq!((l.line, l.column, l.field.as_deref()), (3, 8, Some("holiday[1].from")));
    /// ```
    pub fn in_text(text: &str, offset: usize) -> Location {
        locate(text, offset)
    }
}

impl CalendarError {
    /// The location in the TOML text, for [`CalendarError::Invalid`].
    pub fn location(&self) -> Option<&Location> {
        match self {
            CalendarError::Invalid { location, .. } => location.as_ref(),
            _ => None,
        }
    }

    /// An error at byte `offset` of `text` (a calendar TOML document).
    pub(crate) fn at(text: &str, offset: Option<usize>, message: impl Into<String>) -> Self {
        CalendarError::Invalid {
            file: None,
            location: offset.map(|o| locate(text, o)),
            message: message.into(),
        }
    }
}

/// The line, column and field name of byte `offset` in TOML `text`.
///
/// The field is found from the text itself: the last `[table]` or `[[array]]` header before the
/// offset (with the array element's number) and the last `key =` at or before the offset under
/// that header.
pub(crate) fn locate(text: &str, offset: usize) -> Location {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;

    let mut table = String::new();
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut key: Option<String> = None;
    // Lines up to and including the offending one (the key may sit before the offset on it).
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    for raw in text[..line_end].lines() {
        let l = raw.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_owned();
            let n = match counts.iter_mut().find(|(k, _)| *k == name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((name.clone(), 1));
                    1
                }
            };
            table = format!("{name}[{n}]");
            key = None;
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_owned();
            key = None;
        } else if let Some((k, _)) = l.split_once('=') {
            let k = k.trim();
            let is_key = !k.is_empty()
                && k.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'));
            if is_key {
                key = Some(k.trim_matches('"').to_owned());
            }
        }
    }
    let field = match (table.is_empty(), key) {
        (true, None) => None,
        (true, Some(k)) => Some(k),
        (false, None) => Some(table),
        (false, Some(k)) => Some(format!("{table}.{k}")),
    };
    Location { line, column, field }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_names_fields() {
        let text = "name = \"x\"\n[weekly]\nmon = [\n  \"09:00-08:00\",\n]\n[[holiday]]\nfrom = 1\n[[holiday]]\nto = 2\n";
        let at = |needle: &str| locate(text, text.find(needle).unwrap());
        assert_eq!(at("\"x\"").field.as_deref(), Some("name"));
        let l = at("\"09:00-08:00\"");
        assert_eq!((l.line, l.column, l.field.as_deref()), (4, 3, Some("weekly.mon")));
        assert_eq!(at("from").field.as_deref(), Some("holiday[1].from"));
        assert_eq!(at("to = 2").field.as_deref(), Some("holiday[2].to"));
        assert_eq!(locate(text, 0).line, 1);
        assert_eq!(locate(text, text.len() + 10).line, 10);
    }

    #[test]
    fn display_has_position() {
        let e = CalendarError::at("a = 1\nb = 2", Some(6), "bad");
        assert_eq!(e.to_string(), "line 2, column 1, field `b`: bad");
    }
}
