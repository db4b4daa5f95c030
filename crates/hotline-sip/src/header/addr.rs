//! name-addr / addr-spec values: From, To, Contact, Route, Record-Route, Reply-To, Refer-To.

use std::borrow::Cow;

use crate::config::Leniency;
use crate::error::{ErrorKind, ParseError};
use crate::grammar::{self, Cursor, TOKEN};
use crate::header::HeaderValue;
use crate::params::{Params, header_params_with};
use crate::uri::Uri;

/// An address with optional display name and header parameters: the value of From, To, Route,
/// Record-Route, Reply-To, Refer-To and (one entry of) Contact.
///
/// ```
/// use hotline_sip::header::{HeaderValue, NameAddr};
/// let a = NameAddr::parse(r#""J Rosenberg \\\"" <sip:jdrosen@example.com> ; tag = 98asjd8"#, &Default::default()).unwrap();
/// assert_eq!(a.display_name().unwrap(), r#"J Rosenberg \""#);
/// assert_eq!(a.uri().as_str(), "sip:jdrosen@example.com");
/// assert_eq!(a.tag(), Some("98asjd8"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    display: Option<&'a str>,
    uri: Uri<'a>,
    params: Params<'a>,
    bracketed: bool,
    tag: Option<&'a str>,
}

fn syntax(c: &Cursor<'_>, what: &'static str) -> ParseError {
    c.error(ErrorKind::Syntax(what))
}

impl<'a> HeaderValue<'a> for NameAddr<'a> {
    fn parse(value: &'a str, lenient: &Leniency) -> Result<NameAddr<'a>, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_lws();
        let mut display = None;
        let mut bracketed = false;
        if c.peek() == Some(b'"') {
            let start = c.pos;
            match c.quoted() {
                Ok(q) => display = Some(q),
                Err(e) => {
                    let lt = value[start..].find('<').filter(|_| lenient.unterminated_quotes);
                    let Some(lt) = lt else { return Err(e) };
                    display = Some(grammar::trim_lws(&value[start..start + lt]));
                    c.pos = start + lt;
                }
            }
            c.skip_lws();
            if c.peek() != Some(b'<') {
                return Err(syntax(&c, "expected `<` after the display name"));
            }
            bracketed = true;
        } else {
            let start = c.pos;
            loop {
                if c.take_class(TOKEN).is_empty() {
                    break;
                }
                c.skip_lws();
            }
            if c.peek() == Some(b'<') {
                let name = grammar::trim_lws(&value[start..c.pos]);
                display = (!name.is_empty()).then_some(name);
                bracketed = true;
            } else if lenient.unquoted_display_name
                && let Some(lt) = value[start..].find('<')
                && !value[start..start + lt].contains(['"', ';'])
            {
                let name = grammar::trim_lws(&value[start..start + lt]);
                display = (!name.is_empty()).then_some(name);
                c.pos = start + lt;
                bracketed = true;
            } else {
                c.pos = start;
            }
        }
        let uri = if bracketed {
            c.eat(b'<');
            let inner_start = c.pos;
            let Some(gt) = memchr::memchr(b'>', &value.as_bytes()[inner_start..]) else {
                return Err(syntax(&c, "`<` without `>`"));
            };
            let mut text = &value[inner_start..inner_start + gt];
            let trimmed = grammar::trim_lws(text);
            if trimmed.len() != text.len() {
                if !lenient.whitespace_in_angle_brackets {
                    let at = inner_start + text.len() - text.trim_start().len();
                    let at = if at == inner_start { inner_start } else { at - 1 };
                    return Err(c.error_at(ErrorKind::Syntax("white space inside `<` `>`"), at));
                }
                text = trimmed;
            }
            let at = (text.as_ptr() as usize) - (value.as_ptr() as usize);
            let uri = Uri::parse(text).map_err(|e| e.rebase(value.as_bytes(), at))?;
            c.pos = inner_start + gt + 1;
            uri
        } else {
            let start = c.pos;
            let text = c.take_while(|b| !matches!(b, b';' | b' ' | b'\t' | b'\r' | b'\n' | b','));
            if text.is_empty() {
                return Err(syntax(&c, "expected an address"));
            }
            let uri = Uri::parse(text).map_err(|e| e.rebase(value.as_bytes(), start))?;
            if let Uri::Sip(sip) = &uri
                && sip.headers().is_some()
                && !lenient.unbracketed_uri_headers
            {
                let at = start + text.find('?').unwrap_or(0);
                return Err(c.error_at(
                    ErrorKind::Syntax("a URI with `?` headers must be enclosed in `<` `>`"),
                    at,
                ));
            }
            uri
        };
        // The tag is kept as the parameters are parsed (the first `tag`, as `Params::get`).
        let mut tag: Option<Option<&'a str>> = None;
        let params = header_params_with(&mut c, |p| {
            if p.name.len() == 3 && p.name.eq_ignore_ascii_case("tag") {
                tag.get_or_insert(p.value);
            }
            Ok(())
        })?;
        c.skip_lws();
        if !c.at_end() {
            return Err(syntax(&c, "unexpected text after the address"));
        }
        Ok(NameAddr { display, uri, params, bracketed, tag: tag.flatten() })
    }
}

