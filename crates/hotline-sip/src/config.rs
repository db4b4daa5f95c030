//! Parser configuration: size limits and the named leniency switches.

use serde::{Deserialize, Serialize};

/// How the parser reads a message: [`Limits`] and [`Leniency`].
///
/// The default is strict: RFC 3261 grammar, no leniency, and limits that fit any real message sent
/// over UDP.
///
/// ```
/// use hotline_sip::{Message, ParserConfig};
/// let text = b"OPTIONS  sip:a@example.com  SIP/2.0\r\nl: 0\r\n\r\n";
/// assert!(Message::parse(text).is_err());
/// assert!(Message::parse_with(text, &ParserConfig::lenient()).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ParserConfig {
    /// Size limits; exceeding one is an error, never an unbounded allocation.
    pub limits: Limits,
    /// Departures from the grammar that a lenient element may accept (RFC 4475 §3.1.2).
    pub leniency: Leniency,
}

impl ParserConfig {
    /// The strict default configuration.
    pub fn strict() -> Self {
        ParserConfig::default()
    }

    /// Default limits with every leniency switch on.
    pub fn lenient() -> Self {
        ParserConfig { limits: Limits::default(), leniency: Leniency::all() }
    }

    /// This configuration with other leniency switches.
    pub fn with_leniency(mut self, leniency: Leniency) -> Self {
        self.leniency = leniency;
        self
    }

    /// This configuration with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// Size limits of the message parser.
///
/// The defaults accept any message that fits in a UDP datagram (at most 65,535 bytes) with up to
/// 512 header fields, and bound what a stream transport may make the caller buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Limits {
    /// Longest header section (start line, header fields and the empty line). Default 65,535.
    pub max_head_len: usize,
    /// Longest single header field including its continuation lines. Default 65,535.
    pub max_line_len: usize,
    /// Most header fields (each line counts once, however many values it holds). Default 512.
    pub max_headers: usize,
    /// Longest body a Content-Length may announce. Default 16 MiB.
    pub max_body_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_len: 65_535,
            max_line_len: 65_535,
            max_headers: 512,
            max_body_len: 16 * 1024 * 1024,
        }
    }
}

/// The leniency switches, all off by default. Each names one departure from the RFC 3261 grammar
/// that RFC 4475 §3.1.2 lets a lenient element accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Leniency {
    /// More than one space between start-line elements, or spaces at its end (`lwsstart`, `trws`).
    pub start_line_whitespace: bool,
    /// A Request-URI enclosed in `<` and `>` (`ltgtruri`).
    pub request_uri_in_angle_brackets: bool,
    /// White space inside the Request-URI, e.g. `sip:a@b; lr` (`lwsruri`).
    pub whitespace_in_request_uri: bool,
    /// Header fields (`?Route=...`) in the Request-URI (`escruri`).
    pub headers_in_request_uri: bool,
    /// A display name whose quoted string is never closed (`quotbal`).
    pub unterminated_quotes: bool,
    /// A Date whose zone is not `GMT` or whose form is otherwise off (`baddate`).
    pub loose_date: bool,
    /// An addr-spec with `?` headers outside `<` and `>` (`regbadct`).
    pub unbracketed_uri_headers: bool,
    /// White space just inside `<` and `>` (`badaspec`).
    pub whitespace_in_angle_brackets: bool,
    /// A display name with characters that are not token characters, unquoted (`baddn`).
    pub unquoted_display_name: bool,
}

impl Leniency {
    /// Every switch on.
    pub fn all() -> Self {
        Leniency {
            start_line_whitespace: true,
            request_uri_in_angle_brackets: true,
            whitespace_in_request_uri: true,
            headers_in_request_uri: true,
            unterminated_quotes: true,
            loose_date: true,
            unbracketed_uri_headers: true,
            whitespace_in_angle_brackets: true,
            unquoted_display_name: true,
        }
    }

    /// Every switch off (the default).
    pub fn none() -> Self {
        Leniency::default()
    }
}
