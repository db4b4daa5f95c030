//! URIs: `sip`/`sips` (RFC 3261 §19.1), `tel` (RFC 3966), and any other scheme kept as an opaque
//! absolute URI.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorKind, ParseError};
use crate::grammar::{self, HNV, PASSWORD, UNRESERVED, USER};
use crate::params::{Params, check_uri_params};

/// A URI as SIP carries it.
///
/// ```
/// use hotline_sip::uri::{Host, Uri};
/// let uri = Uri::parse("sips:alice:secret@[2001:db8::1]:5061;transport=tcp?Subject=hi").unwrap();
/// let Uri::Sip(sip) = &uri else { panic!() };
/// assert!(sip.is_secure());
/// assert_eq!(sip.user(), Some("alice"));
/// assert_eq!(sip.host(), Host::Ipv6("2001:db8::1"));
/// assert_eq!(sip.port(), Some(5061));
/// assert_eq!(sip.params().get("transport"), Some("tcp"));
/// assert_eq!(uri.to_string(), "sips:alice:secret@[2001:db8::1]:5061;transport=tcp?Subject=hi");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Uri<'a> {
    /// A `sip:` or `sips:` URI.
    Sip(SipUri<'a>),
    /// A `tel:` URI.
    Tel(TelUri<'a>),
    /// Any other scheme, kept opaque.
    Absolute(AbsoluteUri<'a>),
}

impl<'a> Uri<'a> {
    /// Parses a URI (strict: no white space).
    ///
    /// # Errors
    ///
    /// A [`ParseError`] positioned in `s`.
    pub fn parse(s: &'a str) -> Result<Uri<'a>, ParseError> {
        Uri::parse_lenient(s, false)
    }

    /// Parses a URI; with `lws`, white space around `;` and `=` of SIP URI parameters is
    /// tolerated (RFC 4475 `lwsruri`).
    pub(crate) fn parse_lenient(s: &'a str, lws: bool) -> Result<Uri<'a>, ParseError> {
        let b = s.as_bytes();
        // The common schemes first, without the general scan.
        if b.len() > 4 && b[..4].eq_ignore_ascii_case(b"sip:") {
            return SipUri::parse_rest(s, 4, false, lws).map(Uri::Sip);
        }
        let scheme_len = b
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
            .count();
        if scheme_len == 0 || !b[0].is_ascii_alphabetic() {
            return Err(ParseError::new(ErrorKind::Uri("a URI must start with a scheme"), b, 0));
        }
        if b.get(scheme_len) != Some(&b':') {
            return Err(ParseError::new(
                ErrorKind::Uri("expected `:` after the scheme"),
                b,
                scheme_len,
            ));
        }
        let scheme = &s[..scheme_len];
        let rest_at = scheme_len + 1;
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            SipUri::parse_rest(s, rest_at, scheme.len() == 4, lws).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("tel") {
            TelUri::parse_rest(s, rest_at).map(Uri::Tel)
        } else {
            let rest = &s[rest_at..];
            if rest.is_empty() {
                return Err(ParseError::new(
                    ErrorKind::Uri("empty URI after the scheme"),
                    b,
                    rest_at,
                ));
            }
            if let Some(i) =
                rest.bytes().position(|c| c <= b' ' || matches!(c, b'<' | b'>' | b'"' | 0x7f))
            {
                return Err(ParseError::new(
                    ErrorKind::Uri("invalid character in URI"),
                    b,
                    rest_at + i,
                ));
            }
            Ok(Uri::Absolute(AbsoluteUri { raw: s, scheme_len }))
        }
    }

    /// The URI as written.
    pub fn as_str(&self) -> &'a str {
        match self {
            Uri::Sip(u) => u.raw,
            Uri::Tel(u) => u.raw,
            Uri::Absolute(u) => u.raw,
        }
    }

    /// The scheme as written (`sip`, `SIPS`, `tel`, `http`, ...).
    pub fn scheme(&self) -> &'a str {
        match self {
            Uri::Sip(u) => &u.raw[..if u.secure { 4 } else { 3 }],
            Uri::Tel(u) => &u.raw[..3],
            Uri::Absolute(u) => &u.raw[..u.scheme_len],
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri<'a>> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }
}

impl fmt::Display for Uri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The host part of a SIP URI or Via.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A host name as written.
    Domain(&'a str),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference, without the brackets, as written. RFC 5118 §4.3 asks parsers to accept
    /// a form that RFC 3261's ABNF allowed by mistake (three colons before an embedded IPv4
    /// address), so the text is kept; [`Host::ipv6`] converts it where it is a real address.
    Ipv6(&'a str),
}

impl<'a> Host<'a> {
    /// Parses a host: a name, an IPv4 address, or an IPv6 reference in brackets.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] positioned in `s`.
    pub fn parse(s: &'a str) -> Result<Host<'a>, ParseError> {
        let b = s.as_bytes();
        let err = |what, at| ParseError::new(ErrorKind::Uri(what), b, at);
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| err("IPv6 reference without `]`", s.len()))?;
            return ipv6_text(inner)
                .map(Host::Ipv6)
                .map_err(|e| err("invalid IPv6 reference", 1 + e));
        }
        let (run, empty_label) = host_run(b);
        if run < b.len() {
            // Not an IPv4 address either (it holds a byte that is neither a digit nor `.`).
            return Err(err("invalid character in host", run));
        }
        Host::from_run(s, empty_label)
    }

    /// The host for `s`, a run of host-name characters found by [`host_run`] (which also told
    /// whether it holds an empty label): an IPv4 address or a host name.
    #[inline]
    pub(crate) fn from_run(s: &'a str, empty_label: bool) -> Result<Host<'a>, ParseError> {
        let b = s.as_bytes();
        let err = |what, at| ParseError::new(ErrorKind::Uri(what), b, at);
        if s.is_empty() {
            return Err(err("empty host", 0));
        }
        if b[0].is_ascii_digit()
            && b[b.len() - 1].is_ascii_digit()
            && let Ok(v4) = s.parse::<Ipv4Addr>()
        {
            return Ok(Host::Ipv4(v4));
        }
        if b[0] == b'.' || b[0] == b'-' || empty_label {
            return Err(err("invalid host name", 0));
        }
        Ok(Host::Domain(s))
    }

    /// The IPv6 address, for an IPv6 reference that is a valid address.
    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        match self {
            Host::Ipv6(text) => text.parse().ok(),
            _ => None,
        }
    }
}

/// The length of the run of host-name characters (alphanumerics, `-`, `.`) at the start of `b`,
/// and whether it holds an empty label (`..`), in one pass.
#[inline]
pub(crate) fn host_run(b: &[u8]) -> (usize, bool) {
    let mut i = 0;
    let mut empty_label = false;
    while i < b.len() {
        let c = b[i];
        if c == b'.' {
            empty_label |= i > 0 && b[i - 1] == b'.';
        } else if !grammar::is(c, grammar::HOST) {
            break;
        }
        i += 1;
    }
    (i, empty_label)
}

/// Checks the text of an IPv6 address loosely (hex digits, colons, an optional dotted IPv4 tail);
/// returns the offset of the first bad character.
pub(crate) fn ipv6_text(s: &str) -> Result<&str, usize> {
    if s.len() < 2 || !s.contains(':') {
        return Err(0);
    }
    match s.bytes().position(|c| !(c.is_ascii_hexdigit() || c == b':' || c == b'.')) {
        Some(i) => Err(i),
        None => Ok(s),
    }
}

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(t) => write!(f, "[{t}]"),
        }
    }
}

/// A `sip:` or `sips:` URI, borrowing from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipUri<'a> {
    raw: &'a str,
    secure: bool,
    user: Option<&'a str>,
    password: Option<&'a str>,
    host: Host<'a>,
    host_text: &'a str,
    port: Option<u16>,
    params: Params<'a>,
    headers: Option<&'a str>,
}

