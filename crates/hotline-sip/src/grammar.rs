//! RFC 3261 §25 character classes and the cursor that every typed parser in this crate uses.
//!
//! A header value handed to a typed parser may contain folded lines (`CRLF` followed by space or
//! tab); the message parser has already checked that every line break inside a value is such a
//! fold, so the typed parsers treat CR and LF as linear white space.

use crate::error::{ErrorKind, ParseError};

/// `token` characters: alphanumerics and `-.!%*_+`'~`.
pub(crate) const TOKEN: u8 = 1;
/// `unreserved`: alphanumerics and `-_.!~*'()`.
pub(crate) const UNRESERVED: u8 = 2;
/// `user-unreserved`: `&=+$,;?/`.
pub(crate) const USER: u8 = 4;
/// The extra characters of `password`: `&=+$,`.
pub(crate) const PASSWORD: u8 = 8;
/// `param-unreserved`: `[]/:&+$`.
pub(crate) const PARAM: u8 = 16;
/// `hnv-unreserved`: `[]/?:+$`.
pub(crate) const HNV: u8 = 32;
/// `word` characters (Call-ID): alphanumerics and `-.!%*_+`'~()<>:\"/[]?{}`.
pub(crate) const WORD: u8 = 64;
/// Host-name characters: alphanumerics, `-` and `.`.
pub(crate) const HOST: u8 = 128;

const fn build() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] |= TOKEN | UNRESERVED | WORD | HOST;
        }
        c += 1;
    }
    let mut i = 0;
    let token = b"-.!%*_+`'~";
    while i < token.len() {
        t[token[i] as usize] |= TOKEN;
        i += 1;
    }
    i = 0;
    let unreserved = b"-_.!~*'()";
    while i < unreserved.len() {
        t[unreserved[i] as usize] |= UNRESERVED;
        i += 1;
    }
    i = 0;
    let user = b"&=+$,;?/";
    while i < user.len() {
        t[user[i] as usize] |= USER;
        i += 1;
    }
    i = 0;
    let password = b"&=+$,";
    while i < password.len() {
        t[password[i] as usize] |= PASSWORD;
        i += 1;
    }
    i = 0;
    let param = b"[]/:&+$";
    while i < param.len() {
        t[param[i] as usize] |= PARAM;
        i += 1;
    }
    i = 0;
    let hnv = b"[]/?:+$";
    while i < hnv.len() {
        t[hnv[i] as usize] |= HNV;
        i += 1;
    }
    i = 0;
    let word = b"-.!%*_+`'~()<>:\\\"/[]?{}";
    while i < word.len() {
        t[word[i] as usize] |= WORD;
        i += 1;
    }
    t[b'-' as usize] |= HOST;
    t[b'.' as usize] |= HOST;
    t
}

/// The class table: `CLASS[b] & X != 0` when byte `b` is in class `X`.
pub(crate) static CLASS: [u8; 256] = build();

/// The bytes of an unquoted header parameter value: `token` characters and `:`, `[`, `]` (for
/// IPv6 references and bare IPv6 addresses, RFC 5118).
pub(crate) static PARAM_VALUE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] =
            CLASS[c] & TOKEN != 0 || c == b':' as usize || c == b'[' as usize || c == b']' as usize;
        c += 1;
    }
    t
};

