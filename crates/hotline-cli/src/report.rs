//! How every `hotline` command reports: human text or `--json`, and the exit status.
//!
//! * Commands that report results print a human-readable form, and a machine-readable one with
//!   `--json`. JSON floats are printed in full, in the shortest form that reads back to the same
//!   `f64`; JSON has no NaN or infinity, so a value that does not exist is `null` (model it as
//!   `Option<f64>`; a non-finite `f64` that slips through is also written as `null`).
//! * Commands that only write a file print one line saying what they wrote.
//! * Exit status ([`Status`]): 0 success (warnings included), 1 the input was rejected or a check
//!   or target failed, 2 a usage error or unreadable input.

use std::fmt;
use std::io::{self, Write};

use serde::Serialize;

/// The exit status of a `hotline` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0: the command did what was asked (warnings may have been printed).
    Success,
    /// 1: the input was rejected, or a check or target failed.
    Rejected,
    /// 2: the command line was wrong or an input could not be read.
    Usage,
}

impl Status {
    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Rejected => 1,
            Status::Usage => 2,
        }
    }
}

impl From<Status> for std::process::ExitCode {
    fn from(status: Status) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

/// A command that could not do what was asked: the message for standard error and the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The exit status: [`Status::Rejected`] or [`Status::Usage`].
    pub status: Status,
    /// What went wrong, naming the input (a file, a flag) and where.
    pub message: String,
}

impl Failure {
    /// The input was rejected, or a check or target failed (exit 1).
    pub fn rejected(message: impl Into<String>) -> Self {
        Failure { status: Status::Rejected, message: message.into() }
    }

    /// A usage error or unreadable input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { status: Status::Usage, message: message.into() }
    }

    /// An input file could not be read (exit 2), with the file's name and the reason.
    pub fn unreadable(path: &std::path::Path, error: &io::Error) -> Self {
        Failure::usage(format!("cannot read {}: {error}", path.display()))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The result of running one command.
pub type Outcome = Result<Status, Failure>;

/// A message with the Rust words of parsers and deserialisers put in plain words: `expected u32`
/// becomes `expected a whole number from 0 to 4294967295`, `invalid float literal` becomes `not a
/// number` (issue 25: users met Rust type names).
///
/// ```
/// use hotline_cli::report::plain_words;
/// assert_eq!(
///     plain_words("invalid value: integer `-1`, expected usize"),
///     "invalid value: integer `-1`, expected a whole number, 0 or more"
/// );
/// assert_eq!(plain_words("'x': invalid float literal"), "'x': not a number");
/// assert_eq!(
///     plain_words("invalid type: integer `7`, expected internally tagged enum Mode"),
///     "invalid type: integer `7`, expected a table for Mode"
/// );
/// ```
pub fn plain_words(text: &str) -> String {
    const WORDS: [(&str, &str); 14] = [
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected i8", "expected a whole number"),
        ("expected i16", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected f32", "expected a number"),
        ("expected f64", "expected a number"),
        ("invalid float literal", "not a number"),
        ("invalid digit found in string", "not a whole number"),
        ("number too large to fit in target type", "too large"),
    ];
    let mut out = text.to_owned();
    for (rust, plain) in WORDS {
        // Whole words only: `expected u8` is not the start of `expected u80`.
        let mut from = 0;
        while let Some(i) = out[from..].find(rust).map(|i| i + from) {
            let end = i + rust.len();
            if out[end..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
                from = end;
                continue;
            }
            out.replace_range(i..end, plain);
            from = i + plain.len();
        }
    }
    // serde's words for a table that names its kind: `expected internally tagged enum Mode`.
    out = out.replace("internally tagged enum ", "a table for ");
    // clap's ranges: `-1 is not in 0..=4294967295` -> `-1 is not from 0 to 4294967295`.
    if let Some(i) = out.find(" is not in ")
        && let Some(dots) = out[i..].find("..=").map(|d| d + i)
    {
        out.replace_range(dots..dots + 3, " to ");
        out.replace_range(i..i + " is not in ".len(), " is not from ");
    }
    out
}

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is rejected.
    Error,
    /// Worth knowing; the file is accepted.
    Warning,
}

/// One finding of a `check` subcommand: what and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short machine-readable name of the finding, where the checker has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The file, where it is not the checked file itself (a layer it extends, a CSV it names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The line, counted from 1 (`null` when the finding has no place in the text).
    pub line: Option<usize>,
    /// The column, counted from 1 (`null` when the finding has no place in the text).
    pub column: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl Diagnostic {
    /// An error at a place in the text (or nowhere in particular).
    pub fn error(line: Option<usize>, column: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: None,
            file: None,
            line,
            column,
            message: plain_words(&message.into()),
        }
    }

    /// A warning at a place in the text (or nowhere in particular).
    pub fn warning(line: Option<usize>, column: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(line, column, message) }
    }

    /// `FILE:LINE:COLUMN: error: message`, the text form.
    pub fn render(&self, file: &str) -> String {
        let file = self.file.as_deref().unwrap_or(file);
        let place = match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.to_owned(),
        };
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let code = self.code.as_deref().map(|c| format!("[{c}]")).unwrap_or_default();
        format!("{place}: {severity}{code}: {}", self.message)
    }
}

