//! The crate's errors: one enum, [`FlowError`], each variant saying where the input went wrong.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A position in a definition file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text's end).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let mut line = 1;
        let mut column = 1;
        for (i, c) in text.char_indices() {
            if i >= offset {
                break;
            }
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        Position { line, column }
    }
}

/// Everything that can go wrong in hotline-flow.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A definition file is not valid TOML or does not match the format.
    #[error("definition syntax error at {position}: {message}")]
    DefinitionSyntax {
        /// Where in the file.
        position: Position,
        /// What the parser said.
        message: String,
    },
    /// A definition parsed but is inconsistent (unknown node, missing field, bad condition).
    #[error("definition `{definition}`, node `{node}`: {message}")]
    DefinitionInvalid {
        /// The definition's name.
        definition: String,
        /// The node (or section) at fault.
        node: String,
        /// What is wrong.
        message: String,
    },
    /// A condition expression could not be parsed.
    #[error("condition `{text}` at byte {offset}: {message}")]
    Condition {
        /// The whole expression.
        text: String,
        /// Byte offset of the problem.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A definition of that name (and version) has not been deployed.
    #[error("no definition `{name}`{}", version.map(|v| format!(" version {v}")).unwrap_or_default())]
    UnknownDefinition {
        /// The name asked for.
        name: String,
        /// The version asked for, if any.
        version: Option<u32>,
    },
    /// A different definition with the same name and version is already deployed.
    #[error("definition `{name}` version {version} is already deployed with different content")]
    DefinitionExists {
        /// The name.
        name: String,
        /// The version.
        version: u32,
    },
    /// No work order has that id.
    #[error("no work order `{0}`")]
    UnknownOrder(String),
    /// Optimistic concurrency: the order moved on since the caller read it.
    #[error("work order `{order}` is at version {actual}, not the expected {expected}")]
    Conflict {
        /// The order.
        order: String,
        /// The version the command expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// A command dated before the order's last event: an order's log only goes forward in time.
    #[error("work order `{order}`: a command at {at} is dated before its last event, at {last}")]
    BeforeLastEvent {
        /// The order.
        order: String,
        /// The command's time.
        at: jiff::Timestamp,
        /// The last event's time.
        last: jiff::Timestamp,
    },
    /// The command is not allowed in the order's current state.
    #[error("work order `{order}`: `{command}` rejected: {reason}")]
    Rejected {
        /// The order.
        order: String,
        /// The command's name.
        command: String,
        /// Why.
        reason: String,
    },
    /// A calendar could not answer (for example a date outside the years it knows), or a
    /// calendar's text is not valid; the source says why (line and column for a text).
    #[error("calendar `{calendar}`")]
    Calendar {
        /// The calendar's name.
        calendar: String,
        /// What went wrong (a `hotline_calendar::CalendarError` or a `jiff::Error`).
        #[source]
        source: Source,
    },
    /// A department or definition names a calendar that is not registered.
    #[error("unknown calendar `{0}`")]
    UnknownCalendar(String),
    /// The store failed (I/O, SQL, a corrupt row); the source is the backend's error.
    #[error("store: {what}")]
    Store {
        /// What the store was doing, or what was corrupt.
        what: String,
        /// The backend's error (`rusqlite::Error`, `serde_json::Error`, ...).
        #[source]
        source: Source,
    },
    /// The store's schema is not the version this build reads and writes: older (the database
    /// was not migrated: run `hotline flow migrate`, or `PostgresStore::migrate`) or
    /// newer (a newer hotline-flow migrated it; this one refuses to touch it).
    #[error(
        "the store's schema is at version {found} but this build of hotline-flow uses version \
         {supported}: {}",
        if found < supported {
            "migrate it with `hotline flow migrate --store URL`"
        } else {
            "a newer hotline-flow migrated it; run that version (a schema is never downgraded)"
        }
    )]
    SchemaVersion {
        /// The version the store is at (0: never migrated).
        found: u32,
        /// The version this build uses.
        supported: u32,
    },
    /// An event log does not verify.
    #[error("work order `{order}`, event {seq}: {message}")]
    Tampered {
        /// The order.
        order: String,
        /// The first event that does not verify.
        seq: u64,
        /// What does not match.
        message: String,
    },
    /// An event could not be encoded for its hash (nothing was sealed or verified).
    #[error("work order `{order}`, event {seq}: cannot encode the event")]
    Encoding {
        /// The order.
        order: String,
        /// The event.
        seq: u64,
        /// The encoder's error (a `serde_json::Error`).
        #[source]
        source: Source,
    },
    /// Routing went round a loop of automatic steps without stopping at a task.
    #[error("work order `{order}`: more than {limit} automatic steps without reaching a task")]
    RunawayProcess {
        /// The order.
        order: String,
        /// The step limit.
        limit: usize,
    },
}

/// The error underneath a [`FlowError`], kept whole (rustls's `OtherError` pattern): shared
/// behind an `Arc` so that [`FlowError`] stays `Clone`, and reachable through
/// [`std::error::Error::source`] or [`Source::get`] (downcast it to the backend's type).
#[derive(Debug, Clone)]
pub struct Source(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl Source {
    /// Wraps an error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Source {
        Source(Arc::new(error))
    }

    /// The wrapped error.
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Source {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl FlowError {
    /// A store error with its backend's source.
    pub(crate) fn store(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> FlowError {
        FlowError::Store { what: what.into(), source: Source::new(source) }
    }

    /// A calendar error with its source.
    pub(crate) fn calendar(
        calendar: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> FlowError {
        FlowError::Calendar { calendar: calendar.to_owned(), source: Source::new(source) }
    }

    pub(crate) fn rejected(order: &str, command: &str, reason: impl Into<String>) -> FlowError {
        FlowError::Rejected {
            order: order.to_owned(),
            command: command.to_owned(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_columns() {
        let text = "ab\ncde\nf";
        assert_eq!(Position::of_offset(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of_offset(text, 4), Position { line: 2, column: 2 });
        assert_eq!(Position::of_offset(text, 99), Position { line: 3, column: 2 });
    }
}
