//! Parse errors: what went wrong and where (byte offset, line and column).

/// A parse error: what is wrong ([`ErrorKind`]) and where.
///
/// `offset` is 0-based and counts bytes from the start of the input that was handed to the parser
/// (for a message, the first byte of the buffer); `line` and `column` are 1-based, and the column
/// counts bytes within the line.
///
/// ```
/// let err = hotline_sip::Message::parse(b"INVITE sip:a@b SIP/7.0\r\n\r\n").unwrap_err();
/// assert_eq!((err.line, err.column, err.offset), (1, 16, 15));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {line}, column {column} (byte {offset})")]
#[non_exhaustive]
pub struct ParseError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// 0-based byte offset in the input.
    pub offset: usize,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (bytes from the start of the line, plus one).
    pub column: usize,
}

impl ParseError {
    /// An error of `kind` at byte `offset` of `input` (line and column computed from `input`).
    pub fn new(kind: ErrorKind, input: &[u8], offset: usize) -> Self {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        ParseError { kind, offset, line, column: offset - line_start + 1 }
    }

    /// The same error moved into a larger input in which the parsed text starts at byte `base`.
    pub fn rebase(self, whole: &[u8], base: usize) -> Self {
        ParseError::new(self.kind, whole, base + self.offset)
    }
}

/// What is wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds nothing but (optional) empty lines.
    #[error("empty message")]
    Empty,
    /// The header section does not end with an empty line within the input.
    #[error("the header section does not end (no empty line)")]
    IncompleteHead,
    /// A line ends with a bare CR or LF where CRLF is required.
    #[error("a line must end with CRLF")]
    LineEnding,
    /// The start line is neither a valid Request-Line nor a valid Status-Line.
    #[error("invalid start line: {0}")]
    StartLine(&'static str),
    /// The SIP version is not `SIP/2.0`.
    #[error("unsupported SIP version (only SIP/2.0)")]
    Version,
    /// The status code is not three digits from 100 to 699.
    #[error("invalid status code (three digits, 100 to 699)")]
    StatusCode,
    /// The method is not a token.
    #[error("invalid method (must be a token)")]
    Method,
    /// A header field name is not a token.
    #[error("invalid header field name")]
    HeaderName,
    /// A header line has no colon after its name.
    #[error("header line has no colon after the name")]
    MissingColon,
    /// A header section starts with a continuation line.
    #[error("continuation line without a header field to continue")]
    StrayContinuation,
    /// The header section is longer than [`Limits::max_head_len`](crate::Limits::max_head_len).
    #[error("header section exceeds the {0}-byte limit")]
    HeadTooLong(usize),
    /// A line is longer than [`Limits::max_line_len`](crate::Limits::max_line_len).
    #[error("line exceeds the {0}-byte limit")]
    LineTooLong(usize),
    /// More header fields than [`Limits::max_headers`](crate::Limits::max_headers).
    #[error("more than {0} header fields")]
    TooManyHeaders(usize),
    /// The body is longer than [`Limits::max_body_len`](crate::Limits::max_body_len).
    #[error("body exceeds the {0}-byte limit")]
    BodyTooLong(usize),
    /// The start line or a header field is not UTF-8.
    #[error("text is not valid UTF-8")]
    Utf8,
    /// A Content-Length value is not a non-negative decimal number that fits in 32 bits.
    #[error("invalid Content-Length (must be a non-negative decimal number)")]
    ContentLength,
    /// Content-Length announces more body bytes than the datagram holds.
    #[error("Content-Length is {expected} but only {available} body bytes follow")]
    BodyTruncated {
        /// The announced length.
        expected: usize,
        /// The bytes present after the header section.
        available: usize,
    },
    /// Several Content-Length values disagree, so a stream cannot be framed.
    #[error("conflicting Content-Length values")]
    ConflictingContentLength,
    /// A message on a stream transport has no Content-Length (RFC 3261 §18.3).
    #[error("a message on a stream transport needs a Content-Length")]
    MissingContentLength,
    /// A header field value does not follow its grammar.
    #[error("invalid {header} value: {what}")]
    Header {
        /// The header field's canonical name.
        header: &'static str,
        /// What is wrong.
        what: &'static str,
    },
    /// A general syntax error inside a value.
    #[error("syntax error: {0}")]
    Syntax(&'static str),
    /// A quoted string has no closing quote.
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    /// A URI does not follow its grammar.
    #[error("invalid URI: {0}")]
    Uri(&'static str),
    /// A number is outside the range its field allows.
    #[error("{0} is out of range")]
    OutOfRange(&'static str),
    /// A header field that the accessor needs is absent.
    #[error("{0} header field is missing")]
    MissingHeader(&'static str),
    /// The CSeq method differs from the request method.
    #[error("CSeq method does not match the request method")]
    CSeqMethodMismatch,
    /// An SDP line does not follow RFC 8866.
    #[error("invalid SDP: {0}")]
    Sdp(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let e = ParseError::new(ErrorKind::Empty, b"ab\r\ncd\r\nef", 9);
        assert_eq!((e.line, e.column, e.offset), (3, 2, 9));
        let e = ParseError::new(ErrorKind::Empty, b"ab", 0).rebase(b"xx\nab", 3);
        assert_eq!((e.line, e.column, e.offset), (2, 1, 3));
        assert_eq!(e.to_string(), "empty message at line 2, column 1 (byte 3)");
    }
}
