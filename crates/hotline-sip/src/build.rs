//! Writing messages: a builder for requests and responses, responses built from a request
//! (RFC 3261 §8.2.6), byte-exact re-serialization of parsed messages, and the canonical form.

use std::borrow::Cow;

use crate::error::{ErrorKind, ParseError};
use crate::message::Message;
use crate::name::HeaderName;

/// One header field of a [`MessageBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    name: String,
    value: String,
    /// The line as parsed, written instead of `name: value` while the field is unchanged.
    raw: Option<String>,
}

/// Why a [`MessageBuilder`] cannot write its message: a part that would change the message's
/// structure (header injection through CR or LF, a broken start line). The first fault is kept;
/// [`MessageBuilder::to_bytes`] returns it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The method is not a token (RFC 3261 §25.1), e.g. empty or with a space.
    #[error("method {method:?} is not a token")]
    Method {
        /// The method given.
        method: String,
    },
    /// The Request-URI is empty or holds white space, CR, LF or NUL.
    #[error("Request-URI {uri:?} is empty or holds white space or a control byte")]
    RequestUri {
        /// The URI given.
        uri: String,
    },
    /// The status code is outside 100–699.
    #[error("status code {0} is outside 100-699")]
    StatusCode(u16),
    /// The reason phrase holds CR, LF or NUL.
    #[error("reason phrase holds byte {byte:#04x} at offset {offset}")]
    Reason {
        /// Byte offset in the reason phrase.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A header field name is not a token (empty, or with a colon, white space or control byte).
    #[error("header field name {name:?} is not a token")]
    HeaderName {
        /// The name given.
        name: String,
    },
    /// A header field value holds CR, LF or NUL (other than in a line fold, CRLF followed by a
    /// space or tab), which would end the field (or the head) early and let the rest be read as
    /// another header field.
    #[error("{name} value holds byte {byte:#04x} at offset {offset} (CR, LF and NUL are refused)")]
    HeaderValue {
        /// The field's name.
        name: String,
        /// Byte offset in the value.
        offset: usize,
        /// The byte.
        byte: u8,
    },
}

/// RFC 3261 `token` characters.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// The first CR, LF or NUL of `text`.
fn forbidden_byte(text: &str) -> Option<(usize, u8)> {
    text.bytes().enumerate().find(|&(_, b)| matches!(b, b'\r' | b'\n' | 0))
}

/// The first CR, LF or NUL of a header value that is not part of a line fold (CRLF followed by
/// a space or tab, RFC 3261 §7.3.1: the parser reads the next line as the same value, so a fold
/// cannot start another field).
fn forbidden_value_byte(value: &str) -> Option<(usize, u8)> {
    let bytes = value.as_bytes();
    let mut i = 0;
    while let Some((at, b)) = forbidden_byte(&value[i..]).map(|(at, b)| (i + at, b)) {
        let fold = b == b'\r'
            && bytes.get(at + 1) == Some(&b'\n')
            && matches!(bytes.get(at + 2), Some(b' ' | b'\t'));
        if !fold {
            return Some((at, b));
        }
        i = at + 3;
    }
    None
}

/// `value` with its line folds (CRLF followed by white space) removed: the same value by
/// RFC 3261 §7.3.1, for copying a parsed field into a builder.
pub(crate) fn unfold(value: &str) -> Cow<'_, str> {
    if value.contains("\r\n") {
        Cow::Owned(value.replace("\r\n", ""))
    } else {
        Cow::Borrowed(value)
    }
}

fn check_field(name: &str, value: &str) -> Result<(), BuildError> {
    if !is_token(name) {
        return Err(BuildError::HeaderName { name: name.to_owned() });
    }
    if let Some((offset, byte)) = forbidden_value_byte(value) {
        return Err(BuildError::HeaderValue { name: name.to_owned(), offset, byte });
    }
    Ok(())
}