impl<'a> NameAddr<'a> {
    /// The display name as written (quotes included when quoted).
    pub fn display_raw(&self) -> Option<&'a str> {
        self.display
    }

    /// The display name with quotes and escapes removed.
    pub fn display_name(&self) -> Option<Cow<'a, str>> {
        self.display.map(grammar::unquote)
    }

    /// The URI.
    pub fn uri(&self) -> Uri<'a> {
        self.uri
    }

    /// The header parameters (after the address).
    pub fn params(&self) -> Params<'a> {
        self.params
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&'a str> {
        self.tag
    }

    /// Whether the URI was enclosed in `<` `>` (name-addr form) rather than a bare addr-spec.
    pub fn is_name_addr(&self) -> bool {
        self.bracketed
    }
}

/// One Contact value: `*` or an address with `q` and `expires` parameters.
///
/// Like the other header types it is `#[non_exhaustive]`, so a match outside this crate needs a
/// wildcard arm:
///
/// ```compile_fail
/// # use hotline_sip::header::Contact;
/// fn is_wildcard(c: &Contact<'_>) -> bool {
///     match c {
///         Contact::Wildcard => true,
///         Contact::Address(_) => false,
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Contact<'a> {
    /// `Contact: *` (remove every binding, RFC 3261 §10.2.2).
    Wildcard,
    /// An address.
    Address(NameAddr<'a>),
}

impl<'a> HeaderValue<'a> for Contact<'a> {
    fn parse(value: &'a str, lenient: &Leniency) -> Result<Contact<'a>, ParseError> {
        if grammar::trim_lws(value) == "*" {
            return Ok(Contact::Wildcard);
        }
        let addr = NameAddr::parse(value, lenient)?;
        if let Some(e) = addr.params.get("expires")
            && (e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) || e.parse::<u32>().is_err())
        {
            let at = (e.as_ptr() as usize) - (value.as_ptr() as usize);
            return Err(ParseError::new(
                ErrorKind::Header {
                    header: "Contact",
                    what: "expires must be delta-seconds below 2^32",
                },
                value.as_bytes(),
                at,
            ));
        }
        if let Some(q) = addr.params.get("q")
            && parse_q(q).is_none()
        {
            let at = (q.as_ptr() as usize) - (value.as_ptr() as usize);
            return Err(ParseError::new(
                ErrorKind::Header { header: "Contact", what: "q must be a value from 0 to 1" },
                value.as_bytes(),
                at,
            ));
        }
        Ok(Contact::Address(addr))
    }
}

fn parse_q(q: &str) -> Option<f32> {
    let ok = q.len() <= 5
        && q.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 1 && b == b'.'));
    let v: f32 = q.parse().ok()?;
    (ok && (0.0..=1.0).contains(&v)).then_some(v)
}

impl<'a> Contact<'a> {
    /// The address, unless this is the wildcard.
    pub fn address(&self) -> Option<&NameAddr<'a>> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => Some(a),
        }
    }

    /// The `expires` parameter in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.address()?.params.get("expires")?.parse().ok()
    }

    /// The `q` parameter (preference, 0 to 1).
    pub fn q(&self) -> Option<f32> {
        parse_q(self.address()?.params.get("q")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn na(s: &str) -> Result<NameAddr<'_>, ParseError> {
        NameAddr::parse(s, &Leniency::default())
    }

    fn lenient(s: &str) -> Result<NameAddr<'_>, ParseError> {
        NameAddr::parse(s, &Leniency::all())
    }

    #[test]
    fn forms() {
        let a = na("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert_eq!(a.tag(), Some("1918181833n"));
        assert!(!a.is_name_addr());
        let a = na("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(a.display_raw(), Some("caller"));
        let a = na("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u{440}\";tag=_token~1'+`*%!-.").unwrap();
        assert_eq!(a.display_raw(), Some("token1~` token2'+_ token3*%!.-"));
        let a = na("isbn:2983792873").unwrap();
        assert_eq!(a.uri().scheme(), "isbn");
        let a = na("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(a.params().contains("unknownparam"));
        assert!(a.uri().as_sip().unwrap().params().is_empty());
    }

    #[test]
    fn strict_rejections_and_leniency() {
        for (text, what) in [
            ("\"Mr. J. User <sip:j.user@example.com>", "quotbal"),
            ("sip:user@example.com?Route=%3Csip:sip.example.com%3E", "regbadct"),
            ("\"Watson, Thomas\" < sip:t.watson@example.org >", "badaspec"),
            ("Watson, Thomas <sip:t.watson@example.org>", "baddn"),
        ] {
            assert!(na(text).is_err(), "{what}");
            assert!(lenient(text).is_ok(), "{what}");
        }
        assert!(na("sip:caller@example.net;;tag=1").is_err());
        assert!(na("\"Joe\" <sip:joe@example.org>;;;;").is_err());
        assert!(na("<sip:a@b").is_err());
        // Regression (found by fuzzing): only white space inside `<` `>` is an error, not a panic.
        assert!(lenient("< \r\n >").is_err());
        assert!(na("<  >").is_err());
    }

    #[test]
    fn contacts() {
        let c = Contact::parse("<sip:a@b>;expires=60;q=0.5", &Leniency::default()).unwrap();
        assert_eq!((c.expires(), c.q()), (Some(60), Some(0.5)));
        assert_eq!(Contact::parse("*", &Leniency::default()).unwrap(), Contact::Wildcard);
        assert!(Contact::parse("<sip:a@b>;expires=280297596632815", &Leniency::default()).is_err());
        assert!(Contact::parse("<sip:a@b>;q=2", &Leniency::default()).is_err());
    }
}
