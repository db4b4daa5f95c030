//! Header field names: the known ones as an enum, classified case-insensitively, compact forms
//! included (RFC 3261 §7.3.3 and the extensions that define one).

use serde::{Deserialize, Serialize};

/// A header field name, classified. Unknown names are [`HeaderName::Other`]; the name as written
/// stays available on [`Header::name`](crate::Header::name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum HeaderName {
    /// `Accept`.
    Accept,
    /// `Accept-Contact` (compact form `a`).
    AcceptContact,
    /// `Accept-Encoding`.
    AcceptEncoding,
    /// `Accept-Language`.
    AcceptLanguage,
    /// `Alert-Info`.
    AlertInfo,
    /// `Allow`.
    Allow,
    /// `Allow-Events` (compact form `u`).
    AllowEvents,
    /// `Authentication-Info`.
    AuthenticationInfo,
    /// `Authorization`.
    Authorization,
    /// `Call-ID` (compact form `i`).
    CallId,
    /// `Call-Info`.
    CallInfo,
    /// `Contact` (compact form `m`).
    Contact,
    /// `Content-Disposition`.
    ContentDisposition,
    /// `Content-Encoding` (compact form `e`).
    ContentEncoding,
    /// `Content-Language`.
    ContentLanguage,
    /// `Content-Length` (compact form `l`).
    ContentLength,
    /// `Content-Type` (compact form `c`).
    ContentType,
    /// `CSeq`.
    CSeq,
    /// `Date`.
    Date,
    /// `Error-Info`.
    ErrorInfo,
    /// `Event` (compact form `o`).
    Event,
    /// `Expires`.
    Expires,
    /// `From` (compact form `f`).
    From,
    /// `Identity` (compact form `y`).
    Identity,
    /// `In-Reply-To`.
    InReplyTo,
    /// `Max-Forwards`.
    MaxForwards,
    /// `MIME-Version`.
    MimeVersion,
    /// `Min-Expires`.
    MinExpires,
    /// `Organization`.
    Organization,
    /// `Path`.
    Path,
    /// `Priority`.
    Priority,
    /// `Proxy-Authenticate`.
    ProxyAuthenticate,
    /// `Proxy-Authorization`.
    ProxyAuthorization,
    /// `Proxy-Require`.
    ProxyRequire,
    /// `RAck`.
    RAck,
    /// `Reason`.
    Reason,
    /// `Record-Route`.
    RecordRoute,
    /// `Refer-To` (compact form `r`).
    ReferTo,
    /// `Referred-By` (compact form `b`).
    ReferredBy,
    /// `Reject-Contact` (compact form `j`).
    RejectContact,
    /// `Reply-To`.
    ReplyTo,
    /// `Request-Disposition` (compact form `d`).
    RequestDisposition,
    /// `Require`.
    Require,
    /// `Retry-After`.
    RetryAfter,
    /// `Route`.
    Route,
    /// `RSeq`.
    RSeq,
    /// `Server`.
    Server,
    /// `Session-Expires` (compact form `x`).
    SessionExpires,
    /// `Subject` (compact form `s`).
    Subject,
    /// `Subscription-State`.
    SubscriptionState,
    /// `Supported` (compact form `k`).
    Supported,
    /// `Timestamp`.
    Timestamp,
    /// `To` (compact form `t`).
    To,
    /// `Unsupported`.
    Unsupported,
    /// `User-Agent`.
    UserAgent,
    /// `Via` (compact form `v`).
    Via,
    /// `Warning`.
    Warning,
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// Any other (extension) header field.
    #[default]
    Other,
}