/// Builds a request or response and writes it as bytes.
///
/// Every part is checked as it is added: a method that is not a token, a Request-URI with white
/// space, a status code outside 100–699, a reason phrase or header value with CR, LF or NUL (in a
/// value, other than a line fold: CRLF followed by a space or tab), or a header name that is not a
/// token makes [`MessageBuilder::to_bytes`] return a [`BuildError`]
/// instead of a message, so text from callers cannot inject header fields:
///
/// ```
/// use hotline_sip::MessageBuilder;
/// use hotline_sip::build::BuildError;
/// let b = MessageBuilder::request("OPTIONS", "sip:bob@example.com")
///     .header("Subject", "hi\r\nX-Injected: yes");
/// assert!(matches!(b.to_bytes(), Err(BuildError::HeaderValue { offset: 2, .. })));
/// ```
///
/// A builder made by [`MessageBuilder::request`] or [`MessageBuilder::response`] writes a
/// Content-Length matching the body. One made from a parsed message with
/// [`MessageBuilder::from_message`] keeps every line as written, so an unchanged message is
/// written back byte for byte; edited fields are written as `Name: value`.
///
/// ```
/// use hotline_sip::{Message, MessageBuilder};
/// let bytes = MessageBuilder::request("OPTIONS", "sip:bob@example.com")
///     .header("Via", "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776")
///     .header("Max-Forwards", "70")
///     .header("To", "<sip:bob@example.com>")
///     .header("From", "<sip:alice@example.com>;tag=1928")
///     .header("Call-ID", "a84b4c76e66710")
///     .header("CSeq", "1 OPTIONS")
///     .to_bytes()
///     .unwrap();
/// let msg = Message::parse_checked(&bytes, &Default::default()).unwrap();
/// assert_eq!(msg.framed_length(), Some(0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuilder {
    start_line: String,
    fields: Vec<Field>,
    body: Vec<u8>,
    auto_length: bool,
    /// The first part that was refused.
    error: Option<BuildError>,
}

