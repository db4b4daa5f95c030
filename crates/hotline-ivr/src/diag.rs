//! Source positions and diagnostics: what went wrong, where, and how to show it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A range of the source text: byte offsets plus the 1-based line and column of its start.
///
/// Columns count characters (not bytes), so that they match what an editor shows for Chinese
/// prompt text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in characters) of `start`.
    pub column: u32,
}

impl Span {
    /// A span from the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span { end: other.end.max(self.end), ..self }
    }
}

/// A value with the span of source text it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` written at `span`.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The flow is rejected: it cannot be compiled or would misbehave on a call.
    Error,
    /// The flow compiles, but something is probably wrong.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// The stable diagnostic codes. Tools may match on them; they never change meaning.
pub mod codes {
    /// The text does not follow the grammar.
    pub const SYNTAX: &str = "syntax";
    /// The source is larger than the limits allow (size, node count, nesting).
    pub const LIMIT: &str = "limit";
    /// An edge, `start` or `call` names a node that does not exist.
    pub const UNDEFINED_TARGET: &str = "undefined-target";
    /// Two nodes (or two prompts, or two calendars) share an id.
    pub const DUPLICATE_ID: &str = "duplicate-id";
    /// No path from `start` reaches the node.
    pub const UNREACHABLE: &str = "unreachable";
    /// The node has no way on: a required edge is missing, so the call would stop in silence.
    pub const DEAD_END: &str = "dead-end";
    /// The node lies on a loop from which no path ever ends the call.
    pub const LOOP_NO_EXIT: &str = "loop-no-exit";
    /// Two menu options use the same digits.
    pub const CONFLICTING_DIGITS: &str = "conflicting-digits";
    /// A menu option is a prefix of another, or uses the node's terminator or leave key.
    pub const AMBIGUOUS_DIGITS: &str = "ambiguous-digits";
    /// A menu, collect or survey has no explicit timeout.
    pub const NO_TIMEOUT: &str = "no-timeout";
    /// A menu, collect or survey does not say what to do on invalid input or when retries run out.
    pub const NO_INVALID_HANDLING: &str = "no-invalid-handling";
    /// A variable is read where some path reaches it without setting it.
    pub const UNSET_VARIABLE: &str = "unset-variable";
    /// A prompt has no text or file for one of the flow's declared languages.
    pub const MISSING_PROMPT: &str = "missing-prompt";
    /// A node uses a prompt key that is not defined.
    pub const UNDEFINED_PROMPT: &str = "undefined-prompt";
    /// A schedule node leaves some hours without a branch (closed or holiday missing).
    pub const SCHEDULE_UNCOVERED: &str = "schedule-uncovered";
    /// A lookup or queue has no `error` edge.
    pub const NO_FAILURE_EDGE: &str = "no-failure-edge";
    /// A schedule names a calendar that is not defined, or a calendar is invalid.
    pub const UNDEFINED_CALENDAR: &str = "undefined-calendar";
    /// A language is used that the flow does not declare.
    pub const UNDECLARED_LANGUAGE: &str = "undeclared-language";
    /// A validation pattern is not a valid regular expression.
    pub const BAD_PATTERN: &str = "bad-pattern";
    /// `-> return` where no subflow call can lead.
    pub const RETURN_OUTSIDE_SUBFLOW: &str = "return-outside-subflow";
}

/// One finding about a flow: a severity, a stable code, a message and the place it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}:{}: {severity}[{code}]: {message}", span.line, span.column)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code (see [`codes`]).
    pub code: String,
    /// What is wrong, in words.
    pub message: String,
    /// Where.
    pub span: Span,
}

impl Diagnostic {
    /// An error with `code` at `span`.
    pub fn error(code: &str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: code.to_owned(),
            message: message.into(),
            span,
        }
    }

    /// A warning with `code` at `span`.
    pub fn warning(code: &str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code: code.to_owned(),
            message: message.into(),
            span,
        }
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as a compiler would: the message, `file:line:column`, the source
    /// line and a caret under the offending text.
    ///
    /// ```
    /// let source = "flow \"x\"\nstart nowhere\nhangup bye {}\n";
    /// let diags = hotline_ivr::check_source(source).1;
    /// let text = diags[0].render("x.ivr", source);
    /// assert!(text.contains("x.ivr:2:7"), "{text}");
    /// assert!(text.contains("start nowhere"), "{text}");
    /// ```
    pub fn render(&self, file: &str, source: &str) -> String {
        let line_text = source.lines().nth(self.span.line.saturating_sub(1) as usize).unwrap_or("");
        let line_no = self.span.line.to_string();
        let pad = " ".repeat(line_no.len());
        let col = self.span.column.saturating_sub(1) as usize;
        let prefix: String = line_text
            .chars()
            .take(col)
            .map(|c| {
                if c == '\t' {
                    '\t'
                } else if c.is_ascii() {
                    ' '
                } else {
                    '\u{3000}'
                }
            })
            .collect();
        let width = source
            .get(self.span.start..self.span.end)
            .map(|s| s.lines().next().unwrap_or("").chars().count())
            .unwrap_or(1)
            .max(1);
        format!(
            "{}[{}]: {}\n{pad}--> {file}:{}:{}\n{pad} |\n{line_no} | {line_text}\n{pad} | {prefix}{}\n",
            self.severity,
            self.code,
            self.message,
            self.span.line,
            self.span.column,
            "^".repeat(width)
        )
    }
}

/// Whether any of `diagnostics` is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
