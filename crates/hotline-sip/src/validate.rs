//! Validation: application- and transaction-level faults of a message that parsed, reported with
//! stable codes (RFC 4475 §3.2–3.3), separate from parsing.
//!
//! | code | what it means |
//! |---|---|
//! | `missing-header` | a header field every request (To, From, CSeq, Call-ID, Max-Forwards, Via) or response (To, From, CSeq, Call-ID, Via) needs is absent (RFC 3261 §8.1.1) |
//! | `multiple-values` | a single-valued header field (To, From, CSeq, Call-ID, Max-Forwards, Content-Length, Content-Type, Expires, Date, ...) appears more than once |
//! | `content-length-mismatch` | Content-Length values disagree, so the body's end is unknown (`mcl01`) |
//! | `max-forwards-zero` | a request arrived with Max-Forwards 0: it must not be forwarded (`zeromf`) |
//! | `cseq-method-mismatch` | the CSeq method differs from the request method |
//! | `unknown-scheme` | the Request-URI, or a From, To or Contact URI, uses a scheme other than those in [`Validator::schemes`] (`unkscm`, `novelsc`, `unksm2`) |
//! | `unsupported-require` | Require or Proxy-Require names an option tag not in [`Validator::supported`] (`bext01`) |
//! | `invalid-branch` | a Via branch is empty or only the magic cookie `z9hG4bK` (`badbranch`) |
//! | `unsupported-content-type` | the body's Content-Type is not in [`Validator::content_types`] (`invut`) |
//! | `unknown-auth-scheme` | Authorization or Proxy-Authorization uses a scheme not in [`Validator::auth_schemes`] (`regaut01`) |
//! | `broadcast-via` | a Via's sent-by, received or maddr is the broadcast address 255.255.255.255 (`bcast`) |
//! | `register-contact-param` | a REGISTER Contact without `<>` carries parameters other than `q`/`expires`: they are Contact parameters, not URI parameters (`cparam01`) |
//! | `register-contact-uri-param` | a REGISTER Contact URI carries an unknown URI parameter, which is part of the binding's URI (`cparam02`) |
//! | `register-contact-uri-headers` | a REGISTER Contact URI carries escaped header fields, which the registrar stores as part of the URI (`regescrt`) |
//! | `unacceptable-accept` | an INVITE's Accept excludes `application/sdp`, so no SDP answer is acceptable (`sdp01`) |
//! | `missing-body` | a Content-Type is given for an empty body |
//! | `malformed-header` | a known header field does not parse as its type (only for messages not already [`check`](crate::Message::check)ed) |

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::header::{
    Challenge, Contact, Credentials, Expires, MaxForwards, MediaType, NameAddr, OptionTag, Via,
};
use crate::message::{Message, Method};
use crate::name::HeaderName;
use crate::uri::{Host, Uri};

/// A stable validation code (see the [module documentation](self) for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Code {
    MissingHeader,
    MultipleValues,
    ContentLengthMismatch,
    MaxForwardsZero,
    CseqMethodMismatch,
    UnknownScheme,
    UnsupportedRequire,
    InvalidBranch,
    UnsupportedContentType,
    UnknownAuthScheme,
    BroadcastVia,
    RegisterContactParam,
    RegisterContactUriParam,
    RegisterContactUriHeaders,
    UnacceptableAccept,
    MissingBody,
    MalformedHeader,
}

impl Code {
    /// The code as printed (`missing-header`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingHeader => "missing-header",
            Code::MultipleValues => "multiple-values",
            Code::ContentLengthMismatch => "content-length-mismatch",
            Code::MaxForwardsZero => "max-forwards-zero",
            Code::CseqMethodMismatch => "cseq-method-mismatch",
            Code::UnknownScheme => "unknown-scheme",
            Code::UnsupportedRequire => "unsupported-require",
            Code::InvalidBranch => "invalid-branch",
            Code::UnsupportedContentType => "unsupported-content-type",
            Code::UnknownAuthScheme => "unknown-auth-scheme",
            Code::BroadcastVia => "broadcast-via",
            Code::RegisterContactParam => "register-contact-param",
            Code::RegisterContactUriParam => "register-contact-uri-param",
            Code::RegisterContactUriHeaders => "register-contact-uri-headers",
            Code::UnacceptableAccept => "unacceptable-accept",
            Code::MissingBody => "missing-body",
            Code::MalformedHeader => "malformed-header",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding of validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The stable code.
    pub code: Code,
    /// What was found, in words.
    pub message: String,
}

