//! The crate's errors: one enum for the engine's inputs, one for files (campaign TOML and
//! record lists), each carrying where the input went wrong.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::{AgentId, CallId};
use crate::record::RecordId;

/// An input the engine cannot apply in its current state. The engine is unchanged when a
/// `handle_*` call returns one of these: the host logs it; nothing is silently dropped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DialerError {
    /// The agent is not known (never made available).
    #[error("agent {0} is unknown to the dialer")]
    UnknownAgent(AgentId),
    /// The agent's state does not allow this input (e.g. wrap-up without a call).
    #[error("agent {agent}: `{input}` does not apply while the agent is {state}")]
    AgentState {
        /// The agent.
        agent: AgentId,
        /// The input that was refused.
        input: &'static str,
        /// The agent's state when it arrived.
        state: &'static str,
    },
    /// No such call is in progress.
    #[error("call {0} is not in progress")]
    UnknownCall(CallId),
    /// The call's state does not allow this outcome (e.g. `Abandoned` for a call still ringing).
    #[error("call {call}: outcome `{input}` does not apply while the call is {state}")]
    CallState {
        /// The call.
        call: CallId,
        /// The input that was refused.
        input: &'static str,
        /// The call's state when it arrived.
        state: &'static str,
    },
    /// No such record in the campaign.
    #[error("record {0} is not in the campaign")]
    UnknownRecord(RecordId),
    /// The record cannot take a disposition now (none is due).
    #[error("record {record}: no disposition is due (the record is {state})")]
    NoDispositionDue {
        /// The record.
        record: RecordId,
        /// Its state.
        state: &'static str,
    },
    /// A time went backwards: `now` is before a time the engine has already seen.
    #[error("time went backwards: {now} is before {last}")]
    TimeWentBackwards {
        /// The time given.
        now: jiff::Timestamp,
        /// The latest time seen before.
        last: jiff::Timestamp,
    },
    /// A previewed record may no longer be dialled when the agent asks: its calling hours closed,
    /// or its number went on the do-not-call or refusal list, during the preview. It was not
    /// dialled; it went back to the list for its next calling window or was finished (see the
    /// audit record), and the agent is idle again.
    #[error(
        "record {record} not dialled at {now}: its calling hours closed or its number was barred \
         during the preview (see the audit record)"
    )]
    NotDialled {
        /// The record previewed.
        record: RecordId,
        /// When the dial was asked for.
        now: jiff::Timestamp,
    },
    /// A value passed in is out of range (a service level outside 0..=1, a callback time in the
    /// past of the epoch, ...).
    #[error("invalid {what}: {message}")]
    Invalid {
        /// Which input.
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// Where in a text file a problem is: 1-based line and column (column 0 when the whole line or
/// file is meant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (0: the whole line).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            write!(f, "line {}", self.line)
        } else {
            write!(f, "line {}, column {}", self.line, self.column)
        }
    }
}

/// One problem found in a campaign file or a record list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where (None: the file as a whole).
    pub location: Option<Location>,
    /// The field or column concerned, when one is.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = self.location {
            write!(f, "{loc}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A campaign file or record list that cannot be used, with every problem found (not only the
/// first), in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The input is larger than the limit.
    #[error("{what} is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input has problems; all of them are listed.
    #[error("{} problem(s) in {what}: {}", problems.len(), list(problems))]
    Problems {
        /// Which input.
        what: &'static str,
        /// Every problem found, in order.
        problems: Vec<Problem>,
    },
}

impl InputError {
    /// Every problem (empty for [`InputError::TooLarge`]).
    pub fn problems(&self) -> &[Problem] {
        match self {
            InputError::Problems { problems, .. } => problems,
            InputError::TooLarge { .. } => &[],
        }
    }
}

fn list(problems: &[Problem]) -> String {
    let mut s = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        s.push_str(&p.to_string());
    }
    s
}

/// The 1-based line and column of byte `offset` in `text`.
pub(crate) fn location_of(text: &str, offset: usize) -> Location {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = text.get(line_start..offset).map_or(1, |s| s.chars().count() + 1);
    Location { line, column }
}