/// Whether `b` is in `class`.
#[inline]
pub(crate) fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// Whether `b` is linear white space inside a header value (space, tab, or part of a fold).
#[inline]
pub(crate) fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether `s` is a non-empty `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| is(b, TOKEN))
}

/// Trims linear white space (including folds) from both ends.
#[inline]
pub(crate) fn trim_lws(s: &str) -> &str {
    let b = s.as_bytes();
    // All white space: the empty slice at the end, still inside `s` (callers take offsets).
    let Some(start) = b.iter().position(|&c| !is_lws(c)) else {
        return &s[b.len()..];
    };
    let end = b.iter().rposition(|&c| !is_lws(c)).map_or(start, |i| i + 1);
    &s[start..end]
}

/// Checks that every `%` in `s` starts a `%HH` escape; returns the offset of the first bad one.
pub(crate) fn check_escapes(s: &str) -> Result<(), usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() {
                return Err(i);
            }
            if !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return Err(i);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Decodes `%HH` escapes; borrows when there is nothing to decode.
///
/// Invalid escapes are kept as they are. The result is bytes because an escape may encode any
/// octet, including ones that are not UTF-8.
pub(crate) fn unescape(s: &str) -> std::borrow::Cow<'_, [u8]> {
    if !s.contains('%') {
        return std::borrow::Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Removes the quotes and `\` escapes of a `quoted-string`; borrows when there are no escapes.
///
/// Text that is not quoted is returned as it is.
pub fn unquote(s: &str) -> std::borrow::Cow<'_, str> {
    let inner = match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if s.len() >= 2 => inner,
        _ => return std::borrow::Cow::Borrowed(s),
    };
    if !inner.contains('\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A position in a string being parsed, with the scanners the typed parsers share.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a str,
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Consumes `b` when it is next.
    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips linear white space; returns whether any was skipped.
    #[inline]
    pub(crate) fn skip_lws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_lws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Takes the longest run of bytes in `class` (may be empty).
    #[inline]
    pub(crate) fn take_class(&mut self, class: u8) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| is(b, class)) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    /// `s[start..end]` for two char boundaries the cursor has been at (`split_at_checked`
    /// inlines where `str` indexing does not; it cannot fail here, and would give `""`).
    #[inline(always)]
    fn slice(&self, start: usize, end: usize) -> &'a str {
        let s: &'a str = self.s;
        s.split_at_checked(end).and_then(|(h, _)| h.split_at_checked(start)).map_or("", |(_, t)| t)
    }

    /// Takes the longest run of bytes marked in `table`, which marks ASCII bytes only (may be
    /// empty).
    #[inline]
    pub(crate) fn take_table(&mut self, table: &[bool; 256]) -> &'a str {
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut i = start;
        while i < b.len() && table[b[i] as usize] {
            i += 1;
        }
        self.pos = i;
        // Both ends sit next to ASCII bytes (or at the ends): char boundaries.
        self.slice(start, i)
    }

    /// Takes the longest run of bytes for which `f` holds (may be empty). `f` must only accept
    /// ASCII bytes or whole UTF-8 sequences' bytes (any byte >= 0x80 accepted together).
    #[inline]
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        // Never split inside a UTF-8 sequence.
        while !self.s.is_char_boundary(self.pos) {
            self.pos -= 1;
        }
        self.slice(start, self.pos)
    }

    /// Takes a non-empty token.
    #[inline]
    pub(crate) fn token(&mut self, what: ErrorKind) -> Result<&'a str, ParseError> {
        let t = self.take_class(TOKEN);
        if t.is_empty() { Err(self.error(what)) } else { Ok(t) }
    }

    /// Takes a `quoted-string` including its quotes. The cursor must be at the opening quote.
    pub(crate) fn quoted(&mut self) -> Result<&'a str, ParseError> {
        let start = self.pos;
        let b = self.s.as_bytes();
        if !self.eat(b'"') {
            return Err(self.error(ErrorKind::Syntax("expected a quoted string")));
        }
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(self.slice(start, self.pos));
                }
                b'\\' => {
                    match b.get(self.pos + 1) {
                        Some(b'\r' | b'\n') | None => break,
                        Some(_) => {}
                    }
                    self.pos += 2;
                    while !self.s.is_char_boundary(self.pos) {
                        self.pos += 1;
                    }
                }
                _ => self.pos += 1,
            }
        }
        Err(ParseError::new(ErrorKind::UnterminatedQuote, self.s.as_bytes(), start))
    }

    /// An error of `kind` at the cursor.
    pub(crate) fn error(&self, kind: ErrorKind) -> ParseError {
        ParseError::new(kind, self.s.as_bytes(), self.pos.min(self.s.len()))
    }

    /// An error of `kind` at `pos`.
    pub(crate) fn error_at(&self, kind: ErrorKind, pos: usize) -> ParseError {
        ParseError::new(kind, self.s.as_bytes(), pos.min(self.s.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_token("INVITE"));
        assert!(is_token("!interesting-Method0123456789_*+`.%indeed'~"));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
        assert!(is(b'(', WORD) && !is(b'(', TOKEN));
    }

    #[test]
    fn escapes() {
        assert!(check_escapes("a%20b").is_ok());
        assert_eq!(check_escapes("a%2"), Err(1));
        assert_eq!(check_escapes("%"), Err(0));
        assert_eq!(check_escapes("a%zz"), Err(1));
        assert_eq!(&*unescape("n%61me%25%34%31"), b"name%41");
        assert_eq!(&*unescape("%0"), b"%0");
    }

    #[test]
    fn trimmed_slices_stay_inside_their_input() {
        let s = "ab  \r\n ";
        let t = trim_lws(&s[2..]);
        assert!(t.is_empty());
        assert_eq!(t.as_ptr() as usize, s.as_ptr() as usize + s.len());
    }

    #[test]
    fn quoting() {
        assert_eq!(unquote(r#""J Rosenberg \\\"""#), r#"J Rosenberg \""#);
        assert_eq!(unquote("plain"), "plain");
        let mut c = Cursor::new(r#""a\"b" rest"#);
        assert_eq!(c.quoted().unwrap(), r#""a\"b""#);
        assert!(Cursor::new("\"open").quoted().is_err());
    }
}