/// What the validating element supports. The defaults describe a plain RFC 3261 user agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Validator {
    /// Option tags the element supports (Require/Proxy-Require). Default: none.
    pub supported: Vec<String>,
    /// Body types the element understands, `type/subtype`. Default: `application/sdp`,
    /// `multipart/mixed`, `multipart/alternative`, `multipart/related`, `text/plain`,
    /// `message/sipfrag`, `application/dtmf-relay`.
    pub content_types: Vec<String>,
    /// URI schemes the element understands. Default: `sip`, `sips`, `tel`.
    pub schemes: Vec<String>,
    /// Authorization schemes the element understands. Default: `Digest`.
    pub auth_schemes: Vec<String>,
}

impl Default for Validator {
    fn default() -> Self {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Validator {
            supported: Vec::new(),
            content_types: owned(&[
                "application/sdp",
                "multipart/mixed",
                "multipart/alternative",
                "multipart/related",
                "text/plain",
                "message/sipfrag",
                "application/dtmf-relay",
            ]),
            schemes: owned(&["sip", "sips", "tel"]),
            auth_schemes: owned(&["Digest"]),
        }
    }
}

const KNOWN_URI_PARAMS: &[&str] =
    &["transport", "user", "method", "ttl", "maddr", "lr", "ob", "gr", "comp", "sigcomp-id"];