impl<'a> SipUri<'a> {
    fn parse_rest(
        s: &'a str,
        at: usize,
        secure: bool,
        lws: bool,
    ) -> Result<SipUri<'a>, ParseError> {
        let b = s.as_bytes();
        let err = |what, i| ParseError::new(ErrorKind::Uri(what), b, i);
        let rest = &s[at..];
        let mut p = at;
        let mut user = None;
        let mut password = None;
        // The user characters without `%` are scanned first: no `@` can come before the first
        // byte outside them, and a user part made of them alone needs no further check.
        let mut j = at;
        while j < b.len() && grammar::is(b[j], UNRESERVED | USER) {
            j += 1;
        }
        let at_sign = if b.get(j) == Some(&b'@') {
            Some(j - at)
        } else {
            memchr::memchr(b'@', &b[j..]).map(|k| j - at + k)
        };
        if at_sign == Some(j - at) && j > at {
            user = Some(&rest[..j - at]);
            p = j + 1;
        } else if let Some(i) = at_sign {
            let userinfo = &rest[..i];
            let (u, pw) = match memchr::memchr(b':', userinfo.as_bytes()) {
                Some(c) => (&userinfo[..c], Some(&userinfo[c + 1..])),
                None => (userinfo, None),
            };
            if u.is_empty() {
                return Err(err("empty user part", at));
            }
            if let Some(j) =
                u.bytes().position(|c| !(grammar::is(c, UNRESERVED | USER) || c == b'%'))
            {
                return Err(err("invalid character in user part", at + j));
            }
            grammar::check_escapes(u).map_err(|j| err("bad % escape in user part", at + j))?;
            if let Some(pw) = pw {
                let pw_at = at + u.len() + 1;
                if let Some(j) =
                    pw.bytes().position(|c| !(grammar::is(c, UNRESERVED | PASSWORD) || c == b'%'))
                {
                    return Err(err("invalid character in password", pw_at + j));
                }
                grammar::check_escapes(pw)
                    .map_err(|j| err("bad % escape in password", pw_at + j))?;
            }
            user = Some(u);
            password = pw;
            p = at + i + 1;
        }
        // Host.
        let host_start = p;
        if b.get(p) == Some(&b'[') {
            while p < b.len() && b[p] != b']' {
                p += 1;
            }
            if p == b.len() {
                return Err(err("IPv6 reference without `]`", p));
            }
            p += 1;
        } else {
            // One pass over the host-name characters; a host that stops anywhere but at `:`,
            // `;`, `?` or the end is invalid, and `Host::parse` below finds out why.
            let (run, empty_label) = host_run(&b[p..]);
            if matches!(b.get(p + run), None | Some(b':' | b';' | b'?')) {
                p += run;
                let host_text = &s[host_start..p];
                let host =
                    Host::from_run(host_text, empty_label).map_err(|e| e.rebase(b, host_start))?;
                return SipUri::parse_tail(s, p, secure, lws, user, password, host, host_text);
            }
            p += b[p..].iter().position(|c| matches!(c, b':' | b';' | b'?')).unwrap_or(b.len() - p);
        }
        let host_text = &s[host_start..p];
        let host = Host::parse(host_text).map_err(|e| e.rebase(b, host_start))?;
        SipUri::parse_tail(s, p, secure, lws, user, password, host, host_text)
    }

    /// The port, parameters and headers after the host, which ends at `p`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn parse_tail(
        s: &'a str,
        mut p: usize,
        secure: bool,
        lws: bool,
        user: Option<&'a str>,
        password: Option<&'a str>,
        host: Host<'a>,
        host_text: &'a str,
    ) -> Result<SipUri<'a>, ParseError> {
        let b = s.as_bytes();
        let err = |what, i| ParseError::new(ErrorKind::Uri(what), b, i);
        // Port.
        let mut port = None;
        if b.get(p) == Some(&b':') {
            p += 1;
            let digits = b[p..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 5 {
                return Err(err("invalid port", p));
            }
            port = Some(s[p..p + digits].parse::<u16>().map_err(|_| err("port out of range", p))?);
            p += digits;
        }
        // Parameters.
        let mut params = Params::default();
        if b.get(p) == Some(&b';') || (lws && b.get(p).is_some_and(|c| matches!(c, b' ' | b'\t'))) {
            let mut q = p;
            while lws && q < b.len() && matches!(b[q], b' ' | b'\t') {
                q += 1;
            }
            if b.get(q) != Some(&b';') {
                return Err(err("unexpected character after host", p));
            }
            let start = q + 1;
            let end = s[start..].find('?').map_or(s.len(), |i| start + i);
            check_uri_params(&s[start..end], lws).map_err(|e| e.rebase(b, start))?;
            params = Params::from_raw(&s[start..end]);
            p = end;
        }
        // Headers.
        let mut headers = None;
        if b.get(p) == Some(&b'?') {
            let start = p + 1;
            let text = &s[start..];
            let mut pair_at = start;
            for pair in text.split('&') {
                let (name, value) =
                    pair.split_once('=').ok_or_else(|| err("URI header without `=`", pair_at))?;
                let ok = |c: u8| grammar::is(c, UNRESERVED | HNV) || c == b'%';
                if name.is_empty() || !name.bytes().all(ok) {
                    return Err(err("invalid URI header name", pair_at));
                }
                if let Some(j) = value.bytes().position(|c| !ok(c)) {
                    return Err(err(
                        "invalid character in URI header value",
                        pair_at + name.len() + 1 + j,
                    ));
                }
                grammar::check_escapes(pair)
                    .map_err(|j| err("bad % escape in URI header", pair_at + j))?;
                pair_at += pair.len() + 1;
            }
            headers = Some(text);
            p = s.len();
        }
        if p != s.len() {
            return Err(err("unexpected character in URI", p));
        }
        Ok(SipUri { raw: s, secure, user, password, host, host_text, port, params, headers })
    }

    /// Whether the scheme is `sips`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The user part as written (may hold `%` escapes).
    pub fn user(&self) -> Option<&'a str> {
        self.user
    }

    /// The user part with `%` escapes decoded.
    pub fn user_decoded(&self) -> Option<Cow<'a, [u8]>> {
        self.user.map(grammar::unescape)
    }

    /// The password as written.
    pub fn password(&self) -> Option<&'a str> {
        self.password
    }

    /// The host.
    pub fn host(&self) -> Host<'a> {
        self.host
    }

    /// The host as written (brackets included for IPv6).
    pub fn host_str(&self) -> &'a str {
        self.host_text
    }

    /// The port, if given.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The URI parameters (`transport`, `user`, `method`, `ttl`, `maddr`, `lr`, others).
    pub fn params(&self) -> Params<'a> {
        self.params
    }

    /// The header part after `?`, as written (`name=value&...`).
    pub fn headers(&self) -> Option<&'a str> {
        self.headers
    }

    /// The header fields of the URI as `(name, value)` pairs, still escaped.
    pub fn header_pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers.into_iter().flat_map(|h| h.split('&')).filter_map(|pair| pair.split_once('='))
    }

    /// The URI as written.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }
}

