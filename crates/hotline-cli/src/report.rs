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
    fn codes() {
        assert_eq!(Status::Success.code(), 0);
        assert_eq!(Status::Rejected.code(), 1);
        assert_eq!(Status::Usage.code(), 2);
    }
}
