//! Writing messages: a builder for requests and responses, responses built from a request
//! (RFC 3261 §8.2.6), byte-exact re-serialization of parsed messages, and the canonical form.

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

/// Builds a request or response and writes it as bytes.
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
///     .to_bytes();
/// let msg = Message::parse_checked(&bytes, &Default::default()).unwrap();
/// assert_eq!(msg.framed_length(), Some(0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuilder {
    start_line: String,
    fields: Vec<Field>,
    body: Vec<u8>,
    auto_length: bool,
}

impl MessageBuilder {
    /// A request: `METHOD uri SIP/2.0`.
    pub fn request(method: &str, uri: &str) -> Self {
        MessageBuilder {
            start_line: format!("{method} {uri} SIP/2.0"),
            fields: Vec::new(),
            body: Vec::new(),
            auto_length: true,
        }
    }

    /// A response: `SIP/2.0 code reason`.
    pub fn response(code: u16, reason: &str) -> Self {
        MessageBuilder {
            start_line: format!("SIP/2.0 {code} {reason}"),
            fields: Vec::new(),
            body: Vec::new(),
            auto_length: true,
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
        }
    }

    /// Appends a header field.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.push_header(name, value);
        self
    }

    /// Appends a header field in place.
    pub fn push_header(&mut self, name: &str, value: &str) {
        self.fields.push(Field { name: name.to_owned(), value: value.to_owned(), raw: None });
    }

    /// Replaces the first field named `name` (known names in any spelling) with `value` and
    /// removes the others; appends it when absent.
    pub fn set_header(&mut self, name: &str, value: &str) {
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
    pub fn to_bytes(&self) -> Vec<u8> {
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
        out
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
/// let bytes = response_to(&req, 180, "Ringing", "314").unwrap().to_bytes();
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
        b.push_header("Via", h.value());
    }
    let to = request.to()?;
    for (name, kind) in [("From", HeaderName::From), ("To", HeaderName::To)] {
        if let Some(h) = request.header(kind) {
            let value = h.value();
            if kind == HeaderName::To && to.tag().is_none() && code > 100 {
                b.push_header(name, &format!("{};tag={to_tag}", crate::grammar::trim_lws(value)));
            } else {
                b.push_header(name, value);
            }
        }
    }
    for (name, kind) in [("Call-ID", HeaderName::CallId), ("CSeq", HeaderName::CSeq)] {
        if let Some(h) = request.header(kind) {
            b.push_header(name, h.value());
        }
    }
    if code == 100
        && let Some(h) = request.header(HeaderName::Timestamp)
    {
        b.push_header("Timestamp", h.value());
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
        assert_eq!(b.to_bytes(), text);
        b.set_header("Via", "SIP/2.0/TCP other");
        b.set_body("text/plain", b"hi");
        let out = String::from_utf8(b.to_bytes()).unwrap();
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
        let bytes = response_to(&req, 100, "Trying", "t").unwrap().to_bytes();
        let resp = Message::parse(&bytes).unwrap();
        assert_eq!(resp.to().unwrap().tag(), None);
        assert_eq!(resp.header(HeaderName::Timestamp).unwrap().value(), "54");
        assert_eq!(resp.cseq().unwrap().seq, 1);
        resp.check().unwrap();
        let resp_msg = Message::parse(&bytes).unwrap();
        assert!(response_to(&resp_msg, 200, "OK", "t").is_err());
    }
}