/// A `tel:` URI (RFC 3966).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelUri<'a> {
    raw: &'a str,
    number: &'a str,
    params: Params<'a>,
}

impl<'a> TelUri<'a> {
    fn parse_rest(s: &'a str, at: usize) -> Result<TelUri<'a>, ParseError> {
        let b = s.as_bytes();
        let err = |what, i| ParseError::new(ErrorKind::Uri(what), b, i);
        let rest = &s[at..];
        let end = rest.find(';').unwrap_or(rest.len());
        let number = &rest[..end];
        let global = number.starts_with('+');
        let digits = if global { &number[1..] } else { number };
        let mut significant = 0;
        for (i, c) in digits.bytes().enumerate() {
            let ok = if global {
                c.is_ascii_digit()
            } else {
                c.is_ascii_hexdigit() || c == b'*' || c == b'#'
            };
            if ok {
                significant += 1;
            } else if !matches!(c, b'-' | b'.' | b'(' | b')') {
                return Err(err(
                    "invalid character in telephone number",
                    at + usize::from(global) + i,
                ));
            }
        }
        if significant == 0 {
            return Err(err("telephone number without digits", at));
        }
        let mut params = Params::default();
        if end < rest.len() {
            let start = at + end + 1;
            check_uri_params(&s[start..], false).map_err(|e| e.rebase(b, start))?;
            params = Params::from_raw(&s[start..]);
        }
        if !global && !params.contains("phone-context") {
            return Err(err("a local number needs a phone-context parameter", at));
        }
        Ok(TelUri { raw: s, number, params })
    }

    /// The number as written, visual separators included (`+1-201-555-0123`).
    pub fn number(&self) -> &'a str {
        self.number
    }

