//! Parameters (`;name=value`) of URIs and header fields, validated once and iterated without
//! allocation.

use crate::error::{ErrorKind, ParseError};
use crate::grammar::{self, Cursor};

/// One parameter: a name and an optional value, both as written (a header parameter's value may
/// be a quoted string, quotes included; a URI parameter may hold `%` escapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name as written.
    pub name: &'a str,
    /// The value as written, or `None` for a parameter without `=`.
    pub value: Option<&'a str>,
}

/// A validated run of parameters, kept as the text after the first `;`.
///
/// Names compare case-insensitively (RFC 3261 §19.1.4, §7.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    raw: &'a str,
}

impl<'a> Params<'a> {
    /// Parameters from text already validated by one of this crate's parsers.
    pub(crate) fn from_raw(raw: &'a str) -> Self {
        Params { raw }
    }

    /// The parameters as written, without the leading `;`.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Iterates over the parameters in order.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter { rest: self.raw }
    }

    /// The first parameter named `name` (case-insensitive).
    pub fn find(&self, name: &str) -> Option<Param<'a>> {
        self.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The value of the parameter `name`; `None` when it is absent or has no value.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.find(name).and_then(|p| p.value)
    }

    /// Whether a parameter named `name` is present (with or without a value).
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = Param<'a>;
    type IntoIter = ParamIter<'a>;
    fn into_iter(self) -> ParamIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Params`].
#[derive(Debug, Clone)]
pub struct ParamIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = Param<'a>;

    fn next(&mut self) -> Option<Param<'a>> {
        if grammar::trim_lws(self.rest).is_empty() {
            return None;
        }
        let b = self.rest.as_bytes();
        // The item runs to the first `;` outside a quoted string.
        let mut i = 0;
        loop {
            match memchr::memchr2(b';', b'"', &b[i..]) {
                None => {
                    i = b.len();
                    break;
                }
                Some(j) if b[i + j] == b';' => {
                    i += j;
                    break;
                }
                Some(j) => {
                    // Skip the quoted string (an unterminated one runs to the end).
                    i += j + 1;
                    while i < b.len() && b[i] != b'"' {
                        if b[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i = (i + 1).min(b.len());
                }
            }
        }
        let item = &self.rest[..i];
        self.rest = if i < b.len() { &self.rest[i + 1..] } else { "" };
        let (name, value) = match memchr::memchr(b'=', item.as_bytes()) {
            Some(eq) => (&item[..eq], Some(grammar::trim_lws(&item[eq + 1..]))),
            None => (item, None),
        };
        Some(Param { name: grammar::trim_lws(name), value })
    }
}

/// Parses header parameters (`*( SEMI generic-param )`, LWS allowed around `;` and `=`) at the
/// cursor; returns them without the first `;`. Values are tokens, hosts (IPv6 references and bare
/// IPv6 addresses included, RFC 5118) or quoted strings.
pub(crate) fn header_params<'a>(c: &mut Cursor<'a>) -> Result<Params<'a>, ParseError> {
    header_params_with(c, |_| Ok(()))
}

/// [`header_params`], handing each parameter to `seen` as it is parsed (in order), so that a
/// typed parser can check and keep the ones it knows in the same pass. An error from `seen` is
/// positioned at the parameter's value (or at the end of its name when it has none).
pub(crate) fn header_params_with<'a>(
    c: &mut Cursor<'a>,
    mut seen: impl FnMut(Param<'a>) -> Result<(), ErrorKind>,
) -> Result<Params<'a>, ParseError> {
    let save = c.pos;
    c.skip_lws();
    if c.peek() != Some(b';') {
        c.pos = save;
        return Ok(Params::default());
    }
    let start = c.pos + 1;
    let mut end = start;
    loop {
        let before = c.pos;
        c.skip_lws();
        if !c.eat(b';') {
            c.pos = before;
            break;
        }
        c.skip_lws();
        let name = c.token(ErrorKind::Syntax("empty or invalid parameter name"))?;
        let after_name = c.pos;
        c.skip_lws();
        let value = if c.eat(b'=') {
            c.skip_lws();
            if c.peek() == Some(b'"') {
                Some(c.quoted()?)
            } else {
                let v = c.take_table(&grammar::PARAM_VALUE);
                if v.is_empty() {
                    return Err(c.error(ErrorKind::Syntax("empty parameter value")));
                }
                Some(v)
            }
        } else {
            c.pos = after_name;
            None
        };
        let at = if value.is_some() { c.pos - value.map_or(0, str::len) } else { after_name };
        seen(Param { name, value }).map_err(|kind| c.error_at(kind, at))?;
        end = c.pos;
    }
    Ok(Params::from_raw(&c.s[start..end]))
}

/// Validates URI parameters (`*( ";" name [ "=" value ] )`, paramchar only) in `s`, which starts
/// right after the first `;`. With `lws`, white space around `;` and `=` is tolerated.
pub(crate) fn check_uri_params(s: &str, lws: bool) -> Result<(), ParseError> {
    let b = s.as_bytes();
    let err = |what, at| ParseError::new(ErrorKind::Uri(what), b, at);
    let is_pchar =
        |c: u8| grammar::is(c, grammar::UNRESERVED) || grammar::is(c, grammar::PARAM) || c == b'%';
    let mut i = 0;
    loop {
        if lws {
            while i < b.len() && matches!(b[i], b' ' | b'\t') {
                i += 1;
            }
        }
        let name_start = i;
        while i < b.len() && is_pchar(b[i]) {
            i += 1;
        }
        if i == name_start {
            return Err(err("empty URI parameter", i));
        }
        grammar::check_escapes(&s[name_start..i])
            .map_err(|e| err("bad % escape", name_start + e))?;
        if lws {
            while i < b.len() && matches!(b[i], b' ' | b'\t') {
                i += 1;
            }
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if lws {
                while i < b.len() && matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
            }
            let value_start = i;
            while i < b.len() && is_pchar(b[i]) {
                i += 1;
            }
            if i == value_start {
                return Err(err("empty URI parameter value", i));
            }
            grammar::check_escapes(&s[value_start..i])
                .map_err(|e| err("bad % escape", value_start + e))?;
            if lws {
                while i < b.len() && matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
            }
        }
        match b.get(i) {
            None => return Ok(()),
            Some(b';') => i += 1,
            Some(_) => return Err(err("unexpected character in URI parameters", i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_params_with_lws() {
        let mut c = Cursor::new(" ;   tag    = 1918181833n ; x ;q=\"a;b\"");
        let p = header_params(&mut c).unwrap();
        assert!(c.at_end());
        assert_eq!(p.get("TAG"), Some("1918181833n"));
        assert!(p.contains("x"));
        assert_eq!(p.get("x"), None);
        assert_eq!(p.get("q"), Some("\"a;b\""));
        assert_eq!(p.iter().count(), 3);
    }

    #[test]
    fn empty_params_are_errors() {
        assert!(header_params(&mut Cursor::new(";;")).is_err());
        assert!(header_params(&mut Cursor::new(";a=")).is_err());
        assert!(check_uri_params("lr;;x", false).is_err());
        assert!(check_uri_params("lr;maddr=1.2.3.4;%6C%72", false).is_ok());
        assert!(check_uri_params(" lr", false).is_err());
        assert!(check_uri_params(" lr", true).is_ok());
    }
}