/// What every `check` subcommand prints for one file with `--json`: the file, whether it is
/// accepted, every finding with its line and column, and what the subject adds (a summary).
#[derive(Debug, Serialize)]
pub struct CheckReport<T: Serialize> {
    /// The file checked, as named on the command line.
    pub file: String,
    /// No error (warnings allowed).
    pub ok: bool,
    /// Every error and warning, in the order of the text where known.
    pub diagnostics: Vec<Diagnostic>,
    /// What the subject adds (a summary of an accepted file), flattened into the object.
    #[serde(flatten)]
    pub extra: T,
}

impl<T: Serialize> CheckReport<T> {
    /// A report whose `ok` says whether any diagnostic is an error.
    pub fn new(file: impl Into<String>, diagnostics: Vec<Diagnostic>, extra: T) -> Self {
        let ok = !diagnostics.iter().any(|d| d.severity == Severity::Error);
        CheckReport { file: file.into(), ok, diagnostics, extra }
    }

    /// Exit status: 0 when ok, 1 otherwise.
    pub fn status(&self) -> Status {
        if self.ok { Status::Success } else { Status::Rejected }
    }

    /// Prints the text form: one line per diagnostic, then `FILE: ok` or `FILE: N error(s), M
    /// warning(s)`; diagnostics go to standard error when the file is rejected.
    pub fn print_text(&self) {
        let errors = self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        for d in &self.diagnostics {
            if self.ok {
                println!("{}", d.render(&self.file));
            } else {
                eprintln!("{}", d.render(&self.file));
            }
        }
        if self.ok {
            println!("{}: ok", self.file);
        } else {
            eprintln!(
                "{}: {errors} error(s), {} warning(s)",
                self.file,
                self.diagnostics.len() - errors
            );
        }
    }
}

/// Why a file that a `check` (and the commands using the same file) reads was not accepted.
#[derive(Debug)]
pub enum Unread {
    /// A failure as it is: the file cannot be read, is too large or empty, or a file it names
    /// cannot be read.
    Failure(Failure),
    /// The text does not read as its type: the text and every error
    /// ([`crate::toml_read::from_str_all`]).
    Types(String, Vec<crate::toml_read::TomlError>),
    /// The file read as its type, and has these semantic problems, each at its line where the
    /// file writes the key it is about.
    Problems(Vec<Diagnostic>),
}