impl HeaderName {
    /// Every known name, in alphabetical order.
    pub const ALL: &'static [HeaderName] = &[
        HeaderName::Accept,
        HeaderName::AcceptContact,
        HeaderName::AcceptEncoding,
        HeaderName::AcceptLanguage,
        HeaderName::AlertInfo,
        HeaderName::Allow,
        HeaderName::AllowEvents,
        HeaderName::AuthenticationInfo,
        HeaderName::Authorization,
        HeaderName::CallId,
        HeaderName::CallInfo,
        HeaderName::Contact,
        HeaderName::ContentDisposition,
        HeaderName::ContentEncoding,
        HeaderName::ContentLanguage,
        HeaderName::ContentLength,
        HeaderName::ContentType,
        HeaderName::CSeq,
        HeaderName::Date,
        HeaderName::ErrorInfo,
        HeaderName::Event,
        HeaderName::Expires,
        HeaderName::From,
        HeaderName::Identity,
        HeaderName::InReplyTo,
        HeaderName::MaxForwards,
        HeaderName::MimeVersion,
        HeaderName::MinExpires,
        HeaderName::Organization,
        HeaderName::Path,
        HeaderName::Priority,
        HeaderName::ProxyAuthenticate,
        HeaderName::ProxyAuthorization,
        HeaderName::ProxyRequire,
        HeaderName::RAck,
        HeaderName::Reason,
        HeaderName::RecordRoute,
        HeaderName::ReferTo,
        HeaderName::ReferredBy,
        HeaderName::RejectContact,
        HeaderName::ReplyTo,
        HeaderName::RequestDisposition,
        HeaderName::Require,
        HeaderName::RetryAfter,
        HeaderName::Route,
        HeaderName::RSeq,
        HeaderName::Server,
        HeaderName::SessionExpires,
        HeaderName::Subject,
        HeaderName::SubscriptionState,
        HeaderName::Supported,
        HeaderName::Timestamp,
        HeaderName::To,
        HeaderName::Unsupported,
        HeaderName::UserAgent,
        HeaderName::Via,
        HeaderName::Warning,
        HeaderName::WwwAuthenticate,
    ];

    /// The canonical (full) spelling, or `""` for [`HeaderName::Other`].
    pub const fn as_str(self) -> &'static str {
        match self {
            HeaderName::Accept => "Accept",
            HeaderName::AcceptContact => "Accept-Contact",
            HeaderName::AcceptEncoding => "Accept-Encoding",
            HeaderName::AcceptLanguage => "Accept-Language",
            HeaderName::AlertInfo => "Alert-Info",
            HeaderName::Allow => "Allow",
            HeaderName::AllowEvents => "Allow-Events",
            HeaderName::AuthenticationInfo => "Authentication-Info",
            HeaderName::Authorization => "Authorization",
            HeaderName::CallId => "Call-ID",
            HeaderName::CallInfo => "Call-Info",
            HeaderName::Contact => "Contact",
            HeaderName::ContentDisposition => "Content-Disposition",
            HeaderName::ContentEncoding => "Content-Encoding",
            HeaderName::ContentLanguage => "Content-Language",
            HeaderName::ContentLength => "Content-Length",
            HeaderName::ContentType => "Content-Type",
            HeaderName::CSeq => "CSeq",
            HeaderName::Date => "Date",
            HeaderName::ErrorInfo => "Error-Info",
            HeaderName::Event => "Event",
            HeaderName::Expires => "Expires",
            HeaderName::From => "From",
            HeaderName::Identity => "Identity",
            HeaderName::InReplyTo => "In-Reply-To",
            HeaderName::MaxForwards => "Max-Forwards",
            HeaderName::MimeVersion => "MIME-Version",
            HeaderName::MinExpires => "Min-Expires",
            HeaderName::Organization => "Organization",
            HeaderName::Path => "Path",
            HeaderName::Priority => "Priority",
            HeaderName::ProxyAuthenticate => "Proxy-Authenticate",
            HeaderName::ProxyAuthorization => "Proxy-Authorization",
            HeaderName::ProxyRequire => "Proxy-Require",
            HeaderName::RAck => "RAck",
            HeaderName::Reason => "Reason",
            HeaderName::RecordRoute => "Record-Route",
            HeaderName::ReferTo => "Refer-To",
            HeaderName::ReferredBy => "Referred-By",
            HeaderName::RejectContact => "Reject-Contact",
            HeaderName::ReplyTo => "Reply-To",
            HeaderName::RequestDisposition => "Request-Disposition",
            HeaderName::Require => "Require",
            HeaderName::RetryAfter => "Retry-After",
            HeaderName::Route => "Route",
            HeaderName::RSeq => "RSeq",
            HeaderName::Server => "Server",
            HeaderName::SessionExpires => "Session-Expires",
            HeaderName::Subject => "Subject",
            HeaderName::SubscriptionState => "Subscription-State",
            HeaderName::Supported => "Supported",
            HeaderName::Timestamp => "Timestamp",
            HeaderName::To => "To",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::UserAgent => "User-Agent",
            HeaderName::Via => "Via",
            HeaderName::Warning => "Warning",
            HeaderName::WwwAuthenticate => "WWW-Authenticate",
            HeaderName::Other => "",
        }
    }

    /// The compact form, if the name has one.
    pub const fn compact(self) -> Option<char> {
        match self {
            HeaderName::AcceptContact => Some('a'),
            HeaderName::AllowEvents => Some('u'),
            HeaderName::CallId => Some('i'),
            HeaderName::Contact => Some('m'),
            HeaderName::ContentEncoding => Some('e'),
            HeaderName::ContentLength => Some('l'),
            HeaderName::ContentType => Some('c'),
            HeaderName::Event => Some('o'),
            HeaderName::From => Some('f'),
            HeaderName::Identity => Some('y'),
            HeaderName::ReferTo => Some('r'),
            HeaderName::ReferredBy => Some('b'),
            HeaderName::RejectContact => Some('j'),
            HeaderName::RequestDisposition => Some('d'),
            HeaderName::SessionExpires => Some('x'),
            HeaderName::Subject => Some('s'),
            HeaderName::Supported => Some('k'),
            HeaderName::To => Some('t'),
            HeaderName::Via => Some('v'),
            _ => None,
        }
    }

    /// Whether the field's grammar is a comma-separated list, so that several values may share one
    /// line (RFC 3261 §7.3.1).
    pub const fn is_list(self) -> bool {
        matches!(
            self,
            HeaderName::Accept
                | HeaderName::AcceptContact
                | HeaderName::AcceptEncoding
                | HeaderName::AcceptLanguage
                | HeaderName::AlertInfo
                | HeaderName::Allow
                | HeaderName::AllowEvents
                | HeaderName::CallInfo
                | HeaderName::Contact
                | HeaderName::ContentEncoding
                | HeaderName::ContentLanguage
                | HeaderName::ErrorInfo
                | HeaderName::InReplyTo
                | HeaderName::Path
                | HeaderName::ProxyRequire
                | HeaderName::Reason
                | HeaderName::RecordRoute
                | HeaderName::RejectContact
                | HeaderName::RequestDisposition
                | HeaderName::Require
                | HeaderName::Route
                | HeaderName::Supported
                | HeaderName::Unsupported
                | HeaderName::Via
                | HeaderName::Warning
        )
    }

    /// Classifies a name as written (case-insensitive, compact forms included).
    ///
    /// ```
    /// use hotline_sip::HeaderName;
    /// assert_eq!(HeaderName::classify(b"MaX-fOrWaRdS"), HeaderName::MaxForwards);
    /// assert_eq!(HeaderName::classify(b"v"), HeaderName::Via);
    /// assert_eq!(HeaderName::classify(b"X-Custom"), HeaderName::Other);
    /// ```
    #[inline]
    pub fn classify(name: &[u8]) -> HeaderName {
        if name.len() == 1 {
            return match name[0].to_ascii_lowercase() {
                b'a' => HeaderName::AcceptContact,
                b'u' => HeaderName::AllowEvents,
                b'i' => HeaderName::CallId,
                b'm' => HeaderName::Contact,
                b'e' => HeaderName::ContentEncoding,
                b'l' => HeaderName::ContentLength,
                b'c' => HeaderName::ContentType,
                b'o' => HeaderName::Event,
                b'f' => HeaderName::From,
                b'y' => HeaderName::Identity,
                b'r' => HeaderName::ReferTo,
                b'b' => HeaderName::ReferredBy,
                b'j' => HeaderName::RejectContact,
                b'd' => HeaderName::RequestDisposition,
                b'x' => HeaderName::SessionExpires,
                b's' => HeaderName::Subject,
                b'k' => HeaderName::Supported,
                b't' => HeaderName::To,
                b'v' => HeaderName::Via,
                _ => HeaderName::Other,
            };
        }
        let Some(&first) = name.first() else {
            return HeaderName::Other;
        };
        let lower = first.to_ascii_lowercase();
        let candidates: &[(&[u8], HeaderName)] = match name.len() {
            2 => match lower {
                b't' => &[(b"to", HeaderName::To)],
                _ => return HeaderName::Other,
            },
            3 => match lower {
                b'v' => &[(b"via", HeaderName::Via)],
                _ => return HeaderName::Other,
            },
            4 => match lower {
                b'c' => &[(b"cseq", HeaderName::CSeq)],
                b'd' => &[(b"date", HeaderName::Date)],
                b'f' => &[(b"from", HeaderName::From)],
                b'p' => &[(b"path", HeaderName::Path)],
                b'r' => &[(b"rack", HeaderName::RAck), (b"rseq", HeaderName::RSeq)],
                _ => return HeaderName::Other,
            },
            5 => match lower {
                b'a' => &[(b"allow", HeaderName::Allow)],
                b'e' => &[(b"event", HeaderName::Event)],
                b'r' => &[(b"route", HeaderName::Route)],
                _ => return HeaderName::Other,
            },
            6 => match lower {
                b'a' => &[(b"accept", HeaderName::Accept)],
                b'r' => &[(b"reason", HeaderName::Reason)],
                b's' => &[(b"server", HeaderName::Server)],
                _ => return HeaderName::Other,
            },
            7 => match lower {
                b'c' => &[(b"call-id", HeaderName::CallId), (b"contact", HeaderName::Contact)],
                b'e' => &[(b"expires", HeaderName::Expires)],
                b'r' => &[(b"require", HeaderName::Require)],
                b's' => &[(b"subject", HeaderName::Subject)],
                b'w' => &[(b"warning", HeaderName::Warning)],
                _ => return HeaderName::Other,
            },
            8 => match lower {
                b'i' => &[(b"identity", HeaderName::Identity)],
                b'p' => &[(b"priority", HeaderName::Priority)],
                b'r' => &[(b"refer-to", HeaderName::ReferTo), (b"reply-to", HeaderName::ReplyTo)],
                _ => return HeaderName::Other,
            },
            9 => match lower {
                b'c' => &[(b"call-info", HeaderName::CallInfo)],
                b's' => &[(b"supported", HeaderName::Supported)],
                b't' => &[(b"timestamp", HeaderName::Timestamp)],
                _ => return HeaderName::Other,
            },
            10 => match lower {
                b'a' => &[(b"alert-info", HeaderName::AlertInfo)],
                b'e' => &[(b"error-info", HeaderName::ErrorInfo)],
                b'u' => &[(b"user-agent", HeaderName::UserAgent)],
                _ => return HeaderName::Other,
            },
            11 => match lower {
                b'i' => &[(b"in-reply-to", HeaderName::InReplyTo)],
                b'm' => &[(b"min-expires", HeaderName::MinExpires)],
                b'r' => &[
                    (b"referred-by", HeaderName::ReferredBy),
                    (b"retry-after", HeaderName::RetryAfter),
                ],
                b'u' => &[(b"unsupported", HeaderName::Unsupported)],
                _ => return HeaderName::Other,
            },
            12 => match lower {
                b'a' => &[(b"allow-events", HeaderName::AllowEvents)],
                b'c' => &[(b"content-type", HeaderName::ContentType)],
                b'm' => &[
                    (b"max-forwards", HeaderName::MaxForwards),
                    (b"mime-version", HeaderName::MimeVersion),
                ],
                b'o' => &[(b"organization", HeaderName::Organization)],
                b'r' => &[(b"record-route", HeaderName::RecordRoute)],
                _ => return HeaderName::Other,
            },
            13 => match lower {
                b'a' => &[(b"authorization", HeaderName::Authorization)],
                b'p' => &[(b"proxy-require", HeaderName::ProxyRequire)],
                _ => return HeaderName::Other,
            },
            14 => match lower {
                b'a' => &[(b"accept-contact", HeaderName::AcceptContact)],
                b'c' => &[(b"content-length", HeaderName::ContentLength)],
                b'r' => &[(b"reject-contact", HeaderName::RejectContact)],
                _ => return HeaderName::Other,
            },
            15 => match lower {
                b'a' => &[
                    (b"accept-encoding", HeaderName::AcceptEncoding),
                    (b"accept-language", HeaderName::AcceptLanguage),
                ],
                b's' => &[(b"session-expires", HeaderName::SessionExpires)],
                _ => return HeaderName::Other,
            },
            16 => match lower {
                b'c' => &[
                    (b"content-encoding", HeaderName::ContentEncoding),
                    (b"content-language", HeaderName::ContentLanguage),
                ],
                b'w' => &[(b"www-authenticate", HeaderName::WwwAuthenticate)],
                _ => return HeaderName::Other,
            },
            18 => match lower {
                b'p' => &[(b"proxy-authenticate", HeaderName::ProxyAuthenticate)],
                b's' => &[(b"subscription-state", HeaderName::SubscriptionState)],
                _ => return HeaderName::Other,
            },
            19 => match lower {
                b'a' => &[(b"authentication-info", HeaderName::AuthenticationInfo)],
                b'c' => &[(b"content-disposition", HeaderName::ContentDisposition)],
                b'p' => &[(b"proxy-authorization", HeaderName::ProxyAuthorization)],
                b'r' => &[(b"request-disposition", HeaderName::RequestDisposition)],
                _ => return HeaderName::Other,
            },
            _ => return HeaderName::Other,
        };
        for &(lower, kind) in candidates {
            if eq_lowercase(name, lower) {
                return kind;
            }
        }
        HeaderName::Other
    }
}

