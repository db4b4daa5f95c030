//! The crate's error type.

use serde::{Deserialize, Serialize};

/// A scheduling or rostering rule, as errors and violations name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Rule {
    /// An agent works only on the days and hours of their availability.
    Availability,
    /// An agent works only shifts whose skill they have.
    Skill,
    /// At most one shift a day per agent.
    OneShiftPerDay,
    /// The minimum rest between the end of one shift and the start of the next.
    MinRest,
    /// The maximum number of consecutive working days.
    MaxConsecutiveDays,
    /// The minimum paid hours a week.
    MinWeeklyHours,
    /// The maximum paid hours a week.
    MaxWeeklyHours,
    /// Weekend days worked differ by at most the allowed spread between agents.
    WeekendFairness,
    /// Breaks and lunches lie inside their windows and inside the shift.
    BreakWindow,
    /// The number of agents present in an interval may not exceed a cap.
    MaxConcurrency,
}

impl Rule {
    /// The rule's name as errors print it (`min-rest`, `max-consecutive-days`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Availability => "availability",
            Rule::Skill => "skill",
            Rule::OneShiftPerDay => "one-shift-per-day",
            Rule::MinRest => "min-rest",
            Rule::MaxConsecutiveDays => "max-consecutive-days",
            Rule::MinWeeklyHours => "min-weekly-hours",
            Rule::MaxWeeklyHours => "max-weekly-hours",
            Rule::WeekendFairness => "weekend-fairness",
            Rule::BreakWindow => "break-window",
            Rule::MaxConcurrency => "max-concurrency",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in hotline-wfm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WfmError {
    /// A history CSV line that cannot be read.
    #[error("line {line}, column {column}: {message}")]
    Csv {
        /// 1-based line number.
        line: usize,
        /// 1-based column (field) number.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An input larger than the configured limit.
    #[error("input too large: {what} exceeds the limit of {limit}")]
    TooLarge {
        /// What was counted (`bytes`, `rows`, `patterns`, ...).
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A configuration file that cannot be read.
    #[error("line {line}, column {column}: {message}")]
    Config {
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A parameter out of range or inconsistent input.
    #[error("invalid `{field}`: {message}")]
    Invalid {
        /// The offending field or parameter.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Not enough history for a model.
    #[error("not enough history: {model} needs {needed} intervals, got {got}")]
    TooShort {
        /// The model's name.
        model: &'static str,
        /// Intervals needed.
        needed: usize,
        /// Intervals given.
        got: usize,
    },
    /// A schedule or roster that no assignment can satisfy.
    #[error("infeasible: rule `{rule}` cannot be met: {message}")]
    Infeasible {
        /// The rule that cannot be met.
        rule: Rule,
        /// Where and why.
        message: String,
    },
    /// Staffing math failed.
    #[error("staffing: {0}")]
    Erlang(#[from] hotline_erlang::ErlangError),
}

/// `WfmError::Invalid` for `field`.
pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> WfmError {
    WfmError::Invalid { field: field.into(), message: message.into() }
}