impl Unread {
    /// The failure of a command that needs the file (exit 1, or 2 for a file not read): every
    /// error or problem listed, naming `file` once.
    pub fn failure(self, file: &std::path::Path) -> Failure {
        match self {
            Unread::Failure(failure) => failure,
            Unread::Types(text, errors) => crate::toml_read::failure(file, &text, errors),
            Unread::Problems(found) => problems_failure(file, &found),
        }
    }

    /// What a `check` prints: the report of every error or problem (text, or JSON with
    /// `json`), and its exit status. A failure is printed as one diagnostic with `--json`, and
    /// returned as it is without.
    ///
    /// # Errors
    ///
    /// The failure, without `json`; a failure to write standard output.
    pub fn check(self, file: &str, json: bool) -> Outcome {
        let diagnostics = match self {
            Unread::Failure(failure) if json => return check_unread(file, &failure, ()),
            Unread::Failure(failure) => return Err(failure),
            Unread::Types(text, errors) => crate::toml_read::diagnostics(&text, errors),
            Unread::Problems(found) => found,
        };
        print_check(CheckReport::new(file, diagnostics, ()), json)
    }
}

/// Prints a check report, as text or JSON, and gives its exit status.
///
/// # Errors
///
/// A failure to write standard output.
pub fn print_check<T: Serialize>(report: CheckReport<T>, json: bool) -> Outcome {
    if json {
        print_json(&report).map_err(write_failed)?;
    } else {
        report.print_text();
    }
    Ok(report.status())
}

/// The end of the diagnostic [`placed_problems`] adds when it lists only some.
const MORE_PROBLEMS: &str = "more problems; correct these first";

/// The diagnostics of a file's semantic problems, given as (place, message): the first
/// [`crate::toml_read::MAX_ERRORS`] placed by `place` (which finds each one's line, a search of
/// the text), then one line saying how many more there are; in the order of the text, those
/// without a line last.
pub fn placed_problems<P>(
    problems: Vec<(P, String)>,
    mut place: impl FnMut(&P, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let total = problems.len();
    let mut found: Vec<Diagnostic> = problems
        .into_iter()
        .take(crate::toml_read::MAX_ERRORS)
        .map(|(p, message)| place(&p, message))
        .collect();
    found.sort_by_key(|d| d.line.unwrap_or(usize::MAX));
    if total > crate::toml_read::MAX_ERRORS {
        found.push(Diagnostic::error(
            None,
            None,
            format!("and {} {MORE_PROBLEMS}", total - crate::toml_read::MAX_ERRORS),
        ));
    }
    found
}

/// A failure (exit 1) for the semantic problems of `file` (each found after the file read as its
/// type): `FILE:LINE:COL: message` for one, and for several `FILE: N problems:` and one such
/// line each (see [`placed_problems`] for the limit on how many).
pub fn problems_failure(file: &std::path::Path, diagnostics: &[Diagnostic]) -> Failure {
    let file = file.display().to_string();
    let line = |d: &Diagnostic| {
        let at = match (d.line, d.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.clone(),
        };
        format!("{at}: {}", d.message)
    };
    let message = match diagnostics {
        [one] => line(one),
        all => {
            let more = all.iter().any(|d| d.line.is_none() && d.message.ends_with(MORE_PROBLEMS));
            let mut m = if more {
                format!("{file}: more than {} problems:", crate::toml_read::MAX_ERRORS)
            } else {
                format!("{file}: {} problems:", all.len())
            };
            for d in all {
                m.push_str(&format!("\n  {}", line(d)));
            }
            m
        }
    };
    Failure::rejected(message)
}

/// What a `check` prints with `--json` for a file it could not read: the check's shape with one
/// diagnostic (the failure's message), and the failure's exit status (2: not read, 1: refused by
/// its size).
///
/// # Errors
///
/// A [`Failure`] when standard output cannot be written.
pub fn check_unread<T: Serialize>(file: impl Into<String>, failure: &Failure, extra: T) -> Outcome {
    let diagnostic = Diagnostic::error(None, None, failure.message.clone());
    print_json(&CheckReport::new(file, vec![diagnostic], extra)).map_err(write_failed)?;
    Ok(failure.status)
}

/// The failure for output that could not be written.
pub fn write_failed(e: io::Error) -> Failure {
    Failure::usage(format!("cannot write output: {e}"))
}

/// Replaces the `ci95` and `sd` of every estimate made from fewer than two values (`n < 2`) by
/// `null` in a JSON value: one replication gives no interval, and JSON says "does not exist" as
/// `null` (hotline-sim reports 0 for them).
pub fn null_single_estimates(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let single = map.contains_key("mean")
                && map.contains_key("ci95")
                && map.get("n").and_then(serde_json::Value::as_u64).is_some_and(|n| n < 2);
            if single {
                map.insert("ci95".into(), serde_json::Value::Null);
                if map.contains_key("sd") {
                    map.insert("sd".into(), serde_json::Value::Null);
                }
            }
            map.values_mut().for_each(null_single_estimates);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(null_single_estimates),
        _ => {}
    }
}