    /// Whether the number is global (starts with `+`).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The number without visual separators (`-`, `.`, `(`, `)`), `+` kept.
    pub fn digits(&self) -> impl Iterator<Item = char> + 'a {
        self.number.chars().filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
    }

    /// The parameters (`ext`, `isub`, `phone-context`, others).
    pub fn params(&self) -> Params<'a> {
        self.params
    }

    /// The URI as written.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }
}

/// A URI of another scheme, kept opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsoluteUri<'a> {
    raw: &'a str,
    scheme_len: usize,
}

impl<'a> AbsoluteUri<'a> {
    /// The scheme.
    pub fn scheme(&self) -> &'a str {
        &self.raw[..self.scheme_len]
    }

    /// Everything after `scheme:`.
    pub fn rest(&self) -> &'a str {
        &self.raw[self.scheme_len + 1..]
    }

    /// The URI as written.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_uris() {
        let u = Uri::parse("sip:user;par=u%40example.net@example.com").unwrap();
        let s = u.as_sip().unwrap();
        assert_eq!(s.user(), Some("user;par=u%40example.net"));
        assert_eq!(s.host(), Host::Domain("example.com"));
        let u = Uri::parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com").unwrap();
        assert_eq!(
            u.as_sip().unwrap().password(),
            Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        );
        let u =
            Uri::parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31").unwrap();
        assert_eq!(&*u.as_sip().unwrap().user_decoded().unwrap(), b"caller");
        assert_eq!(Uri::parse("SIP:a@B.com:5060").unwrap().as_sip().unwrap().port(), Some(5060));
        let u = Uri::parse("sip:[2001:db8::10:5070]").unwrap();
        assert_eq!(u.as_sip().unwrap().port(), None);
        assert!(Uri::parse("sip:user@[2001:db8:::192.0.2.1]").is_ok());
        assert_eq!(
            Uri::parse("sip:192.0.2.1").unwrap().as_sip().unwrap().host(),
            Host::Ipv4(Ipv4Addr::new(192, 0, 2, 1))
        );
    }

    #[test]
    fn bad_sip_uris() {
        for bad in [
            "sip:2001:db8::10",
            "sip:",
            "sip:@h",
            "sip:a b@h",
            "sip:h;;x",
            "sip:h?x",
            "sip:h:99999",
            "sip:a@h%",
            "<sip:a@b>",
            "sip:a@h:5060x",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad}");
        }
        let e = Uri::parse("sip:2001:db8::10").unwrap_err();
        assert_eq!(e.offset, 9);
        assert!(Uri::parse_lenient("sip:user@example.com; lr", true).is_ok());
    }

    #[test]
    fn tel_and_opaque() {
        let u = Uri::parse("tel:+1-201-555-0123;ext=1234").unwrap();
        let Uri::Tel(t) = u else { panic!() };
        assert!(t.is_global());
        assert_eq!(t.digits().collect::<String>(), "+12015550123");
        assert_eq!(t.params().get("ext"), Some("1234"));
        assert!(Uri::parse("tel:7042;phone-context=example.com").is_ok());
        assert!(Uri::parse("tel:7042").is_err());
        assert!(Uri::parse("tel:+").is_err());
        let u = Uri::parse("soap.beep://192.0.2.103:3002").unwrap();
        assert_eq!(u.scheme(), "soap.beep");
        assert!(matches!(u, Uri::Absolute(_)));
        assert!(Uri::parse("isbn:2983792873").is_ok());
        assert!(Uri::parse("x:").is_err());
    }
}
