//! Reading the files a command is given, within a size limit.
//!
//! Every file a `hotline` command reads has a limit, named in the command's `--help`:
//!
//! | file | limit |
//! | --- | --- |
//! | TOML (ACD configurations, scenarios, calendars, IVR call scripts, process definitions) | [`MAX_TOML_BYTES`], 1 MiB |
//! | CSV data (forecasts, a scenario's arrivals) | [`MAX_CSV_BYTES`], 64 MiB |
//! | IVR flows | 1 MiB (`hotline_ivr`'s limit) |
//! | SIP messages | [`MAX_SIP_BYTES`], 1 MiB |
//! | WAV files | [`MAX_WAV_BYTES`], 512 MiB (read whole); `audio repair` any size (in place) |
//! | packet captures | any size (read as a stream) |
//!
//! A file over a limit is refused before it is read, with exit status 1. Under the limit, TOML is
//! read item by item ([`crate::toml_read`]), in a small multiple of the text's size.

use std::io::Read as _;
use std::path::Path;

use crate::report::Failure;

/// The largest TOML file a command reads: 1 MiB, as hotline-calendar's and hotline-ivr's limits.
pub const MAX_TOML_BYTES: u64 = 1 << 20;

/// The largest CSV file a command reads: 64 MiB (a year of 15-minute intervals is 1 MB).
pub const MAX_CSV_BYTES: u64 = 64 << 20;

/// The largest SIP message file `hotline sip` reads: 1 MiB.
pub const MAX_SIP_BYTES: u64 = 1 << 20;

/// The largest WAV file the media commands read whole: 512 MiB (9 hours of 8 kHz 16-bit mono,
/// 46 minutes of 48 kHz stereo). `audio repair` works in place and takes any size.
pub const MAX_WAV_BYTES: u64 = 512 << 20;

/// Refuses a file larger than `limit` by its size on disk, before it is opened for reading (for
/// readers that take the file themselves). A file whose size cannot be read is left to the
/// reader, which says why.
///
/// # Errors
///
/// A rejection naming the file and the limit.
pub fn check_size(path: &Path, limit: u64, what: &str) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() > limit => Err(too_large(path, limit, what)),
        _ => Ok(()),
    }
}

/// Reads `path` whole, refusing it when it holds more than `limit` bytes (exit 1) or cannot be
/// read (exit 2). `what` names the kind of file in the message (`TOML`, `CSV`).
///
/// # Errors
///
/// [`Failure::unreadable`] for a file that cannot be opened or read; a rejection naming the file
/// and the limit for one that is too large.
pub fn read_bytes(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, Failure> {
    // A regular file is refused by its size, unread; anything else (a pipe) is read no further
    // than the limit.
    check_size(path, limit, what)?;
    let file = std::fs::File::open(path).map_err(|e| Failure::unreadable(path, &e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Failure::unreadable(path, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit, what));
    }
    Ok(bytes)
}

/// As [`read_bytes`], for a text file (UTF-8).
///
/// # Errors
///
/// As [`read_bytes`], and a rejection for a file that is not UTF-8 text (naming the line).
pub fn read_text(path: &Path, limit: u64, what: &str) -> Result<String, Failure> {
    let bytes = read_bytes(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..good];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Failure::rejected(format!(
            "{}:{line}:{column}: not UTF-8 text (byte {good}); a {what} file must be UTF-8",
            path.display()
        ))
    })
}

/// The failure for a file above its limit.
pub fn too_large(path: &Path, limit: u64, what: &str) -> Failure {
    Failure::rejected(format!(
        "{} is larger than {}, the limit for a {what} file; it was not read",
        path.display(),
        size(limit)
    ))
}