/// Writes `value` as pretty-printed JSON and a newline to `out`.
///
/// ```
/// let mut out = Vec::new();
/// hotline_cli::report::write_json(&mut out, &serde_json::json!({"x": 0.1, "y": f64::NAN})).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "{\n  \"x\": 0.1,\n  \"y\": null\n}\n");
/// ```
pub fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Writes `value` as JSON to standard output (see [`write_json`]).
pub fn print_json(value: &impl Serialize) -> io::Result<()> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    write_json(&mut lock, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_shortest_round_trip() {
        for x in [0.1, 1.0 / 3.0, 1e-300, 5e-324, 123456.789, f64::MAX] {
            let mut out = Vec::new();
            write_json(&mut out, &x).unwrap();
            let back: f64 = serde_json::from_slice(&out).unwrap();
            assert_eq!(back.to_bits(), x.to_bits());
        }
    }

    #[test]
    fn non_finite_is_null() {
        let mut out = Vec::new();
        write_json(&mut out, &[f64::INFINITY, f64::NEG_INFINITY, f64::NAN]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("null").count(), 3, "{text}");
    }

    #[test]
    fn problems_are_listed_in_text_order_and_capped() {
        let max = crate::toml_read::MAX_ERRORS;
        // Three problems, given out of order, one without a place.
        let three =
            vec![(Some(9), "b".to_owned()), (None, "c".to_owned()), (Some(2), "a".to_owned())];
        let found = placed_problems(three, |l, m| Diagnostic::error(*l, Some(1), m));
        let order: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        let failure = problems_failure(std::path::Path::new("f.toml"), &found);
        assert_eq!(
            failure.message,
            "f.toml: 3 problems:\n  f.toml:2:1: a\n  f.toml:9:1: b\n  f.toml: c"
        );
        // More than the limit: the first ones, placed, and how many more.
        let many: Vec<(usize, String)> = (1..=max + 7).map(|i| (i, format!("p{i}"))).collect();
        let mut placed = 0;
        let found = placed_problems(many, |l, m| {
            placed += 1;
            Diagnostic::error(Some(*l), Some(1), m)
        });
        assert_eq!((placed, found.len()), (max, max + 1));
        assert_eq!(found[max].message, "and 7 more problems; correct these first");
        let failure = problems_failure(std::path::Path::new("f.toml"), &found);
        assert!(failure.message.starts_with(&format!("f.toml: more than {max} problems:")));
        // One problem is one line.
        let one = placed_problems(vec![(3, "x".to_owned())], |l, m| {
            Diagnostic::error(Some(*l), Some(4), m)
        });
        assert_eq!(problems_failure(std::path::Path::new("f.toml"), &one).message, "f.toml:3:4: x");
    }

    #[test]
    fn codes() {
        assert_eq!(Status::Success.code(), 0);
        assert_eq!(Status::Rejected.code(), 1);
        assert_eq!(Status::Usage.code(), 2);
    }
}