impl MessageBuilder {
    /// A request: `METHOD uri SIP/2.0`. A method that is not a token or a URI that is empty or
    /// holds white space or a control byte makes [`MessageBuilder::to_bytes`] fail.
    pub fn request(method: &str, uri: &str) -> Self {
        let error = if !is_token(method) {
            Some(BuildError::Method { method: method.to_owned() })
        } else if uri.is_empty()
            || uri.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            Some(BuildError::RequestUri { uri: uri.to_owned() })
        } else {
            None
        };
        MessageBuilder {
            start_line: format!("{method} {uri} SIP/2.0"),
            fields: Vec::new(),
            body: Vec::new(),
            auto_length: true,
            error,
        }
    }

    /// A response: `SIP/2.0 code reason`. A code outside 100–699 or a reason with CR, LF or NUL
    /// makes [`MessageBuilder::to_bytes`] fail.
    pub fn response(code: u16, reason: &str) -> Self {
        let error = if !(100..=699).contains(&code) {
            Some(BuildError::StatusCode(code))
        } else {
            forbidden_byte(reason).map(|(offset, byte)| BuildError::Reason { offset, byte })
        };
        MessageBuilder {
            start_line: format!("SIP/2.0 {code} {reason}"),
            fields: Vec::new(),
            body: Vec::new(),
            auto_length: true,
            error,
        }
    }

    /// The first part that was refused, if any: what [`MessageBuilder::to_bytes`] will return.
    pub fn error(&self) -> Option<&BuildError> {
        self.error.as_ref()
    }

    fn refuse(&mut self, result: Result<(), BuildError>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    /// A builder holding a parsed message exactly as written.
    pub fn from_message(msg: &Message<'_>) -> Self {
        MessageBuilder {
            start_line: msg.start_line().to_owned(),
            fields: msg
                .headers()
                .iter()
                .map(|h| Field {
                    name: h.name().to_owned(),
                    value: h.value().to_owned(),
                    raw: Some(h.line().to_owned()),
                })
                .collect(),
            body: msg.body().to_vec(),
            auto_length: false,
            error: None,
        }
    }

    /// Appends a header field.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.push_header(name, value);
        self
    }

    /// Appends a header field in place. A name that is not a token or a value with CR, LF or NUL
    /// makes [`MessageBuilder::to_bytes`] fail (and the field is not added).
    pub fn push_header(&mut self, name: &str, value: &str) {
        let checked = check_field(name, value);
        if checked.is_err() {
            return self.refuse(checked);
        }
        self.fields.push(Field { name: name.to_owned(), value: value.to_owned(), raw: None });
    }

    /// Replaces the first field named `name` (known names in any spelling) with `value` and
    /// removes the others; appends it when absent. Checked as [`MessageBuilder::push_header`].
    pub fn set_header(&mut self, name: &str, value: &str) {
        let checked = check_field(name, value);
        if checked.is_err() {
            return self.refuse(checked);
        }
        let matches = |f: &Field| same_name(&f.name, name);
        match self.fields.iter().position(matches) {
            Some(i) => {
                self.fields[i] =
                    Field { name: name.to_owned(), value: value.to_owned(), raw: None };
                let mut seen = 0;
                self.fields.retain(|f| {
                    if matches(f) {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
            }
            None => self.push_header(name, value),
        }
    }

    /// Removes every field named `name`.
    pub fn remove_header(&mut self, name: &str) {
        self.fields.retain(|f| !same_name(&f.name, name));
    }

    /// The value of the first field named `name`.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| same_name(&f.name, name)).map(|f| f.value.as_str())
    }

    /// Sets the body and its Content-Type; Content-Length will match it.
    #[must_use]
    pub fn body(mut self, content_type: &str, body: &[u8]) -> Self {
        self.set_body(content_type, body);
        self
    }

    /// Sets the body and its Content-Type in place; Content-Length will match it.
    pub fn set_body(&mut self, content_type: &str, body: &[u8]) {
        self.set_header("Content-Type", content_type);
        self.body = body.to_vec();
        self.auto_length = true;
    }

    /// Writes the message.
    ///
    /// # Errors
    ///
    /// The first [`BuildError`] met while the message was built; nothing is written then.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BuildError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(self.start_line.as_bytes());
        out.extend_from_slice(b"\r\n");
        let mut wrote_length = false;
        for f in &self.fields {
            if self.auto_length && same_name(&f.name, "Content-Length") {
                if !wrote_length {
                    out.extend_from_slice(
                        format!("Content-Length: {}\r\n", self.body.len()).as_bytes(),
                    );
                    wrote_length = true;
                }
                continue;
            }
            match &f.raw {
                Some(raw) => out.extend_from_slice(raw.as_bytes()),
                None => {
                    out.extend_from_slice(f.name.as_bytes());
                    out.extend_from_slice(b": ");
                    out.extend_from_slice(f.value.as_bytes());
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        if self.auto_length && !wrote_length {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        Ok(out)
    }
}

fn same_name(a: &str, b: &str) -> bool {
    match (HeaderName::classify(a.as_bytes()), HeaderName::classify(b.as_bytes())) {
        (HeaderName::Other, HeaderName::Other) => a.eq_ignore_ascii_case(b),
        (x, y) => x == y,
    }
}

/// Builds the response to `request` that RFC 3261 §8.2.6 prescribes: the Via values in order,
/// From, Call-ID and CSeq copied; To copied, with `to_tag` added when the request's To has no tag
/// and the status is above 100; Timestamp copied into a 100 (Trying).
///
/// ```
/// use hotline_sip::{Message, build::response_to};
/// let req = Message::parse(b"INVITE sip:bob@example.com SIP/2.0\r\n\
/// Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n\
/// To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=88\r\n\
/// Call-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").unwrap();
/// let bytes = response_to(&req, 180, "Ringing", "314").unwrap().to_bytes().unwrap();
/// let resp = Message::parse(&bytes).unwrap();
/// assert_eq!(resp.to().unwrap().tag(), Some("314"));
/// assert_eq!(resp.via().count(), 2);
/// ```
///
/// # Errors
///
/// A [`ParseError`] when `request` is a response, or its To is missing or malformed.
pub fn response_to(
    request: &Message<'_>,
    code: u16,
    reason: &str,
    to_tag: &str,
) -> Result<MessageBuilder, ParseError> {
    if !request.is_request() {
        return Err(ParseError::new(
            ErrorKind::StartLine("a response can only be built from a request"),
            request.input(),
            0,
        ));
    }
    let mut b = MessageBuilder::response(code, reason);
    for h in request.headers_of(HeaderName::Via) {
        b.push_header("Via", &unfold(h.value()));
    }
    let to = request.to()?;
    for (name, kind) in [("From", HeaderName::From), ("To", HeaderName::To)] {
        if let Some(h) = request.header(kind) {
            let value = unfold(h.value());
            let value = value.as_ref();
            if kind == HeaderName::To && to.tag().is_none() && code > 100 {
                b.push_header(name, &format!("{};tag={to_tag}", crate::grammar::trim_lws(value)));
            } else {
                b.push_header(name, value);
            }
        }
    }
    for (name, kind) in [("Call-ID", HeaderName::CallId), ("CSeq", HeaderName::CSeq)] {
        if let Some(h) = request.header(kind) {
            b.push_header(name, &unfold(h.value()));
        }
    }
    if code == 100
        && let Some(h) = request.header(HeaderName::Timestamp)
    {
        b.push_header("Timestamp", &unfold(h.value()));
    }
    Ok(b)
}

/// Writes `msg` in canonical form: the start line as written, full header names, `Name: value`,
/// folded lines joined with one space, list headers one value a line, then the body unchanged.
///
/// ```
/// let msg = hotline_sip::Message::parse(b"OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP a, SIP/2.0/UDP b\r\nl: 0\r\n\r\n").unwrap();
/// assert_eq!(
///     String::from_utf8(hotline_sip::build::canonical(&msg)).unwrap(),
///     "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP a\r\nVia: SIP/2.0/UDP b\r\nContent-Length: 0\r\n\r\n",
/// );
/// ```
pub fn canonical(msg: &Message<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.as_bytes().len() + 64);
    out.extend_from_slice(msg.start_line().as_bytes());
    out.extend_from_slice(b"\r\n");
    for h in msg.headers() {
        let name = match h.kind() {
            HeaderName::Other => h.name(),
            kind => kind.as_str(),
        };
        let mut any = false;
        for value in h.values() {
            any = true;
            write_field(&mut out, name, value);
        }
        if !any {
            write_field(&mut out, name, "");
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(msg.body());
    out
}

fn write_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    if !value.is_empty() {
        out.push(b' ');
    }
    for (i, segment) in value.split("\r\n").enumerate() {
        let segment = if i == 0 {
            segment.trim_end_matches([' ', '\t'])
        } else {
            segment.trim_matches([' ', '\t'])
        };
        if i > 0 && !segment.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(segment.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_written_plainly() {
        let text = b"OPTIONS sip:a@b SIP/2.0\r\nvia  :  SIP/2.0/UDP h;branch=z9hG4bKx\r\nl: 5\r\n\r\nhello";
        let msg = Message::parse(text).unwrap();
        let mut b = MessageBuilder::from_message(&msg);
        assert_eq!(b.to_bytes().unwrap(), text);
        b.set_header("Via", "SIP/2.0/TCP other");
        b.set_body("text/plain", b"hi");
        let out = String::from_utf8(b.to_bytes().unwrap()).unwrap();
        assert_eq!(
            out,
            "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP other\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nhi"
        );
        b.remove_header("v");
        assert_eq!(b.get_header("via"), None);
    }

    #[test]
    fn canonical_joins_folds() {
        let msg = Message::parse(b"OPTIONS sip:a@b SIP/2.0\r\ns :\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\nl: 0\r\n\r\n").unwrap();
        let out = String::from_utf8(canonical(&msg)).unwrap();
        assert_eq!(
            out,
            "OPTIONS sip:a@b SIP/2.0\r\nSubject:\r\nNewFangledHeader: newfangled value continued newfangled value\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn trying_keeps_timestamp_and_no_tag() {
        let req = Message::parse(b"INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nTo: <sip:b@x>\r\nFrom: <sip:a@x>;tag=1\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nTimestamp: 54\r\n\r\n").unwrap();
        let bytes = response_to(&req, 100, "Trying", "t").unwrap().to_bytes().unwrap();
        let resp = Message::parse(&bytes).unwrap();
        assert_eq!(resp.to().unwrap().tag(), None);
        assert_eq!(resp.header(HeaderName::Timestamp).unwrap().value(), "54");
        assert_eq!(resp.cseq().unwrap().seq, 1);
        resp.check().unwrap();
        let resp_msg = Message::parse(&bytes).unwrap();
        assert!(response_to(&resp_msg, 200, "OK", "t").is_err());
    }
}
