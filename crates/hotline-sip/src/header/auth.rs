//! WWW-Authenticate, Proxy-Authenticate, Authorization and Proxy-Authorization (RFC 3261 §22,
//! §25.1; RFC 7616 digest parameters).

use std::borrow::Cow;

use crate::config::Leniency;
use crate::error::{ErrorKind, ParseError};
use crate::grammar::{self, Cursor, TOKEN};
use crate::header::HeaderValue;

/// The comma-separated `name=value` parameters of a challenge or credentials, validated once.
/// Values may be tokens or quoted strings. Credentials in the token68 form (`Basic QWxh...==`)
/// are kept whole: read them with [`AuthParams::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuthParams<'a> {
    raw: &'a str,
}

impl<'a> AuthParams<'a> {
    /// The parameters as written.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Iterates over `(name, value as written)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let mut rest = self.raw;
        std::iter::from_fn(move || {
            let r = grammar::trim_lws(rest);
            if r.is_empty() {
                return None;
            }
            let item_end = crate::message::split_comma(r).unwrap_or(r.len());
            let item = &r[..item_end];
            rest = r.get(item_end + 1..).unwrap_or("");
            let (name, value) = item.split_once('=').unwrap_or((item, ""));
            Some((grammar::trim_lws(name), grammar::trim_lws(value)))
        })
    }

    /// The value of `name` as written (quotes included), case-insensitive name.
    pub fn get_raw(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// The value of `name` with quotes and escapes removed.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.get_raw(name).map(grammar::unquote)
    }
}

fn parse_auth<'a>(
    value: &'a str,
    header: &'static str,
) -> Result<(&'a str, AuthParams<'a>), ParseError> {
    let mut c = Cursor::new(value);
    c.skip_lws();
    let scheme =
        c.token(ErrorKind::Header { header, what: "expected an authentication scheme" })?;
    c.skip_lws();
    let start = c.pos;
    if c.at_end() {
        return Ok((scheme, AuthParams::default()));
    }
    // token68 form (for example Basic credentials): one run of token68 characters.
    let save = c.pos;
    let t68 = c.take_while(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
    });
    c.take_while(|b| b == b'=');
    let after = c.pos;
    c.skip_lws();
    if !t68.is_empty() && c.at_end() {
        return Ok((scheme, AuthParams { raw: &value[start..after] }));
    }
    c.pos = save;
    loop {
        c.skip_lws();
        c.token(ErrorKind::Header { header, what: "expected a parameter name" })?;
        c.skip_lws();
        if !c.eat(b'=') {
            return Err(c.error(ErrorKind::Header {
                header,
                what: "expected `=` after the parameter name",
            }));
        }
        c.skip_lws();
        if c.peek() == Some(b'"') {
            c.quoted()?;
        } else if c.take_class(TOKEN).is_empty() {
            return Err(
                c.error(ErrorKind::Header { header, what: "expected a token or quoted string" })
            );
        }
        let end = c.pos;
        c.skip_lws();
        if c.at_end() {
            return Ok((scheme, AuthParams { raw: &value[start..end] }));
        }
        if !c.eat(b',') {
            return Err(
                c.error(ErrorKind::Header { header, what: "expected `,` between parameters" })
            );
        }
    }
}

macro_rules! digest_accessors {
    ($($(#[$doc:meta])* $fn:ident => $name:literal;)*) => {
        $(
            $(#[$doc])*
            pub fn $fn(&self) -> Option<Cow<'a, str>> {
                self.params.get($name)
            }
        )*
    };
}

/// A challenge: the value of WWW-Authenticate or Proxy-Authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// The scheme (`Digest`), as written.
    pub scheme: &'a str,
    /// The parameters.
    pub params: AuthParams<'a>,
}

impl<'a> HeaderValue<'a> for Challenge<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<Challenge<'a>, ParseError> {
        let (scheme, params) = parse_auth(value, "WWW-Authenticate")?;
        Ok(Challenge { scheme, params })
    }
}

impl<'a> Challenge<'a> {
    /// Whether the scheme is Digest.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("digest")
    }

    /// Whether `stale=true`.
    pub fn stale(&self) -> bool {
        self.params.get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }

    digest_accessors! {
        /// `realm`
        realm => "realm";
        /// `nonce`
        nonce => "nonce";
        /// `opaque`
        opaque => "opaque";
        /// `algorithm` (`MD5`, `SHA-256`, ...)
        algorithm => "algorithm";
        /// `qop` (a quoted list such as `auth,auth-int`)
        qop => "qop";
        /// `domain`
        domain => "domain";
    }
}

/// Credentials: the value of Authorization or Proxy-Authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// The scheme (`Digest`), as written.
    pub scheme: &'a str,
    /// The parameters.
    pub params: AuthParams<'a>,
}

impl<'a> HeaderValue<'a> for Credentials<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<Credentials<'a>, ParseError> {
        let (scheme, params) = parse_auth(value, "Authorization")?;
        Ok(Credentials { scheme, params })
    }
}

impl<'a> Credentials<'a> {
    /// Whether the scheme is Digest.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("digest")
    }

    digest_accessors! {
        /// `username`
        username => "username";
        /// `realm`
        realm => "realm";
        /// `nonce`
        nonce => "nonce";
        /// `uri` (the digest-uri)
        uri => "uri";
        /// `response`
        response => "response";
        /// `algorithm`
        algorithm => "algorithm";
        /// `cnonce`
        cnonce => "cnonce";
        /// `opaque`
        opaque => "opaque";
        /// `qop`
        qop => "qop";
        /// `nc` (nonce count, eight hex digits)
        nc => "nc";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest() {
        let v = "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        let c = Credentials::parse(v, &Leniency::default()).unwrap();
        assert!(c.is_digest());
        assert_eq!(c.username().unwrap(), "bob");
        assert_eq!(c.uri().unwrap(), "sip:bob@biloxi.com");
        assert_eq!(c.nc().unwrap(), "00000001");
        assert_eq!(c.qop().unwrap(), "auth");
        let ch = Challenge::parse(
            "Digest realm=\"atlanta.com\", qop=\"auth,auth-int\", stale=TRUE",
            &Leniency::default(),
        )
        .unwrap();
        assert_eq!(ch.qop().unwrap(), "auth,auth-int");
        assert!(ch.stale());
    }

    #[test]
    fn other_schemes() {
        let c = Credentials::parse("NoOneKnowsThisScheme opaque-data=here", &Leniency::default())
            .unwrap();
        assert_eq!(c.scheme, "NoOneKnowsThisScheme");
        assert_eq!(c.params.get_raw("opaque-data"), Some("here"));
        let c =
            Credentials::parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &Leniency::default()).unwrap();
        assert_eq!(c.params.as_str(), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(Credentials::parse("Digest a=\"x\",, b=c", &Leniency::default()).is_err());
        assert!(Credentials::parse("", &Leniency::default()).is_err());
    }
}