/// Whether `input` (token characters) equals the lowercase name `lower`, ignoring ASCII case.
///
/// For token characters, setting bit 0x20 lowercases letters and leaves every other token
/// character distinct from a letter and from `-`, so eight bytes compare at once.
#[inline]
fn eq_lowercase(input: &[u8], lower: &[u8]) -> bool {
    if input.len() != lower.len() {
        return false;
    }
    let mut a = input.chunks_exact(8);
    let mut b = lower.chunks_exact(8);
    for (x, y) in a.by_ref().zip(b.by_ref()) {
        let x = u64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_le_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        if x | 0x2020_2020_2020_2020 != y {
            return false;
        }
    }
    a.remainder().iter().zip(b.remainder()).all(|(x, y)| x | 0x20 == *y)
}

impl std::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_classifies_to_itself() {
        for &name in HeaderName::ALL {
            assert_eq!(HeaderName::classify(name.as_str().as_bytes()), name);
            assert_eq!(HeaderName::classify(name.as_str().to_lowercase().as_bytes()), name);
            if let Some(c) = name.compact() {
                assert_eq!(HeaderName::classify(c.to_string().as_bytes()), name);
                assert_eq!(
                    HeaderName::classify(c.to_ascii_uppercase().to_string().as_bytes()),
                    name
                );
            }
        }
        assert_eq!(HeaderName::classify(b""), HeaderName::Other);
        assert_eq!(HeaderName::classify(b"C%6Fntact"), HeaderName::Other);
    }
}