/// `1 MiB`, `64 MiB`, or bytes.
pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Every syntax error of a TOML text, `(line, column, message)` in the order of the text.
///
/// The `toml` crate stops at the first error; its own parser (`toml_parser`) recovers and goes on,
/// so a file with several mistakes is reported whole (issue 25: one error was reported, and not
/// always the first). Errors in values (a wrong type, an unknown field) come from deserialising,
/// which stops at the first; they are not here.
pub fn toml_syntax_errors(text: &str) -> Vec<(usize, usize, String)> {
    let tokens: Vec<_> = toml_parser::Source::new(text).lex().collect();
    let mut errors: Vec<toml_parser::ParseError> = Vec::new();
    toml_parser::parser::parse_document(&tokens, &mut (), &mut errors);
    let mut found: Vec<(usize, usize, String)> = errors
        .iter()
        .map(|e| {
            let at = e.unexpected().or(e.context()).map_or(0, |s| s.start()).min(text.len());
            let (line, column) = line_column(text, at);
            let mut message = e.description().to_owned();
            if let Some(expected) = e.expected().filter(|x| !x.is_empty()) {
                let words: Vec<String> = expected
                    .iter()
                    .map(|x| match x {
                        toml_parser::Expected::Literal("\n") => "the end of the line".to_owned(),
                        toml_parser::Expected::Literal(l) => format!("`{}`", l.escape_debug()),
                        toml_parser::Expected::Description(d) => (*d).to_owned(),
                        _ => String::new(),
                    })
                    .filter(|w| !w.is_empty())
                    .collect();
                if !words.is_empty() {
                    message.push_str(&format!(", expected {}", words.join(" or ")));
                }
            }
            (line, column, message)
        })
        .collect();
    found.sort_by_key(|(l, c, _)| (*l, *c));
    found.dedup();
    found
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line and column in TOML `text` of a place named as the libraries name them in semantic
/// errors, such as ``agents[3] `alice`.skills.billing``, `queues[0]`, `call_types[2].handle` or
/// `interval` (array-of-tables indices from 0; names in backticks or parentheses are skipped).
/// `None` when the place is not written as a table or key of its own (an inline table, a
/// default).
pub fn toml_place(text: &str, place: &str) -> Option<(usize, usize)> {
    // Drop the names in backticks and anything after a space (`agents[1] `x`` -> `agents[1]`).
    let mut path = String::new();
    let mut in_name = false;
    let mut in_parens = 0;
    for c in place.chars() {
        match c {
            '`' => in_name = !in_name,
            _ if in_name => {}
            '(' => in_parens += 1,
            ')' => in_parens -= 1,
            _ if in_parens > 0 => {}
            ' ' => {}
            ':' => break,
            c => path.push(c),
        }
    }
    let all: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let lines: Vec<&str> = text.lines().collect();
    // A nested array of tables (`acd.queues[1]`, written `[[acd.queues]]`): the longest prefix
    // ending in an index whose header is in the text is the first part.
    let nested = (2..=all.len()).rev().find_map(|k| {
        let (last, rest) = all[k - 1].split_once('[')?;
        let index = rest.trim_end_matches(']').parse::<usize>().ok()?;
        let names: Vec<&str> =
            all[..k - 1].iter().map(|p| p.split('[').next().unwrap_or(p)).collect();
        let head = format!("[[{}.{last}]]", names.join("."));
        let n = lines.iter().enumerate().filter(|(_, l)| l.trim() == head).nth(index)?.0;
        Some((k, n))
    });
    let parts = all.iter().copied().skip(nested.map_or(1, |(k, _)| k));
    let first = all.first().copied()?;
    let (table, index) = match first.split_once('[') {
        Some((t, rest)) => (t, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (first, None),
    };
    let header = |l: &str| l.trim_start().starts_with('[');
    let key_is = |l: &str, key: &str| {
        let t = l.trim_start();
        t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('='))
            || t.strip_prefix(&format!("\"{key}\""))
                .is_some_and(|r| r.trim_start().starts_with('='))
    };
    let column = |l: &str| l.len() - l.trim_start().len() + 1;
    // The line of the first part: the index-th `[[table]]`, a `[table]`, or a top-level key.
    let mut at = match (nested, index) {
        (Some((_, n)), _) => n,
        (None, Some(i)) => {
            let head = format!("[[{table}]]");
            lines.iter().enumerate().filter(|(_, l)| l.trim() == head).nth(i).map(|(n, _)| n)?
        }
        (None, None) => {
            let head = format!("[{table}]");
            lines.iter().position(|l| l.trim() == head).or_else(|| {
                lines.iter().take_while(|l| !header(l)).position(|l| key_is(l, table))
            })?
        }
    };
    // Each further part: a key of that table (or a sub-table named after it), when written.
    for key in parts {
        let key = key.split('[').next().unwrap_or(key);
        let within = lines.iter().enumerate().skip(at + 1).take_while(|(_, l)| !header(l));
        match within.clone().find(|(_, l)| key_is(l, key)) {
            Some((n, _)) => at = n,
            None => break,
        }
    }
    Some((at + 1, column(lines[at])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, "x".repeat(101)).unwrap();
        let err = read_text(&path, 100, "TOML").unwrap_err();
        assert_eq!(err.status, crate::Status::Rejected);
        assert!(err.message.contains("larger than 100 bytes"), "{}", err.message);
        std::fs::write(&path, "x".repeat(100)).unwrap();
        assert_eq!(read_text(&path, 100, "TOML").unwrap().len(), 100);
        let err = read_text(&dir.path().join("missing"), 100, "TOML").unwrap_err();
        assert_eq!(err.status, crate::Status::Usage);
    }

    #[test]
    fn places_are_found_by_table_and_key() {
        let text = "interval = \"30m\"\n\n[[queues]]\nname = \"a\"\n\n[[queues]]\nname = \"b\"\n  \
                    policy = \"x\"\n\n[[agents]]\nname = \"z\"\n";
        assert_eq!(toml_place(text, "interval"), Some((1, 1)));
        assert_eq!(toml_place(text, "queues[1] `b`"), Some((6, 1)));
        assert_eq!(toml_place(text, "queues[1] `b`.policy"), Some((8, 3)));
        assert_eq!(toml_place(text, "queues[1].missing"), Some((6, 1)));
        assert_eq!(toml_place(text, "agents[0] `z`.queues[2]"), Some((10, 1)));
        assert_eq!(toml_place(text, "queues[1] (b).policy"), Some((8, 3)));
        assert_eq!(toml_place(text, "agents[1]"), None);
        assert_eq!(toml_place(text, "nothing"), None);
        // A nested array of tables, as a scenario's ACD queues.
        let text = "[acd]\nskills = []\n[[acd.queues]]\nname = \"a\"\n[[acd.queues]]\nname = \"b\"\n\
                    policy = \"x\"\n";
        assert_eq!(toml_place(text, "acd.queues[1] `b`.policy"), Some((7, 1)));
        assert_eq!(toml_place(text, "acd.queues[0]"), Some((3, 1)));
        assert_eq!(toml_place(text, "acd.skills"), Some((2, 1)));
        // Odd places give an answer or none, never a panic.
        for odd in
            ["", "[", "a[", "a[1", "....", "`x`", "acd.[1]", "[[acd.queues]]", "acd.queues[9]"]
        {
            let _ = toml_place(text, odd);
        }
        assert_eq!(toml_place(text, "acd.queues[9]"), Some((1, 1)));
    }

    #[test]
    fn every_syntax_error_is_found() {
        let text = "a = 1\nb = = 2\n[t]\nc = \"x\nd = 4\ne 5\n";
        let errors = toml_syntax_errors(text);
        let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
        assert!(lines.len() >= 3 && lines.contains(&2) && lines.contains(&6), "{errors:?}");
        assert!(toml_syntax_errors("a = 1\n[t]\nb = \"x\"\n").is_empty());
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn bytes_that_are_not_text_are_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, b"a,b\n1,\xff\n").unwrap();
        let err = read_text(&path, 100, "CSV").unwrap_err();
        assert!(err.message.contains("x.csv:2:3: not UTF-8"), "{}", err.message);
        assert_eq!(size(1 << 20), "1 MiB");
    }
}