impl Validator {
    /// Validates `msg`, returning every finding in a stable order.
    ///
    /// ```
    /// use hotline_sip::{Message, validate::{Code, Validator}};
    /// let msg = Message::parse(b"OPTIONS sip:a@example.com SIP/2.0\r\nMax-Forwards: 0\r\n\r\n").unwrap();
    /// let codes: Vec<Code> = Validator::default().validate(&msg).iter().map(|w| w.code).collect();
    /// assert!(codes.contains(&Code::MaxForwardsZero));
    /// assert!(codes.contains(&Code::MissingHeader));
    /// ```
    pub fn validate(&self, msg: &Message<'_>) -> Vec<Warning> {
        let mut out = Vec::new();
        let mut warn = |code: Code, message: String| out.push(Warning { code, message });
        let method = msg.method();

        // Required header fields.
        let required: &[HeaderName] = if method.is_some() {
            &[
                HeaderName::To,
                HeaderName::From,
                HeaderName::CSeq,
                HeaderName::CallId,
                HeaderName::MaxForwards,
                HeaderName::Via,
            ]
        } else {
            &[
                HeaderName::To,
                HeaderName::From,
                HeaderName::CSeq,
                HeaderName::CallId,
                HeaderName::Via,
            ]
        };
        for &name in required {
            if msg.header(name).is_none() {
                warn(Code::MissingHeader, format!("the {name} header field is missing"));
            }
        }

        // Single-valued header fields given more than once.
        for name in [
            HeaderName::To,
            HeaderName::From,
            HeaderName::CSeq,
            HeaderName::CallId,
            HeaderName::MaxForwards,
            HeaderName::ContentLength,
            HeaderName::ContentType,
            HeaderName::Expires,
            HeaderName::MinExpires,
            HeaderName::Date,
            HeaderName::Event,
            HeaderName::SubscriptionState,
        ] {
            let n = msg.headers_of(name).count();
            if n > 1 {
                warn(Code::MultipleValues, format!("{name} appears {n} times but takes one value"));
            }
        }

        if msg.content_length_conflict() {
            let values: Vec<&str> = msg.values(HeaderName::ContentLength).collect();
            warn(
                Code::ContentLengthMismatch,
                format!(
                    "Content-Length values disagree ({}); the body length is unknown",
                    values.join(", ")
                ),
            );
        }

        // Known header fields that do not parse (for messages that were not checked).
        for header in msg.headers() {
            for value in header.values() {
                let ok = match header.kind() {
                    HeaderName::Via => msg.parse_value::<Via<'_>>(value).is_ok(),
                    HeaderName::From
                    | HeaderName::To
                    | HeaderName::Route
                    | HeaderName::RecordRoute => msg.parse_value::<NameAddr<'_>>(value).is_ok(),
                    HeaderName::Contact => msg.parse_value::<Contact<'_>>(value).is_ok(),
                    HeaderName::CSeq => msg.parse_value::<crate::header::CSeq<'_>>(value).is_ok(),
                    HeaderName::MaxForwards => msg.parse_value::<MaxForwards>(value).is_ok(),
                    HeaderName::Expires => msg.parse_value::<Expires>(value).is_ok(),
                    HeaderName::ContentType => msg.parse_value::<MediaType<'_>>(value).is_ok(),
                    _ => true,
                };
                if !ok {
                    warn(
                        Code::MalformedHeader,
                        format!("the {} value `{value}` does not parse", header.kind()),
                    );
                }
            }
        }

        if let Some(method) = method {
            if let Ok(Some(mf)) = msg.max_forwards()
                && mf == 0
            {
                warn(
                    Code::MaxForwardsZero,
                    "Max-Forwards is 0: the request must not be forwarded".to_owned(),
                );
            }
            if let Ok(cseq) = msg.cseq()
                && cseq.method != method
            {
                warn(
                    Code::CseqMethodMismatch,
                    format!("CSeq method {} differs from the request method {method}", cseq.method),
                );
            }
            if let Ok(uri) = msg.request_uri() {
                self.check_scheme(&uri, "the Request-URI", &mut warn);
            }
            for name in [HeaderName::Require, HeaderName::ProxyRequire] {
                for tag in msg.parse_all::<OptionTag<'_>>(name).flatten() {
                    if !self.supported.iter().any(|s| s.eq_ignore_ascii_case(tag.0)) {
                        warn(
                            Code::UnsupportedRequire,
                            format!("{name} names the unsupported extension `{}`", tag.0),
                        );
                    }
                }
            }
            if method == Method::Invite && msg.header(HeaderName::Accept).is_some() {
                let accepts_sdp = msg
                    .parse_all::<MediaType<'_>>(HeaderName::Accept)
                    .flatten()
                    .any(|m| m.matches("application", "sdp"));
                if !accepts_sdp {
                    warn(
                        Code::UnacceptableAccept,
                        "Accept excludes application/sdp, so no session description can be sent in the answer".to_owned(),
                    );
                }
            }
            for name in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
                for cred in msg.parse_all::<Credentials<'_>>(name).flatten() {
                    if !self.auth_schemes.iter().any(|s| s.eq_ignore_ascii_case(cred.scheme)) {
                        warn(
                            Code::UnknownAuthScheme,
                            format!("{name} uses the unknown scheme `{}`", cred.scheme),
                        );
                    }
                }
            }
            if method == Method::Register {
                self.check_register(msg, &mut warn);
            }
        } else {
            for name in [HeaderName::WwwAuthenticate, HeaderName::ProxyAuthenticate] {
                for ch in msg.parse_all::<Challenge<'_>>(name).flatten() {
                    if !self.auth_schemes.iter().any(|s| s.eq_ignore_ascii_case(ch.scheme)) {
                        warn(
                            Code::UnknownAuthScheme,
                            format!("{name} uses the unknown scheme `{}`", ch.scheme),
                        );
                    }
                }
            }
        }

        for (name, addr) in [HeaderName::From, HeaderName::To]
            .into_iter()
            .filter_map(|n| msg.parse_first::<NameAddr<'_>>(n).ok().flatten().map(|a| (n, a)))
        {
            self.check_scheme(&addr.uri(), &format!("the {name} URI"), &mut warn);
        }
        for contact in msg.contacts().flatten() {
            if let Some(addr) = contact.address() {
                self.check_scheme(&addr.uri(), "a Contact URI", &mut warn);
            }
        }

        for via in msg.via().flatten() {
            if let Some(branch) = via.branch()
                && (branch.is_empty() || branch == "z9hG4bK")
            {
                warn(
                    Code::InvalidBranch,
                    format!(
                        "the Via branch `{branch}` has no transaction identifier after the magic cookie"
                    ),
                );
            }
            let broadcast = |s: &str| s == "255.255.255.255";
            if via.host() == Host::Ipv4(std::net::Ipv4Addr::BROADCAST)
                || via.received().is_some_and(broadcast)
                || via.maddr().is_some_and(broadcast)
            {
                warn(
                    Code::BroadcastVia,
                    "a Via points at the broadcast address 255.255.255.255".to_owned(),
                );
            }
        }

        if let Ok(Some(ct)) = msg.content_type() {
            if msg.body().is_empty() {
                warn(
                    Code::MissingBody,
                    format!(
                        "Content-Type {}/{} is given but the body is empty",
                        ct.kind, ct.subtype
                    ),
                );
            } else if !self.content_types.iter().any(|t| {
                t.split_once('/').is_some_and(|(k, s)| {
                    ct.kind.eq_ignore_ascii_case(k) && ct.subtype.eq_ignore_ascii_case(s)
                })
            }) {
                warn(
                    Code::UnsupportedContentType,
                    format!("the body type {}/{} is not understood", ct.kind, ct.subtype),
                );
            }
        }
        out
    }

    fn check_scheme(&self, uri: &Uri<'_>, what: &str, warn: &mut impl FnMut(Code, String)) {
        let scheme = uri.scheme();
        if !self.schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            warn(Code::UnknownScheme, format!("{what} uses the unknown scheme `{scheme}`"));
        }
    }

    fn check_register(&self, msg: &Message<'_>, warn: &mut impl FnMut(Code, String)) {
        for contact in msg.contacts().flatten() {
            let Some(addr) = contact.address() else { continue };
            if !addr.is_name_addr() {
                for p in addr.params().iter() {
                    if !p.name.eq_ignore_ascii_case("q") && !p.name.eq_ignore_ascii_case("expires")
                    {
                        warn(
                            Code::RegisterContactParam,
                            format!(
                                "Contact parameter `{}` is outside `<>`: a Contact parameter, not part of the URI",
                                p.name
                            ),
                        );
                    }
                }
            }
            if let Uri::Sip(sip) = addr.uri() {
                for p in sip.params().iter() {
                    if !KNOWN_URI_PARAMS.iter().any(|k| k.eq_ignore_ascii_case(p.name)) {
                        warn(
                            Code::RegisterContactUriParam,
                            format!(
                                "Contact URI parameter `{}` is part of the binding's URI",
                                p.name
                            ),
                        );
                    }
                }
                if let Some(h) = sip.headers() {
                    warn(
                        Code::RegisterContactUriHeaders,
                        format!(
                            "Contact URI carries header fields `{h}`, stored as part of the binding"
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &[u8]) -> Vec<Code> {
        let msg = Message::parse(text).unwrap();
        Validator::default().validate(&msg).into_iter().map(|w| w.code).collect()
    }

    #[test]
    fn clean_request_has_no_findings() {
        let text = b"OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nMax-Forwards: 70\r\nTo: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(codes(text), []);
    }

    #[test]
    fn mismatch_and_malformed() {
        let text = b"OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK\r\nMax-Forwards: 300\r\nTo: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n";
        let c = codes(text);
        assert!(c.contains(&Code::CseqMethodMismatch), "{c:?}");
        assert!(c.contains(&Code::MalformedHeader), "{c:?}");
        assert!(c.contains(&Code::InvalidBranch), "{c:?}");
    }
}
